"""High-precision integration of the flows of docs/theory.md: :func:`integrate` → :class:`Trajectory`.

==========================  =====================================================================
``field=``                  ODE integrated (D = ∂x/∂θ, g = ∇ₓC, G = DDᵀ the NTK, s the flow time)
==========================  =====================================================================
``Standard()`` (α = 0)      dθ/ds = −Dᵀ g                                    (paper (2.18))
``Adapted()``  (α = 1)      dθ/ds = −D⁺ g = −Dᵀ G⁻¹ g                        (paper (2.27), C1)
``Interpolated(α)``         dθ/ds = V_α = −Dᵀ((1−α) g + α G⁻¹ g)             (Theorem 2.3)
``LevenbergMarquardt(λ,c)`` dθ/ds = −c·Dᵀ(G + λI)⁻¹ g   (λ > 0, c > 0)       (C16)
adapted, ``LineTime(t)``    dθ/dt = D⁺ w,  w = y − x(0)  on t ∈ [0, 1]        (C6, L2 only)
==========================  =====================================================================

The options are the value objects of :mod:`symflow.flows.options`; the 0.1 keywords
(``field="adapted"|"standard"|α``, ``s_end=``, ``t_end=``, ``dps=``, ``rtol=``,
``rank_loss="stop"|"pinv"``) are still accepted and turned into them. Validation → options →
the mpmath runner (:mod:`.run_mpmath`: GBS engine on the fixed-point field, rank monitor) or the
float64 runner (:mod:`.run_float64`: scipy's DOP853).

The Levenberg–Marquardt field solves with G + λI, positive definite for every D: it never needs
(DDᵀ)⁻¹ of a singular G, so ``on_rank_loss`` does not act on it — ``Stop()`` never stops the run
(the rank monitor still records λ_min and the condition number of G in the trajectory) and
``PseudoInverse()`` changes nothing (there is no pseudo-inverse to take). Accuracy needs λ well
above the round-off of G: the fixed-point LDLᵀ at ``work_dps`` digits loses about
log10(λ_max(G)/λ) of them, float64 Cholesky about as many of its 16. A homotopy family of
fields (:mod:`.homotopy`) gives ``field=family.field(p)`` for a parameter p.

>>> import symflow as sf
>>> from symflow.flows import Adapted, LineTime, Precision, integrate_tolerance
>>> prob = sf.Problem(sf.mlp([1, 2, 1], "tanh"), inputs=[[1]], targets=[[2]])
>>> traj = sf.integrate(prob, [1, 0, 1, 1, 0, 1, 0], field=Adapted(), span=LineTime(1),
...                     precision=Precision(dps=30))
>>> traj.status, traj.time_variable
('success', 't')
>>> x_half = prob.at(traj.theta_at("1/2"), "mpmath", dps=30).x[0, 0]   # evaluated afresh
>>> import mpmath
>>> with mpmath.workdps(30):                                          # (1 − t)x(0) + t·y
...     err = abs(x_half - (traj.x0[0] + traj.y[0]) / 2) / abs(traj.y[0] - traj.x0[0])
>>> bool(err < integrate_tolerance(30))
True
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from mpmath import mp

from ..errors import DataError, ParameterError, PrecisionError
from ..backends import integration_backend
from ..core.fields import field_name, field_spec
from ..core.losses import L2
from ..numbers import MAX_DPS, short_repr
from ..core.problem import Problem
from ..progress import make_progress
from .options import (_CONFIRM_EXTRA, Adapted, FlowTime, LineTime, Precision, PseudoInverse,
                      field_option, rank_loss_option)
from .run_float64 import _run_float64
from .run_mpmath import _run_mp
from .readers import READERS
from .trajectory import Trajectory

__all__ = ["integrate"]

_UNSET: Any = object()   # a 0.1 keyword that was not given


def _legacy_options(field, span, precision, on_rank_loss, s_end, t_end, dps, rtol, rank_loss):
    """The value objects from the new keywords or the 0.1 ones (never both for one option)."""
    f = field_option(field)
    if span is not None:
        if s_end is not None or t_end is not None:
            raise DataError("give span= or the 0.1 keywords s_end=/t_end=, not both", span)
        if not isinstance(span, (FlowTime, LineTime)):
            raise DataError(f"span must be FlowTime(s_end) or LineTime(t_end), got "
                            f"{short_repr(span)}", span)
    elif (s_end is None) == (t_end is None):
        raise DataError("give exactly one of s_end (flow time s) or t_end (the time t of C6); "
                        f"got s_end={s_end!r}, t_end={t_end!r}", (s_end, t_end))
    if on_rank_loss is not None and rank_loss is not _UNSET:
        raise DataError("give on_rank_loss= or the 0.1 keyword rank_loss=, not both", rank_loss)
    r = rank_loss_option(on_rank_loss if on_rank_loss is not None else
                         "stop" if rank_loss is _UNSET else rank_loss)
    if precision is not None:
        if dps is not _UNSET or rtol is not _UNSET:
            raise DataError("give precision= or the 0.1 keywords dps=/rtol=, not both", precision)
        if not isinstance(precision, Precision):
            raise DataError(f"precision must be Precision(dps, rtol), got {short_repr(precision)}",
                            precision)
    else:
        precision = Precision(30 if dps is _UNSET else dps, None if rtol is _UNSET else rtol)
    if span is None:
        span = FlowTime(s_end) if t_end is None else LineTime(t_end)
    return f, span, precision, r


def integrate(problem: Problem, theta0: Sequence[Any], *, field: Any = "adapted",
              span: Any = None, precision: Any = None, on_rank_loss: Any = None,
              arith: str = "mpmath", confirm: bool = False, progress: Any = None,
              max_steps: int = 100_000, workers: Any = None, s_end: Any = None,
              t_end: Any = None,
              dps: Any = _UNSET, rtol: Any = _UNSET, rank_loss: Any = _UNSET) -> Trajectory:
    """Integrate a flow of docs/theory.md from θ(0) = ``theta0`` (see the module docstring).

    ``field``: ``Standard()``, ``Adapted()``, ``Interpolated(α)`` or
    ``LevenbergMarquardt(λ, scale)`` (0.1: ``"standard"``, ``"adapted"`` or α ∈ [0, 1]; see the
    module docstring for how ``on_rank_loss`` acts on the LM field). ``span``: ``FlowTime(s_end)`` or ``LineTime(t_end)`` (adapted
    field and L2 loss only; 0.1: exactly one of ``s_end=``/``t_end=``). ``precision``:
    ``Precision(dps=30, rtol=None)`` (0.1: ``dps=``, ``rtol=``). ``on_rank_loss``: ``Stop()``
    (status ``rank_loss`` when G becomes too ill-conditioned) or ``PseudoInverse()`` (continue
    with G⁺: the constrained flow; 0.1: ``rank_loss="stop"|"pinv"``). ``arith``: ``"mpmath"`` or
    ``"float64"``. ``confirm=True`` runs :meth:`Trajectory.confirm`. ``progress``: None (silent),
    True (:class:`~symflow.progress.TextProgress`) or an object. ``max_steps``: accepted steps at
    most (mpmath); past it the status is ``"failed"`` and the trajectory ends at the last
    accepted step — a bound for flows whose D⁺ blows up. ``workers`` (mpmath): None (auto)
    lets a second core compute about half of the rows of each extrapolation step when the
    field is expensive enough, 1 keeps every row in this process; the trajectory is the same
    bit for bit (:mod:`symflow.flows.rows`).
    """
    if not isinstance(problem, Problem):
        raise DataError(f"problem must be a symflow.Problem, got {problem!r}", problem)
    fopt, span, prec, ropt = _legacy_options(field, span, precision, on_rank_loss, s_end, t_end,
                                              dps, rtol, rank_loss)
    _check_run(problem, theta0, arith, confirm, prec.dps)
    _check_line_time(problem, fopt, span, ropt)
    prog = make_progress(progress)
    if isinstance(max_steps, bool) or not isinstance(max_steps, int) or max_steps < 1:
        raise DataError(f"max_steps must be a positive integer, got {max_steps!r}", max_steps)
    if workers is not None and (isinstance(workers, bool) or workers not in (1, 2)):
        raise DataError(f"workers must be None (auto), 1 or 2, got {short_repr(workers)}",
                        workers)
    tv, end = span.time_variable, span.end
    # the 0.1 form of the options: what Trajectory.confirm re-integrates with
    options = dict(theta0=list(theta0), field=field if not hasattr(field, "legacy") else
                   fopt.legacy, s_end=end if tv == "s" else None,
                   t_end=end if tv == "t" else None, rank_loss=ropt.name, progress=progress,
                   max_steps=max_steps, workers=workers)
    traj = _RUNNERS[arith](problem, theta0, field_spec(fopt), tv, end, prec, ropt.name, prog,
                           options)
    if confirm:
        traj.confirm()
    return traj


#: The runner of each integration level: run(problem, θ0, field spec (α or LevenbergMarquardt),
#: time variable, end, Precision, rank-loss policy, progress, options) -> Trajectory.
_RUNNERS = {
    "mpmath": lambda p, th, a, tv, end, prec, rl, prog, opts:
        _run_mp(p, th, a, tv, end, prec.dps, prec.rtol, rl, prog, opts),
    "float64": lambda p, th, a, tv, end, prec, rl, prog, opts:
        _run_float64(p, th, a, tv, end, prec.rtol, rl, prog, opts),
}


def _check_run(problem, theta0, arith, confirm, dps):
    """``arith`` is "mpmath" or "float64"; ``confirm`` a bool, and its re-integration at
    dps + _CONFIRM_EXTRA digits within MAX_DPS; θ(0) K numbers (ParameterError naming a bad
    entry or the length)."""
    integration_backend(arith)   # DataError unless "mpmath" or "float64"
    if not isinstance(confirm, (bool, np.bool_)):
        raise DataError(f"confirm must be True or False, got {short_repr(confirm)}", confirm)
    # an mpmath run is confirmed at dps + _CONFIRM_EXTRA digits (float64: at a smaller rtol)
    high = READERS[arith].confirm_dps(dps)
    if confirm and high is not None and high > MAX_DPS:
        raise PrecisionError(
            f"confirm=True re-integrates at dps + {_CONFIRM_EXTRA} = {dps + _CONFIRM_EXTRA} "
            f"digits, above MAX_DPS = {MAX_DPS}: use dps ≤ {MAX_DPS - _CONFIRM_EXTRA}, or "
            f"confirm=False", dps)
    if isinstance(theta0, (str, bytes)) or not hasattr(theta0, "__len__"):
        raise ParameterError(
            f"theta0 must be a sequence of K = {problem.K} numbers (e.g. "
            f"sf.random_rational_point({problem.K})), got {short_repr(theta0)}", theta0)
    with mp.workdps(15):
        problem.convert_theta(theta0, "mpmath")  # ParameterError naming a bad entry / length


def _check_line_time(problem, fopt, span, ropt):
    """The C6 time t = 1 − e^(−s/N) (``LineTime``) linearizes only the adapted flow, only for
    the L2 loss, and only at full rank: in t the runner integrates C6's form
    dθ/dt = D⁺(y − x(0)), which equals the adapted flow's −D⁺(x − y)/(1 − t) only while
    x − y = (1 − t)(x(0) − y), i.e. while the outputs stay on the line. At rank loss they leave
    it (C7, C11), so ``PseudoInverse()`` — the constrained flow — is refused in t: it would
    silently integrate another ODE."""
    if not isinstance(span, LineTime):
        return
    if isinstance(ropt, PseudoInverse):
        raise DataError(
            "t_end with rank_loss='pinv': in the C6 time t symflow integrates "
            "dθ/dt = D⁺(y − x(0)), the adapted flow only while the outputs stay on the line "
            "(full rank); the constrained flow at rank loss leaves the line — integrate it in "
            "the flow time with s_end (s = −N·log(1 − t)) and rank_loss='pinv'", span.t_end)
    if not isinstance(problem.loss, L2):
        raise DataError(
            f"t_end: the time t = 1 − e^(−s/N) linearizes the adapted flow only for the L2 "
            f"loss (C6); {problem.loss.name!r} has no such time change — use s_end",
            span.t_end)
    if not isinstance(fopt, Adapted) and field_spec(fopt) != 1:
        raise DataError(
            f"t_end: the C6 time t is a reparametrization of the adapted flow; field "
            f"{field_name(field_spec(fopt))} must be integrated in the flow time — use s_end",
            span.t_end)
