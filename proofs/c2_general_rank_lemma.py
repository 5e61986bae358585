"""C2 — Lemma 2.2, general rank: for any A with DDᵀADDᵀ = DDᵀ, −DᵀA∇ₓC gives x' = −P∇ₓC;
A = (DDᵀ)⁺ is such an A; Dᵀ(DDᵀ)⁺ = D⁺.

Proof outline checked here. Write G = DDᵀ, g = ∇ₓC. Then x' = −GAg. For A = G⁺,
GG⁺ = P_range(G) = P_range(D) = P, so x' = −Pg. For A₂ = G⁺ + (I − G⁺G)Z, GA₂ = P still.
But for a general generalized inverse A₃ = A₂ + W(I − GG⁺) one has
GA₃g = Pg + GW(I − P)g, and the extra term vanishes only if (I − P)g = 0 or GW(I−P) = 0.
So the "for any A" part holds at full rank (where A = G⁻¹ is forced) and fails at rank-
deficient points with (I−P)∇ₓC ≠ 0 — a finding; the correct hypothesis is that GA be
symmetric too (a {1,3}-inverse: GAG = G and (GA)ᵀ = GA force GA = P).
symflow checks GAG = G for A₁, A₂, A₃ (A₃ with random rational Z, W), the flows, and
Dᵀ(DDᵀ)⁺ = D⁺, on full-rank and rank-deficient problems (identity K<QN and the dead-unit
square network at the exact level; tanh K<QN with balls, (DDᵀ)⁺ = (D⁺)ᵀD⁺ there).

Level: exact (rational networks, points as in C1) or ball. The script exits 1 because of the
refuted "any A" evidence on the rank-deficient problems — the report shows the exact residual.
"""

from __future__ import annotations

import sys

try:
    from ._common import run
except ImportError:
    from _common import run


def main() -> int:
    return run(["C2"])


if __name__ == "__main__":
    sys.exit(main())
