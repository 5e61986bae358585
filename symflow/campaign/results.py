"""The results file: JSON lines, one per case, appended atomically as cases finish.

Each line is one JSON object: the case's record from :func:`symflow.campaign.runcase.run_case`
(``index``, ``case``, ``description``, ``outcome``, ``claims``, ``seconds``, …), plus
``campaign`` — the settings that define what the line means (seed, n, dps, budget, the claims
asked for, the stream's recipe, the Hypothesis and symflow versions) — and ``worker`` and
``finished`` (Unix time). Lines are written by the campaign's client only, each by one
:func:`symflow.files.append_line` (``O_APPEND``, one write, fsync): a crash can tear the last
line at most, and :func:`read_results` sets a torn line aside.

**Resume.** :func:`read_results` gives the indices already done; a resumed campaign runs the
others and appends them to the same file. It refuses a file whose lines disagree on the
settings, or settings other than those asked for (:class:`ResultsError`, naming the key).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Iterator

from ..errors import DataError
from ..files import append_line, read_lines

__all__ = ["ResultsError", "Results", "read_results", "scan", "comparable", "check_resume",
           "append_record", "repair_torn_line", "SETTINGS_KEYS"]

#: The keys of ``campaign`` that must agree between every line of a file and a resumed run.
SETTINGS_KEYS = ("seed", "n", "dps", "budget", "claims", "stream")


class ResultsError(DataError):
    """A results file that cannot be read or resumed; the message names the file, the line
    and the key."""


@dataclass
class Results:
    """What a results file holds: the indices done, the records by index (the first line of
    each index is kept; left empty by ``read_results(…, keep_records=False)``), the campaign
    settings, and what was set aside (repeated indices, a torn last line, lines that are not
    JSON objects)."""

    path: str
    done: set = field(default_factory=set)
    records: dict = field(default_factory=dict)
    settings: "dict | None" = None
    duplicates: list = field(default_factory=list)
    torn: str = ""
    bad_lines: list = field(default_factory=list)


def _differing(a: dict, b: dict) -> "str | None":
    """The first of :data:`SETTINGS_KEYS` on which two campaign settings differ (None: same)."""
    return next((k for k in SETTINGS_KEYS if a.get(k) != b.get(k)), None)


def _check_settings(path: str, lineno: int, have: dict, got: dict) -> None:
    k = _differing(have, got)
    if k is not None:
        raise ResultsError(f"{path}: line {lineno}: campaign.{k} = {got.get(k)!r} differs "
                           f"from {have.get(k)!r} on the first line: two campaigns in one "
                           f"file", path)


def _parse(line: str) -> "dict | None":
    try:
        rec = json.loads(line)
    except ValueError:
        return None
    if (not isinstance(rec, dict) or not isinstance(rec.get("index"), int)
            or not isinstance(rec.get("campaign"), dict)):
        return None
    return rec


def scan(path: "str | os.PathLike", res: "Results | None" = None) -> Iterator[dict]:
    """The first record of each index in ``path``, in file order, one at a time (memory: the
    set of indices only). Fills ``res`` (settings, done, duplicates, torn, bad lines) as it
    goes; raises :class:`ResultsError` when lines disagree on the campaign settings."""
    path = os.fspath(path)
    res = res if res is not None else Results(path)
    lines, res.torn = read_lines(path)
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        rec = _parse(line)
        if rec is None:
            res.bad_lines.append(n)
            continue
        if res.settings is None:
            res.settings = dict(rec["campaign"])
        else:
            _check_settings(path, n, res.settings, rec["campaign"])
        if rec["index"] in res.done:
            res.duplicates.append(rec["index"])
            continue
        res.done.add(rec["index"])
        yield rec


def read_results(path: "str | os.PathLike", keep_records: bool = True) -> Results:
    """Read a results file (a missing file reads as empty); see :func:`scan`."""
    res = Results(os.fspath(path))
    for rec in scan(path, res):
        if keep_records:
            res.records[rec["index"]] = rec
    return res


def check_resume(res: Results, settings: dict) -> None:
    """Refuse to resume ``res`` with different ``settings`` (naming the first key that
    differs)."""
    k = None if res.settings is None else _differing(res.settings, settings)
    if k is not None:
        raise ResultsError(f"{res.path}: campaign.{k} = {res.settings.get(k)!r} in the file "
                           f"but {settings.get(k)!r} asked for; resume with the file's "
                           f"settings (or give no --{k})", res.path)


def repair_torn_line(path: "str | os.PathLike") -> int:
    """Cut a torn last line (bytes after the last newline) off ``path``; return how many bytes
    were cut (0 if none)."""
    path = os.fspath(path)
    try:
        size = os.path.getsize(path)
    except FileNotFoundError:
        return 0
    with open(path, "rb+") as f:
        data = f.read()
        keep = data.rfind(b"\n") + 1
        if keep < size:
            f.truncate(keep)
            f.flush()
            os.fsync(f.fileno())
    return size - keep


def append_record(path: "str | os.PathLike", record: dict) -> None:
    """Append one case's record as one line (:func:`symflow.files.append_line`)."""
    append_line(path, json.dumps(record, separators=(",", ":"), ensure_ascii=False,
                                 default=str))



def comparable(path: "str | os.PathLike") -> dict[int, tuple]:
    """What must not depend on the executor, per case index: the case, its outcome and, per
    claim, the status, level, precision and worst residual against its tolerance (not the
    timings nor the worker). Two runs of one seed compare equal on every executor."""
    return {i: (r["case"], r["outcome"],
                {c: (v["status"], v["level"], v.get("dps"), v.get("worst"))
                 for c, v in r.get("claims", {}).items()})
            for i, r in read_results(path).records.items()}
