"""The Markdown report (see :mod:`symflow.reports`)."""

from __future__ import annotations

from typing import Iterable


from ..claims.evidence import Status, Verdict
from ..files import write_atomic
from .common import (HEADER, _ev_line, _fmt_kappa, _title, certified_trajectories, findings,
                     fmt_number, problem_lines, rows, skipped_lines, summary)


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


_CERT_HEADER = ["problem", "field", "span", "status", "steps", "λ_min(DDᵀ) ≥", "width at end ≤",
                "seconds", "dps", "used by"]


def _md_certified(vs: list[Verdict]) -> list[str]:
    """The ``## Certified trajectories`` section: one table row per enclosure (status, or where
    and why it stopped within the step budget)."""
    lines = []
    for r in certified_trajectories(vs):
        status = r.get("status", "")
        if not r.get("certified"):
            status = (f"not certified within {r.get('max_steps')} steps: {r.get('time')} reached "
                      f"{r.get('reached')} — {r.get('reason')}")
        cells = [f"`{r.get('problem')}`", r.get("field"), r.get("span"), status, r.get("steps"),
                 r.get("rank_certificate") or "—", r.get("width_end"),
                 f"{float(r.get('seconds') or 0):.2f}", r.get("dps"),
                 ", ".join(r.get("used_by", []))]
        lines.append("| " + " | ".join(_md_escape(str(c)) for c in cells) + " |")
    if not lines:
        return []
    return _md_section("Certified trajectories (Arb-ball enclosures)", [
        "| " + " | ".join(_CERT_HEADER) + " |", "|" + "---|" * len(_CERT_HEADER), *lines])


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
                "ball_working_dps", "reduced", "message", "excludes 0 at", "dC/ds > 0 on"):
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
    Failures / Findings / Inconclusive / Not applicable (``skipped``) / Certified trajectories
    sections, then each
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
    out += _md_certified(vs)
    out += ["## Verdicts", ""]
    for v in vs:
        out += _md_verdict(v)
    return "\n".join(out)



def write_markdown(path, verdicts, title: str = "symflow check", *, interrupted: bool = False,
                   planned: int | None = None, skipped=None, problems=None) -> None:
    write_atomic(path, markdown(verdicts, title, interrupted=interrupted, planned=planned,
                                skipped=skipped, problems=problems) + "\n")
