"""Every door checks its input: bad arguments to public functions raise a SymflowError subclass
whose message names the offending value — fast, never a raw exception, a hang or a wrong number.
"""

from __future__ import annotations

import decimal
import random
import sys
import time
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import sympy as sp

import symflow as sf
from symflow.core.activations import MAX_POWER
from symflow.backends.arith import working_precision
from symflow.errors import (ActivationError, ArchitectureError, DataError, DomainError,
                            LevelError, ParameterError, PrecisionError, SymflowError)
from symflow.flows import FixedPointField, integrate
from symflow.backends.linalg import Mat, as_mat, pinv, projector, range_basis, rank_info
from symflow.core.networks import MAX_LAYERS, MAX_PARAMS, MAX_WIDTH
from symflow.numbers import (MAX_DIGITS, MAX_DPS, MIN_DPS, MAX_VALUE_DIGITS, check_dps,
                             short_repr, to_rational)
from symflow.core.problem import MAX_SAMPLES

Z = sp.Symbol("z")
TH = [1, 0, 1, 1, 0, 1, 0]


@pytest.fixture(scope="module")
def prob():
    return sf.Problem(sf.mlp([1, 2, 1], "tanh"), [[1]], [[2]])


@pytest.fixture(scope="module")
def rprob():
    return sf.Problem(sf.mlp([1, 2, 1], "square"), [[1]], [[2]])


def fast(fn, *args, **kwargs):
    """Run fn and return the elapsed seconds (the error must come within a second)."""
    tic = time.perf_counter()
    fn(*args, **kwargs)
    return time.perf_counter() - tic


# ---- 1. one precision rule ------------------------------------------------------------------

def test_check_dps_rule():
    assert (MIN_DPS, MAX_DPS) == (15, 2000)
    assert check_dps(15) == 15 and check_dps(2000) == 2000 and check_dps(np.int64(30)) == 30
    assert type(check_dps(np.int64(30))) is int
    assert issubclass(PrecisionError, DataError) and issubclass(PrecisionError, ValueError)
    for bad, pat in [(14, "14 is outside"), (2001, "2001 is outside"), (0, "0 is outside"),
                     (-5, "-5 is outside"), (10 ** 7, "10000000 is outside"),
                     (True, "True"), (30.0, r"30\.0 \(type float\)"), ("30", "'30'"),
                     (None, "None"), (Fraction(30), "Fraction")]:
        with pytest.raises(PrecisionError, match=pat) as info:
            check_dps(bad)
        assert info.value.value is bad or info.value.value == bad
    with pytest.raises(PrecisionError, match="digits = 3"):
        check_dps(3, "digits")
    # a huge int is refused instantly and named without printing all its digits
    with pytest.raises(PrecisionError, match="int with 5001 digits"):
        check_dps(10 ** 5000)


@pytest.mark.parametrize("dps", [0, 14, 2001, 10 ** 7, 30.5, "30", None, True])
def test_problem_at_checks_dps(prob, rprob, dps):
    for p, level in ((prob, "mpmath"), (prob, "ball"), (prob, "float64"), (rprob, "exact")):
        with pytest.raises(PrecisionError, match=r"dps = "):
            p.at(TH, level, dps)


def test_huge_dps_refused_instantly(prob):
    assert fast(lambda: pytest.raises(PrecisionError, prob.at, TH, "mpmath", 10 ** 7)) < 1
    with pytest.raises(PrecisionError, match="10000000"):
        with working_precision(10 ** 7):
            pass
    with pytest.raises(PrecisionError, match="0 is outside"):
        with working_precision(0):
            pass
    with pytest.raises(PrecisionError, match="'x'"):
        with working_precision("x"):
            pass
    with working_precision(40):
        assert mpmath.mp.dps == 40


def test_linalg_and_integrate_check_dps(prob):
    D = prob.at(TH, "mpmath").D
    for fn in (pinv, projector, rank_info, range_basis):
        with pytest.raises(PrecisionError, match="10000000"):
            fn(D, 10 ** 7)
        with pytest.raises(PrecisionError, match="dps = 0"):
            fn(D, 0)
    with pytest.raises(PrecisionError, match="dps = 12"):
        integrate(prob, TH, s_end=1, dps=12)
    with pytest.raises(PrecisionError, match="10000000"):
        integrate(prob, TH, s_end=1, dps=10 ** 7)
    with pytest.raises(PrecisionError, match=r"dps \+ 10 = 2005"):
        integrate(prob, TH, s_end=1, dps=1995, confirm=True)


def test_confirm_checks_dps_high(prob):
    traj = integrate(prob, TH, s_end="1/10", dps=20)
    with pytest.raises(PrecisionError, match="dps_high = 10000000"):
        traj.confirm(10 ** 7)
    with pytest.raises(PrecisionError, match="dps_high = 20 must exceed"):
        traj.confirm(20)
    with pytest.raises(PrecisionError, match="dps_high = 'x'"):
        traj.confirm("x")


def test_derived_precisions_have_an_internal_path(prob):
    # internal callers (ball level at 2·dps, confirmation at dps + 20) may leave [15, 2000]
    pd = prob._at(TH, "mpmath", 2100)
    assert pd.dps == 2100
    assert sf.parameter_field(pd, "adapted").shape == (prob.K, 1)


# ---- 2. integrate's theta0 and options ------------------------------------------------------

@pytest.mark.parametrize("arith", ["mpmath", "float64"])
def test_integrate_theta0(prob, arith):
    with pytest.raises(ParameterError, match="theta0 .* got None"):
        integrate(prob, None, s_end=1, arith=arith)
    with pytest.raises(ParameterError, match="got 5"):
        integrate(prob, 5, s_end=1, arith=arith)
    with pytest.raises(ParameterError, match="got 'abc'"):
        integrate(prob, "abc", s_end=1, arith=arith)
    with pytest.raises(ParameterError, match="θ has 2 entries .* K = 7"):
        integrate(prob, [1, 2], s_end=1, arith=arith)
    with pytest.raises(ParameterError, match=r"θ\[3\]: 'a'"):
        integrate(prob, [1, 0, 1, "a", 0, 1, 0], s_end=1, arith=arith)
    with pytest.raises(ParameterError, match=r"θ\[0\]: nan"):
        integrate(prob, [float("nan")] * 7, s_end=1, arith=arith)
    with pytest.raises(ParameterError, match=r"θ\[0\]: \[1\]"):
        integrate(prob, [[1]] * 7, s_end=1, arith=arith)
    with pytest.raises(ParameterError, match="ordered sequence"):
        integrate(prob, set(range(7)), s_end=1, arith=arith)


def test_integrate_options(prob):
    with pytest.raises(DataError, match="rtol: 'abc'"):
        integrate(prob, TH, s_end=1, rtol="abc", arith="float64")
    with pytest.raises(DataError, match="rtol = 10 must"):
        integrate(prob, TH, s_end=1, rtol=10)
    with pytest.raises(DataError, match="rtol = -1"):
        integrate(prob, TH, s_end=1, rtol=-1, arith="float64")
    with pytest.raises(DataError, match="confirm must be True or False, got 'yes'"):
        integrate(prob, TH, s_end=0, confirm="yes")
    with pytest.raises(DataError, match="problem must be a symflow.Problem"):
        integrate("prob", TH, s_end=1)


# ---- 3. random_rational_point ---------------------------------------------------------------

@pytest.mark.parametrize("kwargs, pat", [
    (dict(K=-1), "K = -1 must lie in"),
    (dict(K=2.5), r"K = 2\.5 \(type float\)"),
    (dict(K=True), "K = True"),
    (dict(K=None), "K = None"),
    (dict(K=10 ** 12), "K = 1000000000000 must lie in"),
    (dict(K=3, denominator=0), "denominator = 0"),
    (dict(K=3, denominator=-1), "denominator = -1"),
    (dict(K=3, denominator=1.5), r"denominator = 1\.5"),
    (dict(K=3, scale=-1), "scale = -1"),
    (dict(K=3, scale=0), "scale = 0"),
    (dict(K=3, scale="2"), "scale = '2'"),
    (dict(K=3, seed=[1]), r"seed = \[1\]"),
    (dict(K=3, seed=1.5), r"seed = 1\.5"),
])
def test_random_rational_point_refuses(kwargs, pat):
    with pytest.raises(ParameterError, match=pat):
        sf.random_rational_point(**kwargs)


def test_random_rational_point_accepts():
    assert sf.random_rational_point(0) == []
    th = sf.random_rational_point(5, seed=np.int64(2), scale=3, denominator=4)
    assert th == sf.random_rational_point(5, seed=2, scale=3, denominator=4)
    assert all(abs(v) <= 3 and v.denominator <= 4 for v in th)
    assert sf.random_rational_point(2, seed=random.Random(1)) == sf.random_rational_point(2, 1)


# ---- 4. long numbers ------------------------------------------------------------------------

@pytest.mark.parametrize("text, pat", [
    ("1" * 5000, "has 5000 digits; at most 4000"),
    ("1/" + "3" * 5000, "5000 digits in its denominator"),
    ("3" * 5000 + "/7", "5000 digits in its numerator"),
    ("0." + "1" * 5000, "has 5001 digits"),
    ("1" * 5000 + "e-9999", "has 5000 digits"),
    ("1e" + "9" * 5000, "exponent .* out of range"),
    ("1e99999", r"exponent .* out of range \(\|exponent\| ≤ 10000\)"),
    ("1" * 50000, "too long"),
])
def test_long_strings_refused(prob, text, pat):
    assert sys.get_int_max_str_digits() in (0,) or MAX_DIGITS < sys.get_int_max_str_digits()
    with pytest.raises(DataError, match=pat) as info:
        sf.Problem(prob.network, [[text]], [[2]])
    assert "inputs[0][0]" in str(info.value) and len(str(info.value)) < 300
    with pytest.raises(DataError, match=pat):
        sf.Problem(prob.network, [[1]], [[text]])


def test_long_numbers_at_the_caps_are_exact(prob):
    big = "7" * MAX_DIGITS
    assert to_rational(big) == sp.Integer(int(big))
    assert to_rational("1/" + big) == sp.Rational(1, int(big))
    assert to_rational("1e-9999") == sp.Rational(1, 10 ** 9999)
    assert to_rational("-" + "1" * 3000 + "." + "5" * 1000 + "e-5000") == \
        sp.Rational(-int("1" * 3000 + "5" * 1000), 10 ** 6000)
    # independent of Python's int-string conversion limit
    old = sys.get_int_max_str_digits()
    try:
        sys.set_int_max_str_digits(640)
        assert to_rational(big) == sp.Integer(7 * (10 ** MAX_DIGITS - 1) // 9)
    finally:
        sys.set_int_max_str_digits(old)


def test_huge_values_refused(prob):
    assert MAX_VALUE_DIGITS == 14000
    with pytest.raises(DataError, match=r"<int with 20001 digits> is too large"):
        to_rational(10 ** 20000)
    with pytest.raises(DataError, match="too large"):
        to_rational(Fraction(1, 10 ** 20000))
    with pytest.raises(DataError, match="too large"):
        to_rational(mpmath.mpf("1e1000000000"))        # was a hang
    with pytest.raises(DataError, match="too large"):
        to_rational(sp.Float(mpmath.mpf("1e-100000000")))
    assert to_rational(10 ** 5000) == sp.Integer(10) ** 5000
    assert to_rational(decimal.Decimal("1.5")) == sp.Rational(3, 2)
    with pytest.raises(DataError, match="Decimal"):
        to_rational(decimal.Decimal("nan"))
    with pytest.raises(DataError, match="exponent"):
        to_rational(decimal.Decimal("1e999999999"))
    assert short_repr("x" * 1000).endswith("(1002 chars)")
    assert short_repr(Fraction(1, 10 ** 5000)) == \
        "<Fraction with a 1-digit numerator and a 5001-digit denominator>"
    assert short_repr(sp.Integer(10) ** 5000) == "<Integer with 5001 digits>"


# ---- 5. linalg accepts rows / arrays / sympy matrices ---------------------------------------

def test_linalg_accepts_lists_arrays_and_sympy():
    A = [[1, 2], [2, 4], [0, 1]]
    P = projector(A)
    assert P.level is sf.Level.EXACT
    assert rank_info(A).rank == 2 and rank_info(A).certain
    Ap = pinv(A)
    M = as_mat(A)
    assert ((M @ Ap @ M) - M).is_zero()
    assert str(pinv([[1, 0], [0, "1/2"]]).tolist()) == "[[1, 0], [0, 2]]"
    assert str(pinv(sp.Matrix([[2]])).tolist()) == "[[1/2]]"
    F = pinv(np.eye(2) * 2)
    assert F.level is sf.Level.FLOAT64 and F[0, 0] == 0.5
    assert pinv(np.array([[2]])).level is sf.Level.EXACT
    assert range_basis(A).shape == (3, 2)


@pytest.mark.parametrize("bad, pat", [
    ([[1, 2], [3]], r"A\[1\]: expected 2 numbers, got 1|different lengths"),
    ([[1, "x"], [3, 4]], r"A\[0\]\[1\]: 'x' is not a plain number"),
    ([[1, None]], r"A\[0\]\[1\]: None"),
    ([[1, float("nan")]], "nan is not finite"),
    ([], "not a non-empty list of rows"),
    ([1, 2], "not a non-empty list of rows"),
    ([[]], "has no columns"),
    (None, "got None"),
    ("[[1]]", r"got '\[\[1\]\]'"),
    (np.zeros(3), r"shape \(3,\)"),
    (np.array([[1.0, np.inf]]), "non-finite"),
])
def test_linalg_refuses_bad_matrices(bad, pat):
    for fn in (pinv, projector, rank_info):
        with pytest.raises(DataError, match=pat):
            fn(bad)


def test_mat_constructors_and_operators():
    with pytest.raises(DataError, match="row 1 has 1 entries"):
        Mat.from_rows("exact", [[1, 2], [3]])
    with pytest.raises(LevelError, match="'nope'"):
        Mat.from_rows("nope", [[1]])
    with pytest.raises(DataError, match="native matrix"):
        Mat("exact", [[1]])
    a = as_mat([[1, 2], [3, 4]])
    with pytest.raises(DataError, match="shapes 2×2 and 1×3"):
        a @ as_mat([[1, 2, 3]])
    with pytest.raises(LevelError, match="exact vs float64"):
        a + Mat.from_rows("float64", [[1, 2], [3, 4]])
    with pytest.raises(DataError, match="both operands"):
        a @ [[1, 0], [0, 1]]


# ---- 6. activations that leave the reals ----------------------------------------------------

def _one_unit(expr, name):
    act = sf.Activation.from_expr(name, expr)
    return sf.Problem(sf.mlp([1, 1, 1], act), [[1]], [[2]])


@pytest.mark.parametrize("level", ["ball", "mpmath", "float64"])
@pytest.mark.parametrize("expr, name, theta, z", [
    (sp.sqrt(Z), "root", [-1, 0, 1, 0], "-1"),          # sqrt of a negative number
    (sp.sqrt(Z), "root", [0, 0, 1, 0], "0"),            # σ' = 1/(2√z) at 0
    (sp.log(Z), "logz", [-2, 0, 1, 0], "-2"),
    (sp.log(Z), "logz", [0, 0, 1, 0], "0"),
    (1 / Z, "recip", [0, 0, 1, 0], "0"),
    (Z ** sp.Rational(3, 2), "pow32", [-1, 0, 1, 0], "-1"),
])
def test_activation_domain(level, expr, name, theta, z):
    p = _one_unit(expr, name)
    with pytest.raises(DomainError, match=rf"activation '{name}'.* at z = {z}.*level {level}") \
            as info:
        p.at(theta, level)
    assert info.value.activation == name and info.value.level == level


def test_activation_domain_exact_and_inside():
    p = _one_unit(1 / Z, "recip")
    with pytest.raises(DomainError, match=r"'recip'.*z = 0 \(level exact\)"):
        p.at([0, 0, 1, 0], "exact")
    assert str(p.at([-2, 0, 1, 0], "exact").x[0, 0]) == "-1/2"
    q = _one_unit(sp.sqrt(Z), "root")
    for level in ("ball", "mpmath", "float64"):
        x = q.at([4, 0, 1, 0], level).x[0, 0]
        assert abs(x - 2) < 1e-12


def test_activation_domain_ball_straddling_edge():
    # z = 1/3 − 1/3: the ball contains 0 and negative numbers, so √z cannot be certified real
    p = _one_unit(sp.sqrt(Z), "root")
    with pytest.raises(DomainError, match=r"'root'.*level ball.*straddles"):
        p.at(["1/3", "-1/3", 1, 0], "ball")


def test_activation_overflow_float64():
    p = sf.Problem(sf.mlp([1, 1, 1], "softplus"), [[1]], [[2]])
    with pytest.raises(DomainError, match=r"'softplus'.*z = 1000\.0.*overflow.*'mpmath'"):
        p.at([1000, 0, 1, 0], "float64")
    assert p.at([1000, 0, 1, 0], "mpmath").x[0, 0] > 999


def test_activation_domain_in_integrators():
    p = _one_unit(sp.sqrt(Z), "root")
    for arith in ("mpmath", "float64"):
        with pytest.raises(DomainError, match=rf"'root'.*z = -1.*level {arith}"):
            integrate(p, [-1, 0, 1, 0], s_end="1/10", field="standard", arith=arith)
    ff = FixedPointField(p, "standard")
    with mpmath.workdps(30):
        P = mpmath.mp.prec + 40
        with pytest.raises(DomainError, match=r"'root'.*z = -1\.0 \(level mpmath\)"):
            ff._act(-(1 << P), P, mpmath.mp.prec)
        s, d = ff._act(4 << P, P, mpmath.mp.prec)
        assert s == 2 << P


def test_activation_construction():
    with pytest.raises(ActivationError, match="name must be a non-empty string, got None"):
        sf.Activation.from_expr(None, Z ** 2)
    with pytest.raises(ActivationError, match=rf"z\*\*1000000000000: \|exponent\| must be at "
                                              rf"most {MAX_POWER}"):
        sf.Activation.from_expr("big", Z ** (10 ** 12))
    with pytest.raises(ActivationError, match=r"z\*\*\(1/3\)"):
        sf.Activation.from_expr("cbrt", Z ** sp.Rational(1, 3))
    act = sf.Activation.from_expr("invroot", 1 / sp.sqrt(Z))   # σ' has z**(-3/2): compiles now
    assert not act.rational


# ---- 7. architectures -----------------------------------------------------------------------

@pytest.mark.parametrize("widths, pat", [
    ([2, 10 ** 9, 1], rf"widths\[1\] = 1000000000 exceeds the cap of {MAX_WIDTH}"),
    ([2, 1000, 1000, 1], rf"K = 1005001 parameters, more than the cap of {MAX_PARAMS}"),
    ([1] * 10_000, rf"9999 affine layers .* cap of {MAX_LAYERS}"),
    ([2, True, 1], r"widths\[1\] = True"),
    ([2, 3.0, 1], r"widths\[1\] = 3\.0"),
    ([2, "3", 1], r"widths\[1\] = '3'"),
    ([2, -3, 1], r"widths\[1\] = -3"),
    ([2, 0, 1], r"widths\[1\] = 0"),
    ([2], r"at least an input and an output"),
    ({2, 3}, "ordered list"),
    ({2: 1, 3: 1}, "ordered list"),
    (None, "got None"),
    (3, "got 3"),
])
def test_mlp_refuses(widths, pat):
    assert fast(lambda: pytest.raises(ArchitectureError, sf.mlp, widths)) < 1
    with pytest.raises(ArchitectureError, match=pat):
        sf.mlp(widths)


def test_mlp_direct_and_numpy_widths():
    net = sf.MLP((1, 2, 1), "tanh")          # the activation name is resolved
    assert net.activation is sf.get_activation("tanh")
    with pytest.raises(ActivationError, match="'nope'"):
        sf.MLP((1, 2, 1), "nope")
    with pytest.raises(ArchitectureError, match="bias must be True or False, got 1"):
        sf.MLP((1, 2, 1), sf.get_activation("tanh"), 1)
    net = sf.mlp(np.array([2, 3, 1]))
    assert net.num_params == 13 and all(type(w) is int for w in net.widths)
    assert sf.mlp([4, 32, 32, 2]).num_params == 1282


# ---- 8. the rest ----------------------------------------------------------------------------

def test_problem_inputs(prob):
    net = prob.network
    with pytest.raises(DataError, match="ordered sequence of rows.*dict"):
        sf.Problem(net, {1: 2}, [[2]])
    with pytest.raises(DataError, match=r"inputs\[0\]\[0\]: \{1\}"):
        sf.Problem(net, [{1}], [[2]])
    with pytest.raises(DataError, match="expected a sequence of rows, got 1.0"):
        sf.Problem(net, np.array(1.0), [[2]])
    with pytest.raises(DataError, match=rf"1000000 rows is more than the cap of {MAX_SAMPLES}"):
        sf.Problem(net, [[1]] * 10 ** 6, [[2]] * 10 ** 6)
    with pytest.raises(DataError, match="name must be a string or None, got 5"):
        sf.Problem(net, [[1]], [[2]], name=5)
    with pytest.raises(DataError, match="targets: expected 2 rows, got 1"):
        sf.Problem(net, [[1], [2]], [[2]])
    with pytest.raises(DataError, match=r"inputs\[0\]\[0\]: inf is not finite"):
        sf.Problem(net, [[float("inf")]], [[2]])
    assert sf.Problem(net, sp.Matrix([[1], [2]]), sp.Matrix([3, 4])).N == 2
    assert sf.Problem(net, [[decimal.Decimal("0.5")]], [[1]]).inputs == [[sp.Rational(1, 2)]]


def test_problem_jacobian_cap():
    net = sf.mlp([1, 1000, 100, 1])
    with pytest.raises(DataError, match="QN·K = 100·.* more than the cap"):
        sf.Problem(net, [[i] for i in range(100)], [[0]] * 100)


def test_problem_at_theta_and_level(prob):
    with pytest.raises(LevelError, match="'foo'"):
        prob.at(TH, "foo")
    with pytest.raises(ParameterError, match="ordered sequence .* got \\{0: 1"):
        prob.at({i: 1 for i in range(7)}, "mpmath")
    with pytest.raises(ParameterError, match="ordered sequence .* got \\{0, 1"):
        prob.at(set(range(7)), "mpmath")
    with pytest.raises(ParameterError, match=r"θ\[0\] = <int with 401 digits> is too large "
                                             r"for float64"):
        prob.at([10 ** 400] * 7, "float64")
    with pytest.raises(LevelError, match=r"float64 outputs .* not finite \(overflow\)"):
        prob.at([1e308] * 7, "float64")
    assert prob.at(np.array(TH), "mpmath").x.shape == (1, 1)
    huge = sf.Problem(prob.network, [[10 ** 400]], [[1]])
    with pytest.raises(LevelError, match=r"inputs\[0\]\[0\] = <Integer with 401 digits> is too "
                                         r"large for float64"):
        huge.at(TH, "float64")
    with pytest.raises(LevelError, match="too large for float64"):
        sf.CompiledField(huge, arith="float64")


def test_fields(prob):
    pd = prob.at(TH, "mpmath")
    for fn in (sf.parameter_field, sf.output_field, sf.output_field_closed_form):
        with pytest.raises(DataError, match="expected the PointData .* got None"):
            fn(None)
        with pytest.raises(DataError, match="got Problem"):
            fn(prob)
        with pytest.raises(DataError, match="'abc' must be 'standard', 'adapted'"):
            fn(pd, "abc")
        with pytest.raises(DataError, match=r"α = 1\.5 is outside \[0, 1\]"):
            fn(pd, 1.5)
        with pytest.raises(DataError, match="field: nan is not finite"):
            fn(pd, float("nan"))
    with pytest.raises(DataError, match="symbolic_field: problem must be"):
        sf.symbolic_field("x")
    with pytest.raises(DataError, match="max_qn = 'a'"):
        sf.symbolic_field(prob, "adapted", max_qn="a")
    with pytest.raises(DataError, match="CompiledField: problem must be"):
        sf.CompiledField("x")


def test_errors_are_exported():
    for name in ("PrecisionError", "DomainError"):
        assert name in sf.__all__ and issubclass(getattr(sf, name), SymflowError)
    import symflow.numbers
    assert {"check_dps", "MIN_DPS", "MAX_DPS"} <= set(symflow.numbers.__all__)


def test_float64_loss_overflow_is_refused():
    ce = sf.Problem(sf.mlp([1, 2], "tanh"), [[1]], [["1/2", "1/2"]], loss="cross_entropy")
    with pytest.raises(LevelError, match=r"loss gradient or cost at θ = \[1000, -1000, 0, 0\] "
                                         r"is not finite"):
        ce.at([1000, -1000, 0, 0], "float64")
    assert ce.at([1000, -1000, 0, 0], "mpmath").cost > 999
    l2 = sf.Problem(sf.mlp([1, 1], "tanh"), [[1]], [[1]])
    with pytest.raises(LevelError, match=r"θ = \[1e\+200, 0\]"):
        l2.at([1e200, 0], "float64")


def test_integer_powers_of_balls_containing_zero_stay_finite():
    """python-flint's arb ** 2 is nan for a ball around 0; symflow's σ' of tanh, the square
    activation and the L2 cost must enclose the true value there instead."""
    import flint
    x = flint.arb(0, 1e-30)
    act = sf.get_activation("tanh")
    _, dsig = act.compiled("ball")
    d = dsig(x)
    assert d.is_finite() and d.contains(1)
    sq, _ = sf.get_activation("square").compiled("ball")
    assert sq(x).is_finite() and sq(x).contains(0)
    loss = sf.get_loss("l2")
    ar = sf.backends.arith.get_arith("ball")
    c = loss.cost([x], [flint.arb(0)], 1, 1, ar)
    assert c.is_finite() and c.contains(0)
