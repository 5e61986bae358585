"""Ctrl-C during ``symflow check`` / ``symflow campaign``: exit 130, one line on stderr, no
traceback, and the verdicts (cases) finished so far written atomically, marked interrupted."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time

import pytest

import symflow.cli as cli
from symflow.claims import CLAIMS
from symflow.claims.registry import Claim
from symflow.cli import main
from symflow.claims.evidence import Evidence, Level, Status

_LINE = re.compile(r"^symflow: interrupted after (\d+) of (\d+) checks; partial reports written "
                   r"to (.+)$")


@pytest.fixture
def claims_with_stop(monkeypatch):
    """ZI-1, ZI-2 verify; ZI-STOP raises KeyboardInterrupt (as Ctrl-C in a check); ZI-3 would
    verify. Returns the list of checks run."""
    calls = []

    def make(cid, stop=False):
        def fn(entry, *, dps, level, progress):
            calls.append(cid)
            if stop:
                raise KeyboardInterrupt
            return [Evidence(Level.EXACT, "ok", 0, 0, Status.VERIFIED, key="ok")]
        monkeypatch.setitem(CLAIMS, cid, Claim(cid, cid, cid, "test", lambda e: True, (fn,),
                                               "global"))

    for cid in ("ZI-1", "ZI-2", "ZI-3"):
        make(cid)
    make("ZI-STOP", stop=True)
    return calls


def test_interrupt_in_a_check_writes_partial_reports(claims_with_stop, tmp_path, capsys):
    j, m = tmp_path / "r.json", tmp_path / "r.md"
    rc = main(["check", "--claims", "ZI-1,ZI-2,ZI-STOP,ZI-3", "--quiet", "--json", str(j),
               "--markdown", str(m)])
    out, err = capsys.readouterr()
    assert rc == 130
    assert claims_with_stop == ["ZI-1", "ZI-2", "ZI-STOP"]
    [line] = err.splitlines()
    match = _LINE.match(line)
    assert match and match.group(1, 2) == ("2", "4")
    assert match.group(3) == f"{j}, {m}"
    doc = json.loads(j.read_text())
    assert doc["meta"]["interrupted"] is True and doc["meta"]["exit_code"] == 130
    assert doc["meta"]["completed"] == 2 and doc["meta"]["planned"] == 4
    assert [v["claim"] for v in doc["verdicts"]] == ["ZI-1", "ZI-2"]
    assert m.read_text().startswith("# symflow check: INTERRUPTED after 2 of 4 checks")
    assert out.startswith("symflow check: INTERRUPTED after 2 of 4 checks")
    assert sorted(os.listdir(tmp_path)) == ["r.json", "r.md"]


def test_interrupt_from_progress_after_k_verdicts(monkeypatch, tmp_path, capsys):
    """Real claims; the progress printer raises KeyboardInterrupt at the 2nd "done" event (the
    verdict has already been handed out by check_all's on_verdict)."""
    class StopAfter:
        def __init__(self, *a, **k):
            self.done = 0

        def update(self, t, info):
            if info.get("event") == "done":
                self.done += 1
                if self.done == 2:
                    raise KeyboardInterrupt

        def close(self):
            pass

    monkeypatch.setattr(cli, "CheckProgress", StopAfter)
    j = tmp_path / "r.json"
    rc = main(["check", "--claims", "C9", "--problems",
               "cube-2-3-2-l2,square-1-3-1-l2,identity-1-1-l2-underparam", "--json", str(j)])
    err = capsys.readouterr().err
    assert rc == 130 and "Traceback" not in err
    assert err.splitlines() == [f"symflow: interrupted after 2 of 3 checks; partial reports "
                                f"written to {j}"]
    doc = json.loads(j.read_text())
    assert doc["meta"]["interrupted"] is True
    assert [v["problem"] for v in doc["verdicts"]] == ["cube-2-3-2-l2", "square-1-3-1-l2"]


def test_interrupt_without_reports(claims_with_stop, capsys):
    assert main(["check", "--claims", "ZI-STOP", "--quiet"]) == 130
    out, err = capsys.readouterr()
    assert err == "symflow: interrupted after 0 of 1 checks; no report requested\n"
    assert out == ""


def test_second_interrupt_while_writing(claims_with_stop, monkeypatch, tmp_path, capsys):
    import symflow.reports as reports

    def boom(*a, **k):
        raise KeyboardInterrupt
    monkeypatch.setattr(reports, "write_json", boom)
    j = tmp_path / "r.json"
    assert main(["check", "--claims", "ZI-1,ZI-STOP", "--quiet", "--json", str(j)]) == 130
    [line] = capsys.readouterr().err.splitlines()
    assert line == ("symflow: interrupted after 1 of 2 checks; interrupted again while writing "
                    "the reports")
    assert not j.exists() and os.listdir(tmp_path) == []


def test_campaign_interrupt_then_resume(monkeypatch, tmp_path, capsys):
    """Ctrl-C at the third case: exit 130, the two finished cases are in the results file (one
    complete line each), one line on stderr says how to resume; --resume then runs only the
    eight missing cases and the file holds each of the ten exactly once."""
    import symflow.campaign.runner as runner
    from symflow.campaign import read_results
    real, ran = runner.run_case, []

    def stop_at_third(index, spec, *a, **k):
        if len(ran) == 2:
            raise KeyboardInterrupt
        ran.append(index)
        return real(index, spec, *a, **k)
    monkeypatch.setattr(runner, "run_case", stop_at_third)
    path = tmp_path / "r.jsonl"
    assert main(["campaign", "--n", "10", "--seed", "1", "--executor", "serial", "--quiet",
                 "--results", str(path), "--claims", "C3"]) == 130
    err = capsys.readouterr().err.splitlines()
    assert err == [f"symflow campaign: interrupted after 2 of 10 cases; every finished case is "
                   f"in {path}; finish with: symflow campaign --resume {path}"]
    first = path.read_text()
    assert sorted(read_results(path).done) == sorted(ran) == [0, 1]
    monkeypatch.setattr(runner, "run_case", lambda i, s, *a, **k: (ran.append(i), real(i, s, *a, **k))[1])
    assert main(["campaign", "--resume", str(path), "--executor", "serial", "--quiet"]) == 0
    assert sorted(ran) == list(range(10)) and len(ran) == 10   # 0 and 1 not run again
    text = path.read_text()
    assert text.startswith(first) and len(text.splitlines()) == 10
    assert sorted(read_results(path).done) == list(range(10))


def _read_until(stream, pattern: str, deadline: float) -> list[str]:
    lines = []
    while time.monotonic() < deadline:
        line = stream.readline()
        if not line:
            break
        lines.append(line.rstrip("\n"))
        if re.search(pattern, line):
            return lines
    raise AssertionError(f"{pattern!r} never appeared on stderr: {lines}")


def _default_sigint():
    """In the child: SIGINT back to its default. A shell starts background jobs with SIGINT
    ignored, children inherit that, and Python then installs no KeyboardInterrupt handler —
    so without this the test depends on how the test run itself was started."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_sigint_to_a_running_check(tmp_path):
    """A real SIGINT while C6 integrates (the 2nd of 2 checks; C1 is done within a second)."""
    j, m = tmp_path / "r.json", tmp_path / "r.md"
    p = subprocess.Popen([sys.executable, "-m", "symflow.cli", "check", "--claims", "C1,C6",
                          "--problems", "tanh-2-3-1-l2", "--json", str(j), "--markdown", str(m)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         cwd=tmp_path, preexec_fn=_default_sigint)
    try:
        seen = _read_until(p.stderr, r"^\[2/2\] C6 tanh-2-3-1-l2 …", time.monotonic() + 120)
        time.sleep(0.5)
        p.send_signal(signal.SIGINT)
        out, rest = p.communicate(timeout=60)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    err = seen + rest.splitlines()
    assert p.returncode == 130, (out, err)
    assert "Traceback" not in rest and "KeyboardInterrupt" not in rest
    # apart from progress lines ("[i/n] …" and indented step lines) exactly one line
    own = [ln for ln in err if not ln.startswith(("[", "    "))]
    assert own == [f"symflow: interrupted after 1 of 2 checks; partial reports written to "
                   f"{j}, {m}"], err
    doc = json.loads(j.read_text())
    assert doc["meta"]["interrupted"] is True and doc["meta"]["completed"] == 1
    assert [v["claim"] for v in doc["verdicts"]] == ["C1"]
    assert "INTERRUPTED" in m.read_text().splitlines()[0]
    assert sorted(os.listdir(tmp_path)) == ["r.json", "r.md"]
