"""C7 — L2, rank loss: x' = −(1/N)P(x − y), the deviation from the line by variation of constants.

On rank-deficient L2 problems, the constrained flow x' = −(1/N)P(x − y) (adapted field
with ``rank_loss="pinv"``): x(s) − x_lin(s) = (1/N)∫₀ˢ e^{−(s−r)/N}(I − P(r))(x(r) − y)dr
(quadrature on the dense output), |x(s) − y| non-increasing, the path bends, and the
adapted flow with ``rank_loss="stop"`` is stopped by the rank monitor.

The measurements (:func:`~symflow.claims.trajectories.c7_data`) and the rank-monitor evidence
(:mod:`~symflow.claims.rank_monitor`) live outside this module, since C10 reuses them.

Check functions take injectable pieces (``field=``, ``time_change=``, ``s_end=``) and look up
``symflow.backends.linalg.projector`` / ``symflow.core.fields.parameter_field`` at call time, so that tests
can feed a wrong field, factor or projector and see a refuted verdict.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from mpmath import mpf

from ..backends.arith import working_precision
from ..backends.levels import Level
from .evidence import Evidence, Reason, Status
from .registry import claim_check, register
from .trajectories import (EVAL_GUARD, _confirmation_evidence, _ev, _not_run, _reduced,
                           c7_data, gap_scale, straight_path, tolerance)
from .vectors import _maxabs, _n, _sub
from .rank_monitor import _rank_hypothesis, _rank_monitor_evidence

__all__ = ["check_c7"]


register("C7", "L2, rank loss: x' = −(1/N)P(x − y), deviation by variation of constants",
         "If rank D < QN the adapted flow gives x' = −(1/N)P(x − y); x(s) − x_lin(s) = "
         "(1/N)∫₀ˢ e^{−(s−r)/N}(I − P(r))(x(r) − y)dr, and |x(s) − y| is non-increasing.",
         "Lemma 2.2 / (2.28)", needs=("l2", "rank_deficient"))


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
    tol/deviation against 10⁻²), inconclusive (reason hypothesis) where the integral itself
    stays below 100·tol: then (I − P)(x − y) vanishes along the path, which is straight
    although rank D < QN (C7's remark; e.g. x(0) = y, a flow at rest); ``rank_monitor`` — the
    adapted flow with ``rank_loss="stop"`` is stopped by the rank monitor; ``confirm``.
    Where x(0) = y the residuals "relative to max|x(0) − y|" are absolute (every quantity
    compared is 0 on a flow at rest).
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
    m = _c7_measures(d, dps)
    straight = straight_path(d, 100, dps)
    first_def = next((s for s, rk in zip(d["s"], d["ranks"]) if rk < prob.QN), None)
    out = [
        _ev("formula", "C7: x(s) − x_lin(s) equals (1/N)∫₀ˢ e^{−(s−r)/N}(I − P(r))(x(r) − y)dr "
            "at each sample (quadrature on the dense output; residual relative to "
            "max|x(0) − y|)", m["r"], tol, dps, traj=traj, magnitude=m["bend"],
            details=_c7_details(d, m["gap"]), reduced=red,
            numerics=(f"the quadrature's error estimate {_n(m['qerr'], 3)} (relative) exceeds "
                      f"the tolerance") if m["qerr"] > tol else None),
        _ev("distance", "C7: |x(s) − y| non-increasing at the samples (residual max rise / "
            "max|x(0) − y|)", m["rise"], tol, dps, traj=traj, magnitude=m["fall"], reduced=red,
            details={"|x(s) − y|": [_n(v, 10) for v in d["dist"]]}),
        Evidence(Level.MPMATH, f"C7 setting: rank D < QN = {prob.QN} at the samples (mpmath SVD "
                 f"rank; residual: the number of samples where rank D = QN)",
                 sum(1 for rk in d["ranks"] if rk >= prob.QN), 0,
                 Status.VERIFIED if hyp is None else Status.INCONCLUSIVE, dps,
                 {"ranks": d["ranks"], **({"reduced": red} if red else {})}, key="setting",
                 reason=None if hyp is None else Reason.HYPOTHESIS, why=hyp or ""),
        _ev("bends", "C7: rank loss bends the path: max|x(s) − x_lin(s)|/max|x(0) − y| ≥ "
            "100·tol (residual tol/deviation)", m["bend_r"], mpf(1) / 100, dps, traj=traj,
            hypothesis=(hyp or straight) if m["bend_r"] > mpf(1) / 100 else None,
            details={"deviation": _n(m["bend"], 6)}, reduced=red),
        _rank_monitor_evidence(entry, dps, "rank_monitor", s_end=d["s_end"],
                               first_deficient=first_def, progress=progress),
    ]
    if confirm:
        out.append(_confirmation_evidence(traj, "confirm", "C7 constrained flow", reduced=red))
    return out


def _c7_measures(d: dict, dps: int) -> dict:
    """From :func:`~symflow.claims.trajectories.c7_data`, relative to ``gap`` = max|x(0) − y|
    (absolute if x(0) = y, :func:`~symflow.claims.trajectories.gap_scale`):
    the formula's residual max|dev − voc| (``r``), the largest rise and the fall of |x(s) − y|,
    the deviation from the line (``bend``) with its residual tol/deviation, and the quadrature's
    error estimate (``qerr``)."""
    tol = tolerance(dps)
    with working_precision(dps + EVAL_GUARD):
        gap = gap_scale(d["gap"])  # 1 if x(0) = y: the flow is at rest, residuals absolute
        r = max(_maxabs(_sub(a, b)) for a, b in zip(d["dev"], d["voc"])) / gap
        rise = max([mpf(0)] + [d["dist"][k + 1] - d["dist"][k]
                               for k in range(len(d["dist"]) - 1)]) / gap
        fall = (d["dist"][0] - d["dist"][-1]) / gap
        bend = max(_maxabs(v) for v in d["dev"]) / gap
        bend_r = tol / bend if bend > 0 else mpf("inf")
        qerr = d["quad_error"] / gap
    return {"gap": gap, "r": r, "rise": rise, "fall": fall, "bend": bend, "bend_r": bend_r,
            "qerr": qerr}


def _c7_details(d: dict, gap) -> dict:
    """The ``formula`` evidence's details: the samples, the deviation at each, the quadrature."""
    return {"s": [_n(s, 6) for s in d["s"]], "max|dev|/gap": [_n(_maxabs(v) / gap, 6)
                                                             for v in d["dev"]],
            "quad_error_estimate": _n(d["quad_error"], 3), "quadrature_nodes": d["nodes"],
            "seconds": round(d["seconds"], 3)}


claim_check("C7")(check_c7)


if __name__ == "__main__":
    from ._main import main

    raise SystemExit(main("C7"))
