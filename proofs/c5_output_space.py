"""C5 — Theorem 2.3, output space: x' = D V_α = −((1−α)DDᵀ + αP)∇ₓC, and dC/ds ≤ 0.

Proof outline checked here. DV_α = −DDᵀ((1−α)I + α(DDᵀ)⁺)∇ₓC = −((1−α)DDᵀ + αP)∇ₓC since
DDᵀ(DDᵀ)⁺ = P; the matrix in brackets is positive semidefinite, so dC/ds = ∇ₓCᵀx' ≤ 0.
symflow forms x' = D·V_α from the library's parameter field and compares it with the closed
form built from DDᵀ and the projector P (computed from a column basis of D, not from the
field), and evaluates dC/ds = ∇ₓCᵀDV_α, for α ∈ {0, 1/4, 1/2, 3/4, 1}, at θ(0) and random
points, on every catalogue problem.

Level: exact or ball (pointwise). The part "along trajectories" is checked by the same
module, symflow.claims.c05_output_space (mpmath, confirmed at higher precision), and reported
under the same claim id.
"""

from __future__ import annotations

import sys

try:
    from ._common import run
except ImportError:
    from _common import run


def main() -> int:
    return run(["C5"])


if __name__ == "__main__":
    sys.exit(main())
