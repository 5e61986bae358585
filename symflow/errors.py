"""Exceptions raised by symflow.

Every exception is a :class:`SymflowError`; each subclass stores the offending value(s)
as attributes so that callers (and tests) can inspect what was refused, and its message
names that value and, where there is one, the way out.

A *refuted claim* is never an exception: it is a returned :class:`~symflow.claims.evidence.Verdict`.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "SymflowError",
    "ArchitectureError",
    "ActivationError",
    "DataError",
    "ExpressionError",
    "LabelError",
    "LossError",
    "ParameterError",
    "PrecisionError",
    "DomainError",
    "LevelError",
    "RankError",
    "IntegrationError",
    "ClaimError",
]


class SymflowError(Exception):
    """Base class of every error symflow raises on purpose."""


class _ValueError(SymflowError, ValueError):
    """A SymflowError about one offending value, kept as ``.value``."""

    def __init__(self, message: str, value: Any = None) -> None:
        super().__init__(message)
        self.value = value


class ArchitectureError(_ValueError):
    """A network specification that cannot be built (e.g. a width of 0, fewer than two widths)."""


class ActivationError(_ValueError):
    """An unknown activation name, or a user activation that is not a SymPy function of one symbol."""


class DataError(_ValueError):
    """Inputs, targets or numbers that are malformed: wrong shape or length, non-numeric,
    non-finite, or a string that is not a plain number."""


class ExpressionError(DataError):
    """A formula (a network output written as text) that the safe expression parser
    (:func:`symflow.core.parsing.parse_expression`) refuses: a construct outside its whitelist,
    an unknown name or function, a too large exponent or number, too long or too deeply nested
    input. ``value`` is the offending token or construct, ``col`` its column (0-based offset in
    the text, as :mod:`ast` counts it) or None."""

    def __init__(self, message: str, value: Any = None, col: int | None = None) -> None:
        super().__init__(message, value)
        self.col = col


class LabelError(DataError):
    """Targets the loss cannot accept, e.g. a cross-entropy label with a zero component or one
    whose components do not sum to 1."""


class PrecisionError(DataError):
    """A working precision ``dps`` (decimal digits) that is not an integer in
    [``MIN_DPS``, ``MAX_DPS``] = [15, 2000] (see :func:`symflow.numbers.check_dps`)."""


class DomainError(DataError):
    """An activation evaluated outside its real domain (e.g. ``sqrt(z)`` at z < 0, ``log(z)`` at
    z ≤ 0, ``1/z`` at z = 0), or whose value is not finite at that level (float64 overflow, a ball
    that cannot be certified to lie in the domain).

    Attributes: ``value`` (the pre-activation z), ``activation`` (its name) and ``level``.
    """

    def __init__(self, message: str, value: Any = None, activation: str | None = None,
                 level: str | None = None) -> None:
        super().__init__(message, value)
        self.activation = activation
        self.level = level


class LossError(_ValueError):
    """An unknown loss name."""


class ParameterError(_ValueError):
    """A parameter point θ of the wrong length or with non-numeric / non-finite entries."""


class LevelError(_ValueError):
    """An arithmetic level that does not apply, e.g. ``exact`` for a transcendental network or
    an unknown level name."""


class RankError(SymflowError):
    """The Jacobian does not have the rank a computation needs (e.g. (DDᵀ)⁻¹ at rank < QN).

    Attributes: ``rank``, ``expected`` and, where known, ``time`` (flow time of the event).
    """

    def __init__(self, message: str, rank: int | None = None, expected: int | None = None,
                 time: Any = None) -> None:
        super().__init__(message)
        self.rank = rank
        self.expected = expected
        self.time = time


class IntegrationError(SymflowError):
    """An integration that cannot proceed or a dense-output request outside the computed span.

    Attribute ``time``: the flow time at which it happened (or that was requested), if known.
    """

    def __init__(self, message: str, time: Any = None) -> None:
        super().__init__(message)
        self.time = time


class ClaimError(_ValueError):
    """An unknown claim id, or a claim asked of a problem it does not apply to."""
