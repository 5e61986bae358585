"""The tolerance rules: one per level, written once, used by every check.

A check compares a residual ``r`` (≥ 0) with a tolerance. The rules:

``exact``
    tolerance 0: verified iff r = 0 exactly, refuted otherwise.
``ball``
    ``r`` is a certified upper bound; tol = 10^(GUARD − dps)·max(1, scale). Refuted iff the
    compared quantity certainly differs (a ball excluding 0), verified iff r ≤ tol, else
    inconclusive.
``mpmath``
    pointwise: tol = 10^(GUARD − dps)·max(1, scale), and a refutation must survive a re-run at
    ``dps + CONFIRM_EXTRA_DPS`` digits. Trajectories: residuals are *relative* (divided by the
    scale named in the evidence, e.g. max|x(0) − y|) and tol = 10^(TRAJECTORY_GUARD − dps);
    a refutation needs the trajectory to be confirmed by a re-integration at higher precision.
``float64``
    tol = FLOAT64_RTOL·max(1, scale); refuted only above FLOAT64_REFUTE·max(1, scale).

``GUARD`` digits cover the cancellation in products of a few matrices and one pseudo-inverse;
``scale`` is the size of the compared objects — or, where the residual is amplified by a
pseudo-inverse, a bound that grows with the condition number κ of DDᵀ on its range. Such a
tolerance records κ (``Evidence.kappa``).

**When a tolerance means nothing.** :func:`too_loose` compares the tolerance with the
*magnitude* of the quantity judged (the size of the two sides of an identity, not the error
bound): if tol > MAX_RELATIVE·magnitude (MAX_RELATIVE = 10⁻⁶), a pass would say nothing about
the quantity, and the comparison is **inconclusive** (reason ``tolerance``), never verified. An
exactly zero magnitude leaves the tolerance absolute (nothing to be relative to).

>>> float(trajectory(30))
1e-25
>>> too_loose(mpmath.mpf("1e-3"), 1) is not None, too_loose(mpmath.mpf("1e-20"), 1)
(True, None)
"""

from __future__ import annotations

from typing import Any

import mpmath

__all__ = ["GUARD", "TRAJECTORY_GUARD", "RANK_GUARD", "CONFIRM_EXTRA_DPS",
           "TRAJECTORY_CONFIRM_DPS", "FLOAT64_RTOL", "FLOAT64_REFUTE", "MAX_RELATIVE",
           "pointwise", "pointwise_mpf", "pointwise_arb", "trajectory", "too_loose", "RULES",
           "RULE_TEXT"]

#: Digits a pointwise identity may lose to cancellation (products of ≤ 6 matrices, one pinv).
GUARD = 10
#: Digits a trajectory residual may lose: the integrator's error control at rtol 10^−dps
#: accumulates over the span (relative residuals).
TRAJECTORY_GUARD = 5
#: Extra digits of the confirming re-run of a pointwise mpmath comparison.
CONFIRM_EXTRA_DPS = 20
#: Extra digits of the confirming re-integration of a trajectory (``Trajectory.confirm``).
TRAJECTORY_CONFIRM_DPS = 10
#: Digits below σ₁·max(m, n)·10^(RANK_GUARD − dps) at which an mpmath singular value counts
#: as zero (numerical rank, pseudo-inverse, range basis).
RANK_GUARD = 5
FLOAT64_RTOL = 1e-8
FLOAT64_REFUTE = 1e-3
#: A tolerance above this fraction of the quantity judged makes a comparison inconclusive.
MAX_RELATIVE = mpmath.mpf("1e-6")

#: The rules as text, for reports.
RULES = {
    "exact": "tolerance 0 (exact rational arithmetic)",
    "ball": f"certified bound ≤ 10^({GUARD} − dps)·max(1, scale); refuted iff a ball excludes 0",
    "mpmath": f"10^({GUARD} − dps)·max(1, scale), confirmed at dps + {CONFIRM_EXTRA_DPS}",
    "mpmath-trajectory": f"relative 10^({TRAJECTORY_GUARD} − dps), trajectory confirmed at "
                         f"dps + {TRAJECTORY_CONFIRM_DPS}",
    "float64": f"{FLOAT64_RTOL:g}·max(1, scale); refuted above {FLOAT64_REFUTE:g}·max(1, scale)",
    "loose": f"a tolerance above {mpmath.nstr(MAX_RELATIVE, 1)} × the magnitude of the quantity "
             f"judged makes the comparison inconclusive",
}


#: The pointwise rules as evidence details show them.
RULE_TEXT = {
    "pointwise": f"10^({GUARD} − dps)·max(1, size of compared objects)",
    "float64": f"{FLOAT64_RTOL:g}·max(1, size of compared objects)",
}


def pointwise(level: Any, dps: int, scale: Any = 1) -> Any:
    """The pointwise tolerance at ``level`` (a :class:`~symflow.backends.levels.Level` or its
    name): the level's backend applies its rule (:meth:`~symflow.backends.base.Backend.tolerance`)."""
    from . import backend
    return backend(level).tolerance(dps, scale)


def _scale_mpf(scale: Any) -> mpmath.mpf:
    if isinstance(scale, mpmath.mpf):
        return max(mpmath.mpf(1), scale)
    return mpmath.mpf(max(1.0, float(scale)))


def pointwise_mpf(dps: int, scale: Any = 1) -> mpmath.mpf:
    """10^(GUARD − dps)·max(1, scale) as an mpf (the ball and mpmath pointwise rule)."""
    with mpmath.workdps(max(dps, 15)):
        return mpmath.mpf(10) ** (GUARD - dps) * _scale_mpf(scale)


def pointwise_arb(dps: int, scale: Any = 1):
    """The same rule as an Arb ball (an exact power of ten times max(1, scale))."""
    import flint
    return flint.arb(10) ** (GUARD - dps) * flint.arb(max(1.0, float(scale)))


def trajectory(dps: int) -> mpmath.mpf:
    """The relative tolerance of a trajectory residual at ``dps`` digits: 10^(5 − dps)."""
    with mpmath.workdps(max(dps, 15)):
        return mpmath.mpf(10) ** (TRAJECTORY_GUARD - dps)


def too_loose(tol: Any, magnitude: Any) -> str | None:
    """None if ``tol`` is small against ``magnitude``; else a sentence saying by how much not."""
    try:
        t = abs(mpmath.mpf(tol))
        m = abs(mpmath.mpf(magnitude))
    except (TypeError, ValueError):
        return None
    if t == 0 or m == 0:
        return None
    if t > MAX_RELATIVE * m:
        return (f"tolerance {mpmath.nstr(t, 3)} is {mpmath.nstr(t / m, 3)} of the magnitude "
                f"{mpmath.nstr(m, 3)} of the quantity judged (> {mpmath.nstr(MAX_RELATIVE, 1)})")
    return None
