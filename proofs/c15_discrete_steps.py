"""C15 — discrete steps: Gauss–Newton follows the line to second order, gradient descent not
(docs/theory.md §7, beyond the paper).

Proof outline checked here. L2, u = y − x; the steps are Euler steps of size ηN in s:
GN θ₊ = θ + ηδ, δ = D⁺u; GD θ₊ = θ + ηDᵀu. Taylor in η along v:
x[θ + ηv] = x + ηDv + (η²/2)∂²x[v, v] + O(η³). At full rank Dδ = u, so GN gives
x₊ = x + ηu + (η²/2)h + O(η³), h = ∂²x[δ, δ]: e_pt = (η²/2)|h| + O(η³),
e_line = (η²/2)|Π^⊥h| + O(η³); GD gives x₊ = x + ηGu + O(η²), e_line = η|Π^⊥Gu| + O(η²).
symflow checks, on every full-rank L2 catalogue problem:
(1) the η-coefficients D·δ = u and D·Dᵀu = Gu at sample points (exact / balls), and that the
    library's step maps are θ + ηΔ;
(2) for rational networks, the SymPy Taylor coefficients of x[θ + ηδ]: η-coefficient u,
    η²-coefficient h/2 (h from SymPy Hessians, δ = Dᵀ(DDᵀ)⁻¹u), GD's η-coefficient Gu (exact);
(3) the measurement at θ₀ (mpmath, confirmed at dps + 20): slopes 2, 2, 1 and constants
    |h|/2, |Π^⊥h|/2, |Π^⊥Gu| for η = 2⁻⁴…2⁻¹² (GD: scaled by 1/2^⌈log₂ tr G⌉);
(4) the doc's example x[θ] = (θ₁ + θ₂², θ₂) exactly, as polynomials in η.

Level: exact (coefficients, example), ball (transcendental coefficients), mpmath (measurement).
"""

from __future__ import annotations

import sys

try:
    from ._common import run
except ImportError:
    from _common import run

from symflow.claims import c15_discrete_steps  # noqa: F401  (registers C15 until it is wired)


def main() -> int:
    return run(["C15"])


if __name__ == "__main__":
    sys.exit(main())
