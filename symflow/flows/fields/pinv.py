"""G⁺b from a rank-revealing (diagonally pivoted) LDLᵀ in fixed point (``rank_loss="pinv"``)."""

from __future__ import annotations

import math

from mpmath import mp


class PinvSolve:
    """Mixin of :class:`FixedPointField`: G⁺b."""


    def _pinv_solve(self, G, b, P):
        """G⁺b from a rank-revealing (diagonally pivoted) LDLᵀ, G ≈ LΔLᵀ with L of full column
        rank r: G⁺ = L(LᵀL)⁻¹Δ⁻¹(LᵀL)⁻¹Lᵀ. Pivots below 10^-rank_digits·max diag count as 0."""
        n = len(b)
        digits = self.rank_digits if self.rank_digits is not None else mp.dps - 5
        dmax = max(G[i][i] for i in range(n))
        if dmax <= 0:
            return [0] * n
        cut = dmax >> int(math.ceil(digits * math.log2(10)))
        S = [list(row) for row in G]
        active = list(range(n))
        cols, ds = [], []
        P2 = 2 * P
        while active:
            i = max(active, key=lambda j: S[j][j])
            dk = S[i][i]
            if dk <= cut:
                break
            col = [0] * n
            for j in active:
                col[j] = (S[j][i] << P) // dk
            active.remove(i)
            for j in active:
                cj = col[j]
                if cj:
                    Sj = S[j]
                    for m in active:
                        Sj[m] -= (cj * col[m] * dk) >> P2
            cols.append(col)
            ds.append(dk)
        r = len(cols)
        if r == 0:
            return [0] * n
        c = [sum([u * v for u, v in zip(col, b)]) >> P for col in cols]            # Lᵀb
        M = [[sum([u * v for u, v in zip(ci, cj)]) >> P for cj in cols] for ci in cols]
        saved, self.rank_loss = self.rank_loss, "stop"
        try:
            c = self._solve(M, c, P)
            c = [(v << P) // dk for v, dk in zip(c, ds)]
            c = self._solve(M, c, P)
        finally:
            self.rank_loss = saved
        return [sum([cols[k][i] * c[k] for k in range(r)]) >> P for i in range(n)]
