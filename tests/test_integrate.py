"""Tests of symflow.flows.integrate (issue 3): closed forms C6 in t and s evaluated afresh from θ(t),
standard flow and V_1/2 against independent references, rank loss, float64, confirmation.

Every tolerance is 10^(5−dps) (the product requirement) times the scale of the quantity.
"""

from __future__ import annotations

import io
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import sympy as sp
from mpmath import mp, mpf
from scipy.integrate import solve_ivp

import symflow as sf
from symflow.errors import DataError, IntegrationError, ParameterError
from symflow.flows import FixedPointField, integrate, integrate_tolerance
from symflow.progress import TextProgress, make_progress


def small_problem(loss="l2"):
    net = sf.mlp([2, 3, 1], "tanh")
    targets = [[1], [0]] if loss == "l2" else None
    if loss == "l2":
        return sf.Problem(net, inputs=[[0, 1], ["1/2", -1]], targets=targets)
    net = sf.mlp([2, 3, 2], "tanh")
    return sf.Problem(net, inputs=[[0, 1], ["1/3", -1]], targets=[["1/4", "3/4"], ["1/2", "1/2"]],
                      loss="cross_entropy")


def xs_at(prob, theta, dps):
    pd = prob.at(theta, "mpmath", dps=dps + 10)
    return [pd.x[i, 0] for i in range(prob.QN)]


# --- C6: the straight line in t, and x(θ(1)) = y ------------------------------------------------

@pytest.mark.parametrize("dps", [30, 50])
def test_adapted_flow_in_t_is_linear_interpolation(dps):
    prob = small_problem()
    th0 = sf.random_rational_point(prob.K, 1)
    traj = integrate(prob, th0, t_end=1, dps=dps)
    assert traj.status == "success" and traj.time_variable == "t" and traj.t_end == 1
    assert traj.dps == dps and traj.arith == "mpmath" and traj.stats["nsteps"] >= 1
    x0 = xs_at(prob, th0, dps)
    y = [mpf(int(v.p)) / int(v.q) for v in prob.y_flat]
    with mp.workdps(dps + 10):
        scale = max(abs(a - b) for a, b in zip(x0, y))
        tol = integrate_tolerance(dps) * scale
        for k in range(0, 17):
            t = Fraction(k, 16)
            x = xs_at(prob, traj.theta_at(t), dps)
            tv = mpf(t.numerator) / t.denominator
            line = [(1 - tv) * a + tv * b for a, b in zip(x0, y)]
            assert max(abs(u - v) for u, v in zip(x, line)) <= tol, (t, x, line)
        x1 = xs_at(prob, traj.theta_at(1), dps)
        assert max(abs(u - v) for u, v in zip(x1, y)) <= tol
        # the trajectory's own bookkeeping agrees with the independent evaluation
        assert max(abs(u - v) for u, v in zip(traj.outputs_at(1), x1)) <= tol
        assert max(abs(u - v) for u, v in zip(traj.x0, x0)) <= tol
    assert traj.min_ntk_eigenvalue > 0 and traj.stats["max_error_estimate"] <= mpf(10) ** -dps


def test_adapted_flow_in_s_closed_form():
    dps = 30
    prob = small_problem()
    th0 = sf.random_rational_point(prob.K, 2)
    traj = integrate(prob, th0, field="adapted", s_end=3, dps=dps)
    assert traj.status == "success" and traj.time_variable == "s"
    x0 = xs_at(prob, th0, dps)
    y = [mpf(int(v.p)) / int(v.q) for v in prob.y_flat]
    N = prob.N
    with mp.workdps(dps + 10):
        tol = integrate_tolerance(dps) * max(abs(a - b) for a, b in zip(x0, y))
        for s in ["0", "1/7", "1/2", "1", "2", "3"]:
            sv = mpf(Fraction(s).numerator) / Fraction(s).denominator
            x = xs_at(prob, traj.theta_at(s), dps)
            exact = [b + mpmath.exp(-sv / N) * (a - b) for a, b in zip(x0, y)]
            assert max(abs(u - v) for u, v in zip(x, exact)) <= tol, s


def test_confirmation_at_higher_precision():
    prob = small_problem()
    traj = integrate(prob, sf.random_rational_point(prob.K, 1), t_end="1/2", dps=30, confirm=True)
    c = traj.confirmation
    assert c is not None and c.ok and c.dps_high > 30
    assert c.max_rel_diff <= c.tolerance == integrate_tolerance(30)
    assert "confirmation" in str(c)


# --- standard flow and V_1/2 against independent references -------------------------------------

def lambdified_field(prob, alpha):
    """θ' from SymPy differentiation of x[θ] (not backprop), lambdified to numpy."""
    th = list(prob.params)
    x = prob.outputs
    D = x.jacobian(th)                        # sympy diff, independent of the network's backprop
    fx = sp.lambdify([th], list(x), "numpy")
    fD = sp.lambdify([th], D, "numpy")
    y = np.array([float(v) for v in prob.y_flat])
    N = prob.N

    def f(t, theta):
        xv = np.array(fx(list(theta)), dtype=float)
        Dv = np.array(fD(list(theta)), dtype=float)
        g = (xv - y) / N
        u = (1 - alpha) * g + alpha * np.linalg.solve(Dv @ Dv.T, g)
        return -(Dv.T @ u)
    return f


@pytest.mark.parametrize("field,alpha", [("standard", 0.0), (Fraction(1, 2), 0.5)])
def test_standard_and_half_against_scipy_lambdify(field, alpha):
    prob = small_problem()
    th0 = sf.random_rational_point(prob.K, 4)
    traj = integrate(prob, th0, field=field, s_end=2, dps=30)
    assert traj.status == "success"
    ref = solve_ivp(lambdified_field(prob, alpha), (0, 2), [float(v) for v in th0],
                    method="DOP853", rtol=1e-13, atol=1e-13, dense_output=True)
    assert ref.status == 0
    for s in [0.5, 1.25, 2.0]:
        a = np.array([float(v) for v in traj.theta_at(s)])
        b = ref.sol(s)
        assert np.max(np.abs(a - b)) <= 1e-10 * np.max(np.abs(b))


def test_half_against_mpmath_odefun_tiny():
    # tiny problem: mlp([1, 1, 1]) identity-free tanh, K = 4, N = 2; field from SymPy diff
    prob = sf.Problem(sf.mlp([1, 1, 1], "tanh"), inputs=[[1], ["1/2"]], targets=[[1], [0]])
    th0 = [Fraction(1, 2), Fraction(-1, 4), Fraction(1), Fraction(1, 8)]
    dps = 15
    th = list(prob.params)
    fx = sp.lambdify([th], list(prob.outputs), "mpmath")
    fD = sp.lambdify([th], prob.outputs.jacobian(th), "mpmath")

    def F(t, theta):
        x = fx(list(theta))
        D = mpmath.matrix(fD(list(theta)))
        g = mpmath.matrix([(x[i] - (1 if i == 0 else 0)) / 2 for i in range(2)])
        u = g * mpf(1) / 2 + mpmath.lu_solve(D * D.T, g) / 2
        v = D.T * u
        return [-v[k] for k in range(4)]

    traj = integrate(prob, th0, field="1/2", s_end="1/2", dps=dps)
    with mp.workdps(dps):
        ref = mpmath.odefun(F, 0, [mpf(v.numerator) / v.denominator for v in th0])(mpf(1) / 2)
        got = traj.theta_at("1/2")
        assert max(abs(a - b) for a, b in zip(got, ref)) <= integrate_tolerance(dps) * max(
            abs(v) for v in ref)


# --- the fixed-point field against the generic evaluator ----------------------------------------

@pytest.mark.parametrize("act,bias,loss", [("tanh", True, "l2"), ("sigmoid", False, "l2"),
                                           ("softplus", True, "cross_entropy"),
                                           ("cube", True, "l2")])
def test_fixed_point_field_matches_compiled_field(act, bias, loss):
    net = sf.mlp([2, 3, 2, 2], act, bias=bias)
    targets = [[1, 0], ["1/3", -1], [0, "1/2"]] if loss == "l2" else \
        [["1/4", "3/4"], ["1/2", "1/2"], ["2/3", "1/3"]]
    prob = sf.Problem(net, inputs=[[0, 1], ["1/3", -1], ["2/7", "1/5"]], targets=targets,
                      loss=loss)
    th0 = sf.random_rational_point(prob.K, 5)
    dps = 40
    for field in ["standard", "adapted", Fraction(1, 3)]:
        with mp.workdps(dps):
            cf = sf.CompiledField(prob, field)   # built inside workdps: inputs at dps digits
            ff = FixedPointField(prob, field)
            th = prob.convert_theta(th0, "mpmath")
            a, b = cf(th), ff.field(th)
            scale = max(abs(v) for v in a)
            assert max(abs(u - v) for u, v in zip(a, b)) <= mpf(10) ** (5 - dps) * scale
            G, D = ff.ntk(th), cf.jacobian(th)
            for i in range(prob.QN):
                for j in range(prob.QN):
                    assert abs(G[i][j] - mpmath.fdot(D[i], D[j])) <= mpf(10) ** (5 - dps) * (
                        1 + abs(G[i][j]))


# --- rank loss ------------------------------------------------------------------------------------

def test_rank_loss_K_less_than_QN_stops_at_zero_then_pinv():
    prob = sf.Problem(sf.mlp([1, 1, 1], "tanh"), inputs=[[0], [1], [2], [-1], ["1/2"]],
                      targets=[[0], [1], [0], [1], [0]])
    assert prob.K < prob.QN
    th0 = [Fraction(1, 2), Fraction(1, 4), Fraction(1), Fraction(-1, 3)]
    traj = integrate(prob, th0, t_end=1, dps=30)
    assert traj.status == "rank_loss" and traj.stop_time == 0 and traj.t_end == 0
    assert "K = 4 < QN = 5" in traj.message and "rank_loss='pinv'" in traj.message
    assert traj.theta_at(0) == traj.thetas[0]
    with pytest.raises(IntegrationError):
        traj.theta_at("1/2")
    # the constrained flow: |x(s) − y| non-increasing along the trajectory (C7)
    pv = integrate(prob, th0, s_end=1, rank_loss="pinv", dps=30)
    assert pv.status == "success"
    y = pv.y
    dist = []
    for k in range(9):
        x = xs_at(prob, pv.theta_at(Fraction(k, 8)), 30)
        dist.append(mpmath.sqrt(sum((a - b) ** 2 for a, b in zip(x, y))))
    assert dist[-1] < dist[0]
    assert all(b <= a * (1 + integrate_tolerance(30)) for a, b in zip(dist, dist[1:]))


@pytest.mark.parametrize("field", ["adapted", Fraction(1, 2)])
def test_fixed_point_pinv_matches_svd_pinv(field):
    # K = 4 < QN = 5: G is singular; the pivoted-LDLᵀ G⁺ against CompiledField's SVD pinv
    prob = sf.Problem(sf.mlp([1, 1, 1], "tanh"), inputs=[[0], [1], [2], [-1], ["1/2"]],
                      targets=[[0], [1], [0], [1], [0]])
    dps = 40
    for seed in range(3):
        with mp.workdps(dps):
            th = prob.convert_theta(sf.random_rational_point(prob.K, seed), "mpmath")
            a = FixedPointField(prob, field, "pinv", rank_digits=dps // 2).field(th)
            b = sf.CompiledField(prob, field, rank_loss="pinv")(th)
            assert max(abs(u - v) for u, v in zip(a, b)) <= mpf(10) ** (5 - dps) * max(
                abs(v) for v in b)


def test_dead_relu_unit_is_reported():
    # relu unit dead on all inputs (w = -1, b = -1, inputs > 0): D has only the output-bias
    # column (and zeros), rank 1 < QN = 2
    prob = sf.Problem(sf.mlp([1, 1, 1], "relu"), inputs=[[1], [2]], targets=[[1], [0]])
    traj = integrate(prob, [-1, -1, 1, 0], s_end=1, dps=30)
    assert traj.status == "rank_loss" and traj.stop_time == 0
    assert "rank loss" in traj.message
    # the standard flow needs no inverse: it integrates (only the output bias moves)
    std = integrate(prob, [-1, -1, 1, 0], field="standard", s_end=1, dps=30)
    assert std.status == "success" and std.min_ntk_eigenvalue <= mpf(10) ** -25


# --- float64 --------------------------------------------------------------------------------------

def test_float64_agrees_with_mpmath():
    prob = small_problem()
    th0 = sf.random_rational_point(prob.K, 1)
    hi = integrate(prob, th0, t_end=1, dps=30)
    lo = integrate(prob, th0, t_end=1, arith="float64")
    assert lo.arith == "float64" and lo.status == "success" and lo.stats["method"] == "scipy DOP853"
    for t in ["1/4", "3/4", 1]:
        a, b = lo.theta_at(t), hi.theta_at(t)
        assert max(abs(u - v) for u, v in zip(a, b)) <= 1e-8 * max(abs(v) for v in b)
    c = lo.confirm()
    assert c.level == "float64" and c.ok


# --- interface and errors -------------------------------------------------------------------------

def test_bad_arguments():
    prob = small_problem()
    th0 = sf.random_rational_point(prob.K, 1)
    with pytest.raises(DataError, match="exactly one"):
        integrate(prob, th0)
    with pytest.raises(DataError, match="exactly one"):
        integrate(prob, th0, s_end=1, t_end=1)
    with pytest.raises(DataError, match=r"\[0, 1\]"):
        integrate(prob, th0, t_end=2)
    with pytest.raises(DataError, match="use s_end"):
        integrate(prob, th0, field="standard", t_end="1/2")
    with pytest.raises(DataError, match="field"):
        integrate(prob, th0, field=2, s_end=1)
    with pytest.raises(DataError, match="rank_loss"):
        integrate(prob, th0, s_end=1, rank_loss="ignore")
    with pytest.raises(DataError, match="dps"):
        integrate(prob, th0, s_end=1, dps=3)
    with pytest.raises(ParameterError):
        integrate(prob, th0[:-1], s_end=1)
    ce = small_problem("cross_entropy")
    with pytest.raises(DataError, match="L2"):
        integrate(ce, sf.random_rational_point(ce.K, 1), t_end="1/2")


def test_cross_entropy_logit_sums_invariant_in_s():
    # C8 by-product: along the adapted CE flow 1ᵀx_j is invariant (full rank)
    ce = small_problem("cross_entropy")
    th0 = sf.random_rational_point(ce.K, 3)
    traj = integrate(ce, th0, s_end=1, dps=30)
    assert traj.status == "success"
    x0 = xs_at(ce, th0, 30)
    x1 = xs_at(ce, traj.theta_at(1), 30)
    for j in range(ce.N):
        assert abs((x1[2 * j] + x1[2 * j + 1]) - (x0[2 * j] + x0[2 * j + 1])) <= \
            integrate_tolerance(30) * (1 + abs(x0[2 * j] + x0[2 * j + 1]))
    assert max(abs(a - b) for a, b in zip(x0, x1)) > mpf(10) ** -3   # it did move


def test_progress_and_precision_hygiene():
    calls = []

    class P:
        closed = False

        def update(self, t, info):
            calls.append((t, info))

        def close(self):
            P.closed = True

    before = mp.dps
    prob = small_problem()
    traj = integrate(prob, sf.random_rational_point(prob.K, 1), t_end="1/2", dps=30,
                     progress=P())
    assert mp.dps == before
    assert P.closed and len(calls) == traj.stats["nsteps"]
    buf = io.StringIO()
    tp = TextProgress(stream=buf, delay=0.0, interval=0.0)
    integrate(prob, sf.random_rational_point(prob.K, 1), t_end="1/2", dps=30, progress=tp)
    assert "time" in buf.getvalue() and "done" in buf.getvalue()
    assert make_progress(None) is None and isinstance(make_progress(True), TextProgress)
    with pytest.raises(DataError, match="progress"):
        make_progress("loud")


def test_rank_monitor_fires_for_a_single_output():
    """QN = 1: λ_min/λ_max ≡ 1, so the monitor measures G against the largest G seen on the
    path. x = w₂w₁²·u with u = 1, y = −1, θ(0) = (1, 1): along the adapted flow w₁² − 2w₂² = −1
    is conserved and x(t) = 1 − 2t, so x = 0 forces w₁ = 0 — D = 0 at t = 1/2 exactly."""
    import mpmath
    net = sf.mlp([1, 1, 1], "square", bias=False)
    prob = sf.Problem(net, inputs=[[1]], targets=[[-1]])
    tr = sf.integrate(prob, [1, 1], t_end=1, dps=20)
    assert tr.status == "rank_loss"
    assert abs(mpmath.mpf(tr.stop_time) - mpmath.mpf(1) / 2) < mpmath.mpf(10) ** -6
