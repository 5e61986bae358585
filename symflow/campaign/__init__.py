"""Campaigns: the full claim set over thousands of random architectures, on one core or a cluster.

The data flow, one direction::

    stream (symflow.testing.stream: seeded cases, the same on any executor)
      → executors (this process, or Dask)  → runcase (every applicable claim, a time budget)
      → results (JSON lines, appended atomically; resume)  → summary (from the file alone)
      → shrink (a failure, shrunk locally with Hypothesis; a reproducer problem file)
      → command (``symflow campaign``)

Not imported by ``import symflow`` (it loads Hypothesis); ``symflow campaign`` imports it.
"""

from .budget import Budget, BudgetExceeded
from .executors import DaskExecutor, SerialExecutor, make_executor
from .results import Results, ResultsError, read_results
from .runcase import run_case
from .runner import run_campaign
from .summary import Summary, summarize, summarize_file

__all__ = ["Budget", "BudgetExceeded", "DaskExecutor", "SerialExecutor", "make_executor",
           "Results", "ResultsError", "read_results", "run_case", "run_campaign", "Summary",
           "summarize",
           "summarize_file"]
