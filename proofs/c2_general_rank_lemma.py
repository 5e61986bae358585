"""C2 — Lemma 2.2, general rank (as corrected): for any A with DDᵀA = P (equivalently
DDᵀADDᵀ = DDᵀ and DDᵀA symmetric), −DᵀA∇ₓC gives x' = −P∇ₓC; A = (DDᵀ)⁺ is such an A;
Dᵀ(DDᵀ)⁺ = D⁺.

Proof outline checked here. Write G = DDᵀ, g = ∇ₓC. The field −DᵀAg moves the outputs by
x' = D(−DᵀAg) = −GAg, so the hypothesis GA = P gives x' = −Pg at once. A = G⁺ satisfies it:
range(G) = range(D), and GG⁺ is the orthogonal projector onto range(G). So does
A₂ = G⁺ + (I − G⁺G)Z for any Z, because G(I − G⁺G) = 0. Finally Dᵀ(DDᵀ)⁺ = D⁺ (the
Moore–Penrose identity, checked against D⁺ computed directly from D).
symflow checks, for A₁ = G⁺ and A₂ (random rational Z): GA = P (P from a column basis of D,
independently of any pseudo-inverse), GAG = G, GA symmetric, D(−DᵀAg) = −Pg, and
Dᵀ(DDᵀ)⁺ = D⁺, on every catalogue problem, full rank or not.

The old wording ("any A with GAG = G") is false where rank D < QN; it is checked as the
documented counterexample C2-GENERAL (proofs/c2_general_counterexample.py).

Level: exact (rational networks; random rational points, Schwartz–Zippel bound in the
evidence) or ball (certified Arb enclosures at 2·dps digits).
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
