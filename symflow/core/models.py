"""Networks given by SymPy expressions: x[θ](u) = (f₁(θ, u), …, f_Q(θ, u)).

The theorem is about any smooth parametrized map on N fixed inputs, not only MLPs. A
:class:`Model` holds Q output expressions in K parameter symbols θ and M input symbols u, and is
a network like :class:`~symflow.core.networks.MLP`: :class:`~symflow.core.problem.Problem`
evaluates it at every level (exact, ball, mpmath, float64, and symbolically).

**How it is evaluated.** The expressions are compiled once into a *tape*: their DAG with shared
subexpressions (SymPy's structural sharing), in topological order, each node one of

    θₖ, uₘ, a rational constant, a sum, a product, bᵖ/ᑫ (q ∈ {1, 2}, |p| ≤ 100·q),
    exp, log, tanh, sin, cos, sinh, cosh, atan, max(0, ·), Heaviside(·, 0).

At a point, a forward sweep gives every node's value in the level's scalar arithmetic, and one
reverse sweep per output (reverse-mode differentiation, adjoints ā of the nodes that depend on
θ) gives the row ∂x_q/∂θ of D:

    ā(out) = 1;   for a node v = g(w₁, …, wₙ):  ā(wᵢ) += ā(v)·∂g/∂wᵢ,

products through prefix and suffix products (no division, so a zero factor is harmless). At
float64 the same sweeps run on numpy arrays over all N samples at once.

Anything outside that set (another function, a symbolic or irrational exponent, π, a float)
is refused with :class:`~symflow.errors.ArchitectureError` naming it.

>>> import sympy as sp
>>> u, a, b = sp.symbols("u a b")
>>> net = model([a * sp.tanh(b * u) + u], params=[a, b], inputs=[u])
>>> net.describe(), net.num_params, net.rational
('model(K=2, M=1, Q=1)', 2, False)
"""

from __future__ import annotations

from functools import cached_property
from typing import Any, Sequence

import numpy as np
import sympy as sp

from ..backends.arith import Arith, get_arith
from ..errors import ArchitectureError, ParameterError
from ..numbers import short_repr
from .networks import MAX_PARAMS
from .tape import MAX_NODES, _forward, _gradient, _Tape

__all__ = ["Model", "model", "MAX_NODES"]


class Model:
    """x[θ](u): Q SymPy expressions in the K parameters ``params`` and M inputs ``inputs``."""

    def __init__(self, outputs: Sequence[sp.Expr], params: Sequence[sp.Symbol],
                 inputs: Sequence[sp.Symbol], name: str | None = None) -> None:
        self.params = _symbols(params, "params")
        self.inputs = _symbols(inputs, "inputs")
        clash = set(self.params) & set(self.inputs)
        if clash:
            raise ArchitectureError(f"symbols {sorted(map(str, clash))} are both parameters and "
                                    f"inputs", sorted(map(str, clash)))
        if not self.params:
            raise ArchitectureError("a model needs at least one parameter", [])
        if len(self.params) > MAX_PARAMS:
            raise ArchitectureError(f"K = {len(self.params)} parameters exceed the cap of "
                                    f"{MAX_PARAMS}", len(self.params))
        self.outputs = _expressions(outputs)
        known = set(self.params) | set(self.inputs)
        for q, e in enumerate(self.outputs):
            unknown = e.free_symbols - known
            if unknown:
                raise ArchitectureError(
                    f"outputs[{q}] = {short_repr(e)} uses {sorted(map(str, unknown))}, which are "
                    f"neither params nor inputs", sorted(map(str, unknown)))
        if name is not None and not isinstance(name, str):
            raise ArchitectureError(f"name must be a string, got {short_repr(name)}", name)
        self.name = name
        self._tape = _Tape(self.outputs, self.params, self.inputs)

    # ---- shape -------------------------------------------------------------------------
    @property
    def input_dim(self) -> int:
        return len(self.inputs)

    @property
    def output_dim(self) -> int:
        return len(self.outputs)

    @property
    def num_params(self) -> int:
        return len(self.params)

    def describe(self) -> str:
        shape = f"K={self.num_params}, M={self.input_dim}, Q={self.output_dim}"
        return f"{self.name}({shape})" if self.name else f"model({shape})"

    def __repr__(self) -> str:
        return f"Model({[str(e) for e in self.outputs]}, K={self.num_params})"

    @cached_property
    def rational(self) -> bool:
        """x[θ] is a rational function of θ (no transcendental function, no square root)."""
        return all(n.op not in ("fn", "e") and not (n.op == "pow" and n.data[1] == 2)
                   for n in self._tape.nodes)

    @cached_property
    def polynomial_degree(self) -> int | None:
        """Total degree of x[θ] in θ when it is a polynomial in θ, else None."""
        deg: list = []
        for n in self._tape.nodes:
            ds = [deg[a] for a in n.args]
            if any(d is None for d in ds):
                d = None
            elif n.op == "param":
                d = 1
            elif n.op in ("input", "const", "e"):
                d = 0
            elif n.op == "add":
                d = max(ds)
            elif n.op == "mul":
                d = sum(ds)
            elif n.op == "pow" and n.data[1] == 1 and n.data[0] >= 0:
                d = ds[0] * n.data[0]
            else:
                d = None if any(ds) else 0   # a function of inputs only is a constant in θ
            deg.append(d)
        out = [deg[i] for i in self._tape.outputs]
        return None if any(d is None for d in out) else max(out)

    # ---- evaluation ----------------------------------------------------------------------
    def check_theta(self, theta: Sequence[Any]) -> list:
        theta = list(theta)
        if len(theta) != self.num_params:
            raise ParameterError(f"θ has {len(theta)} entries but {self.describe()} has K = "
                                 f"{self.num_params} parameters", len(theta))
        return theta

    def evaluate(self, theta: Sequence[Any], inputs: Sequence[Sequence[Any]], arith: "str | Arith",
                 jacobian: bool = True) -> tuple[list, list[list] | None]:
        """Stacked outputs x ∈ R^{QN} (sample-major) and, if asked, D = ∂x/∂θ (QN × K rows);
        ``theta`` and ``inputs`` are scalars of the arithmetic ``arith``."""
        ar = get_arith(arith) if isinstance(arith, str) else arith
        theta = self.check_theta(theta)
        tape, K = self._tape, self.num_params
        xs, rows = [], []
        for u in inputs:
            vals = _forward(tape, theta, list(u), ar)
            xs.extend(vals[i] for i in tape.outputs)
            if jacobian:
                rows.extend(_gradient(tape, vals, i, K, ar) for i in tape.outputs)
        return xs, (rows if jacobian else None)

    def evaluate_float64(self, theta: np.ndarray, inputs: np.ndarray, jacobian: bool = True
                         ) -> tuple[np.ndarray, np.ndarray | None]:
        """float64 outputs x (QN,) and Jacobian D (QN, K), vectorised over the samples."""
        theta = np.asarray(theta, dtype=np.float64)
        if theta.shape != (self.num_params,):
            raise ParameterError(f"θ has shape {theta.shape} but {self.describe()} has K = "
                                 f"{self.num_params}", theta.shape)
        X = np.asarray(inputs, dtype=np.float64)
        N, Q, K = X.shape[0], self.output_dim, self.num_params
        ar = get_arith("float64")
        tape = self._tape
        with np.errstate(all="ignore"):
            vals = _forward(tape, list(theta), [X[:, m] for m in range(X.shape[1])], ar)
            x = np.stack([np.broadcast_to(vals[i], (N,)) for i in tape.outputs], axis=1)
            if not jacobian:
                return x.reshape(-1), None
            D = np.zeros((N, Q, K))
            for q, i in enumerate(tape.outputs):
                row = _gradient(tape, vals, i, K, ar)
                for k, v in enumerate(row):
                    D[:, q, k] = np.broadcast_to(v, (N,))
        return x.reshape(-1), D.reshape(N * Q, K)


def _symbols(syms: Sequence[Any], what: str) -> tuple[sp.Symbol, ...]:
    if isinstance(syms, (str, bytes)) or not hasattr(syms, "__iter__"):
        raise ArchitectureError(f"{what} must be a list of SymPy symbols, got {short_repr(syms)}",
                                short_repr(syms))
    out = tuple(syms)
    for i, s in enumerate(out):
        if not isinstance(s, sp.Symbol):
            raise ArchitectureError(f"{what}[{i}] = {short_repr(s)} is not a SymPy Symbol "
                                    f"(make symbols with sympy.symbols)", short_repr(s))
    if len(set(out)) != len(out):
        dup = sorted({str(s) for s in out if out.count(s) > 1})
        raise ArchitectureError(f"{what} lists {dup} more than once", dup)
    return out


def _expressions(outputs: Sequence[Any]) -> tuple[sp.Expr, ...]:
    if isinstance(outputs, (str, bytes, sp.Basic)) or not hasattr(outputs, "__iter__"):
        raise ArchitectureError(f"outputs must be a list of SymPy expressions, got "
                                f"{short_repr(outputs)}", short_repr(outputs))
    out = []
    for q, e in enumerate(outputs):
        if isinstance(e, (int, np.integer)) and not isinstance(e, bool):
            e = sp.Integer(int(e))
        if not isinstance(e, sp.Expr) or isinstance(e, sp.Float) or e.has(sp.Float):
            raise ArchitectureError(
                f"outputs[{q}] = {short_repr(e)} must be a SymPy expression with exact "
                f"(rational) constants — strings are not parsed here (use "
                f"symflow.core.parsing for text)", short_repr(e))
        out.append(e)
    if not out:
        raise ArchitectureError("a model needs at least one output expression", [])
    return tuple(out)


def model(outputs: Sequence[sp.Expr], params: Sequence[sp.Symbol],
          inputs: Sequence[sp.Symbol], name: str | None = None) -> Model:
    """A network x[θ](u) given by Q SymPy expressions (see :class:`Model`).

    ``outputs``: the Q output expressions; ``params``: the K parameter symbols, in θ order;
    ``inputs``: the M input symbols, in the order of a data row.
    """
    return Model(outputs, params, inputs, name)
