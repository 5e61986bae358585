"""C3 — Theorem 2.3, endpoints: V_0 is the standard field and V_1 the adapted field.

Proof outline checked here. V_α = −Dᵀ((1−α)I + α(DDᵀ)⁺)∇ₓC. At α = 0 this is −Dᵀ∇ₓC; at α = 1
it is −Dᵀ(DDᵀ)⁺∇ₓC = −D⁺∇ₓC by C9. symflow computes V_α from D and (DDᵀ)⁺, and compares V_0
with −Dᵀ∇ₓC and V_1 with −D⁺∇ₓC where D⁺ comes from pinv(D) directly (another computation),
and the library's "standard"/"adapted" fields with V_0/V_1, on every catalogue problem
(full rank and rank-deficient).

Level: exact (rational networks; PIT at 5 random grid points plus θ(0)) or ball (certified
residual ≤ 10^(10−dps)·scale).
"""

from __future__ import annotations

import sys

try:
    from ._common import run
except ImportError:
    from _common import run


def main() -> int:
    return run(["C3"])


if __name__ == "__main__":
    sys.exit(main())
