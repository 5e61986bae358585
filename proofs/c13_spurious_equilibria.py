"""C13 — L2: spurious equilibria need rank loss (docs/theory.md §7, beyond the paper).

Proof outline checked here. For the L2 loss g = ∇ₓC = (x − y)/N. If Dᵀ(x − y) = 0 then
x − y ∈ ker Dᵀ = range(D)^⊥, which is {0} at full rank: x = y and C = 0. So an equilibrium with
C > 0 forces rank D < QN, and by C4 (α ∈ [0, 1]: V_α = 0 ⇔ Dᵀg = 0) every equilibrium of every
V_α at a full-rank point is a global minimum. symflow checks, on every L2 catalogue problem:
(1) at full-rank sample points, I − P = 0 (ker Dᵀ = {0}) and x − y, ∇ₓC, V_0, V_{1/2}, V_1 are
    all zero or all nonzero (exact for rational networks, balls otherwise);
(2) an exact spurious equilibrium at rank loss: targets y := x(θ₀) − n with n from an exact
    basis of ker Dᵀ (on the problem itself when it is rational and rank-deficient, else on the
    bias-only network x[θ] = θ on two inputs) give V_α = 0 for α ∈ {0, 1/2, 1}, C > 0 and
    rank D < QN;
(3) the boundary case α = 2 (outside [0, 1]): x = θ₁ + θ₂, y = 0, θ = (1, 0) — full rank,
    V_2 = 0, C = 1/2 > 0.

Level: exact or ball.
"""

from __future__ import annotations

import sys

try:
    from ._common import run
except ImportError:
    from _common import run


def main() -> int:
    return run(["C13"])


if __name__ == "__main__":
    sys.exit(main())
