"""Benchmark: symflow.odes.solve_ivp_mp (GBS extrapolation) against mpmath.odefun (Taylor).

Both solvers integrate the same ODE from the same start at the same number of digits, in one
run.  A reference is computed with solve_ivp_mp at dps + 20; both answers must agree with it
(and with each other) to 10**(5 - dps) relative.  Times are the best of 3 runs each (the
machine may be shared).  Prints a table: method, seconds, nfev,
relative error vs the reference, time ratio odefun / solve_ivp_mp.

Problems:
  (a) 13-dim  y' = tanh(A y), A rational (entries k/10, fixed seed), y(0)_i = i/13, t in [0, 1],
      30 digits;
  (b) 3-dim Euler rigid body  y1' = y2 y3, y2' = -y1 y3, y3' = -(51/100) y1 y2,
      y(0) = (0, 1, 9/10), t in [0, 2], 50 digits.

Run:  python benchmarks/bench_odes.py   (exit status 0 iff all agreement checks pass)
"""

from __future__ import annotations

import os
import random
import sys
import time
from fractions import Fraction

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import mpmath  # noqa: E402
from mpmath import mp, mpf  # noqa: E402

from symflow.flows.odes import solve_ivp_mp  # noqa: E402


def tanh_problem(K: int = 13, seed: int = 1):
    rng = random.Random(seed)
    A = [[Fraction(rng.randint(-10, 10), 10) for _ in range(K)] for _ in range(K)]
    y0 = [Fraction(i + 1, K) for i in range(K)]

    def make_f():
        cache = {}

        def f(t, y):
            prec = mp.prec
            Am = cache.get(prec)
            if Am is None:  # the matrix at the precision f is called at
                Am = cache[prec] = [[mpf(a.numerator) / a.denominator for a in row] for row in A]
            return [mpmath.tanh(mpmath.fdot(row, y)) for row in Am]
        return f

    return "13-dim tanh(Ay)", make_f, y0, 0, 1


def rigid_body_problem():
    y0 = [Fraction(0), Fraction(1), Fraction(9, 10)]

    def make_f():
        def f(t, y):
            c = mpf(51) / 100
            return [y[1] * y[2], -y[0] * y[2], -c * y[0] * y[1]]
        return f

    return "3-dim rigid body", make_f, y0, 0, 2


def _counted(f):
    count = [0]

    def g(t, y):
        count[0] += 1
        return f(t, y)
    return g, count


def rel_err(a, b):
    with mp.workdps(200):
        num = max(abs(mpf(x) - mpf(y)) for x, y in zip(a, b))
        den = max(abs(mpf(y)) for y in b)
        return num / den


def run_one(problem, dps, repeats=3):
    name, make_f, y0, t0, t1 = problem
    # reference at dps + 20 with our engine
    ref = solve_ivp_mp(make_f(), t0, y0, t1, dps=dps + 20)
    assert ref.status == "success", ref.message
    yref = ref.ys[-1]

    # ours (best of `repeats` runs: the machine may be shared)
    t_ours = float("inf")
    for _ in range(repeats):
        g, cnt = _counted(make_f())
        tic = time.perf_counter()
        sol = solve_ivp_mp(g, t0, y0, t1, dps=dps)
        t_ours = min(t_ours, time.perf_counter() - tic)
    y_ours = sol.ys[-1]

    # mpmath.odefun at the same digits (best of `repeats` runs, a fresh odefun object each)
    t_ode = float("inf")
    for _ in range(repeats):
        g2, cnt2 = _counted(make_f())
        with mp.workdps(dps):
            y0m = [mpf(v.numerator) / v.denominator for v in y0]
            tic = time.perf_counter()
            F = mpmath.odefun(g2, mpf(t0), y0m)
            y_ode = F(mpf(t1))
            t_ode = min(t_ode, time.perf_counter() - tic)

    e_ours = rel_err(y_ours, yref)
    e_ode = rel_err(y_ode, yref)
    e_both = rel_err(y_ours, y_ode)
    bound = mpf(10) ** (5 - dps)
    ok = e_ours <= bound and e_ode <= bound and e_both <= bound
    ratio = t_ode / t_ours
    print(f"\n({name}, t in [{t0}, {t1}], {dps} digits; required agreement 1e{5 - dps})")
    print(f"  {'method':<26}{'seconds':>10}{'nfev':>8}{'rel err vs ref':>17}{'ratio':>9}")
    print(f"  {'symflow solve_ivp_mp':<26}{t_ours:>10.3f}{cnt[0]:>8}"
          f"{mpmath.nstr(e_ours, 3):>17}{1.0:>9.1f}")
    print(f"  {'mpmath.odefun':<26}{t_ode:>10.3f}{cnt2[0]:>8}"
          f"{mpmath.nstr(e_ode, 3):>17}{ratio:>9.1f}")
    print(f"  solve_ivp_mp: {sol.stats.nsteps} steps, {sol.stats.nrejected} rejected, orders "
          f"{sol.stats.order_min}..{sol.stats.order_max}, work_dps {sol.work_dps}; "
          f"ours vs odefun {mpmath.nstr(e_both, 3)}; agreement {'OK' if ok else 'FAILED'}")
    return ok, ratio


def main() -> int:
    results = []
    results.append(run_one(tanh_problem(), 30))
    results.append(run_one(rigid_body_problem(), 50))
    ok = all(r[0] for r in results)
    print("\nspeed-up over mpmath.odefun: " + ", ".join(f"{r[1]:.1f}x" for r in results)
          + ("" if ok else "   (AGREEMENT CHECK FAILED)"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
