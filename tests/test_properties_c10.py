"""C10: without full rank, C6 fails — Hypothesis finds and shrinks a counterexample; and the
campaign machinery (statistics, report, exit code, that its checks can fail)."""

from __future__ import annotations

import json
import os
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings

import symflow as sf
import symflow.testing.campaign as campaign
from symflow.testing.campaign import check_case, find_c6_counterexample, main, run_campaign
from symflow.testing.strategies import RATIONAL_ACTIVATIONS, Case, cases


def _residual(widths, act, bias, inputs, targets, theta):
    """max|x' + ∇ₓC| of the adapted field, recomputed from the raw data (exact level)."""
    prob = sf.Problem(sf.mlp(list(widths), act, bias), [list(r) for r in inputs],
                      [list(r) for r in targets], "l2")
    pd = prob.at(list(theta), "exact")
    return (sf.output_field(pd, "adapted") + pd.grad).max_abs(), pd.D.data.rank(), prob


@pytest.fixture(scope="module")
def cx():
    return find_c6_counterexample(max_examples=300, seed=0)


def test_c10_counterexample_is_rank_deficient(cx):
    """The shrunk counterexample really refutes x' = −∇ₓC, and really has rank D < QN."""
    res, rank, prob = _residual(cx.widths, cx.activation, cx.bias, cx.inputs, cx.targets,
                                cx.theta)
    assert res != 0 and Fraction(int(res.p), int(res.q)) == cx.residual
    assert rank == cx.rank < cx.QN == prob.QN
    assert cx.K == prob.K
    assert "rank D" in cx.description() and str(cx.QN) in cx.description()


def test_c10_counterexample_is_locally_minimal(cx):
    """Hypothesis' shrinking leaves no one-step simplification that is still a counterexample:
    zeroing one entry of θ, of an input or of a target, dropping a sample, or the bias."""
    def still_fails(widths, bias, inputs, targets, theta):
        try:
            res, _, _ = _residual(widths, cx.activation, bias, inputs, targets, theta)
        except sf.SymflowError:
            return False
        return res != 0

    base = (list(cx.inputs), list(cx.targets), list(cx.theta))
    for k, v in enumerate(cx.theta):
        if v != 0:
            th = list(cx.theta)
            th[k] = Fraction(0)
            assert not still_fails(cx.widths, cx.bias, cx.inputs, cx.targets, th), ("θ", k)
    for which in (0, 1):
        rows = [list(r) for r in base[which]]
        for j, r in enumerate(rows):
            for i, v in enumerate(r):
                if v != 0:
                    new = [list(x) for x in rows]
                    new[j][i] = Fraction(0)
                    args = (new, base[1]) if which == 0 else (base[0], new)
                    if which == 0 and len({tuple(x) for x in new}) < len(new):
                        continue  # would duplicate an input: a different (bigger) mechanism
                    assert not still_fails(cx.widths, cx.bias, *args, cx.theta), (which, j, i)
    if cx.N > 1:
        for j in range(cx.N):
            keep = [i for i in range(cx.N) if i != j]
            assert not still_fails(cx.widths, cx.bias, [cx.inputs[i] for i in keep],
                                   [cx.targets[i] for i in keep], cx.theta), ("drop", j)
    assert cx.K <= 12 and cx.QN <= 4   # within the search bounds


def test_c6_without_full_rank_is_refuted_by_given():
    """The same property written as a @given test with no full-rank assumption must fail, and
    the falsifying example Hypothesis reports (after shrinking) is rank-deficient."""
    falsified = []

    @settings(max_examples=200, database=None, deadline=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(cases(activations=RATIONAL_ACTIVATIONS, max_qn=4, max_depth=2, max_width=2))
    def c6_without_hypothesis(case):
        pd = case.at("exact")
        ok = (sf.output_field(pd, "adapted") + pd.grad).is_zero()
        if not ok:
            falsified.append(case)
        assert ok

    with pytest.raises(AssertionError):
        c6_without_hypothesis()
    last = falsified[-1]   # Hypothesis replays the shrunk example last
    assert last.rank.rank < last.QN
    assert last.at("exact").D.data.rank() < last.QN


@given(cases(full_rank=False, activations=RATIONAL_ACTIVATIONS))
def test_rank_loss_bends_iff_residual_outside_range(case):
    """At rank D < QN, x' = −∇ₓC fails exactly when ∇ₓC ∉ range(D)."""
    pd = case.at("exact")
    P = sf.projector(pd.D)
    outside = not (P @ pd.grad - pd.grad).is_zero()
    assert check_case(case)["C10"][0] == outside


# ---- the campaign ----------------------------------------------------------------------------
def test_run_campaign_statistics(tmp_path):
    path = tmp_path / "sub" / "report.json"
    rep = run_campaign(25, seed=4, dps=30, report_path=str(path))
    data = json.loads(path.read_text())
    assert data["tried"] == rep.tried == 25 and data["ok"] is True
    assert sum(data["by_activation"].values()) == 25 == sum(data["by_level"].values())
    assert data["claims"].get("C1", {"checked": 0})["checked"] + data["rejected_for_rank"] == 25
    for c in ("C2", "C3", "C4", "C5", "C9"):
        assert data["claims"][c]["checked"] == 25 == data["claims"][c]["passed"]
    assert 0 <= data["c10_counterexamples"] <= data["rejected_for_rank"]
    assert [p for p in os.listdir(path.parent) if p.startswith(".campaign-")] == []


def test_campaign_checks_can_fail(monkeypatch):
    """Replace the adapted field by the standard one: C2 must then fail on a generic case."""
    case = Case.build([1, 2, 1], "cube", True, [[1], ["1/2"]], [[1], [0]],
                      ["1/2", -1, "1/4", 1, 2, "-1/2", "1/3"])
    assert check_case(case)["C2"][0]
    real = campaign.output_field
    monkeypatch.setattr(campaign, "output_field",
                        lambda pd, f: real(pd, "standard") if f == "adapted" else real(pd, f))
    assert not check_case(case)["C2"][0]


def test_campaign_main(tmp_path, capsys):
    path = tmp_path / "r.json"
    assert main(["--n", "8", "--seed", "2", "--report", str(path)]) == 0
    assert json.loads(path.read_text())["tried"] == 8
    assert "campaign: 8 cases" in capsys.readouterr().out
    assert main(["--n", "0", "--report", str(path)]) == 2


@pytest.mark.campaign
def test_campaign_long(tmp_path):
    """``pytest -m campaign tests/test_properties_c10.py``: thousands of cases; the report goes
    to $SYMFLOW_CAMPAIGN_REPORT (default: a temporary file)."""
    path = os.environ.get("SYMFLOW_CAMPAIGN_REPORT", str(tmp_path / "campaign.json"))
    n = int(os.environ.get("SYMFLOW_CAMPAIGN_N", "2000"))
    rep = run_campaign(n, seed=int(os.environ.get("SYMFLOW_CAMPAIGN_SEED", "0")),
                       report_path=path)
    print(rep.summary())
    assert rep.ok, rep.failures[:5] + rep.errors[:5]
