"""C13 (L2: spurious equilibria need rank loss) and C14 (cross-entropy at rank loss: the logit
sums can drift), docs/theory.md §7: verified on the catalogue, refuted for deliberately wrong
fields, projectors, flows and label gradients, and Hypothesis properties: C13 over random
full-rank and rank-deficient L2 cases, C14 over random cross-entropy cases of every rank."""

from __future__ import annotations

from fractions import Fraction

import flint
import pytest
import sympy as sp
from hypothesis import given, settings

import symflow as sf
from symflow.backends import tolerance as _tol
from symflow.backends.linalg import Mat, eye, projector, rank_info
from symflow.claims import CLAIMS, check
from symflow.claims import c13_spurious_equilibria as c13
from symflow.claims import c14_ce_rank_loss as c14
from symflow.claims.evidence import Level, Status
from symflow.core.problem import Problem
from symflow.core.problems import catalogue, get_problem
from symflow.claims.judge import _f, ntk_condition
from symflow.claims.objects import library_field
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


# ---- C14: the counterexample's trajectory and the symbolic-label identity -----------------------
FLOW_KEYS = {"flow.separable", "flow.closed_form", "flow.doc_value", "flow.rate", "flow.constant",
             "flow.confirm"}


def _c14(**kw):
    return {e.key: e for e in c14.check_c14(get_problem(CE), level=Level.BALL, **kw)}


def test_c14_flow_and_labels_verified_with_their_numbers():
    evs = _c14()
    assert FLOW_KEYS | {"labels.gradient", "labels.sum_zero"} <= set(evs)
    assert all(evs[k].status is Status.VERIFIED for k in FLOW_KEYS | {"labels.gradient",
                                                                     "labels.sum_zero"})
    assert evs["flow.doc_value"].details["z(40)"].startswith("-1.09812696")
    rate = evs["flow.rate"].details
    assert rate["kind"] == "measurement" and rate["expected"] == "3/16"
    assert abs(float(rate["fitted"]) - 3 / 16) < 1e-6
    assert evs["flow.closed_form"].level is Level.MPMATH
    assert evs["flow.separable"].level is Level.EXACT
    assert evs["labels.sum_zero"].level is Level.EXACT


def test_c14_flow_time_is_the_separable_solution():
    import mpmath
    with mpmath.workdps(30):
        assert c14.flow_time(mpmath.mpf(0)) == 0
        # s(z) → ∞ as z ↓ −log 3, and z(s) + log 3 ≈ 2·3^(−3/4)·e^(−3s/16)
        z = -mpmath.log(3) + mpmath.mpf("1e-12")
        s = c14.flow_time(z)
        assert abs(2 * mpmath.mpf(3) ** (-0.75) * mpmath.exp(-3 * s / 16) / 1e-12 - 1) < 1e-9


def test_c14_flow_refuted_for_other_labels():
    """Integrating the dead-logit flow with y = (1/3, 2/3) (limit −log 2, rate σ(1 − σ) = 2/9)
    in place of the counterexample: every trajectory comparison fails."""
    evs = _c14(flow_problem=c14.dead_logit_problem(labels=("1/3", "2/3")))
    bad = {k for k, e in evs.items() if e.status is Status.REFUTED}
    assert FLOW_KEYS - {"flow.confirm"} <= bad
    assert evs["flow.confirm"].status is Status.VERIFIED


def test_c14_labels_refuted_for_the_normalized_formula():
    """σ(z) − y, the gradient only for labels summing to 1 (the doc's corrected remark)."""
    def wrong(z, y):
        e = [sp.exp(v) for v in z]
        return [ei / sum(e) - yi for ei, yi in zip(e, y)]

    evs = _c14(grad_fn=wrong)
    assert evs["labels.gradient"].status is Status.REFUTED
    assert evs["labels.sum_zero"].status is Status.VERIFIED


def test_c14_labels_refuted_for_a_cost_that_is_not_shift_invariant():
    def wrong(z, y):   # + z₁: no longer invariant under z ↦ z + c1
        return c14._library_cost(z, y) + z[0]

    evs = _c14(cost_fn=wrong)
    assert evs["labels.gradient"].status is Status.REFUTED
    assert evs["labels.sum_zero"].status is Status.REFUTED


# ---- properties -------------------------------------------------------------------------------
@settings(max_examples=15, deadline=None)
@given(cases(full_rank=False, activations=RATIONAL_ACTIVATIONS))
def test_c13_property_rank_loss_spurious_equilibria(case):
    """At rank loss, exactly: y := x − n with 0 ≠ n from an exact basis of ker Dᵀ makes θ an
    equilibrium of V_0, V_{1/2}, V_1 with C = |n|²/(2N) > 0; every such case has rank D < QN."""
    built = c13.spurious_witness(case.problem, case.theta)
    assert built is not None
    pd = built.at(case.theta, "exact")
    assert rank_info(pd.D).rank < case.QN
    assert pd.cost > 0 and not pd.grad.is_zero() and (pd.D.T @ pd.grad).is_zero()
    for a in c13.C13_ALPHAS:
        assert library_field(pd, a).is_zero()


@settings(max_examples=12, deadline=None)
@given(cases(full_rank=None, losses=("cross_entropy",)))
def test_c14_property_drift_formula(case):
    """Over random cross-entropy cases of every rank: 1_jᵀg = 0 and the logit-sum drift of the
    library's adapted field equals (P^⊥1_j)ᵀg — certified by balls at full rank, at mpmath
    (50 digits, the pointwise tolerance) at rank loss, where balls cannot enclose D⁺."""
    level, dps = ("ball", 30) if case.full_rank else ("mpmath", 50)
    pd = case.at(level, dps)
    with sf.working_precision(dps):
        gs, drift, formula = c14._drifts(pd, case.problem.Q, c14._adapted, c14._projector)
        m = _f(pd.grad.max_abs())
        tol = float(_tol.pointwise(level, dps, m))
        assert _f(gs.max_abs()) <= tol
        # D⁺ amplifies round-off by κ of DDᵀ on its range (as the claims' own tolerances do)
        kappa = ntk_condition(pd) or 1.0
        assert _f((drift - formula).max_abs()) <= tol * max(1.0, kappa)
