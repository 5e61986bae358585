"""A failure found on a worker, shrunk here with Hypothesis to a minimal case, and its reproducer.

The failing case is case ``i`` of the stream: entry ``i mod BLOCK`` of block ``i // BLOCK``,
which is one seeded Hypothesis run (:func:`symflow.testing.stream.hypothesis_run`).
:func:`shrink_case` replays that same run with Hypothesis' shrink phase switched on: the
draws before the failing case pass unchecked (nothing to compute), the failing case is checked
again (the claims that failed, within the case budget) and, when it fails again, raises —
from there Hypothesis shrinks it as it would any failing test, and every candidate is checked
with the same claims. The last failing candidate is the minimal case. Nothing is shrunk by
hand and no strategy is re-imagined: the shrinker works on the very choice sequence that
produced the case.

The minimal case is written as a problem file (:mod:`symflow.core.problemfile`; same name as
the campaign's entry, so the same sample points) with the command that reproduces the
failure: ``symflow check --problem FILE --claims C… --dps D``.
"""

from __future__ import annotations

import os
import time
from dataclasses import asdict, dataclass
from typing import Any

from ..files import write_atomic
from ..testing.stream import BLOCK, CaseSpec, block, hypothesis_run
from .runcase import case_name, run_case

__all__ = ["Shrunk", "shrink_case", "shrink_failures", "problem_file_text"]


@dataclass
class Shrunk:
    """The outcome of shrinking the failure of ``claims`` at case ``index``: ``status`` is
    ``"shrunk"``, ``"shrunk (stopped at the time limit)"`` or ``"not reproduced"``;
    ``minimal`` the smallest failing case found (JSON of a :class:`CaseSpec`)."""

    index: int
    claims: list
    status: str
    original_description: str
    minimal: "dict | None" = None
    minimal_description: "str | None" = None
    minimal_evidence: "list | None" = None
    candidates: int = 0
    seconds: float = 0.0
    problem_file: "str | None" = None
    command: "str | None" = None

    def to_json(self) -> dict:
        return asdict(self)


class _Fails(Exception):
    """Raised inside the replayed Hypothesis run by a case on which the claims fail."""


def _failing(rec: dict, claims: list) -> list:
    return [c for c in claims if rec.get("claims", {}).get(c, {}).get("failed")]


class _Replay:
    """The body of the replayed run: skip to the failing case, then check every case."""

    def __init__(self, target: CaseSpec, index: int, claims: list, dps: int,
                 budget: "float | None", seconds: float) -> None:
        self.target, self.index, self.claims = target, index, claims
        self.dps, self.budget, self.deadline = dps, budget, time.perf_counter() + seconds
        self.phase = "replay"
        self.minimal: "tuple | None" = None
        self.candidates = 0
        self.timed_out = False

    def __call__(self, case) -> None:
        if self.phase == "done":
            return
        spec = CaseSpec.from_case(case)
        if self.phase == "replay":
            if spec.key != self.target.key:
                return
            self.phase = "shrinking"
        if time.perf_counter() > self.deadline:
            self.timed_out = True
            return     # a passing answer: the shrinker keeps what it has and stops soon
        self.candidates += 1
        rec = run_case(self.index, spec, self.dps, self.budget, self.claims)
        if _failing(rec, self.claims):
            self.minimal = (spec, rec)
            raise _Fails(spec.describe())
        if self.minimal is None:
            self.phase = "done"   # the failing case passed here: not reproduced


def shrink_case(seed: int, index: int, claims: list, dps: int = 30,
                budget: "float | None" = 60.0, seconds: float = 300.0) -> Shrunk:
    """Shrink the failure of ``claims`` at case ``index`` of the stream ``seed`` (see the
    module docstring), spending at most about ``seconds`` on candidates."""
    t0 = time.perf_counter()
    b, pos = divmod(index, BLOCK)
    target = block(seed, b)[pos]
    body = _Replay(target, index, list(claims), dps, budget, seconds)
    try:
        hypothesis_run(seed, b, body, shrink=True)()
    except _Fails:
        pass
    except Exception as exc:  # noqa: BLE001 - e.g. Hypothesis' Flaky: say so
        if body.minimal is None:
            return Shrunk(index, list(claims), f"not shrunk: {type(exc).__name__}: {exc}",
                          target.describe(), seconds=time.perf_counter() - t0)
    if body.minimal is None:
        return Shrunk(index, list(claims), "not reproduced: the case passed when checked "
                      "again here", target.describe(), candidates=body.candidates,
                      seconds=time.perf_counter() - t0)
    spec, rec = body.minimal
    status = "shrunk (stopped at the time limit)" if body.timed_out else "shrunk"
    ev = [{"claim": c, **{k: rec["claims"][c].get(k) for k in ("status", "evidence")}}
          for c in _failing(rec, list(claims))]
    return Shrunk(index, list(claims), status, target.describe(), spec.to_json(),
                  spec.describe(), ev, body.candidates, time.perf_counter() - t0)


def _toml_list(values) -> str:
    return "[" + ", ".join(f'"{v}"' for v in values) + "]"


def problem_file_text(spec: CaseSpec, name: str, description: str) -> str:
    """The case as a problem file (TOML; :mod:`symflow.core.problemfile`), θ₀ = its θ."""
    loss = {"l2": "l2", "cross_entropy": "ce"}[spec.loss]
    d = spec.to_json()
    rows = lambda m: "[" + ", ".join(_toml_list(r) for r in m) + "]"
    return "\n".join([
        f'name = "{name}"', f'description = "{description}"', f'loss = "{loss}"', "",
        "[network]", 'kind = "mlp"', f"widths = {list(spec.widths)}",
        f'activation = "{spec.activation}"', f"bias = {'true' if spec.bias else 'false'}", "",
        "[data]", f"inputs = {rows(d['inputs'])}", f"targets = {rows(d['targets'])}", "",
        "[start]", f"theta0 = {_toml_list(d['theta'])}", ""])


def _write_repro(sh: Shrunk, seed: int, dps: int, folder: str) -> None:
    spec = CaseSpec.from_json(sh.minimal)
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, f"seed{seed}-case{sh.index}-{'-'.join(sh.claims)}.toml")
    desc = (f"shrunk by Hypothesis from case {sh.index} of 'symflow campaign --seed {seed}' "
            f"({', '.join(sh.claims)} failed)")
    write_atomic(path, problem_file_text(spec, case_name(sh.index), desc))
    sh.problem_file = path
    sh.command = f"symflow check --problem {path} --claims {','.join(sh.claims)} --dps {dps}"


def shrink_failures(summary: Any, seed: int, dps: int, budget: "float | None",
                    results: str, repro_dir: "str | None" = None,
                    seconds: float = 300.0) -> list[dict]:
    """Shrink the first failure of each failing claim of ``summary`` (its ``failures``) and
    write each minimal case as a problem file into ``repro_dir`` (default: ``results`` +
    ``.repro``). Returns the :class:`Shrunk` records as JSON."""
    folder = repro_dir or os.fspath(results) + ".repro"
    first: dict[str, int] = {}
    for f in summary.failures:
        first.setdefault(f["claim"], f["index"])
    out = []
    for claim, index in sorted(first.items(), key=lambda kv: kv[1]):
        sh = shrink_case(seed, index, [claim], dps, budget, seconds)
        if sh.minimal is not None:
            _write_repro(sh, seed, dps, folder)
        out.append(sh.to_json())
    return out
