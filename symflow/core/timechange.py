"""The time change of C6, derived with SymPy (nothing of it is typed in as a final formula).

For the L2 loss, ∇ₓC = (x − y)/N, and at full rank P = I, so the adapted output flow
x' = −P∇ₓC decouples into QN copies of the scalar linear ODE

    dx/ds = −(x − y)/N,   x(0) = x₀.                                        (1)

:func:`derive_time_change` asks SymPy to

1. solve (1) with ``dsolve`` → x(s);
2. find t(s) with x(s) = (1 − t) x₀ + t y (``solve`` for t) → t = 1 − e^{−s/N};
3. invert it → s(t), and ds/dt;
4. change variables in the parameter ODE dθ/ds = −D⁺∇ₓC = −D⁺(x − y)/N: along the line,
   dθ/dt = D⁺ w(t) with w(t) = −(x(t) − y)/N · ds/dt, simplified → w = y − x₀, so
   dθ/dt = D⁺ (y − x₀) on t ∈ [0, 1];
5. confirm by substitution that x(s) satisfies (1) and t(s), s(t) are inverse.

Each step is kept (:class:`Derivation`), with a LaTeX rendering for notebooks. The integrator
uses the *derived* ``w`` and ``s_of_t`` / ``t_of_s`` (compiled from these expressions).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import sympy as sp

from ..errors import SymflowError

__all__ = ["Derivation", "derive_time_change"]


@dataclass(frozen=True)
class Derivation:
    """The derived time change; ``steps`` lists (description, SymPy object) in order."""

    s: sp.Symbol
    t: sp.Symbol
    N: sp.Symbol
    x0: sp.Symbol
    y: sp.Symbol
    x_of_s: sp.Expr          # solution of (1)
    t_of_s: sp.Expr          # t(s)
    s_of_t: sp.Expr          # s(t)
    dsdt: sp.Expr            # ds/dt as a function of t
    x_of_t: sp.Expr          # x along the line, as a function of t
    w: sp.Expr               # dθ/dt = D⁺ · w   (componentwise w, a function of x0, y, t)
    steps: tuple[tuple[str, sp.Basic], ...]
    checks: tuple[tuple[str, sp.Expr], ...]   # each residual simplified; all must be 0

    @property
    def verified(self) -> bool:
        """All substitution checks simplified to exactly 0."""
        return all(r == 0 for _, r in self.checks)

    def latex(self) -> str:
        """The steps as LaTeX lines (for notebooks)."""
        return "\n".join(f"\\text{{{d}}}:\\quad {sp.latex(e)}\\\\" for d, e in self.steps)

    def w_function(self):
        """w(x0, y, t) as a Python function over any number type (compiled from ``w``)."""
        f = sp.lambdify((self.x0, self.y, self.t), self.w, modules=[{}, "mpmath"])
        return f


@lru_cache(maxsize=None)
def derive_time_change() -> Derivation:
    """Derive C6's reparametrization and the parameter ODE in t (see module docstring)."""
    s, t = sp.symbols("s t", nonnegative=True)
    N = sp.Symbol("N", positive=True)
    x0, y = sp.symbols("x_0 y", real=True)
    X = sp.Function("x")
    steps: list[tuple[str, sp.Basic]] = []

    ode = sp.Eq(X(s).diff(s), -(X(s) - y) / N)
    steps.append(("adapted output flow, L2, full rank (P = I)", ode))
    sol = sp.dsolve(ode, X(s), ics={X(0): x0})
    x_of_s = sp.expand(sol.rhs)
    steps.append(("dsolve", sp.Eq(X(s), x_of_s)))

    line = (1 - t) * x0 + t * y
    t_solutions = sp.solve(sp.Eq(line, x_of_s), t)
    if len(t_solutions) != 1:
        raise SymflowError(f"expected one t(s) putting x(s) on the line, SymPy found {t_solutions}")
    t_of_s = sp.simplify(t_solutions[0])
    steps.append(("t(s): x(s) = (1 − t) x₀ + t y", sp.Eq(t, t_of_s)))

    s_solutions = [e for e in sp.solve(sp.Eq(t, t_of_s), s)]
    if len(s_solutions) != 1:
        raise SymflowError(f"expected one inverse s(t), SymPy found {s_solutions}")
    s_of_t = sp.simplify(s_solutions[0])
    steps.append(("inverse s(t)", sp.Eq(s, s_of_t)))
    dsdt = sp.simplify(sp.diff(s_of_t, t))
    steps.append(("ds/dt", sp.Eq(sp.Symbol("ds/dt"), dsdt)))

    x_of_t = sp.simplify(x_of_s.subs(s, s_of_t))
    steps.append(("x along the flow, in t", sp.Eq(sp.Symbol("x(t)"), x_of_t)))

    # dθ/ds = −D⁺ (x − y)/N  ⇒  dθ/dt = D⁺ · [−(x − y)/N · ds/dt]
    w = sp.simplify(sp.factor(-(x_of_t - y) / N * dsdt))
    steps.append(("dθ/dt = D⁺ · w with w", sp.Eq(sp.Symbol("w"), w)))

    checks = (
        ("x(s) solves dx/ds + (x − y)/N = 0",
         sp.simplify(sp.diff(x_of_s, s) + (x_of_s - y) / N)),
        ("x(0) = x₀", sp.simplify(x_of_s.subs(s, 0) - x0)),
        ("x(s(t)) = (1 − t)x₀ + t y", sp.simplify(x_of_t - line)),
        ("t(s(t)) = t", sp.simplify(t_of_s.subs(s, s_of_t) - t)),
        ("s(t(s)) = s", sp.simplify(sp.expand_log(s_of_t.subs(t, t_of_s), force=True) - s)),
        ("t(0) = 0", sp.simplify(t_of_s.subs(s, 0))),
        ("t → 1 as s → ∞", sp.limit(t_of_s, s, sp.oo) - 1),
        ("w is constant in t", sp.simplify(sp.diff(w, t))),
    )
    return Derivation(s, t, N, x0, y, x_of_s, t_of_s, s_of_t, dsdt, x_of_t, w,
                      tuple(steps), checks)
