"""C13 (L2: spurious equilibria need rank loss) and C14 (cross-entropy at rank loss: the logit
sums can drift), docs/theory.md §7: verified on the catalogue, refuted for deliberately wrong
fields and projectors, and a Hypothesis property of C13 over random full-rank L2 cases."""

from __future__ import annotations

from fractions import Fraction

import flint
import pytest
from hypothesis import given, settings

import symflow as sf
from symflow.backends.linalg import Mat, eye, projector
from symflow.claims import CLAIMS, check
from symflow.claims import c13_spurious_equilibria as c13
from symflow.claims import c14_ce_rank_loss as c14
from symflow.claims.evidence import Level, Status
from symflow.core.problem import Problem
from symflow.core.problems import catalogue, get_problem
from symflow.testing.strategies import RATIONAL_ACTIVATIONS, cases

RATIONAL_FULL = "cube-2-3-2-l2"
RATIONAL_DEFICIENT = "square-1-2-1-l2-dead-unit"
BALL_FULL = "tanh-2-3-1-l2"
CE = "tanh-2-3-3-ce"


def _bad(evs):
    return [e.to_dict() for e in evs if e.status is not Status.VERIFIED]


@pytest.mark.parametrize("cid", ["C13", "C14"])
def test_verified_on_every_catalogue_problem_it_applies_to(cid):
    entries = [e for e in catalogue() if CLAIMS[cid].applies_to(e)]
    assert entries
    for e in entries:
        v = check(cid, e)
        assert v.status is Status.VERIFIED, (e.name, _bad(v.evidence))


def test_applicability():
    assert CLAIMS["C13"].needs == ("l2",) and CLAIMS["C14"].needs == ("ce",)
    assert not CLAIMS["C13"].applies_to(get_problem(CE))
    assert not CLAIMS["C14"].applies_to(get_problem(RATIONAL_FULL))
    assert "cross-entropy" in CLAIMS["C14"].why_not(get_problem(RATIONAL_FULL))


def test_c13_levels_and_keys():
    v = check("C13", get_problem(RATIONAL_FULL))
    keys = {e.key.split(".", 1)[1] for e in v.evidence}
    assert {"kernel", "same", "alpha2.V2", "alpha2.cost", "witness.cost"} <= keys
    assert v.level is Level.EXACT
    assert all(e.residual == 0 and e.tolerance == 0 for e in v.evidence
               if e.details.get("kind") == "zero")
    assert check("C13", get_problem(BALL_FULL)).level is Level.BALL


def test_c13_witness_is_computed_on_the_deficient_problem():
    e = get_problem(RATIONAL_DEFICIENT)
    built = c13.spurious_witness(e.problem, e.theta0)
    assert built is not None
    pd = built.at(e.theta0, "exact")
    assert pd.cost > 0 and not pd.grad.is_zero() and (pd.D.T @ pd.grad).is_zero()
    assert c13.spurious_witness(get_problem(RATIONAL_FULL).problem,
                                get_problem(RATIONAL_FULL).theta0) is None
    # the doc's bias-only example: D = (1, 1)ᵀ, y = x − n with n ∝ (1, −1), C = |n|²/4 > 0
    prob, th = c13.bias_only_problem()
    pd = c13.spurious_witness(prob, th).at(th, "exact")
    assert pd.cost > 0 and (pd.D.T @ pd.grad).is_zero()


def test_c13_refuted_for_a_zero_field():
    zero = lambda pd, a: pd.D.T @ (pd.grad * 0)   # noqa: E731 — "every point an equilibrium"
    evs = c13.check_c13(get_problem(RATIONAL_FULL), level=Level.EXACT, field_fn=zero)
    assert {e.key for e in evs if e.status is Status.REFUTED} == {"same"}


def test_c13_witness_refuted_for_a_shifted_field():
    def shifted(pd, a):
        return sf.parameter_field(pd, str(a)) + pd.D.T @ Mat.column(
            pd.level, [flint.fmpq(1)] * pd.D.shape[0])

    evs = c13.check_c13(get_problem(RATIONAL_DEFICIENT), level=Level.EXACT, field_fn=shifted)
    assert any(e.key.startswith("witness.V_") and e.status is Status.REFUTED for e in evs)


def test_c13_kernel_refuted_for_a_wrong_projector(monkeypatch):
    monkeypatch.setattr(c13, "projector", lambda D, dps=30: eye(D.level, D.shape[0]) * 0)
    evs = c13.check_c13(get_problem(RATIONAL_FULL), level=Level.EXACT)
    assert any(e.key == "kernel" and e.status is Status.REFUTED for e in evs)


def test_c14_exhibited_drift_is_minus_a_quarter():
    drift, formula, rank = c14.exact_drift(c14.dead_logit_problem(), (0,))
    assert drift == formula == flint.fmpq(-1, 4) and rank == 1
    drift, formula, rank = c14.exact_drift(c14.dead_logit_problem(dead=False), (0,))
    assert drift == formula == 0 and rank == 1


def test_c14_refuted_for_the_standard_field():
    def standard(pd):
        return sf.parameter_field(pd, "standard")

    evs = c14.check_c14(get_problem(CE), level=Level.BALL, field_fn=standard)
    # on the exhibit D = (1, 0)ᵀ has an orthonormal column, so there −Dᵀg = −D⁺g: only the
    # sample points tell the two fields apart
    assert {e.key for e in evs if e.status is Status.REFUTED} == {"drift"}


def test_c14_refuted_for_a_wrong_projector():
    def ident(pd):
        return eye(pd.level, pd.D.shape[0])

    evs = c14.check_c14(get_problem(CE), level=Level.BALL, projector_fn=ident)
    assert {e.key for e in evs if e.status is Status.REFUTED} == {"exhibit.formula"}


@settings(max_examples=15, deadline=None)
@given(cases(full_rank=True, activations=RATIONAL_ACTIVATIONS))
def test_c13_property_full_rank_equilibria_are_minima(case):
    """At full rank ker Dᵀ = {0}: Dᵀg = 0 ⇔ g = 0 exactly; targets y := x(θ) make θ an
    equilibrium of every V_α with C = 0, and no spurious witness exists."""
    pd = case.at("exact")
    assert (projector(pd.D) - eye(Level.EXACT, case.QN)).is_zero()
    assert (pd.D.T @ pd.grad).is_zero() == pd.grad.is_zero()
    prob = case.problem
    vals = [Fraction(int(v.p), int(v.q)) for v in pd.x.entries()]
    rows = [vals[j * prob.Q:(j + 1) * prob.Q] for j in range(prob.N)]
    at_min = Problem(prob.network, prob.inputs, rows, "l2").at(case.theta, "exact")
    assert at_min.cost == 0
    for a in c13.C13_ALPHAS:
        assert sf.parameter_field(at_min, str(a)).is_zero()
    assert c13.spurious_witness(prob, case.theta) is None
