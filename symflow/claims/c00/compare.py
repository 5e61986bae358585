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
from ...backends import Decision, backend
from ...backends.ball import WORK_FACTOR
from ...backends.tolerance import CONFIRM_EXTRA_DPS, RULES, too_loose
from ..evidence import Evidence, Level, Reason, Status, combine_status

__all__ = ["BALL_WORK_FACTOR", "N_RANDOM_EXACT", "N_RANDOM_NUMERIC", "N_RANDOM_INTEGRATOR"]

#: Arb working digits per requested digit (radii grow along the forward pass): the ball
#: backend's.
BALL_WORK_FACTOR = WORK_FACTOR
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


#: A backend's decision as the status of a comparison.
_STATUS = {Decision.HOLDS: Status.VERIFIED, Decision.FAILS: Status.REFUTED,
           Decision.UNDECIDED: Status.INCONCLUSIVE}


def _judge(level: Level, dps: int, diffs: Sequence, scale: Any, magnitude: Any,
           diffs2: Sequence | None = None) -> _Outcome:
    """One comparison (differences ``diffs``; ``diffs2`` at the confirming precision for
    mpmath) decided by the level's rule (:meth:`~symflow.backends.base.Backend.decide_zero`);
    a pass whose tolerance is not small against ``magnitude`` is inconclusive."""
    be = backend(level)
    d = be.decide_zero(be.max_abs(diffs), not be.is_zero(diffs),
                       None if diffs2 is None else be.max_abs(diffs2), dps, _fl(scale))
    reason, why = None, ""
    if d.decision is Decision.UNDECIDED:
        reason, why = Reason[be.undecided[0].upper()], be.undecided[1]
    out = _Outcome(_STATUS[d.decision], d.residual, d.tolerance, d.confirm, reason, why)
    if out.status is Status.VERIFIED and not be.exact:
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
    return M.entries()
