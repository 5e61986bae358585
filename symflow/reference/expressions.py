"""SymPy expressions evaluated in the scalar arithmetic of a level (exact fmpq, Arb balls, mpmath).

Deliberate second implementation of the numeric evaluation of the network's and the loss's
formulas, used by C0 (``D_vs_diff``, ``grad_vs_cost``'s witnesses, ``grad_at_point``,
``cost_at_point``) to evaluate SymPy's derivatives (:mod:`symflow.reference.jacobian`,
:mod:`symflow.reference.gradients`) at the points where the library's D, ∇ₓC and C are
cross-checked. Written independently of the library's evaluators — the compiled activations and
their derivatives (:mod:`symflow.core.activations`), the layer-wise forward and backward passes
(:mod:`symflow.core.networks`) and the numeric loss code (:mod:`symflow.core.losses`): a small
walker over SymPy's own expression nodes, memoised over shared subexpressions, that uses only the
arithmetic's constants and elementary functions (:mod:`symflow.backends.arith`) and the integer
power ``_ipow``.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import flint
import sympy as sp

from ..backends import backend
from ..backends.levels import Level
from ..backends.arith import ipow as _ipow

__all__ = ["evaluate_expr", "arith_of", "scalar_of"]

_FN_NAMES = {sp.exp: "exp", sp.log: "log", sp.tanh: "tanh", sp.sin: "sin", sp.cos: "cos",
             sp.sinh: "sinh", sp.cosh: "cosh", sp.atan: "atan"}


def evaluate_expr(expr: sp.Expr, env: dict, ar, memo: dict | None = None) -> Any:
    """The value of the SymPy expression ``expr`` with symbols valued by ``env``, computed in
    the arithmetic ``ar`` (:mod:`symflow.backends.arith`: exact fmpq, Arb balls, mpmath).

    ``memo`` caches subexpressions (share it across the entries of one point).

    >>> from symflow.backends.arith import get_arith
    >>> a, b = sp.symbols("a b")
    >>> evaluate_expr((a + 1) ** 2 / b - sp.Rational(1, 3), {a: flint.fmpq(1, 2), b: flint.fmpq(3)},
    ...               get_arith("exact"))
    5/12
    """
    memo = {} if memo is None else memo
    return _ev(sp.sympify(expr), env, ar, memo)


def _certainly_nonzero(z) -> bool:
    """z ≠ 0 for certain: a ball that excludes 0, or any other number that is not 0."""
    if isinstance(z, flint.arb):
        return not z.contains(0)
    return z != 0


def _ev(e, env, ar, memo):
    try:
        return memo[e]
    except KeyError:
        pass
    if e.is_Symbol:
        v = env[e]
    elif e.is_Rational:
        v = ar.const(int(e.p), int(e.q))
    elif e is sp.E:
        v = ar.fn("exp")(ar.const(1, 1))
    elif e.is_Add or e.is_Mul:
        vals = [_ev(a, env, ar, memo) for a in e.args]
        v = vals[0]
        for w in vals[1:]:
            v = v + w if e.is_Add else v * w
    elif e.is_Pow:
        base = _ev(e.base, env, ar, memo)
        ex = e.exp
        if ex.is_Integer:
            n = int(ex)
            v = _ipow(base, n) if n >= 0 else ar.const(1, 1) / _ipow(base, -n)
        elif ex == sp.Rational(1, 2):
            v = ar.fn("sqrt")(base)
        elif ex == sp.Rational(-1, 2):
            v = ar.const(1, 1) / ar.fn("sqrt")(base)
        else:
            raise ValueError(f"cannot evaluate the power {e} (integer or ±1/2 exponents only)")
    elif isinstance(e, sp.Max) and len(e.args) == 2 and sp.S.Zero in e.args:
        other = e.args[0] if e.args[1] == 0 else e.args[1]
        v = ar.fn("max0")(_ev(other, env, ar, memo))
    elif isinstance(e, sp.Heaviside):
        z = _ev(e.args[0], env, ar, memo)
        if len(e.args) > 1 and e.args[1] != 0 and not _certainly_nonzero(z):
            # SymPy's d/du Max(0, u) is Heaviside(u, 1/2): equal to Heaviside(u, 0) for u ≠ 0,
            # and at u = 0 (a ReLU kink) there is no derivative to compare with
            raise ValueError(f"cannot evaluate {e} where its argument may be 0 (a kink: the "
                             f"value {e.args[1]} at 0 is a convention, not a derivative)")
        v = ar.fn("step")(z)
    elif isinstance(e, sp.Function) and type(e) in _FN_NAMES and len(e.args) == 1:
        v = ar.fn(_FN_NAMES[type(e)])(_ev(e.args[0], env, ar, memo))
    else:
        raise ValueError(f"cannot evaluate {e!r} (type {type(e).__name__}) in arithmetic "
                         f"{ar.name!r}")
    memo[e] = v
    return v


def arith_of(level: Level):
    """The arithmetic in which a level's reference values are computed (float64: mpmath;
    :attr:`~symflow.backends.base.Backend.reference_arith`)."""
    return backend(level).reference_arith


def scalar_of(q: Fraction, ar):
    """An exact rational as a constant of the arithmetic ``ar``."""
    q = Fraction(q)
    return ar.const(q.numerator, q.denominator)
