"""The mpmath runner: the GBS engine :func:`~symflow.flows.odes.solve_ivp_mp` at ``dps`` digits on
the fixed-point field (:class:`~symflow.flows.fields.FixedPointField`), with the rank monitor
(eigenvalues of G after each accepted step) → :class:`~symflow.flows.trajectory.Trajectory`."""

from __future__ import annotations

import math
import time as _time
from dataclasses import dataclass
from typing import Any, Optional

import mpmath
from mpmath import mp, mpf

from ..errors import DataError, IntegrationError, SymflowError
from ..core.fields import field_alpha, field_name, needs_ntk_inverse
from ..progress import with_time_variable
from ..core.timechange import derive_time_change
from .controller import _default_kmax, guard_digits
from ..core.networks import MLP
from .fields import ExpressionField, FixedPointField
from .fields.fixed import _FIX_GUARD
from .evaluation import _to_mpf
from .odes import solve_ivp_mp
from .options import rank_threshold_digits
from .trajectory import Trajectory

_FIELD_GUARD = 10     # extra working digits so that G may be ill-conditioned by 10^(guard+6)


class _EngineField:
    """f(t, θ) for :func:`symflow.flows.odes.solve_ivp_mp`, with the fixed-point protocol
    (``fixed_bits``, ``fixed``) where the field evaluator has one (FixedPointField)."""

    def __init__(self, ff: FixedPointField, w=None) -> None:
        self.ff = ff
        self.w = w
        self._w_fix = {}

    @property
    def fixed_bits(self):
        """P of the fixed-point protocol at the current precision (None: the field has none)."""
        return self.ff.fixed_bits() if hasattr(self.ff, "fixed_bits") else None

    def fixed(self, t, theta_fix):
        """f on fixed-point integers at P = :attr:`fixed_bits` (the engine's inner loop)."""
        P = self.ff.fixed_bits()
        if self.w is None:
            return self.ff.field_fixed(theta_fix, P)
        w = self._w_fix.get(P)
        if w is None:
            w = self._w_fix[P] = self.ff.fix_vector(self.w, P)
        return self.ff.line_field_fixed(theta_fix, w, P)

    def __call__(self, t, theta):
        if self.w is None:
            return self.ff.field(theta)
        return self.ff.line_field(theta, self.w)


def _line_w(x0, y):
    """w of C6 from the derived expression (w_function), componentwise."""
    d = derive_time_change()
    if not d.verified:
        raise SymflowError("the derivation of the time change did not verify; refusing to "
                           "integrate in t")
    wf = d.w_function()
    return [mpf(wf(a, b, mpf(0))) for a, b in zip(x0, y)]


def _rank_message(problem, alpha, time, ratio, digits, tv):
    """The rank-loss message (shared with the float64 runner): where, λ_min/λ_max against the
    threshold 10^−digits, why when K < QN, and what to do."""
    why = ""
    if problem.K < problem.QN:
        why = (f" K = {problem.K} < QN = {problem.QN}: D can never have full rank QN, so the "
               f"{field_name(alpha)} field needs (DDᵀ)⁻¹ of a singular matrix.")
    return (f"rank loss at {tv} = {mpmath.nstr(time, 12)}: λ_min/λ_max of DDᵀ = "
            f"{mpmath.nstr(ratio, 3)} < 10^-{digits} (too ill-conditioned for the working "
            f"precision).{why} {_continue_advice(tv)}")


def _continue_advice(tv) -> str:
    """How to go on after a rank loss: the pseudo-inverse — in the flow time s only (the C6
    time t integrates C6's form of the adapted flow, which holds only at full rank)."""
    if tv == "t":
        return ("Integrate in the flow time (s_end, s = −N·log(1 − t)) with rank_loss='pinv' "
                "to continue with the pseudo-inverse (the constrained flow x' = −P∇ₓC of C7), "
                "or raise dps.")
    return ("Use rank_loss='pinv' to continue with the pseudo-inverse (the constrained flow "
            "x' = −P∇ₓC of C7), or raise dps.")


def _eig_extremes(G):
    """(λ_min, λ_max) of the symmetric G: closed forms for n ≤ 2 (λ_min = det/λ_max, free of
    cancellation), mpmath.eigsy otherwise."""
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


class _NtkExtremes:
    """The smallest eigenvalue λ_min of G = DDᵀ and the largest condition number λ_max/λ_min
    (``inf`` when λ_min ≤ 0) seen along the path (shared with the float64 runner)."""

    def __init__(self, inf) -> None:
        self.min_lam = None
        self.max_cond = None
        self._inf = inf

    def see(self, lo, hi) -> None:
        """Record the extreme eigenvalues lo ≤ hi of G at one point."""
        if self.min_lam is None or lo < self.min_lam:
            self.min_lam = lo
        cond = hi / lo if lo > 0 else self._inf
        if self.max_cond is None or cond > self.max_cond:
            self.max_cond = cond


class _RankMonitor(_NtkExtremes):
    """The rank monitor of the mpmath runner (construct and call inside workdps(work_dps)).

    :meth:`ratio` is λ_min/λ_max of G at θ — for QN = 1 (where λ_min/λ_max ≡ 1 says nothing)
    λ/λ_max-so-far: G → 0 is the rank loss, measured against the largest G seen along the path.
    Called as the engine's monitor ``(t, θ)`` after each accepted step, it returns the rank-loss
    message when the field needs G⁻¹ (α ≠ 0; never the Levenberg–Marquardt field, whose
    G + λI is positive definite), the policy is Stop and the ratio is below
    ``tol_ratio`` = 10^−rank_digits. ``alpha`` is the field spec.
    """

    def __init__(self, ff, problem, alpha, rank_loss, rank_digits, tv) -> None:
        super().__init__(mpf("inf"))
        self.ff, self.problem, self.alpha, self.tv = ff, problem, alpha, tv
        self.rank_digits = rank_digits
        self.stops = needs_ntk_inverse(alpha) and rank_loss == "stop"
        self.tol_ratio = mpf(10) ** (-rank_digits)
        self.max_lam = None

    def ratio(self, theta):
        """λ_min/λ_max of G(θ) (see the class), recording the extremes."""
        lo, hi = _eig_extremes(self.ff.ntk(theta))
        self.max_lam = hi if self.max_lam is None else max(self.max_lam, hi)
        ref = self.max_lam if self.problem.QN == 1 else hi
        ratio = lo / ref if ref > 0 else mpf(0)
        self.see(lo, hi)
        return ratio

    def __call__(self, t, theta):
        """The engine's monitor: the rank-loss message, or None to go on."""
        ratio = self.ratio(theta)
        if self.stops and ratio < self.tol_ratio:
            return _rank_message(self.problem, self.alpha, t, ratio, self.rank_digits, self.tv)
        return None


@dataclass(frozen=True)
class _MpPrecision:
    """The digits of an mpmath run: ``rtol_digits`` = max(dps, ⌈−log10 rtol⌉) (dps if rtol is
    None), ``kmax`` from it, ``guard`` = guard_digits(kmax) + _FIELD_GUARD, ``work_dps`` =
    rtol_digits + guard, and the rank threshold 10^−rank_digits (:func:`rank_threshold_digits`)."""

    dps: int
    kmax: int
    guard: int
    work_dps: int
    rank_digits: int

    def stats(self) -> dict:
        """The run's precision entries of ``Trajectory.stats``."""
        return dict(work_dps=self.work_dps, rank_threshold=f"1e-{self.rank_digits}",
                    kmax=self.kmax,
                    field_arith=f"fixed point, {self.work_dps} digits + {_FIX_GUARD} bits")


def _mp_precision(dps, rtol) -> _MpPrecision:
    """The :class:`_MpPrecision` of a run at ``dps`` digits with tolerance ``rtol``."""
    rtol_digits = dps
    if rtol is not None:
        with mp.workdps(dps + 5):
            rv = _to_mpf(rtol, "rtol", exact=True)
            if not rv > 0:
                raise DataError(f"rtol must be positive, got {rtol!r}", rtol)
            rtol_digits = max(dps, int(math.ceil(-float(mpmath.log10(rv)))))
    kmax = _default_kmax(max(rtol_digits, 4))
    guard = guard_digits(kmax) + _FIELD_GUARD
    work_dps = max(dps, rtol_digits) + guard
    return _MpPrecision(dps, kmax, guard, work_dps, rank_threshold_digits(dps, work_dps))


@dataclass(frozen=True)
class _MpRun:
    """What an mpmath run needs besides the engine (at the working precision): the problem, the
    field spec ``alpha`` (α or a LevenbergMarquardt),
    the time variable ``tv`` ("s" or "t"), the 0.1 ``options``, the precision, θ(0), the span end,
    x(0), y and (for the C6 time t) w = y − x(0), the rank monitor, and the start time ``tic``."""

    problem: Any
    alpha: Any
    tv: str
    options: dict
    prec: _MpPrecision
    theta0: list
    end: Any
    x0: list
    y: list
    w: Optional[list]
    rank: _RankMonitor
    tic: float


def _run_mp(problem, theta0, alpha, tv, end, dps, rtol, rank_loss, prog, options):
    """Integrate with the GBS engine at the working precision of :func:`_mp_precision` on the
    fixed-point field, with the rank monitor after each accepted step → :class:`Trajectory`."""
    tic = _time.perf_counter()
    prec = _mp_precision(dps, rtol)
    ff = (FixedPointField if isinstance(problem.network, MLP) else ExpressionField)(
        problem, alpha, rank_loss, prec.rank_digits)
    with mp.workdps(prec.work_dps):
        th0 = problem.convert_theta(theta0, "mpmath")
        end_v = _to_mpf(end, f"{tv}_end", exact=True)
        x0 = ff.outputs(th0)
        yv = [mpf(int(v.p)) / int(v.q) for v in problem.y_flat]
        rank = _RankMonitor(ff, problem, alpha, rank_loss, prec.rank_digits, tv)
        w = _line_w(x0, yv) if tv == "t" else None
        ratio0 = rank.ratio(th0)
        run = _MpRun(problem, alpha, tv, options, prec, th0, end_v, list(x0), yv, w, rank, tic)
    if rank.stops and ratio0 < rank.tol_ratio:
        return _rank_loss_at_start(run, ratio0, prog)
    with mp.workdps(prec.work_dps):
        span = mpf(end_v)
    sol = solve_ivp_mp(_EngineField(ff, w), 0, th0, span, dps=dps, rtol=rtol, kmax=prec.kmax,
                       guard=prec.guard, monitor=rank, progress=with_time_variable(prog, tv),
                       max_steps=options["max_steps"], workers=options.get("workers"))
    status, message = _outcome(sol, tv, run.alpha)
    ts, ys = sol.ts, sol.ys
    if status == "rank_loss" and sol.t_stop is not None:
        ts, ys = _steps_before(ts, ys, sol.t_stop)
    st = sol.stats
    stats = dict(prec.stats(), nfev=st.nfev, nsteps=st.nsteps, nrejected=st.nrejected,
                 max_error_estimate=st.max_error_estimate, orders=st.orders, method=st.method,
                 rtol=st.rtol, atol=st.atol, workers=st.workers,
                 field_kernel=getattr(ff, "kernel", "expression"),
                 wall_time=_time.perf_counter() - tic)
    return _trajectory(run, status, message, sol.t_stop if status != "success" else None,
                       ts[-1], ts, ys, stats, sol)


def _breakdown_advice(alpha) -> str:
    """What to do when the solve of the field broke down (shared with the float64 runner):
    V_α — the pseudo-inverse or more digits; the Levenberg–Marquardt field — G + λI is positive
    definite, so only round-off broke it: λ is too small for the precision."""
    if field_alpha(alpha) is not None:
        return "Use rank_loss='pinv' to continue with the pseudo-inverse, or raise dps."
    return (f"G + λI is positive definite, so round-off broke the solve: λ = {alpha.lam} is too "
            f"small against λ_max(G) at this precision (the LDLᵀ / Cholesky of G + λI loses "
            f"about log10(λ_max(G)/λ) digits); raise λ or dps.")


def _outcome(sol, tv, alpha):
    """Status and message of the run from the engine's: a stop by the monitor is rank loss, and
    so is a RankError of the field (G, or G + λI, broke down between two monitor checks)."""
    status, message = sol.status, sol.message
    if status == "stopped":
        status = "rank_loss"
    elif status == "failed" and "RankError" in message:
        status = "rank_loss"
        message = (f"rank loss near {tv} = {mpmath.nstr(sol.t_stop, 12)}: {message}. "
                   f"{_breakdown_advice(alpha)}")
    elif status == "success":
        message = f"reached {tv} = {mpmath.nstr(sol.ts[-1], 12)}"
    return status, message


def _steps_before(ts, ys, t_stop):
    """The step points strictly before the rank loss at t_stop (at least the first one).

    The midpoint rule never evaluates f at a step's end, so an accepted step may already reach
    past the time where the field broke down: keep only the steps before it, so that dense
    output is never asked to cross the singular point."""
    keep = [i for i, t in enumerate(ts) if abs(t) < abs(t_stop)] or [0]
    return [ts[i] for i in keep], [ys[i] for i in keep]


def _rank_loss_at_start(run: _MpRun, ratio0, prog):
    """G is already too ill-conditioned at θ(0): a one-point trajectory, status rank_loss at 0."""
    p = run.prec
    msg = _rank_message(run.problem, run.alpha, mpf(0), ratio0, p.rank_digits, run.tv)
    stats = dict(p.stats(), nfev=0, nsteps=0, nrejected=0, max_error_estimate=mpf(0),
                 wall_time=_time.perf_counter() - run.tic)
    with mp.workdps(p.work_dps):
        th_start = [+v for v in run.theta0]
    if prog is not None:
        prog.close()
    return _trajectory(run, "rank_loss", msg, mpf(0), mpf(0), [mpf(0)], [th_start], stats,
                       lambda t: _dense_single(t, th_start))


def _trajectory(run: _MpRun, status, message, stop_time, t_reached, times, thetas, stats, dense):
    """The :class:`Trajectory` at ``dps`` digits.  Step times keep the engine's working
    precision: dense output is asked for them exactly (t_end rounded to dps could lie just past
    the last step)."""
    with mp.workdps(run.prec.dps):
        return Trajectory(
            problem=run.problem, field=run.options["field"], alpha=field_alpha(run.alpha),
            time_variable=run.tv, dps=run.prec.dps, arith="mpmath", status=status,
            message=message, stop_time=None if stop_time is None else +stop_time,
            t_end=t_reached, t_requested=+run.end, times=list(times),
            thetas=[[+v for v in th] for th in thetas],
            x0=[+v for v in run.x0], y=[+v for v in run.y], stats=stats,
            min_ntk_eigenvalue=+run.rank.min_lam, max_ntk_condition=+run.rank.max_cond,
            dense=dense, options=run.options)


def _dense_single(t, th):
    """Dense output of a run that stopped at time 0: θ(0) at 0, an error elsewhere."""
    if t != 0:
        raise IntegrationError(f"time {t} is outside the integrated span [0, 0] (the "
                               f"integration stopped at time 0)", time=t)
    return list(th)

