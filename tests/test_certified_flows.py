"""Certified enclosures of the flows of catalogue problems (``symflow.enclose``).

Each check compares the Arb-ball enclosure with an *independent* computation: the mpmath GBS
integrator of ``symflow.integrate`` (a different algorithm, at dps + 20), exact targets y, or the
mathematics (a wrong field must not be certified around the true path; a rank-deficient D must
not be certified; widths must shrink as the precision grows).
"""

from __future__ import annotations

from fractions import Fraction

import flint
import mpmath
import pytest
from flint import arb

import symflow as sf
from symflow.backends.arith import arb_precision
from symflow.core.problems import get_problem
from symflow.errors import DataError, LevelError, ParameterError
from symflow.flows import Adapted, FlowTime, LineTime, Precision

DPS = 30
REF = DPS + 20            # the independent mpmath run
TIMES = [Fraction(k, 20) for k in range(21)]     # 21 times in [0, 1], both ends included


def _ball(v) -> arb:
    """A ball around an mpf, given with 10 more digits than REF (its own error ≈ 10^−REF)."""
    return arb(mpmath.nstr(v, REF + 10)) + arb(0, arb(10) ** (-REF + 2))


def _exact(q) -> arb:
    q = Fraction(str(q))
    return arb(flint.fmpq(q.numerator, q.denominator))


def _reference(entry, span):
    traj = sf.integrate(entry.problem, entry.theta0, field=Adapted(), span=span,
                        precision=Precision(dps=REF))
    assert traj.status == "success", traj.message
    return traj


def _contains_reference(enc, traj, times):
    """Every θ-ball of the enclosure contains the reference θ(t) at every time, up to the
    reference's own error 10^(2−REF) (the true θ(t) lies in both balls, so they must overlap;
    the enclosure's radius, ~10^−30, is far larger than the reference's, so this is
    containment of the reference value except where the enclosure is exact, as at t = 0);
    returns how many (time, component) pairs were checked."""
    n = 0
    for t in times:
        balls = enc.theta_at(t)
        with mpmath.workdps(REF):
            ref = traj.theta_at(mpmath.mpf(t.numerator) / t.denominator)
        with arb_precision(REF + 10):
            for b, v in zip(balls, ref):
                assert b.overlaps(_ball(v)), (t, b, v)
                n += 1
    return n


@pytest.fixture(scope="module")
def tanh_enclosure():
    e = get_problem("tanh-2-3-1-l2")
    return e, sf.enclose(e.problem, e.theta0, dps=DPS)


def test_tanh_certified_on_0_1_contains_mpmath_and_reaches_y(tanh_enclosure):
    e, enc = tanh_enclosure
    assert enc.certified and enc.t_reached == 1 and enc.time_variable == "t", enc.reason
    assert enc.rank_certificate is not None and enc.rank_certificate > 1   # λ_min(DDᵀ) ≥ 3.04
    traj = _reference(e, LineTime(1))
    assert _contains_reference(enc, traj, TIMES) == len(TIMES) * e.problem.K
    with arb_precision(DPS):
        x1 = enc.outputs_at(1)
        for xb, yv in zip(x1, e.problem.y_flat):
            assert xb.contains(_exact(yv))
            assert xb.rad() < arb("1e-25")           # a tight enclosure, not a vacuous one
    assert enc.relative_width() < 1e-25              # the goal width


def test_tanh_outputs_stay_on_the_line(tanh_enclosure):
    """C6 at ball level: every deviation ball x[θ(t_i)] − ((1 − t_i)x₀ + t_i y) contains 0 and
    is tiny, and the rank certificate holds on every step's tube."""
    _, enc = tanh_enclosure
    devs = enc.line_deviation()
    assert len(devs) == len(enc.steps) + 1
    for _, balls in devs:
        for d in balls:
            assert d.contains(0) and d.rad() < arb("1e-25")
    assert all(b is not None and b > 0 for b in enc.rank_bounds)


def test_widths_shrink_as_the_precision_grows(tanh_enclosure):
    e, enc30 = tanh_enclosure
    enc50 = sf.enclose(e.problem, e.theta0, dps=50)
    assert enc50.certified
    w30, w50 = enc30.relative_width(), enc50.relative_width()
    assert w50 < w30 * arb("1e-15"), (w30, w50)
    with arb_precision(60):                         # and both contain the same θ(1)
        for a, b in zip(enc30.theta_at(1), enc50.theta_at(1)):
            assert a.overlaps(b) and a.contains(b.mid())


@pytest.mark.parametrize("perturb", ["transpose", "sign"])
def test_a_wrong_field_is_never_certified_around_the_true_path(tanh_enclosure, perturb):
    """Dᵀ in place of D⁺, or a sign flipped in one component: the enclosure (of a different
    ODE) must exclude the true trajectory somewhere, or not certify — and C6's line check must
    then fail."""
    e, _ = tanh_enclosure
    enc = sf.enclose(e.problem, e.theta0, dps=DPS, perturb=perturb)
    if not enc.certified:
        assert enc.reason and enc.t_reached < 1       # failing to certify must say why
        return
    traj = _reference(e, LineTime(1))
    excluded = False
    for t in TIMES[1:]:
        with mpmath.workdps(REF):
            ref = traj.theta_at(mpmath.mpf(t.numerator) / t.denominator)
        with arb_precision(REF + 10):
            if not all(b.overlaps(_ball(v)) for b, v in zip(enc.theta_at(t), ref)):
                excluded = True
                break
    assert excluded
    assert any(not d.contains(0) for _, balls in enc.line_deviation() for d in balls)


@pytest.mark.parametrize("name", ["identity-1-1-l2-underparam", "square-1-2-1-l2-dead-unit"])
def test_rank_loss_is_not_certified_and_says_why(name):
    e = get_problem(name)
    enc = sf.enclose(e.problem, e.theta0, dps=DPS)
    assert not enc.certified and enc.t_reached == 0 and enc.steps == ()
    assert "positive definite" in enc.reason and "rank" in enc.reason
    assert enc.rank_certificate is None


def test_cost_decreases_along_the_standard_flow_certified():
    """C5 at ball level: dC/ds ≤ 0 on every piece of every tube of V_α, α ∈ {0, 1/2}."""
    e = get_problem("tanh-2-3-1-l2")
    for field in ("standard", "1/2"):
        enc = sf.enclose(e.problem, e.theta0, field=field, s_end="1/2", dps=DPS)
        assert enc.certified and enc.time_variable == "s"
        rates = enc.cost_rates(pieces=2)
        assert len(rates) == 2 * len(enc.steps)
        assert all(r < 0 for _, _, r in rates)


def test_cross_entropy_flow_contains_mpmath_and_keeps_logit_sums():
    """A third full-rank catalogue problem (Q = 2, cross-entropy): the adapted flow in s on
    [0, 1] contains the mpmath trajectory at 21 times, and each sample's logit sum stays in a
    ball around its initial value (C8's invariant; the invariance itself is exact elsewhere)."""
    e = get_problem("sin-1-3-2-ce")
    enc = sf.enclose(e.problem, e.theta0, s_end=1, dps=DPS)
    assert enc.certified, enc.reason
    traj = _reference(e, FlowTime(1))
    assert _contains_reference(enc, traj, TIMES) == len(TIMES) * e.problem.K
    Q = e.problem.Q
    with arb_precision(DPS):
        x0 = enc.outputs_at(0)
        sums0 = [sum(x0[n * Q:(n + 1) * Q], arb(0)) for n in range(e.problem.N)]
        for st in enc.steps:
            x = enc.outputs_at(st.t + st.h)
            for n in range(e.problem.N):
                s = sum(x[n * Q:(n + 1) * Q], arb(0))
                assert (s - sums0[n]).contains(0) and (s - sums0[n]).rad() < arb("1e-25")


@pytest.mark.slow
def test_sigmoid_two_outputs_certified_on_0_1():
    """Sigmoid, Q = 2 (about 180 steps, ~80 s: the interval Taylor coefficients on boxes grow
    fast for this field, see docs/theory.md)."""
    e = get_problem("sigmoid-1-4-2-l2")
    enc = sf.enclose(e.problem, e.theta0, dps=DPS)
    assert enc.certified and enc.rank_certificate > 0, enc.reason
    traj = _reference(e, LineTime(1))
    assert _contains_reference(enc, traj, TIMES) == len(TIMES) * e.problem.K
    with arb_precision(DPS):
        for xb, yv in zip(enc.outputs_at(1), e.problem.y_flat):
            assert xb.contains(_exact(yv))


def test_bad_arguments_are_refused_by_name():
    e = get_problem("tanh-2-3-1-l2")
    with pytest.raises(ParameterError, match="K = 13"):
        sf.enclose(e.problem, e.theta0[:-1])
    with pytest.raises(DataError, match="one of"):
        sf.enclose(e.problem, e.theta0, t_end=1, s_end=1)
    ce = get_problem("tanh-2-3-3-ce")
    with pytest.raises(DataError, match="s_end"):
        sf.enclose(ce.problem, ce.theta0)                     # no time t for cross-entropy
    with pytest.raises(DataError, match="adapted field and the L2 loss"):
        sf.enclose(e.problem, e.theta0, field="standard", t_end=1)
    with pytest.raises(DataError):
        sf.enclose("not a problem", e.theta0)
    relu = sf.Problem(sf.mlp([1, 2, 1], "relu"), inputs=[[1]], targets=[[1]])
    with pytest.raises(LevelError, match="not smooth"):
        sf.enclose(relu, [1, -1, 1, 1, 1, 1, 0], t_end="1/2")


def test_progress_reports_every_certified_step():
    """``progress=`` gets one update per certified step, with the time reached (the step ends,
    increasing to t_end) and the step count, then one close()."""
    e = get_problem("tanh-2-3-1-l2")
    seen, closed = [], []

    class Recorder:
        def update(self, t, info):
            seen.append((t, info["step"], info["time_variable"]))

        def close(self):
            closed.append(True)

    enc = sf.enclose(e.problem, e.theta0, t_end="1/4", progress=Recorder())
    assert enc.certified and closed == [True]
    assert [s for _, s, _ in seen] == list(range(1, len(enc.steps) + 1))
    assert [t for t, _, _ in seen] == [float(s.t + s.h) for s in enc.steps]
    assert seen[-1][0] == 0.25 and {v for _, _, v in seen} == {"t"}
    with pytest.raises(DataError):
        sf.enclose(e.problem, e.theta0, t_end="1/4", progress="yes")
