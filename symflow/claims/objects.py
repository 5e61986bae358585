"""The objects several pointwise claims share: (DDᵀ)⁺, V_α, the library field, LDLᵀ pivots.

Each is built from D (QN × K), g = ∇ₓC (QN), D⁺ = ``pinv(D)``, P = ``projector(D)`` (exact
level: from a column basis, independently of ``pinv``) and (DDᵀ)⁺, at the level of the point.
Residuals are computed from these objects, never from the closed forms being checked.

**(DDᵀ)⁺ at the ball level** for a rank-deficient NTK with certified full *column* rank D (K <
QN): (DDᵀ)⁺ = (D⁺)ᵀD⁺ with D⁺ = (DᵀD)⁻¹Dᵀ (an identity valid for every D); C9 checks the four
Penrose equations for it, which characterise the Moore–Penrose inverse.
"""

from __future__ import annotations

from fractions import Fraction


from ..errors import RankError
from ..backends import backend
from ..core.fields import parameter_field
from ..backends.linalg import Mat, ldl, pinv
from ..core.problem import PointData

__all__ = ["ntk_pinv", "v_alpha", "library_field"]


def ntk_pinv(pd: PointData) -> Mat:
    """(DDᵀ)⁺ (QN × QN) at the point's level; see the module docstring for the ball case."""
    D = pd.D
    dps = pd.dps or 30
    try:
        return pinv(D @ D.T, dps)
    except RankError:   # only balls refuse a pinv: certify D's full column rank instead
        if D.shape[0] <= D.shape[1]:
            raise
        Dp = pinv(D, dps)  # certified full column rank: (DᵀD)⁻¹Dᵀ, else RankError
        return Dp.T @ Dp


def v_alpha(pd: PointData, alpha: Fraction, Gp: Mat | None = None) -> Mat:
    """V_α = −Dᵀ((1−α)g + α(DDᵀ)⁺g) (K × 1), from D and (DDᵀ)⁺ (Theorem 2.3)."""
    D, g = pd.D, pd.grad
    be = backend(pd.level)
    a, one = be.scalar(alpha), be.scalar(1)
    if Gp is None:
        Gp = ntk_pinv(pd)
    return -(D.T @ (g * (one - a) + (Gp @ g) * a))


def library_field(pd: PointData, alpha: Fraction) -> Mat:
    """``symflow.parameter_field(pd, α)``; at the ball level for a rank-deficient NTK, where the
    library cannot certify (DDᵀ)⁺ directly, :func:`v_alpha` with :func:`ntk_pinv`."""
    try:
        return parameter_field(pd, str(alpha))
    except RankError:   # only balls refuse: V_α from the certified (DDᵀ)⁺ of ntk_pinv
        return v_alpha(pd, alpha)


def _ldl_pivots(H: Mat) -> list:
    """Pivots of the LDLᵀ factorization of a symmetric matrix (all > 0 ⇔ positive definite),
    up to the first one not certainly positive (:func:`symflow.backends.linalg.ldl`)."""
    return ldl(H.tolist())[1]


def _stack(mats: list[Mat]) -> Mat:
    rows = []
    for M in mats:
        rows += M.tolist()
    return Mat.from_rows(mats[0].level, rows, mats[0].shape[1])
