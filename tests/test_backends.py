"""The four backends implement one interface with one meaning.

Facts checked: each level's scalar of a rational is that rational (exactly, enclosed, or within
its precision); rank, Moore–Penrose inverse and projector satisfy their defining equations at
every level and agree with the exact ones (ball results *enclose* them); the decision rules
(holds / fails / undecided) do what ``symflow.backends.tolerance`` says.
"""

from __future__ import annotations

from fractions import Fraction

import flint
import mpmath
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import symflow as sf
from symflow.backends import BACKENDS, Decision, backend, backend_for_arith, integration_backend
from symflow.backends import tolerance
from symflow.backends.linalg import Mat

LEVELS = list(BACKENDS)


def test_backend_lookup():
    for level, be in BACKENDS.items():
        assert be.level is level
        assert backend(level) is be and backend(level.value) is be
        assert backend_for_arith(be.arith.name) is be
    assert backend_for_arith("sympy") is None
    with pytest.raises(sf.LevelError, match="unknown level"):
        backend("quad")
    with pytest.raises(sf.DataError, match="'ball'"):
        integration_backend("ball")


@pytest.mark.parametrize("level", LEVELS, ids=lambda lv: lv.value)
def test_scalar_of_a_rational(level):
    be = backend(level)
    q = Fraction(-7, 3)
    with sf.working_precision(40):
        v = be.scalar(q)
        if level.value == "exact":
            assert v == flint.fmpq(-7, 3)
        elif level.value == "ball":
            assert v.contains(flint.fmpq(-7, 3)) and v.rad() < flint.arb(10) ** -35
        elif level.value == "mpmath":
            assert abs(v - mpmath.mpf(-7) / 3) < mpmath.mpf(10) ** -38
        else:
            assert v == -7 / 3


rational = st.fractions(min_value=-3, max_value=3, max_denominator=5)


@st.composite
def matrices(draw, full_row_rank=False):
    m = draw(st.integers(1, 3))
    n = draw(st.integers(m if full_row_rank else 1, 4))
    rows = draw(st.lists(st.lists(rational, min_size=n, max_size=n), min_size=m, max_size=m))
    if full_row_rank and flint.fmpq_mat(m, n, [flint.fmpq(v.numerator, v.denominator)
                                              for r in rows for v in r]).rank() < m:
        rows = [[Fraction(int(i == j)) + v / 100 for j, v in enumerate(r)]
                for i, r in enumerate(rows)]
    return rows


def _exact(rows):
    return Mat.from_rows("exact", [[flint.fmpq(v.numerator, v.denominator) for v in r]
                                   for r in rows], len(rows[0]))


def _at(level, rows):
    be = backend(level)
    return Mat.from_rows(level, [[be.scalar(v) for v in r] for r in rows], len(rows[0]))


def _fl(x):
    if isinstance(x, flint.fmpq):
        return mpmath.mpf(int(x.p)) / int(x.q)
    if isinstance(x, flint.arb):
        return mpmath.mpf(x.mid().str(30, radius=False))
    return mpmath.mpf(x)


@settings(max_examples=40, deadline=None)
@given(matrices())
def test_penrose_equations_hold_exactly(rows):
    A = _exact(rows)
    Ap = sf.pinv(A)
    P = sf.projector(A)
    assert (A @ Ap @ A - A).is_zero() and (Ap @ A @ Ap - Ap).is_zero()
    assert ((A @ Ap).T - A @ Ap).is_zero() and ((Ap @ A).T - Ap @ A).is_zero()
    assert (P - A @ Ap).is_zero()            # the projector, computed from C alone, is AA⁺
    assert sf.rank_info(A).rank == A.data.rank()


@settings(max_examples=30, deadline=None)
@given(matrices())
def test_numerical_levels_agree_with_the_exact_pinv(rows):
    exact = sf.pinv(_exact(rows)).tolist()
    r = _exact(rows).data.rank()
    for level in ("mpmath", "float64"):
        with sf.working_precision(40):
            A = _at(level, rows)
            assert sf.rank_info(A, 40).rank == r
            Ap = sf.pinv(A, 40).tolist()
            P = sf.projector(A, 40).tolist()
            Pex = sf.projector(_exact(rows)).tolist()
        err = max(abs(_fl(a) - _fl(b)) for ra, rb in zip(Ap, exact) for a, b in zip(ra, rb))
        errP = max(abs(_fl(a) - _fl(b)) for ra, rb in zip(P, Pex) for a, b in zip(ra, rb))
        scale = max(1, max(abs(_fl(v)) for rr in exact for v in rr))
        # the level's own pointwise rule at 40 digits (mpmath 10^(10−40)·s, float64 1e-8·s)
        assert err <= backend(level).tolerance(40, scale), (level, err)
        assert errP <= backend(level).tolerance(40, 1), (level, errP)


@settings(max_examples=30, deadline=None)
@given(matrices(full_row_rank=True))
def test_ball_pinv_encloses_the_exact_one(rows):
    exact = sf.pinv(_exact(rows)).tolist()
    with sf.working_precision(40):
        A = _at("ball", rows)
        Ap = sf.pinv(A, 40).tolist()
    with sf.working_precision(600):   # the exact value converted tightly: a − b ∋ 0
        for ra, rb in zip(Ap, exact):
            for a, b in zip(ra, rb):
                assert (a - b).contains(0), (a, b)
                assert a.rad() < flint.arb(10) ** -30


def test_ball_refuses_a_rank_it_cannot_certify():
    with sf.working_precision(30):
        A = _at("ball", [[Fraction(1), Fraction(2)], [Fraction(2), Fraction(4)]])
        with pytest.raises(sf.RankError, match="cannot certify"):
            sf.pinv(A, 30)


def test_decisions_follow_the_tolerance_rules():
    ex, ball, mp, f64 = (backend(lv) for lv in ("exact", "ball", "mpmath", "float64"))
    # exact: zero holds, anything else fails, tolerance 0
    assert ex.decide_zero(flint.fmpq(0), False, None, 30, 1).decision is Decision.HOLDS
    d = ex.decide_zero(flint.fmpq(1, 10**40), True, None, 30, 1)
    assert d.decision is Decision.FAILS and d.residual == Fraction(1, 10**40) and d.tolerance == 0
    with mpmath.workdps(30):
        tol = tolerance.pointwise_mpf(30, 1)
        assert mp.tolerance(30, 1) == tol == tolerance.pointwise("mpmath", 30, 1)
        # mpmath: both runs small → holds; both large → fails; they disagree → undecided
        tol2 = tolerance.pointwise_mpf(30 + tolerance.CONFIRM_EXTRA_DPS, 1)
        assert mp.decide_zero(tol / 2, False, tol2 / 2, 30, 1).decision is Decision.HOLDS
        assert mp.decide_zero(tol * 2, True, tol * 2, 30, 1).decision is Decision.FAILS
        assert mp.decide_zero(tol * 2, True, tol / 10**21, 30, 1).decision is Decision.UNDECIDED
    with sf.working_precision(30):
        # ball: a ball excluding 0 fails (a proof), one inside the tolerance holds
        assert ball.decide_zero(flint.arb(1), True, None, 30, 1).decision is Decision.FAILS
        small = flint.arb(0, 1e-25)
        assert ball.decide_zero(small.abs_upper(), False, None, 30, 1).decision is Decision.HOLDS
        wide = flint.arb(0, 1e-5)
        assert ball.decide_zero(wide.abs_upper(), False, None, 30, 1).decision \
            is Decision.UNDECIDED
    # float64: below the tolerance holds, above the refutation threshold fails, between undecided
    assert f64.decide_zero(1e-9, True, None, 30, 1).decision is Decision.HOLDS
    assert f64.decide_zero(1e-2, True, None, 30, 1).decision is Decision.FAILS
    assert f64.decide_zero(1e-5, True, None, 30, 1).decision is Decision.UNDECIDED
    assert f64.decide_positive([1.0, 2e-8], None, 30, 1).decision is Decision.HOLDS
    assert f64.decide_positive([1.0, -1.0], None, 30, 1).decision is Decision.FAILS


def test_raw_vector_operations_agree_between_mpmath_and_float64():
    D = [[1.0, 2.0, 0.5], [0.0, 1.0, -1.0]]
    w = [1.0, -2.0]
    mp, f64 = backend("mpmath"), backend("float64")
    with mpmath.workdps(30):
        Dm = [[mpmath.mpf(v) for v in r] for r in D]
        u_mp = mp.t_apply(Dm, mp.spd_solve(mp.gram(Dm), [mpmath.mpf(v) for v in w]))
        ev_mp = mp.eigvalsh(mp.gram(Dm))
    Df = np.array(D)
    u_f = f64.t_apply(Df, f64.spd_solve(f64.gram(Df), np.array(w)))
    assert np.allclose([float(v) for v in u_mp], u_f, rtol=1e-12)
    assert np.allclose([float(v) for v in ev_mp], f64.eigvalsh(f64.gram(Df)), rtol=1e-12)
    # D u = w (D has full row rank): D⁺w is a solution
    assert np.allclose(Df @ u_f, w)
    with pytest.raises(sf.RankError):
        f64.spd_solve(np.array([[1.0, 1.0], [1.0, 1.0]]), np.array([1.0, 0.0]))


@settings(max_examples=40, deadline=None)
@given(matrices())
def test_ldl_pivots_are_ratios_of_leading_minors(rows):
    """Sylvester: for G = AAᵀ (positive semi-definite), dⱼ = det G[:j+1,:j+1] / det G[:j,:j];
    the factorization stops at the first zero pivot, and solves where all are positive."""
    from symflow.backends.linalg import ldl, spd_solve
    A = _exact(rows)
    G = (A @ A.T).tolist()
    L, d = ldl(G)
    m = len(G)
    minors = [flint.fmpq(1)] + [flint.fmpq_mat(j, j, [G[a][b] for a in range(j) for b in range(j)]).det()
                                for j in range(1, m + 1)]
    for j, dj in enumerate(d):
        assert dj == minors[j + 1] / minors[j]
    assert (len(d) == m and all(v > 0 for v in d)) == (A.data.rank() == m)
    if A.data.rank() == m:
        b = [flint.fmpq(i + 1) for i in range(m)]
        u = spd_solve(G, b)
        assert all(sum(G[i][k] * u[k] for k in range(m)) == b[i] for i in range(m))
    else:
        with pytest.raises(sf.RankError):
            spd_solve(G, [flint.fmpq(1)] * m)
