"""One case of a campaign, checked with every claim that applies: the function a worker runs.

:func:`run_case` turns a :class:`~symflow.testing.stream.CaseSpec` into a problem with θ₀ = the
case's θ (:func:`symflow.core.problems.entry_for`: its tags — loss, rationality, rank D at θ₀ —
decided exactly, with balls, or numerically), and runs :func:`symflow.claims.check_all` on it:
every claim whose hypotheses hold. That is the pointwise claims (C0–C5, C9, C13, C14, C16), C6,
C15 and C17 at full rank or C7, C10 and the documented counterexample C2-GENERAL below it, C11
for L2 (its bound along the flow below full rank), C12 for models linear in θ, C8 for
cross-entropy, C5 along flows — each at the strongest level that applies (exact for rational
networks with the L2 loss, balls or mpmath otherwise). The global claims (C6's SymPy
derivation, the C10 search, C12-EIGENSPACE, C17-GLOBAL) are not about a case and do not run.

The record returned is plain JSON data (it becomes one line of the results file):

``outcome``
    ``"ok"`` (every verdict as expected or inconclusive), ``"failed"`` (some verdict failed: a
    theorem refuted, or a documented counterexample verified), ``"budget"`` (stopped by the
    time budget: the claims finished keep their verdicts, the others are inconclusive with
    reason *budget*), ``"error"`` (the case could not be set up; ``error`` says why).
``claims``
    claim id → ``{"status", "expected", "failed", "level", "dps", "seconds", "reasons",
    "worst"}``; ``worst`` is the evidence with the largest residual/tolerance ratio (its key,
    residual, tolerance, level, dps); a claim that did not come out verified also keeps every
    evidence that was not verified (``evidence``; a refuted one with what was compared and
    why).
``rank``, ``full_rank``, ``level``
    rank D at θ₀ as decided for the entry, and the problem's strongest level.

Nothing escapes :func:`run_case` but ``KeyboardInterrupt``: a worker never loses a case.
"""

from __future__ import annotations

import time
import traceback
from typing import Any

import mpmath

from ..claims import check_all, plan
from ..claims.evidence import Evidence, Status, Verdict
from ..core.problems import entry_for
from ..flows.rows import no_automatic_helper
from ..testing.stream import CaseSpec
from .budget import Budget, BudgetExceeded

__all__ = ["run_case", "case_name"]


def case_name(index: int) -> str:
    """The problem name of case ``index`` in reports and reproducer files."""
    return f"case-{index}"


def _ratio(e: Evidence) -> float:
    try:
        r, t = float(e.residual), float(e.tolerance)
    except (TypeError, ValueError):
        return -1.0
    return r / t if t > 0 else (0.0 if r == 0 else float("inf"))


def _evidence(e: Evidence, full: bool) -> dict:
    """An evidence as the results file keeps it: its key, level, precision, residual,
    tolerance and status; with ``full`` also what was compared and why it is not verified."""
    d = e.to_dict()
    keys = ("key", "level", "dps", "residual", "tolerance", "status", "reason")
    return {k: d[k] for k in keys + (("what", "why") if full else ())}


def _claim_record(v: Verdict, seconds: float) -> dict:
    """What the results file keeps of a verdict (see the module docstring)."""
    rec = {"status": v.status.value, "expected": v.expected.value, "failed": v.failed,
           "level": v.level.value if v.level else None,
           "dps": max((e.dps for e in v.evidence if e.dps), default=None),
           "seconds": round(seconds, 4), "reasons": v.reasons}
    scored = [e for e in v.evidence if e.residual is not None and e.tolerance is not None]
    if scored:
        rec["worst"] = _evidence(max(scored, key=_ratio), False)
    if v.status is not Status.VERIFIED:   # the reasons say why; a failure keeps everything
        rec["evidence"] = [_evidence(e, v.failed or e.status is Status.REFUTED)
                           for e in v.evidence if e.status is not Status.VERIFIED]
    return rec


def _budget_record(seconds: "float | None", started: bool) -> dict:
    why = (f"stopped by the campaign's time budget ({seconds} s per case)" if started else
           f"not started: the case's time budget ({seconds} s) ran out before")
    return {"status": Status.INCONCLUSIVE.value, "expected": Status.VERIFIED.value,
            "failed": False, "level": None, "dps": None, "seconds": None,
            "reasons": [f"budget exhausted: {why}"]}


class _Clock:
    """Progress object recording the claim running now and when it started."""

    def __init__(self) -> None:
        self.current: "str | None" = None
        self.since = time.perf_counter()
        self.seconds: dict[str, float] = {}

    def update(self, t: Any, info: dict) -> None:
        ev = info.get("event") if isinstance(info, dict) else None
        if ev == "start":
            self.current, self.since = info["claim"], time.perf_counter()
        elif ev == "done":
            self.seconds[info["claim"]] = time.perf_counter() - self.since
            self.current = None

    def close(self) -> None:
        pass


def _check(spec: CaseSpec, index: int, dps: int, budget: "float | None",
           claims: Any) -> dict:
    """Set up the entry and run the claims within the budget (see :func:`run_case`)."""
    entry = entry_for(spec.problem(), list(spec.theta), name=case_name(index), dps=dps)
    planned = [cid for cid, _ in plan(claims, [entry])]
    rec: dict = {"rank": entry.rank.rank, "rank_sentence": entry.rank.sentence,
                 "full_rank": bool(entry.full_rank), "level": entry.strongest_level.value}
    clock, done = _Clock(), []
    try:
        with Budget(budget, inner=clock) as b:
            check_all(claims, [entry], dps=dps, progress=b.progress, on_verdict=done.append)
        rec["outcome"] = "ok"
    except BudgetExceeded:
        rec["outcome"] = "budget"
    out = {v.claim: _claim_record(v, clock.seconds.get(v.claim, 0.0)) for v in done}
    for cid in planned:
        if cid not in out:
            out[cid] = _budget_record(budget, cid == clock.current)
    if any(r["failed"] for r in out.values()):
        rec["outcome"] = "failed"
    rec["claims"] = out
    return rec


def run_case(index: int, spec: "dict | CaseSpec", dps: int = 30, budget: "float | None" = 60.0,
             claims: Any = None) -> dict:
    """Check case ``index`` (a :class:`CaseSpec` or its JSON) with every applicable claim (or
    only ``claims``: ids or ``"C1,C6"``) at ``dps`` digits within ``budget`` seconds (None: no
    budget); return its record (see the module docstring), with ``seconds`` the wall time.

    Runs in one process: the integrators' second-core helper is not started (a campaign keeps
    every core busy with cases). mpmath's precision is restored even after a stop.
    """
    t0, prec = time.perf_counter(), mpmath.mp.prec
    spec = spec if isinstance(spec, CaseSpec) else CaseSpec.from_json(spec)
    try:
        with no_automatic_helper():
            rec = _check(spec, index, dps, budget, claims)
    except BudgetExceeded:   # the watchdog struck while the entry was being set up
        rec = {"outcome": "budget", "claims": {},
               "error": f"the case's set-up outran the time budget of {budget} s"}
    except Exception as exc:  # noqa: BLE001 - recorded with the case, never lost
        tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__, limit=-4))
        rec = {"outcome": "error", "claims": {}, "error": f"{type(exc).__name__}: {exc}",
               "traceback": tb}
    finally:
        mpmath.mp.prec = prec
    return {"index": index, "case": spec.to_json(), "description": spec.describe(), **rec,
            "seconds": round(time.perf_counter() - t0, 4)}
