"""Foundation: networks, exact data, Jacobian, NTK, linear algebra at levels, fields, time change.

Every test computes the mathematics two ways (library vs an independent computation here).
"""

from __future__ import annotations

import random
from fractions import Fraction

import flint
import mpmath
import numpy as np
import pytest
import sympy as sp

import symflow as sf
from symflow.backends.arith import working_precision
from symflow.backends.linalg import eye

ARCHS = [
    ([2, 3, 1], "tanh", True),
    ([1, 4, 2], "sigmoid", True),
    ([3, 2, 2, 1], "softplus", False),
    ([2, 3, 2], "sin", True),
    ([2, 2, 3, 1], "cube", True),
    ([1, 3, 1], "square", False),
    ([2, 4, 1], "identity", True),
]

MP_FUN = {"tanh": mpmath.tanh, "sigmoid": lambda z: 1 / (1 + mpmath.exp(-z)),
          "softplus": lambda z: mpmath.log(1 + mpmath.exp(z)), "sin": mpmath.sin,
          "cube": lambda z: z**3, "square": lambda z: z**2, "identity": lambda z: z}


def reference_outputs(widths, act, bias, theta, inputs):
    """An independent forward pass written from the definition (mpmath)."""
    f = MP_FUN[act]
    k = 0
    Ws, bs = [], []
    for n_in, n_out in zip(widths[:-1], widths[1:]):
        W = mpmath.matrix(n_out, n_in)
        for i in range(n_out):
            for j in range(n_in):
                W[i, j] = theta[k]
                k += 1
        Ws.append(W)
        b = mpmath.matrix(n_out, 1)
        if bias:
            for i in range(n_out):
                b[i] = theta[k]
                k += 1
        bs.append(b)
    out = []
    for x in inputs:
        a = mpmath.matrix([mpmath.mpf(v) for v in x])
        for l, (W, b) in enumerate(zip(Ws, bs)):
            z = W * a + b
            a = z if l == len(Ws) - 1 else z.apply(f)
        out += [a[i] for i in range(a.rows)]
    return out


def make_problem(widths, act, bias, seed=0, N=3):
    rng = random.Random(seed)
    inputs = [[Fraction(rng.randint(-4, 4), rng.randint(1, 4)) for _ in range(widths[0])]
              for _ in range(N)]
    targets = [[Fraction(rng.randint(-3, 3), 2) for _ in range(widths[-1])] for _ in range(N)]
    return sf.Problem(sf.mlp(widths, act, bias), inputs, targets)


@pytest.mark.parametrize("widths,act,bias", ARCHS)
def test_outputs_and_jacobian_match_independent_finite_differences(widths, act, bias):
    prob = make_problem(widths, act, bias)
    theta = sf.random_rational_point(prob.K, 7)
    with mpmath.workdps(40):
        th = [mpmath.mpf(t.numerator) / t.denominator for t in theta]
        ref_x = reference_outputs(widths, act, bias, th, prob.inputs)
        pd = prob.at(theta, "mpmath", dps=40)
        x = pd.x.entries()
        assert max(abs(a - b) for a, b in zip(x, ref_x)) < mpmath.mpf(10) ** -35
        # ∂x/∂θ_k by a high-precision central difference of the independent forward pass
        for k in range(prob.K):
            def xk(h, k=k):
                t2 = list(th)
                t2[k] += h
                return reference_outputs(widths, act, bias, t2, prob.inputs)
            h = mpmath.mpf(10) ** -12
            fd = [(a - b) / (2 * h) for a, b in zip(xk(h), xk(-h))]
            for i in range(prob.QN):
                assert abs(pd.D[i, k] - fd[i]) < mpmath.mpf(10) ** -18, (i, k)


@pytest.mark.parametrize("widths,act,bias", ARCHS[:4])
def test_symbolic_jacobian_agrees_with_sympy_differentiation(widths, act, bias):
    prob = make_problem(widths, act, bias, N=2)
    # an independent symbolic forward pass with SymPy matrices, differentiated by SymPy
    sig = {"tanh": sp.tanh, "sigmoid": lambda z: 1 / (1 + sp.exp(-z)),
           "softplus": lambda z: sp.log(1 + sp.exp(z)), "sin": sp.sin}[act]
    it = iter(prob.params)
    layers = []
    for n_in, n_out in zip(widths[:-1], widths[1:]):
        W = sp.Matrix(n_out, n_in, lambda i, j: next(it))
        b = sp.Matrix(n_out, 1, lambda i, j: next(it)) if bias else sp.zeros(n_out, 1)
        layers.append((W, b))
    outs = []
    for x in prob.inputs:
        a = sp.Matrix(x)
        for l, (W, b) in enumerate(layers):
            a = W * a + b
            if l < len(layers) - 1:
                a = a.applyfunc(sig)
        outs += list(a)
    D_ref = sp.Matrix(outs).jacobian(list(prob.params))
    theta = sf.random_rational_point(prob.K, 3)
    sub = {p: sp.Rational(t.numerator, t.denominator) for p, t in zip(prob.params, theta)}
    diff = (prob.jacobian - D_ref).xreplace(sub)
    assert max(abs(sp.N(v, 40)) for v in diff) < sp.Float("1e-35")
    # NTK is D Dᵀ
    G = prob.ntk.xreplace(sub)
    D = prob.jacobian.xreplace(sub)
    assert max(abs(sp.N(v, 40)) for v in (G - D * D.T)) < sp.Float("1e-35")


def test_exact_level_is_exact_and_matches_sympy():
    prob = make_problem([2, 3, 2], "cube", True)
    theta = sf.random_rational_point(prob.K, 1)
    pd = prob.at(theta, "exact")
    sub = {p: sp.Rational(t.numerator, t.denominator) for p, t in zip(prob.params, theta)}
    D_sym = prob.jacobian.xreplace(sub)
    for i in range(prob.QN):
        for k in range(prob.K):
            assert sp.Rational(str(pd.D[i, k])) == D_sym[i, k]


@pytest.mark.parametrize("act", ["tanh", "sigmoid", "sin", "softplus"])
def test_ball_encloses_high_precision_value_and_float64_agrees(act):
    prob = make_problem([2, 3, 1], act, True)
    theta = sf.random_rational_point(prob.K, 5)
    ball = prob.at(theta, "ball", dps=30)
    with mpmath.workdps(60):
        hi = prob.at(theta, "mpmath", dps=60)
        for i in range(prob.QN):
            for k in range(prob.K):
                v = hi.D[i, k]
                b = ball.D[i, k]
                # the ball must contain the 60-digit value
                assert abs(flint.arb(mpmath.nstr(v, 60)) - b).lower() <= 0 or \
                    b.overlaps(flint.arb(mpmath.nstr(v, 60)))
                assert b.rad() < 1e-28
    f64 = prob.at(theta, "float64")
    assert np.max(np.abs(f64.D.data - np.array(hi.D.tolist(), dtype=float))) < 1e-13


# ---- C9 at the exact level --------------------------------------------------------------

@pytest.mark.parametrize("widths,act", [([2, 3, 2], "cube"), ([2, 2, 1], "square"),
                                        ([3, 1, 2], "identity"), ([1, 2, 3], "relu")])
def test_pseudo_inverse_identities_exact(widths, act):
    prob = make_problem(widths, act, True, N=3)
    pd = prob.at(sf.random_rational_point(prob.K, 11), "exact")
    D = pd.D
    Dp = sf.pinv(D)
    P = sf.projector(D)
    G = D @ D.T
    zero = lambda A: A.is_zero()
    assert zero(D @ Dp @ D - D)
    assert zero(Dp @ D @ Dp - Dp)
    assert zero(D @ Dp - (D @ Dp).T)
    assert zero(Dp @ D - (Dp @ D).T)
    assert zero(D.T @ sf.pinv(G) - Dp)
    assert zero(sf.pinv(G) @ G - P)
    assert zero(D @ Dp - P)      # P from a column basis agrees with DD⁺
    assert zero(P @ P - P)


def test_rank_deficient_exact_projector_is_not_identity():
    # K = 4 < QN = 6: rank D ≤ 4
    prob = make_problem([1, 1, 1], "identity", True, N=6)
    pd = prob.at(sf.random_rational_point(prob.K, 2), "exact")
    info = sf.rank_info(pd.D)
    assert info.certain and info.rank < prob.QN
    P = sf.projector(pd.D)
    assert not (P - eye(sf.Level.EXACT, prob.QN)).is_zero()
    assert (P @ pd.D - pd.D).is_zero()


def test_mpmath_rank_detects_deficiency_and_ball_refuses_to_certify():
    prob = make_problem([1, 1, 1], "tanh", True, N=6)
    theta = sf.random_rational_point(prob.K, 2)
    with working_precision(40):
        info = sf.rank_info(prob.at(theta, "mpmath", 40).D, 40)
        assert info.rank == prob.K < prob.QN and not info.certain
        # balls certify full column rank (DᵀD provably invertible) ...
        ball = sf.rank_info(prob.at(theta, "ball", 40).D, 40)
        assert ball.certain and ball.rank == prob.K
        # ... but not a rank below min(QN, K): θ = 0 makes every row of D equal
        dead = make_problem([2, 3, 1], "tanh", True, N=3)
        assert sf.rank_info(dead.at([0] * dead.K, "mpmath", 40).D, 40).rank == 1
        with pytest.raises(sf.RankError, match="cannot certify"):
            sf.rank_info(dead.at([0] * dead.K, "ball", 40).D, 40)


# ---- fields ------------------------------------------------------------------------------

def test_adapted_field_gives_euclidean_flow_exactly():
    prob = make_problem([2, 3, 1], "cube", True)
    pd = prob.at(sf.random_rational_point(prob.K, 4), "exact")
    # full rank: x' = −∇ₓC (C1)
    assert sf.rank_info(pd.D).rank == prob.QN
    assert (sf.output_field(pd, "adapted") + pd.grad).is_zero()
    assert (sf.output_field(pd, "standard") + pd.D @ pd.D.T @ pd.grad).is_zero()


def test_compiled_field_matches_level_fields():
    prob = make_problem([2, 3, 1], "tanh", True)
    theta = sf.random_rational_point(prob.K, 4)
    with working_precision(40):
        pd = prob.at(theta, "mpmath", 40)
        th = prob.convert_theta(theta, "mpmath")
        for f in ["standard", "adapted", Fraction(1, 3)]:
            v1 = sf.CompiledField(prob, f)(th)
            v2 = sf.parameter_field(pd, f).entries()
            assert max(abs(a - b) for a, b in zip(v1, v2)) < mpmath.mpf(10) ** -35
        f64 = sf.CompiledField(prob, "adapted", "float64")(np.array([float(t) for t in theta]))
        assert np.max(np.abs(f64 - np.array(sf.parameter_field(pd).entries(), float))) < 1e-12


def test_symbolic_standard_field_matches_point_field():
    prob = make_problem([1, 2, 1], "tanh", True, N=1)
    F = sf.symbolic_field(prob, "standard")
    Fa = sf.symbolic_field(prob, "adapted")
    theta = sf.random_rational_point(prob.K, 9)
    sub = {p: sp.Rational(t.numerator, t.denominator) for p, t in zip(prob.params, theta)}
    with working_precision(30):
        pd = prob.at(theta, "mpmath", 30)
        for sym, name in ((F, "standard"), (Fa, "adapted")):
            num = sf.parameter_field(pd, name).entries()
            assert max(abs(sp.N(s.xreplace(sub), 30) - sp.Float(str(n), 30))
                       for s, n in zip(sym, num)) < 1e-25


# ---- time change -------------------------------------------------------------------------

def test_time_change_derivation_substitutes_back():
    d = sf.derive_time_change()
    assert d.verified
    s, t, N, x0, y = d.s, d.t, d.N, d.x0, d.y
    # independent re-check: x(s(t)) on the line, and the output ODE holds
    assert sp.simplify(sp.diff(d.x_of_s, s) + (d.x_of_s - y) / N) == 0
    assert sp.simplify(d.x_of_s.subs(s, d.s_of_t) - ((1 - t) * x0 + t * y)) == 0
    assert sp.simplify(d.w - (y - x0)) == 0
    # numerically at a random point: t(s) then x on the line
    tv = d.t_of_s.subs({s: 3, N: 2})
    assert abs(sp.N(tv - (1 - sp.exp(-sp.Rational(3, 2))))) < 1e-30


# ---- data and errors --------------------------------------------------------------------

def test_strings_and_floats_are_parsed_exactly():
    prob = sf.Problem(sf.mlp([2, 1], "identity"), [["1/3", "0.125"], [0.1, Fraction(2, 7)]],
                      [["-2e-1"], [1]])
    assert prob.inputs[0] == [sp.Rational(1, 3), sp.Rational(1, 8)]
    assert prob.inputs[1][0] == sp.Rational(*(0.1).as_integer_ratio())
    assert prob.targets[0][0] == sp.Rational(-1, 5)


@pytest.mark.parametrize("call,exc,match", [
    (lambda: sf.mlp([2]), sf.ArchitectureError, r"at least an input and an output"),
    (lambda: sf.mlp([2, 0, 1]), sf.ArchitectureError, r"widths\[1\] = 0"),
    (lambda: sf.mlp([2, -3, 1]), sf.ArchitectureError, r"widths\[1\] = -3"),
    (lambda: sf.mlp([2, 2.5, 1]), sf.ArchitectureError, r"widths\[1\] = 2.5"),
    (lambda: sf.mlp("2,3"), sf.ArchitectureError, r"list of positive integers"),
    (lambda: sf.mlp([2, 1], "swish"), sf.ActivationError, r"unknown activation 'swish'"),
    (lambda: sf.Activation.from_expr("bad", "x**2"), sf.ActivationError, r"SymPy expression"),
    (lambda: sf.Activation.from_expr("two", sp.Symbol("a") * sp.Symbol("b")),
     sf.ActivationError, r"exactly one symbol"),
    (lambda: sf.Problem(sf.mlp([2, 1]), [[1, 2, 3]], [[0]]), sf.DataError,
     r"inputs\[0\]: expected 2 numbers, got 3"),
    (lambda: sf.Problem(sf.mlp([2, 1]), [[1, 2]], [[0], [1]]), sf.DataError,
     r"targets: expected 1 rows, got 2"),
    (lambda: sf.Problem(sf.mlp([2, 1]), [[1, "__import__('os')"]], [[0]]), sf.DataError,
     r"is not a plain number"),
    (lambda: sf.Problem(sf.mlp([2, 1]), [[1, float("nan")]], [[0]]), sf.DataError,
     r"inputs\[0\]\[1\]: nan is not finite"),
    (lambda: sf.Problem(sf.mlp([2, 1]), [[1, "1/0"]], [[0]]), sf.DataError, r"zero denominator"),
    (lambda: sf.Problem(sf.mlp([2, 1]), [[1, sp.sqrt(2)]], [[0]]), sf.DataError,
     r"not a rational number"),
    (lambda: sf.Problem(sf.mlp([2, 1]), [[1, True]], [[0]]), sf.DataError, r"True is not a number"),
    (lambda: sf.Problem(sf.mlp([2, 1]), [[1, 2]], [[0]], loss="hinge"), sf.LossError,
     r"unknown loss 'hinge'"),
    (lambda: sf.Problem(sf.mlp([2, 2]), [[1, 2]], [[0, 1]], loss="cross_entropy"), sf.LabelError,
     r"targets\[0\]\[0\] = 0 is not positive"),
    (lambda: sf.Problem(sf.mlp([2, 2]), [[1, 2]], [["1/2", "1/3"]], loss="cross_entropy"),
     sf.LabelError, r"sums to 5/6"),
    (lambda: make_problem([2, 3, 1], "tanh", True).at([0] * 5), sf.ParameterError,
     r"θ has 5 entries but .* K = 13"),
    (lambda: make_problem([2, 3, 1], "tanh", True).at([0] * 13, "exact"), sf.LevelError,
     r"transcendental"),
    (lambda: make_problem([2, 3, 1], "tanh", True).at([0] * 13, "quad"), sf.LevelError,
     r"unknown level 'quad'"),
    (lambda: make_problem([2, 3, 1], "tanh", True).at([0] * 12 + [float("inf")], "mpmath"),
     sf.ParameterError, r"θ\[12\]"),
    (lambda: sf.parameter_field(None, "sideways"), sf.DataError, r"'standard', 'adapted'"),
    (lambda: sf.parameter_field(None, 2), sf.DataError, r"α = 2 is outside \[0, 1\]"),
])
def test_errors_name_the_offending_value(call, exc, match):
    with pytest.raises(exc, match=match) as info:
        call()
    assert isinstance(info.value, sf.SymflowError)


def test_custom_activation_is_usable_at_every_level():
    z = sp.Symbol("u")
    act = sf.Activation.from_expr("quartic", z**4 / 4 + z, z)
    assert act.rational
    prob = sf.Problem(sf.mlp([1, 2, 1], act), [[1], ["1/2"]], [[0], [1]])
    theta = sf.random_rational_point(prob.K, 3)
    ex = prob.at(theta, "exact")
    with working_precision(30):
        mp_ = prob.at(theta, "mpmath", 30)
        assert max(abs(mpmath.mpf(str(a).split("/")[0]) / (int(str(a).split("/")[1]) if "/" in str(a) else 1) - b)
                   for a, b in zip(ex.D.entries(), mp_.D.entries())) < 1e-25
    act2 = sf.Activation.from_expr("gauss", sp.exp(-z**2), z)
    assert not act2.rational
    with pytest.raises(sf.LevelError):
        sf.Problem(sf.mlp([1, 2, 1], act2), [[1]], [[0]]).at([0] * 7, "exact")


def test_precision_is_not_leaked():
    before = mpmath.mp.dps, flint.ctx.prec
    prob = make_problem([2, 3, 1], "tanh", True)
    prob.at(sf.random_rational_point(prob.K, 1), "ball", 80)
    prob.at(sf.random_rational_point(prob.K, 1), "mpmath", 80)
    assert (mpmath.mp.dps, flint.ctx.prec) == before
