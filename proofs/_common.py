"""Shared helper of the proof scripts: run claims through the library, print the verdict table.

``run(claims, problems=None, dps=30, level=None) -> int`` checks ``claims`` (ids) on the
catalogue problems they apply to (or the named ``problems``), prints the text table of
:mod:`symflow.reports` with every non-verified evidence sentence, and returns the exit code of
``symflow check``: 0 when every verdict is as expected (every theorem verified, every
documented counterexample refuted — a finding), 1 when something failed, 3 when nothing failed
but something is inconclusive.
"""

from __future__ import annotations

import sys

from symflow.claims import check_all
from symflow.cli import exit_code
from symflow.core.problems import get_problem
from symflow.reports import text_table

__all__ = ["run"]


def run(claims, problems=None, dps: int = 30, level=None, stream=None) -> int:
    stream = stream if stream is not None else sys.stdout
    entries = None if problems is None else [get_problem(n) for n in problems]
    verdicts = check_all(claims, entries, dps=dps, level=level)
    print(text_table(verdicts), file=stream)
    return exit_code(verdicts)
