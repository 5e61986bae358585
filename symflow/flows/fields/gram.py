"""The NTK G = DDᵀ from its layer factorization
G[(j,q),(j',q')] = Σ_l (δ⁽ˡ⁾_{jq}·δ⁽ˡ⁾_{j'q'})(a⁽ˡ⁻¹⁾_j·a⁽ˡ⁻¹⁾_{j'} + 1), in fixed point."""

from __future__ import annotations


class Gram:
    """Mixin of :class:`FixedPointField`: G from activations and δ's."""


    def _gram(self, acts, deltas, P):
        N, Q, L = self.N, self.Q, self.L
        one = (1 << P) if self.bias else 0
        AA = [[[None] * N for _ in range(N)] for _ in range(L)]
        for l in range(L):
            for j in range(N):
                aj = acts[j][l]
                for k in range(j, N):
                    v = (sum([u * v for u, v in zip(aj, acts[k][l])]) >> P) + one
                    AA[l][j][k] = AA[l][k][j] = v
        n = N * Q
        G = [[0] * n for _ in range(n)]
        for j in range(N):
            for q in range(Q):
                r = j * Q + q
                dj = deltas[j][q]
                for k in range(j, N):
                    for q2 in range(Q if k > j else Q - q):
                        q2 = q2 if k > j else q + q2
                        r2 = k * Q + q2
                        dk = deltas[k][q2]
                        s = AA[L - 1][j][k] if q == q2 else 0
                        for l in range(L - 1):
                            dd = sum([u * v for u, v in zip(dj[l], dk[l])]) >> P
                            s += (dd * AA[l][j][k]) >> P
                        G[r][r2] = G[r2][r] = s
        return G
