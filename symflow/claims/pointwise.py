"""Pointwise claims C1, C2, C3, C4, C5 (pointwise part) and C9 of THEORY.md.

Each is an identity (or inequality) between matrices built from D (QN × K), g = ∇ₓC (QN),
D⁺ = ``pinv(D)``, P = ``projector(D)`` (exact level: from a column basis, independently of
``pinv``) and (DDᵀ)⁺, evaluated at points θ. Residuals are computed from those objects, never
from the closed forms being checked.

**Points.** θ(0) of the catalogue entry plus random points whose coordinates are drawn
independently and uniformly from the grid S = {k/2¹⁶ : |k| ≤ 2¹⁶} (|S| = 131073), seeded by the
entry name (reproducible).

**Levels and verdicts of one comparison** (``lhs`` vs ``rhs``, residual r = max|lhs − rhs|):

exact
    r is an exact rational; verified iff r = 0, else refuted (tolerance 0). For rational
    networks this is *polynomial identity testing*: on the generic stratum (rank D = r₀ =
    min(QN, K)) every residual here is a rational function R = p/det(Γ)⁴ of θ, Γ the r₀ × r₀
    Gram matrix (DDᵀ or DᵀD), because all pseudo-inverses are then products of D, Dᵀ and Γ⁻¹.
    Counting at most ten polynomial factors of degree ≤ δ (δ = total degree of x[θ] in θ, from
    the architecture) and at most four factors Γ⁻¹ = adj Γ / det Γ, deg p ≤ δ(8r₀ + 10). By the
    Schwartz–Zippel lemma a nonzero p vanishes at a uniform point of Sᴷ with probability
    ≤ deg p/|S|; a point where det Γ = 0 (probability ≤ 2δr₀/|S|) is also counted as a failure,
    so m random points all giving 0 while R ≢ 0 has probability ≤ ((deg p + 2δr₀)/|S|)ᵐ. The
    bound is recorded in each Evidence's ``details`` (``pit_bound``). θ(0) is an extra point,
    not counted. For rank-deficient problems θ(0) may lie off the generic stratum; the identity
    there is an exact check at that point.
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
tol at both precisions).

**(DDᵀ)⁺ at the ball level** for a rank-deficient NTK with certified full *column* rank D (K <
QN): (DDᵀ)⁺ = (D⁺)ᵀD⁺ with D⁺ = (DᵀD)⁻¹Dᵀ (an identity valid for every D); C9 checks the four
Penrose equations for it, which characterise the Moore–Penrose inverse.

Every check function accepts injectable pieces (``field_fn``, ``pinv_fn``, …) so that tests can
feed a deliberately wrong field and see the verdict refuted.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Callable, Sequence

import flint
import mpmath
import sympy as sp

from ..arith import working_precision
from ..errors import RankError
from .. import tolerance as _tolerance
from ..evidence import Evidence, Level, Reason, Status, combine_status
from ..fields import parameter_field
from ..linalg import Mat, eye, pinv, projector, range_basis, rank_info
from ..problem import PointData, Problem
from .registry import claim_check, register

__all__ = ["GRID_DENOMINATOR", "N_RANDOM_EXACT", "N_RANDOM_NUMERIC", "GUARD_DIGITS",
           "CONFIRM_EXTRA_DPS", "sample_points", "output_degree", "pit_bound",
           "ntk_pinv", "v_alpha", "library_field",
           "check_c1", "check_c2", "check_c2_general", "hand_counterexample",
           "C2_GENERAL_FINDING", "ntk_condition", "check_c3", "check_c4", "check_c5_pointwise", "check_c9",
           "C4_ALPHAS", "C5_ALPHAS"]

GRID_DENOMINATOR = 2 ** 16
GRID_SIZE = 2 * GRID_DENOMINATOR + 1
N_RANDOM_EXACT = 5
N_RANDOM_NUMERIC = 2
GUARD_DIGITS = _tolerance.GUARD
CONFIRM_EXTRA_DPS = _tolerance.CONFIRM_EXTRA_DPS
BALL_WORK_FACTOR = 2
C4_ALPHAS = (Fraction(0), Fraction(1, 3), Fraction(1, 2), Fraction(1))
C5_ALPHAS = (Fraction(0), Fraction(1, 4), Fraction(1, 2), Fraction(3, 4), Fraction(1))
_MAX_POLY_FACTORS = 10
_MAX_GRAM_INVERSES = 4


# ---------------------------------------------------------------------------------------------
# points and the polynomial-identity-testing bound
# ---------------------------------------------------------------------------------------------

def sample_points(entry, n_random: int, salt: str = "") -> list[tuple[Fraction, ...]]:
    """θ(0) followed by ``n_random`` points uniform on S^K, S = {k/2¹⁶ : |k| ≤ 2¹⁶}."""
    rng = random.Random(f"symflow-pit:{entry.name}:{salt}")
    K = entry.problem.K
    pts = [tuple(entry.theta0)]
    for _ in range(n_random):
        pts.append(tuple(Fraction(rng.randint(-GRID_DENOMINATOR, GRID_DENOMINATOR),
                                  GRID_DENOMINATOR) for _ in range(K)))
    return pts


def output_degree(problem: Problem) -> int | None:
    """Total degree of x[θ] in θ for a polynomial activation (None otherwise).

    z⁽¹⁾ has degree 1, and each hidden layer maps degree d to a·d + 1 (a = deg σ).

    >>> from symflow.problems import get_problem
    >>> output_degree(get_problem("cube-2-3-2-l2").problem)
    4
    """
    act = problem.network.activation
    zs = act.expr.free_symbols
    if len(zs) != 1:
        return None
    z = next(iter(zs))
    if not act.expr.is_polynomial(z):
        return None
    a = sp.Poly(act.expr, z).degree()
    d = 1
    for _ in range(problem.network.depth - 1):
        d = a * d + 1
    return d


def pit_bound(problem: Problem, m: int) -> dict:
    """The Schwartz–Zippel bound of the module docstring for ``m`` random points."""
    delta = output_degree(problem)
    r0 = min(problem.QN, problem.K)
    if delta is None:
        return {"pit": f"{m} random points from S^K with |S| = {GRID_SIZE}; the activation is not "
                       f"polynomial, so no degree bound is stated (exact checks only)"}
    deg_p = delta * (2 * _MAX_GRAM_INVERSES * r0 + _MAX_POLY_FACTORS)
    per_point = Fraction(deg_p + 2 * delta * r0, GRID_SIZE)
    total = per_point ** m
    return {
        "pit": (f"Schwartz–Zippel: residual = p/det(Γ)^{_MAX_GRAM_INVERSES} on the generic "
                f"stratum (rank {r0}), deg p ≤ δ(8r₀+10) = {deg_p} with δ = deg x[θ] = {delta}; "
                f"{m} uniform points from S^K, |S| = {GRID_SIZE}: a false identity passes all "
                f"with probability ≤ (({deg_p} + {2 * delta * r0})/{GRID_SIZE})^{m} "
                f"≈ {float(total):.1e}"),
        "pit_points": m,
        "pit_degree_bound": deg_p,
        "pit_bound": f"{float(total):.3e}",
    }


# ---------------------------------------------------------------------------------------------
# the objects: (DDᵀ)⁺, V_α, library field
# ---------------------------------------------------------------------------------------------

def _scalar(q: Fraction, level: Level):
    q = Fraction(q)
    if level is Level.EXACT:
        return flint.fmpq(q.numerator, q.denominator)
    if level is Level.BALL:
        return flint.arb(q.numerator) / q.denominator
    if level is Level.MPMATH:
        return mpmath.mpf(q.numerator) / q.denominator
    return q.numerator / q.denominator


def ntk_pinv(pd: PointData) -> Mat:
    """(DDᵀ)⁺ (QN × QN) at the point's level; see the module docstring for the ball case."""
    D = pd.D
    dps = pd.dps or 30
    try:
        return pinv(D @ D.T, dps)
    except RankError:
        if pd.level is not Level.BALL or D.shape[0] <= D.shape[1]:
            raise
        Dp = pinv(D, dps)  # certified full column rank: (DᵀD)⁻¹Dᵀ, else RankError
        return Dp.T @ Dp


def v_alpha(pd: PointData, alpha: Fraction, Gp: Mat | None = None) -> Mat:
    """V_α = −Dᵀ((1−α)g + α(DDᵀ)⁺g) (K × 1), from D and (DDᵀ)⁺ (Theorem 2.3)."""
    D, g = pd.D, pd.grad
    a = _scalar(alpha, pd.level)
    one = _scalar(Fraction(1), pd.level)
    if Gp is None:
        Gp = ntk_pinv(pd)
    return -(D.T @ (g * (one - a) + (Gp @ g) * a))


def library_field(pd: PointData, alpha: Fraction) -> Mat:
    """``symflow.parameter_field(pd, α)``; at the ball level for a rank-deficient NTK, where the
    library cannot certify (DDᵀ)⁺ directly, :func:`v_alpha` with :func:`ntk_pinv`."""
    try:
        return parameter_field(pd, str(alpha))
    except RankError:
        if pd.level is not Level.BALL:
            raise
        return v_alpha(pd, alpha)


def _ldl_pivots(H: Mat) -> list:
    """Pivots of the LDLᵀ elimination of a symmetric matrix (all > 0 ⇔ positive definite)."""
    n = H.shape[0]
    A = H.tolist()
    piv = []
    for j in range(n):
        d = A[j][j]
        piv.append(d)
        if not (d > 0):  # a pivot not certainly positive: stop, it decides the outcome
            break
        for i in range(j + 1, n):
            f = A[i][j] / d
            for k in range(j + 1, n):
                A[i][k] = A[i][k] - f * A[j][k]
    return piv


# ---------------------------------------------------------------------------------------------
# comparisons and their verdicts
# ---------------------------------------------------------------------------------------------

@dataclass
class Cmp:
    """One comparison at one point: ``kind`` is "zero" (lhs = rhs), "le0" (value ≤ 0), "pos"
    (every value > 0) or "same" (the listed vectors are all zero or all nonzero).

    ``scale`` sets the tolerance (default: the size of the compared objects); ``magnitude`` is
    the size of the quantity judged, against which the tolerance must stay small
    (:func:`symflow.tolerance.too_loose`; default: the scale, or the size of lhs and rhs).
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


def _report(x, level: Level):
    """A residual for the report: Fraction (exact), mpf (ball upper bound / mpmath), float."""
    if isinstance(x, flint.fmpq):
        return Fraction(int(x.p), int(x.q))
    if isinstance(x, flint.arb):
        return mpmath.mpf(x.mid().str(20, radius=False)) + mpmath.mpf(x.rad().str(5, radius=False))
    if isinstance(x, int):
        return x
    return x


def _tol(level: Level, dps: int, scale: float):
    """The pointwise tolerance of :mod:`symflow.tolerance` (one rule per level)."""
    return _tolerance.pointwise(level, dps, scale)


def _arb_tol(dps: int, scale: float) -> flint.arb:
    """The same rule as an Arb ball (exact power of ten times the scale)."""
    return flint.arb(10) ** (_tolerance.GUARD - dps) * flint.arb(max(1.0, scale))


def _magnitude(c: Cmp) -> float:
    """The size of the quantity judged (for :func:`symflow.tolerance.too_loose`)."""
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
    if pd.level is Level.EXACT:
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


_UNDECIDED = {
    Level.BALL: (Reason.NUMERICS, "the certified ball contains 0 but is wider than the tolerance"),
    Level.MPMATH: (Reason.PRECISION, "the residual at dps and its re-run at dps + "
                   f"{CONFIRM_EXTRA_DPS} disagree about the tolerance"),
    Level.FLOAT64: (Reason.NUMERICS, "the float64 residual lies between the tolerance and the "
                    "refutation threshold"),
}


def _finish(j: _Judged, c: Cmp, level: Level) -> _Judged:
    """Attach the reason of an undecided comparison, and demote a pass whose tolerance is not
    small against the quantity judged to inconclusive (reason ``tolerance``)."""
    if j.status is Status.INCONCLUSIVE and j.reason is None:
        j.reason, j.why = _UNDECIDED.get(level, (Reason.NUMERICS, "undecided"))
    if (j.status is Status.VERIFIED and level is not Level.EXACT
            and c.kind in ("zero", "le0")):
        loose = _tolerance.too_loose(j.tolerance, _magnitude(c))
        if loose is not None:
            j.status, j.reason, j.why = Status.INCONCLUSIVE, Reason.TOLERANCE, loose
    return j


def _judge(c: Cmp, c2: Cmp | None, level: Level, dps: int) -> _Judged:
    return _finish(_judge_raw(c, c2, level, dps), c, level)


def _judge_raw(c: Cmp, c2: Cmp | None, level: Level, dps: int) -> _Judged:
    if c.kind == "same":
        return _judge_same(c, c2, level, dps)
    scale = _scale(c)
    if c.kind == "pos":
        vals = list(c.lhs)
        if level is Level.EXACT:
            m = min(vals)
            return _Judged(Status.VERIFIED if m > 0 else Status.REFUTED, _report(m, level), 0)
        if level is Level.BALL:
            if all(v > 0 for v in vals):
                st = Status.VERIFIED
            elif any(v <= 0 for v in vals):
                st = Status.REFUTED
            else:
                st = Status.INCONCLUSIVE
            low = min((v.lower() for v in vals), key=lambda b: b.mid())
            return _Judged(st, _report(low, level), 0)
        tol1 = _tol(level, dps, scale)
        m1 = min(vals)
        if level is Level.FLOAT64:
            st = Status.VERIFIED if m1 > tol1 else (
                Status.REFUTED if m1 < -1e3 * tol1 else Status.INCONCLUSIVE)
            return _Judged(st, m1, tol1)
        m2 = min(c2.lhs)
        tol2 = _tol(level, dps + CONFIRM_EXTRA_DPS, scale)
        if m1 > tol1 and m2 > tol2:
            st = Status.VERIFIED
        elif m1 < -tol1 and m2 < -tol1:
            st = Status.REFUTED
        else:
            st = Status.INCONCLUSIVE
        return _Judged(st, m1, tol1, m2)
    # "zero" and "le0": residual r ≥ 0 that must be ≤ tol
    if c.kind == "zero":
        d = _diff(c)
        r = _max_abs(d)
        certainly_nonzero = not _is_zero(d)
    elif c.kind == "le0":
        v = c.lhs
        if level is Level.BALL:
            r = v.upper() if not (v <= 0) else flint.arb(0)
            certainly_nonzero = bool(v > 0)
        else:
            r = v if v > 0 else 0 * v
            certainly_nonzero = v > 0
    else:  # pragma: no cover - programming error
        raise ValueError(f"unknown comparison kind {c.kind!r}")
    if level is Level.EXACT:
        return _Judged(Status.REFUTED if certainly_nonzero else Status.VERIFIED,
                       _report(r, level), 0)
    if level is Level.BALL:
        tol = _arb_tol(dps, scale)
        if certainly_nonzero:
            st = Status.REFUTED
        elif r <= tol:
            st = Status.VERIFIED
        else:
            st = Status.INCONCLUSIVE
        return _Judged(st, _report(r.abs_upper() if c.kind == "zero" else r, level),
                       _tol(Level.MPMATH, dps, scale))
    tol1 = _tol(level, dps, scale)
    if level is Level.FLOAT64:
        r = float(r)
        st = Status.VERIFIED if r <= tol1 else (
            Status.REFUTED if r > 1e-3 * max(1.0, scale) else Status.INCONCLUSIVE)
        return _Judged(st, r, tol1)
    if c.kind == "zero":
        r2 = _max_abs(_diff(c2))
    else:
        r2 = c2.lhs if c2.lhs > 0 else 0 * c2.lhs
    tol2 = _tol(level, dps + CONFIRM_EXTRA_DPS, scale)
    if r <= tol1 and r2 <= tol2:
        st = Status.VERIFIED
    elif r > tol1 and r2 > tol1:
        st = Status.REFUTED
    else:
        st = Status.INCONCLUSIVE
    return _Judged(st, r, tol1, r2)


def _zeroness(M, M2, level: Level, dps: int) -> str:
    """'zero', 'nonzero' or 'undecided' for one vector (C4)."""
    if level is Level.EXACT:
        return "zero" if M.is_zero() else "nonzero"
    scale = 1.0
    if level is Level.BALL:
        if not M.is_zero():
            return "nonzero"
        return "zero" if M.max_abs() <= _arb_tol(dps, scale) else "undecided"
    r1 = M.max_abs()
    tol1 = _tol(level, dps, scale)
    if level is Level.FLOAT64:
        return "zero" if r1 <= tol1 else ("nonzero" if r1 > 1e3 * tol1 else "undecided")
    r2 = M2.max_abs()
    tol2 = _tol(level, dps + CONFIRM_EXTRA_DPS, scale)
    if r1 <= tol1 and r2 <= tol2:
        return "zero"
    if r1 > tol1 and r2 > tol1:
        return "nonzero"
    return "undecided"


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
    """Evaluate ``fn`` at every point (twice for mpmath) and make one Evidence per key."""
    prob = problem or entry.problem
    judged: dict[str, list[_Judged]] = {k: [] for k in whats}
    skipped: list[str] = []
    work = BALL_WORK_FACTOR * dps if level is Level.BALL else dps
    kappas = []
    for th in points:
        pd = prob.at(th, level, work)
        with working_precision(work):
            out = fn(pd)
        if isinstance(out, Skip):
            skipped.append(out.reason)
            continue
        kappas.append(ntk_condition(pd))
        out2 = None
        if level is Level.MPMATH:
            pd2 = prob.at(th, level, dps + CONFIRM_EXTRA_DPS)
            with working_precision(dps + CONFIRM_EXTRA_DPS):
                out2 = fn(pd2)
                # differences are formed at the confirming precision, not after rounding
                out2 = {k: (Cmp("zero", _diff(c), None, c.scale) if c.kind == "zero" else c)
                        for k, c in out2.items()}
        with working_precision(work):
            for key in whats:
                c = out[key]
                j = _judge(c, None if out2 is None else out2[key], level, dps)
                j.kind = c.kind
                judged[key].append(j)
    n_checked = len(points) - len(skipped)
    base = {"points": n_checked, "points_skipped": len(skipped)}
    if skipped:
        base["skip_reasons"] = sorted(set(skipped))
    if level is Level.EXACT and pit:
        base.update(pit_bound(prob, max(0, n_checked - 1)))
    if level is Level.MPMATH:
        base["confirm_dps"] = dps + CONFIRM_EXTRA_DPS
    if level is Level.BALL:
        base["ball_working_dps"] = work
    if level in (Level.BALL, Level.MPMATH):
        base["tolerance_rule"] = f"10^({GUARD_DIGITS} − dps)·max(1, size of compared objects)"
    if level is Level.FLOAT64:
        base["tolerance_rule"] = "1e-8·max(1, size of compared objects)"
    ks = [k for k in kappas if k is not None]
    kappa = max(ks) if ks else None
    evs = []
    for key, what in whats.items():
        js = judged[key]
        if not js:
            evs.append(Evidence(level, what + " — no point satisfied the hypothesis", None, None,
                                Status.INCONCLUSIVE, None if level is Level.EXACT else dps,
                                dict(base), key=key, reason=Reason.HYPOTHESIS,
                                why="; ".join(sorted(set(skipped))) or "no point checked"))
            continue
        kind_pos = js[0].kind == "pos"
        res = (min if kind_pos else max)((j.residual for j in js), key=lambda v: mpmath.mpf(
            float(v) if isinstance(v, Fraction) else v) if not isinstance(v, int) else v)
        tol = max((j.tolerance for j in js), key=lambda v: mpmath.mpf(v) if not isinstance(
            v, float) else v)
        det = dict(base)
        det["kind"] = js[0].kind
        if any(j.confirm is not None for j in js):
            det["confirm_residual"] = str(max(j.confirm for j in js)) if not kind_pos else \
                str(min(j.confirm for j in js))
        if any(j.info for j in js):
            det["per_point"] = [j.info for j in js]
        status = combine_status(j.status for j in js)
        reason, why = None, ""
        if status is Status.INCONCLUSIVE:
            bad = [j for j in js if j.status is Status.INCONCLUSIVE]
            reason, why = bad[0].reason, bad[0].why
            if len(bad) > 1:
                why += f" (at {len(bad)} of {len(js)} points)"
        if n_checked < len(points):
            det["reduced"] = (f"{n_checked} of {len(points)} points satisfied the hypothesis "
                              f"({'; '.join(sorted(set(skipped)))})")
        evs.append(Evidence(level, what, res, tol, status,
                            None if level is Level.EXACT else dps, det, key=key, reason=reason,
                            why=why, kappa=kappa if kind_pos is False else None))
    return evs


def _n_random(level: Level, n_points: int | None) -> int:
    if n_points is not None:
        return n_points
    return N_RANDOM_EXACT if level is Level.EXACT else N_RANDOM_NUMERIC


def _alpha_name(a: Fraction) -> str:
    return str(a)


# ---------------------------------------------------------------------------------------------
# C1 — Lemma 2.2, full rank
# ---------------------------------------------------------------------------------------------

register("C1", "Lemma 2.2, full rank: D⁺ field moves outputs along −∇ₓC",
         "If rank D = QN, then θ' = −Dᵀ(DDᵀ)⁻¹∇ₓC gives x' = −∇ₓC.",
         "Lemma 2.2", applies=lambda e: e.full_rank)


def _c1_lemma_field(pd: PointData) -> Mat:
    """θ' = −Dᵀ(DDᵀ)⁻¹g, with an explicit inverse (not pinv)."""
    return -(pd.D.T @ ((pd.D @ pd.D.T).inv() @ pd.grad))


def check_c1(entry, *, dps: int = 30, level: Level = Level.EXACT, progress=None,
             field_fn: Callable[[PointData], Mat] | None = None, n_points: int | None = None
             ) -> list[Evidence]:
    """C1 (Lemma 2.2): D θ' = −∇ₓC for θ' = −Dᵀ(DDᵀ)⁻¹∇ₓC where rank D = QN.

    ``field_fn(pd) -> θ'`` replaces the lemma's field (to test that a wrong one is refuted).
    """
    level = Level.parse(level)
    ffn = field_fn or _c1_lemma_field
    QN = entry.problem.QN

    def fn(pd):
        try:
            info = rank_info(pd.D, pd.dps or 30)
        except RankError as exc:
            return Skip(f"rank not certified at level {pd.level.value}: {exc}")
        if info.rank < QN:
            return Skip(f"rank D = {info.rank} < QN = {QN}")
        th = ffn(pd)
        lib = parameter_field(pd, "adapted")
        return {"lemma": Cmp("zero", pd.D @ th, -pd.grad),
                "library": Cmp("zero", pd.D @ lib, -pd.grad)}

    pts = sample_points(entry, _n_random(level, n_points), "C1")
    evs = _run(entry, level, dps, pts, fn, {
        "lemma": "x' = D·θ' with θ' = −Dᵀ(DDᵀ)⁻¹∇ₓC (explicit inverse) equals −∇ₓC",
        "library": "x' = D·θ' with the library's adapted field θ' = −D⁺∇ₓC equals −∇ₓC",
    })
    # the hypothesis at θ(0) as the catalogue states it
    pd0 = entry.problem.at(entry.theta0, level, dps)
    with working_precision(dps):
        try:
            r0 = rank_info(pd0.D, dps)
        except RankError as exc:
            r0 = None
            evs.insert(0, Evidence(level, f"hypothesis at θ(0): rank D not certified ({exc})",
                                   None, 0, Status.INCONCLUSIVE,
                                   None if level is Level.EXACT else dps, key="hypothesis_theta0",
                                   reason=Reason.NUMERICS, why=f"rank D not certified: {exc}"))
    if r0 is not None:
        det = {} if r0.certain else {"smallest_singular_value": str(r0.smallest_singular_value),
                                     "threshold": str(r0.threshold)}
        evs.insert(0, Evidence(
            level, f"hypothesis at θ(0): rank D = {r0.rank} "
                   f"({'certified' if r0.certain else 'numerical'}) vs QN = {QN} "
                   f"(residual = QN − rank)",
            QN - r0.rank, 0, Status.VERIFIED if r0.rank == QN else Status.INCONCLUSIVE,
            None if level is Level.EXACT else dps, det, key="hypothesis_theta0",
            reason=None if r0.rank == QN else Reason.HYPOTHESIS,
            why="" if r0.rank == QN else f"full rank fails at θ(0): rank D = {r0.rank} < QN = {QN}"))
    return evs


claim_check("C1")(check_c1)


# ---------------------------------------------------------------------------------------------
# C2 — Lemma 2.2, general rank
# ---------------------------------------------------------------------------------------------

register("C2", "Lemma 2.2, general rank: A with DDᵀA = P gives x' = −P∇ₓC",
         "For any A with DDᵀA = P (equivalently DDᵀADDᵀ = DDᵀ and DDᵀA symmetric) the field "
         "−DᵀA∇ₓC gives x' = −P∇ₓC; A = (DDᵀ)⁺ is such an A, and Dᵀ(DDᵀ)⁺ = D⁺.", "Lemma 2.2")

#: Why the old wording of C2 is kept as a documented counterexample (C2-GENERAL).
C2_GENERAL_FINDING = (
    "FINDING: 'any A with DDᵀADDᵀ = DDᵀ' is not enough where rank D < QN. Then DDᵀA is a "
    "projector onto range(D) but not necessarily the orthogonal one, and the field −DᵀA∇ₓC "
    "moves outputs by x' = −P∇ₓC − DDᵀA(I − P)∇ₓC. Hand counterexample: D = (1, 0)ᵀ, "
    "A = [[1, 1], [0, 0]], ∇ₓC = (0, 1) gives x' = (−1, 0) ≠ −P∇ₓC = 0. The corrected C2 "
    "asks DDᵀA = P (DDᵀA symmetric); A = (DDᵀ)⁺ satisfies it.")

register("C2-GENERAL", "Lemma 2.2, old wording (documented counterexample): any generalized "
         "inverse A of DDᵀ gives x' = −P∇ₓC",
         "For any A with DDᵀ A DDᵀ = DDᵀ the field −DᵀA∇ₓC gives x' = −P∇ₓC — expected to be "
         "REFUTED wherever rank D < QN and (I − P)∇ₓC ≠ 0 (a finding, not a failure).",
         "Lemma 2.2 (old wording of THEORY.md)", applies=lambda e: not e.full_rank,
         expect=Status.REFUTED, finding=C2_GENERAL_FINDING)


def _rand_rational_matrix(n: int, seed: str, level: Level) -> Mat:
    rng = random.Random(seed)
    rows = [[Fraction(rng.randint(-4, 4), rng.randint(1, 3)) for _ in range(n)] for _ in range(n)]
    return Mat.from_rows(level, [[_scalar(v, level) for v in r] for r in rows], n)


def _default_ginverses(pd: PointData, Gp: Mat) -> list[Mat]:
    """Three generalized inverses of G = DDᵀ (G A G = G):

    A₁ = G⁺;  A₂ = G⁺ + (I − G⁺G)Z (also GA₂ = GG⁺ = P symmetric: a {1,3}-inverse);
    A₃ = G⁺ + (I − G⁺G)Z + W(I − GG⁺), a generalized inverse for any Z, W, since
    G(I − G⁺G) = 0 = (I − GG⁺)G, but GA₃ = P + GW(I − P) is not symmetric where rank D < QN.
    Z, W are fixed random rational matrices. All three equal G⁻¹ at full rank; A₁ and A₂
    satisfy C2's corrected hypothesis GA = P, A₃ only the old wording's GAG = G.
    """
    n = Gp.shape[0]
    G = pd.D @ pd.D.T
    I = eye(pd.level, n)
    Z = _rand_rational_matrix(n, "C2-Z", pd.level)
    W = _rand_rational_matrix(n, "C2-W", pd.level)
    A2 = Gp + (I - Gp @ G) @ Z
    return [Gp, A2, A2 + W @ (I - G @ Gp)]


def check_c2(entry, *, dps: int = 30, level: Level = Level.EXACT, progress=None,
             ginverses_fn: Callable[[PointData, Mat], list[Mat]] | None = None,
             pinv_fn: Callable[[PointData], Mat] | None = None, n_points: int | None = None
             ) -> list[Evidence]:
    """C2 as corrected (Lemma 2.2, any rank): for A₁ = (DDᵀ)⁺ and A₂ = (DDᵀ)⁺ + (I − G⁺G)Z the
    hypothesis DDᵀA = P holds (and with it DDᵀADDᵀ = DDᵀ, DDᵀA symmetric), and the field
    −DᵀA∇ₓC moves outputs by D(−DᵀAg) = −Pg; Dᵀ(DDᵀ)⁺ = D⁺. P from ``projector`` (a column
    basis), D⁺ from ``pinv(D)`` directly. ``ginverses_fn(pd, G⁺)`` replaces [A₁, A₂]."""
    level = Level.parse(level)
    gfn = ginverses_fn or (lambda pd, Gp: _default_ginverses(pd, Gp)[:2])
    pfn = pinv_fn or (lambda pd: pinv(pd.D, pd.dps or 30))

    def fn(pd):
        D, g = pd.D, pd.grad
        G = D @ D.T
        Gp = ntk_pinv(pd)
        P = projector(D, pd.dps or 30)
        out = {}
        for i, A in enumerate(gfn(pd, Gp), start=1):
            GA = G @ A
            out[f"hyp_A{i}"] = Cmp("zero", GA, P)
            out[f"ginv_A{i}"] = Cmp("zero", GA @ G, G)
            out[f"sym_A{i}"] = Cmp("zero", GA.T, GA)
            out[f"flow_A{i}"] = Cmp("zero", D @ (-(D.T @ (A @ g))), -(P @ g))
        out["dpinv"] = Cmp("zero", D.T @ Gp, pfn(pd))
        return out

    pts = sample_points(entry, _n_random(level, n_points), "C2")
    whats = {"dpinv": "Dᵀ(DDᵀ)⁺ = D⁺ (D⁺ computed directly from D)"}
    names = {1: "A₁ = (DDᵀ)⁺", 2: "A₂ = (DDᵀ)⁺ + (I−(DDᵀ)⁺DDᵀ)Z (random rational Z)"}
    for i, name in names.items():
        whats[f"hyp_A{i}"] = f"{name} satisfies the hypothesis DDᵀA = P (P from a column basis)"
        whats[f"ginv_A{i}"] = f"{name}: DDᵀADDᵀ = DDᵀ"
        whats[f"sym_A{i}"] = f"{name}: DDᵀA symmetric"
        whats[f"flow_A{i}"] = f"field −DᵀA∇ₓC with {name} moves outputs by x' = −P∇ₓC"
    return _run(entry, level, dps, pts, fn, whats)


claim_check("C2")(check_c2)


def hand_counterexample(level: Level = Level.EXACT) -> dict:
    """The smallest counterexample to C2-GENERAL, computed (not typed in): D = (1, 0)ᵀ,
    A = [[1, 1], [0, 0]], g = (0, 1). Returns the matrices, GAG − G, x' = −DDᵀAg and −Pg."""
    one, zero = _scalar(Fraction(1), level), _scalar(Fraction(0), level)
    D = Mat.from_rows(level, [[one], [zero]], 1)
    A = Mat.from_rows(level, [[one, one], [zero, zero]], 2)
    g = Mat.column(level, [zero, one])
    G = D @ D.T
    P = projector(D)
    return {"D": D, "A": A, "g": g, "ginv_residual": G @ A @ G - G,
            "xdot": D @ (-(D.T @ (A @ g))), "minus_Pg": -(P @ g)}


def check_c2_general(entry, *, dps: int = 30, level: Level = Level.EXACT, progress=None,
                     ginverse_fn: Callable[[PointData, Mat], Mat] | None = None,
                     n_points: int | None = None) -> list[Evidence]:
    """C2-GENERAL, the old wording of Lemma 2.2 (a documented counterexample, expected refuted).

    On the hand counterexample (exact) and at the sample points of a rank-deficient problem,
    with A₃ = G⁺ + (I − G⁺G)Z + W(I − GG⁺) (``ginverse_fn(pd, G⁺)`` replaces it): the old
    hypothesis DDᵀA₃DDᵀ = DDᵀ must hold (verified) and the conclusion D(−DᵀA₃g) = −Pg must
    fail (refuted). A failing conclusion counts as a counterexample only where the hypothesis
    verified: otherwise the conclusion's evidence is demoted to inconclusive (reason
    ``hypothesis``), so the verdict can be refuted only by a genuine counterexample.
    """
    level = Level.parse(level)
    afn = ginverse_fn or (lambda pd, Gp: _default_ginverses(pd, Gp)[2])
    hand = hand_counterexample()
    r_h = hand["ginv_residual"].max_abs()
    r_f = (hand["xdot"] - hand["minus_Pg"]).max_abs()
    evs = [
        Evidence(Level.EXACT, "hand counterexample D = (1,0)ᵀ, A = [[1,1],[0,0]]: the old "
                 "hypothesis DDᵀADDᵀ = DDᵀ holds", _report(r_h, Level.EXACT), 0,
                 Status.VERIFIED if r_h == 0 else Status.REFUTED, None, key="hand_hypothesis"),
        Evidence(Level.EXACT, "hand counterexample, ∇ₓC = (0,1): x' = −DDᵀA∇ₓC equals −P∇ₓC "
                 f"(computed x' = {[str(v) for v in hand['xdot'].entries()]}, −P∇ₓC = "
                 f"{[str(v) for v in hand['minus_Pg'].entries()]})", _report(r_f, Level.EXACT),
                 0, Status.VERIFIED if r_f == 0 else Status.REFUTED, None, key="hand_flow"),
    ]

    def fn(pd):
        D, g = pd.D, pd.grad
        G = D @ D.T
        Gp = ntk_pinv(pd)
        A = afn(pd, Gp)
        P = projector(D, pd.dps or 30)
        return {"ginv_A3": Cmp("zero", G @ A @ G, G),
                "flow_A3": Cmp("zero", D @ (-(D.T @ (A @ g))), -(P @ g))}

    pts = sample_points(entry, _n_random(level, n_points), "C2")
    evs += _run(entry, level, dps, pts, fn, {
        "ginv_A3": "A₃ = (DDᵀ)⁺ + (I−(DDᵀ)⁺DDᵀ)Z + W(I−DDᵀ(DDᵀ)⁺) (random rational Z, W) "
                   "satisfies the old hypothesis DDᵀA₃DDᵀ = DDᵀ",
        "flow_A3": "field −DᵀA₃∇ₓC moves outputs by x' = −P∇ₓC (the old wording's conclusion; "
                   "in fact x' = −P∇ₓC − DDᵀW(I−P)∇ₓC where rank D < QN)",
    })
    pairs = {"hand_flow": "hand_hypothesis", "flow_A3": "ginv_A3"}
    status = {e.key: e.status for e in evs}
    out = []
    for e in evs:
        if e.key == "flow_A3":  # the comparison that must fail on this problem
            e = e.with_(details={**e.details, "counterexample": True})
        hyp = pairs.get(e.key)
        if hyp is not None and e.status is Status.REFUTED and status[hyp] is not Status.VERIFIED:
            e = e.with_(status=Status.INCONCLUSIVE, reason=Reason.HYPOTHESIS,
                        why=f"the old hypothesis ({hyp}) did not verify, so a failing "
                            "conclusion is not a counterexample")
        out.append(e)
    return out


claim_check("C2-GENERAL")(check_c2_general)



# ---------------------------------------------------------------------------------------------
# C3 — Theorem 2.3, endpoints
# ---------------------------------------------------------------------------------------------

register("C3", "Theorem 2.3, endpoints: V_0 is the standard field, V_1 the adapted field",
         "V_0 is the standard field and V_1 the adapted field.", "Theorem 2.3")


def check_c3(entry, *, dps: int = 30, level: Level = Level.EXACT, progress=None,
             field_fn: Callable[[PointData, Fraction], Mat] | None = None,
             n_points: int | None = None) -> list[Evidence]:
    """C3: V_α = −Dᵀ((1−α)I + α(DDᵀ)⁺)g at α = 0 equals −Dᵀg, at α = 1 equals −D⁺g (D⁺ from
    ``pinv(D)``); the library's "standard"/"adapted" fields equal V_0/V_1.
    ``field_fn(pd, α)`` replaces the V_α formula."""
    level = Level.parse(level)
    vfn = field_fn or v_alpha

    def fn(pd):
        D, g = pd.D, pd.grad
        V0, V1 = vfn(pd, Fraction(0)), vfn(pd, Fraction(1))
        return {"V0": Cmp("zero", V0, -(D.T @ g)),
                "V1": Cmp("zero", V1, -(pinv(D, pd.dps or 30) @ g)),
                "lib0": Cmp("zero", library_field(pd, Fraction(0)), V0),
                "lib1": Cmp("zero", library_field(pd, Fraction(1)), V1)}

    pts = sample_points(entry, _n_random(level, n_points), "C3")
    return _run(entry, level, dps, pts, fn, {
        "V0": "V_0 = −Dᵀ(1·I + 0·(DDᵀ)⁺)∇ₓC equals the standard field −Dᵀ∇ₓC",
        "V1": "V_1 = −Dᵀ(DDᵀ)⁺∇ₓC equals the adapted field −D⁺∇ₓC (D⁺ = pinv(D) directly)",
        "lib0": "the library's 'standard' field equals V_0",
        "lib1": "the library's 'adapted' field equals V_1",
    })


claim_check("C3")(check_c3)


# ---------------------------------------------------------------------------------------------
# C4 — Theorem 2.3, equilibria
# ---------------------------------------------------------------------------------------------

register("C4", "Theorem 2.3, equilibria: V_α = 0 ⇔ P∇ₓC = 0 ⇔ V_0 = 0",
         "For every α ∈ [0,1]: V_α(θ) = 0 ⇔ P∇ₓC = 0 ⇔ V_0(θ) = 0 (because (1−α)I + α(DDᵀ)⁺ "
         "is positive definite on range(D) and maps it into itself, and ker Dᵀ = range(D)^⊥).",
         "Theorem 2.3")


def equilibrium_problem(entry, seed: int = 0) -> tuple[Problem, str] | None:
    """A problem with the same network and inputs whose targets make θ(0) an equilibrium.

    Exact, L2 only: x₀ = x(θ(0)); if rank D < QN, y = x₀ + N·n with n = (I − P)r ≠ 0 ∈ ker Dᵀ
    (so g = −n ≠ 0: a non-trivial equilibrium, P g = 0); at full rank y = x₀ (g = 0).
    None when it cannot be built exactly (transcendental network or cross-entropy).
    """
    prob = entry.problem
    if not prob.rational or prob.loss.name != "l2":
        return None
    pd = prob.at(entry.theta0, Level.EXACT)
    P = projector(pd.D)
    n_vec = None
    if rank_info(pd.D).rank < prob.QN:
        rng = random.Random(f"C4-eq:{entry.name}:{seed}")
        I = eye(Level.EXACT, prob.QN)
        for _ in range(10):
            r = Mat.column(Level.EXACT, [flint.fmpq(rng.randint(-5, 5), rng.randint(1, 4))
                                         for _ in range(prob.QN)])
            n_vec = (I - P) @ r
            if not n_vec.is_zero():
                break
    x0 = pd.x
    y = x0 if n_vec is None else x0 + n_vec * prob.N
    vals = [Fraction(int(v.p), int(v.q)) for v in y.entries()]
    rows = [vals[j * prob.Q:(j + 1) * prob.Q] for j in range(prob.N)]
    kind = ("non-trivial: y = x(θ₀) + N·(I−P)r, so ∇ₓC ∈ ker Dᵀ \\ {0}" if n_vec is not None
            else "trivial: y = x(θ₀), ∇ₓC = 0 (full rank: P = I)")
    return Problem(prob.network, prob.inputs, rows, "l2", name=f"{entry.name}+equilibrium"), kind


def check_c4(entry, *, dps: int = 30, level: Level = Level.EXACT, progress=None,
             field_fn: Callable[[PointData, Fraction], Mat] | None = None,
             n_points: int | None = None, alphas: Sequence[Fraction] = C4_ALPHAS
             ) -> list[Evidence]:
    """C4: at sample points P g, V_0 and every V_α are all zero or all nonzero; at a constructed
    equilibrium all vanish; Bᵀ((1−α)I + α(DDᵀ)⁺)B ≻ 0 for a basis B of range(D), and
    (I − P)((1−α)I + α(DDᵀ)⁺)B = 0. ``field_fn(pd, α)`` replaces the field under test."""
    level = Level.parse(level)
    vfn = field_fn or library_field
    evs: list[Evidence] = []

    def same(pd):
        D, g = pd.D, pd.grad
        P = projector(D, pd.dps or 30)
        vecs = [("P∇ₓC", P @ g), ("V_0 (standard)", -(D.T @ g))]
        vecs += [(f"V_{_alpha_name(a)}", vfn(pd, a)) for a in alphas]
        return {"same": Cmp("same", vecs)}

    def posdef(pd):
        B = range_basis(pd.D, pd.dps or 30)  # a basis of range(D) as columns
        Gp = ntk_pinv(pd)
        n = pd.D.shape[0]
        I = eye(pd.level, n)
        P = projector(pd.D, pd.dps or 30)
        out = {}
        pivs = []
        for a in alphas:
            M = I * (_scalar(1 - a, pd.level)) + Gp * _scalar(a, pd.level)
            pivs += _ldl_pivots(B.T @ M @ B)
            out[f"inv_{a}"] = Cmp("zero", (I - P) @ M @ B, None,
                                  scale=_f(_max_abs(M)) * _f(_max_abs(B)) * _f(_max_abs(P)),
                                  magnitude=_f(_max_abs(M)) * _f(_max_abs(B)))
        out["pos"] = Cmp("pos", pivs)
        return out

    pts = sample_points(entry, _n_random(level, n_points), "C4")
    alist = ", ".join(map(str, alphas))
    evs += _run(entry, level, dps, pts, same, {
        "same": f"P∇ₓC, V_0 and V_α (α ∈ {{{alist}}}) are all zero or all nonzero "
                f"(residual = number of them whose zeroness differs from P∇ₓC's)"}, pit=False)
    whats = {"pos": f"Bᵀ((1−α)I + α(DDᵀ)⁺)B positive definite (LDLᵀ pivots > 0; residual = "
                    f"smallest pivot) for a basis B of range(D), α ∈ {{{alist}}}"}
    for a in alphas:
        whats[f"inv_{a}"] = f"(1−α)I + α(DDᵀ)⁺ maps range(D) into itself at α = {a}: (I−P)M_αB = 0"
    evs += _run(entry, level, dps, pts, posdef, whats)
    built = equilibrium_problem(entry)
    if built is not None:
        eq_prob, kind = built

        def at_eq(pd):
            D, g = pd.D, pd.grad
            P = projector(D, pd.dps or 30)
            z = pd.grad * 0
            out = {"Pg": Cmp("zero", P @ g, z), "V0": Cmp("zero", -(D.T @ g), D.T @ z)}
            for a in alphas:
                out[f"V_{a}"] = Cmp("zero", vfn(pd, a), D.T @ z)
            return out

        ew = {"Pg": f"at a constructed equilibrium ({kind}): P∇ₓC = 0",
              "V0": "at the constructed equilibrium: V_0 = 0"}
        for a in alphas:
            ew[f"V_{a}"] = f"at the constructed equilibrium: V_{a} = 0"
        evs += _run(entry, level, dps, [entry.theta0], at_eq, ew, problem=eq_prob, pit=False)
    return evs


claim_check("C4")(check_c4)


# ---------------------------------------------------------------------------------------------
# C5 — Theorem 2.3, output space (pointwise part)
# ---------------------------------------------------------------------------------------------

register("C5", "Theorem 2.3, output space: x' = −((1−α)DDᵀ + αP)∇ₓC and dC/ds ≤ 0",
         "The induced output fields interpolate between (2.18) and (2.28) and share their "
         "equilibria; along every V_α the cost does not increase: "
         "dC/ds = −∇ₓCᵀ((1−α)DDᵀ + αP)∇ₓC ≤ 0.", "Theorem 2.3")


def check_c5_pointwise(entry, *, dps: int = 30, level: Level = Level.EXACT, progress=None,
                       field_fn: Callable[[PointData, Fraction], Mat] | None = None,
                       n_points: int | None = None, alphas: Sequence[Fraction] = C5_ALPHAS
                       ) -> list[Evidence]:
    """C5 at points: D V_α = −((1−α)DDᵀ + αP)g (P from ``projector``) and dC/ds = gᵀDV_α ≤ 0."""
    level = Level.parse(level)
    vfn = field_fn or library_field

    def fn(pd):
        D, g = pd.D, pd.grad
        P = projector(D, pd.dps or 30)
        G = D @ D.T
        out = {}
        for a in alphas:
            xdot = D @ vfn(pd, a)
            closed = -((G * _scalar(1 - a, pd.level) + P * _scalar(a, pd.level)) @ g)
            out[f"out_{a}"] = Cmp("zero", xdot, closed)
            dC = (g.T @ xdot)[0, 0]
            out[f"dC_{a}"] = Cmp("le0", dC, scale=_max_abs(g) * _max_abs(g) * (1 + _max_abs(G)))
        return out

    whats = {}
    for a in alphas:
        whats[f"out_{a}"] = f"α = {a}: x' = D·V_α equals −((1−α)DDᵀ + αP)∇ₓC"
        whats[f"dC_{a}"] = f"α = {a}: dC/ds = ∇ₓCᵀ D V_α ≤ 0 (residual = max(dC/ds, 0))"
    pts = sample_points(entry, _n_random(level, n_points), "C5")
    return _run(entry, level, dps, pts, fn, whats)


@claim_check("C5")
def _c5(entry, *, dps, level, progress):
    return check_c5_pointwise(entry, dps=dps, level=level, progress=progress)


# ---------------------------------------------------------------------------------------------
# C9 — appendix: pseudo-inverse facts
# ---------------------------------------------------------------------------------------------

register("C9", "Appendix: the pseudo-inverse identities",
         "DD⁺D = D, D⁺DD⁺ = D⁺, DD⁺ and D⁺D symmetric projectors, Dᵀ(DDᵀ)⁺ = D⁺, "
         "(DDᵀ)⁺DDᵀ = P.", "Appendix")


def check_c9(entry, *, dps: int = 30, level: Level = Level.EXACT, progress=None,
             pinv_fn: Callable[[PointData], Mat] | None = None,
             projector_fn: Callable[[PointData], Mat] | None = None,
             n_points: int | None = None) -> list[Evidence]:
    """C9: the six identities, with D⁺ = ``pinv(D)``, P = ``projector(D)`` (independent of
    pinv at the exact level) and (DDᵀ)⁺ from :func:`ntk_pinv`, whose four Penrose equations
    are checked too."""
    level = Level.parse(level)
    pfn = pinv_fn or (lambda pd: pinv(pd.D, pd.dps or 30))
    Pfn = projector_fn or (lambda pd: projector(pd.D, pd.dps or 30))

    def fn(pd):
        D = pd.D
        Dp = pfn(pd)
        P = Pfn(pd)
        G = D @ D.T
        Gp = ntk_pinv(pd)
        DDp, DpD = D @ Dp, Dp @ D
        return {
            "DDpD": Cmp("zero", D @ Dp @ D, D),
            "DpDDp": Cmp("zero", Dp @ D @ Dp, Dp),
            "DDp_sym": Cmp("zero", DDp.T, DDp),
            "DDp_idem": Cmp("zero", DDp @ DDp, DDp),
            "DpD_sym": Cmp("zero", DpD.T, DpD),
            "DpD_idem": Cmp("zero", DpD @ DpD, DpD),
            "DT_Gp": Cmp("zero", D.T @ Gp, Dp),
            "Gp_G": Cmp("zero", Gp @ G, P),
            "DDp_P": Cmp("zero", DDp, P),
            "penrose": Cmp("zero", _stack([G @ Gp @ G - G, Gp @ G @ Gp - Gp,
                                           (G @ Gp).T - G @ Gp, (Gp @ G).T - Gp @ G]),
                           None, scale=max(_f(G.max_abs()), _f(Gp.max_abs())) ** 3,
                           magnitude=max(_f(G.max_abs()), _f(Gp.max_abs()))),
        }

    pts = sample_points(entry, _n_random(level, n_points), "C9")
    return _run(entry, level, dps, pts, fn, {
        "DDpD": "DD⁺D = D",
        "DpDDp": "D⁺DD⁺ = D⁺",
        "DDp_sym": "DD⁺ symmetric",
        "DDp_idem": "DD⁺ idempotent (a projector)",
        "DpD_sym": "D⁺D symmetric",
        "DpD_idem": "D⁺D idempotent (a projector)",
        "DT_Gp": "Dᵀ(DDᵀ)⁺ = D⁺",
        "Gp_G": "(DDᵀ)⁺DDᵀ = P (P from a column basis of D)",
        "DDp_P": "DD⁺ = P (two computations of the projector)",
        "penrose": "(DDᵀ)⁺ satisfies the four Penrose equations for DDᵀ",
    })


def _stack(mats: list[Mat]) -> Mat:
    rows = []
    for M in mats:
        rows += M.tolist()
    return Mat.from_rows(mats[0].level, rows, mats[0].shape[1])


claim_check("C9")(check_c9)
