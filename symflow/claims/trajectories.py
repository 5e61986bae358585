"""The trajectory machinery shared by C5 (along flows), C6, C7, C8 and C10.

Every trajectory check integrates a flow with :func:`symflow.flows.integrate` (GBS
extrapolation at ``dps`` digits; cached per process by :func:`flow`, so that C7 and C10 share
theirs) and then evaluates the network *afresh* at the integrated θ(s) or θ(t) with
``problem.at(θ, "mpmath", dps + EVAL_GUARD)``: residuals come from x[θ], D, P = ``projector(D)``
at those points, never from the integrator's bookkeeping nor from the closed forms being
checked. The field a check expects (α) is parsed by
:func:`symflow.reference.fieldspec.field_alpha` (a deliberate second implementation), not by
:func:`symflow.core.fields.parse_field`, which is part of the code under test.

This module holds the flow cache (:func:`flow`, :func:`clear_cache`), the trajectory judge
(:func:`_judge`, :func:`_ev`, :func:`_confirmation`, :func:`_trouble`, :func:`_not_run`), the
spans (:data:`S_END_OVERRIDES`) and the C7 measurements that C10 reuses (:func:`c7_data`); the
small vector helpers are in :mod:`~symflow.claims.vectors`, the rank-monitor evidence of C7 and
C10 in :mod:`~symflow.claims.rank_monitor`.

**Verdict of one comparison** (:func:`_judge`, the one rule of every trajectory
comparison, C5 along flows to C10 and C8): a residual ≤ its tolerance is *verified* — unless the
tolerance is not small against the quantity judged (:func:`symflow.backends.tolerance.too_loose`:
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

**Tolerances.** tol = 10^(5−dps) (:func:`symflow.backends.tolerance.trajectory`), relative to the scale
named in each evidence (|x(0) − y| for output paths, C(0) for costs). Pointwise identities
involving (DDᵀ)⁺ at trajectory points use tol·max(1, κ·10^−(EVAL_GUARD + 5)), κ = λ_max/λ_min of
DDᵀ on its range (recorded as ``kappa``). The numerical differentiation of C5 has its own rule
(:func:`symflow.claims.c05_output_space._motion`). Each trajectory is re-integrated at dps + 10 digits (``Trajectory.confirm``)
and that agreement is its own Evidence item.

**Spans.** Flow-time spans are multiples of N by default. The rank-deficient
``tanh-1-1-1-l2-underparam`` is the exception (:data:`S_END_OVERRIDES`): near s ≈ 0.0346 its
constrained flow needs steps of ~10⁻⁷ (measured: 140 steps, 32 301 field evaluations to reach
s = 1/4, minutes to reach 3N) — presumably a near-singularity of D⁺ where the rank of D drops
further (e.g. the output weight w₂ passing 0; not yet confirmed). The default checks stop
before it, and every evidence resting on the shortened span says so in
``details["reduced"]`` (shown in the verdict's headline). (The dead-unit problem shows the same
behaviour near s ≈ 2.08, beyond its spans.)
"""

from __future__ import annotations

import time
from fractions import Fraction
from typing import Any, Callable

import mpmath
from mpmath import mpf

from ..backends import linalg as _linalg
from ..backends import tolerance as _tol
from ..backends.arith import working_precision
from ..backends.levels import Level
from .evidence import Evidence, Reason, Status
from ..core.losses import L2
from ..reference.fieldspec import field_alpha
from .vectors import _frac, _maxabs, _mp, _n, _norm, _sub, _vec

__all__ = ["EVAL_GUARD", "MONITOR_MAX_STEPS", "S_END_OVERRIDES", "S_END_WHY", "tolerance", "flow",
           "gap_scale", "straight_path", "clear_cache", "c7_data"]


#: Extra digits for evaluating x, D, P at the integrated θ, so that the residuals measure the
#: trajectory's error (θ is accurate to ~10^−dps) rather than the evaluation's round-off.
EVAL_GUARD = 10

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
    """tol = 10^(5−dps): the relative trajectory tolerance (:func:`symflow.backends.tolerance.trajectory`)."""
    return _tol.trajectory(dps)


def _label(a: Fraction) -> str:
    return {Fraction(0): "standard", Fraction(1): "adapted"}.get(a, f"V_{a}")


def _akey(a: Fraction) -> str:
    return f"alpha{a.numerator}" if a.denominator == 1 else f"alpha{a.numerator}_{a.denominator}"


# ---------------------------------------------------------------------------------------------
# the judge: one rule for every trajectory comparison (C5 along flows, C6, C7, C8, C10)
# ---------------------------------------------------------------------------------------------

def _confirmation(traj) -> tuple[Any, str | None]:
    """(confirmation, None) when ``traj`` was re-integrated at higher precision and agreed;
    (confirmation or None, a sentence saying why not) otherwise."""
    try:
        conf = traj.confirmation or traj.confirm()
    except Exception as exc:  # recorded in the evidence, never silent
        return None, (f"the re-integration at higher precision raised {type(exc).__name__}: "
                      f"{exc}")
    hi = conf.dps_high
    if not hi > traj.dps:
        return conf, (f"the confirming run was at {hi} digits, not above the trajectory's "
                      f"{traj.dps}")
    if conf.dps_actual is not None and not conf.dps_actual > traj.dps:
        return conf, (f"the confirming run was at {conf.dps_actual} digits, not above the "
                      f"trajectory's {traj.dps} (although dps_high = {hi})")
    if not conf.ok:
        return conf, (f"the re-integration at {hi} digits did not agree: max relative "
                      f"difference {_n(conf.max_rel_diff, 3)} vs tolerance "
                      f"{_n(conf.tolerance, 3)}, status {conf.status_high!r} vs "
                      f"{traj.status!r}")
    moved = traj.t_end is not None and traj.t_end > 0
    if moved and conf.max_rel_diff == 0 and not getattr(conf, "high_fits_dps", False):
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
            why = S_END_WHY.get(entry.name, "see trajectories.S_END_OVERRIDES")
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
    cut = ev[0] * max(D.shape) * mpf(10) ** (_tol.RANK_GUARD - dps)   # the rank cut-off
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
    from ..flows import integrate

    key = (id(entry.problem), entry.problem, tuple(entry.theta0), str(field_alpha(field)),
           str(s_end), str(t_end), dps, rank_loss, max_steps)
    traj = _CACHE.get(key)
    if traj is None:
        kw = {} if max_steps is None else {"max_steps": max_steps}
        spec = field if isinstance(field, str) else str(field_alpha(field))
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


def _l2(e) -> bool:
    return isinstance(e.problem.loss, L2)


_C7: dict = {}


def gap_scale(gap):
    """The divisor of the trajectory residuals stated relative to ``gap`` = max|x(0) − y|:
    ``gap`` itself, or 1 when x(0) = y. Then ∇ₓC = (x(0) − y)/N = 0, θ(0) is an equilibrium of
    every field V_α, the flow is at rest (x(s) = y = x_lin(s) for all s) and every quantity
    compared is 0: the residuals are absolute instead of 0/0."""
    return gap if gap > 0 else mpf(1)


def straight_path(d: dict, factor, dps: int) -> str | None:
    """None if C7's integral (1/N)∫₀ˢ e^{−(s−r)/N}(I − P(r))(x(r) − y)dr of :func:`c7_data`
    ``d`` reaches ``factor``·tol relative to max|x(0) − y| at some sample, i.e. C7 predicts that
    the path leaves the line by that much; else a sentence: (I − P(r))(x(r) − y) vanishes along
    the path (x(0) − y stays in range D(θ(r)); x(0) = y is the case of a flow at rest), the path
    is C6's straight line although rank D < QN, and cannot witness the bending."""
    with working_precision(dps + EVAL_GUARD):
        pred = max(_maxabs(v) for v in d["voc"]) / gap_scale(d["gap"])
        if pred >= factor * tolerance(dps):
            return None
    at_rest = " (here x(0) = y: the flow is at rest)" if d["gap"] == 0 else ""
    return (f"C7's integral of (I − P(r))(x(r) − y) is {_n(pred, 3)} relative to max|x(0) − y|, "
            f"below {_n(factor * tolerance(dps), 3)}: x(0) − y stays in range D along the "
            f"path{at_rest}, so C7 itself predicts the straight line and this problem cannot "
            f"show rank loss bending it")


def c7_data(entry, *, dps: int = 30, s_end: Any = None, n_samples: int = 4,
            field: Any = "adapted", progress=None) -> dict:
    """The measured quantities of C7 along the constrained flow (cached; used by C7 and C10).

    Returns a dict with: ``traj``; ``s`` (sample times); ``x`` (x(θ(s)) afresh); ``x_lin``;
    ``dev`` = x − x_lin; ``voc`` = (1/N)∫₀ˢ e^{−(s−r)/N}(I − P(r))(x(r) − y)dr by
    ``mpmath.quad`` (Gauss–Legendre) on each [s_{k−1}, s_k] with the integrand from the dense
    output; ``quad_error`` (mpmath.quad's error estimate); ``dist`` = |x(s) − y|; ``ranks``.
    """
    prob = entry.problem
    end = s_end if s_end is not None else _span(entry, Fraction(prob.N, 4))
    key = (id(prob), prob, tuple(entry.theta0), dps, str(end), n_samples, str(field_alpha(field)))
    if key in _C7:
        return _C7[key]
    tic = time.perf_counter()
    traj = flow(entry, field=field, s_end=end, dps=dps, rank_loss="pinv", progress=progress)
    res = {"traj": traj, "s_end": end}
    if traj.status != "success":
        _C7[key] = res
        return res
    res.update(_c7_measure(prob, traj, entry.theta0, end, n_samples, dps))
    res["seconds"] = time.perf_counter() - tic
    _C7[key] = res
    return res


def _c7_integrand(prob, traj, edps: int, memo: dict) -> Callable:
    """r ↦ e^{r/N}(I − P(r))(x(r) − y) from θ(r) (dense output), memoised by r in ``memo``."""
    N = prob.N

    def integrand(r):
        k = mpmath.mpf(r)
        v = memo.get(k)
        if v is None:
            pd = prob.at(traj.theta_at(k), "mpmath", edps)
            e = pd.x - pd.y
            w = e - _linalg.projector(pd.D, edps) @ e
            v = memo[k] = [mpmath.exp(k / N) * c for c in _vec(w)]
        return v

    return integrand


def _c7_measure(prob, traj, theta0, end, n_samples: int, dps: int) -> dict:
    """C7's measurements at the ``n_samples`` + 1 times s_k = k·end/n_samples (x, x_lin, their
    deviation, the variation-of-constants integral accumulated interval by interval, |x − y|,
    rank D), at dps + EVAL_GUARD digits; see :func:`c7_data`."""
    N = prob.N
    memo: dict = {}
    edps = dps + EVAL_GUARD
    with working_precision(edps):
        pd0 = prob.at(theta0, "mpmath", edps)
        x0, y = _vec(pd0.x), _vec(pd0.y)
        integrand = _c7_integrand(prob, traj, edps, memo)
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
    return dict(s=ss, x=xs, x_lin=xl, dev=devs, voc=vocs, quad_error=qerr, dist=dists,
                ranks=ranks, x0=x0, y=y, gap=_maxabs(_sub(x0, y)), nodes=len(memo))
