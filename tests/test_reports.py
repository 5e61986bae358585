"""symflow.reports: the summary partition, the Findings/Failures/Inconclusive sections, the
headline notes, the JSON layout, and the one atomic writer (umask, existing modes, paths)."""

from __future__ import annotations

import json
import os
import stat

import pytest

from symflow.claims import CLAIMS
from symflow.claims.registry import Claim
from symflow.claims.evidence import Evidence, Level, Reason, Status, Verdict
from symflow.reports import (ReportPathError, check_writable, counts, findings, markdown, notes,
                             summary, text_table, to_json, write_atomic)


def _ev(status, key, residual=0, tolerance=0, level=Level.EXACT, **kw):
    return Evidence(level, f"comparison {key}", residual, tolerance, status,
                    None if level is Level.EXACT else 30, key=key, **kw)


def _v(claim, evidence, expected=Status.VERIFIED, note=""):
    return Verdict.from_evidence(claim, f"statement {claim}", "prob", evidence, note, expected)


OK = _v("T1", [_ev(Status.VERIFIED, "T1.a")])
BAD = _v("T2", [_ev(Status.VERIFIED, "T2.a"), _ev(Status.REFUTED, "T2.b", 5, 0)])
INC = _v("T3", [_ev(Status.INCONCLUSIVE, "T3.a", None, None, reason=Reason.BUDGET,
                    why="step budget ran out at s = 3")])
FIND = _v("TX", [_ev(Status.REFUTED, "TX.flow", "29/28", 0)], Status.REFUTED, note="note of TX")
BROKEN = _v("TY", [_ev(Status.VERIFIED, "TY.flow")], Status.REFUTED)
NOTED = _v("T4", [_ev(Status.VERIFIED, "T4.a", level=Level.MPMATH, residual=1e-40,
                      tolerance=1e-25, kappa=12.5, details={"reduced": "3 of 5 points"})])


@pytest.fixture
def tx_finding(monkeypatch):
    monkeypatch.setitem(CLAIMS, "TX", Claim("TX", "t", "s", "ref", lambda e: True, (), "global",
                                            Status.REFUTED, "FINDING: TX's old wording is false"))


def test_counts_partition_and_summary():
    vs = [OK, BAD, INC, FIND, BROKEN]
    c = counts(vs)
    assert c == {"verdicts": 5, "verified": 1, "refuted": 1, "inconclusive": 1, "findings": 1,
                 "not_reproduced": 1, "counterexamples": 2, "failures": 2}
    assert summary(vs) == ("5 verdicts: 1 verified, 1 refuted, 1 inconclusive, 1 finding "
                           "(documented counterexample reproduced), 1 documented counterexample "
                           "NOT reproduced; by level: exact 5")
    # without documented counterexamples the findings count is not shown
    assert summary([OK, INC]) == ("2 verdicts: 1 verified, 0 refuted, 1 inconclusive; "
                                  "by level: exact 2")


def test_notes_column():
    assert notes(NOTED) == "3 of 5 points; κ = 12.5"
    assert notes(FIND) == "finding" and notes(BAD) == "FAILED" and notes(OK) == ""
    assert notes(BROKEN) == "FAILED: counterexample not reproduced"


def test_text_sections(tx_finding):
    t = text_table([OK, BAD, INC, FIND, NOTED])
    lines = t.splitlines()
    assert lines[0].split() == ["claim", "problem", "status", "level", "dps", "residual",
                                "tolerance", "notes"]
    fail = lines.index("Failures (a theorem refuted, or a documented counterexample not "
                       "reproduced):")
    assert lines[fail + 1] == "  T2 prob: refuted, expected verified"
    assert lines[fail + 2].startswith("    refuted T2.b (exact): comparison T2.b (residual 5")
    assert "  T3 prob: budget exhausted: step budget ran out at s = 3" in lines
    fi = lines.index("Findings (documented counterexamples reproduced; not failures):")
    assert lines[fi + 1] == "  TX prob: FINDING: TX's old wording is false"
    assert "29/28" in lines[fi + 2] and "TX.flow" in lines[fi + 2]
    assert any(ln.startswith("T4 ") and ln.endswith("3 of 5 points; κ = 12.5") for ln in lines)
    assert lines[-1].startswith("5 verdicts: 2 verified, 1 refuted, 1 inconclusive, 1 finding")


def test_no_sections_when_all_verified():
    t = text_table([OK])
    assert "Failures" not in t and "Findings" not in t and "Inconclusive" not in t


def test_findings_json(tx_finding):
    [f] = findings([OK, FIND])
    assert f == {"claim": "TX", "problem": "prob", "level": "exact",
                 "finding": "FINDING: TX's old wording is false", "note": "note of TX",
                 "residuals": [{"key": "TX.flow", "level": "exact", "dps": None,
                                "residual": "29/28", "tolerance": 0, "kappa": None,
                                "what": "comparison TX.flow"}]}
    doc = json.loads(to_json([OK, BAD, FIND], {"claims": ["T1"]}))
    assert list(doc) == ["summary", "meta", "findings", "failures", "verdicts"]
    assert doc["meta"] == {"interrupted": False, "claims": ["T1"], "completed": 3}
    assert [x["claim"] for x in doc["findings"]] == ["TX"]
    assert [(x["claim"], x["evidence"][0]["key"]) for x in doc["failures"]] == [("T2", "T2.b")]
    assert doc["summary"]["counts"]["refuted"] == 1 and doc["summary"]["counts"]["findings"] == 1


def test_unregistered_counterexample_has_empty_finding_text():
    assert "TX" not in CLAIMS and findings([FIND])[0]["finding"] == ""


def test_markdown_sections_and_interrupted_title(tx_finding):
    md = markdown([OK, BAD, INC, FIND], interrupted=True, planned=9)
    assert md.splitlines()[0] == ("# symflow check: INTERRUPTED after 4 of 9 checks "
                                  "(partial results)")
    for head in ("## Failures", "## Findings (documented counterexamples reproduced)",
                 "## Inconclusive", "## Verdicts", "### TX on `prob`: refuted (finding)",
                 "### T2 on `prob`: refuted (FAILED)"):
        assert head in md.splitlines(), head
    assert "- **T3** on `prob`: budget exhausted: step budget ran out at s = 3" in md
    assert "  - reason: budget exhausted: step budget ran out at s = 3" in md
    assert text_table([OK], interrupted=True, planned=3).splitlines()[0] == \
        "symflow check: INTERRUPTED after 1 of 3 checks (partial results)"


# ---- the atomic writer ------------------------------------------------------------------------
@pytest.fixture
def umask027():
    old = os.umask(0o027)
    yield
    os.umask(old)


def test_new_report_gets_umask_mode(tmp_path, umask027):
    p = tmp_path / "r.json"
    write_atomic(p, "{}")
    assert stat.S_IMODE(p.stat().st_mode) == 0o640 and p.read_text() == "{}"


def test_existing_report_keeps_its_mode(tmp_path, umask027):
    p = tmp_path / "r.md"
    p.write_text("old")
    p.chmod(0o604)
    write_atomic(p, "new")
    assert stat.S_IMODE(p.stat().st_mode) == 0o604 and p.read_text() == "new"


def test_write_through_symlink(tmp_path):
    target = tmp_path / "real.json"
    target.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    write_atomic(link, "new")
    assert link.is_symlink() and target.read_text() == "new"


def test_write_atomic_error_names_the_path(tmp_path):
    p = tmp_path / "missing" / "r.json"
    with pytest.raises(ReportPathError, match=r"cannot write .*missing/r\.json"):
        write_atomic(p, "x")
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("make,match", [
    (lambda d: "", r"report path: empty path ''"),
    (lambda d: "   ", r"empty path '   '"),
    (lambda d: str(d), r"is a folder"),
    (lambda d: str(d / "a" / "b" / "r.json"), r"folder '.*/a' does not exist"),
    (lambda d: (d / "file").write_text("x") and str(d / "file" / "r.json"), r"is not a folder"),
])
def test_check_writable_refuses(tmp_path, make, match):
    with pytest.raises(ReportPathError, match=match) as info:
        check_writable(make(tmp_path))
    assert isinstance(info.value, ValueError)


def test_check_writable_accepts_and_leaves_nothing(tmp_path):
    assert check_writable(str(tmp_path / "r.json"), "--json") == str(tmp_path / "r.json")
    assert os.listdir(tmp_path) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anything")
def test_check_writable_read_only_file(tmp_path):
    p = tmp_path / "r.json"
    p.write_text("keep")
    p.chmod(0o444)
    with pytest.raises(ReportPathError, match="read-only"):
        check_writable(str(p), "--json")
