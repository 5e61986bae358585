"""The float64 runner: scipy's DOP853 on the fields of :class:`~symflow.core.fields.CompiledField` in
numpy (for networks too large for mpmath), with the same rank monitor on DDᵀ."""

from __future__ import annotations

import math
import time as _time

import numpy as np
from mpmath import mp, mpf

from ..errors import DataError, RankError
from ..core.fields import CompiledField
from .options import _to_mpf
from .run_mpmath import _line_w, _rank_message
from .trajectory import Trajectory


def _run_float64(problem, theta0, alpha, tv, end, rtol, rank_loss, prog, options):
    from scipy.integrate import solve_ivp

    tic = _time.perf_counter()
    rtol = 1e-12 if rtol is None else float(rtol)
    if not 0 < rtol < 1:
        raise DataError(f"rtol must be in (0, 1) for float64, got {rtol!r}", rtol)
    options["rtol"] = rtol
    digits = max(1, int(round(-math.log10(rtol))))
    rank_tol = 1e-10
    cf = CompiledField(problem, options["field"], arith="float64", rank_loss=rank_loss)
    th0 = np.array(problem.convert_theta(theta0, "float64"), dtype=float)
    with mp.workdps(30):
        end_f = float(_to_mpf(end, f"{tv}_end"))
    x0 = np.asarray(cf.outputs(th0), dtype=float)
    y = np.array([float(v) for v in problem.y_flat])
    needs_inverse = alpha != 0
    track = dict(min_lam=None, max_cond=None, last_t=0.0, rank_error=None, nfev=0)

    def ratio_at(theta):
        D = cf.jacobian(theta)
        lam = np.linalg.eigvalsh(D @ D.T)
        lo, hi = float(lam[0]), float(lam[-1])
        if track["min_lam"] is None or lo < track["min_lam"]:
            track["min_lam"] = lo
        cond = hi / lo if lo > 0 else math.inf
        if track["max_cond"] is None or cond > track["max_cond"]:
            track["max_cond"] = cond
        return lo / hi if hi > 0 else 0.0

    ratio0 = ratio_at(th0)
    if tv == "t":
        with mp.workdps(30):
            w = np.array([float(v) for v in _line_w([mpf(v) for v in x0], [mpf(v) for v in y])])
    stats = dict(work_dps=15, rank_threshold=f"{rank_tol:g}", method="scipy DOP853",
                 rtol=rtol, max_error_estimate=None)

    def make(status, message, stop_time, t_reached, times, thetas, dense):
        stats["wall_time"] = _time.perf_counter() - tic
        with mp.workdps(15):
            return Trajectory(
                problem=problem, field=options["field"], alpha=alpha, time_variable=tv,
                dps=digits, arith="float64", status=status, message=message,
                stop_time=None if stop_time is None else mpf(stop_time), t_end=mpf(t_reached),
                t_requested=mpf(end_f), times=[mpf(float(t)) for t in times],
                thetas=[[mpf(float(v)) for v in th] for th in thetas],
                x0=[mpf(float(v)) for v in x0], y=[mpf(float(v)) for v in y], stats=stats,
                min_ntk_eigenvalue=mpf(track["min_lam"]),
                max_ntk_condition=mpf(track["max_cond"]), dense=dense, options=options)

    if needs_inverse and rank_loss == "stop" and ratio0 < rank_tol:
        stats.update(nfev=0, nsteps=0, nrejected=0)
        if prog is not None:
            prog.close()
        msg = _rank_message(problem, alpha, mpf(0), mpf(ratio0), 10, tv)
        return make("rank_loss", msg, 0.0, 0.0, [0.0], [th0], None)

    def fun(t, theta):
        track["last_t"] = t
        track["nfev"] += 1
        if prog is not None:
            prog.update(t, {"nfev": track["nfev"], "t1": end_f, "time_variable": tv})
        try:
            if tv == "t":
                return np.asarray(cf.pinv_apply(theta, w), dtype=float)
            return np.asarray(cf(theta), dtype=float)
        except RankError as e:
            track["rank_error"] = (t, str(e))
            raise

    def event(t, theta):
        r = ratio_at(theta)
        return r - rank_tol if (needs_inverse and rank_loss == "stop") else 1.0
    event.terminal = True

    atol = rtol * max(1.0, float(np.max(np.abs(th0))))
    try:
        sol = solve_ivp(fun, (0.0, end_f), th0, method="DOP853", rtol=rtol, atol=atol,
                        dense_output=True, events=[event])
    except RankError:
        t_bad, msg = track["rank_error"]
        if prog is not None:
            prog.close()
        stats.update(nfev=track["nfev"], nsteps=None, nrejected=None)
        return make("rank_loss", f"rank loss near {tv} = {t_bad:.12g}: {msg}", t_bad, 0.0,
                    [0.0], [th0], None)
    finally:
        if prog is not None:
            prog.close()
    stats.update(nfev=sol.nfev, nsteps=len(sol.t) - 1, nrejected=None)
    if sol.status == 1:
        te = float(sol.t_events[0][0]) if len(sol.t_events[0]) else float(sol.t[-1])
        status = "rank_loss"
        message = _rank_message(problem, alpha, mpf(te), mpf(rank_tol), 10, tv)
        stop = te
    elif sol.status == 0:
        status, message, stop = "success", f"reached {tv} = {sol.t[-1]:.12g}", None
    else:
        status, message, stop = "failed", f"scipy: {sol.message}", float(sol.t[-1])
    return make(status, message, stop, float(sol.t[-1]), sol.t, sol.y.T, sol.sol)
