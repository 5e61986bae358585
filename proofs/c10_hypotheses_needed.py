"""C10 — the full-rank hypothesis of C6 cannot be dropped.

Proof outline checked here. Without full rank, P ≠ I and the adapted output flow is
x' = −(1/N)P(x − y), which leaves the straight line as soon as (I − P)(x − y) ≠ 0 (C7).

Deterministic part: on each rank-deficient L2 catalogue problem, symflow integrates the
constrained flow and measures the departure from C6's line and from C6's prediction
|x(s) − y| = e^{−s/N}|x(0) − y|: both exceed C6's tolerance by more than 10⁴, while C7's
variation-of-constants formula explains the departure to within the tolerance.

Property search (claim C10-SEARCH): Hypothesis looks for a rational L2 case whose adapted
output field is not −∇ₓC, with no rank assumption, and shrinks it to a minimal one
(symflow.testing.search.find_c6_counterexample); its description, rank, K and QN are in the evidence.

Level: mpmath (trajectories), exact (the shrunk counterexample's residual).
"""

from __future__ import annotations

import sys

try:
    from ._common import run
except ImportError:
    from _common import run


def main() -> int:
    return run(["C10", "C10-SEARCH"])


if __name__ == "__main__":
    sys.exit(main())
