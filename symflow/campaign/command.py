"""``symflow campaign``: the full claim set over a seeded stream of random cases, in parallel.

::

    symflow campaign --n 2000 --seed 1                     # LocalCluster, one worker per core
    symflow campaign --n 2000 --seed 1 --workers 8
    symflow campaign --n 2000 --seed 1 --scheduler tcp://10.0.0.5:8786   # a running cluster
    symflow campaign --n 50 --executor serial              # one process (debugging)
    symflow campaign --resume campaign-results.jsonl       # finish a stopped campaign

Results go to ``--results FILE`` (JSON lines, one per case, appended as cases finish;
default ``campaign-results.jsonl``); an existing non-empty file is refused unless resumed.
``--resume FILE`` takes the settings (n, seed, dps, budget, claims) from the file and runs only
the cases missing from it. The summary is derived from the file and printed as a table
(``--report PATH``: also as JSON, written atomically). A failure is shrunk locally with
Hypothesis and the minimal case written as a problem file with the command that reproduces it
(``--no-shrink`` to skip). ``--c10`` also runs C10's counterexample search and prints it.

Exit status: 0 no failure and no error (inconclusive verdicts, e.g. a case stopped by its
budget, are reported and counted, not failures); 1 some claim failed at some case; 3 nothing
failed, but a case could not be checked (an error, a lost task) or the ``--c10`` search found
no counterexample; 2 usage error (nothing run); 130 interrupted (every case finished so far is
in the results file: ``--resume`` it).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Sequence

from ..arguments import int_option, parse_args_or_exit_code
from ..errors import SymflowError
from ..files import check_writable, write_atomic
from ..numbers import MAX_DPS, MIN_DPS
from .results import read_results
from .runner import run_campaign
from .summary import summarize_file

__all__ = ["main"]

DEFAULTS = {"n": 500, "seed": 0, "dps": 30, "budget": 60.0, "claims": None}

EXIT_STATUS_HELP = """\
exit status:
  0    no claim failed and every case was checked (inconclusive verdicts,
       e.g. a case stopped by its time budget, are counted, not failures)
  1    some claim failed at some case (shrunk and reported)
  3    nothing failed, but some case could not be checked (an error, a lost
       task), or the --c10 search found no counterexample
  2    usage error: nothing was run
  130  interrupted (Ctrl-C): the cases finished so far are in the results
       file; finish with --resume FILE
"""


def _budget(text: str) -> "float | None":
    if text.strip().lower() in ("none", "0", "off"):
        return None
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--budget: {text!r} is not a number of seconds "
                                         f"(or 'none')") from None
    if not v > 0 or v != v or v == float("inf"):
        raise argparse.ArgumentTypeError(f"--budget: {text!r} must be positive seconds")
    return v


def _build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="symflow campaign", description=__doc__.split("\n")[0],
                                 epilog=EXIT_STATUS_HELP,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int_option("--n", 1), help="number of cases (default 500)")
    ap.add_argument("--seed", type=int_option("--seed", 0), help="stream seed (default 0)")
    ap.add_argument("--dps", type=int_option("--dps", MIN_DPS, MAX_DPS),
                    help="working precision in digits (default 30)")
    ap.add_argument("--budget", type=_budget, default=argparse.SUPPRESS,
                    help="seconds per case before it is stopped and recorded inconclusive "
                    "(default 60; 'none': no budget)")
    ap.add_argument("--claims", help="only these claim ids, e.g. C1,C6 (default: every "
                    "claim that applies to each case)")
    ap.add_argument("--executor", choices=["dask", "serial"], default="dask")
    ap.add_argument("--workers", type=int_option("--workers", 1),
                    help="LocalCluster worker processes (default: one per usable core)")
    ap.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                    help="use the running Dask cluster of this scheduler")
    ap.add_argument("--results", metavar="FILE", help="JSON-lines results file "
                    "(default campaign-results.jsonl)")
    ap.add_argument("--resume", metavar="FILE", help="finish the campaign of this results file")
    ap.add_argument("--report", metavar="PATH", help="also write the summary as JSON")
    ap.add_argument("--no-shrink", action="store_true", help="do not shrink failures")
    ap.add_argument("--shrink-seconds", type=int_option("--shrink-seconds", 1), default=300)
    ap.add_argument("--c10", action="store_true", help="also run C10's counterexample search")
    ap.add_argument("--quiet", action="store_true", help="no progress line")
    return ap


def _given(args) -> dict:
    """The settings given on the command line (``--budget none`` is given: no budget)."""
    out = {k: getattr(args, k) for k in ("n", "seed", "dps", "claims")
           if getattr(args, k) is not None}
    if hasattr(args, "budget"):
        out["budget"] = args.budget
    return out


def _settings(args) -> tuple[dict, str, bool]:
    """The campaign settings, the results path and whether it resumes: a resumed file's
    settings fill what was not given (one given that differs is refused, by key, by
    :func:`symflow.campaign.results.check_resume`)."""
    given = _given(args)
    if args.resume is None:
        return DEFAULTS | given, args.results or "campaign-results.jsonl", False
    if args.results is not None and args.results != args.resume:
        raise SymflowError("give --resume FILE (which is also the results file) or "
                           "--results FILE, not both")
    res = read_results(args.resume, keep_records=False)
    if res.settings is None:
        raise SymflowError(f"--resume {args.resume!r}: no case recorded in it (start a new "
                           f"campaign with --results)")
    return {k: res.settings.get(k) for k in DEFAULTS} | given, args.resume, True


def _c10(data: dict, seed: int) -> bool:
    """``--c10``: search and shrink a C10 counterexample; True when none was found."""
    from ..testing.search import find_c6_counterexample
    try:
        cx = find_c6_counterexample(seed=seed)
    except SymflowError as exc:
        data["c10_search"] = f"inconclusive: {exc}"
        print(f"C10 search inconclusive: {exc}")
        return True
    data["c10_minimal_counterexample"] = cx.to_json() | {"description": cx.description()}
    print(cx.description())
    return False


def _interrupted(path: str) -> int:
    sm = summarize_file(path)
    if sm.tried:
        print(sm.table())
    print(f"symflow campaign: interrupted after {sm.tried} of {sm.requested} cases; every "
          f"finished case is in {path}; finish with: symflow campaign --resume {path}",
          file=sys.stderr, flush=True)
    return 130


def _run(args) -> int:
    settings, path, resume = _settings(args)
    check_writable(path, "--resume" if resume else "--results")
    if args.report is not None:
        check_writable(args.report, "--report")
    try:
        sm = run_campaign(settings["n"], settings["seed"], results=path, dps=settings["dps"],
                          budget=settings["budget"], claims=settings["claims"],
                          executor=args.executor, workers=args.workers,
                          scheduler=args.scheduler, resume=resume, quiet=args.quiet,
                          shrink=not args.no_shrink, shrink_seconds=args.shrink_seconds)
    except KeyboardInterrupt:
        return _interrupted(path)
    data = sm.to_json() | {"results": os.path.abspath(path)}
    print(sm.table())
    c10_missing = _c10(data, settings["seed"]) if args.c10 else False
    code = 1 if sm.failures else (3 if (sm.errors or c10_missing) else 0)
    data["exit_code"] = code
    if args.report is not None:
        write_atomic(args.report, json.dumps(data, indent=2, default=str) + "\n")
        print(f"report written to {args.report}")
    print(f"results in {path}")
    return code


def main(argv: Sequence[str] | None = None) -> int:
    """``symflow campaign`` (see the module docstring for the options and the exit status)."""
    args = parse_args_or_exit_code(_build_parser(), argv)
    if isinstance(args, int):
        return args
    try:
        return _run(args)
    except SymflowError as exc:
        print(f"symflow campaign: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("symflow campaign: interrupted", file=sys.stderr, flush=True)
        return 130


if __name__ == "__main__":
    sys.exit(main())
