"""C15 (discrete steps, docs/theory.md §7): verified on the L2 catalogue — second order for GN
at full rank (a), first order at rank loss (c) —, refuted for deliberately wrong steps, the doc's
exact example, and a Hypothesis property of one GN step."""

from __future__ import annotations

from fractions import Fraction

import pytest
import sympy as sp
from hypothesis import given, settings

from symflow.backends.linalg import Mat
from symflow.claims import CLAIMS, check
from symflow.claims import c15_discrete_steps as c15
from symflow.claims.evidence import Level, Status
from symflow.core.problems import catalogue, get_problem
from symflow.flows.steps import step_direction
from symflow.testing.strategies import RATIONAL_ACTIVATIONS, cases

FULL_L2 = [e.name for e in catalogue() if e.has("l2", "full_rank")]
DEFICIENT_L2 = [e.name for e in catalogue() if e.has("l2", "rank_deficient")]


def _refuted(evs):
    return {e.key for e in evs if e.status is Status.REFUTED}


def _gn_with_transpose(pd, N, kind):
    """GN with D⁺ replaced by Dᵀ (the GD direction); GD left alone."""
    return step_direction(pd, N, "gradient")


def _gd_with_pinv(pd, N, kind):
    """GD replaced by the GN direction; GN left alone."""
    return step_direction(pd, N, "gauss_newton")


@pytest.mark.parametrize("name", FULL_L2)
def test_verified_on_full_rank_l2_catalogue(name):
    v = check("C15", get_problem(name))
    assert v.status is Status.VERIFIED, [x.to_dict() for x in v.evidence
                                         if x.status is not Status.VERIFIED]
    m = {e.key.split(".", 1)[1]: e for e in v.evidence}
    for key in ("slope_gn_pt", "slope_gn_line", "slope_gd_line", "const_gn_pt"):
        assert m[key].details["kind"] == "measurement"
        assert m[key].level is Level.MPMATH
    assert float(m["slope_gn_pt"].details["fitted"]) == pytest.approx(2, abs=0.05)
    assert float(m["slope_gd_line"].details["fitted"]) == pytest.approx(1, abs=0.05)


def test_applies_to_l2_at_every_rank():
    c = CLAIMS["C15"]
    assert c.applies_to(get_problem("square-1-2-1-l2-dead-unit"))
    assert not c.applies_to(get_problem("tanh-2-3-3-ce"))
    assert "L2" in c.why_not(get_problem("tanh-2-3-3-ce"))


@pytest.mark.parametrize("name", DEFICIENT_L2)
def test_rank_loss_gn_leaves_the_line_at_first_order(name):
    """(c): at rank loss D·Δ_GN = Pu ≠ u, and GN's deviations are first order: slope 1 with
    constants |P^⊥u| and |Π^⊥Pu| (on step sizes where the first-order term dominates)."""
    v = check("C15", get_problem(name))
    assert v.status is Status.VERIFIED, [x.to_dict() for x in v.evidence
                                         if x.status is not Status.VERIFIED]
    m = {e.key.split(".", 1)[1]: e for e in v.evidence}
    for key in ("slope_gn_pt", "slope_gn_line"):
        assert m[key].details["expected"] == 1
        assert float(m[key].details["fitted"]) == pytest.approx(1, abs=0.05)
    assert "sympy_gn_second" not in m           # the SymPy Taylor check inverts DDᵀ: full rank


def test_rank_loss_refuted_for_a_wrong_step():
    """At rank loss GN with D⁺ replaced by Dᵀ: D·Δ = Gu ≠ Pu, refuted exactly."""
    evs = c15.check_c15(get_problem("square-1-2-1-l2-dead-unit"),
                        direction_fn=_gn_with_transpose)
    assert "gn_first" in _refuted(evs)


def test_levels():
    v = check("C15", get_problem("cube-2-3-2-l2"))
    lv = {e.key.split(".", 1)[1]: e.level for e in v.evidence}
    assert lv["gn_first"] is Level.EXACT and lv["sympy_gn_second"] is Level.EXACT
    assert lv["slope_gn_pt"] is Level.MPMATH
    t = check("C15", get_problem("tanh-2-3-1-l2"))
    lt = {e.key.split(".", 1)[1]: e.level for e in t.evidence}
    assert lt["gn_first"] is Level.BALL and "sympy_gn_second" not in lt


def test_gn_with_transpose_is_refuted_exactly():
    evs = c15.check_c15(get_problem("cube-2-3-2-l2"), level=Level.EXACT,
                        direction_fn=_gn_with_transpose)
    bad = _refuted(evs)
    assert {"gn_first", "sympy_gn_first", "sympy_gn_second", "gn_map", "slope_gn_pt",
            "example.gn_x", "example.gn_pt", "example.gn_line"} <= bad
    assert not bad & {"gd_first", "sympy_gd_first", "example.gd_x", "example.gd_line"}


def test_gn_with_transpose_is_refuted_on_a_transcendental_network():
    evs = c15.check_c15(get_problem("tanh-2-3-1-l2"), level=Level.BALL,
                        direction_fn=_gn_with_transpose)
    assert {"gn_first", "gn_map", "slope_gn_pt"} <= _refuted(evs)


def test_gd_with_pinv_is_refuted():
    evs = c15.check_c15(get_problem("square-1-3-1-l2"), level=Level.EXACT,
                        direction_fn=_gd_with_pinv)
    bad = _refuted(evs)
    assert {"gd_first", "sympy_gd_first", "gd_map", "slope_gd_line", "example.gd_x",
            "example.gd_line"} <= bad


def test_doc_example_closed_forms():
    s = c15._example_series(None)
    eta = s["eta"]
    assert [sp.expand(v) for v in s["gn_x"]] == [eta ** 2 - eta + 1, 1 - eta]
    assert sp.expand(s["gn_pt2"]) == eta ** 4
    assert sp.expand(s["gn_line2"]) == eta ** 4 / 2
    assert sp.expand(s["gd_line2"] - (9 * eta ** 2 - 4 * eta) ** 2 / 2) == 0
    # h = (2, 0): |h|/2 = 1 and |Π^⊥h|/2 = 1/√2, the constants of e_pt and e_line
    prob, th = c15.example_problem()
    m = c15.measure(prob, th, 30)
    # (first-order, second-order) constants: full rank, so GN's first-order ones vanish
    assert m["pred"]["gn_pt"][0] < 1e-25 and m["pred"]["gn_line"][0] < 1e-25
    assert abs(m["pred"]["gn_pt"][1] - 1) < 1e-25
    assert abs(m["pred"]["gn_line"][1] ** 2 - sp.Rational(1, 2)) < 1e-25
    assert abs(m["pred"]["gd_line"][0] ** 2 - 8) < 1e-25      # |Π^⊥Gu| = 2√2


def test_example_refuted_for_a_wrong_step():
    evs = c15._example(lambda pd, N, kind: step_direction(pd, N, kind) * 2)
    assert _refuted(evs) == {"example.gn_x", "example.gn_pt", "example.gn_line",
                             "example.gd_x", "example.gd_line"}


@settings(max_examples=12, deadline=None)
@given(cases(full_rank=True, activations=RATIONAL_ACTIVATIONS))
def test_property_one_gn_step_coefficients_exactly(case):
    """One GN step on a random rational full-rank L2 case: the η-coefficient of x[θ + ηδ] is
    u = y − x and the η²-coefficient is h/2, h_i = δᵀ∇²x_iδ (SymPy Hessians), exactly."""
    prob = case.problem
    pd = case.at("exact")
    fn = c15._sympy_fn(prob, None)
    out = fn(pd)
    for key in ("sympy_gn_first", "sympy_gn_second", "sympy_gd_first"):
        c = out[key]
        assert (c.lhs - c.rhs).is_zero(), key


def test_gd_with_gu_parallel_to_u_is_second_order_with_its_own_constant():
    """x[θ] = (θ₁ + θ₂², θ₂), y = (1, 1), θ₀ = 0: D = I, so Gu = u and GD's first-order line
    distance vanishes; the line distance is (η²/2)|Π^⊥∂²x[Dᵀu, Dᵀu]| + O(η³) — slope 2 and
    that constant, verified (it was refuted against the constant 0 before)."""
    import sympy as sp
    from symflow import Problem, model
    from symflow.core.problems import entry_for

    a, b, w = sp.symbols("a b w")
    p = Problem(model([a + b ** 2 + 0 * w, b + 0 * w], [a, b], [w]), [[0]], [[1, 1]], "l2",
                name="parallel")
    v = check("C15", entry_for(p, (0, 0)))
    ev = {e.key: e for e in v.evidence}
    assert v.status is Status.VERIFIED
    assert ev["C15.slope_gd_line"].details["expected"] == 2
    # ∂²x[u, u] = (2, 0) with u = (1, 1): Π^⊥(2, 0) = (1, −1), so the constant is √2/2
    assert abs(float(ev["C15.const_gd_line"].details["expected"]) - 2 ** 0.5 / 2) < 1e-7  # 8 digits
