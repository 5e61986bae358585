"""Report files, written safely.

:func:`write_atomic` writes a file through a temporary file in the same
folder and ``os.replace`` (a reader never sees half a report), with the permissions any other
new file would get (``0o666 & ~umask``; an existing file keeps its mode).
:func:`append_line` appends one line to a results file atomically (one ``write`` of the
whole line to a file opened ``O_APPEND``, then fsync), and :func:`read_lines` reads such a
file back, setting aside a torn last line (a write cut short by a crash).
:func:`check_writable` refuses, before any work starts, a path that could not be written,
with a :class:`ReportPathError` naming the path the user gave. Both live in the
foundation layer so that every layer can use them; :mod:`symflow.reports` re-exports them.
"""

from __future__ import annotations

import os
import stat
import tempfile
from typing import Any

from .errors import SymflowError

__all__ = ["ReportPathError", "check_writable", "write_atomic", "append_line", "read_lines"]


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


def append_line(path: "str | os.PathLike", line: str) -> None:
    """Append ``line`` + newline to ``path`` (created if missing) atomically: the file is
    opened ``O_APPEND`` (every write lands at the end, whoever else appends) and the whole
    line goes in one ``os.write`` (repeated only if the kernel took part of it), then fsync.
    A crash can therefore leave at most a torn *last* line, which :func:`read_lines` sets
    aside. ``line`` must not contain a newline. An ``OSError`` becomes a
    :class:`ReportPathError` naming ``path``."""
    if "\n" in line:
        raise SymflowError(f"append_line: the line for {path!r} contains a newline")
    data = (line + "\n").encode("utf-8")
    try:
        fd = os.open(os.fspath(path), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        raise ReportPathError(f"cannot append to {path!r}: {exc.strerror or exc}", path) from exc


def read_lines(path: "str | os.PathLike") -> tuple[list[str], str]:
    """``(lines, torn)``: the complete lines of ``path`` (without their newlines) and the torn
    remainder after the last newline (``""`` if the file ends with one). A missing file reads
    as no lines."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        return [], ""
    except OSError as exc:
        raise ReportPathError(f"cannot read {path!r}: {exc.strerror or exc}", path) from exc
    head, sep, torn = data.rpartition(b"\n")
    if not sep:
        head, torn = b"", data
    lines = head.decode("utf-8", errors="replace").split("\n") if head else []
    return lines, torn.decode("utf-8", errors="replace")
