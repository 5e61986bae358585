"""A generic, self-checking, high-precision ODE engine (mpmath ``mpf`` arithmetic).

Method
------
Gragg–Bulirsch–Stoer extrapolation with adaptive order and step size (the strategy of
Hairer–Nørsett–Wanner's ODEX, *Solving ODEs I*, §II.9):

* base method: Gragg's modified midpoint rule with the even step-number sequence
  ``n_j = 2, 4, 6, 8, …`` (no smoothing step; for even ``n`` its error expansion is in
  even powers of the sub-step), so row ``j`` costs ``n_j - 1`` new evaluations of ``f``
  and the first ``k`` rows together ``A_k = 1 + k²`` (the ``1`` is ``f(t, y)``, shared);
* Aitken–Neville polynomial extrapolation in ``h²``: ``T_{j,k}`` has order ``2k``;
* error estimate of the subdiagonal ``T_{k,k-1}`` by ``T_{k,k} - T_{k,k-1}`` in the mixed norm
  ``max_i |e_i| / (atol + rtol·max(|y_i|, |ynew_i|))``; the more accurate ``T_{k,k}`` is
  propagated (local extrapolation);
* order/step selection by work per unit step (``A_k / H_k``) with ODEX's convergence monitor
  (a step is abandoned in column ``k-1`` / ``k`` when the observed per-column error reduction
  says column ``k+1`` cannot make it); a step that converges early (short steps) is accepted
  early; the remaining span is split into equal steps; default ``rtol = 10**-dps``.

Failures
--------
An exception or a non-finite value of ``f`` at a *trial* point rejects the step (it is shrunk by
4); at an *accepted* point it ends the run.  Either way the run ends with status "failed" and a
message naming the time (step-size underflow / ``max_steps`` are detected too), or with an
:class:`IntegrationError` if ``raise_on_failure=True``.  Never a hang.

Everything runs inside ``mpmath.mp.workdps(work_dps)`` with ``work_dps = dps + guard``; the
guard covers the round-off amplification of the extrapolation (the Lebesgue constant of the
``n_j = 2j`` tableau, ~``e^{0.8 k}``) plus 6 digits.  The tableau itself is kept in fixed point
(Python integers, per-component scale ``max(|y_i|, atol/rtol, |H f_i|)`` with ``prec + 24`` bits)
and its coefficients are exact small rationals, so extrapolation costs a few integer operations
per entry. ``mp.dps`` is never changed globally.

Dense output
------------
``sol(t)`` finds the accepted step ``[t_i, t_{i+1}]`` containing ``t`` and integrates from
``(t_i, y_i)`` to ``t`` with the same method and tolerance (normally one shorter step), so it is
as accurate as the step points themselves — no low-order interpolant.

The engine knows nothing about networks: the caller passes ``f(t, y) -> list`` (``t`` an
``mpf``, ``y`` a list of ``mpf``; ``f`` must not modify ``y``).

Modules: :mod:`.evaluation` (calling ``f``, failures, number conversion), :mod:`.engine` (one
step, :class:`StepResult`), :mod:`.controller` (order and step size), :mod:`.dense`
(:class:`OdeSolution`, :class:`OdeStats`, dense output); this module the entry point.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Optional, Sequence

import mpmath
from mpmath import mp, mpf

from ..errors import IntegrationError
from .controller import _default_kmax, _integrate, default_tolerance, guard_digits
from .dense import OdeSolution, OdeStats
from .engine import METHOD_NAME, EngineConfig, StepResult, _Engine
from .evaluation import _to_mpf
from .fields.fixed import _fix
from .rows import start_helper

__all__ = ["OdeStats", "OdeSolution", "StepResult", "solve_ivp_mp", "default_tolerance",
           "guard_digits", "METHOD_NAME"]


@dataclass(frozen=True)
class _Settings:
    """The checked precision settings of one solve: ``dps`` requested, ``work_dps`` =
    max(dps, ⌈rtol_digits⌉) + guard, ``rtol`` (mpf at dps + 5 digits) and its digits
    ``rtol_digits`` = −log10 rtol, at most ``kmax`` columns."""

    dps: int
    work_dps: int
    rtol: Any
    rtol_digits: float
    kmax: int


def solve_ivp_mp(f: Callable[[Any, list], Sequence], t0, y0, t1, *, dps: int = 30,
                 rtol=None, atol=None, h0=None, max_steps: int = 100_000,
                 monitor: Optional[Callable[[Any, list], Optional[str]]] = None,
                 progress: Any = None, kmax: Optional[int] = None, guard: Optional[int] = None,
                 h_max=None, stop_tol=None, raise_on_failure: bool = False,
                 workers: Optional[int] = None) -> OdeSolution:
    """Integrate ``y' = f(t, y)``, ``y(t0) = y0`` from ``t0`` to ``t1`` at ``dps`` digits.

    Parameters
    ----------
    f : callable ``f(t, y) -> list`` of mpf (called inside ``workdps(work_dps)``).
    t0, t1 : start and end time (``t1 < t0`` integrates backwards).
    y0 : sequence of numbers (converted to mpf at the working precision).
    dps : requested digits.  The default tolerance ``rtol = 10**-dps``,
        ``atol = rtol·max(1e-300, max_i |y0_i|)`` (i.e. relative to the scale of ``y``; ``rtol``
        if ``y0 = 0``) makes the result agree with an integration at higher precision to
        within ``10**(5-dps)`` relative.
    rtol, atol : tolerances of the mixed local error norm
        ``max_i |err_i| / (atol + rtol·max(|y_i|, |ynew_i|))``.
    h0 : first step size (default: Hairer–Wanner heuristic).
    max_steps : maximum number of attempted steps (accepted + rejected).
    monitor : ``monitor(t, y) -> None | str`` after each accepted step; a string stops the
        integration (status "stopped", ``t_stop`` set, message = that string).
    progress : object with ``.update(t, info: dict)`` and ``.close()``.
    kmax : maximal number of extrapolation columns (order ``2·kmax``); default from the tolerance.
    guard : guard digits (default 6 + log10 of the tableau's Lebesgue constant).
    h_max : maximal step size (e.g. to let a monitor look at a finer grid).
    stop_tol : if given and a monitor stops the run, bisect (with dense output) between the last
        two step points to locate the first time the monitor fires to within ``stop_tol``; the
        last point of the trajectory is then that time.
    raise_on_failure : raise :class:`IntegrationError` instead of returning status "failed".
    workers : 1 computes every row of a step in this process; None (auto) lets a forked helper
        compute about half of the rows on a second core when ``f`` offers the fixed-point
        protocol and is expensive enough (:mod:`symflow.flows.rows`). The result is the same
        bit for bit; only ``nfev`` may count rows computed ahead and not needed.
    """
    if workers not in (None, 1, 2):
        raise IntegrationError(f"workers must be None (auto), 1 or 2, got {workers!r}")
    s = _settings(f, dps, rtol, kmax, guard)
    try:
        with mp.workdps(s.work_dps):
            sol = _solve(f, t0, y0, t1, s, atol=atol, h0=h0, h_max=h_max, max_steps=max_steps,
                         monitor=monitor, progress=progress, stop_tol=stop_tol,
                         workers=workers)
    finally:
        if progress is not None:
            progress.close()
    if sol.status == "failed" and raise_on_failure:
        raise IntegrationError(sol.message, time=sol.t_stop)
    return sol


def _settings(f, dps, rtol, kmax, guard) -> _Settings:
    """Check ``dps``, ``f``, ``rtol`` (default 10^−dps) and ``kmax`` (default from the
    tolerance, :func:`_default_kmax`); the working digits add ``guard`` (default
    :func:`guard_digits`) to the digits asked for."""
    if not isinstance(dps, int) or dps < 5:
        raise IntegrationError(f"dps must be an integer >= 5, got {dps!r}")
    if not callable(f):
        raise IntegrationError(f"f must be callable, got {type(f).__name__}")
    with mp.workdps(dps + 5):
        rtol_v = mpf(10) ** (-default_tolerance(dps)) if rtol is None else _to_mpf(rtol, "rtol")
        if not rtol_v > 0:
            raise IntegrationError(f"rtol must be positive, got {rtol!r}")
        rtol_digits = -float(mpmath.log10(rtol_v))
    if kmax is None:
        kmax = _default_kmax(max(rtol_digits, 4))
    if not isinstance(kmax, int) or kmax < 5:
        raise IntegrationError(f"kmax must be an integer >= 5, got {kmax!r}")
    if guard is None:
        guard = guard_digits(kmax)
    work_dps = max(dps, int(math.ceil(rtol_digits))) + guard
    return _Settings(dps, work_dps, rtol_v, rtol_digits, kmax)


def _engine_config(f, y0v, s: _Settings, atol, h_max) -> EngineConfig:
    """The engine's configuration at the working precision: ``atol`` defaults to
    rtol·max_i |y0_i| (rtol if y0 = 0), i.e. relative to the scale of y."""
    rtol_w = mpf(s.rtol)
    if atol is None:
        scale = max(abs(v) for v in y0v)
        atol_w = rtol_w * (scale if scale > 0 else 1)
    else:
        atol_w = _to_mpf(atol, "atol")
        if atol_w < 0:
            raise IntegrationError(f"atol must be >= 0, got {atol!r}")
    hmax_w = None if h_max is None else abs(_to_mpf(h_max, "h_max"))
    return EngineConfig(f, len(y0v), rtol_w, atol_w, s.kmax, hmax_w)


def _initial_value(y0) -> list:
    """y0 as a non-empty list of mpf at the working precision."""
    try:
        y0v = [_to_mpf(v, f"y0[{i}]") for i, v in enumerate(y0)]
    except TypeError as e:
        raise IntegrationError(f"y0 must be a sequence of real numbers, got {y0!r}") from e
    if not y0v:
        raise IntegrationError("y0 is empty")
    return y0v


def _solve(f, t0, y0, t1, s: _Settings, *, atol, h0, h_max, max_steps, monitor, progress,
           stop_tol, workers=None) -> OdeSolution:
    """The integration proper (inside workdps(work_dps)): convert the inputs, run the controller
    from ``k0`` = 0.6·rtol_digits + 1.5 columns (within [3, kmax−1]), refine a monitor stop."""
    t0v = _to_mpf(t0, "t0")
    t1v = _to_mpf(t1, "t1")
    y0v = _initial_value(y0)
    config = _engine_config(f, y0v, s, atol, h_max)
    eng = _Engine(config)
    solution = dict(t0=t0v, t1=t1v, dps=s.dps, work_dps=s.work_dps, config=config)
    if t0v == t1v:
        stats = OdeStats(nfev=0, nsteps=0, nrejected=0, max_error_estimate=mpf(0),
                         rtol=config.rtol, atol=config.atol)
        return OdeSolution(**solution, ts=[t0v], ys=[y0v], ks=[], status="success",
                           message="t1 == t0", t_stop=None, stats=stats)
    direction = 1 if t1v > t0v else -1
    H = None if h0 is None else direction * abs(_to_mpf(h0, "h0"))
    k0 = int(max(3, min(s.kmax - 1, 0.6 * s.rtol_digits + 1.5)))
    eng.helper = start_helper(eng, t0v, [_fix(v._mpf_, eng.fixed_P) for v in y0v], workers) \
        if eng.fixed_f is not None else None
    n_workers = 2 if eng.helper is not None else 1
    try:
        res = _integrate(eng, t0v, y0v, t1v, H=H, k=k0, max_steps=max_steps, monitor=monitor,
                         progress=progress, record=True)
    finally:
        if eng.helper is not None:
            eng._drop_helper()
    sol = OdeSolution(**solution, ts=res.ts, ys=res.ys, ks=res.ks, status=res.status,
                      message=res.message, t_stop=res.t_stop, stats=None)
    if sol.status == "stopped" and stop_tol is not None and len(sol.ts) >= 2:
        _refine_stop(sol, monitor, _to_mpf(stop_tol, "stop_tol"))
    sol.stats = OdeStats(nfev=eng.nfev, nsteps=res.nsteps, nrejected=res.nrejected,
                         max_error_estimate=res.max_err, order_min=2 * res.kmin,
                         order_max=2 * res.kmax, rtol=config.rtol, atol=config.atol,
                         dense_nfev=sol.dense_nfev, workers=n_workers)
    return sol


def _refine_stop(sol, monitor, stop_tol):
    """Bisect the last step for the first time the monitor fires (inside workdps)."""
    a, b = sol.ts[-2], sol.ts[-1]
    msg_b, yb = sol.message, sol.ys[-1]
    # drop the last point so that dense output works on [t0, a] ∪ [a, mid] via the last step
    ts, ys = sol.ts, sol.ys
    while abs(b - a) > stop_tol:
        mid = (a + b) / 2
        ym = sol(mid)  # within [a, b], integrated from (a, y_a)
        msg = monitor(mid, list(ym))
        if msg is None:
            a = mid
        else:
            b, yb, msg_b = mid, ym, str(msg)
    ts[-1], ys[-1] = b, yb
    sol.t_stop = b
    sol.message = msg_b
