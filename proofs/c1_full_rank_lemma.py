"""C1 — Lemma 2.2, full rank: if rank D = QN, θ' = −Dᵀ(DDᵀ)⁻¹∇ₓC gives x' = −∇ₓC.

Proof outline checked here. x' = Dθ' = −DDᵀ(DDᵀ)⁻¹∇ₓC = −∇ₓC as soon as DDᵀ is invertible,
i.e. rank D = QN. symflow evaluates D and ∇ₓC at θ(0) and at random points θ, forms
θ' = −Dᵀ(DDᵀ)⁻¹∇ₓC with an explicit inverse (and, separately, the library's adapted field
−D⁺∇ₓC with D⁺ from a rank factorization), and measures |Dθ' + ∇ₓC|.

Level. Rational networks (cube, square): exact rational arithmetic at θ(0) and 5 points
uniform on a grid of 131073 rationals per coordinate — polynomial identity testing, with the
Schwartz–Zippel bound on a false pass printed in the JSON/Markdown report. Transcendental
networks and cross-entropy: Arb balls at 2·dps digits; the certified upper bound of the
residual is compared with 10^(10−dps)·scale, so a pass is a proof at those points. The rank
hypothesis at θ(0) is itself certified (exact rank, or invertibility of DDᵀ in balls).
Points where rank D < QN are skipped and counted (the lemma does not speak about them).
"""

from __future__ import annotations

import sys

try:
    from ._common import run
except ImportError:
    from _common import run


def main() -> int:
    return run(["C1"])


if __name__ == "__main__":
    sys.exit(main())
