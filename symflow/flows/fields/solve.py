"""G⁻¹b by an LDLᵀ factorization in fixed point; a non-positive pivot is a rank loss
(:class:`~symflow.errors.RankError`). With ``rank_loss="pinv"`` it hands over to the pseudo-inverse
solve of :mod:`.pinv`."""

from __future__ import annotations

import mpmath
from mpmath import mpf

from ...errors import RankError


class LDLSolve:
    """Mixin of :class:`FixedPointField`: G⁻¹b (or G⁺b with ``rank_loss="pinv"``)."""


    def _solve(self, G, b, P):
        """G⁻¹b (LDLᵀ) or G⁺b (``rank_loss="pinv"``), fixed point."""
        if self.rank_loss == "pinv":
            return self._pinv_solve(G, b, P)
        n = len(b)
        Lm = [[0] * n for _ in range(n)]
        d = [0] * n
        P2 = 2 * P
        for j in range(n):
            Lj = Lm[j]
            s = G[j][j] - (sum([Lj[k] * Lj[k] * d[k] for k in range(j)]) >> P2)
            if s <= 0:
                raise RankError(f"NTK DDᵀ is not positive definite (LDLᵀ pivot {j} = "
                                f"{mpmath.nstr(mpf(s) / 2 ** P, 5)})", rank=j, expected=n)
            d[j] = s
            for i in range(j + 1, n):
                Li = Lm[i]
                t = G[i][j] - (sum([Li[k] * Lj[k] * d[k] for k in range(j)]) >> P2)
                Li[j] = (t << P) // s
        y = list(b)
        for i in range(n):
            Li = Lm[i]
            y[i] -= sum([Li[k] * y[k] for k in range(i)]) >> P
        y = [(v << P) // di for v, di in zip(y, d)]
        for i in range(n - 1, -1, -1):
            y[i] -= sum([Lm[k][i] * y[k] for k in range(i + 1, n)]) >> P
        return y
