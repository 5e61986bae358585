"""C16 (the Levenberg–Marquardt homotopy, docs/theory.md §7): verified on the catalogue,
refuted for deliberately wrong fields and inverses, the doc's exact example, and a Hypothesis
property of the pointwise identities over random rational cases of every rank."""

from __future__ import annotations

from fractions import Fraction

import flint
import pytest
from hypothesis import given, settings

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
    assert v.level is Level.EXACT
    keys = {e.key.split(".", 1)[1] for e in v.evidence}
    assert {"same", "out_1/10", "dC_10", "pinv_1", "std_10", "example.Pg",
            "example.rate_small", "example.rate_large"} <= keys
    assert all(e.residual == 0 for e in v.evidence if e.details.get("kind") == "zero")
    assert check("C16", get_problem(BALL)).level is Level.BALL
    assert check("C16", get_problem(CE)).status is Status.VERIFIED


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
    def wrong(M):   # (M + I)⁻¹: the inverse of G + (λ + 1)I
        return (M + eye(M.level, M.shape[0])).inv()

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
