"""Degenerate cases the property campaign draws first: D = 0 (rank 0), x(0) = y (a flow at
rest), Q = 1 cross-entropy (σ ≡ 1 = y, ∇ₓC ≡ 0), a start at the fiber's minimum, a rank-deficient
path that stays straight, ReLU networks (SymPy's derivative of Max(0, u) is Heaviside(u, 1/2)).

Each test states the mathematical fact: identities that hold exactly are verified at the level
the check runs, a check whose object is vacuous says so (inconclusive, reason hypothesis), and
no evidence records an exception (reason ``error``) or a refutation of a claim that holds.
"""

from __future__ import annotations

import pytest

from symflow.claims import trajectories
from symflow.claims import c00_consistency as c00
from symflow.claims import c04_equilibria as c04
from symflow.claims import c06_linear_interpolation as c06
from symflow.claims import c07_rank_loss as c07
from symflow.claims import c08_cross_entropy as c08
from symflow.claims import c10_hypotheses as c10
from symflow.claims.evidence import Level, Reason, Status
from symflow.core.problems import entry_for
from symflow.testing.strategies import Case

DPS = 20


@pytest.fixture(autouse=True)
def fresh_cache():
    trajectories.clear_cache()
    yield
    trajectories.clear_cache()


def entry(*args, **kw):
    c = Case.build(*args, **kw)
    return entry_for(c.problem, c.theta, name="case")


def by_key(evs, key):
    hits = [e for e in evs if e.key == key]
    assert hits, (key, [e.key for e in evs])
    return hits[0]


def no_error(evs):
    bad = [(e.key, e.why) for e in evs if e.reason is Reason.ERROR]
    assert not bad, bad
    assert not [e.key for e in evs if e.status is Status.REFUTED]


# D = 0: x = w₃w₂w₁·0 on the single input 0 (rank 0, QN = 1); x(0) = y = 0
def rank0():
    return entry([1, 1, 1, 1], "identity", False, [[0]], [[0]], [0, 0, 0])


def test_c4_rank0_is_verified_exactly():
    """range(D) = {0}: M_α is positive definite on it vacuously (no pivots), (I − P)M_αB is an
    empty matrix, and P∇ₓC = V_0 = V_α = 0."""
    evs = c04.check_c4(rank0(), dps=DPS)
    no_error(evs)
    assert all(e.status is Status.VERIFIED and e.level is Level.EXACT for e in evs)
    pos = by_key(evs, "pos")
    assert pos.residual is None and all("vacuous" in p for p in pos.details["per_point"])


def test_c4_rank0_at_mpmath_mixes_vacuous_and_measured_points():
    """Found by the campaign (seed 1, case 86): a cube network with cross-entropy, rank D = 0 at
    θ₀ but not at the other sample points. Vacuous points (no positive value to report) and
    measured ones met in one evidence, and the confirming residuals' minimum compared None
    with an mpf: the check raised. Now the vacuous points are left out of the minimum."""
    e = entry([1, 2, 1, 2], "cube", False, [[-2]], [["3/4", "1/4"]],
              ["-7/8", 1, 0, 0, "-3/4", "3/7"], loss="cross_entropy")
    evs = c04.check_c4(e, dps=DPS, level=e.strongest_level)   # mpmath: balls cannot certify rank 0
    no_error(evs)
    assert all(e.status is Status.VERIFIED for e in evs)


def test_c0_integrator_rank0_is_verified():
    """G = DDᵀ = 0: G⁺ = 0 inverts nothing, κ = 1, and the evaluators' pinv fields equal the
    library's (all 0)."""
    evs = c00.check_integrator(rank0(), dps=DPS)
    no_error(evs)
    assert all(e.status is Status.VERIFIED for e in evs), [(e.key, e.why) for e in evs]
    assert by_key(evs, "integrator_field_pinv").kappa == 1


def test_c7_at_rest_holds_and_says_it_cannot_bend():
    """x(0) = y: the flow is at rest, C7's formula and monotonicity hold (absolute residuals);
    the path cannot bend, which ``bends`` says (hypothesis) instead of dividing by 0."""
    evs = c07.check_c7(rank0(), dps=DPS, confirm=False)
    no_error(evs)
    for key in ("formula", "distance", "setting"):
        assert by_key(evs, key).status is Status.VERIFIED, key
    b = by_key(evs, "bends")
    assert b.status is Status.INCONCLUSIVE and b.reason is Reason.HYPOTHESIS
    assert "x(0) = y" in b.why


def test_c10_at_rest_is_no_witness():
    evs = c10.check_c10(rank0(), dps=DPS, midflow=False, confirm=False)
    no_error(evs)
    for key in ("departure", "misses_target"):
        e = by_key(evs, key)
        assert e.status is Status.INCONCLUSIVE and e.reason is Reason.HYPOTHESIS, key
    assert by_key(evs, "c7_formula").status is Status.VERIFIED


def test_c7_straight_path_at_rank_loss_is_not_refuted():
    """x = (w, w) (K = 1 < QN = 2), y = 0: x(0) − y ∈ range D along the path, so C7 predicts the
    straight line (its integral vanishes); rank loss does not bend it, and that is no
    refutation."""
    e = entry([1, 1], "identity", False, [[1], [1]], [[0], [0]], ["1/2"])
    evs = c07.check_c7(e, dps=DPS, confirm=False)
    no_error(evs)
    b = by_key(evs, "bends")
    assert b.status is Status.INCONCLUSIVE and b.reason is Reason.HYPOTHESIS
    evs10 = c10.check_c10(e, dps=DPS, midflow=False, confirm=False)
    no_error(evs10)
    assert by_key(evs10, "departure").reason is Reason.HYPOTHESIS


def test_c6_at_rest_is_verified():
    """Full rank (D = 1), x(0) = y = 0: the line is the point y, the t-flow is at rest, and C = 0
    at t = 1 — C6 holds with absolute residuals."""
    evs = c06.check_c6_trajectory(entry([1, 1], "identity", False, [[1]], [[0]], [0]),
                                  dps=DPS, confirm=False)
    no_error(evs)
    assert all(e.status is Status.VERIFIED for e in evs), [(e.key, e.why) for e in evs]


def test_c8_q1_fiber_is_a_point():
    """Q = 1: σ ≡ 1 = y, the fiber is a point, the Hessian is positive definite on {0}
    vacuously (exact), and the flow at rest has no decay rate (inconclusive, hypothesis)."""
    e = entry([1, 1], "sigmoid", False, [[1]], [[1]], ["1/2"], loss="cross_entropy")
    ex = c08.check_c8_exact(e, dps=DPS)
    no_error(ex)
    assert all(v.status is Status.VERIFIED for v in ex), [(v.key, v.why) for v in ex]
    tr = c08.check_c8_trajectory(e, dps=DPS, confirm=False)
    no_error(tr)
    r = by_key(tr, "rate")
    assert r.status is Status.INCONCLUSIVE and r.reason is Reason.HYPOTHESIS


def test_c8_start_at_minimum_is_not_refuted():
    """x(0) = x* (σ(x(0)) = y = (1/2, 1/2)): |x − x*| is rounding noise and has no decay rate;
    the rate check must not be judged on it."""
    e = entry([1, 2], "cube", True, [[1]], [["1/2", "1/2"]], ["-4/7"] * 4,
              loss="cross_entropy")
    tr = c08.check_c8_trajectory(e, dps=DPS, confirm=False)
    no_error(tr)
    r = by_key(tr, "rate")
    assert r.status is Status.INCONCLUSIVE and r.reason is Reason.HYPOTHESIS


def test_c0_jacobian_relu_off_kinks_is_verified():
    """SymPy's ∂/∂u Max(0, u) = Heaviside(u, 1/2) equals the library's step off the kinks."""
    e = entry([1, 2, 1], "relu", False, [[2]], [[1]], ["1/2", "-1/3", "1/5", "-1/7"])
    evs = c00.check_jacobian(e, dps=DPS)
    no_error(evs)
    assert all(v.status is Status.VERIFIED for v in evs), [(v.key, v.why) for v in evs]


def test_rank_not_certified_at_a_sample_point_is_numerical_trouble_not_an_error():
    """Found by the campaign (seed 1, case 81): a ReLU network with cross-entropy whose rank
    balls certify at θ₀ but not at other sample points (a unit at a kink). The pointwise checks
    raised RankError (recorded as "check raised"); now that point is undecided, reason
    numerical trouble, and the points where rank D is certified are still judged."""
    from symflow.claims import check
    c = Case.build([2, 2, 2, 2], "relu", False, [["1/2", "-1/3"]], [["3/4", "1/4"]],
                   ["6/7", "-2/5", -1, 0, -1, "-2/3", "1/2", 0, "-3/8", -1, 0, "-2/5"],
                   loss="cross_entropy")
    e = entry_for(c.problem, c.theta, name="case-81")   # the campaign's sample points
    for cid in ("C2", "C3", "C9"):
        v = check(cid, e, dps=30)
        no_error(v.evidence)
        assert v.status is not Status.REFUTED
        assert any(r.startswith("numerical trouble") and "certify the rank" in r
                   for r in v.reasons), (cid, v.reasons)


# ---- C15 and C17 (found by a campaign, seed 5, cases 0 and 2) ----------------------------------
def test_c15_c17_at_rest_say_so_instead_of_raising():
    """x[θ] = θu on u = 1, y = 0, θ = 0: x(0) = y. C15's line through x and y is undefined
    (u = 0) and C17 has no iterates: both inconclusive with reason hypothesis, nothing raised."""
    from symflow.claims import check

    e = entry([1, 1], "identity", False, [[1]], [[0]], [0])
    for cid, key in (("C15", "C15.measure"), ("C17", "C17.order")):
        v = check(cid, e, dps=DPS)
        assert not [x for x in v.evidence if x.reason is Reason.ERROR]
        assert by_key(v.evidence, key).reason is Reason.HYPOTHESIS
        assert not [x for x in v.evidence if x.status is Status.REFUTED]


def test_c15_fitted_constant_on_a_deep_sin_network():
    """mlp([1, 3, 3, 2], sin) at a campaign's θ: the fitted η² constants of GN agree with |h|/2
    and |Π^⊥h|/2. With the fit c + aη the neglected bη² left 1.4·10⁻³ (relative) and refuted
    the claim falsely; c + aη + bη² leaves O(η_max³)."""
    from symflow.claims import c15_discrete_steps as c15

    theta = [0, "-2/5", 1, "1/2", "1/3", "-1/7", "-1/2", "1/3", "2/5", 1, "3/5", "-1/2", "1/7",
             "5/7", "-1/4", "1/7", 0, "-1/3", -1, "-1/2", "3/5", -1, "1/2", 1, 0, 0]
    c = Case.build([1, 3, 3, 2], "sin", True, [[2], ["-2/3"], ["-5/3"]],
                   [[0, 2], [-2, "-1/3"], ["-1/4", "-1/2"]], theta)
    m1 = c15.measure(c.problem, c.theta, DPS + 10)
    for key in ("gn_pt", "gn_line", "gd_line"):
        r = c15._measure_residuals(key, m1)
        assert r["rc"] < c15.CONST_TOL / 10, (key, r["rc"])   # measured 1.6e-5 (gn_pt)


def test_c15_relu_at_a_kink_is_not_twice_differentiable():
    """mlp([1, 1, 1], relu) with the hidden unit at its kink (z = 0 at θ₀ = 0): the Hessians
    hold DiracDelta(0), ∂²x does not exist, and C15's measurement says so (hypothesis) — it
    raised a NameError from the lambdified DiracDelta before (campaign seed 1, cases 10–15)."""
    from symflow.claims import check

    v = check("C15", entry([1, 1, 1], "relu", True, [[1]], [[1]], [0, 0, 0, 0]), dps=DPS)
    assert not [x for x in v.evidence if x.reason is Reason.ERROR]
    m = by_key(v.evidence, "C15.measure")
    assert m.reason is Reason.HYPOTHESIS and "not C²" in m.why
