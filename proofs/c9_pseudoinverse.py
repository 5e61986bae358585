"""C9 — appendix: DD⁺D = D, D⁺DD⁺ = D⁺, DD⁺ and D⁺D symmetric projectors, Dᵀ(DDᵀ)⁺ = D⁺,
(DDᵀ)⁺DDᵀ = P.

Proof outline checked here. These are the Penrose equations for D⁺ and standard consequences;
symflow checks them for its own D⁺ (exact: from a rank factorization D = CF; balls: Dᵀ(DDᵀ)⁻¹
or (DᵀD)⁻¹Dᵀ with certified invertibility), against P computed from a column basis of D
(independently of D⁺ at the exact level), and checks that its (DDᵀ)⁺ satisfies the four
Penrose equations for DDᵀ (which characterise the Moore–Penrose inverse), at θ(0) and random
points of every catalogue problem, including rank-deficient ones.

Level: exact or ball.
"""

from __future__ import annotations

import sys

try:
    from ._common import run
except ImportError:
    from _common import run


def main() -> int:
    return run(["C9"])


if __name__ == "__main__":
    sys.exit(main())
