"""Command line: ``symflow check`` (placeholder until the claims land: lists the claims)."""

from __future__ import annotations

import argparse
import sys

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="symflow")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("check", help="check the claims C1–C10 on the default problems")
    args = parser.parse_args(argv)
    if args.command == "check":
        print("symflow check: claims C1–C10 are not wired yet")
        return 1
    return 2


if __name__ == "__main__":
    sys.exit(main())
