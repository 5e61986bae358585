"""Homotopy families of fields: a parameter p ↦ a field value object, joining the standard field
V_0 = −Dᵀg to the adapted field V_1 = −D⁺g (g = ∇ₓC, G = DDᵀ, docs/theory.md).

=============================  ==========================  ==================================
family                         parameter, domain           field
=============================  ==========================  ==================================
:class:`ConvexFamily`          α ∈ [0, 1]                  V_α = −Dᵀ((1−α)I + αG⁻¹)g
(default; Theorem 2.3)         standard at 0, adapted at 1 ``Standard()`` / ``Interpolated(α)``
                                                           / ``Adapted()``
:class:`LevenbergMarquardtFamily`  λ ∈ [0, ∞]              (1 + λ)V^λ = −(1 + λ)Dᵀ(G + λI)⁻¹g
(C16)                          adapted at 0, standard at ∞ ``Adapted()`` /
                                                           ``LevenbergMarquardt(λ, 1 + λ)`` /
                                                           ``Standard()``
=============================  ==========================  ==================================

Every field of a family is a field of :func:`~symflow.flows.integrate`:
``integrate(problem, θ0, field=family.field(p), span=...)``. :func:`sweep` integrates a list of
parameters (``family.sweep(n)`` by default) with a progress bar.

Why the factor 1 + λ: V^λ → V_1 as λ → 0 but V^λ → 0 as λ → ∞ (only λV^λ → V_0). With the factor
both limits are *fields*, not only paths: per singular value σ > 0 of D, (1 + λ)V^λ − V_1 has the
entry λ(σ² − 1)/(σ(σ² + λ)) = O(λ) and (1 + λ)V^λ − V_0 the entry σ(1 − σ²)/(σ² + λ) = O(1/λ)
(σ = 0: both vanish). A positive constant c changes the speed only, not the path: if θ(s) solves
θ' = V(θ) then θ̃(s) := θ(cs) solves θ̃' = cV(θ̃), the same curve in flow time s/c.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Optional, Sequence

import mpmath
import sympy as sp

from ..core.fields import parse_field
from ..core.problem import Problem
from ..errors import DataError
from ..numbers import short_repr, to_rational
from .integrate import integrate
from .options import Adapted, Interpolated, LevenbergMarquardt, Standard

__all__ = ["Homotopy", "ConvexFamily", "LevenbergMarquardtFamily", "sweep"]

_INFINITY = ("inf", "+inf", "infinity", "oo", "∞")
#: The options of :func:`~symflow.flows.integrate` that :func:`sweep` passes on.
_INTEGRATE_KWARGS = frozenset({"span", "precision", "on_rank_loss", "arith", "confirm",
                               "max_steps", "workers", "s_end", "t_end", "dps", "rtol",
                               "rank_loss"})


def _check_n(n: Any) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or n < 2:
        raise DataError(f"sweep: n = {short_repr(n)} must be an integer ≥ 2 (the two endpoints "
                        f"at least)", n)
    return n


class Homotopy(ABC):
    """A family p ↦ field joining the standard and the adapted field.

    ``name``; ``domain`` = (lo, hi), the closed parameter interval (``sympy.oo`` allowed);
    ``standard_at`` / ``adapted_at``, the parameters of ``Standard()`` and ``Adapted()``
    (:attr:`endpoints`); :meth:`parameter` validates a parameter (DataError naming it);
    :meth:`field` → a field value object of :func:`~symflow.flows.integrate`; :meth:`sweep`
    → n parameters over the domain in increasing order, both ends included.
    """

    name: str
    domain: tuple
    standard_at: Any
    adapted_at: Any

    @property
    def endpoints(self) -> dict:
        """{"standard": p₀, "adapted": p₁}: the parameters of the two end fields."""
        return {"standard": self.standard_at, "adapted": self.adapted_at}

    @abstractmethod
    def parameter(self, p: Any) -> Any:
        """``p`` as an exact parameter of the domain; DataError naming it otherwise."""

    @abstractmethod
    def field(self, p: Any) -> Any:
        """The field value object at parameter ``p``."""

    @abstractmethod
    def sweep(self, n: int) -> list:
        """n ≥ 2 parameters spread over the domain, increasing, both ends included."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class ConvexFamily(Homotopy):
    """α ∈ [0, 1] ↦ V_α = −Dᵀ((1−α)I + αG⁻¹)g (Theorem 2.3): ``Standard()`` at 0,
    ``Interpolated(α)`` inside, ``Adapted()`` at 1; :meth:`sweep` is equispaced, α = k/(n − 1)."""

    name = "convex"
    domain = (sp.Integer(0), sp.Integer(1))
    standard_at = sp.Integer(0)
    adapted_at = sp.Integer(1)

    def parameter(self, p: Any) -> sp.Rational:
        return parse_field(p)

    def field(self, p: Any):
        a = self.parameter(p)
        return Standard() if a == 0 else Adapted() if a == 1 else Interpolated(a)

    def sweep(self, n: int) -> list:
        n = _check_n(n)
        return [sp.Rational(k, n - 1) for k in range(n)]

    def __eq__(self, other: Any) -> bool:
        return type(other) is ConvexFamily

    def __hash__(self) -> int:
        return hash("convex")


class LevenbergMarquardtFamily(Homotopy):
    """λ ∈ [0, ∞] ↦ ``Adapted()`` at 0, ``LevenbergMarquardt(λ, scale=1 + λ)`` for 0 < λ < ∞,
    ``Standard()`` at ∞ (``sympy.oo``; also "inf", float("inf")). See the module docstring for
    the factor 1 + λ. :meth:`sweep` gives 0, n − 2 values geometric in λ from ``lam_min`` to
    ``lam_max`` (10^±3 by default; each rounded to 3 significant digits — more if two would
    coincide — so that they are short exact rationals: powers of 10 stay exact), and ∞.
    """

    name = "levenberg-marquardt"
    domain = (sp.Integer(0), sp.oo)
    standard_at = sp.oo
    adapted_at = sp.Integer(0)

    def __init__(self, lam_min: Any = sp.Rational(1, 1000), lam_max: Any = 1000) -> None:
        lo = LevenbergMarquardt(lam_min).lam      # DataError unless a rational > 0
        hi = LevenbergMarquardt(lam_max).lam
        if not lo < hi:
            raise DataError(f"LevenbergMarquardtFamily: lam_min = {lo} must be < lam_max = "
                            f"{hi}", (lam_min, lam_max))
        self.lam_min, self.lam_max = lo, hi

    def parameter(self, p: Any):
        if p is sp.oo or (isinstance(p, str) and p.strip().lower() in _INFINITY) or \
                (isinstance(p, (float, mpmath.mpf)) and p == float("inf")):
            return sp.oo
        try:
            lam = to_rational(p, "λ")
        except DataError as exc:
            raise DataError(f"LevenbergMarquardtFamily: λ = {short_repr(p)} must be a number "
                            f"in [0, ∞] ({exc})", p) from None
        if lam < 0:
            raise DataError(f"LevenbergMarquardtFamily: λ = {short_repr(p)} must be ≥ 0", p)
        return lam

    def field(self, p: Any):
        lam = self.parameter(p)
        if lam == 0:
            return Adapted()
        if lam is sp.oo:
            return Standard()
        return LevenbergMarquardt(lam, 1 + lam)

    def sweep(self, n: int) -> list:
        n = _check_n(n)
        return [sp.Integer(0)] + self._geometric(n - 2) + [sp.oo]

    def _geometric(self, m: int) -> list:
        """m values 10^e, e equispaced from log10 lam_min to log10 lam_max (m = 1: the geometric
        mean), rounded to the fewest significant digits ≥ 3 that keep them distinct."""
        if m == 0:
            return []
        with mpmath.workdps(40):
            a, b = (mpmath.log10(mpmath.mpf(int(v.p)) / int(v.q))
                    for v in (self.lam_min, self.lam_max))
            es = [(a + b) / 2] if m == 1 else [a + (b - a) * k / (m - 1) for k in range(m)]
            for digits in range(3, 40):
                vals = [to_rational(mpmath.nstr(mpmath.power(10, e), digits, strip_zeros=True),
                                    "λ") for e in es]
                if len(set(vals)) == m:
                    return vals
        raise DataError(f"LevenbergMarquardtFamily.sweep: {m} distinct values do not fit "
                        f"between {self.lam_min} and {self.lam_max}", m)  # pragma: no cover

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, LevenbergMarquardtFamily) and \
            (self.lam_min, self.lam_max) == (other.lam_min, other.lam_max)

    def __hash__(self) -> int:
        return hash((self.name, self.lam_min, self.lam_max))

    def __repr__(self) -> str:
        return f"LevenbergMarquardtFamily(lam_min={self.lam_min}, lam_max={self.lam_max})"


def _bar(progress: Any, total: int, family: Homotopy):
    """The sweep's progress: True → a tqdm bar (tqdm.auto: a widget in notebooks), None/False →
    none, or an object with ``update(t, info)`` and ``close()`` (the :mod:`symflow.progress`
    protocol; ``t`` = the number of fields done)."""
    if progress is None or progress is False:
        return None
    if progress is True:
        from tqdm.auto import tqdm
        bar = tqdm(total=total, desc=f"sweep {family.name}", unit="field")
        return _Tqdm(bar)
    if callable(getattr(progress, "update", None)) and callable(getattr(progress, "close", None)):
        return progress
    raise DataError(f"sweep: progress must be None, True, False or an object with "
                    f"update(t, info) and close(); got {short_repr(progress)}", progress)


class _Tqdm:
    """A tqdm bar behind the progress protocol."""

    def __init__(self, bar) -> None:
        self.bar = bar

    def update(self, t: Any, info: dict) -> None:
        self.bar.set_postfix_str(f"p = {info.get('param')}", refresh=False)
        self.bar.update(1)

    def close(self) -> None:
        self.bar.close()


def sweep(problem: Problem, theta0: Sequence[Any], family: Optional[Homotopy] = None,
          params: Optional[Sequence[Any]] = None, n: int = 5, progress: Any = True,
          **integrate_kwargs) -> list:
    """Integrate ``problem`` from θ(0) = ``theta0`` for each parameter of a homotopy family →
    ``[(p, Trajectory), …]``.

    ``family``: a :class:`Homotopy` (default :class:`ConvexFamily`). ``params``: the parameters
    (each validated by ``family.parameter``), default ``family.sweep(n)``. ``progress``: a bar
    over the fields (see :func:`_bar`); the runs themselves are silent. ``integrate_kwargs``
    go to :func:`~symflow.flows.integrate` (``span=``, ``precision=``, ``arith=``,
    ``on_rank_loss=``, …; not ``field=`` nor ``progress=``).
    """
    family = ConvexFamily() if family is None else family
    if not isinstance(family, Homotopy):
        raise DataError(f"sweep: family must be a Homotopy (ConvexFamily(), "
                        f"LevenbergMarquardtFamily()), got {short_repr(family)}", family)
    for key in ("field", "progress"):
        if key in integrate_kwargs:
            raise DataError(f"sweep: {key}= is set by the sweep itself (the family's fields, "
                            f"the sweep's progress)", integrate_kwargs[key])
    if params is not None and (isinstance(params, (str, bytes)) or
                               not hasattr(params, "__iter__")):
        raise DataError(f"sweep: params must be a list of the family's parameters, got "
                        f"{short_repr(params)}", params)
    unknown = set(integrate_kwargs) - _INTEGRATE_KWARGS
    if unknown:
        raise DataError(f"sweep: unknown integrate option(s) {sorted(unknown)}; the options are "
                        f"{sorted(_INTEGRATE_KWARGS)}", sorted(unknown))
    ps = family.sweep(n) if params is None else [family.parameter(p) for p in params]
    fields = [family.field(p) for p in ps]      # all validated before the first run
    bar = _bar(progress, len(ps), family)
    out = []
    try:
        for k, (p, f) in enumerate(zip(ps, fields)):
            out.append((p, integrate(problem, theta0, field=f, **integrate_kwargs)))
            if bar is not None:
                bar.update(k + 1, {"param": p, "total": len(ps), "time_variable": "field"})
    finally:
        if bar is not None:
            bar.close()
    return out
