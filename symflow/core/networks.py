"""Fully connected networks, evaluated by one layer-wise algorithm at every arithmetic level.

``mlp([M, h1, …, Q], activation, bias)`` is the network

    a⁽⁰⁾ = x⁽⁰⁾ ∈ R^M,   z⁽ˡ⁾ = W⁽ˡ⁾ a⁽ˡ⁻¹⁾ + b⁽ˡ⁾,   a⁽ˡ⁾ = σ(z⁽ˡ⁾) (hidden layers),
    output x[θ] = z⁽ᴸ⁾ ∈ R^Q (linear output layer).

Parameters θ ∈ R^K are ordered layer by layer, each layer's weight matrix W⁽ˡ⁾ (out × in,
row-major) followed by its bias b⁽ˡ⁾; symbols are named ``W{l}_{i}_{j}`` and ``b{l}_{i}``
(layers counted from 1, entries from 0).

The Jacobian row of output q on one sample is computed by backpropagation (the chain rule
layer by layer, reusing the forward pass):

    δ⁽ᴸ⁾ = e_q,   ∂x_q/∂W⁽ˡ⁾_{ik} = δ⁽ˡ⁾_i a⁽ˡ⁻¹⁾_k,   ∂x_q/∂b⁽ˡ⁾_i = δ⁽ˡ⁾_i,
    δ⁽ˡ⁻¹⁾ = σ'(z⁽ˡ⁻¹⁾) ⊙ (W⁽ˡ⁾)ᵀ δ⁽ˡ⁾.

The same code runs on SymPy expressions (giving the exact symbolic D with shared
subexpressions, far faster than differentiating each output expression), on rationals, Arb
balls and mpf numbers; a vectorised numpy version serves float64.

Size caps (checked before anything is built; :class:`~symflow.errors.ArchitectureError` names
the size and the cap): every width ≤ ``MAX_WIDTH`` = 10 000, at most ``MAX_LAYERS`` = 100
affine layers, and K ≤ ``MAX_PARAMS`` = 200 000 parameters. (The float64 path is used up to
K ≈ 10⁵ and mpmath up to K ≈ 2000 in benchmarks/bench_scaling.py; exact and ball work is far
smaller.)
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, Sequence

import numpy as np
import sympy as sp

from .activations import Activation, get_activation
from ..backends.arith import Arith, get_arith
from ..errors import ArchitectureError, ParameterError
from ..numbers import short_repr

__all__ = ["MLP", "mlp", "MAX_WIDTH", "MAX_LAYERS", "MAX_PARAMS"]

MAX_WIDTH = 10_000
"""Largest width of any layer (input, hidden or output)."""
MAX_LAYERS = 100
"""Most affine layers L (= len(widths) − 1)."""
MAX_PARAMS = 200_000
"""Most parameters K."""


@dataclass(frozen=True)
class MLP:
    """A fully connected network ``widths = (M, h1, …, Q)`` (see module docstring)."""

    widths: tuple[int, ...]
    activation: Activation
    bias: bool = True

    def __post_init__(self) -> None:
        w = self.widths
        if isinstance(w, (str, bytes)) or not isinstance(w, (tuple, list)):
            raise ArchitectureError(
                f"widths must be a list of positive integers, got {short_repr(w)}", w)
        if len(w) < 2:
            raise ArchitectureError(
                f"widths {short_repr(list(w))} must list at least an input and an output width, "
                f"e.g. [2, 3, 1]", list(w))
        if len(w) - 1 > MAX_LAYERS:
            raise ArchitectureError(
                f"{len(w) - 1} affine layers (widths of length {len(w)}) exceed the cap of "
                f"{MAX_LAYERS} layers", len(w) - 1)
        for i, n in enumerate(w):
            if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)) or n <= 0:
                raise ArchitectureError(
                    f"widths[{i}] = {short_repr(n)} must be a positive integer (widths "
                    f"{short_repr(list(w))})", n)
            if n > MAX_WIDTH:
                raise ArchitectureError(
                    f"widths[{i}] = {short_repr(n)} exceeds the cap of {MAX_WIDTH} units per layer "
                    f"(widths {short_repr(list(w))})", n)
        w = tuple(int(n) for n in w)
        K = sum(a * b + (b if self.bias is True else 0) for a, b in zip(w[:-1], w[1:]))
        if K > MAX_PARAMS:
            raise ArchitectureError(
                f"widths {short_repr(list(w))} give K = {K} parameters, more than the cap of "
                f"{MAX_PARAMS}", K)
        object.__setattr__(self, "widths", w)
        if not isinstance(self.bias, (bool, np.bool_)):
            raise ArchitectureError(f"bias must be True or False, got {short_repr(self.bias)}",
                                    self.bias)
        object.__setattr__(self, "bias", bool(self.bias))
        if not isinstance(self.activation, Activation):
            object.__setattr__(self, "activation", get_activation(self.activation))

    # ---- shape -------------------------------------------------------------------------
    @property
    def input_dim(self) -> int:
        """M, the input dimension."""
        return self.widths[0]

    @property
    def output_dim(self) -> int:
        """Q, the output dimension."""
        return self.widths[-1]

    @property
    def depth(self) -> int:
        """Number of affine layers L."""
        return len(self.widths) - 1

    @cached_property
    def layer_slices(self) -> tuple[tuple[slice, slice | None], ...]:
        """For each layer, the slices of θ holding W (row-major) and b (or None)."""
        out, k = [], 0
        for n_in, n_out in zip(self.widths[:-1], self.widths[1:]):
            ws = slice(k, k + n_in * n_out)
            k += n_in * n_out
            bs = None
            if self.bias:
                bs = slice(k, k + n_out)
                k += n_out
            out.append((ws, bs))
        return tuple(out)

    @property
    def num_params(self) -> int:
        """K, the number of parameters."""
        last = self.layer_slices[-1]
        return (last[1] or last[0]).stop

    @cached_property
    def params(self) -> tuple[sp.Symbol, ...]:
        """The K parameter symbols in θ order."""
        syms: list[sp.Symbol] = []
        for l, (n_in, n_out) in enumerate(zip(self.widths[:-1], self.widths[1:]), start=1):
            syms += [sp.Symbol(f"W{l}_{i}_{j}", real=True) for i in range(n_out) for j in range(n_in)]
            if self.bias:
                syms += [sp.Symbol(f"b{l}_{i}", real=True) for i in range(n_out)]
        return tuple(syms)

    @property
    def rational(self) -> bool:
        """x[θ] is rational in θ: the activation is (the exact level applies)."""
        return self.activation.rational

    @cached_property
    def polynomial_degree(self) -> int | None:
        """Total degree of x[θ] in θ for a polynomial activation (None otherwise): z⁽¹⁾ has
        degree 1 and each hidden layer maps degree d to a·d + 1 (a = deg σ)."""
        zs = self.activation.expr.free_symbols
        if len(zs) != 1 or not self.activation.expr.is_polynomial(next(iter(zs))):
            return None
        a = sp.Poly(self.activation.expr, next(iter(zs))).degree()
        d = 1
        for _ in range(self.depth - 1):
            d = a * d + 1
        return d

    def describe(self) -> str:
        b = "" if self.bias else ", no bias"
        return f"mlp({list(self.widths)}, {self.activation.name}{b})"

    # ---- evaluation at a generic arithmetic ----------------------------------------------
    def _layers(self, theta: Sequence[Any]):
        out = []
        for (ws, bs), n_in, n_out in zip(self.layer_slices, self.widths[:-1], self.widths[1:]):
            flat = theta[ws]
            W = [flat[i * n_in:(i + 1) * n_in] for i in range(n_out)]
            b = list(theta[bs]) if bs is not None else None
            out.append((W, b))
        return out

    def check_theta(self, theta: Sequence[Any]) -> list:
        theta = list(theta)
        if len(theta) != self.num_params:
            raise ParameterError(
                f"θ has {len(theta)} entries but {self.describe()} has K = {self.num_params} "
                f"parameters", len(theta))
        return theta

    def evaluate(self, theta: Sequence[Any], inputs: Sequence[Sequence[Any]], arith: "str | Arith",
                 jacobian: bool = True) -> tuple[list, list[list] | None]:
        """Stacked outputs x ∈ R^{QN} (sample-major) and, if asked, D = ∂x/∂θ (QN × K rows).

        ``theta`` and ``inputs`` must already be scalars of the arithmetic ``arith``.
        """
        ar = get_arith(arith) if isinstance(arith, str) else arith
        theta = self.check_theta(theta)
        sig, dsig = self.activation.compiled(ar)
        mul, add, dot = ar.mul, ar.add, ar.dot
        layers = self._layers(theta)
        zero = ar.const(0, 1)
        one = ar.const(1, 1)
        K, Q, L = self.num_params, self.output_dim, self.depth
        xs: list = []
        rows: list[list] = []
        for x0 in inputs:
            acts = [list(x0)]
            dacts = []
            for l, (W, b) in enumerate(layers):
                a = acts[-1]
                zl = [dot(Wi, a) for Wi in W]
                if b is not None:
                    zl = [add(zi, bi) for zi, bi in zip(zl, b)]
                if l < L - 1:
                    pairs = [(sig(v), dsig(v)) for v in zl]   # σ then σ' of each z (jets
                    acts.append([a for a, _ in pairs])         # reuse σ(z) for σ'(z))
                    dacts.append([d for _, d in pairs])
                else:
                    xs.extend(zl)
            if not jacobian:
                continue
            for q in range(Q):
                row = [zero] * K
                delta = None  # δ⁽ˡ⁾ as a list; None stands for e_q at the output layer
                for l in range(L - 1, -1, -1):
                    ws, bs = self.layer_slices[l]
                    a = acts[l]
                    n_in = len(a)
                    if delta is None:
                        base = ws.start + q * n_in
                        row[base:base + n_in] = a
                        if bs is not None:
                            row[bs.start + q] = one
                        if l > 0:
                            delta = list(map(mul, layers[l][0][q], dacts[l - 1]))
                        continue
                    for i, di in enumerate(delta):
                        base = ws.start + i * n_in
                        row[base:base + n_in] = [mul(di, ak) for ak in a]
                        if bs is not None:
                            row[bs.start + i] = di
                    if l > 0:
                        W = layers[l][0]
                        delta = [mul(dot([Wi[k] for Wi in W], delta), dacts[l - 1][k])
                                 for k in range(n_in)]
                rows.append(row)
        return xs, (rows if jacobian else None)

    # ---- float64, vectorised over samples --------------------------------------------------
    def evaluate_float64(self, theta: np.ndarray, inputs: np.ndarray, jacobian: bool = True
                         ) -> tuple[np.ndarray, np.ndarray | None]:
        """float64 outputs x (QN,) and Jacobian D (QN, K), vectorised with numpy."""
        theta = np.asarray(theta, dtype=np.float64)
        if theta.shape != (self.num_params,):
            raise ParameterError(
                f"θ has shape {theta.shape} but {self.describe()} has K = {self.num_params}",
                theta.shape)
        X = np.asarray(inputs, dtype=np.float64)
        sig, dsig = self.activation.compiled("float64")
        N = X.shape[0]
        Ws, acts, dacts = [], [X], []
        for l, ((ws, bs), n_in, n_out) in enumerate(
                zip(self.layer_slices, self.widths[:-1], self.widths[1:])):
            W = theta[ws].reshape(n_out, n_in)
            Ws.append(W)
            z = acts[-1] @ W.T
            if bs is not None:
                z = z + theta[bs]
            if l < self.depth - 1:
                acts.append(np.broadcast_to(sig(z), z.shape).astype(np.float64))
                dacts.append(np.broadcast_to(dsig(z), z.shape).astype(np.float64))
            else:
                out = z
        x = out.reshape(-1)
        if not jacobian:
            return x, None
        Q, K = self.output_dim, self.num_params
        D = np.empty((N, Q, K))   # every column is written below (the layers' slices cover θ)
        delta = np.broadcast_to(np.eye(Q), (N, Q, Q)).copy()  # [sample, q, unit]
        for l in range(self.depth - 1, -1, -1):
            ws, bs = self.layer_slices[l]
            a = acts[l]
            # ∂x_q/∂W_ik = δ_i a_k written straight into D's block (a view: splitting the
            # contiguous last axis), without a temporary of D's size and its copy
            block = D[:, :, ws].reshape(N, Q, delta.shape[2], a.shape[1])
            assert np.may_share_memory(block, D)
            np.multiply(delta[:, :, :, None], a[:, None, None, :], out=block)
            if bs is not None:
                D[:, :, bs] = delta
            if l > 0:
                delta = (delta @ Ws[l]) * dacts[l - 1][:, None, :]
        return x, D.reshape(N * Q, K)


def mlp(widths: Sequence[int], activation: "str | Activation" = "tanh", bias: bool = True) -> MLP:
    """Build a fully connected network.

    ``widths = [M, h1, …, Q]``: input dimension, hidden widths, output dimension. The
    activation acts on every hidden layer; the output layer is linear.

    >>> net = mlp([2, 3, 1], "tanh")
    >>> net.num_params   # 2·3 + 3 + 3·1 + 1
    13
    """
    if isinstance(widths, (str, bytes, set, frozenset, dict)) or hasattr(widths, "keys"):
        raise ArchitectureError(
            f"widths must be an ordered list of positive integers, got {short_repr(widths)}",
            widths)
    if hasattr(widths, "tolist"):  # numpy arrays
        widths = widths.tolist()
        if not isinstance(widths, list):
            raise ArchitectureError(
                f"widths must be a list of positive integers, got {short_repr(widths)}", widths)
    if hasattr(widths, "__len__") and len(widths) - 1 > MAX_LAYERS:
        raise ArchitectureError(
            f"{len(widths) - 1} affine layers (widths of length {len(widths)}) exceed the cap "
            f"of {MAX_LAYERS} layers", len(widths) - 1)
    try:
        widths = tuple(widths)
    except TypeError:
        raise ArchitectureError(f"widths must be a list of positive integers, got "
                                f"{short_repr(widths)}", widths) from None
    if not isinstance(bias, bool):
        raise ArchitectureError(f"bias must be True or False, got {short_repr(bias)}", bias)
    return MLP(widths, get_activation(activation), bias)
