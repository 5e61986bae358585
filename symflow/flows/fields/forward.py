"""Forward pass of the network in fixed point: activations, σ' of the hidden layers, outputs."""

from __future__ import annotations

from mpmath import mp, mpf
from mpmath.libmp import from_man_exp

from .fixed import _fix, tanh_fixed


class Forward:
    """Mixin of :class:`FixedPointField`: σ(z), σ'(z) and the forward pass."""

    # -- pieces ---------------------------------------------------------------------------
    def _act(self, z, P, prec):
        """σ(z), σ'(z) in fixed point, one value, by the activation's compiled mpmath σ, σ'
        (tanh and σ go through :meth:`_sigma`'s Arb path)."""
        if self._ident:
            return z, 1 << P
        zm = mp.make_mpf(from_man_exp(z, -P))
        return _fix(mpf(self._sig(zm))._mpf_, P), _fix(mpf(self._dsig(zm))._mpf_, P)

    def _sigma(self, z, P, prec):
        """σ(z), σ'(z) of a flat list of pre-activations (fixed point; Python ints): tanh by
        Arb with σ' = 1 − σ², the logistic σ(z) = (1 + tanh(z/2))/2 with σ' = σ(1 − σ), any
        other activation value by value (:meth:`_act`). Every kernel takes σ from here."""
        one = 1 << P
        if self._tanh:
            a = tanh_fixed(z, P, prec)
            return a, [one - ((s * s) >> P) for s in a]
        if self._sigmoid:
            a = [(one + v) >> 1 for v in tanh_fixed([v >> 1 for v in z], P, prec)]
            return a, [(s * (one - s)) >> P for s in a]
        sd = [self._act(v, P, prec) for v in z]
        return [int(u) for u, _ in sd], [int(d) for _, d in sd]

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
                    a, d = self._sigma(z, P, prec)
                    A.append(a)
                    Dr.append(d)
                else:
                    xs.extend(z)
            acts.append(A)
            ders.append(Dr)
        return Ws, acts, ders, xs
