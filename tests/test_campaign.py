"""Campaigns (symflow.campaign): the case stream, one case's record, the budget, the results file,
the executors (serial against a 2-worker LocalCluster; a killed worker on a loopback cluster),
interruption and resume, and a planted failure found, shrunk and reported."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from symflow.campaign import (Budget, BudgetExceeded, ResultsError, read_results, run_case,
                              run_campaign, summarize)
from symflow.campaign.results import append_record, comparable, repair_torn_line
from symflow.campaign.shrink import shrink_case
from symflow.claims import CLAIMS
from symflow.claims.evidence import Evidence, Level, Status
from symflow.core.problemfile import load_problem_file
from symflow.errors import DataError
from symflow.testing.stream import BLOCK, CaseSpec, block, spec_at, specs

ROOT = Path(__file__).resolve().parent.parent
distributed = pytest.importorskip("distributed")


# ---- the stream ------------------------------------------------------------------------------
def test_stream_is_a_function_of_seed_and_index():
    """Case i does not depend on how many cases are asked for, nor on the order; a block is
    BLOCK distinct cases; another seed gives another block."""
    b0 = block(4, 0)
    assert len(b0) == BLOCK and len({s.key for s in b0}) == BLOCK
    assert spec_at(4, 7) == b0[7]
    assert dict(specs(4, [BLOCK + 3, 7, 2])) == {BLOCK + 3: block(4, 1)[3], 7: b0[7], 2: b0[2]}
    assert [s.key for s in block(5, 0)] != [s.key for s in b0]


def test_stream_is_independent_of_the_process():
    """Two fresh interpreters with different hash seeds draw the same block."""
    code = ("import hashlib; from symflow.testing.stream import block; "
            "print(hashlib.sha256(''.join(s.key for s in block(2, 1)).encode()).hexdigest())")
    outs = set()
    for hs in ("1", "12345"):
        r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           timeout=300, cwd=ROOT, env={**os.environ, "PYTHONHASHSEED": hs})
        assert r.returncode == 0, r.stderr
        outs.add(r.stdout.strip())
    assert len(outs) == 1
    assert outs == {__import__("hashlib").sha256(
        "".join(s.key for s in block(2, 1)).encode()).hexdigest()}


def test_case_spec_round_trip_rebuilds_the_case():
    spec = spec_at(3, 11)
    assert CaseSpec.from_json(json.loads(json.dumps(spec.to_json()))) == spec
    case = spec.case()
    assert (case.K, case.QN, case.rank.rank) == (spec.K, spec.QN, spec.rank)
    with pytest.raises(DataError, match="not a case record"):
        CaseSpec.from_json({"widths": [1, 1]})


# ---- one case ------------------------------------------------------------------------------
def test_run_case_checks_every_applicable_claim():
    """A full-rank L2 case gets C1 and C6 (not C7/C10); a rank-deficient one the reverse; each
    verdict carries its level and, when measured, the worst residual against its tolerance."""
    full = CaseSpec((1, 1), "identity", True, "l2", ((1,), (2,)), ((0,), (1,)), (1, 0))
    rec = run_case(0, full, budget=None)
    assert rec["outcome"] == "ok" and rec["full_rank"] is True and rec["level"] == "exact"
    assert {"C1", "C6"} <= set(rec["claims"]) and not {"C7", "C10"} & set(rec["claims"])
    assert rec["claims"]["C1"]["status"] == "verified"
    deficient = CaseSpec((1, 1), "identity", True, "l2", ((1,), (2,), (3,)), ((0,), (1,), (0,)),
                         (1, 0))
    rec = run_case(1, deficient, budget=None)
    assert rec["full_rank"] is False and {"C7", "C10", "C2-GENERAL"} <= set(rec["claims"])
    assert not {"C1", "C6"} & set(rec["claims"])
    assert rec["claims"]["C2-GENERAL"]["status"] == "refuted"      # the finding, reproduced
    assert rec["claims"]["C2-GENERAL"]["failed"] is False


def test_budget_stops_a_case_and_records_it_inconclusive():
    """A budget far below the case's cost: the case is still recorded, its outcome "budget",
    every claim not finished inconclusive with the budget as reason."""
    spec = CaseSpec((1, 2, 1), "tanh", True, "l2", ((0,), (1,)), ((1,), (0,)),
                    (1, -1, 0, 1, 1, -1, 0))
    t0 = time.perf_counter()
    rec = run_case(0, spec, budget=0.3)
    assert time.perf_counter() - t0 < 10
    assert rec["outcome"] == "budget" and rec["claims"]
    stopped = [c for c in rec["claims"].values() if c["status"] == "inconclusive"
               and any("budget" in r for r in c["reasons"])]
    assert stopped


def test_budget_watchdog_stops_work_without_progress_calls():
    t0 = time.perf_counter()
    with pytest.raises(BudgetExceeded):
        with Budget(0.2, grace=0.1):
            while True:      # no progress call: only the watchdog can stop it
                sum(range(100))
    assert time.perf_counter() - t0 < 5
    with Budget(5):          # leaving in time disarms the watchdog
        pass
    time.sleep(0.05)


# ---- the results file ----------------------------------------------------------------------
def _rec(i, seed=1, **extra):
    return {"index": i, "campaign": {"seed": seed, "n": 3, "dps": 30, "budget": 60,
                                     "claims": None, "stream": "s"}, "outcome": "ok",
            "claims": {}, "case": {}, "seconds": 0.1, **extra}


def test_results_file_torn_line_duplicates_and_settings(tmp_path):
    p = tmp_path / "r.jsonl"
    append_record(p, _rec(0))
    append_record(p, _rec(1))
    append_record(p, _rec(1, outcome="failed"))
    with open(p, "a") as f:
        f.write('{"index": 2, "campa')            # a write cut short by a crash
    res = read_results(p)
    assert res.done == {0, 1} and res.duplicates == [1] and res.torn.startswith('{"index": 2')
    assert res.records[1]["outcome"] == "ok"        # the first line of an index is kept
    assert repair_torn_line(p) == len('{"index": 2, "campa')
    assert p.read_text().endswith("\n") and read_results(p).torn == ""
    append_record(p, _rec(2, seed=9))
    with pytest.raises(ResultsError, match=r"line 4: campaign.seed = 9"):
        read_results(p)


def test_a_results_file_is_not_overwritten_nor_resumed_with_other_settings(tmp_path):
    p = tmp_path / "r.jsonl"
    run_campaign(2, seed=3, results=str(p), executor="serial", claims="C3", quiet=True)
    with pytest.raises(DataError, match="already holds 2 case"):
        run_campaign(2, seed=3, results=str(p), executor="serial", claims="C3", quiet=True)
    with pytest.raises(ResultsError, match=r"campaign.seed = 3 in the file but 4"):
        run_campaign(2, seed=4, results=str(p), executor="serial", claims="C3", quiet=True,
                     resume=True)


def test_resume_refuses_a_file_the_stream_no_longer_draws(tmp_path):
    """A recorded case that the stream does not draw again (here: edited; in life, another
    Hypothesis) is refused on resume instead of mixing two streams."""
    p = tmp_path / "r.jsonl"
    run_campaign(1, seed=3, results=str(p), executor="serial", claims="C3", quiet=True)
    rec = json.loads(p.read_text())
    rec["case"]["theta"][0] = "12345"
    p.write_text(json.dumps(rec) + "\n")
    with pytest.raises(ResultsError, match="case 0 is not what the stream draws now"):
        run_campaign(1, seed=3, results=str(p), executor="serial", claims="C3", quiet=True,
                     resume=True)


# ---- executors -----------------------------------------------------------------------------
def test_same_seed_same_results_serial_and_on_two_dask_workers(tmp_path):
    a, b = tmp_path / "serial.jsonl", tmp_path / "dask.jsonl"
    kw = dict(seed=2, budget=None, quiet=True, claims="C1,C2,C3,C5,C7,C9,C10")
    sa = run_campaign(8, results=str(a), executor="serial", **kw)
    sb = run_campaign(8, results=str(b), executor="dask", workers=2, **kw)
    assert comparable(a) == comparable(b) and len(comparable(a)) == 8
    assert sa.claims == sb.claims and sa.tried == sb.tried == 8
    workers = {r["worker"] for r in read_results(b).records.values()}
    assert len(workers) == 2 and "serial" not in workers


def _start(cmd, log: Path):
    """A process whose output goes to ``log`` (read with ``log.read_text()``)."""
    with open(log, "w") as f:
        return subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT, text=True, cwd=ROOT)


def _wait_for(pred, timeout, what):
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if pred():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _dask_cli(*args):
    return [sys.executable, "-m", "distributed.cli.dask_" + args[0], *args[1:]]


@pytest.fixture
def loopback_cluster(tmp_path):
    """A scheduler and two single-threaded workers (no nanny: a killed worker stays dead),
    each its own process, on 127.0.0.1 only."""
    sched_file = tmp_path / "scheduler.json"
    procs = [_start(_dask_cli("scheduler", "--host", "127.0.0.1", "--port", "0",
                              "--no-dashboard", "--dashboard-address", "127.0.0.1:0",
                              "--scheduler-file", str(sched_file)), tmp_path / "scheduler.log")]
    _wait_for(sched_file.exists, 60, "the scheduler")
    addr = json.loads(sched_file.read_text())["address"]
    assert addr.startswith("tcp://127.0.0.1:")
    workers = [_start(_dask_cli("worker", addr, "--nthreads", "1", "--no-nanny",
                                "--host", "127.0.0.1", "--no-dashboard"),
                      tmp_path / f"worker{k}.log")
               for k in range(2)]
    procs += workers
    client = distributed.Client(addr, timeout="30s")
    try:
        client.wait_for_workers(2, timeout=60)
        yield addr, workers, client
    finally:
        client.close()
        for p in procs:
            p.kill()
            p.wait(timeout=30)


def test_killed_worker_campaign_completes_every_case_once(tmp_path, loopback_cluster):
    """Kill one of two workers (SIGKILL) while it checks a case: the scheduler re-runs its
    tasks on the other, and the results file holds every case exactly once."""
    addr, workers, client = loopback_cluster
    path = tmp_path / "r.jsonl"
    n = 10
    log = tmp_path / "campaign.log"
    camp = _start([sys.executable, "-m", "symflow", "campaign", "--n", str(n), "--seed", "1",
                   "--scheduler", addr, "--results", str(path), "--quiet", "--no-shrink",
                   "--budget", "none", "--claims", "C1,C2,C5,C7,C9"], log)
    try:
        _wait_for(lambda: path.exists() and len(path.read_text().splitlines()) >= 2, 300,
                  "two finished cases")
        busy: list = []

        def a_worker_is_busy() -> bool:   # holding campaign tasks it has not finished
            pids = client.run(os.getpid)
            busy[:] = [pids[w] for w, keys in client.processing().items()
                       if w in pids and any("case_task" in str(k) for k in keys)]
            return bool(busy)
        _wait_for(a_worker_is_busy, 120, "a worker holding a case")
        [victim] = [p for p in workers if p.pid == busy[0]]
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=30)
        camp.wait(timeout=600)
    finally:
        camp.kill()
        camp.wait()
    assert camp.returncode == 0, log.read_text()
    lines = path.read_text().splitlines()
    assert sorted(json.loads(x)["index"] for x in lines) == list(range(n))
    assert read_results(path).duplicates == []
    survivors = {json.loads(x)["worker"] for x in lines[-3:]}
    assert len(survivors) == 1            # after the kill, one worker is left


def test_sigint_then_resume_on_dask(tmp_path):
    """A real Ctrl-C (SIGINT) to a campaign on a LocalCluster: exit 130, complete lines only;
    --resume runs the missing cases only, and every case is then present once."""
    path = tmp_path / "r.jsonl"
    args = [sys.executable, "-m", "symflow", "campaign", "--results", str(path), "--quiet",
            "--no-shrink", "--workers", "2"]
    log = tmp_path / "campaign.log"
    camp = _start(args + ["--n", "12", "--seed", "3", "--claims", "C1,C2,C5,C7,C9"], log)
    try:
        _wait_for(lambda: path.exists() and len(path.read_text().splitlines()) >= 2, 300,
                  "two finished cases")
        camp.send_signal(signal.SIGINT)
        camp.wait(timeout=120)
    finally:
        camp.kill()
        camp.wait()
    out = log.read_text()
    assert camp.returncode == 130, out
    assert "finish with: symflow campaign --resume" in out
    before = read_results(path)
    assert before.torn == "" and before.duplicates == [] and 2 <= len(before.done) < 12
    first = path.read_text()
    r = subprocess.run(args[:-4] + ["--resume", str(path), "--workers", "2", "--quiet",
                                    "--no-shrink"],
                       capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert r.returncode == 0, r.stdout + r.stderr
    after = path.read_text()
    assert after.startswith(first)                    # nothing rewritten
    added = [json.loads(x)["index"] for x in after[len(first):].splitlines()]
    assert sorted(added) == sorted(set(range(12)) - before.done)   # only the missing ones
    assert sorted(read_results(path).done) == list(range(12))


# ---- a planted failure ---------------------------------------------------------------------
def _planted(entry, *, dps, level, progress):
    """A broken check: 'refutes' C3 on every problem with K ≥ 5."""
    bad = entry.problem.K >= 5
    return [Evidence(Level.EXACT, "planted: K < 5", int(bad), 0,
                     Status.REFUTED if bad else Status.VERIFIED, None, key="planted")]


def test_planted_failure_is_found_shrunk_and_reported(tmp_path, monkeypatch, capsys):
    from symflow.cli import main
    c3 = CLAIMS["C3"]
    monkeypatch.setitem(CLAIMS, "C3", c3._with(checks=c3.checks + (_planted,)))
    path, report = tmp_path / "r.jsonl", tmp_path / "report.json"
    code = main(["campaign", "--n", "8", "--seed", "1", "--executor", "serial", "--quiet",
                 "--claims", "C3", "--results", str(path), "--report", str(report),
                 "--shrink-seconds", "120"])
    assert code == 1
    out = capsys.readouterr().out
    data = json.loads(report.read_text())
    failing = [f for f in data["failures"] if f["claim"] == "C3"]
    assert failing and all(CaseSpec.from_json(f["case"]).K >= 5 for f in failing)
    [sh] = data["shrunk"]
    first = min(f["index"] for f in failing)
    assert sh["index"] == first and sh["status"] == "shrunk" and sh["claims"] == ["C3"]
    minimal, original = CaseSpec.from_json(sh["minimal"]), spec_at(1, first)
    assert 5 <= minimal.K <= original.K and len(minimal.inputs) <= len(original.inputs)
    assert minimal.K < original.K or minimal.widths != original.widths
    assert sh["command"] in out and "--claims C3" in sh["command"]
    e = load_problem_file(sh["problem_file"])        # the reproducer is a valid problem file
    assert e.problem.K == minimal.K and e.name == f"case-{first}"
    assert tuple(e.theta0) == minimal.theta


def test_shrink_says_when_a_failure_does_not_reproduce():
    sh = shrink_case(1, 0, ["C3"], seconds=30)       # C3 holds at case 0: nothing to shrink
    assert sh.status.startswith("not reproduced") and sh.minimal is None


def test_summary_is_derived_from_the_records():
    recs = [_rec(0, full_rank=True, claims={"C1": {"status": "verified",
                                                   "expected": "verified", "failed": False}}),
            _rec(1, full_rank=False, outcome="failed",
                 claims={"C2-GENERAL": {"status": "refuted", "expected": "refuted",
                                        "failed": False},
                         "C5": {"status": "refuted", "expected": "verified", "failed": True}})]
    sm = summarize(recs, {"n": 3, "seed": 1})
    assert (sm.tried, sm.requested, sm.rejected_for_rank, sm.complete) == (2, 3, 1, False)
    assert sm.claims["C5"]["failed"] == 1 and sm.claims["C2-GENERAL"]["findings"] == 1
    assert [f["index"] for f in sm.failures] == [1] and not sm.ok
    assert "INCOMPLETE" in sm.table()


@pytest.mark.campaign
def test_campaign_long(tmp_path):
    """``pytest -m campaign tests/test_campaign.py``: a long campaign on a LocalCluster (one
    worker per core); $SYMFLOW_CAMPAIGN_N cases (default 500) of seed $SYMFLOW_CAMPAIGN_SEED,
    results to $SYMFLOW_CAMPAIGN_RESULTS (default: a temporary file; an existing file is
    resumed). No claim may fail at any case."""
    path = os.environ.get("SYMFLOW_CAMPAIGN_RESULTS", str(tmp_path / "campaign.jsonl"))
    sm = run_campaign(int(os.environ.get("SYMFLOW_CAMPAIGN_N", "500")),
                      int(os.environ.get("SYMFLOW_CAMPAIGN_SEED", "0")), results=path,
                      resume=os.path.exists(path))
    print(sm.table())
    assert not sm.failures, sm.failures[:5]
