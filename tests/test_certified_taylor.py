"""symflow.flows.certified: jets and the validated Taylor integrator, checked against exact
solutions evaluated with Arb at a higher precision (the reference balls are ~1e-70 wide)."""

from __future__ import annotations

import ast
from fractions import Fraction
from pathlib import Path

import flint
import mpmath
import pytest
from flint import arb

import symflow
from symflow.backends.arith import arb_precision
from symflow.errors import DataError, IntegrationError
from symflow.flows.certified import CERTIFIED, NOT_CERTIFIED, Jet, enclose_ode, jets, taylor

REF_DPS = 80


def q(x: Fraction) -> arb:
    return arb(flint.fmpq(x.numerator, x.denominator))


def decay(y):
    return [-y[0]]


def grow(y):
    return [y[0]]


def square(y):
    return [y[0] * y[0]]


def rotation(y):
    return [-y[1], y[0]]


def _ends(enc):
    return [s.t + s.h for s in enc.steps]


# -- jets ------------------------------------------------------------------------------------

@pytest.mark.parametrize("n", [1, 6, 21])
def test_arb_series_and_recurrences_agree(n):
    """Arb's series operations (the jets) against the textbook recurrences (jets.recurrence):
    two rigorous computations, so their balls must overlap, and both must be tight."""
    with arb_precision(50):
        u = Jet([arb(1) / (k + 3) for k in range(n)])
        v = Jet([arb(2) / (k + 5) for k in range(n)])
        pairs = [(u * v, jets.recurrence("mul", (u.c, v.c))),
                 ((u / v) * v, u.c),
                 (u.square(), jets.recurrence("mul", (u.c, u.c)))]
        pairs += [(getattr(jets, f)(u), jets.recurrence(f, u.c))
                  for f in ("exp", "tanh", "sigmoid", "sin", "cos", "log")]
        for a, b in pairs:
            assert len(a) == len(b) == n
            assert all(x.overlaps(y) for x, y in zip(a.c, b))
            assert all(x.rad() < arb("1e-40") for x in a.c + tuple(b))


def test_series_cap_does_not_truncate():
    """python-flint's ctx.cap (10 by default) must not zero the coefficients past 10."""
    with arb_precision(30):
        e = jets.exp(jets.variable(0, 15))
        assert e[12].overlaps(1 / arb.fac_ui(12)) and e[12].rad() < arb("1e-35")


@pytest.mark.parametrize("name, fn", [("tanh", mpmath.tanh),
                                      ("sigmoid", lambda x: 1 / (1 + mpmath.exp(-x))),
                                      ("exp", mpmath.exp), ("sin", mpmath.sin)])
def test_function_jets_contain_taylor_coefficients(name, fn):
    n = 12
    with mpmath.workdps(60):
        ref = mpmath.taylor(fn, mpmath.mpf(3) / 10, n - 1)
    with arb_precision(40):
        w = getattr(jets, name)(jets.variable(arb(3) / 10, n))
        for k in range(n):
            assert abs(w[k] - arb(mpmath.nstr(ref[k], 55))) < arb("1e-38"), (name, k)
        # composition: tanh(2x + x²) at 0.3, against mpmath's Taylor coefficients
    with mpmath.workdps(60):
        ref2 = mpmath.taylor(lambda x: fn(2 * x + x * x), mpmath.mpf(3) / 10, n - 1)
    with arb_precision(40):
        x = jets.variable(arb(3) / 10, n)
        w2 = getattr(jets, name)(2 * x + x * x)
        for k in range(n):
            assert abs(w2[k] - arb(mpmath.nstr(ref2[k], 55))) < arb("1e-30") * (1 + abs(w2[k])), k


# -- (i) y' = −y -----------------------------------------------------------------------------

def test_decay_contains_exp_and_is_tight():
    enc = enclose_ode(decay, [1], 2, order=20, dps=30)
    assert enc.status == CERTIFIED and enc.t_reached == 2 and not enc.reason
    with arb_precision(REF_DPS):
        for s in enc.steps:
            assert s.y_end[0].contains((-q(s.t + s.h)).exp())
            assert s.y_start[0].contains((-q(s.t)).exp())
            mid = s.t + s.h / 3
            assert s.tube[0].contains((-q(mid)).exp())
            assert enc.y_at(mid)[0].contains((-q(mid)).exp())
    assert enc.stats_dict["width_end"] < 1e-20
    assert 2 * float(enc.y_end[0].rad()) < 1e-20


# -- (ii) y' = y² ----------------------------------------------------------------------------

def test_riccati_contains_exact_solution():
    enc = enclose_ode(square, ["1/2"], 1, order=20, dps=30)
    assert enc.certified
    with arb_precision(REF_DPS):
        for s in enc.steps:
            t = s.t + s.h
            assert s.y_end[0].contains(1 / (2 - q(t)))
        for t in [Fraction(1, 7), Fraction(1, 2), Fraction(99, 100)]:
            assert enc.y_at(t)[0].contains(1 / (2 - q(t)))
    assert enc.stats_dict["width_end"] < 1e-25


def test_riccati_past_the_pole_is_not_certified():
    enc = enclose_ode(square, ["1/2"], "5/2", order=20, dps=30)
    assert enc.status == NOT_CERTIFIED
    assert "blow up" in enc.reason and "1.99999999" in enc.reason
    assert enc.t_reached < 2 and all(t < 2 for t in _ends(enc))   # exact rationals
    assert 2 - enc.t_reached < Fraction(1, 10 ** 6)                 # it got close, honestly
    with arb_precision(REF_DPS):
        assert enc.y_end[0].contains(1 / (2 - q(enc.t_reached)))
    for t in ["2", "21/10", "5/2"]:
        with pytest.raises(IntegrationError):
            enc.y_at(t)
    enc2 = enclose_ode(square, ["1/2"], "5/2", order=20, dps=30, max_steps=50)
    assert not enc2.certified and "max_steps" in enc2.reason and len(enc2.steps) == 50


# -- (iii) rotation ---------------------------------------------------------------------------

def test_rotation_contains_cos_sin_and_widths_grow():
    enc = enclose_ode(rotation, [1, 0], 3, order=20, dps=30, method="interval")
    assert enc.certified
    with arb_precision(REF_DPS):
        for s in enc.steps:
            c, sn = q(s.t + s.h).sin_cos()[::-1]
            assert s.y_end[0].contains(c) and s.y_end[1].contains(sn)
            tm = s.t + s.h / 2
            c, sn = q(tm).sin_cos()[::-1]
            assert s.tube[0].contains(c) and s.tube[1].contains(sn)
    w = [x for _, x in enc.widths()]
    assert w[-1] > 10 * w[0]                      # the wrapping effect (plain intervals)
    assert w[-1] < 1e-25                          # … still tiny at 30 digits over [0, 3]
    small = enclose_ode(rotation, [1, 0], 3, order=20, dps=30, h0="1/20", method="interval")
    assert small.certified and small.widths()[-1][1] < 1e-25


def test_rotation_of_a_wide_ball_grows_like_e_to_the_t_with_plain_intervals():
    """The flow preserves the set's size, but plain intervals (Taylor coefficients of a box,
    re-boxed each step) blow a box of diameter 2e-10 up by e^t — measured 20.09 = e^3 over
    [0, 3], for every step size: the wrapping/dependency effect."""
    with arb_precision(30):
        y0 = [arb(1, "1e-10"), arb(0, "1e-10")]
    for h0 in (None, "1/20"):
        enc = enclose_ode(rotation, y0, 3, order=20, dps=30, h0=h0, method="interval")
        assert enc.certified
        with arb_precision(REF_DPS):
            for s in enc.steps:
                c, sn = q(s.t + s.h).sin_cos()[::-1]
                assert s.y_end[0].contains(c) and s.y_end[1].contains(sn)
            growth = enc.stats_dict["width_end"] / arb("2e-10")
            assert 0.99 * arb(3).exp() < growth < 1.01 * arb(3).exp()


def test_rotation_of_a_wide_ball_does_not_grow_with_the_lognorm_method():
    """The default method keeps a centre and a Euclidean radius grown by e^{∫μ₂}: μ₂ = 0 for a
    rotation, so the box of diameter 2e-10 (inside the ball of radius √2·1e-10) ends as a box
    of diameter 2√2·1e-10, whatever the step size — and every rotated corner of the initial
    box lies inside it."""
    with arb_precision(30):
        y0 = [arb(1, "1e-10"), arb(0, "1e-10")]
    for h0 in (None, "1/20"):
        enc = enclose_ode(rotation, y0, 3, order=20, dps=30, h0=h0)
        assert enc.certified
        with arb_precision(REF_DPS):
            for s in enc.steps:
                sn, cs = q(s.t + s.h).sin_cos()
                for a in (arb(1) + arb("1e-10"), arb(1) - arb("1e-10")):
                    for b in (arb("1e-10"), -arb("1e-10")):
                        assert s.y_end[0].contains(a * cs - b * sn)
                        assert s.y_end[1].contains(a * sn + b * cs)
            growth = enc.stats_dict["width_end"] / arb("2e-10")
            assert growth < 1.001 * arb(2).sqrt()


def test_tanh_field_contains_the_closed_form():
    """y' = −tanh(y): sinh y(t) = sinh(y₀) e^{−t}, so y(t) = asinh(sinh(y₀) e^{−t}) — the
    integrator on a field written with the tanh jet (the activation of the networks)."""
    enc = enclose_ode(lambda y: [-jets.tanh(y[0])], ["3/2"], 3, dps=30)
    assert enc.certified
    with arb_precision(REF_DPS):
        y0 = arb(3) / 2
        for s in enc.steps:
            for t in (s.t + s.h, s.t + s.h / 3):
                exact = (y0.sinh() * (-q(t)).exp()).asinh()
                assert enc.y_at(t)[0].contains(exact)
    assert enc.stats_dict["width_end"] < 1e-25


# -- (iv) the check is not vacuous ------------------------------------------------------------

def test_wrong_field_excludes_the_reference():
    enc = enclose_ode(grow, [1], 2, order=20, dps=30)
    assert enc.certified
    with arb_precision(REF_DPS):
        for s in enc.steps:
            t = q(s.t + s.h)
            assert not s.y_end[0].overlaps((-t).exp())
            assert s.y_end[0].contains(t.exp())


# -- (v) precision -----------------------------------------------------------------------------

def test_widths_shrink_with_dps():
    w30 = enclose_ode(decay, [1], 2, order=20, dps=30).stats_dict["width_end"]
    w50 = enclose_ode(decay, [1], 2, order=20, dps=50).stats_dict["width_end"]
    assert w50 < 1e-15 * w30


def test_high_precision_and_too_low_an_order():
    enc = enclose_ode(decay, [1], 2, dps=300)                 # default order 186
    assert enc.certified and enc.order == taylor.default_order(300) == 186
    assert enc.stats_dict["width_end"] < arb("1e-295")        # an arb: a float would underflow
    with arb_precision(REF_DPS + 250):
        assert enc.y_end[0].contains((-arb(2)).exp())
    low = enclose_ode(decay, [1], 2, order=8, dps=200)
    assert not low.certified and low.steps == () and "order p = 8 is too low" in low.reason


# -- API ----------------------------------------------------------------------------------------

def test_result_is_frozen_and_inputs_are_checked():
    enc = enclose_ode(decay, [1], "1/2", order=8, dps=20)
    with pytest.raises(Exception):
        enc.status = "x"
    with pytest.raises(DataError):
        enclose_ode(decay, [1], 1, order=1)
    with pytest.raises(DataError):
        enclose_ode(decay, [1], -1)
    with pytest.raises(DataError):
        enclose_ode(lambda y: [y[0], y[0]], [1], 1)   # 2 components for a 1-D y0
    with pytest.raises(IntegrationError):
        enc.y_at("-1/10")


def test_certified_integrator_imports_only_allowed_layers():
    """The jets and the validated integrator know nothing of networks (backends, errors and
    numbers only); the problem fields (field.py, enclose.py) sit above them."""
    pkg = Path(symflow.__file__).parent / "flows" / "certified"
    allowed = ("symflow.backends", "symflow.errors", "symflow.numbers")
    for path in (pkg / "jets.py", pkg / "step.py", pkg / "taylor.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level >= 3:
                assert (node.module or "").split(".")[0] in ("backends", "errors", "numbers"), path
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                assert not node.module.startswith("symflow") or node.module.startswith(allowed)
            elif isinstance(node, ast.ImportFrom) and node.level == 2:
                raise AssertionError(f"{path.name} imports symflow.flows.{node.module}")


def test_the_remainder_term_is_what_makes_the_enclosure_valid(monkeypatch):
    """With the step-size proposal forced far too large (h = 1/4 at order 6), the step control
    shrinks h at most 4 times and then accepts a step whose Lagrange remainder R·h^p (≈ 1e−28)
    dwarfs the round-off (≈ 1e−32): every y_end must still contain e^{−t}, its radius must be
    at the remainder's scale, and the exact truncation error of the centre's Taylor polynomial
    must lie in the step's R·h^p ball (Lagrange's bound, checked at 80 digits)."""
    from symflow.flows.certified import step

    monkeypatch.setattr(step, "_propose", lambda c, p, y, remaining, bias=1.0:
                        min(remaining, Fraction(1, 4)))
    enc = enclose_ode(decay, [1], "1/1000", order=6, dps=30)
    assert enc.certified and len(enc.steps) >= 2
    assert enc.stats_dict["width_end"] > arb("1e-30")      # remainder-dominated, not round-off
    with arb_precision(REF_DPS):
        for s in enc.steps:
            t_end = s.t + s.h
            assert s.y_end[0].contains((-q(t_end)).exp())
            m = s.coeffs[0][0].mid()                        # the centre the coefficients belong to
            h = q(s.h)
            poly = sum(((-h) ** k / arb.fac_ui(k) for k in range(6)), arb(0))
            trunc = m * ((-h).exp() - poly)
            assert (s.remainder[0] * h ** 6).contains(trunc)
