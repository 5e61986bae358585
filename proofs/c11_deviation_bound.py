"""C11 — L2 at rank loss: the deviation bound (docs/theory.md §7, beyond the paper).

Proof outline checked here. Along the adapted flow x′ = −P(x − y)/N, in t = 1 − e^{−s/N}
(ds/dt = N/(1 − t)), dx/dt = −P(x − y)/(1 − t). With w = x(0) − y, x_lin(t) = (1 − t)x(0) + t·y
and d = x − x_lin: x − y = d + (1 − t)w and dx_lin/dt = −w, so
d′ = −Pd/(1 − t) − Pw + w = P^⊥w − Pd/(1 − t), d(0) = 0. Then
(|d|²/2)′ = (P^⊥d)ᵀ(P^⊥w) − |Pd|²/(1 − t) ≤ |d||P^⊥w|, and with φ_ε = (|d|² + ε²)^{1/2}:
φ_ε′ ≤ |P^⊥w|, so |d(t)| ≤ ∫₀ᵗ|P^⊥(t′)w|dt′ ≤ t|w| (P^⊥ an orthogonal projector).
symflow checks, on every L2 catalogue problem:
(1) the ODE for d as an identity at sample points: (N/(1 − t))·D·V_1 + w = P^⊥w − Pd/(1 − t)
    with V_1 the library's adapted field, P = projector(D), x(0) the outputs at a second
    sample point, t ∈ {1/4, 1/2, 99/100} (exact for rational networks, balls otherwise);
(2) on the rank-deficient ones, along the constrained flow (pseudo-inverse, integrated in s at
    30 digits and confirmed at 40): |d(t_k)| ≤ ∫₀^{t_k}|P^⊥w| ≤ t_k|w| at sample times t_k, the
    integral by Gauss–Legendre quadrature on the dense output; where P is constant along the
    path (C12's case) the first inequality is checked as the equality it is;
(3) the same on the doc's computed instance x[θ] = (θ, θ²), y = (2, −1), θ(0) = 1/2, and its
    printed digits (|d(1/2)| = 0.973920362756, ∫ = 0.974018033203, t|w| = 0.976281209488).

Level: exact or ball (1); mpmath, relative tolerance 10^(5−dps) (2, 3).
"""

from __future__ import annotations

import sys

try:
    from ._common import run
except ImportError:
    from _common import run


def main() -> int:
    import symflow.claims.c11_deviation_bound  # noqa: F401  (registers C11 until it is wired)
    return run(["C11"])


if __name__ == "__main__":
    sys.exit(main())
