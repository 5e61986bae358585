"""C13 — L2: spurious equilibria need rank loss (docs/theory.md §7, beyond the paper).

For the L2 loss g = ∇ₓC = (x − y)/N. If Dᵀ(x − y) = 0 then x − y ∈ ker Dᵀ = range(D)^⊥; at
full rank range(D) = R^{QN}, so x = y and C = 0. Hence C > 0 at an equilibrium forces
rank D < QN, and (by C4, α ∈ [0, 1]: V_α = 0 ⇔ Dᵀg = 0) at a full-rank point every
equilibrium of every V_α is a global minimum.

Checks (:func:`check_c13`):

``kernel`` (sample points of a problem of full rank at θ₀, where rank D = QN; others are
    skipped)
    ker Dᵀ = {0}: I − P = 0 with P = ``projector(D)``.
``same`` (the same points)
    x − y, ∇ₓC, V_0, V_{1/2}, V_1 (``parameter_field``) are all zero or all nonzero: V_α = 0 ⇔
    x = y.
``witness.*`` (exact, at θ₀ of the entry when it is rational with rank D(θ₀) < QN, else of
    the bias-only network x[θ](u) = θ on N = 2 inputs, D = (1, 1)ᵀ)
    with n the first column of an exact basis of ker Dᵀ (range of I − P), targets y := x(θ₀)
    − n make θ₀ a spurious equilibrium: every V_α = 0, C = |n|²/(2N) > 0, QN − rank D > 0.
``alpha2.*`` (exact, the boundary case of C4: α ∉ [0, 1] is excluded even at full rank)
    x[θ] = θ₁ + θ₂ (N = Q = 1, D = (1, 1), full rank), y = 0, θ = (1, 0): V_2 = 0 while
    C = 1/2 > 0.

``field_fn(pd, α)`` replaces the field under test (tests feed a wrong one).
"""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction
from typing import Callable, Sequence

import sympy as sp

from ..backends import backend
from ..backends.levels import Level
from ..backends.linalg import Mat, eye, projector, range_basis, rank_info
from ..core.models import model
from ..core.problem import PointData, Problem
from .evidence import Evidence
from .judge import Cmp, Skip, _run
from .objects import library_field, v_alpha
from .registry import claim_check, register
from .sampling import _n_random, sample_points

__all__ = ["C13_ALPHAS", "spurious_witness", "bias_only_problem", "alpha_two_problem",
           "check_c13"]

C13_ALPHAS = (Fraction(0), Fraction(1, 2), Fraction(1))

register("C13", "L2: spurious equilibria need rank loss",
         "For the L2 loss, Dᵀ(x − y) = 0 with C > 0 forces rank D < QN; at full rank every "
         "equilibrium of every V_α, α ∈ [0, 1], has x = y (C = 0, a global minimum). Rank loss "
         "does produce spurious equilibria (y := x − n, 0 ≠ n ∈ ker Dᵀ); α ∉ [0, 1] is excluded "
         "even at full rank (α = 2: V₂ ≡ 0 on x = θ₁ + θ₂ while C > 0).",
         "beyond the paper: §7 of docs/theory.md (C13; with Theorem 2.3, equilibria)",
         needs=("l2",))


def bias_only_problem() -> tuple[Problem, tuple]:
    """x[θ](u) = θ on the inputs 0 and 1 (N = 2, Q = K = 1): D = (1, 1)ᵀ, rank 1 < QN = 2."""
    b, u = sp.symbols("b u")
    prob = Problem(model([b], [b], [u], name="bias-only"), [[0], [1]], [[0], [0]], "l2",
                   name="bias-only-1-l2")
    return prob, (Fraction(0),)


def alpha_two_problem() -> tuple[Problem, tuple]:
    """x[θ] = θ₁ + θ₂ (N = Q = 1, K = 2, D = (1, 1), full rank), y = 0, at θ = (1, 0)."""
    t1, t2, u = sp.symbols("t1 t2 u")
    prob = Problem(model([t1 + t2], [t1, t2], [u], name="sum"), [[0]], [[0]], "l2",
                   name="sum-2-l2")
    return prob, (Fraction(1), Fraction(0))


def spurious_witness(prob: Problem, theta) -> "Problem | None":
    """Targets y := x(θ) − n, n the first column of an exact basis of ker Dᵀ = range(I − P):
    θ becomes an equilibrium with C = |n|²/(2N) > 0. None at full rank (ker Dᵀ = {0}) or for a
    problem without exact outputs."""
    if not prob.rational:
        return None
    pd = prob.at(theta, Level.EXACT)
    if rank_info(pd.D).rank == prob.QN:
        return None
    K0 = range_basis(eye(Level.EXACT, prob.QN) - projector(pd.D))
    n = [row[0] for row in K0.tolist()]
    vals = [Fraction(int(v.p), int(v.q)) for v in (pd.x - Mat.column(Level.EXACT, n)).entries()]
    rows = [vals[j * prob.Q:(j + 1) * prob.Q] for j in range(prob.N)]
    return Problem(prob.network, prob.inputs, rows, "l2", name=f"{prob.name}+spurious")


def check_c13(entry, *, dps: int = 30, level: Level = Level.EXACT, progress=None,
              field_fn: Callable[[PointData, Fraction], Mat] | None = None,
              n_points: int | None = None, alphas: Sequence[Fraction] = C13_ALPHAS
              ) -> list[Evidence]:
    """C13: at full-rank sample points ker Dᵀ = {0} and V_α = 0 ⇔ x = y; an exact spurious
    equilibrium at rank loss; the α = 2 boundary case. See the module docstring."""
    level = Level.parse(level)
    vfn = field_fn or library_field
    evs = _pointwise(entry, level, dps, vfn, alphas, n_points) if entry.full_rank else []
    return evs + _witness(entry, vfn, alphas) + _alpha_two()


def _pointwise(entry, level: Level, dps: int, vfn, alphas: Sequence[Fraction],
               n_points: int | None) -> list[Evidence]:
    """``kernel`` and ``same`` at the sample points of a problem of full rank at θ₀ (a
    rank-deficient one has no full-rank points to speak of: its part is the witness)."""
    pts = sample_points(entry, _n_random(level, n_points), "C13")
    alist = ", ".join(map(str, alphas))
    return _run(entry, level, dps, pts, _full_rank_fn(vfn, alphas), {
        "kernel": "at full rank ker Dᵀ = {0}: I − P = 0 (P = projector(D))",
        "same": f"at full rank x − y, ∇ₓC, V_0 and V_α (α ∈ {{{alist}}}) are all zero or all "
                f"nonzero: V_α = 0 ⇔ x = y (residual = number whose zeroness differs from "
                f"x − y's)"}, pit=False)


def _full_rank_fn(vfn, alphas: Sequence[Fraction]) -> Callable:
    def at(pd):
        D = pd.D
        n = D.shape[0]
        r = rank_info(D, pd.dps or 30).rank
        if r < n:
            return Skip(f"rank D = {r} < QN = {n}")
        P = projector(D, pd.dps or 30)
        vecs = [("x − y", pd.x - pd.y), ("∇ₓC", pd.grad)]
        vecs += [(f"V_{a}", vfn(pd, a)) for a in alphas]
        return {"kernel": Cmp("zero", eye(pd.level, n) - P, None, scale=1, magnitude=1),
                "same": Cmp("same", vecs)}

    return at


def _witness(entry, vfn, alphas: Sequence[Fraction]) -> list[Evidence]:
    """An exact spurious equilibrium: on the entry when it is rational and rank-deficient at
    θ₀, else on :func:`bias_only_problem`."""
    built = spurious_witness(entry.problem, entry.theta0)
    if built is not None:
        base, theta, where = entry.problem, entry.theta0, f"{entry.name} at θ₀"
    else:
        base, theta = bias_only_problem()
        built, where = spurious_witness(base, theta), "the bias-only network x[θ] = θ, θ = 0"
    QN = base.QN

    def at(pd):
        out = {f"V_{a}": Cmp("zero", vfn(pd, a), None) for a in alphas}
        out["cost"] = Cmp("pos", [pd.cost])
        out["rank"] = Cmp("pos", [backend(pd.level).scalar(QN - rank_info(pd.D).rank)])
        return out

    whats = {f"V_{a}": f"spurious equilibrium on {where}, y := x − n (0 ≠ n ∈ ker Dᵀ): "
                       f"V_{a} = 0" for a in alphas}
    whats["cost"] = f"the spurious equilibrium on {where} is not a minimum: C > 0"
    whats["rank"] = f"the spurious equilibrium on {where} has rank D < QN (QN − rank D > 0)"
    evs = _run(entry, Level.EXACT, 30, [theta], at, whats, problem=built, pit=False)
    return [replace(e, key=f"witness.{e.key}") for e in evs]


def _alpha_two() -> list[Evidence]:
    """α = 2 (outside [0, 1]) on :func:`alpha_two_problem`: V₂ = 0 with C > 0 at full rank."""
    prob, theta = alpha_two_problem()

    def at(pd):
        return {"V2": Cmp("zero", v_alpha(pd, Fraction(2)), None),
                "cost": Cmp("pos", [pd.cost]),
                "full": Cmp("zero", backend(pd.level).scalar(prob.QN - rank_info(pd.D).rank),
                            None)}

    where = "x[θ] = θ₁ + θ₂, y = 0, θ = (1, 0)"
    evs = _run(None, Level.EXACT, 30, [theta], at, {
        "V2": f"α ∉ [0, 1] is excluded even at full rank: V_2 = 0 on {where}",
        "cost": f"… while C > 0 there (C = 1/2): not a minimum",
        "full": f"… and rank D = QN there (full rank; residual QN − rank D)"},
        problem=prob, pit=False)
    return [replace(e, key=f"alpha2.{e.key}") for e in evs]


claim_check("C13")(check_c13)


if __name__ == "__main__":
    from ._main import main

    raise SystemExit(main("C13"))
