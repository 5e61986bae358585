"""The pointwise verdict engine: one rule for every comparison of C1–C5 (pointwise) and C9.

A check builds, at each sample point (:mod:`~symflow.claims.sampling`), a dict of comparisons
(:class:`Cmp`) or a :class:`Skip` where the claim's hypothesis fails; :func:`_run` evaluates
it at every point (twice for mpmath), judges each comparison (:func:`_judge`) and makes one
Evidence per key.

**Levels and verdicts of one comparison** (``lhs`` vs ``rhs``, residual r = max|lhs − rhs|):

exact
    r is an exact rational; verified iff r = 0, else refuted (tolerance 0). For rational
    networks this is polynomial identity testing: the Schwartz–Zippel bound of
    :mod:`~symflow.claims.sampling` (``pit_bound`` in the evidence's details).
ball
    r is a certified upper bound (Arb), computed at 2·dps digits (the radii grow through the
    inversions); tolerance tol = 10^(10 − dps)·max(1, s), s the size of the compared objects. Refuted iff some entry's
    ball excludes 0 (then lhs ≠ rhs is *proved*); verified iff r ≤ tol (a proof that
    |lhs − rhs| ≤ tol at that point); otherwise inconclusive.
mpmath
    r at ``dps`` and again at ``dps + 20`` (confirmation); verified iff both are within their
    tolerances 10^(10 − dps)·max(1, s); refuted iff both exceed the first; else inconclusive.
float64
    tol = 10⁻⁸·max(1, s); verified iff r ≤ tol; refuted iff r > 10⁻³·max(1, s); else
    inconclusive.

Inequalities (C5's dC/ds ≤ 0) use r = max(value, 0) with the same rules; positivity (C4's
positive-definiteness pivots) needs a certified positive value (exact > 0, ball > 0, mpmath >
tol at both precisions); over no values at all (the pivots of a 0 × 0 matrix, when range(D) =
{0}) it holds vacuously: verified, residual None, the details say so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Callable, Sequence

import flint
import mpmath

from ..backends import Backend, Decision, backend, tolerance as _tolerance
from ..backends.ball import WORK_FACTOR
from ..backends.arith import working_precision
from ..errors import RankError
from .evidence import Evidence, Level, Reason, Status, combine_status
from ..backends.linalg import Mat
from ..core.problem import PointData, Problem
from .sampling import pit_bound

__all__ = ["GUARD_DIGITS", "CONFIRM_EXTRA_DPS", "BALL_WORK_FACTOR", "Cmp", "Skip", "ntk_condition"]


GUARD_DIGITS = _tolerance.GUARD
CONFIRM_EXTRA_DPS = _tolerance.CONFIRM_EXTRA_DPS
BALL_WORK_FACTOR = WORK_FACTOR   # the ball level's working digits per digit (its backend's)


@dataclass
class Cmp:
    """One comparison at one point: ``kind`` is "zero" (lhs = rhs), "le0" (value ≤ 0), "pos"
    (every value > 0) or "same" (the listed vectors are all zero or all nonzero).

    ``scale`` sets the tolerance (default: the size of the compared objects); ``magnitude`` is
    the size of the quantity judged, against which the tolerance must stay small
    (:func:`symflow.backends.tolerance.too_loose`; default: the scale, or the size of lhs and rhs).
    """

    kind: str
    lhs: Any
    rhs: Any = None
    scale: Any = None
    magnitude: Any = None


@dataclass
class Skip:
    """A point at which the claim's hypothesis fails (e.g. rank D < QN for C1)."""

    reason: str


def _f(x) -> float:
    """An upper estimate of |x| as a float (for scales)."""
    if isinstance(x, flint.arb):
        return float(x.abs_upper().mid())
    if isinstance(x, flint.fmpq):
        return abs(float(Fraction(int(x.p), int(x.q))))
    return abs(float(x))


def _magnitude(c: Cmp) -> float:
    """The size of the quantity judged (for :func:`symflow.backends.tolerance.too_loose`)."""
    if c.magnitude is not None:
        return _f(c.magnitude)
    if c.scale is not None:
        return _f(c.scale)
    return _scale(c)


def _mid_float(x) -> Any:
    if isinstance(x, flint.arb):
        return mpmath.mpf(x.mid().str(25, radius=False))
    if isinstance(x, flint.fmpq):
        return mpmath.mpf(int(x.p)) / int(x.q)
    return mpmath.mpf(x)


def ntk_condition(pd: PointData) -> Any:
    """κ of DDᵀ on its range, (σ_max/σ_min⁺)² from the singular values of D (midpoints, 25
    digits; σ counted as nonzero above σ_max·10^(−dps/2)). None at the exact level (whose
    tolerance is 0 and grows with nothing) or for D = 0."""
    if backend(pd.level).exact:
        return None
    rows = [[_mid_float(v) for v in r] for r in pd.D.tolist()]
    with mpmath.workdps(25):
        S = mpmath.svd_r(mpmath.matrix(rows), compute_uv=False)
        sv = sorted((abs(S[i]) for i in range(len(S))), reverse=True)
        if not sv or sv[0] == 0:
            return None
        cut = sv[0] * mpmath.mpf(10) ** (-((pd.dps or 30) // 2))
        nz = [v for v in sv if v > cut]
        return float((sv[0] / nz[-1]) ** 2)


def _max_abs(M) -> Any:
    if isinstance(M, Mat):
        return M.max_abs()
    return abs(M)


def _is_zero(M) -> bool:
    if isinstance(M, Mat):
        return M.is_zero()
    if isinstance(M, flint.arb):
        return M.contains(0)
    return M == 0


def _scale(c: Cmp) -> float:
    if c.scale is not None:
        return _f(c.scale)
    if c.kind == "pos":
        return max(_f(v) for v in c.lhs)
    vals = [c.lhs] + ([c.rhs] if c.rhs is not None else [])
    return max(_f(_max_abs(v)) for v in vals)


def _diff(c: Cmp):
    return c.lhs - c.rhs if c.rhs is not None else c.lhs


@dataclass
class _Judged:
    status: Status
    residual: Any
    tolerance: Any
    confirm: Any = None
    info: dict = field(default_factory=dict)
    kind: str = "zero"
    reason: Reason | None = None
    why: str = ""
    kappa: Any = None


#: A backend's decision as a status of a comparison.
_STATUS = {Decision.HOLDS: Status.VERIFIED, Decision.FAILS: Status.REFUTED,
           Decision.UNDECIDED: Status.INCONCLUSIVE}


def _finish(j: _Judged, c: Cmp, level: Level) -> _Judged:
    """Attach the reason of an undecided comparison, and demote a pass whose tolerance is not
    small against the quantity judged to inconclusive (reason ``tolerance``)."""
    be = backend(level)
    if j.status is Status.INCONCLUSIVE and j.reason is None:
        reason, j.why = be.undecided
        j.reason = Reason[reason.upper()]   # the backend names a Reason member
    if j.status is Status.VERIFIED and not be.exact and c.kind in ("zero", "le0"):
        loose = _tolerance.too_loose(j.tolerance, _magnitude(c))
        if loose is not None:
            j.status, j.reason, j.why = Status.INCONCLUSIVE, Reason.TOLERANCE, loose
    return j


def _judge(c: Cmp, c2: Cmp | None, level: Level, dps: int) -> _Judged:
    return _finish(_judge_raw(c, c2, level, dps), c, level)


def _judge_raw(c: Cmp, c2: Cmp | None, level: Level, dps: int) -> _Judged:
    """One comparison judged by the level's rule (:meth:`Backend.decide_zero` /
    :meth:`Backend.decide_positive`); ``c2`` is the same comparison at the confirming
    precision for levels that confirm."""
    if c.kind == "same":
        return _judge_same(c, c2, level, dps)
    be = backend(level)
    if c.kind == "pos" and not len(c.lhs):
        return _vacuous_pos()
    scale = _scale(c)
    if c.kind == "pos":
        d = be.decide_positive(list(c.lhs), None if c2 is None else list(c2.lhs), dps, scale)
        return _Judged(_STATUS[d.decision], d.residual, d.tolerance, d.confirm)
    r, nonzero = _residual(c, be)
    r2 = None if c2 is None else _residual(c2, be)[0]
    d = be.decide_zero(r, nonzero, r2, dps, scale)
    return _Judged(_STATUS[d.decision], d.residual, d.tolerance, d.confirm)


def _vacuous_pos() -> _Judged:
    """"Every value > 0" over no values (e.g. the LDLᵀ pivots of a 0 × 0 matrix BᵀMB when
    range(D) = {0}): true, vacuously. There is no smallest value to report (min ∅ = +∞), so the
    residual is None and ``info`` says why; the tolerance is 0, as for every positivity check."""
    return _Judged(Status.VERIFIED, None, 0,
                   info={"vacuous": "no values to be positive (an empty set of pivots: a 0 × 0 "
                                    "matrix is positive definite vacuously)"})


def _residual(c: Cmp, be: Backend) -> tuple[Any, bool]:
    """The residual r ≥ 0 of a "zero" (max|lhs − rhs|) or "le0" (max(value, 0)) comparison,
    and whether the quantity is certainly nonzero (resp. certainly positive)."""
    if c.kind == "zero":
        d = _diff(c)
        return _max_abs(d), not _is_zero(d)
    if c.kind == "le0":
        return be.positive_part(c.lhs)
    raise ValueError(f"unknown comparison kind {c.kind!r}")  # pragma: no cover


def _zeroness(M, M2, level: Level, dps: int) -> str:
    """'zero', 'nonzero' or 'undecided' for one vector (C4), by the level's rule at scale 1."""
    d = backend(level).decide_zero(M.max_abs(), not M.is_zero(),
                                   None if M2 is None else M2.max_abs(), dps, 1.0)
    return {Decision.HOLDS: "zero", Decision.FAILS: "nonzero"}.get(d.decision, "undecided")


def _judge_same(c: Cmp, c2: Cmp | None, level: Level, dps: int) -> _Judged:
    names = [n for n, _ in c.lhs]
    classes = {n: _zeroness(M, None if c2 is None else dict(c2.lhs)[n], level, dps)
               for n, M in c.lhs}
    decided = {k for k in classes.values() if k != "undecided"}
    if len(decided) > 1:
        st = Status.REFUTED
    elif "undecided" in classes.values():
        st = Status.INCONCLUSIVE
    else:
        st = Status.VERIFIED
    ref = classes[names[0]]
    disagree = sum(1 for n in names if classes[n] != ref)
    return _Judged(st, disagree, 0, info={"classes": classes})


def _run(entry, level: Level, dps: int, points: Sequence, fn: Callable[[PointData], Any],
         whats: dict[str, str], problem: Problem | None = None, pit: bool = True
         ) -> list[Evidence]:
    """Evaluate ``fn`` at every point (again at the confirming precision for levels that
    confirm) and make one Evidence per key of ``whats``."""
    prob = problem or entry.problem
    judged: dict[str, list[_Judged]] = {k: [] for k in whats}
    skipped: list[str] = []
    kappas = []
    for th in points:
        out = _judge_point(prob, th, level, dps, fn, whats)
        if isinstance(out, Skip):
            skipped.append(out.reason)
            continue
        kappa, js = out
        kappas.append(kappa)
        for key, j in js.items():
            judged[key].append(j)
    base = _base_details(prob, level, dps, len(points), skipped, pit)
    ks = [k for k in kappas if k is not None]
    kappa = max(ks) if ks else None
    return [_evidence(level, dps, key, what, judged[key], base, skipped, len(points), kappa)
            for key, what in whats.items()]


def _judge_point(prob: Problem, th, level: Level, dps: int, fn, whats) -> "Skip | tuple":
    """At one point: ``fn``'s comparisons judged (with their re-run at the confirming
    precision), as (κ of the NTK, {key: _Judged}); or the Skip ``fn`` returned."""
    be = backend(level)
    work, confirm = be.work_dps(dps), be.confirm_dps(dps)
    pd = prob.at(th, level, work)
    try:
        with working_precision(work):
            out = fn(pd)
        if isinstance(out, Skip):
            return out
        out2 = None
        if confirm is not None:
            pd2 = prob.at(th, level, confirm)
            with working_precision(confirm):
                out2 = fn(pd2)
    except RankError as exc:   # e.g. balls cannot certify rank D here: undecided, not an error
        return None, {key: _Judged(Status.INCONCLUSIVE, None, None, reason=Reason.NUMERICS,
                                   why=f"at this point: {exc}") for key in whats}
    if confirm is not None:
        with working_precision(confirm):
            # differences are formed at the confirming precision, not after rounding
            out2 = {k: (Cmp("zero", _diff(c), None, c.scale) if c.kind == "zero" else c)
                    for k, c in out2.items()}
    js = {}
    with working_precision(work):
        for key in whats:
            c = out[key]
            j = _judge(c, None if out2 is None else out2[key], level, dps)
            j.kind = c.kind
            js[key] = j
    return ntk_condition(pd), js


def _base_details(prob: Problem, level: Level, dps: int, n_points: int, skipped: list,
                  pit: bool) -> dict:
    """What every Evidence of one ``_run`` reports: points checked and skipped, the
    Schwartz–Zippel bound (exact), the precisions used and the tolerance rule."""
    be = backend(level)
    work, confirm = be.work_dps(dps), be.confirm_dps(dps)
    n_checked = n_points - len(skipped)
    base = {"points": n_checked, "points_skipped": len(skipped)}
    if skipped:
        base["skip_reasons"] = sorted(set(skipped))
    if be.exact and pit:
        base.update(pit_bound(prob, max(0, n_checked - 1)))
    if confirm is not None:
        base["confirm_dps"] = confirm
    if work != dps:
        base["ball_working_dps"] = work
    base.update(be.rule())
    return base


def _evidence(level: Level, dps: int, key: str, what: str, js: list[_Judged], base: dict,
              skipped: list, n_points: int, kappa: Any) -> Evidence:
    """One Evidence from a key's per-point judgements: the worst status, the largest residual
    (smallest value for positivity) and tolerance, the first undecided point's reason."""
    if not js:
        return Evidence(level, what + " — no point satisfied the hypothesis", None, None,
                        Status.INCONCLUSIVE, dps, dict(base), key=key, reason=Reason.HYPOTHESIS,
                        why="; ".join(sorted(set(skipped))) or "no point checked")
    kind = "pos" if any(j.kind == "pos" for j in js) else js[0].kind
    kind_pos = kind == "pos"
    # None: a vacuous positivity, or a point where the comparison could not be formed
    rs = [j.residual for j in js if j.residual is not None]
    res = (min if kind_pos else max)(rs, key=lambda v: mpmath.mpf(
        float(v) if isinstance(v, Fraction) else v) if not isinstance(v, int) else v) \
        if rs else None
    tols = [j.tolerance for j in js if j.tolerance is not None]
    tol = max(tols, key=lambda v: mpmath.mpf(v) if not isinstance(v, float) else v) \
        if tols else None
    det = dict(base)
    det["kind"] = kind
    confirms = [j.confirm for j in js if j.confirm is not None]  # None: vacuous, or no re-run
    if confirms:
        det["confirm_residual"] = str(max(confirms) if not kind_pos else min(confirms))
    if any(j.info for j in js):
        det["per_point"] = [j.info for j in js]
    status = combine_status(j.status for j in js)
    reason, why = None, ""
    if status is Status.INCONCLUSIVE:
        bad = [j for j in js if j.status is Status.INCONCLUSIVE]
        reason, why = bad[0].reason, bad[0].why
        if len(bad) > 1:
            why += f" (at {len(bad)} of {len(js)} points)"
    if skipped:
        det["reduced"] = (f"{n_points - len(skipped)} of {n_points} points satisfied the "
                          f"hypothesis ({'; '.join(sorted(set(skipped)))})")
    return Evidence(level, what, res, tol, status, dps, det, key=key, reason=reason, why=why,
                    kappa=kappa if kind_pos is False else None)
