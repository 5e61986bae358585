"""The interface every level implements: :class:`Backend`.

A *level* (:class:`~symflow.backends.levels.Level`) is a kind of arithmetic with its own notion
of truth: exact rationals (a residual is 0 or it is not), Arb balls (certified enclosures),
mpmath floats (a residual small at two precisions), float64 (exploration). Everything that
depends on the level — how a rational becomes a scalar, what a matrix is, how rank, D⁺ and the
projector P = DD⁺ are computed, and the tolerance rule that turns a residual into a decision —
is written once, in the level's backend; the rest of the package asks ``backend(level)``.

**Decisions.** A backend judges a residual with :meth:`Backend.decide_zero` (is ``lhs − rhs``
zero?) and :meth:`Backend.decide_positive` (are these values > 0?), returning a
:class:`Decision`: ``HOLDS``, ``FAILS`` or ``UNDECIDED``. The claims layer maps these to
verified / refuted / inconclusive and attaches the evidence.
"""

from __future__ import annotations

import enum
from abc import ABC, abstractmethod
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Callable, Sequence

import sympy as sp

from .arith import Arith
from .levels import Level

__all__ = ["Backend", "Decision", "Decided", "RankInfo", "as_fraction"]


class Decision(str, enum.Enum):
    """What a residual says about an identity at a level."""

    HOLDS = "holds"
    FAILS = "fails"
    UNDECIDED = "undecided"


@dataclass(frozen=True)
class Decided:
    """A decision with what to report: the residual, the tolerance it was compared to, and —
    for levels that confirm at higher precision — the confirming residual."""

    decision: Decision
    residual: Any
    tolerance: Any
    confirm: Any = None


@dataclass(frozen=True)
class RankInfo:
    """Rank of a matrix with its evidence.

    ``certain`` is True for exact ranks and certified ball ranks; for mpmath/float64 the rank is
    numerical: ``singular_values`` and the cut-off ``threshold`` are kept.
    """

    rank: int
    shape: tuple[int, int]
    level: Level
    certain: bool
    singular_values: tuple = ()
    threshold: Any = None

    @property
    def full_row_rank(self) -> bool:
        return self.rank == self.shape[0]

    @property
    def smallest_singular_value(self) -> Any:
        return self.singular_values[-1] if self.singular_values else None


def as_fraction(q: Any) -> Fraction:
    """An exact rational (int, Fraction, SymPy Rational, fmpq) as a :class:`Fraction`."""
    if isinstance(q, sp.Rational):
        return Fraction(int(q.p), int(q.q))
    if hasattr(q, "p") and hasattr(q, "q") and not isinstance(q, Fraction):
        return Fraction(int(q.p), int(q.q))   # flint.fmpq
    return Fraction(q)


class Backend(ABC):
    """The arithmetic of one level. Subclasses: exact, ball, mpmath, float64.

    Attributes: ``level``; ``arith`` (its scalar :class:`~symflow.backends.arith.Arith`);
    ``exact`` (tolerance 0: a residual is zero or not); ``certified`` (exact or enclosed:
    a refutation is a proof); ``rational_only`` (only rational networks and losses can be
    evaluated).
    """

    level: Level
    arith: Arith
    exact: bool = False
    certified: bool = False
    rational_only: bool = False
    #: Flows integrate at this level (the raw-vector operations below are implemented).
    integrates: bool = False
    #: Trajectory claims at this level come from certified enclosures of the flows
    #: (:func:`symflow.enclose`): ``symflow check --level`` of this level implies ``--certify``.
    encloses_flows: bool = False
    #: Networks are evaluated by the vectorized (numpy) evaluator rather than scalar by scalar.
    vectorized: bool = False
    #: (reason, sentence) for an UNDECIDED comparison at this level (the reason is a
    #: :class:`~symflow.claims.evidence.Reason` value).
    undecided: tuple[str, str] = ("numerics", "undecided")

    def __repr__(self) -> str:
        return f"<{self.level.value} backend>"

    # ---- precision ------------------------------------------------------------------------
    def work_dps(self, dps: int) -> int:
        """Digits the level's pointwise evaluations run at, for a check at ``dps`` digits."""
        return dps

    def confirm_dps(self, dps: int) -> int | None:
        """Digits of the confirming re-run of a pointwise comparison (None: no re-run)."""
        return None

    def headroom_dps(self, dps: int) -> int:
        """The largest precision the checks at ``dps`` derive (confirmations, guards)."""
        return dps + 40

    def headroom_rule(self) -> str:
        return "dps + 40"

    def max_dps_within(self, limit: int) -> int:
        """The largest ``dps`` whose :meth:`headroom_dps` stays within ``limit``."""
        return limit - 40

    def reported_dps(self, dps: int | None) -> int | None:
        """The precision evidence reports (None where precision does not apply)."""
        return dps

    # ---- scalars --------------------------------------------------------------------------
    def scalar(self, q: Any) -> Any:
        """The exact rational ``q`` as a scalar of this level (rounded where it must be)."""
        f = as_fraction(q)
        return self.arith.const(f.numerator, f.denominator)

    @abstractmethod
    def convert_theta(self, theta: Sequence[Any], to_rational: Callable, fail: Callable) -> list:
        """θ as scalars of this level; ``to_rational(v, i)`` converts exactly, ``fail(i, v,
        detail)`` builds the error for a non-finite entry."""

    def all_finite(self, values: Sequence[Any]) -> bool:
        """Whether ``values`` are finite (only float64 can overflow)."""
        return True

    @abstractmethod
    def guard(self, f: Callable[[Any], Any], fail: Callable[[Any, str], Exception]
              ) -> Callable[[Any], Any]:
        """``f`` (a compiled σ or σ') raising ``fail(x, detail)`` where its value is not a
        finite real of this level."""

    # ---- matrices -------------------------------------------------------------------------
    @abstractmethod
    def native(self, rows: list[list[Any]], nrows: int, ncols: int) -> Any:
        """The level's native matrix from rows of scalars (or numbers it converts)."""

    @abstractmethod
    def shape(self, data: Any) -> tuple[int, int]:
        """Shape of a native matrix; AttributeError/TypeError if ``data`` is not one."""

    def matmul(self, a: Any, b: Any) -> Any:
        return a * b

    def transpose(self, a: Any) -> Any:
        return a.transpose()

    def inv(self, a: Any) -> Any:
        """Inverse of a square native matrix; ZeroDivisionError if singular."""
        return a.inv()

    def max_abs(self, entries: list) -> Any:
        """max |entry| of a non-empty list (exact, certified upper bound, mpf or float)."""
        return max(abs(v) for v in entries)

    def is_zero(self, entries: list) -> bool:
        """All entries zero (for balls: every ball contains 0)."""
        return all(v == 0 for v in entries)

    # ---- linear algebra (A a Mat of this level) -------------------------------------------
    @abstractmethod
    def rank_info(self, A, dps: int) -> RankInfo:
        """Rank of A with its evidence."""

    @abstractmethod
    def range_basis(self, A, dps: int):
        """A basis of range(A) as the columns of a Mat."""

    @abstractmethod
    def pinv(self, A, dps: int):
        """The Moore–Penrose inverse A⁺."""

    def projector(self, A, dps: int):
        """P = AA⁺, the orthogonal projector onto range(A)."""
        return A @ self.pinv(A, dps)

    # ---- reference values (deliberate second implementations, symflow.reference) ----------
    @property
    def reference_arith(self) -> Arith:
        """The arithmetic a level's reference values (SymPy expressions evaluated
        independently of the library) are computed in."""
        return self.arith

    def to_reference(self, v: Any) -> Any:
        """A library value of this level as a scalar of :attr:`reference_arith`."""
        return v

    def from_reference(self, v: Any) -> Any:
        """A reference value as a scalar of this level (to form library − reference)."""
        return v

    # ---- raw vectors (the integrators' fields: lists of mpf or numpy arrays) ---------------
    # Implemented by the levels flows integrate at (mpmath, float64); D is a list of rows or a
    # 2-d array, vectors are lists or 1-d arrays.
    def _no_raw(self, what: str):
        from ..errors import LevelError
        raise LevelError(f"{what} runs at level 'mpmath' or 'float64', not {self.level.value!r}",
                         self.level.value)

    def precision_key(self) -> Any:
        """What data rounded for this level depends on (mpmath: the current precision)."""
        return None

    def data_scalar(self, v: Any, what: str) -> Any:
        """A data value (exact) as a scalar of this level; errors name ``what``."""
        return self.scalar(v)

    def vector(self, values: Any) -> Any:
        return values

    def evaluate_network(self, net, theta, inputs, jacobian: bool = True):
        """(x, D) of ``net`` at ``theta`` on ``inputs`` (already scalars of this level)."""
        return net.evaluate(list(theta), inputs, self.arith, jacobian)

    def gram(self, D):
        """DDᵀ."""
        self._no_raw("gram")

    def spd_solve(self, G, w):
        """G⁻¹w for a symmetric positive definite G; RankError where G is not."""
        self._no_raw("spd_solve")

    def psd_pinv_solve(self, G, w):
        """G⁺w for a symmetric positive semi-definite G."""
        self._no_raw("psd_pinv_solve")

    def t_apply(self, D, u):
        """Dᵀu."""
        self._no_raw("t_apply")

    def eigvalsh(self, G):
        """Eigenvalues of a symmetric G, ascending."""
        self._no_raw("eigvalsh")

    def blend(self, a, g, h):
        """(1 − a)g + a·h."""
        self._no_raw("blend")

    def add_diagonal(self, G, c):
        """G + c·I (a new matrix; G unchanged)."""
        self._no_raw("add_diagonal")

    def scaled(self, c, v):
        """c·v."""
        self._no_raw("scaled")

    def negate(self, v):
        self._no_raw("negate")

    # ---- tolerance rule -------------------------------------------------------------------
    @abstractmethod
    def tolerance(self, dps: int, scale: Any = 1) -> Any:
        """The pointwise tolerance at ``dps`` digits for objects of size ``scale``."""

    @abstractmethod
    def rule(self) -> dict:
        """The tolerance rule in words and the precisions used, for evidence details."""

    def positive_part(self, v: Any) -> tuple[Any, bool]:
        """(max(v, 0) as a residual, whether v > 0 is certain) — for inequalities v ≤ 0."""
        return (v if v > 0 else 0 * v), bool(v > 0)

    @abstractmethod
    def decide_zero(self, r: Any, nonzero: bool, r2: Any, dps: int, scale: Any) -> Decided:
        """Is a quantity zero, given its residual ``r`` ≥ 0, whether it is certainly nonzero,
        and (levels that confirm) the residual ``r2`` at :meth:`confirm_dps`?"""

    @abstractmethod
    def decide_positive(self, values: list, values2: list | None, dps: int, scale: Any
                        ) -> Decided:
        """Are all ``values`` > 0 (``values2``: the same at :meth:`confirm_dps`)?"""

    @abstractmethod
    def report(self, x: Any) -> Any:
        """A residual as reports show it: Fraction (exact), mpf (upper bound) or float."""
