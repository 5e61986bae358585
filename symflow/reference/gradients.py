"""∂C/∂x by SymPy's ``diff`` of the cost expression, and the cost C, at given outputs x.

Deliberate second implementation of the loss gradient ∇ₓC and of the cost at a point, used by
C0 (:mod:`symflow.claims.c00.gradient`) to cross-check the library's ∇ₓC: its symbolic
``problem.grad_expr`` (``grad_vs_cost``: a symbolic identity) and the numeric ``pd.grad`` and
``pd.cost`` of ``Problem.at`` (``grad_at_point``, ``cost_at_point``: e.g. the max-shifted
softmax of the cross-entropy). Written independently of the library's gradient code
(:mod:`symflow.core.losses`): SymPy differentiates ``problem.cost_expr`` and
:func:`~symflow.reference.expressions.evaluate_expr` evaluates the result and C itself.
"""

from __future__ import annotations

from typing import Any, Sequence

import sympy as sp

from .expressions import evaluate_expr

__all__ = ["cost_gradient", "gradient_and_cost_at"]


def cost_gradient(problem) -> list[sp.Expr]:
    """[∂C/∂x_i] by SymPy's ``diff`` of ``problem.cost_expr`` (QN expressions in x)."""
    C = problem.cost_expr
    return [sp.diff(C, x) for x in problem.x_symbols]


def gradient_and_cost_at(problem, x_values: Sequence, ar, dC: list[sp.Expr] | None = None
                         ) -> tuple[list, Any]:
    """(∂C/∂x at x, C at x) in the arithmetic ``ar`` (at the current working precision), for the
    outputs ``x_values``; ``dC`` is :func:`cost_gradient` (computed if not given)."""
    dC = cost_gradient(problem) if dC is None else dC
    env = dict(zip(problem.x_symbols, x_values))
    memo: dict = {}
    gs = [evaluate_expr(d, env, ar, memo) for d in dC]
    cs = evaluate_expr(problem.cost_expr, env, ar, memo)
    return gs, cs
