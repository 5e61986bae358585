"""The results of :func:`~symflow.flows.integrate`: :class:`Trajectory` (immutable),
:class:`Confirmation` (frozen) and the run status :class:`Result` (a ``str`` enum, so that
``traj.status == "success"`` holds)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum
from typing import Any, Optional

import mpmath
import numpy as np
from mpmath import mp, mpf

from ..errors import IntegrationError, PrecisionError
from ..core.fields import CompiledField, field_name, field_spec
from ..numbers import MAX_DPS, check_dps
from .evaluation import _to_mpf
from .options import integrate_tolerance
from .readers import READERS

__all__ = ["Result", "Trajectory", "Confirmation"]


class Result(str, Enum):
    """How a run ended. A ``str`` enum: members equal (and format as) their values."""

    SUCCESS = "success"
    RANK_LOSS = "rank_loss"
    FAILED = "failed"

    __str__ = str.__str__
    __format__ = str.__format__

    def __repr__(self) -> str:
        return repr(self.value)



@dataclass(frozen=True)
class Confirmation:
    """Agreement of a trajectory with the same integration at ``dps_high`` digits.

    ``max_rel_diff`` = max over the compared times of max_i|θ_i − θ_i^high| / max_i|θ_i^high|
    (and likewise for the outputs x); ``ok`` iff it is ≤ ``tolerance`` = 10^(5−dps) and both
    runs ended with the same status.
    """

    dps: int
    dps_high: int
    times: tuple
    max_rel_diff: Any
    tolerance: Any
    ok: bool
    status_high: str
    level: str = "mpmath"
    dps_actual: Any = None     # the precision the confirming run really used (its ``dps``)
    #: every compared value of the confirming run is exactly representable at ``dps`` digits
    #: (an exact integration, e.g. a flow that is linear in time): then agreement to the last
    #: digit is expected, not a sign that the re-run did not use more digits
    high_fits_dps: bool = False

    def __str__(self) -> str:
        return (f"confirmation at {self.dps_high} digits: max rel diff "
                f"{mpmath.nstr(self.max_rel_diff, 3)} vs tolerance {mpmath.nstr(self.tolerance, 3)}"
                f" → {'ok' if self.ok else 'NOT confirmed'}")



def _fits(values, dps) -> bool:
    """Whether every mpf value is exactly representable at ``dps`` digits."""
    with mp.workdps(dps):
        return all(+mpf(v) == v for v in values)


class Trajectory:
    """Result of :func:`integrate`: status (a :class:`Result`), dense output and diagnostics.

    Immutable: assigning an attribute raises ``AttributeError``; :meth:`confirm` returns the
    :class:`Confirmation` and records it in the private ``_cache`` (read it as
    :attr:`confirmation`).

    ``theta_at(time)`` / ``outputs_at(time)`` accept any time in ``[0, t_end]`` of
    ``time_variable`` and return lists of mpf at ``dps`` digits (outputs are evaluated afresh
    from θ(time) with the generic network evaluator).
    """

    def __init__(self, *, problem, field, alpha, time_variable, dps, arith, status, message,
                 stop_time, t_end, t_requested, times, thetas, x0, y, stats, min_ntk_eigenvalue,
                 max_ntk_condition, dense, options):
        values = dict(
            problem=problem, field=field, alpha=alpha, time_variable=time_variable, dps=dps,
            arith=arith, status=Result(status), message=message, stop_time=stop_time,
            t_end=t_end, t_requested=t_requested, times=times, thetas=thetas, x0=x0, y=y,
            stats=stats, min_ntk_eigenvalue=min_ntk_eigenvalue,
            max_ntk_condition=max_ntk_condition, _dense=dense, _options=options,
            # the one mutable part, private: lazily built results that do not change the
            # trajectory — "cf" (the evaluator of outputs_at) and "confirmation" (confirm())
            _cache={})
        for name, value in values.items():
            object.__setattr__(self, name, value)

    def __setattr__(self, name, value):
        raise AttributeError(f"Trajectory is immutable: cannot set {name!r}")

    def __delattr__(self, name):
        raise AttributeError(f"Trajectory is immutable: cannot delete {name!r}")

    @property
    def confirmation(self) -> Optional[Confirmation]:
        """The :class:`Confirmation` of the last :meth:`confirm` (None before): kept in the
        private ``_cache``, so the trajectory's own values never change."""
        return self._cache.get("confirmation")
    @property
    def success(self) -> bool:
        return self.status == "success"

    @property
    def level(self) -> str:
        return self.arith

    def __repr__(self) -> str:
        return (f"Trajectory({field_name(field_spec(self.field))}, {self.time_variable} ∈ [0, "
                f"{mpmath.nstr(self.t_end, 8)}], status={self.status!r}, steps="
                f"{self.stats.get('nsteps')}, dps={self.dps}, arith={self.arith!r})")

    def _round(self, vals):
        with mp.workdps(self.dps):
            return [+mpf(v) for v in vals]

    def _time(self, time):
        with mp.workdps(self.stats.get("work_dps", self.dps) + 5):
            if isinstance(time, mpf):
                return +time
            return _to_mpf(time, "time", exact=True)

    def theta_at(self, time) -> list:
        """θ at ``time`` (in :attr:`time_variable`) as mpf at :attr:`dps` digits."""
        return self._round(self._theta_work(time))

    def _theta_work(self, time):
        return READERS[self.arith].theta(self, self._time(time))

    def outputs_at(self, time) -> list:
        """x[θ(time)] (QN values), computed from θ(time) by the generic evaluator."""
        return self._round(READERS[self.arith].outputs(self, self._theta_work(time)))

    def confirm(self, dps_high: Optional[int] = None) -> Confirmation:
        """Re-integrate at ``dps_high`` (default dps + 10) and compare (see :class:`Confirmation`).

        float64 trajectories are confirmed against the same float64 integration at a smaller rtol
        (rtol/100, at least 1e-13; the level stays float64; ``dps_high`` records −log10 of that rtol)."""
        from .integrate import integrate   # the runners build Trajectory objects

        o = self._options
        precision, dps_high = READERS[self.arith].confirming_run(self, dps_high)
        hi = integrate(self.problem, o["theta0"], field=o["field"], s_end=o["s_end"],
                       t_end=o["t_end"], rank_loss=o["rank_loss"], progress=o["progress"],
                       **precision)
        with mp.workdps(dps_high + 10):
            end = min(mpf(self.t_end), mpf(hi.t_end))
            times = [end * k / 4 for k in range(1, 5)] if end > 0 else [mpf(0)]
            worst = mpf(0)
            fits = True
            for tm in times:
                for lo_v, hi_v in ((self.theta_at(tm), hi.theta_at(tm)),
                                   (self.outputs_at(tm), hi.outputs_at(tm))):
                    scale = max(abs(v) for v in hi_v)
                    diff = max(abs(a - b) for a, b in zip(lo_v, hi_v))
                    worst = max(worst, diff / scale if scale > 0 else diff)
                    fits = fits and _fits(hi_v, self.dps)
        tol = integrate_tolerance(self.dps)
        conf = Confirmation(self.dps, dps_high, tuple(times), worst, tol,
                            bool(worst <= tol and hi.status == self.status), hi.status,
                            level=self.arith, dps_actual=getattr(hi, "dps", None),
                            high_fits_dps=fits)
        self._cache["confirmation"] = conf
        return conf

