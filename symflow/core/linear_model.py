"""The constant objects of a model linear in θ (docs/theory.md §7, C12), exactly in SymPy.

For x[θ] = Aθ + b the Jacobian D = A, the projector P = DD⁺ and the NTK Θ = DDᵀ do not depend
on θ, and the flows have closed forms: the adapted flow x(t) = (1 − t)x(0) + t(Py + P^⊥x(0))
(:func:`closed_form`), the standard flow x(s) = y + e^{−sΘ/N}(x(0) − y) (:func:`exact_path`).
Where w = x(0) − y lies among the eigenspaces of Θ is decided two ways: by the ranks of
[w, Θw] and [Θw, Θ²w] (:func:`rank_tests`) and by the irreducible factors of Θ's
characteristic polynomial (:func:`eigen_parts`). Used by :mod:`symflow.claims.
c12_constant_projector`.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Callable, Sequence

import sympy as sp

from .problem import Problem

__all__ = ["LinearData", "linear_data", "ntk", "orth_projector", "closed_form", "rank_tests",
           "eigen_parts", "exact_path"]


def ntk(D: sp.Matrix) -> sp.Matrix:
    """Θ = DDᵀ."""
    return D * D.T


def orth_projector(D: sp.Matrix) -> sp.Matrix:
    """P = B(BᵀB)⁻¹Bᵀ, B a basis of the column space of D (P = 0 for D = 0)."""
    cols = D.columnspace()
    if not cols:
        return sp.zeros(D.rows, D.rows)
    B = sp.Matrix.hstack(*cols)
    return sp.simplify(B * (B.T * B).inv() * B.T)


@dataclass(frozen=True)
class LinearData:
    """The constant objects of a linear model at θ₀, exactly (SymPy): D, Θ, P, x(0), y,
    w = x(0) − y and N."""

    D: sp.Matrix
    Theta: sp.Matrix
    P: sp.Matrix
    x0: sp.Matrix
    y: sp.Matrix
    w: sp.Matrix
    N: int


def linear_data(problem: Problem, theta0: Sequence[Any], ntk_fn: Callable | None = None,
                projector_fn: Callable | None = None) -> LinearData:
    """D = ∂x/∂θ and x(0) from the SymPy outputs at θ₀ (D is constant for a linear model),
    Θ = ``ntk_fn(D)`` (default DDᵀ), P = ``projector_fn(D)`` (default :func:`orth_projector`)."""
    sub = {p: sp.Rational(str(Fraction(q))) for p, q in zip(problem.params, theta0)}
    D = problem.jacobian.subs(sub).applyfunc(sp.nsimplify)
    x0 = problem.outputs.subs(sub).applyfunc(sp.nsimplify)
    y = sp.Matrix(problem.y_flat)
    return LinearData(D, (ntk_fn or ntk)(D), (projector_fn or orth_projector)(D), x0, y,
                      x0 - y, problem.N)


def closed_form(t: sp.Expr, x0: sp.Matrix, y: sp.Matrix, P: sp.Matrix) -> sp.Matrix:
    """(a): x(t) = (1 − t)x(0) + t(Py + P^⊥x(0))."""
    I = sp.eye(P.rows)
    return (1 - t) * x0 + t * (P * y + (I - P) * x0)


def rank_tests(Theta: sp.Matrix, w: sp.Matrix) -> tuple[int, int]:
    """(rank[w, Θw], rank[Θw, Θ²w]), exactly."""
    Tw = Theta * w
    return (sp.Matrix.hstack(w, Tw).rank(simplify=True),
            sp.Matrix.hstack(Tw, Theta * Tw).rank(simplify=True))


def _poly_times(f: sp.Poly, Theta: sp.Matrix, v: sp.Matrix) -> sp.Matrix:
    """f(Θ)v by Horner's rule on vectors."""
    out = sp.zeros(v.rows, 1)
    for c in f.all_coeffs():
        out = Theta * out + c * v
    return out


def eigen_parts(Theta: sp.Matrix, w: sp.Matrix) -> list[dict]:
    """Where w lies among the eigenspaces of the symmetric Θ, in exact rational arithmetic.

    Θ is diagonalizable, so with f₁, …, f_m the distinct irreducible factors over Q of its
    characteristic polynomial, R^n = ⊕ ker f_k(Θ), and h_k = Π_{j≠k} f_j maps the part of w in
    ker f_k(Θ) injectively and kills the others: w has a part there iff h_k(Θ)w ≠ 0. That part
    is rational, its minimal polynomial divides the irreducible f_k, so it *is* f_k: the part
    meets the eigenspaces of all deg f_k roots of f_k. Returns, for each factor met, a dict
    with ``factor``, ``degree``, ``mu`` (its root if f_k is linear, else None) and ``v``:
    for linear f_k = λ − μ the orthogonal projection v_μ = h_k(Θ)w/h_k(μ) of w onto E_μ, else
    the nonzero vector h_k(Θ)w ∈ ker f_k(Θ). No radicals: fast for any size.
    """
    lam = sp.Symbol("λ")
    chi = sp.Poly(Theta.charpoly(lam).all_coeffs(), lam)
    fs = [f for f, _ in chi.factor_list()[1] if f.degree() > 0]
    out = []
    for k, f in enumerate(fs):
        v = w
        for j, g in enumerate(fs):
            if j != k:
                v = _poly_times(g, Theta, v)
        if v.is_zero_matrix:
            continue
        mu = -f.nth(0) / f.LC() if f.degree() == 1 else None
        if mu is not None:
            v = v / sp.Mul(*[g.eval(mu) for j, g in enumerate(fs) if j != k])
        out.append({"factor": f.as_expr(), "degree": f.degree(),
                    "mu": mu, "v": v})
    return out


def exact_path(Theta: sp.Matrix, w: sp.Matrix, N: int, s: sp.Expr) -> sp.Matrix:
    """u(s) = x(s) − y = e^{−sΘ/N}w (SymPy's matrix exponential)."""
    return ((-s / N) * Theta).exp() * w
