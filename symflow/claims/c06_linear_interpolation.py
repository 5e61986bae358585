"""C6 — L2, full rank: the adapted flow is linear interpolation in output space, t = 1 − e^(−s/N).

**Exact** (:func:`check_c6_derivation`, global in content, run per problem): the time change
derived by SymPy, every substitution check = 0. **mpmath** (:func:`check_c6_trajectory`):
dθ/dt = D⁺(y − x(0)) integrated to t = 1: x(θ(t)) = (1−t)x(0) + t·y at 11
times, x(θ(1)) = y (C = 0), rank QN along the path; in the flow time s:
x(θ(s)) = (1 − t(s))x(0) + t(s)·y = y + e^{−s/N}(x(0) − y).

**ball** (:func:`check_c6_certified`, with ``symflow check --certify``): a certified Arb-ball
enclosure of dθ/dt = D⁺(y − x(0)) on [0, 1] with a positive rank certificate *proves* C6 for
the network, data and θ₀ (:mod:`~symflow.claims.certified`); under a step budget, an enclosure
that does not cover [0, 1] is an inconclusive attempt and the mpmath evidence stands.

Trajectory comparisons are judged by :mod:`~symflow.claims.trajectories` (a refutation needs
the trajectory confirmed at higher precision); where the rank monitor stops a flow, C6 says
nothing there (inconclusive, reason hypothesis).

Check functions take injectable pieces (``field=``, ``time_change=``, ``s_end=``) and look up
``symflow.backends.linalg.projector`` / ``symflow.core.fields.parameter_field`` at call time, so that tests
can feed a wrong field, factor or projector and see a refuted verdict.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Sequence

import mpmath
from mpmath import mpf
import sympy as sp

from ..backends.arith import working_precision
from ..backends.levels import Level
from . import certified
from .evidence import Evidence, Reason, Status
from ..core.timechange import derive_time_change
from .registry import claim_check, register
from ..reference.fieldspec import field_alpha
from .trajectories import (EVAL_GUARD, _confirmation_evidence, _ev, _label, _not_run,
                           _reduced, flow, gap_scale, tolerance)
from .vectors import _maxabs, _mp, _n, _sub, _vec

__all__ = ["check_c6_derivation", "check_c6_trajectory", "check_c6_certified"]


register("C6", "L2, full rank: adapted flow = linear interpolation in t = 1 − e^(−s/N)",
         "Along the adapted flow x(s) = y + e^{−s/N}(x(0) − y); with t = 1 − e^{−s/N}, "
         "x = (1−t)x(0) + t·y; dθ/dt = D⁺(y − x(0)) on [0, 1] reaches C = 0 at t = 1.",
         "Section 2, (2.27)–(2.28)", needs=("l2", "full_rank"))


def _exact_status(res, at: dict) -> tuple[Status, Reason | None, str]:
    """Exact rule for a SymPy residual: 0 → verified; certainly nonzero (as a number, or at the
    sample point ``at``) → refuted; otherwise inconclusive (SymPy could not decide)."""
    if res == 0:
        return Status.VERIFIED, None, ""
    val = res.subs(at) if res.free_symbols else res
    if val.free_symbols:
        return Status.INCONCLUSIVE, Reason.NUMERICS, "SymPy left free symbols in the residual"
    if val.is_zero is False:
        return Status.REFUTED, None, ""
    num = sp.N(val, 50)
    if num.is_number and abs(num) > sp.Float("1e-30"):
        return Status.REFUTED, None, ""
    return (Status.INCONCLUSIVE, Reason.NUMERICS,
            "SymPy could neither simplify the residual to 0 nor show it nonzero")


def check_c6_derivation(entry=None, *, dps: int = 30, level: Level = Level.EXACT, progress=None,
                        time_change: sp.Expr | None = None) -> list[Evidence]:
    """C6, symbolic part: the time change t(s) derived by SymPy (:func:`derive_time_change`).

    Without ``time_change``: every substitution check of the derivation (x(s) solves
    dx/ds = −(x − y)/N, t(s(t)) = t, w constant, …) simplified to 0 (keys
    ``derivation.<i>``). In every case: the line evaluated at the (derived or injected) t(s),
    X(s) = (1 − t(s))x₀ + t(s)·y, must solve the output ODE: residual dX/ds + (X − y)/N
    simplified, exact (must be 0; key ``time_change.ode``), and t(0) = 0 (``time_change.t0``).
    """
    d = derive_time_change()
    out = []
    at = {d.s: 1, d.N: 2, d.x0: 0, d.y: 1}
    if time_change is None:
        for i, (what, r) in enumerate(d.checks, 1):
            st, reason, why = ((Status.VERIFIED, None, "") if r == 0 else
                               (Status.INCONCLUSIVE, Reason.NUMERICS,
                                "SymPy did not simplify the residual to 0") if r.free_symbols
                               else (Status.REFUTED, None, ""))
            out.append(Evidence(Level.EXACT, f"C6 derivation (SymPy): {what}", r, 0, st, None,
                                {"t(s)": str(d.t_of_s), "s(t)": str(d.s_of_t), "w": str(d.w)},
                                key=f"derivation.{i}", reason=reason, why=why))
    tau = d.t_of_s if time_change is None else sp.sympify(time_change)
    X = (1 - tau) * d.x0 + tau * d.y
    r = sp.simplify(sp.diff(X, d.s) + (X - d.y) / d.N)
    r0 = sp.simplify(tau.subs(d.s, 0))
    for key, what, res in (("time_change.ode",
                            f"the line at t(s) = {tau} solves dx/ds = −(x − y)/N", r),
                           ("time_change.t0", f"t(0) = 0 for t(s) = {tau}", r0)):
        # nonzero: refuted if it is nonzero at a sample point (s = 1, N = 2, x₀ = 0, y = 1)
        st, reason, why = _exact_status(res, at)
        out.append(Evidence(Level.EXACT, f"C6 time change: {what}", res, 0, st, None,
                            {"injected": time_change is not None}, key=key, reason=reason,
                            why=why))
    return out


def _t_of_s_function(time_change, N: int):
    d = derive_time_change()
    tau = d.t_of_s if time_change is None else sp.sympify(time_change)
    f = sp.lambdify(d.s, tau.subs(d.N, N), modules="mpmath")
    return tau, f


_C6_HYPOTHESIS = "C6's hypothesis, full rank D (rank D = QN)"


def check_c6_trajectory(entry, *, dps: int = 30, level: Level = Level.MPMATH, progress=None,
                        field: Any = "adapted", time_change: sp.Expr | None = None,
                        n_t: int = 11, s_points: Sequence[Any] = (Fraction(1, 2), 1, 2),
                        confirm: bool = True) -> list[Evidence]:
    """C6 on a full-rank L2 problem: x(θ(t)) = (1 − t)x(0) + t·y and x(θ(1)) = y.

    (t) With the adapted field: integrate dθ/dt = D⁺(y − x(0)) (w derived by SymPy) on
    t ∈ [0, 1]; at ``n_t`` equally spaced t evaluate x(θ(t)) afresh and compare with the line
    (``t.line``: residual max|x − line|/max|x(0) − y|); at t = 1 residual C(θ(1))/C(θ(0))
    against tol² (``t.target``); the hypothesis rank QN along the path (``t.rank``: residual
    tol·κ, κ = λ_max/λ_min of DDᵀ over samples and steps, against 1 — a κ beyond 1/tol leaves
    the hypothesis unestablished: inconclusive, reason hypothesis); confirmation.

    (s) Integrate ``field`` in the flow time to s = 2N (rank monitor on: C6 is claimed only at
    full rank); at s = σ·N for σ in ``s_points`` compare x(θ(s)) with (1 − t(s))x(0) + t(s)·y,
    t(s) the derived time change (or the injected ``time_change``, a SymPy expression in the
    derivation's symbols s and N): for the derived one this is y + e^{−s/N}(x(0) − y).

    If the rank monitor stops a flow, C6 says nothing there: inconclusive, reason hypothesis
    ("full rank D fails at t = …"), never refuted.
    """
    prob = entry.problem
    alpha = field_alpha(field)
    edps = dps + EVAL_GUARD
    with working_precision(edps):
        pd0 = prob.at(entry.theta0, "mpmath", edps)
        x0, y = _vec(pd0.x), _vec(pd0.y)
        start = {"x0": x0, "y": y, "gap": _maxabs(_sub(x0, y)), "c0": pd0.cost}
    out = []
    if alpha == 1 and time_change is None:
        out += _c6_in_t(entry, start, dps=dps, n_t=n_t, confirm=confirm, progress=progress)
    out += _c6_in_s(entry, start, field=field, alpha=alpha, time_change=time_change, dps=dps,
                    s_points=s_points, confirm=confirm, progress=progress)
    return out


def _c6_t_samples(prob, traj, start: dict, n_t: int, dps: int) -> dict:
    """Along the t-flow, at ``n_t`` equally spaced t ∈ [0, 1] (x, D afresh at dps + EVAL_GUARD):
    the largest deviation from the line (``worst``) and motion (``moved``) relative to
    max|x(0) − y|, the per-time residuals, the extreme eigenvalues of DDᵀ (with the integrator's
    smallest over its steps), C(θ(1))/C(θ(0)), κ and the rank residual tol·κ. Where x(0) = y
    (∇ₓC = 0: the flow is at rest on the line, which is the point y) the residuals are absolute
    (:func:`~symflow.claims.trajectories.gap_scale`) and the target residual is C(θ(1))."""
    x0, y, gap = start["x0"], start["y"], gap_scale(start["gap"])
    edps = dps + EVAL_GUARD
    worst, moved, lam_min, lam_max, rows = mpf(0), mpf(0), None, mpf(0), []
    with working_precision(edps):
        for k in range(n_t):
            t = mpf(k) / (n_t - 1)
            pd = prob.at(traj.theta_at(t), "mpmath", edps)
            x = _vec(pd.x)
            line = [(1 - t) * a + t * b for a, b in zip(x0, y)]
            r = _maxabs(_sub(x, line)) / gap
            worst = max(worst, r)
            moved = max(moved, _maxabs(_sub(x, x0)) / gap)
            rows.append(_n(r, 3))
            G = pd.D @ pd.D.T
            ev = mpmath.eigsy(G.data, eigvals_only=True)
            lo, hi = min(ev), max(ev)
            lam_min = lo if lam_min is None else min(lam_min, lo)
            lam_max = max(lam_max, hi)
            if k == n_t - 1:
                c1, x1 = pd.cost, x
        lam_min = min(lam_min, traj.min_ntk_eigenvalue)
        end_r = c1 / start["c0"] if start["c0"] > 0 else c1  # C(θ(0)) = 0: x(0) = y, at rest
        kappa = lam_max / lam_min if lam_min > 0 else mpf("inf")
        rank_r = tolerance(dps) * kappa
    return {"worst": worst, "moved": moved, "rows": rows, "lam_min": lam_min,
            "lam_max": lam_max, "end_r": end_r, "kappa": kappa, "rank_r": rank_r, "x1": x1}


def _c6_in_t(entry, start: dict, *, dps: int, n_t: int, confirm: bool,
             progress) -> list[Evidence]:
    """(t): dθ/dt = D⁺(y − x(0)) integrated to t = 1 — ``t.line``, ``t.target``, ``t.rank``
    (the hypothesis, full rank along the path) and ``t.confirm``."""
    tol = tolerance(dps)
    y, gap = start["y"], start["gap"]
    red_t = _reduced(entry, n=n_t, n_default=11)
    traj = flow(entry, field="adapted", t_end=1, dps=dps, rank_loss="stop", progress=progress)
    if traj.status != "success":
        return [_not_run("t.flow", "C6: dθ/dt = D⁺(y − x(0)) integrated to t = 1", traj,
                         dps, hypothesis=_C6_HYPOTHESIS, reduced=red_t)]
    m = _c6_t_samples(entry.problem, traj, start, n_t, dps)
    kappa = m["kappa"]
    hyp = None if m["rank_r"] <= 1 else (
        f"{_C6_HYPOTHESIS} is not established along the t-flow: κ(DDᵀ) = "
        f"{_n(kappa, 3)} exceeds 1/tol = {_n(1 / tol, 3)}")
    out = [
        _ev("t.line", f"C6: x(θ(t)) = (1−t)x(0) + t·y at {n_t} times t ∈ [0, 1] "
            f"(residual max|x − line|/max|x(0) − y|)", m["worst"], tol, dps,
            traj=traj, magnitude=m["moved"], hypothesis=hyp,
            details={"per_time": m["rows"], "max|x(0) − y|": _n(gap, 8)},
            reduced=red_t),
        _ev("t.target", "C6: the global minimum is reached at t = 1: "
            "C(θ(1))/C(θ(0)) (tolerance tol²)", m["end_r"], tol ** 2, dps, traj=traj,
            magnitude=mpf(1), hypothesis=hyp,
            details={"max|x(θ(1)) − y|": _n(_maxabs(_sub(m["x1"], y)), 5)}),
        Evidence(
            Level.MPMATH, "C6 hypothesis: rank D = QN along the path (residual tol·κ, "
            "κ = λ_max/λ_min of DDᵀ over samples and steps; verified iff ≤ 1)", m["rank_r"], 1,
            Status.VERIFIED if hyp is None else Status.INCONCLUSIVE, dps,
            {"min_eigenvalue_DDt": _n(m["lam_min"], 8), "max_eigenvalue_DDt": _n(m["lam_max"], 8)},
            key="t.rank", reason=None if hyp is None else Reason.HYPOTHESIS, why=hyp or "",
            kappa=kappa),
    ]
    if confirm:
        out.append(_confirmation_evidence(traj, "t.confirm", "C6 in t"))
    return out


def _c6_in_s(entry, start: dict, *, field: Any, alpha: Fraction, time_change, dps: int,
             s_points: Sequence[Any], confirm: bool, progress) -> list[Evidence]:
    """(s): ``field`` integrated in the flow time to s = 2N; at s = σ·N, x(θ(s)) against
    (1 − t(s))x(0) + t(s)·y with the derived (or injected) time change — ``s.line``,
    ``s.confirm``."""
    prob = entry.problem
    N = prob.N
    x0, y, gap = start["x0"], start["y"], gap_scale(start["gap"])
    edps = dps + EVAL_GUARD
    red_s = _reduced(entry, n=len(s_points), n_default=3)
    tau, tf = _t_of_s_function(time_change, N)
    s_end = 2 * N
    lab = _label(alpha)
    traj_s = flow(entry, field=field, s_end=s_end, dps=dps, rank_loss="stop", progress=progress)
    if traj_s.status != "success":
        return [_not_run("s.flow", f"C6 in s ({lab} field)", traj_s, dps,
                         hypothesis=_C6_HYPOTHESIS, reduced=red_s)]
    worst, moved, rows = mpf(0), mpf(0), []
    with working_precision(edps):
        for sig in s_points:
            s = _mp(sig) * N
            x = _vec(prob.at(traj_s.theta_at(s), "mpmath", edps).x)
            t = mpf(tf(s))
            line = [(1 - t) * a + t * b for a, b in zip(x0, y)]
            r = _maxabs(_sub(x, line)) / gap
            worst = max(worst, r)
            moved = max(moved, _maxabs(_sub(x, x0)) / gap)
            rows.append(f"s = {_n(s, 6)}: {_n(r, 3)}")
    out = [_ev("s.line", f"C6 in s ({lab} field): x(θ(s)) = (1 − t(s))x(0) + t(s)·y with "
               f"t(s) = {tau} at s/N ∈ {[str(v) for v in s_points]} (residual relative to "
               f"max|x(0) − y|)", worst, tolerance(dps), dps, traj=traj_s, magnitude=moved,
               details={"per_time": rows}, reduced=red_s)]
    if confirm:
        out.append(_confirmation_evidence(traj_s, "s.confirm", f"C6 in s ({lab} field)"))
    return out


def check_c6_certified(entry, *, dps: int = 30, level: Level = Level.BALL,
                       progress=None) -> list[Evidence]:
    """C6 at level ball inside :func:`~symflow.claims.certified.certifying` (nothing
    otherwise): the LineTime enclosure on t ∈ [0, 1] — ``ball.line`` (|x[θ(t_i)] − ((1 − t_i)
    x(0) + t_i·y)| bounded at every step end), ``ball.target`` (x[θ(1)] ∋ y), ``ball.rank``
    (λ_min(DDᵀ) ≥ μ > 0 on the whole tube)."""
    setting = certified.current()
    return [] if setting is None else certified.c6_evidence(entry, setting, dps)


claim_check("C6")(check_c6_derivation)
claim_check("C6")(check_c6_trajectory)
claim_check("C6")(check_c6_certified)


if __name__ == "__main__":
    from ._main import main

    raise SystemExit(main("C6"))
