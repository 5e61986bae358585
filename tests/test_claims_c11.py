"""C11 (L2 at rank loss: the deviation bound, docs/theory.md §7): verified on the catalogue,
refuted for a deliberately wrong field (pointwise), a wrong projector, a wrong flow and a
perturbed |d| (bound); the doc's computed instance against its printed digits; a Hypothesis
property of the pointwise ODE identity over random rank-deficient rational cases."""

from __future__ import annotations

import random
from fractions import Fraction

import mpmath
import pytest
import sympy as sp
from hypothesis import given, settings

from symflow.backends.arith import working_precision
from symflow.backends.linalg import eye
from symflow.claims import CLAIMS, check
from symflow.claims import c11_deviation_bound as c11
from symflow.claims.evidence import Level, Reason, Status
from symflow.core.fields import parameter_field
from symflow.core.problems import catalogue, entry_for, get_problem
from symflow.testing.strategies import RATIONAL_ACTIVATIONS, Case, cases

RATIONAL_FULL = "cube-2-3-2-l2"
RATIONAL_DEFICIENT = "square-1-2-1-l2-dead-unit"
LINEAR = "identity-1-1-l2-underparam"
TANH = "tanh-1-1-1-l2-underparam"
CE = "tanh-2-3-3-ce"


def _bad(evs):
    return [e.to_dict() for e in evs if e.status is not Status.VERIFIED]


def _by_key(evs):
    return {e.key.split("C11.", 1)[-1]: e for e in evs}


def _refuted(evs):
    return {k for k, e in _by_key(evs).items() if e.status is Status.REFUTED}


def _standard(pd):
    return parameter_field(pd, "standard")


def _identity_projector(D, dps):
    return eye(D.level, D.shape[0])


def _zero_projector(D, dps):
    return eye(D.level, D.shape[0]) * 0


@pytest.mark.parametrize("name", [e.name for e in catalogue() if e.problem.loss.name == "l2"])
def test_verified_on_every_l2_catalogue_problem(name):
    e = get_problem(name)
    assert CLAIMS["C11"].applies_to(e)
    v = check("C11", e)
    assert v.status is Status.VERIFIED, _bad(v.evidence)
    keys = set(_by_key(v.evidence))
    assert {f"ode_{t}" for t in c11.T_POINTS} <= keys
    if e.full_rank:   # no trajectory part at full rank (the bound gives d = 0: C6)
        assert keys == {f"ode_{t}" for t in c11.T_POINTS}
    else:
        assert {"first", "second", "confirm", "example.first", "example.second",
                "example.confirm", "example.doc_digits"} <= keys


def test_applicability_and_levels():
    assert CLAIMS["C11"].needs == ("l2",)
    assert not CLAIMS["C11"].applies_to(get_problem(CE))
    evs = c11.check_c11(get_problem(RATIONAL_FULL), level=Level.EXACT)
    assert all(e.level is Level.EXACT and e.residual == 0 for e in evs)
    ball = c11.check_c11(get_problem(TANH), level=Level.BALL, example=False)
    assert {e.level for k, e in _by_key(ball).items() if k.startswith("ode_")} == {Level.BALL}
    assert _by_key(ball)["first"].level is Level.MPMATH


def test_constant_projector_gives_the_equality_and_is_labelled():
    """For a model linear in θ, P is constant: C12's case, |d| = ∫|P^⊥w| (checked as such)."""
    for name in (LINEAR, RATIONAL_DEFICIENT):
        ev = _by_key(c11.check_c11(get_problem(name), level=Level.EXACT, example=False))
        first = ev["first"]
        assert first.status is Status.VERIFIED and "equality" in first.what
        assert mpmath.mpf(first.details["max|P − P(0)| (samples, nodes)"]) <= first.tolerance
        d = [mpmath.mpf(v) for v in first.details["|d|"]]
        i = [mpmath.mpf(v) for v in first.details["integral"]]
        assert max(abs(a - b) for a, b in zip(d, i)) < mpmath.mpf("1e-11")


def test_strict_inequality_on_the_tanh_problem():
    ev = _by_key(c11.check_c11(get_problem(TANH), level=Level.BALL, example=False))
    first = ev["first"]
    assert first.status is Status.VERIFIED and "equality" not in first.what
    assert all(mpmath.mpf(g) > 0 for g in first.details["gaps"])
    assert "reduced" in first.details   # the span is shortened before D⁺'s singularity


def test_doc_instance_reproduces_the_printed_numbers():
    """The doc's instance, computed by the library's integrator and quadrature, against the
    digits printed in docs/theory.md §7 (typed here from the doc, not from the code)."""
    d = c11.bound_data(c11._doc_entry(), s_end=c11.DOC_S_END, ts=c11.DOC_T)
    k = d["t"].index(Fraction(1, 2))
    doc = {"d": "0.973920362756", "int": "0.974018033203", "tw": "0.976281209488"}
    for key, printed in doc.items():
        assert abs(d[key][k] - mpmath.mpf(printed)) < mpmath.mpf("5e-13"), key
    assert abs(d["theta"][k][0] - mpmath.mpf("0.542330612686")) < mpmath.mpf("5e-13")
    k = d["t"].index(Fraction(99, 100))
    for key, printed in {"d": "1.92957816941", "int": "1.92988061423",
                         "tw": "1.93303679479"}.items():
        assert abs(d[key][k] - mpmath.mpf(printed)) < mpmath.mpf("5e-12"), key
    # |w| = |(1/2 − 2, 1/4 + 1)| = √61/4 exactly
    with working_precision(40):
        assert abs(d["w"] - mpmath.sqrt(61) / 4) < mpmath.mpf("1e-35")
    assert all(r == 1 for r in d["ranks"])   # rank 1 < QN = 2 along the path


def test_pointwise_refuted_for_a_wrong_field():
    """The standard field instead of the adapted one: the ODE identity fails, at full rank
    and at rank loss (exact)."""
    for name in (RATIONAL_FULL, RATIONAL_DEFICIENT):
        evs = c11.check_c11(get_problem(name), level=Level.EXACT, field_fn=_standard,
                            example=False)
        assert {f"ode_{t}" for t in c11.T_POINTS} <= _refuted(evs)
        assert not {"first", "second"} & _refuted(evs)   # the trajectory is not affected


def test_refuted_for_a_wrong_projector():
    """P := I makes P^⊥ = 0: the ODE identity fails and ∫|P^⊥w| = 0 < |d|."""
    evs = c11.check_c11(get_problem(TANH), level=Level.BALL, projector_fn=_identity_projector,
                        example=False)
    assert {f"ode_{t}" for t in c11.T_POINTS} | {"first"} <= _refuted(evs)


def test_refuted_for_a_zero_projector():
    """P := 0 makes P^⊥w = w: the second inequality becomes the equality it then is (checked
    as such), and the first the false equality |d| = t|w|."""
    ev = _by_key(c11.check_c11(get_problem(TANH), level=Level.BALL,
                               projector_fn=_zero_projector, example=False))
    assert ev["second"].status is Status.VERIFIED and "equality" in ev["second"].what
    assert ev["first"].status is Status.REFUTED


def test_zero_gap_is_inconclusive_not_verified():
    """A gap of 0 where the check has no reason to expect an equality (P^⊥w ≠ w here): it
    cannot tell ≤ from =, so inconclusive (reason tolerance), never verified."""
    s_end, ts, _ = c11.SPANS[TANH]
    d = c11.bound_data(get_problem(TANH), s_end=s_end, ts=ts)
    ev = _by_key(c11._bound_evidence(dict(d, int=list(d["tw"])), 30, TANH, None))
    assert ev["second"].status is Status.INCONCLUSIVE
    assert ev["second"].reason is Reason.TOLERANCE


def _case_entry(targets):
    """x = w₃w₂w₁·u on the single input u = 0: D ≡ 0 (rank 0), x ≡ 0."""
    c = Case.build([1, 1, 1, 1], "identity", False, [[0]], targets, [0, 0, 0])
    return entry_for(c.problem, c.theta, name="c11-rank0")


def test_rank_zero_is_the_sharp_case():
    """D ≡ 0, y = 1: the outputs stay at x(0) = 0, d = t·w, and both inequalities are the
    equalities of the doc's sharpness remark (|d| = ∫|P^⊥w| = t|w|)."""
    e = _case_entry([[1]])
    assert e.is_user
    ev = _by_key(c11.check_c11(e, level=Level.EXACT))
    for key in ("first", "second"):
        assert ev[key].status is Status.VERIFIED and "equality" in ev[key].what, key
    # a problem of one's own: C7's span and USER_T, and no doc instance
    assert ev["first"].details["t"] == [str(t) for t in c11.USER_T]
    assert "of one's own" in ev["first"].details["reduced"]
    assert not any(k.startswith("example.") for k in ev)


def test_flow_at_rest_is_inconclusive_hypothesis():
    """x(0) = y: w = 0, nothing to bound (0 ≤ 0 ≤ 0)."""
    ev = _by_key(c11.check_c11(_case_entry([[0]]), level=Level.EXACT, example=False))
    assert ev["ode_1/2"].status is Status.VERIFIED
    for key in ("first", "second"):
        assert ev[key].status is Status.INCONCLUSIVE and ev[key].reason is Reason.HYPOTHESIS


def test_bound_refuted_for_a_wrong_flow():
    """The standard flow instead of the constrained adapted one leaves the bound: |d| > ∫."""
    e = get_problem(TANH)
    evs = c11.check_c11(e, level=Level.BALL, flow_field="standard", example=False)
    ev = _by_key(evs)
    assert ev["first"].status is Status.REFUTED
    assert all(mpmath.mpf(g) < 0 for g in ev["first"].details["gaps"])
    assert ev["confirm"].status is Status.VERIFIED   # the refutation rests on a confirmed flow


def test_bound_refuted_for_a_perturbed_deviation():
    """|d| enlarged by 10⁻⁵ relative exceeds the measured ∫ (gaps ~10⁻⁹–10⁻⁸): refuted; the
    unperturbed data verify."""
    e = get_problem(TANH)
    s_end, ts, _ = c11.SPANS[TANH]
    d = c11.bound_data(e, s_end=s_end, ts=ts)
    assert _by_key(c11._bound_evidence(d, 30, TANH, None))["first"].status is Status.VERIFIED
    bad = dict(d, d=[v * (1 + mpmath.mpf("1e-5")) for v in d["d"]])
    assert _by_key(c11._bound_evidence(bad, 30, TANH, None))["first"].status is Status.REFUTED
    worse = dict(d, int=[v * 10 for v in d["int"]])   # ∫ ≈ 0.18·t|w| here
    assert _by_key(c11._bound_evidence(worse, 30, TANH, None))["second"].status \
        is Status.REFUTED


@settings(max_examples=8, deadline=None)
@given(cases(full_rank=False, activations=RATIONAL_ACTIVATIONS))
def test_property_ode_identity_exactly(case):
    """At rank-deficient rational points, with x(0) the outputs at a second rational point:
    (N/(1 − t))·D·V_1 + w = P^⊥w − Pd/(1 − t) exactly, for t ∈ {1/4, 1/2, 99/100}."""
    prob = case.problem
    pd = case.at("exact")
    rng = random.Random(str(case.theta))
    other = [Fraction(rng.randint(-8, 8), rng.randint(1, 8)) for _ in range(prob.K)]
    x0 = prob.at(other, "exact").x
    for t in c11.T_POINTS:
        lhs, rhs = c11.ode_sides(pd, x0, t, prob.N)
        assert (lhs - rhs).is_zero()


def test_doc_digits_refuted_for_a_wrong_printed_digit(monkeypatch):
    d = c11.bound_data(c11._doc_entry(), s_end=c11.DOC_S_END, ts=c11.DOC_T)
    assert c11._doc_digits(d, 30).status is Status.VERIFIED
    monkeypatch.setitem(c11.DOC_DIGITS, "d@1/2", "0.973920362757")   # last digit off by one
    ev = c11._doc_digits(d, 30)
    assert ev.status is Status.REFUTED and ev.residual == 1
