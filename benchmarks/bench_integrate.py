"""Benchmark of symflow.integrate against mpmath.odefun (and heyoka, if installed).

Same ODE (the C6 field dθ/dt = D⁺(y − x(0)) evaluated by the same fixed-point evaluator, so
that the ratio measures the integrators), same start, same requested digits, in one run:

1. mlp([2, 3, 1]) tanh on 2 points, 30 digits, adapted flow t ∈ [0, 1]: a *second* trajectory of
   an already-built problem (the first one pays for the SymPy derivation of the time change).
   Bar: ≥ 20× faster than mpmath.odefun; goal 100×.
2. mlp([3, 8, 8, 2]) tanh on 4 points, 50 digits (bar: < 60 s on 2 cores).
3. float64, mlp([4, 32, 32, 2]) on 8 points (K = 1282): scipy DOP853 path.

Run: ``python benchmarks/bench_integrate.py`` (add ``--quick`` to skip case 2's odefun run).
"""

from __future__ import annotations

import sys
import time
from fractions import Fraction

import mpmath
from mpmath import mp, mpf

import symflow as sf
from symflow.flows import FixedPointField, integrate, integrate_tolerance


def rel(a, b):
    with mp.workdps(120):
        return max(abs(x - y) for x, y in zip(a, b)) / max(abs(y) for y in b)


def small():
    prob = sf.Problem(sf.mlp([2, 3, 1], "tanh"), inputs=[[0, 1], ["1/2", -1]],
                      targets=[[1], [0]], name="mlp([2,3,1]) tanh, N=2")
    return prob, sf.random_rational_point(prob.K, 1), 30


def medium():
    prob = sf.Problem(sf.mlp([3, 8, 8, 2], "tanh"),
                      inputs=[[0, 1, "1/2"], ["1/2", -1, 0], [1, "1/3", -1], ["-1/2", "1/4", 1]],
                      targets=[[1, 0], [0, 1], ["1/2", "1/2"], [-1, "1/3"]],
                      name="mlp([3,8,8,2]) tanh, N=4")
    return prob, sf.random_rational_point(prob.K, 3), 50


def odefun_run(prob, theta0, dps, traj):
    """mpmath.odefun on the same field D⁺w (same evaluator), same start, same digits."""
    ff = FixedPointField(prob, "adapted")
    count = [0]
    with mp.workdps(dps):
        th0 = prob.convert_theta(theta0, "mpmath")
        x0 = ff.outputs(th0)
        w = [mpf(int(v.p)) / int(v.q) - a for v, a in zip(prob.y_flat, x0)]

        def F(t, theta):
            count[0] += 1
            return ff.line_field(theta, w)

        tic = time.perf_counter()
        sol = mpmath.odefun(F, 0, th0)
        end = sol(1)
        secs = time.perf_counter() - tic
    return secs, count[0], end


def case(prob, theta0, dps, run_odefun=True, repeats=3):
    print(f"\n== {prob.name}: K = {prob.K}, QN = {prob.QN}, {dps} digits, adapted flow t ∈ [0, 1]")
    tic = time.perf_counter()
    first = integrate(prob, theta0, t_end=1, dps=dps)
    t_first = time.perf_counter() - tic
    best = float("inf")
    for _ in range(repeats):
        tic = time.perf_counter()
        traj = integrate(prob, theta0, t_end=1, dps=dps)
        best = min(best, time.perf_counter() - tic)
    print(f"  symflow.integrate   first {t_first:7.3f} s, second (best of {repeats}) {best:7.3f} s,"
          f" {traj.stats['nfev']} f-evals, {traj.stats['nsteps']} steps, status {traj.status}")
    hi = integrate(prob, theta0, t_end=1, dps=dps + 15)
    e_ours = rel(traj.theta_at(1), hi.theta_at(1))
    tol = integrate_tolerance(dps)
    print(f"  rel. diff vs {dps + 15} digits: {mpmath.nstr(e_ours, 3)} (tolerance "
          f"{mpmath.nstr(tol, 2)})")
    ok = e_ours <= tol and first.status == "success"
    ratio = None
    if run_odefun:
        secs, nfev, end = odefun_run(prob, theta0, dps, traj)
        e_ode = rel(end, hi.theta_at(1))
        ratio = secs / best
        print(f"  mpmath.odefun       {secs:7.3f} s, {nfev} f-evals, rel. diff vs high "
              f"{mpmath.nstr(e_ode, 3)}")
        print(f"  speed-up over mpmath.odefun: {ratio:.1f}x")
        ok = ok and e_ode <= tol
    try:
        import heyoka  # noqa: F401
    except ImportError:
        print("  heyoka: not installed, skipped")
    else:  # pragma: no cover - not installed here
        print("  heyoka: installed, but the network field has no heyoka expression form yet; "
              "skipped")
    return ok, ratio, best


def float64_case():
    import random
    rng = random.Random(0)
    net = sf.mlp([4, 32, 32, 2], "tanh")
    inputs = [[Fraction(rng.randint(-8, 8), 8) for _ in range(4)] for _ in range(8)]
    targets = [[Fraction(rng.randint(-8, 8), 8) for _ in range(2)] for _ in range(8)]
    prob = sf.Problem(net, inputs, targets, name="mlp([4,32,32,2]) tanh, N=8")
    th0 = [v / 4 for v in sf.random_rational_point(prob.K, 2)]
    print(f"\n== float64: {prob.name}: K = {prob.K}, QN = {prob.QN}, adapted flow t ∈ [0, 1]")
    tic = time.perf_counter()
    traj = integrate(prob, th0, t_end=1, arith="float64", rtol=1e-10)
    secs = time.perf_counter() - tic
    x1 = traj.outputs_at(1)
    res = max(abs(a - b) for a, b in zip(x1, traj.y))
    scale = max(abs(a - b) for a, b in zip(traj.x0, traj.y))
    print(f"  {secs:.2f} s, {traj.stats['nfev']} f-evals, status {traj.status}, "
          f"|x(θ(1)) − y|∞ / |x(0) − y|∞ = {float(res / scale):.2e}, "
          f"λ_min(DDᵀ) ≥ {float(traj.min_ntk_eigenvalue):.3g}")
    return traj.status == "success" and res / scale < 1e-6


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    quick = "--quick" in argv
    ok1, r1, _ = case(*small())
    ok2, r2, t2 = case(*medium(), run_odefun=not quick, repeats=1)
    ok3 = float64_case()
    print("\nsummary: small problem speed-up "
          f"{r1:.1f}x (bar 20x, goal 100x); medium problem {t2:.1f} s (bar 60 s)"
          + (f", speed-up {r2:.1f}x" if r2 else ""))
    ok = ok1 and ok2 and ok3 and r1 >= 20 and t2 < 60
    print("all checks OK" if ok else "SOME CHECK FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
