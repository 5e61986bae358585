"""Networks given by SymPy expressions (``sf.model``) and the building blocks.

Facts checked: the tape's reverse-mode D equals SymPy's own ``diff`` of the output expressions
(exactly for rational models, to 1e-40 at 50 digits otherwise, enclosed by balls); a model
written with the Builder's dense layers *is* the MLP (same x and D, exactly); float64's
vectorised sweep agrees with mpmath; unsupported constructs are refused by name.
"""

from __future__ import annotations

from fractions import Fraction

import flint
import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings, strategies as st

import symflow as sf
from symflow.core import blocks

u1, u2, a, b, c, d = sp.symbols("u1 u2 a b c d", real=True)


def _sympy_D(net, prob, theta):
    """D by SymPy: diff of each output expression after substituting the sample's inputs."""
    X = []
    for row in prob.inputs:
        env = dict(zip(net.inputs, row))
        X += [e.xreplace(env) for e in net.outputs]
    J = sp.Matrix(X).jacobian(sp.Matrix(net.params))
    return J.xreplace(dict(zip(net.params, theta)))


MODELS = {
    # a skip connection around a transcendental unit
    "skip": (lambda: sf.model([a * sp.tanh(b * u1 + c * u2) + d * u1], [a, b, c, d], [u1, u2]),
             [[Fraction(1, 2), 1], [-1, Fraction(1, 3)], [2, -1]], [[1], [0], [Fraction(1, 2)]]),
    # shared weights: the same (a, b) in both outputs, and a square root
    "shared": (lambda: sf.model([a * sp.sin(b * u1) + c, a * sp.sin(b * u2) + sp.sqrt(c ** 2 + 1)],
                                [a, b, c], [u1, u2]),
               [[1, 2], [Fraction(1, 2), -1]], [[0, 1], [1, 0]]),
    # a polynomial model with a rational (negative) power
    "polynomial": (lambda: sf.model([a ** 3 * u1 + a * b * u2 ** 2 - c / (1 + d ** 2)],
                                    [a, b, c, d], [u1, u2]),
                   [[1, 2], [Fraction(1, 2), -1], [3, 1]], [[0], [1], [2]]),
    "tied_mlp": (lambda: blocks.tied_mlp(2, 2, 3, 1, "tanh"),
                 [[1, 2], [Fraction(1, 2), -1]], [[0], [1]]),
    "conv1d": (lambda: blocks.conv1d(4, 2, "cube"),
               [[1, 2, -1, Fraction(1, 2)], [0, 1, 1, -2]], [[0, 1, 0], [1, 0, 1]]),
}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_tape_D_equals_sympy_diff(name):
    make, X, Y = MODELS[name]
    net = make()
    prob = sf.Problem(net, X, Y)
    theta = sf.random_rational_point(prob.K, seed=7)
    J = _sympy_D(net, prob, theta)
    if prob.rational:
        D = prob.at(theta, "exact").D.tolist()
        assert all(sp.Rational(int(D[i][j].p), int(D[i][j].q)) == J[i, j]
                   for i in range(prob.QN) for j in range(prob.K))
    with mpmath.workdps(50):
        D = prob.at(theta, "mpmath", 50).D
        err = max(abs(D[i, j] - mpmath.mpf(str(sp.N(J[i, j], 70))))
                  for i in range(prob.QN) for j in range(prob.K))
    assert err < mpmath.mpf(10) ** -40, err
    with sf.working_precision(40):
        Db = prob.at(theta, "ball", 40).D
    with sf.working_precision(120):
        for i in range(prob.QN):
            for j in range(prob.K):
                exact = flint.arb(str(sp.N(J[i, j], 110)))   # ±1e-110: far inside the ball
                assert Db[i, j].contains(exact), (i, j, Db[i, j], exact)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_float64_sweep_agrees_with_mpmath(name):
    make, X, Y = MODELS[name]
    prob = sf.Problem(make(), X, Y)
    theta = sf.random_rational_point(prob.K, seed=3)
    Df = prob.at(theta, "float64").D.data
    with mpmath.workdps(30):
        Dm = np.array(prob.at(theta, "mpmath", 30).D.tolist(), dtype=float)
    assert np.allclose(Df, Dm, rtol=1e-12, atol=1e-12)


@settings(max_examples=15, deadline=None)
@given(st.lists(st.integers(1, 3), min_size=2, max_size=4),
       st.sampled_from(["square", "identity", "cube"]), st.booleans(), st.integers(0, 10**6))
def test_builder_dense_layers_are_the_mlp(widths, act, bias, seed):
    """The same network written two ways: x and D agree exactly (same θ order)."""
    bld = blocks.Builder(widths[0])
    h = bld.inputs
    for n in widths[1:-1]:
        h = bld.dense(h, n, act, bias)
    net = bld.model(bld.dense(h, widths[-1], None, bias))
    X = [[Fraction(i + 1, 3) - j for j in range(widths[0])] for i in range(2)]
    Y = [[0] * widths[-1] for _ in range(2)]
    p_model, p_mlp = sf.Problem(net, X, Y), sf.Problem(sf.mlp(widths, act, bias), X, Y)
    assert p_model.K == p_mlp.K
    theta = sf.random_rational_point(p_model.K, seed=seed)
    A, B = p_model.at(theta, "exact"), p_mlp.at(theta, "exact")
    assert (A.x - B.x).is_zero() and (A.D - B.D).is_zero()
    assert net.polynomial_degree == p_mlp.network.polynomial_degree


def test_symbolic_outputs_and_jacobian():
    net = MODELS["polynomial"][0]()
    prob = sf.Problem(net, [[1, 2]], [[0]])
    assert sp.simplify(prob.outputs[0] - (a ** 3 + 4 * a * b - c / (1 + d ** 2))) == 0
    J = sp.Matrix([prob.outputs[0]]).jacobian(sp.Matrix(net.params))
    assert all(sp.simplify(prob.jacobian[0, k] - J[0, k]) == 0 for k in range(4))
    assert net.rational and net.polynomial_degree is None


def test_rationality_and_degree():
    assert sf.model([a * b * u1 + c ** 2], [a, b, c], [u1]).polynomial_degree == 2
    assert sf.model([a * sp.exp(u1)], [a], [u1]).polynomial_degree == 1   # exp of an input only
    assert not sf.model([sp.sqrt(a ** 2 + 1)], [a], [u1]).rational
    assert sf.model([sp.Max(0, a * u1)], [a], [u1]).rational


@pytest.mark.parametrize("bad, match", [
    (lambda: sf.model([sp.erf(a * u1)], [a], [u1]), "erf"),
    (lambda: sf.model([a ** b * u1], [a, b], [u1]), "power"),
    (lambda: sf.model([a ** 101 * u1], [a], [u1]), "at most"),
    (lambda: sf.model([sp.Float(0.5) * a * u1], [a], [u1]), "exact"),
    (lambda: sf.model(["a*u1"], [a], [u1]), "not parsed"),
    (lambda: sf.model([a * c * u1], [a], [u1]), r"\['c'\]"),
    (lambda: sf.model([a * u1], [a, a], [u1]), "more than once"),
    (lambda: sf.model([a * u1], [a], [a]), "both parameters and inputs"),
    (lambda: sf.model([sp.pi * a * u1], [a], [u1]), "pi"),
    (lambda: sf.model([a * u1], ["a"], [u1]), "not a SymPy Symbol"),
])
def test_unsupported_constructs_are_refused_by_name(bad, match):
    with pytest.raises(sf.ArchitectureError, match=match):
        bad()


def test_transcendental_model_refuses_the_exact_level():
    prob = sf.Problem(MODELS["skip"][0](), [[1, 2]], [[0]])
    with pytest.raises(sf.LevelError, match="transcendental"):
        prob.at([1, 1, 1, 1], "exact")


def test_adapted_flow_of_a_model_is_the_straight_line():
    """C6 on a user model (skip connection, full rank): x(t) = (1 − t)x(0) + t·y at mpmath,
    confirmed by the re-integration at dps + 10; float64 reaches y."""
    make, X, Y = MODELS["skip"]
    prob = sf.Problem(make(), X[:2], Y[:2])
    theta0 = [Fraction(1, 2), -1, Fraction(1, 3), 1]
    assert sf.rank_info(prob.at(theta0, "ball", 30).D, 30).rank == prob.QN
    tr = sf.integrate(prob, theta0, t_end=1, dps=25)
    assert tr.status == "success" and tr.confirm().ok
    x0 = tr.outputs_at(0)
    y = [mpmath.mpf(v) for v in (1, 0)]
    with mpmath.workdps(25):
        for t in (mpmath.mpf(1) / 4, mpmath.mpf(3) / 4, mpmath.mpf(1)):
            line = [(1 - t) * a + t * b for a, b in zip(x0, y)]
            err = max(abs(p - q) for p, q in zip(tr.outputs_at(t), line))
            assert err < mpmath.mpf(10) ** -20, (t, err)
    tf = sf.integrate(prob, theta0, t_end=1, arith="float64")
    assert tf.status == "success"
    assert max(abs(float(p) - float(q)) for p, q in zip(tf.outputs_at(1), y)) < 1e-8
