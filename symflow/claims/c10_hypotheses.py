"""C10 — the hypotheses are needed: without full rank C6 fails (C10, and C10-SEARCH).

**C10** (per problem, :func:`check_c10`): without full rank C6's conclusion fails — the path
leaves the line by ≫ the tolerance and does not reach y — while C7's formula holds (the
measurements of :func:`~symflow.claims.trajectories.c7_data`); C6's t-flow is stopped by the rank
monitor; and on :func:`rank_loss_example` (full rank at θ(0), lost at t = 1/5) the monitor stops
C6's t-flow exactly where the line forces rank loss.

**C10-SEARCH** (global, :func:`check_c10_search`): Hypothesis finds and shrinks a minimal
counterexample, whose failure max|x' + ∇ₓC| is recomputed exactly from ``projector``
(:func:`symflow.reference.counterexample.failure_size`, a deliberate second implementation).

Trajectory comparisons are judged by :mod:`~symflow.claims.trajectories`.

Check functions take injectable pieces (``field=``, ``time_change=``, ``s_end=``) and look up
``symflow.backends.linalg.projector`` / ``symflow.core.fields.parameter_field`` at call time, so that tests
can feed a wrong field, factor or projector and see a refuted verdict.
"""

from __future__ import annotations

import time
from fractions import Fraction
from typing import Any

import mpmath
from mpmath import mpf

from ..backends import tolerance as _tol
from ..backends.arith import working_precision
from ..backends.levels import Level
from .evidence import Evidence, Reason, Status
from .registry import claim_check, register, GLOBAL
from ..reference.counterexample import failure_size
from .trajectories import (EVAL_GUARD, MONITOR_MAX_STEPS, _confirmation_evidence, _ev,
                           _not_run, _reduced, c7_data, flow, gap_scale, straight_path,
                           tolerance)
from .vectors import _maxabs, _mp, _n, _norm, _sub
from .rank_monitor import _rank_hypothesis, _rank_monitor_evidence, _steps_past_threshold

__all__ = ["MIDFLOW_DPS", "rank_loss_example", "check_c10", "check_c10_search"]


register("C10", "Hypotheses are needed: without full rank C6 fails",
         "Dropping full rank (K < QN, or a dead unit) breaks C6: the output path leaves the "
         "straight line while C7's formula holds.", "Section 2 (discussion)",
         needs=("l2", "rank_deficient"))

register("C10-SEARCH", "Hypotheses are needed: a minimal counterexample (property search)",
         "A property search finds a case where the adapted output field is not −∇ₓC without "
         "full rank, and shrinks it to a minimal one.", "Section 2 (discussion)",
         scope="global")


_EXAMPLE: list = []

#: Precision of the mid-flow rank-loss example (the monitor's contract does not depend on it;
#: 20 digits keep the run near one second).
MIDFLOW_DPS = 20


def rank_loss_example():
    """A catalogue-style entry whose C6 t-flow starts at full rank and must lose it at t = 1/5.

    mlp([1, 1, 2], "square", bias=False): x = w₁²·(w₂₀, w₂₁) on the single input 1, θ(0) =
    (1/2, 1, 1/2), so x(0) = (1/4, 1/8), target y = −4·x(0) = (−1, −1/2); K = 3 ≥ QN = 2 and
    rank D(θ(0)) = 2. Along any flow θ' = Dᵀv the quantity w₁² − 2|w₂|² is conserved
    (d/dt = 4w₁²(w₂·v) − 4w₁²(w₂·v) = 0); here it is −9/4, so |w₂|² ≥ 9/8 and x = 0 forces
    w₁ = 0, where D = 0. C6's line (1 − t)x(0) + t·y passes through 0 at t* = 1/5: the t-flow
    must be stopped by the rank monitor exactly there.
    """
    if not _EXAMPLE:
        from ..core.networks import mlp
        from ..core.problem import Problem
        from ..core.problems import CatalogueEntry
        prob = Problem(mlp([1, 1, 2], "square", bias=False), [[1]], [[-1, "-1/2"]], "l2",
                       name="square-1-1-2-l2-rank-loss-at-t=1/5")
        _EXAMPLE.append(CatalogueEntry(prob.name, prob, (Fraction(1, 2), Fraction(1),
                                                          Fraction(1, 2)), True,
                                       frozenset({"l2", "rational", "full_rank"}),
                                       "full rank at θ(0), rank 0 at t = 1/5"))
    return _EXAMPLE[0]


def _midflow_ok(traj, prob, t_star, ttol, eval_dps: int) -> tuple[bool, Any, dict]:
    if traj.status != "rank_loss" or traj.stop_time is None:
        return False, None, {}
    with working_precision(traj.dps + EVAL_GUARD):
        off = abs(traj.stop_time - _mp(t_star))
    n_bad, lo, thr = _steps_past_threshold(traj, prob, eval_dps)
    info = {"steps_below_threshold": n_bad, "min_step_ratio": _n(lo, 3),
            "threshold": _n(thr, 3)}
    return off <= ttol and n_bad == 0, off, info


def _midflow_monitor_evidence(progress=None) -> Evidence:
    """C6's t-flow on :func:`rank_loss_example` stopped by the rank monitor at t* = 1/5.

    Verified iff the run ends with status ``rank_loss`` at |t_stop − t*| ≤ 10^(−dps/3) *and*
    no accepted step has λ_min/λ_max of DDᵀ (evaluated afresh at dps + EVAL_GUARD digits)
    below half the monitor's threshold: a run that goes on until the LDLᵀ solve of G breaks
    down also stops near t*, but only after integrating with a G too ill-conditioned for its
    digits — what the monitor is there to prevent. Status and stop time are facts of the run;
    a failure is refuted once the step ratios re-evaluated at CONFIRM_EXTRA_DPS more digits
    show the same."""
    entry = rank_loss_example()
    prob = entry.problem
    d = MIDFLOW_DPS
    pd = prob.at(entry.theta0, "exact")
    x0 = [Fraction(int(v.p), int(v.q)) for v in pd.x.entries()]
    y = [Fraction(int(v.p), int(v.q)) for v in prob.y_flat]
    t_star = x0[0] / (x0[0] - y[0])            # where (1 − t)x(0) + t·y = 0 (y ∥ −x(0))
    traj = flow(entry, field="adapted", t_end=1, dps=d, rank_loss="stop",
                max_steps=4 * MONITOR_MAX_STEPS, progress=progress)
    with working_precision(d + EVAL_GUARD):
        ttol = mpf(10) ** (-(d // 3))
    ok, off, info = _midflow_ok(traj, prob, t_star, ttol, d)
    det = {"problem": entry.name, "status": traj.status, "message": traj.message,
           "stop_time": str(traj.stop_time), "t*": str(t_star), "dps": d,
           "nfev": traj.stats.get("nfev"), **info}
    what = (f"C10 (rank lost along the flow): on {entry.name} (rank D(θ(0)) = QN = 2, "
            f"w₁² − 2|w₂|² = −9/4 conserved) C6's t-flow must be stopped by the rank monitor "
            f"at t* = {t_star}, where the line reaches x = 0 and D = 0, with no accepted step "
            f"past the monitor's threshold (residual |t_stop − t*|, tolerance 10^(−dps/3))")
    resid = off if off is not None else traj.t_end
    if ok:
        return Evidence(Level.MPMATH, what, off, ttol, Status.VERIFIED, d, det,
                        key="rank_monitor_midflow")
    ok_hi, _, info_hi = _midflow_ok(traj, prob, t_star, ttol, d + _tol.CONFIRM_EXTRA_DPS)
    det["steps_below_threshold_rechecked"] = info_hi.get("steps_below_threshold")
    if ok_hi:
        return Evidence(Level.MPMATH, what, resid, ttol, Status.INCONCLUSIVE, d, det,
                        key="rank_monitor_midflow", reason=Reason.PRECISION,
                        why=f"the step ratios at {d + EVAL_GUARD} digits put steps past the "
                            f"threshold, but not when re-evaluated at "
                            f"{d + EVAL_GUARD + _tol.CONFIRM_EXTRA_DPS}")
    return Evidence(Level.MPMATH, f"{what}: it was not (status {traj.status!r}, t = "
                    f"{_n(traj.stop_time if traj.stop_time is not None else traj.t_end, 8)}, "
                    f"{info.get('steps_below_threshold', '?')} accepted steps past the "
                    f"threshold, confirmed at {d + EVAL_GUARD + _tol.CONFIRM_EXTRA_DPS} digits)",
                    resid, ttol, Status.REFUTED, d, det, key="rank_monitor_midflow")


def _measures(d: dict, N: int, tol: Any, dps: int) -> tuple:
    """C10's numbers from C7's data ``d``: the departure from C6's line, tol/departure, the
    last s, C6's predicted |x(s) − y|, tol/miss, C7's formula residual and the quadrature's
    error estimate — relative to max|x(0) − y| (absolute where x(0) = y)."""
    with working_precision(dps + EVAL_GUARD):
        gap = gap_scale(d["gap"])  # 1 if x(0) = y: the flow is at rest, residuals absolute
        bend = max(_maxabs(v) for v in d["dev"]) / gap
        r_line = tol / bend if bend > 0 else mpf("inf")
        s = d["s"][-1]
        pred = mpmath.exp(-s / N) * _norm(_sub(d["x0"], d["y"]))
        miss = abs(d["dist"][-1] - pred) / gap
        r_miss = tol / miss if miss > 0 else mpf("inf")
        r7 = max(_maxabs(_sub(a, b)) for a, b in zip(d["dev"], d["voc"])) / gap
        return bend, r_line, s, pred, r_miss, r7, d["quad_error"] / gap


def check_c10(entry, *, dps: int = 30, level: Level = Level.MPMATH, progress=None,
              s_end: Any = None, field: Any = "adapted", midflow: bool = True,
              confirm: bool = True) -> list[Evidence]:
    """C10, deterministic part: on a rank-deficient L2 problem C6's conclusion fails while C7's
    formula holds — "verified" means *the full-rank hypothesis is needed*, as claimed.

    Evidence: ``departure`` — the straight-line residual of C6 (max|x(s) − x_lin(s)|/max|x(0)
    − y|) is ≥ 10⁴·tol (residual tol/deviation against 10⁻⁴); ``misses_target`` — x(s_end)
    misses the value C6 predicts, |x(s_end) − y| vs e^{−s_end/N}|x(0) − y|; ``c7_formula`` —
    C7's formula at the same samples; ``rank_monitor`` — C6's t-flow is stopped by the rank
    monitor (at t = 0 when rank D(θ(0)) < QN); ``rank_monitor_midflow`` — on
    :func:`rank_loss_example` the monitor stops C6's t-flow where the line forces rank loss
    (``midflow=False`` skips it); ``confirm``. Where rank D < QN fails at the samples, or
    where C7's integral of (I − P)(x − y) stays below 10⁴·tol (x(0) − y in range D along the
    path, e.g. x(0) = y: C7 then predicts C6's line, the problem is no witness), the departure
    and the miss are inconclusive (reason hypothesis). Residuals relative to max|x(0) − y| are
    absolute where x(0) = y.
    """
    tol = tolerance(dps)
    prob = entry.problem
    d = c7_data(entry, dps=dps, s_end=s_end, field=field, progress=progress)
    red = _reduced(entry, d["s_end"], Fraction(prob.N, 4))
    traj = d["traj"]
    if traj.status != "success":
        return [_not_run("flow", "C10 constrained flow", traj, dps, reduced=red)]
    N = prob.N
    big = mpf(10) ** -4
    hyp = _rank_hypothesis(d, prob.QN) or straight_path(d, 1 / big, dps)
    bend, r_line, s, pred, r_miss, r7, qerr = _measures(d, N, tol, dps)
    out = [
        _ev("departure", "C10: without full rank the output path leaves C6's straight line: "
            "residual tol / (max|x(s) − x_lin(s)|/max|x(0) − y|) ≤ 10⁻⁴ means the departure is "
            "≥ 10⁴ × C6's tolerance", r_line, big, dps, traj=traj,
            hypothesis=hyp if r_line > big else None, reduced=red,
            details={"departure": _n(bend, 6), "C6_tolerance": _n(tol, 3)}),
        _ev("misses_target", f"C10: |x(s) − y| at s = {_n(s, 6)} is not C6's e^(−s/N)|x(0) − y| "
            f"(residual tol/miss ≤ 10⁻⁴)", r_miss, big, dps, traj=traj,
            hypothesis=hyp if r_miss > big else None, reduced=red,
            details={"|x(s) − y|": _n(d["dist"][-1], 10), "C6 prediction": _n(pred, 10),
                     "ranks": d["ranks"]}),
        _ev("c7_formula", "C10: C7's variation-of-constants formula explains the departure "
            "(residual relative to max|x(0) − y|)", r7, tol, dps, traj=traj, magnitude=bend,
            reduced=red, numerics=(f"the quadrature's error estimate {_n(qerr, 3)} exceeds the "
                                   f"tolerance") if qerr > tol else None),
        # the t-flow is not the constrained flow: only a rank loss at θ(0) predicts its stop
        _rank_monitor_evidence(entry, dps, "rank_monitor", t_end=1, first_deficient=None,
                               progress=progress),
    ]
    if midflow:
        out.append(_midflow_monitor_evidence(progress))
    if confirm:
        out.append(_confirmation_evidence(traj, "confirm", "C10 constrained flow", reduced=red))
    return out


def check_c10_search(entry=GLOBAL, *, dps: int = 30, level: Level = Level.EXACT, progress=None,
                     max_examples: int = 500, seed: int = 0) -> list[Evidence]:
    """C10, global part: Hypothesis finds a case violating x' = −∇ₓC at rank D < QN and shrinks
    it (:func:`symflow.testing.search.find_c6_counterexample`).

    Evidence, exact: ``search.rank`` — rank D at the counterexample (residual) is ≤ QN − 1
    (tolerance); ``search.failure`` — the counterexample's failure max|x' + ∇ₓC|, recomputed
    here as max|(I − P)∇ₓC| with P = projector(D) (residual), must be > 0 (tolerance 0:
    verified iff residual > tolerance) and equal the size the search reported.
    """
    from ..testing.search import find_c6_counterexample

    tic = time.perf_counter()
    cx = find_c6_counterexample(max_examples=max_examples, seed=seed)
    size, rank = failure_size(cx)
    det = {"description": cx.description(), "rank": rank, "rank_reported": cx.rank, "K": cx.K,
           "QN": cx.QN, "max|x' + grad C|": str(size), "reported": str(cx.residual),
           "examples_tried": cx.examples_tried, "seconds": round(time.perf_counter() - tic, 3)}
    rank_ok = rank <= cx.QN - 1 and rank == cx.rank
    size_ok = size > 0 and size == Fraction(cx.residual)
    return [
        Evidence(Level.EXACT, f"C10 search: the shrunk counterexample has rank D < QN (residual "
                 f"rank D = {rank}, recomputed exactly; tolerance QN − 1 = {cx.QN - 1}; the "
                 f"search reported {cx.rank})", rank, cx.QN - 1,
                 Status.VERIFIED if rank_ok else Status.REFUTED, None, det, key="search.rank"),
        Evidence(Level.EXACT, f"C10 search: at the counterexample the adapted output field "
                 f"misses −∇ₓC (residual max|x' + ∇ₓC| = max|(I − P)∇ₓC| = {size}, exact, "
                 f"recomputed from projector(D); verified iff residual > tolerance = 0 and "
                 f"equal to the search's {cx.residual})", size, 0,
                 Status.VERIFIED if size_ok else Status.REFUTED, None,
                 {**det, "kind": "pos"}, key="search.failure"),
    ]


claim_check("C10")(check_c10)
claim_check("C10-SEARCH")(check_c10_search)


if __name__ == "__main__":
    from ._main import main

    raise SystemExit(main("C10,C10-SEARCH"))
