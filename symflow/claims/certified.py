"""Ball-level evidence along flows, from certified enclosures (:func:`symflow.enclose`).

Off by default (the default run stays as fast as before); ``symflow check --certify`` (or
``--level ball``) runs its checks inside :func:`certifying`, and the check functions of C5, C6
and C8 that call into this module then add **ball** evidence from Arb-ball enclosures of their
flows. Every enclosure honours a per-trajectory step budget (:class:`Certify`, default
:data:`DEFAULT_MAX_STEPS` validated Taylor steps); one that does not cover its span within the
budget is reported as *not certified* with its reason, and its evidence is an inconclusive
**attempt** (:attr:`~symflow.claims.evidence.Evidence.attempt`), which does not weaken the
claim's mpmath evidence. A ball that proves a claim wrong is a refutation whether or not the
whole span was certified (the steps that were taken are rigorous): never hidden.

What each enclosure proves (θ(t) is contained in the balls of every step, for every t of the
certified span; see :mod:`symflow.flows.certified.enclose`):

**C6** (:func:`c6_evidence`, L2 loss, full rank): the LineTime field dθ/dt = D⁺(θ)(y − x₀),
x₀ = x(θ₀), enclosed on t ∈ [0, 1] with a certificate λ_min(DDᵀ) ≥ μ > 0 on the whole tube.
Then DD⁺ = I along the path, dx/dt = D dθ/dt = y − x₀, so x(θ(t)) = (1 − t)x₀ + t·y exactly,
and θ(t) *is* the adapted flow in the time t = 1 − e^{−s/N} (by uniqueness): C6 is proved for
that network, data and θ₀. The evidence also evaluates the network in ball arithmetic at every
step end t_i and bounds |x[θ(t_i)] − ((1 − t_i)x₀ + t_i·y)| (``ball.line``; a consistency
check that fails for a wrong field) and |x[θ(1)] − y| (``ball.target``); ``ball.rank`` is μ.

**C5** (:func:`c5_evidence`, any loss): the flow dθ/ds = V_α enclosed on s ∈ [0, S]
(S = :data:`C5_S_END`) for α ∈ :data:`C5_BALL_ALPHAS`, and a ball containing dC/ds =
∇ₓC·Dθ' over each step's whole tube: every upper bound ≤ 0 proves C non-increasing on
[0, S] (tolerance 0; a ball certainly > 0 proves the cost rises there: refuted).

**C8** (:func:`c8_evidence`, cross-entropy): the adapted flow enclosed on s ∈ [0, S] (shared
with C5's α = 1 enclosure), the per-sample logit sums Σ_q x_{q,n}(θ(s_i)) at the step ends as
balls, against their values at θ₀. A certified rank QN makes C8's hypothesis 1_n ∈ range(D) hold
on the whole tube, so a difference ball excluding 0 refutes the invariant. The bound is a
*consistency* bound on the enclosure at the step ends; the invariance itself is shown exactly
(C8.exact, SymPy) and at mpmath level along the flow.

**Tolerance** (C6, C8): the ball rule of :mod:`symflow.backends.tolerance` through the ball
backend's :meth:`~symflow.backends.base.Backend.decide_zero`: refuted iff a ball excludes 0,
verified iff the certified bound is ≤ 10^(GUARD − dps)·max(1, scale) (scale: the size of the
compared outputs) — and only if the enclosure is certified on the whole span; a tolerance
not small against the motion judged (:func:`~symflow.backends.tolerance.too_loose`) makes
the comparison inconclusive. The residual is the largest |mid| + rad over the difference balls
(a rigorous bound of the true difference at every step end; when the ball contains 0 it is at
most twice its radius).

Every evidence carries ``details["enclosure"]``, a record of its trajectory (:func:`record`):
problem, field, time variable, span, status, reason, steps, rank certificate, width, seconds —
from which reports build their "Certified trajectories" section. Enclosures are cached per
process (:func:`enclosure`), so C5's α = 1 enclosure of a cross-entropy problem serves C8 too.
"""

from __future__ import annotations

import contextlib
import contextvars
import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any, Iterator

import flint
import mpmath
from flint import arb

from ..backends import backend
from ..backends.arith import arb_precision
from ..backends import tolerance as _tol
from ..backends.levels import Level
from ..errors import ParameterError
from ..numbers import short_repr
from .evidence import Evidence, Reason, Status

__all__ = ["DEFAULT_MAX_STEPS", "C5_S_END", "C5_BALL_ALPHAS", "Certify", "certifying",
           "current", "enclosure", "record", "clear_cache", "c6_evidence", "c5_evidence",
           "c8_evidence"]

#: Validated Taylor steps per trajectory under ``symflow check --certify`` (measured: the C6
#: LineTime enclosure of tanh-2-3-1-l2 on [0, 1] takes 15 steps at dps 30 with the default
#: order 24; the hard catalogue fields need hundreds, see docs/theory.md §6).
DEFAULT_MAX_STEPS = 24
#: The flow-time span of C5's and C8's enclosures (short: the ball evidence is "where cheap").
C5_S_END = Fraction(1, 2)
#: The fields of C5's enclosures: standard (α = 0, needs no inverse), the interior V_{3/4} and
#: adapted (α = 1); α > 0 needs (DDᵀ)⁻¹: full-rank problems only.
C5_BALL_ALPHAS = (Fraction(0), Fraction(3, 4), Fraction(1))


@dataclass(frozen=True)
class Certify:
    """The settings of a certified run: ``max_steps`` validated steps per trajectory (an
    integer ≥ 1) and ``s_end``, the flow-time span of C5's and C8's enclosures (a rational
    > 0)."""

    max_steps: int = DEFAULT_MAX_STEPS
    s_end: Fraction = C5_S_END

    def __post_init__(self) -> None:
        ms = self.max_steps
        if isinstance(ms, bool) or not isinstance(ms, int) or ms < 1:
            raise ParameterError(f"the certified step budget max_steps must be an integer ≥ 1, "
                                 f"got {short_repr(ms)}", ms)
        try:
            s = Fraction(str(self.s_end)) if not isinstance(self.s_end, Fraction) else self.s_end
        except (TypeError, ValueError):
            s = None
        if s is None or s <= 0:
            raise ParameterError(f"the certified span s_end must be a rational > 0, got "
                                 f"{short_repr(self.s_end)}", self.s_end)
        object.__setattr__(self, "s_end", s)

    def to_dict(self) -> dict:
        return {"max_steps": self.max_steps, "s_end": str(self.s_end)}


_SETTING: contextvars.ContextVar = contextvars.ContextVar("symflow_certify", default=None)


def current() -> "Certify | None":
    """The settings of the certified run in progress (None: certified evidence is off)."""
    return _SETTING.get()


@contextlib.contextmanager
def certifying(spec: Any = True) -> Iterator["Certify | None"]:
    """Run the claims' checks with certified evidence: ``with certifying(): check_all(...)``.

    ``spec``: True (defaults), a :class:`Certify`, an integer (the step budget), or
    False/None (off)."""
    if spec is None or spec is False:
        setting = None
    elif spec is True:
        setting = Certify()
    elif isinstance(spec, Certify):
        setting = spec
    elif isinstance(spec, int) and not isinstance(spec, bool):
        setting = Certify(max_steps=spec)
    else:
        raise ParameterError(f"certifying: give True, a step budget (an integer ≥ 1) or a "
                             f"Certify, got {short_repr(spec)}", spec)
    token = _SETTING.set(setting)
    try:
        yield setting
    finally:
        _SETTING.reset(token)


# ---------------------------------------------------------------------------------------------
# enclosures (cached) and their records
# ---------------------------------------------------------------------------------------------

_CACHE: dict = {}


def enclosure(entry, *, field: Any = "adapted", t_end: Any = None, s_end: Any = None,
              dps: int = 30, max_steps: int = DEFAULT_MAX_STEPS):
    """``symflow.enclose(entry.problem, entry.theta0, ...)``, cached per (problem, θ₀, field,
    span, dps, budget)."""
    from ..flows import enclose

    key = (id(entry.problem), entry.problem, tuple(entry.theta0), str(field), str(t_end),
           str(s_end), dps, max_steps)
    enc = _CACHE.get(key)
    if enc is None:
        kw = {"t_end": t_end} if t_end is not None else {"s_end": s_end}
        enc = enclose(entry.problem, entry.theta0, field=field, dps=dps, max_steps=max_steps,
                      **kw)
        _CACHE[key] = enc
    return enc


def clear_cache() -> None:
    """Forget every cached enclosure."""
    _CACHE.clear()


def _fraction_of(b: arb) -> Fraction:
    """The exact value of an exact ``arb`` (a midpoint or a radius) as a Fraction."""
    m, e = b.man_exp()
    m, e = int(m), int(e)
    return Fraction(m) * (Fraction(2) ** e)


def _lower(b: arb) -> Fraction:
    """A rational ≤ every point of the ball ``b``."""
    return _fraction_of(b.mid()) - _fraction_of(arb(b.rad()))


def _upper(b: arb) -> Fraction:
    """A rational ≥ every point of the ball ``b``."""
    return _fraction_of(b.mid()) + _fraction_of(arb(b.rad()))


def _round(q: Fraction, digits: int, up: bool) -> str:
    """``q`` to ``digits`` significant digits, rounded down (or up) — a bound stays a bound."""
    if q == 0:
        return "0"
    k = digits - 1 - _exponent10(abs(q))
    scaled = q * Fraction(10) ** k
    n = math.ceil(scaled) if up else math.floor(scaled)
    return _fmt(n, k)


def _exponent10(q: Fraction) -> int:
    """⌊log₁₀ q⌋ for a rational q > 0, exactly (no float: widths of 10⁻⁵⁰⁰ at high dps)."""
    e = len(str(q.numerator)) - len(str(q.denominator))
    while Fraction(10) ** e > q:
        e -= 1
    while Fraction(10) ** (e + 1) <= q:
        e += 1
    return e


def _fmt(n: int, k: int) -> str:
    """n·10^(−k) as a short decimal string (exact: no further rounding)."""
    digits = f"{abs(n)}"
    exp = len(digits) - 1 - k
    sign = "-" if n < 0 else ""
    if -4 <= exp < 6:
        return sign + format(Decimal(abs(n)).scaleb(-k).normalize(), "f")
    tail = digits[1:].rstrip("0")
    return f"{sign}{digits[0]}{'.' + tail if tail else ''}e{exp:+d}"


def lower_str(b: arb, digits: int = 6) -> str:
    """A decimal ≤ every point of ``b`` (for "λ_min ≥ …")."""
    return _round(_lower(b), digits, up=False)


def upper_str(b: arb, digits: int = 3) -> str:
    """A decimal ≥ every point of ``b`` (for "width ≤ …", "|·| ≤ …")."""
    return _round(_upper(b), digits, up=True)


def _span_text(enc) -> str:
    return f"{enc.time_variable} ∈ [0, {enc.t_end}]"


def _reached(enc) -> str:
    r = enc.t_reached
    return str(r) if len(str(r)) <= 12 else f"{float(r):.6g}"


def record(entry, enc, max_steps: int) -> dict:
    """The JSON-friendly record of an enclosure, as reports show it: problem, field, time
    variable, span, status, reason, where the certified span ends, steps, rejections, field
    evaluations, the rank certificate (a decimal rounded down: λ_min(DDᵀ) ≥ it on the whole
    tube), the widths of θ (rounded up), seconds, dps and the step budget."""
    st = enc.stats
    rc = enc.rank_certificate
    return {"problem": entry.name, "field": enc.field, "time": enc.time_variable,
            "span": _span_text(enc), "status": enc.status, "certified": enc.certified,
            "reason": enc.reason or "", "reached": _reached(enc), "steps": st["steps"],
            "rejections": st["rejections"], "f_evals": st["f_evals"],
            "rank_certificate": lower_str(rc) if rc is not None else None,
            "width_end": upper_str(st["width_end"]), "width_max": upper_str(st["width_max"]),
            "seconds": round(float(enc.seconds), 3), "dps": enc.dps, "max_steps": max_steps}


def _record_sentence(rec: dict) -> str:
    """"certified on t ∈ [0, 1], 11 steps, λ_min(DDᵀ) ≥ 3.04435 on the whole tube, width of θ at
    the end ≤ 1.52e-30, 1.56 s" (or where and why it stopped)."""
    where = "on the whole tube" if rec["certified"] else "on the steps taken"
    rank = (f"λ_min(DDᵀ) ≥ {rec['rank_certificate']} {where}"
            if rec["rank_certificate"] is not None else "no rank certificate")
    head = (f"certified on {rec['span']}" if rec["certified"] else
            f"not certified: {rec['time']} reached {rec['reached']} of {rec['span']} within "
            f"the budget of {rec['max_steps']} steps")
    return (f"{head}, {rec['steps']} steps, {rank}, width of θ at the end ≤ "
            f"{rec['width_end']}, {rec['seconds']:.2f} s")


def _budget_reason(enc) -> Reason:
    return Reason.BUDGET if "max_steps" in (enc.reason or "") else Reason.NUMERICS


# ---------------------------------------------------------------------------------------------
# comparisons
# ---------------------------------------------------------------------------------------------

def _bound(balls) -> arb:
    """max over the balls of |mid| + rad (an ``arb`` ≥ |every point|), 0 for none."""
    return max((b.abs_upper() for b in balls), key=_upper, default=arb(0))


def _excludes_zero(balls) -> list:
    """The balls that certainly exclude 0."""
    return [b for b in balls if (b > 0) or (b < 0)]


def _size(values) -> float:
    """max(1, max|mid|) of balls or rationals, as a float (the tolerance's scale)."""
    return max([1.0] + [abs(float(v.mid() if isinstance(v, arb) else v)) for v in values])


def _zero_evidence(key: str, what: str, balls_by_time: list, enc, rec: dict, dps: int,
                   scale: float, magnitude: Any, *, extra: dict | None = None) -> Evidence:
    """Ball evidence that every ball of ``balls_by_time`` (a list of (time, balls)) contains 0:
    refuted iff one excludes 0 (on the steps taken, certified or not); verified iff the bound
    is within the ball tolerance and the enclosure is certified; otherwise an inconclusive
    attempt."""
    be = backend(Level.BALL)
    allb = [b for _, bs in balls_by_time for b in bs]
    r = _bound(allb)
    bad = [(t, b) for t, bs in balls_by_time for b in _excludes_zero(bs)]
    d = be.decide_zero(r, bool(bad), None, dps, scale)
    det = {"enclosure": rec, "times": len(balls_by_time), **(extra or {}), **be.rule()}
    if bad:
        t, b = bad[0]
        det["excludes 0 at"] = f"{rec['time']} = {t}: ball {b.str(5)}"
        return Evidence(Level.BALL, what, d.residual, d.tolerance, Status.REFUTED, dps, det,
                        key=key, attempt=True)
    if not enc.certified:
        return Evidence(Level.BALL, what, d.residual, d.tolerance, Status.INCONCLUSIVE, dps,
                        det, key=key, reason=_budget_reason(enc), attempt=True,
                        why=f"the enclosure is not certified on {rec['span']} "
                            f"({rec['time']} reached {rec['reached']}): {enc.reason}")
    if d.decision.value == "holds":
        loose = _tol.too_loose(d.tolerance, magnitude)
        if loose:
            return Evidence(Level.BALL, what, d.residual, d.tolerance, Status.INCONCLUSIVE, dps,
                            det, key=key, reason=Reason.TOLERANCE, why=loose, attempt=True)
        return Evidence(Level.BALL, what, d.residual, d.tolerance, Status.VERIFIED, dps, det,
                        key=key, attempt=True)
    return Evidence(Level.BALL, what, d.residual, d.tolerance, Status.INCONCLUSIVE, dps, det,
                    key=key, reason=Reason.NUMERICS, attempt=True,
                    why=f"the certified bound {upper_str(r)} contains 0 but exceeds the "
                        f"tolerance: the enclosure is too wide")


def _not_started(key: str, what: str, enc, rec: dict, dps: int) -> Evidence:
    return Evidence(Level.BALL, what, None, None, Status.INCONCLUSIVE, dps, {"enclosure": rec},
                    key=key, reason=_budget_reason(enc), attempt=True,
                    why=f"the enclosure is not certified on {rec['span']}: {enc.reason}")


# ---------------------------------------------------------------------------------------------
# C6, C5, C8
# ---------------------------------------------------------------------------------------------

def c6_evidence(entry, setting: Certify, dps: int) -> list[Evidence]:
    """C6 at level ball (module docstring): ``ball.line``, ``ball.target``, ``ball.rank``."""
    enc = enclosure(entry, field="adapted", t_end=1, dps=dps, max_steps=setting.max_steps)
    rec = record(entry, enc, setting.max_steps)
    how = _record_sentence(rec)
    if not enc.steps:
        return [_not_started("ball.line", f"C6 (ball): the LineTime enclosure of dθ/dt = "
                             f"D⁺(y − x₀) did not start — {how}", enc, rec, dps)]
    y = entry.problem.y_flat
    with arb_precision(enc.dps):
        scale = _size(list(enc.x0) + [_ball(v) for v in y])
        gap = max(abs(float((xv - _ball(yv)).mid())) for xv, yv in zip(enc.x0, y))
    dev = enc.line_deviation()
    out = [_zero_evidence(
        "ball.line", f"C6 (ball, certified enclosure): x[θ(t)] = (1 − t)x₀ + t·y at the "
        f"{len(dev)} step ends of dθ/dt = D⁺(y − x₀), {how}; residual: the certified bound of "
        f"|x[θ(t_i)] − line| over the step ends (with the rank certificate the enclosure "
        f"proves C6 on the whole span)", dev, enc, rec, dps, scale, gap,
        extra={"max|x₀ − y|": f"{gap:.8g}"})]
    if enc.certified:
        x1 = enc.outputs_at(1)
        with arb_precision(enc.dps):
            target = [(Fraction(1), tuple(a - _ball(b) for a, b in zip(x1, y)))]
        out.append(_zero_evidence(
            "ball.target", "C6 (ball): x[θ(1)] ∋ y — the global minimum C = 0 is reached at "
            "t = 1 (residual: certified bound of |x[θ(1)] − y|)", target, enc, rec, dps, scale,
            gap))
        rc = enc.rank_certificate
        ok = rc is not None and rc > 0
        out.append(Evidence(
            Level.BALL, f"C6 hypothesis (ball): rank D = QN = {entry.problem.QN} on the whole "
            f"tube — certified λ_min(DDᵀ) ≥ {rec['rank_certificate']} > 0 (residual: that "
            f"lower bound; verified iff certainly > 0)",
            mpmath.mpf(lower_str(rc, 15)) if rc is not None else None, 0,
            Status.VERIFIED if ok else Status.INCONCLUSIVE, dps,
            {"enclosure": rec, "kind": "pos"}, key="ball.rank", attempt=True,
            reason=None if ok else Reason.NUMERICS,
            why="" if ok else "no positive rank certificate on the tube"))
    return out


def c5_evidence(entry, setting: Certify, dps: int) -> list[Evidence]:
    """C5 at level ball (module docstring): ``ball.flow_alpha<α>.rate`` per α of
    :data:`C5_BALL_ALPHAS` (α = 1 on full-rank problems only)."""
    out = []
    for a in C5_BALL_ALPHAS:
        if a != 0 and not getattr(entry, "full_rank", True):
            continue   # V_α, α > 0, needs (DDᵀ)⁻¹: no certified field where rank D < QN
        field = {Fraction(0): "standard", Fraction(1): "adapted"}.get(a, str(a))
        key = f"ball.flow_alpha{a.numerator}" + ("" if a.denominator == 1 else
                                                  f"_{a.denominator}") + ".rate"
        enc = enclosure(entry, field=field, s_end=setting.s_end, dps=dps,
                        max_steps=setting.max_steps)
        rec = record(entry, enc, setting.max_steps)
        what = (f"C5 (ball, certified enclosure, {field} field): dC/ds ≤ 0 on every step's "
                f"tube of dθ/ds = V_{a} on s ∈ [0, {setting.s_end}], {_record_sentence(rec)}; "
                f"residual: the largest upper bound of dC/ds (all ≤ 0 prove C non-increasing)")
        if not enc.steps:
            out.append(_not_started(key, what, enc, rec, dps))
            continue
        rates, worst, rises = _cost_rates(enc)
        det = {"enclosure": rec, "pieces": len(rates), "kind": "le0",
               "max upper bound of dC/ds": _round(worst, 6, up=True),
               "tolerance_rule": "every certified upper bound of dC/ds ≤ 0 (tolerance 0)"}
        res = mpmath.mpf(_round(max(worst, Fraction(0)), 6, up=True))
        if rises:
            ta, tb, r = rises[0]
            det["dC/ds > 0 on"] = f"s ∈ [{float(ta):.6g}, {float(tb):.6g}]: {r.str(5)}"
            st, reason, why = Status.REFUTED, None, ""
        elif not enc.certified:
            st, reason = Status.INCONCLUSIVE, _budget_reason(enc)
            why = (f"the enclosure is not certified on {rec['span']} (s reached "
                   f"{rec['reached']}): {enc.reason}")
        elif worst <= 0:
            st, reason, why = Status.VERIFIED, None, ""
        else:
            st, reason = Status.INCONCLUSIVE, Reason.NUMERICS
            why = (f"a ball of dC/ds contains 0 and reaches {_round(worst, 3, up=True)} > 0: "
                   f"the tube is too wide to decide the sign there")
        out.append(Evidence(Level.BALL, what, res, 0, st, dps, det, key=key, reason=reason,
                            why=why, attempt=True))
    return out


#: Sub-intervals per step tried, in turn, for the sign of dC/ds (C5): a tube too wide over a
#: whole step is split until every bound is decided or the last count is reached.
RATE_PIECES = (1, 4, 16)


def _cost_rates(enc) -> tuple[list, Fraction, list]:
    """(rates, the largest upper bound, the pieces where dC/ds is certainly > 0) from
    ``enc.cost_rates(p)`` for p in :data:`RATE_PIECES`, stopping at the first p where every
    sign is decided (all upper bounds ≤ 0, or one ball certainly > 0)."""
    for p in RATE_PIECES:
        rates = enc.cost_rates(p)
        worst = max(_upper(r) for _, _, r in rates)
        rises = [(ta, tb, r) for ta, tb, r in rates if r > 0]
        if rises or worst <= 0:
            break
    return rates, worst, rises


def c8_evidence(entry, setting: Certify, dps: int) -> list[Evidence]:
    """C8 at level ball (module docstring): ``ball.invariant``, a consistency bound."""
    prob = entry.problem
    Q, N = prob.Q, prob.N
    enc = enclosure(entry, field="adapted", s_end=setting.s_end, dps=dps,
                    max_steps=setting.max_steps)
    rec = record(entry, enc, setting.max_steps)
    what = (f"C8 (ball, consistency bound on a certified enclosure): each logit sum "
            f"Σ_q x_q,n(θ(s_i)) at the step ends of the adapted flow on s ∈ [0, "
            f"{setting.s_end}] contains its value at θ₀, {_record_sentence(rec)}; residual: the "
            f"certified bound of |Σ_q x_q,n(s_i) − Σ_q x_q,n(0)| (the invariance itself is shown "
            f"by C8's exact and mpmath checks)")
    if not enc.steps:
        return [_not_started("ball.invariant", what, enc, rec, dps)]
    x0 = enc.x0
    rows, moved = [], 0.0
    with arb_precision(enc.dps):
        c0 = [sum(x0[n * Q:(n + 1) * Q][1:], x0[n * Q]) for n in range(N)]
    for t in [s.t + s.h for s in enc.steps]:
        x = enc.outputs_at(t)
        with arb_precision(enc.dps):
            sums = [sum(x[n * Q:(n + 1) * Q][1:], x[n * Q]) for n in range(N)]
            rows.append((t, tuple(a - b for a, b in zip(sums, c0))))
            moved = max([moved] + [abs(float((a - b).mid())) for a, b in zip(x, x0)])
    return [_zero_evidence("ball.invariant", what, rows, enc, rec, dps, _size(c0), moved,
                           extra={"c_n": [b.mid().str(15, radius=False) for b in c0]})]


def _ball(v: Any) -> arb:
    """An exact rational (Fraction, int, SymPy Rational) or a ball as an ``arb`` (rounded
    outward at the current precision: call inside ``arb_precision``)."""
    if isinstance(v, arb):
        return v
    p, q = (v.numerator, v.denominator) if hasattr(v, "numerator") else (v.p, v.q)
    return arb(flint.fmpq(int(p), int(q)))
