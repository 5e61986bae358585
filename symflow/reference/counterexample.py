"""The failure size and rank of a counterexample to x' = −∇ₓC, recomputed exactly.

Deliberate second implementation of the failure measure of C10-SEARCH's counterexample, used by
C10-SEARCH (:func:`symflow.claims.c10_hypotheses.check_c10_search`) to cross-check the rank and
the size max|x' + ∇ₓC| that the property search (:mod:`symflow.testing.search`) reports for
the case it found and shrank. Written independently of the search's ``output_field``: the
network is rebuilt from the counterexample's description and evaluated exactly, and
x' = −DD⁺∇ₓC = −P∇ₓC gives max|x' + ∇ₓC| = max|(I − P)∇ₓC| with P =
:func:`symflow.backends.linalg.projector` (looked up at call time) and the exact rank of D.
"""

from __future__ import annotations

from fractions import Fraction

from ..backends import linalg as _linalg
from ..core.networks import mlp
from ..core.problem import Problem

__all__ = ["failure_size"]


def failure_size(cx) -> tuple[Fraction, int]:
    """max|x' + ∇ₓC| = max|(I − P)∇ₓC| (x' = −DD⁺∇ₓC = −P∇ₓC) and rank D at the counterexample,
    recomputed exactly here from ``linalg.projector`` (not from the search's ``output_field``)."""
    prob = Problem(mlp(list(cx.widths), cx.activation, cx.bias), [list(r) for r in cx.inputs],
                   [list(r) for r in cx.targets], "l2")
    pd = prob.at(list(cx.theta), "exact")
    g = pd.grad
    r = (g - _linalg.projector(pd.D) @ g).max_abs()
    rank = _linalg.rank_info(pd.D).rank
    return Fraction(int(r.p), int(r.q)) if hasattr(r, "p") else Fraction(r), rank
