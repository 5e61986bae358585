"""C16 (the Levenberg–Marquardt homotopy, docs/theory.md §7): verified on the catalogue,
refuted for deliberately wrong fields and inverses (the pointwise identities, the exact example,
and each fitted rate and closed form of the λ → 0 / λ → ∞ measurements), the doc's exact
example, and a Hypothesis property of the pointwise identities over random rational cases of
every rank."""

from __future__ import annotations

from fractions import Fraction

import flint
import pytest
from hypothesis import given, settings

from symflow.backends import backend
from symflow.backends.linalg import Mat, eye, pinv, projector
from symflow.claims import CLAIMS, check
from symflow.claims import c16_levenberg_marquardt as c16
from symflow.claims.evidence import Level, Status
from symflow.core.problems import catalogue, get_problem
from symflow.testing.strategies import RATIONAL_ACTIVATIONS, cases

RATIONAL_FULL = "cube-2-3-2-l2"
RATIONAL_DEFICIENT = "square-1-2-1-l2-dead-unit"
BALL = "tanh-2-3-1-l2"
CE = "tanh-2-3-3-ce"


def _refuted(evs):
    return {e.key for e in evs if e.status is Status.REFUTED}


@pytest.mark.parametrize("name", [e.name for e in catalogue()])
def test_verified_on_every_catalogue_problem(name):
    e = get_problem(name)
    assert CLAIMS["C16"].applies_to(e)
    v = check("C16", e)
    assert v.status is Status.VERIFIED, [x.to_dict() for x in v.evidence
                                         if x.status is not Status.VERIFIED]


def test_levels_and_keys():
    v = check("C16", get_problem(RATIONAL_DEFICIENT))
    # the fitted rates are mpmath measurements: the verdict rests on them (its weakest level)
    assert v.level is Level.MPMATH
    keys = {e.key.split(".", 1)[1] for e in v.evidence}
    assert {"same", "out_1/10", "dC_10", "pinv_1", "std_10", "example.Pg",
            "example.rate_small", "example.rate_large"} | set(RATE_KEYS) <= keys
    exact = [e for e in v.evidence if not e.key.split(".", 1)[1].startswith("rate.")]
    assert {e.level for e in exact} == {Level.EXACT}
    assert all(e.residual == 0 for e in exact if e.details.get("kind") == "zero")
    rates = [e for e in v.evidence if e.key.split(".", 1)[1].startswith("rate.")]
    assert {e.level for e in rates} == {Level.MPMATH}
    for e in rates:
        assert e.details["work_dps"] == 30 + c16.RATE_EXTRA_DPS
        assert e.details["kind"] == ("zero" if "closed" in e.key else "measurement")
    ball = check("C16", get_problem(BALL))
    assert {e.level for e in ball.evidence if ".rate." not in e.key
            and ".example." not in e.key} == {Level.BALL}
    assert check("C16", get_problem(CE)).status is Status.VERIFIED


RATE_KEYS = ["rate.slope_small", "rate.const_small", "rate.slope_large", "rate.const_large",
             "rate.closed_small", "rate.closed_large"]


def _rates(name, inv_fn=None):
    return {e.key: e for e in c16._rates(get_problem(name), 30, inv_fn)}


def test_rates_measured_on_the_deficient_problem():
    """rank 3 < QN = 4: σ_r is the smallest *positive* singular value, and the fits come out
    within a tenth of their tolerances (the fit's own bias is ≲ 1.6·10⁻³)."""
    evs = _rates(RATIONAL_DEFICIENT)
    assert all(e.status is Status.VERIFIED for e in evs.values())
    sl = evs["rate.slope_small"].details
    assert sl["rank"] == 3 and sl["expected"] == 1
    assert abs(float(sl["fitted"]) - 1) < 1e-3
    cl = evs["rate.const_large"].details
    assert abs(float(cl["fitted"]) / float(cl["expected"]) - 1) < 2e-3
    assert float(evs["rate.closed_small"].residual) < 1e-40


def test_rate_grids_reach_the_asymptotic_regime():
    import mpmath
    lo, hi = c16.rate_grids(mpmath.mpf("0.00695"), mpmath.mpf("24.3"))
    assert lo[0] == Fraction(1, 10 ** 7) and lo[-1] == Fraction(1, 10 ** 13)   # λ/σ_r² ≤ 10⁻²
    assert hi[0] == Fraction(10 ** 5) and hi[-1] == Fraction(10 ** 11)          # σ_1²/λ ≤ 10⁻²
    lo, hi = c16.rate_grids(mpmath.mpf(2), mpmath.mpf("0.5"))
    assert lo == list(c16.SMALL_LAMBDAS) and hi == list(c16.LARGE_LAMBDAS)       # the doc's grid


def test_rates_refuted_for_the_inverse_at_two_lambda():
    """(G + 2λI)⁻¹: Dᵀ(G + 2λI)⁻¹ − D⁺ ≈ 2λD⁺G⁺ keeps slope 1 but doubles the constant;
    λDᵀ(G + 2λI)⁻¹ − Dᵀ → −Dᵀ/2 has slope 0."""
    evs = _rates(RATIONAL_DEFICIENT, lambda pd, lam: c16.lm_inverse(pd, 2 * lam))
    bad = {k for k, e in evs.items() if e.status is Status.REFUTED}
    assert bad == set(RATE_KEYS) - {"rate.slope_small"}
    assert evs["rate.slope_small"].status is Status.VERIFIED


def test_rates_refuted_for_the_inverse_at_lambda_squared():
    """(G + λ²I)⁻¹: the small-λ difference is O(λ²) (slope 2), the large one tends to −Dᵀ."""
    evs = _rates(BALL, lambda pd, lam: c16.lm_inverse(pd, lam * lam))
    assert evs["rate.slope_small"].status is Status.REFUTED
    assert abs(float(evs["rate.slope_small"].details["fitted"]) - 2) < 1e-2
    assert evs["rate.slope_large"].status is Status.REFUTED


def test_rates_refuted_for_a_shifted_inverse():
    """(G + (λ + 1)I)⁻¹: at large λ the slope is still −1 but the constant is σ_1(σ_1² + 1),
    not σ_1³ — only the fitted constant (and the closed form) tell."""
    evs = _rates(RATIONAL_DEFICIENT, lambda pd, lam: c16.lm_inverse(pd, lam + 1))
    assert evs["rate.slope_large"].status is Status.VERIFIED
    assert evs["rate.const_large"].status is Status.REFUTED
    assert evs["rate.closed_large"].status is Status.REFUTED


def test_rates_refuted_for_pinv_of_g_plus_lambda():
    """G⁺ + λI in place of (G + λI)⁻¹: the small-λ difference is λ·D… of norm λσ_1 (slope 1,
    constant σ_1 ≠ 1/σ_r³)."""
    def wrong(pd, lam):
        G = pd.D @ pd.D.T
        return pinv(G, 60) + eye(pd.level, G.shape[0]) * backend(pd.level).scalar(lam)

    evs = _rates(BALL, wrong)
    assert evs["rate.slope_small"].status is Status.VERIFIED
    assert {"rate.const_small", "rate.closed_small", "rate.slope_large"} <= {
        k for k, e in evs.items() if e.status is Status.REFUTED}


def test_doc_example_exactly():
    prob, th = c16.example_problem()
    pd = prob.at(th, "exact")
    assert pd.D.tolist() == [[1, 2, 0], [2, 4, 0]] and pd.grad.tolist() == [[2], [-1]]
    assert (projector(pd.D) @ pd.grad).is_zero()
    for lam in c16.C16_LAMBDAS:
        assert c16.lm_field(pd, lam).is_zero()
    # ‖D⁺G⁺‖² = 5⁻⁶ and ‖DᵀG‖² = 5⁶ (rank 1: Frobenius = 2-norm)
    G = pd.D @ pd.D.T
    Gp = pinv(G)
    assert c16._sq_norm(pinv(pd.D) @ Gp) == flint.fmpq(1, 15625)
    assert c16._sq_norm(pd.D.T @ G) == 15625


def test_refuted_for_a_wrong_field():
    def half(pd, lam):   # the right field at 2λ: D·V no longer −G(G + λI)⁻¹g
        return c16.lm_field(pd, 2 * lam)

    evs = c16.check_c16(get_problem(RATIONAL_FULL), level=Level.EXACT, field_fn=half)
    assert _refuted(evs) == {f"out_{lam}" for lam in c16.C16_LAMBDAS}


def test_refuted_for_a_zero_field():
    def zero(pd, lam):
        return pd.D.T @ (pd.grad * 0)

    evs = c16.check_c16(get_problem(RATIONAL_FULL), level=Level.EXACT, field_fn=zero)
    assert {"same", "out_1"} <= _refuted(evs)


def test_refuted_for_an_ascending_field():
    def ascent(pd, lam):
        return -c16.lm_field(pd, lam)

    evs = c16.check_c16(get_problem(RATIONAL_FULL), level=Level.EXACT, field_fn=ascent)
    assert {f"dC_{lam}" for lam in c16.C16_LAMBDAS} <= _refuted(evs)


def test_example_refuted_for_a_shifted_field():
    def shifted(pd, lam):
        return c16.lm_field(pd, lam) + pd.D.T @ Mat.column(
            pd.level, [flint.fmpq(1)] * pd.D.shape[0])

    evs = c16.check_c16(get_problem(RATIONAL_FULL), level=Level.EXACT, field_fn=shifted)
    # g ∈ ker Dᵀ there, so gᵀDDᵀw = 0: only V^λ = 0 tells the shifted field apart
    assert {f"example.V_{lam}" for lam in c16.C16_LAMBDAS} <= _refuted(evs)


def test_refuted_for_a_wrong_inverse():
    def wrong(pd, lam):   # the inverse of G + (λ + 1)I
        return c16.lm_inverse(pd, lam + 1)

    evs = c16.check_c16(get_problem(RATIONAL_DEFICIENT), level=Level.EXACT, inv_fn=wrong)
    bad = _refuted(evs)
    assert {f"pinv_{lam}" for lam in c16.C16_LAMBDAS} <= bad
    assert {f"std_{lam}" for lam in c16.C16_LAMBDAS} <= bad
    assert {"example.rate_small", "example.rate_large"} <= bad


@settings(max_examples=15, deadline=None)
@given(cases(full_rank=None, activations=RATIONAL_ACTIVATIONS))
def test_property_lm_identities_exactly(case):
    """At every rank, exactly: D·V^λ = −G(G + λI)⁻¹g, gᵀDV^λ ≤ 0, V^λ = 0 ⇔ Pg = 0, and the
    identities (iii), (iv) of the doc."""
    pd = case.at("exact")
    D, g = pd.D, pd.grad
    G, Dp, P = D @ D.T, pinv(D), projector(D)
    for lam in (Fraction(1, 10), Fraction(1), Fraction(10)):
        A = c16.lm_inverse(pd, lam)
        V = c16.lm_field(pd, lam)
        lb = flint.fmpq(lam.numerator, lam.denominator)
        assert (D @ V + G @ (A @ g)).is_zero()
        assert (g.T @ (D @ V))[0, 0] <= 0
        assert V.is_zero() == (P @ g).is_zero()
        assert (D.T @ A - Dp + (Dp @ A) * lb).is_zero()
        assert ((D.T @ A) * lb - D.T + D.T @ G @ A).is_zero()


def test_library_field_cross_check_can_fail(monkeypatch):
    """``lib_λ`` compares the library's LevenbergMarquardt field at a point with the claim's own
    −Dᵀ(DDᵀ + λI)⁻¹∇ₓC: a library field at 2λ is refuted there and only there."""
    from symflow.core.fields import LevenbergMarquardt, parameter_field

    def wrong(pd, field):
        return parameter_field(pd, LevenbergMarquardt(2 * field.lam))

    evs = c16.check_c16(get_problem(RATIONAL_FULL), level=Level.EXACT, rates=False)
    assert {e.key for e in evs if e.key.startswith("lib_")} == {
        f"lib_{lam}" for lam in c16.C16_LAMBDAS}
    assert not _refuted(evs)
    monkeypatch.setattr(c16, "parameter_field", wrong)
    evs = c16.check_c16(get_problem(RATIONAL_FULL), level=Level.EXACT, rates=False)
    assert _refuted(evs) == {f"lib_{lam}" for lam in c16.C16_LAMBDAS}
