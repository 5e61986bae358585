"""The rank-loss evidence shared by C7 and C10: the hypothesis rank D < QN and the rank monitor.

:func:`_rank_hypothesis` states where the rank-loss hypothesis (rank D < QN) fails at the samples
of :func:`~symflow.claims.trajectories.c7_data`; :func:`_rank_monitor_evidence` checks that the
adapted flow with ``rank_loss="stop"`` on a rank-deficient problem is stopped by the
integrator's rank monitor (at time 0 before any field evaluation when rank D(θ(0)) < QN is
certain, :func:`_deficient_at_start`), with no accepted step past the monitor's threshold
(:func:`_steps_past_threshold`, evaluated afresh at dps + EVAL_GUARD digits); a failure is
refuted only once a re-run at higher precision shows the same.
"""

from __future__ import annotations

from typing import Any

import mpmath
from mpmath import mpf

from ..backends import linalg as _linalg
from ..backends import tolerance as _tol
from ..backends.arith import working_precision
from ..backends.levels import Level
from .evidence import Evidence, Reason, Status
from .trajectories import EVAL_GUARD, MONITOR_MAX_STEPS, flow
from .vectors import _n


def _rank_hypothesis(d: dict, QN: int) -> str | None:
    """None if rank D < QN at every sample of ``d`` (C7/C10's hypothesis), else a sentence."""
    full = [s for s, r in zip(d["s"], d["ranks"]) if r >= QN]
    if not full:
        return None
    return (f"rank D < QN = {QN} (the rank-loss hypothesis) fails at s = "
            f"{', '.join(_n(s, 6) for s in full)}: D has full rank there")


def _deficient_at_start(entry, dps: int) -> tuple[bool, str]:
    """Whether rank D(θ(0)) < QN is certain: K < QN, or the exact rank (rational problems), or
    an mpmath SVD rank at dps + EVAL_GUARD digits."""
    prob = entry.problem
    if prob.K < prob.QN:
        return True, f"K = {prob.K} < QN = {prob.QN}"
    if prob.rational:
        r = _linalg.rank_info(prob.at(entry.theta0, "exact").D).rank
        return r < prob.QN, f"exact rank D(θ(0)) = {r}, QN = {prob.QN}"
    edps = dps + EVAL_GUARD
    with working_precision(edps):
        r = _linalg.rank_info(prob.at(entry.theta0, "mpmath", edps).D, edps).rank
    return r < prob.QN, f"numerical rank D(θ(0)) = {r} (SVD at {edps} digits), QN = {prob.QN}"


def _monitor_ok(traj, expected_by, prob) -> bool:
    """The run was stopped by the rank monitor by ``expected_by``: at 0, before any field
    evaluation (the monitor's check of θ(0)); later, with no accepted step past the monitor's
    threshold (:func:`_steps_past_threshold`)."""
    if traj.status != "rank_loss" or traj.stop_time is None:
        return False
    if expected_by == 0:
        return traj.stop_time == 0 and not traj.stats.get("nfev")
    return traj.stop_time <= expected_by and _steps_past_threshold(traj, prob, traj.dps)[0] == 0


def _rank_monitor_evidence(entry, dps: int, key: str, *, s_end=None, t_end=None,
                           first_deficient=None, progress=None) -> Evidence:
    """The adapted flow with ``rank_loss="stop"`` on a rank-deficient problem must be stopped
    by the rank monitor: at time 0 before any field evaluation when rank D(θ(0)) < QN is
    certain, else by the first sample time where rank D < QN was measured. Any other outcome
    (it ran on, failed, ran out of steps, or stopped later) is refuted once a re-run at
    dps + 10 digits shows the same; without a rank-deficient point it is inconclusive
    (hypothesis)."""
    tv = "t" if t_end is not None else "s"
    what_flow = ("C6's t-flow dθ/dt = D⁺(y − x(0))" if tv == "t"
                 else "the adapted flow θ' = −D⁺∇ₓC")
    at0, why0 = _deficient_at_start(entry, dps)
    expected_by = 0 if at0 else first_deficient
    traj = flow(entry, field="adapted", s_end=s_end, t_end=t_end, dps=dps, rank_loss="stop",
                max_steps=MONITOR_MAX_STEPS, progress=progress)
    stop = traj.stop_time
    det = {"status": traj.status, "message": traj.message, "stop_time": str(stop),
           "nfev": traj.stats.get("nfev"), "deficient_at_start": why0,
           "rank_threshold": traj.stats.get("rank_threshold")}
    what = (f"rank monitor: {what_flow} with rank_loss='stop' is stopped with status "
            f"'rank_loss' at {tv} ≤ {_n(expected_by, 6)} (residual: the {tv} where it stopped, "
            f"or reached; tolerance: the {tv} by which rank D < QN)")
    residual = stop if traj.status == "rank_loss" and stop is not None else traj.t_end
    if expected_by is None:
        return Evidence(Level.MPMATH, what, residual, None, Status.INCONCLUSIVE, dps, det,
                        key=key, reason=Reason.HYPOTHESIS,
                        why=f"rank D < QN was not observed at θ(0) ({why0}) nor at the samples")
    if _monitor_ok(traj, expected_by, entry.problem):
        return Evidence(Level.MPMATH, f"{what}: the rank monitor reports rank loss at {tv} = "
                        f"{_n(stop, 6)}", residual, expected_by, Status.VERIFIED, dps, det,
                        key=key)
    from ..flows import integrate
    hi = integrate(entry.problem, entry.theta0, field="adapted", s_end=s_end, t_end=t_end,
                   dps=dps + _tol.TRAJECTORY_CONFIRM_DPS, rank_loss="stop",
                   max_steps=MONITOR_MAX_STEPS)
    det.update(status_high=hi.status, stop_time_high=str(hi.stop_time))
    if _monitor_ok(hi, expected_by, entry.problem):
        return Evidence(Level.MPMATH, what, residual, expected_by, Status.INCONCLUSIVE, dps, det,
                        key=key, reason=Reason.PRECISION,
                        why=f"at {dps} digits the run ended {traj.status!r} at {tv} = "
                            f"{_n(stop, 6)}, but the re-run at "
                            f"{dps + _tol.TRAJECTORY_CONFIRM_DPS} digits was stopped in time")
    return Evidence(Level.MPMATH, f"{what}: the monitor did not stop it (status "
                    f"{traj.status!r}, {tv} = {_n(stop if stop is not None else traj.t_end, 6)}; "
                    f"the same at {dps + _tol.TRAJECTORY_CONFIRM_DPS} digits)", residual,
                    expected_by, Status.REFUTED, dps, det, key=key)


def _steps_past_threshold(traj, prob, dps: int) -> tuple[int, Any, Any]:
    """(number of accepted steps whose λ_min/λ_max of DDᵀ, evaluated afresh at dps + EVAL_GUARD
    digits, is below half the monitor's threshold; the smallest ratio; the threshold)."""
    thr = mpf(str(traj.stats.get("rank_threshold", "0")))
    edps = dps + EVAL_GUARD
    n, lo = 0, None
    with working_precision(edps):
        for th in traj.thetas:
            D = prob.at(th, "mpmath", edps).D
            ev = mpmath.eigsy((D @ D.T).data, eigvals_only=True)
            hi = max(ev)
            r = min(ev) / hi if hi > 0 else mpf(0)
            lo = r if lo is None else min(lo, r)
            n += r < thr / 2
    return n, lo, thr
