"""Properties of random SymPy models (``symflow.testing.models``), checked exactly or at 50
digits: the tape's D is SymPy's derivative, and the adapted field moves outputs by −P∇ₓC (C2,
corrected) for any model, full rank or not."""

from __future__ import annotations

import mpmath
import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings

import symflow as sf
from symflow.testing.models import model_problems

_SETTINGS = settings(max_examples=25, deadline=None,
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _sympy_D(prob, theta):
    net = prob.network
    X = []
    for row in prob.inputs:
        env = dict(zip(net.inputs, row))
        X += [e.xreplace(env) for e in net.outputs]
    return sp.Matrix(X).jacobian(sp.Matrix(net.params)).xreplace(
        dict(zip(net.params, [sp.Rational(q.numerator, q.denominator) for q in theta])))


def _defined(prob, theta, level, dps=30):
    try:
        return prob.at(theta, level, dps)
    except (sf.DomainError, ZeroDivisionError):
        return None


@_SETTINGS
@given(model_problems(rational=True))
def test_rational_model_D_is_sympys_derivative_exactly(case):
    prob, theta = case
    pd = _defined(prob, theta, "exact")
    if pd is None:
        return   # a pole of the drawn rational function at θ
    J = _sympy_D(prob, theta)
    D = pd.D.tolist()
    assert all(sp.Rational(int(D[i][j].p), int(D[i][j].q)) == J[i, j]
               for i in range(prob.QN) for j in range(prob.K))


@_SETTINGS
@given(model_problems(rational=False))
def test_transcendental_model_D_matches_at_50_digits(case):
    prob, theta = case
    with mpmath.workdps(50):
        pd = _defined(prob, theta, "mpmath", 50)
        if pd is None:
            return
        J = _sympy_D(prob, theta)
        for i in range(prob.QN):
            for j in range(prob.K):
                ref = mpmath.mpf(str(sp.N(J[i, j], 70)))
                assert abs(pd.D[i, j] - ref) <= mpmath.mpf(10) ** -40 * max(1, abs(ref))


@_SETTINGS
@given(model_problems(rational=True))
def test_adapted_field_moves_outputs_by_minus_P_grad(case):
    """x' = D·(−D⁺g) = −Pg with P from a column basis of D, exactly, whatever the rank."""
    prob, theta = case
    pd = _defined(prob, theta, "exact")
    if pd is None:
        return
    lhs = sf.output_field(pd, "adapted")
    rhs = -(sf.projector(pd.D) @ pd.grad)
    assert (lhs - rhs).is_zero()
