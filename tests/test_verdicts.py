"""What a verdict means: reasons for inconclusive outcomes, the tolerance rule, keys, κ.

These test the judge of the pointwise claims and the Verdict semantics directly, with
hand-made comparisons whose right outcome is known.
"""

from __future__ import annotations

import mpmath
import pytest
from mpmath import mpf

import symflow as sf
from symflow.backends import tolerance
from symflow.claims import check, check_all
from symflow.claims import judge
from symflow.claims import c01_full_rank as c01
from symflow.claims.evidence import Evidence, Level, Reason, Status, Verdict
from symflow.core.problems import get_problem


def _judge(c, c2=None, level=Level.MPMATH, dps=30):
    with mpmath.workdps(dps + 20):
        return judge._judge(c, c2 if c2 is not None else c, level, dps)


def test_loose_tolerance_is_inconclusive_not_verified():
    """Residual 1e-25 passes tol = 1e-20 — but the quantity judged has magnitude 1e-16, so the
    tolerance is 1e-4 of it: a pass says nothing, the comparison is inconclusive."""
    c = judge.Cmp("zero", mpf("1e-25"), mpf(0), scale=1, magnitude=mpf("1e-16"))
    confirm = judge.Cmp("zero", mpf("1e-45"), mpf(0), scale=1)
    j = _judge(c, confirm)
    assert j.status is Status.INCONCLUSIVE and j.reason is Reason.TOLERANCE
    assert "magnitude" in j.why
    ok = judge.Cmp("zero", mpf("1e-25"), mpf(0), scale=1, magnitude=mpf(1))
    assert _judge(ok, confirm).status is Status.VERIFIED


def test_mpmath_refutation_needs_the_confirming_run():
    """Above tolerance at dps but within it at dps + 20: precision not confirmed."""
    c1 = judge.Cmp("zero", mpf("1e-15"), mpf(0), scale=1)
    c2 = judge.Cmp("zero", mpf("1e-45"), mpf(0), scale=1)
    j = _judge(c1, c2)
    assert j.status is Status.INCONCLUSIVE and j.reason is Reason.PRECISION
    assert _judge(c1, c1).status is Status.REFUTED


def test_ball_that_cannot_decide_is_inconclusive_with_reason():
    import flint
    with sf.working_precision(30):
        wide = flint.arb(0, mpf("1e-5"))   # contains 0, radius far above the tolerance
        c = judge.Cmp("zero", wide, flint.arb(0), scale=1)
        j = judge._judge(c, None, Level.BALL, 30)
    assert j.status is Status.INCONCLUSIVE and j.reason is Reason.NUMERICS


def test_tolerance_rule_is_written_once():
    from symflow.backends import backend
    assert backend(Level.MPMATH).tolerance(30, 1) == tolerance.pointwise(Level.MPMATH, 30, 1)
    assert float(tolerance.pointwise("mpmath", 30, 100)) == pytest.approx(1e-18)
    assert tolerance.pointwise("exact", 30, 5) == 0
    assert float(tolerance.trajectory(40)) == pytest.approx(1e-35)


def test_inconclusive_evidence_always_has_a_reason():
    e = Evidence(Level.MPMATH, "x", None, None, Status.INCONCLUSIVE)
    assert e.reason is Reason.NUMERICS
    v = Verdict.from_evidence("C1", "s", "p", [e.with_(reason=Reason.HYPOTHESIS, why="rank 1 < 2")])
    assert v.status is Status.INCONCLUSIVE and v.reasons == ["hypothesis not met: rank 1 < 2"]
    assert not v.failed and not v.as_expected


def test_hypothesis_not_met_at_every_point_is_inconclusive():
    """C1 at points where rank D < QN: the claim says nothing there."""
    e = get_problem("identity-1-1-l2-underparam")
    evs = c01.check_c1(e, level=Level.EXACT, n_points=1)
    by_key = {ev.key: ev for ev in evs}
    assert by_key["hypothesis_theta0"].status is Status.INCONCLUSIVE
    assert by_key["hypothesis_theta0"].reason is Reason.HYPOTHESIS
    assert by_key["lemma"].status is Status.INCONCLUSIVE
    assert by_key["lemma"].reason is Reason.HYPOTHESIS
    assert not any(ev.status is Status.REFUTED for ev in evs)


def test_keys_are_stable_and_unique():
    vs = check_all(["C1", "C2", "C9"], [get_problem("cube-2-3-2-l2")])
    for v in vs:
        keys = [e.key for e in v.evidence]
        assert all(k.startswith(v.claim + ".") for k in keys), keys
        assert len(keys) == len(set(keys))
    c9 = {e.key for e in vs[2].evidence}
    assert {"C9.DDpD", "C9.penrose", "C9.Gp_G"} <= c9


def test_ball_level_tolerances_record_kappa():
    """The ball tolerances grow with |(DDᵀ)⁺|: κ of DDᵀ is in the evidence and the verdict."""
    v = check("C9", get_problem("tanh-2-3-1-l2"))
    assert v.status is Status.VERIFIED and v.level is Level.BALL
    assert v.kappa is not None and float(v.kappa) >= 1
    assert all(e.kappa is not None for e in v.evidence)
    exact = check("C9", get_problem("cube-2-3-2-l2"))
    assert exact.kappa is None                     # tolerance 0 grows with nothing


def test_kappa_matches_singular_values():
    e = get_problem("tanh-2-3-1-l2")
    pd = e.problem.at(e.theta0, "mpmath", 30)
    with mpmath.workdps(30):
        S = mpmath.svd_r(pd.D.data, compute_uv=False)
        expect = float((max(S) / min(S)) ** 2)
    assert judge.ntk_condition(pd) == pytest.approx(expect, rel=1e-10)


def test_counterexample_claim_semantics():
    ev = Evidence(Level.EXACT, "x", 1, 0, Status.REFUTED)
    finding = Verdict.from_evidence("C2-GENERAL", "s", "p", [ev], expected=Status.REFUTED)
    assert finding.is_finding and finding.as_expected and not finding.failed
    theorem = Verdict.from_evidence("C2", "s", "p", [ev])
    assert theorem.failed and not theorem.is_finding
    d = finding.to_dict()
    assert d["expected"] == "refuted" and d["finding"] is True and d["failed"] is False
