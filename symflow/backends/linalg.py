"""Dense linear algebra at each level: rank, Moore–Penrose inverse, projector onto range.

:class:`Mat` wraps one native matrix type per level so that the mathematics is written once;
every operation that depends on the level is delegated to the level's backend
(:mod:`symflow.backends.exact`, ``ball``, ``mpmath``, ``float64``):

=========  ====================  =================================================
level      native type           rank / pseudo-inverse by
=========  ====================  =================================================
exact      ``flint.fmpq_mat``    RREF rank factorization D = C F (C: pivot columns,
                                 F: nonzero RREF rows), D⁺ = Fᵀ(FFᵀ)⁻¹(CᵀC)⁻¹Cᵀ
ball       ``flint.arb_mat``     certified full row rank (DDᵀ provably invertible):
                                 D⁺ = Dᵀ(DDᵀ)⁻¹; or full column rank: (DᵀD)⁻¹Dᵀ
mpmath     ``mpmath.matrix``     SVD, singular values below σ₁·max(m,n)·10^(5−dps) dropped
float64    ``numpy.ndarray``     numpy SVD (``pinv``/``matrix_rank`` defaults)
=========  ====================  =================================================

docs/theory.md C9: D D⁺ D = D, D⁺ D D⁺ = D⁺, DD⁺ and D⁺D symmetric, Dᵀ(DDᵀ)⁺ = D⁺,
(DDᵀ)⁺ DDᵀ = P. No pseudo-inverse is ever formed symbolically for a whole network.

Inputs of :func:`rank_info`, :func:`pinv`, :func:`projector` and :func:`range_basis`: a
:class:`Mat`, or a matrix given as rows — a list/tuple of rows of numbers or a SymPy Matrix
becomes an *exact* Mat (entries converted exactly by :func:`~symflow.numbers.to_rational`;
floats at their binary value), a numpy array becomes a float64 Mat if its dtype is floating and
an exact Mat otherwise. Ragged, empty or non-numeric input raises
:class:`~symflow.errors.DataError` naming it. Their ``dps`` must satisfy
:func:`~symflow.numbers.check_dps` (an integer in [15, 2000]).

>>> pinv([[1, 0], [0, 2]]).tolist()
[[1, 0], [0, 1/2]]
"""

from __future__ import annotations

from typing import Any, Sequence

import flint
import numpy as np
from ..errors import DataError, LevelError, RankError
from . import backend
from .base import RankInfo
from .levels import Level
from ..numbers import check_dps, short_repr, to_rational_matrix

__all__ = ["Mat", "RankInfo", "rank_info", "pinv", "projector", "range_basis", "eye",
           "ldl", "spd_solve", "as_mat"]


class Mat:
    """A matrix at one level, with ``@``, ``+``, ``-``, scalar ``*``, ``.T`` and ``max_abs``."""

    __slots__ = ("level", "data", "shape", "backend")

    def __init__(self, level: Level, data: Any, shape: tuple[int, int] | None = None) -> None:
        if not isinstance(level, Level):
            level = Level.parse(level)
        self.level = level
        self.backend = backend(level)
        self.data = data
        if shape is None:
            try:
                shape = self.backend.shape(data)
            except (AttributeError, TypeError):
                raise DataError(
                    f"Mat({level.value!r}, data): data must be the level's native matrix "
                    f"(fmpq_mat, arb_mat, mpmath.matrix or a 2-d numpy array), got "
                    f"{short_repr(data)}; build from rows with Mat.from_rows(level, rows) or "
                    f"symflow.backends.linalg.as_mat(rows)", short_repr(data)) from None
        self.shape = shape

    @classmethod
    def from_rows(cls, level: Level, rows: Sequence[Sequence[Any]], ncols: int | None = None
                  ) -> "Mat":
        """A Mat at ``level`` from rows of scalars of that level (or of numbers it converts)."""
        if not isinstance(level, Level):
            level = Level.parse(level)
        rows = [list(r) for r in rows]
        nrows = len(rows)
        if ncols is None:
            ncols = len(rows[0]) if rows else 0
        for i, r in enumerate(rows):
            if len(r) != ncols:
                raise DataError(f"matrix rows: row {i} has {len(r)} entries, expected {ncols}",
                                short_repr(rows))
        return cls(level, backend(level).native(rows, nrows, ncols), (nrows, ncols))

    @classmethod
    def column(cls, level: Level, values: Sequence[Any]) -> "Mat":
        return cls.from_rows(level, [[v] for v in values], 1)

    def _wrap(self, data) -> "Mat":
        return Mat(self.level, data)

    def _compatible(self, other: Any, op: str, same_shape: bool) -> None:
        if not isinstance(other, Mat):
            raise DataError(f"Mat {op} {short_repr(other)}: both operands must be Mat "
                            f"(use symflow.backends.linalg.as_mat)", short_repr(other))
        if other.level is not self.level:
            raise LevelError(f"Mat {op}: levels differ ({self.level.value} vs "
                             f"{other.level.value})", other.level.value)
        if (self.shape != other.shape) if same_shape else (self.shape[1] != other.shape[0]):
            raise DataError(f"Mat {op}: shapes {self.shape[0]}×{self.shape[1]} and "
                            f"{other.shape[0]}×{other.shape[1]} do not match", other.shape)

    def __matmul__(self, other: "Mat") -> "Mat":
        self._compatible(other, "@", False)
        return self._wrap(self.backend.matmul(self.data, other.data))

    def __add__(self, other: "Mat") -> "Mat":
        self._compatible(other, "+", True)
        return self._wrap(self.data + other.data)

    def __sub__(self, other: "Mat") -> "Mat":
        self._compatible(other, "-", True)
        return self._wrap(self.data - other.data)

    def __neg__(self) -> "Mat":
        return self._wrap(-self.data)

    def __mul__(self, scalar: Any) -> "Mat":
        return self._wrap(self.data * scalar)

    __rmul__ = __mul__

    @property
    def T(self) -> "Mat":
        return self._wrap(self.backend.transpose(self.data))

    def __getitem__(self, ij):
        return self.data[ij]

    def tolist(self) -> list[list[Any]]:
        m, n = self.shape
        return [[self.data[i, j] for j in range(n)] for i in range(m)]

    def entries(self) -> list[Any]:
        return [v for r in self.tolist() for v in r]

    def max_abs(self) -> Any:
        """max |entry|: exact rational, certified upper bound (arb), mpf, or float."""
        vals = self.entries()
        if not vals:
            return 0
        return self.backend.max_abs(vals)

    def is_zero(self) -> bool:
        """Exactly zero (exact), or every ball contains zero (ball), or all entries == 0."""
        return self.backend.is_zero(self.entries())

    def submatrix(self, rows: Sequence[int] | None = None, cols: Sequence[int] | None = None
                  ) -> "Mat":
        m, n = self.shape
        rows = range(m) if rows is None else rows
        cols = range(n) if cols is None else cols
        return Mat.from_rows(self.level, [[self.data[i, j] for j in cols] for i in rows], len(cols))

    def inv(self) -> "Mat":
        """Inverse of a square matrix; RankError if singular (or not certifiably invertible)."""
        try:
            return self._wrap(self.backend.inv(self.data))
        except ZeroDivisionError as exc:
            raise RankError(f"{self.shape[0]}×{self.shape[1]} matrix is singular at level "
                            f"{self.level.value} ({exc})") from None

    def __repr__(self) -> str:
        return f"Mat({self.level.value}, {self.shape[0]}×{self.shape[1]})"


def eye(level: Level, n: int) -> Mat:
    be = backend(level)
    one, zero = be.scalar(1), be.scalar(0)
    return Mat.from_rows(level, [[one if i == j else zero for j in range(n)] for i in range(n)], n)


def as_mat(A: Any, what: str = "A") -> Mat:
    """``A`` as a :class:`Mat` (see the module docstring for what is accepted)."""
    if isinstance(A, Mat):
        return A
    if isinstance(A, np.ndarray):
        if A.ndim != 2:
            raise DataError(f"{what}: expected a 2-d matrix, got an array of shape {A.shape}",
                            short_repr(A))
        if A.shape[0] == 0 or A.shape[1] == 0:
            raise DataError(f"{what}: the matrix is empty (shape {A.shape})", short_repr(A))
        if np.issubdtype(A.dtype, np.floating):
            if not np.all(np.isfinite(A)):
                raise DataError(f"{what}: {short_repr(A)} has non-finite entries", short_repr(A))
            return Mat(Level.FLOAT64, np.array(A, dtype=np.float64))
    if isinstance(A, (str, bytes)) or A is None or not (
            hasattr(A, "tolist") or isinstance(A, (list, tuple))):
        raise DataError(f"{what}: expected a Mat, a list of rows of numbers, a numpy array or a "
                        f"SymPy Matrix, got {short_repr(A)} (type {type(A).__name__})", A)
    rows = A.tolist() if hasattr(A, "tolist") else A
    if not isinstance(rows, list) or not rows or not all(
            isinstance(r, (list, tuple)) or hasattr(r, "tolist") for r in rows):
        raise DataError(f"{what}: {short_repr(A)} is not a non-empty list of rows (a matrix "
                        f"such as [[1, 2], [3, 4]])", A)
    R = to_rational_matrix(rows, what)
    if not R[0]:
        raise DataError(f"{what}: {short_repr(A)} has no columns", A)
    return Mat.from_rows(Level.EXACT, [[flint.fmpq(int(v.p), int(v.q)) for v in r] for r in R],
                         len(R[0]))


def rank_info(A: Mat, dps: int = 30) -> RankInfo:
    """Rank of ``A`` at its level (see module docstring for the method at each level).

    ``A``: a :class:`Mat`, or rows / a numpy array / a SymPy Matrix (converted by
    :func:`as_mat`); ``dps`` is checked by :func:`~symflow.numbers.check_dps`.
    """
    return _rank_info(as_mat(A), check_dps(dps))


def _rank_info(A: Mat, dps: int = 30) -> RankInfo:
    """:func:`rank_info` of a Mat, unchecked (internal; ``dps`` may be a derived precision)."""
    return A.backend.rank_info(A, dps)


def range_basis(A: Mat, dps: int = 30) -> Mat:
    """A basis of range(A) as the columns of a matrix.

    exact: the pivot columns of A; ball: I when A has certified full row rank, A itself when it
    has certified full column rank (else RankError); mpmath / float64: the left singular vectors
    with singular values above the :func:`rank_info` threshold (orthonormal columns).
    ``A`` and ``dps`` are checked and converted as for :func:`rank_info`.
    """
    return _range_basis(as_mat(A), check_dps(dps))


def _range_basis(A: Mat, dps: int = 30) -> Mat:
    """:func:`range_basis` of a Mat, unchecked (internal)."""
    return A.backend.range_basis(A, dps)


def pinv(A: Mat, dps: int = 30) -> Mat:
    """Moore–Penrose inverse A⁺ (K × QN for A = D), at A's level.

    ``A``: a :class:`Mat`, or rows / a numpy array / a SymPy Matrix (converted by
    :func:`as_mat`: lists of exact numbers give the exact A⁺); ``dps`` is checked by
    :func:`~symflow.numbers.check_dps`.
    """
    return _pinv(as_mat(A), check_dps(dps))


def _pinv(A: Mat, dps: int = 30) -> Mat:
    """:func:`pinv` of a Mat, unchecked (internal; ``dps`` may be a derived precision)."""
    return A.backend.pinv(A, dps)


def projector(A: Mat, dps: int = 30) -> Mat:
    """P = A A⁺, the orthogonal projector onto range(A), computed independently of :func:`pinv`
    where possible: exact level from a basis C of the column space, P = C(CᵀC)⁻¹Cᵀ.

    ``A`` and ``dps`` are checked and converted as for :func:`pinv`."""
    return _projector(as_mat(A), check_dps(dps))


def _projector(A: Mat, dps: int = 30) -> Mat:
    """:func:`projector` of a Mat, unchecked (internal)."""
    return A.backend.projector(A, dps)


def ldl(G: list[list[Any]]) -> tuple[list[list[Any]], list[Any]]:
    """The LDLᵀ factorization G = L·diag(d)·Lᵀ of a symmetric G (rows of scalars of any level:
    fmpq, arb, mpf, float; no square roots), L unit lower triangular.

    Stops after the first pivot that is not certainly positive (for balls: one that may be
    ≤ 0): then ``d`` is shorter than n or ends with that pivot. G is positive definite iff all
    n pivots are > 0 (Sylvester: dⱼ = det G[:j+1, :j+1] / det G[:j, :j]).
    """
    n = len(G)
    L = [[None] * n for _ in range(n)]
    d: list[Any] = []
    for j in range(n):
        s = G[j][j]
        for k in range(j):
            s = s - L[j][k] * L[j][k] * d[k]
        d.append(s)
        if not s > 0:
            break
        for i in range(j + 1, n):
            t = G[i][j]
            for k in range(j):
                t = t - L[i][k] * L[j][k] * d[k]
            L[i][j] = t / s
    return L, d


def spd_solve(G: list[list[Any]], b: list[Any]) -> list[Any]:
    """Solve G u = b for a symmetric positive definite G by :func:`ldl` (plain lists, any
    level's scalars). Raises RankError on a non-positive pivot."""
    n = len(b)
    L, d = ldl(G)
    if len(d) < n or not d[-1] > 0:
        j = len(d) - 1
        raise RankError(f"NTK is not positive definite (pivot {j} = {d[j]})", rank=j, expected=n)
    y = list(b)
    for i in range(n):
        for k in range(i):
            y[i] = y[i] - L[i][k] * y[k]
    for i in range(n):
        y[i] = y[i] / d[i]
    for i in range(n - 1, -1, -1):
        for k in range(i + 1, n):
            y[i] = y[i] - L[k][i] * y[k]
    return y
