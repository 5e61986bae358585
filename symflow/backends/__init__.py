"""Arithmetic levels: scalars, matrices, rank / pseudo-inverse / projector and tolerance rules.

One :class:`~symflow.backends.base.Backend` per level — :mod:`~symflow.backends.exact`,
:mod:`~symflow.backends.ball`, :mod:`~symflow.backends.mpmath`,
:mod:`~symflow.backends.float64` — and ``backend(level)`` returns it. Everything above this
package asks the backend of a level instead of branching on the level.

>>> backend("exact").tolerance(30), backend("ball").work_dps(30)
(0, 60)
"""

from __future__ import annotations

from typing import Any

from .base import Backend, Decided, Decision, RankInfo
from .ball import BallBackend
from .exact import ExactBackend
from .float64 import Float64Backend
from .levels import Level
from .mpmath import MpmathBackend

__all__ = ["Backend", "Decided", "Decision", "RankInfo", "Level", "backend", "backend_for_arith",
           "integration_backend", "BACKENDS"]

#: The backend of each level.
BACKENDS: dict[Level, Backend] = {b.level: b for b in (ExactBackend(), BallBackend(),
                                                        MpmathBackend(), Float64Backend())}


def backend(level: "Level | str | Any") -> Backend:
    """The backend of ``level`` (a :class:`Level`, its name, or an object with ``.level``)."""
    if isinstance(level, Backend):
        return level
    lv = getattr(level, "level", level)
    return BACKENDS[Level.parse(lv)]


def backend_for_arith(name: str) -> Backend | None:
    """The backend whose scalar arithmetic is called ``name``; None for ``"sympy"`` (symbolic
    expressions are not a level: they have no values to judge)."""
    for b in BACKENDS.values():
        if b.arith.name == name:
            return b
    return None


def integration_backend(arith: Any) -> Backend:
    """The backend of a level flows integrate at (its raw-vector operations exist): ``mpmath``
    or ``float64``; DataError naming ``arith`` otherwise."""
    be = backend_for_arith(arith) if isinstance(arith, str) else None
    if be is None or not be.integrates:
        from ..errors import DataError
        names = [b.arith.name for b in BACKENDS.values() if b.integrates]
        raise DataError(f"arith must be {' or '.join(repr(n) for n in names)}, got {arith!r}",
                        arith)
    return be
