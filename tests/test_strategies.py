"""The public strategies draw what they promise: bounded sizes, valid data, the requested rank
(recomputed here independently), and refuse bad arguments with a specific error."""

from __future__ import annotations

from fractions import Fraction

import mpmath
import pytest
from hypothesis import given, strategies as st

import symflow as sf
from symflow.backends.linalg import rank_info
from symflow.testing.strategies import (ALL_ACTIVATIONS, RATIONAL_ACTIVATIONS, Case, architectures,
                                cases, datasets, labels, mpmath_points, problems,
                                rational_points, rationals)


def independent_rank(case: Case) -> int:
    """rank D by another route: exact RREF of the exact D (rational activations), else the
    numerical rank by SVD at 60 digits."""
    if case.problem.network.activation.rational:
        return case.at("exact").D.data.rank()
    with sf.working_precision(60):
        return rank_info(case.at("mpmath", 60).D, 60).rank


@given(architectures(max_depth=2, max_width=2, max_input_dim=3, max_output_dim=2,
                     max_params=15))
def test_architectures_respect_bounds(net):
    assert 1 <= net.depth <= 2
    assert all(1 <= h <= 2 for h in net.widths[1:-1])
    assert net.input_dim <= 3 and net.output_dim <= 2
    assert net.num_params <= 15
    assert net.activation.name in ALL_ACTIVATIONS


@given(architectures(max_depth=1).flatmap(
    lambda n: st.tuples(st.just(n), st.sampled_from(["l2", "cross_entropy"])).flatmap(
        lambda nl: st.tuples(st.just(nl[0]), st.just(nl[1]),
                             datasets(nl[0], nl[1], min_samples=2, max_samples=4)))))
def test_datasets_valid_for_loss(drawn):
    net, loss, (inputs, targets) = drawn
    assert 2 <= len(inputs) == len(targets) <= 4
    assert all(len(r) == net.input_dim for r in inputs)
    assert len({tuple(r) for r in inputs}) == len(inputs)   # distinct inputs
    assert all(len(r) == net.output_dim for r in targets)
    if loss == "cross_entropy":
        assert all(sum(r) == 1 and min(r) > 0 for r in targets)
    sf.Problem(net, inputs, targets, loss)   # accepted by the library's own validation


@given(st.integers(1, 5).flatmap(labels))
def test_labels_are_probability_vectors(y):
    assert sum(y) == 1 and all(v > 0 for v in y)


@given(rational_points(6, scale=2, denominator=3), mpmath_points(4, scale=0.5))
def test_points_bounded(th, thm):
    assert len(th) == 6 and all(abs(v) <= 2 and isinstance(v, Fraction) for v in th)
    assert len(thm) == 4 and all(abs(v) <= 0.5 and isinstance(v, mpmath.mpf) for v in thm)


@given(problems(losses=("l2", "cross_entropy"), max_qn=4))
def test_problems_bounded(prob):
    assert prob.QN <= 4 and prob.K <= 40


@given(cases(full_rank=True))
def test_full_rank_cases_have_full_rank(case):
    assert case.full_rank and case.rank.certain
    assert case.K >= case.QN
    assert independent_rank(case) == case.QN


@given(cases(full_rank=False))
def test_rank_deficient_cases_are_deficient(case):
    assert case.rank.rank < case.QN
    assert independent_rank(case) < case.QN
    if case.mechanism == "K<QN":
        assert case.K < case.QN
    if case.mechanism == "duplicate_input":
        assert case.problem.inputs[0] == case.problem.inputs[1]


@given(cases(full_rank=False, mechanisms=("dead_unit",), activations=RATIONAL_ACTIVATIONS,
             min_depth=2))
def test_dead_unit_mechanism(case):
    """A dead unit: some hidden unit of the first hidden layer(s) has all-zero incoming
    weights and bias in θ."""
    net = case.problem.network
    found = False
    for l in range(net.depth - 1):
        ws, bs = net.layer_slices[l]
        n_in = net.widths[l]
        for u in range(net.widths[l + 1]):
            row = case.theta[ws.start + u * n_in: ws.start + (u + 1) * n_in]
            b = case.theta[bs.start + u] if bs is not None else 0
            found |= all(v == 0 for v in row) and b == 0
    assert found and case.rank.rank < case.QN


def test_case_build_and_pinned_ranks():
    c = Case.build([1, 1], "identity", True, [[1], [2]], [[0], [1]], [1, 0])
    assert (c.K, c.QN, c.rank.rank) == (2, 2, 2)
    dead = Case.build([1, 2, 1], "square", True, [[1], ["1/2"], [-1], [2]],
                      [[1], [0], ["1/2"], [-1]], ["1/2", 0, "1/4", 0, 1, "3/2", "-1/2"])
    assert dead.K >= dead.QN and dead.rank.rank == 3 < dead.QN


@pytest.mark.parametrize("call, err, match", [
    (lambda: architectures(max_depth=0), sf.DataError, "max_depth"),
    (lambda: architectures(activations=()), sf.DataError, "at least one"),
    (lambda: architectures(activations=("swish",)), sf.ActivationError, "swish"),
    (lambda: rationals(denominator=0), sf.DataError, "denominator"),
    (lambda: rational_points(0), sf.DataError, "K must be"),
    (lambda: cases(full_rank="yes"), sf.DataError, "yes"),
    (lambda: cases(full_rank=False, mechanisms=("bogus",)), sf.DataError, "bogus"),
    (lambda: problems(losses=("hinge",)), sf.DataError, "hinge"),
    (lambda: datasets(sf.mlp([1, 1]), "hinge"), sf.DataError, "hinge"),
])
def test_bad_arguments(call, err, match):
    with pytest.raises(err, match=match):
        call()
