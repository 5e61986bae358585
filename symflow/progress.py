"""Progress on stderr: the progress protocol and its one text printer.

**Progress.** A progress object has ``update(t, info)`` and ``close()``. Integrators call
``update`` after each accepted step with the current time and a dict of counters (``step``,
``nfev``, ``h``, ``order``, ``t1`` = the end of the span, …) and ``close()`` once at the end;
``info["time_variable"]`` names the time shown: ``"s"`` (flow time) or ``"t"`` (the line time
t = 1 − e^(−s/N) of C6, in [0, 1]). :func:`symflow.claims.check_all` calls ``update`` before and
after each (claim, problem) pair with ``info["event"]`` = ``"start"``/``"done"``.
:func:`make_progress` turns the ``progress=`` argument of :func:`symflow.integrate` into one:
``None``/``False`` → silent, ``True`` → :class:`TextProgress`, or any object with those two
methods. :class:`TextProgress` prints both kinds of update; :class:`CheckProgress` is the same
printer configured for ``symflow check`` (re-exported by :mod:`symflow.cli`).

>>> import io
>>> buf = io.StringIO()
>>> p = TextProgress(stream=buf, delay=0.0, interval=0.0, label="demo")
>>> p.update(0.5, {"step": 3, "nfev": 120, "t1": 1, "time_variable": "t"})
>>> p.close()
>>> buf.getvalue().splitlines()[0].startswith("demo: line time t = 0.5 of 1")
True
"""

from __future__ import annotations

import sys
import time
from typing import Any, Protocol, runtime_checkable

from .errors import DataError

__all__ = ["Progress", "TextProgress", "CheckProgress", "make_progress", "with_time_variable",
           "time_phrase"]


@runtime_checkable
class Progress(Protocol):
    """What an integrator calls: ``update(t, info)`` per accepted step, ``close()`` at the end."""

    def update(self, t: Any, info: dict) -> None: ...

    def close(self) -> None: ...


def _fmt(v: Any, digits: int = 6) -> str:
    try:
        return f"{float(v):.{digits}g}"
    except (TypeError, ValueError, OverflowError):
        return str(v)


_TIME_NAMES = {"s": "flow time s", "t": "line time t"}


def time_phrase(t: Any, info: dict, digits: int = 6) -> str:
    """``"flow time s = 1.3 of 5"``, ``"line time t = 0.42 of 1"`` (from ``info["time_variable"]``
    and ``info["t1"]``), another variable's name as given (``"case 3 of 10"``), or ``"time …"``
    when the caller did not say which time it is.

    >>> time_phrase(0.25, {"time_variable": "s", "t1": 2})
    'flow time s = 0.25 of 2'
    >>> time_phrase(3, {"time_variable": "case", "t1": 10})
    'case 3 of 10'
    """
    tv = info.get("time_variable") if isinstance(info, dict) else None
    if tv in _TIME_NAMES:
        text = f"{_TIME_NAMES[tv]} = {_fmt(t, digits)}"
    elif tv:
        text = f"{tv} {_fmt(t, digits)}"
    else:
        text = f"time {_fmt(t, digits)}"
    if isinstance(info, dict) and info.get("t1") is not None:
        text += f" of {_fmt(info['t1'], digits)}"
    return text


class TextProgress:
    """The text progress printer (default stream: stderr).

    Events of :func:`symflow.claims.check_all` (``info["event"]`` = ``"start"``/``"done"``) print
    one line each at once: ``[3/12] C6 tanh-2-3-1-l2 …`` and ``[3/12] C6 tanh-2-3-1-l2: verified
    at mpmath (4.2 s)``. Other updates (an integrator's steps) print a line naming the time
    variable (:func:`time_phrase`) and counters, at most every ``interval`` seconds and only
    once the current computation has run longer than ``delay`` seconds (short runs print
    nothing). ``close()`` (called by each integration) prints a closing line if any step line
    was printed and ``close_line`` is true. ``close()`` may be called many times.
    """

    def __init__(self, stream=None, interval: float = 1.0, delay: float = 2.0,
                 label: str | None = "symflow.integrate", close_line: bool = True) -> None:
        self.stream = stream
        self.interval = float(interval)
        self.delay = float(delay)
        self.label = label
        self.close_line = close_line
        self.start = time.monotonic()
        self._since = self.start          # start of the current computation (pair)
        self._last = None                 # time of the last step line
        self._current = ""                # "C6 tanh-2-3-1-l2" while a pair runs
        self._open = 0                    # step lines since the last close()
        self.lines = 0

    def _write(self, text: str) -> None:
        stream = self.stream if self.stream is not None else sys.stderr
        stream.write(text + "\n")
        stream.flush()
        self.lines += 1

    def _prefix(self) -> str:
        return self._current or self.label or "progress"

    def update(self, t: Any, info: dict) -> None:
        info = info if isinstance(info, dict) else {}
        now = time.monotonic()
        ev = info.get("event")
        if ev == "start":
            self._current = f"{info.get('claim', '?')} {info.get('problem', '?')}"
            self._since, self._last = now, None
            self._write(f"[{info.get('index', 0) + 1}/{info.get('total', '?')}] {self._current} "
                        f"… ({now - self.start:.1f} s)")
            return
        if ev == "done":
            lvl = info.get("level") or "—"
            st, exp = info.get("status", "?"), info.get("expected", "verified")
            tag = ""
            if exp == "refuted" and st == "refuted":
                tag = " (finding: documented counterexample reproduced)"
            elif exp == "refuted" and st == "verified":
                tag = " (FAILED: documented counterexample not reproduced)"
            self._write(f"[{info.get('index', 0) + 1}/{info.get('total', '?')}] "
                        f"{self._current}: {st} at {lvl}{tag} ({now - self.start:.1f} s)")
            self._current = ""
            return
        if now - self._since < self.delay:
            return
        if self._last is not None and now - self._last < self.interval:
            return
        self._last = now
        parts = [f"{self._prefix()}: {time_phrase(t, info)}"]
        own = info.get("time_variable") not in (None, *_TIME_NAMES)  # e.g. "case": t is the step
        for key in ("step", "nfev", "order", "h", "failures"):
            if key in info and not (own and key == "step"):
                parts.append(f"{key} {_fmt(info[key])}")
        parts.append(f"{now - self.start:.1f} s")
        text = ", ".join(parts)
        self._write(("    " + text) if self._current else text)
        self._open += 1

    def close(self) -> None:
        if self._open and self.close_line:
            self._write(f"{self._prefix()}: done after {time.monotonic() - self.start:.1f} s")
        self._open = 0


class CheckProgress(TextProgress):
    """:class:`TextProgress` as ``symflow check`` uses it: a line per (claim, problem) pair and,
    inside a long pair, a step line every ``interval`` seconds naming the time variable, e.g.
    ``C6 tanh-2-3-1-l2: line time t = 0.42 of 1, step 12, …``; no closing lines."""

    def __init__(self, stream=None, interval: float = 2.0) -> None:
        super().__init__(stream, interval=interval, delay=interval, label=None,
                         close_line=False)


class _TimeVariable:
    """Forwards ``update``/``close``, adding ``info["time_variable"]`` when it is missing."""

    def __init__(self, progress: Any, variable: str) -> None:
        self.progress = progress
        self.variable = variable

    def update(self, t: Any, info: dict) -> None:
        if isinstance(info, dict) and "time_variable" not in info:
            info = {**info, "time_variable": self.variable}
        self.progress.update(t, info)

    def close(self) -> None:
        self.progress.close()


def with_time_variable(progress: "Progress | None", variable: str) -> "Progress | None":
    """``progress`` whose updates say which time they carry (``"s"``, ``"t"``, …); None stays
    None."""
    return None if progress is None else _TimeVariable(progress, variable)


def make_progress(progress: Any) -> "Progress | None":
    """``None``/``False`` → None (silent); ``True`` → :class:`TextProgress`; else the object
    itself, which must have ``update`` and ``close``."""
    if progress is None or progress is False:
        return None
    if progress is True:
        return TextProgress()
    if callable(getattr(progress, "update", None)) and callable(getattr(progress, "close", None)):
        return progress
    raise DataError(f"progress must be None, True, or an object with update(t, info) and "
                    f"close(); got {progress!r}", progress)
