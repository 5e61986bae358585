"""Tests of symflow.flows.odes: closed forms, self-confirmation at higher precision, dense output,
monitor, failure modes, precision hygiene.  Tolerances are derived from the working precision.
"""

from __future__ import annotations

import random
from fractions import Fraction

import mpmath
import pytest
from mpmath import mp, mpf

from symflow.errors import IntegrationError
from symflow.flows.odes import OdeSolution, OdeStats, solve_ivp_mp


def rel_err(a, b):
    with mp.workdps(150):
        num = max(abs(mpf(x) - mpf(y)) for x, y in zip(a, b))
        den = max(max(abs(mpf(y)) for y in b), mpf(10) ** -100)
        return num / den


def bound(dps):
    """The product requirement: agreement to 10^(5-dps) relative."""
    return mpf(10) ** (5 - dps)


# --- closed forms ------------------------------------------------------------------------

@pytest.mark.parametrize("dps", [30, 50])
def test_exponential_decay(dps):
    sol = solve_ivp_mp(lambda t, y: [-y[0]], 0, [1], 1, dps=dps)
    assert sol.status == "success" and isinstance(sol, OdeSolution)
    assert isinstance(sol.stats, OdeStats) and sol.stats.nfev > 0
    assert sol.dps == dps and sol.work_dps > dps
    assert sol.ts[0] == 0 and sol.ts[-1] == 1
    with mp.workdps(dps + 20):
        assert rel_err(sol.ys[-1], [mpmath.exp(-1)]) <= bound(dps)
        for t, y in zip(sol.ts, sol.ys):
            assert rel_err(y, [mpmath.exp(-t)]) <= bound(dps)


def test_blowup_y_squared():
    # y' = y^2, y(0) = 1  ->  y = 1/(1-t); t1 = 9/10 passed exactly (not as a float)
    dps = 30
    sol = solve_ivp_mp(lambda t, y: [y[0] ** 2], 0, [1], Fraction(9, 10), dps=dps)
    assert sol.status == "success"
    with mp.workdps(dps + 20):
        assert rel_err(sol.ys[-1], [mpf(10)]) <= bound(dps)
        for t, y in zip(sol.ts, sol.ys):
            assert rel_err(y, [1 / (1 - t)]) <= bound(dps)


def test_rotation():
    dps = 40
    sol = solve_ivp_mp(lambda t, y: [-y[1], y[0]], 0, [1, 0], 3, dps=dps)
    assert sol.status == "success"
    with mp.workdps(dps + 20):
        assert rel_err(sol.ys[-1], [mpmath.cos(3), mpmath.sin(3)]) <= bound(dps)
        # the invariant y1^2 + y2^2 = 1 along the whole trajectory
        for y in sol.ys:
            assert abs(y[0] ** 2 + y[1] ** 2 - 1) <= bound(dps)


def test_stiffish_linear_with_forcing():
    # y' = -20 (y - cos t) - sin t, y(0) = 1  ->  y = cos t  (stiffness ratio 20: a non-stiff
    # solver must follow the fast mode's step limit, but it stays cheap)
    dps = 30
    f = lambda t, y: [-20 * (y[0] - mpmath.cos(t)) - mpmath.sin(t)]  # noqa: E731
    sol = solve_ivp_mp(f, 0, [1], 2, dps=dps)
    assert sol.status == "success"
    with mp.workdps(dps + 20):
        for t, y in zip(sol.ts, sol.ys):
            assert rel_err(y, [mpmath.cos(t)]) <= bound(dps)
    # a perturbed start decays like exp(-20 t) onto the slow solution
    sol2 = solve_ivp_mp(f, 0, [2], 2, dps=dps)
    with mp.workdps(dps + 20):
        exact = mpmath.cos(2) + mpmath.exp(-40)
        assert rel_err(sol2.ys[-1], [exact]) <= bound(dps)


def test_backwards_and_trivial():
    dps = 30
    with mp.workdps(dps + 20):
        y1 = mpmath.exp(-1)
    sol = solve_ivp_mp(lambda t, y: [-y[0]], 1, [y1], 0, dps=dps)
    assert sol.status == "success" and sol.ts[-1] == 0
    with mp.workdps(dps + 20):
        assert rel_err(sol.ys[-1], [mpf(1)]) <= bound(dps)
        assert rel_err(sol(mpf("0.5")), [mpmath.exp(-mpf("0.5"))]) <= bound(dps)
    triv = solve_ivp_mp(lambda t, y: [-y[0]], 2, [3], 2, dps=dps)
    assert triv.status == "success" and triv.ts == [2] and triv.ys[-1] == [3]
    assert triv(2) == [3]


# --- 13-dim nonlinear system, self-confirmation at dps + 20 -----------------------------------

def tanh_system(K=13, seed=7):
    rng = random.Random(seed)
    A = [[Fraction(rng.randint(-10, 10), 10) for _ in range(K)] for _ in range(K)]
    y0 = [Fraction((-1) ** i * (i + 1), K) for i in range(K)]

    def f(t, y):
        return [mpmath.tanh(mpmath.fdot([mpf(a.numerator) / a.denominator for a in row], y))
                for row in A]
    return f, y0


@pytest.mark.parametrize("dps", [30, 50])
def test_tanh_system_self_confirmation(dps):
    f, y0 = tanh_system()
    lo = solve_ivp_mp(f, 0, y0, 1, dps=dps)
    hi = solve_ivp_mp(f, 0, y0, 1, dps=dps + 20)
    assert lo.status == hi.status == "success"
    e = rel_err(lo.ys[-1], hi.ys[-1])
    assert e <= bound(dps)
    # and in fact with a wide margin (the default tolerance is 10^-dps)
    assert e <= mpf(10) ** (1 - dps)
    assert lo.stats.max_error_estimate <= mpf(10) ** (-dps)
    # dense output of the low-precision run agrees with the high-precision run's dense output
    with mp.workdps(dps + 20):
        for t in [mpf(1) / 7, mpf(1) / 2, mpf(5) / 6]:
            assert rel_err(lo(t), hi(t)) <= bound(dps)


# --- dense output ---------------------------------------------------------------------------

def test_dense_output_many_points():
    dps = 30
    sol = solve_ivp_mp(lambda t, y: [-y[1], y[0]], 0, [1, 0], 3, dps=dps)
    assert len(sol.ts) >= 3
    with mp.workdps(dps + 20):
        for i in range(1, 40):
            t = mpf(3) * i / 40
            y = sol(t)
            assert rel_err(y, [mpmath.cos(t), mpmath.sin(t)]) <= bound(dps)
        # exactly at step points: the stored values
        assert sol(sol.ts[1]) == sol.ys[1]
    # outside the span: an IntegrationError naming the time and the span
    with pytest.raises(IntegrationError, match=r"t = 3\.5.*\[0\.0, 3\.0\]") as ei:
        sol(mpf("3.5"))
    assert ei.value.time is not None
    with pytest.raises(IntegrationError, match="outside"):
        sol(-1)


# --- monitor, progress, failures -----------------------------------------------------------

def test_monitor_stops():
    dps = 30
    seen = []

    def monitor(t, y):
        seen.append(t)
        if y[0] < mpf("0.5"):   # y = exp(-t) crosses 1/2 at t = ln 2
            return "y dropped below 1/2"
        return None

    sol = solve_ivp_mp(lambda t, y: [-y[0]], 0, [1], 5, dps=dps, monitor=monitor,
                       h_max=mpf("0.1"))
    assert sol.status == "stopped" and sol.message == "y dropped below 1/2"
    assert sol.t_stop == sol.ts[-1] == seen[-1]
    with mp.workdps(dps + 20):
        ln2 = mpmath.log(2)
    # the first accepted step point past ln 2 (steps are at most 0.1)
    assert ln2 < sol.t_stop <= ln2 + mpf("0.1")
    assert all(t < ln2 for t in seen[:-1])
    # dense output is available up to t_stop, not beyond
    with mp.workdps(dps + 20):
        assert rel_err(sol(ln2), [mpf("0.5")]) <= bound(dps)
    with pytest.raises(IntegrationError):
        sol(sol.t_stop + mpf("0.01"))

    # refined: bisection locates the crossing to stop_tol
    sol2 = solve_ivp_mp(lambda t, y: [-y[0]], 0, [1], 5, dps=dps, monitor=monitor,
                        stop_tol=mpf(10) ** -12)
    assert sol2.status == "stopped"
    assert ln2 <= sol2.t_stop <= ln2 + mpf(10) ** -12
    assert sol2.ts[-1] == sol2.t_stop and sol2.ys[-1][0] < mpf("0.5")


def test_progress_called():
    calls = []

    class P:
        closed = False

        def update(self, t, info):
            calls.append((t, info))

        def close(self):
            P.closed = True

    sol = solve_ivp_mp(lambda t, y: [-y[0]], 0, [1], 1, dps=30, progress=P())
    assert P.closed and len(calls) == sol.stats.nsteps >= 1
    assert calls[-1][0] == 1 and {"step", "h", "order", "nfev"} <= set(calls[-1][1])


def test_exception_in_f_reports_time():
    def f(t, y):
        if t > mpf("0.5"):
            raise ZeroDivisionError("singular Jacobian")
        return [-y[0]]

    sol = solve_ivp_mp(f, 0, [1], 1, dps=30)
    assert sol.status == "failed"
    assert "ZeroDivisionError" in sol.message and "t = 0.5" in sol.message
    assert sol.t_stop > mpf("0.5")
    # the trajectory computed so far is kept; its last point may lie slightly past 1/2 (the
    # end point of a GBS step is not an evaluation point of f), where f then raised
    assert sol.ts[-1] == sol.t_stop and mpf("0.5") < sol.ts[-1] < mpf("0.51")
    with pytest.raises(IntegrationError, match=r"t = 0\.5"):
        solve_ivp_mp(f, 0, [1], 1, dps=30, raise_on_failure=True)


def test_nonfinite_f_fails_with_time():
    # f is finite up to t = 1/2 and NaN afterwards: no step can cross 1/2
    def f(t, y):
        return [mpf("nan") if t > mpf("0.5") else -y[0]]

    sol = solve_ivp_mp(f, 0, [1], 1, dps=30, max_steps=2000)
    assert sol.status == "failed"
    assert "non-finite" in sol.message and "t = 0.5" in sol.message
    assert mpf("0.5") - mpf(10) ** -10 < sol.ts[-1] < mpf("0.51")


def test_blowup_beyond_singularity_fails():
    # y' = y^2 through its pole at t = 1: step size underflow (or non-finite), never a hang
    sol = solve_ivp_mp(lambda t, y: [y[0] ** 2], 0, [1], 2, dps=30, max_steps=5000)
    assert sol.status == "failed"
    assert "t = 0.99" in sol.message or "t = 1.0" in sol.message or "t = 0.9" in sol.message


def test_max_steps():
    sol = solve_ivp_mp(lambda t, y: [-y[1], y[0]], 0, [1, 0], 100, dps=30, max_steps=3)
    assert sol.status == "failed" and "max_steps" in sol.message and "t = " in sol.message
    assert sol.t_stop is not None


def test_bad_inputs():
    with pytest.raises(IntegrationError):
        solve_ivp_mp(lambda t, y: [-y[0]], 0, [], 1)
    with pytest.raises(IntegrationError):
        solve_ivp_mp(lambda t, y: [-y[0]], 0, ["abc"], 1)
    with pytest.raises(IntegrationError):
        solve_ivp_mp(lambda t, y: [-y[0]], 0, [1], mpf("inf"))
    sol = solve_ivp_mp(lambda t, y: [-y[0], 1], 0, [1], 1)   # wrong length
    assert sol.status == "failed" and "components" in sol.message


# --- precision hygiene ----------------------------------------------------------------------

def test_precision_not_leaked():
    before = mp.dps
    solve_ivp_mp(lambda t, y: [-y[0]], 0, [1], 1, dps=60)
    assert mp.dps == before

    def boom(t, y):
        raise RuntimeError("boom")
    solve_ivp_mp(boom, 0, [1], 1, dps=60)
    assert mp.dps == before
    with pytest.raises(IntegrationError):
        solve_ivp_mp(boom, 0, [1], 1, dps=60, raise_on_failure=True)
    assert mp.dps == before

    def boom_monitor(t, y):
        raise KeyboardInterrupt  # not an Exception: must propagate, precision still restored
    with pytest.raises(KeyboardInterrupt):
        solve_ivp_mp(lambda t, y: [-y[0]], 0, [1], 1, dps=60, monitor=boom_monitor)
    assert mp.dps == before


def test_f_sees_working_precision():
    precs = set()

    def f(t, y):
        precs.add(mp.dps)
        return [-y[0]]
    sol = solve_ivp_mp(f, 0, [1], 1, dps=40)
    assert precs == {sol.work_dps} and sol.work_dps >= 45


@pytest.mark.parametrize("scale", ["1e-40", "1e40"])
def test_scale_invariance(scale):
    # y1' = -y1, y2' = y1 - y2, y(0) = (s, 0): y = s e^{-t} (1, t); relative accuracy at any scale
    dps = 30
    for atol in (None, 0):
        sol = solve_ivp_mp(lambda t, y: [-y[0], y[0] - y[1]], 0, [scale, 0], 2, dps=dps,
                           atol=atol)
        assert sol.status == "success"
        with mp.workdps(dps + 20):
            s = mpf(scale)
            exact = [s * mpmath.exp(-2), 2 * s * mpmath.exp(-2)]
            assert all(abs(a / b - 1) <= bound(dps) for a, b in zip(sol.ys[-1], exact))
