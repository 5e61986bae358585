"""C17 — Gauss–Newton convergence: local only (docs/theory.md §7, beyond the paper); and
C17-GLOBAL, the global wording (a documented counterexample).

Proof outline checked here. GN with η = 1, r_k = x[θ_k] − y: at full rank D_kδ_k = −r_k, so
r_{k+1} = ∫₀¹(1 − τ)∂²x[θ_k + τδ_k][δ_k, δ_k]dτ and |r_{k+1}| ≤ c|r_k|², c = Mβ²/2: quadratic
convergence once h₀ = c|r₀| < 1 and β|r₀|/(1 − h₀) ≤ ρ; order exactly 2 unless ∂²x[D⁺r, D⁺r]
vanishes at the limit. symflow checks, on every full-rank L2 catalogue problem, from θ₀ at 80
digits (re-run at 120): convergence to the precision floor, the order estimates
q_k = log|r_{k+1}|/log|r_k| settling at ≥ 2, and on x = arctan θ (order 3, |r_{k+1}|/|r_k|³ →
2/3) and x = e^θ − 1 (order 2, ratio → 1/2) at 200 digits. C17-GLOBAL: x = arctan θ, y = 0,
θ₀ = 2 diverges (|θ_k| → ∞, C increasing to π²/8) although D > 0 everywhere.

Level: mpmath (measurement).
"""

from __future__ import annotations

import sys

try:
    from ._common import run
except ImportError:
    from _common import run

from symflow.claims import c17_gauss_newton_convergence  # noqa: F401  (registers C17)


def main() -> int:
    return run(["C17", "C17-GLOBAL"])


if __name__ == "__main__":
    sys.exit(main())
