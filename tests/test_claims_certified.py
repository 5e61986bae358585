"""Ball evidence along flows from certified enclosures (symflow check --certify; issue 12).

What is asserted is mathematics, not rendering: the C6 ball evidence on tanh-2-3-1-l2 is a
certified bound ≤ the ball tolerance on a certified enclosure of [0, 1] with λ_min(DDᵀ) > 0, and
the enclosed θ(1) agrees with the independent mpmath integration; an exhausted budget is an
inconclusive attempt (reason budget) that leaves the mpmath evidence standing; a wrong field
(Dᵀw instead of D⁺w) gives a deviation ball that excludes 0 — a refutation, never hidden; C5's
certified upper bounds of dC/ds are < 0; C8's logit-sum balls contain their initial values.
"""

from __future__ import annotations

import json
from fractions import Fraction

import mpmath
import pytest

import symflow
from symflow.claims import certified, check
from symflow.claims.certified import Certify, certifying
from symflow.claims.trajectories import flow
from symflow.claims.evidence import Evidence, Level, Reason, Status, Verdict
from symflow.cli import main
from symflow.core.problems import get_problem
from symflow.errors import ParameterError
from symflow.reports import certified_trajectories, markdown, text_table, to_json

TANH = "tanh-2-3-1-l2"


def _by_key(evidence):
    return {e.key: e for e in evidence}


def test_c6_certified_cli_json_and_mpmath_agree(tmp_path, capsys):
    """``symflow check --certify --problems tanh-2-3-1-l2 --claims C6``: exit 0; C6 carries
    verified ball evidence — certified bound of |x[θ(t_i)] − line| ≤ 10^(10 − dps)·scale at every
    step end of a certified enclosure of [0, 1], λ_min(DDᵀ) > 0 on the tube — and the JSON
    report carries the trajectory's record. The enclosed θ(1) agrees with symflow.integrate's."""
    out = tmp_path / "r.json"
    code = main(["check", "--certify", "--problems", TANH, "--claims", "C6", "--quiet",
                 "--json", str(out)])
    text = capsys.readouterr().out
    assert code == 0
    assert "Certified trajectories" in text
    doc = json.loads(out.read_text())
    assert doc["meta"]["certify"]["max_steps"] == certified.DEFAULT_MAX_STEPS
    (v,) = doc["verdicts"]
    assert v["status"] == "verified"
    ev = {e["key"]: e for e in v["evidence"]}
    for key in ("C6.ball.line", "C6.ball.target", "C6.ball.rank"):
        assert ev[key]["level"] == "ball" and ev[key]["status"] == "verified", ev[key]
    line = ev["C6.ball.line"]
    assert mpmath.mpf(line["residual"]) <= mpmath.mpf(line["tolerance"])
    assert mpmath.mpf(line["tolerance"]) <= mpmath.mpf("1e-19")   # 10^(10 − 30)·max(1, scale)
    assert mpmath.mpf(ev["C6.ball.rank"]["residual"]) > 0          # λ_min(DDᵀ) ≥ it > 0
    (rec,) = doc["certified_trajectories"]
    assert rec["problem"] == TANH and rec["field"] == "adapted" and rec["time"] == "t"
    assert rec["certified"] is True and rec["reached"] == "1" and rec["span"] == "t ∈ [0, 1]"
    assert 0 < rec["steps"] <= certified.DEFAULT_MAX_STEPS
    assert float(rec["rank_certificate"]) > 0 and float(rec["width_end"]) < 1e-20
    assert set(rec["used_by"]) == {"C6.ball.line verified", "C6.ball.target verified",
                                   "C6.ball.rank verified"}
    # the enclosure and the mpmath integrator describe the same θ(1)
    e = get_problem(TANH)
    enc = certified.enclosure(e, field="adapted", t_end=1, dps=30,
                              max_steps=certified.DEFAULT_MAX_STEPS)
    traj = flow(e, field="adapted", t_end=1, dps=30, rank_loss="stop")   # C6's, cached
    with mpmath.workdps(40):
        th = traj.theta_at(1)
        diff = max(abs(mpmath.mpf(b.mid().str(40, radius=False)) - mpmath.mpf(t))
                   for b, t in zip(enc.theta_at(1), th))
    assert diff < mpmath.mpf("1e-20")


def test_budget_exhausted_is_not_certified_and_mpmath_stands():
    """A budget of 3 steps (the span needs 11): not certified, with the reason; the ball
    evidence is an inconclusive *attempt* (reason budget) and a verdict whose other evidence
    is verified stays verified — never reported as verified at ball level."""
    e = get_problem(TANH)
    (ev,) = certified.c6_evidence(e, Certify(max_steps=3), 30)
    assert ev.level is Level.BALL and ev.status is Status.INCONCLUSIVE
    assert ev.reason is Reason.BUDGET and ev.attempt
    assert "max_steps = 3" in ev.why and "not certified" in ev.why
    rec = ev.details["enclosure"]
    assert rec["certified"] is False and rec["steps"] == 3 and Fraction(rec["reached"]) < 1
    mp = Evidence(Level.MPMATH, "C6 in t", mpmath.mpf("1e-30"), mpmath.mpf("1e-25"),
                  Status.VERIFIED, 30, key="C6.t.line")
    v = Verdict.from_evidence("C6", "statement", TANH, [mp, ev.with_(key="C6.ball.line")])
    assert v.status is Status.VERIFIED and v.reasons == []
    txt = text_table([v])
    assert "NOT certified within the budget of 3 steps" in txt and "max_steps = 3" in txt
    assert "not certified within 3 steps" in markdown([v])
    doc = json.loads(to_json([v]))
    assert doc["certified_trajectories"][0]["certified"] is False
    assert doc["verdicts"][0]["evidence"][1]["attempt"] is True
    # an inconclusive attempt alone does not make a verdict verified
    assert Verdict.from_evidence("C6", "s", TANH, [ev]).status is Status.INCONCLUSIVE


def test_wrong_field_is_refuted_not_hidden(monkeypatch):
    """With Dᵀw in place of D⁺w (enclose's perturb="transpose") x no longer moves on the line:
    a deviation ball excludes 0 — refuted at ball level, and the attempt flag hides nothing."""
    e = get_problem(TANH)

    def wrong(entry, **kw):
        return symflow.enclose(entry.problem, entry.theta0, t_end=kw.get("t_end"), dps=30,
                               max_steps=6, perturb="transpose")

    monkeypatch.setattr(certified, "enclosure", wrong)
    evs = certified.c6_evidence(e, Certify(max_steps=6), 30)
    line = _by_key(evs)["ball.line"]
    assert line.status is Status.REFUTED and "excludes 0 at" in line.details
    v = Verdict.from_evidence("C6", "s", TANH, [line])
    assert v.status is Status.REFUTED and v.failed


def test_c5_cost_rates_certified_nonpositive():
    """C5 at ball level on tanh-2-3-1-l2: the standard and adapted flows enclosed on
    s ∈ [0, 1/2]; every certified upper bound of dC/ds over a step's tube is < 0."""
    e = get_problem(TANH)
    evs = _by_key(certified.c5_evidence(e, Certify(), 30))
    assert set(evs) == {"ball.flow_alpha0.rate", "ball.flow_alpha3_4.rate", "ball.flow_alpha1.rate"}
    for ev in evs.values():
        assert ev.level is Level.BALL and ev.status is Status.VERIFIED, ev.why
        assert Fraction(ev.details["max upper bound of dC/ds"]) < 0
        assert ev.details["enclosure"]["certified"] and ev.details["enclosure"]["reached"] == "1/2"


def test_c8_logit_sums_contain_initial_values():
    """C8 at ball level on sin-1-3-2-ce: the logit-sum balls at the step ends of the certified
    adapted flow on s ∈ [0, 1/2] contain their values at θ₀ (bound ≤ the ball tolerance)."""
    e = get_problem("sin-1-3-2-ce")
    (ev,) = certified.c8_evidence(e, Certify(), 30)
    assert ev.key == "ball.invariant" and ev.level is Level.BALL
    assert ev.status is Status.VERIFIED, ev.why
    assert ev.residual <= ev.tolerance and ev.details["times"] >= 2
    assert "consistency bound" in ev.what


def test_default_run_adds_no_ball_evidence():
    """Without certifying() the certified checks contribute nothing (the default run is as
    fast as before)."""
    from symflow.claims.c06_linear_interpolation import check_c6_certified
    assert certified.current() is None
    assert check_c6_certified(get_problem(TANH)) == []
    with certifying(5) as s:
        assert certified.current() is s and s.max_steps == 5
    assert certified.current() is None


@pytest.mark.parametrize("kw,match", [({"max_steps": 0}, "got 0"),
                                      ({"max_steps": 2.5}, "got 2.5"),
                                      ({"s_end": "-1"}, "got '-1'"),
                                      ({"s_end": "abc"}, "got 'abc'")])
def test_certify_bad_settings_name_the_value(kw, match):
    with pytest.raises(ParameterError, match=match):
        Certify(**kw)


def test_certify_steps_option_validated(capsys):
    assert main(["check", "--certify-steps", "0", "--claims", "C6", "--quiet"]) == 2
    assert "--certify-steps must be >= 1, got 0" in capsys.readouterr().err


def test_level_ball_implies_certify(tmp_path, capsys):
    """``--level ball`` turns the certified evidence on (budget 4: not certified on C6's span,
    reported as such; the verdict stands on its mpmath evidence)."""
    out = tmp_path / "r.json"
    code = main(["check", "--level", "ball", "--certify-steps", "4", "--problems", TANH,
                 "--claims", "C6", "--quiet", "--json", str(out)])
    assert code == 0, capsys.readouterr().out
    doc = json.loads(out.read_text())
    assert doc["meta"]["certify"] == {"max_steps": 4, "s_end": "1/2"}
    (rec,) = doc["certified_trajectories"]
    assert rec["certified"] is False and rec["max_steps"] == 4 and "max_steps" in rec["reason"]
    (v,) = doc["verdicts"]
    assert v["status"] == "verified" and v["reasons"] == []
    ball = [e for e in v["evidence"] if e["key"] == "C6.ball.line"]
    assert ball[0]["status"] == "inconclusive" and ball[0]["reason"] == "budget exhausted"
    text = out.read_text()
    assert "certified_trajectories" in text


def test_report_sections_from_records():
    """certified_trajectories deduplicates one enclosure used by several evidence items and
    keeps their keys."""
    rec = {"problem": "p", "field": "adapted", "time": "s", "span": "s ∈ [0, 1/2]",
           "status": "certified", "certified": True, "reason": "", "reached": "1/2", "steps": 5,
           "rejections": 0, "f_evals": 9, "rank_certificate": "1.5", "width_end": "1e-30",
           "width_max": "1e-30", "seconds": 1.0, "dps": 30, "max_steps": 16}
    a = Evidence(Level.BALL, "a", 0, 0, Status.VERIFIED, 30, {"enclosure": rec}, key="C5.x")
    b = Evidence(Level.BALL, "b", 0, 0, Status.VERIFIED, 30, {"enclosure": dict(rec)},
                 key="C8.y")
    vs = [Verdict.from_evidence("C5", "s", "p", [a]), Verdict.from_evidence("C8", "s", "p", [b])]
    (r,) = certified_trajectories(vs)
    assert r["used_by"] == ["C5.x verified", "C8.y verified"]
    assert "Certified trajectories" not in text_table([Verdict.from_evidence(
        "C1", "s", "p", [Evidence(Level.EXACT, "x", 0, 0, Status.VERIFIED)])])


@pytest.mark.parametrize("ball", ["3.0443495", "-0.021684", "1.5e-30", "[2.5 +/- 1e-3]",
                                  "999999.5", "1e-600"])
def test_reported_bounds_round_outward(ball):
    """The records' decimals are bounds: lower_str(b) ≤ every point of b ≤ upper_str(b)
    (exact rational comparisons; no float, so 10⁻⁶⁰⁰ does not underflow)."""
    from flint import arb
    b = arb(ball)
    lo, hi = Fraction(certified.lower_str(b)), Fraction(certified.upper_str(b))
    assert lo <= certified._lower(b) <= certified._upper(b) <= hi
    assert hi - lo <= abs(certified._upper(b)) * Fraction(1, 10) + 2 * certified._fraction_of(
        arb(b.rad()))
