"""A validated Taylor integrator: certified Arb-ball enclosures of y' = f(y), y(0) = y₀.

:func:`enclose_ode` takes the field as a function on jets (:mod:`.jets`): ``f_jet(y)`` receives a
list of :class:`~.jets.Jet` (one per component, all of one length) and returns a sequence of
jets (or constants) — written once, it gives the Taylor coefficients of the solution *and* the
interval value f(B) on a box (a jet of length 1).

The set of states at time t is carried as a **centre** ĉ (a point: exact balls) and a
**Euclidean radius** ρ: y(t) ∈ {ĉ + e : |e|₂ ≤ ρ} (``method="lognorm"``, the default), or as a
box Y (``method="interval"``, ρ = 0). One step from t (order p, step h):

(a) **Taylor coefficients** c_k at the centre by jet (Picard) iteration: evaluate f on the jet
    (c₀, …, c_k) and set c_{k+1} = [f(c)]_k / (k + 1) (the k-th coefficient of f(y) only
    involves c₀…c_k), k = 0 … p, at :data:`GUARD_FACTOR` times the working precision (the balls
    of high-order coefficients lose digits through the field's many operations).
(b) **A-priori enclosure and remainder** (the high-order enclosure of Nedialkov, Jackson &
    Pryce, 2001): with P(s) = Σ_{k<p} c_k s^k, the trial box B̃ = P([0,h]) + [−m, m]
    (m = 2^{−prec/3}(1 + |y|)) and R = y_p(B̃) (the p-th coefficient by the same iteration
    started from the box B̃), if B = P([0,h]) + [0,h]^p·R lies in the interior of B̃, the
    solution from ĉ exists on [t, t + h] and stays in B: while it stays in B̃, Lagrange's form
    of the remainder, y(t + s) = Σ_{k<p} c_k s^k + y_p(y(ξ)) s^p with y(ξ) ∈ B̃, puts it in
    B ⊂ int B̃, so it can never reach the boundary of B̃. A failed test halves h; a remainder
    R·h^p above the working precision shrinks h (at most 4 times: the result is valid either
    way, the control keeps it tight); below ``min_step`` the run stops, not certified.
(c) **The other solutions** (ρ > 0, :func:`_spread`): with μ an upper bound of the log-norm
    μ₂(∂f/∂y) = λ_max of the symmetric part (Gershgorin discs on a ball Jacobian, one length-2
    jet evaluation per column) on a convex set holding two solutions, their difference obeys
    |e|' ≤ μ|e|, so |e(s)| ≤ ρ e^{μ s} (Grönwall); a bootstrap on B + [−δ, δ] shows no solution
    from the ρ-ball leaves it, and the radius at t + h is ρ·e^{Σ μ_i h_i} over
    :data:`LOGNORM_PIECES` sub-intervals of the step. The new centre is the midpoint of
    P(h) + R h^p; its ball radius is added to ρ. A rotation keeps ρ fixed (μ₂ = 0), where boxes
    grow by e^t (the wrapping effect: measured 20.09 = e³ over [0, 3] with
    ``method="interval"``, the same for 4 or 60 steps; with ``"lognorm"``: √2, once, for
    enclosing the initial box in a ball).
(d) **Enclosures**: y(t + h) ∈ B_fat ∩ (ĉ' ± ρ'); over the step (dense queries),
    y(t + s) ∈ (P(s) + R s^p ± σ) ∩ B_fat with σ = ρ e^{max(μ,0)h} (:meth:`Step.enclose`).

The step size proposed before (b) is h = 0.9·β·min_k (ε / |c_k|)^{1/k}, k ∈ {p − 1, p},
ε = 2^{−prec}(1 + |y|), at most the time left (all of it when within 10 %); β < 1 carries the
previous step's shrinking. Times are exact rationals (:class:`fractions.Fraction`; h dyadic),
so step boundaries are exact and no certified step ends past ``t_end``.

**Where it is slow.** The Taylor coefficients of a *box* (step (b)) are computed in interval
arithmetic, which treats the correlated errors of all lower coefficients as independent: their
radii grow geometrically with the order (on sigmoid-1-4-2's adapted field, a box of radius
10⁻³ gives order-12 coefficients ≈ 10⁵ where the point's are ≈ 0.05). The remainder R·h^p then
forces short steps (≈ 0.005 there, against ≈ 0.09 on tanh-2-3-1). Taylor models (polynomial
dependence on the box, interval remainder) are the known cure; not implemented.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Optional, Sequence

from flint import arb

from ...backends.arith import arb_precision
from ...errors import DataError, IntegrationError
from ...numbers import check_dps, to_rational
from .step import (FJet, METHODS, Step, _arb_of, _l2, _step, lognorm_bound)

__all__ = ["enclose_ode", "default_order", "lognorm_bound", "METHODS", "Enclosure", "Step",
           "CERTIFIED", "NOT_CERTIFIED"]

CERTIFIED = "certified"
NOT_CERTIFIED = "not certified"


@dataclass(frozen=True)
class Enclosure:
    """The result of :func:`enclose_ode` (immutable).

    ``status`` is :data:`CERTIFIED` when the steps cover [0, t_end], else :data:`NOT_CERTIFIED`
    with ``reason`` and ``t_reached`` (the steps then cover [0, t_reached] only, each still
    certified). ``stats``: steps, rejections (step halvings in the Picard test), f_evals (calls
    of ``f_jet``), seconds, width_end (the largest diameter at ``t_reached``, an exact ``arb``),
    width_max (over all step ends).
    """

    steps: tuple
    status: str
    reason: str
    t_end: Fraction
    t_reached: Fraction
    y0: tuple
    order: int
    dps: int
    stats: tuple

    @property
    def certified(self) -> bool:
        return self.status == CERTIFIED

    @property
    def stats_dict(self) -> dict:
        return dict(self.stats)

    @property
    def y_end(self) -> tuple:
        """Balls containing y(t_reached)."""
        return self.steps[-1].y_end if self.steps else self.y0

    def y_at(self, t: Any) -> tuple:
        """Balls containing y(t) for an exact time 0 ≤ t ≤ t_reached (a number, rational string or
        Fraction); outside the certified span: :class:`~symflow.errors.IntegrationError`."""
        q = t if isinstance(t, Fraction) else Fraction(str(to_rational(t, "t")))
        if q < 0 or q > self.t_reached:
            raise IntegrationError(f"t = {q} is outside the certified span [0, {self.t_reached}]"
                                   + ("" if self.certified else f" ({self.reason})"), q)
        if q == 0:
            return self.y0
        with arb_precision(self.dps):
            lo, hi = 0, len(self.steps) - 1
            while lo < hi:                       # the first step whose end is ≥ q
                mid = (lo + hi) // 2
                st = self.steps[mid]
                if st.t + st.h < q:
                    lo = mid + 1
                else:
                    hi = mid
            st = self.steps[lo]
            return st.enclose(q - st.t)

    def widths(self) -> list:
        """(t_i + h_i as a Fraction, the largest diameter of the enclosure of y(t_i + h_i) as an
        exact ``arb``) per step."""
        return [(s.t + s.h, _width(s.y_end)) for s in self.steps]


def _width(y: Sequence[arb]) -> arb:
    """The largest diameter 2·rad of the balls, an exact ``arb`` (a float would underflow at a
    few hundred digits)."""
    return max((2 * b.rad() for b in y), key=lambda r: r.mid())


def default_order(dps: int) -> int:
    """p = 6 + 0.6·dps, clamped to [12, 200]. The proposed step is about (10^{−dps}·|y_p|⁻¹)^{1/p};
    for an entire field with |y_k| ≈ 1/k! that is ≈ p/(e·10^{dps/p}), so p ∝ dps keeps the
    step (and the step count) about constant. Measured on the rotation over [0, 3]
    (steps, seconds): dps 30: p 20 → 21, 0.02 s; p 30 → 4, 0.006 s; dps 100: p 40 → 92, 0.19 s;
    p 80 → 4, 0.03 s; dps 400: p 100 → 1023, 5.6 s; p 150 → 30, 0.34 s. On the adapted field of
    tanh-2-3-1-l2 at 30 digits (2026-12-03, best of 3): p = 24: 15 steps, 1.39 s, relative
    width 2.4e−30; p = 31: 11 steps, 1.57 s, 1.2e−30; on sigmoid-1-4-2-l2 both advance ≈ 0.018
    in t per second."""
    return min(max(12, round(6 + 0.6 * dps)), 200)


def _fraction(value: Any, what: str) -> Fraction:
    return Fraction(str(to_rational(value, what)))


def enclose_ode(f_jet: FJet, y0: Sequence[Any], t_end: Any, *, order: Optional[int] = None,
                dps: int = 30, h0: Optional[Any] = None, max_steps: int = 10_000,
                min_step: Optional[Any] = None, method: str = "lognorm",
                progress: Any = None) -> Enclosure:
    """Certified enclosure of y' = f(y), y(0) = y0, on [0, t_end] (see the module docstring).

    ``f_jet``: the field on jets, ``f_jet(list of Jet) -> sequence of Jet`` (it may raise
    :class:`~symflow.errors.RankError` or :class:`~symflow.errors.DomainError` where it cannot be
    evaluated with certainty: the step is then rejected or the run stops, not certified); ``y0``: numbers
    (exact rationals or strings, converted to balls) or ``flint.arb`` balls; ``order`` p ≥ 2 of
    the Taylor method (default :func:`default_order`); ``dps``: the working precision (Arb at
    ``dps_to_bits(dps)`` bits); ``h0``: an upper bound for every step; ``min_step`` (default
    t_end · 2⁻⁴⁰): below it the run stops, *not certified*, as after ``max_steps`` steps or
    non-finite balls. ``method``: ``"lognorm"`` (centre + Euclidean radius, default) or
    ``"interval"`` (boxes; the wrapping effect). ``progress``: an object with
    ``update(t, info)`` (called after each certified step; ``info``: step, nfev, h, order, t1)
    and ``close()`` (see :mod:`symflow.progress`), or None. Never raises for a failed certification: the
    reason and the time reached are in the result.
    """
    dps, p, T, hmax, hmin = _options(dps, method, order, max_steps, t_end, h0, min_step, y0)
    clock = time.perf_counter()
    with arb_precision(dps):
        y = tuple(v if isinstance(v, arb) else _arb_of(_fraction(v, "y0")) for v in y0)
        steps, t, reason, counters = _run(f_jet, y, T, p, dps, hmin, hmax, max_steps, method,
                                          progress)
        status = CERTIFIED if t >= T and not reason else NOT_CERTIFIED
        y_end = steps[-1].y_end if steps else y
        width_max = max([_width(st.y_end) for st in steps] + [arb(0)], key=lambda r: r.mid())
        width_end = _width(y_end)
    stats = (("steps", len(steps)), ("rejections", counters[1]), ("f_evals", counters[0]),
             ("seconds", time.perf_counter() - clock), ("width_end", width_end),
             ("width_max", width_max))
    return Enclosure(tuple(steps), status, reason, T, t, y, p, dps, stats)


def _options(dps, method, order, max_steps, t_end, h0, min_step, y0):
    """The checked arguments of :func:`enclose_ode`: (dps, p, T, h_max, h_min)."""
    dps = check_dps(dps)
    if method not in METHODS:
        raise DataError(f"method must be one of {METHODS}, got {method!r}", method)
    p = default_order(dps) if order is None else order
    if isinstance(p, bool) or not isinstance(p, int) or p < 2:
        raise DataError(f"order must be an int ≥ 2, got {order!r}", order)
    if isinstance(max_steps, bool) or not isinstance(max_steps, int) or max_steps < 1:
        raise DataError(f"max_steps must be a positive int, got {max_steps!r}", max_steps)
    T = _fraction(t_end, "t_end")
    if T <= 0:
        raise DataError(f"t_end must be > 0, got {T}", t_end)
    hmax = _fraction(h0, "h0") if h0 is not None else T
    hmin = _fraction(min_step, "min_step") if min_step is not None else T / 2 ** 40
    if len(y0) == 0:
        raise DataError("y0 must have at least one component", y0)
    return dps, p, T, hmax, hmin


def _run(f_jet, y, T, p, dps, hmin, hmax, max_steps, method, progress):
    """The steps from the balls y at 0 towards T: (steps, t reached, reason, [f_evals,
    rejections]); the reason is empty when T was reached."""
    counter, rejected, bias = [0], [0], [1.0]
    if method == "lognorm":
        state = (tuple(arb(v.mid()) for v in y), _l2([v.rad() for v in y]))
    else:
        state = (y, arb(0))
    steps, t, reason = [], Fraction(0), ""
    while t < T:
        if len(steps) >= max_steps:
            reason = f"max_steps = {max_steps} reached at time {float(t):.15g}"
            break
        got = _step(f_jet, state, t, T, p, dps, hmin, hmax, counter, rejected, method, bias)
        if isinstance(got, str):
            reason = got
            break
        step, state = got
        steps.append(step)
        t = t + step.h
        if progress is not None:
            progress.update(float(t), {"step": len(steps), "nfev": counter[0],
                                       "h": float(step.h), "order": p, "t1": float(T),
                                       "rejected": rejected[0]})
    if progress is not None:
        progress.close()
    return steps, t, reason, [counter[0], rejected[0]]
