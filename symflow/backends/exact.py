"""The exact level: ``flint.fmpq`` rationals and ``flint.fmpq_mat`` matrices.

Truth is equality: a residual is 0 or it is not (tolerance 0). Only rational networks and
losses can be evaluated. Rank by fraction-free row reduction; the Moore–Penrose inverse from
the rank factorization A = CF (C the pivot columns of A, F the nonzero rows of its RREF):

    A⁺ = Fᵀ(FFᵀ)⁻¹(CᵀC)⁻¹Cᵀ,        P = AA⁺ = C(CᵀC)⁻¹Cᵀ,

the projector computed from C alone, independently of A⁺.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Callable, Sequence

import flint

from .arith import ARITH
from .base import Backend, Decided, Decision, RankInfo
from .levels import Level

__all__ = ["ExactBackend"]

_ERRORS = (ZeroDivisionError, ValueError, TypeError, OverflowError)


def _pivots(R, r: int, n: int) -> list[int]:
    """Pivot columns of the first ``r`` rows of a reduced row echelon form ``R``."""
    return [next(j for j in range(n) if R[i, j] != 0) for i in range(r)]


class ExactBackend(Backend):
    level = Level.EXACT
    arith = ARITH["exact"]
    exact = True
    certified = True
    rational_only = True

    def reported_dps(self, dps):
        return None

    def convert_theta(self, theta: Sequence[Any], to_rational: Callable, fail: Callable) -> list:
        return [self.scalar(to_rational(v, i)) for i, v in enumerate(theta)]

    def guard(self, f, fail):
        def g(x):
            try:
                return f(x)
            except _ERRORS as exc:
                raise fail(x, f"{type(exc).__name__}: {exc or 'division by zero'}") from None
        return g

    # ---- matrices -------------------------------------------------------------------------
    def native(self, rows, nrows, ncols):
        return flint.fmpq_mat(nrows, ncols, [v if isinstance(v, flint.fmpq) else flint.fmpq(v)
                                             for r in rows for v in r])

    def shape(self, data):
        return (data.nrows(), data.ncols())

    # ---- linear algebra -------------------------------------------------------------------
    def rank_info(self, A, dps):
        return RankInfo(A.data.rank(), A.shape, self.level, True)

    def _factor(self, A):
        """A = C F: C the pivot columns of A (a basis of range A), F the nonzero RREF rows."""
        from .linalg import Mat
        R, r = A.data.rref()
        C = A.submatrix(cols=_pivots(R, r, A.shape[1]))
        F = Mat(self.level, R).submatrix(rows=range(r))
        return C, F

    def range_basis(self, A, dps):
        R, r = A.data.rref()
        return A.submatrix(cols=_pivots(R, r, A.shape[1]))

    def _zeros(self, m, n):
        from .linalg import Mat
        return Mat.from_rows(self.level, [[0] * n for _ in range(m)], n)

    def pinv(self, A, dps):
        m, n = A.shape
        if A.data.rank() == 0:
            return self._zeros(n, m)
        C, F = self._factor(A)
        return F.T @ (F @ F.T).inv() @ (C.T @ C).inv() @ C.T

    def projector(self, A, dps):
        m = A.shape[0]
        if A.data.rank() == 0:
            return self._zeros(m, m)
        C, _ = self._factor(A)
        return C @ (C.T @ C).inv() @ C.T

    # ---- tolerance rule -------------------------------------------------------------------
    def tolerance(self, dps, scale=1):
        return 0

    def rule(self):
        return {}

    def decide_zero(self, r, nonzero, r2, dps, scale):
        return Decided(Decision.FAILS if nonzero else Decision.HOLDS, self.report(r), 0)

    def decide_positive(self, values, values2, dps, scale):
        m = min(values)
        return Decided(Decision.HOLDS if m > 0 else Decision.FAILS, self.report(m), 0)

    def report(self, x):
        if isinstance(x, flint.fmpq):
            return Fraction(int(x.p), int(x.q))
        return x
