"""Building blocks: common architectures as :class:`~symflow.core.models.Model` in one line.

A :class:`Builder` hands out parameter symbols and composes SymPy expressions; the one-line
constructors below are written with it, and so can a user's own architecture:

>>> b = Builder(inputs=2)
>>> h = b.dense(b.inputs, 3, "tanh")           # new weights W1 (3×2), bias b1
>>> y = b.add(b.dense(h, 2), b.inputs)         # linear read-out plus a skip connection
>>> net = b.model(y, name="skip")
>>> net.num_params, net.output_dim
(17, 2)

``dense(xs, n, σ)`` is σ(W·xs + b) with fresh W, b; ``apply(W, xs, b, σ)`` reuses given weights
(weight sharing); ``add`` sums vectors entrywise (skip connections).

One-liners: :func:`skip_mlp` (an MLP plus a linear skip from input to output),
:func:`residual_mlp` (hidden residual blocks h ← h + σ(W h + b)), :func:`tied_mlp` (one hidden
matrix shared by every hidden layer), :func:`conv1d` (a 1-D convolution with one shared kernel),
:func:`deep_linear` (x = W_L ⋯ W_1 u, no bias, no activation).
"""

from __future__ import annotations

from typing import Any, Sequence

import sympy as sp

from ..errors import ArchitectureError
from ..numbers import short_repr
from .activations import get_activation
from .models import Model

__all__ = ["Builder", "skip_mlp", "residual_mlp", "tied_mlp", "conv1d", "deep_linear"]


def _positive(n: Any, what: str) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ArchitectureError(f"{what} must be a positive integer, got {short_repr(n)}", n)
    return n


class Builder:
    """Collects parameter symbols (in creation order = θ order) while expressions are built."""

    def __init__(self, inputs: int) -> None:
        m = _positive(inputs, "inputs")
        self.inputs = [sp.Symbol(f"u{i + 1}", real=True) for i in range(m)]
        self.params: list[sp.Symbol] = []
        self._names: set[str] = set()
        self._layer = 0

    def _fresh(self, name: str) -> str:
        if name in self._names:
            raise ArchitectureError(f"parameter name {name!r} is used twice", name)
        self._names.add(name)
        return name

    def weights(self, rows: int, cols: int, name: str | None = None) -> list[list[sp.Symbol]]:
        """A new rows × cols weight matrix of parameter symbols (row-major in θ)."""
        rows, cols = _positive(rows, "rows"), _positive(cols, "cols")
        if name is None:
            self._layer += 1
            name = f"W{self._layer}"
        name = self._fresh(name)
        W = [[sp.Symbol(f"{name}_{i}_{j}", real=True) for j in range(cols)] for i in range(rows)]
        self.params += [w for r in W for w in r]
        return W

    def bias(self, n: int, name: str) -> list[sp.Symbol]:
        """A new bias vector of ``n`` parameter symbols."""
        name = self._fresh(name)
        b = [sp.Symbol(f"{name}_{i}", real=True) for i in range(_positive(n, "n"))]
        self.params += b
        return b

    def apply(self, W: Sequence[Sequence[sp.Expr]], xs: Sequence[sp.Expr],
              b: Sequence[sp.Expr] | None = None, activation: Any = None) -> list[sp.Expr]:
        """σ(W·xs + b) with the given (possibly shared) weights; ``activation`` None: linear."""
        if any(len(r) != len(xs) for r in W):
            raise ArchitectureError(f"weights with {len(W[0])} columns applied to a vector of "
                                    f"length {len(xs)}", len(xs))
        z = [sp.Add(*[w * x for w, x in zip(r, xs)]) for r in W]
        if b is not None:
            z = [zi + bi for zi, bi in zip(z, b)]
        if activation is None:
            return z
        act = get_activation(activation)
        (zs,) = act.expr.free_symbols or {sp.Symbol("z")}
        return [act.expr.xreplace({zs: zi}) for zi in z]

    def dense(self, xs: Sequence[sp.Expr], n: int, activation: Any = None, bias: bool = True
              ) -> list[sp.Expr]:
        """σ(W·xs + b) with fresh weights W (n × len(xs)) and, if ``bias``, a fresh b."""
        W = self.weights(n, len(xs))
        b = self.bias(n, f"b{self._layer}") if bias else None
        return self.apply(W, xs, b, activation)

    @staticmethod
    def add(xs: Sequence[sp.Expr], ys: Sequence[sp.Expr]) -> list[sp.Expr]:
        """xs + ys entrywise (a skip connection); the lengths must agree."""
        if len(xs) != len(ys):
            raise ArchitectureError(f"cannot add vectors of lengths {len(xs)} and {len(ys)}",
                                    (len(xs), len(ys)))
        return [x + y for x, y in zip(xs, ys)]

    def model(self, outputs: Sequence[sp.Expr], name: str | None = None) -> Model:
        return Model(list(outputs), self.params, self.inputs, name)


def _widths(widths: Sequence[int]) -> list[int]:
    if isinstance(widths, (str, bytes)) or not hasattr(widths, "__len__") or len(widths) < 2:
        raise ArchitectureError(f"widths must list at least an input and an output width, got "
                                f"{short_repr(widths)}", short_repr(widths))
    return [_positive(w, f"widths[{i}]") for i, w in enumerate(widths)]


def skip_mlp(widths: Sequence[int], activation: Any = "tanh", bias: bool = True) -> Model:
    """An MLP ``widths = (M, h₁, …, Q)`` plus a linear skip S·u from input to output (S: Q × M)."""
    w = _widths(widths)
    b = Builder(w[0])
    h = b.inputs
    for n in w[1:-1]:
        h = b.dense(h, n, activation, bias)
    y = b.dense(h, w[-1], None, bias)
    skip = b.apply(b.weights(w[-1], w[0], "S"), b.inputs)
    return b.model(b.add(y, skip), name=f"skip_mlp({w}, {get_activation(activation).name})")


def residual_mlp(inputs: int, width: int, blocks: int, outputs: int, activation: Any = "tanh"
                 ) -> Model:
    """u ↦ h₀ = W₀u + b₀;  h ← h + σ(W h + b) (``blocks`` times);  x = W_out h + b_out."""
    b = Builder(inputs)
    h = b.dense(b.inputs, _positive(width, "width"))
    for _ in range(_positive(blocks, "blocks")):
        h = b.add(h, b.dense(h, width, activation))
    y = b.dense(h, _positive(outputs, "outputs"))
    return b.model(y, name=f"residual_mlp({inputs}, {width}×{blocks}, {outputs})")


def tied_mlp(inputs: int, width: int, depth: int, outputs: int, activation: Any = "tanh",
             bias: bool = True) -> Model:
    """Weight sharing: h₁ = σ(W_in u + b₁), then h ← σ(W h + bₗ) ``depth − 1`` times with one
    shared W (width × width), x = W_out h + b_out."""
    b = Builder(inputs)
    h = b.dense(b.inputs, _positive(width, "width"), activation, bias)
    W = b.weights(width, width, "W_shared")
    for layer in range(_positive(depth, "depth") - 1):
        bl = b.bias(width, f"b_shared{layer + 1}") if bias else None
        h = b.apply(W, h, bl, activation)
    y = b.dense(h, _positive(outputs, "outputs"), None, bias)
    return b.model(y, name=f"tied_mlp({inputs}, {width}×{depth}, {outputs})")


def conv1d(length: int, kernel: int, activation: Any = None, bias: bool = True) -> Model:
    """One shared kernel k (size ``kernel``) slid over an input of ``length``: Q = length −
    kernel + 1 outputs x_i = σ(Σⱼ kⱼ u_{i+j} + c)."""
    length, kernel = _positive(length, "length"), _positive(kernel, "kernel")
    if kernel > length:
        raise ArchitectureError(f"kernel {kernel} is longer than the input length {length}",
                                kernel)
    b = Builder(length)
    k = b.weights(1, kernel, "k")[0]
    c = b.bias(1, "c") if bias else None
    outs = []
    for i in range(length - kernel + 1):
        outs += b.apply([k], b.inputs[i:i + kernel], c, activation)
    return b.model(outs, name=f"conv1d({length}, kernel={kernel})")


def deep_linear(widths: Sequence[int]) -> Model:
    """x = W_L ⋯ W₁ u (no bias, no activation): polynomial of degree L in θ."""
    w = _widths(widths)
    b = Builder(w[0])
    h = b.inputs
    for n in w[1:]:
        h = b.dense(h, n, None, bias=False)
    return b.model(h, name=f"deep_linear({w})")
