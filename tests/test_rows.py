"""The engine's fixed-point protocol and its rows on a second core (symflow.flows.rows).

Facts asserted: the fixed-point inner loop solves closed-form ODEs to the product tolerance; a
step computed with a helper process is the serial step bit for bit (same step points, orders,
error estimates, outcome and message, also when f fails); the rows are dealt so that the two
sides' loads differ by at most one row; bad ``workers`` values are refused.
"""

from __future__ import annotations

import mpmath
import pytest
from mpmath import mp, mpf

import symflow as sf
from symflow.errors import DataError, IntegrationError
from symflow.flows import integrate
from symflow.flows.odes import solve_ivp_mp
from symflow.flows.rows import RowHelper, split_rows, usable_cores

needs_two = pytest.mark.skipif(usable_cores() < 2, reason="a second core is needed")


class FixedDecay:
    """y' = −c·y, offered through the fixed-point protocol only (f(t, y) for the first value)."""

    def __init__(self, c=1, fail_after=None):
        self.c, self.fail_after = c, fail_after

    @property
    def fixed_bits(self):
        return mp.prec + 40

    def fixed(self, t, y):
        if self.fail_after is not None and t > self.fail_after:
            raise ZeroDivisionError(f"planted failure past t = {self.fail_after}")
        return [-self.c * v for v in y]

    def __call__(self, t, y):
        return [-self.c * v for v in y]


@pytest.mark.parametrize("dps", [30, 60])
def test_fixed_protocol_exponential(dps):
    sol = solve_ivp_mp(FixedDecay(), 0, [1, -2], 2, dps=dps, workers=1)
    assert sol.status == "success"
    with mp.workdps(dps + 20):
        exact = [mpmath.exp(-2), -2 * mpmath.exp(-2)]
        err = max(abs(a - b) for a, b in zip(sol.ys[-1], exact)) / 2
        assert err <= mpf(10) ** (5 - dps)


@needs_two
def test_helper_gives_the_serial_steps_bit_for_bit():
    f = FixedDecay(c=3)
    a = solve_ivp_mp(f, 0, [1, "1/3"], 4, dps=40, workers=1)
    b = solve_ivp_mp(f, 0, [1, "1/3"], 4, dps=40, workers=2)
    assert a.status == b.status == "success"
    assert a.ts == b.ts and a.ys == b.ys and a.ks == b.ks
    assert a.stats.max_error_estimate == b.stats.max_error_estimate
    assert b.stats.nfev >= a.stats.nfev        # rows computed ahead are counted
    assert (a.stats.workers, b.stats.workers) == (1, 2)


@needs_two
def test_helper_failure_is_the_serial_failure():
    f = FixedDecay(fail_after=mpf("0.5"))
    a = solve_ivp_mp(f, 0, [1], 2, dps=30, workers=1)
    b = solve_ivp_mp(f, 0, [1], 2, dps=30, workers=2)
    assert a.status == b.status == "failed"
    assert a.message == b.message and "planted failure" in a.message
    assert a.ts == b.ts and a.t_stop == b.t_stop


@needs_two
def test_network_flow_same_with_and_without_helper():
    prob = sf.Problem(sf.mlp([2, 3, 1], "tanh"), inputs=[[0, 1], ["1/2", -1]],
                      targets=[[1], [0]])
    th0 = sf.random_rational_point(prob.K, 1)
    a = integrate(prob, th0, t_end=1, dps=30, workers=1)
    b = integrate(prob, th0, t_end=1, dps=30, workers=2)
    assert a.status == b.status == "success"
    assert a.times == b.times and a.thetas == b.thetas
    assert (a.stats["workers"], b.stats["workers"]) == (1, 2)
    assert b.stats["field_kernel"] == "straight-line program"
    with mp.workdps(30):
        x1 = prob.at(b.theta_at(1), "mpmath", dps=30).x
        err = max(abs(x1[j, 0] - y) for j, y in enumerate(b.y)) / max(abs(v) for v in b.y)
    assert err <= sf.flows.integrate_tolerance(30)


def test_split_rows_balances_the_work():
    for k in range(1, 25):
        njs = [2 * j for j in range(1, k + 1)]
        mine, theirs = split_rows(njs)
        assert sorted(mine + theirs) == njs
        work = lambda rows: sum(n - 1 for n in rows)  # noqa: E731
        assert abs(work(mine) - work(theirs)) <= 2 * k - 1


@needs_two
def test_helper_closes():
    from symflow.flows.engine import EngineConfig, _Engine
    with mp.workdps(30):
        eng = _Engine(EngineConfig(FixedDecay(), 1, mpf(10) ** -30, mpf(10) ** -30, 10))
        h = RowHelper(eng)
        h.close()
    assert not h.proc.is_alive()


@pytest.mark.parametrize("bad", [0, 3, True, "2"])
def test_bad_workers_refused(bad):
    prob = sf.Problem(sf.mlp([1, 2, 1], "tanh"), inputs=[[1]], targets=[[2]])
    with pytest.raises(DataError, match="workers"):
        integrate(prob, [1, 0, 1, 1, 0, 1, 0], t_end=1, workers=bad)
    with pytest.raises(IntegrationError, match="workers"):
        solve_ivp_mp(lambda t, y: [-y[0]], 0, [1], 1, workers=bad if bad is not True else 5)
