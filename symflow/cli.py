"""Command line.

``symflow check [--claims C1,C6] [--problems name,...] [--dps 30] [--level LEVEL]
[--json PATH] [--markdown PATH] [--quiet]``
    runs the claims of THEORY.md on the default catalogue (each at its strongest applicable
    level unless ``--level`` forces one), prints a table, writes reports atomically, and exits
    0 only if every verdict is verified (1 otherwise). Progress (claim × problem, elapsed
    time) goes to stderr unless ``--quiet``.
``symflow list``
    the registered claims and the catalogue problems.
``symflow campaign ...``
    delegates to :func:`symflow.campaign.main` (C10's counterexample search).

Bad input (unknown claim or problem, bad dps or level) prints a message on stderr and exits 2.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from .errors import SymflowError

__all__ = ["main", "CheckProgress"]


class CheckProgress:
    """Progress of ``symflow check`` on a stream: one line per finished (claim, problem) pair,
    and, for long inner computations (integrations passing ``update(t, info)`` without an
    ``event``), a throttled line with the flow time. ``close()`` may be called many times."""

    def __init__(self, stream=None, interval: float = 2.0) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.interval = interval
        self.t0 = time.perf_counter()
        self._last_inner = 0.0
        self._current = ""

    def _write(self, text: str) -> None:
        print(text, file=self.stream, flush=True)

    def update(self, t: Any, info: dict) -> None:
        ev = info.get("event") if isinstance(info, dict) else None
        el = time.perf_counter() - self.t0
        if ev == "start":
            self._current = f"{info['claim']} {info['problem']}"
            self._write(f"[{info['index'] + 1}/{info['total']}] {self._current} … "
                        f"({el:.1f} s)")
        elif ev == "done":
            lvl = info.get("level") or "—"
            self._write(f"[{info['index'] + 1}/{info['total']}] {self._current}: "
                        f"{info['status']} at {lvl} ({el:.1f} s)")
        elif el - self._last_inner >= self.interval:
            self._last_inner = el
            try:
                tt = f"{float(t):.4g}"
            except (TypeError, ValueError):
                tt = str(t)
            self._write(f"    {self._current}: t = {tt} ({el:.1f} s)")

    def close(self) -> None:
        pass


def _dps(value: str) -> int:
    try:
        d = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--dps must be an integer, got {value!r}") from None
    if not 15 <= d <= 2000:
        raise argparse.ArgumentTypeError(f"--dps must be between 15 and 2000, got {d}")
    return d


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # exit 2 with the message, no traceback (as argparse)
        self.print_usage(sys.stderr)
        print(f"symflow: error: {message}", file=sys.stderr)
        raise SystemExit(2)


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="symflow", description="Exact and high-precision checks of Chen & "
                     "Muñoz Ewald, arXiv 2408.01517 (claims C1–C10 of THEORY.md)")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    c = sub.add_parser("check", help="check the claims on the default problems")
    c.add_argument("--claims", default=None, help="comma-separated claim ids, e.g. C1,C6")
    c.add_argument("--problems", default=None, help="comma-separated catalogue problem names")
    c.add_argument("--dps", type=_dps, default=30, help="working precision in digits (30)")
    c.add_argument("--level", default=None, choices=["exact", "ball", "mpmath", "float64"],
                   help="force a level (default: the strongest applicable per problem)")
    c.add_argument("--json", default=None, metavar="PATH", help="write a JSON report")
    c.add_argument("--markdown", default=None, metavar="PATH", help="write a Markdown report")
    c.add_argument("--quiet", action="store_true", help="no progress on stderr")
    sub.add_parser("list", help="list the claims and the catalogue problems")
    camp = sub.add_parser("campaign", help="C10 counterexample campaign (symflow.campaign)",
                          add_help=False)
    camp.add_argument("rest", nargs=argparse.REMAINDER)
    return parser


def _cmd_list() -> int:
    from .claims import CLAIMS
    from .claims.registry import _claim_sort_key
    from .problems import catalogue
    print("claims:")
    for cid in sorted(CLAIMS, key=_claim_sort_key):
        c = CLAIMS[cid]
        print(f"  {cid:10s} {c.title} [{c.paper_ref}; {c.scope}; {len(c.checks)} check(s)]")
    print("problems:")
    for e in catalogue():
        p = e.problem
        print(f"  {e.name:28s} K={p.K:<3d} QN={p.QN:<3d} {p.strongest_level.value:5s} "
              f"{','.join(sorted(e.tags))}")
    return 0


def _cmd_check(args) -> int:
    from .claims import check_all, parse_claim_ids
    from .claims.registry import plan
    from .problems import get_problem
    from .reports import text_table, write_json, write_markdown

    ids = parse_claim_ids(args.claims)
    entries = None
    if args.problems:
        entries = [get_problem(n.strip()) for n in args.problems.split(",") if n.strip()]
    if not plan(ids, entries):
        raise SymflowError(f"no (claim, problem) pair to check: claims {ids} do not apply to "
                           f"the problems given")
    progress = None if args.quiet else CheckProgress()
    t0 = time.perf_counter()
    verdicts = check_all(ids, entries, dps=args.dps, level=args.level, progress=progress)
    elapsed = time.perf_counter() - t0
    print(text_table(verdicts))
    print(f"elapsed {elapsed:.1f} s")
    meta = {"claims": ids, "dps": args.dps, "level": args.level or "strongest",
            "elapsed_seconds": round(elapsed, 3)}
    if args.json:
        write_json(args.json, verdicts, meta)
    if args.markdown:
        write_markdown(args.markdown, verdicts)
    return 0 if verdicts and all(v.status.value == "verified" for v in verdicts) else 1


def _cmd_campaign(rest: list[str]) -> int:
    try:
        from .campaign import main as campaign_main
    except ModuleNotFoundError as exc:
        if exc.name != "symflow.campaign":
            raise
        print("symflow: error: symflow.campaign is not available in this installation",
              file=sys.stderr)
        return 2
    return int(campaign_main(rest) or 0)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``symflow`` console script; returns the exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["campaign"]:
        return _cmd_campaign(argv[1:])
    try:
        args = _build_parser().parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    try:
        if args.command == "list":
            return _cmd_list()
        if args.command == "check":
            return _cmd_check(args)
    except SymflowError as exc:
        print(f"symflow: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"symflow: error: cannot write report: {exc}", file=sys.stderr)
        return 2
    return 2


if __name__ == "__main__":
    sys.exit(main())
