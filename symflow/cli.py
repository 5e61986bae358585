"""Command line.

``symflow check [--claims C1,C6] [--problems name,...] [--problem FILE]... [--catalogue]
[--dps 30] [--level LEVEL] [--certify] [--certify-steps N] [--json PATH] [--markdown PATH]
[--quiet]``
    runs the claims of docs/theory.md on the default catalogue (each at its strongest applicable
    level unless ``--level`` forces one), prints a table (with the Failures, Inconclusive and
    Findings sections of :mod:`symflow.reports`) and writes the reports atomically. Report
    paths are checked before any work starts. Progress (claim × problem, elapsed time, and the
    flow time s or line time t of long integrations) goes to stderr unless ``--quiet``.
    ``--problem FILE`` (repeatable) checks problems of one's own, read from problem files
    (:mod:`symflow.core.problemfile`): then only those problems are checked, unless
    ``--catalogue`` (the whole catalogue) or ``--problems`` (some of it) adds catalogue
    problems. The reports describe each file's problem and list the claims that do not apply
    to it with the reason (not verdicts: they do not change the exit status). An invalid
    file is an input error (exit 2) whose message names the file, the key and the value.
    ``--certify`` (implied by ``--level ball``) adds ball evidence along flows from certified
    Arb-ball enclosures (C6's LineTime flow on [0, 1], C5's and C8's flows on s ∈ [0, 1/2];
    :mod:`symflow.claims.certified`), each enclosure within a budget of ``--certify-steps``
    validated steps (default :data:`~symflow.claims.certified.DEFAULT_MAX_STEPS`): one that
    does not cover its span is reported as not certified, with its reason, and the claim's
    mpmath evidence stands. Every report then lists the certified trajectories. Without it
    the run is as fast as before.
``symflow list``
    the registered claims and the catalogue problems.
``symflow campaign ...``
    delegates to :func:`symflow.campaign.command.main`: every applicable claim over a seeded
    stream of random cases, in parallel on Dask (or serially), results in a JSON-lines file that
    a stopped campaign resumes; same exit codes where they apply.

Exit status of ``symflow check``:

====  =========================================================================================
0     every verdict as expected: every theorem verified, every documented counterexample
      (a claim expected to be refuted, e.g. C2-GENERAL) refuted, i.e. reproduced (a *finding*)
1     something failed: a theorem refuted, or a documented counterexample came out verified
3     nothing failed, but some verdict is inconclusive (the reasons are printed)
2     usage or input error (unknown claim or problem, bad ``--dps``/``--level``, an invalid
      problem file, an empty or unwritable report path, a report folder that does not
      exist): nothing was run
130   interrupted (Ctrl-C): one line on stderr; the verdicts finished so far are written to
      the requested reports, marked INTERRUPTED (JSON ``meta.interrupted``)
====  =========================================================================================
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from .backends import backend
from .errors import SymflowError
from .numbers import MAX_DPS, MIN_DPS
from .arguments import int_option, parse_args_or_exit_code
from .progress import CheckProgress

__all__ = ["main", "CheckProgress", "exit_code", "EXIT_OK", "EXIT_FAILED", "EXIT_USAGE",
           "EXIT_INCONCLUSIVE", "EXIT_INTERRUPTED"]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INCONCLUSIVE = 3
EXIT_INTERRUPTED = 130

EXIT_STATUS_HELP = """\
exit status:
  0    every verdict as expected: every theorem verified, and every documented
       counterexample (a claim expected to be refuted, e.g. C2-GENERAL) refuted,
       i.e. reproduced (reported as a finding, not a failure)
  1    something failed: a theorem refuted, or a documented counterexample came
       out verified
  3    nothing failed, but some verdict is inconclusive (reasons are printed)
  2    usage or input error (unknown claim or problem, bad --dps or --level,
       an invalid problem file, empty or unwritable report path, missing report
       folder): nothing was run
  130  interrupted (Ctrl-C): the verdicts finished so far are written to the
       requested reports, marked INTERRUPTED
"""


def exit_code(verdicts) -> int:
    """1 if any verdict failed, else 3 if any is inconclusive (or there is none), else 0."""
    vs = list(verdicts)
    if any(v.failed for v in vs):
        return EXIT_FAILED
    if not vs or not all(v.as_expected for v in vs):
        return EXIT_INCONCLUSIVE
    return EXIT_OK


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # exit 2 with the message, no traceback (as argparse)
        self.print_usage(sys.stderr)
        print(f"symflow: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="symflow", description="Exact and high-precision checks of Chen & "
                     "Muñoz Ewald, arXiv 2408.01517 (the claims of docs/theory.md)",
                     epilog="exit status of 'symflow check': see 'symflow check --help'",
                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    c = sub.add_parser("check", help="check the claims on the default problems",
                       description="Check the claims of docs/theory.md on the catalogue problems "
                       "(or on problems of your own: --problem FILE) and print a verdict table. "
                       "Claims that do not apply to a problem of your own are listed with the "
                       "reason; they are not verdicts and do not change the exit status.",
                       epilog=EXIT_STATUS_HELP,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    c.add_argument("--claims", default=None, help="comma-separated claim ids, e.g. C1,C6")
    c.add_argument("--problems", default=None, help="comma-separated catalogue problem names")
    c.add_argument("--problem", action="append", default=None, metavar="FILE",
                   help="a problem file of your own (TOML: network, data, loss, θ₀; see the "
                   "README, 'Check your own network'); repeatable. With --problem only these "
                   "problems are checked, unless --catalogue or --problems adds catalogue "
                   "problems; claims that do not apply are listed with the reason")
    c.add_argument("--catalogue", action="store_true",
                   help="with --problem: check the whole built-in catalogue too (and the "
                   "global claims such as C10-SEARCH, which otherwise run only when named in "
                   "--claims)")
    c.add_argument("--dps", type=int_option("--dps", MIN_DPS, MAX_DPS), default=30,
                   help="working precision in digits (30)")
    c.add_argument("--level", default=None, choices=["exact", "ball", "mpmath", "float64"],
                   help="force a level (default: the strongest applicable per problem)")
    c.add_argument("--certify", action="store_true",
                   help="add ball evidence along flows from certified enclosures (C5, C6, C8; "
                   "implied by --level ball); reports list the certified trajectories")
    c.add_argument("--certify-steps", type=int_option("--certify-steps", 1), default=None,
                   metavar="N", help="validated-step budget per certified trajectory "
                   "(default: symflow.claims.certified.DEFAULT_MAX_STEPS); implies --certify")
    c.add_argument("--json", default=None, metavar="PATH",
                   help="write a JSON report (its folder must exist)")
    c.add_argument("--markdown", default=None, metavar="PATH",
                   help="write a Markdown report (its folder must exist)")
    c.add_argument("--quiet", action="store_true", help="no progress on stderr")
    sub.add_parser("list", help="list the claims and the catalogue problems")
    camp = sub.add_parser("campaign", add_help=False,
                          help="property campaign: every claim over random cases, on Dask")
    camp.add_argument("rest", nargs=argparse.REMAINDER)
    return parser


def _cmd_list() -> int:
    from .claims import CLAIMS
    from .claims.registry import _claim_sort_key
    from .core.problems import catalogue
    print("claims:")
    for cid in sorted(CLAIMS, key=_claim_sort_key):
        c = CLAIMS[cid]
        kind = "; documented counterexample" if c.is_counterexample else ""
        print(f"  {cid:10s} {c.title} [{c.paper_ref}; {c.scope}; {len(c.checks)} check(s)"
              f"{kind}]")
    print("problems:")
    for e in catalogue():
        p = e.problem
        print(f"  {e.name:28s} K={p.K:<3d} QN={p.QN:<3d} {p.strongest_level.value:5s} "
              f"{','.join(sorted(e.tags))}")
    return EXIT_OK


def _report_paths(args) -> list[tuple[str, str]]:
    """The requested report paths, checked (ReportPathError naming the path, exit 2) before any
    work starts."""
    from .reports import ReportPathError, check_writable
    paths = [(opt, p) for opt, p in (("--json", args.json), ("--markdown", args.markdown))
             if p is not None]
    for opt, p in paths:
        check_writable(p, opt)
    if len(paths) == 2 and os.path.realpath(paths[0][1]) == os.path.realpath(paths[1][1]):
        raise ReportPathError(f"--json and --markdown name the same file {paths[0][1]!r}",
                              paths[0][1])
    return paths


def _write_reports(args, verdicts, meta: dict, *, interrupted: bool = False,
                   planned: int | None = None, user: "dict | None" = None) -> list[str]:
    """Write the requested reports; ``user`` = ``{"problems": entries, "skipped": pairs}`` of
    the problems from files (None: a catalogue run, reported as before)."""
    from .reports import write_json, write_markdown
    user = user or {}
    written = []
    if args.json is not None:
        write_json(args.json, verdicts, meta, skipped=user.get("skipped"),
                   problems=user.get("problems"))
        written.append(args.json)
    if args.markdown is not None:
        write_markdown(args.markdown, verdicts, interrupted=interrupted, planned=planned,
                       skipped=user.get("skipped"), problems=user.get("problems"))
        written.append(args.markdown)
    return written


def _catalogue_entries(args) -> "list | None":
    """The catalogue part of the run: ``--problems`` names, ``--catalogue`` (all), or None."""
    from .core.problems import catalogue, get_problem
    if args.problems is not None:
        if args.catalogue:
            raise SymflowError("give --catalogue (the whole catalogue) or --problems (some of "
                               "it), not both")
        names = [n.strip() for n in args.problems.split(",") if n.strip()]
        if not names:
            raise SymflowError(f"--problems {args.problems!r} names no problem; give "
                               f"comma-separated names (see 'symflow list') or omit it")
        return [get_problem(n) for n in names]
    return catalogue() if args.catalogue else None


def _problem_files(args, base: "list | None") -> list:
    """The entries of the ``--problem`` files (each read and validated before any work; a
    name used twice, or also by a catalogue problem of the run, is an input error)."""
    from .core.problemfile import ProblemFileError, load_problem_file
    out: list = []
    taken = {e.name: "the catalogue problem of that name" for e in base or []}
    for path in args.problem or []:
        e = load_problem_file(path, dps=args.dps)
        if e.name in taken:
            raise ProblemFileError(f"{path}: name: {e.name!r} is also the name of "
                                   f"{taken[e.name]}; set another name = \"…\" in the file",
                                   e.name, path, "name")
        taken[e.name] = f"the problem of {path}"
        out.append(e)
    return out


def _certify_setting(args):
    """The :class:`~symflow.claims.certified.Certify` settings of the run, or None (off):
    on with ``--certify``, ``--certify-steps`` or ``--level ball``."""
    from .claims.certified import Certify
    by_level = args.level is not None and backend(args.level).encloses_flows
    if not (args.certify or args.certify_steps is not None or by_level):
        return None
    return Certify() if args.certify_steps is None else Certify(max_steps=args.certify_steps)


def _cmd_check(args) -> int:
    from .claims import check_all, parse_claim_ids
    from .claims.certified import certifying
    from .claims.registry import GLOBAL, plan, skipped
    from .reports import text_table

    ids = parse_claim_ids(args.claims)
    claims = ids if args.claims is not None else None   # None: every claim that applies
    entries = _catalogue_entries(args)
    user_entries = _problem_files(args, entries)
    if user_entries:
        entries = list(entries or []) + user_entries
    pairs = plan(claims, entries)
    user = None
    if user_entries:   # reports name the files and list the claims skipped on their problems
        user = {"problems": user_entries,
                "skipped": [x for x in skipped(claims, entries)
                            if x.source or x.problem == GLOBAL.name]}
    if not pairs:
        reasons = "; ".join(x.reason for x in (user or {}).get("skipped", []))
        raise SymflowError(f"no (claim, problem) pair to check: claims {ids} do not apply to "
                           f"the problems given" + (f" ({reasons})" if reasons else ""))
    _report_paths(args)
    progress = None if args.quiet else CheckProgress()
    meta = {"claims": ids,
            "problems": [e.name for e in entries] if entries is not None else "catalogue",
            "dps": args.dps, "level": args.level or "strongest", "planned": len(pairs),
            "interrupted": False}
    if user_entries:
        meta["problem_files"] = {e.name: e.source for e in user_entries}
    setting = _certify_setting(args)
    meta["certify"] = setting.to_dict() if setting is not None else False
    done: list = []
    t0 = time.perf_counter()
    try:
        with certifying(setting):
            verdicts = check_all(claims, entries, dps=args.dps, level=args.level,
                                 progress=progress, on_verdict=done.append)
        elapsed = time.perf_counter() - t0
        code = exit_code(verdicts)
        print(text_table(verdicts, **(user or {})))
        print(f"elapsed {elapsed:.1f} s")
        _write_reports(args, verdicts, {**meta, "elapsed_seconds": round(elapsed, 3),
                                        "exit_code": code}, user=user)
        return code
    except KeyboardInterrupt:
        return _interrupted(args, done, len(pairs), meta, time.perf_counter() - t0, user)


def _interrupted(args, done: list, planned: int, meta: dict, elapsed: float,
                 user: "dict | None" = None) -> int:
    """Ctrl-C: write the verdicts finished so far (atomically, marked interrupted), print the
    partial table on stdout and one line on stderr; exit 130. A second Ctrl-C while writing
    leaves any report not yet written untouched (and says so)."""
    from .reports import text_table
    done = list(done)
    written: list[str] = []
    trouble = ""
    try:
        meta = {**meta, "interrupted": True, "elapsed_seconds": round(elapsed, 3),
                "exit_code": EXIT_INTERRUPTED}
        written = _write_reports(args, done, meta, interrupted=True, planned=planned,
                                 user=user)
        if done:
            print(text_table(done, interrupted=True, planned=planned, **(user or {})))
    except KeyboardInterrupt:
        trouble = "interrupted again while writing the reports"
    except SymflowError as exc:
        trouble = str(exc)
    msg = f"symflow: interrupted after {len(done)} of {planned} checks"
    if written:
        msg += "; partial reports written to " + ", ".join(written)
    elif args.json is None and args.markdown is None:
        msg += "; no report requested"
    if trouble:
        msg += f"; {trouble}"
    print(msg, file=sys.stderr, flush=True)
    return EXIT_INTERRUPTED


def _cmd_campaign(rest: list[str]) -> int:
    try:
        from .campaign.command import main as campaign_main
    except ModuleNotFoundError as exc:
        if exc.name != "symflow.campaign.command":
            raise
        print("symflow: error: symflow.campaign is not available in this installation",
              file=sys.stderr)
        return EXIT_USAGE
    return int(campaign_main(rest) or 0)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``symflow`` console script; returns the exit code (see the module
    docstring: 0 as expected, 1 failed, 3 inconclusive, 2 usage error, 130 interrupted)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        if argv[:1] == ["campaign"]:
            return _cmd_campaign(argv[1:])
        args = parse_args_or_exit_code(_build_parser(), argv)
        if isinstance(args, int):
            return args
        try:
            if args.command == "list":
                return _cmd_list()
            if args.command == "check":
                return _cmd_check(args)
        except SymflowError as exc:
            print(f"symflow: error: {exc}", file=sys.stderr)
            return EXIT_USAGE
        except OSError as exc:
            name = getattr(exc, "filename", None)
            print(f"symflow: error: cannot write {name or 'report'}: {exc.strerror or exc}",
                  file=sys.stderr)
            return EXIT_USAGE
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("symflow: interrupted", file=sys.stderr, flush=True)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
