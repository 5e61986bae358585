"""symflow.flows.steps: the Gauss–Newton and gradient steps (docs/theory.md §7, C15, C17)."""

from __future__ import annotations

from fractions import Fraction

import mpmath
import pytest
import sympy as sp

from symflow import Problem, model
from symflow.backends.linalg import as_mat, projector
from symflow.core.problems import get_problem
from symflow.errors import DataError, LevelError, ParameterError
from symflow.flows import steps


def _linear():
    """x = (a + b·u) on u ∈ {0, 1, 2}: K = 2 < QN = 3 (rank 2), L2."""
    a, b, u = sp.symbols("a b u")
    return Problem(model([a + b * u], [a, b], [u]), [[0], [1], [2]], [[1], [0], [4]], "l2")


def test_gn_on_a_linear_model_lands_on_the_projection_exactly():
    prob = _linear()
    th = (Fraction(1, 2), Fraction(-1))
    pd = prob.at(th, "exact")
    P = projector(pd.D)
    y, x = pd.y, pd.x
    want = P @ y + (x - P @ x)          # Py + P^⊥x
    th1 = steps.gauss_newton_step(prob, th, 1, level="exact")
    got = prob.at(th1, "exact").x
    assert all(isinstance(v, Fraction) for v in th1)
    assert (got - want).is_zero()
    assert not (x - want).is_zero()     # the step did move


def test_gradient_step_is_theta_plus_eta_DT_u():
    prob = _linear()
    th = (Fraction(0), Fraction(0))
    pd = prob.at(th, "exact")
    v = pd.D.T @ (pd.y - pd.x)
    got = steps.gradient_step(prob, th, Fraction(1, 4), level="exact")
    assert list(got) == [Fraction(1, 4) * Fraction(int(e.p), int(e.q)) for e in v.entries()]


def test_steps_at_mpmath_agree_with_exact():
    e = get_problem("cube-2-3-2-l2")
    ex = steps.gauss_newton_step(e.problem, e.theta0, Fraction(1, 8), level="exact")
    mp = steps.gauss_newton_step(e.problem, e.theta0, Fraction(1, 8), level="mpmath", dps=40)
    with mpmath.workdps(40):
        assert max(abs(mpmath.mpf(a.numerator) / a.denominator - b) for a, b in zip(ex, mp)) \
            < mpmath.mpf(10) ** -35


def test_iterate_records_and_stops():
    prob = _linear()
    its = steps.iterate(prob, (0, 0), "gauss_newton", 1, n_max=5, level="exact",
                        stop=lambda it: it.k >= 1)
    assert [it.k for it in its] == [0, 1]
    assert its[1].residual_sq < its[0].residual_sq      # the least-squares optimum
    again = steps.iterate(prob, its[1].theta, "gauss_newton", 1, n_max=1, level="exact")
    assert again[1].residual_sq == again[0].residual_sq  # a fixed point of GN


def test_iterate_progress():
    seen = []

    class P:
        def update(self, t, info):
            seen.append((t, info["time_variable"]))

        def close(self):
            seen.append("closed")

    steps.iterate(_linear(), (0, 0), "gradient", Fraction(1, 10), n_max=3, level="exact",
                  progress=P())
    assert seen == [(1, "iteration"), (2, "iteration"), (3, "iteration"), "closed"]


@pytest.mark.parametrize("eta", [0, -1, "x", float("nan"), None])
def test_bad_eta(eta):
    with pytest.raises(ParameterError, match="η"):
        steps.gauss_newton_step(_linear(), (0, 0), eta, level="exact")


def test_bad_theta_and_arguments():
    with pytest.raises(ParameterError, match="K = 2"):
        steps.gradient_step(_linear(), (0, 0, 0), 1, level="exact")
    with pytest.raises(ParameterError):
        steps.iterate(_linear(), (0,), n_max=2, level="exact")
    with pytest.raises(DataError, match="step must be"):
        steps.iterate(_linear(), (0, 0), "newton", n_max=2, level="exact")
    with pytest.raises(DataError, match="n_max"):
        steps.iterate(_linear(), (0, 0), n_max=-1, level="exact")
    with pytest.raises(LevelError, match="ball"):
        steps.iterate(_linear(), (0, 0), n_max=1, level="ball")
    with pytest.raises(DataError, match="Problem"):
        steps.gauss_newton_step("not a problem", (0, 0), 1)
    with pytest.raises(DataError, match="kind"):
        pd = _linear().at((0, 0), "exact")
        steps.step_direction(pd, 3, "newton")
