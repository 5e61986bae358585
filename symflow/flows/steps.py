"""Discrete steps of the flows: Gauss–Newton and gradient descent (docs/theory.md §7, C15, C17).

Both steps are **Euler steps of size Δs = ηN in the flow time s** (N the number of training
samples), so that η = 1 takes the line time t = 1 − e^(−s/N) from 0 to 1 at first order:

* Gauss–Newton, the Euler step of the adapted flow θ′ = −D⁺g (g = ∇ₓC):

      θ₊ = θ − ηN·D⁺g;    for L2, g = (x − y)/N, so θ₊ = θ + ηD⁺(y − x) = θ + ηδ, δ := D⁺u;

* gradient descent, the Euler step of the standard flow θ′ = −Dᵀg:

      θ₊ = θ − ηN·Dᵀg;    for L2, θ₊ = θ + ηDᵀ(y − x).

They are written with g = ∇ₓC, so they apply to every loss (for cross-entropy they are the
Euler steps of the same flows; the line picture of C15 is L2 only). Each step is evaluated at
one arithmetic level from :meth:`Problem.at <symflow.core.problem.Problem.at>` (x, D, g at θ):
exact rationals, Arb balls, mpmath or float64; D⁺ is :func:`symflow.backends.linalg.pinv`
(exact RREF formula, certified balls at full row or column rank, SVD at mpmath / float64).

:func:`iterate` runs θ_{k+1} = step(θ_k, η) and records each iterate's θ, x, C and |x − y|.

>>> import sympy as sp
>>> from symflow import Problem, model
>>> a, b, u = sp.symbols("a b u")
>>> prob = Problem(model([a * u + b], [a, b], [u]), [[0], [1]], [[1], [3]], "l2")
>>> gauss_newton_step(prob, [0, 0], 1, level="exact")   # a linear model: GN lands on y
(Fraction(2, 1), Fraction(1, 1))
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

from ..backends import backend
from ..backends.arith import working_precision
from ..backends.levels import Level
from ..backends.linalg import Mat, pinv
from ..core.problem import PointData, Problem
from ..errors import DataError, LevelError, ParameterError
from ..numbers import check_dps, short_repr, to_rational
from ..progress import make_progress

__all__ = ["gauss_newton_step", "gradient_step", "step_direction", "Iterate", "iterate",
           "STEPS"]


def _eta(eta: Any) -> Any:
    """η as an exact rational > 0 (ParameterError naming η otherwise)."""
    try:
        q = to_rational(eta, "η")
    except DataError as exc:
        raise ParameterError(f"step size {exc}", short_repr(eta)) from None
    if not q > 0:
        raise ParameterError(f"step size η = {short_repr(eta)} must be > 0", short_repr(eta))
    return q


def _check_problem(problem: Any) -> Problem:
    if not isinstance(problem, Problem):
        raise DataError(f"problem must be a symflow.Problem, got {short_repr(problem)}",
                        short_repr(problem))
    return problem


def step_direction(pd: PointData, N: int, kind: str,
                   pinv_fn: Callable[[Mat], Mat] | None = None) -> Mat:
    """The K × 1 direction Δ of θ₊ = θ + ηΔ at the point ``pd`` of a problem with N samples:
    Δ = −N·D⁺g (``"gauss_newton"``) or Δ = −N·Dᵀg (``"gradient"``), g = ∇ₓC; ``pinv_fn(D)``
    replaces D⁺ (tests feed wrong ones). Call inside ``working_precision(pd.dps)``."""
    n = backend(pd.level).scalar(N)
    if kind == "gauss_newton":
        if pinv_fn is not None and not callable(pinv_fn):
            raise DataError(f"pinv_fn must be None or a callable of D, got "
                            f"{short_repr(pinv_fn)}", short_repr(pinv_fn))
        Dp = pinv(pd.D, pd.dps or 30) if pinv_fn is None else pinv_fn(pd.D)
        return -(Dp @ pd.grad) * n
    if kind == "gradient":
        return -(pd.D.T @ pd.grad) * n
    raise DataError(f"step kind must be 'gauss_newton' or 'gradient', got {short_repr(kind)}",
                    short_repr(kind))


def _step(problem: Problem, theta: Sequence[Any], eta: Any, kind: str, level, dps: int,
          pinv_fn) -> tuple:
    problem = _check_problem(problem)
    q = _eta(eta)
    dps = check_dps(dps)
    lv = problem.strongest_level if level is None else Level.parse(level)
    be = backend(lv)
    pd = problem.at(theta, lv, dps)
    with working_precision(dps):
        d = step_direction(pd, problem.N, kind, pinv_fn)
        e = be.scalar(q)
        return tuple(be.report(t + e * v) for t, v in zip(pd.theta, d.entries()))


def gauss_newton_step(problem: Problem, theta: Sequence[Any], eta: Any = 1, *,
                      level: "Level | str | None" = None, dps: int = 30,
                      pinv_fn: Callable[[Mat], Mat] | None = None) -> tuple:
    """θ₊ = θ − ηN·D⁺∇ₓC (for L2: θ + ηD⁺(y − x)), the Euler step of size ηN of the adapted
    flow, at ``level`` (default: the problem's strongest) and ``dps`` digits.

    Returns θ₊ as a K-tuple of numbers :meth:`Problem.at` accepts again (Fractions at the
    exact level, mpf at mpmath, floats at float64; balls at the ball level are reported by
    their upper estimate and cannot be iterated). ``η`` must be a number > 0 (exact rational
    at the exact level), θ of length K (:class:`~symflow.errors.ParameterError` otherwise).
    """
    return _step(problem, theta, eta, "gauss_newton", level, dps, pinv_fn)


def gradient_step(problem: Problem, theta: Sequence[Any], eta: Any = 1, *,
                  level: "Level | str | None" = None, dps: int = 30) -> tuple:
    """θ₊ = θ − ηN·Dᵀ∇ₓC (for L2: θ + ηDᵀ(y − x)), the Euler step of size ηN of the standard
    flow; arguments and result as for :func:`gauss_newton_step`."""
    return _step(problem, theta, eta, "gradient", level, dps, None)


#: The step maps by name, for :func:`iterate`.
STEPS: dict[str, Callable[..., tuple]] = {"gauss_newton": gauss_newton_step,
                                          "gradient": gradient_step}


@dataclass(frozen=True)
class Iterate:
    """The k-th iterate: θ_k, x_k = x[θ_k] (a QN × 1 Mat), C(θ_k) and |x_k − y|² (Euclidean,
    exact at the exact level)."""

    k: int
    theta: tuple
    x: Mat
    cost: Any
    residual_sq: Any


def _record(problem: Problem, k: int, theta, level: Level, dps: int) -> Iterate:
    pd = problem.at(theta, level, dps)
    be = backend(level)
    with working_precision(dps):
        r = pd.x - pd.y
        sq = sum((v * v for v in r.entries()), be.scalar(0))
        return Iterate(k, tuple(theta), pd.x, be.report(pd.cost), be.report(sq))


def _check_iterate_args(step: Any, n_max: Any, level: Level, stop: Any) -> Callable:
    if isinstance(step, str):
        if step not in STEPS:
            raise DataError(f"step must be one of {sorted(STEPS)} or a callable, got "
                            f"{short_repr(step)}", short_repr(step))
        step = STEPS[step]
    if not callable(step):
        raise DataError(f"step must be one of {sorted(STEPS)} or a callable, got "
                        f"{short_repr(step)}", short_repr(step))
    if stop is not None and not callable(stop):
        raise DataError(f"stop must be None or a callable of an Iterate, got "
                        f"{short_repr(stop)}", short_repr(stop))
    if isinstance(n_max, bool) or not isinstance(n_max, int) or n_max < 0:
        raise DataError(f"n_max must be a non-negative integer, got {short_repr(n_max)}",
                        short_repr(n_max))
    be = backend(level)
    if not (be.exact or be.integrates):
        raise LevelError(f"iterate runs at a level whose numbers can be fed back as θ (exact, "
                         f"mpmath, float64), not {level.value!r}", level.value)
    return step


def iterate(problem: Problem, theta0: Sequence[Any], step: Any = "gauss_newton", eta: Any = 1,
            *, n_max: int = 20, level: "Level | str" = "mpmath", dps: int = 30,
            stop: Callable[[Iterate], bool] | None = None, progress: Any = None
            ) -> list[Iterate]:
    """θ_{k+1} = step(problem, θ_k, η, level=, dps=) for k < ``n_max``, from θ_0 = ``theta0``.

    ``step``: ``"gauss_newton"``, ``"gradient"`` or a callable with the signature of
    :func:`gauss_newton_step`. Returns the iterates θ_0, …, θ_n (:class:`Iterate`, with x_k,
    C_k and |x_k − y|); stops early after the first iterate for which ``stop(iterate)`` is
    true. ``progress`` as for :func:`symflow.integrate` (None, True or an object with
    ``update``/``close``): one update per iterate, ``info["time_variable"] = "iteration"``.
    """
    problem = _check_problem(problem)
    _eta(eta)
    dps = check_dps(dps)
    lv = Level.parse(level)
    fn = _check_iterate_args(step, n_max, lv, stop)
    prog = make_progress(progress)
    with working_precision(dps):
        problem.convert_theta(theta0, lv)   # ParameterError naming a wrong θ₀ before any work
    out = [_record(problem, 0, tuple(theta0), lv, dps)]
    try:
        while len(out) <= n_max and not (stop is not None and stop(out[-1])):
            th = fn(problem, out[-1].theta, eta, level=lv, dps=dps)
            out.append(_record(problem, len(out), th, lv, dps))
            if prog is not None:
                prog.update(len(out) - 1, {"step": len(out) - 1, "t1": n_max,
                                           "time_variable": "iteration",
                                           "cost": out[-1].cost})
    finally:
        if prog is not None:
            prog.close()
    return out
