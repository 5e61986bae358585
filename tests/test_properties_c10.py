"""C10: without full rank, C6 fails — Hypothesis finds and shrinks a counterexample; and the
pointwise property function (that its checks can fail). The campaign is tested in
tests/test_campaign.py."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings

import symflow as sf
import symflow.testing.pointwise as pointwise
from symflow.testing.pointwise import check_case
from symflow.testing.search import find_c6_counterexample
from symflow.testing.strategies import RATIONAL_ACTIVATIONS, Case, cases


def _residual(widths, act, bias, inputs, targets, theta):
    """max|x' + ∇ₓC| of the adapted field, recomputed from the raw data (exact level)."""
    prob = sf.Problem(sf.mlp(list(widths), act, bias), [list(r) for r in inputs],
                      [list(r) for r in targets], "l2")
    pd = prob.at(list(theta), "exact")
    return (sf.output_field(pd, "adapted") + pd.grad).max_abs(), pd.D.data.rank(), prob


@pytest.fixture(scope="module")
def cx():
    return find_c6_counterexample(max_examples=300, seed=0)


def test_c10_counterexample_is_rank_deficient(cx):
    """The shrunk counterexample really refutes x' = −∇ₓC, and really has rank D < QN."""
    res, rank, prob = _residual(cx.widths, cx.activation, cx.bias, cx.inputs, cx.targets,
                                cx.theta)
    assert res != 0 and Fraction(int(res.p), int(res.q)) == cx.residual
    assert rank == cx.rank < cx.QN == prob.QN
    assert cx.K == prob.K
    assert "rank D" in cx.description() and str(cx.QN) in cx.description()


def test_c10_counterexample_is_locally_minimal(cx):
    """Hypothesis' shrinking leaves no one-step simplification that is still a counterexample:
    zeroing one entry of θ, of an input or of a target, dropping a sample, or the bias."""
    def still_fails(widths, bias, inputs, targets, theta):
        try:
            res, _, _ = _residual(widths, cx.activation, bias, inputs, targets, theta)
        except sf.SymflowError:
            return False
        return res != 0

    base = (list(cx.inputs), list(cx.targets), list(cx.theta))
    for k, v in enumerate(cx.theta):
        if v != 0:
            th = list(cx.theta)
            th[k] = Fraction(0)
            assert not still_fails(cx.widths, cx.bias, cx.inputs, cx.targets, th), ("θ", k)
    for which in (0, 1):
        rows = [list(r) for r in base[which]]
        for j, r in enumerate(rows):
            for i, v in enumerate(r):
                if v != 0:
                    new = [list(x) for x in rows]
                    new[j][i] = Fraction(0)
                    args = (new, base[1]) if which == 0 else (base[0], new)
                    if which == 0 and len({tuple(x) for x in new}) < len(new):
                        continue  # would duplicate an input: a different (bigger) mechanism
                    assert not still_fails(cx.widths, cx.bias, *args, cx.theta), (which, j, i)
    if cx.N > 1:
        for j in range(cx.N):
            keep = [i for i in range(cx.N) if i != j]
            assert not still_fails(cx.widths, cx.bias, [cx.inputs[i] for i in keep],
                                   [cx.targets[i] for i in keep], cx.theta), ("drop", j)
    assert cx.K <= 12 and cx.QN <= 4   # within the search bounds


def test_c6_without_full_rank_is_refuted_by_given():
    """The same property written as a @given test with no full-rank assumption must fail, and
    the falsifying example Hypothesis reports (after shrinking) is rank-deficient."""
    falsified = []

    @settings(max_examples=200, database=None, deadline=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(cases(activations=RATIONAL_ACTIVATIONS, max_qn=4, max_depth=2, max_width=2))
    def c6_without_hypothesis(case):
        pd = case.at("exact")
        ok = (sf.output_field(pd, "adapted") + pd.grad).is_zero()
        if not ok:
            falsified.append(case)
        assert ok

    with pytest.raises(AssertionError):
        c6_without_hypothesis()
    last = falsified[-1]   # Hypothesis replays the shrunk example last
    assert last.rank.rank < last.QN
    assert last.at("exact").D.data.rank() < last.QN


@given(cases(full_rank=False, activations=RATIONAL_ACTIVATIONS))
def test_rank_loss_bends_iff_residual_outside_range(case):
    """At rank D < QN, x' = −∇ₓC fails exactly when ∇ₓC ∉ range(D)."""
    pd = case.at("exact")
    P = sf.projector(pd.D)
    outside = not (P @ pd.grad - pd.grad).is_zero()
    assert check_case(case)["C10"][0] == outside


# ---- the pointwise property function ---------------------------------------------------------
def test_pointwise_checks_can_fail(monkeypatch):
    """Replace the adapted field by the standard one: C2 must then fail on a generic case."""
    case = Case.build([1, 2, 1], "cube", True, [[1], ["1/2"]], [[1], [0]],
                      ["1/2", -1, "1/4", 1, 2, "-1/2", "1/3"])
    assert check_case(case)["C2"][0]
    real = pointwise.output_field
    monkeypatch.setattr(pointwise, "output_field",
                        lambda pd, f: real(pd, "standard") if f == "adapted" else real(pd, f))
    assert not check_case(case)["C2"][0]
