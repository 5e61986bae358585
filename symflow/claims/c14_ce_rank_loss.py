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

``field_fn(pd)`` (the parameter field) and ``projector_fn(pd)`` replace the library's (tests
feed wrong ones).
"""

from __future__ import annotations

from typing import Callable

import flint
import sympy as sp

from ..backends import backend
from ..backends.levels import Level
from ..backends.linalg import Mat, eye, projector, rank_info
from ..core.fields import parameter_field
from ..core.models import model
from ..core.problem import PointData, Problem
from .evidence import Evidence, Status
from .judge import Cmp, _f, _run
from .registry import claim_check, register
from .sampling import _n_random, sample_points

__all__ = ["dead_logit_problem", "exact_drift", "check_c14"]

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
              n_points: int | None = None) -> list[Evidence]:
    """C14: the drift formula at sample points, and the exact counterexample (see the module
    docstring)."""
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
    return evs + _exhibit(ffn, Pfn)


def dead_logit_problem(dead: bool = True) -> Problem:
    """N = 1, Q = 2, K = 1, y = (1/4, 3/4); x[θ] = (θ, 0) (``dead``) or (θ, θ)."""
    t, u = sp.symbols("t u")
    outs = [t * u, sp.Integer(0) * u] if dead else [t * u, t * u]
    name = "dead-logit" if dead else "tied-logits"
    return Problem(model(outs, [t], [u], name=name), [[1]], [["1/4", "3/4"]], "cross_entropy",
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


claim_check("C14")(check_c14)


if __name__ == "__main__":
    from ._main import main

    raise SystemExit(main("C14"))
