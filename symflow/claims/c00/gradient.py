"""C0's ``grad_vs_cost``, ``grad_at_point`` and ``cost_at_point``: the library's ∇ₓC and C
against SymPy's derivative of the cost expression.

``grad_vs_cost`` is a symbolic identity (``problem.grad_expr`` against
:func:`symflow.reference.gradients.cost_gradient`, refuted only with a witness point);
``grad_at_point`` and ``cost_at_point`` compare the numeric ``pd.grad`` and ``pd.cost`` of
``Problem.at`` at θ(0) with :func:`symflow.reference.gradients.gradient_and_cost_at` at the same
outputs x, judged by :func:`symflow.claims.c00.compare._judge` (the rules are in
:mod:`symflow.claims.c00_consistency`).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Callable, Sequence

import sympy as sp

from ...backends import backend
from ...backends.arith import get_arith, working_precision
from ...reference.expressions import evaluate_expr, scalar_of
from ...reference.gradients import cost_gradient, gradient_and_cost_at
from ..evidence import Evidence, Level, Reason, Status
from .compare import _evidence, _judge, _mag, _maxmag

__all__ = ["check_gradient"]


def _reduces_to_zero(d: sp.Expr, xs: Sequence[sp.Symbol]) -> bool:
    """True if ``d`` is identically 0 (expand; else x_i = log u_i, u_i > 0, and cancel)."""
    if sp.expand(d) == 0:
        return True
    us = {x: sp.log(sp.Symbol(f"_u{i}", positive=True)) for i, x in enumerate(xs)}
    r = sp.cancel(sp.together(sp.expand(d.xreplace(us))))
    return r == 0


def _witnesses(problem, n: int = 3) -> list[list[Fraction]]:
    """Rational output points x at which a non-identity is looked for."""
    QN = problem.QN
    return [[Fraction((7 * i + 3 * k + 2) % 11 - 5, 3 + k) for i in range(QN)] for k in range(n)]


def _witness(d: sp.Expr, problem, dps: int) -> Any:
    """|d| at a rational point where it is certainly nonzero (exact or ball), else None."""
    xs = list(problem.x_symbols)
    rational = problem.loss.rational
    ar = get_arith("exact" if rational else "ball")
    with working_precision(dps):
        for w in _witnesses(problem):
            env = {x: scalar_of(v, ar) for x, v in zip(xs, w)}
            v = evaluate_expr(d, env, ar)
            if (v != 0) if rational else (not v.contains(0)):
                return _mag(v), [str(q) for q in w]
    return None


def check_gradient(entry, *, dps: int = 30, level: Level = Level.EXACT, progress=None,
                   grad_fn: Callable[[Any], sp.Matrix] | None = None) -> list[Evidence]:
    """``grad_vs_cost`` (symbolic identity), ``grad_at_point`` and ``cost_at_point`` (θ(0))."""
    level = Level.parse(level)
    prob = entry.problem
    g = grad_fn(prob) if grad_fn is not None else prob.grad_expr
    dC = cost_gradient(prob)
    return [_grad_vs_cost(prob, g, dC, dps)] + _grad_at_point(entry, dps, level, dC)


def _grad_vs_cost(prob, g, dC: list, dps: int) -> Evidence:
    """``grad_vs_cost``: every g_i − ∂C/∂x_i reduces to 0 (verified); an entry that does not is
    refuted with a witness point where the difference is certainly nonzero, else inconclusive."""
    xs = list(prob.x_symbols)
    bad = []
    for i, (gi, di) in enumerate(zip(g, dC)):
        if not _reduces_to_zero(gi - di, xs):
            bad.append(i)
    what = ("∇ₓC (problem.grad_expr, from symflow.core.losses) minus SymPy diff(problem.cost_expr, "
            "x_i) reduces to 0 for every i (expand; x = log u and cancel)")
    det = {"entries": prob.QN, "loss": prob.loss.name}
    if not bad:
        return Evidence(Level.EXACT, what, 0, 0, Status.VERIFIED, None, det, key="grad_vs_cost")
    wit = [(i, _witness(g[i] - dC[i], prob, dps)) for i in bad]
    found = [(i, w) for i, w in wit if w is not None]
    det["entries_not_reducing"] = [str(xs[i]) for i in bad]
    if found:
        i, (r, point) = found[0]
        det["witness"] = {"entry": str(xs[i]), "x": point,
                          "difference": str(sp.simplify(g[i] - dC[i]))}
        return Evidence(Level.EXACT if prob.loss.rational else Level.BALL, what, r, 0,
                        Status.REFUTED, None if prob.loss.rational else dps, det,
                        key="grad_vs_cost")
    return Evidence(Level.EXACT, what, None, 0, Status.INCONCLUSIVE, None, det,
                    key="grad_vs_cost", reason=Reason.NUMERICS,
                    why=f"entries {det['entries_not_reducing']} did not reduce to 0 "
                        f"but no witness point was found")


def _differences_at(prob, th, level: Level, digits: int, dC: list):
    """At θ and ``digits``: the differences library − reference of ∇ₓC (entrywise) and of C,
    and the scales max|∂C/∂x| and |C| of the reference."""
    pd = prob.at(th, level, digits)
    be = backend(level)
    with working_precision(digits):
        xv = [be.to_reference(v) for v in pd.x.entries()]
        gs, cs = gradient_and_cost_at(prob, xv, be.reference_arith, dC)
        gd = [a - be.from_reference(b) for a, b in zip(pd.grad.entries(), gs)]
        cd = [pd.cost - be.from_reference(cs)]
        return gd, cd, _maxmag(gs), _mag(cs)


def _grad_at_point(entry, dps: int, level: Level, dC: list) -> list[Evidence]:
    """``grad_at_point`` and ``cost_at_point`` at θ(0) (mpmath: confirmed at
    ``dps + CONFIRM_EXTRA_DPS``)."""
    prob = entry.problem
    th = tuple(entry.theta0)
    be = backend(level)
    work, hi = be.work_dps(dps), be.confirm_dps(dps)
    gd, cd, gscale, cscale = _differences_at(prob, th, level, work, dC)
    gd2 = cd2 = None
    if hi is not None:
        gd2, cd2, _, _ = _differences_at(prob, th, level, hi, dC)
    with working_precision(work):
        og = _judge(level, dps, gd, gscale, gscale, gd2)
        oc = _judge(level, dps, cd, cscale, cscale, cd2)
    det = {"points": 1, "point": "θ(0)"}
    d = dps
    return [
        _evidence("grad_at_point", "at θ(0): the numeric ∇ₓC of problem.at equals SymPy "
                  "diff(cost_expr, x) evaluated at the same outputs x", level, d, [og], det),
        _evidence("cost_at_point", "at θ(0): the numeric cost of problem.at equals cost_expr "
                  "evaluated at the same outputs x", level, d, [oc], det),
    ]
