"""C4 — Theorem 2.3, equilibria: V_α(θ) = 0 ⇔ P∇ₓC = 0 ⇔ V_0(θ) = 0 for every α ∈ [0, 1].

Proof outline checked here. M_α = (1−α)I + α(DDᵀ)⁺ maps range(D) into itself and is positive
definite there; with g = ∇ₓC = Pg + (I−P)g and ker Dᵀ = range(D)^⊥, V_α = −DᵀM_αPg, which
vanishes iff M_αPg ∈ ker Dᵀ ∩ range(D) = {0} iff Pg = 0; V_0 = −Dᵀg = −DᵀPg likewise.
symflow checks, for α ∈ {0, 1/3, 1/2, 1}:
(1) positive definiteness: the LDLᵀ pivots of BᵀM_αB are > 0 for a basis B of range(D)
    (pivot columns of D exactly; I or D with balls), and (I−P)M_αB = 0;
(2) at sample points P∇ₓC, V_0 and V_α are all nonzero together (or all zero);
(3) at a constructed equilibrium (rational L2 problems: targets y = x(θ₀) + N·(I−P)r, so that
    ∇ₓC ∈ ker Dᵀ \\ {0} on the rank-deficient problems; y = x(θ₀) at full rank) all vanish
    exactly. Equilibria are not built for transcendental networks (their outputs are not
    rational, so no exact targets exist); there (1) and (2) are checked with balls.

Level: exact or ball.
"""

from __future__ import annotations

import sys

try:
    from ._common import run
except ImportError:
    from _common import run


def main() -> int:
    return run(["C4"])


if __name__ == "__main__":
    sys.exit(main())
