"""The ball level: ``flint.arb`` balls and ``flint.arb_mat`` matrices (Arb, certified).

Every value is an enclosure. A refutation is a proof (a ball of ``lhs − rhs`` excludes 0); a
verification proves |lhs − rhs| ≤ tol at the point. Pointwise checks work at
:data:`WORK_FACTOR`·dps digits, because radii grow through the inversions.

Rank is certified only when full: A has full row rank when AAᵀ is provably invertible (then
A⁺ = Aᵀ(AAᵀ)⁻¹), full column rank when AᵀA is (A⁺ = (AᵀA)⁻¹Aᵀ); anything else raises
:class:`~symflow.errors.RankError` (use the exact level or mpmath).
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import flint
import mpmath

from ..errors import RankError
from . import tolerance as _tol
from .arith import ARITH
from .base import Backend, Decided, Decision, RankInfo
from .levels import Level

__all__ = ["BallBackend", "WORK_FACTOR"]

#: Pointwise ball checks run at WORK_FACTOR·dps digits.
WORK_FACTOR = 2

_ERRORS = (ZeroDivisionError, ValueError, TypeError, OverflowError)


class BallBackend(Backend):
    level = Level.BALL
    arith = ARITH["ball"]
    certified = True
    encloses_flows = True
    undecided = ("numerics", "the certified ball contains 0 but is wider than the tolerance")

    def work_dps(self, dps):
        return WORK_FACTOR * dps

    def headroom_dps(self, dps):
        return WORK_FACTOR * dps

    def headroom_rule(self):
        return f"{WORK_FACTOR}·dps"

    def max_dps_within(self, limit):
        return limit // WORK_FACTOR

    def convert_theta(self, theta: Sequence[Any], to_rational: Callable, fail: Callable) -> list:
        return [self.scalar(to_rational(v, i)) for i, v in enumerate(theta)]

    def guard(self, f, fail):
        def g(x):
            try:
                r = f(x)
            except _ERRORS as exc:
                raise fail(x, f"{type(exc).__name__}: {exc or 'division by zero'}") from None
            if isinstance(r, flint.arb) and not r.is_finite():
                raise fail(x, f"the ball {r} is not finite (z is off the domain, or the ball "
                              f"straddles its edge)")
            return r
        return g

    # ---- matrices -------------------------------------------------------------------------
    def native(self, rows, nrows, ncols):
        return flint.arb_mat(nrows, ncols, [v if isinstance(v, flint.arb) else flint.arb(v)
                                            for r in rows for v in r])

    def shape(self, data):
        return (data.nrows(), data.ncols())

    def max_abs(self, entries):
        """A certified upper bound of max |entry| (a ball)."""
        return max((v.abs_upper() for v in entries), key=lambda b: b.mid())

    def is_zero(self, entries):
        return all(v.contains(0) for v in entries)

    # ---- linear algebra -------------------------------------------------------------------
    def rank_info(self, A, dps):
        m, n = A.shape
        G = (A @ A.T) if m <= n else (A.T @ A)
        try:
            G.inv()
        except RankError:
            raise RankError(
                f"cannot certify the rank of a {m}×{n} matrix with balls (it may be "
                f"rank-deficient); use level 'exact' (rational networks) or 'mpmath'") from None
        return RankInfo(min(m, n), (m, n), self.level, True)

    def range_basis(self, A, dps):
        from .linalg import eye
        self.rank_info(A, dps)   # certified full rank or RankError
        m, n = A.shape
        return eye(self.level, m) if m <= n else A

    def pinv(self, A, dps):
        self.rank_info(A, dps)   # raises RankError when the rank cannot be certified
        m, n = A.shape
        if m <= n:
            return A.T @ (A @ A.T).inv()
        return (A.T @ A).inv() @ A.T

    # ---- tolerance rule -------------------------------------------------------------------
    def tolerance(self, dps, scale=1):
        return _tol.pointwise_mpf(dps, scale)

    def rule(self):
        return {"tolerance_rule": _tol.RULE_TEXT["pointwise"]}

    def positive_part(self, v):
        return (v.upper() if not (v <= 0) else flint.arb(0)), bool(v > 0)

    def decide_zero(self, r, nonzero, r2, dps, scale):
        if nonzero:
            d = Decision.FAILS
        elif r <= _tol.pointwise_arb(dps, scale):
            d = Decision.HOLDS
        else:
            d = Decision.UNDECIDED
        return Decided(d, self.report(r.abs_upper()), self.tolerance(dps, scale))

    def decide_positive(self, values, values2, dps, scale):
        if all(v > 0 for v in values):
            d = Decision.HOLDS
        elif any(v <= 0 for v in values):
            d = Decision.FAILS
        else:
            d = Decision.UNDECIDED
        low = min((v.lower() for v in values), key=lambda b: b.mid())
        return Decided(d, self.report(low), 0)

    def report(self, x):
        if isinstance(x, flint.arb):
            return (mpmath.mpf(x.mid().str(20, radius=False))
                    + mpmath.mpf(x.rad().str(5, radius=False)))
        return x
