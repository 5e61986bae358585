"""Losses as functions of the stacked outputs x ∈ R^{QN} only (docs/theory.md, "Setting").

* L2:  C[x] = (1/2N) |x − y|²,                 ∇ₓC = (x − y)/N.
* Cross-entropy with softmax σ:
       C[x] = −(1/N) Σ_j Σ_i y_{j,i} log σ(x_j)_i,  ∇_{x_j}C = (σ(x_j) − y_j)/N,
  for labels y_j with positive components summing to 1 (C8 needs positivity for the minimum
  on each fiber to be attained).

Both are written once over any scalar arithmetic (:mod:`symflow.backends.arith`).
"""

from __future__ import annotations

import abc

from dataclasses import dataclass
from typing import Any, Sequence

import sympy as sp

from ..backends.arith import Arith
from ..errors import LabelError, LossError

__all__ = ["Loss", "L2", "CrossEntropy", "LOSSES", "get_loss"]


class Loss(abc.ABC):
    """A loss C[x] on stacked outputs (N samples of Q outputs each)."""

    name: str = ""
    rational: bool = False  # is ∇ₓC a rational function of x and y?

    def validate_targets(self, targets: list[list[sp.Rational]]) -> None:
        """Raise LabelError if the targets are not admissible for this loss."""

    @abc.abstractmethod
    def cost(self, x: Sequence[Any], y: Sequence[Any], N: int, Q: int, ar: Arith) -> Any:
        """C[x] in the arithmetic ``ar``."""

    @abc.abstractmethod
    def grad(self, x: Sequence[Any], y: Sequence[Any], N: int, Q: int, ar: Arith) -> list:
        """∇ₓC as a list of QN scalars of ``ar``."""

    def __repr__(self) -> str:
        return self.name


@dataclass(frozen=True, repr=False)
class L2(Loss):
    """C[x] = (1/2N)|x − y|², ∇ₓC = (x − y)/N."""

    name: str = "l2"
    rational: bool = True

    def cost(self, x, y, N, Q, ar):
        s = ar.const(0, 1)
        for xi, yi in zip(x, y):
            s = s + (xi - yi) * (xi - yi)
        return s * ar.const(1, 2 * N)

    def grad(self, x, y, N, Q, ar):
        inv = ar.const(1, N)
        return [(xi - yi) * inv for xi, yi in zip(x, y)]


def _softmax(block: Sequence[Any], ar: Arith) -> list:
    exp = ar.fn("exp")
    if ar.softmax_shift is None:   # symbolic: no shift
        e = [exp(v) for v in block]
    else:  # shift by the max for stability; σ is shift invariant
        m = ar.softmax_shift(block)
        e = [exp(v - m) for v in block]
    s = e[0]
    for v in e[1:]:
        s = s + v
    return [v / s for v in e]


@dataclass(frozen=True, repr=False)
class CrossEntropy(Loss):
    """Softmax cross-entropy; labels must be positive and sum to 1 per sample."""

    name: str = "cross_entropy"
    rational: bool = False

    def validate_targets(self, targets):
        for j, y in enumerate(targets):
            for i, v in enumerate(y):
                if v <= 0:
                    raise LabelError(
                        f"cross-entropy label targets[{j}][{i}] = {v} is not positive; C8 needs "
                        f"every label component > 0 (with a zero the minimum is not attained)", v)
            total = sum(y, sp.Integer(0))
            if total != 1:
                raise LabelError(
                    f"cross-entropy label targets[{j}] = {[str(v) for v in y]} sums to {total}, "
                    f"not 1", y)

    def cost(self, x, y, N, Q, ar):
        log = ar.fn("log")
        s = ar.const(0, 1)
        for j in range(N):
            p = _softmax(x[j * Q:(j + 1) * Q], ar)
            for i in range(Q):
                s = s - y[j * Q + i] * log(p[i])
        return s * ar.const(1, N)

    def grad(self, x, y, N, Q, ar):
        inv = ar.const(1, N)
        g = []
        for j in range(N):
            p = _softmax(x[j * Q:(j + 1) * Q], ar)
            g += [(p[i] - y[j * Q + i]) * inv for i in range(Q)]
        return g


LOSSES: dict[str, Loss] = {"l2": L2(), "cross_entropy": CrossEntropy()}


def get_loss(loss: "str | Loss") -> Loss:
    """A loss by name (``"l2"``, ``"cross_entropy"``) or the loss itself."""
    if isinstance(loss, Loss):
        return loss
    if isinstance(loss, str) and loss.lower() in LOSSES:
        return LOSSES[loss.lower()]
    raise LossError(f"unknown loss {loss!r}; choose one of {sorted(LOSSES)}", loss)
