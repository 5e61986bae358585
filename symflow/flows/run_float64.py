"""The float64 runner: scipy's DOP853 on the fields of :class:`~symflow.core.fields.CompiledField` in
numpy (for networks too large for mpmath), with the same rank monitor on DDᵀ."""

from __future__ import annotations

import math
import time as _time
from dataclasses import dataclass
from typing import Any

import numpy as np
from mpmath import mp, mpf

from ..errors import DataError, RankError
from ..backends.float64 import mpf_list
from ..core.fields import CompiledField, field_alpha, needs_ntk_inverse
from .evaluation import _to_mpf
from .run_mpmath import _NtkExtremes, _breakdown_advice, _line_w, _rank_message
from .trajectory import Trajectory

_RANK_TOL = 1e-10     # G counts as rank-deficient when λ_min/λ_max < 1e-10 (float64)


class _F64Rank(_NtkExtremes):
    """The rank monitor of the float64 runner: λ_min/λ_max of G = DDᵀ (numpy eigvalsh), recording
    the extremes; as a terminal scipy event, ratio − 1e-10 when the field needs G⁻¹ (α ≠ 0; never
    the Levenberg–Marquardt field) and the policy is Stop (else the constant 1: never fires)."""

    terminal = True

    def __init__(self, cf, alpha, rank_loss) -> None:
        super().__init__(math.inf)
        self.cf = cf
        self.stops = needs_ntk_inverse(alpha) and rank_loss == "stop"

    def ratio(self, theta) -> float:
        """λ_min/λ_max of G(θ) (0 if G = 0)."""
        D = self.cf.jacobian(theta)
        lam = np.linalg.eigvalsh(D @ D.T)
        lo, hi = float(lam[0]), float(lam[-1])
        self.see(lo, hi)
        return lo / hi if hi > 0 else 0.0

    def __call__(self, t, theta) -> float:
        """The event function: its zero is the rank loss."""
        r = self.ratio(theta)
        return r - _RANK_TOL if self.stops else 1.0


class _F64Field:
    """The right-hand side for scipy: the field at θ (dθ/dt = D⁺w for the C6 time t), counting
    evaluations and reporting progress; a RankError is remembered with its time and re-raised."""

    def __init__(self, cf, w, prog, end, tv) -> None:
        self.cf, self.w, self.prog, self.end, self.tv = cf, w, prog, end, tv
        self.nfev = 0
        self.rank_error = None

    def __call__(self, t, theta):
        self.nfev += 1
        if self.prog is not None:
            self.prog.update(t, {"nfev": self.nfev, "t1": self.end, "time_variable": self.tv})
        try:
            if self.tv == "t":
                return np.asarray(self.cf.pinv_apply(theta, self.w), dtype=float)
            return np.asarray(self.cf(theta), dtype=float)
        except RankError as e:
            self.rank_error = (t, str(e))
            raise


@dataclass(frozen=True)
class _F64Run:
    """What a float64 run needs: the problem, α, the time variable, the 0.1 ``options``, the
    digits shown (≈ −log10 rtol), the span end, θ(0), x(0), y, the mutable ``stats`` and the rank
    monitor, and the start time ``tic``."""

    problem: Any
    alpha: Any
    tv: str
    options: dict
    digits: int
    end: float
    theta0: Any
    x0: Any
    y: Any
    stats: dict
    rank: _F64Rank
    tic: float


def _run_float64(problem, theta0, alpha, tv, end, rtol, rank_loss, prog, options):
    """Integrate with scipy's DOP853 (rtol default 1e−12, atol = rtol·max(1, |θ(0)|∞)) on the
    compiled float64 field, with the rank monitor as a terminal event → :class:`Trajectory`."""
    from scipy.integrate import solve_ivp

    tic = _time.perf_counter()
    rtol = 1e-12 if rtol is None else float(rtol)
    if not 0 < rtol < 1:
        raise DataError(f"rtol must be in (0, 1) for float64, got {rtol!r}", rtol)
    options["rtol"] = rtol
    digits = max(1, int(round(-math.log10(rtol))))
    cf = CompiledField(problem, alpha, arith="float64", rank_loss=rank_loss)
    th0 = np.array(problem.convert_theta(theta0, "float64"), dtype=float)
    with mp.workdps(30):
        end_f = float(_to_mpf(end, f"{tv}_end", exact=True))
    x0 = np.asarray(cf.outputs(th0), dtype=float)
    y = np.array([float(v) for v in problem.y_flat])
    rank = _F64Rank(cf, alpha, rank_loss)
    ratio0 = rank.ratio(th0)
    w = None
    if tv == "t":
        with mp.workdps(30):
            w = np.array([float(v) for v in _line_w([mpf(v) for v in x0], [mpf(v) for v in y])])
    stats = dict(work_dps=15, rank_threshold=f"{_RANK_TOL:g}", method="scipy DOP853",
                 rtol=rtol, max_error_estimate=None)
    run = _F64Run(problem, alpha, tv, options, digits, end_f, th0, x0, y, stats, rank, tic)
    if rank.stops and ratio0 < _RANK_TOL:
        stats.update(nfev=0, nsteps=0, nrejected=0)
        if prog is not None:
            prog.close()
        msg = _rank_message(problem, alpha, mpf(0), mpf(ratio0), 10, tv)
        return _trajectory(run, "rank_loss", msg, 0.0, 0.0, [0.0], [th0], None)
    return _integrate_f64(run, solve_ivp, _F64Field(cf, w, prog, end_f, tv), rtol, prog)


def _integrate_f64(run: _F64Run, solve_ivp, fun: _F64Field, rtol, prog):
    """scipy's DOP853 from θ(0) over [0, end] with dense output and the rank event; a RankError
    of the field ends the run with status rank_loss at its time (a one-point trajectory)."""
    atol = rtol * max(1.0, float(np.max(np.abs(run.theta0))))
    try:
        sol = solve_ivp(fun, (0.0, run.end), run.theta0, method="DOP853", rtol=rtol, atol=atol,
                        dense_output=True, events=[run.rank])
    except RankError:
        t_bad, msg = fun.rank_error
        if prog is not None:
            prog.close()
        run.stats.update(nfev=fun.nfev, nsteps=None, nrejected=None)
        return _trajectory(run, "rank_loss", f"rank loss near {run.tv} = {t_bad:.12g}: {msg}. "
                           f"{_breakdown_advice(run.alpha)}", t_bad, 0.0, [0.0], [run.theta0],
                           None)
    finally:
        if prog is not None:
            prog.close()
    run.stats.update(nfev=sol.nfev, nsteps=len(sol.t) - 1, nrejected=None)
    if sol.status == 1:
        te = float(sol.t_events[0][0]) if len(sol.t_events[0]) else float(sol.t[-1])
        status = "rank_loss"
        message = _rank_message(run.problem, run.alpha, mpf(te), mpf(_RANK_TOL), 10, run.tv)
        stop = te
    elif sol.status == 0:
        status, message, stop = "success", f"reached {run.tv} = {sol.t[-1]:.12g}", None
    else:
        status, message, stop = "failed", f"scipy: {sol.message}", float(sol.t[-1])
    return _trajectory(run, status, message, stop, float(sol.t[-1]), sol.t, sol.y.T, sol.sol)


def _trajectory(run: _F64Run, status, message, stop_time, t_reached, times, thetas, dense):
    """The :class:`Trajectory` (values as mpf of the float64 numbers; wall time now)."""
    run.stats["wall_time"] = _time.perf_counter() - run.tic
    with mp.workdps(15):
        return Trajectory(
            problem=run.problem, field=run.options["field"], alpha=field_alpha(run.alpha),
            time_variable=run.tv, dps=run.digits, arith="float64", status=status,
            message=message, stop_time=None if stop_time is None else mpf(stop_time),
            t_end=mpf(t_reached), t_requested=mpf(run.end),
            times=mpf_list(times), thetas=[mpf_list(th) for th in thetas],
            x0=mpf_list(run.x0), y=mpf_list(run.y), stats=run.stats,
            min_ntk_eigenvalue=mpf(run.rank.min_lam), max_ntk_condition=mpf(run.rank.max_cond),
            dense=dense, options=run.options)
