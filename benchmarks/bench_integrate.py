"""Benchmark of symflow.integrate against mpmath.odefun and heyoka, in one run.

The adapted C6 flow dθ/dt = D⁺(θ)(y − x(0)) on t ∈ [0, 1], same start, same requested digits:

1. mlp([2, 3, 1]) tanh on 2 points (K = 13, QN = 2), 30 digits;
2. mlp([3, 8, 8, 2]) tanh on 4 points (K = 122, QN = 8), 50 digits;
3. mlp([5, 24, 24, 3]) tanh on 10 points (K = 819, QN = 30), 30 digits (seeded exact data);
4. float64, mlp([4, 32, 32, 2]) on 8 points (K = 1282): scipy's DOP853 path.

Per case: symflow's time for a *second* trajectory of an already-built problem (best of
``--repeats``; the first pays for the SymPy derivation of the time change and for generating the
field's program), with a second core (``workers=None``, the default) and without
(``workers=1``); ``mpmath.odefun`` on the same fixed-point field (cases 1 and 2; ``--quick`` skips
case 2's, ≈ 1–4 min); heyoka (if installed: ``pip install -e ".[bench]"``;
benchmarks/heyoka_baseline.py: the field on heyoka's expression graph, D⁺w by Gaussian
elimination without pivoting, multiprecision Taylor; compile time reported apart, per-trajectory
time compared). Every answer θ(1) is compared with symflow at dps + 15 digits, and case 3 also
with the generic path (the engine's mpf inner loop as for any f, list kernels, one core): "the
same answer to 1e-25".

Bars (issue 13): case 1 ≥ 60× odefun (goal 100×) and no slower than heyoka per trajectory
(goal 2× faster); case 2 ≥ 10× faster than heyoka, compile excluded; case 3 under 10 s on 2
cores (goal 3 s). The summary prints each ratio and whether its bar is met; the exit status is
0 iff every answer agrees with its reference within 10^(5−dps) (a bar missed is reported, not
an error: the numbers are the finding).

Run: ``python benchmarks/bench_integrate.py [--quick] [--repeats R] [--no-legacy]``.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from fractions import Fraction
from pathlib import Path

import mpmath
from mpmath import mp, mpf

import symflow as sf
from symflow.flows import FixedPointField, integrate, integrate_tolerance

sys.path.insert(0, str(Path(__file__).resolve().parent))


def rel(a, b):
    with mp.workdps(150):
        return max(abs(mpf(x) - mpf(y)) for x, y in zip(a, b)) / max(abs(mpf(y)) for y in b)


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


def large():
    rng = random.Random(0)
    inputs = [[Fraction(rng.randint(-8, 8), 8) for _ in range(5)] for _ in range(10)]
    targets = [[Fraction(rng.randint(-8, 8), 8) for _ in range(3)] for _ in range(10)]
    prob = sf.Problem(sf.mlp([5, 24, 24, 3], "tanh"), inputs, targets,
                      name="mlp([5,24,24,3]) tanh, N=10")
    return prob, sf.random_rational_point(prob.K, 5), 30


def timed(fn, repeats):
    best, out = float("inf"), None
    for _ in range(repeats):
        tic = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - tic)
    return best, out


def odefun_run(prob, theta0, dps):
    """mpmath.odefun on the same field D⁺w (same evaluator), same start, same digits."""
    ff = FixedPointField(prob, "adapted")
    with mp.workdps(dps):
        th0 = prob.convert_theta(theta0, "mpmath")
        x0 = ff.outputs(th0)
        w = [mpf(int(v.p)) / int(v.q) - a for v, a in zip(prob.y_flat, x0)]
        tic = time.perf_counter()
        sol = mpmath.odefun(lambda t, th: ff.line_field(th, w), 0, th0)
        end = sol(1)
        return time.perf_counter() - tic, end


def legacy_run(prob, theta0, dps):
    """The generic path: the engine's mpf inner loop (the protocol of any f, as in 0.1, where
    the field also had a raw-tuple shortcut), the list kernels, one core — a second, independent
    integration of the same flow at the same digits."""
    from symflow.flows import run_mpmath
    from symflow.flows.fields import fixed_point
    saved = (run_mpmath._EngineField.fixed_bits, fixed_point.fits)
    run_mpmath._EngineField.fixed_bits = property(lambda self: None)
    fixed_point.fits = lambda field: False
    orig_init = fixed_point.FixedPointField.__init__

    def init(self, *a, **k):
        orig_init(self, *a, **k)
        self._matrices = False

    fixed_point.FixedPointField.__init__ = init
    try:
        tic = time.perf_counter()
        traj = integrate(prob, theta0, t_end=1, dps=dps, workers=1)
        return time.perf_counter() - tic, traj
    finally:
        run_mpmath._EngineField.fixed_bits, fixed_point.fits = saved
        fixed_point.FixedPointField.__init__ = orig_init


def heyoka_case(prob, theta0, dps):
    try:
        from heyoka_baseline import run_heyoka
    except ImportError as e:
        print(f"  heyoka: not installed ({e}); pip install -e '.[bench]'")
        return None
    res = run_heyoka(prob, theta0, dps)
    return res


def case(prob, theta0, dps, args, *, odefun=True, heyoka=True, legacy=False):
    print(f"\n== {prob.name}: K = {prob.K}, QN = {prob.QN}, {dps} digits, adapted flow "
          f"t ∈ [0, 1]")
    out = {"name": prob.name, "ok": True}
    tic = time.perf_counter()
    first = integrate(prob, theta0, t_end=1, dps=dps)
    print(f"  first trajectory {time.perf_counter() - tic:.3f} s (derivations, program)")
    hi = integrate(prob, theta0, t_end=1, dps=dps + 15)
    ref = hi.theta_at(1)
    tol = integrate_tolerance(dps)
    for workers, key in ((None, "auto"), (1, "serial")):
        secs, traj = timed(lambda: integrate(prob, theta0, t_end=1, dps=dps, workers=workers),
                           args.repeats)
        e = rel(traj.theta_at(1), ref)
        out[key] = secs
        out["ok"] &= bool(e <= tol) and traj.status == "success" and first.status == "success"
        print(f"  symflow workers={workers!s:4} {secs:8.3f} s  {traj.stats['nfev']:5d} f-evals "
              f"{traj.stats['nsteps']:3d} steps  |θ(1) − ref|/|ref| = {mpmath.nstr(e, 3)} "
              f"(tolerance {mpmath.nstr(tol, 2)})")
    if legacy:
        secs, old = legacy_run(prob, theta0, dps)
        e_old = rel(old.theta_at(1), ref)
        d = rel(traj.theta_at(1), old.theta_at(1))
        out["legacy"] = secs
        out["legacy_diff"] = d
        print(f"  generic path (mpf loop, lists, 1 core) {secs:8.3f} s  vs ref "
              f"{mpmath.nstr(e_old, 3)}; new vs generic: {mpmath.nstr(d, 3)} (bar 1e-25)")
    if odefun:
        secs, end = odefun_run(prob, theta0, dps)
        e = rel(end, ref)
        out["odefun"] = secs
        out["ok"] &= bool(e <= tol)
        print(f"  mpmath.odefun          {secs:8.3f} s  vs ref {mpmath.nstr(e, 3)};"
              f" speed-up {secs / out['auto']:.1f}x")
    if heyoka:
        res = heyoka_case(prob, theta0, dps)
        if res is not None:
            e = rel(res["theta_end"], ref)
            out["heyoka"] = res["run_s"]
            out["ok"] &= bool(e <= tol)
            print(f"  heyoka (compact, mp real {res['prec']} bits, order {res['order']}, "
                  f"{res['nsteps']} steps) compile {res['compile_s']:.2f} s, per trajectory "
                  f"{res['run_s']:.3f} s  vs ref {mpmath.nstr(e, 3)}; heyoka / symflow = "
                  f"{res['run_s'] / out['auto']:.2f}")
    return out


def float64_case():
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
    res = max(abs(a - b) for a, b in zip(traj.outputs_at(1), traj.y))
    scale = max(abs(a - b) for a, b in zip(traj.x0, traj.y))
    print(f"  {secs:.2f} s, {traj.stats['nfev']} f-evals, status {traj.status}, "
          f"|x(θ(1)) − y|∞ / |x(0) − y|∞ = {float(res / scale):.2e}")
    return traj.status == "success" and res / scale < 1e-6


def _bar(name, value, bar, goal, fmt, higher_is_better=True):
    if value is None:
        return f"  {name}: not measured"
    met = value >= bar if higher_is_better else value <= bar
    reach = value >= goal if higher_is_better else value <= goal
    return (f"  {name}: {fmt.format(value)} — bar {fmt.format(bar)} "
            f"{'met' if met else 'NOT met'}, goal {fmt.format(goal)} "
            f"{'met' if reach else 'not met'}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="skip case 2's odefun run")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--no-legacy", action="store_true", help="skip case 3's generic-path run")
    args = ap.parse_args(argv)
    c1 = case(*small(), args)
    c2 = case(*medium(), args, odefun=not args.quick)
    c3 = case(*large(), args, odefun=False, heyoka=False, legacy=not args.no_legacy)
    ok4 = float64_case()
    print("\nsummary (ratios of times measured in this run):")
    r1 = c1["odefun"] / c1["auto"]
    print(_bar("case 1, odefun / symflow", r1, 60, 100, "{:.1f}x"))
    if "heyoka" in c1:
        print(_bar("case 1, heyoka / symflow per trajectory", c1["heyoka"] / c1["auto"], 1.0,
                   2.0, "{:.2f}x"))
    if "heyoka" in c2:
        print(_bar("case 2, heyoka / symflow", c2["heyoka"] / c2["auto"], 10, 10, "{:.1f}x"))
    if "odefun" in c2:
        print(f"  case 2, odefun / symflow: {c2['odefun'] / c2['auto']:.1f}x")
    print(_bar("case 3, seconds on 2 cores", c3["auto"], 10, 3, "{:.2f} s",
               higher_is_better=False))
    if "legacy" in c3:
        print(f"  case 3, generic path / new: {c3['legacy'] / c3['auto']:.1f}x; answers differ by "
              f"{mpmath.nstr(c3['legacy_diff'], 3)} (bar 1e-25: "
              f"{'met' if c3['legacy_diff'] <= mpf('1e-25') else 'NOT met'})")
    for c in (c1, c2, c3):
        print(f"  {c['name']}: second core {c['serial'] / c['auto']:.2f}x")
    ok = c1["ok"] and c2["ok"] and c3["ok"] and ok4
    print("all answers agree with their references" if ok else "SOME ANSWER DISAGREES")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
