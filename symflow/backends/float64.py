"""The float64 level: numpy ``float64`` scalars and 2-d arrays (exploration, large networks).

Tolerance FLOAT64_RTOL·max(1, scale); a comparison fails only above
FLOAT64_REFUTE·max(1, scale) and is undecided in between. Rank and pseudo-inverse by numpy's
SVD (singular values at or below σ₁·max(m, n)·ε count as zero; ``numpy.linalg.pinv``).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Callable, Sequence

import numpy as np

from ..errors import ParameterError, RankError
from . import tolerance as _tol
from .arith import ARITH
from .base import Backend, Decided, Decision, RankInfo
from .levels import Level

__all__ = ["Float64Backend", "mpf_list"]

_ERRORS = (ZeroDivisionError, ValueError, TypeError, OverflowError)
_FAST_BITS = 1000   # ints / Fractions with at most this many bits in numerator and denominator
                    # lie in the normal float64 range (or are 0): float() rounds them correctly


def mpf_list(values) -> list:
    """float64 values (an array or a sequence of floats) as mpf, exactly (53 bits, whatever the
    working precision): ``mpf(float(v))`` at ≥ 15 digits for each, without mpf's argument
    dispatch (≈ 1.7× faster; a float64 trajectory converts K numbers per stored step)."""
    from mpmath import mp
    from mpmath.libmp import from_float
    make = mp.make_mpf
    return [make(from_float(v)) for v in np.asarray(values, dtype=np.float64).tolist()]


class Float64Backend(Backend):
    level = Level.FLOAT64
    arith = ARITH["float64"]
    integrates = True
    undecided = ("numerics", "the float64 residual lies between the tolerance and the "
                 "refutation threshold")

    vectorized = True

    def all_finite(self, values):
        with np.errstate(all="ignore"):
            return bool(all(np.all(np.isfinite(v)) for v in values))

    def scalar(self, q):
        from ..errors import DataError
        from .base import as_fraction
        f = as_fraction(q)
        try:
            return f.numerator / f.denominator
        except OverflowError:
            raise DataError(f"{f} is too large for float64 (|x| > 1.8e308); use the mpmath "
                            f"level", str(f)[:40]) from None

    def convert_theta(self, theta: Sequence[Any], to_rational: Callable, fail: Callable) -> list:
        from ..numbers import to_float64
        out = []
        for i, v in enumerate(theta):
            tv = type(v)
            if tv is Fraction or tv is int:
                # the common exact case without the SymPy Rational (≈ 10× faster at K = 10⁵):
                # float() of an int or Fraction is correctly rounded, like to_float64's
                p, q = (v, 1) if tv is int else (v.numerator, v.denominator)
                if p.bit_length() <= _FAST_BITS and q.bit_length() <= _FAST_BITS:
                    out.append(float(v))
                    continue
            if isinstance(v, (float, np.floating)):
                f = float(v)
                if not np.isfinite(f):
                    raise fail(i, v, "is not finite")
            else:
                r = to_rational(v, i)  # strings, ints, Fractions, mpf …, exactly
                f = to_float64(r, f"θ[{i}]", ParameterError, shown=v)
            out.append(f)
        return out

    def guard(self, f, fail):
        def g(x):
            with np.errstate(all="ignore"):
                try:
                    r = f(x)
                except _ERRORS as exc:
                    raise fail(x, f"{type(exc).__name__}: {exc or 'division by zero'}") from None
                ok = np.isfinite(r)
            if not np.all(ok):
                bad = np.argwhere(~np.broadcast_to(ok, np.shape(x)))
                i = tuple(bad[0]) if bad.size else ()
                xv = np.asarray(x)[i] if np.ndim(x) else x
                rv = np.broadcast_to(r, np.shape(x))[i] if np.ndim(x) else r
                hint = (" (an overflow: use level 'mpmath')"
                        if np.isinf(rv) and abs(float(xv)) > 1 else "")
                raise fail(float(xv), f"float64 value {float(rv)}{hint}")
            return r
        return g

    # ---- matrices -------------------------------------------------------------------------
    def native(self, rows, nrows, ncols):
        return np.array(rows, dtype=np.float64).reshape(nrows, ncols)

    def shape(self, data):
        shape = data.shape
        if len(shape) != 2:
            raise AttributeError("shape")
        return shape

    def matmul(self, a, b):
        return a @ b

    def transpose(self, a):
        return a.T

    def inv(self, a):
        try:
            return np.linalg.inv(a)
        except np.linalg.LinAlgError as exc:
            raise ZeroDivisionError(str(exc)) from None

    def max_abs(self, entries):
        return float(np.max(np.abs(np.asarray(entries, dtype=np.float64))))

    @property
    def reference_arith(self):
        return ARITH["mpmath"]   # float64 values are compared with references at dps digits

    def to_reference(self, v):
        import mpmath
        return mpmath.mpf(float(v))

    def from_reference(self, v):
        return float(v)

    # ---- linear algebra -------------------------------------------------------------------
    def rank_info(self, A, dps):
        m, n = A.shape
        S = np.linalg.svd(A.data, compute_uv=False)
        thr = (S.max() if S.size else 0.0) * max(m, n) * np.finfo(np.float64).eps
        return RankInfo(int(np.sum(S > thr)), (m, n), self.level, False,
                        tuple(float(s) for s in S), float(thr))

    def range_basis(self, A, dps):
        from .linalg import Mat
        U, S, _ = np.linalg.svd(A.data, full_matrices=False)
        thr = self.rank_info(A, dps).threshold
        return Mat(self.level, U[:, [j for j in range(len(S)) if S[j] > thr]])

    def pinv(self, A, dps):
        from .linalg import Mat
        return Mat(self.level, np.linalg.pinv(A.data))

    # ---- raw vectors ----------------------------------------------------------------------
    def data_scalar(self, v, what):
        from ..numbers import to_float64
        return to_float64(v, what)

    def vector(self, values):
        return np.array(values, dtype=float)

    def evaluate_network(self, net, theta, inputs, jacobian=True):
        return net.evaluate_float64(np.asarray(theta, dtype=float), inputs, jacobian)

    def gram(self, D):
        return D @ D.T

    def spd_solve(self, G, w):
        try:
            c = np.linalg.cholesky(G)
        except np.linalg.LinAlgError:
            raise RankError("NTK DDᵀ is not positive definite (float64 Cholesky failed)",
                            expected=len(w)) from None
        return np.linalg.solve(c.T, np.linalg.solve(c, w))

    def psd_pinv_solve(self, G, w):
        return np.linalg.pinv(G, hermitian=True) @ w

    def t_apply(self, D, u):
        return D.T @ u

    def eigvalsh(self, G):
        return np.linalg.eigvalsh(G)

    def blend(self, a, g, h):
        return (1 - a) * g + a * h

    def add_diagonal(self, G, c):
        return G + c * np.eye(G.shape[0])

    def scaled(self, c, v):
        return c * v

    def negate(self, v):
        return -v

    # ---- tolerance rule -------------------------------------------------------------------
    def tolerance(self, dps, scale=1):
        return _tol.FLOAT64_RTOL * max(1.0, float(scale))

    def refute_above(self, scale):
        return _tol.FLOAT64_REFUTE * max(1.0, float(scale))

    def rule(self):
        return {"tolerance_rule": _tol.RULE_TEXT["float64"]}

    def decide_zero(self, r, nonzero, r2, dps, scale):
        r = float(r)
        tol = self.tolerance(dps, scale)
        if r <= tol:
            d = Decision.HOLDS
        elif r > self.refute_above(scale):
            d = Decision.FAILS
        else:
            d = Decision.UNDECIDED
        return Decided(d, r, tol)

    def decide_positive(self, values, values2, dps, scale):
        m = float(min(values))
        tol = self.tolerance(dps, scale)
        if m > tol:
            d = Decision.HOLDS
        elif m < -self.refute_above(scale):
            d = Decision.FAILS
        else:
            d = Decision.UNDECIDED
        return Decided(d, m, tol)

    def report(self, x):
        return x
