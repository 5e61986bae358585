"""A time budget per case: a case that outruns it is stopped and recorded as inconclusive.

Two mechanisms stop the case's thread once its deadline has passed, both by raising
:class:`BudgetExceeded` (a ``BaseException``, so that the ``except Exception`` with which a check
records its own errors does not swallow it):

1. **At the next progress call** (cooperative). The integrators call ``progress.update`` after
   every accepted step and :func:`symflow.claims.check_all` before and after every claim;
   :meth:`Budget.progress` is a progress object that raises once the deadline is past. This
   stops a long flow within one step.
2. **A watchdog** for work that makes no progress calls (a long exact computation in SymPy):
   a timer thread raises the exception asynchronously in the case's thread
   (``PyThreadState_SetAsyncExc``) ``grace`` seconds after the deadline. CPython delivers it
   at the next bytecode boundary; a single long call into C (one FLINT product) finishes
   first. The exception is armed only while the case runs: leaving the ``with`` block
   disarms the timer under one lock, and an exception already set is delivered before the
   block is left, so it never strikes the code after it.

>>> import time
>>> try:
...     with Budget(0.05) as b:
...         while True:
...             b.progress.update(0, {})
...             time.sleep(0.01)
... except BudgetExceeded as exc:
...     print(exc.seconds)
0.05
"""

from __future__ import annotations

import ctypes
import threading
import time
from typing import Any

__all__ = ["BudgetExceeded", "Budget"]


class BudgetExceeded(BaseException):
    """The case ran past its time budget (``seconds``). A ``BaseException``: checks that
    record their own exceptions as evidence do not catch it."""

    def __init__(self, seconds: "float | None" = None) -> None:
        super().__init__("time budget exceeded" if seconds is None else
                         f"time budget of {seconds:g} s exceeded")
        self.seconds = seconds


class _Progress:
    """A progress object that raises :class:`BudgetExceeded` once the deadline is past, and
    forwards to ``inner`` (another progress object) otherwise."""

    def __init__(self, budget: "Budget", inner: Any = None) -> None:
        self.budget, self.inner = budget, inner

    def update(self, t: Any, info: dict) -> None:
        self.budget.check()
        if self.inner is not None:
            self.inner.update(t, info)

    def close(self) -> None:
        if self.inner is not None:
            self.inner.close()


class Budget:
    """``with Budget(seconds) as b:`` — run one case within ``seconds`` (None: no budget).

    ``b.progress`` is the progress object to hand to the checks; ``b.elapsed`` the seconds
    so far. See the module docstring for how the case is stopped. ``grace`` (default: a
    quarter of the budget, at least 1 s) is how long after the deadline the watchdog waits
    for a progress call before it interrupts.
    """

    def __init__(self, seconds: "float | None", grace: "float | None" = None,
                 inner: Any = None) -> None:
        if seconds is not None and not seconds > 0:
            raise ValueError(f"budget must be positive seconds or None, got {seconds!r}")
        self.seconds = seconds
        self.grace = max(1.0, 0.25 * seconds) if grace is None and seconds else (grace or 0.0)
        self.progress = _Progress(self, inner)
        self._lock = threading.Lock()
        self._armed = False
        self._fired = False
        self._thread_id = 0
        self._timer: "threading.Timer | None" = None
        self.start = 0.0

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def check(self) -> None:
        """Raise :class:`BudgetExceeded` if the deadline has passed."""
        if self.seconds is not None and self.elapsed > self.seconds:
            raise BudgetExceeded(self.seconds)

    def _fire(self) -> None:
        with self._lock:
            if self._armed:
                self._fired = True
                ctypes.pythonapi.PyThreadState_SetAsyncExc(
                    ctypes.c_ulong(self._thread_id), ctypes.py_object(BudgetExceeded))

    def __enter__(self) -> "Budget":
        self.start = time.perf_counter()
        if self.seconds is not None:
            self._thread_id = threading.get_ident()
            self._armed = True
            self._timer = threading.Timer(self.seconds + self.grace, self._fire)
            self._timer.daemon = True
            self._timer.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        with self._lock:
            fired, self._armed = self._fired, False
        if self._timer is not None:
            self._timer.cancel()
        if fired:
            # An exception the watchdog set but CPython has not delivered yet is delivered at
            # the next check of the eval loop: let that happen here, inside the with
            # statement, where the caller catches it. (Clearing it instead, by
            # PyThreadState_SetAsyncExc(id, NULL), leaves CPython 3.11's eval breaker set for
            # good when nothing was pending, which slows the interpreter ~100-fold.)
            for _ in range(1000):
                pass
