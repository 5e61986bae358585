"""C14 — cross-entropy at rank loss: the logit sums can drift (docs/theory.md §7).

Along the adapted flow x' = −Pg (g = ∇ₓC, cross-entropy, normalized labels), with 1_j the
indicator of sample j's Q logits and P^⊥ = I − P,

    d/ds(1_jᵀx) = −1_jᵀPg = −1_jᵀg + 1_jᵀP^⊥g = (P^⊥1_j)ᵀg,

because 1_jᵀg = (1/N)(1ᵀσ(x_j) − 1ᵀy_j) = 0 and P^⊥ is symmetric. It vanishes when 1_j ∈
range(D) (C8) but not in general: the fibers 1_jᵀx = c need not be invariant at rank loss.

Checks (:func:`check_c14`):

``gsum``, ``drift`` (sample points of the problem, its strongest level — balls for CE)
    1_jᵀg = 0 for every j; and the drift 1_jᵀx' of the library's adapted output field
    x' = D·``parameter_field(pd, "adapted")`` equals (P^⊥1_j)ᵀg (P = ``projector(D)``).
``exhibit.formula``, ``exhibit.nonzero`` (exact, SymPy + exact linear algebra)
    N = 1, Q = 2, K = 1, x[θ] = (θ, 0) (a dead second logit: D = (1, 0)ᵀ, rank 1 < 2),
    y = (1/4, 3/4), θ = 0: σ = (1/2, 1/2), g = (1/4, −1/4); the library's drift equals
    (P^⊥1)ᵀg and is −1/4 ≠ 0 — the invariant fails.
``rank_alone.drift`` (exact)
    x[θ] = (θ, θ) (D = (1, 1)ᵀ, rank 1 < 2 but 1 ∈ range D): the drift is 0 — rank loss alone
    does not break the invariant, the missing direction 1_j does.

``flow.separable`` (exact, SymPy)
    the counterexample's flow θ′ = −(D⁺∇ₓC)(θ) = 1/4 − σ(θ, 0)₁ (from the problem's symbolic
    Jacobian and gradient) is separable: s(θ) = 4θ − (16/3)log((3e^θ − 1)/2) satisfies
    s′(θ)·θ′ = 1 and s(0) = 0. So θ decreases to −log 3 (where σ₁ = 1/4), and since
    log((3e^θ − 1)/2) = log(δ/2) + δ/2 + O(δ²) for δ := θ + log 3,
    δ(s) = 2·3^(−3/4)·e^(−3s/16)·(1 + δ/4 + O(δ²)): rate 3/16 = σ(1 − σ) at σ = 1/4.
``flow.*`` (mpmath, the trajectory rule of :mod:`~symflow.claims.trajectories`)
    the adapted flow from θ = 0 to s = :data:`FLOW_S_END` (``rank_loss="pinv"``: rank D = 1 <
    QN = 2), the logit sum z = 1ᵀx[θ(s)] evaluated afresh: ``closed_form`` s(z(s)) = s at
    s = 0, 10, …, 100 (residual |s(z) − s|·|z′| / log 3, tolerance 10^(5 − dps));
    ``doc_value`` z(40) = −1.09812696… (the doc's 8 decimals, tolerance 10⁻⁸); the
    *measurements* ``rate`` (κ fitted by least squares on log(z + log 3) at s = 60, …, 100,
    vs 3/16, tolerance :data:`RATE_TOLERANCE`; the fit's own bias ≈ (3/64)·δ(60) ≈ 5·10⁻⁷) and
    ``constant`` (c = exp(mean(log δ + 3s/16)) vs 2·3^(−3/4), relative, tolerance
    :data:`CONSTANT_TOLERANCE`; bias ≈ δ(60)/4 ≈ 3·10⁻⁶); ``confirm`` the re-integration at
    dps + 10 digits agrees.
``labels.gradient``, ``labels.sum_zero`` (exact, SymPy; Q ∈ {2, 3}, symbolic z and positive
    labels y *not* normalized)
    the library's cost C_j = −Σ y_i log σ(z)_i equals (1ᵀy)LSE(z) − yᵀz, its gradient (SymPy's
    ``diff``) equals the formula (1ᵀy)σ(z) − y (two computations), and 1ᵀ∇_zC_j = 0: the
    "unnormalized labels break the invariant" remark of §7 is false.

The global parts (the exhibits, the flow, the labels) are the same for every entry: the flow
is integrated once per process (the flow cache), the rest is cheap.

``field_fn(pd)`` (the parameter field) and ``projector_fn(pd)`` replace the library's,
``flow_problem`` the counterexample integrated (and solved by s(θ)), ``cost_fn(z, y)`` and
``grad_fn(z, y)`` the cost and the gradient formula of the labels check (tests feed wrong ones).
"""

from __future__ import annotations

from fractions import Fraction
from functools import lru_cache
from types import SimpleNamespace
from typing import Callable

import flint
import mpmath
import sympy as sp

from ..backends import backend
from ..backends.arith import get_arith, working_precision
from ..backends.levels import Level
from ..backends.linalg import Mat, eye, projector, rank_info
from ..core.fields import parameter_field
from ..core.losses import CrossEntropy
from ..core.models import model
from ..core.problem import PointData, Problem
from .evidence import Evidence, Status
from .judge import Cmp, _f, _run
from .registry import claim_check, register
from .sampling import _n_random, sample_points
from .trajectories import (EVAL_GUARD, _confirmation_evidence, _ev, _not_run, flow,
                           tolerance)
from .vectors import _line_fit, _mp, _n

__all__ = ["FLOW_S_END", "FLOW_TIMES", "FIT_TIMES", "RATE_TOLERANCE", "CONSTANT_TOLERANCE",
           "LABEL_QS", "dead_logit_problem", "exact_drift", "flow_time", "check_c14"]

register("C14", "cross-entropy at rank loss: the logit sums can drift",
         "Along x' = −Pg with the cross-entropy loss, d/ds(1_jᵀx) = −1_jᵀPg = (P^⊥1_j)ᵀg: zero "
         "when 1_j ∈ range(D) (C8), but not in general — at rank loss the fibers 1_jᵀx = c "
         "need not be invariant (exhibited: x[θ] = (θ, 0), y = (1/4, 3/4), θ = 0, drift −1/4).",
         "beyond the paper: §7 of docs/theory.md (C14; with C8)", needs=("ce",))


def _adapted(pd: PointData) -> Mat:
    return parameter_field(pd, "adapted")


def _projector(pd: PointData) -> Mat:
    return projector(pd.D, pd.dps or 30)


def _indicators(level: Level, N: int, Q: int) -> Mat:
    """S (N × QN): row j is 1_jᵀ, the indicator of sample j's logits."""
    be = backend(level)
    return Mat.from_rows(level, [[be.scalar(1 if i // Q == j else 0) for i in range(N * Q)]
                                 for j in range(N)], N * Q)


def _drifts(pd: PointData, Q: int, ffn, Pfn) -> tuple[Mat, Mat, Mat]:
    """(S g, S·D·θ', (P^⊥Sᵀ)ᵀg): the per-sample sums of g, the drifts of the logit sums along
    the field θ' = ``ffn(pd)``, and the formula (P^⊥1_j)ᵀg."""
    n = pd.D.shape[0]
    S = _indicators(pd.level, n // Q, Q)
    Pperp = eye(pd.level, n) - Pfn(pd)
    return S @ pd.grad, S @ (pd.D @ ffn(pd)), (Pperp @ S.T).T @ pd.grad


def check_c14(entry, *, dps: int = 30, level: Level = Level.EXACT, progress=None,
              field_fn: Callable[[PointData], Mat] | None = None,
              projector_fn: Callable[[PointData], Mat] | None = None,
              n_points: int | None = None, flow_problem: Problem | None = None,
              cost_fn: Callable | None = None, grad_fn: Callable | None = None
              ) -> list[Evidence]:
    """C14: the drift formula at sample points, the exact counterexample, its trajectory, and
    the symbolic-label identity (see the module docstring)."""
    level = Level.parse(level)
    ffn, Pfn = field_fn or _adapted, projector_fn or _projector
    Q = entry.problem.Q

    def at(pd):
        gs, drift, formula = _drifts(pd, Q, ffn, Pfn)
        m = _f(pd.grad.max_abs())
        return {"gsum": Cmp("zero", gs, None, scale=m, magnitude=m),
                "drift": Cmp("zero", drift, formula, scale=m, magnitude=m)}

    pts = sample_points(entry, _n_random(level, n_points), "C14")
    evs = _run(entry, level, dps, pts, at, {
        "gsum": "the per-sample sums of ∇ₓC vanish: 1_jᵀg = 0 (normalized labels)",
        "drift": "the logit-sum drift of the library's adapted field, 1_jᵀD·θ', equals "
                 "(P^⊥1_j)ᵀg"}, pit=False)
    return (evs + _exhibit(ffn, Pfn) + [_separable(flow_problem)] + _flow(dps, flow_problem)
            + _labels(cost_fn, grad_fn))


def dead_logit_problem(dead: bool = True, labels=("1/4", "3/4")) -> Problem:
    """N = 1, Q = 2, K = 1, y = ``labels`` (default (1/4, 3/4)); x[θ] = (θ, 0) (``dead``) or
    (θ, θ)."""
    t, u = sp.symbols("t u")
    outs = [t * u, sp.Integer(0) * u] if dead else [t * u, t * u]
    name = "dead-logit" if dead else "tied-logits"
    return Problem(model(outs, [t], [u], name=name), [[1]], [list(labels)], "cross_entropy",
                   name=f"{name}-ce")


def _q(v) -> flint.fmpq:
    r = sp.Rational(v)
    return flint.fmpq(int(r.p), int(r.q))


def exact_drift(prob: Problem, theta, ffn=_adapted, Pfn=_projector) -> tuple:
    """(drift, formula, rank D) exactly at θ where σ(x) is rational: D from the problem's
    SymPy Jacobian, g from its ``grad_expr`` (SymPy), then the library's field and projector
    on an exact :class:`PointData`."""
    sub = dict(zip(prob.params, theta))
    x = [prob.outputs[i].subs(sub) for i in range(prob.QN)]
    g = prob.grad_expr.subs(dict(zip(prob.x_symbols, x)))
    Jrows = prob.jacobian.subs(sub).tolist()
    L = Level.EXACT
    pd = PointData(L, None, tuple(theta), Mat.column(L, [_q(v) for v in x]),
                   Mat.from_rows(L, [[_q(v) for v in r] for r in Jrows], prob.K),
                   Mat.column(L, [_q(v) for v in g]),
                   Mat.column(L, [_q(v) for v in prob.y_flat]), None)
    _, drift, formula = _drifts(pd, prob.Q, ffn, Pfn)
    return drift.entries()[0], formula.entries()[0], rank_info(pd.D).rank


def _exhibit(ffn, Pfn) -> list[Evidence]:
    drift, formula, rank = exact_drift(dead_logit_problem(), (0,), ffn, Pfn)
    det = {"problem": "x[θ] = (θ, 0), y = (1/4, 3/4), θ = 0", "drift": str(drift),
           "formula": str(formula), "rank": rank, "QN": 2, "doc_value": "-1/4"}
    gap = abs(drift - formula)
    ok = drift != 0 and drift == flint.fmpq(-1, 4) and rank < 2
    d2, f2, r2 = exact_drift(dead_logit_problem(dead=False), (0,), ffn, Pfn)
    det2 = {"problem": "x[θ] = (θ, θ), y = (1/4, 3/4), θ = 0", "drift": str(d2),
            "formula": str(f2), "rank": r2, "QN": 2}
    return [
        Evidence(Level.EXACT, "at rank loss (x[θ] = (θ, 0), y = (1/4, 3/4), θ = 0) the drift "
                 "d/ds(1ᵀx) of the library's adapted field equals (P^⊥1)ᵀg", gap, 0,
                 Status.VERIFIED if gap == 0 else Status.REFUTED, None, det,
                 key="exhibit.formula"),
        Evidence(Level.EXACT, f"… and is nonzero (residual |drift| = {abs(drift)}; the doc's "
                 f"value −1/4; rank D = {rank} < QN = 2): the fiber 1ᵀx = c is not invariant",
                 abs(drift), 0, Status.VERIFIED if ok else Status.REFUTED, None,
                 {**det, "kind": "pos"}, key="exhibit.nonzero"),
        Evidence(Level.EXACT, f"rank loss alone does not break the invariant: x[θ] = (θ, θ) "
                 f"(rank {r2} < 2, 1 ∈ range D) has drift {d2} = (P^⊥1)ᵀg = {f2}",
                 abs(d2) + abs(f2), 0,
                 Status.VERIFIED if d2 == 0 and f2 == 0 and r2 < 2 else Status.REFUTED, None,
                 det2, key="rank_alone.drift"),
    ]


# ---------------------------------------------------------------------------------------------
# the counterexample's trajectory (mpmath): the logit sum → −log 3, at rate 3/16
# ---------------------------------------------------------------------------------------------

#: The flow's span and the times at which it is compared with its closed form / fitted.
FLOW_S_END = 100
FLOW_TIMES = tuple(range(0, FLOW_S_END + 1, 10))
FIT_TIMES = (60, 70, 80, 90, 100)
#: The doc's value θ(40) = −1.09812696… (8 decimals, truncated) and its tolerance.
DOC_THETA_40 = "-1.09812696"
DOC_TOLERANCE = Fraction(1, 10 ** 8)
#: Tolerances of the fitted rate (absolute) and constant (relative): the fit's own bias on
#: FIT_TIMES is ≈ (3/64)·δ(60) ≈ 5·10⁻⁷ resp. δ(60)/4 ≈ 3·10⁻⁶ (module docstring).
RATE_TOLERANCE = Fraction(1, 10 ** 5)
CONSTANT_TOLERANCE = Fraction(1, 10 ** 4)

#: The counterexample's Problem, one object per process (the flow cache keys on the object).
_PROBLEMS: dict = {}


def _default_flow_problem() -> Problem:
    """:func:`dead_logit_problem`, one object per process (the flow cache keys on it)."""
    if "dead" not in _PROBLEMS:
        _PROBLEMS["dead"] = dead_logit_problem()
    return _PROBLEMS["dead"]


def flow_time(z):
    """s(z) = 4z − (16/3)·log((3eᶻ − 1)/2): the flow time at which the counterexample's logit
    sum z = θ (from 0, decreasing) is reached; the separable solution of
    θ' = −(σ(θ, 0)₁ − 1/4), z > −log 3 (mpmath)."""
    return 4 * z - mpmath.mpf(16) / 3 * mpmath.log((3 * mpmath.exp(z) - 1) / 2)


def _flow_fit(ss, deltas) -> tuple:
    """Least squares log δ = −κs + log c: (κ, c) with κ free, and c = exp(mean(log δ +
    (3/16)s)) with the rate fixed at its derived value 3/16."""
    a, sm, ym = _line_fit(ss, [mpmath.log(d) for d in deltas])
    return -a, mpmath.exp(ym + mpmath.mpf(3) / 16 * sm)


def _flow_measure(prob: Problem, traj, dps: int) -> dict:
    """At :data:`FLOW_TIMES`, the logit sum z = 1ᵀx[θ(s)] evaluated afresh at dps + EVAL_GUARD
    digits; the closed-form residual max|s(z) − s|·|θ'(z)|/log 3 (the time error as an error in
    z, relative to z(0) + log 3 = log 3); z(40) − the doc's value; the fits on FIT_TIMES."""
    edps = dps + EVAL_GUARD
    with working_precision(edps):
        l3, zs, res = mpmath.log(3), {}, mpmath.mpf(0)
        for s in FLOW_TIMES:
            z = mpmath.fsum(prob.at(traj.theta_at(s), Level.MPMATH, edps).x.entries())
            zs[s] = z
            speed = abs(mpmath.exp(z) / (mpmath.exp(z) + 1) - mpmath.mpf(1) / 4)
            res = max(res, abs(flow_time(z) - s) * speed / l3)
        deltas = [zs[s] + l3 for s in FIT_TIMES]
        kappa, c = _flow_fit([mpmath.mpf(s) for s in FIT_TIMES], deltas)
        c_exp = 2 * mpmath.mpf(3) ** (-mpmath.mpf(3) / 4)
        return {"z": zs, "closed": res, "doc": abs(zs[40] - mpmath.mpf(DOC_THETA_40)),
                "kappa": kappa, "c": c, "c_expected": c_exp, "deltas": deltas,
                "rate_res": abs(kappa - mpmath.mpf(3) / 16), "const_res": abs(c / c_exp - 1)}


def _flow(dps: int, prob: Problem | None = None) -> list[Evidence]:
    """The counterexample's adapted flow (``rank_loss="pinv"``: D = (1, 0)ᵀ has rank 1 < 2)
    from θ = 0 to s = :data:`FLOW_S_END`, judged by the trajectory rule
    (:func:`~symflow.claims.trajectories._judge`: a refutation needs the re-integration at
    higher precision). ``prob`` replaces the problem integrated (tests feed wrong labels)."""
    prob = prob or _default_flow_problem()
    entry = SimpleNamespace(problem=prob, theta0=(Fraction(0),), name=prob.name)
    traj = flow(entry, field="adapted", s_end=FLOW_S_END, dps=dps, rank_loss="pinv")
    where = "the counterexample x[θ] = (θ, 0), y = (1/4, 3/4), θ(0) = 0"
    if traj.status != "success":
        return [_not_run("flow", f"C14: the adapted flow on {where}", traj, dps)]
    m = _flow_measure(prob, traj, dps)
    zs = {str(s): _n(z, 15) for s, z in m["z"].items()}
    fit = {"kind": "measurement", "s": list(FIT_TIMES),
           "z(s) + log 3": [_n(d, 10) for d in m["deltas"]]}
    return [
        _ev("flow.closed_form", f"C14 on {where}: the logit sum z = 1ᵀx(s) solves s = 4z − "
            f"(16/3)log((3eᶻ − 1)/2) at s = 0, 10, …, {FLOW_S_END} (residual max|s(z) − s|·"
            f"|z'| / log 3)", m["closed"], tolerance(dps), dps, traj=traj,
            details={"kind": "zero", "z": zs}),
        _ev("flow.doc_value", f"… z(40) = {DOC_THETA_40}… as docs/theory.md says (residual "
            f"|z(40) − ({DOC_THETA_40})|, the doc's 8 decimals)", m["doc"], _mp(DOC_TOLERANCE),
            dps, traj=traj, details={"kind": "zero", "z(40)": zs["40"]}),
        _ev("flow.rate", f"… z(s) + log 3 ~ c·e^(−κs) with κ = 3/16 = σ(1 − σ) at σ = 1/4: κ "
            f"fitted by least squares on log(z + log 3) at s = {', '.join(map(str, FIT_TIMES))} "
            f"(residual |κ − 3/16|)", m["rate_res"], _mp(RATE_TOLERANCE), dps, traj=traj,
            details={**fit, "fitted": _n(m["kappa"], 12), "expected": "3/16",
                     "tolerance": str(RATE_TOLERANCE)}),
        _ev("flow.constant", "… and c = 2·3^(−3/4) (from the closed form; c fitted with κ = "
            "3/16; residual |c/(2·3^(−3/4)) − 1|)", m["const_res"], _mp(CONSTANT_TOLERANCE), dps,
            traj=traj, details={**fit, "fitted": _n(m["c"], 12),
                                "expected": _n(m["c_expected"], 12),
                                "tolerance": str(CONSTANT_TOLERANCE)}),
        _confirmation_evidence(traj, "flow.confirm", f"C14: the adapted flow on {where}"),
    ]


def _separable(prob: Problem | None = None) -> Evidence:
    """Exactly (SymPy): s(θ) of :func:`flow_time` solves the counterexample's flow, i.e.
    s′(θ)·θ′ = 1 with θ′ = −(D⁺∇ₓC)(θ) from the problem's symbolic Jacobian and loss gradient,
    and s(0) = 0. The same for every problem C14 runs on: computed once per process unless a
    test supplies its own ``prob``."""
    return _separable_default() if prob is None else _separable_of(prob)


@lru_cache(maxsize=1)
def _separable_default() -> Evidence:
    return _separable_of(_default_flow_problem())


def _separable_of(prob: Problem) -> Evidence:
    th = prob.params[0]
    D = prob.jacobian
    x = [prob.outputs[i] for i in range(prob.QN)]
    g = prob.grad_expr.subs(dict(zip(prob.x_symbols, x)))
    vel = -((D.T * D).inv() * D.T * g)[0, 0]         # K = 1, D of full column rank: D⁺
    s_th = 4 * th - sp.Rational(16, 3) * sp.log((3 * sp.exp(th) - 1) / 2)
    r = sp.simplify(sp.diff(s_th, th) * vel - 1)
    s0 = sp.simplify(s_th.subs(th, 0))
    ok = r == 0 and s0 == 0
    return Evidence(Level.EXACT, "the counterexample's flow θ′ = −(D⁺∇ₓC)(θ) (SymPy, from the "
                    "problem's Jacobian and gradient) is solved by s(θ) = 4θ − (16/3)log((3e^θ "
                    "− 1)/2): s′(θ)·θ′ − 1 simplifies to 0 and s(0) = 0", 0 if ok else 1, 0,
                    Status.VERIFIED if ok else Status.REFUTED, None,
                    {"kind": "zero", "velocity": str(vel), "s'(θ)·θ' − 1": str(r),
                     "s(0)": str(s0)}, key="flow.separable")


# ---------------------------------------------------------------------------------------------
# labels not summing to 1: 1ᵀ∇_zC_j = 0 for symbolic labels (SymPy)
# ---------------------------------------------------------------------------------------------

LABEL_QS = (2, 3)


def _library_cost(z: list, y: list):
    """C_j(z) = −Σ_i y_i log σ(z)_i: the library's cross-entropy cost (N = 1) in SymPy."""
    return CrossEntropy().cost(z, y, 1, len(z), get_arith("sympy"))


def _formula_grad(z: list, y: list) -> list:
    """((1ᵀy)σ(z) − y), the gradient of C_j(z) = (1ᵀy)LSE(z) − yᵀz for any labels (N = 1)."""
    e = [sp.exp(v) for v in z]
    return [sum(y) * ei / sum(e) - yi for ei, yi in zip(e, y)]


def _labels(cost_fn=None, grad_fn=None) -> list[Evidence]:
    """For Q ∈ :data:`LABEL_QS`, symbolic logits z and positive labels y (not normalized), with
    SymPy: (a) the cost ``cost_fn`` (default the library's) equals (1ᵀy)LSE(z) − yᵀz, and
    its gradient by SymPy's ``diff`` equals ``grad_fn`` (default ((1ᵀy)σ(z) − y)) — two
    computations; (b) 1ᵀ∇_zC_j = 0 (SymPy's derivative summed; C_j is invariant under
    z ↦ z + c1). Residual: the number of expressions that do not simplify to 0. The same for
    every problem: with the defaults, computed once per process."""
    if cost_fn is None and grad_fn is None:
        return list(_labels_default())
    return _labels_of(cost_fn or _library_cost, grad_fn or _formula_grad)


@lru_cache(maxsize=1)
def _labels_default() -> tuple[Evidence, ...]:
    return tuple(_labels_of(_library_cost, _formula_grad))


def _labels_of(cost_fn: Callable, grad_fn: Callable) -> list[Evidence]:
    bad_a, bad_b, det = 0, 0, {}
    for Q in LABEL_QS:
        z = list(sp.symbols(f"z1:{Q + 1}", real=True))
        y = list(sp.symbols(f"y1:{Q + 1}", positive=True))
        C = cost_fn(z, y)
        lse = sum(y) * sp.log(sum(sp.exp(v) for v in z)) - sum(a * b for a, b in zip(y, z))
        diff = [sp.diff(C, v) for v in z]
        ra = [sp.simplify(sp.expand_log(C - lse, force=True))]
        ra += [sp.simplify(d - f) for d, f in zip(diff, grad_fn(z, y))]
        rb = sp.simplify(sum(diff))
        bad_a += sum(1 for r in ra if r != 0)
        bad_b += int(rb != 0)
        det[f"Q={Q}"] = {"cost": str(C), "1ᵀ∇C": str(rb), "differences": [str(r) for r in ra]}
    return [
        Evidence(Level.EXACT, f"labels not summing to 1 (SymPy, symbolic y > 0, Q ∈ "
                 f"{set(LABEL_QS)}): the library's cost C_j = −Σ y_i log σ(z)_i equals "
                 f"(1ᵀy)LSE(z) − yᵀz and its gradient (SymPy's diff) is (1ᵀy)σ(z) − y",
                 bad_a, 0, Status.VERIFIED if bad_a == 0 else Status.REFUTED, None,
                 {"kind": "zero", **det}, key="labels.gradient"),
        Evidence(Level.EXACT, "… and 1ᵀ∇_zC_j simplifies to 0 for every label (the logit "
                 "sums are conserved when 1_j ∈ range D, normalized or not)", bad_b, 0,
                 Status.VERIFIED if bad_b == 0 else Status.REFUTED, None,
                 {"kind": "zero", **det}, key="labels.sum_zero"),
    ]


claim_check("C14")(check_c14)


if __name__ == "__main__":
    from ._main import main

    raise SystemExit(main("C14"))
