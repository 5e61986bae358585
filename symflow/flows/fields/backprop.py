"""Backpropagation in fixed point: the δ's of each sample/output/hidden layer, and Dᵀu from them
(D itself is never formed)."""

from __future__ import annotations


class Backprop:
    """Mixin of :class:`FixedPointField`: δ's and Dᵀu."""


    def _deltas(self, Ws, ders, P):
        """δ⁽ˡ⁾ for each sample j, output q, hidden layer l < L−1 (output layer: e_q)."""
        L, Q = self.L, self.Q
        WT = [list(zip(*W)) for W in Ws]
        out = []
        for Dr in ders:
            per_q = []
            for q in range(Q):
                dl = [None] * L
                if L >= 2:
                    # δ⁽ᴸ⁻²⁾_k = W⁽ᴸ⁻¹⁾_{qk} σ'_k
                    cur = [(w * d) >> P for w, d in zip(Ws[L - 1][q], Dr[L - 2])]
                    dl[L - 2] = cur
                    for l in range(L - 2, 0, -1):
                        cur = [((sum([w * c for w, c in zip(col, cur)]) >> P) * d) >> P
                               for col, d in zip(WT[l], Dr[l - 1])]
                        dl[l - 1] = cur
                per_q.append(dl)
            out.append(per_q)
        return out

    def _DT(self, u, acts, deltas, P):
        """Dᵀu (K fixed-point values) from the δ's, without forming D."""
        N, Q, L = self.N, self.Q, self.L
        out = [0] * self.K
        for l in range(L):
            ws, bsl = self.slices[l]
            n_in, n_out = self.widths[l], self.widths[l + 1]
            cs = []
            for j in range(N):
                uj = u[j * Q:(j + 1) * Q]
                if l == L - 1:
                    cs.append(uj)
                else:
                    c = [0] * n_out
                    for q in range(Q):
                        uq = uj[q]
                        if uq:
                            c = [ci + uq * di for ci, di in zip(c, deltas[j][q][l])]
                    cs.append([ci >> P for ci in c])
            for i in range(n_out):
                base = ws.start + i * n_in
                acc = [0] * n_in
                for j in range(N):
                    ci = cs[j][i]
                    if ci:
                        acc = [s + ci * a for s, a in zip(acc, acts[j][l])]
                out[base:base + n_in] = [s >> P for s in acc]
                if bsl is not None:
                    out[bsl.start + i] = sum(cs[j][i] for j in range(N))
        return out
