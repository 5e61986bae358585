"""A training problem: network + exact inputs + exact targets + loss.

``Problem(network, inputs, targets, loss)`` stacks the outputs on the N training inputs as
x[θ] = (x_1[θ], …, x_N[θ]) ∈ R^{QN} (sample-major) and exposes, exactly (SymPy):

* ``params`` — θ, the K parameter symbols;
* ``outputs`` — x[θ], a QN × 1 Matrix;
* ``jacobian`` — D = ∂x/∂θ, QN × K (paper (2.12)), by layer-wise backpropagation;
* ``ntk`` — D Dᵀ, QN × QN;
* ``cost_expr`` / ``grad_expr`` — C[x] and ∇ₓC in the output symbols ``x_symbols``.

and, at a point θ, :meth:`Problem.at` evaluates x, D, ∇ₓC and C at one arithmetic level
(exact rationals, Arb balls, mpmath, float64) as :class:`PointData`.

Caps: at most ``MAX_SAMPLES`` = 10 000 training samples, and QN·K ≤ ``MAX_JACOBIAN_ENTRIES`` =
10⁷ (the size of D); beyond them :class:`~symflow.errors.DataError` names the size and the cap.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Set
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property
from typing import Any, Sequence

import numpy as np
import sympy as sp

from ..backends import backend
from ..backends.arith import _working_precision, get_arith
from ..errors import DataError, LevelError, ParameterError
from ..backends.levels import Level
from ..backends.linalg import Mat
from .losses import Loss, get_loss
from .models import Model
from .networks import MLP
from ..numbers import check_dps, short_repr, to_float64, to_rational, to_rational_matrix

__all__ = ["Problem", "PointData", "random_rational_point", "MAX_SAMPLES",
           "MAX_JACOBIAN_ENTRIES"]

MAX_SAMPLES = 10_000
"""Most training samples N of a Problem."""
MAX_JACOBIAN_ENTRIES = 10_000_000
"""Largest QN·K (entries of the Jacobian D) of a Problem."""



@dataclass(frozen=True)
class PointData:
    """x, D, ∇ₓC, C and y at one point θ, at one level (``dps`` digits; None for exact)."""

    level: Level
    dps: int | None
    theta: tuple
    x: Mat          # QN × 1
    D: Mat          # QN × K
    grad: Mat       # QN × 1, ∇ₓC
    y: Mat          # QN × 1
    cost: Any


class Problem:
    """Network + exact data + loss; see the module docstring."""

    def __init__(self, network: MLP, inputs: Any, targets: Any, loss: "str | Loss" = "l2",
                 name: str | None = None) -> None:
        if not isinstance(network, (MLP, Model)):
            raise DataError(f"network must be built with symflow.mlp(...) or symflow.model(...), "
                            f"got {short_repr(network)}", network)
        if name is not None and not isinstance(name, str):
            raise DataError(f"name must be a string or None, got {short_repr(name)}", name)
        self.network = network
        self.loss = get_loss(loss)
        M, Q = network.input_dim, network.output_dim
        self.inputs = to_rational_matrix(inputs, "inputs", ncols=M, max_rows=MAX_SAMPLES)
        self.targets = to_rational_matrix(targets, "targets", ncols=Q, nrows=len(self.inputs))
        size = Q * len(self.inputs) * network.num_params
        if size > MAX_JACOBIAN_ENTRIES:
            raise DataError(
                f"the Jacobian D would have QN·K = {Q * len(self.inputs)}·{network.num_params} = "
                f"{size} entries, more than the cap of {MAX_JACOBIAN_ENTRIES}", size)
        self.loss.validate_targets(self.targets)
        self.name = name or f"{network.describe()} on N={len(self.inputs)}, {self.loss.name}"

    # ---- sizes ------------------------------------------------------------------------
    @property
    def N(self) -> int:
        return len(self.inputs)

    @property
    def Q(self) -> int:
        return self.network.output_dim

    @property
    def M(self) -> int:
        return self.network.input_dim

    @property
    def K(self) -> int:
        return self.network.num_params

    @property
    def QN(self) -> int:
        return self.Q * self.N

    @property
    def overparametrized(self) -> bool:
        """K ≥ QN, necessary for rank D = QN."""
        return self.K >= self.QN

    @property
    def rational(self) -> bool:
        """True when x[θ] and ∇ₓC are rational in θ (exact level applies)."""
        return self.network.rational and self.loss.rational

    @property
    def strongest_level(self) -> Level:
        """exact for rational problems, else ball."""
        return Level.EXACT if self.rational else Level.BALL

    @property
    def y_flat(self) -> list[sp.Rational]:
        return [v for row in self.targets for v in row]

    def __repr__(self) -> str:
        return f"Problem({self.name!r}, K={self.K}, QN={self.QN})"

    # ---- exact symbolic objects ----------------------------------------------------------
    @property
    def params(self) -> tuple[sp.Symbol, ...]:
        return self.network.params

    @cached_property
    def _symbolic(self) -> tuple[list, list[list]]:
        return self.network.evaluate(list(self.params), self.inputs, "sympy", jacobian=True)

    @cached_property
    def outputs(self) -> sp.Matrix:
        """x[θ] as a QN × 1 SymPy Matrix (sample-major)."""
        return sp.Matrix(self.QN, 1, self.network.evaluate(list(self.params), self.inputs,
                                                           "sympy", jacobian=False)[0])

    @cached_property
    def jacobian(self) -> sp.Matrix:
        """D = ∂x/∂θ, QN × K, exact (layer-wise chain rule with shared subexpressions)."""
        return sp.Matrix(self.QN, self.K, [v for r in self._symbolic[1] for v in r])

    @cached_property
    def ntk(self) -> sp.Matrix:
        """The neural tangent kernel D Dᵀ, QN × QN, exact (unexpanded)."""
        ar = get_arith("sympy")
        rows = self._symbolic[1]
        n = self.QN
        G = [[None] * n for _ in range(n)]
        for i in range(n):
            for j in range(i, n):
                G[i][j] = G[j][i] = ar.dot(rows[i], rows[j])
        return sp.Matrix(G)

    @cached_property
    def x_symbols(self) -> sp.Matrix:
        """Output symbols x_{j}_{q} (QN × 1) in which the loss is written."""
        return sp.Matrix(self.QN, 1, [sp.Symbol(f"x_{j + 1}_{q + 1}", real=True)
                                      for j in range(self.N) for q in range(self.Q)])

    @cached_property
    def cost_expr(self) -> sp.Expr:
        """C[x] exactly, in ``x_symbols``."""
        return self.loss.cost(list(self.x_symbols), self.y_flat, self.N, self.Q,
                              get_arith("sympy"))

    @cached_property
    def grad_expr(self) -> sp.Matrix:
        """∇ₓC exactly, in ``x_symbols`` (QN × 1)."""
        return sp.Matrix(self.QN, 1, self.loss.grad(list(self.x_symbols), self.y_flat, self.N,
                                                    self.Q, get_arith("sympy")))

    # ---- points ----------------------------------------------------------------------------
    def convert_theta(self, theta: Sequence[Any], level: "Level | str") -> list:
        """θ as scalars of ``level`` (call inside :func:`~symflow.backends.arith.working_precision`)."""
        level = Level.parse(level)
        try:
            return self._convert_theta(theta, level)
        except DataError as exc:
            if isinstance(exc, ParameterError):
                raise
            raise ParameterError(str(exc), exc.value) from None

    def _convert_theta(self, theta: Sequence[Any], level: Level) -> list:
        if hasattr(theta, "tolist") and not isinstance(theta, (str, bytes)):
            theta = theta.tolist()  # numpy arrays, sympy matrices (0-d arrays: a scalar)
        if isinstance(theta, (str, bytes, Set, Mapping)) or not hasattr(theta, "__len__") \
                or not hasattr(theta, "__getitem__"):
            raise ParameterError(f"θ must be an ordered sequence (list, tuple or array) of "
                                 f"{self.K} numbers, got {short_repr(theta)}", theta)
        if len(theta) != self.K:
            raise ParameterError(
                f"θ has {len(theta)} entries but {self.network.describe()} has K = {self.K} "
                f"parameters", len(theta))
        theta = list(theta)
        return backend(level).convert_theta(
            theta, lambda v, i: to_rational(v, f"θ[{i}]"),
            lambda i, v, detail: ParameterError(f"θ[{i}] = {v} {detail}", v))

    def at(self, theta: Sequence[Any], level: "Level | str | None" = None, dps: int = 30
           ) -> PointData:
        """x, D, ∇ₓC, C at θ. ``level`` defaults to :attr:`strongest_level`.

        For ``ball`` and ``mpmath`` the values are computed at ``dps`` digits; later
        arithmetic on them should run inside ``working_precision(dps)``. ``dps`` must satisfy
        :func:`~symflow.numbers.check_dps` (an integer in [15, 2000]) at every level. An
        activation evaluated off its domain raises :class:`~symflow.errors.DomainError`; a
        float64 evaluation that overflows raises :class:`~symflow.errors.LevelError`.
        """
        dps = check_dps(dps)
        return self._at(theta, level, dps)

    def _at(self, theta: Sequence[Any], level: "Level | str | None" = None, dps: int = 30
            ) -> PointData:
        """:meth:`at` without the precision check, for internal precisions *derived* from a
        checked one (guard digits, 2·dps for balls), which may lie outside [15, 2000]."""
        level = self.strongest_level if level is None else Level.parse(level)
        be = backend(level)
        if be.rational_only and not self.network.rational:
            raise LevelError(
                f"level {level.value!r} needs a network rational in θ; "
                f"{self.network.describe()} is transcendental: use 'ball' or 'mpmath'",
                level.value)
        if be.rational_only and not self.loss.rational:
            raise LevelError(
                f"level {level.value!r} needs a rational loss; {self.loss.name!r} involves "
                f"exp/log: use 'ball' or 'mpmath'", level.value)
        with _working_precision(dps):
            th = self.convert_theta(theta, level)
            if be.vectorized:   # float64: the numpy evaluator, whole batches at once
                x, D = self._float64(th)
                xs, rows = list(x), D
            else:
                inputs = [[be.scalar(v) for v in r] for r in self.inputs]
                xs, rows = self.network.evaluate(th, inputs, be.arith)
            y = [be.scalar(v) for v in self.y_flat]
            with np.errstate(all="ignore"):   # float64 overflow: refused just below
                g = self.loss.grad(xs, y, self.N, self.Q, be.arith)
                c = self.loss.cost(xs, y, self.N, self.Q, be.arith)
            if not be.all_finite([*g, c]):
                raise LevelError(
                    f"the {level.value} loss gradient or cost at θ = {short_repr(theta)} is not "
                    f"finite (overflow or underflow); use level 'mpmath'", level.value)
            Dm = Mat(level, rows) if be.vectorized else Mat.from_rows(level, rows, self.K)
            return PointData(level, be.reported_dps(dps), tuple(th),
                             Mat.column(level, xs), Dm, Mat.column(level, g),
                             Mat.column(level, y), c)

    def _float64(self, th: list) -> tuple:
        """x, D at float64, refusing data too large for float64 and overflowing evaluations."""
        X = [[to_float64(v, f"inputs[{j}][{i}]") for i, v in enumerate(r)]
             for j, r in enumerate(self.inputs)]
        for j, v in enumerate(self.y_flat):
            to_float64(v, f"target {j}")
        with np.errstate(over="ignore", invalid="ignore"):
            x, D = self.network.evaluate_float64(np.array(th), np.array(X))
        if not (np.all(np.isfinite(x)) and np.all(np.isfinite(D))):
            raise LevelError(
                f"the float64 outputs or Jacobian at θ = {short_repr(th)} are not finite "
                f"(overflow); use level 'mpmath'", "float64")
        return x, D


def random_rational_point(K: int, seed: int | random.Random = 0, scale: int = 1,
                          denominator: int = 8) -> list[Fraction]:
    """K random rationals p/q with |p/q| ≤ scale and q ≤ ``denominator`` (reproducible).

    ``K`` must be an integer in [0, ``MAX_PARAMS``], ``scale`` and ``denominator`` positive
    integers (at most 10¹⁸), ``seed`` an int, str, bytes or :class:`random.Random`
    (:class:`~symflow.errors.ParameterError` otherwise).

    >>> random_rational_point(3, seed=1)
    [Fraction(1, 3), Fraction(0, 1), Fraction(1, 2)]
    """
    from .networks import MAX_PARAMS

    def _int(name, v, lo, hi):
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)):
            raise ParameterError(f"random_rational_point: {name} = {short_repr(v)} (type "
                                 f"{type(v).__name__}) must be an integer", v)
        if not lo <= v <= hi:
            raise ParameterError(f"random_rational_point: {name} = {short_repr(v)} must lie in "
                                 f"[{lo}, {hi}]", v)
        return int(v)

    K = _int("K", K, 0, MAX_PARAMS)
    scale = _int("scale", scale, 1, 10 ** 18)
    denominator = _int("denominator", denominator, 1, 10 ** 18)
    if isinstance(seed, random.Random):
        rng = seed
    elif isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer, str, bytes)):
        raise ParameterError(f"random_rational_point: seed = {short_repr(seed)} (type "
                             f"{type(seed).__name__}) must be an int, str, bytes or "
                             f"random.Random", seed)
    else:
        rng = random.Random(int(seed) if isinstance(seed, np.integer) else seed)
    out = []
    for _ in range(K):
        q = rng.randint(1, denominator)
        p = rng.randint(-scale * q, scale * q)
        out.append(Fraction(p, q))
    return out
