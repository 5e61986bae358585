"""Run a campaign: the stream's cases through an executor into the results file.

:func:`run_campaign` is the whole loop: read the results file (resuming: the indices already
there are not run again), draw the missing cases from the stream
(:mod:`symflow.testing.stream`, blocks drawn on the executor a little ahead of need), run them
(:func:`symflow.campaign.runcase.run_case` on the executor), append each record as its case
finishes, show a progress line (cases done, rate, failures, ETA), and at the end summarize the
file (:func:`symflow.campaign.summary.summarize`) and shrink failures locally
(:mod:`symflow.campaign.shrink`).

>>> import os, tempfile
>>> path = os.path.join(tempfile.mkdtemp(), "r.jsonl")
>>> sm = run_campaign(2, seed=5, results=path, executor="serial", budget=60, quiet=True)
>>> sm.tried, sorted(r["index"] for r in read_results(path).records.values())
(2, [0, 1])
"""

from __future__ import annotations

import os
import socket
import sys
import time
from typing import Any, Iterator

import hypothesis

from ..claims import parse_claim_ids
from ..errors import DataError
from ..numbers import check_dps
from ..testing.stream import BLOCK, STREAM_VERSION, block, spec_at
from ..testing.strategies import _check_bound
from .executors import make_executor
from .results import (Results, ResultsError, append_record, check_resume, read_results,
                      repair_torn_line, scan)
from .runcase import run_case
from .summary import Summary, summarize_file

__all__ = ["run_campaign", "campaign_settings", "case_task"]


def case_task(index: int, spec: dict, dps: int, budget: "float | None", claims: Any) -> dict:
    """What a worker runs: :func:`run_case` and the worker's name (host:pid)."""
    rec = run_case(index, spec, dps, budget, claims)
    rec["worker"] = f"{socket.gethostname()}:{os.getpid()}"
    return rec


def campaign_settings(n: int, seed: int, dps: int, budget: "float | None",
                      claims: Any = None) -> dict:
    """The ``campaign`` object of every line (see :mod:`symflow.campaign.results`)."""
    import symflow
    return {"seed": seed, "n": n, "dps": dps, "budget": budget,
            "claims": parse_claim_ids(claims) if claims is not None else None,
            "stream": STREAM_VERSION, "hypothesis": hypothesis.__version__,
            "symflow": symflow.__version__}


def _check_args(n: int, seed: int, dps: int, budget: "float | None") -> None:
    _check_bound("n", n, 1)
    _check_bound("seed", seed, 0)
    check_dps(dps, "dps")
    if budget is not None and (isinstance(budget, bool) or not isinstance(budget, (int, float))
                               or not budget > 0):
        raise DataError(f"budget must be a positive number of seconds or None, got "
                        f"{budget!r}", budget)


def _tasks(executor, seed: int, todo: list[int], dps: int, budget, claims) -> Iterator[tuple]:
    """The arguments of :func:`case_task` for the indices ``todo`` (ascending), the stream's
    blocks drawn on the executor two blocks ahead."""
    by_block: dict[int, list[int]] = {}
    for i in todo:
        by_block.setdefault(i // BLOCK, []).append(i)
    blocks = sorted(by_block)
    ahead = {b: executor.submit(block, seed, b) for b in blocks[:2]}
    for k, b in enumerate(blocks):
        specs = ahead.pop(b).result()
        if k + 2 < len(blocks):
            ahead[blocks[k + 2]] = executor.submit(block, seed, blocks[k + 2])
        for i in by_block[b]:
            yield (i, specs[i % BLOCK].to_json(), dps, budget, claims)


def _lost(args: tuple, exc: BaseException) -> dict:
    """The record of a case whose task was lost (Dask gave up on it): an error, not a gap."""
    index, spec = args[0], args[1]
    return {"index": index, "case": spec, "description": None, "outcome": "error",
            "claims": {}, "error": f"the task was lost: {type(exc).__name__}: {exc}",
            "seconds": None, "worker": None}


def _progress(total: int, initial: int, quiet: bool):
    if quiet:
        return None
    from tqdm import tqdm
    tty = sys.stderr.isatty()
    return tqdm(total=total, initial=initial, unit="case", desc="campaign", file=sys.stderr,
                mininterval=0.5 if tty else 30.0, dynamic_ncols=True, smoothing=0.1)


def _check_stream(results: str, seed: int, first: dict) -> None:
    """Refuse to resume a file whose cases the stream no longer draws (another Hypothesis or
    strategy): case ``first["index"]`` is drawn again and must equal the recorded one."""
    again = spec_at(seed, first["index"]).to_json()
    if again != first.get("case"):
        raise ResultsError(f"{results}: case {first['index']} is not what the stream draws "
                           f"now (Hypothesis {first['campaign'].get('hypothesis')} then, "
                           f"{hypothesis.__version__} now): resuming would mix two streams; "
                           f"start a new results file", results)


def _prepare(results: str, settings: dict, resume: bool) -> tuple[set[int], int]:
    """The indices already done in ``results`` and how many of them failed (resume), after
    cutting a torn last line; a non-empty file without ``resume`` is refused, and so is a file
    the stream no longer reproduces (:func:`_check_stream`)."""
    res = Results(results)
    failed, first = 0, None
    for rec in scan(results, res):
        failed += rec.get("outcome") == "failed"
        if first is None or rec["index"] < first["index"]:
            first = rec
    if res.done and not resume:
        raise DataError(f"{results}: already holds {len(res.done)} case(s); resume it with "
                        f"--resume {results}, or choose a new results file", results)
    check_resume(res, settings)
    if first is not None and first.get("case"):
        _check_stream(results, settings["seed"], first)
    cut = repair_torn_line(results)
    if cut:
        print(f"symflow campaign: {results}: removed a torn last line ({cut} bytes); that "
              f"case runs again", file=sys.stderr)
    return res.done, failed


def run_campaign(n: int, seed: int = 0, *, results: str, dps: int = 30,
                 budget: "float | None" = 60.0, claims: Any = None, executor: Any = "dask",
                 workers: "int | None" = None, scheduler: "str | None" = None,
                 resume: bool = False, quiet: bool = False, shrink: bool = True,
                 shrink_seconds: float = 300.0, repro_dir: "str | None" = None) -> Summary:
    """Check cases ``0 … n−1`` of the stream with seed ``seed``; return the summary of
    ``results``.

    ``executor``: ``"dask"`` (a LocalCluster of ``workers`` processes, or the cluster of
    ``scheduler``), ``"serial"``, or an executor object (:mod:`symflow.campaign.executors`).
    ``resume``: ``results`` may hold cases already (same settings); only the others run.
    ``shrink``: shrink one failure per failing claim with Hypothesis
    (:func:`symflow.campaign.shrink.shrink_failures`), spending at most ``shrink_seconds``
    each, and write reproducer problem files into ``repro_dir`` (default: next to
    ``results``). Ctrl-C propagates as ``KeyboardInterrupt`` after the executor is closed;
    every line written is complete.
    """
    _check_args(n, seed, dps, budget)
    settings = campaign_settings(n, seed, dps, budget, claims)
    done, failures = _prepare(results, settings, resume)
    todo = [i for i in range(n) if i not in done]
    exe = make_executor(executor, workers, scheduler) if isinstance(executor, str) else executor
    bar = _progress(n, n - len(todo), quiet)
    try:
        tasks = _tasks(exe, seed, todo, dps, budget, settings["claims"])
        for rec in exe.map_unordered(case_task, tasks, _lost):
            rec = {**rec, "campaign": settings, "finished": round(time.time(), 3)}
            append_record(results, rec)
            failures += rec.get("outcome") == "failed"
            if bar is not None:
                bar.set_postfix(failures=failures, refresh=False)
                bar.update(1)
    finally:
        if bar is not None:
            bar.close()
        if isinstance(executor, str):
            exe.close()
    sm = summarize_file(results)
    if shrink and sm.failures:
        from .shrink import shrink_failures
        sm.shrunk = shrink_failures(sm, seed, dps, budget, results, repro_dir, shrink_seconds)
    return sm
