"""The fixed-point field with its matrix products in FLINT (python-flint ``fmpz_mat``).

The same quantities as the list kernels (:mod:`.forward`, :mod:`.backprop`, :mod:`.gram`), with
the samples as matrix columns so that every contraction over a layer width is one integer
matrix product in C:

* forward: Z_{l+1} = W_l A_l (+ b_l), A_{l+1} = σ(Z_{l+1}) — A_l is n_l × N;
* backward: Δ_h (n_h × NQ, column j·Q + q = ∂x_{jq}/∂z⁽ʰ⁾_j): Δ_{L−1}[i, jq] = W_{L−1}[q, i]·σ'_{ij},
  Δ_{h−1} = (W_{h−1}ᵀ Δ_h) ∘ σ'(Z_{h−1});
* NTK: G = Σ_l (Δ_{l+1}ᵀΔ_{l+1}) ∘ E(A_lᵀA_l + 1), E repeating each sample entry over the Q×Q
  output pairs (Δ_L the identity: the output layer adds δ_{qq'}(A_{L−1}ᵀA_{L−1} + 1));
* Dᵀu: the gradient of layer l is C_l A_lᵀ, C_l[i, j] = Σ_q u_{jq} Δ_{l+1}[i, jq]; its bias
  gradient the row sums of C_l.

Only the elementwise work (σ, the Hadamard products, the shifts back to 2^−P) runs in Python, on
the entries read back as ``int``, so the Python work of an evaluation grows like the number of
entries, not of products; the conversions into and out of ``fmpz_mat`` (≈ 0.1–0.5 µs an entry)
are what limits the gain. Used beyond the straight-line programs' size (:mod:`.program`) when
the network is wide (:data:`MIN_MATRIX_WIDTH`); narrower ones keep the list kernels.
"""

from __future__ import annotations

import flint


__all__ = ["MatrixKernels", "MIN_MATRIX_WIDTH"]

#: Networks whose widest hidden layer is narrower than this use the list kernels (measured at
#: 30 digits, one evaluation of D⁺w: width 12, K = 230: matrix 1.40 ms, lists 1.29 ms; width 24,
#: K = 819: 10.5 against 11.4 ms; width 40, K = 2043: 20.9 against 27.0 ms).
MIN_MATRIX_WIDTH = 24

_mat = flint.fmpz_mat
_fmpz = flint.fmpz


class MatrixKernels:
    """Mixin of :class:`~symflow.flows.fields.FixedPointField`: the forward pass, the δ's, G
    and Dᵀu on ``fmpz_mat`` (see the module docstring). Needs the field's ``_c`` constants,
    ``_sigma`` (:class:`~.forward.Forward`) and the layout attributes."""

    def _inputs_mat(self, P):
        key = ("A0", P)
        A0 = self._consts.get(key)
        if A0 is None:
            inputs = self._c(P)[0]
            n0 = self.widths[0]
            A0 = self._consts[key] = _mat(n0, self.N, [inputs[j][m] for m in range(n0)
                                                       for j in range(self.N)])
        return A0

    def _forward_m(self, th, P, prec):
        """(W_l matrices, A_l matrices, σ' lists per hidden layer, x sample-major)."""
        N, L = self.N, self.L
        A = self._inputs_mat(P)
        Ws, As, Ds = [], [A], []
        for l, ((ws, bsl), n_in, n_out) in enumerate(zip(self.slices, self.widths[:-1],
                                                        self.widths[1:])):
            W = _mat(n_out, n_in, [int(v) for v in th[ws]])
            Ws.append(W)
            z = [int(v) >> P for v in (W * A).entries()]
            if bsl is not None:
                b = th[bsl]
                z = [v + b[i // N] for i, v in enumerate(z)]
            if l < L - 1:
                a, d = self._sigma(z, P, prec)
                A = _mat(n_out, N, a)
                As.append(A)
                Ds.append(d)
            else:
                Q = n_out
                xs = [z[q * N + j] for j in range(N) for q in range(Q)]
        return Ws, As, Ds, xs

    def _deltas_m(self, Ws, Ds, P):
        """Δ_h as ``fmpz_mat`` (n_h × NQ) for the hidden layers h = 1 … L−1 (index h−1)."""
        N, Q, L = self.N, self.Q, self.L
        if L < 2:
            return []
        n = self.widths[L - 1]
        WL = Ws[L - 1].entries()                  # Q × n, row-major
        d = Ds[L - 2]                             # n × N, row-major
        cur = [(int(WL[q * n + i]) * d[i * N + j]) >> P
               for i in range(n) for j in range(N) for q in range(Q)]
        out = [None] * (L - 1)
        out[L - 2] = _mat(n, N * Q, cur)
        for h in range(L - 1, 1, -1):
            nn = self.widths[h - 1]
            prod = (Ws[h - 1].transpose() * out[h - 1]).entries()    # nn × NQ
            dd = Ds[h - 2]
            NQ = N * Q
            cur = [((int(prod[r * NQ + c]) >> P) * dd[r * N + c // Q]) >> P
                   for r in range(nn) for c in range(NQ)]
            out[h - 2] = _mat(nn, NQ, cur)
        return out

    def _gram_m(self, As, deltas, P):
        """G = DDᵀ (list of QN rows, fixed point)."""
        N, Q, L = self.N, self.Q, self.L
        n = N * Q
        one = (1 << P) if self.bias else 0
        S = [[(int(v) >> P) + one for v in (A.transpose() * A).entries()] for A in As]
        G = [[0] * n for _ in range(n)]
        SL = S[L - 1]
        for r in range(n):          # the output layer: δ_{qq'}(A_{L−1}ᵀA_{L−1} + 1)
            j, q = divmod(r, Q)
            Gr = G[r]
            for k in range(N):
                Gr[k * Q + q] = SL[j * N + k]
        for h in range(1, L):
            Dh = deltas[h - 1]
            T = [int(v) >> P for v in (Dh.transpose() * Dh).entries()]
            Sl = S[h - 1]
            Sx = [[Sl[j * N + c // Q] for c in range(n)] for j in range(N)]   # E(S) rows
            for r in range(n):
                Gr = G[r]
                add = [(t * sv) >> P for t, sv in zip(T[r * n + r:(r + 1) * n], Sx[r // Q][r:])]
                Gr[r:] = [g + v for g, v in zip(Gr[r:], add)]
        for r in range(n):          # the upper triangle is complete: mirror it
            for c in range(r + 1, n):
                G[c][r] = G[r][c]
        return G

    def _DT_m(self, u, As, deltas, P):
        """Dᵀu (K fixed-point values)."""
        N, Q, L = self.N, self.Q, self.L
        out = [0] * self.K
        for l in range(L):
            ws, bsl = self.slices[l]
            n_out = self.widths[l + 1]
            if l == L - 1:
                C = [u[j * Q + q] for q in range(Q) for j in range(N)]
            else:
                Dl = deltas[l].entries()            # n_out × NQ
                NQ = N * Q
                C = []
                for i in range(n_out):
                    row = Dl[i * NQ:(i + 1) * NQ]
                    C.extend(sum([int(row[j * Q + q]) * u[j * Q + q] for q in range(Q)]) >> P
                             for j in range(N))
            g = (_mat(n_out, N, C) * As[l].transpose()).entries()
            out[ws] = [int(v) >> P for v in g]
            if bsl is not None:
                out[bsl] = [sum(C[i * N:(i + 1) * N]) for i in range(n_out)]
        return out
