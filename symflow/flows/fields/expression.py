"""The parameter fields of a network that is not an MLP (a :class:`~symflow.core.models.Model`)
for the mpmath runner: the model's tape sweeps in mpmath arithmetic
(:class:`~symflow.core.fields.CompiledField`) behind the interface of
:class:`~symflow.flows.fields.FixedPointField` — ``field``, ``line_field``, ``ntk``, ``outputs``.

The MLP's fixed-point evaluator is specialised to layers; a general expression DAG is evaluated
node by node in mpf at the current precision (call inside ``mpmath.workdps``). There is no
fixed-point protocol: the engine calls :meth:`field` with mpf lists.
"""

from __future__ import annotations

from typing import Any, Optional

from ...core.fields import CompiledField
from ...core.problem import Problem


class ExpressionField:
    """θ' = V_α(θ), D⁺w, G = DDᵀ and x at mpf points of a general model (see module doc)."""

    def __init__(self, problem: Problem, field: Any = "adapted", rank_loss: str = "stop",
                 rank_digits: Optional[int] = None) -> None:
        self.problem = problem
        self._cf = CompiledField(problem, field, arith="mpmath", rank_loss=rank_loss)
        self.alpha = self._cf.alpha
        self.rank_loss, self.rank_digits = rank_loss, rank_digits

    def outputs(self, theta) -> list:
        return list(self._cf.outputs(list(theta)))

    def ntk(self, theta) -> list:
        return self._cf.ntk(list(theta))

    def field(self, theta) -> list:
        return list(self._cf(list(theta)))

    def line_field(self, theta, w) -> list:
        """D⁺w = Dᵀ(DDᵀ)⁻¹w (the line-time field of C6)."""
        return list(self._cf.pinv_apply(list(theta), list(w)))
