"""The mpmath runner: the GBS engine :func:`~symflow.flows.odes.solve_ivp_mp` at ``dps`` digits on
the fixed-point field (:class:`~symflow.flows.fields.FixedPointField`), with the rank monitor
(eigenvalues of G after each accepted step) → :class:`~symflow.flows.trajectory.Trajectory`."""

from __future__ import annotations

import math
import time as _time

import mpmath
from mpmath import mp, mpf

from ..errors import DataError, IntegrationError, SymflowError
from ..core.fields import field_name
from ..progress import with_time_variable
from ..core.timechange import derive_time_change
from .controller import _default_kmax, guard_digits
from .fields import FixedPointField
from .fields.fixed import _FIX_GUARD
from .odes import solve_ivp_mp
from .options import _to_mpf, rank_threshold_digits
from .trajectory import Trajectory

_FIELD_GUARD = 10     # extra working digits so that G may be ill-conditioned by 10^(guard+6)


class _EngineField:
    """f(t, θ) for :func:`symflow.flows.odes.solve_ivp_mp`, with its raw-tuple fast protocol."""

    raw_mpf = True

    def __init__(self, ff: FixedPointField, w=None) -> None:
        self.ff = ff
        self.w = w

    def __call__(self, t, theta):
        if self.w is None:
            return self.ff.field(theta)
        return self.ff.line_field(theta, self.w)

    def raw(self, t, theta_raw):
        if self.w is None:
            return self.ff.field_raw(theta_raw)
        return self.ff.line_field_raw(theta_raw, self.w)


def _line_w(x0, y):
    """w of C6 from the derived expression (w_function), componentwise."""
    d = derive_time_change()
    if not d.verified:
        raise SymflowError("the derivation of the time change did not verify; refusing to "
                           "integrate in t")
    wf = d.w_function()
    return [mpf(wf(a, b, mpf(0))) for a, b in zip(x0, y)]


def _rank_message(problem, alpha, time, ratio, digits, tv):
    why = ""
    if problem.K < problem.QN:
        why = (f" K = {problem.K} < QN = {problem.QN}: D can never have full rank QN, so the "
               f"{field_name(alpha)} field needs (DDᵀ)⁻¹ of a singular matrix.")
    return (f"rank loss at {tv} = {mpmath.nstr(time, 12)}: λ_min/λ_max of DDᵀ = "
            f"{mpmath.nstr(ratio, 3)} < 10^-{digits} (too ill-conditioned for the working "
            f"precision).{why} Use rank_loss='pinv' to continue with the pseudo-inverse "
            f"(the constrained flow x' = −P∇ₓC of C7), or raise dps.")


def _eig_extremes(G):
    n = len(G)
    if n == 1:
        v = G[0][0]
        return v, v
    if n == 2:
        a, b, c = G[0][0], G[0][1], G[1][1]
        m = (a + c) / 2
        r = mpmath.sqrt(((a - c) / 2) ** 2 + b * b)
        lo = m - r
        hi = m + r
        # λ_min = det / λ_max avoids cancellation
        lo = (a * c - b * b) / hi if hi > 0 else lo
        return lo, hi
    E = mpmath.eigsy(mpmath.matrix(G), eigvals_only=True)
    vals = [E[i] for i in range(n)]
    return min(vals), max(vals)


def _run_mp(problem, theta0, alpha, tv, end, dps, rtol, rank_loss, prog, options):
    tic = _time.perf_counter()
    rtol_digits = dps
    if rtol is not None:
        with mp.workdps(dps + 5):
            rv = _to_mpf(rtol, "rtol")
            if not rv > 0:
                raise DataError(f"rtol must be positive, got {rtol!r}", rtol)
            rtol_digits = max(dps, int(math.ceil(-float(mpmath.log10(rv)))))
    kmax = _default_kmax(max(rtol_digits, 4))
    guard = guard_digits(kmax) + _FIELD_GUARD
    work_dps = max(dps, rtol_digits) + guard
    rank_digits = rank_threshold_digits(dps, work_dps)
    ff = FixedPointField(problem, alpha, rank_loss, rank_digits)
    needs_inverse = alpha != 0
    track = dict(min_lam=None, max_cond=None)
    with mp.workdps(work_dps):
        th0 = problem.convert_theta(theta0, "mpmath")
        end_v = _to_mpf(end, f"{tv}_end")
        x0 = ff.outputs(th0)
        yv = [mpf(int(v.p)) / int(v.q) for v in problem.y_flat]
        tol_ratio = mpf(10) ** (-rank_digits)
        w = _line_w(x0, yv) if tv == "t" else None

        def check(theta):
            lo, hi = _eig_extremes(ff.ntk(theta))
            # QN = 1: λ_min/λ_max ≡ 1 says nothing; G → 0 is the rank loss, measured against
            # the largest G seen along the path (an absolute criterion relative to the flow).
            track["max_lam"] = hi if track.get("max_lam") is None else max(track["max_lam"], hi)
            ref = track["max_lam"] if problem.QN == 1 else hi
            ratio = lo / ref if ref > 0 else mpf(0)
            if track["min_lam"] is None or lo < track["min_lam"]:
                track["min_lam"] = lo
            cond = hi / lo if lo > 0 else mpf("inf")
            if track["max_cond"] is None or cond > track["max_cond"]:
                track["max_cond"] = cond
            return ratio

        ratio0 = check(th0)
        x0_out = list(x0)

    def finish(status, message, stop_time, t_reached, times, thetas, stats, dense):
        with mp.workdps(dps):
            return Trajectory(
                problem=problem, field=options["field"], alpha=alpha, time_variable=tv, dps=dps,
                arith="mpmath", status=status, message=message,
                # step times keep the engine's working precision: dense output is asked for
                # them exactly (t_end rounded to dps could lie just past the last step)
                stop_time=None if stop_time is None else +stop_time, t_end=t_reached,
                t_requested=+end_v, times=list(times),
                thetas=[[+v for v in th] for th in thetas],
                x0=[+v for v in x0_out], y=[+v for v in yv], stats=stats,
                min_ntk_eigenvalue=+track["min_lam"],
                max_ntk_condition=+track["max_cond"], dense=dense, options=options)

    base_stats = dict(work_dps=work_dps, rank_threshold=f"1e-{rank_digits}", kmax=kmax,
                      field_arith=f"fixed point, {work_dps} digits + {_FIX_GUARD} bits")
    if needs_inverse and rank_loss == "stop" and ratio0 < tol_ratio:
        msg = _rank_message(problem, alpha, mpf(0), ratio0, rank_digits, tv)
        stats = dict(base_stats, nfev=0, nsteps=0, nrejected=0, max_error_estimate=mpf(0),
                     wall_time=_time.perf_counter() - tic)
        with mp.workdps(work_dps):
            th_start = [+v for v in th0]
        if prog is not None:
            prog.close()
        return finish("rank_loss", msg, mpf(0), mpf(0), [mpf(0)], [th_start], stats,
                      lambda t: _dense_single(t, th_start))

    f = _EngineField(ff, w if tv == "t" else None)

    def monitor(t, theta):
        ratio = check(theta)
        if needs_inverse and rank_loss == "stop" and ratio < tol_ratio:
            return _rank_message(problem, alpha, t, ratio, rank_digits, tv)
        return None

    with mp.workdps(work_dps):
        span = mpf(end_v)
    sol = solve_ivp_mp(f, 0, th0, span, dps=dps, rtol=rtol, kmax=kmax, guard=guard,
                       monitor=monitor, progress=with_time_variable(prog, tv),
                       max_steps=options["max_steps"])
    status, message = sol.status, sol.message
    if status == "stopped":
        status = "rank_loss"
    elif status == "failed" and "RankError" in message:
        status = "rank_loss"
        message = (f"rank loss near {tv} = {mpmath.nstr(sol.t_stop, 12)}: {message}. Use "
                   f"rank_loss='pinv' to continue with the pseudo-inverse, or raise dps.")
    elif status == "success":
        message = f"reached {tv} = {mpmath.nstr(sol.ts[-1], 12)}"
    ts, ys = sol.ts, sol.ys
    if status == "rank_loss" and sol.t_stop is not None:
        # The midpoint rule never evaluates f at a step's end, so an accepted step may already
        # reach past the time where the field broke down: keep only the steps before it, so
        # that dense output is never asked to cross the singular point.
        keep = [i for i, t in enumerate(ts) if abs(t) < abs(sol.t_stop)] or [0]
        ts, ys = [ts[i] for i in keep], [ys[i] for i in keep]
    st = sol.stats
    stats = dict(base_stats, nfev=st.nfev, nsteps=st.nsteps, nrejected=st.nrejected,
                 max_error_estimate=st.max_error_estimate, orders=st.orders, method=st.method,
                 rtol=st.rtol, atol=st.atol, wall_time=_time.perf_counter() - tic)
    return finish(status, message, sol.t_stop if status != "success" else None, ts[-1],
                  ts, ys, stats, sol)


def _dense_single(t, th):
    if t != 0:
        raise IntegrationError(f"time {t} is outside the integrated span [0, 0] (the "
                               f"integration stopped at time 0)", time=t)
    return list(th)

