"""Report files, written safely.

:func:`write_atomic` writes a file through a temporary file in the same
folder and ``os.replace`` (a reader never sees half a report), with the permissions any other
new file would get (``0o666 & ~umask``; an existing file keeps its mode).
:func:`check_writable` refuses, before any work starts, a path that could not be written,
with a :class:`ReportPathError` naming the path the user gave. Both live in the
foundation layer because :mod:`symflow.testing.campaign`, which writes its own report, comes
before ``reports`` in the import order; :mod:`symflow.reports` re-exports them.
"""

from __future__ import annotations

import os
import stat
import tempfile
from typing import Any

from .errors import SymflowError

__all__ = ["ReportPathError", "check_writable", "write_atomic"]


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


