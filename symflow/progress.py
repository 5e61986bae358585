"""Progress on stderr, report files and command-line options: the progress protocol, its one
text printer, the one atomic file writer, and the integer option type of both commands.

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

**Report files.** :func:`write_atomic` writes a file through a temporary file in the same
folder and ``os.replace`` (a reader never sees half a report), with the permissions any other
new file would get (``0o666 & ~umask``; an existing file keeps its mode).
:func:`check_writable` refuses, before any work starts, a path that could not be written,
with a :class:`ReportPathError` naming the path the user gave. Both live here (not in
:mod:`symflow.reports`) because :mod:`symflow.testing.campaign`, which writes its own report, comes
before ``reports`` in the import order; :mod:`symflow.reports` re-exports them.

**Command-line options.** ``symflow check`` (:mod:`symflow.cli`) and ``symflow campaign``
(:mod:`symflow.testing.campaign`) share, for the same reason, :func:`int_option` (an argparse
type: an integer within bounds, with a message naming the option and the bound) and
:func:`parse_args_or_exit_code` (parse, or the exit code argparse chose: 2 for a usage error,
0 after ``--help``).
"""

from __future__ import annotations

import argparse
import os
import stat
import sys
import tempfile
import time
from typing import Any, Protocol, Sequence, runtime_checkable

from .errors import DataError, SymflowError

__all__ = ["Progress", "TextProgress", "CheckProgress", "make_progress", "with_time_variable",
           "time_phrase", "ReportPathError", "check_writable", "write_atomic", "int_option",
           "parse_args_or_exit_code"]


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


# ---- report files ---------------------------------------------------------------------------
class ReportPathError(SymflowError, ValueError):
    """A report path that cannot be written; ``.path`` is the path as the user gave it."""

    def __init__(self, message: str, path: Any = None) -> None:
        super().__init__(message)
        self.path = path
        self.value = path


def _umask() -> int:
    """The process umask, read without changing it where the OS allows (Linux), else by
    setting and at once restoring it."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    m = os.umask(0o022)
    os.umask(m)
    return m


def check_writable(path: "str | os.PathLike", option: str = "report path") -> str:
    """Refuse, before any work, a report ``path`` that :func:`write_atomic` could not write.

    Raises :class:`ReportPathError` naming ``path`` as given (and ``option``, e.g. ``"--json"``)
    for an empty path, a path that is a folder, a missing folder (which is not created), a
    parent that is not a folder, an existing file that is read-only, or a folder where a file
    cannot be created (probed with a temporary file that is removed at once). Returns the path.
    """
    shown = path
    try:
        path = os.fspath(path)
    except TypeError:
        raise ReportPathError(f"{option}: not a path: {shown!r}", shown) from None
    if not isinstance(path, str) or not path.strip():
        raise ReportPathError(f"{option}: empty path {shown!r}; give a file name", shown)
    if path.endswith(("/", os.sep)) or os.path.isdir(path):
        raise ReportPathError(f"{option} {shown!r} is a folder; give a file name", shown)
    folder = os.path.dirname(os.path.abspath(os.path.realpath(path) if os.path.islink(path)
                                             else path))
    if not os.path.exists(folder):
        missing = folder
        while not os.path.exists(os.path.dirname(missing)) and os.path.dirname(missing) != missing:
            missing = os.path.dirname(missing)
        raise ReportPathError(f"{option} {shown!r}: folder {missing!r} does not exist "
                              f"(create it first)", shown)
    if not os.path.isdir(folder):
        raise ReportPathError(f"{option} {shown!r}: {folder!r} is not a folder", shown)
    if os.path.lexists(path) and not os.path.isfile(path):
        raise ReportPathError(f"{option} {shown!r} exists and is not a regular file", shown)
    if os.path.isfile(path) and not os.access(path, os.W_OK):
        raise ReportPathError(f"{option} {shown!r} exists and is read-only", shown)
    try:
        fd, probe = tempfile.mkstemp(prefix=".symflow-probe-", dir=folder)
    except OSError as exc:
        raise ReportPathError(f"{option} {shown!r}: cannot create a file in folder {folder!r}: "
                              f"{exc.strerror or exc}", shown) from None
    os.close(fd)
    os.unlink(probe)
    return path


def write_atomic(path: "str | os.PathLike", text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` via a temporary file in the same folder, fsync and
    ``os.replace``. A new file gets mode ``0o666 & ~umask`` (as ``open(path, "w")`` would
    give it), an existing one keeps its mode. On error (or Ctrl-C) the temporary file is removed
    and an ``OSError`` becomes a :class:`ReportPathError` naming ``path``."""
    shown = path
    path = os.fspath(path)
    if os.path.islink(path):      # write through a symlink, as open(path, "w") would
        path = os.path.realpath(path)
    d = os.path.dirname(os.path.abspath(path))
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        mode = 0o666 & ~_umask()
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=os.path.basename(path), dir=d)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        raise ReportPathError(f"cannot write {shown!r}: {exc.strerror or exc}", shown) from exc
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass


# ---- command-line options -------------------------------------------------------------------
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
