"""Sweep the Levenberg–Marquardt homotopy on a catalogue problem and print the final outputs.

    python examples/lm_sweep.py [problem-name]      (default: square-1-2-1-l2-dead-unit)

λ = 0 is the adapted flow (here, at rank loss, the constrained flow: on_rank_loss=PseudoInverse()),
λ = ∞ the standard flow, and in between the field (1 + λ)·(−Dᵀ(DDᵀ + λI)⁻¹∇ₓC), which needs no
rank. The last column is the distance of x(1) to the adapted run's: O(λ) for small λ.
"""

from __future__ import annotations

import sys

import mpmath

from symflow.core.problems import get_problem
from symflow.flows import (FlowTime, LevenbergMarquardtFamily, Precision, PseudoInverse,
                           sweep)


def main(name: str = "square-1-2-1-l2-dead-unit") -> None:
    entry = get_problem(name)
    runs = sweep(entry.problem, entry.theta0, LevenbergMarquardtFamily(), n=9,
                 span=FlowTime(1), precision=Precision(20), on_rank_loss=PseudoInverse())
    x_adapted = runs[0][1].outputs_at(1)
    print(f"{name}: x(s = 1) along the Levenberg–Marquardt homotopy (y = "
          f"{[str(v) for v in entry.problem.y_flat]})")
    for lam, traj in runs:
        x = traj.outputs_at(traj.t_end)
        dist = max(abs(a - b) for a, b in zip(x, x_adapted))
        print(f"  λ = {str(lam):>6}  {traj.status:<8} x = "
              f"[{', '.join(mpmath.nstr(v, 10) for v in x)}]  |x − x_adapted| = "
              f"{mpmath.nstr(dist, 3)}")


if __name__ == "__main__":
    main(*sys.argv[1:2])
