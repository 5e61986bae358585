"""Tests of the trajectory claims (symflow.claims.c05_output_space to c10_hypotheses: C5 along flows, C6,
C7, C10; symflow.claims.c08_cross_entropy: C8): verified verdicts on fast catalogue entries, and refuted
verdicts for deliberately broken variants (wrong time change, wrong field, wrong minimum,
missing full rank)."""

from __future__ import annotations

import mpmath
import pytest
import sympy as sp

import symflow as sf
from symflow.claims import check, get_claim
from symflow.claims import trajectories
from symflow.claims import c05_output_space as c05
from symflow.claims import c06_linear_interpolation as c06
from symflow.claims import c07_rank_loss as c07
from symflow.claims import c08_cross_entropy as c08
from symflow.claims import c10_hypotheses as c10
from symflow.errors import LabelError
from symflow.claims.evidence import Level, Reason, Status, combine_status
from symflow.core.problems import get_problem

DPS = 30


def status(evs):
    return combine_status(e.status for e in evs)


def by_status(evs, st):
    return [e for e in evs if e.status is st]


# ---- C6 ------------------------------------------------------------------------------------

def test_c6_derivation_verified_exactly():
    evs = c06.check_c6_derivation(None, dps=DPS)
    assert status(evs) is Status.VERIFIED
    assert all(e.level is Level.EXACT and e.residual == 0 for e in evs)
    assert len(evs) == len(sf.derive_time_change().checks) + 2


@pytest.mark.parametrize("wrong", ["1 - exp(-2*s/N)", "s/N"])
def test_c6_wrong_time_change_is_refuted(wrong):
    d = sf.derive_time_change()
    tau = sp.sympify(wrong, locals={"s": d.s, "N": d.N})
    # exact: the line at the wrong t(s) does not solve the output ODE
    ex = c06.check_c6_derivation(None, dps=DPS, time_change=tau)
    assert status(ex) is Status.REFUTED
    assert by_status(ex, Status.REFUTED)[0].level is Level.EXACT
    # along the integrated adapted flow: x(θ(s)) is not on the line at the wrong t(s)
    evs = c06.check_c6_trajectory(get_problem("tanh-2-3-1-l2"), dps=DPS, time_change=tau,
                                    confirm=False)
    bad = by_status(evs, Status.REFUTED)
    assert bad and bad[0].residual > 10**3 * bad[0].tolerance


def test_c6_trajectory_verified_and_reaches_target():
    entry = get_problem("tanh-2-3-1-l2")
    evs = c06.check_c6_trajectory(entry, dps=DPS)
    assert status(evs) is Status.VERIFIED, [e.what for e in evs if e.status is not Status.VERIFIED]
    tol = trajectories.tolerance(DPS)
    line = evs[0]
    assert line.residual <= tol and len(line.details["per_time"]) == 11
    # the residual is really measured: the same comparison against a shifted line fails
    traj = trajectories.flow(entry, t_end=1, dps=DPS)
    with sf.working_precision(DPS + 10):
        x0 = entry.problem.at(entry.theta0, "mpmath", DPS + 10).x.entries()
        y = [mpmath.mpf(int(v.p)) / int(v.q) for v in entry.problem.y_flat]
        x_half = entry.problem.at(traj.theta_at("1/2"), "mpmath", DPS + 10).x.entries()
        off = max(abs(a - ((a0 + b) / 2)) for a, a0, b in zip(x_half, x0, y))
        off_wrong = max(abs(a - ((3 * a0 + b) / 4)) for a, a0, b in zip(x_half, x0, y))
    assert off <= tol and off_wrong > 10**20 * tol
    assert any("re-integrated" in e.what for e in evs)


def test_c6_standard_field_is_refuted():
    evs = c06.check_c6_trajectory(get_problem("tanh-2-3-1-l2"), dps=DPS, field="standard",
                                    confirm=False)
    bad = by_status(evs, Status.REFUTED)
    assert status(evs) is Status.REFUTED and "standard" in bad[0].what
    assert bad[0].residual > 10**3 * bad[0].tolerance


def test_c6_without_full_rank_is_inconclusive_hypothesis():
    # C10 from C6's side: on a K < QN problem the t-flow cannot even start (rank loss). C6's
    # hypothesis (full rank) fails there, so C6 says nothing: inconclusive, reason hypothesis,
    # naming the hypothesis and the time — never refuted (nor verified).
    evs = c06.check_c6_trajectory(get_problem("identity-1-1-l2-underparam"), dps=DPS,
                                    confirm=False)
    assert status(evs) is Status.INCONCLUSIVE
    assert {e.key for e in evs} == {"t.flow", "s.flow"}
    for e in evs:
        assert e.status is Status.INCONCLUSIVE and e.reason is Reason.HYPOTHESIS
        assert "full rank D" in e.why and "fails at" in e.why and "= 0" in e.why


def test_c6_registered_verdict():
    v = check("C6", get_problem("tanh-2-3-1-l2"), dps=DPS)
    assert v.status is Status.VERIFIED and v.level is Level.MPMATH
    assert {e.level for e in v.evidence} == {Level.EXACT, Level.MPMATH}
    assert not get_claim("C6").applies(get_problem("identity-1-1-l2-underparam"))


# ---- C5 along flows ------------------------------------------------------------------------

def test_c5_along_flows_verified():
    evs = c05.check_c5_along_flows(get_problem("tanh-2-3-1-l2"), dps=DPS, n_samples=4)
    assert status(evs) is Status.VERIFIED
    # per α: cost, form, chain, motion, dCds, confirm — every α with α ≠ 1 − α
    assert len(evs) == 6 * len(c05.C5_FLOW_ALPHAS)
    assert all(a != 1 - a for a in c05.C5_FLOW_ALPHAS)
    assert {e.key for e in evs} == {f"along.{k}.{n}" for k in ("alpha0", "alpha3_4", "alpha1")
                                    for n in ("cost", "form", "chain", "motion", "dCds",
                                              "confirm")}
    costs = [mpmath.mpf(c) for c in evs[0].details["C"]]
    assert costs[-1] < costs[0]           # the cost really decreased (not a flat path)
    # n_samples = 4 < 6: the evidence says it rests on a reduced sample
    assert "5 sample times instead of 7" in evs[0].details["reduced"]


def test_c5_along_flows_rank_deficient():
    # K < QN: the α > 0 flows need the pseudo-inverse (constrained flows); C still decreases
    evs = c05.check_c5_along_flows(get_problem("identity-1-1-l2-underparam"), dps=DPS,
                                     alphas=[0, 1], n_samples=3, confirm=False)
    assert status(evs) is Status.VERIFIED
    for e in evs:
        if "non-increasing" in e.what:
            costs = [mpmath.mpf(c) for c in e.details["C"]]
            assert costs[-1] < costs[0]


# ---- C7, C10 -------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["identity-1-1-l2-underparam", "square-1-2-1-l2-dead-unit"])
def test_c7_and_c10_verified_on_rank_deficient(name):
    entry = get_problem(name)
    evs = c07.check_c7(entry, dps=DPS)
    assert status(evs) is Status.VERIFIED, [e.what for e in evs if e.status is not Status.VERIFIED]
    tol = trajectories.tolerance(DPS)
    assert evs[0].residual <= tol
    dev = max(mpmath.mpf(v) for v in evs[0].details["max|dev|/gap"])
    assert dev > 10**20 * tol                 # the path bends by far more than the tolerance
    v10 = c10.check_c10(entry, dps=DPS)
    assert status(v10) is Status.VERIFIED


def test_c7_formula_is_not_vacuous():
    # the deviation and the integral are both large; a wrong factor (1/N → 2/N) fails
    d = trajectories.c7_data(get_problem("identity-1-1-l2-underparam"), dps=DPS)
    with mpmath.workdps(DPS):
        tol = trajectories.tolerance(DPS)
        wrong = max(abs(a - 2 * b) for dv, vc in zip(d["dev"], d["voc"]) for a, b in zip(dv, vc))
        right = max(abs(a - b) for dv, vc in zip(d["dev"], d["voc"]) for a, b in zip(dv, vc))
    assert right <= tol * d["gap"] and wrong > 10**20 * tol * d["gap"]


def test_c10_search_counterexample():
    evs = c10.check_c10_search(dps=DPS, max_examples=100)
    assert status(evs) is Status.VERIFIED
    det = evs[0].details
    assert det["rank"] < det["QN"] and "counterexample" in det["description"]
    # the residual is the measured failure max|x' + ∇ₓC| (exact, > 0), not a 0/1 flag
    fail = [e for e in evs if e.key == "search.failure"][0]
    assert fail.level is Level.EXACT and fail.residual > 0 and fail.tolerance == 0
    assert str(fail.residual) == det["reported"]
    rank = [e for e in evs if e.key == "search.rank"][0]
    assert rank.residual == det["rank"] <= rank.tolerance == det["QN"] - 1


# ---- C8 ------------------------------------------------------------------------------------

def test_c8_exact_and_trajectory_verified():
    entry = get_problem("sin-1-3-2-ce")
    ex = c08.check_c8_exact(entry, dps=DPS)
    assert status(ex) is Status.VERIFIED and all(e.level is Level.EXACT for e in ex)
    tr = c08.check_c8_trajectory(entry, dps=DPS)
    assert status(tr) is Status.VERIFIED, [e.what for e in tr if e.status is not Status.VERIFIED]
    dists = [mpmath.mpf(v) for v in tr[0].details["|x(s) − x*|"]]
    assert dists[-1] < dists[0] / 1000


def test_c8_wrong_minimum_is_refuted():
    entry = get_problem("sin-1-3-2-ce")
    # forgetting the shift along 1 (x* = log y): off the fiber 1ᵀx_j = c_j
    no_shift = c08.check_c8_exact(entry, dps=DPS, minimum=lambda y, c: [sp.log(v) for v in y])
    fiber = [e for e in no_shift if "fiber 1ᵀx_j" in e.what][0]
    assert fiber.status is Status.REFUTED
    # log y squared: on the fiber, but σ(x*) = y²/Σy² ≠ y and the gradient is not zero
    squared = c08.check_c8_exact(entry, dps=DPS, minimum=lambda y, c: [
        2 * sp.log(v) + (c - 2 * sum(sp.log(u) for u in y)) / len(y) for v in y])
    assert [e for e in squared if "fiber 1ᵀx_j" in e.what][0].status is Status.VERIFIED
    for key in ("σ(x_j*)", "∇ₓC(x*) = 0"):
        assert [e for e in squared if key in e.what][0].status is Status.REFUTED


@pytest.mark.parametrize("labels, match", [
    ([["1", "0"], ["3/4", "1/4"]], "not positive"),
    ([["1/2", "1/4"], ["3/4", "1/4"]], "sums to"),
])
def test_c8_bad_labels_refused(labels, match):
    with pytest.raises(LabelError, match=match):
        sf.Problem(sf.mlp([1, 3, 2], "sin"), [[1], ["-1/2"]], labels, "cross_entropy")
