"""C17 — Gauss–Newton convergence: local only (docs/theory.md §7, beyond the paper); and
C17-GLOBAL, the global wording (a documented counterexample).

GN with η = 1: θ_{k+1} = θ_k + D_k⁺(y − x_k), r_k := x[θ_k] − y. Taylor with integral remainder
along the step δ_k = −D_k⁺r_k gives, at full rank (D_kδ_k = −r_k),

    r_{k+1} = ∫₀¹(1 − τ)∂²x[θ_k + τδ_k][δ_k, δ_k]dτ,   |r_{k+1}| ≤ (M/2)β²|r_k|² = c|r_k|²,

so close enough to a full-rank zero-loss point (h₀ = c|r₀| < 1, β|r₀|/(1 − h₀) ≤ ρ) the
residuals converge quadratically; the order is exactly 2 when ½∂²x[θ_∞][D⁺r_k, D⁺r_k] does not
vanish, higher when it does.

Checks of C17 (:func:`check_c17`, L2 and full rank at θ₀; a measurement at mpmath):

``converged``  from θ₀, GN (:func:`symflow.flows.steps.iterate`) at ``C17_DPS`` digits reaches
    |r_k| ≤ 10^(10 − dps) within ``n_max`` steps. Not reaching it is *inconclusive* (the local
    hypothesis "θ₀ close enough" is not met), never a refutation.
``order``  the order estimates over the residuals above that floor: q_k = log|r_{k+1}|/log|r_k|
    (→ m for r_{k+1} = c_k r_k^m with bounded c_k, :func:`order_estimates`) decide; verified
    when the last is ≥ 2 − ``ORDER_TOL`` in the run and in the re-run at ``C17_DPS + 40``
    digits, refuted when it is < 2 − ``ORDER_TOL`` in both (a converged run of order < 2 would
    be a finding); ``details["kind"] = "measurement"``, with every q_k, the doc's
    p_k = log(|r_{k+1}|/|r_k|)/log(|r_k|/|r_{k−1}|) and |r_{k+1}|/|r_k|² (p_k fluctuates
    around 2 when K > QN, since r_{k+1}/|r_k|² depends on the direction of r_k). An order ≈ 3
    (last q ≥ 2.5) is reported as a vanishing second-order term.
``confirm``  the estimates q_k of the two runs agree (max difference ≤ 10⁻⁶).
``example.arctan_order3``, ``example.arctan_ratio``  x[θ] = arctan θ, y = 0, θ₀ = 1/2 (200
    digits): ∂²x(0) = 0, so the order is 3 and |r_{k+1}|/|r_k|³ → 2/3 (θ₊ = −(2/3)θ³ + O(θ⁵)).
``example.expm1_order2``, ``example.expm1_ratio``  x[θ] = e^θ − 1, y = 0, θ₀ = 1/2: order 2 and
    |r_{k+1}|/|r_k|² → ½|x''|·|D⁺|² = 1/2 at θ = 0.

C17-GLOBAL (:func:`check_c17_global`, ``expect=refuted``): "at full rank the η = 1 iterates
converge to a zero-loss point", on x[θ] = arctan θ (D = 1/(1 + θ²) > 0 everywhere), y = 0,
θ₀ = 2, six steps at 50 digits (and 90): ``full_rank`` D_k > 0 at every iterate (verified);
``converges`` the conclusion — refuted when C_k increases at every step (C_k ≥ C₀ > 0, so no
subsequence reaches zero loss) with |θ_k| increasing and alternating in sign; ``limit``
|C₆ − π²/8| ≤ 10⁻⁹ (the supremum of C); ``two_cycle`` the root θ_c of 2θ = (1 + θ²)arctan θ is
sent to −θ_c.

``pinv_fn(D)`` replaces D⁺ in the GN step (tests feed a wrong one).
"""

from __future__ import annotations

from fractions import Fraction
from functools import lru_cache, partial
from typing import Any, Callable

import mpmath
import sympy as sp

from ..backends.arith import working_precision
from ..backends.levels import Level
from ..core.models import model
from ..core.problem import Problem
from ..flows.steps import gauss_newton_step, iterate
from .evidence import Evidence, Reason, Status, supporting
from .registry import claim_check, register

__all__ = ["C17_DPS", "CONFIRM_DPS", "ORDER_TOL", "C17_GLOBAL_FINDING", "arctan_problem",
           "expm1_problem", "gn_residuals", "order_estimates", "check_c17", "check_c17_global"]

#: Working digits of the GN runs (quadratic convergence exhausts them in a few steps).
C17_DPS = 80
#: Extra digits of the confirming re-run.
CONFIRM_DPS = 40
#: Tolerance of the order estimates (the estimates tell 1 from 2 from 3).
ORDER_TOL = 0.05
N_MAX = 40

register("C17", "Gauss–Newton convergence: local",
         "L2, full rank: close enough to a zero-loss point with D of full rank (h₀ = c|r₀| < 1, "
         "β|r₀|/(1 − h₀) ≤ ρ, c = Mβ²/2) the Gauss–Newton iterates θ_{k+1} = θ_k + "
         "D_k⁺(y − x_k) converge to a zero-loss point with c|r_{k+1}| ≤ (c|r_k|)²: order at "
         "least 2 (exactly 2 unless ∂²x[D⁺r, D⁺r] vanishes at the limit).",
         "beyond the paper: §7 of docs/theory.md (C17)", needs=("l2", "full_rank"))

#: Why the global wording of C17 is kept as a documented counterexample (C17-GLOBAL).
C17_GLOBAL_FINDING = (
    "FINDING: 'at full rank the η = 1 Gauss–Newton iterates converge to a zero-loss point' is "
    "false without a closeness hypothesis, even with full rank everywhere: x[θ] = arctan θ, "
    "y = 0 (D = 1/(1 + θ²) > 0), GN is Newton's method on arctan, θ₊ = θ − (1 + θ²)arctan θ; "
    "from θ₀ = 2 the iterates alternate in sign with |θ_k| → ∞ and the loss increases at every "
    "step towards π²/8, the supremum of C. The local statement C17 holds.")

register("C17-GLOBAL", "Gauss–Newton convergence, global wording (documented counterexample)",
         "At full rank the η = 1 Gauss–Newton iterates converge to a zero-loss point — expected "
         "to be REFUTED by x[θ] = arctan θ, y = 0, θ₀ = 2 (a finding, not a failure).",
         "beyond the paper: §7 of docs/theory.md (C17, FINDING)", scope="global",
         expect=Status.REFUTED, finding=C17_GLOBAL_FINDING)


def arctan_problem() -> Problem:
    """x[θ] = arctan θ on one (unused) input, target y = 0: D = 1/(1 + θ²) > 0 everywhere."""
    t, w = sp.symbols("t w")
    return Problem(model([sp.atan(t)], [t], [w], name="arctan"), [[0]], [[0]], "l2",
                   name="arctan-l2")


def expm1_problem() -> Problem:
    """x[θ] = e^θ − 1 on one (unused) input, y = 0: D = e^θ > 0, r₊ = r²/2 + O(r³)."""
    t, w = sp.symbols("t w")
    return Problem(model([sp.exp(t) - 1], [t], [w], name="expm1"), [[0]], [[0]], "l2",
                   name="expm1-l2")


def gn_residuals(problem: Problem, theta0, dps: int, n_max: int = N_MAX, pinv_fn=None,
                 progress=None) -> dict:
    """GN (η = 1) from θ₀ at ``dps`` digits until |r_k| ≤ 10^(10 − dps) or ``n_max`` steps:
    the iterates, |r_k| and whether the floor was reached."""
    floor = mpmath.mpf(10) ** (10 - dps)
    step = partial(gauss_newton_step, pinv_fn=pinv_fn) if pinv_fn is not None \
        else gauss_newton_step
    with working_precision(dps):
        its = iterate(problem, theta0, step, 1, n_max=n_max, level="mpmath", dps=dps,
                      stop=lambda it: it.residual_sq <= floor ** 2, progress=progress)
        r = [mpmath.sqrt(it.residual_sq) for it in its]
    return {"iterates": its, "r": r, "floor": floor, "converged": r[-1] <= floor, "dps": dps}


def order_estimates(r: list, floor, power: int = 2) -> dict:
    """Over the residuals above ``floor``: p_k = log(r_{k+1}/r_k)/log(r_k/r_{k−1}), the
    estimates q_k = log r_{k+1}/log r_k (for r_k < 1) and the ratios r_{k+1}/r_k^power.

    If r_{k+1} = c_k r_k^m, then q_k = m + log c_k/log r_k → m as r_k → 0 for any bounded
    c_k > 0, while p_k = m + log(c_k/c_{k−1})/log(r_k/r_{k−1}) moves with the ratio c_k/c_{k−1}
    — which does change from step to step when K > QN (r_{k+1} ≈ ½∂²x[D⁺r_k, D⁺r_k] depends
    on the direction of r_k)."""
    above = [v for v in r if v > floor]
    ps, ratios = [], []
    qs = [mpmath.log(above[k + 1]) / mpmath.log(above[k]) for k in range(len(above) - 1)
          if 0 < above[k] < 1 and above[k + 1] > 0]
    for k in range(1, len(above) - 1):
        a, b, c = above[k - 1], above[k], above[k + 1]
        if a > 0 and b > 0 and c > 0 and a != b:
            ps.append(mpmath.log(c / b) / mpmath.log(b / a))
    for k in range(len(above) - 1):
        if above[k] > 0:
            ratios.append(above[k + 1] / above[k] ** power)
    return {"p": ps, "q": qs, "ratios": ratios, "q_bound": _q_bound(r, above, floor)}


def _q_bound(r: list, above: list, floor) -> Any:
    """A lower bound of the last order estimate when the step after the last residual above
    ``floor`` lands at or below it: r_{k+1} ≤ floor gives q_k = log r_{k+1}/log r_k ≥
    log floor/log r_k (r_k < 1). It is what remains measurable when GN terminates within a step
    or two (a model linear in θ: one exact step to y). None if no such step."""
    if not above or len(r) <= len(above) or not 0 < above[-1] < 1:
        return None
    return mpmath.log(floor) / mpmath.log(above[-1])


def _n(v, k: int = 8) -> str:
    return mpmath.nstr(v, k)


def _order_status(p1: list, p2: list, target: int) -> tuple[Status, Reason | None, str, Any]:
    """Last order estimate ≥ target − ORDER_TOL in both runs: verified; < in both: refuted."""
    if not p1 or not p2:
        return (Status.INCONCLUSIVE, Reason.NUMERICS, "fewer than three residuals above the "
                "precision floor: no order estimate", None)
    r1, r2 = max(0, target - p1[-1]), max(0, target - p2[-1])
    if r1 <= ORDER_TOL and r2 <= ORDER_TOL:
        return Status.VERIFIED, None, "", r1
    if r1 > ORDER_TOL and r2 > ORDER_TOL:
        return Status.REFUTED, None, "", r1
    return (Status.INCONCLUSIVE, Reason.PRECISION, f"the runs disagree: last estimates "
            f"{_n(p1[-1], 6)} and {_n(p2[-1], 6)}", r1)


def _order_evidence(a: dict, b: dict, key: str, what: str, dps: int) -> Evidence:
    """The order measurement of runs ``a`` (``dps``) and ``b`` (confirming) as one Evidence."""
    oa, ob = order_estimates(a["r"], a["floor"]), order_estimates(b["r"], b["floor"])
    bounded = not (oa["q"] and ob["q"]) and None not in (oa["q_bound"], ob["q_bound"])
    if bounded:   # too few residuals above the floor: the bound of the last estimate decides
        oa["q"], ob["q"] = oa["q"] + [oa["q_bound"]], ob["q"] + [ob["q_bound"]]
    st, reason, why, res = _order_status(oa["q"], ob["q"], 2)
    if bounded and st is Status.REFUTED:   # a lower bound below 2 says nothing about the order
        st, reason, why = (Status.INCONCLUSIVE, Reason.NUMERICS, "GN terminated within a step "
                           "or two and the lower bound log(floor)/log|r_k| of the last order "
                           "estimate is below 2: too few residuals to measure the order")
    third = bool(oa["q"]) and oa["q"][-1] >= 2.5
    note = (" — order ≈ 3 measured: the second-order term ∂²x[D⁺r, D⁺r] vanishes at the "
            "limit" if third else "")
    det = {"kind": "measurement", "fitted": _n(oa["q"][-1]) if oa["q"] else None,
           "expected": "≥ 2", "tolerance": ORDER_TOL,
           "order_estimates_q": [_n(q) for q in oa["q"]],
           "order_estimates": [_n(p) for p in oa["p"]],
           "ratio_r_next_over_r_sq": [_n(v) for v in oa["ratios"]],
           "residuals": [_n(v, 5) for v in a["r"]], "steps": len(a["r"]) - 1,
           "confirm_dps": b["dps"], "confirm_fitted": _n(ob["q"][-1]) if ob["q"] else None}
    if bounded:
        note = (f" — the step after |r_k| = {_n(a['r'][len(oa['ratios'])], 5)} lands below the "
                f"floor, so q_k ≥ log(floor)/log|r_k| (a lower bound; GN terminated)")
        det["q_is_lower_bound"] = True
    if st is Status.REFUTED:
        note = " — FINDING: converged with order < 2"
    return Evidence(Level.MPMATH, f"{what}: the last order estimate q_k = log|r_k+1|/log|r_k| "
                    f"is ≥ 2 − {ORDER_TOL}{note} (p_k = log(|r_k+1|/|r_k|)/log(|r_k|/|r_k−1|) "
                    f"in the details)", res, ORDER_TOL, st, dps,
                    det, key=key, reason=reason, why=why)


def _confirm_evidence(a: dict, b: dict, key: str, what: str, dps: int) -> Evidence:
    oa, ob = order_estimates(a["r"], a["floor"]), order_estimates(b["r"], b["floor"])
    pa, pb = oa["q"], ob["q"]
    common = min(len(pa), len(pb))
    if not common and None not in (oa["q_bound"], ob["q_bound"]):
        return _confirm_termination(a, b, key, what, dps)
    diff = max((abs(x - y) for x, y in zip(pa[:common], pb[:common])), default=None)
    tol = mpmath.mpf(10) ** -6
    ok = diff is not None and diff <= tol
    return Evidence(Level.MPMATH, f"{what}: the order estimates at {dps} and {b['dps']} digits "
                    f"agree on their {common} common steps", diff, tol,
                    Status.VERIFIED if ok else Status.INCONCLUSIVE, dps,
                    {"estimates_high": [_n(p) for p in pb]}, key=key,
                    reason=None if ok else Reason.PRECISION,
                    why="" if ok else "the re-run at higher precision does not confirm the "
                                      "order estimates")


def _confirm_termination(a: dict, b: dict, key: str, what: str, dps: int) -> Evidence:
    """Both runs terminate (land below their floors) after the same number of steps, with the
    residuals before that step agreeing to 10⁻⁶ (relative)."""
    ra, rb = [v for v in a["r"] if v > a["floor"]], [v for v in b["r"] if v > b["floor"]]
    same = len(ra) == len(rb)
    diff = max((abs(x - y) / abs(y) for x, y in zip(ra, rb)), default=mpmath.mpf(0))
    tol = mpmath.mpf(10) ** -6
    ok = same and diff <= tol
    return Evidence(Level.MPMATH, f"{what}: at {dps} and {b['dps']} digits GN lands below the "
                    f"floor after the same step ({len(ra)} residuals above it in each run), "
                    f"those residuals agreeing", diff, tol,
                    Status.VERIFIED if ok else Status.INCONCLUSIVE, dps,
                    {"steps_above_floor": [len(ra), len(rb)]}, key=key,
                    reason=None if ok else Reason.PRECISION,
                    why="" if ok else "the re-run at higher precision terminates differently")


def check_c17(entry, *, dps: int = 30, level: Level = Level.MPMATH, progress=None,
              pinv_fn: Callable | None = None, n_max: int = N_MAX,
              run_dps: int | None = None) -> list[Evidence]:
    """C17 on ``entry`` (see the module docstring): GN from θ₀, its order, the re-run, and the
    arctan / e^θ − 1 examples."""
    wd = run_dps or max(C17_DPS, dps)
    a = gn_residuals(entry.problem, entry.theta0, wd, n_max, pinv_fn, progress)
    what = f"GN (η = 1) from θ₀ of {entry.name}"
    conv = Evidence(Level.MPMATH, f"{what} reaches |r_k| ≤ 10^(10 − {wd}) within {n_max} steps",
                    a["r"][-1], a["floor"],
                    Status.VERIFIED if a["converged"] else Status.INCONCLUSIVE, wd,
                    {"steps": len(a["r"]) - 1, "residuals": [_n(v, 5) for v in a["r"]]},
                    key="converged", reason=None if a["converged"] else Reason.HYPOTHESIS,
                    why="" if a["converged"] else "no convergence from θ₀: the local hypothesis "
                    "(θ₀ close enough to a full-rank zero-loss point) is not met; not a "
                    "refutation")
    if not a["converged"]:
        return [conv] + _examples()
    if len(a["r"]) == 1:     # |r₀| already at the floor: θ₀ is a zero-loss point
        return [conv, Evidence(Level.MPMATH, f"{what}: θ₀ is already a zero-loss point "
                               f"(|r₀| ≤ 10^(10 − {wd})): there are no iterates to measure an "
                               f"order on", None, ORDER_TOL, Status.INCONCLUSIVE, wd,
                               {"kind": "measurement", "residuals": [_n(a["r"][0], 5)]},
                               key="order", reason=Reason.HYPOTHESIS,
                               why="C17 measures convergence towards a zero-loss point from a "
                                   "point that is not one")] + _examples()
    b = gn_residuals(entry.problem, entry.theta0, wd + CONFIRM_DPS, n_max, pinv_fn)
    return [conv, _order_evidence(a, b, "order", what, wd),
            _confirm_evidence(a, b, "confirm", what, wd)] + _examples()


def _ratio_evidence(a: dict, b: dict, power: int, limit: Fraction, key: str, what: str
                    ) -> Evidence:
    """The last |r_{k+1}|/|r_k|^power of both runs within 10⁻³ (relative) of ``limit``."""
    ra = order_estimates(a["r"], a["floor"], power)["ratios"]
    rb = order_estimates(b["r"], b["floor"], power)["ratios"]
    lim = mpmath.mpf(limit.numerator) / limit.denominator
    tol = mpmath.mpf(10) ** -3
    r1, r2 = abs(ra[-1] - lim) / lim, abs(rb[-1] - lim) / lim
    st = (Status.VERIFIED if r1 <= tol and r2 <= tol else
          Status.REFUTED if r1 > tol and r2 > tol else Status.INCONCLUSIVE)
    return Evidence(Level.MPMATH, f"{what}: |r_k+1|/|r_k|^{power} → {limit} (last value, "
                    f"relative residual)", r1, tol, st, a["dps"],
                    {"kind": "measurement", "fitted": _n(ra[-1]), "expected": str(limit),
                     "tolerance": str(tol), "ratios": [_n(v) for v in ra],
                     "confirm_dps": b["dps"], "confirm_fitted": _n(rb[-1])}, key=key,
                    reason=None if st is not Status.INCONCLUSIVE else Reason.PRECISION,
                    why="" if st is not Status.INCONCLUSIVE else "the two runs disagree")


def _examples(dps: int = 200) -> list[Evidence]:
    """arctan θ (order 3, ratio → 2/3) and e^θ − 1 (order 2, ratio → 1/2) from θ₀ = 1/2 —
    the same for every problem, so computed once per process and precision."""
    return list(_example_evidence(dps))


@lru_cache(maxsize=4)
def _example_evidence(dps: int) -> tuple[Evidence, ...]:
    out = []
    for name, prob, order, limit in (("arctan", arctan_problem(), 3, Fraction(2, 3)),
                                     ("expm1", expm1_problem(), 2, Fraction(1, 2))):
        what = f"GN on x[θ] = {'arctan θ' if name == 'arctan' else 'e^θ − 1'}, y = 0, θ₀ = 1/2"
        a = gn_residuals(prob, [Fraction(1, 2)], dps)
        b = gn_residuals(prob, [Fraction(1, 2)], dps + CONFIRM_DPS)
        pa, pb = (order_estimates(r["r"], r["floor"])["p"] for r in (a, b))
        r1, r2 = abs(pa[-1] - order), abs(pb[-1] - order)
        st = (Status.VERIFIED if r1 <= ORDER_TOL and r2 <= ORDER_TOL else
              Status.REFUTED if r1 > ORDER_TOL and r2 > ORDER_TOL else Status.INCONCLUSIVE)
        out.append(Evidence(Level.MPMATH, f"{what}: the order estimates settle at {order}",
                            r1, ORDER_TOL, st, dps,
                            {"kind": "measurement", "fitted": _n(pa[-1]), "expected": order,
                             "tolerance": ORDER_TOL, "order_estimates": [_n(p) for p in pa],
                             "confirm_dps": b["dps"], "confirm_fitted": _n(pb[-1])},
                            key=f"example.{name}_order{order}",
                            reason=None if st is not Status.INCONCLUSIVE else Reason.PRECISION,
                            why="" if st is not Status.INCONCLUSIVE else "the runs disagree"))
        out.append(_ratio_evidence(a, b, order, limit, f"example.{name}_ratio", what))
    return tuple(out)


# ---- C17-GLOBAL -----------------------------------------------------------------------------

def _divergence(dps: int, theta0=2, steps: int = 6) -> dict:
    """GN on arctan from θ₀: θ_k, C_k, D_k and whether the run diverges as the doc says."""
    prob = arctan_problem()
    with working_precision(dps):
        its = iterate(prob, [theta0], "gauss_newton", 1, n_max=steps, level="mpmath", dps=dps)
        th = [it.theta[0] for it in its]
        C = [it.cost for it in its]
        Ds = [prob.at([t], "mpmath", dps).D[0, 0] for t in th]
        rising = all(C[k + 1] > C[k] for k in range(steps))
        growing = all(abs(th[k + 1]) > abs(th[k]) and th[k + 1] * th[k] < 0
                      for k in range(steps))
        gap = abs(C[-1] - mpmath.pi ** 2 / 8)
    return {"theta": th, "C": C, "D": Ds, "rising": rising, "growing": growing, "gap": gap,
            "dps": dps}


def _two_cycle(dps: int) -> Any:
    """|g(θ_c) + θ_c| for the positive root θ_c of 2θ = (1 + θ²)arctan θ (g the GN map)."""
    prob = arctan_problem()
    with working_precision(dps):
        tc = mpmath.findroot(lambda t: 2 * t - (1 + t * t) * mpmath.atan(t), mpmath.mpf("1.4"))
        g = gauss_newton_step(prob, [tc], 1, level="mpmath", dps=dps)[0]
        return tc, abs(g + tc)


def check_c17_global(entry=None, *, dps: int = 30, level: Level = Level.MPMATH, progress=None,
                     theta0: Any = 2) -> list[Evidence]:
    """C17-GLOBAL (expected refuted): the arctan counterexample from ``theta0`` (default 2), at
    50 digits and again at 90 (see the module docstring)."""
    a, b = _divergence(50, theta0), _divergence(90, theta0)
    tol = mpmath.mpf(10) ** -9
    Dmin = min(a["D"])
    diverges = a["rising"] and a["growing"] and b["rising"] and b["growing"]
    det = {"theta": [_n(t, 11) for t in a["theta"]], "C": [_n(c, 10) for c in a["C"]],
           "confirm_dps": b["dps"], "counterexample": True}
    tc, cyc = _two_cycle(50)
    converged = a["C"][-1] <= tol and b["C"][-1] <= tol
    status = (Status.REFUTED if diverges else Status.VERIFIED if converged
              else Status.INCONCLUSIVE)
    return [_global_converges(theta0, a, diverges, status, det)] + supporting([
        Evidence(Level.MPMATH, "x[θ] = arctan θ: D = 1/(1 + θ²) > 0 at every iterate (full rank "
                 "everywhere: the hypothesis of the global wording holds)", Dmin, 0,
                 Status.VERIFIED if Dmin > 0 else Status.REFUTED, 50,
                 {"D": [_n(d, 6) for d in a["D"]]}, key="full_rank"),
        Evidence(Level.MPMATH, "… and C_6 is within 10⁻⁹ of π²/8, the supremum of C",
                 a["gap"], tol, Status.VERIFIED if a["gap"] <= tol and b["gap"] <= tol
                 else Status.REFUTED, 50, {"C_6": _n(a["C"][-1], 15)}, key="limit"),
        Evidence(Level.MPMATH, f"the boundary θ_c = {_n(tc, 20)} (root of 2θ = (1 + θ²)arctan "
                 f"θ) is a 2-cycle: GN sends θ_c to −θ_c", cyc, mpmath.mpf(10) ** -40,
                 Status.VERIFIED if cyc <= mpmath.mpf(10) ** -40 else Status.REFUTED, 50,
                 {"theta_c": _n(tc, 25)}, key="two_cycle"),
    ])


def _global_converges(theta0, a: dict, diverges: bool, status: Status, det: dict) -> Evidence:
    """The comparison that must fail: "GN converges to a zero-loss point" from θ₀. Refuted when
    the iterates diverge as documented (both precisions), verified — the counterexample broken
    — when they reach zero loss (C_6 ≤ 10⁻⁹), inconclusive otherwise."""
    return Evidence(Level.MPMATH, f"GN (η = 1) on arctan θ, y = 0, from θ₀ = {theta0} converges "
                    f"to a zero-loss point (the global wording; computed: C_k increases at "
                    f"every step, |θ_k| grows with alternating sign: {diverges})", a["C"][-1], 0,
                    status, 50, det, key="converges",
                    reason=Reason.NUMERICS if status is Status.INCONCLUSIVE else None,
                    why="the iterates show neither the documented divergence nor convergence"
                    if status is Status.INCONCLUSIVE else "")


claim_check("C17")(check_c17)
claim_check("C17-GLOBAL")(check_c17_global)


if __name__ == "__main__":
    from ._main import main

    raise SystemExit(main("C17,C17-GLOBAL"))
