"""A generic, self-checking, high-precision ODE engine (mpmath ``mpf`` arithmetic).

Method
------
Gragg–Bulirsch–Stoer extrapolation with adaptive order and step size (the strategy of
Hairer–Nørsett–Wanner's ODEX, *Solving ODEs I*, §II.9):

* base method: Gragg's modified midpoint rule with the even step-number sequence
  ``n_j = 2, 4, 6, 8, …`` (no smoothing step; for even ``n`` its error expansion is in
  even powers of the sub-step), so row ``j`` costs ``n_j - 1`` new evaluations of ``f``
  and the first ``k`` rows together ``A_k = 1 + k²`` (the ``1`` is ``f(t, y)``, shared);
* Aitken–Neville polynomial extrapolation in ``h²``: ``T_{j,k}`` has order ``2k``;
* error estimate of the subdiagonal ``T_{k,k-1}`` by ``T_{k,k} - T_{k,k-1}`` in the mixed norm
  ``max_i |e_i| / (atol + rtol·max(|y_i|, |ynew_i|))``; the more accurate ``T_{k,k}`` is
  propagated (local extrapolation);
* order/step selection by work per unit step (``A_k / H_k``) with ODEX's convergence monitor
  (a step is abandoned in column ``k-1`` / ``k`` when the observed per-column error reduction
  says column ``k+1`` cannot make it); a step that converges early (short steps) is accepted
  early; the remaining span is split into equal steps; default ``rtol = 10**-dps``.

Failures
--------
An exception or a non-finite value of ``f`` at a *trial* point rejects the step (it is shrunk by
4); at an *accepted* point it ends the run.  Either way the run ends with status "failed" and a
message naming the time (step-size underflow / ``max_steps`` are detected too), or with an
:class:`IntegrationError` if ``raise_on_failure=True``.  Never a hang.

Everything runs inside ``mpmath.mp.workdps(work_dps)`` with ``work_dps = dps + guard``; the
guard covers the round-off amplification of the extrapolation (the Lebesgue constant of the
``n_j = 2j`` tableau, ~``e^{0.8 k}``) plus 6 digits.  The tableau itself is kept in fixed point
(Python integers, per-component scale ``max(|y_i|, atol/rtol, |H f_i|)`` with ``prec + 24`` bits)
and its coefficients are exact small rationals, so extrapolation costs a few integer operations
per entry. ``mp.dps`` is never changed globally.

Dense output
------------
``sol(t)`` finds the accepted step ``[t_i, t_{i+1}]`` containing ``t`` and integrates from
``(t_i, y_i)`` to ``t`` with the same method and tolerance (normally one shorter step), so it is
as accurate as the step points themselves — no low-order interpolant.

The engine knows nothing about networks: the caller passes ``f(t, y) -> list`` (``t`` an
``mpf``, ``y`` a list of ``mpf``; ``f`` must not modify ``y``).
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Callable, Optional, Sequence

import mpmath
from mpmath import mp, mpf
from mpmath.libmp import (from_int, from_man_exp, mpf_add, mpf_div, mpf_mul, mpf_mul_int,
                          mpf_shift, round_nearest, to_float)

from .errors import IntegrationError

__all__ = ["OdeStats", "OdeSolution", "solve_ivp_mp", "default_tolerance", "guard_digits"]

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
class OdeStats:
    """Counters of one integration.

    ``max_error_estimate`` is the largest accepted local error estimate, expressed as a relative
    error (the scaled error of the subdiagonal tableau entry times ``rtol``; the propagated
    diagonal entry is more accurate than this).  ``order_min``/``order_max`` are the smallest
    and largest orders ``2k`` of the accepted steps (``k`` = extrapolation columns).
    """

    nfev: int
    nsteps: int
    nrejected: int
    max_error_estimate: Any
    method: str = METHOD_NAME
    order_min: int = 0
    order_max: int = 0
    rtol: Any = None
    atol: Any = None
    dense_nfev: int = 0

    @property
    def orders(self) -> tuple:
        return (self.order_min, self.order_max)


def guard_digits(kmax: int) -> int:
    """Guard digits for a tableau of up to ``kmax`` columns: 6 + log10(Lebesgue constant)."""
    n = [2 * j for j in range(1, kmax + 1)]
    leb = 0.0
    for j in range(kmax):
        c = 1.0
        for i in range(kmax):
            if i != j:
                c *= n[j] ** 2 / abs(n[j] ** 2 - n[i] ** 2)
        leb += c
    return _GUARD_BASE + int(math.ceil(math.log10(max(leb, 1.0))))


def default_tolerance(dps: int) -> int:
    """Default ``rtol = 10**-dps`` (returned as the exponent ``dps``).

    Measured global errors of the engine are within a small factor (≲ 10) of ``rtol`` on
    smooth problems, which leaves ~10^4 of margin to the product requirement ``10**(5-dps)``
    relative agreement with a higher-precision run.
    """
    return dps


def _default_kmax(rtol_digits: float) -> int:
    return int(min(30, max(8, 0.5 * rtol_digits + 5)))


class _Failure(Exception):
    """Internal: a failed evaluation of f (exception or non-finite value) at time t."""

    def __init__(self, t, message, nonfinite=False):
        super().__init__(message)
        self.t = t
        self.nonfinite = nonfinite


def _nstr(x, n=17):
    try:
        return mpmath.nstr(x, n)
    except Exception:  # noqa: BLE001
        return repr(x)


_NO_EXP = -(10 ** 9)


def _exponent(v):
    """e with 2^(e-1) <= |v| < 2^e for a raw finite mpf value; _NO_EXP for zero."""
    return v[2] + v[3] if v[1] else _NO_EXP


class _Engine:
    """The GBS stepper at a fixed working precision (construct and use inside workdps).

    The hot path works on raw mpmath value tuples (``x._mpf_``) with the libmp functions,
    which avoids the per-operation dispatch of ``mpf`` objects; ``f`` sees ordinary ``mpf``.
    """

    def __init__(self, f, dim, rtol, atol, kmax, h_max):
        self.f = f
        self.dim = dim
        self.rtol = rtol
        self.atol = atol
        self.kmax = kmax
        self.h_max = h_max
        self.nfev = 0
        self.prec = mp.prec
        # n_j for j = 1..kmax+1 (index 0 unused)
        self.n = [0] + [2 * j for j in range(1, kmax + 2)]
        # work A_j = 1 + sum_{i<=j} (n_i - 1) = 1 + j^2
        self.A = [0] + [1 + j * j for j in range(1, kmax + 2)]
        self.rtol_r_full = mpf(rtol)._mpf_
        self.atol_r_full = mpf(atol)._mpf_
        # Aitken–Neville coefficients 1 / ((n_j/n_{j-l})^2 - 1) as exact integer ratios
        # num/den = n_{j-l}^2 / (n_j^2 - n_{j-l}^2), used by the fixed-point tableau
        self.cint = [None, []]
        for j in range(2, kmax + 2):
            self.cint.append([None] + [(self.n[j - l] ** 2, self.n[j] ** 2 - self.n[j - l] ** 2)
                                       for l in range(1, j)])
        # fixed-point tableau: each component is held as an integer X with value X * 2^-q_i,
        # q_i chosen per step so that the component's scale max(|y_i|, atol/rtol, |H f_i|) has
        # prec + 24 bits; absolute round-off is then far below atol + rtol |y_i|
        self.fix_bits = self.prec + 24
        self.floor_exp = _exponent(mpf_div(self.atol_r_full, self.rtol_r_full, 53, _RND)) \
            if mpf(atol) > 0 else None
        # float rtol for the error norm
        self.rtol_f = float(rtol)
        self.last_bad_t = None
        self.last_bad_msg = None
        # optional raw protocol: f.raw(t, [raw mpf tuples]) -> [raw mpf tuples]
        self.raw_f = getattr(f, "raw", None) if getattr(f, "raw_mpf", False) else None

    # -- evaluation -------------------------------------------------------------------
    def feval(self, t, y):
        """f at (t, y) with mpf arguments; returns the raw value tuples."""
        self.nfev += 1
        try:
            d = self.f(t, y)
        except Exception as e:  # noqa: BLE001 - reported with the time
            raise _Failure(t, f"f raised {type(e).__name__} at t = {_nstr(t)}: {e}") from e
        try:
            raw = [v._mpf_ for v in d]
        except AttributeError:
            raw = self._convert(t, d)
        except TypeError:
            raise _Failure(t, f"f returned a non-sequence {type(d).__name__} at t = "
                              f"{_nstr(t)}") from None
        if len(raw) != self.dim:
            raise _Failure(t, f"f returned {len(raw)} components, expected {self.dim}, at t = "
                              f"{_nstr(t)}")
        for v in raw:
            if v[3] < 0:  # nan / +inf / -inf have negative bit count in libmp
                raise _Failure(t, f"f returned a non-finite value at t = {_nstr(t)}",
                               nonfinite=True)
        return raw

    def _convert(self, t, d):
        out = []
        try:
            for v in d:
                if isinstance(v, mpf):
                    out.append(v._mpf_)
                elif isinstance(v, (mpmath.mpc, complex)):
                    raise TypeError("complex value")
                else:
                    out.append(mpf(v)._mpf_)
        except Exception as e:  # noqa: BLE001
            raise _Failure(t, f"f returned a non-real value at t = {_nstr(t)}: {e}") from None
        return out

    def feval_raw(self, t_raw, y_raw):
        mk = mp.make_mpf
        return self.feval(mk(t_raw), [mk(v) for v in y_raw])

    def feval_fast(self, t, z_raw):
        """f at (t, y) with y given as raw value tuples. If ``f.raw_mpf`` is true, ``f`` is
        called as ``f.raw(t, z_raw)`` and returns raw value tuples (no mpf objects in between);
        otherwise as :meth:`feval`."""
        raw_f = self.raw_f
        if raw_f is None:
            mk = mp.make_mpf
            return self.feval(t, [mk(v) for v in z_raw])
        self.nfev += 1
        try:
            raw = raw_f(t, z_raw)
        except Exception as e:  # noqa: BLE001 - reported with the time
            raise _Failure(t, f"f raised {type(e).__name__} at t = {_nstr(t)}: {e}") from e
        if len(raw) != self.dim:
            raise _Failure(t, f"f returned {len(raw)} components, expected {self.dim}, at t = "
                              f"{_nstr(t)}")
        for v in raw:
            if v[3] < 0:
                raise _Failure(t, f"f returned a non-finite value at t = {_nstr(t)}",
                               nonfinite=True)
        return raw

    def _unfix(self, X, q):
        prec = self.prec
        return [from_man_exp(m, -qi, prec, _RND) for m, qi in zip(X, q)]

    # -- one GBS step -----------------------------------------------------------------
    def step(self, t, y, f0, H, k):
        """Attempt a step of size H (mpf) targeting k columns; t, y, f0 raw.

        Returns (accepted, ynew_raw, kc, err_kc, Hopt, W) with kc the column where it
        converged (or where it was abandoned); Hopt (abs step sizes, mpf) and W (work per
        unit step, float) are dicts keyed by column.
        """
        n, A = self.n, self.A
        prec = self.prec
        rnd = _RND
        add, mul = mpf_add, mpf_mul
        mk = mp.make_mpf
        fev = self.feval_fast
        kmax = self.kmax
        prev = None
        Hopt = {}
        W = {}
        err = None
        jmax = kmax
        err_prev = None
        absH = abs(H)
        Hr = H._mpf_
        cint = self.cint
        # per-step fixed-point scales
        P = self.fix_bits
        floor_exp = self.floor_exp
        q = []
        for v, fv in zip(y, f0):
            e = _exponent(v)
            ehf = _exponent(fv) + _exponent(Hr)
            if ehf > e:
                e = ehf
            if floor_exp is not None and floor_exp > e:
                e = floor_exp
            q.append(e)
        big = max(q)
        if big < _NO_EXP // 2:
            big = 0
        # zero components (with atol = 0) get the scale of the largest component
        q = [P - (e if e > _NO_EXP // 2 else big) for e in q]
        Y = []
        for v, qi in zip(y, q):
            sh = v[2] + qi
            m = v[1] << sh if sh >= 0 else v[1] >> -sh
            Y.append(m)  # |y_i| in fixed units
        atol_fix = [min(to_float(mpf_shift(self.atol_r_full, qi)), _BIG) for qi in q]
        for j in range(1, jmax + 1):
            nj = n[j]
            h = mpf_div(Hr, from_int(nj), prec, rnd)
            h2 = mpf_shift(h, 1)
            z0 = y
            z1 = [add(a, mul(h, b), prec, rnd) for a, b in zip(y, f0)]
            for m in range(1, nj):
                tm = mk(add(t, mpf_mul_int(h, m, prec, rnd), prec, rnd))
                fz = fev(tm, z1)
                z0, z1 = z1, [add(a, mul(h2, b), prec, rnd) for a, b in zip(z0, fz)]
            # to fixed point
            X = []
            for v, qi in zip(z1, q):
                sh = v[2] + qi
                m = v[1] << sh if sh >= 0 else v[1] >> -sh
                X.append(-m if v[0] else m)
            row = [X]
            if prev is not None:
                cj = cint[j]
                cur = X
                for l in range(1, j):
                    num, den = cj[l]
                    cur = [a + (a - b) * num // den for a, b in zip(cur, prev[l - 1])]
                    row.append(cur)
                # error norm max_i |T_jj - T_j,j-1| / (atol + rtol max(|y_i|, |T_jj,i|))
                err = 0.0
                rtol_f = self.rtol_f
                for lo, hi, yi, ai in zip(row[j - 2], row[j - 1], Y, atol_fix):
                    d = hi - lo
                    if d:
                        d = abs(d)
                        if d.bit_length() > 1000:
                            err = _BIG
                            break
                        sc = ai + rtol_f * float(max(yi, abs(hi)))
                        e = float(d) / sc if sc > 0 else _BIG
                        if e > err:
                            err = e
                if err > 0:
                    fac = _SAFE * (_SAFE_EXP / err) ** (1.0 / (2 * j - 1))
                    fac = min(max(fac, _FAC_MIN), _FAC_MAX)
                else:
                    fac = _FAC_MAX
                Hopt[j] = absH * mpf(fac)
                W[j] = A[j] / float(Hopt[j])
                if err <= 1 and j >= 3:
                    # converged (early convergence is also accepted: a short step, e.g. the
                    # last one or a dense-output step, needs fewer columns)
                    return True, self._unfix(row[j - 1], q), j, err, Hopt, W
                if j >= k - 1:
                    if err <= 1:
                        return True, self._unfix(row[j - 1], q), j, err, Hopt, W
                    # convergence monitor: predict the error of later columns from the
                    # observed per-column reduction (never more optimistic than ODEX's model
                    # (n_1/n_{j+1})^2); abandon the step when column max(k+1, j+1) cannot make it
                    model = (n[1] / n[j + 1]) ** 2
                    rho = max(err / err_prev, model) if err_prev else model
                    target = max(k + 1, j + 1)
                    if rho >= 1 or target > kmax:
                        return False, None, j, err, Hopt, W
                    predicted = err * rho ** (target - j)
                    if predicted > (1.0 if target == k + 1 else 0.5):
                        return False, None, j, err, Hopt, W
                err_prev = err
            prev = row
        return False, None, jmax, err, Hopt, W

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


def _to_mpf(x, what):
    """Convert a real number (int, float, str, mpf, Fraction, SymPy number, ...) to mpf at the
    current precision; rationals are divided at that precision (not rounded to float)."""
    try:
        if isinstance(x, Fraction):
            v = mpf(x.numerator) / x.denominator
        elif isinstance(x, (mpf, int, float, str)):
            v = mpf(x)
        elif hasattr(x, "p") and hasattr(x, "q") and getattr(x, "is_Rational", False):
            v = mpf(int(x.p)) / int(x.q)  # SymPy Rational / Integer
        elif hasattr(x, "_mpf_") or hasattr(x, "_to_mpmath"):
            v = mpf(x._to_mpmath(mp.prec)) if hasattr(x, "_to_mpmath") else mpf(x)
        else:
            v = mpf(x)
    except Exception as e:  # noqa: BLE001
        raise IntegrationError(f"{what} = {x!r} is not a real number: {e}", time=None) from e
    if not mpmath.isfinite(v):
        raise IntegrationError(f"{what} = {x!r} is not finite", time=None)
    return v


class OdeSolution:
    """Result of :func:`solve_ivp_mp`.

    Attributes: ``t0``, ``t1`` (requested span), ``dps``, ``work_dps``, ``ts``/``ys`` (accepted
    step points, values at working precision), ``status`` ("success" | "stopped" | "failed"),
    ``message``, ``t_stop`` (where a monitor stopped it, or where it failed; else None), ``stats``.
    Calling ``sol(t)`` gives the dense output for ``t`` in ``[t0, t_last]``.
    """

    def __init__(self, *, f, t0, t1, dps, work_dps, ts, ys, ks, status, message, t_stop, stats,
                 rtol, atol, kmax, h_max):
        self.f = f
        self.t0 = t0
        self.t1 = t1
        self.dps = dps
        self.work_dps = work_dps
        self.ts = ts
        self.ys = ys
        self.ks = ks  # columns used per accepted step (len(ts) - 1 entries)
        self.status = status
        self.message = message
        self.t_stop = t_stop
        self.stats = stats
        self._rtol = rtol
        self._atol = atol
        self._kmax = kmax
        self._h_max = h_max
        self.dense_nfev = 0

    @property
    def success(self) -> bool:
        return self.status == "success"

    @property
    def t_last(self):
        return self.ts[-1]

    @property
    def y_last(self):
        return list(self.ys[-1])

    def __repr__(self) -> str:
        return (f"OdeSolution(status={self.status!r}, t0={mpmath.nstr(self.t0, 10)}, "
                f"t_last={mpmath.nstr(self.t_last, 10)}, steps={len(self.ts) - 1}, "
                f"nfev={self.stats.nfev}, dps={self.dps})")

    def __call__(self, t) -> list:
        with mp.workdps(self.work_dps):
            try:
                tt = mpf(t)
            except Exception as e:  # noqa: BLE001
                raise IntegrationError(f"dense output: t = {t!r} is not a real number", time=t) from e
            ts = self.ts
            forward = ts[-1] >= ts[0]
            lo, hi = (ts[0], ts[-1]) if forward else (ts[-1], ts[0])
            if not (lo <= tt <= hi):
                raise IntegrationError(
                    f"dense output requested at t = {mpmath.nstr(tt, 17)}, outside the integrated "
                    f"span [{mpmath.nstr(lo, 17)}, {mpmath.nstr(hi, 17)}]", time=tt)
            # locate the step [ts[i], ts[i+1]] containing tt
            if forward:
                i = bisect.bisect_right(ts, tt) - 1
            else:
                neg = [-s for s in ts]
                i = bisect.bisect_right(neg, -tt) - 1
            i = max(0, min(i, len(ts) - 1))
            if ts[i] == tt:
                return list(self.ys[i])
            if i + 1 < len(ts) and ts[i + 1] == tt:
                return list(self.ys[i + 1])
            eng = _Engine(self.f, len(self.ys[0]), self._rtol, self._atol, self._kmax, self._h_max)
            k = self.ks[i] if i < len(self.ks) else max(3, self._kmax // 2)
            k = max(3, min(k, self._kmax - 1))
            res = _integrate(eng, ts[i], list(self.ys[i]), tt, H=tt - ts[i], k=k,
                             max_steps=10_000, monitor=None, progress=None, record=False)
            self.dense_nfev += eng.nfev
            if res["status"] != "success":
                raise IntegrationError(f"dense output at t = {mpmath.nstr(tt, 17)} failed: "
                                       f"{res['message']}", time=tt)
            return res["y"]


def _integrate(eng, t0, y0, t1, *, H, k, max_steps, monitor, progress, record):
    """Core loop (inside workdps). t0, t1, H mpf; y0 list of mpf.

    Returns a dict with the trajectory (mpf) and counters.
    """
    mk = mp.make_mpf
    direction = 1 if t1 >= t0 else -1
    span = abs(t1 - t0)
    t = t0
    y = [v._mpf_ for v in y0]
    ts, ys, ks = [t0], [list(y0)], []
    nsteps = nrejected = 0
    max_err = 0.0
    kmin_used = kmax_used = 0
    status, message, t_stop = "success", "integration reached t1", None
    kmax = eng.kmax
    k = max(3, min(k, kmax - 1))
    eps = mpf(2) ** (-mp.prec + 4)
    last_rejected = False
    caution = 1.0
    try:
        f0 = eng.feval(t, list(y0))
        if H is None:
            absH = eng.initial_step(t, y, f0, direction, span, k)
        else:
            absH = min(abs(H), span)
        if eng.h_max is not None:
            absH = min(absH, eng.h_max)
        attempts = 0
        while True:
            remaining = abs(t1 - t)
            if remaining <= eps * max(abs(t), abs(t1), 1) * 4:
                break
            if absH * mpf("1.01") >= remaining:
                absH = remaining
                Hs = t1 - t
                last = True
            else:
                Hs = direction * absH
                last = False
            if absH <= eps * max(abs(t), 1) * 16:
                status = "failed"
                t_stop = t
                message = f"step size underflow at t = {_nstr(t)} (h = {_nstr(absH, 5)})"
                if eng.last_bad_msg:
                    message += f"; last problem: {eng.last_bad_msg}"
                break
            if attempts >= max_steps:
                status = "failed"
                t_stop = t
                message = (f"max_steps = {max_steps} exhausted at t = {_nstr(t)} "
                           f"(h = {_nstr(absH, 5)}) before reaching t1 = {_nstr(t1)}")
                break
            attempts += 1
            try:
                ok, ynew, kc, err, Hopt, W = eng.step(t._mpf_, y, f0, Hs, k)
            except _Failure as fail:
                # an exception or a non-finite value at a trial point of the step (e.g. past a
                # singularity of f): shrink the step and retry; if f keeps failing, the step
                # size underflows and the message names the last failure and its time.  (A
                # failure of f at an accepted point ends the integration at once.)
                eng.last_bad_t, eng.last_bad_msg = fail.t, str(fail)
                nrejected += 1
                last_rejected = True
                absH = absH / 4
                k = max(3, k - 1)
                continue
            if ok:
                tnew = t1 if last else t + Hs
                nsteps += 1
                errrel = err * float(eng.rtol)
                if errrel > max_err:
                    max_err = errrel
                kmin_used = kc if not kmin_used else min(kmin_used, kc)
                kmax_used = max(kmax_used, kc)
                # order and step size for the next step (ODEX-like, by work per unit step)
                if last_rejected:
                    knew = max(3, min(kc, k, kmax - 1))
                    Hn = min(Hopt.get(knew, Hopt[kc]), absH)
                elif kc >= 3 and (kc - 1) in W and W[kc - 1] < 0.8 * W[kc]:
                    knew = kc - 1
                    Hn = Hopt[knew]
                elif kc + 1 <= kmax - 1 and ((kc - 1) not in W or W[kc] < 0.9 * W[kc - 1]):
                    knew = kc + 1
                    Hn = Hopt[kc] * eng.A[kc + 1] / eng.A[kc]
                else:
                    knew = kc
                    Hn = Hopt[kc]
                if kc < k - 1:
                    # early convergence (the step was short): keep (almost) the order and
                    # scale the step like ODEX's order increase, by the work ratio A_knew / A_kc
                    knew = max(knew, k - 1)
                    Hn = max(Hn, Hopt[kc] * eng.A[knew] / eng.A[kc], absH)
                knew = max(3, min(knew, kmax - 1))
                # rejection memory: after rejections the next steps are more cautious
                if last_rejected:
                    caution = max(0.5, caution * 0.8)
                else:
                    caution = min(1.0, caution * 1.1)
                Hn = Hn * mpf(caution) if caution < 1 else Hn
                t, y = tnew, ynew
                yv = [mk(v) for v in y]
                if record:
                    ts.append(t)
                    ys.append(yv)
                    ks.append(kc)
                last_rejected = False
                k = knew
                absH = Hn
                if eng.h_max is not None:
                    absH = min(absH, eng.h_max)
                # equalize the remaining steps (avoids a short, full-cost last step); a
                # stretch by up to _STRETCH is allowed: the tableau then usually converges
                # one column later, which is much cheaper than an extra step
                remaining = abs(t1 - t)
                if remaining > 0 and absH < remaining:
                    nrem = int(math.ceil(float(remaining / absH) / _STRETCH))
                    absH = remaining / max(nrem, 1)
                if progress is not None:
                    progress.update(t, {"step": nsteps, "h": Hs, "order": 2 * kc,
                                        "nfev": eng.nfev, "nrejected": nrejected,
                                        "error_estimate": errrel, "t1": t1})
                if monitor is not None:
                    try:
                        msg = monitor(t, list(yv))
                    except Exception as e:  # noqa: BLE001
                        raise _Failure(t, f"monitor raised {type(e).__name__} at t = "
                                          f"{_nstr(t)}: {e}") from e
                    if msg is not None:
                        status, message, t_stop = "stopped", str(msg), t
                        break
                if last:
                    break
                f0 = eng.feval(t, list(yv))
            else:
                nrejected += 1
                last_rejected = True
                if (kc - 1) >= 2 and (kc - 1) in W and W[kc - 1] < 0.8 * W[kc]:
                    knew = kc - 1
                else:
                    knew = kc
                knew = max(3, min(knew, kmax - 1))
                Hn = Hopt.get(knew) or Hopt.get(kc) or absH / 4
                absH = min(Hn, absH * mpf("0.9"))
                k = knew
    except _Failure as fail:
        status, t_stop = "failed", fail.t
        message = str(fail)
    if not record:
        ts.append(t)
        ys.append([mk(v) for v in y])
    return dict(ts=ts, ys=ys, ks=ks, y=[mk(v) for v in y], t=t, status=status,
                message=message, t_stop=t_stop, nsteps=nsteps, nrejected=nrejected,
                max_err=mpf(max_err), kmin=kmin_used, kmax=kmax_used)


def solve_ivp_mp(f: Callable[[Any, list], Sequence], t0, y0, t1, *, dps: int = 30,
                 rtol=None, atol=None, h0=None, max_steps: int = 100_000,
                 monitor: Optional[Callable[[Any, list], Optional[str]]] = None,
                 progress: Any = None, kmax: Optional[int] = None, guard: Optional[int] = None,
                 h_max=None, stop_tol=None, raise_on_failure: bool = False) -> OdeSolution:
    """Integrate ``y' = f(t, y)``, ``y(t0) = y0`` from ``t0`` to ``t1`` at ``dps`` digits.

    Parameters
    ----------
    f : callable ``f(t, y) -> list`` of mpf (called inside ``workdps(work_dps)``).
    t0, t1 : start and end time (``t1 < t0`` integrates backwards).
    y0 : sequence of numbers (converted to mpf at the working precision).
    dps : requested digits.  The default tolerance ``rtol = 10**-dps``,
        ``atol = rtol·max(1e-300, max_i |y0_i|)`` (i.e. relative to the scale of ``y``; ``rtol``
        if ``y0 = 0``) makes the result agree with an integration at higher precision to
        within ``10**(5-dps)`` relative.
    rtol, atol : tolerances of the mixed local error norm
        ``max_i |err_i| / (atol + rtol·max(|y_i|, |ynew_i|))``.
    h0 : first step size (default: Hairer–Wanner heuristic).
    max_steps : maximum number of attempted steps (accepted + rejected).
    monitor : ``monitor(t, y) -> None | str`` after each accepted step; a string stops the
        integration (status "stopped", ``t_stop`` set, message = that string).
    progress : object with ``.update(t, info: dict)`` and ``.close()``.
    kmax : maximal number of extrapolation columns (order ``2·kmax``); default from the tolerance.
    guard : guard digits (default 6 + log10 of the tableau's Lebesgue constant).
    h_max : maximal step size (e.g. to let a monitor look at a finer grid).
    stop_tol : if given and a monitor stops the run, bisect (with dense output) between the last
        two step points to locate the first time the monitor fires to within ``stop_tol``; the
        last point of the trajectory is then that time.
    raise_on_failure : raise :class:`IntegrationError` instead of returning status "failed".
    """
    if not isinstance(dps, int) or dps < 5:
        raise IntegrationError(f"dps must be an integer >= 5, got {dps!r}")
    if not callable(f):
        raise IntegrationError(f"f must be callable, got {type(f).__name__}")
    with mp.workdps(dps + 5):
        rtol_v = mpf(10) ** (-default_tolerance(dps)) if rtol is None else _to_mpf(rtol, "rtol")
        if not rtol_v > 0:
            raise IntegrationError(f"rtol must be positive, got {rtol!r}")
        rtol_digits = -float(mpmath.log10(rtol_v))
    if kmax is None:
        kmax = _default_kmax(max(rtol_digits, 4))
    if not isinstance(kmax, int) or kmax < 5:
        raise IntegrationError(f"kmax must be an integer >= 5, got {kmax!r}")
    if guard is None:
        guard = guard_digits(kmax)
    work_dps = max(dps, int(math.ceil(rtol_digits))) + guard
    try:
        with mp.workdps(work_dps):
            t0v = _to_mpf(t0, "t0")
            t1v = _to_mpf(t1, "t1")
            try:
                y0v = [_to_mpf(v, f"y0[{i}]") for i, v in enumerate(y0)]
            except TypeError as e:
                raise IntegrationError(f"y0 must be a sequence of real numbers, got {y0!r}") from e
            if not y0v:
                raise IntegrationError("y0 is empty")
            rtol_w = mpf(rtol_v)
            if atol is None:
                scale = max(abs(v) for v in y0v)
                atol_w = rtol_w * (scale if scale > 0 else 1)
            else:
                atol_w = _to_mpf(atol, "atol")
                if atol_w < 0:
                    raise IntegrationError(f"atol must be >= 0, got {atol!r}")
            hmax_w = None if h_max is None else abs(_to_mpf(h_max, "h_max"))
            eng = _Engine(f, len(y0v), rtol_w, atol_w, kmax, hmax_w)
            if t0v == t1v:
                stats = OdeStats(nfev=0, nsteps=0, nrejected=0, max_error_estimate=mpf(0),
                                 rtol=rtol_w, atol=atol_w)
                return OdeSolution(f=f, t0=t0v, t1=t1v, dps=dps, work_dps=work_dps, ts=[t0v],
                                   ys=[y0v], ks=[], status="success", message="t1 == t0",
                                   t_stop=None, stats=stats, rtol=rtol_w, atol=atol_w, kmax=kmax,
                                   h_max=hmax_w)
            direction = 1 if t1v > t0v else -1
            H = None if h0 is None else direction * abs(_to_mpf(h0, "h0"))
            k0 = int(max(3, min(kmax - 1, 0.6 * rtol_digits + 1.5)))
            res = _integrate(eng, t0v, y0v, t1v, H=H, k=k0, max_steps=max_steps,
                             monitor=monitor, progress=progress, record=True)
            sol = OdeSolution(f=f, t0=t0v, t1=t1v, dps=dps, work_dps=work_dps, ts=res["ts"],
                              ys=res["ys"], ks=res["ks"], status=res["status"],
                              message=res["message"], t_stop=res["t_stop"], stats=None,
                              rtol=rtol_w, atol=atol_w, kmax=kmax, h_max=hmax_w)
            if sol.status == "stopped" and stop_tol is not None and len(sol.ts) >= 2:
                _refine_stop(sol, monitor, _to_mpf(stop_tol, "stop_tol"))
            sol.stats = OdeStats(nfev=eng.nfev, nsteps=res["nsteps"], nrejected=res["nrejected"],
                                 max_error_estimate=res["max_err"], order_min=2 * res["kmin"],
                                 order_max=2 * res["kmax"], rtol=rtol_w, atol=atol_w,
                                 dense_nfev=sol.dense_nfev)
    finally:
        if progress is not None:
            progress.close()
    if sol.status == "failed" and raise_on_failure:
        raise IntegrationError(sol.message, time=sol.t_stop)
    return sol


def _refine_stop(sol, monitor, stop_tol):
    """Bisect the last step for the first time the monitor fires (inside workdps)."""
    a, b = sol.ts[-2], sol.ts[-1]
    msg_b, yb = sol.message, sol.ys[-1]
    # drop the last point so that dense output works on [t0, a] ∪ [a, mid] via the last step
    ts, ys = sol.ts, sol.ys
    while abs(b - a) > stop_tol:
        mid = (a + b) / 2
        ym = sol(mid)  # within [a, b], integrated from (a, y_a)
        msg = monitor(mid, list(ym))
        if msg is None:
            a = mid
        else:
            b, yb, msg_b = mid, ym, str(msg)
    ts[-1], ys[-1] = b, yb
    sol.t_stop = b
    sol.message = msg_b
