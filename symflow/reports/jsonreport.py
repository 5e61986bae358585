"""The JSON report (see :mod:`symflow.reports`)."""

from __future__ import annotations

import json
from collections import Counter
from typing import Iterable


from ..claims.evidence import Verdict
from ..files import write_atomic
from .common import certified_trajectories, counts, failures, findings, problem_info, summary


def to_json(verdicts: Iterable[Verdict], meta: dict | None = None, *, skipped=None,
            problems=None) -> str:
    """``{"summary", "meta", "findings", "failures", "verdicts"}``; ``meta`` gets
    ``interrupted`` (default False) and ``completed`` (the number of verdicts). Given
    ``problems`` (entries) a ``"problems"`` list (:func:`problem_info`) follows ``meta``;
    given ``skipped`` a ``"skipped"`` list (claim, problem, reason, source) precedes
    ``"verdicts"``; certified evidence adds ``"certified_trajectories"`` after ``"failures"``
    (:func:`~symflow.reports.common.certified_trajectories`)."""
    vs = list(verdicts)
    st = Counter(v.status.value for v in vs)
    meta = {"interrupted": False, **(meta or {}), "completed": len(vs)}
    doc = {"summary": {"text": summary(vs), "by_status": dict(st),
                       "by_level": dict(Counter(v.level.value if v.level else "none"
                                                for v in vs)),
                       "counts": counts(vs)},
           "meta": meta}
    if problems is not None:
        doc["problems"] = [problem_info(e) for e in problems]
    doc["findings"] = findings(vs)
    doc["failures"] = failures(vs)
    recs = certified_trajectories(vs)
    if recs:
        doc["certified_trajectories"] = recs
    if skipped is not None:
        doc["skipped"] = [x.to_dict() for x in skipped]
    doc["verdicts"] = [v.to_dict() for v in vs]
    return json.dumps(doc, indent=2, ensure_ascii=False, default=str)


def write_json(path, verdicts, meta: dict | None = None, *, skipped=None,
               problems=None) -> None:
    write_atomic(path, to_json(verdicts, meta, skipped=skipped, problems=problems) + "\n")


