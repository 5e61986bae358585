"""C12 (constant P: the closed form; when the standard flow is straight, docs/theory.md §7) and
C12-EIGENSPACE (its old wording, a documented counterexample): verified on the linear catalogue
problem and on linear models of one's own, not applicable to nonlinear ones (with the reason),
the counterexample refuted as a finding with its data computed, each check refuted for a
deliberately wrong closed form / projector / Θ / rank test, the constructed exact cases, and
Hypothesis properties of the rank criterion and the closed form over random rational data."""

from __future__ import annotations

from fractions import Fraction

import pytest
import sympy as sp
from hypothesis import given, settings, strategies as st

import symflow as sf
from symflow.claims import CLAIMS, check
from symflow.claims import c12_constant_projector as c12
from symflow.claims.entries import nonlinear_witness
from symflow.claims.evidence import Level, Status, Verdict
from symflow.core.models import model
from symflow.core.problems import catalogue, get_problem

LINEAR = "identity-1-1-l2-underparam"


def _status(evs):
    return {e.key: e.status for e in evs}


def _refuted(evs):
    return {e.key for e in evs if e.status is Status.REFUTED}


def _bad(v):
    return [e.to_dict() for e in v.evidence if e.status is not Status.VERIFIED]


def test_applies_exactly_to_the_linear_l2_problem():
    for e in catalogue():
        applies = CLAIMS["C12"].applies_to(e)
        assert applies == (e.name == LINEAR), e.name
        if not applies and e.has("l2"):
            why = CLAIMS["C12"].why_not(e)
            assert "C12 needs a model linear in θ" in why and "∂²x_" in why, why
    why = CLAIMS["C12"].why_not(get_problem("tanh-2-3-3-ce"))
    assert "the L2 loss" in why and "cross_entropy" in why


def test_verified_on_the_linear_catalogue_problem():
    v = check("C12", get_problem(LINEAR))
    assert v.status is Status.VERIFIED, _bad(v)
    keys = {e.key.split(".", 1)[1] for e in v.evidence}
    assert {"a.start", "a.ode", "a.limit", "a.closest", "b.eigenspaces", "cases.E3",
            "cases.E3+ker", "cex.i_ii", "cex.end", "a.flow", "a.confirm", "b.flow", "b.line",
            "b.some_line", "b.confirm"} <= keys
    for e in v.evidence:
        if e.level is Level.EXACT:
            assert e.residual == 0 and e.tolerance == 0
        else:
            assert e.level is Level.MPMATH and e.dps == 30 and e.tolerance is not None
    # here w = (0, 2, −3) meets all three eigenspaces of Θ (μ = 7, 2, 0): both lines are left
    eig = next(e for e in v.evidence if e.key == "C12.b.eigenspaces")
    assert eig.details["rank[w, Θw]"] == 2 and eig.details["rank[Θw, Θ²w]"] == 2
    assert set(eig.details["eigenspaces met"]) == {"μ = 0", "μ = 2", "μ = 7"}
    assert eig.details["eigenspaces met"]["μ = 0"] == "[-3/14, 1/7, 1/14]"   # = P^⊥w


def test_exact_closed_form_on_the_catalogue_problem():
    e = get_problem(LINEAR)
    d = c12.linear_data(e.problem, e.theta0)
    assert d.D == sp.Matrix([[1, 1], [2, 1], [-1, 1]])
    assert d.P * d.P == d.P and d.P.T == d.P and d.P * d.D == d.D
    t = sp.Symbol("t")
    X = c12.closed_form(t, d.x0, d.y, d.P)
    assert sp.simplify(X.diff(t) + d.P * (X - d.y) / (1 - t)) == sp.zeros(3, 1)
    Pw = (sp.eye(3) - d.P) * d.w
    assert X.subs(t, 1) - d.y == Pw           # x(1) − y = P^⊥(x(0) − y): frozen residual
    assert d.D.T * Pw == sp.zeros(2, 1)


def test_user_linear_model_with_several_outputs_verified():
    t1, t2, u = sp.symbols("t1 t2 u")
    m = model([t1 * u + t2, 2 * t1 - t2 * u, t1 + t2], [t1, t2], [u], name="lin3")
    p = sf.Problem(m, [[2]], [[0, 1, "-1/3"]], "l2", name="lin3-l2")   # K = 2 < QN = 3
    v = check("C12", p)
    assert v.status is Status.VERIFIED, _bad(v)


def test_user_identity_mlp_without_hidden_layer_verified():
    q = sf.Problem(sf.mlp([2, 2], "identity"), [[1, 0], [0, 1]], [[1, 0], [0, 1]], "l2",
                   name="mlp-2-2-identity")
    v = check("C12", q)
    assert v.status is Status.VERIFIED, _bad(v)


def test_exact_spectral_test_without_radicals():
    """Θ of a linear model whose characteristic polynomial has an irreducible cubic factor
    (casus irreducibilis: radicals would be complex): the factor test decides it exactly."""
    t1, t2, t3, u1, u2 = sp.symbols("t1 t2 t3 u1 u2")
    m = model([t1 * u1 + t2, 2 * t1 - t3 * u2], [t1, t2, t3], [u1, u2], name="lin2")
    p = sf.Problem(m, [[1, 2], ["1/2", -1]], [[0, 1], [1, "-1/3"]], "l2", name="lin2-l2")
    d = c12.linear_data(p, (1, 0, 2))
    parts = c12.eigen_parts(d.Theta, d.w)
    assert [(q["degree"], q["mu"]) for q in parts] == [(1, 0), (3, None)]
    assert sp.Poly(parts[1]["factor"]).is_irreducible
    assert c12.rank_tests(d.Theta, d.w) == (2, 2)
    assert c12._eigenspace_evidence(d, c12.rank_tests).status is Status.VERIFIED


def test_not_applicable_to_a_nonlinear_user_model():
    t1, t2, u = sp.symbols("t1 t2 u")
    p = sf.Problem(model([t1 * t2 * u], [t1, t2], [u]), [[1], [2]], [[0], [1]], "l2",
                   name="bilinear")
    assert nonlinear_witness(p).startswith("∂²x_1/∂t1∂t2 = 1 is not identically 0")
    from symflow.errors import ClaimError
    with pytest.raises(ClaimError, match="linear in θ"):
        check("C12", p)
    q = sf.Problem(sf.mlp([1, 2, 1], "identity"), [[1], [2]], [[0], [1]], "l2")
    assert nonlinear_witness(q) is not None   # W2·(W1u + b1) + b2 is bilinear


def test_counterexample_refuted_as_a_finding_with_computed_data():
    v = check("C12-EIGENSPACE", None)
    assert v.status is Status.REFUTED and v.is_finding and not v.failed
    st_ = _status(v.evidence)
    assert _refuted(v.evidence) == {"C12-EIGENSPACE.old.some_line", "C12-EIGENSPACE.old.to_y"}
    assert all(s is Status.VERIFIED for k, s in st_.items() if ".old." not in k), _bad(v)
    f1, f0 = c12._cex_facts(None, c12.rank_tests)
    assert f1["data"].D == sp.Matrix([[1], [0]]) and f1["data"].Theta == sp.diag(1, 0)
    assert list(f1["data"].w) == [1, 1] and (f1["spec"]["r1"], f1["spec"]["r2"]) == (2, 1)
    assert list(f1["data"].y + f1["st"]["u"]) == [sp.exp(-c12._s / 2), 0]
    assert list(f0["data"].w) == [0, 1] and f0["spec"]["n_all"] == 1
    assert f0["st"]["u"] == f0["data"].w          # w ∈ ker Θ: the outputs never move


def test_exact_constructed_cases():
    Theta, ws = c12.constructed_cases()
    assert Theta.T == Theta and sorted(Theta.eigenvals()) == [0, 1, 3]
    expected = {"E3": (1, 1), "ker": (1, 0), "E3+ker": (2, 1), "E3+E1": (2, 2),
                "E3+E1+ker": (2, 2)}
    assert {k: c12.rank_tests(Theta, w) for k, w in ws.items()} == expected
    assert all(e.status is Status.VERIFIED for e in c12._cases_evidence(c12.rank_tests))


def test_refuted_for_a_wrong_closed_form():
    def c6_line(t, x0, y, P):       # C6's line, which ignores P
        return (1 - t) * x0 + t * y

    evs = c12.check_c12(get_problem(LINEAR), closed_form_fn=c6_line)
    assert {"a.ode", "a.limit", "a.flow"} <= _refuted(evs)

    def late(t, x0, y, P):          # the right form, started one unit off
        return c12.closed_form(t, x0, y, P) + sp.ones(x0.rows, 1)

    assert "a.start" in _refuted(c12.check_c12(get_problem(LINEAR), closed_form_fn=late))


def test_refuted_for_a_wrong_projector():
    evs = c12.check_c12(get_problem(LINEAR), projector_fn=lambda D: sp.eye(D.rows))
    # P = I is self-consistent in the ODE (it is C6's line); the integrated flow tells it apart
    assert _refuted(evs) == {"a.flow"}


def test_refuted_for_a_wrong_ntk():
    evs = c12.check_c12(get_problem(LINEAR), ntk_fn=lambda D: 2 * D * D.T)
    assert "b.flow" in _refuted(evs)
    evs = c12.check_c12(get_problem(LINEAR), ntk_fn=lambda D: sp.eye(D.rows))
    # Θ = I puts every w in one eigenspace: the rank tests predict the line, the flow leaves it
    assert {"b.flow", "b.line", "b.some_line"} <= _refuted(evs)
    evs = c12.check_c12_eigenspace(ntk_fn=lambda D: D * D.T + sp.eye(D.rows))
    # Θ = diag(2, 1): w = (1, 1) meets two μ > 0, predicted bent; the true path is straight.
    # In the counterexample claim these supporting comparisons fail as inconclusive (not as a
    # refutation that would read as the finding), and the old wording, whose comparisons must
    # fail, passes on the wrong Θ: the verdict is a broken counterexample, a failure.
    bad = {e.key for e in evs if e.status is Status.INCONCLUSIVE
           and "supporting fact" in e.why}
    assert {"traj.flow", "traj.some_line"} <= bad
    v = Verdict.from_evidence("C12-EIGENSPACE", "", "(global)", evs, expected=Status.REFUTED)
    assert v.broken_counterexample and v.failed and not v.is_finding


def test_refuted_for_a_wrong_rank_test():
    def wrong(Theta, w):            # (ii) decided by rank[w, Θw] instead of rank[Θw, Θ²w]
        r1, _ = c12.rank_tests(Theta, w)
        return r1, r1

    evs = c12.check_c12(get_problem(LINEAR), rank_fn=wrong)
    assert {"cases.E3+ker", "cex.i_ii"} <= _refuted(evs)
    # in the counterexample claim the corrected statement is supporting: it fails as
    # inconclusive there (C12 itself refutes it, cex.i_ii above)
    bad = c12.check_c12_eigenspace(rank_fn=wrong)
    assert any(e.key == "corrected.i_ii" and e.status is Status.INCONCLUSIVE
               and "supporting fact" in e.why for e in bad)


@st.composite
def _spectral_case(draw):
    """Θ = U diag(μ)Uᵀ (U a Cayley rotation of a random rational skew S) and w = Σ c_i u_i:
    the eigenspaces w meets are known from (μ, c) without any eigen-solver."""
    a, b, c = (draw(st.fractions(-3, 3, max_denominator=3)) for _ in range(3))
    S = sp.Matrix([[0, a, b], [-a, 0, c], [-b, -c, 0]])
    U = (sp.eye(3) - S) * (sp.eye(3) + S).inv()
    mus = draw(st.lists(st.integers(0, 3), min_size=3, max_size=3))
    cs = draw(st.lists(st.integers(-2, 2), min_size=3, max_size=3).filter(any))
    w = sum((ci * U.col(i) for i, ci in enumerate(cs)), sp.zeros(3, 1))
    return U * sp.diag(*mus) * U.T, w, {m for m, ci in zip(mus, cs) if ci}


@settings(max_examples=40, deadline=None)
@given(_spectral_case())
def test_property_rank_criterion(case):
    """rank[w, Θw] = 1 ⇔ w meets one eigenspace; rank[Θw, Θ²w] ≤ 1 ⇔ at most one μ > 0; and
    the exact spectral test (:func:`c12.eigen_parts`) finds the eigenspaces w was built from."""
    Theta, w, met = case
    r1, r2 = c12.rank_tests(Theta, w)
    assert (r1 == 1) == (len(met) == 1)
    assert (r2 <= 1) == (len(met - {0}) <= 1)
    parts = c12.eigen_parts(Theta, w)
    assert {p["mu"] for p in parts} == met and all(p["degree"] == 1 for p in parts)


@settings(max_examples=15, deadline=None)
@given(st.lists(st.integers(-3, 3), min_size=6, max_size=6),
       st.lists(st.fractions(-2, 2, max_denominator=4), min_size=6, max_size=6))
def test_property_closed_form_solves_the_ode(dents, xy):
    """For any D (3 × 2, any rank) and x(0), y: (a)'s closed form solves dx/dt =
    −P(x − y)/(1 − t) exactly and ends at the point of x(0) + range D closest to y."""
    D = sp.Matrix(3, 2, dents)
    x0 = sp.Matrix([sp.Rational(str(Fraction(v))) for v in xy[:3]])
    y = sp.Matrix([sp.Rational(str(Fraction(v))) for v in xy[3:]])
    P = c12.orth_projector(D)
    t = sp.Symbol("t")
    X = c12.closed_form(t, x0, y, P)
    assert sp.simplify(X.diff(t) + P * (X - y) / (1 - t)) == sp.zeros(3, 1)
    assert D.T * (y - X.subs(t, 1)) == sp.zeros(2, 1)
