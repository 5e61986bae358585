"""The sample points of the pointwise claims and the Schwartz–Zippel bound of their exact checks.

**Points.** θ(0) of the catalogue entry plus random points whose coordinates are drawn
independently and uniformly from the grid S = {k/2¹⁶ : |k| ≤ 2¹⁶} (|S| = 131073), seeded by the
entry name (reproducible).

**Polynomial identity testing** (the exact level, rational networks): an exact residual r = 0
at every point verifies the identity at those points, and for rational networks it is
*polynomial identity testing*: on the generic stratum (rank D = r₀ =
min(QN, K)) every residual here is a rational function R = p/det(Γ)⁴ of θ, Γ the r₀ × r₀
Gram matrix (DDᵀ or DᵀD), because all pseudo-inverses are then products of D, Dᵀ and Γ⁻¹.
Counting at most ten polynomial factors of degree ≤ δ (δ = total degree of x[θ] in θ, from
the architecture) and at most four factors Γ⁻¹ = adj Γ / det Γ, deg p ≤ δ(8r₀ + 10). By the
Schwartz–Zippel lemma a nonzero p vanishes at a uniform point of Sᴷ with probability
≤ deg p/|S|; a point where det Γ = 0 (probability ≤ 2δr₀/|S|) is also counted as a failure,
so m random points all giving 0 while R ≢ 0 has probability ≤ ((deg p + 2δr₀)/|S|)ᵐ. The
bound is recorded in each Evidence's ``details`` (``pit_bound``). θ(0) is an extra point,
not counted. For rank-deficient problems θ(0) may lie off the generic stratum; the identity
there is an exact check at that point.

:func:`pit_bound` states that bound; :func:`output_degree` gives δ.
"""

from __future__ import annotations

import random
from fractions import Fraction


from ..backends import backend
from ..backends.levels import Level
from ..core.problem import Problem

__all__ = ["GRID_DENOMINATOR", "GRID_SIZE", "N_RANDOM_EXACT", "N_RANDOM_NUMERIC", "sample_points",
           "output_degree", "pit_bound"]


GRID_DENOMINATOR = 2 ** 16
GRID_SIZE = 2 * GRID_DENOMINATOR + 1
N_RANDOM_EXACT = 5
N_RANDOM_NUMERIC = 2
_MAX_POLY_FACTORS = 10
_MAX_GRAM_INVERSES = 4


def sample_points(entry, n_random: int, salt: str = "") -> list[tuple[Fraction, ...]]:
    """θ(0) followed by ``n_random`` points uniform on S^K, S = {k/2¹⁶ : |k| ≤ 2¹⁶}."""
    rng = random.Random(f"symflow-pit:{entry.name}:{salt}")
    K = entry.problem.K
    pts = [tuple(entry.theta0)]
    for _ in range(n_random):
        pts.append(tuple(Fraction(rng.randint(-GRID_DENOMINATOR, GRID_DENOMINATOR),
                                  GRID_DENOMINATOR) for _ in range(K)))
    return pts


def output_degree(problem: Problem) -> int | None:
    """Total degree of x[θ] in θ for a polynomial activation (None otherwise).

    z⁽¹⁾ has degree 1, and each hidden layer maps degree d to a·d + 1 (a = deg σ).

    >>> from symflow.core.problems import get_problem
    >>> output_degree(get_problem("cube-2-3-2-l2").problem)
    4
    """
    return problem.network.polynomial_degree


def pit_bound(problem: Problem, m: int) -> dict:
    """The Schwartz–Zippel bound of the module docstring for ``m`` random points."""
    delta = output_degree(problem)
    r0 = min(problem.QN, problem.K)
    if delta is None:
        return {"pit": f"{m} random points from S^K with |S| = {GRID_SIZE}; the activation is not "
                       f"polynomial, so no degree bound is stated (exact checks only)"}
    deg_p = delta * (2 * _MAX_GRAM_INVERSES * r0 + _MAX_POLY_FACTORS)
    per_point = Fraction(deg_p + 2 * delta * r0, GRID_SIZE)
    total = per_point ** m
    return {
        "pit": (f"Schwartz–Zippel: residual = p/det(Γ)^{_MAX_GRAM_INVERSES} on the generic "
                f"stratum (rank {r0}), deg p ≤ δ(8r₀+10) = {deg_p} with δ = deg x[θ] = {delta}; "
                f"{m} uniform points from S^K, |S| = {GRID_SIZE}: a false identity passes all "
                f"with probability ≤ (({deg_p} + {2 * delta * r0})/{GRID_SIZE})^{m} "
                f"≈ {float(total):.1e}"),
        "pit_points": m,
        "pit_degree_bound": deg_p,
        "pit_bound": f"{float(total):.3e}",
    }


def _n_random(level: Level, n_points: int | None) -> int:
    if n_points is not None:
        return n_points
    return N_RANDOM_EXACT if backend(level).exact else N_RANDOM_NUMERIC
