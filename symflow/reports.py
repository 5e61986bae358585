"""Rendering verdicts: a text table, Markdown and JSON; files written atomically.

Each row: claim, problem, status, level (the weakest level among the verdict's evidence), dps,
residual (the largest evidence residual at that level), tolerance. The summary line counts
verdicts by status and by level. Markdown adds, per verdict, every Evidence's "what" sentence
with its own level, residual, tolerance and status, and the note. JSON is
``{"summary": ..., "verdicts": [Verdict.to_dict(), ...]}``.

>>> from symflow.evidence import Evidence, Level, Status, Verdict
>>> v = Verdict.from_evidence("C1", "x' = -g", "p", [Evidence(Level.EXACT, "D θ' + g = 0", 0, 0,
...                                                          Status.VERIFIED)])
>>> summary([v])
'1 verdict: 1 verified, 0 refuted, 0 inconclusive; by level: exact 1'
"""

from __future__ import annotations

import json
import os
import tempfile
from collections import Counter
from fractions import Fraction
from typing import Any, Iterable

import mpmath

from .evidence import Status, Verdict

__all__ = ["fmt_number", "summary", "rows", "text_table", "markdown", "to_json",
           "write_atomic", "write_json", "write_markdown"]


def fmt_number(x: Any) -> str:
    """A short rendering: exact rationals stay exact (≤ 20 characters), floats as 3 digits."""
    if x is None:
        return "—"
    if isinstance(x, bool):
        return str(x)
    if isinstance(x, int):
        return str(x)
    if isinstance(x, Fraction):
        s = str(x)
        return s if len(s) <= 20 else f"{float(x):.3e}"
    if isinstance(x, float):
        return f"{x:.3g}" if x == 0 else f"{x:.2e}"
    if isinstance(x, mpmath.mpf):
        return "0" if x == 0 else mpmath.nstr(x, 3, min_fixed=0, max_fixed=0)
    try:
        return fmt_number(Fraction(str(x)))
    except (ValueError, ZeroDivisionError):
        return str(x)


def _magnitude(x: Any) -> mpmath.mpf:
    """|x| as an mpf for ordering residuals (None and unparsable values count as −1)."""
    if x is None:
        return mpmath.mpf(-1)
    if isinstance(x, Fraction):
        return abs(mpmath.mpf(x.numerator) / x.denominator)
    try:
        return abs(mpmath.mpf(x))
    except (TypeError, ValueError):
        try:
            f = Fraction(str(x))
            return abs(mpmath.mpf(f.numerator) / f.denominator)
        except (ValueError, ZeroDivisionError):
            return mpmath.mpf(-1)


def _closeness(e) -> tuple:
    """Order evidence by how close it came to its tolerance: residual/tolerance (a nonzero
    residual against a zero tolerance counts as infinitely close), then by the residual."""
    r, t = _magnitude(e.residual), _magnitude(e.tolerance)
    if t > 0:
        ratio = r / t
    else:
        ratio = mpmath.inf if r > 0 else mpmath.mpf(0)
    return (ratio, r)


def _headline(v: Verdict) -> tuple[str, str, str]:
    """(dps, residual, tolerance) of the evidence that decides the verdict's row."""
    ev = [e for e in v.evidence if e.status is v.status] or list(v.evidence)
    if not ev:
        return "—", "—", "—"
    lv = v.level
    ev_lv = [e for e in ev if e.level is lv] or ev
    # identities and inequalities (residual ≤ tolerance) head the row; positivity margins
    # ("pos") and zero/nonzero agreement counts ("same") only when nothing else is there
    ev_lv = [e for e in ev_lv if e.details.get("kind") not in ("pos", "same")] or ev_lv
    worst = max(ev_lv, key=_closeness)
    dps = "—" if worst.dps is None else str(worst.dps)
    return dps, fmt_number(worst.residual), fmt_number(worst.tolerance)


def rows(verdicts: Iterable[Verdict]) -> list[list[str]]:
    out = []
    for v in verdicts:
        dps, res, tol = _headline(v)
        out.append([v.claim, v.problem, v.status.value, v.level.value if v.level else "—",
                    dps, res, tol])
    return out


HEADER = ["claim", "problem", "status", "level", "dps", "residual", "tolerance"]


def summary(verdicts: Iterable[Verdict]) -> str:
    """Counts by status and by level, one line."""
    vs = list(verdicts)
    st = Counter(v.status for v in vs)
    lv = Counter(v.level.value if v.level else "none" for v in vs)
    levels = ", ".join(f"{k} {lv[k]}" for k in ("exact", "ball", "mpmath", "float64", "none")
                       if lv.get(k))
    n = len(vs)
    return (f"{n} verdict{'s' if n != 1 else ''}: {st[Status.VERIFIED]} verified, "
            f"{st[Status.REFUTED]} refuted, {st[Status.INCONCLUSIVE]} inconclusive; "
            f"by level: {levels or '—'}")


def text_table(verdicts: Iterable[Verdict]) -> str:
    """A fixed-width table with a summary line."""
    vs = list(verdicts)
    body = rows(vs)
    widths = [max(len(h), *(len(r[i]) for r in body)) if body else len(h)
              for i, h in enumerate(HEADER)]
    line = lambda r: "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip()
    out = [line(HEADER), line(["-" * w for w in widths])] + [line(r) for r in body]
    bad = [v for v in vs if v.status is not Status.VERIFIED]
    for v in bad:
        for e in v.evidence:
            if e.status is not Status.VERIFIED:
                out.append(f"  {v.claim} {v.problem}: {e.status.value}: {e.what} "
                           f"(residual {fmt_number(e.residual)}, tolerance "
                           f"{fmt_number(e.tolerance)})")
        if v.note:
            out.append(f"  {v.claim} {v.problem}: {v.note}")
    out.append(summary(vs))
    return "\n".join(out)


def _md_escape(s: str) -> str:
    return s.replace("|", "\\|")


def markdown(verdicts: Iterable[Verdict], title: str = "symflow check") -> str:
    """A Markdown report: summary, a table, then each verdict's evidence sentences."""
    vs = list(verdicts)
    out = [f"# {title}", "", summary(vs), "",
           "| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    out += ["| " + " | ".join(_md_escape(c) for c in r) + " |" for r in rows(vs)]
    out.append("")
    for v in vs:
        out += [f"## {v.claim} on `{v.problem}`: {v.status.value}", "", f"> {v.statement}", ""]
        if v.note:
            out += [f"Note: {v.note}", ""]
        for e in v.evidence:
            dps = "" if e.dps is None else f", dps {e.dps}"
            out.append(f"- **{e.status.value}** ({e.level.value}{dps}): {_md_escape(e.what)} — "
                       f"residual {fmt_number(e.residual)}, tolerance {fmt_number(e.tolerance)}")
            for key in ("pit", "tolerance_rule", "confirm_dps", "confirm_residual",
                        "ball_working_dps", "message"):
                if key in e.details:
                    out.append(f"  - {key}: {_md_escape(str(e.details[key]))}")
        out.append("")
    return "\n".join(out)


def to_json(verdicts: Iterable[Verdict], meta: dict | None = None) -> str:
    vs = list(verdicts)
    st = Counter(v.status.value for v in vs)
    doc = {"summary": {"text": summary(vs), "by_status": dict(st),
                       "by_level": dict(Counter(v.level.value if v.level else "none"
                                                for v in vs))},
           "meta": meta or {},
           "verdicts": [v.to_dict() for v in vs]}
    return json.dumps(doc, indent=2, ensure_ascii=False, default=str)


def write_atomic(path: "str | os.PathLike", text: str) -> None:
    """Write ``text`` to ``path`` via a temporary file in the same directory + ``os.replace``."""
    path = os.fspath(path)
    d = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=os.path.basename(path), dir=d)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def write_json(path, verdicts, meta: dict | None = None) -> None:
    write_atomic(path, to_json(verdicts, meta) + "\n")


def write_markdown(path, verdicts, title: str = "symflow check") -> None:
    write_atomic(path, markdown(verdicts, title) + "\n")
