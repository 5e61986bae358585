"""Forward pass of the network in fixed point: activations, σ' of the hidden layers, outputs."""

from __future__ import annotations

from mpmath import mp, mpf
from mpmath.libmp import from_man_exp, mpf_tanh

from .fixed import _RND, _fix, tanh_fixed


class Forward:
    """Mixin of :class:`FixedPointField`: σ(z), σ'(z) and the forward pass."""

    # -- pieces ---------------------------------------------------------------------------
    def _act(self, z, P, prec):
        """σ(z), σ'(z) in fixed point."""
        if self._ident:
            return z, 1 << P
        if self._tanh:
            s = _fix(mpf_tanh(from_man_exp(z, -P), prec, _RND), P)
            return s, (1 << P) - ((s * s) >> P)
        zm = mp.make_mpf(from_man_exp(z, -P))
        return _fix(mpf(self._sig(zm))._mpf_, P), _fix(mpf(self._dsig(zm))._mpf_, P)

    def _forward(self, th, P, with_derivs=True):
        """Per sample: activations a⁽⁰⁾…a⁽ᴸ⁻¹⁾ (inputs of each layer), σ' of hidden layers,
        outputs; plus the weight matrices."""
        inputs = self._c(P)[0]
        prec = mp.prec
        Ws, bs = [], []
        for (ws, bsl), n_in, n_out in zip(self.slices, self.widths[:-1], self.widths[1:]):
            s0 = ws.start
            Ws.append([th[s0 + i * n_in: s0 + (i + 1) * n_in] for i in range(n_out)])
            bs.append(th[bsl] if bsl is not None else None)
        L = self.L
        acts, ders, xs = [], [], []
        for x0 in inputs:
            a = x0
            A, Dr = [a], []
            for l in range(L):
                W, b = Ws[l], bs[l]
                z = [sum([wi * ai for wi, ai in zip(Wi, a)]) >> P for Wi in W]
                if b is not None:
                    z = [zi + bi for zi, bi in zip(z, b)]
                if l < L - 1:
                    if self._tanh:
                        a = tanh_fixed(z, P, prec)
                        one = 1 << P
                        A.append(a)
                        Dr.append([one - ((s * s) >> P) for s in a])
                    elif self._sigmoid:     # σ(z) = (1 + tanh(z/2))/2, σ' = σ(1 − σ)
                        one = 1 << P
                        a = [(one + v) >> 1 for v in tanh_fixed([v >> 1 for v in z], P, prec)]
                        A.append(a)
                        Dr.append([(s * (one - s)) >> P for s in a])
                    else:
                        sd = [self._act(v, P, prec) for v in z]
                        a = [u for u, _ in sd]
                        A.append(a)
                        Dr.append([d for _, d in sd])
                else:
                    xs.extend(z)
            acts.append(A)
            ders.append(Dr)
        return Ws, acts, ders, xs
