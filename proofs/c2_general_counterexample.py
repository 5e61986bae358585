"""C2-GENERAL — the old wording of Lemma 2.2, kept as a documented counterexample: "for any A
with DDᵀADDᵀ = DDᵀ the field −DᵀA∇ₓC gives x' = −P∇ₓC". Expected outcome: REFUTED wherever
rank D < QN and (I − P)∇ₓC ≠ 0. The refutation is a finding, not a failure.

Why it fails. Write G = DDᵀ, g = ∇ₓC; the field moves outputs by x' = −GAg. From GAG = G,
GA is idempotent with range(GA) = range(G) = range(D): a projector onto range(D), but not
necessarily the orthogonal one. For A₃ = G⁺ + (I − G⁺G)Z + W(I − GG⁺) (a generalized inverse
for any Z, W) one gets GA₃ = P + GW(I − P), hence x' = −Pg − GW(I − P)g, which differs from
−Pg as soon as rank D < QN and (I − P)g ∉ ker(GW). Smallest case, computed by the library:
D = (1, 0)ᵀ, A = [[1, 1], [0, 0]], g = (0, 1): GAG = G but x' = (−1, 0) while −Pg = 0.
At full rank A = G⁻¹ is forced and the wording holds; so the claim is checked only on the
rank-deficient catalogue problems, where symflow verifies the hypothesis GA₃G = G and refutes
the conclusion, exactly (rational networks) or with certified balls. A refuted conclusion
counts only where the hypothesis verified. This script exits 0 when the counterexample is
reproduced everywhere (and 1 if it ever came out verified: the machinery would be broken).
"""

from __future__ import annotations

import sys

try:
    from ._common import run
except ImportError:
    from _common import run


def main() -> int:
    return run(["C2-GENERAL"])


if __name__ == "__main__":
    sys.exit(main())
