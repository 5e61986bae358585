"""The three kernels of the fixed-point field compute the same integers.

The list kernels (flows/fields/forward, backprop, gram), the straight-line programs
(flows/fields/program) and the FLINT matrix kernels (flows/fields/matrices) are three
arrangements of the same fixed-point operations: x, G = DDᵀ, D⁺w and V_α must agree bit for bit
at every point, for every activation and depth, and agree with an independent evaluation (the
problem's own D at higher precision) to the working precision. Also: the Arb tanh equals tanh
to the working precision, and an exact (linear-in-time) flow confirms.
"""

from __future__ import annotations

import random
from fractions import Fraction

import mpmath
import pytest
from mpmath import mp, mpf

import symflow as sf
from symflow.flows import FixedPointField, integrate
from symflow.flows.fields.fixed import tanh_fixed
from symflow.flows.fields.program import fits, term_count

CASES = [([2, 3, 1], 2, "tanh"), ([3, 5, 4, 2], 3, "sigmoid"), ([2, 3, 3, 3, 2], 2, "softplus"),
         ([2, 4, 1], 3, "cube"), ([2, 4, 3, 1], 2, "sin"), ([3, 2], 2, "identity"),
         ([1, 3, 2], 1, "square")]


def _problem(widths, N, act, seed=0):
    rng = random.Random(seed)
    inputs = [[Fraction(rng.randint(-8, 8), rng.choice([3, 4, 8])) for _ in range(widths[0])]
              for _ in range(N)]
    targets = [[Fraction(rng.randint(-8, 8), 8) for _ in range(widths[-1])] for _ in range(N)]
    return sf.Problem(sf.mlp(widths, act), inputs, targets)


def _kinds(prob, field="adapted"):
    """The field three times: straight-line, lists, matrices."""
    fs = []
    for kind in ("straight", "lists", "matrices"):
        f = FixedPointField(prob, field)
        f._straight, f._matrices = kind == "straight", kind == "matrices"
        fs.append(f)
    return fs


@pytest.mark.parametrize("widths,N,act", CASES)
def test_three_kernels_same_integers(widths, N, act):
    prob = _problem(widths, N, act)
    th = sf.random_rational_point(prob.K, 4)
    with mp.workdps(40):
        t = prob.convert_theta(th, "mpmath")
        w = [mpf(1) / (i + 2) for i in range(prob.QN)]
        for field in ("adapted", "standard", "1/3"):
            outs = []
            for f in _kinds(prob, field):
                P = f.fixed_bits()
                outs.append((f.outputs(t), f.ntk(t), f.field(t),
                             f.line_field_fixed(f._in(t, P), f.fix_vector(w, P), P)
                             if field == "adapted" else None))
            assert outs[0] == outs[1] == outs[2], (widths, act, field)


@pytest.mark.parametrize("widths,N,act", CASES[:4])
def test_kernels_against_the_problems_jacobian(widths, N, act):
    prob = _problem(widths, N, act, seed=1)
    th = sf.random_rational_point(prob.K, 5)
    ref = prob.at(th, "mpmath", dps=60)
    D = mpmath.matrix([[ref.D[i, k] for k in range(prob.K)] for i in range(prob.QN)])
    with mp.workdps(60):
        G_ref = D * D.T
    with mp.workdps(40):
        for f in _kinds(prob):
            t = prob.convert_theta(th, "mpmath")
            G = f.ntk(t)
            x = f.outputs(t)
            scale = max(abs(G_ref[i, j]) for i in range(prob.QN) for j in range(prob.QN))
            err = max(abs(G[i][j] - G_ref[i, j]) for i in range(prob.QN)
                      for j in range(prob.QN)) / scale
            assert err < mpf(10) ** -36
            assert max(abs(a - ref.x[i, 0]) for i, a in enumerate(x)) < mpf(10) ** -36


def test_arb_tanh_is_tanh():
    P, prec = 216, 176
    rng = random.Random(3)
    zs = [rng.getrandbits(P + 3) - (1 << (P + 2)) for _ in range(50)] + [0, 1, -1]
    with mp.workdps(80):
        for z, v in zip(zs, tanh_fixed(zs, P, prec)):
            exact = mpmath.tanh(mpf(z) / 2 ** P)
            assert abs(mpf(v) / 2 ** P - exact) <= mpf(2) ** (-prec)


def test_program_size_bound():
    assert fits(FixedPointField(_problem([2, 3, 1], 2, "tanh")))
    assert term_count([5, 24, 24, 3], 10, 3) < 100_000 < term_count([6, 40, 40, 3], 12, 3)


def test_exact_flow_confirms():
    # x = w·x_in + b is linear in θ: dθ/dt = D⁺w is constant and the integration exact, so the
    # 20- and 30-digit runs agree to the last digit — a confirmation, not a suspicious one
    prob = sf.Problem(sf.mlp([1, 1], "identity"), [[1], [2]], [[0], [1]])
    traj = integrate(prob, [1, "1/2"], t_end=1, dps=20)
    conf = traj.confirm()
    assert conf.ok and conf.max_rel_diff == 0 and conf.high_fits_dps
    tanh = sf.Problem(sf.mlp([1, 2, 1], "tanh"), [[1]], [[2]])
    conf = integrate(tanh, [1, 0, 1, 1, 0, 1, 0], t_end=1, dps=20).confirm()
    assert conf.ok and not conf.high_fits_dps and conf.max_rel_diff > 0


@pytest.mark.parametrize("n", [1, 2, 5, 16])
def test_straight_line_solve_is_the_ldl_solve(n):
    from symflow.errors import RankError
    from symflow.flows.fields.solve import ldl_loops, ldl_solver
    rng = random.Random(n)
    P = 120
    A = [[rng.randint(-2 ** P, 2 ** P) for _ in range(n)] for _ in range(n + 2)]
    G = [[sum(a[i] * a[j] for a in A) >> P for j in range(n)] for i in range(n)]   # SPD
    b = [rng.randint(-2 ** P, 2 ** P) for _ in range(n)]
    assert ldl_solver(n, P)(G, b) == ldl_loops(G, b, P)
    if n > 1:
        G[1][1] = -1        # not positive definite: the same RankError
        with pytest.raises(RankError) as e1:
            ldl_solver(n, P)(G, b)
        with pytest.raises(RankError) as e2:
            ldl_loops(G, b, P)
        assert str(e1.value) == str(e2.value)


def test_program_beyond_the_int_to_str_limit():
    # mpmath.odefun raises the precision far past 4300 digits (CPython's limit for turning an
    # int into a string): the generated source must not spell the inputs as literals
    prob = _problem([2, 3, 1], 2, "tanh")
    th = sf.random_rational_point(prob.K, 4)
    with mp.workdps(4500):
        a, b, _ = _kinds(prob)
        t = prob.convert_theta(th, "mpmath")
        assert a.outputs(t) == b.outputs(t) and a.ntk(t) == b.ntk(t)
