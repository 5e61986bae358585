"""C12 — constant P: the closed form, and when the standard flow is straight (docs/theory.md §7,
beyond the paper); C12-EIGENSPACE, the old wording (a documented counterexample).

Proof outline checked here. For a model linear in θ, D, P = DD⁺ and Θ = DDᵀ are constant.
(a) In t = 1 − e^{−s/N} the adapted flow is dx/dt = −P(x − y)/(1 − t); with w = x(0) − y,
    P^⊥d′ = P^⊥w and (Pd)′ = −Pd/(1 − t), Pd(0) = 0, give d = tP^⊥w, i.e.
    x(t) = (1 − t)x(0) + t(Py + P^⊥x(0)); C → |P^⊥w|²/(2N), and y − x(1) = P^⊥(y − x(0)) ⊥ range D.
(b) The standard flow is x(s) = y + e^{−sΘ/N}w = y + Σ_μ e^{−μs/N}v_μ: (i) it stays on the
    line through x(0) and y iff one v_μ ≠ 0 (rank[w, Θw] = 1); (ii) on some line iff at most
    one v_μ ≠ 0 with μ > 0 (rank[Θw, Θ²w] ≤ 1). The old wording ("straight iff one
    eigenspace") fails for singular Θ: x[θ] = (θ, 0), y = (0, −1), θ(0) ∈ {1, 0}.
symflow checks, on the linear catalogue problem (identity-1-1-l2-underparam):
(1) exactly (SymPy): the closed form's start, its ODE as an identity in t, the limit cost, the
    closest-point property; the rank tests against the eigenspaces w meets (irreducible factors
    of Θ's characteristic polynomial); five constructed rational cases (rank test ⇔ eigenspaces
    ⇔ the exact path e^{−sΘ/N}w, straight or not); the corrected (i), (ii) and end point on the
    counterexample;
(2) at mpmath level with a confirming re-integration: the integrated adapted and standard flows
    against the closed forms, and the standard path's distance from the two lines against what
    the rank tests predict;
and, globally, C12-EIGENSPACE: both readings of the old wording refuted on the computed
counterexample (a finding), the corrected statements verified there.

Level: exact (identities, ranks, the counterexample); mpmath (trajectories).
"""

from __future__ import annotations

import sys

try:
    from ._common import run
except ImportError:
    from _common import run

from symflow.claims import c12_constant_projector  # noqa: F401  (registers C12, C12-EIGENSPACE)


def main() -> int:
    return run(["C12", "C12-EIGENSPACE"])


if __name__ == "__main__":
    sys.exit(main())
