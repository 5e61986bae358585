"""C7 — L2, rank loss: the constrained flow and its deviation from the straight line.

Proof outline checked here. The adapted field with (DDᵀ)⁺ gives x' = −P∇ₓC = −(1/N)P(x − y).
Writing x_lin(s) = y + e^{−s/N}(x(0) − y), the deviation e = x − x_lin satisfies
e' = −e/N + (1/N)(I − P)(x − y), e(0) = 0, so by variation of constants
e(s) = (1/N)∫₀ˢ e^{−(s−r)/N}(I − P(r))(x(r) − y)dr; and d|x − y|²/ds = −(2/N)|P(x − y)|² ≤ 0.

On every rank-deficient L2 catalogue problem (K < QN, dead unit) symflow integrates the
constrained flow at 30 digits, evaluates x(θ(s)) afresh at sample times, and compares the
measured deviation with the integral computed by Gauss–Legendre quadrature (mpmath.quad) on the
dense output, P(r) = projector(D(θ(r))) at each node; checks |x(s) − y| non-increasing, rank
D < QN at the samples, and that the deviation is far above the tolerance (the path bends).

Level: mpmath, tolerance 10^(5−dps) relative to |x(0) − y|, trajectories confirmed at 40 digits.
"""

from __future__ import annotations

import sys

try:
    from ._common import run
except ImportError:
    from _common import run


def main() -> int:
    return run(["C7"])


if __name__ == "__main__":
    sys.exit(main())
