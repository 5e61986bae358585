"""The order and step-size controller of the GBS engine (ODEX strategy): :func:`_integrate` runs
accepted/rejected steps of :class:`~symflow.flows.engine._Engine` from t0 to t1, choosing the
number of columns and the next step by work per unit step; plus the guard digits and defaults."""

from __future__ import annotations

import math

from mpmath import mp, mpf

from .engine import (_FAC_MAX, _FAC_MIN, _GUARD_BASE, _SAFE, _SAFE_EXP, _STRETCH, _Failure,
                     _nstr)

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
                r = eng.step(t._mpf_, y, f0, Hs, k)
                ok, ynew, kc, err, Hopt, W = r.accepted, r.y, r.column, r.error, r.h_opt, r.work
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

