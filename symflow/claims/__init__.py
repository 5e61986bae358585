"""The claims C1–C10 of THEORY.md, each checked by library code and returning Verdicts.

``registry``     :class:`Claim`, :func:`register`, :func:`claim_check`, :func:`check`,
                 :func:`check_all` (read its docstring before contributing checks)
``pointwise``    C1, C2, C3, C4, C5 (pointwise part), C9
``flows``        C5 along trajectories, C6, C7, C10
``crossentropy`` C8
``consistency``  C0 (symflow's self-consistency: D, ∇ₓC, the integrator's evaluator)
"""

from __future__ import annotations

from . import registry
from .registry import (CLAIMS, GLOBAL, Claim, check, check_all, claim_check, get_claim,
                       parse_claim_ids, register, resolve_level)
from . import pointwise, flows, crossentropy
from . import consistency

__all__ = ["CLAIMS", "GLOBAL", "Claim", "check", "check_all", "claim_check", "get_claim",
           "parse_claim_ids", "register", "resolve_level", "registry", "pointwise", "flows",
           "crossentropy", "consistency"]
