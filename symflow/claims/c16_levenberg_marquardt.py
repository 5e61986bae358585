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

Checks (:func:`check_c16`), for λ ∈ {1/10, 1, 10} (exact rationals):

``out_λ``, ``dC_λ``, ``same``, ``pinv_λ``, ``std_λ`` (sample points; exact for rational
    networks, balls otherwise)
    D·V^λ = −GA_λg; gᵀDV^λ ≤ 0; Pg and every V^λ all zero or all nonzero; the identities of
    (iii) (D⁺ = ``pinv(D)``) and (iv).
``example.*`` (exact, the doc's example: x[θ](u) = u(θ₁ + 2θ₂) + 0·θ₃ on u ∈ {1, 2}, so
    D = [[1, 2, 0], [2, 4, 0]], rank 1, σ_r = σ_1 = 5; L2 targets y = (−4, 2) at θ = 0, so
    g = (2, −1) ∈ ker Dᵀ)
    the built equilibrium: Pg = 0 and V^λ = 0, dC/ds = 0; and the rates *exactly*: for
    λ = 10^{−2}, …, 10^{−8} the squared norm of Dᵀ(G + λI)⁻¹ − D⁺ (rank 1, so its Frobenius
    norm is its 2-norm) equals (λ/(5(25 + λ)))², and for λ = 10², …, 10⁸ the squared norm of
    λDᵀ(G + λI)⁻¹ − Dᵀ equals (125/(25 + λ))² — exact evidence of the O(λ) and O(1/λ) limits.

The LM field has no library implementation: :func:`lm_field` computes it from ``D``, ``grad``
and the backend's inverse. ``field_fn(pd, λ)`` replaces the field and ``inv_fn(M)`` the inverse
of G + λI (tests feed wrong ones).
"""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction
from typing import Callable, Sequence

import sympy as sp

from ..backends import backend
from ..backends.levels import Level
from ..backends.linalg import Mat, eye, pinv, projector
from ..core.models import model
from ..core.problem import PointData, Problem
from .evidence import Evidence
from .judge import Cmp, _f, _run
from .registry import claim_check, register
from .sampling import _n_random, sample_points

__all__ = ["C16_LAMBDAS", "lm_field", "lm_inverse", "example_problem", "check_c16"]

C16_LAMBDAS = (Fraction(1, 10), Fraction(1), Fraction(10))
SMALL_LAMBDAS = tuple(Fraction(1, 10 ** k) for k in range(2, 9))
LARGE_LAMBDAS = tuple(Fraction(10 ** k) for k in range(2, 9))

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
              inv_fn: Callable[[Mat], Mat] | None = None,
              n_points: int | None = None, lambdas: Sequence[Fraction] = C16_LAMBDAS
              ) -> list[Evidence]:
    """C16 at the sample points (field, descent, equilibria, the identities (iii) and (iv))
    and on the doc's exact example (an equilibrium, the rates). See the module docstring."""
    level = Level.parse(level)
    vfn = field_fn or lm_field
    pts = sample_points(entry, _n_random(level, n_points), "C16")
    evs = _run(entry, level, dps, pts, _pointwise_fn(vfn, inv_fn, lambdas), _whats(lambdas))
    return evs + _example(vfn, inv_fn, lambdas)


def _whats(lambdas: Sequence[Fraction]) -> dict[str, str]:
    lst = ", ".join(map(str, lambdas))
    whats = {"same": f"P∇ₓC and V^λ (λ ∈ {{{lst}}}) are all zero or all nonzero: V^λ = 0 ⇔ "
                     f"P∇ₓC = 0 (residual = number whose zeroness differs from P∇ₓC's)"}
    for lam in lambdas:
        whats[f"out_{lam}"] = f"λ = {lam}: x' = D·V^λ equals −DDᵀ(DDᵀ + λI)⁻¹∇ₓC"
        whats[f"dC_{lam}"] = f"λ = {lam}: dC/ds = ∇ₓCᵀDV^λ ≤ 0 (residual = max(dC/ds, 0))"
        whats[f"pinv_{lam}"] = f"λ = {lam}: Dᵀ(G + λI)⁻¹ − D⁺ = −λD⁺(G + λI)⁻¹"
        whats[f"std_{lam}"] = f"λ = {lam}: λDᵀ(G + λI)⁻¹ − Dᵀ = −DᵀG(G + λI)⁻¹"
    return whats


def _inverse(pd: PointData, lam: Fraction, inv_fn) -> Mat:
    """A_λ, inverted by ``inv_fn`` when a test supplies one."""
    return lm_inverse(pd, lam) if inv_fn is None else inv_fn(_shifted(pd, lam))


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


claim_check("C16")(check_c16)


if __name__ == "__main__":
    from ._main import main

    raise SystemExit(main("C16"))
