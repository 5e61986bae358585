"""High-precision integration of the flows of THEORY.md: :func:`integrate` → :class:`Trajectory`.

The ODEs (D = ∂x/∂θ is QN × K, g = ∇ₓC, G = DDᵀ the NTK, s the flow time):

==========================  =====================================================================
``field=``                  ODE integrated
==========================  =====================================================================
``"standard"`` (α = 0)      dθ/ds = −Dᵀ g                                    (paper (2.18))
``"adapted"``  (α = 1)      dθ/ds = −D⁺ g = −Dᵀ G⁻¹ g                        (paper (2.27), C1)
α ∈ (0, 1)                  dθ/ds = V_α = −Dᵀ((1−α) g + α G⁻¹ g)             (Theorem 2.3)
adapted, ``t_end=``         dθ/dt = D⁺ w,  w = y − x(0)  on t ∈ [0, 1]        (C6, L2 only)
==========================  =====================================================================

In the time t = 1 − e^{−s/N} of C6 the adapted L2 flow has outputs on the straight line
x = (1 − t)x(0) + t·y and reaches the target at t = 1 in finite time; ``w`` is the expression
*derived* by :func:`symflow.derive_time_change`, not typed in here. With ``rank_loss="pinv"``
G⁻¹ is replaced by G⁺ (eigenvalues below the rank threshold dropped): the constrained flow
x' = −P g of C2/C7.

Method (``arith="mpmath"``): the Gragg–Bulirsch–Stoer engine :func:`symflow.odes.solve_ivp_mp`
at ``dps`` digits (default rtol 10^−dps) on a field evaluated in fixed-point integer arithmetic
(:class:`FixedPointField`): forward pass, backpropagated δ's, and the NTK from its layer
factorization G[(j,q),(j',q')] = Σ_l (δ⁽ˡ⁾_{jq}·δ⁽ˡ⁾_{j'q'})(a⁽ˡ⁻¹⁾_j·a⁽ˡ⁻¹⁾_{j'} + 1), so D itself is
never formed. After each accepted step the eigenvalues of G are computed; when
λ_min/λ_max < 10^−(work_dps − dps − 4) (G too ill-conditioned for the working precision to
deliver ``dps`` digits) the run stops with status ``"rank_loss"`` (or, with
``rank_loss="pinv"``, continues with G⁺). ``arith="float64"`` uses scipy's DOP853 with the same
fields in numpy, for networks too large for mpmath.

>>> import symflow as sf
>>> from symflow.integrate import integrate_tolerance
>>> prob = sf.Problem(sf.mlp([1, 2, 1], "tanh"), inputs=[[1]], targets=[[2]])
>>> traj = sf.integrate(prob, [1, 0, 1, 1, 0, 1, 0], t_end=1, dps=30)
>>> traj.status, traj.time_variable
('success', 't')
>>> x_half = prob.at(traj.theta_at("1/2"), "mpmath", dps=30).x[0, 0]   # evaluated afresh
>>> import mpmath
>>> with mpmath.workdps(30):                                          # (1 − t)x(0) + t·y
...     err = abs(x_half - (traj.x0[0] + traj.y[0]) / 2) / abs(traj.y[0] - traj.x0[0])
>>> bool(err < integrate_tolerance(30))
True
"""

from __future__ import annotations

import math
import time as _time
from dataclasses import dataclass
from typing import Any, Optional, Sequence

import mpmath
import numpy as np
from mpmath import mp, mpf
from mpmath.libmp import from_man_exp, mpf_tanh, round_nearest

from .activations import ACTIVATIONS
from .errors import (DataError, IntegrationError, ParameterError, PrecisionError, RankError,
                     SymflowError)
from .fields import CompiledField, field_name, parse_field
from .losses import L2
from .numbers import MAX_DPS, check_dps, short_repr, to_rational
from .odes import _default_kmax, guard_digits, solve_ivp_mp
from .problem import Problem
from .progress import make_progress, with_time_variable
from .timechange import derive_time_change

__all__ = ["integrate", "Trajectory", "Confirmation", "FixedPointField", "integrate_tolerance",
           "rank_threshold_digits"]

_FIELD_GUARD = 10     # extra working digits so that G may be ill-conditioned by 10^(guard+6)
_FIX_GUARD = 40       # extra bits of the fixed-point field over the working precision
_RND = round_nearest
_CONFIRM_EXTRA = 10   # default confirmation precision: dps + 10


def integrate_tolerance(dps: int):
    """The product requirement 10^(5−dps) (relative agreement with a higher-precision run)."""
    with mp.workdps(max(dps, 15)):
        return mpf(10) ** (5 - dps)


def rank_threshold_digits(dps: int, work_dps: int) -> int:
    """G counts as rank-deficient when λ_min/λ_max < 10^−(work_dps − dps − 4): the round-off
    κ(G)·10^−work_dps of G⁻¹ would then exceed 10^−(dps+4)."""
    return work_dps - dps - 4


# ---------------------------------------------------------------------------------------------
# fixed-point field
# ---------------------------------------------------------------------------------------------

def _fix(v, P):
    """Raw mpf value → integer m with value m·2^−P (truncated)."""
    s, m, e, bc = v
    if not m:
        if bc < 0 or e:   # inf / nan (zero is (0, 0, 0, 0))
            raise ParameterError("non-finite value in the integration state", v)
        return 0
    sh = e + P
    m = m << sh if sh >= 0 else m >> -sh
    return -m if s else m


def _is_builtin(act, name):
    b = ACTIVATIONS.get(name)
    return b is not None and act.expr == b.expr


class FixedPointField:
    """The parameter fields at mpf points, computed in fixed-point integers (see module doc).

    ``field(theta)`` → θ' for V_α (``α`` from ``field``), ``line_field(theta, w)`` → D⁺w,
    ``ntk(theta)`` → G as mpf rows, ``outputs(theta)``. All at ``P = mp.prec + 40`` bits;
    call inside ``mpmath.workdps``. A non-positive LDLᵀ pivot of G raises
    :class:`~symflow.errors.RankError` (``rank_loss="stop"``); with ``rank_loss="pinv"`` G⁺ from
    an eigendecomposition is used, eigenvalues below ``10^-rank_digits·λ_max`` dropped.
    """

    def __init__(self, problem: Problem, field: Any = "adapted", rank_loss: str = "stop",
                 rank_digits: Optional[int] = None) -> None:
        net = problem.network
        self.problem = problem
        self.alpha = parse_field(field)
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
            a = self.alpha
            c = self._consts[P] = (inputs, y, (int(a.p) << P) // int(a.q))
        return c

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
                    sd = [self._act(v, P, prec) for v in z]
                    a = [u for u, _ in sd]
                    A.append(a)
                    Dr.append([d for _, d in sd])
                else:
                    xs.extend(z)
            acts.append(A)
            ders.append(Dr)
        return Ws, acts, ders, xs

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

    def _in(self, theta, P):
        th = []
        for v in theta:
            th.append(_fix(v._mpf_ if hasattr(v, "_mpf_") else mpf(v)._mpf_, P))
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
        Ws, acts, ders, _ = self._forward(self._in(theta, P), P)
        G = self._gram(acts, self._deltas(Ws, ders, P), P)
        return [self._out(row, P) for row in G]

    def field(self, theta) -> list:
        """θ' = V_α(θ) = −Dᵀ((1−α)g + αG⁻¹g), g = ∇ₓC."""
        P = mp.prec + _FIX_GUARD
        return self._out(self._field_fix(self._in(theta, P), P), P, negate=True)

    def field_raw(self, theta_raw) -> list:
        """:meth:`field` on raw mpf value tuples (the engine's raw protocol)."""
        P = mp.prec + _FIX_GUARD
        prec = mp.prec
        return [from_man_exp(-v, -P, prec, _RND)
                for v in self._field_fix([_fix(v, P) for v in theta_raw], P)]

    def _field_fix(self, th, P):
        _, y, a = self._c(P)
        Ws, acts, ders, xs = self._forward(th, P)
        deltas = self._deltas(Ws, ders, P)
        if self._l2:
            N = self.N
            g = [(xi - yi) // N for xi, yi in zip(xs, y)]
        else:
            p = self.problem
            with mp.workprec(P):
                xm = self._out(xs, P)
                ym = self._out(y, P)
                from .arith import get_arith
                gm = p.loss.grad(xm, ym, p.N, p.Q, get_arith("mpmath"))
            g = [_fix(v._mpf_, P) for v in gm]
        if self.alpha == 0:
            u = g
        else:
            h = self._solve(self._gram(acts, deltas, P), g, P)
            if self.alpha == 1:
                u = h
            else:
                one = 1 << P
                u = [((one - a) * gi + a * hi) >> P for gi, hi in zip(g, h)]
        return self._DT(u, acts, deltas, P)

    def line_field(self, theta, w) -> list:
        """dθ/dt = D⁺w = DᵀG⁻¹w (C6, w = y − x(0); mpf list)."""
        P = mp.prec + _FIX_GUARD
        return self._out(self._line_fix(self._in(theta, P), w, P), P)

    def line_field_raw(self, theta_raw, w) -> list:
        """:meth:`line_field` on raw mpf value tuples (the engine's raw protocol)."""
        P = mp.prec + _FIX_GUARD
        prec = mp.prec
        return [from_man_exp(v, -P, prec, _RND)
                for v in self._line_fix([_fix(v, P) for v in theta_raw], w, P)]

    def _line_fix(self, th, w, P):
        Ws, acts, ders, _ = self._forward(th, P)
        deltas = self._deltas(Ws, ders, P)
        h = self._solve(self._gram(acts, deltas, P), [_fix(v._mpf_, P) for v in w], P)
        return self._DT(h, acts, deltas, P)


class _EngineField:
    """f(t, θ) for :func:`symflow.odes.solve_ivp_mp`, with its raw-tuple fast protocol."""

    raw_mpf = True

    def __init__(self, ff: FixedPointField, w=None) -> None:
        self.ff = ff
        self.w = w

    def __call__(self, t, theta):
        if self.w is None:
            return self.ff.field(theta)
        return self.ff.line_field(theta, self.w)

    def raw(self, t, theta_raw):
        if self.w is None:
            return self.ff.field_raw(theta_raw)
        return self.ff.line_field_raw(theta_raw, self.w)


# ---------------------------------------------------------------------------------------------
# results
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Confirmation:
    """Agreement of a trajectory with the same integration at ``dps_high`` digits.

    ``max_rel_diff`` = max over the compared times of max_i|θ_i − θ_i^high| / max_i|θ_i^high|
    (and likewise for the outputs x); ``ok`` iff it is ≤ ``tolerance`` = 10^(5−dps) and both
    runs ended with the same status.
    """

    dps: int
    dps_high: int
    times: tuple
    max_rel_diff: Any
    tolerance: Any
    ok: bool
    status_high: str
    level: str = "mpmath"
    dps_actual: Any = None     # the precision the confirming run really used (its ``dps``)

    def __str__(self) -> str:
        return (f"confirmation at {self.dps_high} digits: max rel diff "
                f"{mpmath.nstr(self.max_rel_diff, 3)} vs tolerance {mpmath.nstr(self.tolerance, 3)}"
                f" → {'ok' if self.ok else 'NOT confirmed'}")


class Trajectory:
    """Result of :func:`integrate`: status, dense output and diagnostics (see module doc).

    ``theta_at(time)`` / ``outputs_at(time)`` accept any time in ``[0, t_end]`` of
    ``time_variable`` and return lists of mpf at ``dps`` digits (outputs are evaluated afresh
    from θ(time) with the generic network evaluator).
    """

    def __init__(self, *, problem, field, alpha, time_variable, dps, arith, status, message,
                 stop_time, t_end, t_requested, times, thetas, x0, y, stats, min_ntk_eigenvalue,
                 max_ntk_condition, dense, options):
        self.problem = problem
        self.field = field
        self.alpha = alpha
        self.time_variable = time_variable
        self.dps = dps
        self.arith = arith
        self.status = status
        self.message = message
        self.stop_time = stop_time
        self.t_end = t_end
        self.t_requested = t_requested
        self.times = times
        self.thetas = thetas
        self.x0 = x0
        self.y = y
        self.stats = stats
        self.min_ntk_eigenvalue = min_ntk_eigenvalue
        self.max_ntk_condition = max_ntk_condition
        self.confirmation: Optional[Confirmation] = None
        self._dense = dense
        self._options = options
        self._cf = None

    @property
    def success(self) -> bool:
        return self.status == "success"

    @property
    def level(self) -> str:
        return self.arith

    def __repr__(self) -> str:
        return (f"Trajectory({field_name(self.alpha)}, {self.time_variable} ∈ [0, "
                f"{mpmath.nstr(self.t_end, 8)}], status={self.status!r}, steps="
                f"{self.stats.get('nsteps')}, dps={self.dps}, arith={self.arith!r})")

    def _round(self, vals):
        with mp.workdps(self.dps):
            return [+mpf(v) for v in vals]

    def _time(self, time):
        with mp.workdps(self.stats.get("work_dps", self.dps) + 5):
            if isinstance(time, mpf):
                return +time
            return _to_mpf(time, "time")

    def theta_at(self, time) -> list:
        """θ at ``time`` (in :attr:`time_variable`) as mpf at :attr:`dps` digits."""
        return self._round(self._theta_work(time))

    def _theta_work(self, time):
        tt = self._time(time)
        if self.arith != "float64":
            # a time equal to an end of the span up to the rounding of its own precision
            # (e.g. t_end·1 computed at fewer digits) is that end
            with mp.workdps(self.stats.get("work_dps", self.dps) + 5):
                slack = mpf(10) ** (-self.dps) * max(1, abs(self.t_end))
                if self.t_end < tt <= self.t_end + slack:
                    tt = +self.t_end
                elif -slack <= tt < 0:
                    tt = mpf(0)
            if tt > self.t_end:
                raise IntegrationError(
                    f"time {mpmath.nstr(tt, 17)} is outside the integrated span [0, "
                    f"{mpmath.nstr(self.t_end, 17)}] (status {self.status!r}: {self.message})",
                    time=tt)
        if self.arith == "float64":
            lo, hi = 0.0, float(self.t_end)
            tf = float(tt)
            if not (lo - 1e-15 <= tf <= hi + 1e-15 * max(1, abs(hi))):
                raise IntegrationError(f"time {tf} is outside the integrated span [0, {hi}]",
                                       time=tt)
            if self._dense is None:
                return [mpf(v) for v in self.thetas[0]]
            return [mpf(float(v)) for v in self._dense(min(max(tf, lo), hi))]
        return self._dense(tt)

    def outputs_at(self, time) -> list:
        """x[θ(time)] (QN values), computed from θ(time) by the generic evaluator."""
        th = self._theta_work(time)
        if self.arith == "float64":
            if self._cf is None:
                self._cf = CompiledField(self.problem, "standard", arith="float64")
            return self._round([mpf(float(v)) for v in
                                self._cf.outputs(np.array([float(v) for v in th]))])
        with mp.workdps(self.stats["work_dps"]):
            # built inside workdps: CompiledField converts the inputs at construction precision
            cf = self._cf
            if cf is None or cf._inputs_dps != mp.dps:
                cf = self._cf = CompiledField(self.problem, "standard", arith="mpmath")
                cf._inputs_dps = mp.dps
            return self._round(cf.outputs(th))

    def confirm(self, dps_high: Optional[int] = None) -> Confirmation:
        """Re-integrate at ``dps_high`` (default dps + 10) and compare (see :class:`Confirmation`).

        float64 trajectories are confirmed against the same float64 integration at a smaller rtol
        (rtol/100, at least 1e-13; the level stays float64; ``dps_high`` records −log10 of that rtol)."""
        o = self._options
        if self.arith == "float64":
            rtol_hi = max(o["rtol"] / 100, 1e-13)
            hi = integrate(self.problem, o["theta0"], field=o["field"], s_end=o["s_end"],
                           t_end=o["t_end"], rank_loss=o["rank_loss"], arith="float64",
                           rtol=rtol_hi, progress=o["progress"])
            dps_high = int(round(-math.log10(rtol_hi)))
        else:
            if dps_high is None:
                dps_high = self.dps + _CONFIRM_EXTRA
                if dps_high > MAX_DPS:
                    raise PrecisionError(
                        f"confirm: the default dps_high = dps + {_CONFIRM_EXTRA} = {dps_high} "
                        f"exceeds MAX_DPS = {MAX_DPS}; this trajectory (dps = {self.dps}) cannot "
                        f"be confirmed at a higher precision", dps_high)
            dps_high = check_dps(dps_high, "dps_high")
            if dps_high <= self.dps:
                raise PrecisionError(
                    f"confirm: dps_high = {dps_high} must exceed the trajectory's dps = "
                    f"{self.dps} (a confirmation at no higher precision proves nothing)",
                    dps_high)
            hi = integrate(self.problem, o["theta0"], field=o["field"], s_end=o["s_end"],
                           t_end=o["t_end"], dps=dps_high, rank_loss=o["rank_loss"],
                           arith="mpmath", progress=o["progress"])
        with mp.workdps(dps_high + 10):
            end = min(mpf(self.t_end), mpf(hi.t_end))
            times = [end * k / 4 for k in range(1, 5)] if end > 0 else [mpf(0)]
            worst = mpf(0)
            for tm in times:
                for lo_v, hi_v in ((self.theta_at(tm), hi.theta_at(tm)),
                                   (self.outputs_at(tm), hi.outputs_at(tm))):
                    scale = max(abs(v) for v in hi_v)
                    diff = max(abs(a - b) for a, b in zip(lo_v, hi_v))
                    worst = max(worst, diff / scale if scale > 0 else diff)
        tol = integrate_tolerance(self.dps)
        conf = Confirmation(self.dps, dps_high, tuple(times), worst, tol,
                            bool(worst <= tol and hi.status == self.status), hi.status,
                            level=self.arith, dps_actual=getattr(hi, "dps", None))
        self.confirmation = conf
        return conf


def _to_mpf(x, what):
    if isinstance(x, mpf):
        if not mpmath.isfinite(x):
            raise DataError(f"{what} = {x} is not finite", x)
        return +x
    try:
        r = to_rational(x, what)
    except DataError:
        raise
    return mpf(int(r.p)) / int(r.q)


# ---------------------------------------------------------------------------------------------
# the entry point
# ---------------------------------------------------------------------------------------------

def integrate(problem: Problem, theta0: Sequence[Any], *, field: Any = "adapted",
              s_end: Any = None, t_end: Any = None, dps: int = 30, rtol: Any = None,
              rank_loss: str = "stop", arith: str = "mpmath", confirm: bool = False,
              progress: Any = None, max_steps: int = 100_000) -> Trajectory:
    """Integrate a flow of THEORY.md from θ(0) = ``theta0`` (see the module docstring).

    ``field``: ``"standard"``, ``"adapted"`` or α ∈ [0, 1]. Exactly one of ``s_end`` (flow time)
    or ``t_end`` (C6 time, adapted field and L2 loss only, ``0 ≤ t_end ≤ 1``). ``dps``: digits
    (mpmath); ``rtol``: local tolerance (default 10^−dps; float64: 1e−12). ``rank_loss``:
    ``"stop"`` (status "rank_loss" at the time G becomes too ill-conditioned) or ``"pinv"``
    (continue with G⁺: the constrained flow). ``confirm=True`` runs :meth:`Trajectory.confirm`.
    ``progress``: None (silent), True (:class:`~symflow.progress.TextProgress`) or an object.
    ``max_steps``: accepted steps at most (mpmath); past it the status is ``"failed"`` and the
    trajectory ends at the last accepted step — a bound for flows whose D⁺ blows up.
    """
    if not isinstance(problem, Problem):
        raise DataError(f"problem must be a symflow.Problem, got {problem!r}", problem)
    alpha = parse_field(field)
    if (s_end is None) == (t_end is None):
        raise DataError("give exactly one of s_end (flow time s) or t_end (the time t of C6); "
                        f"got s_end={s_end!r}, t_end={t_end!r}", (s_end, t_end))
    if rank_loss not in ("stop", "pinv"):
        raise DataError(f"rank_loss must be 'stop' or 'pinv', got {rank_loss!r}", rank_loss)
    if arith not in ("mpmath", "float64"):
        raise DataError(f"arith must be 'mpmath' or 'float64', got {arith!r}", arith)
    dps = check_dps(dps)
    if not isinstance(confirm, (bool, np.bool_)):
        raise DataError(f"confirm must be True or False, got {short_repr(confirm)}", confirm)
    if confirm and arith == "mpmath" and dps + _CONFIRM_EXTRA > MAX_DPS:
        raise PrecisionError(
            f"confirm=True re-integrates at dps + {_CONFIRM_EXTRA} = {dps + _CONFIRM_EXTRA} "
            f"digits, above MAX_DPS = {MAX_DPS}: use dps ≤ {MAX_DPS - _CONFIRM_EXTRA}, or "
            f"confirm=False", dps)
    if rtol is not None:
        rq = to_rational(rtol, "rtol")
        if not 0 < rq < 1:
            raise DataError(f"rtol = {short_repr(rtol)} must be a number in (0, 1)", rtol)
    if isinstance(theta0, (str, bytes)) or not hasattr(theta0, "__len__"):
        raise ParameterError(
            f"theta0 must be a sequence of K = {problem.K} numbers (e.g. "
            f"sf.random_rational_point({problem.K})), got {short_repr(theta0)}", theta0)
    with mp.workdps(15):
        problem.convert_theta(theta0, "mpmath")  # ParameterError naming a bad entry / length
    if t_end is not None:
        if not isinstance(problem.loss, L2):
            raise DataError(
                f"t_end: the time t = 1 − e^(−s/N) linearizes the adapted flow only for the L2 "
                f"loss (C6); {problem.loss.name!r} has no such time change — use s_end", t_end)
        if alpha != 1:
            raise DataError(
                f"t_end: the C6 time t is a reparametrization of the adapted flow; field "
                f"{field_name(alpha)} must be integrated in the flow time — use s_end", t_end)
        end_q = to_rational(t_end, "t_end") if not isinstance(t_end, mpf) else None
        if end_q is not None and not 0 <= end_q <= 1:
            raise DataError(f"t_end = {t_end} must lie in [0, 1] (t = 1 is the global minimum)",
                            t_end)
        tv, end = "t", t_end
    else:
        end_q = to_rational(s_end, "s_end") if not isinstance(s_end, mpf) else None
        if end_q is not None and end_q < 0:
            raise DataError(f"s_end = {s_end} must be ≥ 0", s_end)
        tv, end = "s", s_end
    if isinstance(end, mpf) and not (mpmath.isfinite(end) and end >= 0 and
                                     (tv == "s" or end <= 1)):
        raise DataError(f"{tv}_end = {end} must be finite, ≥ 0 (and ≤ 1 for t_end)", end)
    prog = make_progress(progress)
    if isinstance(max_steps, bool) or not isinstance(max_steps, int) or max_steps < 1:
        raise DataError(f"max_steps must be a positive integer, got {max_steps!r}", max_steps)
    options = dict(theta0=list(theta0), field=field, s_end=s_end, t_end=t_end,
                   rank_loss=rank_loss, progress=progress, max_steps=max_steps)
    if arith == "float64":
        traj = _run_float64(problem, theta0, alpha, tv, end, rtol, rank_loss, prog, options)
    else:
        traj = _run_mp(problem, theta0, alpha, tv, end, dps, rtol, rank_loss, prog, options)
    if confirm:
        traj.confirm()
    return traj


def _line_w(x0, y):
    """w of C6 from the derived expression (w_function), componentwise."""
    d = derive_time_change()
    if not d.verified:
        raise SymflowError("the derivation of the time change did not verify; refusing to "
                           "integrate in t")
    wf = d.w_function()
    return [mpf(wf(a, b, mpf(0))) for a, b in zip(x0, y)]


def _rank_message(problem, alpha, time, ratio, digits, tv):
    why = ""
    if problem.K < problem.QN:
        why = (f" K = {problem.K} < QN = {problem.QN}: D can never have full rank QN, so the "
               f"{field_name(alpha)} field needs (DDᵀ)⁻¹ of a singular matrix.")
    return (f"rank loss at {tv} = {mpmath.nstr(time, 12)}: λ_min/λ_max of DDᵀ = "
            f"{mpmath.nstr(ratio, 3)} < 10^-{digits} (too ill-conditioned for the working "
            f"precision).{why} Use rank_loss='pinv' to continue with the pseudo-inverse "
            f"(the constrained flow x' = −P∇ₓC of C7), or raise dps.")


def _eig_extremes(G):
    n = len(G)
    if n == 1:
        v = G[0][0]
        return v, v
    if n == 2:
        a, b, c = G[0][0], G[0][1], G[1][1]
        m = (a + c) / 2
        r = mpmath.sqrt(((a - c) / 2) ** 2 + b * b)
        lo = m - r
        hi = m + r
        # λ_min = det / λ_max avoids cancellation
        lo = (a * c - b * b) / hi if hi > 0 else lo
        return lo, hi
    E = mpmath.eigsy(mpmath.matrix(G), eigvals_only=True)
    vals = [E[i] for i in range(n)]
    return min(vals), max(vals)


def _run_mp(problem, theta0, alpha, tv, end, dps, rtol, rank_loss, prog, options):
    tic = _time.perf_counter()
    rtol_digits = dps
    if rtol is not None:
        with mp.workdps(dps + 5):
            rv = _to_mpf(rtol, "rtol")
            if not rv > 0:
                raise DataError(f"rtol must be positive, got {rtol!r}", rtol)
            rtol_digits = max(dps, int(math.ceil(-float(mpmath.log10(rv)))))
    kmax = _default_kmax(max(rtol_digits, 4))
    guard = guard_digits(kmax) + _FIELD_GUARD
    work_dps = max(dps, rtol_digits) + guard
    rank_digits = rank_threshold_digits(dps, work_dps)
    ff = FixedPointField(problem, alpha, rank_loss, rank_digits)
    needs_inverse = alpha != 0
    track = dict(min_lam=None, max_cond=None)
    with mp.workdps(work_dps):
        th0 = problem.convert_theta(theta0, "mpmath")
        end_v = _to_mpf(end, f"{tv}_end")
        x0 = ff.outputs(th0)
        yv = [mpf(int(v.p)) / int(v.q) for v in problem.y_flat]
        tol_ratio = mpf(10) ** (-rank_digits)
        w = _line_w(x0, yv) if tv == "t" else None

        def check(theta):
            lo, hi = _eig_extremes(ff.ntk(theta))
            # QN = 1: λ_min/λ_max ≡ 1 says nothing; G → 0 is the rank loss, measured against
            # the largest G seen along the path (an absolute criterion relative to the flow).
            track["max_lam"] = hi if track.get("max_lam") is None else max(track["max_lam"], hi)
            ref = track["max_lam"] if problem.QN == 1 else hi
            ratio = lo / ref if ref > 0 else mpf(0)
            if track["min_lam"] is None or lo < track["min_lam"]:
                track["min_lam"] = lo
            cond = hi / lo if lo > 0 else mpf("inf")
            if track["max_cond"] is None or cond > track["max_cond"]:
                track["max_cond"] = cond
            return ratio

        ratio0 = check(th0)
        x0_out = list(x0)

    def finish(status, message, stop_time, t_reached, times, thetas, stats, dense):
        with mp.workdps(dps):
            return Trajectory(
                problem=problem, field=options["field"], alpha=alpha, time_variable=tv, dps=dps,
                arith="mpmath", status=status, message=message,
                # step times keep the engine's working precision: dense output is asked for
                # them exactly (t_end rounded to dps could lie just past the last step)
                stop_time=None if stop_time is None else +stop_time, t_end=t_reached,
                t_requested=+end_v, times=list(times),
                thetas=[[+v for v in th] for th in thetas],
                x0=[+v for v in x0_out], y=[+v for v in yv], stats=stats,
                min_ntk_eigenvalue=+track["min_lam"],
                max_ntk_condition=+track["max_cond"], dense=dense, options=options)

    base_stats = dict(work_dps=work_dps, rank_threshold=f"1e-{rank_digits}", kmax=kmax,
                      field_arith=f"fixed point, {work_dps} digits + {_FIX_GUARD} bits")
    if needs_inverse and rank_loss == "stop" and ratio0 < tol_ratio:
        msg = _rank_message(problem, alpha, mpf(0), ratio0, rank_digits, tv)
        stats = dict(base_stats, nfev=0, nsteps=0, nrejected=0, max_error_estimate=mpf(0),
                     wall_time=_time.perf_counter() - tic)
        with mp.workdps(work_dps):
            th_start = [+v for v in th0]
        if prog is not None:
            prog.close()
        return finish("rank_loss", msg, mpf(0), mpf(0), [mpf(0)], [th_start], stats,
                      lambda t: _dense_single(t, th_start))

    f = _EngineField(ff, w if tv == "t" else None)

    def monitor(t, theta):
        ratio = check(theta)
        if needs_inverse and rank_loss == "stop" and ratio < tol_ratio:
            return _rank_message(problem, alpha, t, ratio, rank_digits, tv)
        return None

    with mp.workdps(work_dps):
        span = mpf(end_v)
    sol = solve_ivp_mp(f, 0, th0, span, dps=dps, rtol=rtol, kmax=kmax, guard=guard,
                       monitor=monitor, progress=with_time_variable(prog, tv),
                       max_steps=options["max_steps"])
    status, message = sol.status, sol.message
    if status == "stopped":
        status = "rank_loss"
    elif status == "failed" and "RankError" in message:
        status = "rank_loss"
        message = (f"rank loss near {tv} = {mpmath.nstr(sol.t_stop, 12)}: {message}. Use "
                   f"rank_loss='pinv' to continue with the pseudo-inverse, or raise dps.")
    elif status == "success":
        message = f"reached {tv} = {mpmath.nstr(sol.ts[-1], 12)}"
    ts, ys = sol.ts, sol.ys
    if status == "rank_loss" and sol.t_stop is not None:
        # The midpoint rule never evaluates f at a step's end, so an accepted step may already
        # reach past the time where the field broke down: keep only the steps before it, so
        # that dense output is never asked to cross the singular point.
        keep = [i for i, t in enumerate(ts) if abs(t) < abs(sol.t_stop)] or [0]
        ts, ys = [ts[i] for i in keep], [ys[i] for i in keep]
    st = sol.stats
    stats = dict(base_stats, nfev=st.nfev, nsteps=st.nsteps, nrejected=st.nrejected,
                 max_error_estimate=st.max_error_estimate, orders=st.orders, method=st.method,
                 rtol=st.rtol, atol=st.atol, wall_time=_time.perf_counter() - tic)
    return finish(status, message, sol.t_stop if status != "success" else None, ts[-1],
                  ts, ys, stats, sol)


def _dense_single(t, th):
    if t != 0:
        raise IntegrationError(f"time {t} is outside the integrated span [0, 0] (the "
                               f"integration stopped at time 0)", time=t)
    return list(th)


# ---------------------------------------------------------------------------------------------
# float64
# ---------------------------------------------------------------------------------------------

def _run_float64(problem, theta0, alpha, tv, end, rtol, rank_loss, prog, options):
    from scipy.integrate import solve_ivp

    tic = _time.perf_counter()
    rtol = 1e-12 if rtol is None else float(rtol)
    if not 0 < rtol < 1:
        raise DataError(f"rtol must be in (0, 1) for float64, got {rtol!r}", rtol)
    options["rtol"] = rtol
    digits = max(1, int(round(-math.log10(rtol))))
    rank_tol = 1e-10
    cf = CompiledField(problem, options["field"], arith="float64", rank_loss=rank_loss)
    th0 = np.array(problem.convert_theta(theta0, "float64"), dtype=float)
    with mp.workdps(30):
        end_f = float(_to_mpf(end, f"{tv}_end"))
    x0 = np.asarray(cf.outputs(th0), dtype=float)
    y = np.array([float(v) for v in problem.y_flat])
    needs_inverse = alpha != 0
    track = dict(min_lam=None, max_cond=None, last_t=0.0, rank_error=None, nfev=0)

    def ratio_at(theta):
        D = cf.jacobian(theta)
        lam = np.linalg.eigvalsh(D @ D.T)
        lo, hi = float(lam[0]), float(lam[-1])
        if track["min_lam"] is None or lo < track["min_lam"]:
            track["min_lam"] = lo
        cond = hi / lo if lo > 0 else math.inf
        if track["max_cond"] is None or cond > track["max_cond"]:
            track["max_cond"] = cond
        return lo / hi if hi > 0 else 0.0

    ratio0 = ratio_at(th0)
    if tv == "t":
        with mp.workdps(30):
            w = np.array([float(v) for v in _line_w([mpf(v) for v in x0], [mpf(v) for v in y])])
    stats = dict(work_dps=15, rank_threshold=f"{rank_tol:g}", method="scipy DOP853",
                 rtol=rtol, max_error_estimate=None)

    def make(status, message, stop_time, t_reached, times, thetas, dense):
        stats["wall_time"] = _time.perf_counter() - tic
        with mp.workdps(15):
            return Trajectory(
                problem=problem, field=options["field"], alpha=alpha, time_variable=tv,
                dps=digits, arith="float64", status=status, message=message,
                stop_time=None if stop_time is None else mpf(stop_time), t_end=mpf(t_reached),
                t_requested=mpf(end_f), times=[mpf(float(t)) for t in times],
                thetas=[[mpf(float(v)) for v in th] for th in thetas],
                x0=[mpf(float(v)) for v in x0], y=[mpf(float(v)) for v in y], stats=stats,
                min_ntk_eigenvalue=mpf(track["min_lam"]),
                max_ntk_condition=mpf(track["max_cond"]), dense=dense, options=options)

    if needs_inverse and rank_loss == "stop" and ratio0 < rank_tol:
        stats.update(nfev=0, nsteps=0, nrejected=0)
        if prog is not None:
            prog.close()
        msg = _rank_message(problem, alpha, mpf(0), mpf(ratio0), 10, tv)
        return make("rank_loss", msg, 0.0, 0.0, [0.0], [th0], None)

    def fun(t, theta):
        track["last_t"] = t
        track["nfev"] += 1
        if prog is not None:
            prog.update(t, {"nfev": track["nfev"], "t1": end_f, "time_variable": tv})
        try:
            if tv == "t":
                return np.asarray(cf.pinv_apply(theta, w), dtype=float)
            return np.asarray(cf(theta), dtype=float)
        except RankError as e:
            track["rank_error"] = (t, str(e))
            raise

    def event(t, theta):
        r = ratio_at(theta)
        return r - rank_tol if (needs_inverse and rank_loss == "stop") else 1.0
    event.terminal = True

    atol = rtol * max(1.0, float(np.max(np.abs(th0))))
    try:
        sol = solve_ivp(fun, (0.0, end_f), th0, method="DOP853", rtol=rtol, atol=atol,
                        dense_output=True, events=[event])
    except RankError:
        t_bad, msg = track["rank_error"]
        if prog is not None:
            prog.close()
        stats.update(nfev=track["nfev"], nsteps=None, nrejected=None)
        return make("rank_loss", f"rank loss near {tv} = {t_bad:.12g}: {msg}", t_bad, 0.0,
                    [0.0], [th0], None)
    finally:
        if prog is not None:
            prog.close()
    stats.update(nfev=sol.nfev, nsteps=len(sol.t) - 1, nrejected=None)
    if sol.status == 1:
        te = float(sol.t_events[0][0]) if len(sol.t_events[0]) else float(sol.t[-1])
        status = "rank_loss"
        message = _rank_message(problem, alpha, mpf(te), mpf(rank_tol), 10, tv)
        stop = te
    elif sol.status == 0:
        status, message, stop = "success", f"reached {tv} = {sol.t[-1]:.12g}", None
    else:
        status, message, stop = "failed", f"scipy: {sol.message}", float(sol.t[-1])
    return make(status, message, stop, float(sol.t[-1]), sol.t, sol.y.T, sol.sol)
