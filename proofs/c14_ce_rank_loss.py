"""C14 — cross-entropy at rank loss: the logit sums can drift (docs/theory.md §7).

Proof outline checked here. Along x' = −Pg with the cross-entropy loss (normalized labels),
d/ds(1_jᵀx) = −1_jᵀPg = −1_jᵀg + 1_jᵀP^⊥g = (P^⊥1_j)ᵀg, since 1_jᵀg = (1/N)(1ᵀσ(x_j) −
1ᵀy_j) = 0 and P^⊥ = I − P is symmetric. It vanishes when 1_j ∈ range(D) (C8), not in general.
symflow checks:
(1) at sample points of every cross-entropy catalogue problem (balls): 1_jᵀg = 0 and the drift
    1_jᵀD·θ' of the library's adapted field equals (P^⊥1_j)ᵀg;
(2) exactly, the counterexample x[θ] = (θ, 0) (dead second logit, D = (1, 0)ᵀ, rank 1 < 2),
    y = (1/4, 3/4), θ = 0: σ = (1/2, 1/2), g = (1/4, −1/4), drift = (P^⊥1)ᵀg = −1/4 ≠ 0, so
    the fiber 1ᵀx = c is not invariant at rank loss;
(3) exactly, x[θ] = (θ, θ) (rank 1 < 2 but 1 ∈ range D): drift 0 — rank loss alone does not
    break the invariant;
(4) the counterexample's trajectory: SymPy shows s(θ) = 4θ − (16/3)log((3e^θ − 1)/2) solves
    θ′ = −(D⁺∇ₓC)(θ); the adapted flow integrated at mpmath level to s = 100 satisfies
    s(z(s)) = s (z = 1ᵀx), z(40) = −1.09812696…, and z + log 3 ~ 2·3^(−3/4)·e^(−3s/16) (rate and
    constant fitted at s = 60, …, 100), the trajectory confirmed at dps + 10 digits;
(5) for symbolic labels not summing to 1 (SymPy, Q ∈ {2, 3}): the library's cost equals
    (1ᵀy)LSE(z) − yᵀz, its gradient is (1ᵀy)σ(z) − y, and 1ᵀ∇_zC_j = 0.

Level: exact (the counterexample, SymPy identities), ball (the sample points), mpmath (the
trajectory, measurements).
"""

from __future__ import annotations

import sys

try:
    from ._common import run
except ImportError:
    from _common import run


def main() -> int:
    return run(["C14"])


if __name__ == "__main__":
    sys.exit(main())
