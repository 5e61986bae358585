"""``symflow`` command line and reports: tables, JSON/Markdown written atomically, exit codes."""

from __future__ import annotations

import json
import os

import pytest

from symflow.cli import main
from symflow.claims import check_all
from symflow.problems import get_problem
from symflow.reports import markdown, summary, text_table, write_atomic


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
    md = m.read_text()
    assert "DD⁺D = D" in md and "Schwartz–Zippel" in md
    assert "4 verdicts: 4 verified, 0 refuted, 0 inconclusive" in out
    assert "[4/4]" in err                      # progress on stderr
    assert not [p for p in os.listdir(tmp_path) if p.startswith(".tmp-")]


def test_refuted_claim_gives_exit_one(capsys):
    rc = main(["check", "--claims", "C2", "--problems", "identity-1-1-l2-underparam", "--quiet"])
    out, err = capsys.readouterr()
    assert rc == 1 and "refuted" in out and err == ""


@pytest.mark.parametrize("argv,msg", [
    (["check", "--claims", "C1,C77"], "unknown claim 'C77'"),
    (["check", "--dps", "3"], "--dps"),
    (["check", "--dps", "many"], "--dps"),
    (["check", "--problems", "nope"], "unknown catalogue problem 'nope'"),
    (["check", "--level", "exactly"], "--level"),
    (["check", "--claims", "C1", "--problems", "identity-1-1-l2-underparam"], "no (claim"),
])
def test_bad_input_exit_two_without_traceback(argv, msg, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert msg in err and "Traceback" not in err


def test_forced_exact_level_reports_inconclusive(capsys):
    rc = main(["check", "--claims", "C3", "--problems", "tanh-2-3-1-l2", "--level", "exact",
               "--quiet"])
    assert rc == 1
    assert "does not apply" in capsys.readouterr().out


def test_list(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "C1" in out and "cube-2-3-2-l2" in out


def test_reports_render_each_status():
    vs = check_all(["C2"], [get_problem("identity-1-1-l2-underparam"),
                            get_problem("square-1-3-1-l2")])
    t = text_table(vs)
    assert "29/28" in t                                # exact residual of the finding
    assert summary(vs).startswith("2 verdicts: 1 verified, 1 refuted")
    assert "A₃" in markdown(vs)


def test_write_atomic_replaces(tmp_path):
    p = tmp_path / "x.txt"
    write_atomic(p, "one")
    write_atomic(p, "two")
    assert p.read_text() == "two" and os.listdir(tmp_path) == ["x.txt"]
