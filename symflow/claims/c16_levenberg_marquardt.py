"""C16 — the Levenberg–Marquardt homotopy (docs/theory.md §7, beyond the paper).

For λ > 0 put A_λ := (G + λI)⁻¹, G = DDᵀ ⪰ 0 (so G + λI is positive definite), and
V^λ := −DᵀA_λg = −(DᵀD + λI)⁻¹Dᵀg, g = ∇ₓC. In the SVD D = UΣVᵀ, GA_λ = U diag(σ_i²/(σ_i² + λ))Uᵀ
is symmetric with eigenvalues in [0, 1), zero exactly on ker Dᵀ. For every rank:

(i)   x′ = DV^λ = −GA_λg and dC/ds = gᵀDV^λ = −Σ σ_i²/(σ_i² + λ)(U_iᵀg)² ≤ 0;
(ii)  V^λ = 0 ⇔ Pg = 0 (the equilibria of C4);
(iii) Dᵀ(G + λI)⁻¹ − D⁺ = −λD⁺(G + λI)⁻¹ (D⁺G = Dᵀ, D⁺P = D⁺), with
      ‖Dᵀ(G + λI)⁻¹ − D⁺‖₂ = λ/(σ_r(σ_r² + λ)), σ_r the smallest positive singular value:
      V^λ → V_1 = −D⁺g at rate O(λ) as λ → 0, also at rank loss;
(iv)  λDᵀ(G + λI)⁻¹ − Dᵀ = −DᵀG(G + λI)⁻¹, with ‖λDᵀ(G + λI)⁻¹ − Dᵀ‖₂ = σ_1³/(σ_1² + λ):
      λV^λ → V_0 = −Dᵀg at rate O(1/λ) as λ → ∞.

Checks (:func:`check_c16`), for λ ∈ {1/10, 1, 10} (exact rationals) unless said otherwise:

``out_λ``, ``dC_λ``, ``same``, ``pinv_λ``, ``std_λ`` (sample points; exact for rational
    networks, balls otherwise)
    D·V^λ = −GA_λg; gᵀDV^λ ≤ 0; Pg and every V^λ all zero or all nonzero; the identities of
    (iii) (D⁺ = ``pinv(D)``) and (iv).
``lib_λ`` (same points and levels)
    the library's LM field at a point, ``parameter_field(pd, LevenbergMarquardt(λ))``, equals
    :func:`lm_field` computed here (the integrator's fixed-point kernels are compared with the
    library field in ``tests/test_homotopy.py``).
``example.*`` (exact, the doc's example: x[θ](u) = u(θ₁ + 2θ₂) + 0·θ₃ on u ∈ {1, 2}, so
    D = [[1, 2, 0], [2, 4, 0]], rank 1, σ_r = σ_1 = 5; L2 targets y = (−4, 2) at θ = 0, so
    g = (2, −1) ∈ ker Dᵀ)
    the built equilibrium: Pg = 0 and V^λ = 0, dC/ds = 0; and the rates *exactly*: for
    λ = 10^{−2}, …, 10^{−8} the squared norm of Dᵀ(G + λI)⁻¹ − D⁺ (rank 1, so its Frobenius
    norm is its 2-norm) equals (λ/(5(25 + λ)))², and for λ = 10², …, 10⁸ the squared norm of
    λDᵀ(G + λI)⁻¹ − Dᵀ equals (125/(25 + λ))² — exact evidence of the O(λ) and O(1/λ) limits.

``rate.*`` (mpmath at θ₀ of the entry, at dps + :data:`RATE_EXTRA_DPS` digits — more where
    κ = (σ_1/σ_r)² > 10⁵ (:func:`_rate_digits`) — and again
    :data:`~symflow.backends.tolerance.CONFIRM_EXTRA_DPS` digits higher; :func:`rate_data`)
    σ_r, σ_1 from the SVD of D; on the grids λ = 10^(e − k), k = 2, …, 8, e = min(0,
    ⌊log₁₀σ_r²⌋) and λ = 10^(e′ + k), e′ = max(0, ⌈log₁₀σ_1²⌉) (:func:`rate_grids`: the
    doc's 10^∓2, …, 10^∓8 shifted so that μ := λ/σ_r² resp. σ_1²/λ is ≤ 10⁻² — the asymptotic
    regime even where σ_r is small or σ_1 large) the 2-norms (largest singular value)
    n(λ) = ‖Dᵀ(G + λI)⁻¹ − D⁺‖₂ and m(λ) = ‖λDᵀ(G + λI)⁻¹ − Dᵀ‖₂. *Measurements*
    (``details["kind"] = "measurement"``, fitted and expected values, tolerance):
    ``slope_small``/``slope_large`` the least-squares slope of log n (log m) against log λ, vs
    1 (−1), tolerance :data:`SLOPE_TOLERANCE`; ``const_small``/``const_large`` the constant C of
    n ≈ Cλ (m ≈ C/λ), C = exp(mean(log n − log λ)) (exp(mean(log m + log λ))), vs 1/σ_r³ (σ_1³),
    relative, tolerance :data:`CONSTANT_TOLERANCE`. The fit's own bias is known: by the closed
    forms log(n/λ) = −3 log σ_r − log(1 + μ), so the constant is low by mean log(1 + μ) ≤
    1.6·10⁻³ and the slope by ≈ 5·10⁻⁴ at most on these grids (measured on the catalogue:
    ≤ 1.4·10⁻³ and ≤ 4.3·10⁻⁴). ``closed_small``/``closed_large``: n(λ) = λ/(σ_r(σ_r² + λ))
    and m(λ) = σ_1³/(σ_1² + λ) at every λ of the grid, relative, at the pointwise tolerance
    10^(GUARD − dps). Each is verified iff both runs are within tolerance, refuted iff both
    exceed it.

The LM field has no library implementation: :func:`lm_field` computes it from ``D``, ``grad``
and the backend's inverse. ``field_fn(pd, λ)`` replaces the field and ``inv_fn(pd, λ)`` the
inverse (G + λI)⁻¹ (tests feed wrong ones, e.g. ``lm_inverse(pd, 2λ)``); ``rates=False``
leaves out the ``rate.*`` measurements.
"""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction
from typing import Callable, Sequence

import mpmath
import sympy as sp

from ..backends import backend
from ..backends import tolerance as _tol
from ..backends.arith import working_precision
from ..backends.levels import Level
from ..backends.linalg import Mat, eye, pinv, projector, rank_info
from ..core.fields import LevenbergMarquardt, parameter_field
from ..core.models import model
from ..core.problem import PointData, Problem
from .evidence import Evidence
from .evidence import Reason, Status
from .judge import CONFIRM_EXTRA_DPS, Cmp, _f, _run
from .registry import claim_check, register
from .sampling import _n_random, sample_points
from .trajectories import _ev
from .vectors import _line_fit, _mp, _n

__all__ = ["C16_LAMBDAS", "RATE_DECADES", "SLOPE_TOLERANCE", "CONSTANT_TOLERANCE",
           "RATE_EXTRA_DPS", "lm_field", "lm_inverse", "example_problem", "rate_grids",
           "rate_data", "check_c16"]

C16_LAMBDAS = (Fraction(1, 10), Fraction(1), Fraction(10))
SMALL_LAMBDAS = tuple(Fraction(1, 10 ** k) for k in range(2, 9))
LARGE_LAMBDAS = tuple(Fraction(10 ** k) for k in range(2, 9))
#: k of the rate grids λ = 10^(e − k) (λ → 0) and 10^(e′ + k) (λ → ∞), see :func:`rate_grids`.
RATE_DECADES = tuple(range(2, 9))
#: Tolerances of the fitted rates (measurements): |slope ∓ 1| and |C/expected − 1| (module
#: docstring: the pre-asymptotic bias of the fit on these grids is below them by ≥ 10×).
SLOPE_TOLERANCE = Fraction(1, 100)
CONSTANT_TOLERANCE = Fraction(1, 100)
#: Digits over ``dps`` for the rates: the norms cancel up to ~9 digits (λ/σ_r² down to 10⁻⁹),
#: D⁺ loses log₁₀ κ more, and the closed forms are compared at 10^(GUARD − dps).
RATE_EXTRA_DPS = 30

register("C16", "the Levenberg–Marquardt homotopy",
         "For λ > 0, V^λ = −Dᵀ(DDᵀ + λI)⁻¹∇ₓC gives x′ = −DDᵀ(DDᵀ + λI)⁻¹∇ₓC, dC/ds ≤ 0 and "
         "V^λ = 0 ⇔ P∇ₓC = 0, at every rank; Dᵀ(G + λI)⁻¹ − D⁺ = −λD⁺(G + λI)⁻¹ and "
         "λDᵀ(G + λI)⁻¹ − Dᵀ = −DᵀG(G + λI)⁻¹: V^λ → V_1 as λ → 0 (rate O(λ)) and "
         "λV^λ → V_0 as λ → ∞ (rate O(1/λ)).",
         "beyond the paper: §7 of docs/theory.md (C16; with Theorem 2.3 and C9)")


def _shifted(pd: PointData, lam: Fraction) -> Mat:
    """DDᵀ + λI at the point's level (positive definite for λ > 0)."""
    D = pd.D
    return D @ D.T + eye(pd.level, D.shape[0]) * backend(pd.level).scalar(lam)


def lm_inverse(pd: PointData, lam: Fraction) -> Mat:
    """A_λ = (DDᵀ + λI)⁻¹ at the point's level."""
    return _shifted(pd, lam).inv()


def lm_field(pd: PointData, lam: Fraction) -> Mat:
    """V^λ = −Dᵀ(DDᵀ + λI)⁻¹∇ₓC (K × 1)."""
    return -(pd.D.T @ (lm_inverse(pd, lam) @ pd.grad))


def example_problem() -> tuple[Problem, tuple]:
    """The doc's example: x[θ](u) = u(θ₁ + 2θ₂) + 0·θ₃ on u ∈ {1, 2}, D = [[1, 2, 0],
    [2, 4, 0]] (rank 1, σ = 5); targets y = (−4, 2) at θ = 0 give g = (x − y)/2 = (2, −1)."""
    t1, t2, t3, u = sp.symbols("t1 t2 t3 u")
    expr = sp.Add(u * (t1 + 2 * t2), sp.Mul(0, t3, evaluate=False), evaluate=False)
    prob = Problem(model([expr], [t1, t2, t3], [u], name="lm-example"), [[1], [2]],
                   [[-4], [2]], "l2", name="lm-example-l2")
    return prob, (Fraction(0),) * 3


def check_c16(entry, *, dps: int = 30, level: Level = Level.EXACT, progress=None,
              field_fn: Callable[[PointData, Fraction], Mat] | None = None,
              inv_fn: Callable[[PointData, Fraction], Mat] | None = None,
              n_points: int | None = None, lambdas: Sequence[Fraction] = C16_LAMBDAS,
              rates: bool = True) -> list[Evidence]:
    """C16 at the sample points (field, descent, equilibria, the identities (iii) and (iv))
    and on the doc's exact example (an equilibrium, the rates). See the module docstring."""
    level = Level.parse(level)
    vfn = field_fn or lm_field
    pts = sample_points(entry, _n_random(level, n_points), "C16")
    evs = _run(entry, level, dps, pts, _pointwise_fn(vfn, inv_fn, lambdas), _whats(lambdas))
    return evs + _example(vfn, inv_fn, lambdas) + (_rates(entry, dps, inv_fn) if rates else [])


def _whats(lambdas: Sequence[Fraction]) -> dict[str, str]:
    lst = ", ".join(map(str, lambdas))
    whats = {"same": f"P∇ₓC and V^λ (λ ∈ {{{lst}}}) are all zero or all nonzero: V^λ = 0 ⇔ "
                     f"P∇ₓC = 0 (residual = number whose zeroness differs from P∇ₓC's)"}
    for lam in lambdas:
        whats[f"out_{lam}"] = f"λ = {lam}: x' = D·V^λ equals −DDᵀ(DDᵀ + λI)⁻¹∇ₓC"
        whats[f"dC_{lam}"] = f"λ = {lam}: dC/ds = ∇ₓCᵀDV^λ ≤ 0 (residual = max(dC/ds, 0))"
        whats[f"pinv_{lam}"] = f"λ = {lam}: Dᵀ(G + λI)⁻¹ − D⁺ = −λD⁺(G + λI)⁻¹"
        whats[f"std_{lam}"] = f"λ = {lam}: λDᵀ(G + λI)⁻¹ − Dᵀ = −DᵀG(G + λI)⁻¹"
        whats[f"lib_{lam}"] = (f"λ = {lam}: the library's field parameter_field(·, "
                               f"LevenbergMarquardt(λ)) equals −Dᵀ(DDᵀ + λI)⁻¹∇ₓC computed "
                               f"here")
    return whats


def _inverse(pd: PointData, lam, inv_fn) -> Mat:
    """A_λ = (G + λI)⁻¹, or what ``inv_fn(pd, λ)`` returns when a test supplies a wrong one."""
    return (inv_fn or lm_inverse)(pd, lam)


def _pointwise_fn(vfn, inv_fn, lambdas: Sequence[Fraction]) -> Callable:
    def at(pd):
        D, g = pd.D, pd.grad
        be = backend(pd.level)
        G = D @ D.T
        P = projector(D, pd.dps or 30)
        Dp = pinv(D, pd.dps or 30)
        sg = _f(g.max_abs())
        out, vecs = {}, [("P∇ₓC", P @ g)]
        for lam in lambdas:
            A, V, lb = _inverse(pd, lam, inv_fn), vfn(pd, lam), be.scalar(lam)
            vecs.append((f"V^{lam}", V))
            xdot = D @ V
            out[f"out_{lam}"] = Cmp("zero", xdot, -(G @ (A @ g)))
            out[f"dC_{lam}"] = Cmp("le0", (g.T @ xdot)[0, 0],
                                   scale=sg * sg * (1 + _f(G.max_abs())))
            out[f"pinv_{lam}"] = Cmp("zero", D.T @ A - Dp, -(Dp @ A) * lb)
            out[f"std_{lam}"] = Cmp("zero", (D.T @ A) * lb - D.T, -(D.T @ G @ A))
            out[f"lib_{lam}"] = Cmp("zero", parameter_field(pd, LevenbergMarquardt(lam)),
                                    lm_field(pd, lam))
        out["same"] = Cmp("same", vecs)
        return out

    return at


def _sq_norm(M: Mat):
    """Σ entries² (the squared Frobenius norm; the squared 2-norm for rank ≤ 1)."""
    total = backend(M.level).scalar(0)
    for e in M.entries():
        total = total + e * e
    return total


def _example(vfn, inv_fn, lambdas: Sequence[Fraction]) -> list[Evidence]:
    """The doc's exact example (:func:`example_problem`): the built equilibrium and the rates."""
    prob, theta = example_problem()

    def at(pd):
        D, g = pd.D, pd.grad
        be = backend(pd.level)
        Dp = pinv(D)
        out = {"Pg": Cmp("zero", projector(D) @ g, None)}
        for lam in lambdas:
            V = vfn(pd, lam)
            out[f"V_{lam}"] = Cmp("zero", V, None)
            out[f"dC_{lam}"] = Cmp("zero", (g.T @ (D @ V))[0, 0], None)
        small = [_sq_norm(D.T @ _inverse(pd, lam, inv_fn) - Dp)
                 - be.scalar((lam / (5 * (25 + lam))) ** 2) for lam in SMALL_LAMBDAS]
        large = [_sq_norm((D.T @ _inverse(pd, lam, inv_fn)) * be.scalar(lam) - D.T)
                 - be.scalar((Fraction(125) / (25 + lam)) ** 2) for lam in LARGE_LAMBDAS]
        out["rate_small"] = Cmp("zero", Mat.column(pd.level, small), None)
        out["rate_large"] = Cmp("zero", Mat.column(pd.level, large), None)
        return out

    where = "D = [[1, 2, 0], [2, 4, 0]], g = (2, −1) ∈ ker Dᵀ"
    whats = {"Pg": f"on {where}: Pg = 0 (a built equilibrium)"}
    for lam in lambdas:
        whats[f"V_{lam}"] = f"… V^λ = 0 there at λ = {lam}"
        whats[f"dC_{lam}"] = f"… and dC/ds = 0 there at λ = {lam}"
    whats["rate_small"] = (f"on {where}: ‖Dᵀ(G + λI)⁻¹ − D⁺‖² = (λ/(σ(σ² + λ)))², σ = 5, exactly "
                           f"for λ = 10⁻², …, 10⁻⁸ (rate O(λ) toward V_1)")
    whats["rate_large"] = (f"on {where}: ‖λDᵀ(G + λI)⁻¹ − Dᵀ‖² = (σ³/(σ² + λ))², σ = 5, exactly "
                           f"for λ = 10², …, 10⁸ (rate O(1/λ) toward V_0)")
    evs = _run(None, Level.EXACT, 30, [theta], at, whats, problem=prob, pit=False)
    return [replace(e, key=f"example.{e.key}") for e in evs]


# ---------------------------------------------------------------------------------------------
# the rates as a measurement (mpmath, at θ₀): fitted log–log slopes and constants, closed forms
# ---------------------------------------------------------------------------------------------

def rate_grids(sigma_r, sigma_1) -> tuple[list[Fraction], list[Fraction]]:
    """The λ of the two limits: λ = 10^(e − k) and 10^(e′ + k), k ∈ :data:`RATE_DECADES`, with
    e = min(0, ⌊log₁₀σ_r²⌋) and e′ = max(0, ⌈log₁₀σ_1²⌉). So λ/σ_r² ≤ 10⁻² (resp. σ_1²/λ ≤ 10⁻²)
    on the whole grid: both are in their asymptotic regimes (e = e′ = 0 is the grid 10^∓2, …,
    10^∓8 of docs/theory.md §7)."""
    e = min(0, int(mpmath.floor(mpmath.log10(sigma_r ** 2))))
    e1 = max(0, int(mpmath.ceil(mpmath.log10(sigma_1 ** 2))))
    return ([Fraction(10) ** (e - k) for k in RATE_DECADES],
            [Fraction(10) ** (e1 + k) for k in RATE_DECADES])


def _two_norm(M: Mat):
    """‖M‖₂ = σ_max(M) (mpmath SVD; M at mpmath level)."""
    S = mpmath.svd_r(M.data, compute_uv=False)
    return max(abs(S[i]) for i in range(len(S)))


def _loglog_fit(lams: Sequence[Fraction], vals: Sequence, p: int) -> tuple:
    """Least squares on a log–log scale: (a, C) with a the slope of log v = a·log λ + b (free)
    and C = exp(mean(log v − p·log λ)), the constant of v ≈ Cλᵖ with the exponent fixed at its
    derived value ``p`` (so C does not depend on where log λ = 0 lies); (None, None) if some
    v ≤ 0 (no logarithm)."""
    if any(not v > 0 for v in vals):
        return None, None
    a, xm, ym = _line_fit([mpmath.log(_mp(lam)) for lam in lams], [mpmath.log(v) for v in vals])
    return a, mpmath.exp(ym - p * xm)


def rate_data(prob: Problem, theta, work: int, inv_fn=None) -> dict:
    """At θ, mpmath at ``work`` digits: σ_r, σ_1 from the SVD of D (``rank_info``, independent of
    the norms), the grids (:func:`rate_grids`), ‖Dᵀ(G + λI)⁻¹ − D⁺‖₂ (``small``) and
    ‖λDᵀ(G + λI)⁻¹ − Dᵀ‖₂ (``large``), their closed forms λ/(σ_r(σ_r² + λ)) and
    σ_1³/(σ_1² + λ), and the log–log fits (slope, constant). ``{"rank": 0}`` for D = 0."""
    with working_precision(work):
        pd = prob.at(theta, Level.MPMATH, work)
        info = rank_info(pd.D, work)
        if info.rank == 0:
            return {"rank": 0}
        sv = sorted(info.singular_values, reverse=True)
        s1, sr = sv[0], sv[info.rank - 1]
        lo, hi = rate_grids(sr, s1)
        D, Dp, be = pd.D, pinv(pd.D, work), backend(pd.level)
        small = [_two_norm(D.T @ _inverse(pd, lam, inv_fn) - Dp) for lam in lo]
        large = [_two_norm((D.T @ _inverse(pd, lam, inv_fn)) * be.scalar(lam) - D.T)
                 for lam in hi]
        c_small = [_mp(lam) / (sr * (sr ** 2 + _mp(lam))) for lam in lo]
        c_large = [s1 ** 3 / (s1 ** 2 + _mp(lam)) for lam in hi]
        return dict(rank=info.rank, sigma_r=sr, sigma_1=s1, lo=lo, hi=hi, small=small,
                    large=large, c_small=c_small, c_large=c_large,
                    fit_small=_loglog_fit(lo, small, 1),
                    fit_large=_loglog_fit(hi, large, -1))


def _rate_residuals(d: dict) -> dict:
    """The residual of each rate comparison (``inf`` where a fit had a zero norm): |a − 1|,
    |eᵇσ_r³ − 1|, |a + 1|, |eᵇ/σ_1³ − 1|, and max_λ |norm/closed form − 1| on each side."""
    inf = mpmath.inf
    (a_s, c_s), (a_l, c_l) = d["fit_small"], d["fit_large"]

    def rel(vals, refs):
        return max(abs(v / r - 1) for v, r in zip(vals, refs))

    return {"slope_small": inf if a_s is None else abs(a_s - 1),
            "const_small": inf if c_s is None else abs(c_s * d["sigma_r"] ** 3 - 1),
            "slope_large": inf if a_l is None else abs(a_l + 1),
            "const_large": inf if c_l is None else abs(c_l / d["sigma_1"] ** 3 - 1),
            "closed_small": rel(d["small"], d["c_small"]),
            "closed_large": rel(d["large"], d["c_large"])}


_RATE_WHATS = {
    "slope_small": ("λ → 0: the log–log slope of ‖Dᵀ(G + λI)⁻¹ − D⁺‖₂, fitted by least squares, "
                    "is 1 (rate O(λ) toward V_1; residual |slope − 1|)"),
    "const_small": ("λ → 0: the fitted constant of ‖Dᵀ(G + λI)⁻¹ − D⁺‖₂ ≈ Cλ is 1/σ_r³ (σ_r "
                    "from the SVD of D; residual |C·σ_r³ − 1|)"),
    "slope_large": ("λ → ∞: the log–log slope of ‖λDᵀ(G + λI)⁻¹ − Dᵀ‖₂, fitted by least "
                    "squares, is −1 (rate O(1/λ) toward V_0; residual |slope + 1|)"),
    "const_large": ("λ → ∞: the fitted constant of ‖λDᵀ(G + λI)⁻¹ − Dᵀ‖₂ ≈ C/λ is σ_1³ "
                    "(residual |C/σ_1³ − 1|)"),
    "closed_small": ("‖Dᵀ(G + λI)⁻¹ − D⁺‖₂ = λ/(σ_r(σ_r² + λ)) at every λ of the grid "
                     "(residual max relative difference)"),
    "closed_large": ("‖λDᵀ(G + λI)⁻¹ − Dᵀ‖₂ = σ_1³/(σ_1² + λ) at every λ of the grid (residual "
                     "max relative difference)"),
}


def _rate_tolerances(dps: int) -> dict:
    """The measurements' tolerances (:data:`SLOPE_TOLERANCE`, :data:`CONSTANT_TOLERANCE`) and
    the closed forms' (relative, the pointwise rule 10^(GUARD − dps))."""
    slope, const, closed = (_mp(SLOPE_TOLERANCE), _mp(CONSTANT_TOLERANCE),
                            _tol.pointwise_mpf(dps))
    return {"slope_small": slope, "const_small": const, "slope_large": slope,
            "const_large": const, "closed_small": closed, "closed_large": closed}


def _rate_details(d: dict, key: str, tol, work: int, r2) -> dict:
    """What one rate evidence reports: the measurement (fitted, expected, tolerance) or the
    closed form, σ_r, σ_1, rank, the grid and the norms, the precisions."""
    side = "small" if key.endswith("small") else "large"
    a, c = d[f"fit_{side}"]
    expected = {"slope_small": 1, "slope_large": -1,
                "const_small": _n(1 / d["sigma_r"] ** 3, 12),
                "const_large": _n(d["sigma_1"] ** 3, 12)}
    det = {"sigma_r": _n(d["sigma_r"], 12), "sigma_1": _n(d["sigma_1"], 12), "rank": d["rank"],
           "lambdas": [str(lam) for lam in d["lo" if side == "small" else "hi"]],
           "norms": [_n(v, 12) for v in d[side]], "work_dps": work,
           "confirm_dps": work + CONFIRM_EXTRA_DPS, "confirm_residual": _n(r2, 5)}
    if key.startswith("closed"):
        return {"kind": "zero", **det}
    fitted = a if key.startswith("slope") else c
    return {"kind": "measurement", "fitted": _n(fitted, 12), "expected": expected[key],
            "tolerance": _n(tol, 3), **det}


def _rate_digits(prob: Problem, theta, dps: int) -> int:
    """dps + :data:`RATE_EXTRA_DPS`, plus log₁₀κ (κ = (σ_1/σ_r)², from a first SVD of D at
    that precision) beyond the 5 digits the extra ones already absorb: D⁺ and (G + λI)⁻¹ lose
    log₁₀κ digits, the norms' cancellation ~9 more."""
    work = dps + RATE_EXTRA_DPS
    with working_precision(work):
        info = rank_info(prob.at(theta, Level.MPMATH, work).D, work)
        if info.rank == 0:
            return work
        sv = sorted(info.singular_values, reverse=True)
        digits = int(mpmath.ceil(2 * mpmath.log10(sv[0] / sv[info.rank - 1])))
    return work + max(0, digits - 5)


def _rates(entry, dps: int, inv_fn=None) -> list[Evidence]:
    """The rates at θ₀ as mpmath evidence, computed at dps + :data:`RATE_EXTRA_DPS` digits and
    again :data:`~symflow.backends.tolerance.CONFIRM_EXTRA_DPS` digits higher: verified iff both
    residuals are within tolerance, refuted iff both exceed it, else inconclusive."""
    prob, theta = entry.problem, entry.theta0
    work = _rate_digits(prob, theta, dps)
    d1 = rate_data(prob, theta, work, inv_fn)
    if d1["rank"] == 0:
        return [Evidence(Level.MPMATH, "the rates of C16 (iii)–(iv)", None, None,
                         Status.INCONCLUSIVE, work, {"rank": 0}, key="rate",
                         reason=Reason.HYPOTHESIS, why="D = 0 at θ₀: no positive singular value")]
    d2 = rate_data(prob, theta, work + CONFIRM_EXTRA_DPS, inv_fn)
    tols = _rate_tolerances(dps)
    with working_precision(work):   # the relative residuals at the digits they were computed
        r1 = _rate_residuals(d1)
    with working_precision(work + CONFIRM_EXTRA_DPS):
        r2 = _rate_residuals(d2)
    out = []
    for key, what in _RATE_WHATS.items():
        lo, hi = min(r1[key], r2[key]), max(r1[key], r2[key])
        # max ≤ tol: both runs within; min > tol (the re-run): both exceed — refuted
        out.append(_ev(f"rate.{key}", f"at θ₀: {what}", hi, tols[key], work,
                       details=_rate_details(d1, key, tols[key], work, r2[key]),
                       rerun=lambda lo=lo, t=tols[key]: (lo, t)))
    return out


claim_check("C16")(check_c16)


if __name__ == "__main__":
    from ._main import main

    raise SystemExit(main("C16"))
