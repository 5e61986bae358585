"""The options of :func:`~symflow.flows.integrate`: small frozen value objects, validated when built.

=====================  ===========================================================================
field                  ``Standard()`` (α = 0), ``Adapted()`` (α = 1), ``Interpolated(alpha)``
                       (α a rational in [0, 1]: V_α of Theorem 2.3),
                       ``LevenbergMarquardt(lam, scale=1)`` (−c·Dᵀ(DDᵀ + λI)⁻¹∇ₓC, λ > 0 and
                       c > 0 rationals: C16; defined in :mod:`symflow.core.fields`)
span                   ``FlowTime(s_end)`` (the flow time s ≥ 0), ``LineTime(t_end)`` (the time
                       t ∈ [0, 1] of C6; adapted field and L2 loss only)
precision              ``Precision(dps=30, rtol=None)`` (rtol default 10^−dps; float64: 1e−12)
rank loss              ``Stop()`` (status ``rank_loss``) or ``PseudoInverse()`` (continue with G⁺)
=====================  ===========================================================================

Also the precision policy shared by the runners and :meth:`Trajectory.confirm`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

import mpmath
import sympy as sp
from mpmath import mpf

from ..backends import tolerance as _tolerance
from ..errors import DataError
from ..core.fields import LevenbergMarquardt, parse_field
from ..numbers import check_dps, short_repr, to_rational

__all__ = ["Standard", "Adapted", "Interpolated", "LevenbergMarquardt", "FlowTime", "LineTime",
           "Precision", "Stop", "PseudoInverse", "integrate_tolerance", "rank_threshold_digits"]

_CONFIRM_EXTRA = 10   # default confirmation precision: dps + 10


def integrate_tolerance(dps: int):
    """The product requirement 10^(5−dps) (relative agreement with a higher-precision run):
    the trajectory rule of :func:`symflow.backends.tolerance.trajectory`."""
    return _tolerance.trajectory(dps)


def rank_threshold_digits(dps: int, work_dps: int) -> int:
    """G counts as rank-deficient when λ_min/λ_max < 10^−(work_dps − dps − 4): the round-off
    κ(G)·10^−work_dps of G⁻¹ would then exceed 10^−(dps+4)."""
    return work_dps - dps - 4


# ---- fields ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Standard:
    """dθ/ds = −Dᵀg (α = 0, paper (2.18)); ``legacy`` is the 0.1 spelling (``field=``)."""

    alpha = sp.Integer(0)
    legacy = "standard"


@dataclass(frozen=True)
class Adapted:
    """dθ/ds = −D⁺g = −DᵀG⁻¹g (α = 1, paper (2.27)); ``legacy`` is the 0.1 spelling."""

    alpha = sp.Integer(1)
    legacy = "adapted"


@dataclass(frozen=True)
class Interpolated:
    """dθ/ds = V_α = −Dᵀ((1−α)g + αG⁻¹g), α a rational in [0, 1] (Theorem 2.3)."""

    alpha: Any

    def __post_init__(self) -> None:
        if isinstance(self.alpha, str) and self.alpha.strip().lower() in ("standard", "adapted"):
            raise DataError(f"Interpolated: α must be a number in [0, 1], got "
                            f"{short_repr(self.alpha)}", self.alpha)
        object.__setattr__(self, "alpha", parse_field(self.alpha))

    @property
    def legacy(self) -> Any:
        return self.alpha


FIELDS = (Standard, Adapted, Interpolated, LevenbergMarquardt)


def field_option(field: Any):
    """A field value object from a value object (``LevenbergMarquardt`` included) or the 0.1
    spelling ("standard" | "adapted" | α)."""
    if isinstance(field, FIELDS):
        return field
    alpha = parse_field(field)
    return Standard() if alpha == 0 else Adapted() if alpha == 1 else Interpolated(alpha)


# ---- spans -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class FlowTime:
    """Integrate in the flow time s over [0, s_end] (s_end ≥ 0)."""

    s_end: Any

    def __post_init__(self) -> None:
        end_q = to_rational(self.s_end, "s_end") if not isinstance(self.s_end, mpf) else None
        if end_q is not None and end_q < 0:
            raise DataError(f"s_end = {self.s_end} must be ≥ 0", self.s_end)
        _check_mpf_end(self.s_end, "s")

    time_variable = "s"

    @property
    def end(self) -> Any:
        return self.s_end


@dataclass(frozen=True)
class LineTime:
    """Integrate in the time t = 1 − e^(−s/N) of C6 over [0, t_end] (0 ≤ t_end ≤ 1); only for the
    adapted field and the L2 loss (:func:`integrate` refuses other combinations)."""

    t_end: Any

    def __post_init__(self) -> None:
        end_q = to_rational(self.t_end, "t_end") if not isinstance(self.t_end, mpf) else None
        if end_q is not None and not 0 <= end_q <= 1:
            raise DataError(f"t_end = {self.t_end} must lie in [0, 1] (t = 1 is the global "
                            f"minimum)", self.t_end)
        _check_mpf_end(self.t_end, "t")

    time_variable = "t"

    @property
    def end(self) -> Any:
        return self.t_end


def _check_mpf_end(end, tv):
    if isinstance(end, mpf) and not (mpmath.isfinite(end) and end >= 0 and
                                     (tv == "s" or end <= 1)):
        raise DataError(f"{tv}_end = {end} must be finite, ≥ 0 (and ≤ 1 for t_end)", end)


# ---- precision -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Precision:
    """``dps`` digits (:func:`symflow.numbers.check_dps`); ``rtol`` the local tolerance in (0, 1)
    (default 10^−dps; float64: 1e−12)."""

    dps: int = 30
    rtol: Optional[Any] = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "dps", check_dps(self.dps))
        if self.rtol is not None:
            rq = to_rational(self.rtol, "rtol")
            if not 0 < rq < 1:
                raise DataError(f"rtol = {short_repr(self.rtol)} must be a number in (0, 1)",
                                self.rtol)


# ---- rank loss -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Stop:
    """End the run with status ``rank_loss`` when G becomes too ill-conditioned."""

    name = "stop"


@dataclass(frozen=True)
class PseudoInverse:
    """Continue with G⁺ (eigenvalues below the rank threshold dropped): the constrained flow
    x' = −P∇ₓC of C2/C7."""

    name = "pinv"


RANK_LOSS = {"stop": Stop(), "pinv": PseudoInverse()}


def rank_loss_option(rank_loss: Any):
    if isinstance(rank_loss, (Stop, PseudoInverse)):
        return rank_loss
    if isinstance(rank_loss, str) and rank_loss in RANK_LOSS:
        return RANK_LOSS[rank_loss]
    raise DataError(f"rank_loss must be 'stop' or 'pinv', got {rank_loss!r}", rank_loss)
