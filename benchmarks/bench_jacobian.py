"""Benchmark: exact Jacobian D and NTK DDᵀ, symflow vs plain ``sympy.Matrix.jacobian``.

Problem (issue 2): ``mlp([2, 8, 8, 1])`` tanh (K = 105) on N = 8 rational points.

* symflow: layer-wise backpropagation building unevaluated SymPy products of shared
  subexpressions (``Problem.jacobian``, ``Problem.ntk``).
* baseline: the same output expressions x[θ], differentiated by ``Matrix.jacobian``, then
  ``D * D.T``.
* optional: symengine's ``Matrix.jacobian`` on the same outputs (if installed), for scale.

Both results are compared at random rational points at 50 digits, so the ratio is between
two computations of the same exact object. Run: ``python benchmarks/bench_jacobian.py``.
"""

from __future__ import annotations

import random
import sys
import time

import sympy as sp

import symflow as sf


def build(seed: int = 0) -> sf.Problem:
    rng = random.Random(seed)
    inputs = [[sp.Rational(rng.randint(-5, 5), rng.randint(1, 5)) for _ in range(2)]
              for _ in range(8)]
    targets = [[sp.Rational(rng.randint(-3, 3), 2)] for _ in range(8)]
    return sf.Problem(sf.mlp([2, 8, 8, 1], "tanh"), inputs, targets)


def main() -> int:
    prob = build()
    t = time.perf_counter()
    D, G = prob.jacobian, prob.ntk
    t_ours = time.perf_counter() - t

    X = build().outputs  # a fresh problem: the same output expressions, nothing cached
    params = list(prob.params)
    t = time.perf_counter()
    D_ref = X.jacobian(params)
    G_ref = D_ref * D_ref.T
    t_ref = time.perf_counter() - t

    t_se = None
    try:
        import symengine as se
        Xe = se.Matrix([se.sympify(e) for e in X])
        t = time.perf_counter()
        De = Xe.jacobian(se.Matrix(params))
        _ = De * De.T
        t_se = time.perf_counter() - t
    except ImportError:
        pass

    # agreement at random rational points (50 digits)
    worst = sp.Integer(0)
    for seed in range(2):
        th = sf.random_rational_point(prob.K, seed)
        sub = {p: sp.Rational(v.numerator, v.denominator) for p, v in zip(params, th)}
        for i in range(prob.QN):
            for k in range(0, prob.K, 13):
                worst = max(worst, abs(sp.N((D[i, k] - D_ref[i, k]).xreplace(sub), 50)))
        for i in range(prob.QN):
            worst = max(worst, abs(sp.N((G[i, i] - G_ref[i, i]).xreplace(sub), 50)))

    print(f"mlp([2, 8, 8, 1]) tanh, K = {prob.K}, N = {prob.N}: exact D ({prob.QN}×{prob.K}) and NTK")
    print(f"  symflow (layer-wise backprop)      {t_ours:8.3f} s")
    print(f"  sympy Matrix.jacobian + D*D.T      {t_ref:8.3f} s   ratio {t_ref / t_ours:6.1f}×")
    if t_se is not None:
        print(f"  symengine jacobian + D*D.T (ref.)  {t_se:8.3f} s   (symengine / symflow "
              f"{t_se / t_ours:.2f})")
    print(f"  max |D − D_ref|, |diag(G − G_ref)| at 2 random rational points (50 digits): "
          f"{sp.N(worst, 3)}")
    ok = worst < sp.Float("1e-40")
    if not ok:
        print("  DISAGREEMENT between the two Jacobians", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
