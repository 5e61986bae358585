"""Rendering verdicts: a text table, Markdown and JSON; files written atomically.

Each row: claim, problem, status, level (the weakest level among the verdict's evidence), dps,
residual (the largest evidence residual at that level), tolerance, and notes: the reductions the
verdict rests on (:attr:`Verdict.caveats`, e.g. a shortened span), the condition number κ a
tolerance grew with, ``finding`` for a documented counterexample reproduced and ``FAILED`` for
a theorem refuted or a counterexample not reproduced.

The summary line partitions the verdicts: theorems verified, theorems refuted, inconclusive,
and — when documented counterexamples (claims expected to be *refuted*, such as C2-GENERAL) were
run — findings (counterexamples reproduced; not failures) and counterexamples not reproduced.
After the table come a **Failures** section, an **Inconclusive** section (each verdict's
reasons) and a **Findings** section (the claim's finding text and the refuted evidence). The
Markdown report has the same sections and then every Evidence's "what" sentence with its key,
level, residual, tolerance and status; JSON is ``{"summary", "meta", "findings", "failures",
"verdicts"}``. A run interrupted by Ctrl-C is reported as such (``interrupted=True``: title
INTERRUPTED, JSON ``meta.interrupted``, ``meta.completed`` of ``meta.planned``).

Problems of one's own (``symflow check --problem FILE``): given ``problems=`` (their entries),
every report starts with them — name, the file it came from, K, QN, rank D at θ₀ and how it
was decided, tags (JSON ``"problems"``); given ``skipped=`` (the
:class:`~symflow.claims.registry.Skipped` pairs), a **Not applicable** section lists the
claims not checked on them, each with the reason (JSON ``"skipped"``). Skipped pairs are not
verdicts: they are not counted in the summary and play no part in the exit code.

>>> from symflow.claims.evidence import Evidence, Level, Status, Verdict
>>> v = Verdict.from_evidence("C1", "x' = -g", "p", [Evidence(Level.EXACT, "D θ' + g = 0", 0, 0,
...                                                          Status.VERIFIED)])
>>> summary([v])
'1 verdict: 1 verified, 0 refuted, 0 inconclusive; by level: exact 1'
>>> cx = Verdict.from_evidence("C2-GENERAL", "any A", "p", [Evidence(Level.EXACT, "x' = -Pg", 1,
...                            0, Status.REFUTED)], expected=Status.REFUTED)
>>> print(summary([v, cx]))  # doctest: +NORMALIZE_WHITESPACE
2 verdicts: 1 verified, 0 refuted, 0 inconclusive, 1 finding (documented counterexample
reproduced); by level: exact 2
"""

from __future__ import annotations

import json
import os
from collections import Counter
from fractions import Fraction
from typing import Any, Iterable

import mpmath

from .claims.evidence import Status, Verdict
from .files import ReportPathError, check_writable, write_atomic

__all__ = ["fmt_number", "summary", "counts", "notes", "rows", "findings", "failures",
           "problem_info", "problem_lines", "skipped_lines",
           "text_table", "markdown", "to_json", "write_atomic", "write_json", "write_markdown",
           "check_writable", "ReportPathError", "HEADER"]


def fmt_number(x: Any) -> str:
    """A short rendering: exact rationals stay exact (≤ 20 characters), floats as 3 digits."""
    if x is None:
        return "—"
    if isinstance(x, bool):
        return str(x)
    if isinstance(x, int):
        return str(x)
    if isinstance(x, Fraction):
        s = str(x)
        return s if len(s) <= 20 else f"{float(x):.3e}"
    if isinstance(x, float):
        return f"{x:.3g}" if x == 0 else f"{x:.2e}"
    if isinstance(x, mpmath.mpf):
        return "0" if x == 0 else mpmath.nstr(x, 3, min_fixed=0, max_fixed=0)
    try:
        return fmt_number(Fraction(str(x)))
    except (ValueError, ZeroDivisionError):
        return str(x)


def _magnitude(x: Any) -> mpmath.mpf:
    """|x| as an mpf for ordering residuals (None and unparsable values count as −1)."""
    if x is None:
        return mpmath.mpf(-1)
    if isinstance(x, Fraction):
        return abs(mpmath.mpf(x.numerator) / x.denominator)
    try:
        return abs(mpmath.mpf(x))
    except (TypeError, ValueError):
        try:
            f = Fraction(str(x))
            return abs(mpmath.mpf(f.numerator) / f.denominator)
        except (ValueError, ZeroDivisionError):
            return mpmath.mpf(-1)


def _closeness(e) -> tuple:
    """Order evidence by how close it came to its tolerance: residual/tolerance (a nonzero
    residual against a zero tolerance counts as infinitely close), then by the residual."""
    r, t = _magnitude(e.residual), _magnitude(e.tolerance)
    if t > 0:
        ratio = r / t
    else:
        ratio = mpmath.inf if r > 0 else mpmath.mpf(0)
    return (ratio, r)


def _headline(v: Verdict) -> tuple[str, str, str]:
    """(dps, residual, tolerance) of the evidence that decides the verdict's row."""
    ev = [e for e in v.evidence if e.status is v.status] or list(v.evidence)
    if not ev:
        return "—", "—", "—"
    lv = v.level
    ev_lv = [e for e in ev if e.level is lv] or ev
    # identities and inequalities (residual ≤ tolerance) head the row; positivity margins
    # ("pos") and zero/nonzero agreement counts ("same") only when nothing else is there
    ev_lv = [e for e in ev_lv if e.details.get("kind") not in ("pos", "same")] or ev_lv
    worst = max(ev_lv, key=_closeness)
    dps = "—" if worst.dps is None else str(worst.dps)
    return dps, fmt_number(worst.residual), fmt_number(worst.tolerance)


def _fmt_kappa(k: Any) -> str:
    """κ to 3 significant digits (12.5, 1.23e+03)."""
    try:
        return f"{float(k):.3g}"
    except (TypeError, ValueError, OverflowError):
        return str(k)


def notes(v: Verdict) -> str:
    """The headline notes of a verdict: caveats (reduced span/sample), κ, finding / FAILED."""
    out = list(v.caveats)
    if v.kappa is not None:
        out.append(f"κ = {_fmt_kappa(v.kappa)}")
    if v.is_finding:
        out.append("finding")
    elif v.failed:
        out.append("FAILED: counterexample not reproduced" if v.expected is Status.REFUTED
                   else "FAILED")
    return "; ".join(out)


def rows(verdicts: Iterable[Verdict]) -> list[list[str]]:
    out = []
    for v in verdicts:
        dps, res, tol = _headline(v)
        out.append([v.claim, v.problem, v.status.value, v.level.value if v.level else "—",
                    dps, res, tol, notes(v)])
    return out


HEADER = ["claim", "problem", "status", "level", "dps", "residual", "tolerance", "notes"]


def counts(verdicts: Iterable[Verdict]) -> dict:
    """A partition of the verdicts: ``verified`` and ``refuted`` (theorems), ``inconclusive``,
    ``findings`` (documented counterexamples reproduced), ``not_reproduced`` (documented
    counterexamples that came out verified); plus ``failures`` = refuted + not_reproduced."""
    vs = list(verdicts)
    theorem = [v for v in vs if v.expected is not Status.REFUTED]
    c = {"verdicts": len(vs),
         "verified": sum(v.status is Status.VERIFIED for v in theorem),
         "refuted": sum(v.status is Status.REFUTED for v in theorem),
         "inconclusive": sum(v.status is Status.INCONCLUSIVE for v in vs),
         "findings": sum(v.is_finding for v in vs),
         "not_reproduced": sum(v.expected is Status.REFUTED and v.status is Status.VERIFIED
                               for v in vs),
         "counterexamples": len(vs) - len(theorem)}
    c["failures"] = c["refuted"] + c["not_reproduced"]
    return c


def _plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"


def summary(verdicts: Iterable[Verdict]) -> str:
    """Counts (see :func:`counts`) and levels, one line. Findings appear only when documented
    counterexamples were run; they are not counted as refuted."""
    vs = list(verdicts)
    c = counts(vs)
    lv = Counter(v.level.value if v.level else "none" for v in vs)
    levels = ", ".join(f"{k} {lv[k]}" for k in ("exact", "ball", "mpmath", "float64", "none")
                       if lv.get(k))
    parts = [f"{c['verified']} verified", f"{c['refuted']} refuted",
             f"{c['inconclusive']} inconclusive"]
    if c["counterexamples"]:
        parts.append(_plural(c["findings"], "finding") + " (documented counterexample"
                     f"{'' if c['findings'] == 1 else 's'} reproduced)")
    if c["not_reproduced"]:
        parts.append(_plural(c["not_reproduced"], "documented counterexample")
                     + " NOT reproduced")
    return (f"{_plural(c['verdicts'], 'verdict')}: {', '.join(parts)}; "
            f"by level: {levels or '—'}")


def _finding_text(v: Verdict) -> str:
    """The claim's ``finding`` text (registry looked up lazily: reports must not load the claim
    modules at import); empty for a claim that is not registered."""
    try:
        from .claims import get_claim
        return get_claim(v.claim).finding or ""
    except Exception:  # noqa: BLE001 — an unregistered (e.g. synthetic) claim has no text
        return ""


def _evidence_brief(e) -> dict:
    d = e.to_dict()
    return {k: d[k] for k in ("key", "level", "dps", "residual", "tolerance", "kappa", "what")}


def findings(verdicts: Iterable[Verdict]) -> list[dict]:
    """Documented counterexamples reproduced: claim, problem, level, the claim's finding text,
    the verdict's note and the refuted evidence (key, level, dps, residual, tolerance)."""
    return [{"claim": v.claim, "problem": v.problem,
             "level": v.level.value if v.level else None,
             "finding": _finding_text(v), "note": v.note,
             "residuals": [_evidence_brief(e) for e in v.evidence
                           if e.status is Status.REFUTED]}
            for v in verdicts if v.is_finding]


def failures(verdicts: Iterable[Verdict]) -> list[dict]:
    """Failed verdicts (a theorem refuted, a documented counterexample verified) with the
    evidence that decided them."""
    return [{"claim": v.claim, "problem": v.problem, "status": v.status.value,
             "expected": v.expected.value, "level": v.level.value if v.level else None,
             "note": v.note,
             "evidence": [_evidence_brief(e) for e in v.evidence if e.status is v.status]}
            for v in verdicts if v.failed]


def problem_info(entry) -> dict:
    """A problem of one's own as reported: name, file, sizes, loss, tags, rank D at θ₀ (and
    how it was decided), θ₀ and the description."""
    p = entry.problem
    rank = getattr(entry, "rank", None)
    return {"name": entry.name, "file": getattr(entry, "source", "") or None,
            "description": getattr(entry, "description", ""), "K": p.K, "N": p.N, "Q": p.Q,
            "QN": p.QN, "loss": p.loss.name, "tags": sorted(entry.tags),
            "rank": rank.to_dict() if rank is not None else None,
            "theta0": [str(v) for v in entry.theta0]}


def problem_lines(entries) -> list[str]:
    """One line per problem: ``name (file): K = …, QN = …, rank …; tags …``."""
    out = []
    for e in entries:
        info = problem_info(e)
        src = _from(info["file"] or "")
        rank = getattr(e, "rank", None)
        rank_text = f", {rank.sentence}" if rank is not None else ""
        out.append(f"{e.name}{src}: K = {info['K']}, QN = {info['QN']}{rank_text}; tags "
                   f"{', '.join(info['tags'])}")
    return out


def skipped_lines(skipped) -> list[str]:
    """One line per skipped pair: ``problem (file): reason`` (the reason names the claim)."""
    return [f"{s.problem}{_from(s.source)}: {s.reason}" for s in skipped]


def _from(source: str) -> str:
    """`` (FILE)`` for a problem read from a file; nothing for the catalogue or Python."""
    return f" ({source})" if source and source != "(python)" else ""


def _title(title: str, interrupted: bool, planned: int | None, done: int) -> str:
    if not interrupted:
        return title
    of = f" of {planned}" if planned is not None else ""
    return f"{title}: INTERRUPTED after {done}{of} checks (partial results)"


def _ev_line(v: Verdict, e) -> str:
    dps = "" if e.dps is None else f", dps {e.dps}"
    return (f"{e.status.value} {e.key or '?'} ({e.level.value}{dps}): {e.what} "
            f"(residual {fmt_number(e.residual)}, tolerance {fmt_number(e.tolerance)})")


def text_table(verdicts: Iterable[Verdict], *, interrupted: bool = False,
               planned: int | None = None, skipped=None, problems=None) -> str:
    """A fixed-width table, then the Failures, Inconclusive, Findings and Not applicable
    sections, and the summary line. ``interrupted``: a title line saying the results are
    partial; ``problems``: entries described first (problems of one's own); ``skipped``: the
    pairs not checked, with their reasons."""
    vs = list(verdicts)
    body = rows(vs)
    widths = [max(len(h), *(len(r[i]) for r in body)) if body else len(h)
              for i, h in enumerate(HEADER)]
    line = lambda r: "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip()
    out = [_title("symflow check", True, planned, len(vs))] if interrupted else []
    if problems:
        out += ["Problems:"] + [f"  {ln}" for ln in problem_lines(problems)]
    out += [line(HEADER), line(["-" * w for w in widths])] + [line(r) for r in body]
    failed = [v for v in vs if v.failed]
    if failed:
        out.append("Failures (a theorem refuted, or a documented counterexample not "
                   "reproduced):")
        for v in failed:
            out.append(f"  {v.claim} {v.problem}: {v.status.value}, expected "
                       f"{v.expected.value}")
            out += [f"    {_ev_line(v, e)}" for e in v.evidence if e.status is v.status]
            if v.note:
                out.append(f"    note: {v.note}")
    inc = [v for v in vs if v.status is Status.INCONCLUSIVE]
    if inc:
        out.append("Inconclusive (why):")
        for v in inc:
            reasons = v.reasons or [v.note or "no evidence"]
            out += [f"  {v.claim} {v.problem}: {r}" for r in reasons]
            if v.note and not any(v.note in r or (e.why and e.why in v.note)
                                  for r in reasons for e in v.evidence):
                out.append(f"  {v.claim} {v.problem}: note: {v.note}")
    fs = [v for v in vs if v.is_finding]
    if fs:
        out.append("Findings (documented counterexamples reproduced; not failures):")
        for v, f in zip(fs, findings(fs)):
            out.append(f"  {v.claim} {v.problem}: {f['finding'] or v.note or v.statement}")
            out += [f"    {_ev_line(v, e)}" for e in v.evidence if e.status is Status.REFUTED]
    if skipped:
        out.append("Not applicable (not checked; not verdicts):")
        out += [f"  {ln}" for ln in skipped_lines(skipped)]
    out.append(summary(vs))
    return "\n".join(out)


def _md_escape(s: str) -> str:
    return str(s).replace("|", "\\|")


def _md_section(heading: str, lines: list[str]) -> list[str]:
    """A Markdown ``## heading`` section holding ``lines``; nothing at all without lines."""
    return ["## " + heading, "", *lines, ""] if lines else []


def _md_failures(vs: list[Verdict]) -> list[str]:
    """The ``## Failures`` section: each failed verdict and the evidence that decided it."""
    out = []
    for v in vs:
        if v.failed:
            out.append(f"- **{v.claim}** on `{v.problem}`: {v.status.value}, expected "
                       f"{v.expected.value}")
            out += [f"  - {_md_escape(_ev_line(v, e))}" for e in v.evidence
                    if e.status is v.status]
    return _md_section("Failures", out)


def _md_findings(vs: list[Verdict]) -> list[str]:
    """The ``## Findings`` section: each finding's text and its refuted evidence."""
    out = []
    for f in findings(vs):
        out.append(f"- **{f['claim']}** on `{f['problem']}` ({f['level']}): "
                   f"{_md_escape(f['finding'] or f['note'])}")
        for r in f["residuals"]:
            dps = "" if r["dps"] is None else f", dps {r['dps']}"
            out.append(f"  - `{r['key']}` ({r['level']}{dps}): residual "
                       f"{fmt_number(r['residual'])}, tolerance "
                       f"{fmt_number(r['tolerance'])} — {_md_escape(r['what'])}")
    return _md_section("Findings (documented counterexamples reproduced)", out)


def _md_inconclusive(vs: list[Verdict]) -> list[str]:
    """The ``## Inconclusive`` section: each inconclusive verdict's reasons."""
    return _md_section("Inconclusive", [
        f"- **{v.claim}** on `{v.problem}`: {_md_escape(r)}"
        for v in vs if v.status is Status.INCONCLUSIVE
        for r in v.reasons or [v.note or "no evidence"]])


def _md_evidence(e) -> list[str]:
    """One Evidence as a Markdown list item: status, key, level, dps, its "what" sentence,
    residual, tolerance, κ; then the reason of an inconclusive one and the notable details."""
    dps = "" if e.dps is None else f", dps {e.dps}"
    key = f"`{e.key}` " if e.key else ""
    kappa = "" if e.kappa is None else f", κ = {_fmt_kappa(e.kappa)}"
    out = [f"- **{e.status.value}** {key}({e.level.value}{dps}): "
           f"{_md_escape(e.what)} — residual {fmt_number(e.residual)}, tolerance "
           f"{fmt_number(e.tolerance)}{kappa}"]
    if e.status is Status.INCONCLUSIVE and e.reason is not None:
        out.append(f"  - reason: {e.reason.value}"
                   + (f": {_md_escape(e.why)}" if e.why else ""))
    for key in ("pit", "tolerance_rule", "confirm_dps", "confirm_residual",
                "ball_working_dps", "reduced", "message"):
        if key in e.details:
            out.append(f"  - {key}: {_md_escape(str(e.details[key]))}")
    return out


def _md_verdict(v: Verdict) -> list[str]:
    """One verdict's Markdown subsection: heading, statement, note, caveats, evidence."""
    tag = " (finding)" if v.is_finding else (" (FAILED)" if v.failed else "")
    out = [f"### {v.claim} on `{v.problem}`: {v.status.value}{tag}", "",
           f"> {v.statement}", ""]
    if v.note:
        out += [f"Note: {v.note}", ""]
    if v.caveats:
        out += [f"Caveat: {_md_escape(c)}" for c in v.caveats] + [""]
    for e in v.evidence:
        out += _md_evidence(e)
    return out + [""]


def markdown(verdicts: Iterable[Verdict], title: str = "symflow check", *,
             interrupted: bool = False, planned: int | None = None, skipped=None,
             problems=None) -> str:
    """A Markdown report: summary, the problems of one's own (``problems``), a table, the
    Failures / Findings / Inconclusive / Not applicable (``skipped``) sections, then each
    verdict's evidence sentences."""
    vs = list(verdicts)
    out = [f"# {_title(title, interrupted, planned, len(vs))}", "", summary(vs), ""]
    if problems:
        out += _md_section("Problems", [f"- {_md_escape(ln)}" for ln in problem_lines(problems)])
    out += ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    out += ["| " + " | ".join(_md_escape(c) for c in r) + " |" for r in rows(vs)]
    out.append("")
    out += _md_failures(vs) + _md_findings(vs) + _md_inconclusive(vs)
    out += _md_section("Not applicable (not checked; not verdicts)",
                       [f"- {_md_escape(ln)}" for ln in skipped_lines(skipped or [])])
    out += ["## Verdicts", ""]
    for v in vs:
        out += _md_verdict(v)
    return "\n".join(out)


def to_json(verdicts: Iterable[Verdict], meta: dict | None = None, *, skipped=None,
            problems=None) -> str:
    """``{"summary", "meta", "findings", "failures", "verdicts"}``; ``meta`` gets
    ``interrupted`` (default False) and ``completed`` (the number of verdicts). Given
    ``problems`` (entries) a ``"problems"`` list (:func:`problem_info`) follows ``meta``;
    given ``skipped`` a ``"skipped"`` list (claim, problem, reason, source) precedes
    ``"verdicts"``."""
    vs = list(verdicts)
    st = Counter(v.status.value for v in vs)
    meta = {"interrupted": False, **(meta or {}), "completed": len(vs)}
    doc = {"summary": {"text": summary(vs), "by_status": dict(st),
                       "by_level": dict(Counter(v.level.value if v.level else "none"
                                                for v in vs)),
                       "counts": counts(vs)},
           "meta": meta}
    if problems is not None:
        doc["problems"] = [problem_info(e) for e in problems]
    doc["findings"] = findings(vs)
    doc["failures"] = failures(vs)
    if skipped is not None:
        doc["skipped"] = [x.to_dict() for x in skipped]
    doc["verdicts"] = [v.to_dict() for v in vs]
    return json.dumps(doc, indent=2, ensure_ascii=False, default=str)


def write_json(path, verdicts, meta: dict | None = None, *, skipped=None,
               problems=None) -> None:
    write_atomic(path, to_json(verdicts, meta, skipped=skipped, problems=problems) + "\n")


def write_markdown(path, verdicts, title: str = "symflow check", *, interrupted: bool = False,
                   planned: int | None = None, skipped=None, problems=None) -> None:
    write_atomic(path, markdown(verdicts, title, interrupted=interrupted, planned=planned,
                                skipped=skipped, problems=problems) + "\n")
