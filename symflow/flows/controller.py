"""The order and step-size controller of the GBS engine (ODEX strategy): :func:`_integrate` runs
accepted/rejected steps of :class:`~symflow.flows.engine._Engine` from t0 to t1 (the state of a
run is a :class:`_Run`), choosing the number of columns and the next step by work per unit step
(:func:`_next_after_accept`, :func:`_next_after_reject`); plus the guard digits and defaults."""

from __future__ import annotations

import math

from dataclasses import dataclass
from typing import Any

from mpmath import mp, mpf

from .engine import _GUARD_BASE, _STRETCH
from .evaluation import _Failure, _nstr


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
    """Default column limit: rtol_digits/2 + 5 columns, within [8, 60]. (Up to 50 digits the
    controller never asks for more; the former cap of 30 bound from 55 digits on: at 100 digits
    on mlp([3, 8, 8, 2]) it forced 25 steps and 23456 evaluations, against 5 steps and 13566
    evaluations with 55 columns — 19.1 s against 10.9 s.)"""
    return int(min(60, max(8, 0.5 * rtol_digits + 5)))


@dataclass(frozen=True)
class RunResult:
    """What :func:`_integrate` returns: the recorded trajectory ``ts``/``ys`` (mpf) and ``ks``
    (columns per accepted step), the last point ``t``/``y``, ``status`` ("success" | "stopped" |
    "failed"), ``message``, ``t_stop``, and the counters: ``max_err`` the largest accepted
    relative error estimate (mpf), ``kmin``/``kmax`` the fewest and most columns used."""

    ts: list
    ys: list
    ks: list
    y: list
    t: Any
    status: str
    message: str
    t_stop: Any
    nsteps: int
    nrejected: int
    max_err: Any
    kmin: int
    kmax: int


def _next_after_accept(eng, kc, k, absH, Hopt, W, last_rejected):
    """Columns and step size after a step of size |H| = absH, aiming at k columns, accepted in
    column kc (ODEX, by the work per unit step W_j = A_j / H_j):

    * right after a rejection: no increase, min(kc, k) columns, a step of at most |H|;
    * W_{kc−1} < 0.8·W_kc: one column fewer, with its optimal step H_{kc−1};
    * W_kc < 0.9·W_{kc−1} (or kc−1 has no estimate), if kc+1 ≤ kmax−1: one column more, with the
      step H_kc·A_{kc+1}/A_kc;
    * else kc columns and H_kc.

    Early convergence (kc < k−1: the step was short) keeps (almost) the order, k−1 columns, and
    scales the step like an order increase, by A_knew/A_kc (never below |H|).  Returns
    (k_new, H_new) with 3 ≤ k_new ≤ kmax−1.
    """
    kmax, A = eng.kmax, eng.A
    if last_rejected:
        knew = max(3, min(kc, k, kmax - 1))
        Hn = min(Hopt.get(knew, Hopt[kc]), absH)
    elif kc >= 3 and (kc - 1) in W and W[kc - 1] < 0.8 * W[kc]:
        knew = kc - 1
        Hn = Hopt[knew]
    elif kc + 1 <= kmax - 1 and ((kc - 1) not in W or W[kc] < 0.9 * W[kc - 1]):
        knew = kc + 1
        Hn = Hopt[kc] * A[kc + 1] / A[kc]
    else:
        knew = kc
        Hn = Hopt[kc]
    if kc < k - 1:
        knew = max(knew, k - 1)
        Hn = max(Hn, Hopt[kc] * A[knew] / A[kc], absH)
    return max(3, min(knew, kmax - 1)), Hn


def _next_after_reject(eng, kc, absH, Hopt, W):
    """Columns and step size after a step of size |H| = absH abandoned in column kc: one column
    fewer if W_{kc−1} < 0.8·W_kc (and kc−1 ≥ 2), clipped to [3, kmax−1]; the optimal step of that
    column (else of kc, else |H|/4), and at most 0.9·|H|.  Returns (k_new, H_new)."""
    if (kc - 1) >= 2 and (kc - 1) in W and W[kc - 1] < 0.8 * W[kc]:
        knew = kc - 1
    else:
        knew = kc
    knew = max(3, min(knew, eng.kmax - 1))
    Hn = Hopt.get(knew) or Hopt.get(kc) or absH / 4
    return knew, min(Hn, absH * mpf("0.9"))


def _caution(caution, last_rejected):
    """Rejection memory, a factor on the next step: ×0.8 (down to 0.5) after a rejection, else
    ×1.1 (up to 1)."""
    return max(0.5, caution * 0.8) if last_rejected else min(1.0, caution * 1.1)


def _equalized(absH, remaining):
    """The step for the remaining span split into n = ⌈remaining / (1.2·|H|)⌉ equal steps (avoids
    a short, full-cost last step; a stretch by up to _STRETCH = 1.2 usually costs one more column,
    much cheaper than an extra step); |H| itself if it already covers the span."""
    if remaining > 0 and absH < remaining:
        nrem = int(math.ceil(float(remaining / absH) / _STRETCH))
        absH = remaining / max(nrem, 1)
    return absH


def _ask_monitor(monitor, t, yv):
    """monitor(t, y) after an accepted step; an exception of the monitor is a failure at t."""
    try:
        return monitor(t, list(yv))
    except Exception as e:  # noqa: BLE001
        raise _Failure(t, f"monitor raised {type(e).__name__} at t = {_nstr(t)}: {e}") from e


def _integrate(eng, t0, y0, t1, *, H, k, max_steps, monitor, progress, record) -> RunResult:
    """Core loop (inside workdps): steps of ``eng`` from (t0, y0) to t1, starting with ``k``
    columns and the step ``H`` (None: the engine's estimate).  t0, t1, H mpf; y0 list of mpf.
    ``record``: keep every accepted step point (else only the last).  A failure of ``f`` at an
    accepted point (or of the monitor) ends the run with status "failed"."""
    run = _Run(eng, t0, y0, t1, k, max_steps=max_steps, monitor=monitor, progress=progress,
               record=record)
    try:
        run.start(y0, H)
        while run.attempt():
            pass
    except _Failure as fail:
        run.status, run.t_stop = "failed", fail.t
        run.message = str(fail)
    return run.result()


class _Run:
    """The state of one run of the controller: the point ``t``, ``y`` (raw) and ``f0`` = f(t, y);
    the next number of columns ``k`` and step size ``absH``; the counters, the rejection memory
    (``last_rejected``, ``caution``), the recorded trajectory and the outcome so far."""

    def __init__(self, eng, t0, y0, t1, k, *, max_steps, monitor, progress, record):
        self.eng, self.t1, self.record = eng, t1, record
        self.max_steps, self.monitor, self.progress = max_steps, monitor, progress
        self.direction = 1 if t1 >= t0 else -1
        self.t = t0
        self.y = [v._mpf_ for v in y0]
        self.f0 = self.absH = None
        self.ts, self.ys, self.ks = [t0], [list(y0)], []
        self.nsteps = self.nrejected = self.attempts = 0
        self.max_err = 0.0
        self.kmin_used = self.kmax_used = 0
        self.status, self.message, self.t_stop = "success", "integration reached t1", None
        self.k = max(3, min(k, eng.kmax - 1))
        self.eps = mpf(2) ** (-mp.prec + 4)
        self.last_rejected = False
        self.caution = 1.0

    def start(self, y0, H):
        """f at the start, and the first step: |H| if given (else the engine's estimate), at
        most the span and h_max."""
        eng, t = self.eng, self.t
        span = abs(self.t1 - t)
        self.f0 = eng.feval(t, list(y0))
        if H is None:
            absH = eng.initial_step(t, self.y, self.f0, self.direction, span, self.k)
        else:
            absH = min(abs(H), span)
        self.absH = absH if eng.h_max is None else min(absH, eng.h_max)

    def attempt(self) -> bool:
        """Attempt one step (the last one lands on t1 exactly); False when the run is over."""
        t, t1 = self.t, self.t1
        remaining = abs(t1 - t)
        if remaining <= self.eps * max(abs(t), abs(t1), 1) * 4:
            return False
        if self.absH * mpf("1.01") >= remaining:
            self.absH = remaining
            Hs, last = t1 - t, True
        else:
            Hs, last = self.direction * self.absH, False
        if self._gives_up():
            return False
        self.attempts += 1
        try:
            r = self.eng.step(t._mpf_, self.y, self.f0, Hs, self.k)
        except _Failure as fail:
            self._trial_failed(fail)
            return True
        if not r.accepted:
            self.nrejected += 1
            self.last_rejected = True
            self.k, self.absH = _next_after_reject(self.eng, r.column, self.absH, r.h_opt, r.work)
            return True
        return self._accepted(r, Hs, last)

    def _gives_up(self) -> bool:
        """Step-size underflow (|H| ≤ 16·ε·max(|t|, 1), ε = 2^(4−prec)) or max_steps attempts:
        status "failed" at t, the message naming the last failure of f if any."""
        t, absH = self.t, self.absH
        if absH <= self.eps * max(abs(t), 1) * 16:
            message = f"step size underflow at t = {_nstr(t)} (h = {_nstr(absH, 5)})"
            if self.eng.last_bad_msg:
                message += f"; last problem: {self.eng.last_bad_msg}"
        elif self.attempts >= self.max_steps:
            message = (f"max_steps = {self.max_steps} exhausted at t = {_nstr(t)} "
                       f"(h = {_nstr(absH, 5)}) before reaching t1 = {_nstr(self.t1)}")
        else:
            return False
        self.status, self.message, self.t_stop = "failed", message, t
        return True

    def _trial_failed(self, fail):
        """An exception or a non-finite value of f at a trial point of the step (e.g. past a
        singularity of f): shrink the step by 4, one column fewer, and retry; if f keeps
        failing, the step size underflows and the message names the last failure and its time.
        (A failure of f at an accepted point ends the integration at once.)"""
        self.eng.last_bad_t, self.eng.last_bad_msg = fail.t, str(fail)
        self.nrejected += 1
        self.last_rejected = True
        self.absH = self.absH / 4
        self.k = max(3, self.k - 1)

    def _accepted(self, r, Hs, last) -> bool:
        """Book an accepted step of size Hs (counters, next columns and step with the rejection
        memory, the trajectory), then report it; False when the run is over."""
        eng, kc = self.eng, r.column
        tnew = self.t1 if last else self.t + Hs
        self.nsteps += 1
        errrel = r.error * float(eng.rtol)
        if errrel > self.max_err:
            self.max_err = errrel
        self.kmin_used = kc if not self.kmin_used else min(self.kmin_used, kc)
        self.kmax_used = max(self.kmax_used, kc)
        knew, Hn = _next_after_accept(eng, kc, self.k, self.absH, r.h_opt, r.work,
                                      self.last_rejected)
        self.caution = _caution(self.caution, self.last_rejected)
        Hn = Hn * mpf(self.caution) if self.caution < 1 else Hn
        self.t, self.y = tnew, r.y
        yv = [mp.make_mpf(v) for v in r.y]
        if self.record:
            self.ts.append(tnew)
            self.ys.append(yv)
            self.ks.append(kc)
        self.last_rejected = False
        self.k = knew
        absH = Hn if eng.h_max is None else min(Hn, eng.h_max)
        self.absH = _equalized(absH, abs(self.t1 - tnew))
        return self._report(yv, Hs, kc, errrel, last)

    def _report(self, yv, Hs, kc, errrel, last) -> bool:
        """Progress and monitor after an accepted step (a message of the monitor stops the run:
        status "stopped" at t); then f at the new point, unless t1 is reached."""
        t = self.t
        if self.progress is not None:
            self.progress.update(t, {"step": self.nsteps, "h": Hs, "order": 2 * kc,
                                     "nfev": self.eng.nfev, "nrejected": self.nrejected,
                                     "error_estimate": errrel, "t1": self.t1})
        if self.monitor is not None:
            msg = _ask_monitor(self.monitor, t, yv)
            if msg is not None:
                self.status, self.message, self.t_stop = "stopped", str(msg), t
                return False
        if last:
            return False
        self.f0 = self.eng.feval(t, list(yv))
        return True

    def result(self) -> RunResult:
        """The outcome as a :class:`RunResult` (values as mpf)."""
        mk = mp.make_mpf
        if not self.record:
            self.ts.append(self.t)
            self.ys.append([mk(v) for v in self.y])
        return RunResult(ts=self.ts, ys=self.ys, ks=self.ks, y=[mk(v) for v in self.y], t=self.t,
                         status=self.status, message=self.message, t_stop=self.t_stop,
                         nsteps=self.nsteps, nrejected=self.nrejected, max_err=mpf(self.max_err),
                         kmin=self.kmin_used, kmax=self.kmax_used)
