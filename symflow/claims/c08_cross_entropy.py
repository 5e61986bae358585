"""C8 (cross-entropy): the fiber invariant 1ᵀx_j = c_j and the minimum x_j* on the fiber.

With softmax σ and labels y_j (positive, summing to 1), along the adapted flow x' = −P∇ₓC,
d/ds(1_jᵀx) = −(1/N)1_jᵀP(σ(x_j) − y_j) = −(1/N)(1 − 1ᵀy_j) = 0 when 1_j ∈ range(D). On the
fiber {1ᵀx_j = c_j} the unique global minimum of C is

    x_j* = log y_j + ((c_j − 1ᵀ log y_j)/Q)·1,     σ(x_j*) = y_j.

Checks:

exact (SymPy, with c_j a free real symbol)
    1ᵀx_j* = c_j; σ(x_j*) = y_j; ∇ₓC(x*) = 0 (from the problem's own ``grad_expr``); the
    Hessian of the problem's ``cost_expr`` at x* equals (1/N)·blockdiag(diag(y_j) − y_jy_jᵀ);
    that block annihilates 1 and is positive definite on {1ᵀv = 0} (leading minors of VᵀBV,
    V = [e_i − e_Q], exact rationals).
mpmath (integrated adapted flow, x evaluated afresh at θ(s))
    |1_jᵀx(s) − 1_jᵀx(0)| ≤ tol·max(1, |c_j|) at the samples (too loose if x hardly moved);
    the hypothesis 1_j ∈ range(D) (|(I − P)1_j|, P = ``linalg.projector``; where it fails the
    trajectory evidence is inconclusive, reason hypothesis — never refuted or verified);
    |x(s) − x*| decreasing; and the observed decay rate on the last interval against the
    linearisation x' ≈ −(1/N)B(x − x*) on the fiber, whose rates are the eigenvalues
    [λ_min, λ_max] of B/N there (for the linear flow the log-rate of |x − x*| over any interval
    lies in that band). Residual: the relative excursion of the observed rate outside the band,
    max(0, λ_min − rate, rate − λ_max)/λ_min — the band itself is *not* widened; the one
    widening is the tolerance 10·|x(s_{n−1}) − x*|, the size of the nonlinear correction to the
    rate (which is about |∇³C|·|x − x*|/λ_min; the constant 10 is a heuristic, not a proven
    bound — measured on tanh-2-3-3-ce at s = 60: rate excess 0.016·λ_min at |x − x*| = 0.012,
    i.e. 1.3·|x − x*|). The default span is chosen so that this tolerance is small:
    s_end = 1.25·ln(10⁸·max(1, |x(0) − x*|))/λ_min, rounded up to a multiple of 10
    (:func:`default_s_end`). Convergence is only asymptotic — the distance at the final time is
    reported, not demanded to be below a fixed tolerance.
    Every comparison is judged by :func:`symflow.claims.trajectories._judge` (a refutation needs the
    trajectory confirmed at higher precision).

ball (:func:`check_c8_certified`, with ``symflow check --certify``)
    the logit sums at the step ends of a certified enclosure of the adapted flow on
    s ∈ [0, 1/2], as balls, contain their values at θ₀ — a consistency bound
    (:mod:`~symflow.claims.certified`).

Labels with a zero component or not summing to 1 are refused by the library at construction
(:class:`~symflow.errors.LabelError`), before any check runs.
"""

from __future__ import annotations

import time
from fractions import Fraction
from typing import Any, Sequence

import mpmath
import sympy as sp
from mpmath import mpf

from ..backends import linalg as _linalg
from ..backends.arith import working_precision
from ..backends.levels import Level
from .evidence import Evidence, Reason, Status
from .trajectories import (EVAL_GUARD, _confirmation_evidence, _ev, _not_run, _reduced, flow,
                           tolerance)
from .vectors import _maxabs, _mp, _n, _norm, _sub, _vec
from .registry import claim_check, register
from . import certified

__all__ = ["fiber_minimum", "default_s_end", "check_c8_exact", "check_c8_trajectory",
           "check_c8_certified"]


def fiber_minimum(y: Sequence[Any], c: Any):
    """x* = log y + ((c − 1ᵀ log y)/Q)·1 (SymPy if ``c`` is symbolic, else mpmath)."""
    Q = len(y)
    if isinstance(c, sp.Basic):
        logs = [sp.log(sp.Rational(v)) for v in y]
        shift = (c - sum(logs)) / Q
        return [lg + shift for lg in logs]
    logs = [mpmath.log(v) for v in y]
    shift = (c - mpmath.fsum(logs)) / Q
    return [lg + shift for lg in logs]


def check_c8_exact(entry, *, dps: int = 30, level: Level = Level.EXACT, progress=None,
                   minimum=fiber_minimum) -> list[Evidence]:
    """C8, exact part: x* (``minimum``, injectable) is the minimum of C on each fiber."""
    prob = entry.problem
    N, Q = prob.N, prob.Q
    y = prob.y_flat
    cs = [sp.Symbol(f"c_{j + 1}", real=True) for j in range(N)]
    xstar = []
    for j in range(N):
        xstar += list(minimum(y[j * Q:(j + 1) * Q], cs[j]))
    subs = dict(zip(list(prob.x_symbols), xstar))

    def ev(key, what, residuals):
        return _exact_evidence(key, what, residuals, cs, xstar[:Q])

    out = [ev("fiber", "x_j* lies on the fiber 1ᵀx_j = c_j",
              [sum(xstar[j * Q:(j + 1) * Q]) - cs[j] for j in range(N)])]
    sig = []
    for j in range(N):
        blk = xstar[j * Q:(j + 1) * Q]
        e = [sp.exp(v) for v in blk]
        sig += [ei / sum(e) for ei in e]
    out.append(ev("softmax", "σ(x_j*) = y_j", [a - b for a, b in zip(sig, y)]))
    out.append(ev("gradient", "∇ₓC(x*) = 0 (the problem's grad_expr)",
                  list(prob.grad_expr.xreplace(subs))))
    H = sp.hessian(prob.cost_expr, list(prob.x_symbols)).xreplace(subs)
    target = _hessian_target(prob)
    out.append(ev("hessian", "Hessian of C at x* = (1/N)·blockdiag(diag(y_j) − y_j y_jᵀ)",
                  list(H - target)))
    return out + _posdef_evidence(prob, target)


def _exact_evidence(key: str, what: str, residuals, cs, xstar_shown) -> Evidence:
    """One exact comparison: every residual simplified to 0 (verified); a nonzero one is refuted
    if it is nonzero at the sample c_j = 1 + j/7, else inconclusive (SymPy could not decide)."""
    rs = [sp.simplify(r) for r in residuals]
    bad = [r for r in rs if r != 0]
    # a nonzero residual is refuted if it is nonzero at the sample c_j = 1 + j/7
    at = {cj: sp.Rational(7 + j, 7) for j, cj in enumerate(cs)}
    st = Status.VERIFIED if not bad else (
        Status.REFUTED if any(sp.N(r.xreplace(at), 30) != 0 for r in bad)
        else Status.INCONCLUSIVE)
    return Evidence(Level.EXACT, f"C8 (SymPy): {what}", bad[0] if bad else 0, 0, st,
                    None, {"nonzero": len(bad), "x*": [str(v) for v in xstar_shown]},
                    key=f"exact.{key}",
                    reason=Reason.NUMERICS if st is Status.INCONCLUSIVE else None,
                    why="SymPy could not decide whether the residual is 0"
                    if st is Status.INCONCLUSIVE else "")


def _hessian_target(prob) -> sp.Matrix:
    """(1/N)·blockdiag(diag(y_j) − y_jy_jᵀ): the Hessian of C at x* the claim states."""
    N, Q = prob.N, prob.Q
    y = prob.y_flat
    target = sp.zeros(prob.QN, prob.QN)
    for j in range(N):
        yj = sp.Matrix(y[j * Q:(j + 1) * Q])
        target[j * Q:(j + 1) * Q, j * Q:(j + 1) * Q] = (sp.diag(*yj) - yj * yj.T) / N
    return target


def _posdef_evidence(prob, target: sp.Matrix) -> list[Evidence]:
    """Each block B of ``target`` annihilates 1 (``exact.kernel``) and is positive definite on
    {1ᵀv = 0} (``exact.posdef``: leading minors of VᵀBV, V = [e_i − e_Q], exact rationals).
    For Q = 1, {1ᵀv = 0} = {0}: there are no minors and positive definiteness on {0} holds
    vacuously (residual max(0, −min ∅) = 0; the fiber is the single point x_j = c_j)."""
    N, Q = prob.N, prob.Q
    minors, kernel = [], []
    V = sp.zeros(Q, Q - 1)
    for i in range(Q - 1):
        V[i, i], V[Q - 1, i] = 1, -1
    for j in range(N):
        B = target[j * Q:(j + 1) * Q, j * Q:(j + 1) * Q]
        kernel += list(B * sp.ones(Q, 1))
        M = V.T * B * V
        minors += [M[:k, :k].det() for k in range(1, Q)]
    mn = min(minors) if minors else None
    det = {"minors": [str(m) for m in minors]}
    if not minors:
        det["vacuous"] = "Q = 1: {1ᵀv = 0} = {0}, no minors (the fiber is a point)"
    return [
        Evidence(Level.EXACT, "C8: B = diag(y_j) − y_jy_jᵀ annihilates 1 (C is flat "
                 "across fibers)", max(abs(v) for v in kernel), 0,
                 Status.VERIFIED if all(v == 0 for v in kernel) else Status.REFUTED,
                 key="exact.kernel"),
        Evidence(Level.EXACT, "C8: the Hessian is positive definite on {1ᵀv = 0} "
                 "(leading minors of VᵀBV, V = [e_i − e_Q]; residual max(0, −min minor))",
                 max(0, -mn) if minors else 0, 0,
                 Status.VERIFIED if mn is None or mn > 0 else Status.REFUTED, None, det,
                 key="exact.posdef"),
    ]


def _fiber_rates(prob, dps):
    """Smallest and largest eigenvalue of (1/N)(diag(y_j) − y_jy_jᵀ) on {1ᵀv = 0}, all j;
    (None, None) for Q = 1, where {1ᵀv = 0} = {0} has no eigenvalue (the fiber is a point)."""
    Q, N = prob.Q, prob.N
    if Q == 1:
        return None, None
    y = prob.y_flat
    lo, hi = None, None
    with mpmath.workdps(dps):
        for j in range(N):
            yj = [_mp(v) for v in y[j * Q:(j + 1) * Q]]
            B = mpmath.matrix(Q, Q)
            for a in range(Q):
                for b in range(Q):
                    B[a, b] = ((yj[a] if a == b else 0) - yj[a] * yj[b]) / N
            ev = sorted(mpmath.eigsy(B, eigvals_only=True))[1:]   # drop the 0 of the 1 direction
            lo = ev[0] if lo is None else min(lo, ev[0])
            hi = ev[-1] if hi is None else max(hi, ev[-1])
    return lo, hi


def default_s_end(entry, dps: int = 30) -> Fraction:
    """The default span of :func:`check_c8_trajectory`: 1.25·ln(10⁸·max(1, |x(0) − x*|))/λ_min
    rounded up to a multiple of 10, so that |x − x*| (≈ e^{−λ_min s}) ends near 10⁻⁸ and the
    rate tolerance 10·|x − x*| is small (:func:`symflow.backends.tolerance.too_loose`). For
    Q = 1 (no rate: σ ≡ 1 = y_j, so ∇ₓC ≡ 0 and the flow is at rest) it is 10."""
    prob = entry.problem
    N, Q = prob.N, prob.Q
    with working_precision(dps + EVAL_GUARD):
        x0 = _vec(prob.at(entry.theta0, "mpmath", dps + EVAL_GUARD).x)
        xstar = []
        for j in range(N):
            xstar += fiber_minimum([_mp(v) for v in prob.y_flat[j * Q:(j + 1) * Q]],
                                   mpmath.fsum(x0[j * Q:(j + 1) * Q]))
        d0 = _norm(_sub(x0, xstar))
        lo, _ = _fiber_rates(prob, dps + EVAL_GUARD)
        if lo is None:  # Q = 1: σ ≡ 1 = y_j, ∇ₓC ≡ 0, the flow is at rest: any span will do
            return Fraction(10)
        s = mpf("1.25") * mpmath.log(mpf(10) ** 8 * max(mpf(1), d0)) / lo
        return Fraction(int(mpmath.ceil(s / 10)) * 10)


def check_c8_trajectory(entry, *, dps: int = 30, level: Level = Level.MPMATH, progress=None,
                        s_end: Any = None, n_samples: int = 6, field: Any = "adapted",
                        confirm: bool = True, rank_loss: str | None = None,
                        time_factor: Any = 1) -> list[Evidence]:
    """C8 along the integrated flow: logit sums invariant, convergence towards x* at the
    linearised rate (see the module docstring; keys ``flow``, ``invariant``, ``in_range``,
    ``distance``, ``rate``, ``confirm``).

    ``s_end`` defaults to :func:`default_s_end`. ``rank_loss``: the integrator's option
    (default "stop" at full rank, "pinv" — the constrained flow — otherwise). Injectable for
    tests: ``field`` (a wrong field) and ``time_factor`` (θ is sampled at time_factor·s but
    judged as θ(s): a flow whose time runs ``time_factor`` times too fast).
    """
    tol = tolerance(dps)
    tic = time.perf_counter()
    default = default_s_end(entry, dps)
    end = s_end if s_end is not None else default
    red = _reduced(entry, end, default, n_samples + 1, 7)
    f = Fraction(time_factor)
    rl = rank_loss or ("stop" if entry.full_rank else "pinv")
    traj = flow(entry, field=field, s_end=Fraction(end) * f, dps=dps, rank_loss=rl,
                progress=progress)
    if traj.status != "success":
        return [_not_run("flow", "C8 adapted flow", traj, dps, reduced=red)]
    m = _c8_samples(entry, traj, end, f, n_samples, dps)
    hyp = None if not m["off"] else (
        f"C8's hypothesis 1_j ∈ range(D) fails at s = {', '.join(_n(v, 6) for v in m['off'])} "
        f"(max|(I − P)1_j| = {_n(m['rng'], 3)}): the logit sums need not be invariant there")
    det = {"s": [_n(s, 5) for s in m["ss"]], "|x(s) − x*|": [_n(d, 6) for d in m["dists"]],
           "c_j": [_n(v, 10) for v in m["c"]], "s_end": str(end), "rank_loss": rl,
           "seconds": round(time.perf_counter() - tic, 3)}
    if f != 1:
        det["time_factor (injected)"] = str(f)
    out = _c8_trajectory_evidence(m, hyp, det, traj, tol, dps, end, n_samples, red)
    if confirm:
        out.append(_confirmation_evidence(traj, "confirm", "C8 adapted flow", reduced=red))
    return out


def _range_residual(P, prob):
    """max_j |(I − P)1_j|, 1_j the indicator of sample j's logits: 0 iff every 1_j ∈ range(D)."""
    N, Q = prob.N, prob.Q
    worst = mpf(0)
    for j in range(N):
        one = [1 if j * Q <= i < (j + 1) * Q else 0 for i in range(prob.QN)]
        Pone = [mpmath.fsum(P[i, m] * one[m] for m in range(prob.QN))
                for i in range(prob.QN)]
        worst = max(worst, _maxabs(_sub(one, Pone)))
    return worst


def _c8_samples(entry, traj, end, f: Fraction, n_samples: int, dps: int) -> dict:
    """At ``n_samples`` + 1 times s_k (θ taken at f·s_k), x and D afresh at dps + EVAL_GUARD:
    the logit sums c_j and x* on their fibers, the invariant's residual (``inv``), the motion,
    the range hypothesis (``rng``, the times ``off`` where it fails), |x(s) − x*| with its
    largest rise and its fall, and the decay rate on the last interval against the band
    [λ_min, λ_max] (``rate_r``, tolerance ``rate_tol``)."""
    prob = entry.problem
    N, Q = prob.N, prob.Q
    tol = tolerance(dps)
    edps = dps + EVAL_GUARD
    with working_precision(edps):
        pd0 = prob.at(entry.theta0, "mpmath", edps)
        x0 = _vec(pd0.x)
        c = [mpmath.fsum(x0[j * Q:(j + 1) * Q]) for j in range(N)]
        xstar = []
        for j in range(N):
            xstar += fiber_minimum([_mp(v) for v in prob.y_flat[j * Q:(j + 1) * Q]], c[j])
        ss = [_mp(end) * k / n_samples for k in range(n_samples + 1)]
        inv, moved, rng, dists, off = mpf(0), mpf(0), mpf(0), [], []
        cscale = max([mpf(1)] + [abs(v) for v in c])
        for k in range(n_samples + 1):
            pd = prob.at(traj.theta_at(Fraction(end) * f * k / n_samples), "mpmath", edps)
            x = _vec(pd.x)
            inv = max(inv, max(abs(mpmath.fsum(x[j * Q:(j + 1) * Q]) - c[j])
                               for j in range(N)) / cscale)
            moved = max(moved, _maxabs(_sub(x, x0)) / cscale)
            worst_k = _range_residual(_linalg.projector(pd.D, edps), prob)
            rng = max(rng, worst_k)
            if worst_k > tol:
                off.append(ss[k])
            dists.append(_norm(_sub(x, xstar)))
        res = tol * max(mpf(1), _maxabs(xstar))   # |x − x*| resolved above this
        d0 = dists[0] if dists[0] > res else mpf(1)  # x(0) = x*: absolute
        rise = max(mpf(0), *[dists[k + 1] - dists[k] for k in range(n_samples)]) / d0
        fall = (dists[0] - dists[-1]) / d0
        lo, hi = _fiber_rates(prob, edps)
    out = {"c": c, "ss": ss, "inv": inv, "moved": moved, "rng": rng, "off": off,
           "dists": dists, "rise": rise, "fall": fall, "lo": lo, "hi": hi}
    out.update(_c8_rate(dists, ss, lo, hi, res, edps))
    return out


def _c8_rate(dists: list, ss: list, lo, hi, res, edps: int) -> dict:
    """The decay rate of |x − x*| on the last interval against the band [λ_min, λ_max]
    (``rate_r``, tolerance ``rate_tol`` = 10·|x(s_{n−1}) − x*|), or why it cannot be measured
    (``rate_skip``: (reason, sentence)): x(0) = x* up to ``res`` (the flow starts at the
    fiber's minimum and is at rest, so there is no decay: always for Q = 1, where the fiber is
    the point c_j and σ ≡ 1 = y_j), or |x − x*| at the last two samples not above ``res``."""
    none = {"rate": None, "rate_r": None, "rate_tol": None, "rate_skip": None}
    if lo is None or dists[0] <= res:
        why = ("Q = 1: the fiber 1ᵀx_j = c_j is a point, σ ≡ 1 = y_j and ∇ₓC ≡ 0" if lo is None
               else f"|x(0) − x*| = {_n(dists[0], 3)} ≤ {_n(res, 3)}: θ(0) is already at the "
                    f"fiber's minimum (σ(x_j(0)) = y_j, ∇ₓC = 0)")
        return {**none, "rate_skip": (Reason.HYPOTHESIS, f"{why}; the flow is at rest and "
                                      f"|x − x*| has no decay rate to compare with the band")}
    if min(dists[-2:]) <= res:
        return {**none, "rate_skip": (Reason.NUMERICS, f"|x − x*| at the last two samples "
                                      f"({_n(dists[-2], 3)}, {_n(dists[-1], 3)}) is not above "
                                      f"the resolution {_n(res, 3)}: no rate can be measured")}
    with working_precision(edps):
        rate = -mpmath.log(dists[-1] / dists[-2]) / (ss[-1] - ss[-2])
        rate_r = max(mpf(0), lo - rate, rate - hi) / lo       # the band itself, not widened
        rate_tol = 10 * dists[-2]                               # the one widening (docstring)
    return {**none, "rate": rate, "rate_r": rate_r, "rate_tol": rate_tol}


def _c8_trajectory_evidence(m: dict, hyp, det: dict, traj, tol, dps: int, end, n_samples: int,
                            red) -> list[Evidence]:
    """``invariant``, ``in_range`` (the hypothesis), ``distance`` and ``rate`` from the
    measurements ``m`` of :func:`_c8_samples`."""
    return [
        _ev("invariant", f"C8: each logit sum 1ᵀx_j(s) is invariant at {n_samples + 1} times in "
            f"[0, {end}] (residual relative to max(1, |c_j|))", m["inv"], tol, dps, traj=traj,
            magnitude=m["moved"], hypothesis=hyp, details=det, reduced=red),
        Evidence(Level.MPMATH, "C8 hypothesis: 1_j ∈ range(D) at the samples (residual "
                 "max|(I − P)1_j|, P = projector(D))", m["rng"], tol,
                 Status.VERIFIED if hyp is None else Status.INCONCLUSIVE, dps,
                 {"reduced": red} if red else {}, key="in_range",
                 reason=None if hyp is None else Reason.HYPOTHESIS, why=hyp or ""),
        _ev("distance", "C8: |x(s) − x*| decreasing (residual max rise / |x(0) − x*|)",
            m["rise"], tol, dps, traj=traj, magnitude=m["fall"], hypothesis=hyp, reduced=red,
            details={"final distance": _n(m["dists"][-1], 6),
                     "initial distance": _n(m["dists"][0], 6)}),
        _rate_evidence(m, hyp, traj, dps, red),
    ]


def _rate_evidence(m: dict, hyp, traj, dps: int, red) -> Evidence:
    """``rate``: the observed decay rate within the band (see :func:`_c8_rate`); inconclusive
    with the reason of ``m["rate_skip"]`` where no rate can be measured."""
    what = ("C8: decay rate of |x − x*| on the last interval within the linearised rates "
            "[λ_min, λ_max] of (1/N)(diag(y) − yyᵀ) on the fiber (residual: relative excursion "
            "outside the band; tolerance 10·|x − x*|, the size of the nonlinear correction)")
    det = {"observed_rate": _n(m["rate"], 8) if m["rate"] is not None else None,
           "lambda_min": _n(m["lo"], 8) if m["lo"] is not None else None,
           "lambda_max": _n(m["hi"], 8) if m["hi"] is not None else None}
    if m["rate_skip"] is not None and not hyp:
        reason, why = m["rate_skip"]
        if red:
            det["reduced"] = red
        return Evidence(Level.MPMATH, what, None, None, Status.INCONCLUSIVE, dps, det,
                        key="rate", reason=reason, why=why)
    return _ev("rate", what, m["rate_r"], m["rate_tol"], dps, traj=traj, magnitude=mpf(1),
               hypothesis=hyp, reduced=red, details=det)


register("C8", "Cross-entropy: logit sums invariant, minimum x* = log y + shift on the fiber",
         "Along the adapted flow each sample's logit sum 1ᵀx_j is invariant when 1_j ∈ range(D); "
         "on the fiber 1ᵀx_j = c_j the unique minimum is x_j* = log y_j + ((c_j − 1ᵀlog y_j)/Q)·1,"
         " with σ(x_j*) = y_j.", "Section 2 (cross-entropy)",
         needs=("ce",))


def check_c8_certified(entry, *, dps: int = 30, level: Level = Level.BALL,
                       progress=None) -> list[Evidence]:
    """C8 at level ball inside :func:`~symflow.claims.certified.certifying` (nothing
    otherwise): the logit sums at the step ends of a certified enclosure contain their initial
    values (key ``ball.invariant``; a consistency bound)."""
    setting = certified.current()
    return [] if setting is None else certified.c8_evidence(entry, setting, dps)


claim_check("C8")(check_c8_exact)
claim_check("C8")(check_c8_trajectory)
claim_check("C8")(check_c8_certified)


if __name__ == "__main__":
    from ._main import main

    raise SystemExit(main("C8"))
