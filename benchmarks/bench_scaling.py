"""Scaling of symflow.integrate on the adapted C6 flow for tanh MLPs, as Markdown tables.

The flow is dθ/dt = D⁺(y − x(0)) on t ∈ [0, 1] (``t_end=1``), from exact rational data.

Three sweeps, each printed as a Markdown table (and written with ``--out FILE``):

1. mpmath path, time against K at 30 digits: mlp([2,3,1]) (K = 13), mlp([3,8,8,2]) (K = 122),
   mlp([4,16,16,2]) (K = 386), mlp([5,24,24,3]) (K = 819), mlp([6,40,40,3]) (K = 2043);
   ``symflow.integrate(prob, θ0, t_end=1, dps=dps)``.
2. mpmath path, time against dps (30, 50, 100) for mlp([3,8,8,2]) on 4 points (K = 122).
3. float64 path, time against K up to ≈ 10⁵: mlp([4,h,h,2]) on 8 points (QN = 16) for
   K ≈ 1.3e3, 1.1e4, 3.0e4, 1.0e5, and the K ≈ 1e5 net on 32 points (QN = 64);
   ``symflow.integrate(prob, θ0, t_end=1, arith="float64", rtol=1e-10)``.

Data are exact rationals from a seeded ``random.Random`` (inputs and targets
Fraction(randint(−8, 8), 8)); θ0 = ``sf.random_rational_point(K, seed)``, divided by 4 for all
but the two smallest nets (so that the wide tanh layers do not saturate, D has full rank and the
flow is benign). Every row has N·Q ≤ K.

Timing: one warm-up integration of a tiny problem per path pays the process-wide one-off costs
(SymPy derivation of the time change, scipy import); then each row is integrated once as its own
warm-up and once more timed ("runs" = 2, the second run's seconds). A row whose first run takes
longer than ``--single-above`` seconds (default 60) is not repeated: its first run's time is
reported ("runs" = 1). ``nfev`` and ``steps`` are ``traj.stats['nfev']`` / ``['nsteps']``; the
residual is |x(θ(1)) − y|∞ / |x(0) − y|∞ (``traj.outputs_at(1)``, ``traj.y``, ``traj.x0``): 0 up
to the integration error for an exact C6 flow.

A row passes when its status is ``success`` and its residual is below 10^(5 − dps) (mpmath, the
trajectory tolerance of ``integrate_tolerance``) or 1e-6 (float64).

Run: ``python benchmarks/bench_scaling.py`` (full: ≈ 7.5 min on 2 shared cores, the mpmath
rows K = 819, K = 2043 and dps 100 dominating); ``--quick``: only the small rows (mpmath K ≤ 122
and dps ≤ 50, float64 K ≤ 1.1e4); ``--max-seconds S``: within a sweep, skip the rows predicted to
take more than S seconds (the last measured time scaled by K·QN·dps) and all rows after one that
took more than S; ``--out FILE``: also write the tables to FILE; ``--sweep mp-k|mp-dps|f64-k``:
only that sweep (repeatable). Exit code 0 if every row run passed, else 1.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from dataclasses import dataclass
from fractions import Fraction

from mpmath import mp, mpf

import symflow as sf
from symflow.flows import integrate_tolerance

F64_RTOL = 1e-10
F64_RESIDUAL_BAR = 1e-6


@dataclass(frozen=True)
class Spec:
    """One row: the widths, the number of samples N, the data / θ0 seed, θ0's divisor, the path
    (``"mpmath"`` or ``"float64"``) and dps (mpmath); ``quick`` rows run under ``--quick``."""

    widths: tuple
    N: int
    seed: int
    divisor: int
    arith: str
    dps: int = 30
    quick: bool = False

    @property
    def K(self) -> int:
        w = self.widths
        return sum(a * b + b for a, b in zip(w[:-1], w[1:]))

    @property
    def QN(self) -> int:
        return self.widths[-1] * self.N


MP_K = [Spec((2, 3, 1), 2, 1, 1, "mpmath", quick=True),
        Spec((3, 8, 8, 2), 4, 3, 1, "mpmath", quick=True),
        Spec((4, 16, 16, 2), 6, 5, 4, "mpmath"),
        Spec((5, 24, 24, 3), 10, 7, 4, "mpmath"),
        Spec((6, 40, 40, 3), 12, 9, 4, "mpmath")]
MP_DPS = [Spec((3, 8, 8, 2), 4, 3, 1, "mpmath", dps=30, quick=True),
          Spec((3, 8, 8, 2), 4, 3, 1, "mpmath", dps=50, quick=True),
          Spec((3, 8, 8, 2), 4, 3, 1, "mpmath", dps=100)]
F64_K = [Spec((4, 32, 32, 2), 8, 11, 4, "float64", quick=True),
         Spec((4, 100, 100, 2), 8, 13, 4, "float64", quick=True),
         Spec((4, 170, 170, 2), 8, 15, 4, "float64"),
         Spec((4, 316, 316, 2), 8, 17, 4, "float64"),
         Spec((4, 316, 316, 2), 32, 19, 4, "float64")]

SWEEPS = {"mp-k": ("mpmath path, time against K (30 digits)", MP_K),
          "mp-dps": ("mpmath path, time against dps (mlp([3,8,8,2]), N = 4, K = 122)", MP_DPS),
          "f64-k": (f"float64 path (scipy DOP853, rtol = {F64_RTOL:g}), time against K", F64_K)}

COLUMNS = ["architecture", "N", "Q", "K", "QN", "dps / rtol", "seconds", "runs", "nfev",
           "steps", "status", "residual"]


def problem(spec: Spec):
    """The problem and θ0 of a row (exact rational data and start)."""
    rng = random.Random(spec.seed)
    M, Q = spec.widths[0], spec.widths[-1]
    inputs = [[Fraction(rng.randint(-8, 8), 8) for _ in range(M)] for _ in range(spec.N)]
    targets = [[Fraction(rng.randint(-8, 8), 8) for _ in range(Q)] for _ in range(spec.N)]
    prob = sf.Problem(sf.mlp(list(spec.widths), "tanh"), inputs, targets,
                      name=f"mlp({list(spec.widths)}) tanh, N={spec.N}")
    assert prob.K == spec.K and prob.QN == spec.QN <= prob.K, (prob.K, prob.QN)
    theta0 = sf.random_rational_point(prob.K, spec.seed)
    if spec.divisor != 1:
        theta0 = [v / spec.divisor for v in theta0]
    return prob, theta0


def run(prob, theta0, spec: Spec):
    if spec.arith == "float64":
        return sf.integrate(prob, theta0, t_end=1, arith="float64", rtol=F64_RTOL)
    return sf.integrate(prob, theta0, t_end=1, dps=spec.dps)


def residual(traj, dps: int):
    """|x(θ(1)) − y|∞ / |x(0) − y|∞ (at dps + 10 digits for mpmath trajectories)."""
    with mp.workdps(dps + 10):
        x1 = traj.outputs_at(1)
        res = max(abs(mpf(a) - mpf(b)) for a, b in zip(x1, traj.y))
        scale = max(abs(mpf(a) - mpf(b)) for a, b in zip(traj.x0, traj.y))
        return res / scale


def measure(spec: Spec, single_above: float) -> dict:
    prob, theta0 = problem(spec)
    tic = time.perf_counter()
    traj = run(prob, theta0, spec)
    secs, runs = time.perf_counter() - tic, 1
    if secs <= single_above:
        tic = time.perf_counter()
        traj = run(prob, theta0, spec)
        secs, runs = time.perf_counter() - tic, 2
    res = residual(traj, 15 if spec.arith == "float64" else spec.dps)
    bar = F64_RESIDUAL_BAR if spec.arith == "float64" else integrate_tolerance(spec.dps)
    ok = str(traj.status) == "success" and res < bar
    return {"architecture": f"mlp({list(spec.widths)})", "N": spec.N, "Q": spec.widths[-1],
            "K": prob.K, "QN": prob.QN,
            "dps / rtol": f"{F64_RTOL:g}" if spec.arith == "float64" else str(spec.dps),
            "seconds": f"{secs:.3g}", "runs": str(runs), "nfev": str(traj.stats.get("nfev")),
            "steps": str(traj.stats.get("nsteps")), "status": str(traj.status),
            "residual": f"{float(res):.1e}" + ("" if ok else " FAIL"),
            "_secs": secs, "_ok": ok}


def table(rows: list[dict]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "|".join("---" for _ in COLUMNS) + "|"]
    lines += ["| " + " | ".join(str(r[c]) for c in COLUMNS) + " |" for r in rows]
    return "\n".join(lines)


def sweep(title: str, specs: list[Spec], quick: bool, max_seconds: float | None,
          single_above: float):
    """The rows of one sweep (in order of cost), skipping those predicted to exceed
    ``max_seconds``; returns (Markdown text, all rows passed)."""
    rows, notes, ok = [], [], True
    last = None   # (seconds, K·QN·dps) of the last measured row
    stopped = False
    for spec in specs:
        name = (f"mlp({list(spec.widths)}), N = {spec.N}, K = {spec.K}"
                + (f", dps {spec.dps}" if spec.arith == "mpmath" else ""))
        if quick and not spec.quick:
            notes.append(f"{name}: skipped (--quick)")
            continue
        if max_seconds is not None and last is not None:
            predicted = last[0] * (spec.K * spec.QN * spec.dps) / last[1]
            if stopped or predicted > max_seconds:
                notes.append(f"{name}: skipped (predicted ≳ {predicted:.0f} s > --max-seconds "
                             f"{max_seconds:g})" if not stopped else
                             f"{name}: skipped (an earlier row exceeded --max-seconds)")
                stopped = True
                continue
        print(f"  {title}: {name} …", file=sys.stderr, flush=True)
        r = measure(spec, single_above)
        rows.append(r)
        ok = ok and r["_ok"]
        last = (r["_secs"], spec.K * spec.QN * spec.dps)
        if max_seconds is not None and r["_secs"] > max_seconds:
            stopped = True
    text = f"### {title}\n\n{table(rows)}\n"
    if notes:
        text += "\n" + "\n".join(f"- {n}" for n in notes) + "\n"
    return text, ok


def warm_up():
    """Pay the process-wide one-off costs (time-change derivation, scipy import) on a tiny
    problem for both paths."""
    prob = sf.Problem(sf.mlp([2, 3, 1], "tanh"), [[0, 1], ["1/2", -1]], [[1], [0]])
    th = sf.random_rational_point(prob.K, 1)
    sf.integrate(prob, th, t_end=1, dps=30)
    sf.integrate(prob, th, t_end=1, arith="float64", rtol=F64_RTOL)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="only the small rows")
    ap.add_argument("--max-seconds", type=float, default=None, metavar="S",
                    help="skip rows predicted to take more than S seconds")
    ap.add_argument("--single-above", type=float, default=60.0, metavar="S",
                    help="do not repeat a row whose first run took more than S seconds")
    ap.add_argument("--out", default=None, metavar="FILE", help="also write the tables here")
    ap.add_argument("--sweep", action="append", choices=list(SWEEPS), default=None,
                    help="run only this sweep (repeatable; default: all three)")
    args = ap.parse_args(sys.argv[1:] if argv is None else argv)

    tic = time.perf_counter()
    warm_up()
    parts, ok = [], True
    for key in args.sweep or list(SWEEPS):
        title, specs = SWEEPS[key]
        text, good = sweep(title, specs, args.quick, args.max_seconds, args.single_above)
        print(text, flush=True)
        parts.append(text)
        ok = ok and good
    total = time.perf_counter() - tic
    footer = (f"Total {total:.0f} s (Python {sys.version.split()[0]}); "
              + ("all rows OK" if ok else "SOME ROW FAILED"))
    print(footer)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write("## symflow.integrate scaling (adapted C6 flow, tanh MLPs)\n\n"
                    + "\n".join(parts) + "\n" + footer + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
