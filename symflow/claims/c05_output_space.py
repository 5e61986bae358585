"""C5 — Theorem 2.3, output space: x' = −((1−α)DDᵀ + αP)∇ₓC and dC/ds ≤ 0 (pointwise, along flows).

**Pointwise** (:func:`check_c5_pointwise`, judged by :mod:`~symflow.claims.judge` at the points of
:mod:`~symflow.claims.sampling`, α ∈ :data:`C5_ALPHAS`): D V_α = −((1−α)DDᵀ + αP)g (P from
``projector``) and dC/ds = gᵀDV_α ≤ 0.

**Along flows** (:func:`check_c5_along_flows`, judged by the trajectory judge of
:mod:`~symflow.claims.trajectories`, mpmath level): along V_α, α ∈ {0, 3/4, 1} (α ≠ 1 − α,
so a swap α ↔ 1 − α shows): C(s) non-increasing at sample times; dC/ds = −gᵀ((1−α)DDᵀ + αP)g ≤ 0 at each (and gᵀDV_α, the chain rule
with ``fields.parameter_field``, equal to it); the *integrated motion*: dx/ds and dC/ds
measured by central differences of x(θ(s)) and C(θ(s)) on the dense output against
−((1−α)DDᵀ + αP)g and −gᵀ((1−α)DDᵀ + αP)g from D, P = projector(D), g = ∇ₓC.

**ball** (:func:`check_c5_certified`, with ``symflow check --certify``): certified
enclosures of V_α, α ∈ :data:`~symflow.claims.certified.C5_BALL_ALPHAS` = {0, 3/4, 1}, on
s ∈ [0, 1/2]; every certified upper bound of dC/ds over a step's tube ≤ 0 proves C
non-increasing there (:mod:`~symflow.claims.certified`).

Both checks take injectable pieces (``field_fn``, ``alphas``, ``s_end``, …); the along-flows
check looks up ``symflow.backends.linalg.projector`` / ``symflow.core.fields.parameter_field`` at call time,
so that tests can feed a wrong field, factor or projector and see a refuted verdict.
"""

from __future__ import annotations

import time
from fractions import Fraction
from typing import Any, Callable, Sequence

import mpmath
from mpmath import mpf

from ..backends import backend
from ..core import fields as _fields
from ..backends import linalg as _linalg
from ..backends import tolerance as _tol
from ..backends.arith import working_precision, get_arith
from ..backends.levels import Level
from .evidence import Evidence, Reason, Status
from ..backends.linalg import Mat, projector
from ..core.problem import PointData
from . import certified
from .registry import claim_check, register
from .judge import Cmp, _max_abs, _run
from .sampling import _n_random, sample_points
from .objects import library_field
from ..reference.fieldspec import field_alpha
from .trajectories import (EVAL_GUARD, _akey, _confirmation_evidence, _ev, _kappa_tol, _label,
                           _not_run, _range_kappa, _reduced, _span, flow, tolerance)
from .vectors import _maxabs, _mp, _n, _sub, _vec

__all__ = ["C5_ALPHAS", "C5_FLOW_ALPHAS", "N_MOTION", "check_c5_pointwise", "check_c5_along_flows",
           "check_c5_certified"]


C5_ALPHAS = (Fraction(0), Fraction(1, 4), Fraction(1, 2), Fraction(3, 4), Fraction(1))

#: α of the interpolating fields checked along trajectories (C5). α = 3/4 rather than 1/2:
#: V_{1/2} is its own mirror image under α ↔ 1 − α, so a swapped α would go unseen there.
C5_FLOW_ALPHAS = (Fraction(0), Fraction(3, 4), Fraction(1))

#: Times at which C5 measures the integrated motion dx/ds by numerical differentiation.
N_MOTION = 3


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
            be = backend(pd.level)
            closed = -((G * be.scalar(1 - a) + P * be.scalar(a)) @ g)
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
# C5 along flows
# ---------------------------------------------------------------------------------------------

def _c5_points(prob, thetas, a: Fraction, spec: str, edps: int) -> dict:
    """C, dC/ds = −gᵀ((1−α)G + αP)g, |gᵀDV_α − that| and the scales at the points ``thetas``."""
    with working_precision(edps):
        am = _mp(a)
        costs, forms, chain_diff, scale, kappa = [], [], mpf(0), mpf(0), mpf(1)
        for th in thetas:
            pd = prob.at(th, "mpmath", edps)
            D, g = pd.D, pd.grad
            G = D @ D.T
            P = _linalg.projector(D, edps)
            form = -(g.T @ ((G * (1 - am) + P * am) @ g))[0, 0]
            chain = (g.T @ (D @ _fields.parameter_field(pd, spec)))[0, 0]
            scale = max(scale, g.max_abs() ** 2 * (1 + G.max_abs()))
            kappa = max(kappa, _range_kappa(D, G, edps)) if a != 0 else kappa
            costs.append(pd.cost)
            forms.append(form)
            chain_diff = max(chain_diff, abs(chain - form))
        sc = scale if scale > 0 else mpf(1)
        return {"C": costs, "form": forms, "pos": max([mpf(0)] + forms) / sc,
                "chain": chain_diff / sc, "form_size": _maxabs(forms) / sc,
                "kappa": kappa if a != 0 else None}


def _outputs(prob, theta, ar, inputs) -> list:
    return list(prob.network.evaluate(list(theta), inputs, ar, jacobian=False)[0])


def _motion(prob, traj, a: Fraction, dps: int, n_motion: int = N_MOTION) -> dict:
    """The integrated motion against the field V_α induces, at ``n_motion`` times.

    **Measurement.** At a time s, x(θ(s)) is evaluated afresh (``network.evaluate`` at
    dps + EVAL_GUARD digits) at θ from the dense output at s ± h, s ± 2h, s ± 4h, and
    D4(h) = [8(x(s+h) − x(s−h)) − (x(s+2h) − x(s−2h))]/(12h) (fourth-order central difference)
    estimates dx/ds; likewise dC/ds from C[x] (``loss.cost``). **Reference**, independent of
    :mod:`symflow.core.fields` and of the integrator: −((1−α)DDᵀ + αP)g and −gᵀ((1−α)DDᵀ + αP)g with
    D, g = ∇ₓC from ``problem.at`` and P = ``linalg.projector(D)``.

    **Times.** s = t_i + 4h just after accepted steps t_i — at most ``n_motion`` of them,
    spread over the span (one per step when the flow took fewer steps) — so that the dense
    output integrates only a few h from a step point (a sample inside a long step would cost a
    re-integration of most of that step for each of the seven evaluations); Δ = the length of
    that step, h = ε^(1/5)·Δ, ε = 10^(5−dps) the dense output's relative accuracy (the
    trajectory tolerance, checked by ``Trajectory.confirm``).

    **Tolerance rule** (numerical differentiation). D4's round-off error is ≤ 1.5·ε·X/h =
    1.5·ε^(4/5)·X/Δ, with X = max(|x|, K·max|D|·max|θ|) the size of an output error caused by a
    relative error ε of θ; its truncation error is h⁴|x⁽⁵⁾|/30 = ε^(4/5)Δ⁴|x⁽⁵⁾|/30. The
    tolerance, relative to M = max|dx/ds| over the samples, is ε^(3/5)·max(1, X/(Δ·M)) — a factor
    ε^(−1/5) (10⁵ at 30 digits, 10³ at 20) above the expected error and tiny against the change
    an α ↔ 1 − α swap, a dropped (DDᵀ)⁻¹ or a doubled ∇ₓC make (relative O(1)). The
    differentiation is *resolved* when D4(h) and D4(2h) agree within the tolerance; otherwise a
    residual above it is inconclusive (numerics), never refuted. Same rule for dC/ds with
    X_C = max(|C|, Σ|g|·X).
    """
    eps = _tol.trajectory(dps)
    edps = dps + EVAL_GUARD
    ar = get_arith("mpmath")
    with working_precision(edps):
        env = {"ar": ar, "inputs": [[ar.from_rational(v) for v in r] for r in prob.inputs],
               "y": [ar.from_rational(v) for v in prob.y_flat], "am": _mp(a), "edps": edps}
        picks = _motion_times(traj, n_motion)
        if not picks:
            return {"rows": []}
        e5 = eps ** (mpf(1) / 5)
        rows = [_motion_row(prob, traj, env, t0, e5 * dt, dt) for t0, dt in picks]
        return _motion_summary(rows, eps)


def _motion_times(traj, n_motion: int) -> list:
    """(t_i, Δ) for at most ``n_motion`` accepted steps [t_i, t_i + Δ] spread over the span (one
    per step when the flow took fewer), at the current precision; [] without a step."""
    ts = [+mpf(t) for t in traj.times]
    cands = [(ts[i], ts[i + 1] - ts[i]) for i in range(len(ts) - 1) if ts[i + 1] > ts[i]]
    if not cands:
        return []
    if n_motion <= 1 or len(cands) == 1:
        return [cands[len(cands) // 2]]
    idx = sorted({round(j * (len(cands) - 1) / (n_motion - 1)) for j in range(n_motion)})
    return [cands[i] for i in idx]


def _motion_row(prob, traj, env: dict, t0, h, dt) -> dict:
    """At s = t0 + 4h: dx/ds and dC/ds by D4(h) and D4(2h) from x(θ(s + jh)) evaluated afresh,
    the reference −((1−α)DDᵀ + αP)g and −gᵀ((1−α)DDᵀ + αP)g at θ(s), and the sizes X, X_C of
    the output and cost errors a relative error of θ causes (:func:`_motion`)."""
    N, Q, K = prob.N, prob.Q, prob.K
    ar, am, edps = env["ar"], env["am"], env["edps"]
    s = t0 + 4 * h
    xs = {j: _outputs(prob, traj.theta_at(s + j * h), ar, env["inputs"])
          for j in (-4, -2, -1, 1, 2, 4)}
    cs = {j: prob.loss.cost(xs[j], env["y"], N, Q, ar) for j in xs}

    def d4(f, m):
        return (8 * (f(m) - f(-m)) - (f(2 * m) - f(-2 * m))) / (12 * m * h)

    dx1 = [d4(lambda j: xs[j][i], 1) for i in range(prob.QN)]
    dx2 = [d4(lambda j: xs[j][i], 2) for i in range(prob.QN)]
    dc1, dc2 = d4(lambda j: cs[j], 1), d4(lambda j: cs[j], 2)
    th = traj.theta_at(s)
    pd = prob.at(th, "mpmath", edps)
    G = pd.D @ pd.D.T
    P = _linalg.projector(pd.D, edps)
    ref = _vec(-((G * (1 - am) + P * am) @ pd.grad))
    g = _vec(pd.grad)
    refc = mpmath.fsum(u * v for u, v in zip(g, ref))
    X = max([_maxabs(v) for v in xs.values()]
            + [K * pd.D.max_abs() * _maxabs(th)])
    XC = max(abs(pd.cost), mpmath.fsum(abs(v) for v in g) * X)
    return dict(s=s, h=h, dt=dt, dx1=dx1, dx2=dx2, ref=ref, dc1=dc1, dc2=dc2,
                refc=refc, X=X, XC=XC)


def _motion_summary(rows: list, eps) -> dict:
    """Residuals (D4(h) against the reference), differentiation checks (D4(h) against D4(2h))
    and tolerances ε^(3/5)·max(1, X/(Δ·M)) of dx/ds and dC/ds over the rows, relative to
    M = max|dx/ds|, M_C = max|dC/ds| (:func:`_motion`)."""
    M = max(_maxabs(r["ref"]) for r in rows)
    MC = max(abs(r["refc"]) for r in rows)
    M1, MC1 = (M if M > 0 else mpf(1)), (MC if MC > 0 else mpf(1))
    e35 = eps ** (mpf(3) / 5)
    return {
        "rows": rows,
        "x_res": max(_maxabs(_sub(r["dx1"], r["ref"])) for r in rows) / M1,
        "x_fd": max(_maxabs(_sub(r["dx1"], r["dx2"])) for r in rows) / M1,
        "x_tol": e35 * max([mpf(1)] + [r["X"] / (r["dt"] * M1) for r in rows]),
        "c_res": max(abs(r["dc1"] - r["refc"]) for r in rows) / MC1,
        "c_fd": max(abs(r["dc1"] - r["dc2"]) for r in rows) / MC1,
        "c_tol": e35 * max([mpf(1)] + [r["XC"] / (r["dt"] * MC1) for r in rows]),
        "M": M, "MC": MC,
    }


def _c5_rerun(prob, thetas, a: Fraction, spec: str, edps: int, dps: int) -> Callable:
    """``which`` ↦ (residual, tolerance) of :func:`_c5_points` recomputed at CONFIRM_EXTRA_DPS
    more digits (computed once, on the first call): the re-run a pointwise refutation needs."""
    memo: dict = {}

    def rerun(which):
        if "r" not in memo:
            memo["r"] = _c5_points(prob, thetas, a, spec, edps + _tol.CONFIRM_EXTRA_DPS)
        r = memo["r"]
        return r[which], _kappa_tol(tolerance(dps), r["kappa"])

    return rerun


def check_c5_along_flows(entry, *, dps: int = 30, level: Level = Level.MPMATH, progress=None,
                         alphas: Sequence[Any] = C5_FLOW_ALPHAS, s_end: Any = None,
                         n_samples: int = 6, n_motion: int = N_MOTION,
                         confirm: bool = True) -> list[Evidence]:
    """C5 (Theorem 2.3): along θ' = V_α the outputs move by x' = −((1−α)DDᵀ + αP)g and
    dC/ds = −gᵀ((1−α)DDᵀ + αP)g ≤ 0, so C(s) ↓.

    For each α: integrate V_α over s ∈ [0, s_end] (default N/8; rank-deficient problems with
    the pseudo-inverse), and at ``n_samples`` + 1 equally spaced times evaluate C, g, D,
    P = projector(D) afresh from θ(s). Evidence per α (keys ``along.alpha<α>.<name>``):

    ``cost``    C(s_{k+1}) ≤ C(s_k) (residual max(ΔC, 0)/C(0); too loose if C hardly fell);
    ``form``    −gᵀ((1−α)DDᵀ + αP)g ≤ 0 (residual max(dC/ds, 0)/|g|²(1+|DDᵀ|));
    ``chain``   gᵀDV_α (``fields.parameter_field``) equals that form (same scale); both
                pointwise, tolerance tol·max(1, κ·10^−15), κ of DDᵀ on its range;
    ``motion``  the integrated motion dx/ds (central differences on the dense output) equals
                −((1−α)DDᵀ + αP)g — catches a flow that follows the wrong field (:func:`_motion`);
    ``dCds``    the measured dC/ds equals −gᵀ((1−α)DDᵀ + αP)g (catches a ∇ₓC inconsistent
                with C, e.g. a wrong factor in the loss gradient);
    ``confirm`` the re-integration at dps + 10.
    """
    prob = entry.problem
    default = _span(entry, Fraction(prob.N, 8))
    end = s_end if s_end is not None else default
    red = _reduced(entry, end, Fraction(prob.N, 8), n_samples + 1, 7)
    red_m = _reduced(entry, end, Fraction(prob.N, 8), n_motion, N_MOTION)
    out = []
    for spec in alphas:
        out += _c5_along(entry, field_alpha(spec), end, dps=dps, n_samples=n_samples,
                         n_motion=n_motion, confirm=confirm, red=red, red_m=red_m,
                         progress=progress)
    return out


def _c5_along(entry, a: Fraction, end, *, dps: int, n_samples: int, n_motion: int,
              confirm: bool, red, red_m, progress) -> list[Evidence]:
    """C5 along V_α for one α: integrate, then the sample evidence (:func:`_c5_sample_evidence`),
    the motion evidence (:func:`_c5_motion_evidence`) and the confirmation."""
    prob = entry.problem
    aspec = str(a)
    k = f"along.{_akey(a)}"
    name = f"α = {a} ({_label(a)})"
    tic = time.perf_counter()
    rank_loss = "stop" if (a == 0 or entry.full_rank) else "pinv"
    traj = flow(entry, field=aspec, s_end=end, dps=dps, rank_loss=rank_loss, progress=progress)
    if traj.status != "success":
        return [_not_run(f"{k}.flow", f"C5 along V_α, {name}", traj, dps, reduced=red)]
    edps = dps + EVAL_GUARD
    with working_precision(edps):
        ss = [_mp(end) * j / n_samples for j in range(n_samples + 1)]
    thetas = [traj.theta_at(s) for s in ss]
    pts = _c5_points(prob, thetas, a, aspec, edps)
    rerun = _c5_rerun(prob, thetas, a, aspec, edps, dps)
    mot = _motion(prob, traj, a, dps, n_motion)
    det = {"s_end": str(end), "samples": n_samples + 1,
           "C": [_n(c, 8) for c in pts["C"]], "dC/ds": [_n(q, 6) for q in pts["form"]],
           "rank_loss": rank_loss, "seconds": round(time.perf_counter() - tic, 3)}
    out = _c5_sample_evidence(k, name, pts, traj, dps, end, n_samples, rerun, det, red)
    out += _c5_motion_evidence(k, name, mot, traj, dps, red_m)
    if confirm:
        out.append(_confirmation_evidence(traj, f"{k}.confirm", f"C5 along V_α, {name}",
                                          reduced=red))
    return out


def _c5_sample_evidence(k: str, name: str, pts: dict, traj, dps: int, end, n_samples: int,
                        rerun: Callable, det: dict, red) -> list[Evidence]:
    """``cost`` (C non-increasing at the samples), ``form`` (dC/ds ≤ 0) and ``chain`` (gᵀDV_α
    equals the form): the pointwise part of C5 along one flow."""
    tol = tolerance(dps)
    with working_precision(dps + EVAL_GUARD):
        costs = pts["C"]
        c0 = costs[0] if costs[0] > 0 else mpf(1)
        rise = max([mpf(0)] + [costs[j + 1] - costs[j] for j in range(n_samples)]) / c0
        drop = (costs[0] - costs[-1]) / c0
        ktol = _kappa_tol(tol, pts["kappa"])
    return [
        _ev(f"{k}.cost", f"C5 along V_α, {name}: C(θ(s)) non-increasing at "
            f"{n_samples + 1} times in [0, {end}] (residual max ΔC⁺/C(0))",
            rise, tol, dps, traj=traj, magnitude=drop, details=det, reduced=red),
        _ev(f"{k}.form", f"C5 along V_α, {name}: dC/ds = −gᵀ((1−α)DDᵀ + αP)g ≤ 0 "
            f"at each sample (residual max(dC/ds, 0)/|g|²(1+|DDᵀ|))", pts["pos"],
            ktol, dps, rerun=lambda: rerun("pos"), kappa=pts["kappa"],
            magnitude=pts["form_size"], reduced=red),
        _ev(f"{k}.chain", f"C5 along V_α, {name}: chain rule gᵀD V_α "
            f"(fields.parameter_field) equals −gᵀ((1−α)DDᵀ + αP)g at each sample "
            f"(residual relative to |g|²(1+|DDᵀ|))", pts["chain"], ktol, dps,
            rerun=lambda: rerun("chain"), kappa=pts["kappa"],
            magnitude=pts["form_size"], reduced=red),
    ]


def _c5_motion_evidence(k: str, name: str, mot: dict, traj, dps: int, red_m) -> list[Evidence]:
    """``motion`` (the integrated dx/ds equals the induced output field) and ``dCds`` (the
    measured dC/ds equals −gᵀ((1−α)DDᵀ + αP)g); inconclusive where the trajectory has no step
    or the numerical differentiation is not resolved."""
    if not mot["rows"]:
        return [Evidence(Level.MPMATH, f"C5 along V_α, {name}: no integration step to "
                         f"measure the motion on", None, None, Status.INCONCLUSIVE, dps,
                         key=f"{k}.motion", reason=Reason.NUMERICS,
                         why="the trajectory has no step")]
    mdet = {"times": [_n(r["s"], 8) for r in mot["rows"]],
            "h": [_n(r["h"], 3) for r in mot["rows"]],
            "fd_h_vs_2h": _n(mot["x_fd"], 3), "max|dx/ds|": _n(mot["M"], 6),
            "rule": "h = ε^(1/5)·Δ, tol = ε^(3/5)·max(1, X/(Δ·M)), ε = 10^(5−dps)"}
    unres = (f"the central differences with h and 2h differ by {_n(mot['x_fd'], 3)} "
             f"(differentiation not resolved)") if mot["x_fd"] > mot["x_tol"] else None
    unres_c = (f"the central differences with h and 2h differ by {_n(mot['c_fd'], 3)} "
               f"(differentiation not resolved)") if mot["c_fd"] > mot["c_tol"] else None
    return [
        _ev(f"{k}.motion", f"C5 along V_α, {name}: the integrated motion dx/ds "
            f"(4th-order central differences of x(θ(s)) on the dense output) "
            f"equals −((1−α)DDᵀ + αP)∇ₓC (D, P = projector(D), ∇ₓC afresh) at "
            f"{len(mot['rows'])} times (residual relative to max|dx/ds|; "
            f"numerical-differentiation tolerance)", mot["x_res"], mot["x_tol"],
            dps, traj=traj, magnitude=mpf(1), numerics=unres, details=mdet,
            reduced=red_m),
        _ev(f"{k}.dCds", f"C5 along V_α, {name}: the measured dC/ds (central "
            f"differences of C(θ(s))) equals −∇ₓCᵀ((1−α)DDᵀ + αP)∇ₓC at "
            f"{len(mot['rows'])} times (residual relative to max|dC/ds|; "
            f"numerical-differentiation tolerance)", mot["c_res"], mot["c_tol"],
            dps, traj=traj, magnitude=mpf(1), numerics=unres_c,
            details={"fd_h_vs_2h": _n(mot["c_fd"], 3),
                     "max|dC/ds|": _n(mot["MC"], 6)}, reduced=red_m),
    ]


claim_check("C5")(check_c5_along_flows)


@claim_check("C5")
def check_c5_certified(entry, *, dps: int = 30, level: Level = Level.BALL,
                       progress=None) -> list[Evidence]:
    """C5 at level ball inside :func:`~symflow.claims.certified.certifying` (nothing
    otherwise): dC/ds = ∇ₓC·Dθ' ≤ 0 on every step's tube of certified enclosures of V_α
    (keys ``ball.flow_alpha<α>.rate``)."""
    setting = certified.current()
    return [] if setting is None else certified.c5_evidence(entry, setting, dps)


if __name__ == "__main__":
    from ._main import main

    raise SystemExit(main("C5"))
