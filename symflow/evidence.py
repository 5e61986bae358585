"""Verdicts and the evidence behind them.

Every check symflow runs returns a :class:`Verdict`: the claim id (C1–C10 of THEORY.md), the
statement checked, the problem it was checked on, a :class:`Status` and a list of
:class:`Evidence` items. Each evidence item names the arithmetic :class:`Level` it used, the
working precision (decimal digits; ``None`` for exact arithmetic), the residual and the
tolerance it was compared with, and a sentence saying what was compared.

Levels, strongest first (THEORY.md, "Each claim is checked at the strongest level"):

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

__all__ = ["Level", "Status", "Evidence", "Verdict", "combine_status"]


class Level(str, enum.Enum):
    """Arithmetic level of a check, strongest first."""

    EXACT = "exact"
    BALL = "ball"
    MPMATH = "mpmath"
    FLOAT64 = "float64"

    @property
    def strength(self) -> int:
        """0 for exact (strongest) … 3 for float64."""
        return list(Level).index(self)

    @classmethod
    def parse(cls, value: "Level | str") -> "Level":
        from .errors import LevelError

        if isinstance(value, Level):
            return value
        try:
            return cls(str(value).lower())
        except ValueError:
            raise LevelError(
                f"unknown level {value!r}; choose one of {[lv.value for lv in cls]}", value
            ) from None


class Status(str, enum.Enum):
    """Outcome of a check. ``inconclusive`` is never folded into the other two."""

    VERIFIED = "verified"
    REFUTED = "refuted"
    INCONCLUSIVE = "inconclusive"


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
    the tolerance, inconclusive when it cannot be decided (e.g. precision did not stabilise).
    """

    level: Level
    what: str
    residual: Any
    tolerance: Any
    status: Status
    dps: int | None = None
    details: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "level": self.level.value,
            "what": self.what,
            "dps": self.dps,
            "residual": _num(self.residual),
            "tolerance": _num(self.tolerance),
            "status": self.status.value,
            "details": {k: _num(v) if not isinstance(v, (list, dict, str)) else v
                        for k, v in self.details.items()},
        }


@dataclass(frozen=True)
class Verdict:
    """The outcome of checking one claim on one problem."""

    claim: str
    statement: str
    problem: str
    status: Status
    evidence: tuple[Evidence, ...] = ()
    note: str = ""

    @property
    def level(self) -> Level | None:
        """The weakest level among the evidence (what the verdict rests on)."""
        if not self.evidence:
            return None
        return max((e.level for e in self.evidence), key=lambda lv: lv.strength)

    @classmethod
    def from_evidence(cls, claim: str, statement: str, problem: str, evidence, note: str = ""
                      ) -> "Verdict":
        evidence = tuple(evidence)
        return cls(claim, statement, problem, combine_status(e.status for e in evidence),
                   evidence, note)

    def to_dict(self) -> dict:
        return {
            "claim": self.claim,
            "statement": self.statement,
            "problem": self.problem,
            "status": self.status.value,
            "level": self.level.value if self.level else None,
            "note": self.note,
            "evidence": [e.to_dict() for e in self.evidence],
        }
