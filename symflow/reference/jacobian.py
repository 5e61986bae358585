"""D = ∂x/∂θ by SymPy's ``diff`` of the forward-pass expressions, evaluated at a point.

Deliberate second implementation of the Jacobian D, used by C0 (``D_vs_diff``,
:mod:`symflow.claims.c00.jacobian`) to cross-check ``Problem.at(θ, level).D``, which the library
computes by layer-wise backpropagation with the activation's compiled derivative σ'
(:mod:`symflow.core.networks`, :mod:`symflow.core.activations`). Written independently of the
backpropagation and of σ': SymPy differentiates ``problem.outputs`` (the forward pass as
expressions — shared with the library, so a wrong *forward pass* is not seen here; C0's
``integrator_outputs`` sees it) and :func:`~symflow.reference.expressions.evaluate_expr` evaluates
the derivative in the arithmetic of the level, so that no finite-difference error enters.
"""

from __future__ import annotations

import weakref
from typing import Sequence

import sympy as sp

from ..backends.arith import working_precision
from ..backends.levels import Level
from .expressions import arith_of, evaluate_expr, scalar_of

__all__ = ["symbolic_jacobian", "jacobian_at"]

# SymPy's derivative of the forward pass, once per Problem (weakly keyed: a fresh Problem, as
# the tests build, gets a fresh derivative).
_JAC_CACHE: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def symbolic_jacobian(problem) -> list[list[sp.Expr]]:
    """∂x_i/∂θ_k by SymPy's ``diff`` of ``problem.outputs`` (QN rows of K expressions)."""
    try:
        return _JAC_CACHE[problem]
    except (KeyError, TypeError):
        pass
    X = problem.outputs
    J = [[sp.diff(X[i, 0], th) for th in problem.params] for i in range(problem.QN)]
    try:
        _JAC_CACHE[problem] = J
    except TypeError:  # pragma: no cover - Problem is weak-referenceable
        pass
    return J


def jacobian_at(problem, theta: Sequence, level: Level, digits: int) -> list:
    """The entries of :func:`symbolic_jacobian` (row-major, QN·K values) at the rational point
    ``theta``, in the arithmetic of ``level`` (:func:`~symflow.reference.expressions.arith_of`)
    at ``digits`` working digits."""
    J = symbolic_jacobian(problem)
    ar = arith_of(level)
    with working_precision(digits):
        env = {s: scalar_of(v, ar) for s, v in zip(problem.params, theta)}
        memo: dict = {}
        return [evaluate_expr(e, env, ar, memo) for row in J for e in row]
