"""α of a field spec: "standard" → 0, "adapted" → 1, or a number in [0, 1].

Deliberate second implementation of the library's field-spec parser
(:func:`symflow.core.fields.parse_field`), used by the trajectory claims — C5 along flows, C6,
C7, C8 and C10, through :mod:`symflow.claims.trajectories` (the flow cache's key) — to know which
α a flow *should* follow, and to name and key its evidence. A check must not take the α it
expects from the code it checks: a parser that swapped α ↔ 1 − α would otherwise expect exactly
the wrong flow it produced. Written independently of ``parse_field`` (plain ``Fraction`` parsing,
no SymPy rationals, no library validation).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import sympy as sp

__all__ = ["field_alpha"]


def field_alpha(field: Any) -> Fraction:
    """α of a field spec ("standard" → 0, "adapted" → 1, or a number in [0, 1])."""
    if isinstance(field, str):
        f = field.strip().lower()
        if f == "standard":
            return Fraction(0)
        if f == "adapted":
            return Fraction(1)
        a = Fraction(f)
    elif isinstance(field, sp.Rational):
        a = Fraction(int(field.p), int(field.q))
    else:
        a = Fraction(field)
    if not 0 <= a <= 1:
        raise ValueError(f"field α = {a} is outside [0, 1]")
    return a
