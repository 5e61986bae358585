"""The mpmath level: ``mpmath.mpf`` floats at ``dps`` digits and ``mpmath.matrix`` matrices.

Numerical truth, confirmed: a pointwise comparison is evaluated at ``dps`` and again at
``dps + CONFIRM_EXTRA_DPS``; it holds when both residuals are within their tolerances
10^(GUARD − dps)·max(1, scale), fails when both exceed the first, else it is undecided.

Rank, range and pseudo-inverse from the SVD A = UΣVᵀ, singular values at or below

    σ₁ · max(m, n) · 10^(5 − dps)

counted as zero: A⁺ = VΣ⁺Uᵀ, and P = U_r U_rᵀ from the r left singular vectors above the
threshold (an orthonormal basis of range A, independent of A⁺).
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import mpmath

from ..numbers import short_repr
from . import tolerance as _tol
from .arith import ARITH
from .base import Backend, Decided, Decision, RankInfo
from .levels import Level

__all__ = ["MpmathBackend", "svd_threshold"]

_ERRORS = (ZeroDivisionError, ValueError, TypeError, OverflowError)


def svd_threshold(svals, shape, dps):
    """σ₁·max(m, n)·10^(5 − dps): singular values at or below it count as zero."""
    smax = max(svals) if svals else mpmath.mpf(0)
    return smax * max(shape) * mpmath.mpf(10) ** (_tol.RANK_GUARD - dps)


def _svd(A, dps: int):
    with mpmath.workdps(dps):
        U, S, V = mpmath.svd_r(A.data, full_matrices=False, compute_uv=True)
    return U, [S[i] for i in range(len(S))], V


class MpmathBackend(Backend):
    level = Level.MPMATH
    arith = ARITH["mpmath"]
    integrates = True
    undecided = ("precision", "the residual at dps and its re-run at dps + "
                 f"{_tol.CONFIRM_EXTRA_DPS} disagree about the tolerance")

    def confirm_dps(self, dps):
        return dps + _tol.CONFIRM_EXTRA_DPS

    def convert_theta(self, theta: Sequence[Any], to_rational: Callable, fail: Callable) -> list:
        out = []
        for i, v in enumerate(theta):
            if isinstance(v, mpmath.mpf):
                if not mpmath.isfinite(v):
                    raise fail(i, v, "is not finite")
                out.append(+v)
            else:
                out.append(self.scalar(to_rational(v, i)))
        return out

    def guard(self, f, fail):
        mpf, isfinite = mpmath.mpf, mpmath.isfinite

        def g(x):
            try:
                r = f(x)
            except _ERRORS as exc:
                raise fail(x, f"{type(exc).__name__}: {exc or 'division by zero'}") from None
            if not (isinstance(r, mpf) and isfinite(r)):
                shown = (mpmath.nstr(r, 17) if isinstance(r, (mpf, mpmath.mpc))
                         else short_repr(r))
                raise fail(x, f"value {shown}")
            return r
        return g

    # ---- matrices -------------------------------------------------------------------------
    def native(self, rows, nrows, ncols):
        m = mpmath.matrix(nrows, ncols)
        for i, r in enumerate(rows):
            for j, v in enumerate(r):
                m[i, j] = v
        return m

    def shape(self, data):
        return (data.rows, data.cols)

    def transpose(self, a):
        return a.T

    def inv(self, a):
        return mpmath.inverse(a)

    # ---- linear algebra -------------------------------------------------------------------
    def rank_info(self, A, dps):
        m, n = A.shape
        with mpmath.workdps(dps):
            _, S, _ = _svd(A, dps)
            S = sorted(S, reverse=True)
            thr = svd_threshold(S, (m, n), dps)
            r = sum(1 for s in S if s > thr)
        return RankInfo(r, (m, n), self.level, False, tuple(S), thr)

    def range_basis(self, A, dps):
        from .linalg import Mat
        m, n = A.shape
        with mpmath.workdps(dps):
            U, S, _ = _svd(A, dps)
            thr = svd_threshold(S, (m, n), dps)
            return Mat(self.level, U).submatrix(cols=[j for j, s in enumerate(S) if s > thr])

    def pinv(self, A, dps):
        from .linalg import Mat
        m, n = A.shape
        with mpmath.workdps(dps):
            U, S, V = _svd(A, dps)
            thr = svd_threshold(S, (m, n), dps)
            Sp = mpmath.matrix(len(S), len(S))
            for i, s in enumerate(S):
                Sp[i, i] = 1 / s if s > thr else 0
            return Mat(self.level, V.T * Sp * U.T)

    def projector(self, A, dps):
        with mpmath.workdps(dps):
            Ur = self.range_basis(A, dps)  # orthonormal columns
            return Ur @ Ur.T

    # ---- raw vectors ----------------------------------------------------------------------
    def precision_key(self):
        return mpmath.mp.prec

    def gram(self, D):
        return [[mpmath.fdot(ri, rj) for rj in D] for ri in D]

    def spd_solve(self, G, w):
        from .linalg import spd_solve
        return spd_solve(G, list(w))

    def psd_pinv_solve(self, G, w):
        from .linalg import Mat
        u = self.pinv(Mat.from_rows(self.level, G), mpmath.mp.dps) @ Mat.column(self.level, list(w))
        return [u[i, 0] for i in range(len(w))]

    def t_apply(self, D, u):
        return [mpmath.fdot([D[i][k] for i in range(len(D))], u) for k in range(len(D[0]))]

    def eigvalsh(self, G):
        return sorted(mpmath.eigsy(mpmath.matrix(G), eigvals_only=True))

    def blend(self, a, g, h):
        return [(1 - a) * gi + a * hi for gi, hi in zip(g, h)]

    def add_diagonal(self, G, c):
        return [[v + c if i == j else v for j, v in enumerate(row)] for i, row in enumerate(G)]

    def scaled(self, c, v):
        return [c * vi for vi in v]

    def negate(self, v):
        return [-vi for vi in v]

    # ---- tolerance rule -------------------------------------------------------------------
    def tolerance(self, dps, scale=1):
        return _tol.pointwise_mpf(dps, scale)

    def rule(self):
        return {"tolerance_rule": _tol.RULE_TEXT["pointwise"]}

    def decide_zero(self, r, nonzero, r2, dps, scale):
        """Without a confirming residual (``r2`` None) nothing is refuted: holds within the
        tolerance, else undecided."""
        tol1 = self.tolerance(dps, scale)
        tol2 = self.tolerance(self.confirm_dps(dps), scale)
        if r2 is None:
            return Decided(Decision.HOLDS if r <= tol1 else Decision.UNDECIDED, r, tol1)
        if r <= tol1 and r2 <= tol2:
            d = Decision.HOLDS
        elif r > tol1 and r2 > tol1:
            d = Decision.FAILS
        else:
            d = Decision.UNDECIDED
        return Decided(d, r, tol1, r2)

    def decide_positive(self, values, values2, dps, scale):
        tol1 = self.tolerance(dps, scale)
        tol2 = self.tolerance(self.confirm_dps(dps), scale)
        m1, m2 = min(values), min(values2)
        if m1 > tol1 and m2 > tol2:
            d = Decision.HOLDS
        elif m1 < -tol1 and m2 < -tol1:
            d = Decision.FAILS
        else:
            d = Decision.UNDECIDED
        return Decided(d, m1, tol1, m2)

    def report(self, x):
        return x
