"""``python -m symflow.claims.<module>``: run that module's claims on the catalogue.

Prints the text table of :mod:`symflow.reports` (every non-verified evidence sentence
included) and returns the exit code of ``symflow check`` and of the proof scripts
(``proofs/_common.py``): 0 when every verdict is as expected (every theorem verified, every
documented counterexample refuted — a finding), 1 when something failed, 3 when nothing
failed but something is inconclusive.

This runner is an entry point (the CLI layer of ``tests/test_architecture.py``), not part of
the claims' data flow: it is the only module of the package that imports the reports.
"""

from __future__ import annotations

import dataclasses
import sys

from ..reports import text_table
from .registry import CLAIMS, check_all, parse_claim_ids

__all__ = ["main"]


def _drop_rerun_registrations(ids: list[str]) -> None:
    """``python -m`` executes the module a second time as ``__main__`` (after the package has
    imported it), which re-registers its check functions as new objects; keep one copy."""
    for cid in ids:
        c = CLAIMS[cid]
        keep = tuple(f for f in c.checks if f.__module__ != "__main__")
        if keep != c.checks:
            CLAIMS[cid] = dataclasses.replace(c, checks=keep)


def main(claims: str, argv: list[str] | None = None, stream=None) -> int:
    """Check ``claims`` (ids, ``"C2,C2-GENERAL"``) on every catalogue problem they apply to
    and print the table; returns the exit code (module docstring)."""
    stream = stream if stream is not None else sys.stdout
    ids = parse_claim_ids(claims)
    _drop_rerun_registrations(ids)
    verdicts = check_all(ids)
    print(text_table(verdicts), file=stream)
    from ..cli import exit_code
    return exit_code(verdicts)
