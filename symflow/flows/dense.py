"""Dense output of the GBS engine: :class:`OdeSolution` (the result of
:func:`~symflow.flows.odes.solve_ivp_mp`); ``sol(t)`` re-integrates from the step point before
``t`` with the same method and tolerance, so it is as accurate as the step points."""

from __future__ import annotations

import bisect

import mpmath
from mpmath import mp, mpf

from ..errors import IntegrationError
from .controller import _integrate
from .engine import _Engine


class OdeSolution:
    """Result of :func:`solve_ivp_mp`.

    Attributes: ``t0``, ``t1`` (requested span), ``dps``, ``work_dps``, ``ts``/``ys`` (accepted
    step points, values at working precision), ``status`` ("success" | "stopped" | "failed"),
    ``message``, ``t_stop`` (where a monitor stopped it, or where it failed; else None), ``stats``.
    Calling ``sol(t)`` gives the dense output for ``t`` in ``[t0, t_last]``.
    """

    def __init__(self, *, f, t0, t1, dps, work_dps, ts, ys, ks, status, message, t_stop, stats,
                 rtol, atol, kmax, h_max):
        self.f = f
        self.t0 = t0
        self.t1 = t1
        self.dps = dps
        self.work_dps = work_dps
        self.ts = ts
        self.ys = ys
        self.ks = ks  # columns used per accepted step (len(ts) - 1 entries)
        self.status = status
        self.message = message
        self.t_stop = t_stop
        self.stats = stats
        self._rtol = rtol
        self._atol = atol
        self._kmax = kmax
        self._h_max = h_max
        self.dense_nfev = 0

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
            ts = self.ts
            forward = ts[-1] >= ts[0]
            lo, hi = (ts[0], ts[-1]) if forward else (ts[-1], ts[0])
            if not (lo <= tt <= hi):
                raise IntegrationError(
                    f"dense output requested at t = {mpmath.nstr(tt, 17)}, outside the integrated "
                    f"span [{mpmath.nstr(lo, 17)}, {mpmath.nstr(hi, 17)}]", time=tt)
            # locate the step [ts[i], ts[i+1]] containing tt
            if forward:
                i = bisect.bisect_right(ts, tt) - 1
            else:
                neg = [-s for s in ts]
                i = bisect.bisect_right(neg, -tt) - 1
            i = max(0, min(i, len(ts) - 1))
            if ts[i] == tt:
                return list(self.ys[i])
            if i + 1 < len(ts) and ts[i + 1] == tt:
                return list(self.ys[i + 1])
            eng = _Engine(self.f, len(self.ys[0]), self._rtol, self._atol, self._kmax, self._h_max)
            k = self.ks[i] if i < len(self.ks) else max(3, self._kmax // 2)
            k = max(3, min(k, self._kmax - 1))
            res = _integrate(eng, ts[i], list(self.ys[i]), tt, H=tt - ts[i], k=k,
                             max_steps=10_000, monitor=None, progress=None, record=False)
            self.dense_nfev += eng.nfev
            if res["status"] != "success":
                raise IntegrationError(f"dense output at t = {mpmath.nstr(tt, 17)} failed: "
                                       f"{res['message']}", time=tt)
            return res["y"]

