"""How a trajectory of each integration level is read: θ at a time, x at θ, and the options of
its confirming re-integration. :class:`~symflow.flows.trajectory.Trajectory` holds the reader of
its level (``READERS[arith]``) and asks it, instead of branching on the level.

``mpmath``   dense output in mpf at the working precision; a time equal to an end of the span up
             to the rounding of its own precision is that end; x from
             :class:`~symflow.core.fields.CompiledField` at the working precision; confirmed by
             the same integration at ``dps_high`` (default dps + 10) digits.
``float64``  dense output of scipy's DOP853 in float64, converted to mpf; confirmed by the same
             float64 integration at rtol/100 (at least 1e-13; ``dps_high`` records −log10 of it).
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
from mpmath import mp, mpf

from ..backends.float64 import mpf_list
from ..core.fields import CompiledField
from ..errors import IntegrationError, PrecisionError
from ..numbers import MAX_DPS, check_dps
from .options import _CONFIRM_EXTRA

__all__ = ["READERS"]


class _MpReader:
    def confirm_dps(self, dps):
        """Digits of the default confirming re-integration."""
        return dps + _CONFIRM_EXTRA

    def theta(self, traj, tt):
        with mp.workdps(traj.stats.get("work_dps", traj.dps) + 5):
            slack = mpf(10) ** (-traj.dps) * max(1, abs(traj.t_end))
            if traj.t_end < tt <= traj.t_end + slack:
                tt = +traj.t_end
            elif -slack <= tt < 0:
                tt = mpf(0)
        if tt > traj.t_end:
            raise IntegrationError(
                f"time {mpmath.nstr(tt, 17)} is outside the integrated span [0, "
                f"{mpmath.nstr(traj.t_end, 17)}] (status {traj.status!r}: {traj.message})",
                time=tt)
        return traj._dense(tt)

    def outputs(self, traj, th):
        with mp.workdps(traj.stats["work_dps"]):
            # built inside workdps: CompiledField rounds the data at the current precision
            cf = traj._cache.get("cf")
            if cf is None:
                cf = traj._cache["cf"] = CompiledField(traj.problem, "standard", arith="mpmath")
            return cf.outputs(th)

    def confirming_run(self, traj, dps_high):
        """(integrate's precision keywords, dps_high) of the confirming re-integration."""
        if dps_high is None:
            dps_high = self.confirm_dps(traj.dps)
            if dps_high > MAX_DPS:
                raise PrecisionError(
                    f"confirm: the default dps_high = dps + {_CONFIRM_EXTRA} = {dps_high} "
                    f"exceeds MAX_DPS = {MAX_DPS}; this trajectory (dps = {traj.dps}) cannot "
                    f"be confirmed at a higher precision", dps_high)
        dps_high = check_dps(dps_high, "dps_high")
        if dps_high <= traj.dps:
            raise PrecisionError(
                f"confirm: dps_high = {dps_high} must exceed the trajectory's dps = "
                f"{traj.dps} (a confirmation at no higher precision proves nothing)", dps_high)
        return {"dps": dps_high, "arith": "mpmath"}, dps_high


class _F64Reader:
    def confirm_dps(self, dps):
        return None   # confirmed at a smaller rtol, not at more digits

    def theta(self, traj, tt):
        lo, hi = 0.0, float(traj.t_end)
        tf = float(tt)
        if not (lo - 1e-15 <= tf <= hi + 1e-15 * max(1, abs(hi))):
            raise IntegrationError(f"time {tf} is outside the integrated span [0, {hi}]",
                                   time=tt)
        if traj._dense is None:
            return [mpf(v) for v in traj.thetas[0]]
        return mpf_list(traj._dense(min(max(tf, lo), hi)))

    def outputs(self, traj, th):
        if traj._cache.get("cf") is None:
            traj._cache["cf"] = CompiledField(traj.problem, "standard", arith="float64")
        return mpf_list(traj._cache["cf"].outputs(np.array([float(v) for v in th])))

    def confirming_run(self, traj, dps_high):
        rtol_hi = max(traj._options["rtol"] / 100, 1e-13)
        return {"rtol": rtol_hi, "arith": "float64"}, int(round(-math.log10(rtol_hi)))


#: The reader of each integration level.
READERS = {"mpmath": _MpReader(), "float64": _F64Reader()}
