"""Trajectory claims: C5 along flows, C6 (linear interpolation), C7 (rank loss), C10 (hypotheses).

Every check integrates a flow with :func:`symflow.integrate.integrate` (GBS extrapolation at
``dps`` digits) and then evaluates the network *afresh* at the integrated θ(s) or θ(t) with
``problem.at(θ, "mpmath", dps + EVAL_GUARD)``: residuals come from x[θ], D, P = ``projector(D)`` at those
points, never from the integrator's bookkeeping nor from the closed forms being checked. The
field a check expects (α) is parsed here (:func:`_alpha`), not by :func:`symflow.fields.parse_field`,
which is part of the code under test.

=====  ====================================================================================
C5     along V_α, α ∈ {0, 3/4, 1} (α ≠ 1 − α, so a swap α ↔ 1 − α shows): C(s) non-increasing
       at sample times; dC/ds = −gᵀ((1−α)DDᵀ + αP)g ≤ 0 at each (and gᵀDV_α, the chain rule
       with ``fields.parameter_field``, equal to it); the *integrated motion*: dx/ds and dC/ds
       measured by central differences of x(θ(s)) and C(θ(s)) on the dense output against
       −((1−α)DDᵀ + αP)g and −gᵀ((1−α)DDᵀ + αP)g from D, P = projector(D), g = ∇ₓC
C6     (exact) the time change derived by SymPy, every substitution check = 0;
       (mpmath) dθ/dt = D⁺(y − x(0)) integrated to t = 1: x(θ(t)) = (1−t)x(0) + t·y at 11
       times, x(θ(1)) = y (C = 0), rank QN along the path; in the flow time s:
       x(θ(s)) = (1 − t(s))x(0) + t(s)·y = y + e^{−s/N}(x(0) − y)
C7     on rank-deficient L2 problems, the constrained flow x' = −(1/N)P(x − y) (adapted field
       with ``rank_loss="pinv"``): x(s) − x_lin(s) = (1/N)∫₀ˢ e^{−(s−r)/N}(I − P(r))(x(r) − y)dr
       (quadrature on the dense output), |x(s) − y| non-increasing, the path bends, and the
       adapted flow with ``rank_loss="stop"`` is stopped by the rank monitor
C10    (per problem) without full rank C6's conclusion fails — the path leaves the line by ≫
       the tolerance and does not reach y — while C7's formula holds; C6's t-flow is stopped by
       the rank monitor; and on :func:`rank_loss_example` (full rank at θ(0), lost at t = 1/5)
       the monitor stops C6's t-flow exactly where the line forces rank loss;
       (global, claim ``C10-SEARCH``) Hypothesis finds and shrinks a minimal counterexample,
       whose failure max|x' + ∇ₓC| is recomputed exactly from ``projector``
=====  ====================================================================================

**Verdict of one comparison** (:func:`_judge`, the one rule of this module and of
:mod:`~symflow.claims.crossentropy`): a residual ≤ its tolerance is *verified* — unless the
tolerance is not small against the quantity judged (:func:`symflow.tolerance.too_loose`:
inconclusive, reason ``tolerance``). A residual above its tolerance is *refuted* only if it
survives a re-run at higher precision: for trajectory residuals the trajectory must have been
re-integrated (``traj.confirmation or traj.confirm()``) at more digits than it was integrated
with (``dps_high > traj.dps``; the confirming trajectory's own ``dps`` too if the confirmation
exposes it; and a re-run that agrees to the last digit cannot have run at more digits) and
agreed; pointwise residuals at trajectory points are recomputed at
``dps + EVAL_GUARD + CONFIRM_EXTRA_DPS`` digits. Otherwise the comparison is inconclusive
(reason ``precision``). Where the claim's hypothesis fails (C6: full rank; C7/C10: rank loss;
C8: 1_j ∈ range(D)) the comparison is inconclusive (reason ``hypothesis``), never verified or
refuted; an integration that fails or runs out of steps is inconclusive (``numerics`` /
``budget``) naming its status, message and stop time.

**Tolerances.** tol = 10^(5−dps) (:func:`symflow.tolerance.trajectory`), relative to the scale
named in each evidence (|x(0) − y| for output paths, C(0) for costs). Pointwise identities
involving (DDᵀ)⁺ at trajectory points use tol·max(1, κ·10^−(EVAL_GUARD + 5)), κ = λ_max/λ_min of
DDᵀ on its range (recorded as ``kappa``). The numerical differentiation of C5 has its own rule
(:func:`_motion`). Each trajectory is re-integrated at dps + 10 digits (``Trajectory.confirm``)
and that agreement is its own Evidence item.

**Spans.** Flow-time spans are multiples of N by default. The rank-deficient
``tanh-1-1-1-l2-underparam`` is the exception (:data:`S_END_OVERRIDES`): near s ≈ 0.0346 its
constrained flow needs steps of ~10⁻⁷ (measured: 140 steps, 32 301 field evaluations to reach
s = 1/4, minutes to reach 3N) — presumably a near-singularity of D⁺ where the rank of D drops
further (e.g. the output weight w₂ passing 0; not yet confirmed). The default checks stop
before it, and every evidence resting on the shortened span says so in
``details["reduced"]`` (shown in the verdict's headline). (The dead-unit problem shows the same
behaviour near s ≈ 2.08, beyond its spans.)

Check functions take injectable pieces (``field=``, ``time_change=``, ``s_end=``) and look up
``symflow.linalg.projector`` / ``symflow.fields.parameter_field`` at call time, so that tests
can feed a wrong field, factor or projector and see a refuted verdict.
"""

from __future__ import annotations

import time
from fractions import Fraction
from typing import Any, Callable, Sequence

import mpmath
import sympy as sp
from mpmath import mpf

from .. import fields as _fields
from .. import linalg as _linalg
from .. import tolerance as _tol
from ..arith import get_arith, working_precision
from ..evidence import Evidence, Level, Reason, Status
from ..losses import L2
from ..timechange import derive_time_change
from .registry import GLOBAL, claim_check, register

__all__ = ["C5_ALPHAS", "EVAL_GUARD", "N_MOTION", "MONITOR_MAX_STEPS", "S_END_OVERRIDES",
           "S_END_WHY", "tolerance", "flow", "clear_cache", "rank_loss_example",
           "check_c5_along_flows", "check_c6_derivation", "check_c6_trajectory", "check_c7",
           "check_c10", "check_c10_search", "c7_data"]

#: α of the interpolating fields checked along trajectories (C5). α = 3/4 rather than 1/2:
#: V_{1/2} is its own mirror image under α ↔ 1 − α, so a swapped α would go unseen there.
C5_ALPHAS = (Fraction(0), Fraction(3, 4), Fraction(1))

#: Extra digits for evaluating x, D, P at the integrated θ, so that the residuals measure the
#: trajectory's error (θ is accurate to ~10^−dps) rather than the evaluation's round-off.
EVAL_GUARD = 10

#: Times at which C5 measures the integrated motion dx/ds by numerical differentiation.
N_MOTION = 3

#: Step budget of the rank-monitor runs (a monitor that fires stops them at once; one that does
#: not must not keep a check busy for long).
MONITOR_MAX_STEPS = 200

#: Flow-time spans for entries whose flows reach a singularity of D⁺ early (module docstring).
S_END_OVERRIDES: dict[str, Fraction] = {"tanh-1-1-1-l2-underparam": Fraction(1, 40)}
#: Why each override is needed (put into ``details["reduced"]``).
S_END_WHY: dict[str, str] = {
    "tanh-1-1-1-l2-underparam": "the constrained flow's D⁺ is near-singular at s ≈ 0.035 "
                                "(steps of ~10⁻⁷ there)"}


def tolerance(dps: int):
    """tol = 10^(5−dps): the relative trajectory tolerance (:func:`symflow.tolerance.trajectory`)."""
    return _tol.trajectory(dps)


def _n(x, k: int = 5) -> str:
    if x is None:
        return "None"
    if isinstance(x, (Fraction, int)):
        return str(x)
    return mpmath.nstr(x, k)


def _mp(q):
    """An exact rational (Fraction, int, str, SymPy Rational) as mpf at the current precision."""
    if isinstance(q, mpf):
        return +q
    if isinstance(q, sp.Rational):
        q = Fraction(int(q.p), int(q.q))
    q = Fraction(q)
    return mpf(q.numerator) / q.denominator


def _frac(q) -> Fraction | None:
    """An exact Fraction for a span (None if it is not rational)."""
    try:
        if isinstance(q, sp.Rational):
            return Fraction(int(q.p), int(q.q))
        if isinstance(q, mpf):
            return None
        return Fraction(q)
    except (TypeError, ValueError):
        return None


def _vec(m) -> list:
    return list(m.entries())


def _maxabs(v: Sequence[Any]):
    return max((abs(a) for a in v), default=mpf(0))


def _sub(a, b):
    return [u - v for u, v in zip(a, b)]


def _norm(v):
    return mpmath.sqrt(mpmath.fsum(a * a for a in v))


def _alpha(field: Any) -> Fraction:
    """α of a field spec ("standard" → 0, "adapted" → 1, or a number), parsed *here*:
    :func:`symflow.fields.parse_field` is under test, and a check must not take the α it
    expects from the code it checks."""
    if isinstance(field, str):
        f = field.strip().lower()
        if f == "standard":
            return Fraction(0)
        if f == "adapted":
            return Fraction(1)
        a = Fraction(f)
    elif isinstance(field, sp.Rational):
        a = Fraction(int(field.p), int(field.q))
    else:
        a = Fraction(field)
    if not 0 <= a <= 1:
        raise ValueError(f"field α = {a} is outside [0, 1]")
    return a


def _label(a: Fraction) -> str:
    return {Fraction(0): "standard", Fraction(1): "adapted"}.get(a, f"V_{a}")


def _akey(a: Fraction) -> str:
    return f"alpha{a.numerator}" if a.denominator == 1 else f"alpha{a.numerator}_{a.denominator}"


# ---------------------------------------------------------------------------------------------
# the judge: one rule for every comparison of this module (and of crossentropy.py)
# ---------------------------------------------------------------------------------------------

def _confirmation(traj) -> tuple[Any, str | None]:
    """(confirmation, None) when ``traj`` was re-integrated at higher precision and agreed;
    (confirmation or None, a sentence saying why not) otherwise."""
    try:
        conf = traj.confirmation or traj.confirm()
    except Exception as exc:  # recorded in the evidence, never silent
        return None, (f"the re-integration at higher precision raised {type(exc).__name__}: "
                      f"{exc}")
    hi = getattr(conf, "dps_high", None)
    if hi is None or not hi > traj.dps:
        return conf, (f"the confirming run was at {hi} digits, not above the trajectory's "
                      f"{traj.dps}")
    for attr in ("trajectory", "traj_high", "high", "hi"):
        d = getattr(getattr(conf, attr, None), "dps", None)
        if d is not None and not d > traj.dps:
            return conf, (f"the confirming trajectory was integrated at {d} digits, not above "
                          f"the trajectory's {traj.dps} (although dps_high = {hi})")
    for attr in ("dps_actual", "dps_high_actual"):
        d = getattr(conf, attr, None)
        if d is not None and not d > traj.dps:
            return conf, (f"the confirming run was at {d} digits, not above the trajectory's "
                          f"{traj.dps} (although dps_high = {hi})")
    if not conf.ok:
        return conf, (f"the re-integration at {hi} digits did not agree: max relative "
                      f"difference {_n(conf.max_rel_diff, 3)} vs tolerance "
                      f"{_n(conf.tolerance, 3)}, status {conf.status_high!r} vs "
                      f"{traj.status!r}")
    moved = traj.t_end is not None and traj.t_end > 0
    if moved and conf.max_rel_diff == 0:
        return conf, (f"the re-integration 'at {hi} digits' agrees with the {traj.dps}-digit "
                      f"one to the last digit, so it cannot have run at more digits")
    return conf, None


def _judge(residual, tol, *, traj=None, rerun: Callable | None = None, magnitude=None,
           hypothesis: str | None = None, numerics: str | None = None
           ) -> tuple[Status, Reason | None, str]:
    """(status, reason, why) of one comparison ``residual ≤ tol`` (see the module docstring).

    ``traj``: the trajectory the residual rests on (a refutation needs its confirmation);
    ``rerun``: a callable returning (residual, tolerance) recomputed at higher precision (for
    pointwise residuals); ``magnitude``: the size of the quantity judged (for ``too_loose``);
    ``hypothesis``: a sentence if the claim's hypothesis fails (then inconclusive whatever the
    residual); ``numerics``: a sentence if the measurement itself is unresolved (a residual
    above tolerance is then inconclusive, reason numerics).
    """
    if hypothesis:
        return Status.INCONCLUSIVE, Reason.HYPOTHESIS, hypothesis
    if residual is None:
        return Status.INCONCLUSIVE, Reason.NUMERICS, "no residual could be measured"
    if residual <= tol:
        if magnitude is not None:
            loose = _tol.too_loose(tol, magnitude)
            if loose:
                return Status.INCONCLUSIVE, Reason.TOLERANCE, loose
        return Status.VERIFIED, None, ""
    head = f"residual {_n(residual, 3)} > tolerance {_n(tol, 3)}"
    if numerics:
        return Status.INCONCLUSIVE, Reason.NUMERICS, f"{head}, but {numerics}"
    if traj is None and rerun is None:
        return Status.INCONCLUSIVE, Reason.PRECISION, f"{head}, not re-run at higher precision"
    if traj is not None:
        _, why = _confirmation(traj)
        if why:
            return Status.INCONCLUSIVE, Reason.PRECISION, f"{head}, but {why}"
    if rerun is not None:
        try:
            r2, t2 = rerun()
        except Exception as exc:  # recorded, never silent
            return (Status.INCONCLUSIVE, Reason.PRECISION,
                    f"{head}, but the re-run at higher precision raised {type(exc).__name__}: "
                    f"{exc}")
        if not r2 > t2:
            return (Status.INCONCLUSIVE, Reason.PRECISION,
                    f"{head}, but the re-run at higher precision gave {_n(r2, 3)} ≤ "
                    f"{_n(t2, 3)}")
    return Status.REFUTED, None, ""


def _ev(key: str, what: str, residual, tol, dps, *, level: Level = Level.MPMATH,
        details: dict | None = None, kappa=None, reduced: str | None = None,
        **judge) -> Evidence:
    """An Evidence item judged by :func:`_judge` (keyword arguments ``judge`` go there)."""
    st, reason, why = _judge(residual, tol, **judge)
    det = dict(details or {})
    if reduced:
        det["reduced"] = reduced
    return Evidence(level, what, residual, tol, st, dps, det, key=key, reason=reason, why=why,
                    kappa=kappa)


def _trouble(traj, hypothesis: str | None = None) -> tuple[Reason, str]:
    """Reason and sentence for a trajectory that did not reach the end of its span."""
    tv = traj.time_variable
    stop = _n(traj.stop_time, 12) if traj.stop_time is not None else "?"
    msg = traj.message or ""
    if traj.status == "rank_loss" and hypothesis:
        return Reason.HYPOTHESIS, (f"{hypothesis} fails at {tv} = {stop}: the rank monitor "
                                   f"stopped the flow ({msg})")
    base = f"the integration ended with status {traj.status!r} at {tv} = {stop}: {msg}"
    if "max_steps" in msg or "budget" in msg:
        return Reason.BUDGET, base
    return Reason.NUMERICS, base


def _not_run(key: str, what: str, traj, dps: int, *, hypothesis: str | None = None,
             reduced: str | None = None) -> Evidence:
    reason, why = _trouble(traj, hypothesis)
    det = {"status": traj.status, "message": traj.message, "stop_time": str(traj.stop_time)}
    if reduced:
        det["reduced"] = reduced
    return Evidence(Level.MPMATH, f"{what}: the integration ended with status {traj.status!r} "
                    f"before the end of the span", None, None, Status.INCONCLUSIVE, dps, det,
                    key=key, reason=reason, why=why)


def _confirmation_evidence(traj, key: str, what: str, reduced: str | None = None) -> Evidence:
    """Re-integration at dps + 10 digits agrees with the trajectory (Trajectory.confirm)."""
    conf, why = _confirmation(traj)
    det = {"nsteps": traj.stats.get("nsteps"), "nfev": traj.stats.get("nfev"),
           "wall_time_s": round(float(traj.stats.get("wall_time", 0)), 3)}
    if conf is not None:
        det.update(dps_high=conf.dps_high, status_high=conf.status_high)
    if reduced:
        det["reduced"] = reduced
    return Evidence(Level.MPMATH, f"{what}: re-integrated at "
                    f"{getattr(conf, 'dps_high', '?')} digits, max relative difference of θ "
                    f"and x at {len(getattr(conf, 'times', ()))} times",
                    getattr(conf, "max_rel_diff", None), getattr(conf, "tolerance", None),
                    Status.VERIFIED if why is None else Status.INCONCLUSIVE, traj.dps, det,
                    key=key, reason=None if why is None else Reason.PRECISION, why=why or "")


def _reduced(entry, end=None, default=None, n=None, n_default=None) -> str | None:
    """The ``details["reduced"]`` sentence for a span shorter or a sample smaller than the
    default (None if neither)."""
    parts = []
    e, d = _frac(end), _frac(default)
    if e is not None and d is not None and e < d:
        if S_END_OVERRIDES.get(getattr(entry, "name", None)) == e:
            why = S_END_WHY.get(entry.name, "see flows.S_END_OVERRIDES")
        else:
            why = "span set by the caller"
        parts.append(f"flow-time span s ∈ [0, {e}] instead of [0, {d}]: {why}")
    if n is not None and n_default is not None and n < n_default:
        parts.append(f"{n} sample times instead of {n_default}")
    return "; ".join(parts) or None


def _kappa_tol(tol, kappa):
    """A pointwise tolerance that grows with κ once κ exceeds what EVAL_GUARD + 5 digits absorb."""
    if kappa is None or not mpmath.isfinite(kappa):
        return tol
    return tol * max(mpf(1), kappa * mpf(10) ** -(EVAL_GUARD + _tol.TRAJECTORY_GUARD))


def _range_kappa(D, G, dps):
    """κ = λ_max/λ_min of DDᵀ restricted to its range: eigenvalues of G below
    λ_max·max(shape)·10^(5−dps) (the eigenvalues of G are computed to ~λ_max·10^−dps) count
    as 0."""
    ev = sorted(mpmath.eigsy(G.data, eigvals_only=True), reverse=True)
    if not ev or ev[0] <= 0:
        return mpf(1)
    cut = ev[0] * max(D.shape) * mpf(10) ** (5 - dps)
    lo = min(v for v in ev if v > cut)
    return ev[0] / lo


# ---------------------------------------------------------------------------------------------
# trajectories (cached per process: C7 and C10 share theirs)
# ---------------------------------------------------------------------------------------------

_CACHE: dict = {}


def flow(entry, *, field: Any = "adapted", s_end=None, t_end=None, dps: int = 30,
         rank_loss: str = "stop", progress=None, max_steps: int | None = None):
    """``integrate(entry.problem, entry.theta0, ...)``, cached per (problem, options).

    The cache key holds the problem object itself, so distinct problems never share a result.
    """
    from ..integrate import integrate

    key = (id(entry.problem), entry.problem, tuple(entry.theta0), str(_alpha(field)),
           str(s_end), str(t_end), dps, rank_loss, max_steps)
    traj = _CACHE.get(key)
    if traj is None:
        kw = {} if max_steps is None else {"max_steps": max_steps}
        spec = field if isinstance(field, str) else str(_alpha(field))
        traj = integrate(entry.problem, entry.theta0, field=spec, s_end=s_end, t_end=t_end,
                         dps=dps, rank_loss=rank_loss, progress=progress, **kw)
        _CACHE[key] = traj
    return traj


def clear_cache() -> None:
    """Forget every cached trajectory and C7 measurement (tests that patch the library)."""
    _CACHE.clear()
    _C7.clear()


def _span(entry, default):
    return S_END_OVERRIDES.get(entry.name, default)


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
    :mod:`symflow.fields` and of the integrator: −((1−α)DDᵀ + αP)g and −gᵀ((1−α)DDᵀ + αP)g with
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
    N, Q, K = prob.N, prob.Q, prob.K
    with working_precision(edps):
        inputs = [[ar.from_rational(v) for v in r] for r in prob.inputs]
        y = [ar.from_rational(v) for v in prob.y_flat]
        am = _mp(a)
        ts = [+mpf(t) for t in traj.times]
        cands = [(ts[i], ts[i + 1] - ts[i]) for i in range(len(ts) - 1) if ts[i + 1] > ts[i]]
        if not cands:
            return {"rows": []}
        if n_motion <= 1 or len(cands) == 1:
            picks = [cands[len(cands) // 2]]
        else:
            idx = sorted({round(j * (len(cands) - 1) / (n_motion - 1)) for j in range(n_motion)})
            picks = [cands[i] for i in idx]
        e5 = eps ** (mpf(1) / 5)
        rows = []
        for t0, dt in picks:
            h = e5 * dt
            s = t0 + 4 * h
            xs = {j: _outputs(prob, traj.theta_at(s + j * h), ar, inputs)
                  for j in (-4, -2, -1, 1, 2, 4)}
            cs = {j: prob.loss.cost(xs[j], y, N, Q, ar) for j in xs}

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
            rows.append(dict(s=s, h=h, dt=dt, dx1=dx1, dx2=dx2, ref=ref, dc1=dc1, dc2=dc2,
                             refc=refc, X=X, XC=XC))
        M = max(_maxabs(r["ref"]) for r in rows)
        MC = max(abs(r["refc"]) for r in rows)
        M1, MC1 = (M if M > 0 else mpf(1)), (MC if MC > 0 else mpf(1))
        e35 = eps ** (mpf(3) / 5)
        out = {
            "rows": rows,
            "x_res": max(_maxabs(_sub(r["dx1"], r["ref"])) for r in rows) / M1,
            "x_fd": max(_maxabs(_sub(r["dx1"], r["dx2"])) for r in rows) / M1,
            "x_tol": e35 * max([mpf(1)] + [r["X"] / (r["dt"] * M1) for r in rows]),
            "c_res": max(abs(r["dc1"] - r["refc"]) for r in rows) / MC1,
            "c_fd": max(abs(r["dc1"] - r["dc2"]) for r in rows) / MC1,
            "c_tol": e35 * max([mpf(1)] + [r["XC"] / (r["dt"] * MC1) for r in rows]),
            "M": M, "MC": MC,
        }
    return out


def check_c5_along_flows(entry, *, dps: int = 30, level: Level = Level.MPMATH, progress=None,
                         alphas: Sequence[Any] = C5_ALPHAS, s_end: Any = None,
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
    tol = tolerance(dps)
    default = _span(entry, Fraction(prob.N, 8))
    end = s_end if s_end is not None else default
    red = _reduced(entry, end, Fraction(prob.N, 8), n_samples + 1, 7)
    red_m = _reduced(entry, end, Fraction(prob.N, 8), n_motion, N_MOTION)
    edps = dps + EVAL_GUARD
    out = []
    for spec in alphas:
        a = _alpha(spec)
        aspec = str(a)
        k = f"along.{_akey(a)}"
        name = f"α = {a} ({_label(a)})"
        tic = time.perf_counter()
        traj = flow(entry, field=aspec, s_end=end, dps=dps,
                    rank_loss="stop" if (a == 0 or entry.full_rank) else "pinv",
                    progress=progress)
        if traj.status != "success":
            out.append(_not_run(f"{k}.flow", f"C5 along V_α, {name}", traj, dps, reduced=red))
            continue
        with working_precision(edps):
            ss = [_mp(end) * j / n_samples for j in range(n_samples + 1)]
        thetas = [traj.theta_at(s) for s in ss]
        pts = _c5_points(prob, thetas, a, aspec, edps)
        memo: dict = {}

        def rerun(which, _thetas=thetas, _a=a, _spec=aspec, _memo=memo):
            if "r" not in _memo:
                _memo["r"] = _c5_points(prob, _thetas, _a, _spec,
                                        edps + _tol.CONFIRM_EXTRA_DPS)
            r = _memo["r"]
            return r[which], _kappa_tol(tolerance(dps), r["kappa"])

        mot = _motion(prob, traj, a, dps, n_motion)
        with working_precision(edps):
            costs = pts["C"]
            c0 = costs[0] if costs[0] > 0 else mpf(1)
            rise = max([mpf(0)] + [costs[j + 1] - costs[j] for j in range(n_samples)]) / c0
            drop = (costs[0] - costs[-1]) / c0
            ktol = _kappa_tol(tol, pts["kappa"])
        det = {"s_end": str(end), "samples": n_samples + 1,
               "C": [_n(c, 8) for c in costs], "dC/ds": [_n(q, 6) for q in pts["form"]],
               "rank_loss": "stop" if (a == 0 or entry.full_rank) else "pinv",
               "seconds": round(time.perf_counter() - tic, 3)}
        out.append(_ev(f"{k}.cost", f"C5 along V_α, {name}: C(θ(s)) non-increasing at "
                       f"{n_samples + 1} times in [0, {end}] (residual max ΔC⁺/C(0))",
                       rise, tol, dps, traj=traj, magnitude=drop, details=det, reduced=red))
        out.append(_ev(f"{k}.form", f"C5 along V_α, {name}: dC/ds = −gᵀ((1−α)DDᵀ + αP)g ≤ 0 "
                       f"at each sample (residual max(dC/ds, 0)/|g|²(1+|DDᵀ|))", pts["pos"],
                       ktol, dps, rerun=lambda: rerun("pos"), kappa=pts["kappa"],
                       magnitude=pts["form_size"], reduced=red))
        out.append(_ev(f"{k}.chain", f"C5 along V_α, {name}: chain rule gᵀD V_α "
                       f"(fields.parameter_field) equals −gᵀ((1−α)DDᵀ + αP)g at each sample "
                       f"(residual relative to |g|²(1+|DDᵀ|))", pts["chain"], ktol, dps,
                       rerun=lambda: rerun("chain"), kappa=pts["kappa"],
                       magnitude=pts["form_size"], reduced=red))
        if not mot["rows"]:
            out.append(Evidence(Level.MPMATH, f"C5 along V_α, {name}: no integration step to "
                                f"measure the motion on", None, None, Status.INCONCLUSIVE, dps,
                                key=f"{k}.motion", reason=Reason.NUMERICS,
                                why="the trajectory has no step"))
        else:
            mdet = {"times": [_n(r["s"], 8) for r in mot["rows"]],
                    "h": [_n(r["h"], 3) for r in mot["rows"]],
                    "fd_h_vs_2h": _n(mot["x_fd"], 3), "max|dx/ds|": _n(mot["M"], 6),
                    "rule": "h = ε^(1/5)·Δ, tol = ε^(3/5)·max(1, X/(Δ·M)), ε = 10^(5−dps)"}
            unres = (f"the central differences with h and 2h differ by {_n(mot['x_fd'], 3)} "
                     f"(differentiation not resolved)") if mot["x_fd"] > mot["x_tol"] else None
            out.append(_ev(f"{k}.motion", f"C5 along V_α, {name}: the integrated motion dx/ds "
                           f"(4th-order central differences of x(θ(s)) on the dense output) "
                           f"equals −((1−α)DDᵀ + αP)∇ₓC (D, P = projector(D), ∇ₓC afresh) at "
                           f"{len(mot['rows'])} times (residual relative to max|dx/ds|; "
                           f"numerical-differentiation tolerance)", mot["x_res"], mot["x_tol"],
                           dps, traj=traj, magnitude=mpf(1), numerics=unres, details=mdet,
                           reduced=red_m))
            unres_c = (f"the central differences with h and 2h differ by {_n(mot['c_fd'], 3)} "
                       f"(differentiation not resolved)") if mot["c_fd"] > mot["c_tol"] else None
            out.append(_ev(f"{k}.dCds", f"C5 along V_α, {name}: the measured dC/ds (central "
                           f"differences of C(θ(s))) equals −∇ₓCᵀ((1−α)DDᵀ + αP)∇ₓC at "
                           f"{len(mot['rows'])} times (residual relative to max|dC/ds|; "
                           f"numerical-differentiation tolerance)", mot["c_res"], mot["c_tol"],
                           dps, traj=traj, magnitude=mpf(1), numerics=unres_c,
                           details={"fd_h_vs_2h": _n(mot["c_fd"], 3),
                                    "max|dC/ds|": _n(mot["MC"], 6)}, reduced=red_m))
        if confirm:
            out.append(_confirmation_evidence(traj, f"{k}.confirm", f"C5 along V_α, {name}",
                                              reduced=red))
    return out


# ---------------------------------------------------------------------------------------------
# C6
# ---------------------------------------------------------------------------------------------

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
    alpha = _alpha(field)
    tol = tolerance(dps)
    N = prob.N
    out = []
    edps = dps + EVAL_GUARD
    red_t = _reduced(entry, n=n_t, n_default=11)
    red_s = _reduced(entry, n=len(s_points), n_default=3)
    with working_precision(edps):
        pd0 = prob.at(entry.theta0, "mpmath", edps)
        x0, y = _vec(pd0.x), _vec(pd0.y)
        gap = _maxabs(_sub(x0, y))
        c0 = pd0.cost
    # ---- (t): the ODE in t, to t = 1 --------------------------------------------------------
    if alpha == 1 and time_change is None:
        traj = flow(entry, field="adapted", t_end=1, dps=dps, rank_loss="stop",
                    progress=progress)
        if traj.status != "success":
            out.append(_not_run("t.flow", "C6: dθ/dt = D⁺(y − x(0)) integrated to t = 1", traj,
                                dps, hypothesis=_C6_HYPOTHESIS, reduced=red_t))
        else:
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
                end_r = c1 / c0
                kappa = lam_max / lam_min if lam_min > 0 else mpf("inf")
                rank_r = tol * kappa
            hyp = None if rank_r <= 1 else (
                f"{_C6_HYPOTHESIS} is not established along the t-flow: κ(DDᵀ) = "
                f"{_n(kappa, 3)} exceeds 1/tol = {_n(1 / tol, 3)}")
            out.append(_ev("t.line", f"C6: x(θ(t)) = (1−t)x(0) + t·y at {n_t} times t ∈ [0, 1] "
                           f"(residual max|x − line|/max|x(0) − y|)", worst, tol, dps,
                           traj=traj, magnitude=moved, hypothesis=hyp,
                           details={"per_time": rows, "max|x(0) − y|": _n(gap, 8)},
                           reduced=red_t))
            out.append(_ev("t.target", "C6: the global minimum is reached at t = 1: "
                           "C(θ(1))/C(θ(0)) (tolerance tol²)", end_r, tol ** 2, dps, traj=traj,
                           magnitude=mpf(1), hypothesis=hyp,
                           details={"max|x(θ(1)) − y|": _n(_maxabs(_sub(x1, y)), 5)}))
            out.append(Evidence(
                Level.MPMATH, "C6 hypothesis: rank D = QN along the path (residual tol·κ, "
                "κ = λ_max/λ_min of DDᵀ over samples and steps; verified iff ≤ 1)", rank_r, 1,
                Status.VERIFIED if hyp is None else Status.INCONCLUSIVE, dps,
                {"min_eigenvalue_DDt": _n(lam_min, 8), "max_eigenvalue_DDt": _n(lam_max, 8)},
                key="t.rank", reason=None if hyp is None else Reason.HYPOTHESIS, why=hyp or "",
                kappa=kappa))
            if confirm:
                out.append(_confirmation_evidence(traj, "t.confirm", "C6 in t"))
    # ---- (s): the flow time ------------------------------------------------------------------
    tau, tf = _t_of_s_function(time_change, N)
    s_end = 2 * N
    lab = _label(alpha)
    traj_s = flow(entry, field=field, s_end=s_end, dps=dps, rank_loss="stop", progress=progress)
    if traj_s.status != "success":
        out.append(_not_run("s.flow", f"C6 in s ({lab} field)", traj_s, dps,
                            hypothesis=_C6_HYPOTHESIS, reduced=red_s))
        return out
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
    out.append(_ev("s.line", f"C6 in s ({lab} field): x(θ(s)) = (1 − t(s))x(0) + t(s)·y with "
                   f"t(s) = {tau} at s/N ∈ {[str(v) for v in s_points]} (residual relative to "
                   f"max|x(0) − y|)", worst, tol, dps, traj=traj_s, magnitude=moved,
                   details={"per_time": rows}, reduced=red_s))
    if confirm:
        out.append(_confirmation_evidence(traj_s, "s.confirm", f"C6 in s ({lab} field)"))
    return out


# ---------------------------------------------------------------------------------------------
# C7 (and the data C10 reuses)
# ---------------------------------------------------------------------------------------------

_C7: dict = {}


def c7_data(entry, *, dps: int = 30, s_end: Any = None, n_samples: int = 4,
            field: Any = "adapted", progress=None) -> dict:
    """The measured quantities of C7 along the constrained flow (cached; used by C7 and C10).

    Returns a dict with: ``traj``; ``s`` (sample times); ``x`` (x(θ(s)) afresh); ``x_lin``;
    ``dev`` = x − x_lin; ``voc`` = (1/N)∫₀ˢ e^{−(s−r)/N}(I − P(r))(x(r) − y)dr by
    ``mpmath.quad`` (Gauss–Legendre) on each [s_{k−1}, s_k] with the integrand from the dense
    output; ``quad_error`` (mpmath.quad's error estimate); ``dist`` = |x(s) − y|; ``ranks``.
    """
    prob = entry.problem
    N = prob.N
    end = s_end if s_end is not None else _span(entry, Fraction(N, 4))
    key = (id(prob), prob, tuple(entry.theta0), dps, str(end), n_samples, str(_alpha(field)))
    if key in _C7:
        return _C7[key]
    tic = time.perf_counter()
    traj = flow(entry, field=field, s_end=end, dps=dps, rank_loss="pinv", progress=progress)
    res = {"traj": traj, "s_end": end}
    if traj.status != "success":
        _C7[key] = res
        return res
    memo: dict = {}
    edps = dps + EVAL_GUARD
    with working_precision(edps):
        pd0 = prob.at(entry.theta0, "mpmath", edps)
        x0, y = _vec(pd0.x), _vec(pd0.y)

        def integrand(r):
            """e^{r/N}(I − P(r))(x(r) − y) from θ(r) (dense output), memoised by r."""
            k = mpmath.mpf(r)
            v = memo.get(k)
            if v is None:
                pd = prob.at(traj.theta_at(k), "mpmath", edps)
                e = pd.x - pd.y
                w = e - _linalg.projector(pd.D, edps) @ e
                v = memo[k] = [mpmath.exp(k / N) * c for c in _vec(w)]
            return v

        ss = [_mp(end) * k / n_samples for k in range(n_samples + 1)]
        acc = [mpf(0)] * prob.QN
        xs, xl, devs, vocs, dists, ranks = [], [], [], [], [], []
        qerr = mpf(0)
        for k, s in enumerate(ss):
            if k > 0:
                for i in range(prob.QN):
                    val, err = mpmath.quad(lambda r: integrand(r)[i], [ss[k - 1], s],
                                           method="gauss-legendre", error=True)
                    acc[i] += val
                    qerr = max(qerr, err)
            pd = prob.at(traj.theta_at(s), "mpmath", edps)
            x = _vec(pd.x)
            lin = [b + mpmath.exp(-s / N) * (a - b) for a, b in zip(x0, y)]
            xs.append(x)
            xl.append(lin)
            devs.append(_sub(x, lin))
            vocs.append([mpmath.exp(-s / N) * c / N for c in acc])
            dists.append(_norm(_sub(x, y)))
            ranks.append(_linalg.rank_info(pd.D, dps).rank)
    res.update(s=ss, x=xs, x_lin=xl, dev=devs, voc=vocs, quad_error=qerr, dist=dists,
               ranks=ranks, x0=x0, y=y, gap=_maxabs(_sub(x0, y)), nodes=len(memo),
               seconds=time.perf_counter() - tic)
    _C7[key] = res
    return res


def _rank_hypothesis(d: dict, QN: int) -> str | None:
    """None if rank D < QN at every sample of ``d`` (C7/C10's hypothesis), else a sentence."""
    full = [s for s, r in zip(d["s"], d["ranks"]) if r >= QN]
    if not full:
        return None
    return (f"rank D < QN = {QN} (the rank-loss hypothesis) fails at s = "
            f"{', '.join(_n(s, 6) for s in full)}: D has full rank there")


def _deficient_at_start(entry, dps: int) -> tuple[bool, str]:
    """Whether rank D(θ(0)) < QN is certain: K < QN, or the exact rank (rational problems), or
    an mpmath SVD rank at dps + EVAL_GUARD digits."""
    prob = entry.problem
    if prob.K < prob.QN:
        return True, f"K = {prob.K} < QN = {prob.QN}"
    if prob.rational:
        r = _linalg.rank_info(prob.at(entry.theta0, "exact").D).rank
        return r < prob.QN, f"exact rank D(θ(0)) = {r}, QN = {prob.QN}"
    edps = dps + EVAL_GUARD
    with working_precision(edps):
        r = _linalg.rank_info(prob.at(entry.theta0, "mpmath", edps).D, edps).rank
    return r < prob.QN, f"numerical rank D(θ(0)) = {r} (SVD at {edps} digits), QN = {prob.QN}"


def _monitor_ok(traj, expected_by, prob) -> bool:
    """The run was stopped by the rank monitor by ``expected_by``: at 0, before any field
    evaluation (the monitor's check of θ(0)); later, with no accepted step past the monitor's
    threshold (:func:`_steps_past_threshold`)."""
    if traj.status != "rank_loss" or traj.stop_time is None:
        return False
    if expected_by == 0:
        return traj.stop_time == 0 and not traj.stats.get("nfev")
    return traj.stop_time <= expected_by and _steps_past_threshold(traj, prob, traj.dps)[0] == 0


def _rank_monitor_evidence(entry, dps: int, key: str, *, s_end=None, t_end=None,
                           first_deficient=None, progress=None) -> Evidence:
    """The adapted flow with ``rank_loss="stop"`` on a rank-deficient problem must be stopped
    by the rank monitor: at time 0 before any field evaluation when rank D(θ(0)) < QN is
    certain, else by the first sample time where rank D < QN was measured. Any other outcome
    (it ran on, failed, ran out of steps, or stopped later) is refuted once a re-run at
    dps + 10 digits shows the same; without a rank-deficient point it is inconclusive
    (hypothesis)."""
    tv = "t" if t_end is not None else "s"
    what_flow = ("C6's t-flow dθ/dt = D⁺(y − x(0))" if tv == "t"
                 else "the adapted flow θ' = −D⁺∇ₓC")
    at0, why0 = _deficient_at_start(entry, dps)
    expected_by = 0 if at0 else first_deficient
    traj = flow(entry, field="adapted", s_end=s_end, t_end=t_end, dps=dps, rank_loss="stop",
                max_steps=MONITOR_MAX_STEPS, progress=progress)
    stop = traj.stop_time
    det = {"status": traj.status, "message": traj.message, "stop_time": str(stop),
           "nfev": traj.stats.get("nfev"), "deficient_at_start": why0,
           "rank_threshold": traj.stats.get("rank_threshold")}
    what = (f"rank monitor: {what_flow} with rank_loss='stop' is stopped with status "
            f"'rank_loss' at {tv} ≤ {_n(expected_by, 6)} (residual: the {tv} where it stopped, "
            f"or reached; tolerance: the {tv} by which rank D < QN)")
    residual = stop if traj.status == "rank_loss" and stop is not None else traj.t_end
    if expected_by is None:
        return Evidence(Level.MPMATH, what, residual, None, Status.INCONCLUSIVE, dps, det,
                        key=key, reason=Reason.HYPOTHESIS,
                        why=f"rank D < QN was not observed at θ(0) ({why0}) nor at the samples")
    if _monitor_ok(traj, expected_by, entry.problem):
        return Evidence(Level.MPMATH, f"{what}: the rank monitor reports rank loss at {tv} = "
                        f"{_n(stop, 6)}", residual, expected_by, Status.VERIFIED, dps, det,
                        key=key)
    from ..integrate import integrate
    hi = integrate(entry.problem, entry.theta0, field="adapted", s_end=s_end, t_end=t_end,
                   dps=dps + _tol.TRAJECTORY_CONFIRM_DPS, rank_loss="stop",
                   max_steps=MONITOR_MAX_STEPS)
    det.update(status_high=hi.status, stop_time_high=str(hi.stop_time))
    if _monitor_ok(hi, expected_by, entry.problem):
        return Evidence(Level.MPMATH, what, residual, expected_by, Status.INCONCLUSIVE, dps, det,
                        key=key, reason=Reason.PRECISION,
                        why=f"at {dps} digits the run ended {traj.status!r} at {tv} = "
                            f"{_n(stop, 6)}, but the re-run at "
                            f"{dps + _tol.TRAJECTORY_CONFIRM_DPS} digits was stopped in time")
    return Evidence(Level.MPMATH, f"{what}: the monitor did not stop it (status "
                    f"{traj.status!r}, {tv} = {_n(stop if stop is not None else traj.t_end, 6)}; "
                    f"the same at {dps + _tol.TRAJECTORY_CONFIRM_DPS} digits)", residual,
                    expected_by, Status.REFUTED, dps, det, key=key)


def check_c7(entry, *, dps: int = 30, level: Level = Level.MPMATH, progress=None,
             s_end: Any = None, n_samples: int = 4, field: Any = "adapted",
             confirm: bool = True) -> list[Evidence]:
    """C7: along x' = −(1/N)P(x − y), x(s) − x_lin(s) = (1/N)∫₀ˢ e^{−(s−r)/N}(I − P(r))(x(r) − y)dr.

    x_lin(s) = y + e^{−s/N}(x(0) − y). Evidence: ``formula`` — the deviation measured from
    x(θ(s)) equals the variation-of-constants integral (quadrature, P(r) = projector(D(θ(r)))),
    relative to max|x(0) − y| (too loose if the path hardly bends; a quadrature error estimate
    above the tolerance makes a failure inconclusive); ``distance`` — |x(s) − y|
    non-increasing; ``setting`` — the hypothesis rank D < QN at the samples (inconclusive,
    reason hypothesis, where it fails); ``bends`` — max deviation ≥ 100·tol (residual
    tol/deviation against 10⁻²); ``rank_monitor`` — the adapted flow with ``rank_loss="stop"``
    is stopped by the rank monitor; ``confirm``.
    """
    tol = tolerance(dps)
    prob = entry.problem
    default = Fraction(prob.N, 4)
    d = c7_data(entry, dps=dps, s_end=s_end, n_samples=n_samples, field=field, progress=progress)
    red = _reduced(entry, d["s_end"], default, n_samples + 1, 5)
    traj = d["traj"]
    if traj.status != "success":
        return [_not_run("flow", "C7 constrained flow", traj, dps, reduced=red)]
    hyp = _rank_hypothesis(d, prob.QN)
    with working_precision(dps + EVAL_GUARD):
        gap = d["gap"]
        r = max(_maxabs(_sub(a, b)) for a, b in zip(d["dev"], d["voc"])) / gap
        rise = max([mpf(0)] + [d["dist"][k + 1] - d["dist"][k]
                               for k in range(len(d["dist"]) - 1)]) / gap
        fall = (d["dist"][0] - d["dist"][-1]) / gap
        bend = max(_maxabs(v) for v in d["dev"]) / gap
        bend_r = tol / bend if bend > 0 else mpf("inf")
        qerr = d["quad_error"] / gap
    det = {"s": [_n(s, 6) for s in d["s"]], "max|dev|/gap": [_n(_maxabs(v) / gap, 6)
                                                            for v in d["dev"]],
           "quad_error_estimate": _n(d["quad_error"], 3), "quadrature_nodes": d["nodes"],
           "seconds": round(d["seconds"], 3)}
    first_def = next((s for s, rk in zip(d["s"], d["ranks"]) if rk < prob.QN), None)
    out = [
        _ev("formula", "C7: x(s) − x_lin(s) equals (1/N)∫₀ˢ e^{−(s−r)/N}(I − P(r))(x(r) − y)dr "
            "at each sample (quadrature on the dense output; residual relative to "
            "max|x(0) − y|)", r, tol, dps, traj=traj, magnitude=bend, details=det, reduced=red,
            numerics=(f"the quadrature's error estimate {_n(qerr, 3)} (relative) exceeds the "
                      f"tolerance") if qerr > tol else None),
        _ev("distance", "C7: |x(s) − y| non-increasing at the samples (residual max rise / "
            "max|x(0) − y|)", rise, tol, dps, traj=traj, magnitude=fall, reduced=red,
            details={"|x(s) − y|": [_n(v, 10) for v in d["dist"]]}),
        Evidence(Level.MPMATH, f"C7 setting: rank D < QN = {prob.QN} at the samples (mpmath SVD "
                 f"rank; residual: the number of samples where rank D = QN)",
                 sum(1 for rk in d["ranks"] if rk >= prob.QN), 0,
                 Status.VERIFIED if hyp is None else Status.INCONCLUSIVE, dps,
                 {"ranks": d["ranks"], **({"reduced": red} if red else {})}, key="setting",
                 reason=None if hyp is None else Reason.HYPOTHESIS, why=hyp or ""),
        _ev("bends", "C7: rank loss bends the path: max|x(s) − x_lin(s)|/max|x(0) − y| ≥ "
            "100·tol (residual tol/deviation)", bend_r, mpf(1) / 100, dps, traj=traj,
            hypothesis=hyp if bend_r > mpf(1) / 100 else None,
            details={"deviation": _n(bend, 6)}, reduced=red),
        _rank_monitor_evidence(entry, dps, "rank_monitor", s_end=d["s_end"],
                               first_deficient=first_def, progress=progress),
    ]
    if confirm:
        out.append(_confirmation_evidence(traj, "confirm", "C7 constrained flow", reduced=red))
    return out


# ---------------------------------------------------------------------------------------------
# C10
# ---------------------------------------------------------------------------------------------

_EXAMPLE: list = []

#: Precision of the mid-flow rank-loss example (the monitor's contract does not depend on it;
#: 20 digits keep the run near one second).
MIDFLOW_DPS = 20


def rank_loss_example():
    """A catalogue-style entry whose C6 t-flow starts at full rank and must lose it at t = 1/5.

    mlp([1, 1, 2], "square", bias=False): x = w₁²·(w₂₀, w₂₁) on the single input 1, θ(0) =
    (1/2, 1, 1/2), so x(0) = (1/4, 1/8), target y = −4·x(0) = (−1, −1/2); K = 3 ≥ QN = 2 and
    rank D(θ(0)) = 2. Along any flow θ' = Dᵀv the quantity w₁² − 2|w₂|² is conserved
    (d/dt = 4w₁²(w₂·v) − 4w₁²(w₂·v) = 0); here it is −9/4, so |w₂|² ≥ 9/8 and x = 0 forces
    w₁ = 0, where D = 0. C6's line (1 − t)x(0) + t·y passes through 0 at t* = 1/5: the t-flow
    must be stopped by the rank monitor exactly there.
    """
    if not _EXAMPLE:
        from ..networks import mlp
        from ..problem import Problem
        from ..problems import CatalogueEntry
        prob = Problem(mlp([1, 1, 2], "square", bias=False), [[1]], [[-1, "-1/2"]], "l2",
                       name="square-1-1-2-l2-rank-loss-at-t=1/5")
        _EXAMPLE.append(CatalogueEntry(prob.name, prob, (Fraction(1, 2), Fraction(1),
                                                          Fraction(1, 2)), True,
                                       frozenset({"l2", "rational", "full_rank"}),
                                       "full rank at θ(0), rank 0 at t = 1/5"))
    return _EXAMPLE[0]


def _steps_past_threshold(traj, prob, dps: int) -> tuple[int, Any, Any]:
    """(number of accepted steps whose λ_min/λ_max of DDᵀ, evaluated afresh at dps + EVAL_GUARD
    digits, is below half the monitor's threshold; the smallest ratio; the threshold)."""
    thr = mpf(str(traj.stats.get("rank_threshold", "0")))
    edps = dps + EVAL_GUARD
    n, lo = 0, None
    with working_precision(edps):
        for th in traj.thetas:
            D = prob.at(th, "mpmath", edps).D
            ev = mpmath.eigsy((D @ D.T).data, eigvals_only=True)
            hi = max(ev)
            r = min(ev) / hi if hi > 0 else mpf(0)
            lo = r if lo is None else min(lo, r)
            n += r < thr / 2
    return n, lo, thr


def _midflow_ok(traj, prob, t_star, ttol, eval_dps: int) -> tuple[bool, Any, dict]:
    if traj.status != "rank_loss" or traj.stop_time is None:
        return False, None, {}
    with working_precision(traj.dps + EVAL_GUARD):
        off = abs(traj.stop_time - _mp(t_star))
    n_bad, lo, thr = _steps_past_threshold(traj, prob, eval_dps)
    info = {"steps_below_threshold": n_bad, "min_step_ratio": _n(lo, 3),
            "threshold": _n(thr, 3)}
    return off <= ttol and n_bad == 0, off, info


def _midflow_monitor_evidence(progress=None) -> Evidence:
    """C6's t-flow on :func:`rank_loss_example` stopped by the rank monitor at t* = 1/5.

    Verified iff the run ends with status ``rank_loss`` at |t_stop − t*| ≤ 10^(−dps/3) *and*
    no accepted step has λ_min/λ_max of DDᵀ (evaluated afresh at dps + EVAL_GUARD digits)
    below half the monitor's threshold: a run that goes on until the LDLᵀ solve of G breaks
    down also stops near t*, but only after integrating with a G too ill-conditioned for its
    digits — what the monitor is there to prevent. Status and stop time are facts of the run;
    a failure is refuted once the step ratios re-evaluated at CONFIRM_EXTRA_DPS more digits
    show the same."""
    entry = rank_loss_example()
    prob = entry.problem
    d = MIDFLOW_DPS
    pd = prob.at(entry.theta0, "exact")
    x0 = [Fraction(int(v.p), int(v.q)) for v in pd.x.entries()]
    y = [Fraction(int(v.p), int(v.q)) for v in prob.y_flat]
    t_star = x0[0] / (x0[0] - y[0])            # where (1 − t)x(0) + t·y = 0 (y ∥ −x(0))
    traj = flow(entry, field="adapted", t_end=1, dps=d, rank_loss="stop",
                max_steps=4 * MONITOR_MAX_STEPS, progress=progress)
    with working_precision(d + EVAL_GUARD):
        ttol = mpf(10) ** (-(d // 3))
    ok, off, info = _midflow_ok(traj, prob, t_star, ttol, d)
    det = {"problem": entry.name, "status": traj.status, "message": traj.message,
           "stop_time": str(traj.stop_time), "t*": str(t_star), "dps": d,
           "nfev": traj.stats.get("nfev"), **info}
    what = (f"C10 (rank lost along the flow): on {entry.name} (rank D(θ(0)) = QN = 2, "
            f"w₁² − 2|w₂|² = −9/4 conserved) C6's t-flow must be stopped by the rank monitor "
            f"at t* = {t_star}, where the line reaches x = 0 and D = 0, with no accepted step "
            f"past the monitor's threshold (residual |t_stop − t*|, tolerance 10^(−dps/3))")
    resid = off if off is not None else traj.t_end
    if ok:
        return Evidence(Level.MPMATH, what, off, ttol, Status.VERIFIED, d, det,
                        key="rank_monitor_midflow")
    ok_hi, _, info_hi = _midflow_ok(traj, prob, t_star, ttol, d + _tol.CONFIRM_EXTRA_DPS)
    det["steps_below_threshold_rechecked"] = info_hi.get("steps_below_threshold")
    if ok_hi:
        return Evidence(Level.MPMATH, what, resid, ttol, Status.INCONCLUSIVE, d, det,
                        key="rank_monitor_midflow", reason=Reason.PRECISION,
                        why=f"the step ratios at {d + EVAL_GUARD} digits put steps past the "
                            f"threshold, but not when re-evaluated at "
                            f"{d + EVAL_GUARD + _tol.CONFIRM_EXTRA_DPS}")
    return Evidence(Level.MPMATH, f"{what}: it was not (status {traj.status!r}, t = "
                    f"{_n(traj.stop_time if traj.stop_time is not None else traj.t_end, 8)}, "
                    f"{info.get('steps_below_threshold', '?')} accepted steps past the "
                    f"threshold, confirmed at {d + EVAL_GUARD + _tol.CONFIRM_EXTRA_DPS} digits)",
                    resid, ttol, Status.REFUTED, d, det, key="rank_monitor_midflow")


def check_c10(entry, *, dps: int = 30, level: Level = Level.MPMATH, progress=None,
              s_end: Any = None, field: Any = "adapted", midflow: bool = True,
              confirm: bool = True) -> list[Evidence]:
    """C10, deterministic part: on a rank-deficient L2 problem C6's conclusion fails while C7's
    formula holds — "verified" means *the full-rank hypothesis is needed*, as claimed.

    Evidence: ``departure`` — the straight-line residual of C6 (max|x(s) − x_lin(s)|/max|x(0)
    − y|) is ≥ 10⁴·tol (residual tol/deviation against 10⁻⁴); ``misses_target`` — x(s_end)
    misses the value C6 predicts, |x(s_end) − y| vs e^{−s_end/N}|x(0) − y|; ``c7_formula`` —
    C7's formula at the same samples; ``rank_monitor`` — C6's t-flow is stopped by the rank
    monitor (at t = 0 when rank D(θ(0)) < QN); ``rank_monitor_midflow`` — on
    :func:`rank_loss_example` the monitor stops C6's t-flow where the line forces rank loss
    (``midflow=False`` skips it); ``confirm``. Where rank D < QN fails at the samples, the
    departure and the miss are inconclusive (reason hypothesis).
    """
    tol = tolerance(dps)
    prob = entry.problem
    d = c7_data(entry, dps=dps, s_end=s_end, field=field, progress=progress)
    red = _reduced(entry, d["s_end"], Fraction(prob.N, 4))
    traj = d["traj"]
    if traj.status != "success":
        return [_not_run("flow", "C10 constrained flow", traj, dps, reduced=red)]
    N = prob.N
    hyp = _rank_hypothesis(d, prob.QN)
    with working_precision(dps + EVAL_GUARD):
        gap = d["gap"]
        bend = max(_maxabs(v) for v in d["dev"]) / gap
        r_line = tol / bend if bend > 0 else mpf("inf")
        s = d["s"][-1]
        pred = mpmath.exp(-s / N) * _norm(_sub(d["x0"], d["y"]))
        miss = abs(d["dist"][-1] - pred) / gap
        r_miss = tol / miss if miss > 0 else mpf("inf")
        r7 = max(_maxabs(_sub(a, b)) for a, b in zip(d["dev"], d["voc"])) / gap
        qerr = d["quad_error"] / gap
    big = mpf(10) ** -4
    out = [
        _ev("departure", "C10: without full rank the output path leaves C6's straight line: "
            "residual tol / (max|x(s) − x_lin(s)|/max|x(0) − y|) ≤ 10⁻⁴ means the departure is "
            "≥ 10⁴ × C6's tolerance", r_line, big, dps, traj=traj,
            hypothesis=hyp if r_line > big else None, reduced=red,
            details={"departure": _n(bend, 6), "C6_tolerance": _n(tol, 3)}),
        _ev("misses_target", f"C10: |x(s) − y| at s = {_n(s, 6)} is not C6's e^(−s/N)|x(0) − y| "
            f"(residual tol/miss ≤ 10⁻⁴)", r_miss, big, dps, traj=traj,
            hypothesis=hyp if r_miss > big else None, reduced=red,
            details={"|x(s) − y|": _n(d["dist"][-1], 10), "C6 prediction": _n(pred, 10),
                     "ranks": d["ranks"]}),
        _ev("c7_formula", "C10: C7's variation-of-constants formula explains the departure "
            "(residual relative to max|x(0) − y|)", r7, tol, dps, traj=traj, magnitude=bend,
            reduced=red, numerics=(f"the quadrature's error estimate {_n(qerr, 3)} exceeds the "
                                   f"tolerance") if qerr > tol else None),
        # the t-flow is not the constrained flow: only a rank loss at θ(0) predicts its stop
        _rank_monitor_evidence(entry, dps, "rank_monitor", t_end=1, first_deficient=None,
                               progress=progress),
    ]
    if midflow:
        out.append(_midflow_monitor_evidence(progress))
    if confirm:
        out.append(_confirmation_evidence(traj, "confirm", "C10 constrained flow", reduced=red))
    return out


def _failure_size(cx) -> tuple[Fraction, int]:
    """max|x' + ∇ₓC| = max|(I − P)∇ₓC| (x' = −DD⁺∇ₓC = −P∇ₓC) and rank D at the counterexample,
    recomputed exactly here from ``linalg.projector`` (not from the search's ``output_field``)."""
    from ..networks import mlp
    from ..problem import Problem
    prob = Problem(mlp(list(cx.widths), cx.activation, cx.bias), [list(r) for r in cx.inputs],
                   [list(r) for r in cx.targets], "l2")
    pd = prob.at(list(cx.theta), "exact")
    g = pd.grad
    r = (g - _linalg.projector(pd.D) @ g).max_abs()
    rank = _linalg.rank_info(pd.D).rank
    return Fraction(int(r.p), int(r.q)) if hasattr(r, "p") else Fraction(r), rank


def check_c10_search(entry=GLOBAL, *, dps: int = 30, level: Level = Level.EXACT, progress=None,
                     max_examples: int = 500, seed: int = 0) -> list[Evidence]:
    """C10, global part: Hypothesis finds a case violating x' = −∇ₓC at rank D < QN and shrinks
    it (:func:`symflow.campaign.find_c6_counterexample`).

    Evidence, exact: ``search.rank`` — rank D at the counterexample (residual) is ≤ QN − 1
    (tolerance); ``search.failure`` — the counterexample's failure max|x' + ∇ₓC|, recomputed
    here as max|(I − P)∇ₓC| with P = projector(D) (residual), must be > 0 (tolerance 0:
    verified iff residual > tolerance) and equal the size the search reported.
    """
    from ..campaign import find_c6_counterexample

    tic = time.perf_counter()
    cx = find_c6_counterexample(max_examples=max_examples, seed=seed)
    size, rank = _failure_size(cx)
    det = {"description": cx.description(), "rank": rank, "rank_reported": cx.rank, "K": cx.K,
           "QN": cx.QN, "max|x' + grad C|": str(size), "reported": str(cx.residual),
           "examples_tried": cx.examples_tried, "seconds": round(time.perf_counter() - tic, 3)}
    rank_ok = rank <= cx.QN - 1 and rank == cx.rank
    size_ok = size > 0 and size == Fraction(cx.residual)
    return [
        Evidence(Level.EXACT, f"C10 search: the shrunk counterexample has rank D < QN (residual "
                 f"rank D = {rank}, recomputed exactly; tolerance QN − 1 = {cx.QN - 1}; the "
                 f"search reported {cx.rank})", rank, cx.QN - 1,
                 Status.VERIFIED if rank_ok else Status.REFUTED, None, det, key="search.rank"),
        Evidence(Level.EXACT, f"C10 search: at the counterexample the adapted output field "
                 f"misses −∇ₓC (residual max|x' + ∇ₓC| = max|(I − P)∇ₓC| = {size}, exact, "
                 f"recomputed from projector(D); verified iff residual > tolerance = 0 and "
                 f"equal to the search's {cx.residual})", size, 0,
                 Status.VERIFIED if size_ok else Status.REFUTED, None,
                 {**det, "kind": "pos"}, key="search.failure"),
    ]


# ---------------------------------------------------------------------------------------------
# registration
# ---------------------------------------------------------------------------------------------

def _l2(e) -> bool:
    return isinstance(e.problem.loss, L2)


register("C6", "L2, full rank: adapted flow = linear interpolation in t = 1 − e^(−s/N)",
         "Along the adapted flow x(s) = y + e^{−s/N}(x(0) − y); with t = 1 − e^{−s/N}, "
         "x = (1−t)x(0) + t·y; dθ/dt = D⁺(y − x(0)) on [0, 1] reaches C = 0 at t = 1.",
         "Section 2, (2.27)–(2.28)", applies=lambda e: _l2(e) and e.full_rank)
register("C7", "L2, rank loss: x' = −(1/N)P(x − y), deviation by variation of constants",
         "If rank D < QN the adapted flow gives x' = −(1/N)P(x − y); x(s) − x_lin(s) = "
         "(1/N)∫₀ˢ e^{−(s−r)/N}(I − P(r))(x(r) − y)dr, and |x(s) − y| is non-increasing.",
         "Lemma 2.2 / (2.28)", applies=lambda e: _l2(e) and not e.full_rank)
register("C10", "Hypotheses are needed: without full rank C6 fails",
         "Dropping full rank (K < QN, or a dead unit) breaks C6: the output path leaves the "
         "straight line while C7's formula holds.", "Section 2 (discussion)",
         applies=lambda e: _l2(e) and not e.full_rank)
register("C10-SEARCH", "Hypotheses are needed: a minimal counterexample (property search)",
         "A property search finds a case where the adapted output field is not −∇ₓC without "
         "full rank, and shrinks it to a minimal one.", "Section 2 (discussion)",
         scope="global")


# The check functions take (entry, *, dps, level, progress) plus injectable keywords for tests.
for _cid, _fn in (("C5", check_c5_along_flows), ("C6", check_c6_derivation),
                  ("C6", check_c6_trajectory), ("C7", check_c7), ("C10", check_c10),
                  ("C10-SEARCH", check_c10_search)):
    claim_check(_cid)(_fn)
