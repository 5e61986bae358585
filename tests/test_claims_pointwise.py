"""Pointwise claims C1–C5, C9 and the registry: verified where the mathematics holds, refuted
for deliberately broken fields/inverses, inconclusive where nothing can be decided."""

from __future__ import annotations

from fractions import Fraction

import pytest

import symflow as sf
from symflow.claims import CLAIMS, check, check_all, claim_check, get_claim, register
from symflow.claims import sampling
from symflow.claims import objects
from symflow.claims import c01_full_rank as c01
from symflow.claims import c02_general_rank as c02
from symflow.claims import c03_endpoints as c03
from symflow.claims import c04_equilibria as c04
from symflow.claims import c05_output_space as c05
from symflow.claims import c09_pseudoinverse as c09
from symflow.claims.registry import GLOBAL, resolve_level
from symflow.errors import ClaimError, LevelError
from symflow.claims.evidence import Evidence, Level, Status, Verdict
from symflow.core.problems import catalogue, get_problem

POINTWISE = ["C1", "C3", "C4", "C5", "C9"]
RATIONAL_FULL = "cube-2-3-2-l2"
BALL_FULL = "tanh-2-3-1-l2"


def _pairs(claims):
    return [(c, e.name) for c in claims for e in catalogue() if CLAIMS[c].applies_to(e)]


@pytest.mark.parametrize("cid,name", _pairs(POINTWISE))
def test_pointwise_claims_verified_at_strongest_level(cid, name):
    e = get_problem(name)
    # only the pointwise checks (C5 also has an along-the-flow check,
    # at the mpmath level, tested in test_claims_flows.py)
    fns = [f for f in CLAIMS[cid].checks if f is not c05.check_c5_along_flows]
    assert fns
    level = e.problem.strongest_level
    evidence = [ev for f in fns for ev in f(e, dps=30, level=level, progress=None)]
    v = Verdict.from_evidence(cid, CLAIMS[cid].statement, e.name, evidence)
    assert v.status is Status.VERIFIED, [ev.to_dict() for ev in v.evidence
                                          if ev.status is not Status.VERIFIED]
    # the strongest level applies: exact for rational L2 networks, ball otherwise
    assert v.level is level
    for ev in v.evidence:
        if ev.level is Level.BALL and ev.details.get("kind") == "zero":
            assert float(ev.residual) <= float(ev.tolerance)
            assert ev.dps == 30


def test_exact_evidence_carries_pit_bound():
    v = check("C1", get_problem(RATIONAL_FULL))
    ev = [e for e in v.evidence if "pit" in e.details]
    assert ev and all(e.residual == 0 and e.tolerance == 0 for e in ev)
    d = ev[0].details
    assert d["pit_points"] == sampling.N_RANDOM_EXACT
    assert float(d["pit_bound"]) < 1e-10
    assert "Schwartz–Zippel" in d["pit"]


def test_output_degree_matches_symbolic_degree():
    import sympy as sp
    prob = get_problem("square-1-3-1-l2").problem
    deg = max(sp.Poly(sp.expand(x), *prob.params).total_degree() for x in prob.outputs)
    assert sampling.output_degree(prob) == deg
    assert sampling.output_degree(get_problem(BALL_FULL).problem) is None


# -- C2 as corrected, and C2-GENERAL (the old wording): a documented counterexample ------------

@pytest.mark.parametrize("name", [e.name for e in catalogue()])
def test_c2_corrected_verified_everywhere(name):
    """DDᵀA = P (A₁ = (DDᵀ)⁺, A₂ a {1,3}-inverse) gives x' = −P∇ₓC at every rank."""
    v = check("C2", get_problem(name))
    assert v.status is Status.VERIFIED and not v.is_finding
    keys = {e.key for e in v.evidence}
    assert {"C2.hyp_A1", "C2.hyp_A2", "C2.flow_A1", "C2.flow_A2", "C2.dpinv"} <= keys


@pytest.mark.parametrize("name", [e.name for e in catalogue({"rank_deficient"})])
def test_c2_general_is_refuted_as_a_finding_at_rank_loss(name):
    """G A₃ G = G holds, but the general generalized inverse A₃ does not give −P∇ₓC: the old
    'for any A' fails — reported as a finding (expected refuted), not as a failure."""
    v = check("C2-GENERAL", get_problem(name))
    assert v.status is Status.REFUTED and v.expected is Status.REFUTED
    assert v.is_finding and not v.failed
    by_key = {e.key: e for e in v.evidence}
    assert by_key["C2-GENERAL.flow_A3"].status is Status.REFUTED
    assert by_key["C2-GENERAL.hand_flow"].status is Status.REFUTED
    assert by_key["C2-GENERAL.hand_flow"].residual == 1
    assert by_key["C2-GENERAL.ginv_A3"].status is Status.VERIFIED
    assert by_key["C2-GENERAL.hand_hypothesis"].status is Status.VERIFIED
    assert "FINDING" in v.note


def test_c2_general_applies_only_at_rank_loss():
    c = sf.claims.get_claim("C2-GENERAL")
    assert c.is_counterexample
    assert not c.applies_to(get_problem(RATIONAL_FULL))


def test_c2_general_verified_would_be_a_failure():
    """If the counterexample machinery broke (here: A₃ replaced by (DDᵀ)⁺, which does satisfy
    the corrected hypothesis), the problem's evidence comes out verified, and a verdict of a
    documented counterexample that is not refuted is a failure."""
    e = get_problem("identity-1-1-l2-underparam")
    evs = c02.check_c2_general(e, ginverse_fn=lambda pd, Gp: Gp)
    flow = [ev for ev in evs if ev.key == "flow_A3"][0]
    assert flow.status is Status.VERIFIED
    v = sf.Verdict("C2-GENERAL", "s", e.name, Status.VERIFIED, tuple(evs), "",
                   expected=Status.REFUTED)
    assert v.failed and not v.is_finding


def test_c2_general_needs_its_hypothesis_to_refute():
    """An A that is not a generalized inverse (A = 0) also misses −P∇ₓC, but that is no
    counterexample to the old wording: the conclusion's refutation is demoted to inconclusive."""
    e = get_problem("identity-1-1-l2-underparam")
    evs = c02.check_c2_general(e, ginverse_fn=lambda pd, Gp: Gp * 0)
    by_key = {ev.key: ev for ev in evs}
    assert by_key["ginv_A3"].status is Status.REFUTED
    assert by_key["flow_A3"].status is Status.INCONCLUSIVE
    assert by_key["flow_A3"].reason is sf.claims.evidence.Reason.HYPOTHESIS


def test_c2_corrected_refutes_a_non_orthogonal_inverse():
    """Handing C2 the old wording's A₃ violates the corrected hypothesis DDᵀA = P."""
    e = get_problem("identity-1-1-l2-underparam")
    evs = c02.check_c2(e, ginverses_fn=lambda pd, Gp: [c02._default_ginverses(pd, Gp)[2]] * 2)
    by_key = {ev.key: ev for ev in evs}
    assert by_key["hyp_A1"].status is Status.REFUTED
    assert by_key["sym_A1"].status is Status.REFUTED
    assert by_key["ginv_A1"].status is Status.VERIFIED


def test_hand_counterexample_computed():
    h = c02.hand_counterexample()
    assert (h["ginv_residual"]).is_zero()
    assert [str(v) for v in h["xdot"].entries()] == ["-1", "0"]
    assert h["minus_Pg"].is_zero()


def test_c2_counterexample_by_hand():
    """Independent of the library: D = (1, 0)ᵀ, G = diag(1, 0); A = [[1, 1], [0, 0]] has GAG = G
    but for g = (0, 1): GAg = (1, 0) ≠ Pg = 0."""
    lv = Level.EXACT
    D = sf.Mat.from_rows(lv, [[1], [0]])
    G = D @ D.T
    A = sf.Mat.from_rows(lv, [[1, 1], [0, 0]])
    g = sf.Mat.column(lv, [0, 1])
    assert (G @ A @ G - G).is_zero()
    P = sf.projector(D)
    assert not (D @ (D.T @ (A @ g)) - P @ g).is_zero()


# -- broken variants are refuted ----------------------------------------------------------------

def _wrong_c1(pd):
    return -(pd.D.T @ pd.grad)          # Dᵀ instead of Dᵀ(DDᵀ)⁻¹


@pytest.mark.parametrize("name", [RATIONAL_FULL, BALL_FULL])
def test_c1_wrong_field_refuted(name):
    e = get_problem(name)
    evs = c01.check_c1(e, dps=30, level=e.problem.strongest_level, field_fn=_wrong_c1)
    lemma = [ev for ev in evs if "explicit inverse" in ev.what]
    assert lemma[0].status is Status.REFUTED


def test_c1_wrong_field_refuted_mpmath():
    e = get_problem(BALL_FULL)
    evs = c01.check_c1(e, dps=20, level=Level.MPMATH, field_fn=_wrong_c1, n_points=0)
    assert [ev for ev in evs if "explicit inverse" in ev.what][0].status is Status.REFUTED
    assert all(ev.status is Status.VERIFIED for ev in evs if "library" in ev.what)


def test_c2_wrong_inverse_refuted():
    e = get_problem(RATIONAL_FULL)
    evs = c02.check_c2(e, level=Level.EXACT, ginverses_fn=lambda pd, Gp: [Gp * 2, Gp])
    assert any(ev.status is Status.REFUTED and ev.key == "hyp_A1" for ev in evs)
    assert any(ev.status is Status.REFUTED and ev.key == "flow_A1" for ev in evs)
    evs = c02.check_c2(e, level=Level.EXACT, pinv_fn=lambda pd: pd.D.T)
    assert [ev for ev in evs if ev.what.startswith("Dᵀ(DDᵀ)⁺ = D⁺")][0].status is Status.REFUTED


def test_c3_wrong_endpoint_refuted():
    e = get_problem(BALL_FULL)

    def broken(pd, a):  # V_1 := the standard field
        return objects.v_alpha(pd, Fraction(0))

    evs = c03.check_c3(e, level=Level.BALL, field_fn=broken)
    v1 = [ev for ev in evs if ev.what.startswith("V_1")][0]
    assert v1.status is Status.REFUTED
    assert [ev for ev in evs if ev.what.startswith("V_0")][0].status is Status.VERIFIED


def test_c4_field_nonzero_at_equilibrium_refuted():
    """A field built from x instead of ∇ₓC does not vanish at the constructed equilibrium."""
    e = get_problem("identity-1-1-l2-underparam")

    def broken(pd, a):
        return -(pd.D.T @ pd.x)

    evs = c04.check_c4(e, level=Level.EXACT, field_fn=broken)
    assert any(ev.status is Status.REFUTED and "equilibrium" in ev.what for ev in evs)


def test_c4_equilibrium_is_nontrivial_on_rank_deficient_problem():
    built = c04.equilibrium_problem(get_problem("square-1-2-1-l2-dead-unit"))
    assert built is not None
    prob, kind = built
    pd = prob.at(get_problem("square-1-2-1-l2-dead-unit").theta0, "exact")
    assert not pd.grad.is_zero()                       # ∇ₓC ≠ 0 …
    assert (pd.D.T @ pd.grad).is_zero()                # … but in ker Dᵀ
    assert "non-trivial" in kind
    assert c04.equilibrium_problem(get_problem(BALL_FULL)) is None


def test_c5_ascending_field_refuted():
    e = get_problem(RATIONAL_FULL)
    evs = c05.check_c5_pointwise(e, level=Level.EXACT,
                                field_fn=lambda pd, a: pd.D.T @ pd.grad)   # ascent
    dc = [ev for ev in evs if "dC/ds" in ev.what]
    assert dc and all(ev.status is Status.REFUTED for ev in dc)
    assert all(ev.residual > 0 for ev in dc)


def test_c9_wrong_pinv_and_projector_refuted():
    e = get_problem("square-1-2-1-l2-dead-unit")
    evs = c09.check_c9(e, level=Level.EXACT, pinv_fn=lambda pd: pd.D.T)
    assert [ev for ev in evs if ev.what == "DD⁺D = D"][0].status is Status.REFUTED
    evs = c09.check_c9(e, level=Level.EXACT,
                      projector_fn=lambda pd: sf.backends.linalg.eye(Level.EXACT, pd.D.shape[0]))
    assert [ev for ev in evs if ev.what.startswith("DD⁺ = P")][0].status is Status.REFUTED
    e = get_problem("tanh-1-1-1-l2-underparam")
    evs = c09.check_c9(e, level=Level.BALL, pinv_fn=lambda pd: pd.D.T, n_points=0)
    assert [ev for ev in evs if ev.what == "DD⁺D = D"][0].status is Status.REFUTED


# -- levels, inconclusive, registry -------------------------------------------------------------

def test_forced_weaker_levels():
    e = get_problem("square-1-3-1-l2")
    assert check("C9", e, level="float64").level is Level.FLOAT64
    v = check("C3", e, level="mpmath", dps=20)
    assert v.status is Status.VERIFIED and v.level is Level.MPMATH
    assert all(ev.details.get("confirm_dps") == 40 for ev in v.evidence)


def test_exact_level_on_transcendental_problem():
    e = get_problem(BALL_FULL)
    with pytest.raises(LevelError, match="tanh-2-3-1-l2"):
        check("C1", e, level="exact")
    (v,) = check_all(["C1"], [e], level="exact")
    assert v.status is Status.INCONCLUSIVE and "does not apply" in v.note


def test_unknown_claim_and_bad_dps():
    with pytest.raises(ClaimError, match=r"C42.*C1, C2"):
        get_claim("C42")
    with pytest.raises(sf.PrecisionError, match="dps = 3 "):
        check("C1", get_problem(RATIONAL_FULL), dps=3)
    with pytest.raises(sf.PrecisionError, match=r"dps = 1500 .*2·dps = 3000.*dps ≤ 1000"):
        check("C1", get_problem(BALL_FULL), dps=1500)
    with pytest.raises(sf.PrecisionError, match="dps = 1500"):
        sf.claims.check_all(["C1"], [get_problem(BALL_FULL)], dps=1500)
    with pytest.raises(ClaimError, match="does not apply"):
        check("C1", get_problem("identity-1-1-l2-underparam"))


def test_crashing_check_is_inconclusive_not_silent():
    register("CTEST", "test claim", "nothing", "none", applies=lambda e: True)

    @claim_check("CTEST")
    def boom(entry, *, dps, level, progress):
        raise ZeroDivisionError("deliberate")

    @claim_check("CTEST")
    def fine(entry, *, dps, level, progress):
        return [Evidence(level, "ok", 0, 0, Status.VERIFIED)]

    try:
        v = check("CTEST", get_problem(RATIONAL_FULL))
        assert v.status is Status.INCONCLUSIVE
        bad = [ev for ev in v.evidence if ev.status is Status.INCONCLUSIVE][0]
        assert "ZeroDivisionError" in bad.what and "deliberate" in bad.what
        assert bad.details["exception"] == "ZeroDivisionError"
        assert len(v.evidence) == 2
    finally:
        CLAIMS.pop("CTEST")


def test_global_scope_gets_pseudo_entry():
    register("CGLOB", "global test claim", "nothing", "none", scope="global")
    seen = []

    @claim_check("CGLOB")
    def g(entry, *, dps, level, progress):
        seen.append((entry, level))
        return [Evidence(level, "ok", 0, 0, Status.VERIFIED)]

    try:
        vs = check_all(["CGLOB"])
        assert len(vs) == 1 and vs[0].problem == "(global)"
        assert seen == [(GLOBAL, Level.EXACT)]
        assert resolve_level(GLOBAL, "mpmath") is Level.MPMATH
    finally:
        CLAIMS.pop("CGLOB")


def test_progress_events():
    events = []

    class P:
        def update(self, t, info):
            events.append(info["event"])

        def close(self):
            pass

    check_all(["C9"], [get_problem("identity-1-1-l2-underparam")], progress=P())
    assert events == ["start", "done"]


def test_c2_general_broken_on_the_problem_fails_even_with_the_hand_example(monkeypatch):
    """A reviewer's mutation: A₃ replaced by A₂ (which satisfies the corrected hypothesis). The
    hand counterexample is still refuted, but the problem's own counterexample passed: the
    verdict must be a failure, not a finding."""
    orig = c02._default_ginverses
    monkeypatch.setattr(c02, "_default_ginverses", lambda pd, Gp: orig(pd, Gp)[:2] * 2)
    v = check("C2-GENERAL", get_problem("identity-1-1-l2-underparam"))
    by_key = {e.key: e for e in v.evidence}
    assert by_key["C2-GENERAL.flow_A3"].status is Status.VERIFIED
    assert by_key["C2-GENERAL.hand_flow"].status is Status.REFUTED
    assert v.broken_counterexample and v.failed and not v.is_finding and not v.as_expected
