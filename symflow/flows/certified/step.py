"""One validated Taylor step of :func:`~.taylor.enclose_ode` (steps (a)–(d) of the
:mod:`.taylor` docstring): the Taylor coefficients at the centre, the high-order a-priori
enclosure with its Lagrange remainder, and the log-norm spread of the other solutions.

Imports only ``symflow.backends``, ``symflow.errors`` and ``symflow.numbers``, and :mod:`.jets`.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any, Callable, Sequence

import flint
from flint import arb

from ...errors import DataError, DomainError, IntegrationError, RankError
from .jets import Jet

__all__ = ["Step", "lognorm_bound", "GUARD_FACTOR", "BOX_FACTOR", "LOGNORM_PIECES",
           "RANGE_PIECES", "METHODS"]

FJet = Callable[[list], Sequence[Any]]

#: What a field may raise where it cannot be evaluated with certainty on a box (a pivot of the
#: NTK that may vanish, a ball outside an activation's domain): the step is not certified.
_UNCERTIFIED = (RankError, DomainError)


def _arb_of(q: Fraction) -> arb:
    return arb(flint.fmpq(q.numerator, q.denominator))


@dataclass(frozen=True)
class Step:
    """One certified step [t, t + h]: ``y_start`` ∋ y(t), ``y_end`` ∋ y(t + h), ``tube`` ∋ y(s)
    for every s ∈ [t, t + h]; ``coeffs[i]`` the Taylor coefficients y₀…y_{p−1} of component i at
    ``y_start``, ``remainder[i]`` = y_p(B) and ``apriori`` = B (the Picard box)."""

    t: Fraction
    h: Fraction
    y_start: tuple
    y_end: tuple
    tube: tuple
    coeffs: tuple
    remainder: tuple
    apriori: tuple
    spread: arb = arb(0)

    def enclose(self, s: Fraction) -> tuple:
        """Balls containing y(t + s), 0 ≤ s ≤ h (exact rational s)."""
        if not (0 <= s <= self.h):
            raise IntegrationError(f"s = {s} outside this step [0, {self.h}]", self.t + s)
        if s == 0:
            return self.y_start
        if s == self.h:
            return self.y_end
        return self.enclose_range(s, s)

    def enclose_range(self, a: Fraction, b: Fraction) -> tuple:
        """Balls containing y(t + s) for every s ∈ [a, b] ⊂ [0, h] (Horner on the ball [a, b];
        call inside ``arb_precision``)."""
        if not (0 <= a <= b <= self.h):
            raise IntegrationError(f"[{a}, {b}] is not inside this step [0, {self.h}]", self.t)
        sb = _arb_of(a).union(_arb_of(b))
        p = len(self.coeffs[0])
        wide = arb(0, self.spread.upper()) if self.spread > 0 else arb(0)
        return tuple(_meet(Jet(c)(sb) + r * sb ** p + wide, bx)
                     for c, r, bx in zip(self.coeffs, self.remainder, self.apriori))


def _call(f_jet: FJet, ys: list, dim: int, n: int) -> list:
    out = list(f_jet(ys))
    if len(out) != dim:
        raise DataError(f"f_jet returned {len(out)} components for a system of dimension {dim}",
                        len(out))
    return [o if isinstance(o, Jet) else Jet([o] + [0] * (n - 1)) for o in out]


def _taylor(f_jet: FJet, y: Sequence[arb], p: int, counter: list) -> list:
    """Coefficients y₀…y_p (per component) of the solutions from the box ``y``: y_{k+1} =
    [f(y₀ + … + y_k s^k)]_k / (k + 1)."""
    dim = len(y)
    c = [[yi] for yi in y]
    for k in range(p):
        fk = _call(f_jet, [Jet(ci) for ci in c], dim, k + 1)
        counter[0] += 1
        for i in range(dim):
            c[i].append(fk[i][k] / (k + 1))
    return c


def _propose(c: list, p: int, y: Sequence[arb], remaining: Fraction,
             bias: float = 1.0) -> Fraction:
    """h = 0.9 · bias · min_k (ε / max_i |y_{i,k}|)^{1/k}, k ∈ {p − 1, p},
    ε = 2^{−prec}(1 + max|Y|), computed with balls (2^{−prec} underflows a float at a few
    hundred digits), as a dyadic Fraction ≤ ``remaining`` (all of it when it is within 10%:
    no slivers). ``bias`` < 1 carries the previous step's shrinking (the remainder on the box
    is larger than the centre's coefficients predict). Only a proposal: nothing rigorous rests
    on it."""
    eps = arb(2) ** (-flint.ctx.prec) * (1 + max(abs(v).upper() for v in y))
    h = float(remaining)
    for k in (p - 1, p):
        m = max(abs(ci[k]).upper() for ci in c)
        if m > 0:
            hk = float(((eps / m).log() / k).exp().mid())
            h = min(h, 0.9 * bias * hk)
    q = Fraction(h) if h > 0 else Fraction(0)
    return remaining if q * 11 / 10 >= remaining else q


def _meet(a: arb, b: arb) -> arb:
    """a ∩ b for two balls that both contain the solution (disjoint ones would be a bug)."""
    if not a.overlaps(b):
        raise IntegrationError(f"internal error: disjoint enclosures {a} and {b}")
    return a.intersection(b)


def _magnitude(y: Sequence[arb]) -> float:
    return max(float(abs(v).upper()) for v in y)


def _jacobian(f_jet: FJet, box: Sequence[arb], counter: list) -> list:
    """J = ∂f/∂y over the box (a ball matrix containing the Jacobian at every point of it):
    column k is the s-coefficient of f(box + s·e_k), one length-2 jet evaluation per column."""
    dim = len(box)
    cols = []
    for k in range(dim):
        out = _call(f_jet, [Jet([b, 1 if m == k else 0]) for m, b in enumerate(box)], dim, 2)
        counter[0] += 1
        cols.append([o[1] for o in out])
    return [[cols[k][i] for k in range(dim)] for i in range(dim)]


def lognorm_bound(J: Sequence[Sequence[arb]]) -> arb:
    """An upper bound (exact ``arb``) of the logarithmic 2-norm μ₂(A) = λ_max((A + Aᵀ)/2) for
    every A in the ball matrix J: Gershgorin's discs of the symmetric part,
    max_i (S_ii + Σ_{j≠i} |S_ij|)."""
    n = len(J)
    best = None
    for i in range(n):
        acc = J[i][i]
        for j in range(n):
            if j != i:
                acc += abs(J[i][j] + J[j][i]) / 2
        up = acc.upper()
        best = up if best is None or up > best else best
    return arb(best)


def _l2(rads: Sequence[arb]) -> arb:
    """An upper bound (exact arb) of the Euclidean norm of a vector of radii."""
    return arb(sum((r * r for r in rads), arb(0)).sqrt().upper())


def _inflate(box: Sequence[arb], r: arb) -> tuple:
    return tuple(b + arb(0, r.upper()) if r > 0 else b for b in box)


#: The Taylor coefficients at the centre are computed with GUARD_FACTOR times the working
#: precision: their balls lose about a digit per order on some networks (sigmoid-1-4-2: radius
#: 1e−6 at order 30 at 30 digits, 1e−36 at 60), which would otherwise force tiny steps.
GUARD_FACTOR = 2


#: The remainder coefficient on the trial box is computed at BOX_FACTOR times the working
#: precision: only its magnitude matters (R·h^p is tiny), and its balls are wide anyway.
BOX_FACTOR = 0.5


@contextlib.contextmanager
def _guard_bits(factor: float):
    old = flint.ctx.prec
    flint.ctx.prec = int(old * factor)
    try:
        yield
    finally:
        flint.ctx.prec = old


#: ``lognorm`` (default): a point and a Euclidean radius, the radius grown by the log-norm of
#: ∂f/∂y along the tube (no wrapping); ``interval``: boxes throughout (the wrapping effect).
METHODS = ("lognorm", "interval")

#: How many sub-intervals of a step the log-norm bound is evaluated on (the tube is narrower
#: on each, so μ₂ is less overestimated); 1 means the a-priori box only.
LOGNORM_PIECES = 2


#: Sub-intervals on which the Taylor polynomial's range over [0, h] is evaluated (Horner on the
#: whole ball [0, h] overestimates it: Σ|c_k|h^k instead of the range).
RANGE_PIECES = 4


def _range(coeffs: Sequence[arb], h: Fraction) -> arb:
    """A ball containing Σ_k c_k s^k for every s ∈ [0, h]: the union of Horner's enclosures on
    :data:`RANGE_PIECES` sub-intervals."""
    poly = Jet(coeffs)
    out = None
    for i in range(RANGE_PIECES):
        sb = _arb_of(h * i / RANGE_PIECES).union(_arb_of(h * (i + 1) / RANGE_PIECES))
        v = poly(sb)
        out = v if out is None else out.union(v)
    return out


def _hoe(f_jet, c, p, h, margin, hmin, tol, counter, rejected):
    """The high-order a-priori enclosure of the solution from the centre over [0, h] and its
    remainder: with P(s) = Σ_{k<p} c_k s^k and the trial box B̃ = P([0,h]) + [−m, m], if
    B = P([0,h]) + [0,h]^p · y_p(B̃) lies in the interior of B̃, the solution exists on [0, h]
    and stays in B (Nedialkov–Jackson–Pryce 2001; proof: while it stays in B̃, Lagrange's
    remainder puts it in B ⊂ int B̃, so it can never leave B̃). h is halved when the test fails
    and shrunk until max|y_p(B̃)|·h^p ≤ tol (at most 4 times; rigorous either way, the control
    keeps the truncation term at the working precision). (h, B, R), or None when no step
    ≥ ``hmin`` passes the test."""
    shrinks = 0
    while h >= hmin:
        hb = _arb_of(h)
        sb = arb(0).union(hb)
        poly = [_range(ci[:p], h) for ci in c]
        trial = [arb(q.mid(), q.rad() * (1 + arb(2) ** -20) + margin) for q in poly]
        try:
            with _guard_bits(BOX_FACTOR):
                rem = tuple(ci[p] for ci in _taylor(f_jet, trial, p, counter))
        except _UNCERTIFIED:
            rem = None
        if rem is None or not all(r.is_finite() for r in rem):
            rejected[0] += 1
            h /= 2
            continue
        box = [q + r * sb ** p for q, r in zip(poly, rem)]   # ⊂ int(trial): margin ≫ |R|h^p
        if not all(b.contains_interior(x) for b, x in zip(trial, box)):
            rejected[0] += 1
            h /= 2
            continue
        err = max(abs(r).upper() for r in rem) * hb ** p
        if shrinks >= 4 or not err > tol:
            return h, tuple(box), rem
        shrinks += 1
        rejected[0] += 1
        shrink = float(((tol / err).log() / p).exp().mid())
        h = max(h / 8, Fraction(float(0.9 * shrink * h)))
    return None


def _step(f_jet: FJet, state: tuple, t: Fraction, T: Fraction, p: int, dps: int,
          hmin: Fraction, hmax: Fraction, counter: list, rejected: list, method: str,
          bias: list):
    """One step from ``state`` = (centre, ρ) at time t: y(t) lies within Euclidean distance ρ
    of a point of the ball vector ``centre`` (``interval``: ρ = 0 and the centre is the box
    itself; ``lognorm``: the centre is a point). A :class:`Step` and the next state, or the
    reason (a string) why no step can be certified."""
    center, rho = state
    Y = _inflate(center, rho)
    try:
        with _guard_bits(GUARD_FACTOR):
            c = _taylor(f_jet, center, p, counter)                      # (a)
    except _UNCERTIFIED as err:
        return f"the field is not certified at time {float(t):.15g}: {err}"
    if not all(x.is_finite() for ci in c for x in ci):
        return f"non-finite Taylor coefficients at time {float(t):.15g}"
    last = T - t
    h = min(_propose(c, p, Y, last, bias[0]), hmax)
    proposed = h
    if h < hmin and h < last:
        return (f"the truncation error at {dps} digits needs a step {float(h):.3g} < min_step = "
                f"{float(hmin):.3g} at time {float(t):.15g} (|y| ≤ {_magnitude(Y):.3g}): the "
                f"solution may blow up here, or the order p = {p} is too low for dps = {dps}")
    scale = 1 + max(abs(v).upper() for v in Y)
    tol = arb(2) ** (-flint.ctx.prec + 4) * scale
    margin = arb(2) ** (-(flint.ctx.prec // 3)) * scale
    got = _hoe(f_jet, c, p, h, margin, min(hmin, h), tol, counter, rejected)  # (b), (c)
    if got is None:
        return (f"the a-priori enclosure failed for every step ≥ min_step = {float(hmin):.3g} "
                f"at time {float(t):.15g} (|y| ≤ {_magnitude(Y):.3g}): the solution may blow "
                f"up, D may lose rank nearby, or the enclosure is too wide")
    h, box, rem = got
    bias[0] = min(1.0, bias[0] * min(1.0, float(h / proposed)) * 1.1)
    coeffs = tuple(tuple(ci[:p]) for ci in c)
    hb = _arb_of(h)                                                     # (d)
    thin_end = tuple(_meet(Jet(ci)(hb) + r * hb ** p, b) for ci, r, b in zip(coeffs, rem, box))
    spread, rho_end = arb(0), arb(0)
    if rho > 0:
        try:
            got = _spread(f_jet, coeffs, rem, box, rho, h, p, counter)
        except _UNCERTIFIED as err:
            return f"the Jacobian of the field is not certified at time {float(t):.15g}: {err}"
        if isinstance(got, str):
            return f"{got} at time {float(t):.15g}"
        spread, rho_end, box = got
    if method == "lognorm":
        new_center = tuple(arb(e.mid()) for e in thin_end)
        new_rho = arb((rho_end + _l2([e.rad() for e in thin_end])).upper())
        y_end = tuple(_meet(b, x) for b, x in zip(box, _inflate(new_center, new_rho)))
        state = (new_center, new_rho)
    else:
        y_end = thin_end
        state = (y_end, arb(0))
    step = Step(t, h, Y, y_end, (), coeffs, rem, tuple(box), spread)
    return replace(step, tube=step.enclose_range(Fraction(0), h)), state


def _spread(f_jet, coeffs, rem, box, rho, h, p, counter):
    """(σ, ρ_end, B_fat) for the solutions from the ρ-ball around the centre. With μ an upper
    bound of the log-norm μ₂(∂f/∂y) on a convex set holding the centre's path and another's,
    |e|' ≤ μ|e| for their difference (Grönwall: |e(s)| ≤ ρ e^{μ s}). Bootstrap: with
    δ = 2ρ e^{μ₀ h} (μ₀ over the centre's box B) and μ_δ over B + [−δ, δ], if
    σ = ρ e^{max(μ_δ, 0) h} < δ, no solution from the ball can leave B + [−δ, δ] during the
    step (it would first reach distance δ, but stays within σ < δ), so all exist on [0, h] and
    stay within σ of the centre's path. On each of :data:`LOGNORM_PIECES` sub-intervals the
    centre's tube widened by σ is a tighter convex set, whose μ (if smaller) gives ρ_end."""
    mu0 = lognorm_bound(_jacobian(f_jet, box, counter))
    hb = _arb_of(h)
    delta = arb((2 * rho * (mu0.max(arb(0)) * hb).exp()).upper())
    fat = tuple(b + arb(0, delta.upper()) for b in box)
    mu_b = lognorm_bound(_jacobian(f_jet, fat, counter))
    spread = arb((rho * (mu_b.max(arb(0)) * hb).exp()).upper())
    if not spread < delta:
        return (f"the log-norm bootstrap failed (μ₂ ≤ {float(mu_b):.3g} over the widened box, "
                f"spread {float(spread):.3g} ≥ δ = {float(delta):.3g})")
    expo = arb(0)
    m = LOGNORM_PIECES
    for i in range(m):
        a, b = h * i / m, h * (i + 1) / m
        sb = _arb_of(a).union(_arb_of(b))
        sub = tuple(_meet(Jet(ci)(sb) + r * sb ** p + arb(0, spread.upper()), bx)
                    for ci, r, bx in zip(coeffs, rem, fat))
        mu = lognorm_bound(_jacobian(f_jet, sub, counter)) if m > 1 else mu_b
        expo += (mu if mu < mu_b else mu_b) * _arb_of(b - a)
    box_fat = tuple(b + arb(0, spread.upper()) for b in box)
    return spread, arb((rho * expo.exp()).upper()), box_fat
