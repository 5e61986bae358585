"""C3 — Theorem 2.3, endpoints: V_0 is the standard field −Dᵀ∇ₓC, V_1 the adapted field −D⁺∇ₓC.

V_α = −Dᵀ((1−α)I + α(DDᵀ)⁺)∇ₓC (:func:`~symflow.claims.objects.v_alpha`) is compared pointwise
with −Dᵀg and −pinv(D)g, and the library's "standard"/"adapted" fields with V_0/V_1.

Every check function accepts injectable pieces (``field_fn``, ``pinv_fn``, …) so that tests can
feed a deliberately wrong field and see the verdict refuted.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Callable

from ..backends.levels import Level
from .evidence import Evidence
from ..backends.linalg import Mat, pinv
from ..core.problem import PointData
from .registry import claim_check, register
from .judge import Cmp, _run
from .sampling import _n_random, sample_points
from .objects import library_field, v_alpha

__all__ = ["check_c3"]


register("C3", "Theorem 2.3, endpoints: V_0 is the standard field, V_1 the adapted field",
         "V_0 is the standard field and V_1 the adapted field.", "Theorem 2.3")


def check_c3(entry, *, dps: int = 30, level: Level = Level.EXACT, progress=None,
             field_fn: Callable[[PointData, Fraction], Mat] | None = None,
             n_points: int | None = None) -> list[Evidence]:
    """C3: V_α = −Dᵀ((1−α)I + α(DDᵀ)⁺)g at α = 0 equals −Dᵀg, at α = 1 equals −D⁺g (D⁺ from
    ``pinv(D)``); the library's "standard"/"adapted" fields equal V_0/V_1.
    ``field_fn(pd, α)`` replaces the V_α formula."""
    level = Level.parse(level)
    vfn = field_fn or v_alpha

    def fn(pd):
        D, g = pd.D, pd.grad
        V0, V1 = vfn(pd, Fraction(0)), vfn(pd, Fraction(1))
        return {"V0": Cmp("zero", V0, -(D.T @ g)),
                "V1": Cmp("zero", V1, -(pinv(D, pd.dps or 30) @ g)),
                "lib0": Cmp("zero", library_field(pd, Fraction(0)), V0),
                "lib1": Cmp("zero", library_field(pd, Fraction(1)), V1)}

    pts = sample_points(entry, _n_random(level, n_points), "C3")
    return _run(entry, level, dps, pts, fn, {
        "V0": "V_0 = −Dᵀ(1·I + 0·(DDᵀ)⁺)∇ₓC equals the standard field −Dᵀ∇ₓC",
        "V1": "V_1 = −Dᵀ(DDᵀ)⁺∇ₓC equals the adapted field −D⁺∇ₓC (D⁺ = pinv(D) directly)",
        "lib0": "the library's 'standard' field equals V_0",
        "lib1": "the library's 'adapted' field equals V_1",
    })


claim_check("C3")(check_c3)


if __name__ == "__main__":
    from ._main import main

    raise SystemExit(main("C3"))
