"""The Levenberg–Marquardt field V^λ = −c·Dᵀ(DDᵀ + λI)⁻¹g (docs/theory.md §7 C16) in the library,
and the homotopy families of :mod:`symflow.flows.homotopy`.

Checked: the field at rational points equals −c·Dᵀ(DDᵀ + λI)⁻¹g computed independently with
FLINT (exactly), and the other form −c(DᵀD + λI)⁻¹Dᵀg; at ball / mpmath / float64 within the
level's tolerance (balls contain the exact value); the limits (1 + λ)V^λ → V_1 = −D⁺g at rate
O(λ) and → V_0 = −Dᵀg at rate O(1/λ) (exact ratios per decade against the closed-form bound);
a wrong scale fails that check; integrate with LM tracks the adapted flow at small λ and the
standard flow at large λ at the O(λ) / O(1/λ) rate, runs through rank loss without a stop
(tracking the constrained flow), is confirmed by re-integrating the LM field; bad λ raise
DataError naming the value; the fixed-point kernels, CompiledField and the Mat path agree;
sweeps start and end at the endpoints' fields.
"""

from __future__ import annotations

import math

import flint
import mpmath
import pytest
import sympy as sp
from mpmath import mp

import symflow as sf
from symflow.backends import backend
from symflow.backends.arith import working_precision
from symflow.backends.linalg import pinv
from symflow.core.fields import (CompiledField, output_field, output_field_closed_form,
                                 parameter_field, symbolic_field)
from symflow.core.problems import get_problem
from symflow.errors import DataError
from symflow.flows import (Adapted, ConvexFamily, FixedPointField, FlowTime, Interpolated,
                           LevenbergMarquardt, LevenbergMarquardtFamily, LineTime, Precision,
                           PseudoInverse, Standard, Stop, enclose, integrate, integrate_tolerance,
                           sweep)
from symflow.flows.fields import ExpressionField

FULL = "cube-2-3-2-l2"                      # rational, rank D = QN = 4
DEAD = "square-1-2-1-l2-dead-unit"          # rational, rank D = 3 < QN = 4
UNDER = "identity-1-1-l2-underparam"        # K = 2 < QN = 3
SMOOTH = "tanh-2-3-1-l2"                    # transcendental, full rank
LAMS = [sp.Rational(1, 10), sp.Integer(1), sp.Integer(10)]


def _fmpq(v):
    return flint.fmpq(int(v.p), int(v.q))


def _flint_lm(pd, lam, scale):
    """−c·Dᵀ(DDᵀ + λI)⁻¹g with FLINT fmpq matrices, built from the entries of D and g only."""
    D = flint.fmpq_mat([[flint.fmpq(v) for v in row] for row in pd.D.tolist()])
    g = flint.fmpq_mat([[flint.fmpq(v)] for v in pd.grad.entries()])
    n = D.nrows()
    A = D * D.transpose() + flint.fmpq_mat(n, n, [_fmpq(lam) if i == j else 0
                                                  for i in range(n) for j in range(n)])
    return D.transpose() * A.solve(g) * (-_fmpq(scale))


def _flint_lm_normal(pd, lam, scale):
    """−c(DᵀD + λI)⁻¹Dᵀg (the usual LM form) with FLINT."""
    D = flint.fmpq_mat([[flint.fmpq(v) for v in row] for row in pd.D.tolist()])
    g = flint.fmpq_mat([[flint.fmpq(v)] for v in pd.grad.entries()])
    K = D.ncols()
    A = D.transpose() * D + flint.fmpq_mat(K, K, [_fmpq(lam) if i == j else 0
                                                  for i in range(K) for j in range(K)])
    return A.solve(D.transpose() * g) * (-_fmpq(scale))


def _column(M):
    return [M[i, 0] for i in range(M.nrows())]


# ---- the field at a point ------------------------------------------------------------------

@pytest.mark.parametrize("name", [FULL, DEAD, UNDER])
@pytest.mark.parametrize("lam", LAMS)
def test_lm_field_exact(name, lam):
    e = get_problem(name)
    pd = e.problem.at(e.theta0, "exact")
    scale = sp.Rational(3, 2)
    lm = LevenbergMarquardt(lam, scale)
    v = parameter_field(pd, lm).entries()
    ref = _flint_lm(pd, lam, scale)
    assert v == _column(ref) == _column(_flint_lm_normal(pd, lam, scale))
    D = flint.fmpq_mat([[flint.fmpq(x) for x in row] for row in pd.D.tolist()])
    assert output_field(pd, lm).entries() == _column(D * ref)
    assert output_field_closed_form(pd, lm).entries() == _column(D * ref)


def test_lm_field_is_not_an_alpha_field():
    """A check that can fail: the LM field differs from V_0, V_1 and the unscaled field."""
    e = get_problem(FULL)
    pd = e.problem.at(e.theta0, "exact")
    v = parameter_field(pd, LevenbergMarquardt(1, 2))
    for other in ("standard", "adapted", Interpolated("1/2"), LevenbergMarquardt(1)):
        assert (v - parameter_field(pd, other)).max_abs() > 0


@pytest.mark.parametrize("level", ["ball", "mpmath", "float64"])
def test_lm_field_at_other_levels(level):
    e = get_problem(FULL)
    lm = LevenbergMarquardt("1/10", "11/10")
    exact = _column(_flint_lm(e.problem.at(e.theta0, "exact"), lm.lam, lm.scale))
    with working_precision(30):
        pd = e.problem.at(e.theta0, level, dps=30)
        v = parameter_field(pd, lm).entries()
        if level == "ball":
            assert all(b.contains(flint.arb(q)) and b.rad() < 1e-25 for b, q in zip(v, exact))
            return
        scale = max(abs(float(q)) for q in exact)
        tol = backend(level).tolerance(30, scale)
        with mp.workdps(40):
            err = max(abs(mpmath.mpf(float(x) if level == "float64" else x)
                          - mpmath.mpf(int(q.p)) / int(q.q)) for x, q in zip(v, exact))
        assert err <= tol, (level, err, tol)


def test_symbolic_lm_field():
    e = get_problem("identity-1-1-l2-underparam")   # QN = 3: allow max_qn = 3
    lm = LevenbergMarquardt("1/3", 2)
    expr = symbolic_field(e.problem, lm, max_qn=3)
    at = expr.xreplace(dict(zip(e.problem.params, [sp.Rational(str(v)) for v in e.theta0])))
    ref = parameter_field(e.problem.at(e.theta0, "exact"), lm).entries()
    assert [sp.simplify(v) for v in at] == [sp.Rational(str(q)) for q in ref]


# ---- limits λ → 0 and λ → ∞ at a point (C16 (iii), (iv) with the factor 1 + λ) -------------

def _sq(M):
    return sum(v * v for v in M.entries())


def _decade_ratios(pd, lams, ref, scale_of):
    """‖(scale)V^λ − ref‖² / ‖(scale)V^{λ'} − ref‖² for consecutive λ, λ' in ``lams``."""
    sq = [_sq(parameter_field(pd, LevenbergMarquardt(lam, scale_of(lam))) - ref) for lam in lams]
    return sq, [a / b for a, b in zip(sq, sq[1:])]


@pytest.mark.parametrize("name", [FULL, DEAD, UNDER])
def test_limits_at_a_point(name):
    """Per singular value σ > 0: (1+λ)V^λ − V_1 has entries λ(σ²−1)/(σ(σ²+λ))·(Uᵀg), whose ratio
    between λ and λ/10 is 10(σ² + λ/10)/(σ² + λ) ∈ (10 − 9λ/σ_r², 10); (1+λ)V^λ − V_0 has
    σ(1−σ²)/(σ²+λ)·(Uᵀg), ratio between 10λ and λ (σ² + 10λ)/(σ² + λ) ∈ (10 − 9σ_1²/λ, 10). The
    norms' ratio lies in the same interval (orthonormal components). With σ_r² ≥ 1 and σ_1² ≤ 600
    on these problems, λ ≤ 10⁻⁴ resp. λ ≥ 10⁶ puts it in (9.9, 10): squared ratio in (98, 100)."""
    e = get_problem(name)
    pd = e.problem.at(e.theta0, "exact")
    G = (pd.D @ pd.D.T).tolist()
    ev = mpmath.eigsy(mpmath.matrix([[float(x) for x in r] for r in G]), eigvals_only=True)
    pos = [x for x in ev if x > 1e-9]
    assert min(pos) >= 1 and max(pos) <= 600           # the premise of the band above
    V1, V0 = -(pinv(pd.D) @ pd.grad), -(pd.D.T @ pd.grad)
    small = [sp.Rational(1, 10 ** k) for k in range(4, 8)]
    sq, ratios = _decade_ratios(pd, small, V1, lambda lam: 1 + lam)
    assert all(s > 0 for s in sq) and all(98 < r < 100 for r in ratios), ratios
    large = [sp.Integer(10) ** k for k in range(6, 10)]
    sq, ratios = _decade_ratios(pd, large, V0, lambda lam: 1 + lam)
    assert all(s > 0 for s in sq) and all(98 < r < 100 for r in ratios), ratios


def test_limits_refute_a_wrong_scale():
    """Without the factor 1 + λ, V^λ → 0 as λ → ∞: the distance to V_0 does not decrease."""
    e = get_problem(FULL)
    pd = e.problem.at(e.theta0, "exact")
    V0 = -(pd.D.T @ pd.grad)
    large = [sp.Integer(10) ** k for k in range(6, 10)]
    sq, ratios = _decade_ratios(pd, large, V0, lambda lam: 1)
    assert all(r < sp.Rational(11, 10) for r in ratios), ratios
    assert sq[-1] > _sq(V0) / 2


# ---- integration ---------------------------------------------------------------------------

KW = dict(span=FlowTime(1), precision=Precision(20))


def _end_diff(a, b):
    xa, xb = a.outputs_at(a.t_end), b.outputs_at(b.t_end)
    with mp.workdps(30):
        return max(abs(u - v) for u, v in zip(xa, xb))


def _lm(lam):
    return LevenbergMarquardt(lam, 1 + lam)


@pytest.mark.parametrize("name,ref_field,rank_loss", [
    (SMOOTH, Adapted(), Stop()), (DEAD, Adapted(), PseudoInverse()),
    (UNDER, Adapted(), PseudoInverse()), (SMOOTH, Standard(), Stop())])
def test_integrate_tracks_the_endpoints(name, ref_field, rank_loss):
    """x(1) of (1+λ)V^λ minus x(1) of V_1 (resp. V_0) is O(λ) (resp. O(1/λ)) by Grönwall on
    [0, 1]: two decades of λ must shrink it by ~100 (accepted in (50, 200): the O(λ²) term),
    while it stays 10³× above the integration tolerance 10^(5−dps) (the rate is not noise).
    At rank loss (DEAD, UNDER) V_1 is the constrained flow −D⁺g = −DᵀG⁺g."""
    e = get_problem(name)
    ref = integrate(e.problem, e.theta0, field=ref_field, on_rank_loss=rank_loss, **KW)
    assert ref.status == "success"
    lams = ([sp.Rational(1, 10 ** 4), sp.Rational(1, 10 ** 6)] if ref_field == Adapted()
            else [sp.Integer(10 ** 4), sp.Integer(10 ** 6)])
    d = [_end_diff(integrate(e.problem, e.theta0, field=_lm(lam), **KW), ref) for lam in lams]
    assert 50 < d[0] / d[1] < 200, d
    assert 1e3 * integrate_tolerance(20) < d[1] < 1e-4, d


@pytest.mark.parametrize("name", [DEAD, UNDER])
@pytest.mark.parametrize("arith", ["mpmath", "float64"])
def test_integrate_lm_through_rank_loss(name, arith):
    e = get_problem(name)
    stopped = integrate(e.problem, e.theta0, field=Adapted(), on_rank_loss=Stop(),
                        arith=arith, **KW)
    assert stopped.status == "rank_loss"                 # the premise: rank D < QN
    tr = integrate(e.problem, e.theta0, field=_lm(sp.Rational(1, 1000)), on_rank_loss=Stop(),
                   arith=arith, **KW)
    assert tr.status == "success" and tr.t_end == 1
    assert tr.max_ntk_condition > 1e10                  # the monitor saw the rank loss
    assert tr.alpha is None and tr.field == _lm(sp.Rational(1, 1000))
    assert "LM(λ=1/1000" in repr(tr)


@pytest.mark.parametrize("arith", ["mpmath", "float64"])
def test_lm_with_lambda_below_round_off(arith):
    """λ far below the round-off of G (10⁻⁶⁰ at dps 20 on a singular G): the solve of G + λI
    breaks down; the run ends with status rank_loss and a message naming λ, not a wrong flow."""
    e = get_problem(DEAD)
    lam = sp.Rational(1, 10 ** 60)
    tr = integrate(e.problem, e.theta0, field=_lm(lam), arith=arith, **KW)
    assert tr.status == "rank_loss" and f"λ = {lam}" in tr.message and "raise λ" in tr.message


def test_confirm_reintegrates_the_lm_field():
    """confirm() re-integrates with the LM field: ok, while the adapted flow from the same
    point is far (10⁶× the tolerance) from it, so a confirmation with a wrong field fails."""
    e = get_problem(SMOOTH)
    lm = LevenbergMarquardt(1, 2)
    tr = integrate(e.problem, e.theta0, field=lm, **KW)
    assert tr._options["field"] == lm
    conf = tr.confirm()
    assert conf.ok and conf.dps_high == 30, conf
    other = integrate(e.problem, e.theta0, field=Adapted(), **KW)
    assert _end_diff(tr, other) > 1e6 * conf.tolerance
    f64 = integrate(e.problem, e.theta0, field=lm, arith="float64", span=FlowTime(1))
    assert f64.confirm().ok
    assert _end_diff(f64, tr) < 1e-9


def test_lm_on_a_general_model():
    """The expression evaluator (non-MLP models) integrates the LM field too."""
    a, b, u = sp.symbols("a b u", real=True)
    prob = sf.Problem(sf.model([a * sp.tanh(b * u)], [a, b], [u]), [[1], [2], [-1]],
                      [[1], [0], [2]])
    th = [sp.Rational(1, 2), sp.Rational(3, 4)]
    lm = LevenbergMarquardt("1/10", "11/10")
    with mp.workdps(30):
        ef = ExpressionField(prob, lm)
        v = ef.field([mpmath.mpf(0.5), mpmath.mpf(0.75)])
    with working_precision(30):
        ref = parameter_field(prob.at(th, "mpmath", dps=30), lm).entries()
        assert max(abs(x - y) for x, y in zip(v, ref)) < 1e-25
    tr = integrate(prob, th, field=lm, **KW)   # K = 2 < QN = 3: no stop for LM
    assert tr.status == "success" and tr.confirm().ok


# ---- the fast kernels against the reference path -------------------------------------------

def test_kernels_agree_on_the_lm_field():
    """The three fixed-point kernels (straight-line program, lists, FLINT matrices) give the
    same integers; they, CompiledField (mpmath, float64) and the Mat path (parameter_field at
    60 digits) agree to the working precision; rank_loss="pinv" changes nothing for LM."""
    e = get_problem(SMOOTH)
    lm = LevenbergMarquardt("1/7", "8/7")
    with working_precision(60):
        ref = parameter_field(e.problem.at(e.theta0, "mpmath", dps=60), lm).entries()
    with mp.workdps(40):
        th = e.problem.convert_theta(e.theta0, "mpmath")
        outs = []
        for kind in ("straight", "lists", "matrices"):
            for rl in ("stop", "pinv"):
                f = FixedPointField(e.problem, lm, rl, rank_digits=20)
                f._straight, f._matrices = kind == "straight", kind == "matrices"
                outs.append(f.field(th))
        assert all(o == outs[0] for o in outs)
        cf = CompiledField(e.problem, lm, arith="mpmath")(th)
        scale = max(abs(v) for v in ref)
        assert max(abs(a - b) for a, b in zip(outs[0], ref)) < 1e-35 * scale
        assert max(abs(a - b) for a, b in zip(cf, ref)) < 1e-35 * scale
    f64 = CompiledField(e.problem, lm, arith="float64")([float(v) for v in th])
    assert max(abs(float(a) - float(b)) for a, b in zip(f64, ref)) < 1e-13 * float(scale)


def test_kernels_detect_a_dropped_lambda(monkeypatch):
    """The comparison above can fail: a fixed-point field that forgets λ on the diagonal (the
    adapted field, scaled) is far from the reference."""
    e = get_problem(SMOOTH)
    lm = LevenbergMarquardt("1/7", "8/7")
    with working_precision(40):
        ref = parameter_field(e.problem.at(e.theta0, "mpmath", dps=40), lm).entries()
    orig = FixedPointField._lm_solve
    monkeypatch.setattr(FixedPointField, "_lm_solve",
                        lambda self, G, g, lam, P: orig(self, G, g, 0, P))
    with mp.workdps(30):
        th = e.problem.convert_theta(e.theta0, "mpmath")
        bad = FixedPointField(e.problem, lm).field(th)
    assert max(abs(a - b) for a, b in zip(bad, ref)) > 1e-3


# ---- bad input -----------------------------------------------------------------------------

@pytest.mark.parametrize("bad", [0, -1, "-1/2", float("nan"), float("inf"), "abc", "standard",
                                 None, True, [1]])
def test_bad_lambda_raises_data_error(bad):
    with pytest.raises(DataError) as exc:
        LevenbergMarquardt(bad)
    assert "λ" in str(exc.value)
    with pytest.raises(DataError, match="scale"):
        LevenbergMarquardt(1, bad)


def test_bad_family_parameters():
    fam = LevenbergMarquardtFamily()
    for bad in (-1, float("nan"), "x", float("-inf")):
        with pytest.raises(DataError, match="λ"):
            fam.field(bad)
    with pytest.raises(DataError):
        ConvexFamily().field(2)
    with pytest.raises(DataError):
        LevenbergMarquardtFamily(10, 1)
    with pytest.raises(DataError, match="n = 1"):
        fam.sweep(1)


def test_lm_refused_where_unsupported():
    e = get_problem(SMOOTH)
    with pytest.raises(DataError, match="Levenberg"):
        enclose(e.problem, e.theta0, field=LevenbergMarquardt(1), s_end=1)
    with pytest.raises(DataError, match="flow time"):
        integrate(e.problem, e.theta0, field=LevenbergMarquardt(1), span=LineTime("1/2"))


# ---- the families --------------------------------------------------------------------------

def test_families_endpoints_and_sweeps():
    lmf, cvx = LevenbergMarquardtFamily(), ConvexFamily()
    assert lmf.endpoints == {"standard": sp.oo, "adapted": 0}
    assert cvx.endpoints == {"standard": 0, "adapted": 1}
    ps = lmf.sweep(9)
    assert ps == [0] + [sp.Rational(10) ** k for k in range(-3, 4)] + [sp.oo]
    assert lmf.field(ps[0]) == Adapted() and lmf.field(ps[-1]) == Standard()
    assert lmf.field("inf") == lmf.field(float("inf")) == Standard()
    assert lmf.field("1/2") == LevenbergMarquardt("1/2", "3/2")
    mid = lmf.sweep(4)[1:-1]
    assert len(mid) == 2 and mid[0] < mid[1]
    p3 = lmf.sweep(3)
    assert p3 == [0, 1, sp.oo]
    many = lmf.sweep(400)
    assert len(set(many)) == 400 and many == sorted(many, key=lambda v: math.inf
                                                    if v is sp.oo else float(v))
    c = cvx.sweep(5)
    assert c == [0, sp.Rational(1, 4), sp.Rational(1, 2), sp.Rational(3, 4), 1]
    assert [cvx.field(p) for p in (0, "1/2", 1)] == [Standard(), Interpolated("1/2"), Adapted()]


def test_sweep_integrates_each_field():
    e = get_problem(SMOOTH)
    fam = LevenbergMarquardtFamily()
    runs = sweep(e.problem, e.theta0, fam, n=3, progress=False, **KW)
    assert [p for p, _ in runs] == [0, 1, sp.oo]
    assert [t.field for _, t in runs] == [Adapted().legacy, LevenbergMarquardt(1, 2),
                                          Standard().legacy]
    direct = integrate(e.problem, e.theta0, field=Standard(), **KW)
    assert runs[-1][1].outputs_at(1) == direct.outputs_at(1)
    conv = sweep(e.problem, e.theta0, params=["1/2"], progress=False, **KW)
    assert conv[0][1].field == sp.Rational(1, 2)
    with pytest.raises(DataError, match="field="):
        sweep(e.problem, e.theta0, fam, field=Adapted(), **KW)


def test_sweep_progress_protocol():
    e = get_problem(UNDER)
    seen = []

    class P:
        def update(self, t, info):
            seen.append((t, info["param"]))

        def close(self):
            seen.append("closed")

    sweep(e.problem, e.theta0, LevenbergMarquardtFamily(), n=2, progress=P(), **KW)
    assert seen == [(1, 0), (2, sp.oo), "closed"]


def test_sweep_and_steps_refuse_malformed_arguments():
    """Arguments symflow never uses as given get a DataError naming them, not a TypeError from
    inside: a non-list params, an unknown integrate option, a non-callable stop or pinv_fn, and
    a step size or λ beyond float64's range at the float64 level."""
    from symflow.core.problems import get_problem
    from symflow.errors import DataError
    from symflow.flows import gauss_newton_step, iterate

    e = get_problem("tanh-2-3-1-l2")
    prob, th = e.problem, list(e.theta0)
    with pytest.raises(DataError, match="params must be a list"):
        sweep(prob, th, LevenbergMarquardtFamily(), params=5, span=FlowTime(1), progress=False)
    with pytest.raises(DataError, match="unknown integrate option"):
        sweep(prob, th, params=[0], foo=1, span=FlowTime(1), progress=False)
    with pytest.raises(DataError, match="stop must be None or a callable"):
        iterate(prob, th, "gauss_newton", "1/4", n_max=1, stop=3)
    with pytest.raises(DataError, match="pinv_fn must be None or a callable"):
        gauss_newton_step(prob, th, 1, level="mpmath", pinv_fn=3)
    with pytest.raises(DataError, match="too large for float64"):
        gauss_newton_step(prob, th, "1e400", level="float64")
