"""The options of symflow.flows.integrate: frozen value objects validated when built, the new form
and the 0.1 keywords giving the same trajectory, immutable results, statuses as Result members."""

from __future__ import annotations

import dataclasses
from fractions import Fraction

import mpmath
import pytest

import symflow as sf
from symflow.errors import DataError, PrecisionError, SymflowError
from symflow.flows import (Adapted, Confirmation, FlowTime, Interpolated, LineTime, Precision,
                           PseudoInverse, Result, Standard, Stop, Trajectory, integrate)

THETA0 = [1, 0, 1, 1, 0, 1, 0]


@pytest.fixture(scope="module")
def prob():
    return sf.Problem(sf.mlp([1, 2, 1], "tanh"), inputs=[[1]], targets=[[2]])


@pytest.fixture(scope="module")
def traj(prob):
    return integrate(prob, THETA0, field=Adapted(), span=LineTime(1), precision=Precision(dps=30))


# ---- the value objects refuse invalid values ------------------------------------------------

@pytest.mark.parametrize("make, match", [
    (lambda: Interpolated(Fraction(3, 2)), r"outside \[0, 1\]"),
    (lambda: Interpolated(-1), r"outside \[0, 1\]"),
    (lambda: Interpolated("adapted"), r"α must be a number in \[0, 1\]"),
    (lambda: FlowTime(-1), r"s_end = -1 must be ≥ 0"),
    (lambda: LineTime(2), r"t_end = 2 must lie in \[0, 1\]"),
    (lambda: LineTime(mpmath.mpf(-1)), r"must be finite, ≥ 0"),
    (lambda: Precision(dps=3), r"dps"),
    (lambda: Precision(dps=30.0), r"dps"),
    (lambda: Precision(rtol=2), r"rtol = 2 must be a number in \(0, 1\)"),
])
def test_value_objects_refuse_invalid_values(make, match):
    with pytest.raises(SymflowError, match=match):
        make()


def test_value_objects_are_frozen_and_normalized():
    a = Interpolated("3/4")
    assert a.alpha == sf.core.fields.parse_field(Fraction(3, 4)) and a == Interpolated(Fraction(3, 4))
    assert Standard().alpha == 0 and Adapted().alpha == 1
    assert Stop().name == "stop" and PseudoInverse().name == "pinv"
    for obj, attr in ((a, "alpha"), (FlowTime(1), "s_end"), (LineTime(1), "t_end"),
                      (Precision(), "dps")):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(obj, attr, 0)


@pytest.mark.parametrize("kw, match", [
    (dict(field=Standard(), span=LineTime(1)), r"C6 time t is a reparametrization"),
    (dict(field=Interpolated(Fraction(1, 2)), span=LineTime(1)), r"C6 time t"),
    (dict(span=LineTime(Fraction(1, 2)), on_rank_loss=PseudoInverse()), r"t_end with rank_loss='pinv'"),
    (dict(t_end=Fraction(1, 2), rank_loss="pinv"), r"integrate it in the flow time with s_end"),
    (dict(span=FlowTime(1), s_end=1), r"not both"),
    (dict(span=LineTime(1), t_end=1), r"not both"),
    (dict(span=1), r"span must be FlowTime"),
    (dict(span=FlowTime(1), precision=Precision(), dps=20), r"not both"),
    (dict(span=FlowTime(1), precision=30), r"precision must be Precision"),
    (dict(span=FlowTime(1), on_rank_loss=Stop(), rank_loss="pinv"), r"not both"),
    (dict(span=FlowTime(1), on_rank_loss="never"), r"rank_loss must be 'stop' or 'pinv'"),
    (dict(), r"give exactly one of s_end"),
])
def test_integrate_refuses_invalid_combinations(prob, kw, match):
    with pytest.raises(DataError, match=match):
        integrate(prob, THETA0, **kw)


def test_line_time_needs_the_l2_loss():
    ce = sf.Problem(sf.mlp([1, 2, 2], "tanh"), inputs=[[1]], targets=[["1/3", "2/3"]],
                    loss="cross_entropy")
    with pytest.raises(DataError, match=r"only for the L2 loss"):
        integrate(ce, [1] * ce.K, field=Adapted(), span=LineTime(1))


def test_confirm_precision_above_max_dps_is_refused(prob):
    with pytest.raises(PrecisionError, match=r"MAX_DPS"):
        integrate(prob, THETA0, span=FlowTime(1), precision=Precision(dps=sf.numbers.MAX_DPS),
                  confirm=True)


# ---- the new form and the 0.1 keywords agree --------------------------------------------------

def test_new_form_and_legacy_keywords_give_the_same_trajectory(prob, traj):
    old = sf.integrate(prob, THETA0, t_end=1, dps=30)
    assert old.status == traj.status == "success" and old.time_variable == "t"
    assert old.times == traj.times
    assert old.thetas[-1] == traj.thetas[-1]                      # to the last digit
    assert [mpmath.nstr(v, 40) for v in old.theta_at(1)] == \
        [mpmath.nstr(v, 40) for v in traj.theta_at(1)]


def test_new_form_and_legacy_keywords_agree_in_flow_time(prob):
    new = integrate(prob, THETA0, field=Interpolated(Fraction(1, 2)), span=FlowTime("1/2"),
                    precision=Precision(dps=20), on_rank_loss=PseudoInverse())
    old = integrate(prob, THETA0, field="1/2", s_end="1/2", dps=20, rank_loss="pinv")
    assert new.thetas[-1] == old.thetas[-1] and new.time_variable == old.time_variable == "s"
    assert new.field == Fraction(1, 2) and old.field == "1/2"


# ---- immutable results, Result statuses -------------------------------------------------------

def test_trajectory_is_immutable(traj):
    for attr, value in (("status", "failed"), ("thetas", []), ("confirmation", None),
                        ("new_attribute", 1)):
        with pytest.raises(AttributeError):
            setattr(traj, attr, value)
    with pytest.raises(AttributeError):
        del traj.status


def test_confirm_does_not_change_the_trajectory(traj):
    before = (traj.status, traj.times, traj.thetas, traj.stop_time, traj.t_end)
    conf = traj.confirm()
    assert isinstance(conf, Confirmation) and conf.ok
    assert traj.confirmation is conf
    assert (traj.status, traj.times, traj.thetas, traj.stop_time, traj.t_end) == before
    with pytest.raises(dataclasses.FrozenInstanceError):
        conf.ok = False
    assert isinstance(conf.status_high, Result)


def test_statuses_are_result_members(prob, traj):
    assert isinstance(traj, Trajectory)
    assert traj.status is Result.SUCCESS and traj.status == "success"
    assert f"{traj.status}" == "success" and repr(traj.status) == "'success'"
    sing = sf.Problem(sf.mlp([1, 1], "identity"), inputs=[[1], [2], [-1]],
                      targets=[[1], [0], [2]])                 # K = 2 < QN = 3
    stopped = integrate(sing, [1, 0], span=FlowTime(1))
    assert stopped.status is Result.RANK_LOSS and stopped.status == "rank_loss"
    assert {r.value for r in Result} >= {"success", "rank_loss", "failed"}


def test_line_time_at_rank_loss_stops_and_points_to_the_flow_time():
    """In t the runner integrates dθ/dt = D⁺(y − x(0)), the adapted flow only at full rank; at
    rank loss (K = 2 < QN = 3) it stops and its message sends the constrained flow to s_end
    (a pseudo-inverse continuation in t would integrate another ODE: found with C11)."""
    lin = sf.Problem(sf.mlp([1, 1], "identity"), [[1], [2], [-1]], [[1], [0], [2]])
    tr = integrate(lin, [1, 0], field=Adapted(), span=LineTime(Fraction(1, 2)))
    assert tr.status == "rank_loss"
    assert "Integrate in the flow time (s_end" in tr.message and "rank_loss='pinv'" in tr.message
