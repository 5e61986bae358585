"""C17 (Gauss–Newton convergence, local) and C17-GLOBAL (the arctan counterexample),
docs/theory.md §7: verified / refuted as expected, refuted for a deliberately wrong step, the
doc's table digits reproduced by the computed iterates."""

from __future__ import annotations

from fractions import Fraction

import mpmath
import pytest

from symflow.backends.linalg import pinv
from symflow.claims import CLAIMS, check
from symflow.claims import c17_gauss_newton_convergence as c17
from symflow.claims.evidence import Status
from symflow.core.problems import catalogue, get_problem

FULL_L2 = [e.name for e in catalogue() if e.has("l2", "full_rank")]

#: docs/theory.md §7 C17, the table from θ₀ = 2 (θ_k, C_k), as printed there.
DOC_TABLE = [("2", "0.6128891417"), ("-3.5357435890", "0.8387314454"),
             ("13.950959087", "1.123858869"), ("-279.34406653", "1.228083822"),
             ("1.2201699892e5", "1.233687677"), ("-2.3386004198e10", "1.233700550"),
             ("8.5907666720e20", "1.233700550")]
#: … and the iterates from θ₀ = 1.
DOC_FROM_ONE = ["1", "-0.5707963268", "0.1168599040", "-1.061022117e-3", "7.963096043e-10",
                "-3.366313838e-28"]


@pytest.mark.parametrize("name", FULL_L2)
def test_verified_on_full_rank_l2_catalogue(name):
    v = check("C17", get_problem(name))
    assert v.status is Status.VERIFIED, [x.to_dict() for x in v.evidence
                                         if x.status is not Status.VERIFIED]
    order = next(e for e in v.evidence if e.key == "C17.order")
    assert order.details["kind"] == "measurement"
    assert abs(float(order.details["fitted"]) - 2) < 0.1


def test_applies_only_to_l2_full_rank():
    assert not CLAIMS["C17"].applies_to(get_problem("identity-1-1-l2-underparam"))
    assert CLAIMS["C17-GLOBAL"].scope == "global"
    assert CLAIMS["C17-GLOBAL"].is_counterexample


def test_global_counterexample_refuted():
    v = check("C17-GLOBAL", None)
    assert v.status is Status.REFUTED
    st = {e.key: e.status for e in v.evidence}
    assert st == {"C17-GLOBAL.full_rank": Status.VERIFIED,
                  "C17-GLOBAL.converges": Status.REFUTED,
                  "C17-GLOBAL.limit": Status.VERIFIED,
                  "C17-GLOBAL.two_cycle": Status.VERIFIED}


def test_global_from_a_converging_start_is_a_broken_counterexample():
    """From θ₀ = 1 the arctan iterates converge to zero loss: the comparison that must fail
    passes, the supporting "C_6 → π²/8" fails as inconclusive (not as a refutation that would
    read as the finding), and the verdict is a broken counterexample — a failure, not a
    finding."""
    from symflow.claims.evidence import Verdict

    evs = c17.check_c17_global(theta0=1)
    ev = {e.key: e for e in evs}
    assert ev["converges"].status is Status.VERIFIED and ev["converges"].details["counterexample"]
    assert ev["limit"].status is Status.INCONCLUSIVE and "supporting fact" in ev["limit"].why
    v = Verdict.from_evidence("C17-GLOBAL", "", "(global)", evs, expected=Status.REFUTED)
    assert v.failed and not v.is_finding and not v.as_expected


def test_order_lower_bound_below_two_is_not_a_refutation():
    """x[θ] = θ², y = 2 from θ₀ = √2 to 50 digits (|r₀| ≈ 10⁻⁵⁰): Newton's method, order 2,
    but GN lands below the 80-digit floor in one step, and the only estimate left is the lower
    bound log(floor)/log|r₀| ≈ 1.4 < 2 — too few residuals, inconclusive, never refuted."""
    import sympy as sp
    from symflow import Problem, model
    from symflow.core.problems import entry_for

    t, w = sp.symbols("t w")
    p = Problem(model([t ** 2 + 0 * w], [t], [w]), [[0]], [[2]], "l2", name="sq")
    with mpmath.workdps(50):
        th0 = Fraction(mpmath.nstr(mpmath.sqrt(2), 50))
    v = check("C17", entry_for(p, (th0,)))
    order = next(e for e in v.evidence if e.key == "C17.order")
    assert order.status is Status.INCONCLUSIVE and order.details["q_is_lower_bound"]
    assert v.status is not Status.REFUTED


def test_doc_table_digits():
    d = c17._divergence(50)
    for (th, C), t, c in zip(DOC_TABLE, d["theta"], d["C"]):
        want_t, want_c = mpmath.mpf(th), mpmath.mpf(C)
        digits = len(th.split("e")[0].replace("-", "").replace(".", "")) - 1
        assert abs(t - want_t) <= abs(want_t) * mpmath.mpf(10) ** -digits
        assert abs(c - want_c) <= mpmath.mpf(10) ** -9
    one = c17.gn_residuals(c17.arctan_problem(), [1], 50, n_max=5)
    for want, it in zip(DOC_FROM_ONE, one["iterates"]):
        assert abs(it.theta[0] - mpmath.mpf(want)) <= abs(mpmath.mpf(want)) * 1e-9
    tc, cyc = c17._two_cycle(50)
    assert mpmath.nstr(tc, 20) == "1.3917452002707349244"


def test_arctan_order_three_and_ratio():
    a = c17.gn_residuals(c17.arctan_problem(), [Fraction(1, 2)], 200)
    est = c17.order_estimates(a["r"], a["floor"], 3)
    assert abs(est["p"][-1] - 3) < 1e-6
    assert abs(est["ratios"][-1] - mpmath.mpf(2) / 3) < 1e-9


def test_damped_step_is_refuted():
    """GN with D⁺ replaced by 0.99·D⁺ converges linearly (r₊ ≈ r/100): order 1 < 2."""
    def damped(D):
        return pinv(D, 100) * mpmath.mpf("0.99")

    evs = c17.check_c17(get_problem("tanh-2-3-1-l2"), pinv_fn=damped, n_max=60)
    st = {e.key: e.status for e in evs}
    assert st["converged"] is Status.VERIFIED
    assert st["order"] is Status.REFUTED


def test_no_convergence_is_inconclusive_not_refuted():
    def tiny(D):
        return pinv(D, 100) * mpmath.mpf("0.001")

    evs = c17.check_c17(get_problem("square-1-3-1-l2"), pinv_fn=tiny, n_max=5)
    st = {e.key: e.status for e in evs}
    assert st["converged"] is Status.INCONCLUSIVE
    assert Status.REFUTED not in st.values()


def test_linear_model_terminates_in_one_step_and_the_bound_decides():
    """x[θ] = θ₁u + θ₂ on u ∈ {1, 2} (K = QN = 2, linear in θ): one GN step lands on y, so no
    three residuals lie above the floor; the order is decided by the lower bound
    q₀ ≥ log(floor)/log|r₀| of the terminating step, and both precisions terminate alike."""
    import symflow as sf

    p = sf.Problem(sf.mlp([1, 1], "identity"), [[1], [2]], [[0], [1]], name="fit")
    v = check("C17", p, dps=20)
    ev = {e.key: e for e in v.evidence}
    assert v.status is Status.VERIFIED
    assert ev["C17.order"].details.get("q_is_lower_bound") is True
    assert ev["C17.confirm"].details["steps_above_floor"] == [1, 1]
    assert len(ev["C17.order"].details["residuals"]) == 2   # r₀ = 1/2, r₁ below the floor
