"""Truncated Taylor series ("jets") with Arb-ball coefficients.

A :class:`Jet` of length n stands for u(s) = u₀ + u₁ s + … + u_{n−1} s^{n−1} + O(sⁿ): its
coefficients ``u[k] = u^{(k)}(0)/k!`` are :class:`flint.arb` balls, and every operation returns
balls containing the exact coefficients of the result for *every* choice of the operands'
coefficients inside their balls (Arb's arithmetic is rigorous; the recurrences below only use
+, −, ×, ÷ of balls and the function's value at the constant term). Operands of different
lengths give the shorter length (a coefficient that is not known is not invented). Python
numbers and ``arb`` are accepted as constants.

The recurrences (coefficient k, k ≥ 1; the constant term is the function's value):

==================  ========================================================================
w = u ± v           w_k = u_k ± v_k
w = u · v           w_k = Σ_{j=0..k} u_j v_{k−j}                       (Cauchy product)
w = u / v           w_k = (u_k − Σ_{j=1..k} v_j w_{k−j}) / v₀          (from w·v = u)
w = exp(v)          w' = w v'  ⇒  k w_k = Σ_{j=1..k} j v_j w_{k−j}
w = tanh(v)         w' = (1 − w²) v'  ⇒  k w_k = Σ_{j=1..k} j v_j d_{k−j},  d = 1 − w²
                    (d_{k−j} only needs w₀…w_{k−j}, so the recurrence is explicit)
w = σ(v) = 1/(1+e^{−v})   w' = w (1 − w) v'  ⇒  k w_k = Σ_{j=1..k} j v_j d_{k−j}, d = w − w²
w = sin v, cos v    s' = c v', c' = −s v'  ⇒  k s_k = Σ j v_j c_{k−j},  k c_k = −Σ j v_j s_{k−j}
w = log(v)          w' = v'/v  ⇒  k w_k = (k v_k − Σ_{j=1..k−1} j w_j v_{k−j}) / v₀
w = v^2             the Cauchy product of v with itself (symmetric, half the products)
==================  ========================================================================

Each recurrence costs O(n²) ball operations. python-flint 0.9 also has ``arb_series`` (C
implementations of products, inverses and exp/sin/cos/log, no tanh). Measured at 100 digits
(2026-11-25, shared core, µs per call, conversions included):

======  =========  ==========  =========  ==========
n       mul py     mul series  exp py     exp series
======  =========  ==========  =========  ==========
6       13         11          14         10
21      102        39          93         26
======  =========  ==========  =========  ==========

(÷ at n = 21: 189 vs 67 µs; tanh by the recurrence: 193 µs.) :data:`USE_ARB_SERIES` therefore
routes ×, ÷, exp, sin, cos and log through ``arb_series`` (tanh and σ keep the recurrences
above). Both paths are rigorous and their balls overlap (checked by the tests). Note:
``arb_series`` truncates every result to ``flint.ctx.cap`` coefficients (default 10); the
operations raise the cap for the call and refuse a truncated result.
"""

from __future__ import annotations

from typing import Iterable, Sequence, Union

import flint
from flint import arb

from ...backends.arith import ipow

__all__ = ["Jet", "constant", "variable", "exp", "tanh", "sigmoid", "sin", "cos", "log",
           "USE_ARB_SERIES"]

#: Route ×, ÷, exp, sin, cos, log through python-flint's ``arb_series`` (faster for n ≳ 4).
USE_ARB_SERIES = hasattr(flint, "arb_series")

Number = Union[int, float, arb]


def _ser(c: Sequence[arb]):
    return flint.arb_series(list(c), prec=len(c))


def _from_ser(s, n: int) -> tuple:
    c = s.coeffs()
    if s.prec < n:   # never pad an unknown coefficient with 0 (flint.ctx.cap truncates series)
        raise ArithmeticError(f"arb_series truncated to {s.prec} < {n} coefficients")
    return tuple(c[k] if k < len(c) else arb(0) for k in range(n))


def _series_op(fn, n: int):
    """Run ``fn()`` with python-flint's series cap (``flint.ctx.cap``, default 10, which
    silently truncates every ``arb_series`` result) raised to at least ``n``."""
    old = flint.ctx.cap
    if old >= n:
        return _from_ser(fn(), n)
    flint.ctx.cap = n
    try:
        return _from_ser(fn(), n)
    finally:
        flint.ctx.cap = old


class Jet:
    """A truncated Taylor series with ``flint.arb`` coefficients (immutable)."""

    __slots__ = ("c",)

    def __init__(self, coeffs: Iterable[Number]):
        c = tuple(x if isinstance(x, arb) else arb(x) for x in coeffs)
        if not c:
            raise ValueError("a jet needs at least one coefficient")
        object.__setattr__(self, "c", c)

    def __setattr__(self, name, value):
        raise AttributeError("Jet is immutable")

    # -- basics -----------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.c)

    def __getitem__(self, k: int) -> arb:
        return self.c[k]

    def __repr__(self) -> str:
        return "Jet(" + ", ".join(x.str(5, radius=True) for x in self.c) + ")"

    @property
    def value(self) -> arb:
        """The constant term u₀ = u(0)."""
        return self.c[0]

    def truncate(self, n: int) -> "Jet":
        return Jet(self.c[:n])

    def __call__(self, s: Number) -> arb:
        """The polynomial u₀ + u₁ s + … evaluated (Horner) at a ball ``s``; no remainder."""
        s = s if isinstance(s, arb) else arb(s)
        out = arb(0)
        for x in reversed(self.c):
            out = out * s + x
        return out

    @staticmethod
    def _coerce(other) -> "Jet | None":
        if isinstance(other, Jet):
            return other
        if isinstance(other, (int, float, arb, flint.fmpz, flint.fmpq)):
            return None
        return NotImplemented

    # -- ring operations --------------------------------------------------------------------
    def __add__(self, other):
        o = self._coerce(other)
        if o is NotImplemented:
            return NotImplemented
        if o is None:
            return Jet((self.c[0] + other,) + self.c[1:])
        n = min(len(self), len(o))
        return Jet(a + b for a, b in zip(self.c[:n], o.c[:n]))

    __radd__ = __add__

    def __neg__(self):
        return Jet(-a for a in self.c)

    def __pos__(self):
        return self

    def __sub__(self, other):
        o = self._coerce(other)
        if o is NotImplemented:
            return NotImplemented
        return self + (-o if o is not None else -other)

    def __rsub__(self, other):
        return (-self) + other

    def __mul__(self, other):
        o = self._coerce(other)
        if o is NotImplemented:
            return NotImplemented
        if o is None:
            return Jet(a * other for a in self.c)
        n = min(len(self), len(o))
        if o is self:
            return self.square()
        if USE_ARB_SERIES and n > 1:
            return Jet(_series_op(lambda: _ser(self.c[:n]) * _ser(o.c[:n]), n))
        u, v = self.c, o.c
        return Jet(sum((u[j] * v[k - j] for j in range(1, k + 1)), u[0] * v[k]) for k in range(n))

    __rmul__ = __mul__

    def square(self) -> "Jet":
        """v²: the Cauchy product with itself, w_k = 2 Σ_{j<k−j} v_j v_{k−j} (+ v_{k/2}²)."""
        v, n = self.c, len(self.c)
        if USE_ARB_SERIES and n > 1:
            return Jet(_series_op(lambda: _ser(v) * _ser(v), n))
        out = []
        for k in range(n):
            acc = arb(0)
            for j in range(0, (k + 1) // 2):
                acc += v[j] * v[k - j]
            acc *= 2
            if k % 2 == 0:
                acc += v[k // 2] * v[k // 2]
            out.append(acc)
        return Jet(out)

    def __pow__(self, p: int):
        if not isinstance(p, int) or p < 0:
            return NotImplemented
        if p == 0:
            return Jet([1] + [0] * (len(self) - 1))
        return ipow(self, p, square=Jet.square)

    def __truediv__(self, other):
        o = self._coerce(other)
        if o is NotImplemented:
            return NotImplemented
        if o is None:
            return Jet(a / other for a in self.c)
        return self * o.reciprocal() if len(o) > 0 else NotImplemented

    def __rtruediv__(self, other):
        return self.reciprocal() * other

    def reciprocal(self) -> "Jet":
        """1/v: w₀ = 1/v₀, w_k = −(Σ_{j=1..k} v_j w_{k−j}) / v₀ (a ball v₀ containing 0 gives
        non-finite balls — Arb's division — never a wrong finite one)."""
        v, n = self.c, len(self.c)
        if USE_ARB_SERIES and n > 1:
            return Jet(_series_op(lambda: _ser(v).inv(), n))
        w = [1 / v[0]]
        for k in range(1, n):
            w.append(-sum((v[j] * w[k - j] for j in range(2, k + 1)), v[1] * w[k - 1]) * w[0])
        return Jet(w)


def _as_jet(v) -> Jet:
    return v if isinstance(v, Jet) else Jet([v])


def _linear_ode(v: Jet, w0: arb, d_of) -> Jet:
    """The jet w with w₀ given and k w_k = Σ_{j=1..k} j v_j d_{k−j}, where d is the jet of the
    factor; ``d_of(w, m)`` returns d_m, which depends on w₀…w_m only (each d_m is computed
    once, as soon as w_m is known: O(n²) in all)."""
    n = len(v)
    w = [w0]
    d = [d_of(w, 0)]
    jv = [j * v.c[j] for j in range(n)]
    for k in range(1, n):
        acc = arb(0)
        for j in range(1, k + 1):
            acc += jv[j] * d[k - j]
        w.append(acc / k)
        if k < n - 1:
            d.append(d_of(w, k))
    return Jet(w)


def _cauchy(a: Sequence[arb], b: Sequence[arb], m: int) -> arb:
    return sum((a[j] * b[m - j] for j in range(1, m + 1)), a[0] * b[m])


def exp(v) -> Jet:
    """exp(v): w₀ = e^{v₀}, k w_k = Σ_{j=1..k} j v_j w_{k−j} (from w' = w v')."""
    v = _as_jet(v)
    if USE_ARB_SERIES and len(v) > 1:
        return Jet(_series_op(lambda: _ser(v.c).exp(), len(v)))
    return _linear_ode(v, v.c[0].exp(), lambda w, m: w[m])


def tanh(v) -> Jet:
    """tanh(v): w₀ = tanh v₀, k w_k = Σ_{j=1..k} j v_j d_{k−j} with d = 1 − w² (w' = (1 − w²) v')."""
    v = _as_jet(v)

    def d(w, m):
        return (1 if m == 0 else 0) - _cauchy(w, w, m)

    return _linear_ode(v, v.c[0].tanh(), d)


def sigmoid(v) -> Jet:
    """σ(v) = 1/(1 + e^{−v}): w₀ = σ(v₀), k w_k = Σ_{j=1..k} j v_j d_{k−j}, d = w − w²
    (w' = w(1 − w) v')."""
    v = _as_jet(v)

    def d(w, m):
        return w[m] - _cauchy(w, w, m)

    return _linear_ode(v, 1 / (1 + (-v.c[0]).exp()), d)


def _sin_cos(v: Jet) -> tuple[Jet, Jet]:
    if USE_ARB_SERIES and len(v) > 1:
        n = len(v)
        s = _series_op(lambda: _ser(v.c).sin(), n)
        c = _series_op(lambda: _ser(v.c).cos(), n)
        return Jet(s), Jet(c)
    s0, c0 = v.c[0].sin_cos()
    s, c = [s0], [c0]
    for k in range(1, len(v)):
        s.append(sum((j * v.c[j] * c[k - j] for j in range(1, k + 1)), arb(0)) / k)
        c.append(-sum((j * v.c[j] * s[k - j] for j in range(1, k + 1)), arb(0)) / k)
    return Jet(s), Jet(c)


def sin(v) -> Jet:
    """sin(v): s' = c v', c' = −s v' ⇒ k s_k = Σ_{j=1..k} j v_j c_{k−j}."""
    return _sin_cos(_as_jet(v))[0]


def cos(v) -> Jet:
    """cos(v): c' = −s v' ⇒ k c_k = −Σ_{j=1..k} j v_j s_{k−j}."""
    return _sin_cos(_as_jet(v))[1]


def log(v) -> Jet:
    """log(v): w₀ = log v₀, k w_k = (k v_k − Σ_{j=1..k−1} j w_j v_{k−j}) / v₀ (w' v = v')."""
    v = _as_jet(v)
    if USE_ARB_SERIES and len(v) > 1:
        return Jet(_series_op(lambda: _ser(v.c).log(), len(v)))
    w = [v.c[0].log()]
    for k in range(1, len(v)):
        acc = k * v.c[k]
        for j in range(1, k):
            acc -= j * w[j] * v.c[k - j]
        w.append(acc / (k * v.c[0]))
    return Jet(w)


def constant(x: Number, n: int) -> Jet:
    """The jet of a constant: (x, 0, …, 0) of length n."""
    return Jet([x] + [0] * (n - 1))


def variable(x: Number, n: int) -> Jet:
    """The jet of the identity at x: (x, 1, 0, …, 0) of length n (n ≥ 2)."""
    return Jet([x, 1] + [0] * (n - 2))
