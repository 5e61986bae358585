"""C6, certified — a computer-assisted proof on tanh-2-3-1-l2 with Arb balls (python-flint).

The other C6 script integrates the flow at high precision and confirms it at a higher one: strong
evidence, but not a proof. This script encloses the trajectory instead. ``symflow.enclose``
runs a validated Taylor method on dθ/dt = D⁺(θ)(y − x₀) from the exact rational θ₀ of the
catalogue entry and returns balls that *contain* the true θ(t) for every t in the certified
span, together with a certified lower bound of λ_min(DDᵀ) on the whole tube. The chain:

1. the span [0, 1] is certified (every step's a-priori enclosure and remainder were validated,
   so the solution exists on [0, 1] and stays in the tube);
2. λ_min(DDᵀ) ≥ μ > 0 on every step's tube (shifted ball LDLᵀ), so D has full rank QN along
   the whole path and D⁺ = Dᵀ(DDᵀ)⁻¹ is bounded: by DD⁺ = I the outputs satisfy dx/dt = y − x₀,
   i.e. x(θ(t)) = (1 − t)x₀ + t·y, and by uniqueness θ(t) is the adapted flow in C6's time t;
3. consistency: at every step end the ball x[θ(t_i)] − ((1 − t_i)x₀ + t_i·y), evaluated afresh
   from the θ enclosure, contains 0, and its largest radius is printed;
4. x(θ(1)) ∋ y for every component (ball ``contains``): the global minimum C = 0 is reached at
   t = 1;
5. the enclosure is a genuine tightening with precision: the θ widths at t = 1 at 50 digits are
   smaller than at 30 digits.

Exit status 0 only if every link holds; otherwise 1, naming the links that failed.
Level: ball (Arb), 30 and 50 digits. About 10 s (marked slow in the test suite: c6_*).
"""

from __future__ import annotations

import sys
import time

from flint import arb, fmpq

import symflow as sf
from symflow.core.problems import get_problem

NAME = "tanh-2-3-1-l2"


def _ball(q) -> arb:
    return arb(fmpq(int(q.numerator), int(q.denominator)))


def _fmt(b: arb) -> str:
    mid = b.mid().str(12, radius=False)
    return mid if b.rad() == 0 else f"{mid} ± {float(b.rad()):.2g}"


def main() -> int:
    entry = get_problem(NAME)
    prob, theta0 = entry.problem, entry.theta0
    print(f"C6 certified on {NAME}: {prob} (K = {prob.K}, QN = {prob.QN}), θ₀ exact rationals")
    links: list[tuple[str, bool, str]] = []

    tic = time.perf_counter()
    enc = sf.enclose(prob, theta0, t_end=1, dps=30)
    secs = time.perf_counter() - tic
    st = enc.stats
    print(f"  {enc.summary()}")

    ok = enc.certified and enc.t_reached == 1
    links.append(("span [0, 1] certified", ok,
                  f"t reached {enc.t_reached}, {st['steps']} steps, {st['rejections']} "
                  f"rejections, {st['f_evals']} jet evaluations, {secs:.2f} s"
                  + ("" if ok else f" — {enc.reason}")))

    rc = enc.rank_certificate
    ok = rc is not None and rc > 0 and len(enc.rank_bounds) == len(enc.steps)
    links.append(("rank: λ_min(DDᵀ) > 0 on the tube", ok,
                  f"λ_min(DDᵀ) ≥ {float(rc):.6g} on all {len(enc.steps)} step tubes"
                  if rc is not None else "no certified bound on some step"))

    dev = enc.line_deviation()
    contains0 = all(b.contains(0) for _, balls in dev for b in balls)
    worst = max((b.rad() for _, balls in dev for b in balls), key=lambda r: r.mid())
    links.append(("outputs on the line at every step end", contains0,
                  f"{len(dev)} times, every deviation ball ∋ 0, largest radius "
                  f"{float(worst):.3g}"))

    x1 = enc.outputs_at(1)
    ys = [_ball(v) for v in prob.y_flat]
    hit = all(x.contains(y) for x, y in zip(x1, ys))
    links.append(("x(θ(1)) ∋ y", hit,
                  "; ".join(f"x_{i + 1}(θ(1)) = {_fmt(x)} ∋ y_{i + 1} = {_fmt(y)}"
                            for i, (x, y) in enumerate(zip(x1, ys)))))

    enc50 = sf.enclose(prob, theta0, t_end=1, dps=50)
    w30, w50 = st["width_end"], enc50.stats["width_end"]
    ok = enc50.certified and w50 < w30
    links.append(("widths shrink with precision", ok,
                  f"max diameter of θ(1): {float(w30):.3g} at 30 digits, {float(w50):.3g} at "
                  f"50 digits ({enc50.stats['steps']} steps, {enc50.stats['seconds']:.2f} s); "
                  f"relative width {float(enc.relative_width()):.3g} → "
                  f"{float(enc50.relative_width()):.3g}"))

    print()
    for i, (what, good, detail) in enumerate(links, 1):
        print(f"  {i}. [{'ok' if good else 'FAILED'}] {what}: {detail}")
    failed = [what for what, good, _ in links if not good]
    print()
    if failed:
        print(f"verdict: C6 NOT proved on {NAME} — failed link(s): " + "; ".join(failed))
        return 1
    print(f"verdict: C6 proved on {NAME} (ball level, Arb at 30 digits): the adapted flow in t "
          f"exists on [0, 1], D has full rank {prob.QN} along it, x(θ(t)) = (1 − t)x₀ + t·y and "
          f"x(θ(1)) = y")
    return 0


if __name__ == "__main__":
    sys.exit(main())
