"""One step of the Gragg–Bulirsch–Stoer extrapolation engine (see :mod:`symflow.flows.odes` for the
method): :class:`_Engine` evaluates ``f`` and attempts a step, returning a :class:`StepResult`.

The hot path works on raw mpmath value tuples with the libmp functions; the tableau is kept in
fixed point (Python integers) with exact small-rational Aitken–Neville coefficients.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Optional

import mpmath
from mpmath import mp, mpf
from mpmath.libmp import (from_int, from_man_exp, mpf_add, mpf_div, mpf_mul, mpf_mul_int,
                          mpf_shift, round_nearest, to_float)

from ..errors import IntegrationError

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
    def step(self, t, y, f0, H, k) -> "StepResult":
        """Attempt a step of size H (mpf) targeting k columns; t, y, f0 raw.

        Returns a :class:`StepResult` (accepted, y, column, error, h_opt, work): ``column`` is
        the column where it converged (or where it was abandoned); ``h_opt`` (abs step sizes,
        mpf) and ``work`` (work per unit step, float) are dicts keyed by column.
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
                    return StepResult(True, self._unfix(row[j - 1], q), j, err, Hopt, W)
                if j >= k - 1:
                    if err <= 1:
                        return StepResult(True, self._unfix(row[j - 1], q), j, err, Hopt, W)
                    # convergence monitor: predict the error of later columns from the
                    # observed per-column reduction (never more optimistic than ODEX's model
                    # (n_1/n_{j+1})^2); abandon the step when column max(k+1, j+1) cannot make it
                    model = (n[1] / n[j + 1]) ** 2
                    rho = max(err / err_prev, model) if err_prev else model
                    target = max(k + 1, j + 1)
                    if rho >= 1 or target > kmax:
                        return StepResult(False, None, j, err, Hopt, W)
                    predicted = err * rho ** (target - j)
                    if predicted > (1.0 if target == k + 1 else 0.5):
                        return StepResult(False, None, j, err, Hopt, W)
                err_prev = err
            prev = row
        return StepResult(False, None, jmax, err, Hopt, W)

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
