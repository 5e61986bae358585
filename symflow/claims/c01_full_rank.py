"""C1 — Lemma 2.2, full rank: where rank D = QN, θ' = −Dᵀ(DDᵀ)⁻¹∇ₓC moves outputs by x' = −∇ₓC.

Checked pointwise (:mod:`~symflow.claims.judge`) at the sample points of
:mod:`~symflow.claims.sampling`: D·θ' = −∇ₓC for the lemma's field (explicit inverse, not
``pinv``) and for the library's adapted field; points where rank D < QN are skipped (the
hypothesis), and the hypothesis at θ(0) is its own evidence.

Every check function accepts injectable pieces (``field_fn``, ``pinv_fn``, …) so that tests can
feed a deliberately wrong field and see the verdict refuted.
"""

from __future__ import annotations

from typing import Callable

from ..backends.arith import working_precision
from ..errors import RankError
from ..backends.levels import Level
from .evidence import Evidence, Reason, Status
from ..core.fields import parameter_field
from ..backends.linalg import Mat, rank_info
from ..core.problem import PointData
from .registry import claim_check, register
from .judge import Cmp, Skip, _run
from .sampling import _n_random, sample_points

__all__ = ["check_c1"]


register("C1", "Lemma 2.2, full rank: D⁺ field moves outputs along −∇ₓC",
         "If rank D = QN, then θ' = −Dᵀ(DDᵀ)⁻¹∇ₓC gives x' = −∇ₓC.",
         "Lemma 2.2", needs=("full_rank",))


def _c1_lemma_field(pd: PointData) -> Mat:
    """θ' = −Dᵀ(DDᵀ)⁻¹g, with an explicit inverse (not pinv)."""
    return -(pd.D.T @ ((pd.D @ pd.D.T).inv() @ pd.grad))


def check_c1(entry, *, dps: int = 30, level: Level = Level.EXACT, progress=None,
             field_fn: Callable[[PointData], Mat] | None = None, n_points: int | None = None
             ) -> list[Evidence]:
    """C1 (Lemma 2.2): D θ' = −∇ₓC for θ' = −Dᵀ(DDᵀ)⁻¹∇ₓC where rank D = QN.

    ``field_fn(pd) -> θ'`` replaces the lemma's field (to test that a wrong one is refuted).
    """
    level = Level.parse(level)
    ffn = field_fn or _c1_lemma_field
    QN = entry.problem.QN

    def fn(pd):
        try:
            info = rank_info(pd.D, pd.dps or 30)
        except RankError as exc:
            return Skip(f"rank not certified at level {pd.level.value}: {exc}")
        if info.rank < QN:
            return Skip(f"rank D = {info.rank} < QN = {QN}")
        th = ffn(pd)
        lib = parameter_field(pd, "adapted")
        return {"lemma": Cmp("zero", pd.D @ th, -pd.grad),
                "library": Cmp("zero", pd.D @ lib, -pd.grad)}

    pts = sample_points(entry, _n_random(level, n_points), "C1")
    evs = _run(entry, level, dps, pts, fn, {
        "lemma": "x' = D·θ' with θ' = −Dᵀ(DDᵀ)⁻¹∇ₓC (explicit inverse) equals −∇ₓC",
        "library": "x' = D·θ' with the library's adapted field θ' = −D⁺∇ₓC equals −∇ₓC",
    })
    # the hypothesis at θ(0) as the catalogue states it
    pd0 = entry.problem.at(entry.theta0, level, dps)
    with working_precision(dps):
        try:
            r0 = rank_info(pd0.D, dps)
        except RankError as exc:
            r0 = None
            evs.insert(0, Evidence(level, f"hypothesis at θ(0): rank D not certified ({exc})",
                                   None, 0, Status.INCONCLUSIVE,
                                   dps, key="hypothesis_theta0",
                                   reason=Reason.NUMERICS, why=f"rank D not certified: {exc}"))
    if r0 is not None:
        det = {} if r0.certain else {"smallest_singular_value": str(r0.smallest_singular_value),
                                     "threshold": str(r0.threshold)}
        evs.insert(0, Evidence(
            level, f"hypothesis at θ(0): rank D = {r0.rank} "
                   f"({'certified' if r0.certain else 'numerical'}) vs QN = {QN} "
                   f"(residual = QN − rank)",
            QN - r0.rank, 0, Status.VERIFIED if r0.rank == QN else Status.INCONCLUSIVE,
            dps, det, key="hypothesis_theta0",
            reason=None if r0.rank == QN else Reason.HYPOTHESIS,
            why="" if r0.rank == QN else f"full rank fails at θ(0): rank D = {r0.rank} < QN = {QN}"))
    return evs


claim_check("C1")(check_c1)


if __name__ == "__main__":
    from ._main import main

    raise SystemExit(main("C1"))
