"""Rank, condition number on the range and (DDᵀ)⁺g, from an eigendecomposition of G = DDᵀ.

Deliberate second implementation of the rank of D and of (DDᵀ)⁺g, used by C0's integrator
comparisons (:mod:`symflow.claims.c00.integrator`) to cross-check which branch of the
integrators' field evaluators applies at a point (``FixedPointField`` / ``CompiledField``: the
LDLᵀ solve with G where rank D = QN, the ``rank_loss="pinv"`` evaluator otherwise) and to scale
their tolerances by κ. Written independently of the library's SVD-based rank, pseudo-inverse and
projector (:func:`symflow.backends.linalg.rank_info`, ``pinv``, ``projector``) — which give the
reference fields the evaluators are compared with — and of the evaluators' own LDLᵀ solves: a
symmetric eigendecomposition of G (``mpmath.eigsy``) with the same cut-off rule as
:mod:`symflow.backends.linalg` (eigenvalues ≤ λ_max·QN·10^(5 − digits) count as 0).
"""

from __future__ import annotations

import mpmath

from ..backends.linalg import Mat

__all__ = ["ntk_spectrum"]


def ntk_spectrum(G: Mat, g: Mat, digits: int) -> dict:
    """For G = DDᵀ (QN × QN, mpmath) and g (QN × 1), at the current working precision:
    ``rank`` (eigenvalues above λ_max·QN·10^(5 − digits)), ``full`` (rank = QN), ``kappa``
    (λ_max/λ_min over the kept eigenvalues) and ``hmax`` = max|G⁺g|.

    Rank 0 (no eigenvalue kept: the largest is always kept when positive, so this is λ_max ≤ 0,
    i.e. G = 0 and D = 0) gives G⁺ = 0: nothing is inverted and nothing amplified, so κ = 1
    (the condition number of the identity on range(D) = {0}) and hmax = 0."""
    E, U = mpmath.eigsy(G.data)
    n = G.shape[0]
    lam = [E[i] for i in range(n)]
    lmax = max(lam) if lam else mpmath.mpf(0)
    thr = lmax * n * mpmath.mpf(10) ** (5 - digits)
    keep = [i for i in range(n) if lam[i] > thr]
    lmin = min((lam[i] for i in keep), default=mpmath.mpf(0))
    h = [mpmath.mpf(0)] * n  # G⁺g
    for i in keep:
        c = mpmath.fsum(U[k, i] * g[k, 0] for k in range(n)) / lam[i]
        h = [hk + c * U[k, i] for k, hk in enumerate(h)]
    return {
        "rank": len(keep), "full": len(keep) == n,
        "kappa": lmax / lmin if keep else mpmath.mpf(1),
        "hmax": max((abs(v) for v in h), default=mpmath.mpf(0)),
    }
