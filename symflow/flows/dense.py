"""The result of :func:`~symflow.flows.odes.solve_ivp_mp`: :class:`OdeSolution` with its counters
:class:`OdeStats`, and dense output: ``sol(t)`` re-integrates from the step point before ``t``
with the same method and tolerance, so it is as accurate as the step points."""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Any, Optional

import mpmath
from mpmath import mp, mpf

from ..errors import IntegrationError
from .controller import _integrate
from .engine import METHOD_NAME, EngineConfig, _Engine


@dataclass(frozen=True)
class OdeStats:
    """Counters of one integration.

    ``max_error_estimate`` is the largest accepted local error estimate, expressed as a relative
    error (the scaled error of the subdiagonal tableau entry times ``rtol``; the propagated
    diagonal entry is more accurate than this).  ``order_min``/``order_max`` are the smallest
    and largest orders ``2k`` of the accepted steps (``k`` = extrapolation columns).
    """

    nfev: int
    nsteps: int
    nrejected: int
    max_error_estimate: Any
    method: str = METHOD_NAME
    order_min: int = 0
    order_max: int = 0
    rtol: Any = None
    atol: Any = None
    dense_nfev: int = 0
    workers: int = 1          # 2 when a helper computed rows on a second core (flows/rows.py)

    @property
    def orders(self) -> tuple:
        return (self.order_min, self.order_max)


@dataclass(eq=False, repr=False, kw_only=True)
class OdeSolution:
    """Result of :func:`solve_ivp_mp`.

    Attributes: ``t0``, ``t1`` (requested span), ``dps``, ``work_dps``, ``ts``/``ys`` (accepted
    step points, values at working precision), ``ks`` (columns used per accepted step,
    ``len(ts) - 1`` entries), ``status`` ("success" | "stopped" | "failed"), ``message``,
    ``t_stop`` (where a monitor stopped it, or where it failed; else None), ``stats``, ``config``
    (the engine's :class:`~symflow.flows.engine.EngineConfig`: ``f``, tolerances, ``kmax``,
    ``h_max``).  Calling ``sol(t)`` gives the dense output for ``t`` in ``[t0, t_last]``;
    ``dense_nfev`` counts its evaluations of ``f``.
    """

    t0: Any
    t1: Any
    dps: int
    work_dps: int
    ts: list
    ys: list
    ks: list
    status: str
    message: str
    t_stop: Any
    stats: Optional[OdeStats]
    config: EngineConfig
    dense_nfev: int = 0

    @property
    def f(self):
        return self.config.f

    @property
    def success(self) -> bool:
        return self.status == "success"

    @property
    def t_last(self):
        return self.ts[-1]

    @property
    def y_last(self):
        return list(self.ys[-1])

    def __repr__(self) -> str:
        return (f"OdeSolution(status={self.status!r}, t0={mpmath.nstr(self.t0, 10)}, "
                f"t_last={mpmath.nstr(self.t_last, 10)}, steps={len(self.ts) - 1}, "
                f"nfev={self.stats.nfev}, dps={self.dps})")

    def __call__(self, t) -> list:
        with mp.workdps(self.work_dps):
            try:
                tt = mpf(t)
            except Exception as e:  # noqa: BLE001
                raise IntegrationError(f"dense output: t = {t!r} is not a real number", time=t) from e
            i = self._step_index(tt)
            ts = self.ts
            if ts[i] == tt:
                return list(self.ys[i])
            if i + 1 < len(ts) and ts[i + 1] == tt:
                return list(self.ys[i + 1])
            return self._from_step(i, tt)

    def _step_index(self, tt) -> int:
        """i with tt in the step [ts[i], ts[i+1]] (either direction of time); an
        :class:`IntegrationError` if tt lies outside the integrated span."""
        ts = self.ts
        forward = ts[-1] >= ts[0]
        lo, hi = (ts[0], ts[-1]) if forward else (ts[-1], ts[0])
        if not (lo <= tt <= hi):
            raise IntegrationError(
                f"dense output requested at t = {mpmath.nstr(tt, 17)}, outside the integrated "
                f"span [{mpmath.nstr(lo, 17)}, {mpmath.nstr(hi, 17)}]", time=tt)
        if forward:
            i = bisect.bisect_right(ts, tt) - 1
        else:
            neg = [-s for s in ts]
            i = bisect.bisect_right(neg, -tt) - 1
        return max(0, min(i, len(ts) - 1))

    def _from_step(self, i, tt) -> list:
        """y(tt) by integrating from (ts[i], ys[i]) to tt with the same method and tolerance,
        starting with the columns that step used (normally one shorter step)."""
        kmax = self.config.kmax
        eng = _Engine(self.config)
        k = self.ks[i] if i < len(self.ks) else max(3, kmax // 2)
        k = max(3, min(k, kmax - 1))
        res = _integrate(eng, self.ts[i], list(self.ys[i]), tt, H=tt - self.ts[i], k=k,
                         max_steps=10_000, monitor=None, progress=None, record=False)
        self.dense_nfev += eng.nfev
        if res.status != "success":
            raise IntegrationError(f"dense output at t = {mpmath.nstr(tt, 17)} failed: "
                                   f"{res.message}", time=tt)
        return res.y
