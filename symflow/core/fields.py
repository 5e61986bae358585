"""The vector fields of THEORY.md, in parameter space and induced in output space.

With D = ∂x/∂θ (QN × K), g = ∇ₓC (QN), P = DD⁺ the projector onto range(D):

=================  ===========================================  =====================================
field              parameter space θ'                           output space x' = Dθ'
=================  ===========================================  =====================================
standard (α = 0)   −Dᵀg                                         −DDᵀg                (paper (2.18))
adapted  (α = 1)   −D⁺g                                         −Pg                  (paper (2.27–28))
V_α                −Dᵀ((1−α)I + α(DDᵀ)⁺) g                      −((1−α)DDᵀ + αP) g   (Theorem 2.3)
=================  ===========================================  =====================================

:func:`parameter_field` and :func:`output_field` evaluate these at a :class:`PointData` at its
level (exact, ball, mpmath, float64), computing V_α from D and (DDᵀ)⁺ — the *adapted* field
from D⁺ directly, so that checks comparing the two compare different computations.
:class:`CompiledField` evaluates them fast at mpf or float64 points for integration.
:func:`symbolic_field` gives the exact SymPy field where that stays small.
"""

from __future__ import annotations

from typing import Any, Sequence

import flint
import mpmath
import numpy as np
import sympy as sp

from ..errors import DataError, LevelError, RankError, SymflowError
from ..backends.levels import Level
from ..backends.linalg import Mat, _pinv, _projector, spd_solve
from ..numbers import short_repr, to_float64, to_rational
from .problem import PointData, Problem

__all__ = ["parse_field", "field_name", "parameter_field", "output_field",
           "output_field_closed_form", "symbolic_field", "CompiledField"]


def parse_field(field: Any) -> sp.Rational:
    """α for a field spec: ``"standard"`` → 0, ``"adapted"`` → 1, or a number α ∈ [0, 1]."""
    if isinstance(field, sp.Rational) and 0 <= field <= 1:
        return field
    if isinstance(field, str):
        f = field.strip().lower()
        if f == "standard":
            return sp.Integer(0)
        if f == "adapted":
            return sp.Integer(1)
        try:
            a = to_rational(f, "field")
        except DataError:
            raise DataError(f"field {short_repr(field)} must be 'standard', 'adapted' or a "
                            f"number α in [0, 1]", field) from None
    else:
        a = to_rational(field, "field")
    if not 0 <= a <= 1:
        raise DataError(f"field α = {short_repr(field)} is outside [0, 1]", field)
    return a


def _check_pd(pd: Any, fn: str) -> PointData:
    if not isinstance(pd, PointData):
        raise DataError(f"{fn}: expected the PointData of Problem.at(θ, level, dps), got "
                        f"{short_repr(pd)} (type {type(pd).__name__})", pd)
    return pd


def _check_problem(problem: Any, fn: str) -> Problem:
    if not isinstance(problem, Problem):
        raise DataError(f"{fn}: problem must be a symflow.Problem, got {short_repr(problem)} "
                        f"(type {type(problem).__name__})", problem)
    return problem


def field_name(alpha: sp.Rational) -> str:
    return {0: "standard", 1: "adapted"}.get(alpha, f"V_{alpha}")


def _alpha_scalar(alpha: sp.Rational, level: Level):
    if level is Level.EXACT:
        return flint.fmpq(int(alpha.p), int(alpha.q))
    if level is Level.BALL:
        return flint.arb(int(alpha.p)) / int(alpha.q)
    if level is Level.MPMATH:
        return mpmath.mpf(int(alpha.p)) / int(alpha.q)
    return float(alpha)


def parameter_field(pd: PointData, field: Any = "adapted") -> Mat:
    """θ' (K × 1) at the point ``pd``. Adapted: −D⁺g; V_α: −Dᵀ((1−α)g + α(DDᵀ)⁺g).

    Call inside ``working_precision(pd.dps)`` for ball / mpmath points.
    """
    alpha = parse_field(field)
    _check_pd(pd, "parameter_field")
    D, g = pd.D, pd.grad
    dps = pd.dps or 30
    if alpha == 1:
        return -(_pinv(D, dps) @ g)
    if alpha == 0:
        return -(D.T @ g)
    a = _alpha_scalar(alpha, pd.level)
    one = _alpha_scalar(sp.Integer(1), pd.level)
    Gp = _pinv(D @ D.T, dps)
    return -(D.T @ (g * (one - a) + (Gp @ g) * a))


def output_field(pd: PointData, field: Any = "adapted") -> Mat:
    """x' = D θ' (QN × 1), the output motion induced by the parameter field."""
    parse_field(field)
    _check_pd(pd, "output_field")
    return pd.D @ parameter_field(pd, field)


def output_field_closed_form(pd: PointData, field: Any = "adapted") -> Mat:
    """−((1−α)DDᵀ + αP) g with P from :func:`~symflow.backends.linalg.projector` (C2, C5)."""
    alpha = parse_field(field)
    _check_pd(pd, "output_field_closed_form")
    D, g = pd.D, pd.grad
    dps = pd.dps or 30
    a = _alpha_scalar(alpha, pd.level)
    one = _alpha_scalar(sp.Integer(1), pd.level)
    return -(((D @ D.T) * (one - a) + _projector(D, dps) * a) @ g)


def symbolic_field(problem: Problem, field: Any = "standard", max_qn: int = 2) -> sp.Matrix:
    """The exact parameter field as a SymPy K × 1 Matrix in θ.

    The standard field −Dᵀ∇ₓC[x[θ]] is always available. The adapted field and V_α need
    (DDᵀ)⁻¹, which is formed symbolically only when QN ≤ ``max_qn`` (it swells beyond use
    otherwise; evaluate at points with :meth:`Problem.at` and :func:`parameter_field`).
    It assumes full rank (DDᵀ invertible) — the generic case.
    """
    _check_problem(problem, "symbolic_field")
    if isinstance(max_qn, bool) or not isinstance(max_qn, int) or max_qn < 1:
        raise DataError(f"symbolic_field: max_qn = {short_repr(max_qn)} must be a positive "
                        f"integer", max_qn)
    alpha = parse_field(field)
    subs = dict(zip(problem.x_symbols, problem.outputs))
    g = problem.grad_expr.xreplace(subs)
    D = problem.jacobian
    if alpha == 0:
        return -D.T * g
    if problem.QN > max_qn:
        raise SymflowError(
            f"the symbolic {field_name(alpha)} field needs (DDᵀ)⁻¹ of size {problem.QN}×"
            f"{problem.QN} > max_qn={max_qn}; evaluate it at points with parameter_field(...)")
    G = problem.ntk
    Ginv = G.adjugate() / G.det()
    return -D.T * ((1 - alpha) * g + alpha * Ginv * g)


def _float(v: sp.Rational, what: str) -> float:
    return to_float64(v, what)


class CompiledField:
    """Fast evaluation of a field at mpf (``arith="mpmath"``) or float64 points.

    ``field(theta) -> θ'`` as a list. For α > 0 it needs (DDᵀ)⁻¹: on a point where the NTK is
    not positive definite it raises :class:`~symflow.errors.RankError`, unless
    ``rank_loss="pinv"``, in which case (DDᵀ)⁺ from an SVD is used (the constrained flow).

    Also: :meth:`outputs`, :meth:`jacobian`, :meth:`pinv_apply` (D⁺w for full-rank D),
    :meth:`ntk_eigenvalues`.
    """

    def __init__(self, problem: Problem, field: Any = "adapted", arith: str = "mpmath",
                 rank_loss: str = "stop") -> None:
        _check_problem(problem, "CompiledField")
        if arith not in ("mpmath", "float64"):
            raise DataError(f"arith must be 'mpmath' or 'float64', got {arith!r}", arith)
        if rank_loss not in ("stop", "pinv"):
            raise DataError(f"rank_loss must be 'stop' or 'pinv', got {rank_loss!r}", rank_loss)
        self.problem = problem
        self.alpha = parse_field(field)
        self.arith = arith
        self.rank_loss = rank_loss
        net = problem.network
        self._net = net
        if arith == "mpmath":
            self._by_prec: dict[int, tuple[list, list]] = {}  # data rounded at each precision
        else:
            self._inputs = np.array([[_float(v, f"inputs[{j}][{i}]") for i, v in enumerate(r)]
                                     for j, r in enumerate(problem.inputs)])
            self._y = np.array([_float(v, f"target {j}") for j, v in enumerate(problem.y_flat)])
        from ..backends.arith import get_arith
        self._ar = get_arith(arith)

    # -- pieces ---------------------------------------------------------------------------
    def evaluate(self, theta: Sequence[Any], jacobian: bool = True):
        """(x, D): lists (mpmath) or arrays (float64). Call under ``mpmath.workdps``."""
        if self.arith == "float64":
            return self._net.evaluate_float64(np.asarray(theta, dtype=float), self._inputs,
                                              jacobian)
        if self.arith == "mpmath":
            return self._net.evaluate(list(theta), self._data()[0], self._ar, jacobian)

    def _data(self) -> tuple[list, list]:
        """Inputs and targets rounded at the *current* mpmath precision (cached per precision)."""
        if self.arith != "mpmath":
            return self._inputs, self._y
        prec = mpmath.mp.prec
        if prec not in self._by_prec:
            conv = lambda v: mpmath.mpf(int(v.p)) / int(v.q)
            self._by_prec[prec] = ([[conv(v) for v in r] for r in self.problem.inputs],
                                   [conv(v) for v in self.problem.y_flat])
        return self._by_prec[prec]

    def outputs(self, theta):
        return self.evaluate(theta, jacobian=False)[0]

    def jacobian(self, theta):
        return self.evaluate(theta)[1]

    def grad(self, x):
        p = self.problem
        if self.arith == "float64":
            return np.array(p.loss.grad(list(x), list(self._y), p.N, p.Q, self._ar), dtype=float)
        return p.loss.grad(x, self._data()[1], p.N, p.Q, self._ar)

    @staticmethod
    def _gram(D):
        return [[mpmath.fdot(ri, rj) for rj in D] for ri in D]

    def ntk_solve(self, D, w):
        """(DDᵀ)⁻¹ w (full rank) or (DDᵀ)⁺ w (``rank_loss="pinv"``)."""
        if self.arith == "float64":
            G = D @ D.T
            if self.rank_loss == "pinv":
                return np.linalg.pinv(G, hermitian=True) @ w
            try:
                c = np.linalg.cholesky(G)
            except np.linalg.LinAlgError:
                raise RankError("NTK DDᵀ is not positive definite (float64 Cholesky failed)",
                                expected=len(w)) from None
            return np.linalg.solve(c.T, np.linalg.solve(c, w))
        G = self._gram(D)
        try:
            if self.rank_loss == "stop":
                return spd_solve(G, list(w))
        except RankError:
            raise
        Gm = Mat.from_rows(Level.MPMATH, G)
        u = _pinv(Gm, mpmath.mp.dps) @ Mat.column(Level.MPMATH, list(w))
        return [u[i, 0] for i in range(len(w))]

    def _DT(self, D, u):
        if self.arith == "float64":
            return D.T @ u
        K = len(D[0])
        return [mpmath.fdot([D[i][k] for i in range(len(D))], u) for k in range(K)]

    def pinv_apply(self, theta, w):
        """D⁺ w = Dᵀ(DDᵀ)⁻¹ w at θ (the C6 direction, w = y − x(0))."""
        D = self.jacobian(theta)
        return self._DT(D, self.ntk_solve(D, w))

    def ntk_eigenvalues(self, theta):
        """Eigenvalues of DDᵀ at θ, ascending (mpf list or float array)."""
        D = self.jacobian(theta)
        if self.arith == "float64":
            return np.linalg.eigvalsh(D @ D.T)
        G = mpmath.matrix(self._gram(D))
        return sorted(mpmath.eigsy(G, eigvals_only=True))

    def __call__(self, theta):
        """θ' = V_α(θ) as a list (mpmath) or array (float64)."""
        x, D = self.evaluate(theta)
        g = self.grad(x)
        a = self.alpha
        if a == 0:
            u = g
        else:
            Gg = self.ntk_solve(D, g)
            if a == 1:
                u = Gg
            elif self.arith == "float64":
                af = float(a)
                u = (1 - af) * g + af * Gg
            else:
                am = mpmath.mpf(int(a.p)) / int(a.q)
                u = [(1 - am) * gi + am * hi for gi, hi in zip(g, Gg)]
        v = self._DT(D, u)
        return -v if self.arith == "float64" else [-vi for vi in v]
