"""C9 — Appendix: the pseudo-inverse identities.

DD⁺D = D, D⁺DD⁺ = D⁺, DD⁺ and D⁺D symmetric projectors, Dᵀ(DDᵀ)⁺ = D⁺, (DDᵀ)⁺DDᵀ = P, with
D⁺ = ``pinv(D)``, P = ``projector(D)`` (independent of pinv at the exact level) and (DDᵀ)⁺ from
:func:`~symflow.claims.objects.ntk_pinv`, whose four Penrose equations are checked too.

Every check function accepts injectable pieces (``field_fn``, ``pinv_fn``, …) so that tests can
feed a deliberately wrong field and see the verdict refuted.
"""

from __future__ import annotations

from typing import Callable

from ..backends.levels import Level
from .evidence import Evidence
from ..backends.linalg import Mat, pinv, projector
from ..core.problem import PointData
from .registry import claim_check, register
from .judge import Cmp, _f, _run
from .sampling import _n_random, sample_points
from .objects import _stack, ntk_pinv

__all__ = ["check_c9"]


register("C9", "Appendix: the pseudo-inverse identities",
         "DD⁺D = D, D⁺DD⁺ = D⁺, DD⁺ and D⁺D symmetric projectors, Dᵀ(DDᵀ)⁺ = D⁺, "
         "(DDᵀ)⁺DDᵀ = P.", "Appendix")


def check_c9(entry, *, dps: int = 30, level: Level = Level.EXACT, progress=None,
             pinv_fn: Callable[[PointData], Mat] | None = None,
             projector_fn: Callable[[PointData], Mat] | None = None,
             n_points: int | None = None) -> list[Evidence]:
    """C9: the six identities, with D⁺ = ``pinv(D)``, P = ``projector(D)`` (independent of
    pinv at the exact level) and (DDᵀ)⁺ from :func:`ntk_pinv`, whose four Penrose equations
    are checked too."""
    level = Level.parse(level)
    pfn = pinv_fn or (lambda pd: pinv(pd.D, pd.dps or 30))
    Pfn = projector_fn or (lambda pd: projector(pd.D, pd.dps or 30))

    def fn(pd):
        D = pd.D
        Dp = pfn(pd)
        P = Pfn(pd)
        G = D @ D.T
        Gp = ntk_pinv(pd)
        DDp, DpD = D @ Dp, Dp @ D
        return {
            "DDpD": Cmp("zero", D @ Dp @ D, D),
            "DpDDp": Cmp("zero", Dp @ D @ Dp, Dp),
            "DDp_sym": Cmp("zero", DDp.T, DDp),
            "DDp_idem": Cmp("zero", DDp @ DDp, DDp),
            "DpD_sym": Cmp("zero", DpD.T, DpD),
            "DpD_idem": Cmp("zero", DpD @ DpD, DpD),
            "DT_Gp": Cmp("zero", D.T @ Gp, Dp),
            "Gp_G": Cmp("zero", Gp @ G, P),
            "DDp_P": Cmp("zero", DDp, P),
            "penrose": Cmp("zero", _stack([G @ Gp @ G - G, Gp @ G @ Gp - Gp,
                                           (G @ Gp).T - G @ Gp, (Gp @ G).T - Gp @ G]),
                           None, scale=max(_f(G.max_abs()), _f(Gp.max_abs())) ** 3,
                           magnitude=max(_f(G.max_abs()), _f(Gp.max_abs()))),
        }

    pts = sample_points(entry, _n_random(level, n_points), "C9")
    return _run(entry, level, dps, pts, fn, {
        "DDpD": "DD⁺D = D",
        "DpDDp": "D⁺DD⁺ = D⁺",
        "DDp_sym": "DD⁺ symmetric",
        "DDp_idem": "DD⁺ idempotent (a projector)",
        "DpD_sym": "D⁺D symmetric",
        "DpD_idem": "D⁺D idempotent (a projector)",
        "DT_Gp": "Dᵀ(DDᵀ)⁺ = D⁺",
        "Gp_G": "(DDᵀ)⁺DDᵀ = P (P from a column basis of D)",
        "DDp_P": "DD⁺ = P (two computations of the projector)",
        "penrose": "(DDᵀ)⁺ satisfies the four Penrose equations for DDᵀ",
    })


claim_check("C9")(check_c9)


if __name__ == "__main__":
    from ._main import main

    raise SystemExit(main("C9"))
