"""The pointwise claims at one case: the fast property function of the test suite.

:func:`check_case` checks at a :class:`~symflow.testing.strategies.Case` (network, exact data,
θ, rank D) the claims that are identities at a point:

=====  ===========================================================================================
C9     D D⁺ D = D and (DDᵀ)⁺DDᵀ = DD⁺ (= P)
C2     adapted output field D(−D⁺g) = −P g (closed form with P from the projector)
C3     V_0 = −Dᵀg
C4     V_α(θ) = 0 ⇔ P g = 0, for α ∈ {0, 1/2, 1}
C5     dC/ds = gᵀ D V_α ≤ 0 for α ∈ {0, 1/2, 1}
C1     x' = −g  — only at rank D = QN
C10    at rank D < QN: is x' ≠ −g (a counterexample to C6 without its hypothesis)?
=====  ===========================================================================================

Rational networks with the L2 loss are checked exactly (flint rationals); the others at mpmath
``dps`` digits with tolerance 10^(5−dps)·scale·κ(D)^p (κ = σ₁/σ_r measured at the point).
The property tests (``tests/test_properties*.py``) call it on Hypothesis draws. The full claim
set, with flows, over a seeded stream of cases and on many workers, is the campaign
(:mod:`symflow.campaign`, ``symflow campaign``).

>>> from symflow.testing.strategies import Case
>>> res = check_case(Case.build([1, 1], "identity", True, [[1], [2]], [[0], [1]], [1, 0]))
>>> sorted(res), all(ok for ok, _ in res.values())
(['C1', 'C2', 'C3', 'C4', 'C5', 'C9'], True)
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import mpmath

from ..backends import tolerance as _rules
from ..backends.arith import working_precision
from ..backends.linalg import Mat, pinv, projector, rank_info
from ..core.fields import output_field, output_field_closed_form, parameter_field
from .strategies import Case

__all__ = ["check_case"]


def _tolerance(dps: int, scale: Any, kappa: Any, p: int) -> Any:
    """The pointwise mpmath tolerance 10^(5 − dps)·scale·κ^p (see the module docstring): the
    trajectory rule of :func:`symflow.backends.tolerance.trajectory` grown by scale and κ^p."""
    return _rules.trajectory(dps) * scale * kappa ** p


def _kappa(D: Mat, dps: int):
    info = rank_info(D, dps)
    nz = [s for s in info.singular_values if s > info.threshold]
    return nz[0] / nz[-1] if nz else mpmath.mpf(1)


def check_case(case: Case, dps: int = 30) -> dict[str, tuple[bool, str]]:
    """Check the pointwise claims at ``case``: {claim: (passed, detail)}; see module docstring.

    ``"C1"`` is present only at full rank, ``"C10"`` (True when x' ≠ −g, i.e. a counterexample
    exists here) only below full rank.
    """
    prob = case.problem
    exact = prob.rational
    out: dict[str, tuple[bool, str]] = {}
    with working_precision(dps):
        pd = case.at("exact" if exact else "mpmath", dps)
        D, g = pd.D, pd.grad
        Dp, P, G = pinv(D, dps), projector(D, dps), D @ D.T
        Gp = pinv(G, dps)
        if exact:
            small = lambda m, p=2: (m.is_zero(), "exact")
        else:
            k = _kappa(D, dps)
            scale = max(mpmath.mpf(1), D.max_abs() ** 2, Dp.max_abs() ** 2, g.max_abs())

            def small(m, p=2):
                t = _tolerance(dps, scale, k, p)
                r = m.max_abs()
                return (bool(r <= t), f"residual {mpmath.nstr(r, 5)} vs tolerance "
                                      f"{mpmath.nstr(t, 5)}")
        r1, d1 = small(D @ Dp @ D - D)
        r2, d2 = small(Gp @ G - D @ Dp, 4)
        out["C9"] = (r1 and r2, d1 + "; " + d2)
        xa = output_field(pd, "adapted")
        out["C2"] = small(xa - output_field_closed_form(pd, "adapted"))
        out["C3"] = small(parameter_field(pd, "standard") + D.T @ g)
        Pg_zero = small(P @ g)[0]
        fields = {a: parameter_field(pd, a) for a in (0, Fraction(1, 2), 1)}
        eq = [small(V, 4)[0] == Pg_zero for V in fields.values()]
        out["C4"] = (all(eq), f"P∇C = 0: {Pg_zero}; V_α = 0 agrees for α = 0, 1/2, 1: {eq}")
        dCs = [(g.T @ D @ V)[0, 0] for V in fields.values()]
        tolC = 0 if exact else _tolerance(dps, scale ** 2, k, 4)
        shown = [str(d) if exact else mpmath.nstr(d, 5) for d in dCs]
        out["C5"] = (all(d <= tolC for d in dCs), f"dC/ds for α = 0, 1/2, 1: {shown}")
        c6 = small(xa + g)
        if case.full_rank:
            out["C1"] = c6
        else:
            out["C10"] = (not c6[0], c6[1])
    return out
