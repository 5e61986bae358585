"""The campaign's summary, derived from the results file alone.

:func:`summarize` reads nothing but the records, so the summary of a campaign that was stopped
and resumed, or run on many machines, is the same as if it had run in one go. It counts:
cases tried (distinct indices) and distinct cases and architectures; the cases rejected for
rank (rank D < QN at θ₀: C1 and C6 do not apply; C7, C10 and C2-GENERAL do); outcomes (ok,
failed, budget, error); per claim the verdicts verified / refuted / inconclusive, with failures
(a theorem refuted, or a documented counterexample verified) and findings (a documented
counterexample reproduced); and the time per case.
"""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass, field
from typing import Iterable

from ..claims.registry import _claim_sort_key
from .results import Results, scan

__all__ = ["Summary", "summarize", "summarize_file"]


@dataclass
class Summary:
    """Counts of a campaign (see the module docstring); ``failures`` lists each failed
    (case, claim) with the case's data and the evidence that failed."""

    settings: dict = field(default_factory=dict)
    tried: int = 0
    requested: int = 0
    distinct_cases: int = 0
    distinct_architectures: int = 0
    rejected_for_rank: int = 0
    outcomes: dict = field(default_factory=dict)
    claims: dict = field(default_factory=dict)
    by_activation: dict = field(default_factory=dict)
    by_level: dict = field(default_factory=dict)
    failures: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    seconds: dict = field(default_factory=dict)
    shrunk: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures and not self.errors

    @property
    def complete(self) -> bool:
        return self.tried >= self.requested

    def to_json(self) -> dict:
        return asdict(self) | {"ok": self.ok, "complete": self.complete}

    def table(self) -> str:
        """The summary as text: a header, one row per claim, failures and errors."""
        s = self.settings
        head = "campaign" if self.complete else "campaign (INCOMPLETE: resume with --resume)"
        budget = "no budget" if s.get("budget") is None else f"budget {s['budget']} s per case"
        lines = [f"{head}: {self.tried} of {self.requested} cases (seed {s.get('seed')}, dps "
                 f"{s.get('dps')}, {budget}); "
                 f"{self.distinct_cases} distinct cases, {self.distinct_architectures} "
                 f"distinct architectures",
                 f"  rejected for rank (rank D < QN at θ₀: C1, C6 not applicable): "
                 f"{self.rejected_for_rank}",
                 "  outcomes: " + ", ".join(f"{k} {v}" for k, v in sorted(self.outcomes.items())),
                 f"  {'claim':12s} {'verified':>9s} {'refuted':>8s} {'inconcl.':>9s} "
                 f"{'failed':>7s} {'findings':>9s}"]
        for c in sorted(self.claims, key=_claim_sort_key):
            d = self.claims[c]
            lines.append(f"  {c:12s} {d['verified']:9d} {d['refuted']:8d} "
                         f"{d['inconclusive']:9d} {d['failed']:7d} {d['findings']:9d}")
        t = self.seconds
        if t:
            lines.append(f"  time per case: mean {t['mean']:.2f} s, median {t['median']:.2f} s, "
                         f"max {t['max']:.2f} s; {t['total']:.0f} s of checking")
        for f in self.failures[:20]:
            lines.append(f"  FAILED {f['claim']} at case {f['index']}: {f['description']}")
        if len(self.failures) > 20:
            lines.append(f"  … {len(self.failures) - 20} more failures in the report")
        for e in self.errors[:10]:
            lines.append(f"  ERROR at case {e['index']}: {e['error']}")
        for sh in self.shrunk:
            lines.append(f"  shrunk {sh['claims']} from case {sh['index']}: {sh['status']}; "
                         f"minimal: {sh.get('minimal_description')}; reproduce: "
                         f"{sh.get('command')}")
        return "\n".join(lines)


def _count(d: dict, key) -> None:
    d[key] = d.get(key, 0) + 1


def _add_claims(sm: Summary, rec: dict) -> None:
    for cid, c in rec.get("claims", {}).items():
        row = sm.claims.setdefault(cid, {"verified": 0, "refuted": 0, "inconclusive": 0,
                                         "failed": 0, "findings": 0})
        row[c["status"]] = row.get(c["status"], 0) + 1
        if c.get("failed"):
            row["failed"] += 1
            sm.failures.append({"index": rec["index"], "claim": cid,
                                "description": rec.get("description"), "case": rec.get("case"),
                                "status": c["status"], "expected": c["expected"],
                                "evidence": c.get("evidence", [])})
        elif c["expected"] == "refuted" and c["status"] == "refuted":
            row["findings"] += 1


def summarize_file(path: str) -> Summary:
    """The :class:`Summary` of a results file, read one line at a time."""
    res = Results(path)
    sm = summarize(scan(path, res))
    sm.settings = dict(res.settings or {})
    sm.requested = max(int(sm.settings.get("n") or 0), sm.tried)
    return sm


def summarize(records: Iterable[dict], settings: "dict | None" = None) -> Summary:
    """The :class:`Summary` of the records (one per case, any order; see the module
    docstring)."""
    settings = dict(settings or {})
    sm = Summary(settings=settings, requested=int(settings.get("n") or 0))
    cases, archs, times = set(), set(), []
    for rec in records:
        sm.tried += 1
        case = rec.get("case") or {}
        cases.add(hash(repr(sorted((k, repr(v)) for k, v in case.items()
                                   if k not in ("rank", "rank_certain")))))
        archs.add((tuple(case.get("widths", ())), case.get("activation"), case.get("bias")))
        _count(sm.outcomes, rec.get("outcome", "?"))
        _count(sm.by_activation, case.get("activation"))
        _count(sm.by_level, rec.get("level"))
        if rec.get("full_rank") is False:
            sm.rejected_for_rank += 1
        if rec.get("outcome") == "error":
            sm.errors.append({"index": rec["index"], "error": rec.get("error"),
                              "description": rec.get("description")})
        _add_claims(sm, rec)
        if isinstance(rec.get("seconds"), (int, float)):
            times.append(float(rec["seconds"]))
    sm.failures.sort(key=lambda f: (f["index"], f["claim"]))
    sm.errors.sort(key=lambda e: e["index"])
    sm.requested = max(sm.requested, sm.tried)
    sm.distinct_cases, sm.distinct_architectures = len(cases), len(archs)
    if times:
        sm.seconds = {"mean": statistics.fmean(times), "median": statistics.median(times),
                      "max": max(times), "total": sum(times)}
    return sm
