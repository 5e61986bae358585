"""Verdicts and the evidence behind them.

Every check symflow runs returns a :class:`Verdict`: the claim id (C1–C10 of docs/theory.md), the
statement checked, the problem it was checked on, a :class:`Status` and a list of
:class:`Evidence` items. Each evidence item names the arithmetic :class:`Level` it used, the
working precision (decimal digits; ``None`` for exact arithmetic), the residual and the
tolerance it was compared with, and a sentence saying what was compared.

Levels, strongest first (docs/theory.md, "Each claim is checked at the strongest level"):

``exact``
    rational arithmetic or a SymPy identity; the residual is an exact number (usually 0).
``ball``
    certified Arb ball arithmetic (python-flint); the residual is a rigorous upper bound.
``mpmath``
    high-precision floating point, confirmed at a higher precision.
``float64``
    numpy double precision, for problems too large for the levels above.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from ..backends import backend
from ..backends.levels import Level

__all__ = ["Level", "Status", "Reason", "Evidence", "Verdict", "combine_status", "supporting"]


class Status(str, enum.Enum):
    """Outcome of a check. ``inconclusive`` is never folded into the other two."""

    VERIFIED = "verified"
    REFUTED = "refuted"
    INCONCLUSIVE = "inconclusive"


class Reason(str, enum.Enum):
    """Why a comparison is *inconclusive* (never folded into verified or refuted).

    ``hypothesis``   the claim's hypothesis fails on this point or trajectory (e.g. C6's full
                     rank when the rank monitor stops the flow): the claim says nothing there.
    ``numerics``     numerical trouble: an integration failed, or the residual could not be
                     decided at the working precision.
    ``precision``    a residual above tolerance whose re-run at higher precision was not done
                     or did not confirm it (a refutation needs that confirmation).
    ``budget``       a step or time budget ran out before the span was covered.
    ``tolerance``    the tolerance is no longer small against the size of the quantity judged
                     (see :mod:`symflow.backends.tolerance`): a pass would mean nothing.
    ``error``        the check itself raised (recorded, never silent).
    ``not_applicable`` the requested level or claim does not apply to the problem.
    """

    HYPOTHESIS = "hypothesis not met"
    NUMERICS = "numerical trouble"
    PRECISION = "precision not confirmed"
    BUDGET = "budget exhausted"
    TOLERANCE = "tolerance too loose"
    ERROR = "check raised"
    NOT_APPLICABLE = "not applicable"


def supporting(evidence) -> list["Evidence"]:
    """The evidence of a *documented counterexample* that is not its refutation but supports it
    (its hypothesis holds there, a fact about the example, the corrected statement on it).

    In a claim expected refuted, a refuted item would read as the counterexample reproduced;
    a supporting item that fails says instead that the example is not as documented. So a
    refuted supporting item becomes inconclusive (reason numerics, saying why): the verdict
    can no longer be a clean finding on its strength. The comparison that must fail carries
    ``details["counterexample"]`` and is left alone (:attr:`Verdict.broken_counterexample`)."""
    out = []
    for e in evidence:
        if e.status is Status.REFUTED and not e.details.get("counterexample"):
            e = e.with_(status=Status.INCONCLUSIVE, reason=Reason.NUMERICS,
                        why="a supporting fact of the documented counterexample failed (the "
                            "example is not as documented): " + e.what)
        out.append(e)
    return out


def combine_status(statuses) -> Status:
    """Refuted if any is refuted, else inconclusive if any is, else verified (empty: inconclusive)."""
    statuses = list(statuses)
    if not statuses:
        return Status.INCONCLUSIVE
    if Status.REFUTED in statuses:
        return Status.REFUTED
    if Status.INCONCLUSIVE in statuses:
        return Status.INCONCLUSIVE
    return Status.VERIFIED


def _num(x: Any) -> Any:
    """A JSON-friendly rendering of a residual or tolerance (exact rationals stay exact strings)."""
    if x is None or isinstance(x, (bool, int)):
        return x
    if isinstance(x, float):
        return x
    return str(x)


@dataclass(frozen=True)
class Evidence:
    """One measured comparison.

    ``status`` is that comparison's own outcome: verified when ``residual <= tolerance`` (for
    ``ball``: when the certified upper bound is), refuted when the residual is certainly above
    the tolerance (exactly, with a certified ball, or at mpmath level confirmed by a re-run at
    higher precision), inconclusive when it cannot be decided — then ``reason`` (a
    :class:`Reason`) and ``why`` say why.

    ``dps`` is the precision of the comparison as its level reports it: always None at the
    exact level (precision does not apply), whatever the caller passes.

    ``key`` is a stable identifier such as ``"C2.flow_A3"`` (claim id, dot, check name): tests
    and scripts match keys, not prose. ``kappa`` is the condition number a tolerance grew
    with (None when the tolerance does not depend on one).

    ``attempt`` marks an *opportunistic* comparison at a stronger level that may run out of
    budget (a certified enclosure of a flow under a step budget, ``symflow check --certify``):
    verified or refuted it counts like any other evidence (a refutation is never hidden);
    inconclusive it does not make the verdict inconclusive — the claim's other evidence
    stands, and reports show the attempt and its reason with it (:meth:`Verdict.
    from_evidence`).
    """

    level: Level
    what: str
    residual: Any
    tolerance: Any
    status: Status
    dps: int | None = None
    details: dict = field(default_factory=dict)
    key: str = ""
    reason: "Reason | None" = None
    why: str = ""
    kappa: Any = None
    attempt: bool = False

    def __post_init__(self) -> None:
        if self.dps is not None:   # precision as the level reports it (none for exact)
            object.__setattr__(self, "dps", backend(self.level).reported_dps(self.dps))
        if self.status is Status.INCONCLUSIVE and self.reason is None:
            object.__setattr__(self, "reason", Reason.NUMERICS)
        if self.status is not Status.INCONCLUSIVE and self.reason is not None:
            object.__setattr__(self, "reason", None)

    def with_(self, **changes) -> "Evidence":
        """A copy with ``changes`` (Evidence is frozen)."""
        from dataclasses import replace
        return replace(self, **changes)

    def to_dict(self) -> dict:
        return {
            "key": self.key,
            "level": self.level.value,
            "what": self.what,
            "dps": self.dps,
            "residual": _num(self.residual),
            "tolerance": _num(self.tolerance),
            "kappa": _num(self.kappa),
            "status": self.status.value,
            "reason": self.reason.value if self.reason is not None else None,
            "why": self.why,
            "attempt": self.attempt,
            "details": {k: _num(v) if not isinstance(v, (list, dict, str)) else v
                        for k, v in self.details.items()},
        }


@dataclass(frozen=True)
class Verdict:
    """The outcome of checking one claim on one problem.

    ``expected`` is what the claim is expected to do: ``verified`` for a theorem, ``refuted``
    for a *documented counterexample* (e.g. C2-GENERAL, a wording of Lemma 2.2 that is false
    where rank D < QN). A refuted counterexample is a **finding**, not a failure; a verified
    one means the counterexample machinery broke, and is a failure.
    """

    claim: str
    statement: str
    problem: str
    status: Status
    evidence: tuple[Evidence, ...] = ()
    note: str = ""
    expected: Status = Status.VERIFIED

    @property
    def broken_counterexample(self) -> bool:
        """A documented counterexample's own comparison came out verified: evidence marked
        ``details["counterexample"]`` (the comparison that must fail on this problem) passed.
        Another refuted item (say, a hand-made example) cannot hide that."""
        return self.expected is Status.REFUTED and any(
            e.details.get("counterexample") and e.status is Status.VERIFIED for e in self.evidence)

    @property
    def is_finding(self) -> bool:
        """A documented counterexample that was reproduced (expected and found refuted)."""
        return (self.expected is Status.REFUTED and self.status is Status.REFUTED
                and not self.broken_counterexample)

    @property
    def as_expected(self) -> bool:
        return self.status is self.expected and not self.broken_counterexample

    @property
    def failed(self) -> bool:
        """A theorem refuted, or a documented counterexample not reproduced (came out verified,
        or its marked comparison on this problem passed)."""
        if self.broken_counterexample:
            return True
        return (self.status is not Status.INCONCLUSIVE) and self.status is not self.expected

    @property
    def reasons(self) -> list[str]:
        """Why the verdict is inconclusive: one line per inconclusive evidence (empty otherwise);
        an inconclusive *attempt* (:attr:`Evidence.attempt`) is not a reason unless the verdict
        is inconclusive and nothing else is."""
        out = []
        inc = [e for e in self.evidence if e.status is Status.INCONCLUSIVE]
        counted = [e for e in inc if not e.attempt]
        for e in counted or (inc if self.status is Status.INCONCLUSIVE else []):
            if e.status is Status.INCONCLUSIVE:
                r = e.reason.value if e.reason is not None else "inconclusive"
                out.append(f"{r}: {e.why or e.what}")
        return list(dict.fromkeys(out))

    @property
    def caveats(self) -> list[str]:
        """Reductions the verdict rests on (a shortened span, fewer points), from the
        evidence's ``details["reduced"]``: reports show them in the verdict's headline."""
        return list(dict.fromkeys(str(e.details["reduced"]) for e in self.evidence
                                  if e.details.get("reduced")))

    @property
    def kappa(self) -> Any:
        """The largest condition number any of the evidence's tolerances grew with (or None)."""
        ks = [e.kappa for e in self.evidence if e.kappa is not None]
        if not ks:
            return None
        try:
            return max(ks, key=lambda k: float(k))
        except (TypeError, ValueError):
            return ks[0]

    @property
    def level(self) -> Level | None:
        """The weakest level among the evidence (what the verdict rests on)."""
        if not self.evidence:
            return None
        return max((e.level for e in self.evidence), key=lambda lv: lv.strength)

    @classmethod
    def from_evidence(cls, claim: str, statement: str, problem: str, evidence, note: str = "",
                      expected: Status = Status.VERIFIED) -> "Verdict":
        """The verdict :func:`combine_status` gives the evidence — leaving out inconclusive
        *attempts* (:attr:`Evidence.attempt`: an optional stronger check that ran out of
        budget does not weaken what the other evidence shows; with nothing else, the verdict
        is inconclusive)."""
        evidence = tuple(evidence)
        counted = [e.status for e in evidence
                   if not (e.attempt and e.status is Status.INCONCLUSIVE)]
        return cls(claim, statement, problem, combine_status(counted), evidence, note, expected)

    def to_dict(self) -> dict:
        return {
            "claim": self.claim,
            "statement": self.statement,
            "problem": self.problem,
            "status": self.status.value,
            "expected": self.expected.value,
            "finding": self.is_finding,
            "broken_counterexample": self.broken_counterexample,
            "failed": self.failed,
            "level": self.level.value if self.level else None,
            "kappa": _num(self.kappa),
            "caveats": self.caveats,
            "reasons": self.reasons,
            "note": self.note,
            "evidence": [e.to_dict() for e in self.evidence],
        }
