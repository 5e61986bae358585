"""C12 — constant P: the closed form, and when the standard flow is straight (docs/theory.md §7).

For a model linear in θ (x[θ] = Aθ + b, so D = A, P = DD⁺ and Θ = DDᵀ are constant) with the
L2 loss, t = 1 − e^{−s/N}, w = x(0) − y:

(a)  the adapted flow is x(t) = (1 − t)x(0) + t(Py + P^⊥x(0)), the solution of
     dx/dt = −P(x − y)/(1 − t), x(0) = x[θ₀]; C → |P^⊥w|²/(2N) as t → 1, and the end point is
     the output closest to y (Dᵀ(y − x(1)) = 0);
(b)  the standard flow is x(s) = y + e^{−sΘ/N}w = y + Σ_μ e^{−μs/N}v_μ (v_μ the part of w in the
     eigenspace E_μ of Θ), and, for w ≠ 0,
     (i)  x(s) stays on the line through x(0) and y ⇔ w lies in one eigenspace ⇔
          rank[w, Θw] = 1 (then x(s) = y + e^{−μs/N}w);
     (ii) x(s) stays on some straight line ⇔ w ∈ E_μ ⊕ ker Θ for one μ > 0 (or w ∈ ker Θ) ⇔
          rank[Θw, Θ²w] ≤ 1.

**C12-EIGENSPACE** keeps the old wording "the standard flow runs along a reparametrized
straight line iff w lies in one eigenspace of Θ" as a documented counterexample: on x[θ] =
(θ, 0), y = (0, −1) it is false in both readings (θ(0) = 1: a straight segment, w in no
eigenspace; θ(0) = 0: w ∈ ker Θ, one eigenspace, and the outputs never move towards y).

Checks of C12 (:func:`check_c12`), keys:

``a.start``, ``a.ode``, ``a.limit``, ``a.closest`` (exact, SymPy; P from a column basis of the
    constant D) the closed form starts at x[θ₀] and satisfies dx/dt = −P(x − y)/(1 − t) as an
    identity in the symbol t; lim_{t→1} C = |P^⊥w|²/(2N); Dᵀ(y − x(1)) = 0.
``b.eigenspaces`` (exact) on the problem's w: the two rank tests agree with the eigenspaces
    w meets (:func:`eigen_parts`: the irreducible factors over Q of Θ's characteristic
    polynomial, no radicals; v_μ = orthogonal projection of w onto E_μ for rational μ).
``cases.*`` (exact) constructed rational data Θ = U diag(3, 1, 0)Uᵀ (U a Cayley rotation) and
    w inside E₃, inside ker Θ, in E₃ ⊕ ker Θ, in E₃ ⊕ E₁, in all three: for each, the rank
    test, the eigenspace count and the exact path e^{−sΘ/N}w (SymPy's matrix exponential;
    straightness by 2 × 2 minors in symbols s, s₁, s₂) agree, for (i) and for (ii); on the
    one-eigenspace case with μ > 0 also x(s) − y = e^{−μs/N}w.
``cex.*`` (exact) the corrected (i), (ii) and the end point y + v₀ with its cost
    |P^⊥w|²/(2N) on the counterexample of C12-EIGENSPACE.
``a.flow``, ``a.confirm`` (mpmath) the integrated adapted flow (constrained: ``rank_loss=
    "pinv"``) against the closed form at s/N ∈ {1/2, 1, 2}.
``b.flow``, ``b.line``, ``b.some_line``, ``b.confirm`` (mpmath) the integrated standard flow
    against y + e^{−sΘ/N}w (``mpmath.expm``), and its distance from the line through x(0) and
    y, and from the line through x(0) and x(2N), against what rank[w, Θw] and
    rank[Θw, Θ²w] predict (on the line: distance ≤ tol; off it: ≥ 100·tol).

Hooks for tests: ``closed_form(t, x0, y, P)`` replaces (a)'s closed form, ``ntk_fn(D)`` the
NTK Θ, ``projector_fn(D)`` the projector P, ``rank_fn(Θ, w)`` the two rank tests.
"""

from __future__ import annotations

from functools import lru_cache
from fractions import Fraction
from typing import Any, Callable, Sequence

import mpmath
import sympy as sp
from mpmath import mpf

from ..backends.arith import working_precision
from ..backends.levels import Level
from ..core.linear_model import (LinearData, closed_form, eigen_parts, exact_path, linear_data,
                                 ntk, orth_projector, rank_tests)
from ..core.models import model
from ..core.problem import Problem
from .entries import as_entry
from .evidence import Evidence, Reason, Status, supporting
from .registry import claim_check, register
from .trajectories import (EVAL_GUARD, _confirmation_evidence, _ev, _not_run, flow, gap_scale,
                           tolerance)
from .vectors import _maxabs, _mp, _n, _norm, _perp, _sub, _vec

__all__ = ["C12_EIGENSPACE_FINDING", "EIG_MAX_QN", "LinearData", "linear_data", "closed_form",
           "orth_projector", "ntk", "rank_tests", "eigen_parts", "exact_path",
           "counterexample_problem", "check_c12", "check_c12_eigenspace"]

register("C12", "constant P: the closed form; when the standard flow is straight",
         "For a model linear in θ (constant D, P, Θ = DDᵀ), L2: the adapted flow is "
         "x(t) = (1 − t)x(0) + t(Py + P^⊥x(0)) with C → |P^⊥w|²/(2N) (w = x(0) − y); the "
         "standard flow is x(s) = y + e^{−sΘ/N}w, on the line through x(0) and y iff w lies "
         "in one eigenspace of Θ (rank[w, Θw] = 1), on some straight line iff "
         "w ∈ E_μ ⊕ ker Θ for one μ > 0 or w ∈ ker Θ (rank[Θw, Θ²w] ≤ 1).",
         "beyond the paper: §7 of docs/theory.md (C12)", needs=("l2", "linear"))

#: Why the old wording of C12 (b) is kept as a documented counterexample (C12-EIGENSPACE).
C12_EIGENSPACE_FINDING = (
    "FINDING: 'the standard flow with constant NTK Θ runs along a reparametrized straight line "
    "iff x(0) − y lies in one eigenspace of Θ' is false when Θ is singular, in both readings. "
    "x[θ] = (θ, 0), y = (0, −1): Θ = diag(1, 0); θ(0) = 1 gives w = (1, 1) in no eigenspace, "
    "yet x(s) = (e^{−s/2}, 0) is a straight segment (ending at (0, 0) ≠ y, C → 1/4); θ(0) = 0 "
    "gives w = (0, 1) ∈ ker Θ, one eigenspace, and the outputs never move towards y. "
    "Corrected: on the line through x(0) and y iff one eigenspace (rank[w, Θw] = 1), moving "
    "towards y needs its μ > 0; on some line iff w ∈ E_μ ⊕ ker Θ (rank[Θw, Θ²w] ≤ 1).")

register("C12-EIGENSPACE", "C12 (b), old wording (documented counterexample): the standard "
         "flow is straight iff x(0) − y lies in one eigenspace of Θ",
         "With constant NTK Θ the standard flow runs along a reparametrized straight line iff "
         "x(0) − y lies in one eigenspace of Θ — expected to be REFUTED for singular Θ (a "
         "finding, not a failure).", "beyond the paper: §7 of docs/theory.md (C12, FINDING)",
         scope="global", expect=Status.REFUTED, finding=C12_EIGENSPACE_FINDING)

#: Largest QN for which the exact spectral test of b.eigenspaces is attempted (a factorization
#: of a degree-QN polynomial and QN products Θ·v per factor).
EIG_MAX_QN = 64

_t, _s, _s1, _s2 = sp.symbols("t s s1 s2", real=True)


# ---------------------------------------------------------------------------------------------
# exact decisions
# ---------------------------------------------------------------------------------------------

def _zeroness(e: sp.Expr, at: dict) -> str:
    """'zero' (``simplify`` gives 0), 'nonzero' (nonzero at the sample ``at``, 50 digits) or
    'undecided'."""
    e = sp.simplify(e)
    if e == 0:
        return "zero"
    val = sp.N(e.subs(at), 50)
    if val.is_number and not val.free_symbols and abs(val) > sp.Float("1e-30"):
        return "nonzero"
    return "undecided"


_AT = {_t: sp.Rational(1, 3), _s: 1, _s1: 1, _s2: 3}


def _all_zero(exprs, at: dict = _AT) -> str:
    """'zero' if every expression is 0, 'nonzero' if one certainly is not, else 'undecided'."""
    kinds = {_zeroness(e, at) for e in exprs}
    return "nonzero" if "nonzero" in kinds else "undecided" if "undecided" in kinds else "zero"


def _minors(a: sp.Matrix, b: sp.Matrix) -> list[sp.Expr]:
    """The 2 × 2 minors of [a, b]: all 0 ⇔ a, b linearly dependent."""
    n = a.rows
    return [a[i] * b[j] - a[j] * b[i] for i in range(n) for j in range(i + 1, n)]


def _straightness(Theta: sp.Matrix, w: sp.Matrix, N: int) -> dict:
    """On the exact path u(s) = e^{−sΘ/N}w: ``on_line`` (u(s) ∥ w for all s: x(s) on the line
    through x(0) and y) and ``some_line`` (u(s₁) − w ∥ u(s₂) − w for all s₁, s₂), each
    'zero' (holds), 'nonzero' (fails) or 'undecided'; ``end`` = lim_{s→∞} u(s) (so that
    x(s) → y + ``end``); ``u`` the path itself."""
    u = exact_path(Theta, w, N, _s)
    u1, u2 = u.subs(_s, _s1) - w, u.subs(_s, _s2) - w
    end = u.applyfunc(lambda e: sp.limit(e, _s, sp.oo))
    return {"on_line": _all_zero(_minors(w, u)), "some_line": _all_zero(_minors(u1, u2)),
            "end": end, "u": u}


def _exact_ev(key: str, what: str, disagreements: int, details: dict,
              undecided: str = "") -> Evidence:
    """An exact Evidence whose residual counts disagreements (tolerance 0)."""
    st = (Status.INCONCLUSIVE if undecided else
          Status.VERIFIED if disagreements == 0 else Status.REFUTED)
    return Evidence(Level.EXACT, what, disagreements, 0, st, None, details, key=key,
                    reason=Reason.NUMERICS if undecided else None, why=undecided)


def _identity_ev(key: str, what: str, exprs, details: dict) -> Evidence:
    """Exact Evidence that every SymPy expression in ``exprs`` is 0: residual = the number
    that SymPy shows nonzero (at t = 1/3 where a symbol is left), or inconclusive."""
    kinds = [_zeroness(e, _AT) for e in exprs]
    bad = sum(1 for k in kinds if k == "nonzero")
    und = "" if bad or "undecided" not in kinds else \
        "SymPy could neither reduce the residual to 0 nor show it nonzero"
    return _exact_ev(key, what, bad, details, und)


# ---------------------------------------------------------------------------------------------
# (a) the closed form, (b) the eigenspaces of the problem's w — exact
# ---------------------------------------------------------------------------------------------

def _mat_str(M: sp.Matrix) -> str:
    return str(M.tolist())


def _closed_form_evidence(data: LinearData, cf: Callable) -> list[Evidence]:
    """a.start, a.ode, a.limit, a.closest (exact, SymPy, in the symbol t)."""
    X = cf(_t, data.x0, data.y, data.P)
    Pw = (sp.eye(data.P.rows) - data.P) * data.w
    ode = X.diff(_t) + data.P * (X - data.y) / (1 - _t)
    r = X - data.y
    lim = sp.limit((r.T * r)[0, 0] / (2 * data.N), _t, 1, "-")
    target = (Pw.T * Pw)[0, 0] / (2 * data.N)
    X1 = X.subs(_t, 1)
    det = {"D": _mat_str(data.D), "P": _mat_str(data.P), "x(0)": str(list(data.x0)),
           "y": str(list(data.y)), "x(t)": str(list(X.applyfunc(sp.expand))),
           "x(1)": str(list(X1))}
    return [
        _identity_ev("a.start", "C12 (a): the closed form x(t) = (1 − t)x(0) + t(Py + P^⊥x(0)) "
                     "starts at x[θ₀] (exact)", list(X.subs(_t, 0) - data.x0), det),
        _identity_ev("a.ode", "C12 (a): the closed form satisfies dx/dt = −P(x − y)/(1 − t) as "
                     "an identity in t (SymPy; P from a column basis of the constant D)",
                     list(ode), det),
        _identity_ev("a.limit", f"C12 (a): along the closed form C → |P^⊥w|²/(2N) = {target} as "
                     f"t → 1 (SymPy limit: {lim})", [lim - target],
                     {"limit": str(lim), "|P^⊥w|²/(2N)": str(target)}),
        _identity_ev("a.closest", "C12 (a): the end point x(1) is the output closest to y: "
                     "Dᵀ(y − x(1)) = 0", list(data.D.T * (data.y - X1)), det),
    ]


def _spectrum(Theta: sp.Matrix, w: sp.Matrix, rank_fn: Callable) -> dict:
    """The rank tests and the eigenspaces w meets: ``r1`` = rank[w, Θw], ``r2`` =
    rank[Θw, Θ²w]; ``n_all`` / ``n_pos`` the number of eigenspaces (with μ ≠ 0) it meets
    (:func:`eigen_parts`)."""
    r1, r2 = rank_fn(Theta, w)
    parts = eigen_parts(Theta, w)
    return {"r1": r1, "r2": r2, "parts": parts, "n_all": sum(p["degree"] for p in parts),
            "n_pos": sum(p["degree"] for p in parts if p["mu"] != 0)}


def _spectrum_details(sp_: dict) -> dict:
    met = {}
    for p in sp_["parts"]:
        name = f"μ = {p['mu']}" if p["mu"] is not None else \
            f"the {p['degree']} roots of {p['factor']}"
        met[name] = str(list(p["v"]))
    return {"rank[w, Θw]": sp_["r1"], "rank[Θw, Θ²w]": sp_["r2"], "eigenspaces met": met}


def _eigenspace_evidence(data: LinearData, rank_fn: Callable) -> Evidence:
    """b.eigenspaces: on the problem's w, rank[w, Θw] = 1 ⇔ one eigenspace and
    rank[Θw, Θ²w] ≤ 1 ⇔ at most one μ > 0 (exact)."""
    what = ("C12 (b): on the problem's w = x(0) − y, rank[w, Θw] = 1 ⇔ w in one eigenspace of "
            "Θ, and rank[Θw, Θ²w] ≤ 1 ⇔ at most one eigenvalue μ > 0 met (exact: irreducible "
            "factors of Θ's characteristic polynomial; residual = number of disagreements)")
    det = {"Theta": _mat_str(data.Theta), "w": str(list(data.w))}
    if data.w.is_zero_matrix:
        return Evidence(Level.EXACT, what, None, 0, Status.INCONCLUSIVE, None, det,
                        key="b.eigenspaces", reason=Reason.HYPOTHESIS,
                        why="w = 0 (x(0) = y): (b) assumes w ≠ 0")
    if data.w.rows > EIG_MAX_QN:
        return Evidence(Level.EXACT, what, None, 0, Status.INCONCLUSIVE, None, det,
                        key="b.eigenspaces", reason=Reason.BUDGET,
                        why=f"QN = {data.w.rows} > {EIG_MAX_QN}: the exact factorization of "
                            f"Θ's characteristic polynomial is not attempted")
    spec = _spectrum(data.Theta, data.w, rank_fn)
    dis = (int((spec["r1"] == 1) != (spec["n_all"] == 1))
           + int((spec["r2"] <= 1) != (spec["n_pos"] <= 1)))
    return _exact_ev("b.eigenspaces", what, dis, {**det, **_spectrum_details(spec)})


# ---------------------------------------------------------------------------------------------
# constructed rational cases and the counterexample — exact
# ---------------------------------------------------------------------------------------------

def constructed_cases() -> tuple[sp.Matrix, dict[str, sp.Matrix]]:
    """Θ = U diag(3, 1, 0)Uᵀ, U = (I − S)(I + S)⁻¹ a rational rotation (Cayley, S skew), and
    vectors w built from U's columns u₁ ∈ E₃, u₂ ∈ E₁, u₃ ∈ ker Θ: inside one eigenspace
    (u₁; u₃), and not (u₁ + u₃; u₁ + u₂; u₁ + u₂ + u₃)."""
    S = sp.Matrix([[0, 1, 2], [-1, 0, 1], [-2, -1, 0]])
    I = sp.eye(3)
    U = (I - S) * (I + S).inv()
    u1, u2, u3 = U.col(0), U.col(1), U.col(2)
    return U * sp.diag(3, 1, 0) * U.T, {"E3": u1, "ker": u3, "E3+ker": u1 + u3,
                                        "E3+E1": u1 + u2, "E3+E1+ker": u1 + u2 + u3}


def _agreement(spec: dict, st: dict) -> tuple[int, str]:
    """Disagreements between the rank tests, the eigenspaces met and the exact path, for (i)
    and (ii); or an 'undecided' sentence."""
    if "undecided" in (st["on_line"], st["some_line"]):
        return 0, "SymPy could not decide whether the exact path is straight"
    dis = 0
    for a, b, c in (((spec["r1"] == 1), (spec["n_all"] == 1), st["on_line"] == "zero"),
                    ((spec["r2"] <= 1), (spec["n_pos"] <= 1), st["some_line"] == "zero")):
        dis += int(len({a, b, c}) > 1)
    return dis, ""


def _case_evidence(name: str, Theta: sp.Matrix, w: sp.Matrix, N: int, rank_fn: Callable,
                   key: str) -> Evidence:
    """(i) and (ii) on one (Θ, w): rank test ⇔ eigenspace count ⇔ exact path; for one
    eigenspace with μ > 0 also u(s) = e^{−μs/N}w (the reparametrized line)."""
    spec = _spectrum(Theta, w, rank_fn)
    st = _straightness(Theta, w, N)
    dis, und = _agreement(spec, st)
    det = {"w": str(list(w)), **_spectrum_details(spec), "on the line through x(0), y":
           st["on_line"] == "zero", "on some line": st["some_line"] == "zero",
           "lim x(s) − y": str(list(st["end"]))}
    if spec["n_all"] == 1 and spec["n_pos"] == 1:
        mu = spec["parts"][0]["mu"]
        k = _all_zero(list(st["u"] - sp.exp(-mu * _s / N) * w))
        dis += int(k == "nonzero")
        und = und or ("" if k != "undecided" else "SymPy could not decide u(s) = e^{−μs/N}w")
        det["u(s) = e^{−μs/N}w"] = k == "zero"
    what = (f"C12 (b) on {name}: (i) rank[w, Θw] = 1 ⇔ one eigenspace ⇔ the exact path "
            f"e^{{−sΘ/N}}w stays on the line through x(0) and y; (ii) rank[Θw, Θ²w] ≤ 1 ⇔ at "
            f"most one μ > 0 ⇔ it stays on some line (residual = disagreements)")
    return _exact_ev(key, what, dis, det, und)


def _cases_evidence(rank_fn: Callable) -> list[Evidence]:
    """cases.*: the constructed rational cases (exact; the same for every problem, so computed
    once per rank test)."""
    return list(_cases_cached(rank_fn))


@lru_cache(maxsize=8)
def _cases_cached(rank_fn: Callable) -> tuple[Evidence, ...]:
    Theta, ws = constructed_cases()
    return tuple(_case_evidence(f"Θ = U diag(3, 1, 0)Uᵀ, w = {name}", Theta, w, 2, rank_fn,
                                f"cases.{name}") for name, w in ws.items())


@lru_cache(maxsize=None)
def counterexample_problem() -> Problem:
    """The doc's counterexample: x_j = θ·u_j on inputs u = 1, 0 (so x[θ] = (θ, 0)), targets
    y = (0, −1), L2."""
    th, u = sp.symbols("theta u")
    return Problem(model([th * u], [th], [u], name="c12-counterexample"), [[1], [0]],
                   [[0], [-1]], "l2", name="c12-counterexample")


#: The counterexample's two starting points θ(0) (docs/theory.md §7, C12 FINDING).
CEX_STARTS = (Fraction(1), Fraction(0))


def _cex_facts(ntk_fn: Callable | None, rank_fn: Callable) -> list[dict]:
    """At each start: the exact data, the spectrum and the exact path's straightness."""
    out = []
    for th0 in CEX_STARTS:
        data = linear_data(counterexample_problem(), (th0,), ntk_fn)
        out.append({"theta0": th0, "data": data, "spec": _spectrum(data.Theta, data.w, rank_fn),
                    "st": _straightness(data.Theta, data.w, data.N)})
    return out


def _cex_details(facts: list[dict]) -> dict:
    det = {}
    for f in facts:
        d = f["data"]
        det[f"θ(0) = {f['theta0']}"] = {
            "D": _mat_str(d.D), "Theta": _mat_str(d.Theta), "w": str(list(d.w)),
            **_spectrum_details(f["spec"]), "x(s)": str(list(d.y + f["st"]["u"])),
            "lim x(s)": str(list(d.y + f["st"]["end"]))}
    return det


def _cex_corrected(facts: list[dict], prefix: str) -> list[Evidence]:
    """The corrected (i), (ii) and the end point on the counterexample (exact)."""
    det = _cex_details(facts)
    dis, und = 0, ""
    end_bad = 0
    for f in facts:
        d, spec, st = f["data"], f["spec"], f["st"]
        k, u = _agreement(spec, st)
        dis, und = dis + k, und or u
        v0 = next((p["v"] for p in spec["parts"] if p["mu"] == 0), sp.zeros(d.w.rows, 1))
        Pw = (sp.eye(d.P.rows) - d.P) * d.w
        cost = (st["end"].T * st["end"])[0, 0] / (2 * d.N)
        end_bad += int(_all_zero(list(st["end"] - v0) + [cost - (Pw.T * Pw)[0, 0] / (2 * d.N)])
                       != "zero")
    where = "on x[θ] = (θ, 0), y = (0, −1), θ(0) ∈ {1, 0}"
    return [
        _exact_ev(f"{prefix}.i_ii", f"C12 (b) corrected, {where}: (i) rank[w, Θw] = 1 ⇔ one "
                  f"eigenspace ⇔ the exact path stays on the line through x(0) and y; (ii) "
                  f"rank[Θw, Θ²w] ≤ 1 ⇔ at most one μ > 0 ⇔ it stays on some line (residual = "
                  f"disagreements)", dis, det, und),
        _exact_ev(f"{prefix}.end", f"C12 (b) corrected, {where}: the standard flow ends at "
                  f"y + v₀ (v₀ the ker Θ part of w) with C → |P^⊥w|²/(2N) (residual = starts "
                  f"where either fails)", end_bad, det),
    ]


def _cex_old(facts: list[dict]) -> list[Evidence]:
    """The old wording in its two readings, on the computed facts (exact; expected refuted)."""
    det = {**_cex_details(facts), "counterexample": True}   # the comparisons that must fail
    some = [f for f in facts if (f["st"]["some_line"] == "zero") != (f["spec"]["n_all"] == 1)]
    to_y = [f for f in facts
            if (f["st"]["on_line"] == "zero" and f["st"]["end"].is_zero_matrix)
            != (f["spec"]["n_all"] == 1)]
    und = ("SymPy could not decide whether the exact path is straight"
           if any("undecided" in (f["st"]["on_line"], f["st"]["some_line"]) for f in facts)
           else "")
    name = lambda fs: ", ".join(f"θ(0) = {f['theta0']}" for f in fs) or "none"
    return [
        _exact_ev("old.some_line", "old wording, reading 'on some straight line': the standard "
                  "path is a straight line ⇔ w lies in one eigenspace of Θ (residual = starts "
                  f"where it fails: {name(some)})", len(some), det, und),
        _exact_ev("old.to_y", "old wording, reading 'along the line towards y': the standard "
                  "path runs along the line through x(0) and y to y ⇔ w lies in one eigenspace "
                  f"of Θ (residual = starts where it fails: {name(to_y)})", len(to_y), det, und),
    ]


# ---------------------------------------------------------------------------------------------
# trajectories — mpmath
# ---------------------------------------------------------------------------------------------

def _to_mp(e: sp.Expr):
    """A SymPy number as mpf at the current precision (rationals exactly rounded)."""
    if e.is_Rational:
        return _mp(e)
    return mpf(str(sp.N(e, mpmath.mp.dps + 10)))


def _samples(prob: Problem, traj, s_points, edps: int) -> list[tuple[Any, list]]:
    """(s, x[θ(s)] evaluated afresh) at s = σ·N for σ in ``s_points``."""
    out = []
    for sig in s_points:
        s = _mp(sig) * prob.N
        out.append((s, _vec(prob.at(traj.theta_at(s), "mpmath", edps).x)))
    return out


def _adapted_evidence(entry, data: LinearData, cf: Callable, *, dps: int, s_points,
                      confirm: bool, progress) -> list[Evidence]:
    """a.flow: the integrated constrained adapted flow against (a)'s closed form at
    t = 1 − e^{−s/N}; a.confirm."""
    prob = entry.problem
    traj = flow(entry, field="adapted", s_end=2 * prob.N, dps=dps, rank_loss="pinv",
                progress=progress)
    what = "C12 (a): adapted flow (constrained, pinv)"
    if traj.status != "success":
        return [_not_run("a.flow", what, traj, dps)]
    X = sp.lambdify(_t, cf(_t, data.x0, data.y, data.P), modules="mpmath")
    edps = dps + EVAL_GUARD
    worst, moved, rows = mpf(0), mpf(0), []
    with working_precision(edps):
        x0 = [_to_mp(v) for v in data.x0]
        gap = gap_scale(_maxabs(_sub(x0, [_to_mp(v) for v in data.y])))
        for s, x in _samples(prob, traj, s_points, edps):
            t = 1 - mpmath.exp(-s / prob.N)
            xc = [X(t)[i] for i in range(prob.QN)]
            r = _maxabs(_sub(x, xc)) / gap
            worst, moved = max(worst, r), max(moved, _maxabs(_sub(x, x0)) / gap)
            rows.append(f"s = {_n(s, 6)}: {_n(r, 3)}")
    out = [_ev("a.flow", f"{what}: x(θ(s)) equals the closed form at t = 1 − e^(−s/N), s/N ∈ "
               f"{[str(v) for v in s_points]} (residual relative to max|x(0) − y|)", worst,
               tolerance(dps), dps, traj=traj, magnitude=moved, details={"per_time": rows})]
    if confirm:
        out.append(_confirmation_evidence(traj, "a.confirm", what))
    return out


def _line_ev(key: str, what: str, dist, moved, pred_on: bool, traj, dps: int,
             details: dict) -> Evidence:
    """The rank test's prediction against the measured distance (relative to |w|): on the
    line, distance ≤ tol; off it, distance ≥ 100·tol (residual tol/distance ≤ 1/100)."""
    tol = tolerance(dps)
    if pred_on:
        return _ev(key, f"{what}: predicted on it, distance ≤ tol", dist, tol, dps, traj=traj,
                   magnitude=moved, details=details)
    r = tol / dist if dist > 0 else mpf("inf")
    return _ev(key, f"{what}: predicted off it, distance ≥ 100·tol (residual tol/distance)", r,
               mpf(1) / 100, dps, traj=traj, details=details)


def _standard_measure(prob: Problem, traj, data: LinearData, s_points, edps: int) -> dict:
    """Along the integrated standard flow: the closed form y + e^{−sΘ/N}w (``worst``), the
    distances from the line through x(0), y and from the line through x(0), x(s_last)."""
    T = mpmath.matrix([[_to_mp(v) for v in row] for row in data.Theta.tolist()])
    x0, y = [_to_mp(v) for v in data.x0], [_to_mp(v) for v in data.y]
    w = _sub(x0, y)
    nw = _norm(w) if _norm(w) > 0 else mpf(1)
    gap = gap_scale(_maxabs(w))
    pts = _samples(prob, traj, s_points, edps)
    worst, moved, rows = mpf(0), mpf(0), []
    for s, x in pts:
        u = mpmath.expm(T * (-s / prob.N)) * mpmath.matrix(w)
        r = _maxabs(_sub(x, [y[i] + u[i] for i in range(len(y))])) / gap
        worst, moved = max(worst, r), max(moved, _maxabs(_sub(x, x0)) / gap)
        rows.append(f"s = {_n(s, 6)}: {_n(r, 3)}")
    d_last = _sub(pts[-1][1], x0)
    line = max(_norm(_perp(_sub(x, y), w)) for _, x in pts) / nw
    some = max(_norm(_perp(_sub(x, x0), d_last)) for _, x in pts[:-1]) / nw
    return {"worst": worst, "moved": moved, "rows": rows, "line": line, "some": some}


def _standard_evidence(entry, data: LinearData, ranks: tuple[int, int], *, dps: int, s_points,
                       confirm: bool, progress, prefix: str = "b") -> list[Evidence]:
    """b.flow: the integrated standard flow against y + e^{−sΘ/N}w; b.line, b.some_line: its
    distance from the line through x(0) and y, and from a line through x(0), against what
    rank[w, Θw] = 1 and rank[Θw, Θ²w] ≤ 1 predict; b.confirm."""
    prob = entry.problem
    traj = flow(entry, field="standard", s_end=2 * prob.N, dps=dps, progress=progress)
    what = "C12 (b): standard flow"
    if traj.status != "success":
        return [_not_run(f"{prefix}.flow", what, traj, dps)]
    with working_precision(dps + EVAL_GUARD):
        m = _standard_measure(prob, traj, data, s_points, dps + EVAL_GUARD)
    out = [_ev(f"{prefix}.flow", f"{what}: x(θ(s)) equals y + e^(−sΘ/N)w (mpmath.expm) at s/N ∈ "
               f"{[str(v) for v in s_points]} (residual relative to max|x(0) − y|)", m["worst"],
               tolerance(dps), dps, traj=traj, magnitude=m["moved"],
               details={"per_time": m["rows"]})]
    det = {"rank[w, Θw]": ranks[0], "rank[Θw, Θ²w]": ranks[1]}
    if data.w.is_zero_matrix:
        out += [Evidence(Level.MPMATH, f"{what}: the line tests", None, None, Status.INCONCLUSIVE,
                         dps, det, key=f"{prefix}.{k}", reason=Reason.HYPOTHESIS,
                         why="w = 0 (x(0) = y): (b) assumes w ≠ 0") for k in ("line", "some_line")]
    else:
        out += [
            _line_ev(f"{prefix}.line", f"{what} and the line through x(0) and y (rank[w, Θw] = "
                     f"{ranks[0]}; max distance/|w| at the samples)", m["line"], m["moved"],
                     ranks[0] == 1, traj, dps, det),
            _line_ev(f"{prefix}.some_line", f"{what} and the line through x(0) and x(s_last) "
                     f"(rank[Θw, Θ²w] = {ranks[1]}; max distance/|w| of the other samples)",
                     m["some"], m["moved"], ranks[1] <= 1, traj, dps, det)]
    if confirm:
        out.append(_confirmation_evidence(traj, f"{prefix}.confirm", what))
    return out


# ---------------------------------------------------------------------------------------------
# the checks
# ---------------------------------------------------------------------------------------------

S_POINTS = (Fraction(1, 2), Fraction(1), Fraction(2))


def check_c12(entry, *, dps: int = 30, level: Level = Level.EXACT, progress=None,
              closed_form_fn: Callable | None = None, ntk_fn: Callable | None = None,
              projector_fn: Callable | None = None, rank_fn: Callable | None = None,
              s_points: Sequence[Any] = S_POINTS, confirm: bool = True) -> list[Evidence]:
    """C12 on a linear L2 problem (see the module docstring for the keys). The exact parts
    are SymPy computations whatever ``level`` (their evidence says exact); the trajectories
    are mpmath with the trajectory judge's confirming re-run."""
    cf, rf = closed_form_fn or closed_form, rank_fn or rank_tests
    data = linear_data(entry.problem, entry.theta0, ntk_fn, projector_fn)
    out = _closed_form_evidence(data, cf)
    out.append(_eigenspace_evidence(data, rf))
    out += _cases_evidence(rf)
    out += _cex_corrected(_cex_facts(ntk_fn, rf), "cex")
    out += _adapted_evidence(entry, data, cf, dps=dps, s_points=s_points, confirm=confirm,
                             progress=progress)
    out += _standard_evidence(entry, data, rf(data.Theta, data.w), dps=dps, s_points=s_points,
                              confirm=confirm, progress=progress)
    return out


def check_c12_eigenspace(entry=None, *, dps: int = 30, level: Level = Level.EXACT,
                         progress=None, ntk_fn: Callable | None = None,
                         rank_fn: Callable | None = None, confirm: bool = True
                         ) -> list[Evidence]:
    """C12-EIGENSPACE: the old wording in both readings on the counterexample (exact; expected
    refuted), the corrected (i), (ii) and end point there (exact; verified), and the integrated
    standard flow from θ(0) = 1 (mpmath): y + e^{−sΘ/N}w, off the line through x(0) and y, on
    a straight segment."""
    rf = rank_fn or rank_tests
    facts = _cex_facts(ntk_fn, rf)
    support = _cex_corrected(facts, "corrected")
    f1 = facts[0]
    cex = as_entry(counterexample_problem(), (f1["theta0"],), name="c12-counterexample")
    support += _standard_evidence(cex, f1["data"], (f1["spec"]["r1"], f1["spec"]["r2"]),
                                  dps=dps, s_points=S_POINTS, confirm=confirm,
                                  progress=progress, prefix="traj")
    return _cex_old(facts) + supporting(support)


claim_check("C12")(check_c12)
claim_check("C12-EIGENSPACE")(check_c12_eigenspace)


if __name__ == "__main__":
    from ._main import main

    raise SystemExit(main("C12,C12-EIGENSPACE"))
