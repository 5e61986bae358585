"""The tape of a :class:`~symflow.core.models.Model`: its expressions' DAG in topological order,
with the forward sweep (values at a level) and the reverse sweep (one row of D = ∂x/∂θ).

Nodes: θₖ, uₘ, a rational constant, e, a sum, a product, bᵖ/ᑫ (q ∈ {1, 2}), exp, log, tanh,
sin, cos, sinh, cosh, atan, max(0, ·), Heaviside(·, 0). The reverse sweep propagates adjoints

    ā(out) = 1;   for v = g(w₁, …, wₙ):  ā(wᵢ) += ā(v)·∂g/∂wᵢ

through the nodes that depend on θ only; products use prefix and suffix products (no division).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy as sp

from ..backends.arith import Arith, power
from ..errors import ArchitectureError
from ..numbers import short_repr
from .activations import MAX_POWER

__all__ = ["MAX_NODES"]

#: Largest tape (distinct subexpressions) a model may compile to.
MAX_NODES = 200_000

_FUNCS = {sp.exp: "exp", sp.log: "log", sp.tanh: "tanh", sp.sin: "sin", sp.cos: "cos",
          sp.sinh: "sinh", sp.cosh: "cosh", sp.atan: "atan"}
_SUPPORTED = ("+, −, ·, /, integer and half-integer powers, rational constants, exp, log, "
              "tanh, sin, cos, sinh, cosh, atan, Max(0, ·) and Heaviside(·, 0)")


@dataclass(frozen=True)
class _Node:
    op: str              # param, input, const, e, add, mul, pow, fn, max0, step
    args: tuple = ()     # indices of the operand nodes
    data: Any = None     # param/input index, the rational constant, (p, q), a function name


class _Tape:
    """The expressions' DAG in topological order (see the module docstring)."""

    def __init__(self, outputs, params, inputs):
        self.nodes: list[_Node] = []
        self._index: dict[sp.Basic, int] = {}
        self._params = {s: k for k, s in enumerate(params)}
        self._inputs = {s: m for m, s in enumerate(inputs)}
        self.outputs = [self._add(e) for e in outputs]
        # which nodes depend on θ (only those carry adjoints)
        dep = []
        for n in self.nodes:
            dep.append(n.op == "param" or any(dep[a] for a in n.args))
        self.depends = dep

    def _add(self, expr: sp.Basic) -> int:
        """Index of ``expr``'s node, compiling its operands first (iteratively: deep models
        must not hit Python's recursion limit)."""
        stack = [(expr, False)]
        while stack:
            e, ready = stack.pop()
            if e in self._index:
                continue
            kids = self._operands(e)
            if not ready and any(k not in self._index for k in kids):
                stack.append((e, True))
                stack.extend((k, False) for k in kids if k not in self._index)
                continue
            self._index[e] = len(self.nodes)
            self.nodes.append(self._node(e))
            if len(self.nodes) > MAX_NODES:
                raise ArchitectureError(f"the model's expressions have more than {MAX_NODES} "
                                        f"distinct subexpressions", len(self.nodes))
        return self._index[expr]

    def _operands(self, e: sp.Basic) -> list:
        if isinstance(e, (sp.Add, sp.Mul)):
            return list(e.args)
        if isinstance(e, sp.Pow):
            return [e.base]
        if isinstance(e, sp.Max):
            return [a for a in e.args if a != 0]
        if isinstance(e, (sp.Heaviside, sp.Function)):
            return [e.args[0]] if e.args else []
        return []

    def _node(self, e: sp.Basic) -> _Node:
        if e in self._params:
            return _Node("param", data=self._params[e])
        if e in self._inputs:
            return _Node("input", data=self._inputs[e])
        if isinstance(e, sp.Rational):
            return _Node("const", data=e)
        if e is sp.E:
            return _Node("e")
        if isinstance(e, (sp.Add, sp.Mul)):
            return _Node("add" if isinstance(e, sp.Add) else "mul",
                         tuple(self._index[a] for a in e.args))
        if isinstance(e, sp.Pow):
            return self._pow(e)
        if isinstance(e, sp.Max) and len(e.args) == 2 and sp.Integer(0) in e.args:
            return _Node("max0", (self._index[[a for a in e.args if a != 0][0]],))
        if isinstance(e, sp.Heaviside):
            if len(e.args) < 2 or e.args[1] != 0:
                raise ArchitectureError("use Heaviside(z, 0) (value 0 at 0) in models",
                                        short_repr(e))
            return _Node("step", (self._index[e.args[0]],))
        if isinstance(e, sp.Function) and type(e) in _FUNCS and len(e.args) == 1:
            return _Node("fn", (self._index[e.args[0]],), _FUNCS[type(e)])
        what = type(e).__name__ if not isinstance(e, sp.Symbol) else f"symbol {e}"
        raise ArchitectureError(
            f"cannot compile {short_repr(e)} ({what}) in a model; supported: {_SUPPORTED}",
            short_repr(e))

    def _pow(self, e: sp.Pow) -> _Node:
        ex = e.exp
        if not (isinstance(ex, sp.Rational) and ex.q in (1, 2)):
            raise ArchitectureError(
                f"cannot compile the power {short_repr(e)}: only integer and half-integer "
                f"constant exponents", short_repr(e))
        if abs(ex.p) > MAX_POWER * ex.q:
            raise ArchitectureError(f"cannot compile the power {short_repr(e)}: |exponent| must "
                                    f"be at most {MAX_POWER}", short_repr(e))
        return _Node("pow", (self._index[e.base],), (int(ex.p), int(ex.q)))


def _forward(tape: _Tape, theta: Sequence, u: Sequence, ar: Arith) -> list:
    vals: list = [None] * len(tape.nodes)
    mul, add = ar.mul, ar.add
    for i, n in enumerate(tape.nodes):
        op = n.op
        if op == "param":
            v = theta[n.data]
        elif op == "input":
            v = u[n.data]
        elif op == "const":
            v = ar.from_rational(n.data)
        elif op == "e":
            v = ar.fn("exp")(ar.const(1, 1))
        elif op == "add":
            v = vals[n.args[0]]
            for a in n.args[1:]:
                v = add(v, vals[a])
        elif op == "mul":
            v = vals[n.args[0]]
            for a in n.args[1:]:
                v = mul(v, vals[a])
        elif op == "pow":
            v = power(ar, vals[n.args[0]], *n.data)
        elif op == "fn":
            v = ar.fn(n.data)(vals[n.args[0]])
        elif op == "max0":
            v = ar.fn("max0")(vals[n.args[0]])
        else:  # step
            v = ar.fn("step")(vals[n.args[0]])
        vals[i] = v
    return vals


def _local(n: _Node, vals: list, i: int, ar: Arith) -> list:
    """∂v/∂wⱼ for the operands wⱼ of node ``n`` (value ``vals[i]``)."""
    mul = ar.mul
    if n.op == "add":
        return [None] * len(n.args)            # None: the partial derivative is 1
    if n.op == "mul":
        xs = [vals[a] for a in n.args]
        pre, acc = [], None
        for x in xs:
            pre.append(acc)
            acc = x if acc is None else mul(acc, x)
        out, acc = [None] * len(xs), None
        for j in range(len(xs) - 1, -1, -1):
            out[j] = acc if pre[j] is None else (pre[j] if acc is None else mul(pre[j], acc))
            acc = xs[j] if acc is None else mul(xs[j], acc)
        return [ar.const(1, 1) if o is None else o for o in out]
    x = vals[n.args[0]]
    if n.op == "pow":
        p, q = n.data
        # d/db b^(p/q) = (p/q)·b^((p − q)/q)
        return [mul(ar.const(p, q), power(ar, x, p - q, q)) if p else ar.const(0, 1)]
    if n.op == "max0":
        return [ar.fn("step")(x)]
    if n.op == "step":
        return [ar.const(0, 1)]
    f = n.data
    one = ar.const(1, 1)
    if f == "exp":
        return [vals[i]]
    if f == "log":
        return [one / x]
    if f == "tanh":
        return [one - mul(vals[i], vals[i])]
    if f == "sin":
        return [ar.fn("cos")(x)]
    if f == "cos":
        return [-ar.fn("sin")(x)]
    if f == "sinh":
        return [ar.fn("cosh")(x)]
    if f == "cosh":
        return [ar.fn("sinh")(x)]
    return [one / (one + mul(x, x))]              # atan


def _gradient(tape: _Tape, vals: list, out: int, K: int, ar: Arith) -> list:
    """∂(node ``out``)/∂θ by one reverse sweep (module docstring)."""
    zero = ar.const(0, 1)
    row = [zero] * K
    if not tape.depends[out]:
        return row
    adj: dict[int, Any] = {out: ar.const(1, 1)}
    mul, add = ar.mul, ar.add
    for i in range(out, -1, -1):
        a = adj.pop(i, None)
        if a is None:
            continue
        n = tape.nodes[i]
        if n.op == "param":
            row[n.data] = add(row[n.data], a)
            continue
        parts = _local(n, vals, i, ar)
        for j, d in zip(n.args, parts):
            if not tape.depends[j]:
                continue
            c = a if d is None else mul(a, d)
            adj[j] = c if j not in adj else add(adj[j], c)
    return row
