"""C4 — Theorem 2.3, equilibria: V_α = 0 ⇔ P∇ₓC = 0 ⇔ V_0 = 0 for every α ∈ [0, 1].

At the sample points P∇ₓC, V_0 and V_α are all zero or all nonzero (comparison kind "same");
Bᵀ((1−α)I + α(DDᵀ)⁺)B ≻ 0 for a basis B of range(D) (certified positive LDLᵀ pivots) and
(I − P)((1−α)I + α(DDᵀ)⁺)B = 0; and at a constructed equilibrium (:func:`equilibrium_problem`)
every one of them vanishes.

Every check function accepts injectable pieces (``field_fn``, ``pinv_fn``, …) so that tests can
feed a deliberately wrong field and see the verdict refuted.
"""

from __future__ import annotations

import random
from fractions import Fraction
from typing import Callable, Sequence

import flint

from ..backends import backend
from ..backends.levels import Level
from .evidence import Evidence
from ..backends.linalg import Mat, eye, projector, range_basis, rank_info
from ..core.problem import PointData, Problem
from .registry import claim_check, register
from .judge import Cmp, _f, _max_abs, _run
from .sampling import _n_random, sample_points
from .objects import _ldl_pivots, library_field, ntk_pinv

__all__ = ["C4_ALPHAS", "equilibrium_problem", "check_c4"]


C4_ALPHAS = (Fraction(0), Fraction(1, 3), Fraction(1, 2), Fraction(1))


def _alpha_name(a: Fraction) -> str:
    return str(a)


register("C4", "Theorem 2.3, equilibria: V_α = 0 ⇔ P∇ₓC = 0 ⇔ V_0 = 0",
         "For every α ∈ [0,1]: V_α(θ) = 0 ⇔ P∇ₓC = 0 ⇔ V_0(θ) = 0 (because (1−α)I + α(DDᵀ)⁺ "
         "is positive definite on range(D) and maps it into itself, and ker Dᵀ = range(D)^⊥).",
         "Theorem 2.3")


def equilibrium_problem(entry, seed: int = 0) -> tuple[Problem, str] | None:
    """A problem with the same network and inputs whose targets make θ(0) an equilibrium.

    Exact, L2 only: x₀ = x(θ(0)); if rank D < QN, y = x₀ + N·n with n = (I − P)r ≠ 0 ∈ ker Dᵀ
    (so g = −n ≠ 0: a non-trivial equilibrium, P g = 0); at full rank y = x₀ (g = 0).
    None when it cannot be built exactly (transcendental network or cross-entropy).
    """
    prob = entry.problem
    if not prob.rational or prob.loss.name != "l2":
        return None
    pd = prob.at(entry.theta0, Level.EXACT)
    P = projector(pd.D)
    n_vec = None
    if rank_info(pd.D).rank < prob.QN:
        rng = random.Random(f"C4-eq:{entry.name}:{seed}")
        I = eye(Level.EXACT, prob.QN)
        for _ in range(10):
            r = Mat.column(Level.EXACT, [flint.fmpq(rng.randint(-5, 5), rng.randint(1, 4))
                                         for _ in range(prob.QN)])
            n_vec = (I - P) @ r
            if not n_vec.is_zero():
                break
    x0 = pd.x
    y = x0 if n_vec is None else x0 + n_vec * prob.N
    vals = [Fraction(int(v.p), int(v.q)) for v in y.entries()]
    rows = [vals[j * prob.Q:(j + 1) * prob.Q] for j in range(prob.N)]
    kind = ("non-trivial: y = x(θ₀) + N·(I−P)r, so ∇ₓC ∈ ker Dᵀ \\ {0}" if n_vec is not None
            else "trivial: y = x(θ₀), ∇ₓC = 0 (full rank: P = I)")
    return Problem(prob.network, prob.inputs, rows, "l2", name=f"{entry.name}+equilibrium"), kind


def check_c4(entry, *, dps: int = 30, level: Level = Level.EXACT, progress=None,
             field_fn: Callable[[PointData, Fraction], Mat] | None = None,
             n_points: int | None = None, alphas: Sequence[Fraction] = C4_ALPHAS
             ) -> list[Evidence]:
    """C4: at sample points P g, V_0 and every V_α are all zero or all nonzero; at a constructed
    equilibrium all vanish; Bᵀ((1−α)I + α(DDᵀ)⁺)B ≻ 0 for a basis B of range(D), and
    (I − P)((1−α)I + α(DDᵀ)⁺)B = 0. ``field_fn(pd, α)`` replaces the field under test."""
    level = Level.parse(level)
    vfn = field_fn or library_field
    pts = sample_points(entry, _n_random(level, n_points), "C4")
    alist = ", ".join(map(str, alphas))
    evs = _run(entry, level, dps, pts, _same_fn(vfn, alphas), {
        "same": f"P∇ₓC, V_0 and V_α (α ∈ {{{alist}}}) are all zero or all nonzero "
                f"(residual = number of them whose zeroness differs from P∇ₓC's)"}, pit=False)
    whats = {"pos": f"Bᵀ((1−α)I + α(DDᵀ)⁺)B positive definite (LDLᵀ pivots > 0; residual = "
                    f"smallest pivot) for a basis B of range(D), α ∈ {{{alist}}}"}
    for a in alphas:
        whats[f"inv_{a}"] = f"(1−α)I + α(DDᵀ)⁺ maps range(D) into itself at α = {a}: (I−P)M_αB = 0"
    evs += _run(entry, level, dps, pts, _posdef_fn(alphas), whats)
    return evs + _at_equilibrium(entry, level, dps, vfn, alphas)


def _same_fn(vfn, alphas: Sequence[Fraction]) -> Callable:
    """The comparison "same" at a point: P∇ₓC, V_0 and every V_α all zero or all nonzero."""
    def same(pd):
        D, g = pd.D, pd.grad
        P = projector(D, pd.dps or 30)
        vecs = [("P∇ₓC", P @ g), ("V_0 (standard)", -(D.T @ g))]
        vecs += [(f"V_{_alpha_name(a)}", vfn(pd, a)) for a in alphas]
        return {"same": Cmp("same", vecs)}

    return same


def _posdef_fn(alphas: Sequence[Fraction]) -> Callable:
    """The comparisons at a point for M_α = (1−α)I + α(DDᵀ)⁺ and a basis B of range(D):
    ``pos`` (the LDLᵀ pivots of BᵀM_αB, all α, are > 0) and ``inv_α`` ((I − P)M_αB = 0)."""
    def posdef(pd):
        B = range_basis(pd.D, pd.dps or 30)  # a basis of range(D) as columns
        Gp = ntk_pinv(pd)
        n = pd.D.shape[0]
        I = eye(pd.level, n)
        P = projector(pd.D, pd.dps or 30)
        out = {}
        pivs = []
        for a in alphas:
            be = backend(pd.level)
            M = I * be.scalar(1 - a) + Gp * be.scalar(a)
            pivs += _ldl_pivots(B.T @ M @ B)
            out[f"inv_{a}"] = Cmp("zero", (I - P) @ M @ B, None,
                                  scale=_f(_max_abs(M)) * _f(_max_abs(B)) * _f(_max_abs(P)),
                                  magnitude=_f(_max_abs(M)) * _f(_max_abs(B)))
        out["pos"] = Cmp("pos", pivs)
        return out

    return posdef


def _at_equilibrium(entry, level: Level, dps: int, vfn, alphas: Sequence[Fraction]
                    ) -> list[Evidence]:
    """At θ(0) of :func:`equilibrium_problem` (when it can be built): P∇ₓC, V_0 and every V_α
    vanish."""
    built = equilibrium_problem(entry)
    if built is None:
        return []
    eq_prob, kind = built

    def at_eq(pd):
        D, g = pd.D, pd.grad
        P = projector(D, pd.dps or 30)
        z = pd.grad * 0
        out = {"Pg": Cmp("zero", P @ g, z), "V0": Cmp("zero", -(D.T @ g), D.T @ z)}
        for a in alphas:
            out[f"V_{a}"] = Cmp("zero", vfn(pd, a), D.T @ z)
        return out

    ew = {"Pg": f"at a constructed equilibrium ({kind}): P∇ₓC = 0",
          "V0": "at the constructed equilibrium: V_0 = 0"}
    for a in alphas:
        ew[f"V_{a}"] = f"at the constructed equilibrium: V_{a} = 0"
    return _run(entry, level, dps, [entry.theta0], at_eq, ew, problem=eq_prob, pit=False)


claim_check("C4")(check_c4)


if __name__ == "__main__":
    from ._main import main

    raise SystemExit(main("C4"))
