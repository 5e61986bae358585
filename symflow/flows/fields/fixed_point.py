"""The parameter fields at mpf points in fixed-point integer arithmetic: :class:`FixedPointField`
composes the forward pass (:mod:`.forward`), the δ's (:mod:`.backprop`), the NTK (:mod:`.gram`) and
the solves (:mod:`.solve`, :mod:`.pinv`) — or, with the same integer operations, the
straight-line program of the problem (:mod:`.program`) or FLINT matrix products
(:mod:`.matrices`). The engine calls it on fixed-point integers directly (``fixed_bits``,
``field_fixed``, ``line_field_fixed``)."""

from __future__ import annotations

from typing import Any, Optional

from mpmath import mp, mpf
from mpmath.libmp import from_man_exp

from ...errors import ParameterError
from ...core.fields import field_alpha, field_spec
from ...core.losses import L2
from ...core.problem import Problem
from .backprop import Backprop
from .fixed import _FIX_GUARD, _RND, _fix, _is_builtin
from .forward import Forward
from .gram import Gram
from .matrices import MIN_MATRIX_WIDTH, MatrixKernels
from .program import fits, program
from .pinv import PinvSolve
from .solve import LDLSolve


class FixedPointField(Forward, Backprop, Gram, MatrixKernels, LDLSolve, PinvSolve):
    """The parameter fields at mpf points, computed in fixed-point integers (see module doc).

    ``field(theta)`` → θ' for V_α (``α`` from ``field``) or for a
    :class:`~symflow.core.fields.LevenbergMarquardt` field ``lm`` (then ``alpha`` is None):
    −c·Dᵀ(G + λI)⁻¹g by the same LDLᵀ with λ added on the diagonal (G + λI ≻ 0: never the
    pseudo-inverse), ``line_field(theta, w)`` → D⁺w,
    ``ntk(theta)`` → G as mpf rows, ``outputs(theta)``. All at ``P = mp.prec + 40`` bits;
    call inside ``mpmath.workdps``. A non-positive LDLᵀ pivot of G raises
    :class:`~symflow.errors.RankError` (``rank_loss="stop"``); with ``rank_loss="pinv"`` G⁺ from
    an eigendecomposition is used, eigenvalues below ``10^-rank_digits·λ_max`` dropped.
    """

    def __init__(self, problem: Problem, field: Any = "adapted", rank_loss: str = "stop",
                 rank_digits: Optional[int] = None) -> None:
        net = problem.network
        self.problem = problem
        spec = field_spec(field)
        self.alpha = field_alpha(spec)
        self.lm = None if self.alpha is not None else spec
        self.rank_loss = rank_loss
        self.rank_digits = rank_digits
        self.widths = net.widths
        self.L = net.depth
        self.bias = net.bias
        self.slices = net.layer_slices
        self.N, self.Q, self.K = problem.N, problem.Q, problem.K
        act = net.activation
        self._tanh = _is_builtin(act, "tanh")
        self._ident = _is_builtin(act, "identity")
        self._sigmoid = _is_builtin(act, "sigmoid")
        self._straight = fits(self)
        self._matrices = not self._straight and \
            max(self.widths[1:-1], default=0) >= MIN_MATRIX_WIDTH
        self._programs: dict = {}
        self._sig, self._dsig = act.compiled("mpmath")
        self._l2 = isinstance(problem.loss, L2)
        self._consts: dict = {}

    # -- constants at a given number of bits ---------------------------------------------
    def _c(self, P):
        c = self._consts.get(P)
        if c is None:
            conv = lambda r: (int(r.p) << P) // int(r.q)  # noqa: E731
            inputs = [[conv(v) for v in row] for row in self.problem.inputs]
            y = [conv(v) for v in self.problem.y_flat]
            a = self.alpha if self.lm is None else self.lm.lam
            c = self._consts[P] = (inputs, y, (int(a.p) << P) // int(a.q))
        return c

    def _in(self, theta, P):
        th = self.fix_vector(theta, P)
        if len(th) != self.K:
            raise ParameterError(f"θ has {len(th)} entries, expected K = {self.K}", len(th))
        return th

    def _out(self, vals, P, negate=False):
        mk = mp.make_mpf
        prec = mp.prec
        if negate:
            return [mk(from_man_exp(-v, -P, prec, _RND)) for v in vals]
        return [mk(from_man_exp(v, -P, prec, _RND)) for v in vals]

    # -- public ---------------------------------------------------------------------------
    def outputs(self, theta) -> list:
        """x[θ] (QN mpf values)."""
        P = mp.prec + _FIX_GUARD
        _, _, _, xs = self._forward(self._in(theta, P), P)
        return self._out(xs, P)

    def ntk(self, theta) -> list:
        """G = DDᵀ at θ as QN rows of mpf."""
        P = mp.prec + _FIX_GUARD
        _, gram, _ = self._kernels(self._in(theta, P), P)
        return [self._out(row, P) for row in gram()]

    def field(self, theta) -> list:
        """θ' = V_α(θ) = −Dᵀ((1−α)g + αG⁻¹g), or −c·Dᵀ(G + λI)⁻¹g, g = ∇ₓC."""
        P = mp.prec + _FIX_GUARD
        return self._out(self._field_fix(self._in(theta, P), P), P, negate=True)

    @property
    def kernel(self) -> str:
        """Which kernels evaluate the field: "straight-line program", "FLINT matrices" or
        "lists" (the same integers either way)."""
        return ("straight-line program" if self._straight else
                "FLINT matrices" if self._matrices else "lists")

    # -- the engine's fixed-point protocol ----------------------------------------------
    def fixed_bits(self) -> int:
        """P = mp.prec + FIX_GUARD: the bits of the fixed-point values at the current
        precision."""
        return mp.prec + _FIX_GUARD

    def fix_vector(self, vals, P) -> list:
        """mpf values → fixed-point integers at P bits."""
        return [_fix(v._mpf_ if hasattr(v, "_mpf_") else mpf(v)._mpf_, P) for v in vals]

    def field_fixed(self, th, P) -> list:
        """:meth:`field` on fixed-point integers (values m·2^−P) → fixed-point integers."""
        if len(th) != self.K:
            raise ParameterError(f"θ has {len(th)} entries, expected K = {self.K}", len(th))
        return [-v for v in self._field_fix(th, P)]

    def line_field_fixed(self, th, w_fix, P) -> list:
        """:meth:`line_field` on fixed-point integers (θ and w at P bits)."""
        if len(th) != self.K:
            raise ParameterError(f"θ has {len(th)} entries, expected K = {self.K}", len(th))
        return self._line_fix(th, w_fix, P)

    def _kernels(self, th, P):
        """(x, a thunk for G, u ↦ Dᵀu) at θ: by the straight-line program (:mod:`.program`)
        when it fits, the FLINT matrix kernels (:mod:`.matrices`) for wider networks, the list
        kernels otherwise — the same integers in each case (:attr:`kernel` says which)."""
        if self._matrices:
            th = [int(v) for v in th]
            Ws, As, Ds, xs = self._forward_m(th, P, mp.prec)
            deltas = self._deltas_m(Ws, Ds, P)
            return (xs, lambda: self._gram_m(As, deltas, P),
                    lambda u: self._DT_m([int(v) for v in u], As, deltas, P))
        if self._straight:
            run = self._programs.get(P)
            if run is None:
                run = self._programs[P] = program(self, P)
            prec = mp.prec
            return run(th, lambda zs: self._sigma(zs, P, prec))
        Ws, acts, ders, xs = self._forward(th, P)
        deltas = self._deltas(Ws, ders, P)
        return xs, lambda: self._gram(acts, deltas, P), lambda u: self._DT(u, acts, deltas, P)

    def _field_fix(self, th, P):
        _, y, a = self._c(P)
        xs, gram, dt = self._kernels(th, P)
        if self._l2:
            N = self.N
            g = [(xi - yi) // N for xi, yi in zip(xs, y)]
        else:
            p = self.problem
            with mp.workprec(P):
                xm = self._out(xs, P)
                ym = self._out(y, P)
                from ...backends.arith import get_arith
                gm = p.loss.grad(xm, ym, p.N, p.Q, get_arith("mpmath"))
            g = [_fix(v._mpf_, P) for v in gm]
        if self.lm is not None:
            u = self._lm_solve(gram(), g, a, P)
        elif self.alpha == 0:
            u = g
        else:
            h = self._solve(gram(), g, P)
            if self.alpha == 1:
                u = h
            else:
                one = 1 << P
                u = [((one - a) * gi + a * hi) >> P for gi, hi in zip(g, h)]
        return dt(u)

    def _lm_solve(self, G, g, lam, P):
        """c·(G + λI)⁻¹g in fixed point (``lam`` = λ at P bits): the LDLᵀ solve of G + λI,
        positive definite, whatever ``rank_loss`` says."""
        G = [[v + lam if i == j else v for j, v in enumerate(row)] for i, row in enumerate(G)]
        h = self._spd_solve(G, g, P)
        c = self.lm.scale
        if c == 1:
            return h
        return [(int(c.p) * v) // int(c.q) for v in h]

    def line_field(self, theta, w) -> list:
        """dθ/dt = D⁺w = DᵀG⁻¹w (C6, w = y − x(0); mpf list)."""
        P = mp.prec + _FIX_GUARD
        return self._out(self._line_fix(self._in(theta, P), self.fix_vector(w, P), P), P)

    def _line_fix(self, th, w, P):
        """D⁺w in fixed point (θ and w fixed-point integers)."""
        _, gram, dt = self._kernels(th, P)
        return dt(self._solve(gram(), w, P))

