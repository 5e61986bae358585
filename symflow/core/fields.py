"""The vector fields of docs/theory.md, in parameter space and induced in output space.

With D = ∂x/∂θ (QN × K), g = ∇ₓC (QN), P = DD⁺ the projector onto range(D):

=================  ===========================================  =====================================
field              parameter space θ'                           output space x' = Dθ'
=================  ===========================================  =====================================
standard (α = 0)   −Dᵀg                                         −DDᵀg                (paper (2.18))
adapted  (α = 1)   −D⁺g                                         −Pg                  (paper (2.27–28))
V_α                −Dᵀ((1−α)I + α(DDᵀ)⁺) g                      −((1−α)DDᵀ + αP) g   (Theorem 2.3)
LM (λ > 0, c > 0)  −c·Dᵀ(DDᵀ + λI)⁻¹ g = −c(DᵀD + λI)⁻¹Dᵀg   −c·G(G + λI)⁻¹ g     (C16)
=================  ===========================================  =====================================

The Levenberg–Marquardt field (:class:`LevenbergMarquardt`, docs/theory.md §7 C16) needs no
rank: G + λI is positive definite for every D, so it is defined (and smooth) at rank loss too.
A field is given as a *field spec*: α ∈ [0, 1] (the 0.1 spellings ``"standard"``,
``"adapted"``, a number, or an option object with an ``alpha``: ``Standard()``, ``Adapted()``,
``Interpolated(α)``) or a :class:`LevenbergMarquardt`; :func:`field_spec` normalises it.

:func:`parameter_field` and :func:`output_field` evaluate these at a :class:`PointData` at its
level (exact, ball, mpmath, float64), computing V_α from D and (DDᵀ)⁺ — the *adapted* field
from D⁺ directly, so that checks comparing the two compare different computations.
:class:`CompiledField` evaluates them fast at mpf or float64 points for integration.
:func:`symbolic_field` gives the exact SymPy field where that stays small.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence, Union

import sympy as sp

from ..errors import DataError, SymflowError
from ..backends import backend, integration_backend
from ..backends.linalg import Mat, _pinv, _projector, eye
from ..numbers import short_repr, to_rational
from .problem import PointData, Problem

__all__ = ["parse_field", "field_name", "parameter_field", "output_field",
           "output_field_closed_form", "symbolic_field", "CompiledField", "LevenbergMarquardt",
           "field_spec", "field_alpha", "needs_ntk_inverse"]


def _positive_rational(value: Any, what: str) -> sp.Rational:
    """``value`` as an exact rational > 0 (DataError naming it otherwise: ≤ 0, NaN, ∞, text)."""
    if isinstance(value, str) and value.strip().lower() in ("standard", "adapted"):
        raise DataError(f"LevenbergMarquardt: {what} must be a number > 0, got "
                        f"{short_repr(value)}", value)
    try:
        q = to_rational(value, what)
    except DataError as exc:
        raise DataError(f"LevenbergMarquardt: {what} = {short_repr(value)} must be a finite "
                        f"number > 0 ({exc})", value) from None
    if not q > 0:
        raise DataError(f"LevenbergMarquardt: {what} = {short_repr(value)} must be > 0", value)
    return q


@dataclass(frozen=True)
class LevenbergMarquardt:
    """θ' = −c·Dᵀ(DDᵀ + λI)⁻¹g = −c(DᵀD + λI)⁻¹Dᵀg (c = ``scale``), λ > 0 and c > 0 exact
    rationals (docs/theory.md §7 C16); output velocity x' = −c·G(G + λI)⁻¹g.

    G + λI is positive definite for every D, so the field needs no rank: no rank-loss stop, and
    ``on_rank_loss`` has nothing to act on. As λ → 0, V^λ → V_1 = −D⁺g at rate O(λ) (also at
    rank loss); λV^λ → V_0 = −Dᵀg at rate O(1/λ) as λ → ∞. A constant c > 0 changes the speed,
    not the path (θ(cs) solves θ' = cV^λ(θ) when θ(s) solves θ' = V^λ(θ)). ``legacy`` (the
    form :meth:`Trajectory.confirm` re-integrates with) is the object itself.
    """

    lam: Any
    scale: Any = 1

    def __post_init__(self) -> None:
        object.__setattr__(self, "lam", _positive_rational(self.lam, "λ"))
        object.__setattr__(self, "scale", _positive_rational(self.scale, "scale"))

    @property
    def legacy(self) -> "LevenbergMarquardt":
        return self

    def __str__(self) -> str:
        return f"LM(λ={self.lam})" if self.scale == 1 else \
            f"LM(λ={self.lam}, scale={self.scale})"


FieldSpec = Union[sp.Rational, LevenbergMarquardt]


def field_spec(field: Any) -> FieldSpec:
    """The spec of a field: a :class:`LevenbergMarquardt` as is, else α ∈ [0, 1] — from an
    option object's ``alpha`` (``Standard()``, ``Adapted()``, ``Interpolated(α)``) or
    :func:`parse_field` of a 0.1 spelling."""
    if isinstance(field, LevenbergMarquardt):
        return field
    alpha = getattr(field, "alpha", None)
    if isinstance(alpha, sp.Rational) and not isinstance(field, (str, sp.Basic)):
        return parse_field(alpha)
    return parse_field(field)


def field_alpha(spec: FieldSpec):
    """α of an α-field spec, None for a Levenberg–Marquardt field (which has no α)."""
    return None if isinstance(spec, LevenbergMarquardt) else spec


def needs_ntk_inverse(spec: FieldSpec) -> bool:
    """Whether the field needs G⁻¹ of a possibly singular G (so a rank loss may stop it):
    V_α for α ≠ 0; never the Levenberg–Marquardt field (G + λI ≻ 0)."""
    return field_alpha(spec) is not None and spec != 0


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


def field_name(alpha: FieldSpec) -> str:
    """"standard", "adapted", "V_α" or "LM(λ=…, scale=…)" for a field spec."""
    if isinstance(alpha, LevenbergMarquardt):
        return str(alpha)
    return {0: "standard", 1: "adapted"}.get(alpha, f"V_{alpha}")


def _lm_solve(pd: PointData, lm: LevenbergMarquardt) -> Mat:
    """(G + λI)⁻¹g at the point's level (G + λI ≻ 0: exact inverse, certified ball inverse,
    mpmath / float64 inverse)."""
    be = backend(pd.level)
    G = pd.D @ pd.D.T
    return (G + eye(pd.level, G.shape[0]) * be.scalar(lm.lam)).inv() @ pd.grad


def parameter_field(pd: PointData, field: Any = "adapted") -> Mat:
    """θ' (K × 1) at the point ``pd``. Adapted: −D⁺g; V_α: −Dᵀ((1−α)g + α(DDᵀ)⁺g);
    :class:`LevenbergMarquardt`: −c·Dᵀ(DDᵀ + λI)⁻¹g.

    Call inside ``working_precision(pd.dps)`` for ball / mpmath points.
    """
    alpha = field_spec(field)
    _check_pd(pd, "parameter_field")
    if isinstance(alpha, LevenbergMarquardt):
        return -(pd.D.T @ _lm_solve(pd, alpha)) * backend(pd.level).scalar(alpha.scale)
    D, g = pd.D, pd.grad
    dps = pd.dps or 30
    if alpha == 1:
        return -(_pinv(D, dps) @ g)
    if alpha == 0:
        return -(D.T @ g)
    be = backend(pd.level)
    a, one = be.scalar(alpha), be.scalar(1)
    Gp = _pinv(D @ D.T, dps)
    return -(D.T @ (g * (one - a) + (Gp @ g) * a))


def output_field(pd: PointData, field: Any = "adapted") -> Mat:
    """x' = D θ' (QN × 1), the output motion induced by the parameter field."""
    field_spec(field)
    _check_pd(pd, "output_field")
    return pd.D @ parameter_field(pd, field)


def output_field_closed_form(pd: PointData, field: Any = "adapted") -> Mat:
    """−((1−α)DDᵀ + αP) g with P from :func:`~symflow.backends.linalg.projector` (C2, C5);
    :class:`LevenbergMarquardt`: −c·G(G + λI)⁻¹g (C16 (i))."""
    alpha = field_spec(field)
    _check_pd(pd, "output_field_closed_form")
    if isinstance(alpha, LevenbergMarquardt):
        G = pd.D @ pd.D.T
        return -(G @ _lm_solve(pd, alpha)) * backend(pd.level).scalar(alpha.scale)
    D, g = pd.D, pd.grad
    dps = pd.dps or 30
    be = backend(pd.level)
    a, one = be.scalar(alpha), be.scalar(1)
    return -(((D @ D.T) * (one - a) + _projector(D, dps) * a) @ g)


def symbolic_field(problem: Problem, field: Any = "standard", max_qn: int = 2) -> sp.Matrix:
    """The exact parameter field as a SymPy K × 1 Matrix in θ.

    The standard field −Dᵀ∇ₓC[x[θ]] is always available. The adapted field and V_α need
    (DDᵀ)⁻¹, which is formed symbolically only when QN ≤ ``max_qn`` (it swells beyond use
    otherwise; evaluate at points with :meth:`Problem.at` and :func:`parameter_field`).
    It assumes full rank (DDᵀ invertible) — the generic case. The Levenberg–Marquardt field
    −c·Dᵀ(DDᵀ + λI)⁻¹g needs no rank (same size limit).
    """
    _check_problem(problem, "symbolic_field")
    if isinstance(max_qn, bool) or not isinstance(max_qn, int) or max_qn < 1:
        raise DataError(f"symbolic_field: max_qn = {short_repr(max_qn)} must be a positive "
                        f"integer", max_qn)
    alpha = field_spec(field)
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
    if isinstance(alpha, LevenbergMarquardt):
        A = G + alpha.lam * sp.eye(problem.QN)
        return -alpha.scale * D.T * (A.adjugate() / A.det()) * g
    Ginv = G.adjugate() / G.det()
    return -D.T * ((1 - alpha) * g + alpha * Ginv * g)


class CompiledField:
    """Fast evaluation of a field at mpf (``arith="mpmath"``) or float64 points.

    ``field(theta) -> θ'`` as a list. For α > 0 it needs (DDᵀ)⁻¹: on a point where the NTK is
    not positive definite it raises :class:`~symflow.errors.RankError`, unless
    ``rank_loss="pinv"``, in which case (DDᵀ)⁺ from an SVD is used (the constrained flow).
    A :class:`LevenbergMarquardt` field solves with G + λI (Cholesky / LDLᵀ, always positive
    definite) whatever ``rank_loss`` says; ``alpha`` is None for it and ``lm`` holds it.

    Also: :meth:`outputs`, :meth:`jacobian`, :meth:`pinv_apply` (D⁺w for full-rank D),
    :meth:`ntk_eigenvalues`.
    """

    def __init__(self, problem: Problem, field: Any = "adapted", arith: str = "mpmath",
                 rank_loss: str = "stop") -> None:
        _check_problem(problem, "CompiledField")
        be = integration_backend(arith)   # DataError unless mpmath or float64
        if rank_loss not in ("stop", "pinv"):
            raise DataError(f"rank_loss must be 'stop' or 'pinv', got {rank_loss!r}", rank_loss)
        self.problem = problem
        spec = field_spec(field)
        self.alpha = field_alpha(spec)
        self.lm = None if self.alpha is not None else spec
        self.arith = arith
        self.rank_loss = rank_loss
        self._net = problem.network
        self._be = be
        self._by_key: dict[Any, tuple[Any, Any]] = {}   # data rounded at each precision
        self._data()   # float64: refuse data too large for float64 now, naming it

    # -- pieces ---------------------------------------------------------------------------
    def evaluate(self, theta: Sequence[Any], jacobian: bool = True):
        """(x, D): lists (mpmath) or arrays (float64). Call under ``mpmath.workdps``."""
        return self._be.evaluate_network(self._net, theta, self._data()[0], jacobian)

    def _data(self) -> tuple[Any, Any]:
        """Inputs and targets as the backend's vectors, rounded at the *current* precision
        (cached per precision; float64 has one)."""
        key = self._be.precision_key()
        if key not in self._by_key:
            p, conv = self.problem, self._be.data_scalar
            self._by_key[key] = (
                self._be.vector([[conv(v, f"inputs[{j}][{i}]") for i, v in enumerate(r)]
                                 for j, r in enumerate(p.inputs)]),
                self._be.vector([conv(v, f"target {j}") for j, v in enumerate(p.y_flat)]))
        return self._by_key[key]

    def outputs(self, theta):
        return self.evaluate(theta, jacobian=False)[0]

    def jacobian(self, theta):
        return self.evaluate(theta)[1]

    def grad(self, x):
        p = self.problem
        return self._be.vector(p.loss.grad(list(x), list(self._data()[1]), p.N, p.Q,
                                           self._be.arith))

    def ntk_solve(self, D, w):
        """(DDᵀ)⁻¹ w (full rank; RankError where DDᵀ is not positive definite) or (DDᵀ)⁺ w
        (``rank_loss="pinv"``)."""
        G = self._be.gram(D)
        if self.rank_loss == "pinv":
            return self._be.psd_pinv_solve(G, w)
        return self._be.spd_solve(G, w)

    def lm_solve(self, D, w):
        """c·(DDᵀ + λI)⁻¹w for the Levenberg–Marquardt field (G + λI ≻ 0: always the SPD
        solve, whatever ``rank_loss``)."""
        lm, be = self.lm, self._be
        G = be.add_diagonal(be.gram(D), be.scalar(lm.lam))
        return be.scaled(be.scalar(lm.scale), be.spd_solve(G, w))

    def pinv_apply(self, theta, w):
        """D⁺ w = Dᵀ(DDᵀ)⁻¹ w at θ (the C6 direction, w = y − x(0))."""
        D = self.jacobian(theta)
        return self._be.t_apply(D, self.ntk_solve(D, w))

    def ntk(self, theta):
        """G = DDᵀ at θ (mpf rows or a float array)."""
        return self._be.gram(self.jacobian(theta))

    def ntk_eigenvalues(self, theta):
        """Eigenvalues of DDᵀ at θ, ascending (mpf list or float array)."""
        return self._be.eigvalsh(self.ntk(theta))

    def __call__(self, theta):
        """θ' = V_α(θ) = −Dᵀ((1−α)g + α(DDᵀ)⁻¹g), or −c·Dᵀ(DDᵀ + λI)⁻¹g, as a list (mpmath)
        or array (float64)."""
        x, D = self.evaluate(theta)
        g = self.grad(x)
        a = self.alpha
        if self.lm is not None:
            u = self.lm_solve(D, g)
        elif a == 0:
            u = g
        elif a == 1:
            u = self.ntk_solve(D, g)
        else:
            u = self._be.blend(self._be.scalar(a), g, self.ntk_solve(D, g))
        return self._be.negate(self._be.t_apply(D, u))
