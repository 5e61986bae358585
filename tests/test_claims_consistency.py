"""Claim C0 (symflow's self-consistency): verified on every catalogue problem, refuted for
deliberately broken pieces — a wrong backpropagation, a doubled L2 gradient, a wrong
cross-entropy gradient, a wrong integrator evaluator — that the identities C1–C5, C9 let pass."""

from __future__ import annotations

import dataclasses

import pytest
import sympy as sp

import symflow.core.losses as losses
from symflow.claims import CLAIMS, check
from symflow.claims import c00_consistency as c0
from symflow.claims.evidence import Level, Status
from symflow.core.fields import CompiledField
from symflow.flows import FixedPointField
from symflow.core.networks import MLP
from symflow.core.problem import Problem
from symflow.core.problems import catalogue, get_problem

ALWAYS = {"C0.D_vs_diff", "C0.grad_vs_cost", "C0.grad_at_point", "C0.cost_at_point",
          "C0.integrator_outputs", "C0.integrator_ntk", "C0.integrator_field_standard",
          "C0.compiled_field_standard"}
FIELDS = ("field", "field_quarter", "line_field")


def _field_keys(evaluator, full_rank):
    sfx = "" if full_rank else "_pinv"
    return {f"C0.{evaluator}_{f}{sfx}" for f in FIELDS}


def _fresh(name: str):
    """The catalogue entry with a new Problem (no cached symbolic objects), so that a patch of
    the library reaches everything the claim computes."""
    e = get_problem(name)
    p = e.problem
    fresh = Problem(p.network, p.inputs, p.targets, p.loss, name=p.name)
    return dataclasses.replace(e, problem=fresh)


def _by_status(v, status):
    return {e.key for e in v.evidence if e.status is status}


@pytest.mark.parametrize("name", [e.name for e in catalogue()])
def test_c0_verified_on_every_catalogue_problem(name):
    e = get_problem(name)
    assert CLAIMS["C0"].applies_to(e)
    v = check("C0", e)
    assert v.status is Status.VERIFIED, [ev.to_dict() for ev in v.evidence
                                          if ev.status is not Status.VERIFIED]
    keys = {ev.key for ev in v.evidence}
    assert ALWAYS <= keys
    # the invertible-NTK fields where rank D = QN (at both points), the pseudo-inverse ones else
    for evaluator in ("integrator", "compiled"):
        assert _field_keys(evaluator, e.full_rank) <= keys
    strongest = e.problem.strongest_level
    for ev in v.evidence:
        assert ev.residual is not None and ev.tolerance is not None, ev.to_dict()
        assert (ev.dps is None) == (ev.level is Level.EXACT), ev.to_dict()
        if ev.key == "C0.D_vs_diff":
            assert ev.level is strongest
        if ev.key == "C0.grad_vs_cost":
            assert ev.level is Level.EXACT and ev.residual == 0
        if ev.key.startswith(("C0.integrator", "C0.compiled")):
            assert ev.level is Level.MPMATH
            assert float(ev.residual) <= float(ev.tolerance)
            assert "confirm_residual" in ev.details


@pytest.mark.parametrize("name,level", [("tanh-2-3-3-ce", "mpmath"), ("cube-2-3-2-l2", "ball"),
                                        ("sigmoid-1-4-2-l2", "float64")])
def test_c0_verified_at_forced_weaker_levels(name, level):
    v = check("C0", get_problem(name), level=level)
    assert v.status is Status.VERIFIED
    d = next(ev for ev in v.evidence if ev.key == "C0.D_vs_diff")
    assert d.level is Level.parse(level)


def test_evaluate_expr_agrees_with_sympy():
    import flint
    from symflow.backends.arith import get_arith, working_precision
    a, b = sp.symbols("a b")
    e = sp.tanh(a * b) ** 2 / (1 + sp.exp(-a)) + sp.log(1 + sp.exp(b)) - sp.sin(a) * sp.cos(b)
    vals = {a: sp.Rational(1, 3), b: sp.Rational(-5, 7)}
    ref = sp.N(e.xreplace(vals), 60)
    with working_precision(40):
        ball = c0.evaluate_expr(e, {k: flint.arb(int(v.p)) / int(v.q) for k, v in vals.items()},
                                get_arith("ball"))
        assert abs(ball - flint.arb(str(ref))) < flint.arb("1e-38")
        assert ball.rad() < 1e-35


# -- (a) a wrong backpropagation ----------------------------------------------------------------

def _scaled_column_evaluate(real, col=0, factor=2):
    def evaluate(self, theta, inputs, arith, jacobian=True):
        xs, rows = real(self, theta, inputs, arith, jacobian)
        if rows is not None:
            rows = [list(r) for r in rows]
            for r in rows:
                r[col] = r[col] * factor
        return xs, rows
    return evaluate


@pytest.mark.parametrize("name", ["cube-2-3-2-l2", "tanh-2-3-1-l2"])
def test_c0_refutes_a_wrong_backprop_column(monkeypatch, name):
    monkeypatch.setattr(MLP, "evaluate", _scaled_column_evaluate(MLP.evaluate))
    e = _fresh(name)
    # the pointwise identities do not notice: C3 is an identity in whatever D it is given
    assert check("C3", e).status is Status.VERIFIED
    v = check("C0", e)
    assert v.status is Status.REFUTED
    refuted = _by_status(v, Status.REFUTED)
    assert "C0.D_vs_diff" in refuted
    # the integrator never forms D: its NTK disagrees with the library's DDᵀ too
    assert "C0.integrator_ntk" in refuted
    # the forward pass and the loss are untouched
    assert {"C0.integrator_outputs", "C0.grad_vs_cost"} <= _by_status(v, Status.VERIFIED)
    d = next(ev for ev in v.evidence if ev.key == "C0.D_vs_diff")
    assert d.level is e.problem.strongest_level


def test_c0_refutes_a_wrong_activation_derivative_in_backprop(monkeypatch):
    """σ' of the backpropagation off by a factor (the forward pass untouched): certified
    refutation at the ball level."""
    e = _fresh("sigmoid-1-4-2-l2")
    act = e.problem.network.activation
    for ar in ("ball", "mpmath", "sympy", "exact"):
        try:
            sig, dsig = act.compiled(ar)
        except Exception:  # pragma: no cover - every built-in compiles at every level
            continue
        monkeypatch.setitem(act._compiled, ar, (sig, (lambda d: lambda z: d(z) * 2)(dsig)))
    v = check("C0", e)
    assert v.status is Status.REFUTED
    d = next(ev for ev in v.evidence if ev.key == "C0.D_vs_diff")
    assert d.status is Status.REFUTED and d.level is Level.BALL


# -- (b) a doubled L2 gradient ------------------------------------------------------------------

def test_c0_refutes_a_doubled_l2_gradient(monkeypatch):
    real = losses.L2.grad

    def doubled(self, x, y, N, Q, ar):
        return [gi * 2 for gi in real(self, x, y, N, Q, ar)]

    monkeypatch.setattr(losses.L2, "grad", doubled)
    e = _fresh("cube-2-3-2-l2")
    assert check("C3", e).status is Status.VERIFIED  # an identity in whatever ∇ₓC it gets
    v = check("C0", e)
    assert v.status is Status.REFUTED
    refuted = _by_status(v, Status.REFUTED)
    assert {"C0.grad_vs_cost", "C0.grad_at_point"} <= refuted
    g = next(ev for ev in v.evidence if ev.key == "C0.grad_vs_cost")
    assert g.level is Level.EXACT and g.residual > 0 and "witness" in g.details
    # the integrator computes its own L2 gradient (x − y)/N: its field now disagrees
    assert "C0.integrator_field_standard" in refuted
    assert "C0.D_vs_diff" in _by_status(v, Status.VERIFIED)


def test_c0_refutes_a_wrong_cross_entropy_gradient(monkeypatch):
    """∇ₓC without the 1/N: no exact zero, refuted with a certified (ball) witness."""
    real = losses.CrossEntropy.grad

    def no_mean(self, x, y, N, Q, ar):
        return [gi * N for gi in real(self, x, y, N, Q, ar)]

    monkeypatch.setattr(losses.CrossEntropy, "grad", no_mean)
    v = check("C0", _fresh("sin-1-3-2-ce"))
    assert v.status is Status.REFUTED
    g = next(ev for ev in v.evidence if ev.key == "C0.grad_vs_cost")
    assert g.status is Status.REFUTED and g.level is Level.BALL
    assert "C0.grad_at_point" in _by_status(v, Status.REFUTED)


# -- (c) a wrong integrator evaluator -----------------------------------------------------------

@pytest.mark.parametrize("name", ["tanh-2-3-1-l2", "identity-1-1-l2-underparam"])
def test_c0_refutes_an_integrator_field_without_the_inverse(monkeypatch, name):
    monkeypatch.setattr(FixedPointField, "_solve", lambda self, G, b, P: list(b))
    e = get_problem(name)
    assert check("C3", e).status is Status.VERIFIED  # the library itself is untouched
    v = check("C0", e)
    assert v.status is Status.REFUTED
    refuted = _by_status(v, Status.REFUTED)
    assert _field_keys("integrator", e.full_rank) <= refuted
    assert {"C0.integrator_outputs", "C0.integrator_ntk", "C0.integrator_field_standard",
            "C0.D_vs_diff"} | _field_keys("compiled", e.full_rank) <= _by_status(v, Status.VERIFIED)


def test_c0_refutes_an_integrator_with_alpha_reversed(monkeypatch):
    real = FixedPointField.__init__

    def reversed_alpha(self, *args, **kwargs):
        real(self, *args, **kwargs)
        self.alpha = 1 - self.alpha

    monkeypatch.setattr(FixedPointField, "__init__", reversed_alpha)
    v = check("C0", get_problem("tanh-2-3-3-ce"))
    assert v.status is Status.REFUTED
    refuted = _by_status(v, Status.REFUTED)
    assert {"C0.integrator_field", "C0.integrator_field_quarter",
            "C0.integrator_field_standard"} <= refuted
    assert "C0.integrator_line_field" not in refuted  # D⁺w does not depend on α
    ev = next(ev for ev in v.evidence if ev.key == "C0.integrator_field")
    assert ev.level is Level.MPMATH and ev.kappa is not None
    assert float(ev.details["confirm_residual"]) > float(ev.tolerance)


def test_c0_refutes_a_compiled_field_without_the_inverse(monkeypatch):
    """CompiledField (the float64 integrator's and Trajectory.outputs_at's evaluator) with
    (DDᵀ)⁻¹w replaced by w."""
    monkeypatch.setattr(CompiledField, "ntk_solve", lambda self, D, w: list(w))
    e = get_problem("sigmoid-1-4-2-l2")
    v = check("C0", e)
    assert v.status is Status.REFUTED
    assert _by_status(v, Status.REFUTED) == _field_keys("compiled", True)


# ---- the judges' canaries --------------------------------------------------------------------

def _canaries(entry_name="tanh-2-3-1-l2"):
    from symflow.claims import c00_consistency
    evs = c00_consistency.check_judges(get_problem(entry_name), dps=30)
    (ev,) = evs
    return ev


def test_judge_canaries_pass_on_the_library():
    ev = _canaries()
    assert ev.key == "judge_canaries" and ev.status is Status.VERIFIED and ev.residual == 0


def test_lenient_pointwise_tolerance_is_caught_by_the_canaries(monkeypatch):
    """A reviewer's mutation: the pointwise tolerance multiplied by 10¹⁰."""
    from symflow.backends import tolerance
    orig = tolerance.pointwise_mpf
    monkeypatch.setattr(tolerance, "pointwise_mpf", lambda dps, scale=1: orig(dps, scale) * 10**10)
    orig_arb = tolerance.pointwise_arb
    monkeypatch.setattr(tolerance, "pointwise_arb", lambda dps, scale=1: orig_arb(dps, scale) * 10**10)
    ev = _canaries()
    assert ev.status is Status.REFUTED and ev.residual >= 2


def test_lenient_trajectory_judge_is_caught_by_the_canaries(monkeypatch):
    """A reviewer's mutation: the trajectory judge always says verified."""
    from symflow.claims import trajectories
    monkeypatch.setattr(trajectories, "_judge", lambda residual, tol, **kw: (Status.VERIFIED, None, ""))
    ev = _canaries()
    assert ev.status is Status.REFUTED
    assert any("trajectory judge" in w for w in ev.details["wrong"])
