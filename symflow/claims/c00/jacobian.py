"""C0's ``D_vs_diff``: the library's Jacobian D against SymPy's derivative of the forward pass.

``problem.at(θ, level).D`` (layer-wise backpropagation, :mod:`symflow.core.networks`) against
:func:`symflow.reference.jacobian.jacobian_at` (SymPy ``diff`` of ``problem.outputs``, evaluated
in the arithmetic of the level) at θ(0) and random points of S^K, judged by
:func:`symflow.claims.c00.compare._judge` (the rules are in :mod:`symflow.claims.c00_consistency`).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Callable, Sequence


from ...backends import backend
from ...backends.arith import working_precision
from ...backends.linalg import Mat
from ...reference.expressions import arith_of
from ...reference.jacobian import jacobian_at
from .. import sampling as _sampling
from ..evidence import Evidence, Level
from ..sampling import sample_points
from .compare import N_RANDOM_EXACT, N_RANDOM_NUMERIC, _evidence, _flat, _judge, _maxmag

__all__ = ["check_jacobian"]


def check_jacobian(entry, *, dps: int = 30, level: Level = Level.EXACT, progress=None,
                   n_points: int | None = None,
                   jacobian_fn: Callable[[Any, Sequence, Level, int], Mat] | None = None
                   ) -> list[Evidence]:
    """``D_vs_diff``: ``problem.at(θ, level).D`` against ``diff(problem.outputs, θ)``.

    ``jacobian_fn(problem, θ, level, dps) -> Mat`` replaces the library's D (tests)."""
    level = Level.parse(level)
    prob = entry.problem
    be = backend(level)
    n = n_points if n_points is not None else (N_RANDOM_EXACT if be.exact else N_RANDOM_NUMERIC)
    pts = sample_points(entry, n, "C0-D")
    work = be.work_dps(dps)
    jfn = jacobian_fn or (lambda p, th, lv, d: p.at(th, lv, d).D)

    outcomes = []
    for th in pts:
        Dl = _flat(jfn(prob, th, level, work))
        Ds = jacobian_at(prob, th, level, work)
        with working_precision(work):
            diffs = [a - be.from_reference(b) for a, b in zip(Dl, Ds)]
            scale = _maxmag(Ds)
            diffs2 = None
            hi = be.confirm_dps(dps)
            if hi is not None:
                Dl2 = _flat(jfn(prob, th, level, hi))
                Ds2 = jacobian_at(prob, th, level, hi)
                with working_precision(hi):
                    diffs2 = [a - b for a, b in zip(Dl2, Ds2)]
            outcomes.append(_judge(level, dps, diffs, scale, scale, diffs2))
    return [_evidence("D_vs_diff", "D from backpropagation (problem.at) equals ∂x/∂θ by SymPy "
                      "diff of the forward-pass outputs, entrywise at θ(0) and random points",
                      level, dps, outcomes,
                      _details(prob, level, len(pts), work, dps))]


def _details(prob, level: Level, n_pts: int, work: int, dps: int) -> dict:
    """The evidence's details: the method, the ball working digits, and at the exact level for
    a polynomial network the Schwartz–Zippel bound (``pit``) of the random points."""
    details = {"points": n_pts, "entries": prob.QN * prob.K,
               "method": "SymPy diff of problem.outputs (the forward pass only), evaluated "
                         f"in {arith_of(level).name} arithmetic"
                         + (f" ({level.value} D against the symbolic D at dps digits)"
                            if arith_of(level) is not backend(level).arith else "")}
    if work != dps:
        details["ball_working_dps"] = work
    delta = prob.network.polynomial_degree
    if backend(level).exact and delta is not None:
        m = n_pts - 1
        grid = _sampling.GRID_SIZE  # |S| of sample_points
        details["pit"] = (f"x[θ] and D are polynomials of degree ≤ {delta}: a false identity "
                          f"survives {m} uniform points of S^K (|S| = {grid}) with "
                          f"probability ≤ ({delta}/{grid})^{m} ≈ "
                          f"{float(Fraction(delta, grid) ** m):.1e}")
    return details
