"""Campaign throughput: cases per minute serially, on 1 and on 2 Dask workers, in one run.

The same campaign (``--n`` cases of the stream with ``--seed``, every applicable claim, the
default time budget of 60 s per case) runs three times into three results files:

1. ``executor="serial"`` — this process;
2. a ``LocalCluster`` with 1 worker process;
3. a ``LocalCluster`` with 2 worker processes.

Each cluster is started, and its workers have imported symflow (a warm-up task), before the
clock starts: the times are the campaign's, not the cluster's start-up (reported apart). The
per-case records of the three runs are compared (the case, and per claim its status, level,
precision and worst residual/tolerance): the exit code is 1 if they differ.

Reported: wall seconds and cases per minute of each run; the speed-up 2 workers / 1 worker
(one run, same cases); Dask's overhead per case against the serial path, (T_dask,1 − T_serial)/n;
the bare round trip of a no-op task through the same executor (ms per task); and the sizing
numbers the README uses (cases per core-hour on this machine, and the core-hours of 10⁵ cases).

Run: ``python benchmarks/bench_campaign.py [--n 40] [--seed 0] [--out FILE]`` (≈ 5 min at
n = 40 on 2 cores).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

from symflow.campaign import run_campaign
from symflow.campaign.results import comparable
from symflow.campaign.executors import DaskExecutor, SerialExecutor


def _noop(i: int) -> int:
    return i


def _warm() -> str:
    import symflow.campaign.runcase  # noqa: F401 - the import a first case would pay
    return "ok"


def timed_run(label: str, exe, n: int, seed: int, folder: str) -> dict:
    path = os.path.join(folder, f"{label}.jsonl")
    t0 = time.perf_counter()
    sm = run_campaign(n, seed, results=path, executor=exe, quiet=True, shrink=False)
    wall = time.perf_counter() - t0
    return {"label": label, "path": path, "wall": wall, "per_min": 60 * n / wall,
            "checking": sm.seconds.get("total", 0.0), "summary": sm}


def start_cluster(workers: int) -> tuple[DaskExecutor, float]:
    t0 = time.perf_counter()
    exe = DaskExecutor(workers=workers)
    exe.client.wait_for_workers(workers)
    exe.client.run(_warm)
    return exe, time.perf_counter() - t0


def round_trip(exe, n: int = 200) -> float:
    """Milliseconds per no-op task through ``map_unordered`` (window as in a campaign)."""
    t0 = time.perf_counter()
    got = list(exe.map_unordered(_noop, ((i,) for i in range(n)), lambda a, e: None))
    assert sorted(got) == list(range(n))
    return 1000 * (time.perf_counter() - t0) / n


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=40)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=None)
    args = ap.parse_args(argv)
    folder = tempfile.mkdtemp(prefix="bench-campaign-")
    runs, startup, trips = [], {}, {}
    runs.append(timed_run("serial", SerialExecutor(), args.n, args.seed, folder))
    for w in (1, 2):
        exe, startup[w] = start_cluster(w)
        try:
            runs.append(timed_run(f"dask-{w}", exe, args.n, args.seed, folder))
            trips[w] = round_trip(exe)
        finally:
            exe.close()
    ref = comparable(runs[0]["path"])
    same = all(comparable(r["path"]) == ref for r in runs[1:]) and len(ref) == args.n
    serial, one, two = runs
    lines = [f"campaign benchmark: n = {args.n} cases, seed {args.seed}, every applicable "
             f"claim, budget 60 s per case, {os.cpu_count()} cores",
             "", "| run | wall s | cases/min | s of checking (sum over cases) |",
             "|---|---|---|---|"]
    lines += [f"| {r['label']} | {r['wall']:.1f} | {r['per_min']:.1f} | {r['checking']:.1f} |"
              for r in runs]
    over = (one["wall"] - serial["wall"]) / args.n
    mean_case = serial["checking"] / args.n
    lines += ["", f"- speed-up, 2 workers / 1 worker: **{one['wall'] / two['wall']:.2f}×**",
              f"- Dask overhead per case against the serial path: {1000 * over:.0f} ms "
              f"({100 * over / mean_case:.1f}% of the mean case, {mean_case:.2f} s)",
              f"- no-op task round trip: {trips[1]:.2f} ms (1 worker), {trips[2]:.2f} ms "
              f"(2 workers); cluster start-up {startup[1]:.1f} s / {startup[2]:.1f} s",
              f"- cases per core-hour (1 worker): {3600 * args.n / one['wall']:.0f}; 10⁵ cases "
              f"≈ {1e5 * one['wall'] / args.n / 3600:.0f} core-hours",
              f"- per-case results identical across the three runs: {same}"]
    text = "\n".join(lines)
    print(text)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text + "\n")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
