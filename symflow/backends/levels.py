"""The arithmetic levels, strongest first: exact rationals, Arb balls, mpmath floats, float64.

Each level has one :class:`~symflow.backends.base.Backend` (``symflow.backends.backend(level)``)
holding its scalars, matrices, rank / pseudo-inverse / projector and tolerance rule.
"""

from __future__ import annotations

import enum

__all__ = ["Level"]


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
        from ..errors import LevelError

        if isinstance(value, Level):
            return value
        try:
            return cls(str(value).lower())
        except ValueError:
            raise LevelError(
                f"unknown level {value!r}; choose one of {[lv.value for lv in cls]}", value
            ) from None
