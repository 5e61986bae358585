"""``symflow`` command line and reports: tables, JSON/Markdown written atomically, exit codes.

Exit codes (symflow.cli): 0 every verdict as expected, 1 something failed, 3 nothing failed but
something inconclusive, 2 usage/input error (nothing run), 130 interrupted
(tests/test_cli_interrupt.py). The outcome tests use throw-away claims registered for the test
(``fake_claims``), so they do not depend on the state of the real claim modules.
"""

from __future__ import annotations

import io
import json
import os
import re

import pytest

import symflow
from symflow.claims import CLAIMS, check_all, get_claim
from symflow.claims.registry import Claim
from symflow.cli import CheckProgress, exit_code, main
from symflow.claims.evidence import Evidence, Level, Reason, Status, Verdict
from symflow.core.problems import get_problem
from symflow.reports import markdown, summary, text_table, write_atomic


# ---- throw-away claims -------------------------------------------------------------------------
def _ev(status, key, residual=0, tolerance=0, **kw):
    return Evidence(Level.EXACT, f"test comparison {key}", residual, tolerance, status, None,
                    key=key, **kw)


FAKE = {
    # id: (expect, evidence list)
    "ZZ-OK": (Status.VERIFIED, [_ev(Status.VERIFIED, "ok")]),
    "ZZ-OK2": (Status.VERIFIED, [_ev(Status.VERIFIED, "ok2")]),
    "ZZ-BAD": (Status.VERIFIED, [_ev(Status.REFUTED, "bad", 3, 0)]),
    "ZZ-CX": (Status.REFUTED, [_ev(Status.VERIFIED, "hyp"), _ev(Status.REFUTED, "flow", "29/28")]),
    "ZZ-CX-BROKEN": (Status.REFUTED, [_ev(Status.VERIFIED, "flow")]),
    "ZZ-INC": (Status.VERIFIED, [_ev(Status.INCONCLUSIVE, "rank", None, None,
                                     reason=Reason.HYPOTHESIS,
                                     why="the rank monitor stopped the flow at s = 0.7")]),
    "ZZ-REDUCED": (Status.VERIFIED, [_ev(Status.VERIFIED, "span", kappa=1234.5,
                                         details={"reduced": "span shortened to s <= 2"})]),
}


@pytest.fixture
def fake_claims(monkeypatch):
    """Register the FAKE claims (global scope: one verdict each); returns the list of calls."""
    calls = []
    for cid, (expect, evidence) in FAKE.items():
        def check_fn(entry, *, dps, level, progress, _cid=cid, _ev=tuple(evidence)):
            calls.append(_cid)
            return list(_ev)
        check_fn.__name__ = "check_" + cid.lower().replace("-", "_")
        monkeypatch.setitem(CLAIMS, cid, Claim(
            cid, f"test claim {cid}", f"statement of {cid}", "test", lambda e: True,
            (check_fn,), "global", expect,
            f"FINDING of {cid}: the old wording fails" if expect is Status.REFUTED else ""))
    return calls


# ---- exit codes ------------------------------------------------------------------------------
@pytest.mark.parametrize("claims,code", [
    ("ZZ-OK", 0),
    ("ZZ-OK,ZZ-CX", 0),                  # a documented counterexample reproduced is a finding
    ("ZZ-BAD", 1),                        # a theorem refuted
    ("ZZ-CX-BROKEN", 1),                  # a documented counterexample came out verified
    ("ZZ-BAD,ZZ-INC", 1),                 # failure wins over inconclusive
    ("ZZ-INC", 3),                        # nothing failed, something inconclusive
    ("ZZ-CX,ZZ-INC", 3),
])
def test_exit_codes(fake_claims, claims, code, capsys):
    assert main(["check", "--claims", claims, "--quiet"]) == code
    out, err = capsys.readouterr()
    assert err == "" and fake_claims == claims.split(",")


def test_exit_code_function():
    ok = Verdict.from_evidence("A", "s", "p", [_ev(Status.VERIFIED, "a")])
    cx = Verdict.from_evidence("B", "s", "p", [_ev(Status.REFUTED, "b")], expected=Status.REFUTED)
    inc = Verdict.from_evidence("C", "s", "p", [_ev(Status.INCONCLUSIVE, "c")])
    bad = Verdict.from_evidence("D", "s", "p", [_ev(Status.REFUTED, "d")])
    assert exit_code([ok, cx]) == 0 and exit_code([ok, inc]) == 3
    assert exit_code([bad, inc]) == 1 and exit_code([]) == 3


def test_finding_is_reported_not_failed(fake_claims, tmp_path, capsys):
    j, m = tmp_path / "r.json", tmp_path / "r.md"
    rc = main(["check", "--claims", "ZZ-OK,ZZ-CX", "--quiet", "--json", str(j),
               "--markdown", str(m)])
    out = capsys.readouterr().out
    assert rc == 0
    assert ("2 verdicts: 1 verified, 0 refuted, 0 inconclusive, 1 finding (documented "
            "counterexample reproduced)") in out
    assert "Findings (documented counterexamples reproduced" in out
    assert "FINDING of ZZ-CX: the old wording fails" in out and "Failures" not in out
    doc = json.loads(j.read_text())
    assert doc["summary"]["counts"]["findings"] == 1 and doc["summary"]["counts"]["failures"] == 0
    assert doc["failures"] == [] and doc["meta"]["exit_code"] == 0
    [f] = doc["findings"]
    assert f["claim"] == "ZZ-CX" and f["finding"] == "FINDING of ZZ-CX: the old wording fails"
    assert [(r["key"], r["level"], r["residual"]) for r in f["residuals"]] == \
        [("ZZ-CX.flow", "exact", "29/28")]
    md = m.read_text()
    assert "## Findings" in md and "`ZZ-CX.flow`" in md and "## Failures" not in md


def test_failures_and_reasons_in_text(fake_claims, capsys):
    assert main(["check", "--claims", "ZZ-CX-BROKEN,ZZ-BAD,ZZ-INC", "--quiet"]) == 1
    out = capsys.readouterr().out
    assert re.search(r"^Failures \(", out, re.M)
    assert re.search(r"^ZZ-CX-BROKEN .*verified .*FAILED: counterexample not reproduced$", out,
                     re.M)
    assert re.search(r"^ZZ-BAD .*refuted .*FAILED$", out, re.M)
    assert "ZZ-INC (global): hypothesis not met: the rank monitor stopped the flow at s = 0.7" \
        in out
    assert "1 documented counterexample NOT reproduced" in out


def test_headline_shows_caveats_and_kappa(fake_claims, capsys):
    assert main(["check", "--claims", "ZZ-REDUCED", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^ZZ-REDUCED .*verified .*span shortened to s <= 2; κ = 1\.23e\+03$", out,
                     re.M)


def test_check_help_documents_exit_codes(capsys):
    assert main(["check", "--help"]) == 0
    out = capsys.readouterr().out
    for code, words in (("0", "every verdict as expected"), ("1", "something failed"),
                        ("3", "nothing failed, but some verdict is inconclusive"),
                        ("2", "usage or input error"),
                        ("130", "interrupted")):
        assert re.search(rf"^  {code} +{words}", out, re.M), (code, out)
    assert "exit status" in symflow.cli.__doc__ .lower()


# ---- real claims -----------------------------------------------------------------------------
def test_check_writes_reports_and_exits_zero(tmp_path, capsys):
    j, m = tmp_path / "r.json", tmp_path / "r.md"
    rc = main(["check", "--claims", "C1,C9", "--problems", "cube-2-3-2-l2,tanh-2-3-1-l2",
               "--json", str(j), "--markdown", str(m)])
    out, err = capsys.readouterr()
    assert rc == 0
    doc = json.loads(j.read_text())
    assert [v["status"] for v in doc["verdicts"]] == ["verified"] * 4
    assert {v["level"] for v in doc["verdicts"]} == {"exact", "ball"}
    assert doc["summary"]["by_status"] == {"verified": 4}
    assert doc["meta"]["interrupted"] is False and doc["meta"]["completed"] == 4
    md = m.read_text()
    assert "DD⁺D = D" in md and "Schwartz–Zippel" in md
    assert "4 verdicts: 4 verified, 0 refuted, 0 inconclusive" in out
    assert "[4/4]" in err                      # progress on stderr
    assert not [p for p in os.listdir(tmp_path) if p.startswith(".tmp-")]


def test_documented_counterexample_c2_general_is_a_finding(tmp_path, capsys):
    j = tmp_path / "r.json"
    rc = main(["check", "--claims", "C2-GENERAL", "--problems", "identity-1-1-l2-underparam",
               "--quiet", "--json", str(j)])
    assert rc == 0
    doc = json.loads(j.read_text())
    [f] = doc["findings"]
    assert f["claim"] == "C2-GENERAL" and f["finding"] == get_claim("C2-GENERAL").finding
    assert f["residuals"] and all(r["key"].startswith("C2-GENERAL.") for r in f["residuals"])
    assert doc["summary"]["counts"]["refuted"] == 0


@pytest.mark.parametrize("argv,msg", [
    (["check", "--claims", "C1,C77"], "unknown claim 'C77'"),
    (["check", "--claims", ""], "no claim ids given"),
    (["check", "--dps", "3"], "--dps must be between 15 and 2000, got 3"),
    (["check", "--dps", "many"], "--dps must be an integer, got 'many'"),
    (["check", "--problems", "nope"], "unknown catalogue problem 'nope'"),
    (["check", "--problems", " , "], "--problems ' , ' names no problem"),
    (["check", "--level", "exactly"], "invalid choice: 'exactly'"),
    (["check", "--claims", "C1", "--problems", "identity-1-1-l2-underparam"], "no (claim"),
    (["check", "--json", ""], "--json: empty path ''"),
    (["check", "--markdown", ""], "--markdown: empty path ''"),
    (["check", "--bogus"], "unrecognized arguments: --bogus"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
    ([], "required: command"),
    (["list", "extra"], "unrecognized arguments: extra"),
])
def test_bad_input_exit_two_without_traceback(argv, msg, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert msg in err and "Traceback" not in err


def _unwritable(tmp_path, kind):
    if kind == "missing folder":
        return str(tmp_path / "no" / "such" / "r.json"), str(tmp_path / "no")
    if kind == "is a folder":
        (tmp_path / "d").mkdir()
        return str(tmp_path / "d"), "is a folder"
    if kind == "trailing slash":
        return str(tmp_path / "new") + "/", "is a folder"
    if kind == "parent is a file":
        (tmp_path / "f").write_text("x")
        return str(tmp_path / "f" / "r.json"), "is not a folder"
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["missing folder", "is a folder", "trailing slash",
                                  "parent is a file"])
@pytest.mark.parametrize("option", ["--json", "--markdown"])
def test_unwritable_report_path_refused_before_work(fake_claims, tmp_path, capsys, kind,
                                                    option):
    path, why = _unwritable(tmp_path, kind)
    assert main(["check", "--claims", "ZZ-OK", "--quiet", option, path]) == 2
    out, err = capsys.readouterr()
    assert fake_claims == []                        # nothing was run
    assert f"{option} {path!r}" in err and why in err and "Traceback" not in err
    assert ".tmp-" not in err and out == ""


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into a read-only folder")
def test_report_in_read_only_folder_refused(fake_claims, tmp_path, capsys):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        assert main(["check", "--claims", "ZZ-OK", "--quiet", "--json", str(ro / "r.json")]) == 2
    finally:
        ro.chmod(0o755)
    assert str(ro / "r.json") in capsys.readouterr().err and fake_claims == []


def test_same_report_path_twice_refused(fake_claims, tmp_path, capsys):
    p = str(tmp_path / "r.txt")
    assert main(["check", "--claims", "ZZ-OK", "--json", p, "--markdown", p]) == 2
    assert "name the same file" in capsys.readouterr().err and fake_claims == []


def test_forced_exact_level_reports_inconclusive(capsys):
    rc = main(["check", "--claims", "C3", "--problems", "tanh-2-3-1-l2", "--level", "exact",
               "--quiet"])
    assert rc == 3
    out = capsys.readouterr().out
    assert "does not apply" in out and "not applicable: level 'exact'" in out


def test_list(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "C1" in out and "cube-2-3-2-l2" in out


def test_reports_render_each_status():
    vs = check_all(["C2-GENERAL", "C2"], [get_problem("identity-1-1-l2-underparam"),
                                          get_problem("square-1-3-1-l2")])
    t = text_table(vs)
    assert "29/28" in t                                # exact residual of the finding
    assert summary(vs).startswith("3 verdicts: 2 verified, 0 refuted, 0 inconclusive, 1 finding")
    assert "A₃" in markdown(vs)


def test_write_atomic_replaces(tmp_path):
    p = tmp_path / "x.txt"
    write_atomic(p, "one")
    write_atomic(p, "two")
    assert p.read_text() == "two" and os.listdir(tmp_path) == ["x.txt"]


# ---- check_all's on_verdict ------------------------------------------------------------------
def test_check_all_hands_out_each_verdict(fake_claims):
    seen = []
    vs = check_all(["ZZ-OK", "ZZ-CX"], on_verdict=seen.append)
    assert seen == vs and [v.claim for v in seen] == ["ZZ-OK", "ZZ-CX"]


# ---- progress lines name their time ----------------------------------------------------------
def test_check_progress_names_the_time_variable():
    buf = io.StringIO()
    p = CheckProgress(stream=buf, interval=0.0)
    p.update(0, {"event": "start", "claim": "C6", "problem": "tanh-2-3-1-l2", "index": 0,
                 "total": 2})
    p.update(0.42, {"time_variable": "t", "t1": 1, "step": 7})
    p.update(1.3, {"time_variable": "s", "t1": 5})
    p.update(1, {"event": "done", "claim": "C6", "problem": "tanh-2-3-1-l2", "index": 0,
                 "total": 2, "status": "refuted", "expected": "refuted", "level": "exact"})
    p.close()
    lines = buf.getvalue().splitlines()
    assert lines[1].startswith("    C6 tanh-2-3-1-l2: line time t = 0.42 of 1, step 7")
    assert lines[2].startswith("    C6 tanh-2-3-1-l2: flow time s = 1.3 of 5")
    assert re.match(r"\[1/2\] C6 tanh-2-3-1-l2: refuted at exact \(finding", lines[3])
    assert len(lines) == 4                     # close() prints nothing for check


@pytest.mark.parametrize("kw,tv", [({"t_end": "1/2"}, "t"), ({"s_end": "1/2"}, "s")])
@pytest.mark.parametrize("arith", ["mpmath", "float64"])
def test_integrate_progress_says_which_time(kw, tv, arith):
    class Rec:
        def __init__(self):
            self.infos = []

        def update(self, t, info):
            self.infos.append(info)

        def close(self):
            pass

    prob = symflow.Problem(symflow.mlp([1, 2, 1], "tanh"), inputs=[[1]], targets=[[2]])
    rec = Rec()
    symflow.integrate(prob, [1, 0, 1, 1, 0, 1, 0], dps=20, arith=arith, progress=rec, **kw)
    assert rec.infos and {i["time_variable"] for i in rec.infos} == {tv}


# ---- campaign --------------------------------------------------------------------------------
@pytest.mark.parametrize("argv,msg", [
    (["--n", "x"], "--n must be an integer, got 'x'"),
    (["--n", "0"], "--n must be >= 1, got 0"),
    (["--seed", "-1"], "--seed must be >= 0, got -1"),
    (["--dps", "5"], "--dps must be between 15 and 2000, got 5"),
    (["--dps", "99999"], "--dps must be between 15 and 2000, got 99999"),
    (["--report", ""], "--report: empty path ''"),
    (["--bogus"], "unrecognized arguments: --bogus"),
])
def test_campaign_bad_input_exit_two(argv, msg, capsys):
    assert main(["campaign", *argv]) == 2
    err = capsys.readouterr().err
    assert msg in err and "Traceback" not in err


def test_campaign_missing_report_folder_refused_before_work(tmp_path, capsys, monkeypatch):
    import symflow.campaign.command as command
    monkeypatch.setattr(command, "run_campaign",
                        lambda *a, **k: pytest.fail("the campaign ran"))
    path = str(tmp_path / "missing" / "c.json")
    assert main(["campaign", "--n", "3", "--report", path,
                 "--results", str(tmp_path / "r.jsonl")]) == 2
    err = capsys.readouterr().err
    assert f"--report {path!r}" in err and str(tmp_path / "missing") in err
    assert not (tmp_path / "missing").exists()


def test_campaign_help_documents_exit_codes(capsys):
    assert main(["campaign", "--help"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^  130 +interrupted", out, re.M) and re.search(r"^  3 +nothing", out,
                                                                      re.M)


def _fake_record(claims_status, outcome=None):
    """A run_case stand-in: every case gets the given {claim: (status, failed)}."""
    def fake(index, spec, dps=30, budget=None, claims=None):
        cl = {c: {"status": st, "expected": "verified", "failed": failed, "level": "exact"}
              for c, (st, failed) in claims_status.items()}
        out = outcome or ("failed" if any(f for _, f in claims_status.values()) else "ok")
        rec = {"index": index, "case": spec, "description": f"case {index}", "outcome": out,
               "claims": cl, "seconds": 0.01, "full_rank": True, "level": "exact"}
        if out == "error":
            rec["error"] = "RankError: rank trouble"
        return rec
    return fake


@pytest.mark.parametrize("claims_status,outcome,code", [
    ({"C2": ("verified", False)}, None, 0),
    ({"C2": ("inconclusive", False)}, "budget", 0),
    ({"C2": ("refuted", True)}, None, 1),
    ({}, "error", 3),
])
def test_campaign_exit_codes(monkeypatch, tmp_path, capsys, claims_status, outcome, code):
    import symflow.campaign.runner as runner
    monkeypatch.setattr(runner, "run_case", _fake_record(claims_status, outcome))
    path, results = tmp_path / "c.json", tmp_path / "r.jsonl"
    assert main(["campaign", "--n", "3", "--executor", "serial", "--quiet", "--no-shrink",
                 "--report", str(path), "--results", str(results)]) == code
    data = json.loads(path.read_text())
    assert data["exit_code"] == code and data["tried"] == 3 and data["complete"] is True
    assert len(results.read_text().splitlines()) == 3
    assert oct(path.stat().st_mode & 0o777) == oct(0o666 & ~_umask())


def _umask():
    m = os.umask(0)
    os.umask(m)
    return m
