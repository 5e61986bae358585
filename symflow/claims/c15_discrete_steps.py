"""C15 — discrete steps: Gauss–Newton follows the line to second order, gradient descent not
(docs/theory.md §7, beyond the paper).

L2, u := y − x. Both steps are Euler steps of size ηN in s (:mod:`symflow.flows.steps`):
GN θ₊ = θ + ηδ, δ := D⁺u; GD θ₊ = θ + ηDᵀu. Taylor in η along a direction v:
x[θ + ηv] = x + ηDv + (η²/2)∂²x[v, v] + O(η³), and Dδ = DD⁺u = Pu, so

    (a) full rank (Pu = u):  x₊ = x + ηu + (η²/2)h + O(η³),  h := ∂²x[δ, δ];
         e_pt := |x₊ − (x + ηu)| = (η²/2)|h| + O(η³),  e_line := |Π^⊥(x₊ − x)| = (η²/2)|Π^⊥h| + O(η³)
    (b) GD:  x₊ = x + ηGu + O(η²),  e_line = η|Π^⊥Gu| + O(η²)   (first order unless Gu ∥ u)
    (c) rank loss, GN:  x₊ = x + ηPu + O(η²),  e_pt = η|P^⊥u| + O(η²),
         e_line = η|Π^⊥Pu| + O(η²)   (first order unless Pu ∥ u)

with Π^⊥ := I − ûûᵀ, û = u/|u|. The claim needs L2 (the line through x and y),
``needs=("l2",)``; (a) or (c) follows from the rank, which the measurement reads off the
predicted first-order constant |P^⊥u| (zero exactly at full rank).

Checks (:func:`check_c15`; Δ_GN, Δ_GD the directions of :func:`symflow.flows.steps.
step_direction`: the step of size η is θ₊ = θ + ηΔ, Δ_GN = −N·D⁺g = D⁺u, Δ_GD = Dᵀu):

``gn_first``, ``gd_first`` (sample points; exact for rational networks, balls otherwise)
    the η-coefficient D·Δ of x[θ + ηΔ] (chain rule, the library's D) equals Pu (u at full
    rank; P from ``projector``), resp. Gu.
``step_map`` (same points) the library's step maps are θ + ηΔ: ``gauss_newton_step`` and
    ``gradient_step`` at η = 1/3 agree with θ + Δ/3 (exact; at the ball level the step maps
    return rounded numbers, so this comparison runs at mpmath there).
``sympy_gn_first``, ``sympy_gn_second``, ``sympy_gd_first`` (exact, rational networks only)
    Taylor coefficients of the SymPy expression x[θ + ηΔ] in η (derivatives at η = 0, an
    independent computation: no library D): the η-coefficient of GN is u, its η²-coefficient is
    h/2 with h_i = δᵀ(∇²x_i)δ from SymPy Hessians of the outputs and δ = Dᵀ(DDᵀ)⁻¹u (the
    full-rank formula, not ``pinv``); the η-coefficient of GD is Gu.
``measure_*`` (θ₀, mpmath, confirmed at dps + 20; ``details["kind"] = "measurement"``)
    for η = 2⁻⁴, …, 2⁻¹²: e_pt and e_line of GN and e_line of GD; the least-squares slope of
    log e against log η (expected 2, 2 and 1) and the constant (least squares of e/η^p
    against 1, η, η²: the intercept) against |h|/2, |Π^⊥h|/2, |Π^⊥Gu|, with h from the Hessians
    at mpmath. When Gu ∥ u (Π^⊥Gu = 0) GD's line distance is second order: expected slope 2
    and constant |Π^⊥∂²x[Dᵀu, Dᵀu]|/2. A predicted constant 0 (e.g. h = 0) asks slope ≥ p − tol
    and a fitted constant ≈ 0 (relative to e/η^p), and is reported as such.
``example.*`` (exact) the doc's example x[θ] = (θ₁ + θ₂², θ₂), θ = (0, 1), y = (0, 0):
    GN x₊ = (1 − η + η², 1 − η), e_pt² = η⁴, e_line² = η⁴/2; GD x₊ = (1 − 7η + 9η², 1 − 3η),
    e_line² = (9η² − 4η)²/2 — as polynomials in a symbol η.

``direction_fn(pd, N, kind)`` replaces :func:`~symflow.flows.steps.step_direction` (tests feed
wrong steps, e.g. GN with D⁺ replaced by Dᵀ).
"""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction
from functools import lru_cache
from typing import Any, Callable

import mpmath
import sympy as sp

from ..backends import backend
from ..backends.arith import working_precision
from ..backends.levels import Level
from ..backends.linalg import Mat, pinv, projector
from ..core.models import model
from ..core.problem import PointData, Problem
from ..flows.steps import gauss_newton_step, gradient_step, step_direction
from .evidence import Evidence, Reason, Status
from .judge import CONFIRM_EXTRA_DPS, Cmp, _run
from .registry import claim_check, register
from .sampling import sample_points
from .vectors import _line_fit, _norm, _perp

__all__ = ["C15_ETAS", "SLOPE_TOL", "CONST_TOL", "example_problem", "hessians", "measure",
           "check_c15"]

#: The step sizes of the measurement: η = 2⁻⁴, …, 2⁻¹².
C15_ETAS = tuple(Fraction(1, 2 ** k) for k in range(4, 13))
#: Tolerance of a fitted slope (the exponents told apart differ by 1; the O(η) terms move the
#: least-squares slope by ~0.01 on the catalogue).
SLOPE_TOL = 0.05
#: Relative tolerance of a fitted constant (the fit e/η^p = c + aη + bη² leaves O(η_max³);
#: measured ≤ 10⁻⁷ on the catalogue, 3·10⁻⁵ with c + aη alone).
CONST_TOL = 1e-3
N_RANDOM = 2

register("C15", "discrete steps: Gauss–Newton follows the line to second order, gradient "
         "descent not",
         "L2, u = y − x: the Gauss–Newton step θ₊ = θ + ηD⁺u gives x₊ = x + ηPu + "
         "(η²/2)∂²x[δ, δ] + O(η³) (δ = D⁺u). (a) At full rank (Pu = u) both the point deviation "
         "|x₊ − (x + ηu)| and the distance to the line through x and y are O(η²); (c) at rank "
         "loss the line distance is η|Π^⊥Pu| + O(η²), first order unless Pu ∥ u. (b) The "
         "gradient step θ₊ = θ + ηDᵀu gives x₊ = x + ηDDᵀu + O(η²), off the line at first "
         "order unless DDᵀu ∥ u.",
         "beyond the paper: §7 of docs/theory.md (C15; the Euler steps of the adapted and "
         "standard flows)", needs=("l2",))


def example_problem() -> tuple[Problem, tuple]:
    """The doc's example: x[θ] = (θ₁ + θ₂², θ₂) (N = 1, Q = K = 2), y = (0, 0), θ = (0, 1)."""
    t1, t2, w = sp.symbols("t1 t2 w")
    prob = Problem(model([t1 + t2 ** 2, t2], [t1, t2], [w], name="c15-example"), [[0]],
                   [[0, 0]], "l2", name="c15-example-l2")
    return prob, (Fraction(0), Fraction(1))


@lru_cache(maxsize=32)
def hessians(problem: Problem) -> tuple:
    """∇²x_i (K × K SymPy matrices) of every output of ``problem`` (QN of them)."""
    X, th = problem.outputs, list(problem.params)
    return tuple(sp.hessian(X[i], th) for i in range(problem.QN))


def _sympy_along(problem: Problem, theta, v: list, eta: sp.Symbol) -> list:
    """x[θ + ηv] as SymPy expressions in η (θ, v exact rationals)."""
    sub = {p: sp.Rational(t) + eta * sp.Rational(d) for p, t, d in zip(problem.params, theta, v)}
    return [problem.outputs[i].xreplace(sub) for i in range(problem.QN)]


def _rat(v) -> Fraction:
    r = backend(Level.EXACT).report(v)
    return Fraction(r)


def _direction(direction_fn, pd: PointData, N: int, kind: str) -> Mat:
    with working_precision(pd.dps or 30):
        return (direction_fn or step_direction)(pd, N, kind)


# ---- pointwise: the η-coefficients -------------------------------------------------------------

def _pointwise_fn(problem: Problem, direction_fn) -> Callable:
    """At a point: D·Δ_GN = Pu (= u at full rank; P from ``projector``, not from the D⁺ of the
    step) and D·Δ_GD = Gu (the η-coefficients, by the chain rule)."""
    def at(pd):
        D, u = pd.D, pd.y - pd.x
        dgn = _direction(direction_fn, pd, problem.N, "gauss_newton")
        dgd = _direction(direction_fn, pd, problem.N, "gradient")
        return {"gn_first": Cmp("zero", D @ dgn, projector(D, pd.dps or 30) @ u),
                "gd_first": Cmp("zero", D @ dgd, D @ (D.T @ u))}
    return at


def _step_map_fn(problem: Problem, direction_fn) -> Callable:
    """At a point: the library's step maps at η = 1/3 equal θ + Δ/3."""
    third = Fraction(1, 3)

    def at(pd):
        be = backend(pd.level)
        th = [be.report(t) for t in pd.theta]
        out = {}
        for key, kind, fn in (("gn_map", "gauss_newton", gauss_newton_step),
                              ("gd_map", "gradient", gradient_step)):
            d = _direction(direction_fn, pd, problem.N, kind)
            got = problem.convert_theta(fn(problem, th, third, level=pd.level,
                                           dps=pd.dps or 30), pd.level)
            want = [t + be.scalar(third) * v for t, v in zip(pd.theta, d.entries())]
            out[key] = Cmp("zero", Mat.column(pd.level, got), Mat.column(pd.level, want))
        return out
    return at


def _sympy_fn(problem: Problem, direction_fn) -> Callable:
    """Exact, rational networks: Taylor coefficients of the SymPy x[θ + ηΔ] against u, h/2, Gu
    (h from SymPy Hessians, δ = Dᵀ(DDᵀ)⁻¹u)."""
    eta = sp.Symbol("eta")
    H = hessians(problem)

    def coeffs(pd, kind):
        d = [_rat(v) for v in _direction(direction_fn, pd, problem.N, kind).entries()]
        xs = _sympy_along(problem, [_rat(t) for t in pd.theta], d, eta)
        c1 = [sp.diff(f, eta).subs(eta, 0) for f in xs]
        c2 = [sp.diff(f, eta, 2).subs(eta, 0) / 2 for f in xs]
        return c1, c2

    def at(pd):
        D, u = pd.D, pd.y - pd.x
        delta = [_rat(v) for v in (D.T @ ((D @ D.T).inv() @ u)).entries()]
        sub = dict(zip(problem.params, (sp.Rational(_rat(t)) for t in pd.theta)))
        dv = sp.Matrix(delta)
        h = [(dv.T * Hi.xreplace(sub) * dv)[0, 0] for Hi in H]
        g1, g2 = coeffs(pd, "gauss_newton")
        d1, _ = coeffs(pd, "gradient")
        be = backend(pd.level)
        col = lambda vals: Mat.column(pd.level, [be.scalar(sp.Rational(v)) for v in vals])
        return {"sympy_gn_first": Cmp("zero", col(g1), u),
                "sympy_gn_second": Cmp("zero", col(g2), col([v / 2 for v in h])),
                "sympy_gd_first": Cmp("zero", col(d1), D @ (D.T @ u))}
    return at


# ---- the measurement ------------------------------------------------------------------------

@lru_cache(maxsize=32)
def _hessian_fn(problem: Problem) -> Callable:
    """The Hessians as an mpmath function of θ. A ReLU network's contain DiracDelta(z) (the
    derivative of Heaviside): 0 off the kinks; at a kink (z = 0) x is not C² and
    :class:`NotSmooth` is raised."""
    return sp.lambdify(list(problem.params), list(hessians(problem)),
                       [{"DiracDelta": _dirac}, "mpmath"])


class NotSmooth(ArithmeticError):
    """x is not twice differentiable at the point (a ReLU unit at its kink)."""


def _dirac(z, *order):
    if z == 0:
        raise NotSmooth("a unit sits at its kink: ∂²x does not exist there")
    return mpmath.mpf(0)


def _predicted(problem: Problem, pd: PointData, u: list) -> dict:
    """Per deviation, the (first-order, second-order) constants at mpmath, at any rank
    (δ = D⁺u, h_i = δᵀ∇²x_iδ, x₊ − x = ηPu + (η²/2)h + O(η³) for GN, ηGu + (η²/2)h_gd + O(η³)
    for GD with h_gd = ∂²x[Dᵀu, Dᵀu]):
    GN e_pt (|P^⊥u|, |h|/2), GN e_line (|Π^⊥Pu|, |Π^⊥h|/2), GD e_line (|Π^⊥Gu|, |Π^⊥h_gd|/2).
    The second-order constant is the prediction where the first-order one vanishes: GN at
    full rank (Pu = u), GD when Gu ∥ u, GN at rank loss when Pu ∥ u."""
    D, um = pd.D, Mat.column(pd.level, u)
    delta = (pinv(D, pd.dps) @ um).entries()
    Hs = [mpmath.matrix(H) for H in _hessian_fn(problem)(*pd.theta)]
    h, h_gd = _second(Hs, delta), _second(Hs, (D.T @ um).entries())
    Pu = (projector(D, pd.dps) @ um).entries()
    Gu = (D @ (D.T @ um)).entries()
    return {"gn_pt": (_norm([a - b for a, b in zip(u, Pu)]), _norm(h) / 2),
            "gn_line": (_norm(_perp(Pu, u)), _norm(_perp(h, u)) / 2),
            "gd_line": (_norm(_perp(Gu, u)), _norm(_perp(h_gd, u)) / 2)}


def _second(Hs: list, v: list) -> list:
    """∂²x[v, v]: component i is vᵀ∇²x_i v."""
    n = len(v)
    return [mpmath.fsum(v[a] * Hi[a, b] * v[b] for a in range(n) for b in range(n))
            for Hi in Hs]


def gd_scale(pd: PointData) -> Fraction:
    """2^(−m), m ≥ 0 the least with 2^m ≥ tr G (G = DDᵀ, tr G ≥ λ_max): the step-size unit of
    gradient descent, whose O(η²) term is of relative size ~ηλ_max (the GD step sizes of the
    measurement are η·gd_scale, so that they probe the asymptotic regime)."""
    tr = mpmath.fsum(v * v for v in pd.D.entries())
    m = 0
    while 2 ** m < tr:
        m += 1
    return Fraction(1, 2 ** m)


def measure(problem: Problem, theta, dps: int, direction_fn=None, etas=C15_ETAS) -> dict:
    """At θ (mpmath, ``dps`` digits), for each η: e_pt and e_line of the GN step θ + ηΔ_GN and
    e_line of the GD step θ + η'Δ_GD; with the predicted constants (:func:`_predicted`). The
    step sizes are η times a power of two per step: for GD :func:`gd_scale`, and for either
    step, where its deviation is of first order, what :func:`_regime_scale` asks so that the
    first-order term dominates over the whole range."""
    with working_precision(dps):
        pd = problem.at(theta, "mpmath", dps)
        x, u = pd.x.entries(), (pd.y - pd.x).entries()
        pred = _predicted(problem, pd, u)
        floor = mpmath.mpf(10) ** (10 - dps) * max(1, _norm(u))
        top = Fraction(max(etas))
        sc = {"gauss_newton": _regime_scale([pred["gn_pt"], pred["gn_line"]], top, floor),
              "gradient": gd_scale(pd)}
        sc["gradient"] *= _regime_scale([pred["gd_line"]], top * sc["gradient"], floor)
        dirs = {k: _direction(direction_fn, pd, problem.N, k).entries() for k in sc}
        e = {"gn_pt": [], "gn_line": [], "gd_line": []}
        for eta in etas:
            for kind in sc:
                q = eta * sc[kind]
                em = mpmath.mpf(q.numerator) / q.denominator
                th = [t + em * d for t, d in zip(pd.theta, dirs[kind])]
                w = [a - b for a, b in zip(problem.at(th, "mpmath", dps).x.entries(), x)]
                if kind == "gauss_newton":
                    e["gn_pt"].append(_norm([a - em * b for a, b in zip(w, u)]))
                    e["gn_line"].append(_norm(_perp(w, u)))
                else:
                    e["gd_line"].append(_norm(_perp(w, u)))
    gn_etas, gd_etas = (tuple(t * sc[k] for t in etas) for k in ("gauss_newton", "gradient"))
    return {"e": e, "pred": pred, "floor": floor,
            "etas": {"gn_pt": gn_etas, "gn_line": gn_etas, "gd_line": gd_etas}}


def _regime_scale(consts: list, top: Fraction, floor) -> Fraction:
    """2^(−m), m ≥ 0 the least with c₁ ≥ DOMINANCE·c₂·η_max·2^(−m) for every (c₁, c₂) of
    ``consts`` whose first-order constant c₁ is not 0: the step sizes at which a first-order
    deviation c₁η + c₂η² is dominated by its first term (the asymptotic regime; at rank loss
    c₂/c₁ can be large). At most 2⁻⁴⁰; past that the fit reports the orders as comparable."""
    m = 0
    for c1, c2 in consts:
        while c1 > floor and c1 < DOMINANCE * c2 * top / 2 ** m and m < 40:
            m += 1
    return Fraction(1, 2 ** m)


def _fit(etas, es, p: int, floor) -> dict:
    """Least-squares slope of log e against log η; constant c of the least-squares fit
    e/η^p = c + aη + bη² (the next Taylor terms; with c + aη alone the neglected bη² biases c
    by up to ~b·2⁻⁸ at η = 2⁻⁴, which a campaign found above the 10⁻³ tolerance on a sin
    network: seed 5, case 2)."""
    if max(es) <= floor:
        return {"slope": None, "const": mpmath.mpf(0), "below_floor": True}
    xs = [mpmath.log(mpmath.mpf(t.numerator) / t.denominator) for t in etas]
    ys = [mpmath.log(v) for v in es]
    slope = _line_fit(xs, ys)[0]
    ts = [mpmath.mpf(t.numerator) / t.denominator for t in etas]
    top = max(ts)            # in τ = η/η_max the columns 1, τ, τ² are well scaled
    A = mpmath.matrix([[1, t / top, (t / top) ** 2] for t in ts])
    c = mpmath.qr_solve(A, mpmath.matrix([v / t ** p for v, t in zip(es, ts)]))[0][0]
    return {"slope": slope, "const": c, "below_floor": False}


#: deviation → (what, (its first-order constant, its second-order constant)).
_DEV = {"gn_pt": ("GN point deviation e_pt = |x₊ − (x + ηu)|", ("|P^⊥u|", "|h|/2")),
        "gn_line": ("GN line distance e_line = |Π^⊥(x₊ − x)|", ("|Π^⊥Pu|", "|Π^⊥h|/2")),
        "gd_line": ("GD line distance e_line = |Π^⊥(x₊ − x)|", ("|Π^⊥Gu|", "|Π^⊥h_gd|/2"))}
#: The first-order term decides the order only where it dominates the second-order one over
#: the whole η range by this factor (c₁ ≥ DOMINANCE·c₂·η_max); between that and 0 the two are
#: comparable and the fitted order means nothing.
DOMINANCE = 20


def _judge_pair(r1, r2, tol) -> tuple[Status, Reason | None, str]:
    """Verified if both runs are within ``tol``, refuted if both exceed it, else inconclusive."""
    if r1 <= tol and r2 <= tol:
        return Status.VERIFIED, None, ""
    if r1 > tol and r2 > tol:
        return Status.REFUTED, None, ""
    return (Status.INCONCLUSIVE, Reason.PRECISION,
            f"the runs at two precisions disagree: {mpmath.nstr(r1, 3)} vs {mpmath.nstr(r2, 3)} "
            f"against tolerance {tol}")


def _measure_residuals(key: str, m: dict) -> dict:
    """Expected exponent, the slope residual and the constant residual of one deviation."""
    etas = m["etas"][key]
    c1, c2 = m["pred"][key]
    p, pred = (1, c1) if c1 > m["floor"] else (2, c2)   # the first term that does not vanish
    top = max(mpmath.mpf(t.numerator) / t.denominator for t in etas)
    mixed = p == 1 and c1 < DOMINANCE * c2 * top        # both orders matter over the η range
    zero = pred <= m["floor"]                 # predicted constant 0: higher order expected
    fit = _fit(etas, m["e"][key], p, m["floor"])
    if fit["below_floor"]:
        rs = mpmath.mpf(0) if zero else mpmath.inf
    else:
        rs = max(mpmath.mpf(0), p - fit["slope"]) if zero else abs(fit["slope"] - p)
    ts = [mpmath.mpf(t.numerator) / t.denominator for t in etas]
    size = max([v / t ** p for v, t in zip(m["e"][key], ts)] + [m["floor"]])
    rc = abs(fit["const"]) / size if zero else abs(fit["const"] - pred) / pred
    return {"p": p, "zero": zero, "fit": fit, "pred": pred, "rs": rs, "rc": rc, "mixed": mixed,
            "c1": c1, "c2": c2}


def _measure_evidence(key: str, m1: dict, m2: dict, dps: int) -> list[Evidence]:
    what, cnames = _DEV[key]
    a, b = _measure_residuals(key, m1), _measure_residuals(key, m2)
    cname = cnames[a["p"] - 1]
    n = lambda v: None if v is None else mpmath.nstr(v, 8)
    det = {"kind": "measurement", "etas": [str(t) for t in m1["etas"][key]],
           "e": [mpmath.nstr(v, 6) for v in m1["e"][key]], "confirm_dps": dps + CONFIRM_EXTRA_DPS,
           "predicted_constant_zero": a["zero"], "below_floor": a["fit"]["below_floor"]}
    zero_note = (" — predicted constant 0: the deviation is of higher order, slope ≥ "
                 f"{a['p']} − tol asked") if a["zero"] else ""
    if a["mixed"] or b["mixed"]:
        return _mixed_evidence(key, what, a, det, dps)
    out = []
    st, reason, why = _judge_pair(a["rs"], b["rs"], SLOPE_TOL)
    rng = f"η = {m1['etas'][key][0]}…{m1['etas'][key][-1]}"
    out.append(Evidence(Level.MPMATH, f"{what}: least-squares slope of log e against log η "
                        f"({rng}) equals {a['p']}{zero_note}", a["rs"], SLOPE_TOL, st,
                        dps, {**det, "fitted": n(a["fit"]["slope"]), "expected": a["p"],
                              "tolerance": SLOPE_TOL,
                              "confirm_fitted": n(b["fit"]["slope"])},
                        key=f"slope_{key}", reason=reason, why=why))
    st, reason, why = _judge_pair(a["rc"], b["rc"], CONST_TOL)
    out.append(Evidence(Level.MPMATH, f"{what}: the constant c of e/η^{a['p']} = c + aη + bη² "
                        f"(least squares) equals {cname if not a['zero'] else '0'} (residual "
                        f"relative)", a["rc"], CONST_TOL, st, dps,
                        {**det, "fitted": n(a["fit"]["const"]), "expected": n(a["pred"]),
                         "tolerance": CONST_TOL, "confirm_fitted": n(b["fit"]["const"])},
                        key=f"const_{key}", reason=reason, why=why))
    return out


def _mixed_evidence(key: str, what: str, a: dict, det: dict, dps: int) -> list[Evidence]:
    """Where the first-order constant c₁ > 0 is not ≥ DOMINANCE·c₂·η_max, the first- and
    second-order terms are comparable over the η range: neither slope is predicted."""
    why = (f"the first-order constant {mpmath.nstr(a['c1'], 3)} and the second-order one "
           f"{mpmath.nstr(a['c2'], 3)} are comparable over the η range (c₁ < {DOMINANCE}·c₂·"
           f"η_max): the fitted order and constant would mean nothing here")
    return [Evidence(Level.MPMATH, f"{what}: {kind} of the fit", None, tol,
                     Status.INCONCLUSIVE, dps, det, key=f"{kind}_{key}",
                     reason=Reason.NUMERICS, why=why)
            for kind, tol in (("slope", SLOPE_TOL), ("const", CONST_TOL))]


# ---- the doc's exact example ---------------------------------------------------------------

def _poly_residual(expr) -> Fraction:
    """max |coefficient| of a polynomial in η (0 iff the polynomial vanishes)."""
    e = sp.expand(expr)
    if e == 0:
        return Fraction(0)
    free = sorted(e.free_symbols, key=str)
    cs = sp.Poly(e, *free).coeffs() if free else [e]
    return max(abs(Fraction(int(sp.Rational(c).p), int(sp.Rational(c).q))) for c in cs)


def _example_series(direction_fn) -> dict:
    """x₊(η) of both steps on the doc's example, and the deviations, as SymPy expressions."""
    prob, theta = example_problem()
    eta = sp.Symbol("eta")
    pd = prob.at(theta, "exact")
    x = [sp.Rational(_rat(v)) for v in pd.x.entries()]
    u = [sp.Rational(_rat(v)) for v in (pd.y - pd.x).entries()]
    uu = sum(a * a for a in u)
    out = {}
    for tag, kind in (("gn", "gauss_newton"), ("gd", "gradient")):
        d = [_rat(v) for v in _direction(direction_fn, pd, prob.N, kind).entries()]
        xp = _sympy_along(prob, theta, d, eta)
        w = [a - b for a, b in zip(xp, x)]
        out[f"{tag}_x"] = xp
        out[f"{tag}_pt2"] = sum((a - eta * b) ** 2 for a, b in zip(w, u))
        out[f"{tag}_line2"] = sum(a * a for a in w) - sum(a * b for a, b in zip(u, w)) ** 2 / uu
    return {"eta": eta, **out}


def _example(direction_fn) -> list[Evidence]:
    """The doc's example, exactly: the computed x₊(η) and deviations against the closed forms."""
    s = _example_series(direction_fn)
    eta = s["eta"]
    want = {"gn_x": ([1 - eta + eta ** 2, 1 - eta], "GN x₊ = (1 − η + η², 1 − η)"),
            "gn_pt": (eta ** 4, "GN e_pt² = η⁴ (e_pt = η² = (η²/2)|h|, h = (2, 0))"),
            "gn_line": (eta ** 4 / 2, "GN e_line² = η⁴/2 (e_line = η²/√2 = (η²/2)|Π^⊥h|)"),
            "gd_x": ([1 - 7 * eta + 9 * eta ** 2, 1 - 3 * eta],
                     "GD x₊ = (1 − 7η + 9η², 1 − 3η)"),
            "gd_line": ((9 * eta ** 2 - 4 * eta) ** 2 / 2,
                        "GD e_line² = (9η² − 4η)²/2 (first order: 2√2·η + O(η²))")}
    got = {"gn_x": s["gn_x"], "gn_pt": s["gn_pt2"], "gn_line": s["gn_line2"],
           "gd_x": s["gd_x"], "gd_line": s["gd_line2"]}
    evs = []
    for key, (w, text) in want.items():
        g = got[key]
        r = max(_poly_residual(a - b) for a, b in zip(g, w)) if isinstance(w, list) \
            else _poly_residual(g - w)
        shown = [str(sp.expand(v)) for v in g] if isinstance(g, list) else str(sp.expand(g))
        evs.append(Evidence(Level.EXACT, f"doc example x[θ] = (θ₁ + θ₂², θ₂), θ = (0, 1), "
                            f"y = 0: {text} as polynomials in η (computed: {shown})", r, 0,
                            Status.VERIFIED if r == 0 else Status.REFUTED, None,
                            {"kind": "zero", "computed": shown}, key=f"example.{key}"))
    return evs


# ---- the check ------------------------------------------------------------------------------

def check_c15(entry, *, dps: int = 30, level: Level = Level.EXACT, progress=None,
              direction_fn: Callable[[PointData, int, str], Mat] | None = None,
              n_points: int = N_RANDOM, measure_dps: int | None = None) -> list[Evidence]:
    """C15 on ``entry`` (see the module docstring): the η-coefficients at sample points (exact
    or balls), the SymPy Taylor coefficients (rational networks), the step maps, the
    measurement at θ₀ (mpmath at ``measure_dps``, default ``dps``, and ``+ 20``) and the doc's
    example."""
    level = Level.parse(level)
    prob = entry.problem
    pts = sample_points(entry, n_points, "C15")
    evs = _run(entry, level, dps, pts, _pointwise_fn(prob, direction_fn), {
        "gn_first": "GN: the η-coefficient D·Δ of x[θ + ηΔ] equals u = y − x (x₊ = x + ηu + "
                    "O(η²))",
        "gd_first": "GD: the η-coefficient D·Δ of x[θ + ηDᵀu] equals Gu = DDᵀu"})
    be = backend(level)   # the step maps return numbers Problem.at takes: not balls
    evs += _run(entry, level if be.exact or be.integrates else Level.MPMATH, dps, pts,
                _step_map_fn(prob, direction_fn),
                {"gn_map": "gauss_newton_step(θ, 1/3) = θ + Δ_GN/3 (the library's GN step)",
                 "gd_map": "gradient_step(θ, 1/3) = θ + Δ_GD/3 (the library's GD step)"})
    if prob.rational and backend(level).exact and entry.full_rank:   # it inverts DDᵀ
        evs += _run(entry, level, dps, pts, _sympy_fn(prob, direction_fn), {
            "sympy_gn_first": "GN: η-coefficient of the SymPy x[θ + ηΔ] (derivative at η = 0) "
                              "equals u",
            "sympy_gn_second": "GN: η²-coefficient of the SymPy x[θ + ηΔ] equals h/2, "
                               "h_i = δᵀ∇²x_iδ (SymPy Hessians, δ = Dᵀ(DDᵀ)⁻¹u)",
            "sympy_gd_first": "GD: η-coefficient of the SymPy x[θ + ηDᵀu] equals Gu"})
    md = measure_dps or dps
    rest = _at_rest(prob, entry.theta0, md)
    if rest is not None:
        return evs + [rest] + _example(direction_fn)
    try:
        m1 = measure(prob, entry.theta0, md, direction_fn)
        m2 = measure(prob, entry.theta0, md + CONFIRM_EXTRA_DPS, direction_fn)
    except NotSmooth as exc:
        return evs + [Evidence(Level.MPMATH, "the measurement at θ₀: the predicted constants "
                               "need ∂²x at θ₀", None, None, Status.INCONCLUSIVE, md,
                               {"kind": "measurement"}, key="measure",
                               reason=Reason.HYPOTHESIS,
                               why=f"x is not C² at θ₀ ({exc})")] + _example(direction_fn)
    for key in _DEV:
        evs += _measure_evidence(key, m1, m2, md)
    return evs + _example(direction_fn)


def _at_rest(prob: Problem, theta0, dps: int) -> "Evidence | None":
    """None, or — where x(θ₀) = y — why the measurement has nothing to measure: u = 0, no line
    through x and y, and both steps stay at θ₀ (the statement assumes u ≠ 0)."""
    with working_precision(dps):
        pd = prob.at(theta0, "mpmath", dps)
        size = _norm((pd.y - pd.x).entries())
    if size > 0:
        return None
    return Evidence(Level.MPMATH, "the measurement at θ₀: x(θ₀) = y, so u = 0 — no line "
                    "through x and y, and both steps stay at θ₀", None, None,
                    Status.INCONCLUSIVE, dps, {"kind": "measurement"}, key="measure",
                    reason=Reason.HYPOTHESIS, why="C15 assumes u = y − x ≠ 0 at θ₀")


claim_check("C15")(check_c15)


if __name__ == "__main__":
    from ._main import main

    raise SystemExit(main("C15"))
