"""Broken variants of the code under test, run through the trajectory judges (C5 along flows,
C6, C7, C8, C10, C10-SEARCH): each must come out *refuted* — or *inconclusive* where that is the
honest answer (a hypothesis that fails, a confirmation that was not at higher precision, an
integration that ran out of steps).

The library is broken by monkeypatching (the integrator's fixed-point field, the loss gradients,
``linalg.projector``, ``fields.parameter_field``, the rank monitor, ``Trajectory.confirm``) or
through the checks' injectable arguments. Every test clears the trajectory cache of
:mod:`symflow.claims.trajectories` before and after, so that no broken trajectory leaks into other tests.
"""

from __future__ import annotations

import functools
import importlib
from dataclasses import replace
from fractions import Fraction

import mpmath
import pytest

import symflow as sf
from symflow.claims import check
from symflow.claims import trajectories
from symflow.claims import c05_output_space as c05
from symflow.claims import c06_linear_interpolation as c06
from symflow.claims import c07_rank_loss as c07
from symflow.claims import c08_cross_entropy as c08
from symflow.claims import c10_hypotheses as c10
from symflow.claims.evidence import Reason, Status, combine_status
from symflow.core.problems import CatalogueEntry, get_problem

INT = importlib.import_module("symflow.flows.run_mpmath")   # the mpmath runner (where FixedPointField / solve_ivp_mp are looked up)
DPS = 20


@pytest.fixture(autouse=True)
def fresh_cache():
    trajectories.clear_cache()
    yield
    trajectories.clear_cache()


def status(evs):
    return combine_status(e.status for e in evs)


def by_key(evs, key):
    hits = [e for e in evs if e.key == key]
    assert hits, (key, [e.key for e in evs])
    return hits[0]


def assert_refuted(e, factor=10**3):
    """Refuted, and not by a hair: the residual is far above the tolerance."""
    assert e.status is Status.REFUTED, (e.key, e.status, e.reason, e.why)
    assert e.residual > factor * e.tolerance, (e.key, e.residual, e.tolerance)


def swap_alpha_in_integrator(monkeypatch):
    """The integrator's fixed-point field integrates V_{1−α} when asked for V_α."""
    orig = INT.FixedPointField.__init__

    def init(self, problem, field="adapted", *a, **kw):
        orig(self, problem, field, *a, **kw)
        self.alpha = 1 - self.alpha

    monkeypatch.setattr(INT.FixedPointField, "__init__", init)


# ---- C5 along flows: the integrated motion must follow V_α ---------------------------------

def test_c5_alpha_swapped_in_integrator_is_refuted(monkeypatch):
    swap_alpha_in_integrator(monkeypatch)
    evs = c05.check_c5_along_flows(get_problem("tanh-2-3-1-l2"), dps=DPS,
                                     alphas=[0, Fraction(3, 4)], n_samples=2, n_motion=2,
                                     confirm=False)
    # the cost still decreases along the wrong field: only the motion check can see the swap
    assert by_key(evs, "along.alpha0.cost").status is Status.VERIFIED
    for a in ("alpha0", "alpha3_4"):
        assert_refuted(by_key(evs, f"along.{a}.motion"))
    assert status(evs) is Status.REFUTED


def test_c5_alpha_swapped_in_fields_is_refuted(monkeypatch):
    # fields.parameter_field builds V_{1−α}: the chain rule gᵀDV_α against the form fails
    orig = sf.core.fields.parameter_field

    def swapped(pd, field="adapted"):
        return orig(pd, 1 - sf.core.fields.parse_field(field))

    monkeypatch.setattr(sf.core.fields, "parameter_field", swapped)
    evs = c05.check_c5_along_flows(get_problem("tanh-2-3-1-l2"), dps=DPS,
                                     alphas=[Fraction(3, 4)], n_samples=2, n_motion=1,
                                     confirm=False)
    assert_refuted(by_key(evs, "along.alpha3_4.chain"))
    assert by_key(evs, "along.alpha3_4.motion").status is Status.VERIFIED   # integrator fine


def test_c5_inverse_dropped_in_integrator_is_refuted(monkeypatch):
    # (DDᵀ)⁻¹ dropped: the "adapted" flow integrates −Dᵀg
    monkeypatch.setattr(INT.FixedPointField, "_solve", lambda self, G, b, P: list(b))
    evs = c05.check_c5_along_flows(get_problem("tanh-2-3-1-l2"), dps=DPS, alphas=[1],
                                     n_samples=2, n_motion=2, confirm=False)
    assert by_key(evs, "along.alpha1.cost").status is Status.VERIFIED
    assert_refuted(by_key(evs, "along.alpha1.motion"))


def test_c5_doubled_l2_gradient_is_refuted(monkeypatch):
    # losses.L2.grad = 2(x − y)/N: the flow (integrated with its own (x − y)/N) no longer moves
    # by −((1−α)DDᵀ + αP)∇ₓC, and dC/ds ≠ −∇ₓCᵀ(…)∇ₓC
    orig = sf.core.losses.L2.grad
    monkeypatch.setattr(sf.core.losses.L2, "grad",
                        lambda self, x, y, N, Q, ar: [2 * v for v in orig(self, x, y, N, Q, ar)])
    evs = c05.check_c5_along_flows(get_problem("tanh-2-3-1-l2"), dps=DPS, alphas=[1],
                                     n_samples=2, n_motion=1, confirm=False)
    assert_refuted(by_key(evs, "along.alpha1.motion"))
    assert_refuted(by_key(evs, "along.alpha1.dCds"))


def test_c5_cross_entropy_gradient_without_1_over_n_is_refuted(monkeypatch):
    # ∇ₓC = σ(x) − y (1/N missing): the integrator uses the same gradient, so the motion is
    # consistent with it — but C(θ(s)) then falls N times slower than −∇ₓCᵀ(…)∇ₓC says
    orig = sf.core.losses.CrossEntropy.grad
    monkeypatch.setattr(sf.core.losses.CrossEntropy, "grad",
                        lambda self, x, y, N, Q, ar: [N * v for v in orig(self, x, y, N, Q, ar)])
    evs = c05.check_c5_along_flows(get_problem("sin-1-3-2-ce"), dps=DPS, alphas=[1],
                                     n_samples=2, n_motion=1, confirm=False)
    assert_refuted(by_key(evs, "along.alpha1.dCds"))


def test_c5_projector_identity_is_refuted_at_rank_loss(monkeypatch):
    # P = I instead of DD⁺ on a K < QN problem: the constrained flow does not move by −P∇ₓC=I
    monkeypatch.setattr(sf.backends.linalg, "projector",
                        lambda A, dps=30: sf.backends.linalg.eye(A.level, A.shape[0]))
    evs = c05.check_c5_along_flows(get_problem("identity-1-1-l2-underparam"), dps=DPS,
                                     alphas=[1], n_samples=2, n_motion=1, confirm=False)
    assert_refuted(by_key(evs, "along.alpha1.motion"))


def test_c5_step_budget_is_inconclusive_budget(monkeypatch):
    # an integration that runs out of steps is inconclusive (budget), naming status and time
    monkeypatch.setattr(c05, "flow", functools.partial(trajectories.flow, max_steps=1))
    evs = c05.check_c5_along_flows(get_problem("tanh-2-3-1-l2"), dps=DPS, alphas=[0],
                                     s_end=2, confirm=False)
    e = by_key(evs, "along.alpha0.flow")
    assert e.status is Status.INCONCLUSIVE and e.reason is Reason.BUDGET
    assert "'failed'" in e.why and "max_steps" in e.why and "s = " in e.why


def test_c5_reduced_span_is_marked():
    evs = c05.check_c5_along_flows(get_problem("tanh-1-1-1-l2-underparam"), dps=DPS,
                                     alphas=[0], n_samples=2, n_motion=1, confirm=False)
    red = by_key(evs, "along.alpha0.cost").details["reduced"]
    assert "[0, 1/40] instead of [0, 5/8]" in red and "0.035" in red


# ---- confirmation "at higher precision" (item 1 / 6c) ---------------------------------------

@pytest.mark.parametrize("lie", ["dps_high", "same_run"])
def test_refutation_needs_a_confirmation_at_higher_precision(monkeypatch, lie):
    import sympy as sp
    d = sf.derive_time_change()
    wrong = 1 - sp.exp(-2 * d.s / d.N)
    orig = INT.Trajectory.confirm

    def confirm(self, dps_high=None):
        if lie == "dps_high":            # an honest report of a re-run at the same precision
            return replace(orig(self, self.dps), dps_high=self.dps)
        # the mutant "confirm-same-precision": re-run at the same dps, reported as dps + 10
        return replace(orig(self, self.dps), dps_high=self.dps + 10)

    monkeypatch.setattr(INT.Trajectory, "confirm", confirm)
    evs = c06.check_c6_trajectory(get_problem("tanh-2-3-1-l2"), dps=DPS, time_change=wrong)
    line = by_key(evs, "s.line")
    assert line.residual > 10**3 * line.tolerance            # the residual is large, but …
    assert line.status is Status.INCONCLUSIVE and line.reason is Reason.PRECISION
    assert by_key(evs, "s.confirm").reason is Reason.PRECISION
    assert Status.REFUTED not in {e.status for e in evs if e.key.startswith(("s.", "t."))}


# ---- C7 -------------------------------------------------------------------------------------

def test_c7_wrong_field_is_refuted():
    evs = c07.check_c7(get_problem("identity-1-1-l2-underparam"), dps=DPS, field="standard",
                         confirm=False)
    assert_refuted(by_key(evs, "formula"))


def test_c7_projector_identity_is_refuted(monkeypatch):
    monkeypatch.setattr(sf.backends.linalg, "projector",
                        lambda A, dps=30: sf.backends.linalg.eye(A.level, A.shape[0]))
    v = check("C7", get_problem("identity-1-1-l2-underparam"), dps=DPS)
    assert v.status is Status.REFUTED
    assert_refuted(by_key(v.evidence, "C7.formula"))


def test_c7_rank_monitor_disabled_is_refuted(monkeypatch):
    # λ_min/λ_max always 1: the monitor never fires, the flow runs into the LDLᵀ breakdown
    monkeypatch.setattr(INT, "_eig_extremes", lambda G: (mpmath.mpf(1), mpmath.mpf(1)))
    for name in ("identity-1-1-l2-underparam", "square-1-2-1-l2-dead-unit"):
        evs = c07.check_c7(get_problem(name), dps=DPS, confirm=False)
        e = by_key(evs, "rank_monitor")
        assert e.status is Status.REFUTED, (name, e.why, e.details)


def test_c7_on_full_rank_problem_is_inconclusive_hypothesis():
    evs = c07.check_c7(get_problem("tanh-2-3-1-l2"), dps=DPS, confirm=False)
    assert Status.REFUTED not in {e.status for e in evs}
    for key in ("setting", "bends", "rank_monitor"):
        e = by_key(evs, key)
        assert e.status is Status.INCONCLUSIVE and e.reason is Reason.HYPOTHESIS, key
    assert "rank D < QN" in by_key(evs, "setting").why


# ---- C10 ------------------------------------------------------------------------------------

def test_c10_wrong_field_is_refuted():
    evs = c10.check_c10(get_problem("identity-1-1-l2-underparam"), dps=DPS, field="standard",
                          midflow=False, confirm=False)
    assert_refuted(by_key(evs, "c7_formula"))


def test_c10_per_step_rank_monitor_off_is_refuted(monkeypatch):
    # the mutant "rank-monitor-off": the check at θ(0) still fires, the per-step monitor never
    # does. On rank_loss_example the flow then integrates past the monitor's threshold until the
    # LDLᵀ solve breaks down (it still stops near t* = 1/5 — only the step ratios show it).
    orig = INT.solve_ivp_mp
    monkeypatch.setattr(INT, "solve_ivp_mp",
                        lambda *a, **kw: orig(*a, **{**kw, "monitor": None}))
    e = c10._midflow_monitor_evidence()
    assert e.status is Status.REFUTED and e.details["steps_below_threshold"] > 0, e.details


def test_c10_midflow_monitor_verified():
    e = c10._midflow_monitor_evidence()
    assert e.status is Status.VERIFIED, (e.why, e.details)
    assert e.details["stop_time"].startswith("0.2") and e.details["steps_below_threshold"] == 0


def test_c10_on_full_rank_problem_is_not_refuted():
    evs = c10.check_c10(get_problem("tanh-2-3-1-l2"), dps=DPS, midflow=False, confirm=False)
    assert Status.REFUTED not in {e.status for e in evs}
    for key in ("departure", "misses_target"):
        e = by_key(evs, key)
        assert e.status is Status.INCONCLUSIVE and e.reason is Reason.HYPOTHESIS


# ---- C10-SEARCH -----------------------------------------------------------------------------

def test_c10_search_judges_the_measured_failure(monkeypatch):
    from symflow.testing import search
    real = search.find_c6_counterexample(max_examples=100, seed=0)
    # a "counterexample" that is none: linear regression with K = 2 ≥ QN = 1 (full rank, the
    # adapted field is exactly −∇ₓC), reported as rank 0 with failure 1
    fake = replace(real, widths=(1, 1), activation="identity", bias=True, N=1,
                   inputs=((Fraction(1),),), targets=((Fraction(2),),),
                   theta=(Fraction(1), Fraction(0)), rank=0, QN=1, K=2, residual=Fraction(1))
    monkeypatch.setattr(search, "find_c6_counterexample", lambda **kw: fake)
    evs = c10.check_c10_search(dps=DPS)
    assert by_key(evs, "search.rank").status is Status.REFUTED      # rank 1 = QN, recomputed
    fail = by_key(evs, "search.failure")
    assert fail.status is Status.REFUTED and fail.residual == 0
    # a real counterexample whose reported size is wrong is refuted too
    monkeypatch.setattr(search, "find_c6_counterexample",
                        lambda **kw: replace(real, residual=real.residual * 2))
    assert by_key(c10.check_c10_search(dps=DPS), "search.failure").status is Status.REFUTED


# ---- C8 -------------------------------------------------------------------------------------

def test_c8_wrong_field_is_refuted():
    evs = c08.check_c8_trajectory(get_problem("sin-1-3-2-ce"), dps=DPS, s_end=10, n_samples=2,
                                 field="standard", confirm=False)
    assert_refuted(by_key(evs, "invariant"))


def test_c8_time_scaled_by_two_is_refuted():
    # a flow whose time runs twice too fast: invariant and monotone, but the decay rate is
    # twice the linearised rate — outside the (unwidened) band [λ_min, λ_max]
    evs = c08.check_c8_trajectory(get_problem("sin-1-3-2-ce"), dps=DPS, s_end=60, n_samples=6,
                                 time_factor=2, confirm=False)
    assert by_key(evs, "invariant").status is Status.VERIFIED
    assert by_key(evs, "distance").status is Status.VERIFIED
    assert_refuted(by_key(evs, "rate"), factor=10**5)


def test_c8_cross_entropy_gradient_without_1_over_n_is_refuted(monkeypatch):
    orig = sf.core.losses.CrossEntropy.grad
    monkeypatch.setattr(sf.core.losses.CrossEntropy, "grad",
                        lambda self, x, y, N, Q, ar: [N * v for v in orig(self, x, y, N, Q, ar)])
    evs = c08.check_c8_trajectory(get_problem("sin-1-3-2-ce"), dps=DPS, s_end=60, confirm=False)
    assert_refuted(by_key(evs, "rate"))


def test_c8_without_1j_in_range_is_inconclusive_hypothesis():
    # K = 3 < QN = 4 and 1_j ∉ range(D): the logit sums really drift, but C8 claims nothing there
    prob = sf.Problem(sf.mlp([1, 1, 2], "tanh", bias=False), [[1], ["-1/2"]],
                      [["1/3", "2/3"], ["3/4", "1/4"]], "cross_entropy")
    entry = CatalogueEntry("tanh-1-1-2-ce-rank3", prob,
                           (Fraction(1, 2), Fraction(1), Fraction(-1, 2)), False,
                           frozenset({"ce", "transcendental", "rank_deficient"}))
    evs = c08.check_c8_trajectory(entry, dps=DPS, s_end=2, n_samples=2, confirm=False)
    assert Status.REFUTED not in {e.status for e in evs}
    inv = by_key(evs, "invariant")
    assert inv.residual > 10**6 * inv.tolerance          # not invariant indeed …
    for key in ("invariant", "in_range", "distance", "rate"):
        e = by_key(evs, key)
        assert e.status is Status.INCONCLUSIVE and e.reason is Reason.HYPOTHESIS, key
    assert "1_j ∈ range(D) fails" in inv.why
