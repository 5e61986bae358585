"""The text table of ``symflow check`` (see :mod:`symflow.reports`)."""

from __future__ import annotations

from typing import Iterable


from ..claims.evidence import Status, Verdict
from .common import (HEADER, _ev_line, _title, certified_line, certified_trajectories, findings,
                     problem_lines, rows, skipped_lines, summary)


def text_table(verdicts: Iterable[Verdict], *, interrupted: bool = False,
               planned: int | None = None, skipped=None, problems=None) -> str:
    """A fixed-width table, then the Failures, Inconclusive, Findings, Not applicable and
    Certified trajectories sections, and the summary line. ``interrupted``: a title line saying the results are
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
    recs = certified_trajectories(vs)
    if recs:
        out.append("Certified trajectories (Arb-ball enclosures, symflow.enclose):")
        out += [f"  {certified_line(r)}" for r in recs]
    out.append(summary(vs))
    return "\n".join(out)


