"""Scalar arithmetic at each level.

One network evaluator (forward pass and layer-wise backpropagation in :mod:`symflow.core.networks`)
serves every level; what changes is the scalar type and its elementary functions, held by an
:class:`Arith` namespace:

==========  ==================================  ==========================================
name        scalars                             used for
==========  ==================================  ==========================================
sympy       SymPy expressions                   exact symbolic outputs and Jacobian
exact       ``flint.fmpq`` rationals             rational networks at rational points
ball        ``flint.arb`` balls                  certified enclosures (transcendental nets)
mpmath      ``mpmath.mpf``                      high-precision floating point
float64     numpy ``float64`` (scalars/arrays)  large networks, exploration
==========  ==================================  ==========================================

Precision is scoped: :func:`arb_precision` and ``mpmath.workdps`` are context managers; nothing
here sets a precision globally for good.
"""

from __future__ import annotations

import contextlib
import math
import operator
from dataclasses import dataclass
from typing import Any, Callable

import flint
import mpmath
import numpy as np
import sympy as sp

from ..errors import LevelError
from ..numbers import check_dps

__all__ = ["Arith", "ARITH", "get_arith", "arb_precision", "dps_to_bits", "working_precision",
           "ipow", "power"]


def dps_to_bits(dps: int) -> int:
    """Binary precision carrying ``dps`` decimal digits (plus a few guard bits)."""
    return int(math.ceil(dps * math.log2(10))) + 8


@contextlib.contextmanager
def arb_precision(dps: int):
    """Scope python-flint's working precision (``flint.ctx.prec``) to about ``dps`` digits."""
    old = flint.ctx.prec
    flint.ctx.prec = dps_to_bits(dps)
    try:
        yield
    finally:
        flint.ctx.prec = old


def _no_fn(level: str, fname: str):
    def f(*_args):
        raise LevelError(
            f"the function {fname!r} has no {level!r} arithmetic; use level 'ball' or 'mpmath'", fname
        )
    return f


def _arb_max0(x):
    if x > 0:
        return x
    if x < 0:
        return flint.arb(0)
    return flint.arb(0).union(x)


def _arb_step(x):
    if x > 0:
        return flint.arb(1)
    if x <= 0:
        return flint.arb(0)
    return flint.arb(0).union(flint.arb(1))


def _default_dot(xs, ys):
    acc = None
    for x, y in zip(xs, ys):
        acc = x * y if acc is None else acc + x * y
    return acc


def _sym_mul(a, b):
    """a·b for SymPy expressions without canonicalization (structural zeros and ones kept out).

    Building the Jacobian of a network by backpropagation multiplies shared subexpressions;
    SymPy's automatic flattening of every product is what makes naive differentiation slow,
    so products and sums are built unevaluated (still exact SymPy expressions).
    """
    if a.is_Number and b.is_Number:
        return a * b
    if a == 0 or b == 0:
        return sp.S.Zero
    if a == 1:
        return b
    if b == 1:
        return a
    return sp.Mul(a, b, evaluate=False)


def _sym_dot(xs, ys):
    terms = [t for t in map(_sym_mul, xs, ys) if t != 0]
    if not terms:
        return sp.S.Zero
    return terms[0] if len(terms) == 1 else sp.Add(*terms, evaluate=False)


def _sym_add(a, b):
    if a == 0:
        return b
    if b == 0:
        return a
    if a.is_Number and b.is_Number:
        return a + b
    return sp.Add(a, b, evaluate=False)


def ipow(x: Any, n: int, square: Callable[[Any], Any] | None = None) -> Any:
    """x**n for an integer n ≥ 0 by repeated squaring with ``*``: python-flint's ``arb ** int``
    returns nan for a ball that contains 0 (it goes through exp(n·log x)), while products
    enclose x**n correctly at every level. ``square`` replaces ``base * base`` where a cheaper
    square exists (Taylor jets).

    >>> import flint
    >>> ipow(flint.arb(0, 1e-30), 2).is_finite(), ipow(3, 5)
    (True, 243)
    """
    result = None
    base = x
    while n:
        if n & 1:
            result = base if result is None else result * base
        n >>= 1
        if n:
            base = base * base if square is None else square(base)
    return result if result is not None else x * 0 + 1


def power(ar: "Arith", b: Any, p: int, q: int) -> Any:
    """b^(p/q) for q ∈ {1, 2}: repeated squaring (:func:`ipow`) of b or √b, inverted for p < 0
    (never exp∘log, which fails for balls containing 0)."""
    r = ar.fn("sqrt")(b) if q == 2 else b
    if p == 1:
        return r
    if p >= 0:
        return ipow(r, p)
    return ar.const(1, 1) / ipow(r, -p)


@dataclass(frozen=True)
class Arith:
    """Scalar arithmetic of one level: constants from rationals and elementary functions.

    ``mul``, ``add`` and ``dot`` are the products and sums the network evaluator uses; they
    default to the operators (``mpmath`` uses :func:`mpmath.fdot`, ``sympy`` builds
    unevaluated expressions).
    """

    name: str
    const: Callable[[int, int], Any]          # const(p, q) = p/q as a scalar of this level
    fns: dict[str, Callable[..., Any]]
    exact: bool = False
    mul: Callable[[Any, Any], Any] = operator.mul
    add: Callable[[Any, Any], Any] = operator.add
    dot: Callable[[Any, Any], Any] = _default_dot
    #: softmax_shift(block): the m with σ(v) = σ(v − m) used to keep exp(v − m) ≤ 1 (the max;
    #: for balls the midpoint of the ball with the largest midpoint, an exact number); None for
    #: symbolic expressions, which are not shifted.
    softmax_shift: Callable[[Any], Any] | None = max

    def fn(self, fname: str) -> Callable[..., Any]:
        try:
            return self.fns[fname]
        except KeyError:
            return _no_fn(self.name, fname)

    def from_rational(self, r) -> Any:
        r = sp.Rational(r)
        return self.const(int(r.p), int(r.q))


_FNAMES = ("exp", "log", "tanh", "sin", "cos", "sinh", "cosh", "atan", "sqrt")

_SYMPY = Arith(
    "sympy",
    lambda p, q: sp.Rational(p, q),
    {**{n: (lambda f: (lambda x: f(x, evaluate=False)))(getattr(sp, n)) for n in _FNAMES},
     "max0": lambda x: sp.Max(0, x), "step": lambda x: sp.Heaviside(x, 0)},
    exact=True, mul=_sym_mul, add=_sym_add, dot=_sym_dot, softmax_shift=None,
)

_EXACT = Arith(
    "exact",
    lambda p, q: flint.fmpq(p, q),
    {"max0": lambda x: x if x > 0 else flint.fmpq(0),
     "step": lambda x: flint.fmpq(1) if x > 0 else flint.fmpq(0)},
    exact=True,
)

_BALL = Arith(
    "ball",
    lambda p, q: flint.arb(p) / q if q != 1 else flint.arb(p),
    {**{n: (lambda n: (lambda x: getattr(x, n)()))(n) for n in _FNAMES},
     "max0": _arb_max0, "step": _arb_step},
    softmax_shift=lambda block: max(block, key=lambda v: v.mid()).mid(),
)

_MPMATH = Arith(
    "mpmath",
    lambda p, q: mpmath.mpf(p) / q if q != 1 else mpmath.mpf(p),
    {**{n: getattr(mpmath, n) for n in _FNAMES},
     "max0": lambda x: x if x > 0 else mpmath.mpf(0),
     "step": lambda x: mpmath.mpf(1) if x > 0 else mpmath.mpf(0)},
    dot=lambda xs, ys: mpmath.fdot(xs, ys),
)

_FLOAT64 = Arith(
    "float64",
    lambda p, q: np.float64(p) / np.float64(q),
    {**{n: getattr(np, n if n != "atan" else "arctan") for n in _FNAMES},
     "max0": lambda x: np.maximum(x, 0.0), "step": lambda x: np.where(x > 0, 1.0, 0.0)},
)

ARITH: dict[str, Arith] = {a.name: a for a in (_SYMPY, _EXACT, _BALL, _MPMATH, _FLOAT64)}


def get_arith(name: str) -> Arith:
    """The :class:`Arith` called ``name`` (``sympy``, ``exact``, ``ball``, ``mpmath``, ``float64``)."""
    try:
        return ARITH[str(name)]
    except KeyError:
        raise LevelError(f"unknown arithmetic {name!r}; choose one of {sorted(ARITH)}", name) from None


@contextlib.contextmanager
def working_precision(dps: int):
    """Scope both mpmath's and python-flint's precision to ``dps`` digits.

    ``dps`` must satisfy :func:`symflow.numbers.check_dps` (an integer in [15, 2000]), else
    :class:`~symflow.errors.PrecisionError` — raised when the ``with`` block is entered.

    >>> import mpmath
    >>> with working_precision(50):
    ...     mpmath.mp.dps
    50
    """
    dps = check_dps(dps)
    with _working_precision(dps):
        yield


@contextlib.contextmanager
def _working_precision(dps: int):
    """:func:`working_precision` without the check: for internal precisions *derived* from a
    checked one (guard digits, 2·dps for balls …), which may lie outside [15, 2000]."""
    with mpmath.workdps(dps), arb_precision(dps):
        yield
