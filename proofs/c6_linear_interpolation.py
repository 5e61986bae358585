"""C6 — L2, full rank: the adapted flow is linear interpolation in output space.

Proof outline checked here. With the L2 loss ∇ₓC = (x − y)/N, and at full rank P = I, so the
adapted output flow is x'(s) = −(x − y)/N: x(s) = y + e^{−s/N}(x(0) − y). SymPy *derives* this
(dsolve), solves x(s) = (1 − t)x(0) + t·y for t = 1 − e^{−s/N}, inverts it and changes
variables in dθ/ds = −D⁺(x − y)/N, finding dθ/dt = D⁺(y − x(0)) on t ∈ [0, 1]; every
substitution check simplifies to 0 (exact evidence).

Then, on every full-rank L2 catalogue problem, symflow integrates dθ/dt = D⁺(y − x(0)) to
t = 1 at 30 digits (GBS extrapolation), evaluates the network afresh at θ(t) for 11 values of
t, and compares x(θ(t)) with the straight line (residual relative to |x(0) − y|, tolerance
10^(5−dps)); checks C(θ(1))/C(θ(0)) ≤ tol² (the global minimum is reached at t = 1); reports
λ_min(DDᵀ) along the path (rank stays QN); and, integrating the adapted flow in the flow time
s to 2N, checks x(θ(s)) = y + e^{−s/N}(x(0) − y). Each trajectory is re-integrated at 40 digits.

Level: exact (derivation), mpmath (trajectories, confirmed at higher precision).
"""

from __future__ import annotations

import sys

try:
    from ._common import run
except ImportError:
    from _common import run


def main() -> int:
    return run(["C6"])


if __name__ == "__main__":
    sys.exit(main())
