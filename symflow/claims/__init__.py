"""The claims C0–C17 of docs/theory.md, each checked by library code and returning Verdicts.

One module per claim, declaring it (:func:`register`) and all its checks (:func:`claim_check`),
with the claim's narrative in its docstring; ``python -m symflow.claims.<module>`` runs it on
the catalogue and prints the verdict table (:mod:`symflow.claims._main`):

``c00_consistency``           C0   symflow's self-consistency (D, ∇ₓC, the integrator's
                                   evaluator, the judges' canaries)
``c01_full_rank``             C1   Lemma 2.2, full rank
``c02_general_rank``          C2   Lemma 2.2, general rank; C2-GENERAL, its old wording (a
                                   documented counterexample)
``c03_endpoints``             C3   Theorem 2.3, endpoints V_0 / V_1
``c04_equilibria``            C4   Theorem 2.3, equilibria
``c05_output_space``          C5   Theorem 2.3, output space: pointwise and along flows
``c06_linear_interpolation``  C6   L2, full rank: linear interpolation in t = 1 − e^(−s/N)
``c07_rank_loss``             C7   L2, rank loss: variation of constants
``c08_cross_entropy``         C8   cross-entropy: fiber invariant and minimum
``c09_pseudoinverse``         C9   Appendix: pseudo-inverse identities
``c10_hypotheses``            C10  the hypotheses are needed; C10-SEARCH, a minimal
                                   counterexample (property search)
``c11_deviation_bound``       C11  L2 at rank loss: the deviation bound (§7)
``c12_constant_projector``    C12  constant P (models linear in θ): the closed form; when the
                                   standard flow is straight; C12-EIGENSPACE, the old
                                   wording (a documented counterexample) (§7)
``c13_spurious_equilibria``   C13  L2: spurious equilibria need rank loss (§7)
``c14_ce_rank_loss``          C14  cross-entropy at rank loss: the logit sums can drift (§7)
``c15_discrete_steps``        C15  discrete steps: Gauss–Newton follows the line to second
                                   order, gradient descent not (§7)
``c16_levenberg_marquardt``   C16  the Levenberg–Marquardt homotopy (§7)
``c17_gauss_newton_convergence`` C17  Gauss–Newton converges locally, order ≥ 2; C17-GLOBAL,
                                   the global wording (a documented counterexample) (§7)

The machinery they share, in layers (a module imports only those above it):

``registry``      :class:`Claim`, :func:`register`, :func:`claim_check`, :func:`check`,
                  :func:`check_all` (read its docstring before contributing checks); a
                  claim's ``needs=`` and the reasons a claim does not apply
                  (:func:`skipped`); :func:`as_entry` for a Problem of one's own
``sampling``      sample points on the grid S, the Schwartz–Zippel bound (:func:`pit_bound`)
``objects``       objects shared by pointwise claims: (DDᵀ)⁺, V_α, the library field, …
``judge``         the pointwise verdict engine (Cmp, _judge, _run, tolerances, ntk_condition)
``vectors``       small mpmath vector and number-formatting helpers of the trajectory claims
``trajectories``  the flow cache, the trajectory judge, spans and C7's measurements (shared
                  by C5 along flows, C6, C7, C8 and C10)
``rank_monitor``  the rank-loss hypothesis and the rank-monitor evidence (C7 and C10)
``certified``     ball evidence along flows from certified enclosures (C5, C6, C8 with
                  ``symflow check --certify``: :func:`certified.certifying`, step budgets)
``c00/``          C0's checks and its comparison rule (contributed to C0 by ``c00_consistency``)

The deliberate second implementations the claims cross-check the library against (SymPy's
Jacobian and loss gradient, an eigendecomposition of DDᵀ, the field-spec parser, the
counterexample's failure size) are in :mod:`symflow.reference`, below the claims.

**A new claim** goes into a new module ``cNN_name.py`` (register the claim, contribute its
checks, end with the ``if __name__ == "__main__":`` block of the others), imported below in
id order; add it to the claim layer of ``tests/test_architecture.py`` and to the README's
Layout.
"""

from __future__ import annotations

from . import registry
from .registry import (CLAIMS, GLOBAL, NEEDS, Claim, Need, Skipped, Verdicts, as_entry, check,
                       check_all, claim_check, get_claim, parse_claim_ids, plan, register,
                       resolve_level, skipped, strongest_level)
from . import sampling, objects, judge, trajectories, rank_monitor, certified
from . import (c00_consistency, c01_full_rank, c02_general_rank, c03_endpoints, c04_equilibria,
               c05_output_space, c06_linear_interpolation, c07_rank_loss, c08_cross_entropy,
               c09_pseudoinverse, c10_hypotheses, c11_deviation_bound, c12_constant_projector,
               c13_spurious_equilibria, c14_ce_rank_loss, c15_discrete_steps,
               c16_levenberg_marquardt, c17_gauss_newton_convergence)

__all__ = ["CLAIMS", "GLOBAL", "NEEDS", "Claim", "Need", "Skipped", "Verdicts", "as_entry",
           "check", "check_all", "claim_check", "get_claim", "parse_claim_ids", "plan",
           "register", "resolve_level", "skipped", "strongest_level", "registry", "sampling",
           "objects", "judge", "trajectories", "rank_monitor", "certified", "c00_consistency",
           "c01_full_rank", "c02_general_rank", "c03_endpoints", "c04_equilibria",
           "c05_output_space", "c06_linear_interpolation", "c07_rank_loss", "c08_cross_entropy",
           "c09_pseudoinverse", "c10_hypotheses", "c11_deviation_bound",
           "c12_constant_projector",
           "c13_spurious_equilibria", "c14_ce_rank_loss", "c15_discrete_steps",
           "c16_levenberg_marquardt", "c17_gauss_newton_convergence"]
