"""Property tests of claims C1–C9 over random architectures (GitHub issue 5).

Each property quantifies over (network, exact data, θ) drawn by :mod:`symflow.testing.strategies`:

* rational activations (identity, square, cube, relu) with the L2 loss run at the *exact* level,
  so equalities are exact (``Mat.is_zero()``) — polynomial identity testing at random points;
* transcendental activations run with Arb balls (certified upper bounds, ``max_abs``) or mpmath
  at ``DPS`` digits, with tolerance 10^(5−dps) · scale · κ, where κ = σ₁/σ_r is the condition
  number of D measured at that point (perturbation bound of the SVD-based D⁺ and P).

Budgets come from the Hypothesis profile (tests/conftest.py): ``default`` fast, ``ci``
deterministic ≥ 200 architectures, ``campaign`` thousands. Known edge cases are pinned with
``@example``: one hidden unit, one data point, K = QN exactly, a dead unit.
"""

from __future__ import annotations

from fractions import Fraction

import flint
import mpmath
from hypothesis import example, given, strategies as st

import symflow as sf
from symflow.backends.linalg import Mat, eye, pinv, projector, rank_info
from symflow.testing.strategies import (RATIONAL_ACTIVATIONS, TRANSCENDENTAL_ACTIVATIONS, Case, cases,
                                labels, rationals)

DPS = 30

# ---- pinned edge cases ---------------------------------------------------------------------
ONE_HIDDEN_UNIT = Case.build([1, 1, 1], "cube", True, [[1], ["1/2"]], [[1], [0]],
                             ["1/2", "-1", "3/2", "1/4"])
ONE_DATA_POINT = Case.build([2, 2, 1], "relu", True, [["1/2", -1]], [[2]],
                            [1, "1/2", "-1/2", 1, "1/4", "1/8", 1, "-1", "1/2"])
K_EQUALS_QN = Case.build([1, 1], "identity", True, [[1], [2]], [[0], [1]], [1, 0])
DEAD_UNIT = Case.build([1, 2, 1], "square", True, [[1], ["1/2"], [-1], [2]],
                       [[1], [0], ["1/2"], [-1]], ["1/2", 0, "1/4", 0, 1, "3/2", "-1/2"],
                       mechanism="dead_unit")
TANH_K_EQUALS_QN = Case.build([1, 1, 1], "tanh", True, [[1], ["1/2"], [-1], [2]],
                              [[1], [0], ["1/2"], [0]], ["1/2", "1/4", "3/2", "-1/2"])
SIN_ONE_POINT = Case.build([1, 1, 1], "sin", False, [["1/2"]], [[1]], [1, "1/2"])

EXACT_FULL = [ONE_HIDDEN_UNIT, ONE_DATA_POINT, K_EQUALS_QN]
EXACT_ANY = EXACT_FULL + [DEAD_UNIT]


def examples(*cs, **extra):
    """Stack ``@example(case=c, **extra)`` decorators, one per pinned case."""
    def deco(f):
        for c in cs:
            f = example(case=c, **extra)(f)
        return f
    return deco


def q(r: Fraction) -> flint.fmpq:
    return flint.fmpq(r.numerator, r.denominator)


def fq(v) -> Fraction:
    return Fraction(int(v.p), int(v.q))


def kappa(D: Mat) -> mpmath.mpf:
    """σ₁/σ_r of D over its numerically nonzero singular values (1 for D = 0)."""
    info = rank_info(D if D.level is sf.Level.MPMATH else Mat.from_rows(
        sf.Level.MPMATH, [[mpmath.mpf(v.mid()) for v in r] for r in D.tolist()]), DPS)
    nz = [s for s in info.singular_values if s > info.threshold]
    return nz[0] / nz[-1] if nz else mpmath.mpf(1)


def tol(D: Mat, *scales, kpow: int = 2) -> mpmath.mpf:
    """10^(5−dps) · max(1, scales) · κ(D)^kpow  (pinv / projector by SVD at ``DPS`` digits;
    κ² for quantities through D⁺, κ⁴ through (DDᵀ)⁺)."""
    s = max([mpmath.mpf(1)] + [mpmath.mpf(abs(x)) for x in scales])
    return mpmath.mpf(10) ** (5 - DPS) * s * kappa(D) ** kpow


def alphas():
    return st.sampled_from([Fraction(1, 2), Fraction(1, 3), Fraction(3, 4), Fraction(1, 10)])


def alpha_mat(a: Fraction, level):
    return flint.fmpq(a.numerator, a.denominator) if level is sf.Level.EXACT else \
        mpmath.mpf(a.numerator) / a.denominator


# ---- C9: pseudo-inverse identities ---------------------------------------------------------
@given(cases(activations=RATIONAL_ACTIVATIONS))
@examples(*EXACT_ANY)
def test_c9_pinv_identities_exact(case):
    """DD⁺D = D, D⁺DD⁺ = D⁺, DD⁺ and D⁺D symmetric, Dᵀ(DDᵀ)⁺ = D⁺, (DDᵀ)⁺DDᵀ = P, exactly;
    D⁺ from a rank factorization, P independently from a column basis, (DDᵀ)⁺ from the NTK's
    own rank factorization; trace P = rank D."""
    D = case.at("exact").D
    Dp, P, G = pinv(D), projector(D), D @ D.T
    Gp = pinv(G)
    assert (D @ Dp @ D - D).is_zero()
    assert (Dp @ D @ Dp - Dp).is_zero()
    assert ((D @ Dp) - (D @ Dp).T).is_zero()
    assert ((Dp @ D) - (Dp @ D).T).is_zero()
    assert (D.T @ Gp - Dp).is_zero()
    assert (Gp @ G - P).is_zero()
    assert (D @ Dp - P).is_zero()
    assert sum(P[i, i] for i in range(case.QN)) == case.rank.rank


@given(cases(activations=TRANSCENDENTAL_ACTIVATIONS, losses=("l2", "cross_entropy")))
@example(TANH_K_EQUALS_QN)
@example(SIN_ONE_POINT)
def test_c9_pinv_identities_mpmath(case):
    """C9 at DPS digits for transcendental networks, any rank, with the κ-scaled tolerance."""
    with sf.working_precision(DPS):
        D = case.at("mpmath", DPS).D
        Dp, P, G = pinv(D, DPS), projector(D, DPS), D @ D.T
        Gp = pinv(G, DPS)
        sc = D.max_abs() ** 2 + Dp.max_abs() ** 2 + 1
        t = tol(D, sc, kpow=4)  # (DDᵀ)⁺ has condition κ²
        for r in (D @ Dp @ D - D, Dp @ D @ Dp - Dp, D @ Dp - (D @ Dp).T, Dp @ D - (Dp @ D).T,
                  D.T @ Gp - Dp, Gp @ G - P, D @ Dp - P):
            assert r.max_abs() <= t, (case, r.max_abs(), t)


# ---- C1: full rank ⇒ x' = −∇ₓC -----------------------------------------------------------
@given(cases(full_rank=True, activations=RATIONAL_ACTIVATIONS))
@examples(*EXACT_FULL)
def test_c1_full_rank_exact(case):
    """rank D = QN ⇒ θ' = −Dᵀ(DDᵀ)⁻¹∇ₓC gives x' = −∇ₓC exactly, and P = I."""
    pd = case.at("exact")
    D, g = pd.D, pd.grad
    theta_dot = -(D.T @ (D @ D.T).inv() @ g)
    assert (D @ theta_dot + g).is_zero()
    assert (sf.output_field(pd, "adapted") + g).is_zero()
    assert (projector(D) - eye(sf.Level.EXACT, case.QN)).is_zero()


@given(cases(full_rank=True, activations=TRANSCENDENTAL_ACTIVATIONS,
             losses=("l2", "cross_entropy")))
@example(TANH_K_EQUALS_QN)
def test_c1_full_rank_ball(case):
    """C1 certified with Arb balls: |x' + ∇ₓC| ≤ bound, where bound is a rigorous upper bound
    from ball arithmetic (D⁺ = Dᵀ(DDᵀ)⁻¹, DDᵀ provably invertible), and it must be below
    10^(5−dps)·κ⁴·max(1, |∇ₓC|): interval Gaussian elimination on G = DDᵀ widens balls by
    κ(G) = κ², and x' = DDᵀG⁻¹g multiplies by |D|²|G⁻¹| = κ² again (no cancellation in balls).
    The campaign profile found an ill-conditioned sigmoid case (κ ≈ 3·10⁴) where κ² was too
    tight."""
    with sf.working_precision(DPS):
        pd = case.at("ball", DPS)
        r = sf.output_field(pd, "adapted") + pd.grad
        assert r.is_zero()  # every ball contains 0: consistent with x' = −∇ₓC
        bound = r.max_abs()
        with sf.working_precision(DPS):
            Dm = case.at("mpmath", DPS).D
        assert mpmath.mpf(bound.mid()) <= tol(Dm, pd.grad.max_abs().mid(), kpow=4), (case, bound)


# ---- C2: generalized inverses A = (DDᵀ)⁺ + (I − P)B give x' = −P∇ₓC -------------------------
# Not *every* generalized inverse does: x' = −DDᵀA g is −Pg only when DDᵀA is the orthogonal
# projector. symflow.claims refutes docs/theory.md's "for any A" at rank-deficient points (see the
# README's findings); this property covers the family for which the statement holds.
@given(cases(activations=RATIONAL_ACTIVATIONS), st.data())
@examples(*EXACT_ANY, data=None)
def test_c2_generalized_inverse_exact(case, data):
    """A = (DDᵀ)⁺ + (I − P)B (any rational B; then DᵀA = D⁺) satisfies DDᵀ A DDᵀ = DDᵀ, and −DᵀA∇ₓC induces
    x' = −P∇ₓC exactly; the library's adapted field agrees with the closed form."""
    pd = case.at("exact")
    D, g = pd.D, pd.grad
    n = case.QN
    if data is None:
        B = [[Fraction(i - j, 2) for j in range(n)] for i in range(n)]
    else:
        B = data.draw(st.lists(st.lists(rationals(), min_size=n, max_size=n), min_size=n,
                               max_size=n), label="B")
    Bm = Mat.from_rows(sf.Level.EXACT, [[q(b) for b in r] for r in B], n)
    G, P, I = D @ D.T, projector(D), eye(sf.Level.EXACT, n)
    A = pinv(G) + (I - P) @ Bm
    assert (G @ A @ G - G).is_zero()
    assert (D @ (-(D.T @ A @ g)) + P @ g).is_zero()
    assert (sf.output_field(pd, "adapted") + P @ g).is_zero()
    assert (sf.output_field(pd, "adapted") - sf.output_field_closed_form(pd, "adapted")).is_zero()


# ---- C3: endpoints of V_α --------------------------------------------------------------------
@given(cases(activations=RATIONAL_ACTIVATIONS), alphas())
@examples(*EXACT_ANY, a=Fraction(1, 2))
def test_c3_endpoints_and_family_exact(case, a):
    """V_0 = −Dᵀ∇ₓC; the formula −Dᵀ((1−α)I + α(DDᵀ)⁺)∇ₓC at α = 1 equals the adapted field
    −D⁺∇ₓC (a different computation), and at the drawn α equals the library's V_α."""
    pd = case.at("exact")
    D, g = pd.D, pd.grad
    Gp = pinv(D @ D.T)
    I = eye(sf.Level.EXACT, case.QN)
    assert (sf.parameter_field(pd, "standard") + D.T @ g).is_zero()
    assert (sf.parameter_field(pd, "adapted") + D.T @ Gp @ g).is_zero()
    am = alpha_mat(a, pd.level)
    V = -(D.T @ ((I * (1 - am) + Gp * am) @ g))
    assert (sf.parameter_field(pd, a) - V).is_zero()


# ---- C4: equilibria coincide for every α -----------------------------------------------------
@given(cases(activations=RATIONAL_ACTIVATIONS), st.data())
@examples(*EXACT_ANY, data=None)
def test_c4_constructed_equilibria_exact(case, data):
    """Build an equilibrium exactly: w = (I − P)v ∈ ker Dᵀ (w = 0 at full rank), targets
    y = x(θ) − N·w so that ∇ₓC = w. Then V_α(θ) = 0 for every α tested, and P∇ₓC = 0."""
    prob = case.problem
    pd0 = case.at("exact")
    n = case.QN
    v = ([Fraction(1, i + 2) for i in range(n)] if data is None else
         data.draw(st.lists(rationals(), min_size=n, max_size=n), label="v"))
    P = projector(pd0.D)
    w = (eye(sf.Level.EXACT, n) - P) @ Mat.column(sf.Level.EXACT, [q(r) for r in v])
    y = [fq(pd0.x[i, 0]) - prob.N * fq(w[i, 0]) for i in range(n)]
    targets = [y[j * prob.Q:(j + 1) * prob.Q] for j in range(prob.N)]
    eq = sf.Problem(prob.network, prob.inputs, targets, "l2")
    pd = eq.at(case.theta, "exact")
    assert (pd.grad - w).is_zero()
    assert (P @ pd.grad).is_zero()
    for a in (0, Fraction(1, 3), Fraction(1, 2), 1):
        assert sf.parameter_field(pd, a).is_zero(), (case, a)


@given(cases(activations=RATIONAL_ACTIVATIONS), alphas())
@examples(*EXACT_ANY, a=Fraction(1, 3))
def test_c4_equilibria_coincide_exact(case, a):
    """At any point: V_α(θ) = 0 ⇔ P∇ₓC = 0 ⇔ V_0(θ) = 0, for α ∈ {0, drawn α, 1}."""
    pd = case.at("exact")
    at_eq = (projector(pd.D) @ pd.grad).is_zero()
    for al in (0, a, 1):
        assert sf.parameter_field(pd, al).is_zero() == at_eq, (case, al)


# ---- C5: output fields interpolate; the cost decreases along every V_α -----------------------
@given(cases(activations=RATIONAL_ACTIVATIONS), alphas())
@examples(*EXACT_ANY, a=Fraction(3, 4))
def test_c5_output_fields_and_cost_decrease_exact(case, a):
    """D V_α = (1−α) D V_0 + α D V_1 = −((1−α)DDᵀ + αP)∇ₓC, and
    dC/ds = ∇ₓCᵀ D V_α ≤ 0 with equality iff P∇ₓC = 0."""
    pd = case.at("exact")
    g = pd.grad
    am = alpha_mat(a, pd.level)
    xa = sf.output_field(pd, a)
    assert (xa - (sf.output_field(pd, 0) * (1 - am) + sf.output_field(pd, 1) * am)).is_zero()
    assert (xa - sf.output_field_closed_form(pd, a)).is_zero()
    for al in (0, a, 1):
        dC = (g.T @ sf.output_field(pd, al))[0, 0]
        assert dC <= 0
        assert (dC == 0) == (projector(pd.D) @ g).is_zero()


@given(cases(activations=TRANSCENDENTAL_ACTIVATIONS, losses=("l2", "cross_entropy"),
             max_qn=4), alphas())
@example(TANH_K_EQUALS_QN, Fraction(1, 2))
@example(SIN_ONE_POINT, Fraction(1, 10))
def test_c5_cost_decrease_chain_rule_mpmath(case, a):
    """Along V_α, dC/ds computed as ∇ₓCᵀ D V_α equals the derivative of h ↦ C[x(θ + h V_α)]
    at 0 (mpmath.diff: an independent evaluation of the network), and is ≤ 0 up to tolerance."""
    with sf.working_precision(DPS):
        pd = case.at("mpmath", DPS)
        V = sf.parameter_field(pd, a)
        dC = (pd.grad.T @ pd.D @ V)[0, 0]
        theta = list(pd.theta)
        Vl = [V[k, 0] for k in range(case.K)]

        def cost(h):
            # evaluated at 2·DPS digits so that mpmath.diff's tiny step is not rounded away
            return case.problem.at([t + h * v for t, v in zip(theta, Vl)], "mpmath",
                                   2 * DPS).cost

        fd = mpmath.diff(cost, 0)
        t = tol(pd.D, V.max_abs() ** 2, pd.grad.max_abs() ** 2)
        assert abs(fd - dC) <= t, (case, fd, dC)
        assert dC <= t


# ---- C7: |x − y| is non-increasing along the adapted flow, any rank --------------------------
@given(cases(full_rank=False, activations=RATIONAL_ACTIVATIONS))
@example(DEAD_UNIT)
def test_c7_distance_nonincreasing_exact(case):
    """L2, rank D < QN: x' = −(1/N)P(x − y), so d/ds |x − y|² = −(2/N)|P(x − y)|² ≤ 0 exactly;
    and x' ≠ −∇ₓC exactly when (I − P)(x − y) ≠ 0."""
    pd = case.at("exact")
    e = pd.x - pd.y
    xd = sf.output_field(pd, "adapted")
    P = projector(pd.D)
    d = (e.T @ xd)[0, 0] * 2
    Pe = P @ e
    assert d == -(Pe.T @ Pe)[0, 0] * 2 / case.problem.N
    assert d <= 0
    I = eye(sf.Level.EXACT, case.QN)
    assert (xd + pd.grad).is_zero() == ((I - P) @ e).is_zero()


# ---- C6: the time change -----------------------------------------------------------------------
@given(st.integers(1, 12), rationals(scale=8), rationals(scale=3), rationals(scale=3))
def test_c6_time_change_derived(N, s, x0, y):
    """With the SymPy-derived x(s), t(s), s(t), w: x(s) = (1 − t(s))x₀ + t(s)y, s(t(s)) = s,
    t ∈ [0, 1), x solves dx/ds = −(x − y)/N (mpmath.diff), and w = y − x₀, at 40 digits."""
    import sympy as sp
    der = sf.derive_time_change()
    assert der.verified
    s = abs(s)
    sub = {der.N: N, der.s: sp.Rational(s.numerator, s.denominator),
           der.x0: sp.Rational(x0.numerator, x0.denominator),
           der.y: sp.Rational(y.numerator, y.denominator)}
    with mpmath.workdps(40):
        xs = sp.lambdify(der.s, der.x_of_s.subs({k: v for k, v in sub.items() if k != der.s}),
                         "mpmath")
        ts = mpmath.mpf(sp.N(der.t_of_s.subs(sub), 50))
        assert 0 <= ts < 1
        sv = mpmath.mpf(s.numerator) / s.denominator
        xv, x0v, yv = xs(sv), mpmath.mpf(sub[der.x0]), mpmath.mpf(sub[der.y])
        eps = mpmath.mpf(10) ** (5 - 40) * (1 + abs(x0v) + abs(yv))
        assert abs(xv - ((1 - ts) * x0v + ts * yv)) <= eps
        sback = mpmath.mpf(sp.N(der.s_of_t.subs({der.N: N, der.t: sp.Float(str(ts), 50)}), 50))
        assert abs(sback - sv) <= eps * (1 + sv) * mpmath.exp(sv / N)
        assert abs(mpmath.diff(xs, sv) + (xv - yv) / N) <= eps
        w = der.w_function()(x0v, yv, ts)
        assert abs(w - (yv - x0v)) <= eps


# ---- C8: cross-entropy fibers --------------------------------------------------------------------
@given(cases(full_rank=None, activations=TRANSCENDENTAL_ACTIVATIONS,
             losses=("cross_entropy",), max_output_dim=3, max_qn=6))
def test_c8_logit_sum_rate_mpmath(case):
    """CE, adapted flow: d/ds(1_jᵀx) = −(1/N)1_jᵀP(σ(x_j) − y_j) at any rank, and = 0 at full
    rank (each sample's logit sum is invariant)."""
    prob = case.problem
    with sf.working_precision(DPS):
        pd = case.at("mpmath", DPS)
        xd = sf.output_field(pd, "adapted")
        Pg = projector(pd.D, DPS) @ pd.grad
        t = tol(pd.D, pd.grad.max_abs())
        for j in range(prob.N):
            blk = range(j * prob.Q, (j + 1) * prob.Q)
            rate = sum(xd[i, 0] for i in blk)
            assert abs(rate + sum(Pg[i, 0] for i in blk)) <= t
            if case.full_rank:
                assert abs(rate) <= t, (case, rate)


@given(st.integers(2, 4).flatmap(labels), rationals(scale=4), st.data())
def test_c8_fiber_minimum(y, c, data):
    """x* = log y + ((c − 1ᵀlog y)/Q)·1 lies on the fiber 1ᵀx = c, has σ(x*) = y (so ∇C = 0
    there), and C(x*) < C(x* + v) for every nonzero v ⊥ 1 drawn (strict convexity on the fiber).
    """
    Q = len(y)
    loss = sf.get_loss("cross_entropy")
    ar = sf.backends.arith.get_arith("mpmath")
    with mpmath.workdps(DPS):
        yv = [mpmath.mpf(r.numerator) / r.denominator for r in y]
        cv = mpmath.mpf(c.numerator) / c.denominator
        logy = [mpmath.log(v) for v in yv]
        xs = [l + (cv - mpmath.fsum(logy)) / Q for l in logy]
        eps = mpmath.mpf(10) ** (5 - DPS) * (1 + abs(cv) + max(abs(l) for l in logy))
        assert abs(mpmath.fsum(xs) - cv) <= eps
        assert max(abs(gi) for gi in loss.grad(xs, yv, 1, Q, ar)) <= eps
        raw = data.draw(st.lists(rationals(scale=1), min_size=Q, max_size=Q), label="v")
        mean = sum(raw) / Q
        v = [r - mean for r in raw]
        if any(v):
            vv = [mpmath.mpf(r.numerator) / r.denominator for r in v]
            c0 = loss.cost(xs, yv, 1, Q, ar)
            c1 = loss.cost([a + b for a, b in zip(xs, vv)], yv, 1, Q, ar)
            assert c1 > c0 + eps
