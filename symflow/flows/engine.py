"""One step of the Gragg–Bulirsch–Stoer extrapolation engine (see :mod:`symflow.flows.odes` for the
method): :class:`_Engine`, configured by an :class:`EngineConfig`, evaluates ``f`` (as its base
:class:`~symflow.flows.evaluation._Evaluator`) and attempts a step, returning a
:class:`StepResult`; it also proposes the starting step.

The hot path (the midpoint rows) works on fixed-point integers when ``f`` offers the fixed-point
protocol (:meth:`_Engine._midpoint_fixed`; the network fields do), else on raw mpmath value tuples
with the libmp functions (:meth:`_Engine._midpoint`); the rows of a step may be computed ahead on
a second core (:mod:`.rows`); the tableau is kept in fixed point (Python integers, per-step scales
:class:`_Scales`) with exact small-rational Aitken–Neville coefficients (:func:`_tableau`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Optional

from mpmath import mp, mpf
from mpmath.libmp import (from_int, from_man_exp, mpf_add, mpf_div, mpf_mul, mpf_mul_int,
                          mpf_shift, round_nearest, to_float)

from .evaluation import _Evaluator, _Failure
from .fields.fixed import shift_toward_zero
from .rows import split_rows

METHOD_NAME = "GBS extrapolation (modified midpoint, n_j = 2j, adaptive order/step, ODEX strategy)"

_SAFE = 0.94        # ODEX safety factors
_SAFE_EXP = 0.65
_FAC_MIN = 0.02     # step size may shrink at most by 50x ...
_FAC_MAX = 4.0      # ... and grow at most by 4x per step
_RND = round_nearest
_INIT_FAC = 0.1     # calibration of the starting-step formula (too small is cheap: early convergence)
_STRETCH = 1.2      # the remaining span is split into equal steps at most 1.2x the optimal one
_GUARD_BASE = 6     # guard digits on top of log10(Lebesgue constant) and the tolerance
_BIG = 1e300


@dataclass(frozen=True)
class StepResult:
    """Outcome of :meth:`_Engine.step`: ``accepted``; ``y`` the new state (raw value tuples, None
    if rejected); ``column`` where the tableau converged or was abandoned; ``error`` its scaled
    error; ``h_opt`` / ``work``: optimal step sizes and work per unit step, keyed by column."""

    accepted: bool
    y: Optional[list]
    column: int
    error: Any
    h_opt: dict
    work: dict


_NO_EXP = -(10 ** 9)


def _exponent(v):
    """e with 2^(e-1) <= |v| < 2^e for a raw finite mpf value; _NO_EXP for zero."""
    return v[2] + v[3] if v[1] else _NO_EXP


def _to_fixed(vals, q):
    """The raw finite values v_i as integers X_i = round-toward-zero(v_i·2^q_i) (signed)."""
    X = []
    for v, qi in zip(vals, q):
        sh = v[2] + qi
        m = v[1] << sh if sh >= 0 else v[1] >> -sh
        X.append(-m if v[0] else m)
    return X


@dataclass(frozen=True)
class EngineConfig:
    """What fixes the GBS stepper: the right-hand side ``f``, the dimension ``dim``, the tolerances
    ``rtol``/``atol`` of the mixed error norm (mpf), at most ``kmax`` columns and the largest step
    ``h_max`` (mpf or None).  :class:`~symflow.flows.dense.OdeSolution` keeps it to rebuild the
    engine for dense output."""

    f: Any
    dim: int
    rtol: Any
    atol: Any
    kmax: int
    h_max: Any = None


def _rescale(vals, P, q):
    """Integers m_i with value m_i·2^−P as X_i = round-toward-zero(m_i·2^(q_i − P))."""
    return [shift_toward_zero(m, qi - P) for m, qi in zip(vals, q)]


@dataclass(frozen=True)
class _Scales:
    """The per-step fixed-point scales: component i is the integer X with value X·2^(−q[i]);
    ``y_abs`` = |y_i| and ``atol`` = atol in those units (floats, capped at _BIG)."""

    q: list
    y_abs: list
    atol: list


def _tableau(kmax):
    """n_j = 2j and the work A_j = 1 + Σ_{i≤j} (n_i − 1) = 1 + j² for j = 1..kmax+1 (index 0
    unused), and the Aitken–Neville coefficients 1 / ((n_j/n_{j−l})² − 1) as exact integer ratios
    num/den = n_{j−l}² / (n_j² − n_{j−l}²) (cint[j][l], l = 1..j−1), for the fixed-point tableau."""
    n = [0] + [2 * j for j in range(1, kmax + 2)]
    A = [0] + [1 + j * j for j in range(1, kmax + 2)]
    cint = [None, []]
    for j in range(2, kmax + 2):
        cint.append([None] + [(n[j - l] ** 2, n[j] ** 2 - n[j - l] ** 2) for l in range(1, j)])
    return n, A, cint


def _step_factor(err, j):
    """ODEX's step-size factor from the scaled error of column j (an order-(2j−1) estimate):
    0.94·(0.65/err)^(1/(2j−1)), clipped to [1/50, 4]; 4 when err = 0."""
    if err > 0:
        fac = _SAFE * (_SAFE_EXP / err) ** (1.0 / (2 * j - 1))
        return min(max(fac, _FAC_MIN), _FAC_MAX)
    return _FAC_MAX


class _Engine(_Evaluator):
    """The GBS stepper at a fixed working precision (construct and use inside workdps), from an
    :class:`EngineConfig`; the evaluations of ``f`` are those of :class:`_Evaluator`.

    The hot path works on fixed-point integers (``f.fixed``) or on raw mpmath value tuples
    (``x._mpf_``) with the libmp functions, which avoids the per-operation dispatch of ``mpf``
    objects; a generic ``f`` sees ordinary ``mpf``.
    """

    def __init__(self, config: EngineConfig):
        super().__init__(config.f, config.dim)
        self.config = config
        self.helper = None      # a RowHelper (rows.py) computing rows on a second core
        self.kmax, self.h_max = config.kmax, config.h_max
        self.rtol, self.atol = config.rtol, config.atol
        self.prec = mp.prec
        self.n, self.A, self.cint = _tableau(self.kmax)
        self.rtol_r_full = mpf(self.rtol)._mpf_
        self.atol_r_full = mpf(self.atol)._mpf_
        # fixed-point tableau: each component is held as an integer X with value X * 2^-q_i,
        # q_i chosen per step so that the component's scale max(|y_i|, atol/rtol, |H f_i|) has
        # prec + 24 bits; absolute round-off is then far below atol + rtol |y_i|
        self.fix_bits = self.prec + 24
        self.floor_exp = _exponent(mpf_div(self.atol_r_full, self.rtol_r_full, 53, _RND)) \
            if mpf(self.atol) > 0 else None
        # float rtol for the error norm
        self.rtol_f = float(self.rtol)

    # -- fixed point ------------------------------------------------------------------
    def _scales(self, y, f0, Hr) -> _Scales:
        """Per-step scales q_i = fix_bits − e_i, e_i the binary exponent of
        max(|y_i|, atol/rtol, |H f_i|); a component that is zero (with atol = 0) gets the scale
        of the largest component (or e = 0 if all are zero)."""
        floor_exp = self.floor_exp
        eh = _exponent(Hr)
        q = []
        for v, fv in zip(y, f0):
            e = _exponent(v)
            ehf = _exponent(fv) + eh
            if ehf > e:
                e = ehf
            if floor_exp is not None and floor_exp > e:
                e = floor_exp
            q.append(e)
        big = max(q)
        if big < _NO_EXP // 2:
            big = 0
        P = self.fix_bits
        q = [P - (e if e > _NO_EXP // 2 else big) for e in q]
        y_abs = [abs(m) for m in _to_fixed(y, q)]
        atol_fix = [min(to_float(mpf_shift(self.atol_r_full, qi)), _BIG) for qi in q]
        return _Scales(q, y_abs, atol_fix)

    def _unfix(self, X, q):
        """The raw value tuples X_i·2^(−q_i), rounded to the working precision."""
        prec = self.prec
        return [from_man_exp(m, -qi, prec, _RND) for m, qi in zip(X, q)]

    # -- one GBS step -----------------------------------------------------------------
    def step(self, t, y, f0, H, k) -> "StepResult":
        """Attempt a step of size H (mpf) targeting k columns; t, y, f0 raw.

        Row j is the modified midpoint rule with n_j = 2j sub-steps (:meth:`_midpoint`), in
        fixed point; it is extrapolated against row j−1 (:meth:`_extrapolate`); from j = 2 on,
        the scaled error of T_{j,j−1} (:meth:`_error`) gives the optimal step for column j,
        ``h_opt[j] = |H|·fac`` (:func:`_step_factor`), and its work per unit step
        ``work[j] = A_j / h_opt[j]``; :meth:`_verdict` accepts, abandons or goes on.  Returns a
        :class:`StepResult`: ``column`` is where it converged (or was abandoned).
        """
        absH, Hr = abs(H), H._mpf_
        sc = self._scales(y, f0, Hr)
        n, A = self.n, self.A
        Hopt, W = {}, {}
        prev = err = err_prev = None
        if self.fixed_f is not None:
            P = self.fixed_P
            yf, f0f = _to_fixed(y, [P] * len(y)), _to_fixed(f0, [P] * len(y))
            ahead = self._rows_ahead(t, yf, f0f, Hr, k) if self.helper is not None else {}

            def row_of(nj):
                z = ahead.pop(nj, None)
                if z is None:
                    z = self._midpoint_fixed(t, yf, f0f, Hr, nj)
                elif isinstance(z, _Failure):
                    raise z
                return _rescale(z, P, sc.q)
        else:
            row_of = lambda nj: _to_fixed(self._midpoint(t, y, f0, Hr, nj), sc.q)  # noqa: E731
        for j in range(1, self.kmax + 1):
            row = self._extrapolate(row_of(n[j]), prev, j)
            if prev is not None:
                err = self._error(row[j - 2], row[j - 1], sc)
                Hopt[j] = absH * mpf(_step_factor(err, j))
                W[j] = A[j] / float(Hopt[j])
                verdict = self._verdict(err, err_prev, j, k)
                if verdict is not None:
                    y_new = self._unfix(row[j - 1], sc.q) if verdict else None
                    return StepResult(verdict, y_new, j, err, Hopt, W)
                err_prev = err
            prev = row
        return StepResult(False, None, self.kmax, err, Hopt, W)

    def _midpoint(self, t, y, f0, Hr, nj):
        """Gragg's modified midpoint rule over H with nj sub-steps h = H/nj (no smoothing step):
        z_0 = y, z_1 = y + h·f0, z_{m+1} = z_{m−1} + 2h·f(t + m·h, z_m) for m = 1..nj−1;
        returns z_nj (raw value tuples).  This is the inner loop: libmp calls only."""
        prec = self.prec
        rnd = _RND
        add, mul = mpf_add, mpf_mul
        mk = mp.make_mpf
        fev = self.feval_fast
        h = mpf_div(Hr, from_int(nj), prec, rnd)
        h2 = mpf_shift(h, 1)
        z0 = y
        z1 = [add(a, mul(h, b), prec, rnd) for a, b in zip(y, f0)]
        for m in range(1, nj):
            tm = mk(add(t, mpf_mul_int(h, m, prec, rnd), prec, rnd))
            fz = fev(tm, z1)
            z0, z1 = z1, [add(a, mul(h2, b), prec, rnd) for a, b in zip(z0, fz)]
        return z1

    def _rows_ahead(self, t, yf, f0f, Hr, k) -> dict:
        """Rows 1 … k of the step computed ahead on two processes (:mod:`.rows`): n_j → the
        fixed-point row, or the :class:`_Failure` of f met in it (raised only if the
        extrapolation reaches that row). A helper that died is dropped: its rows are left to
        the serial loop."""
        njs = [self.n[j] for j in range(1, min(k, self.kmax) + 1)]
        mine, theirs = split_rows(njs)
        out = {}
        try:
            self.helper.submit(t, yf, f0f, Hr, theirs)
        except (OSError, EOFError):
            self._drop_helper()
            return out
        for nj in mine:
            try:
                out[nj] = self._midpoint_fixed(t, yf, f0f, Hr, nj)
            except _Failure as fail:
                out[nj] = fail
        try:
            got = self.helper.collect()
        except (OSError, EOFError):
            self._drop_helper()
            return out
        for nj, z in got:
            self.nfev += nj - 1
            out[nj] = _Failure(z[1], z[2], z[3]) if isinstance(z, tuple) else z
        return out

    def _drop_helper(self) -> None:
        helper, self.helper = self.helper, None
        try:
            helper.close()
        except Exception:  # noqa: BLE001 - already gone
            pass

    def _midpoint_fixed(self, t, y, f0, Hr, nj):
        """:meth:`_midpoint` in fixed point: y, f0 and the result as integers m with value
        m·2^−P (P = ``f.fixed_bits``); f through :meth:`feval_fixed`."""
        P = self.fixed_P
        prec = self.prec
        mk = mp.make_mpf
        fev = self.feval_fixed
        hr = mpf_div(Hr, from_int(nj), prec, _RND)
        h = _to_fixed([hr], [P])[0]
        h2 = 2 * h
        z0 = y
        z1 = [a + ((h * b) >> P) for a, b in zip(y, f0)]
        for m in range(1, nj):
            tm = mk(mpf_add(t, mpf_mul_int(hr, m, prec, _RND), prec, _RND))
            fz = fev(tm, z1)
            z0, z1 = z1, [a + ((h2 * b) >> P) for a, b in zip(z0, fz)]
        return z1

    def _extrapolate(self, X, prev, j):
        """Row j of the Aitken–Neville tableau in h², in fixed point:
        T_{j,1} = X, T_{j,l+1} = T_{j,l} + (T_{j,l} − T_{j−1,l})·num/den with the exact
        coefficient num/den = 1/((n_j/n_{j−l})² − 1) (``prev`` is row j−1, None for j = 1)."""
        row = [X]
        if prev is not None:
            cj = self.cint[j]
            cur = X
            for l in range(1, j):
                num, den = cj[l]
                cur = [a + (a - b) * num // den for a, b in zip(cur, prev[l - 1])]
                row.append(cur)
        return row

    def _error(self, lows, highs, scales: _Scales):
        """The scaled error max_i |T_jj − T_j,j−1| / (atol + rtol·max(|y_i|, |T_jj,i|)) of the
        subdiagonal entry (in fixed-point units; _BIG for a difference of over 1000 bits)."""
        err = 0.0
        rtol_f = self.rtol_f
        for lo, hi, yi, ai in zip(lows, highs, scales.y_abs, scales.atol):
            d = hi - lo
            if d:
                d = abs(d)
                if d.bit_length() > 1000:
                    return _BIG
                sc = ai + rtol_f * float(max(yi, abs(hi)))
                e = float(d) / sc if sc > 0 else _BIG
                if e > err:
                    err = e
        return err

    def _verdict(self, err, err_prev, j, k):
        """Accept (True), abandon (False) or go on (None) after column j of a step aiming at k.

        Converged (err ≤ 1) from column 3 on: accept (early convergence is accepted too: a short
        step, e.g. the last one or a dense-output step, needs fewer columns).  From column k−1
        on, ODEX's convergence monitor: predict the error of later columns from the observed
        per-column reduction ρ = err/err_prev (never more optimistic than ODEX's model
        (n_1/n_{j+1})²) and abandon the step when column max(k+1, j+1) cannot make it.
        """
        if err <= 1 and j >= 3:
            return True
        if j >= k - 1:
            if err <= 1:
                return True
            n = self.n
            model = (n[1] / n[j + 1]) ** 2
            rho = max(err / err_prev, model) if err_prev else model
            target = max(k + 1, j + 1)
            if rho >= 1 or target > self.kmax:
                return False
            predicted = err * rho ** (target - j)
            if predicted > (1.0 if target == k + 1 else 0.5):
                return False
        return None

    # -- starting step ----------------------------------------------------------------
    def initial_step(self, t, y, f0, direction, span, k):
        """Starting step for GBS of k columns (mpf in, positive mpf out).

        The local error of T_kk behaves like (H L)^(2k+1) / (2^k k!)^2 with L a Lipschitz
        scale of f; L is estimated from one explicit Euler probe.  Errors in this guess are
        cheap: the convergence monitor rejects a too-large step early.
        """
        mk = mp.make_mpf
        yv = [mk(v) for v in y]
        fv = [mk(v) for v in f0]
        ny = max([abs(v) for v in yv] + [mpf(0)])
        nf = max([abs(v) for v in fv] + [mpf(0)])
        if nf == 0:
            return span
        delta = min(span, mpf("1e-3") * (ny if ny > 0 else 1) / nf)
        y1 = [a + direction * delta * b for a, b in zip(yv, fv)]
        f1 = [mk(v) for v in self.feval(t + direction * delta, y1)]
        dy = max(abs(a - b) for a, b in zip(y1, yv))
        df = max(abs(a - b) for a, b in zip(f1, fv))
        L = df / dy if dy > 0 else mpf(0)
        if ny > 0:
            L = max(L, nf / ny)
        if L <= 0:
            return span
        ln_ratio = (math.log(max(float(self.rtol), 1e-300)) + 2 * (k * math.log(2) + math.lgamma(k + 1)))
        x = math.exp(min(ln_ratio / (2 * k + 1), 50.0))
        return min(span, mpf(_INIT_FAC * x) / L)
