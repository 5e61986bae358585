"""Rendering verdicts: a text table, Markdown and JSON; files written atomically.

Each row: claim, problem, status, level (the weakest level among the verdict's evidence), dps,
residual (the largest evidence residual at that level), tolerance, and notes: the reductions the
verdict rests on (:attr:`Verdict.caveats`, e.g. a shortened span), the condition number κ a
tolerance grew with, ``finding`` for a documented counterexample reproduced and ``FAILED`` for
a theorem refuted or a counterexample not reproduced.

The summary line partitions the verdicts: theorems verified, theorems refuted, inconclusive,
and — when documented counterexamples (claims expected to be *refuted*, such as C2-GENERAL) were
run — findings (counterexamples reproduced; not failures) and counterexamples not reproduced.
After the table come a **Failures** section, an **Inconclusive** section (each verdict's
reasons) and a **Findings** section (the claim's finding text and the refuted evidence). The
Markdown report has the same sections and then every Evidence's "what" sentence with its key,
level, residual, tolerance and status; JSON is ``{"summary", "meta", "findings", "failures",
"verdicts"}``. A run interrupted by Ctrl-C is reported as such (``interrupted=True``: title
INTERRUPTED, JSON ``meta.interrupted``, ``meta.completed`` of ``meta.planned``).

Problems of one's own (``symflow check --problem FILE``): given ``problems=`` (their entries),
every report starts with them — name, the file it came from, K, QN, rank D at θ₀ and how it
was decided, tags (JSON ``"problems"``); given ``skipped=`` (the
:class:`~symflow.claims.registry.Skipped` pairs), a **Not applicable** section lists the
claims not checked on them, each with the reason (JSON ``"skipped"``). Skipped pairs are not
verdicts: they are not counted in the summary and play no part in the exit code.

Certified runs (``symflow check --certify``): every report lists the trajectories its ball
evidence rests on (:func:`certified_trajectories`, from each Evidence's
``details["enclosure"]``) — problem, field, span, status (certified, or not certified within
the step budget, with where it stopped and why), steps, the rank certificate λ_min(DDᵀ) ≥ …,
the width of θ at the end, seconds, and the evidence keys using it: a **Certified
trajectories** section (JSON ``"certified_trajectories"``, present only when there are
some).

>>> from symflow.claims.evidence import Evidence, Level, Status, Verdict
>>> v = Verdict.from_evidence("C1", "x' = -g", "p", [Evidence(Level.EXACT, "D θ' + g = 0", 0, 0,
...                                                          Status.VERIFIED)])
>>> summary([v])
'1 verdict: 1 verified, 0 refuted, 0 inconclusive; by level: exact 1'
>>> cx = Verdict.from_evidence("C2-GENERAL", "any A", "p", [Evidence(Level.EXACT, "x' = -Pg", 1,
...                            0, Status.REFUTED)], expected=Status.REFUTED)
>>> print(summary([v, cx]))  # doctest: +NORMALIZE_WHITESPACE
2 verdicts: 1 verified, 0 refuted, 0 inconclusive, 1 finding (documented counterexample
reproduced); by level: exact 2
"""

from ..files import ReportPathError, check_writable, write_atomic
from .common import (HEADER, certified_line, certified_trajectories, counts, failures, findings,
                     fmt_number, notes, problem_info, problem_lines, rows, skipped_lines, summary)
from .jsonreport import to_json, write_json
from .markdown import markdown, write_markdown
from .text import text_table

__all__ = ["fmt_number", "summary", "counts", "notes", "rows", "findings", "failures",
           "problem_info", "problem_lines", "skipped_lines", "certified_trajectories",
           "certified_line",
           "text_table", "markdown", "to_json", "write_atomic", "write_json", "write_markdown",
           "check_writable", "ReportPathError", "HEADER"]
