"""How C0 judges one comparison: the differences between a library value and its reference.

Shared by C0's checks (:mod:`symflow.claims.c00.jacobian`, :mod:`~symflow.claims.c00.gradient`,
:mod:`~symflow.claims.c00.integrator`): :func:`_judge` turns the differences of one comparison
at one point into an outcome by the rules of :mod:`symflow.backends.tolerance` (exact: verified
iff all are 0; ball: refuted iff a ball excludes 0, verified iff every ball is certainly within
the tolerance; mpmath: a run and a confirming run at ``dps + CONFIRM_EXTRA_DPS``; float64:
verified within the tolerance, refuted beyond ``FLOAT64_REFUTE``·max(1, scale)), and a pass with
a tolerance that is not small against the magnitude compared is inconclusive
(:func:`~symflow.backends.tolerance.too_loose`). :func:`_evidence` combines the outcomes at the
sample points into one :class:`~symflow.claims.evidence.Evidence`.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Sequence

import flint
import mpmath

from ...backends.linalg import Mat
from ...backends.tolerance import CONFIRM_EXTRA_DPS, FLOAT64_REFUTE, RULES, pointwise, too_loose
from ..evidence import Evidence, Level, Reason, Status, combine_status

__all__ = ["BALL_WORK_FACTOR", "N_RANDOM_EXACT", "N_RANDOM_NUMERIC", "N_RANDOM_INTEGRATOR"]

#: Arb working digits per requested digit (radii grow along the forward pass).
BALL_WORK_FACTOR = 2
#: Random points (besides θ(0)) for ``D_vs_diff`` at the exact level and at the other levels.
N_RANDOM_EXACT = 2
N_RANDOM_NUMERIC = 1
#: Random points (besides θ(0)) of the integrator comparisons.
N_RANDOM_INTEGRATOR = 1


def _mag(v) -> Any:
    """|v| as an exact Fraction, a float-ish upper bound (arb) or mpf/float."""
    if isinstance(v, flint.fmpq):
        return abs(Fraction(int(v.p), int(v.q)))
    if isinstance(v, flint.arb):
        u = v.abs_upper()
        return mpmath.mpf(u.mid().str(20, radius=False)) + mpmath.mpf(u.rad().str(5, radius=False))
    if isinstance(v, (int, Fraction)):
        return abs(Fraction(v))
    return abs(v)


def _maxmag(vals) -> Any:
    vals = list(vals)
    if not vals:
        return 0
    return max((_mag(v) for v in vals), key=lambda m: mpmath.mpf(m.numerator) / m.denominator
               if isinstance(m, Fraction) else mpmath.mpf(m))


def _fl(x) -> Any:
    """A scale as a float (Fractions) or mpf."""
    if isinstance(x, Fraction):
        return float(x)
    return x


class _Outcome:
    __slots__ = ("status", "residual", "tol", "confirm", "reason", "why")

    def __init__(self, status, residual, tol, confirm=None, reason=None, why=""):
        self.status, self.residual, self.tol = status, residual, tol
        self.confirm, self.reason, self.why = confirm, reason, why


def _judge(level: Level, dps: int, diffs: Sequence, scale: Any, magnitude: Any,
           diffs2: Sequence | None = None) -> _Outcome:
    """One comparison (differences ``diffs``; ``diffs2`` at the confirming precision for
    mpmath) by the rules of :mod:`symflow.backends.tolerance`."""
    if level is Level.EXACT:
        r = _maxmag(diffs)
        st = Status.VERIFIED if r == 0 else Status.REFUTED
        return _Outcome(st, r, 0)
    tol = pointwise(level, dps, _fl(scale))
    if level is Level.BALL:
        r = _maxmag(diffs)
        nonzero = any(not d.contains(0) for d in diffs)
        with mpmath.workdps(max(dps, 15) + 5):
            tol_arb = flint.arb(mpmath.nstr(tol, dps + 5))
        certain_le = all(d.abs_upper() <= tol_arb for d in diffs)
        if nonzero:
            out = _Outcome(Status.REFUTED, r, tol)
        elif certain_le:
            out = _Outcome(Status.VERIFIED, r, tol)
        else:
            out = _Outcome(Status.INCONCLUSIVE, r, tol, reason=Reason.NUMERICS,
                           why="the certified bound exceeds the tolerance but every ball "
                               "contains 0: undecided at this precision")
    elif level is Level.FLOAT64:
        r = float(_maxmag(diffs))
        s = max(1.0, float(scale))
        if r <= tol:
            out = _Outcome(Status.VERIFIED, r, tol)
        elif r > FLOAT64_REFUTE * s:
            out = _Outcome(Status.REFUTED, r, tol)
        else:
            out = _Outcome(Status.INCONCLUSIVE, r, tol, reason=Reason.NUMERICS,
                           why=f"float64 residual {r:.3g} between the tolerance and "
                               f"{FLOAT64_REFUTE:g}·max(1, scale)")
    else:
        r1 = _maxmag(diffs)
        r2 = _maxmag(diffs2) if diffs2 is not None else None
        tol2 = pointwise(level, dps + CONFIRM_EXTRA_DPS, _fl(scale))
        if r2 is None:
            st = Status.VERIFIED if r1 <= tol else Status.INCONCLUSIVE
            out = _Outcome(st, r1, tol, reason=None if st is Status.VERIFIED else
                           Reason.PRECISION, why="" if st is Status.VERIFIED else
                           "residual above tolerance, no confirming re-run")
        elif r1 <= tol and r2 <= tol2:
            out = _Outcome(Status.VERIFIED, r1, tol, r2)
        elif r1 > tol and r2 > tol:
            out = _Outcome(Status.REFUTED, r1, tol, r2)
        else:
            out = _Outcome(Status.INCONCLUSIVE, r1, tol, r2, Reason.PRECISION,
                           f"residual {mpmath.nstr(r1, 3)} (dps {dps}) and "
                           f"{mpmath.nstr(r2, 3)} (dps {dps + CONFIRM_EXTRA_DPS}) disagree "
                           f"with tolerance {mpmath.nstr(tol, 3)}")
    if out.status is Status.VERIFIED:
        loose = too_loose(out.tol, _fl(magnitude))
        if loose is not None:
            out = _Outcome(Status.INCONCLUSIVE, out.residual, out.tol, out.confirm,
                           Reason.TOLERANCE, loose)
    return out


def _evidence(key: str, what: str, level: Level, dps: int | None, outcomes: list[_Outcome],
              details: dict, kappa: Any = None) -> Evidence:
    """One Evidence from the per-point outcomes: worst status, largest residual/tolerance."""
    if not outcomes:
        return Evidence(level, what + " — no point to compare", None, None, Status.INCONCLUSIVE,
                        dps, details, key=key, reason=Reason.HYPOTHESIS,
                        why="no sample point satisfied the comparison's hypothesis")
    num = lambda v: mpmath.mpf(v.numerator) / v.denominator if isinstance(v, Fraction) \
        else mpmath.mpf(v)  # noqa: E731
    rs = [o.residual for o in outcomes if o.residual is not None]
    ts = [o.tol for o in outcomes if o.tol is not None]
    res = max(rs, key=num) if rs else None
    tol = max(ts, key=num) if ts else None
    st = combine_status(o.status for o in outcomes)
    det = dict(details)
    det["tolerance_rule"] = RULES.get(level.value, "")
    det["per_point_residual"] = [str(o.residual) for o in outcomes]
    if any(o.confirm is not None for o in outcomes):
        det["confirm_dps"] = (dps or 0) + CONFIRM_EXTRA_DPS
        det["confirm_residual"] = str(max((o.confirm for o in outcomes if o.confirm is not None),
                                          key=num))
    reason, why = None, ""
    if st is Status.INCONCLUSIVE:
        o = next(o for o in outcomes if o.status is Status.INCONCLUSIVE)
        reason, why = o.reason or Reason.NUMERICS, o.why
    return Evidence(level, what, res, tol, st, dps, det, key=key, reason=reason, why=why,
                    kappa=kappa)


def _flat(M: Mat) -> list:
    if M.level is Level.FLOAT64:
        return [float(v) for v in M.data.reshape(-1)]
    return M.entries()
