"""Activation functions, exact as SymPy expressions and compiled for every level.

An :class:`Activation` is a SymPy expression ``σ(z)`` in one symbol, with its derivative ``σ'(z)``
derived by SymPy. Each is compiled (by walking the expression tree — never ``eval`` of a string)
into scalar functions for every arithmetic of :mod:`symflow.backends.arith`. An activation is *rational*
when ``σ`` is a rational function of ``z`` with rational coefficients (or piecewise linear, like
ReLU); only then does the ``exact`` level (rational arithmetic) apply.

Built-ins: ``tanh``, ``sigmoid`` (1/(1+e^{-z})), ``softplus`` (log(1+e^{z})), ``sin``,
``identity``, ``square`` (z²), ``cube`` (z³), ``relu`` (max(0, z), with σ'(0) := 0).

Powers: integer exponents and half-integer exponents (``sqrt(z)``, ``z**(3/2)``, ``1/sqrt(z)``)
with |exponent| ≤ ``MAX_POWER`` = 100.

Domain: every compiled σ and σ' (levels exact, ball, mpmath, float64) checks its value. When it
is not a finite real of that level — ``sqrt(z)`` or ``log(z)`` off their domain, ``1/z`` at
z = 0, a float64 overflow, a ball that cannot be certified inside the domain — it raises
:class:`~symflow.errors.DomainError` naming the activation, the pre-activation z and the level,
instead of returning a complex number, ``nan`` or ``inf``.

A user activation:

>>> import sympy as sp
>>> z = sp.Symbol("z")
>>> act = Activation.from_expr("quartic", z**4 / 4 + z, z)
>>> act.rational, act.derivative_expr
(True, z**3 + 1)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import flint
import mpmath
import sympy as sp

from ..backends import backend_for_arith
from ..backends.arith import ARITH, Arith, power
from ..errors import ActivationError, DomainError
from ..numbers import short_repr

__all__ = ["Activation", "ACTIVATIONS", "get_activation", "Z", "MAX_POWER"]

MAX_POWER = 100
"""Largest |exponent| of a power in an activation (z**100 at exact rationals is already big)."""

Z = sp.Symbol("z", real=True)

_FUNCS = {sp.exp: "exp", sp.log: "log", sp.tanh: "tanh", sp.sin: "sin", sp.cos: "cos",
          sp.sinh: "sinh", sp.cosh: "cosh", sp.atan: "atan"}


def _compile(expr: sp.Expr, z: sp.Symbol, ar: Arith) -> Callable[[Any], Any]:
    """Compile ``expr(z)`` into a closure over the scalar arithmetic ``ar``.

    Leaves (z, rationals, e) are constants or the identity; sums and products fold their
    compiled arguments; powers, Max(0, ·), Heaviside(·, 0) and the elementary functions of
    ``_FUNCS`` have their own compilers. Anything else is refused with ActivationError.
    """
    if expr == z:
        return lambda x: x
    if isinstance(expr, sp.Rational):
        c = ar.from_rational(expr)
        return lambda x: c
    if expr is sp.E:
        e = ar.fn("exp")
        return lambda x: e(ar.const(1, 1))
    if isinstance(expr, (sp.Add, sp.Mul)):
        return _compile_fold(expr, z, ar)
    if isinstance(expr, sp.Pow):
        return _compile_pow(expr, z, ar)
    if isinstance(expr, sp.Max) and len(expr.args) == 2 and sp.Integer(0) in expr.args:
        other = [a for a in expr.args if a != 0][0]
        inner = _compile(other, z, ar)
        m0 = ar.fn("max0")
        return lambda x: m0(inner(x))
    if isinstance(expr, sp.Heaviside):
        if len(expr.args) < 2 or expr.args[1] != 0:
            raise ActivationError("use Heaviside(z, 0) (value 0 at 0) in activations", expr)
        inner = _compile(expr.args[0], z, ar)
        st = ar.fn("step")
        return lambda x: st(inner(x))
    if isinstance(expr, sp.Function) and type(expr) in _FUNCS and len(expr.args) == 1:
        f = ar.fn(_FUNCS[type(expr)])
        inner = _compile(expr.args[0], z, ar)
        return lambda x: f(inner(x))
    raise ActivationError(
        f"cannot compile {short_repr(expr)} (type {type(expr).__name__}); activations may use "
        f"+ * ** with integer or half-integer exponents, rationals, exp, log, tanh, sin, cos, "
        f"sinh, cosh, atan, Max(0, ·) and Heaviside(·, 0)",
        expr,
    )


def _compile_fold(expr: sp.Expr, z: sp.Symbol, ar: Arith) -> Callable[[Any], Any]:
    """a₁ + … + aₙ or a₁ · … · aₙ, folded left to right with the level's ``+`` / ``*``."""
    parts = [_compile(a, z, ar) for a in expr.args]
    plus = isinstance(expr, sp.Add)

    def fold(x):
        acc = parts[0](x)
        for p in parts[1:]:
            acc = acc + p(x) if plus else acc * p(x)
        return acc
    return fold


def _compile_pow(expr: sp.Pow, z: sp.Symbol, ar: Arith) -> Callable[[Any], Any]:
    """bⁿ and b^(n/2) for integers |n| ≤ MAX_POWER·q (:func:`symflow.backends.arith.power`);
    other exponents are refused."""
    base = _compile(expr.base, z, ar)
    ex = expr.exp
    if isinstance(ex, sp.Rational) and ex.q in (1, 2) and abs(ex.p) > MAX_POWER * ex.q:
        raise ActivationError(
            f"cannot compile the power {short_repr(expr)}: |exponent| must be at most "
            f"{MAX_POWER}", expr)
    if not (isinstance(ex, sp.Integer) or (isinstance(ex, sp.Rational) and ex.q == 2)):
        raise ActivationError(
            f"cannot compile the power {short_repr(expr)} (only integer and half-integer "
            f"exponents)", expr)
    p, q = int(ex.p), int(ex.q)
    if (p, q) == (1, 1):
        return base
    return lambda x: power(ar, base(x), p, q)


def _show(x: Any) -> str:
    if isinstance(x, (mpmath.mpf, mpmath.mpc)):
        return mpmath.nstr(x, 17)
    return short_repr(x)


def _guard(f: Callable[[Any], Any], act: str, expr: sp.Expr, level: str,
           role: str = "σ") -> Callable[[Any], Any]:
    """``f`` (σ or σ' compiled for ``level``) raising :class:`DomainError` where its value is
    not a finite real of the level (see the module docstring)."""

    def fail(x, detail):
        return DomainError(
            f"activation {act!r}: {role}(z) = {short_repr(expr)} is not a finite real number at "
            f"z = {_show(x)} (level {level}): {detail}", x, act, level)

    be = backend_for_arith(level)
    return f if be is None else be.guard(f, fail)   # symbolic (sympy): no values to check


def _is_rational(expr: sp.Expr, z: sp.Symbol) -> bool:
    for a in sp.preorder_traversal(expr):
        if isinstance(a, sp.Function) and not isinstance(a, (sp.Max, sp.Heaviside)):
            return False
        if isinstance(a, sp.Pow) and not a.exp.is_Integer:
            return False
        if isinstance(a, sp.Number) and not a.is_Rational:
            return False
        if a.is_NumberSymbol:
            return False
        if isinstance(a, sp.Symbol) and a != z:
            return False
    return True


@dataclass(frozen=True)
class Activation:
    """An activation σ(z): SymPy expression, derivative, rationality, per-level compiled forms."""

    name: str
    expr: sp.Expr
    derivative_expr: sp.Expr
    rational: bool
    _compiled: dict = field(default_factory=dict, repr=False, compare=False, hash=False)

    @classmethod
    def from_expr(cls, name: str, expr: Any, z: sp.Symbol | None = None,
                  derivative: Any = None) -> "Activation":
        """Build an activation from a SymPy expression ``expr`` in the one symbol ``z``.

        ``derivative`` overrides ``d expr/dz`` (needed for ReLU-like kinks). Strings are refused:
        pass SymPy objects. ``name`` must be a non-empty string.
        """
        if not isinstance(name, str) or not name.strip():
            raise ActivationError(f"activation name must be a non-empty string, got "
                                  f"{short_repr(name)}", name)
        if isinstance(expr, str) or not isinstance(expr, sp.Basic):
            raise ActivationError(
                f"activation {name!r}: expected a SymPy expression in one symbol, got {expr!r}", expr)
        free = expr.free_symbols
        if z is None:
            if len(free) != 1:
                raise ActivationError(
                    f"activation {name!r}: {expr} must depend on exactly one symbol "
                    f"(free symbols: {sorted(map(str, free))}); pass it as z", expr)
            z = next(iter(free))
        elif not isinstance(z, sp.Symbol) or not free <= {z}:
            raise ActivationError(
                f"activation {name!r}: {expr} has free symbols {sorted(map(str, free))} "
                f"besides {z}", expr)
        expr = expr.xreplace({z: Z})
        d = sp.diff(expr, Z) if derivative is None else sp.sympify(derivative).xreplace({z: Z}) \
            if isinstance(derivative, sp.Basic) else None
        if d is None:
            raise ActivationError(f"activation {name!r}: derivative must be a SymPy expression",
                                  derivative)
        act = cls(name, expr, d,
                  _is_rational(expr, Z))
        act.compiled("mpmath")  # fail now, not inside an integration
        return act

    def compiled(self, arith: "str | Arith") -> tuple[Callable, Callable]:
        """(σ, σ') as scalar functions of the arithmetic ``arith`` (a name of
        :data:`~symflow.backends.arith.ARITH`, or an :class:`Arith` such as the Taylor jets of
        :mod:`symflow.flows.certified`)."""
        name = arith.name if isinstance(arith, Arith) else arith
        try:
            return self._compiled[name]
        except KeyError:
            ar = arith if isinstance(arith, Arith) else ARITH[name]
            own = ar.fns.get("σ:" + self.name), ar.fns.get("σ':" + self.name)
            if own[0] is not None and own[1] is not None and self._builtin():
                self._compiled[name] = own      # the arithmetic's own σ, σ' (Taylor jets)
                return own
            pair = (_guard(_compile(self.expr, Z, ar), self.name, self.expr, name),
                    _guard(_compile(self.derivative_expr, Z, ar), self.name,
                           self.derivative_expr, name, "σ'"))
            self._compiled[name] = pair
            return pair

    def _builtin(self) -> bool:
        """Whether this is the built-in activation of its name (same σ): only then may an
        arithmetic substitute its own implementation of σ and σ'."""
        b = ACTIVATIONS.get(self.name)
        return b is not None and b.expr == self.expr

    def __str__(self) -> str:
        return self.name


def _builtins() -> dict[str, Activation]:
    z = Z
    specs = {
        "tanh": (sp.tanh(z), None),
        "sigmoid": (1 / (1 + sp.exp(-z)), None),
        "softplus": (sp.log(1 + sp.exp(z)), None),
        "sin": (sp.sin(z), None),
        "identity": (z, None),
        "square": (z**2, None),
        "cube": (z**3, None),
        "relu": (sp.Max(0, z), sp.Heaviside(z, 0)),
    }
    return {n: Activation.from_expr(n, e, z, derivative=d) for n, (e, d) in specs.items()}


ACTIVATIONS: dict[str, Activation] = _builtins()


def get_activation(act: "str | Activation") -> Activation:
    """An :class:`Activation` by name, or the activation itself."""
    if isinstance(act, Activation):
        return act
    if isinstance(act, str) and act in ACTIVATIONS:
        return ACTIVATIONS[act]
    raise ActivationError(
        f"unknown activation {act!r}; built-ins are {sorted(ACTIVATIONS)}, or pass "
        f"Activation.from_expr(name, expr, z)", act)
