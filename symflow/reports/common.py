"""What every report shows: numbers, notes, rows, counts, the summary line, findings,
failures, the problems of one's own and the claims not applicable."""

from __future__ import annotations

from collections import Counter
from fractions import Fraction
from typing import Any, Iterable

import mpmath

from ..claims.evidence import Status, Verdict


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
    from ..claims import get_claim
    from ..errors import ClaimError
    try:
        return get_claim(v.claim).finding or ""
    except ClaimError:   # an unregistered (e.g. synthetic) claim has no text
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


def _record_key(rec: dict) -> tuple:
    return tuple(str(rec.get(k)) for k in ("problem", "field", "span", "dps", "max_steps"))


def certified_trajectories(verdicts: Iterable[Verdict]) -> list[dict]:
    """The trajectories behind certified (ball) evidence (``symflow check --certify``), once
    each in order of appearance: the record of ``details["enclosure"]``
    (:func:`symflow.claims.certified.record`: problem, field, time, span, status, reason,
    reached, steps, rank certificate, widths, seconds, dps, max_steps) and ``used_by``, the
    evidence keys that rest on it with their statuses."""
    out: dict = {}
    for v in verdicts:
        for e in v.evidence:
            rec = e.details.get("enclosure")
            if not isinstance(rec, dict):
                continue
            d = out.setdefault(_record_key(rec), {**rec, "used_by": []})
            d["used_by"].append(f"{e.key} {e.status.value}")
    return list(out.values())


def certified_line(rec: dict) -> str:
    """One trajectory: ``tanh-2-3-1-l2, adapted field, t ∈ [0, 1]: certified, 11 steps,
    λ_min(DDᵀ) ≥ 3.04434, width ≤ 1.52e-30, 1.56 s (C6.ball.line verified, …)`` — or where the
    certified span ends, and why."""
    where = "" if rec.get("certified") else " on the steps taken"
    rank = (f"λ_min(DDᵀ) ≥ {rec['rank_certificate']}{where}"
            if rec.get("rank_certificate") is not None else "no rank certificate")
    if rec.get("certified"):
        head = "certified"
    else:
        head = (f"NOT certified within the budget of {rec.get('max_steps')} steps "
                f"({rec.get('time')} reached {rec.get('reached')}: {rec.get('reason')})")
    used = ", ".join(rec.get("used_by", []))
    return (f"{rec.get('problem')}, {rec.get('field')} field, {rec.get('span')}: {head}, "
            f"{rec.get('steps')} steps, {rank}, width of θ at the end ≤ {rec.get('width_end')}, "
            f"{float(rec.get('seconds') or 0):.2f} s, dps {rec.get('dps')}"
            + (f" [{used}]" if used else ""))


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


