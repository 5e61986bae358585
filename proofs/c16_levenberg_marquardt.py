"""C16 — the Levenberg–Marquardt homotopy (docs/theory.md §7, beyond the paper).

Proof outline checked here. For λ > 0, A_λ = (G + λI)⁻¹ with G = DDᵀ ⪰ 0 (G + λI positive
definite) and V^λ = −DᵀA_λg. In the SVD D = UΣVᵀ, GA_λ = U diag(σ_i²/(σ_i² + λ))Uᵀ, so
(i) x′ = DV^λ = −GA_λg and dC/ds = −Σ σ_i²/(σ_i² + λ)(U_iᵀg)² ≤ 0, zero iff Pg = 0;
(ii) V^λ = 0 ⇔ Gg = 0 ⇔ Dᵀg = 0 ⇔ Pg = 0;
(iii) D⁺G = Dᵀ and D⁺P = D⁺ give Dᵀ(G + λI)⁻¹ − D⁺ = −λD⁺(G + λI)⁻¹, of 2-norm
      λ/(σ_r(σ_r² + λ)) (O(λ) as λ → 0, also at rank loss);
(iv) λ(G + λI)⁻¹ − I = −G(G + λI)⁻¹, so λDᵀ(G + λI)⁻¹ − Dᵀ = −DᵀG(G + λI)⁻¹, of 2-norm
      σ_1³/(σ_1² + λ) (O(1/λ) as λ → ∞).
symflow checks, on every catalogue problem, for λ ∈ {1/10, 1, 10}:
(1) D·V^λ = −GA_λg, gᵀDV^λ ≤ 0, Pg and V^λ all zero or all nonzero, and the identities of
    (iii) and (iv), at sample points (exact for rational networks, balls otherwise);
(2) on the exact example D = [[1, 2, 0], [2, 4, 0]] (rank 1, σ = 5) with g = (2, −1) ∈ ker Dᵀ:
    Pg = 0, V^λ = 0, dC/ds = 0, and the squared norms of (iii) for λ = 10⁻², …, 10⁻⁸ and of (iv)
    for λ = 10², …, 10⁸ equal (λ/(5(25 + λ)))² and (125/(25 + λ))² exactly;
(3) the rates as a measurement at θ₀ of every problem (mpmath at dps + 30 digits, confirmed 20
    digits higher): with σ_r, σ_1 from the SVD of D and λ = 10^(e∓k), k = 2, …, 8 (shifted so
    that λ/σ_r² resp. σ_1²/λ ≤ 10⁻²), the least-squares log–log slopes of
    ‖Dᵀ(G + λI)⁻¹ − D⁺‖₂ and ‖λDᵀ(G + λI)⁻¹ − Dᵀ‖₂ are 1 and −1 within 10⁻², their constants
    1/σ_r³ and σ_1³ within 10⁻² (relative), and the norms equal λ/(σ_r(σ_r² + λ)) and
    σ_1³/(σ_1² + λ) at every λ within 10^(10 − dps).

Level: exact or ball (1, 2); mpmath, measurement (3).
"""

from __future__ import annotations

import sys

try:
    from ._common import run
except ImportError:
    from _common import run


def main() -> int:
    return run(["C16"])


if __name__ == "__main__":
    sys.exit(main())
