"""The rows of a GBS step on two cores: :class:`RowHelper`, a forked process that computes some of
the step's modified-midpoint rows while the engine computes the others.

The rows T_{j,1} (n_j = 2j sub-steps of Gragg's rule over the same step) are independent of each
other given the step's start (t, y, f(t, y)) and size H; only the extrapolation that combines
them is sequential. So a step aiming at k columns can compute rows 1 … k on two processes and
then run the unchanged sequential extrapolation and convergence test on them (the classical
parallel extrapolation of Deuflhard and of Rauber & Rünger). Row j costs n_j − 1 = 2j − 1
evaluations of f, so the rows are dealt largest first to the less loaded side (≈ k²/2 each).

The helper runs the same code (:meth:`~symflow.flows.engine._Engine._midpoint_fixed`) on a
copy of the engine made by ``fork``, in the same fixed-point arithmetic: every row is the same
integer sequence whichever process computes it, so the step — accepted or not, its error
estimate, the next order and step size — is bit-for-bit that of the serial engine. Rows computed
ahead that the convergence test does not use (early convergence) are wasted work, counted in
``nfev``; a failure of f in such a row is never reported (the serial engine would not have met
it).

Only the fixed-point protocol is offloaded (:class:`~symflow.flows.fields.FixedPointField`;
``f.fixed_bits``), on platforms with ``fork``, outside daemonic processes (which may not fork
children); by default (``workers=None``) only on Linux, with at least two usable cores, and when an
evaluation of f costs at least :data:`MIN_EVAL_SECONDS` — otherwise the engine runs serially.
"""

from __future__ import annotations

import contextlib
import multiprocessing as _mp
import os
import sys
import time
from typing import Optional

__all__ = ["RowHelper", "usable_cores", "start_helper", "split_rows", "MIN_EVAL_SECONDS",
           "no_automatic_helper"]

#: Below this time per evaluation of f the pipe and fork overheads outweigh the second core.
MIN_EVAL_SECONDS = 2e-5


def usable_cores() -> int:
    """The number of cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:      # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _fork_context():
    try:
        return _mp.get_context("fork")
    except ValueError:          # pragma: no cover - no fork (Windows)
        return None


def _serve(eng, conn) -> None:
    """The helper's loop: ``(t, y, f0, Hr, [n_j…])`` → ``[(n_j, row | failure), …]``."""
    from .evaluation import _Failure
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        if task is None:
            return
        t, yf, f0f, Hr, njs = task
        out = []
        for nj in njs:
            try:
                out.append((nj, eng._midpoint_fixed(t, yf, f0f, Hr, nj)))
            except _Failure as fail:
                out.append((nj, ("failure", fail.t, str(fail), fail.nonfinite)))
        try:
            conn.send(out)
        except (OSError, KeyboardInterrupt):
            return


class RowHelper:
    """A forked process holding a copy of the engine, computing midpoint rows on request."""

    def __init__(self, eng) -> None:
        ctx = _fork_context()
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_serve, args=(eng, child), daemon=True)
        self.proc.start()
        child.close()
        self.pending = False

    def submit(self, t, yf, f0f, Hr, njs) -> None:
        self.conn.send((t, yf, f0f, Hr, list(njs)))
        self.pending = True

    def collect(self) -> list:
        self.pending = False
        return self.conn.recv()

    def close(self) -> None:
        try:
            if self.pending:
                self.conn.recv()
            self.conn.send(None)
        except (OSError, EOFError, BrokenPipeError):
            pass
        self.proc.join(timeout=2)
        if self.proc.is_alive():    # pragma: no cover - a stuck helper
            self.proc.terminate()
            self.proc.join(timeout=2)
        self.conn.close()


def split_rows(njs) -> tuple[list, list]:
    """Deal the rows (cost n_j − 1 evaluations each) largest first to the less loaded side:
    (the engine's rows, the helper's rows)."""
    mine, theirs, lm, lt = [], [], 0, 0
    for nj in sorted(njs, reverse=True):
        if lm <= lt:
            mine.append(nj)
            lm += nj - 1
        else:
            theirs.append(nj)
            lt += nj - 1
    return sorted(mine), sorted(theirs)


_AUTO = [True]


@contextlib.contextmanager
def no_automatic_helper():
    """Inside this block ``workers=None`` means one process (``workers=2`` still asks for a
    helper): for callers that already keep every core busy, e.g. a campaign running one case
    per core."""
    old = _AUTO[0]
    _AUTO[0] = False
    try:
        yield
    finally:
        _AUTO[0] = old


def start_helper(eng, t, yf, workers) -> Optional[RowHelper]:
    """A :class:`RowHelper` for ``eng`` if ``workers`` allows one (None = auto: two usable
    cores, fork available, not in a daemonic process, and f costs at least
    :data:`MIN_EVAL_SECONDS` — timed on one evaluation at (t, y)); else None."""
    if workers == 1 or eng.fixed_f is None or _fork_context() is None:
        return None
    if _mp.current_process().daemon:
        return None
    if workers is None:
        if not _AUTO[0]:
            return None
        # auto only where fork is the platform's own start method (Linux): elsewhere forking a
        # process that loaded numpy's BLAS or a GUI toolkit is not safe; workers=2 still asks
        if usable_cores() < 2 or not sys.platform.startswith("linux"):
            return None
        tic = time.perf_counter()
        try:
            eng.fixed_f(t, yf)
        except Exception:  # noqa: BLE001 - the engine meets (and reports) it itself
            return None
        if time.perf_counter() - tic < MIN_EVAL_SECONDS:
            return None
    return RowHelper(eng)
