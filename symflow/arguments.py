"""Command-line options shared by ``symflow check`` and ``symflow campaign``.

``symflow check`` (:mod:`symflow.cli`) and ``symflow campaign``
(:mod:`symflow.campaign.command`) share, for the same reason, :func:`int_option` (an argparse
type: an integer within bounds, with a message naming the option and the bound) and
:func:`parse_args_or_exit_code` (parse, or the exit code argparse chose: 2 for a usage error,
0 after ``--help``).
"""

from __future__ import annotations

import argparse
from typing import Sequence

__all__ = ["int_option", "parse_args_or_exit_code"]


def int_option(name: str, lo: int, hi: int | None = None):
    """An argparse ``type``: the integer in ``[lo, hi]`` (``hi=None``: no upper bound), else an
    ``ArgumentTypeError`` naming ``name`` and the bound missed.

    >>> dps = int_option("--dps", 15, 2000)
    >>> dps("30")
    30
    >>> dps("5")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: --dps must be between 15 and 2000, got 5
    """
    def parse(value: str) -> int:
        try:
            v = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be an integer, got {value!r}") from None
        if v < lo or (hi is not None and v > hi):
            rng = f"between {lo} and {hi}" if hi is not None else f">= {lo}"
            raise argparse.ArgumentTypeError(f"{name} must be {rng}, got {v}")
        return v
    return parse


def parse_args_or_exit_code(parser: argparse.ArgumentParser,
                            argv: "Sequence[str] | None" = None) -> "argparse.Namespace | int":
    """``parser.parse_args(argv)`` (``None``: ``sys.argv[1:]``), or, where argparse would exit
    (a usage error, ``--help``), the exit code instead: its integer code, else 2 for a message
    and 0 for none."""
    try:
        return parser.parse_args(list(argv) if argv is not None else None)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (2 if exc.code else 0)
