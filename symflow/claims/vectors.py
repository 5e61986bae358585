"""Small helpers of the trajectory claims: mpmath vectors as lists, exact rationals as mpf, numbers
for the evidence's sentences.

Shared by :mod:`~symflow.claims.trajectories`, :mod:`~symflow.claims.rank_monitor` and the
trajectory claim modules (C5 along flows, C6, C7, C8, C10).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Sequence

import mpmath
import sympy as sp
from mpmath import mpf

__all__: list[str] = []


def _n(x, k: int = 5) -> str:
    """``x`` for a sentence: exact numbers as they are, mpf to ``k`` significant digits."""
    if x is None:
        return "None"
    if isinstance(x, (Fraction, int)):
        return str(x)
    return mpmath.nstr(x, k)


def _mp(q):
    """An exact rational (Fraction, int, str, SymPy Rational) as mpf at the current precision."""
    if isinstance(q, mpf):
        return +q
    if isinstance(q, sp.Rational):
        q = Fraction(int(q.p), int(q.q))
    q = Fraction(q)
    return mpf(q.numerator) / q.denominator


def _frac(q) -> Fraction | None:
    """An exact Fraction for a span (None if it is not rational)."""
    try:
        if isinstance(q, sp.Rational):
            return Fraction(int(q.p), int(q.q))
        if isinstance(q, mpf):
            return None
        return Fraction(q)
    except (TypeError, ValueError):
        return None


def _vec(m) -> list:
    """The entries of a matrix (row-major) as a list."""
    return list(m.entries())


def _maxabs(v: Sequence[Any]):
    """max|v_i| (0 for an empty vector)."""
    return max((abs(a) for a in v), default=mpf(0))


def _sub(a, b):
    """a − b entrywise."""
    return [u - v for u, v in zip(a, b)]


def _norm(v):
    """The Euclidean norm of v."""
    return mpmath.sqrt(mpmath.fsum(a * a for a in v))


def _perp(v, d):
    """v − (v·d/|d|²)d: the part of v orthogonal to d (v itself if d = 0); its norm is the
    distance of v from the line R·d."""
    dd = mpmath.fsum(a * a for a in d)
    if dd == 0:
        return list(v)
    c = mpmath.fsum(a * b for a, b in zip(v, d)) / dd
    return [a - c * b for a, b in zip(v, d)]


def _line_fit(xs, ys) -> tuple:
    """Least squares y ≈ a·x + b through the points: (a, x̄, ȳ), the slope and the means (the
    free line has b = ȳ − a·x̄; the line of a fixed slope p has intercept ȳ − p·x̄)."""
    n = len(xs)
    xm, ym = mpmath.fsum(xs) / n, mpmath.fsum(ys) / n
    a = (mpmath.fsum((x - xm) * (y - ym) for x, y in zip(xs, ys))
         / mpmath.fsum((x - xm) ** 2 for x in xs))
    return a, xm, ym
