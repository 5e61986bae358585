"""Progress reporting for long integrations: a tiny protocol and a text implementation.

A progress object has ``update(t, info)`` (called after each accepted step with the current
time and a dict of counters: ``step``, ``nfev``, ``h``, ``order``, ``t1``, …) and ``close()``
(called once at the end). :func:`make_progress` turns the ``progress=`` argument of
:func:`symflow.integrate` into one: ``None``/``False`` → silent, ``True`` → :class:`TextProgress`,
or any object with those two methods.

>>> import io
>>> buf = io.StringIO()
>>> p = TextProgress(stream=buf, delay=0.0, interval=0.0, label="demo")
>>> p.update(0.5, {"step": 3, "nfev": 120, "t1": 1})
>>> p.close()
>>> buf.getvalue().splitlines()[0].startswith("demo: time 0.5")
True
"""

from __future__ import annotations

import sys
import time
from typing import Any, Protocol, runtime_checkable

from .errors import DataError

__all__ = ["Progress", "TextProgress", "make_progress"]


@runtime_checkable
class Progress(Protocol):
    """What an integrator calls: ``update(t, info)`` per accepted step, ``close()`` at the end."""

    def update(self, t: Any, info: dict) -> None: ...

    def close(self) -> None: ...


def _fmt(v: Any) -> str:
    try:
        return f"{float(v):.6g}"
    except (TypeError, ValueError, OverflowError):
        return str(v)


class TextProgress:
    """One line to ``stream`` (default stderr) at most every ``interval`` seconds, and only once
    the integration has run longer than ``delay`` seconds (short runs print nothing)."""

    def __init__(self, stream=None, interval: float = 1.0, delay: float = 2.0,
                 label: str = "symflow.integrate") -> None:
        self.stream = stream
        self.interval = float(interval)
        self.delay = float(delay)
        self.label = label
        self.start = time.monotonic()
        self._last = None
        self.lines = 0

    def _write(self, text: str) -> None:
        stream = self.stream if self.stream is not None else sys.stderr
        stream.write(text + "\n")
        stream.flush()
        self.lines += 1

    def update(self, t: Any, info: dict) -> None:
        now = time.monotonic()
        if now - self.start < self.delay:
            return
        if self._last is not None and now - self._last < self.interval:
            return
        self._last = now
        parts = [f"{self.label}: time {_fmt(t)}"]
        if "t1" in info:
            parts[0] += f" of {_fmt(info['t1'])}"
        for key in ("step", "nfev", "order", "h"):
            if key in info:
                parts.append(f"{key} {_fmt(info[key])}")
        parts.append(f"{now - self.start:.1f} s")
        self._write(", ".join(parts))

    def close(self) -> None:
        if self.lines:
            self._write(f"{self.label}: done after {time.monotonic() - self.start:.1f} s")


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
