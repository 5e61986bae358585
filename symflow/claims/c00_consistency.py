"""Claim C0: symflow's own consistency — the premises every other claim silently relies on.

C1–C5 and C9 are identities in *whatever* D and ∇ₓC they are handed: a wrong backpropagation
or a doubled L2 gradient passes them. C0 compares each library object with an independent
computation of the same mathematical quantity, on every catalogue problem.

``D_vs_diff`` — D = ∂x/∂θ
    ``problem.at(θ, level).D`` (layer-wise backpropagation, :mod:`symflow.core.networks`) against
    SymPy's ``diff`` of the forward-pass expressions ``problem.outputs`` (no backpropagation
    code involved; :mod:`symflow.reference.jacobian`), evaluated at the same point by a small
    tree evaluator (:func:`~symflow.reference.expressions.evaluate_expr`, memoised over shared
    subexpressions) in the arithmetic of the level:

    exact (rational networks)
        fmpq arithmetic at θ(0) and two random points of S^K (S = {k/2¹⁶ : |k| ≤ 2¹⁶},
        :func:`~symflow.claims.sampling.sample_points`); verified iff every entry agrees
        exactly. (If both sides are polynomials of degree ≤ δ, a false identity survives a
        uniform random point with probability ≤ δ/|S|: recorded as ``pit``.)
    ball (transcendental networks)
        Arb balls at 2·dps working digits at θ(0) and one random point: the residual is a
        certified upper bound of max|D_bp − D_diff|. Refuted iff some difference ball excludes
        0 (a proof), verified iff the bound ≤ ``tolerance.pointwise("ball", dps, max|D|)``,
        else inconclusive. No finite-difference error enters: the derivative is exact
        (symbolic) and only its evaluation is rounded, rigorously enclosed.
    mpmath / float64 (forced weaker level)
        the same at ``dps`` and ``dps + CONFIRM_EXTRA_DPS`` (mpmath: verified iff both
        residuals are within their tolerances, refuted iff both exceed the first), or float64
        D against the symbolic D at ``dps`` digits.

``grad_vs_cost`` — ∇ₓC = ∂C/∂x as a symbolic identity (level exact)
    ``problem.grad_expr[i] − diff(problem.cost_expr, x_i)`` must simplify to 0: first by
    ``expand``, then (cross-entropy) with x_i = log u_i, u_i > 0, and ``cancel`` — after
    differentiation every entry is a rational function of the u_i, so ``cancel`` is a
    decision procedure. An entry that does not reduce to 0 is *refuted* only with a witness:
    a rational point x where the difference, evaluated in exact or ball arithmetic, is
    certainly nonzero (otherwise inconclusive).

``grad_at_point``, ``cost_at_point`` — the numeric loss code
    at θ(0), at the check's level: ``pd.grad`` and ``pd.cost`` of :meth:`Problem.at` (the
    numeric branch of :mod:`symflow.core.losses`, e.g. the max-shifted softmax) against
    ``diff(cost_expr, x)`` and ``cost_expr`` evaluated at ``pd.x``; rules as for
    ``D_vs_diff``.

``integrator_*``, ``compiled_*`` — one evaluator (level mpmath)
    :class:`~symflow.flows.FixedPointField`, the fixed-point integer evaluator that
    :func:`~symflow.flows.integrate` actually integrates (``arith="mpmath"``), and
    :class:`~symflow.core.fields.CompiledField` (``arith="mpmath"``; the same code serves the float64
    integrator and ``Trajectory.outputs_at``), against :meth:`Problem.at` plus
    :func:`~symflow.core.fields.parameter_field` at θ(0) and one random point. For FixedPointField:

    ``integrator_outputs``        x[θ]
    ``integrator_ntk``            DDᵀ (FixedPointField never forms D; the library does)
    ``integrator_field_standard`` V_0 = −Dᵀ∇ₓC
    ``integrator_field``          the adapted field (``rank_loss="stop"``: LDLᵀ solve with G)
                                  against −D⁺∇ₓC (library: SVD of D) — only at points where
                                  DDᵀ is invertible (numerical rank of the reference DDᵀ = QN)
    ``integrator_field_quarter``  V_{1/4} = −Dᵀ((3/4)g + (1/4)(DDᵀ)⁻¹g), same points
    ``integrator_line_field``     ``line_field(θ, w)`` = D⁺w (C6's field in the time t) for
                                  w = −g, against −D⁺g (library), same points
    ``integrator_field_pinv``, ``integrator_field_quarter_pinv``, ``integrator_line_field_pinv``
                                  at points where rank D < QN: the ``rank_loss="pinv"``
                                  evaluator (the constrained flow of C7) against the library's
                                  pseudo-inverse fields. (If the evaluator's LDLᵀ meets a
                                  pivot ≤ 0 where the reference finds rank QN, the field
                                  comparison is inconclusive, reason ``numerics``.)

    For CompiledField the same field keys with the prefix ``compiled_`` (``compiled_line_field``
    compares ``pinv_apply``); its outputs and D come from the library's own evaluator, so
    only its field algebra (LDLᵀ ``spd_solve`` or the ``pinv`` branch) is under test.

    The evaluator runs at ``dps`` digits (``mpmath.workdps(dps)``; it adds its own 40 guard
    bits), the reference at ``dps + CONFIRM_EXTRA_DPS``; the confirming re-run at
    ``dps + CONFIRM_EXTRA_DPS`` against a reference at ``dps + 2·CONFIRM_EXTRA_DPS``.
    Tolerance ``tolerance.pointwise("mpmath", dps, scale)`` with scale = max|x|, max|G|,
    max|D|·max|g| (standard field), and κ·max|D|·max|G⁺g| for the fields through an inverse,
    κ = λ_max/λ_min of DDᵀ on its range (recorded as ``kappa``): the solve amplifies the
    rounding of G by κ. Verified iff both runs are within their tolerances, refuted iff both
    exceed the first, else inconclusive (reason ``precision``).

Every tolerance that is not small against the magnitude of what is compared
(:func:`~symflow.backends.tolerance.too_loose`) turns a pass into an inconclusive comparison.

**What is independent of what.** ``problem.outputs`` and :meth:`Problem.at` share the forward
pass of :meth:`MLP.evaluate`, so ``D_vs_diff`` tests the backpropagation (and σ') only; a wrong
forward pass shows in ``integrator_outputs`` (FixedPointField has its own). FixedPointField
computes the L2 gradient itself ((x − y)/N) but calls the library's cross-entropy gradient, so
a wrong L2 gradient also shows in the ``integrator_field*`` keys. The float64 backpropagation
(:meth:`MLP.evaluate_float64`) is compared only when ``level="float64"`` is forced.

**Where the code is.** This module declares C0 and contributes its checks, in this order:
:func:`~symflow.claims.c00.jacobian.check_jacobian` (``D_vs_diff``),
:func:`~symflow.claims.c00.gradient.check_gradient` (``grad_vs_cost``, ``grad_at_point``,
``cost_at_point``), :func:`~symflow.claims.c00.integrator.check_integrator` (``integrator_*``,
``compiled_*``) and :func:`~symflow.claims.c00.judges.check_judges` (``judge_canaries``); the
rules above are :func:`symflow.claims.c00.compare._judge`. The independent computations they
compare with are the deliberate second implementations of :mod:`symflow.reference`:
``jacobian`` (∂x/∂θ), ``gradients`` (∂C/∂x and C), ``expressions`` (their evaluator) and
``spectrum`` (rank and κ of DDᵀ for the integrator comparisons).
"""

from __future__ import annotations

from ..reference.expressions import evaluate_expr
from ..reference.jacobian import symbolic_jacobian
from .c00.compare import BALL_WORK_FACTOR, N_RANDOM_EXACT, N_RANDOM_NUMERIC
from .c00.gradient import check_gradient
from .c00.integrator import check_integrator
from .c00.jacobian import check_jacobian
from .c00.judges import check_judges
from .registry import claim_check, register

__all__ = ["evaluate_expr", "symbolic_jacobian", "check_jacobian", "check_gradient",
           "check_integrator", "BALL_WORK_FACTOR", "N_RANDOM_EXACT", "N_RANDOM_NUMERIC"]

register("C0", "symflow self-consistency: D = ∂x/∂θ, ∇ₓC = ∂C/∂x, one evaluator",
         "The library's Jacobian D (backpropagation) equals SymPy's derivative of its forward "
         "pass x[θ]; its ∇ₓC equals the derivative of its cost C[x]; and the integrator's "
         "evaluator (FixedPointField) gives the same outputs, NTK DDᵀ and parameter fields as "
         "Problem.at with symflow.core.fields.parameter_field.",
         "(internal: the premises of C1–C17)", applies=lambda entry: True)


claim_check("C0")(check_jacobian)
claim_check("C0")(check_gradient)
claim_check("C0")(check_integrator)
claim_check("C0")(check_judges)


if __name__ == "__main__":
    from ._main import main

    raise SystemExit(main("C0"))
