"""Claim C0: symflow's own consistency — the premises every other claim silently relies on.

C1–C5 and C9 are identities in *whatever* D and ∇ₓC they are handed: a wrong backpropagation
or a doubled L2 gradient passes them. C0 compares each library object with an independent
computation of the same mathematical quantity, on every catalogue problem.

``D_vs_diff`` — D = ∂x/∂θ
    ``problem.at(θ, level).D`` (layer-wise backpropagation, :mod:`symflow.core.networks`) against
    SymPy's ``diff`` of the forward-pass expressions ``problem.outputs`` (no backpropagation
    code involved), evaluated at the same point by a small tree evaluator (:func:`evaluate_expr`,
    memoised over shared subexpressions) in the arithmetic of the level:

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
"""

from __future__ import annotations

import weakref
from fractions import Fraction
from typing import Any, Callable, Sequence

import flint
import mpmath
import sympy as sp

from ..core.activations import _ipow
from ..backends.arith import get_arith, working_precision
from ..errors import RankError
from .evidence import Evidence, Level, Reason, Status, combine_status
from ..core.fields import CompiledField, parameter_field
from ..flows import FixedPointField
from ..backends.linalg import Mat
from ..backends import tolerance as _tolerance
from ..backends.tolerance import CONFIRM_EXTRA_DPS, FLOAT64_REFUTE, RULES, pointwise, too_loose
from . import sampling as _sampling
from .sampling import sample_points
from .registry import claim_check, register

__all__ = ["evaluate_expr", "symbolic_jacobian", "check_jacobian", "check_gradient",
           "check_integrator", "BALL_WORK_FACTOR", "N_RANDOM_EXACT", "N_RANDOM_NUMERIC"]

#: Arb working digits per requested digit (radii grow along the forward pass).
BALL_WORK_FACTOR = 2
#: Random points (besides θ(0)) for ``D_vs_diff`` at the exact level and at the other levels.
N_RANDOM_EXACT = 2
N_RANDOM_NUMERIC = 1
#: Random points (besides θ(0)) of the integrator comparisons.
N_RANDOM_INTEGRATOR = 1

register("C0", "symflow self-consistency: D = ∂x/∂θ, ∇ₓC = ∂C/∂x, one evaluator",
         "The library's Jacobian D (backpropagation) equals SymPy's derivative of its forward "
         "pass x[θ]; its ∇ₓC equals the derivative of its cost C[x]; and the integrator's "
         "evaluator (FixedPointField) gives the same outputs, NTK DDᵀ and parameter fields as "
         "Problem.at with symflow.core.fields.parameter_field.",
         "(internal: the premises of C1–C17)", applies=lambda entry: True)


# ---------------------------------------------------------------------------------------------
# evaluating SymPy expressions in a level's arithmetic
# ---------------------------------------------------------------------------------------------

_FN_NAMES = {sp.exp: "exp", sp.log: "log", sp.tanh: "tanh", sp.sin: "sin", sp.cos: "cos",
             sp.sinh: "sinh", sp.cosh: "cosh", sp.atan: "atan"}


def evaluate_expr(expr: sp.Expr, env: dict, ar, memo: dict | None = None) -> Any:
    """The value of the SymPy expression ``expr`` with symbols valued by ``env``, computed in
    the arithmetic ``ar`` (:mod:`symflow.backends.arith`: exact fmpq, Arb balls, mpmath).

    ``memo`` caches subexpressions (share it across the entries of one point).

    >>> from symflow.backends.arith import get_arith
    >>> a, b = sp.symbols("a b")
    >>> evaluate_expr((a + 1) ** 2 / b - sp.Rational(1, 3), {a: flint.fmpq(1, 2), b: flint.fmpq(3)},
    ...               get_arith("exact"))
    5/12
    """
    memo = {} if memo is None else memo
    return _ev(sp.sympify(expr), env, ar, memo)


def _ev(e, env, ar, memo):
    try:
        return memo[e]
    except KeyError:
        pass
    if e.is_Symbol:
        v = env[e]
    elif e.is_Rational:
        v = ar.const(int(e.p), int(e.q))
    elif e is sp.E:
        v = ar.fn("exp")(ar.const(1, 1))
    elif e.is_Add or e.is_Mul:
        vals = [_ev(a, env, ar, memo) for a in e.args]
        v = vals[0]
        for w in vals[1:]:
            v = v + w if e.is_Add else v * w
    elif e.is_Pow:
        base = _ev(e.base, env, ar, memo)
        ex = e.exp
        if ex.is_Integer:
            n = int(ex)
            v = _ipow(base, n) if n >= 0 else ar.const(1, 1) / _ipow(base, -n)
        elif ex == sp.Rational(1, 2):
            v = ar.fn("sqrt")(base)
        elif ex == sp.Rational(-1, 2):
            v = ar.const(1, 1) / ar.fn("sqrt")(base)
        else:
            raise ValueError(f"cannot evaluate the power {e} (integer or ±1/2 exponents only)")
    elif isinstance(e, sp.Max) and len(e.args) == 2 and sp.S.Zero in e.args:
        other = e.args[0] if e.args[1] == 0 else e.args[1]
        v = ar.fn("max0")(_ev(other, env, ar, memo))
    elif isinstance(e, sp.Heaviside):
        z = _ev(e.args[0], env, ar, memo)
        if len(e.args) > 1 and e.args[1] != 0:
            raise ValueError(f"cannot evaluate {e}: only Heaviside(·, 0) is supported")
        v = ar.fn("step")(z)
    elif isinstance(e, sp.Function) and type(e) in _FN_NAMES and len(e.args) == 1:
        v = ar.fn(_FN_NAMES[type(e)])(_ev(e.args[0], env, ar, memo))
    else:
        raise ValueError(f"cannot evaluate {e!r} (type {type(e).__name__}) in arithmetic "
                         f"{ar.name!r}")
    memo[e] = v
    return v


def _arith_of(level: Level):
    return get_arith({Level.EXACT: "exact", Level.BALL: "ball", Level.MPMATH: "mpmath",
                      Level.FLOAT64: "mpmath"}[level])


def _scalar_of(q: Fraction, ar):
    q = Fraction(q)
    return ar.const(q.numerator, q.denominator)


# SymPy's derivative of the forward pass, once per Problem (weakly keyed: a fresh Problem, as
# the tests build, gets a fresh derivative).
_JAC_CACHE: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def symbolic_jacobian(problem) -> list[list[sp.Expr]]:
    """∂x_i/∂θ_k by SymPy's ``diff`` of ``problem.outputs`` (QN rows of K expressions)."""
    try:
        return _JAC_CACHE[problem]
    except (KeyError, TypeError):
        pass
    X = problem.outputs
    J = [[sp.diff(X[i, 0], th) for th in problem.params] for i in range(problem.QN)]
    try:
        _JAC_CACHE[problem] = J
    except TypeError:  # pragma: no cover - Problem is weak-referenceable
        pass
    return J


def _output_degree(problem) -> int | None:
    """Total degree of x[θ] for a polynomial activation (else None): z⁽¹⁾ has degree 1 and a
    hidden layer maps d to a·d + 1."""
    act = problem.network.activation
    z = list(act.expr.free_symbols)
    if len(z) != 1 or not act.expr.is_polynomial(z[0]):
        return None
    a = sp.Poly(act.expr, z[0]).degree()
    d = 1
    for _ in range(problem.network.depth - 1):
        d = a * d + 1
    return d


# ---------------------------------------------------------------------------------------------
# judging a list of differences at one level
# ---------------------------------------------------------------------------------------------

def _mag(v) -> Any:
    """|v| as an exact Fraction, a float-ish upper bound (arb) or mpf/float."""
    if isinstance(v, flint.fmpq):
        return abs(Fraction(int(v.p), int(v.q)))
    if isinstance(v, flint.arb):
        u = v.abs_upper()
        return mpmath.mpf(u.mid().str(20, radius=False)) + mpmath.mpf(u.rad().str(5, radius=False))
    if isinstance(v, (int, Fraction)):
        return abs(Fraction(v))
    return abs(v)


def _maxmag(vals) -> Any:
    vals = list(vals)
    if not vals:
        return 0
    return max((_mag(v) for v in vals), key=lambda m: mpmath.mpf(m.numerator) / m.denominator
               if isinstance(m, Fraction) else mpmath.mpf(m))


def _fl(x) -> Any:
    """A scale as a float (Fractions) or mpf."""
    if isinstance(x, Fraction):
        return float(x)
    return x


class _Outcome:
    __slots__ = ("status", "residual", "tol", "confirm", "reason", "why")

    def __init__(self, status, residual, tol, confirm=None, reason=None, why=""):
        self.status, self.residual, self.tol = status, residual, tol
        self.confirm, self.reason, self.why = confirm, reason, why


def _judge(level: Level, dps: int, diffs: Sequence, scale: Any, magnitude: Any,
           diffs2: Sequence | None = None) -> _Outcome:
    """One comparison (differences ``diffs``; ``diffs2`` at the confirming precision for
    mpmath) by the rules of :mod:`symflow.backends.tolerance`."""
    if level is Level.EXACT:
        r = _maxmag(diffs)
        st = Status.VERIFIED if r == 0 else Status.REFUTED
        return _Outcome(st, r, 0)
    tol = pointwise(level, dps, _fl(scale))
    if level is Level.BALL:
        r = _maxmag(diffs)
        nonzero = any(not d.contains(0) for d in diffs)
        with mpmath.workdps(max(dps, 15) + 5):
            tol_arb = flint.arb(mpmath.nstr(tol, dps + 5))
        certain_le = all(d.abs_upper() <= tol_arb for d in diffs)
        if nonzero:
            out = _Outcome(Status.REFUTED, r, tol)
        elif certain_le:
            out = _Outcome(Status.VERIFIED, r, tol)
        else:
            out = _Outcome(Status.INCONCLUSIVE, r, tol, reason=Reason.NUMERICS,
                           why="the certified bound exceeds the tolerance but every ball "
                               "contains 0: undecided at this precision")
    elif level is Level.FLOAT64:
        r = float(_maxmag(diffs))
        s = max(1.0, float(scale))
        if r <= tol:
            out = _Outcome(Status.VERIFIED, r, tol)
        elif r > FLOAT64_REFUTE * s:
            out = _Outcome(Status.REFUTED, r, tol)
        else:
            out = _Outcome(Status.INCONCLUSIVE, r, tol, reason=Reason.NUMERICS,
                           why=f"float64 residual {r:.3g} between the tolerance and "
                               f"{FLOAT64_REFUTE:g}·max(1, scale)")
    else:
        r1 = _maxmag(diffs)
        r2 = _maxmag(diffs2) if diffs2 is not None else None
        tol2 = pointwise(level, dps + CONFIRM_EXTRA_DPS, _fl(scale))
        if r2 is None:
            st = Status.VERIFIED if r1 <= tol else Status.INCONCLUSIVE
            out = _Outcome(st, r1, tol, reason=None if st is Status.VERIFIED else
                           Reason.PRECISION, why="" if st is Status.VERIFIED else
                           "residual above tolerance, no confirming re-run")
        elif r1 <= tol and r2 <= tol2:
            out = _Outcome(Status.VERIFIED, r1, tol, r2)
        elif r1 > tol and r2 > tol:
            out = _Outcome(Status.REFUTED, r1, tol, r2)
        else:
            out = _Outcome(Status.INCONCLUSIVE, r1, tol, r2, Reason.PRECISION,
                           f"residual {mpmath.nstr(r1, 3)} (dps {dps}) and "
                           f"{mpmath.nstr(r2, 3)} (dps {dps + CONFIRM_EXTRA_DPS}) disagree "
                           f"with tolerance {mpmath.nstr(tol, 3)}")
    if out.status is Status.VERIFIED:
        loose = too_loose(out.tol, _fl(magnitude))
        if loose is not None:
            out = _Outcome(Status.INCONCLUSIVE, out.residual, out.tol, out.confirm,
                           Reason.TOLERANCE, loose)
    return out


def _evidence(key: str, what: str, level: Level, dps: int | None, outcomes: list[_Outcome],
              details: dict, kappa: Any = None) -> Evidence:
    """One Evidence from the per-point outcomes: worst status, largest residual/tolerance."""
    if not outcomes:
        return Evidence(level, what + " — no point to compare", None, None, Status.INCONCLUSIVE,
                        dps, details, key=key, reason=Reason.HYPOTHESIS,
                        why="no sample point satisfied the comparison's hypothesis")
    num = lambda v: mpmath.mpf(v.numerator) / v.denominator if isinstance(v, Fraction) \
        else mpmath.mpf(v)  # noqa: E731
    rs = [o.residual for o in outcomes if o.residual is not None]
    ts = [o.tol for o in outcomes if o.tol is not None]
    res = max(rs, key=num) if rs else None
    tol = max(ts, key=num) if ts else None
    st = combine_status(o.status for o in outcomes)
    det = dict(details)
    det["tolerance_rule"] = RULES.get(level.value, "")
    det["per_point_residual"] = [str(o.residual) for o in outcomes]
    if any(o.confirm is not None for o in outcomes):
        det["confirm_dps"] = (dps or 0) + CONFIRM_EXTRA_DPS
        det["confirm_residual"] = str(max((o.confirm for o in outcomes if o.confirm is not None),
                                          key=num))
    reason, why = None, ""
    if st is Status.INCONCLUSIVE:
        o = next(o for o in outcomes if o.status is Status.INCONCLUSIVE)
        reason, why = o.reason or Reason.NUMERICS, o.why
    return Evidence(level, what, res, tol, st, dps, det, key=key, reason=reason, why=why,
                    kappa=kappa)


def _flat(M: Mat) -> list:
    if M.level is Level.FLOAT64:
        return [float(v) for v in M.data.reshape(-1)]
    return M.entries()


# ---------------------------------------------------------------------------------------------
# 1. D against SymPy's derivative of the forward pass
# ---------------------------------------------------------------------------------------------

def check_jacobian(entry, *, dps: int = 30, level: Level = Level.EXACT, progress=None,
                   n_points: int | None = None,
                   jacobian_fn: Callable[[Any, Sequence, Level, int], Mat] | None = None
                   ) -> list[Evidence]:
    """``D_vs_diff``: ``problem.at(θ, level).D`` against ``diff(problem.outputs, θ)``.

    ``jacobian_fn(problem, θ, level, dps) -> Mat`` replaces the library's D (tests)."""
    level = Level.parse(level)
    prob = entry.problem
    n = n_points if n_points is not None else (
        N_RANDOM_EXACT if level is Level.EXACT else N_RANDOM_NUMERIC)
    pts = sample_points(entry, n, "C0-D")
    J = symbolic_jacobian(prob)
    work = BALL_WORK_FACTOR * dps if level is Level.BALL else dps
    jfn = jacobian_fn or (lambda p, th, lv, d: p.at(th, lv, d).D)

    def sym_D(th, digits):
        ar = _arith_of(level)
        with working_precision(digits):
            env = {s: _scalar_of(v, ar) for s, v in zip(prob.params, th)}
            memo: dict = {}
            return [evaluate_expr(e, env, ar, memo) for row in J for e in row]

    outcomes = []
    for th in pts:
        Dl = _flat(jfn(prob, th, level, work))
        Ds = sym_D(th, work)
        with working_precision(work):
            if level is Level.FLOAT64:
                diffs = [a - float(b) for a, b in zip(Dl, Ds)]
            else:
                diffs = [a - b for a, b in zip(Dl, Ds)]
            scale = _maxmag(Ds)
            diffs2 = None
            if level is Level.MPMATH:
                hi = dps + CONFIRM_EXTRA_DPS
                Dl2 = _flat(jfn(prob, th, level, hi))
                Ds2 = sym_D(th, hi)
                with working_precision(hi):
                    diffs2 = [a - b for a, b in zip(Dl2, Ds2)]
            outcomes.append(_judge(level, dps, diffs, scale, scale, diffs2))
    details = {"points": len(pts), "entries": prob.QN * prob.K,
               "method": "SymPy diff of problem.outputs (the forward pass only), evaluated "
                         f"in {_arith_of(level).name} arithmetic"
                         + (" (float64 D against the symbolic D at dps digits)"
                            if level is Level.FLOAT64 else "")}
    if level is Level.BALL:
        details["ball_working_dps"] = work
    delta = _output_degree(prob)
    if level is Level.EXACT and delta is not None:
        m = len(pts) - 1
        grid = _sampling.GRID_SIZE  # |S| of sample_points
        details["pit"] = (f"x[θ] and D are polynomials of degree ≤ {delta}: a false identity "
                          f"survives {m} uniform points of S^K (|S| = {grid}) with "
                          f"probability ≤ ({delta}/{grid})^{m} ≈ "
                          f"{float(Fraction(delta, grid) ** m):.1e}")
    return [_evidence("D_vs_diff", "D from backpropagation (problem.at) equals ∂x/∂θ by SymPy "
                      "diff of the forward-pass outputs, entrywise at θ(0) and random points",
                      level, None if level is Level.EXACT else dps, outcomes, details)]


claim_check("C0")(check_jacobian)


# ---------------------------------------------------------------------------------------------
# 2. ∇ₓC against ∂C/∂x
# ---------------------------------------------------------------------------------------------

def _reduces_to_zero(d: sp.Expr, xs: Sequence[sp.Symbol]) -> bool:
    """True if ``d`` is identically 0 (expand; else x_i = log u_i, u_i > 0, and cancel)."""
    if sp.expand(d) == 0:
        return True
    us = {x: sp.log(sp.Symbol(f"_u{i}", positive=True)) for i, x in enumerate(xs)}
    r = sp.cancel(sp.together(sp.expand(d.xreplace(us))))
    return r == 0


def _witnesses(problem, n: int = 3) -> list[list[Fraction]]:
    """Rational output points x at which a non-identity is looked for."""
    QN = problem.QN
    return [[Fraction((7 * i + 3 * k + 2) % 11 - 5, 3 + k) for i in range(QN)] for k in range(n)]


def _witness(d: sp.Expr, problem, dps: int) -> Any:
    """|d| at a rational point where it is certainly nonzero (exact or ball), else None."""
    xs = list(problem.x_symbols)
    rational = problem.loss.rational
    ar = get_arith("exact" if rational else "ball")
    with working_precision(dps):
        for w in _witnesses(problem):
            env = {x: _scalar_of(v, ar) for x, v in zip(xs, w)}
            v = evaluate_expr(d, env, ar)
            if (v != 0) if rational else (not v.contains(0)):
                return _mag(v), [str(q) for q in w]
    return None


def check_gradient(entry, *, dps: int = 30, level: Level = Level.EXACT, progress=None,
                   grad_fn: Callable[[Any], sp.Matrix] | None = None) -> list[Evidence]:
    """``grad_vs_cost`` (symbolic identity), ``grad_at_point`` and ``cost_at_point`` (θ(0))."""
    level = Level.parse(level)
    prob = entry.problem
    xs = list(prob.x_symbols)
    C = prob.cost_expr
    g = grad_fn(prob) if grad_fn is not None else prob.grad_expr
    dC = [sp.diff(C, x) for x in xs]
    evs = []
    bad = []
    for i, (gi, di) in enumerate(zip(g, dC)):
        if not _reduces_to_zero(gi - di, xs):
            bad.append(i)
    what = ("∇ₓC (problem.grad_expr, from symflow.core.losses) minus SymPy diff(problem.cost_expr, "
            "x_i) reduces to 0 for every i (expand; x = log u and cancel)")
    det = {"entries": prob.QN, "loss": prob.loss.name}
    if not bad:
        evs.append(Evidence(Level.EXACT, what, 0, 0, Status.VERIFIED, None, det,
                            key="grad_vs_cost"))
    else:
        wit = [(i, _witness(g[i] - dC[i], prob, dps)) for i in bad]
        found = [(i, w) for i, w in wit if w is not None]
        det["entries_not_reducing"] = [str(xs[i]) for i in bad]
        if found:
            i, (r, point) = found[0]
            det["witness"] = {"entry": str(xs[i]), "x": point,
                              "difference": str(sp.simplify(g[i] - dC[i]))}
            evs.append(Evidence(Level.EXACT if prob.loss.rational else Level.BALL, what, r, 0,
                                Status.REFUTED, None if prob.loss.rational else dps, det,
                                key="grad_vs_cost"))
        else:
            evs.append(Evidence(Level.EXACT, what, None, 0, Status.INCONCLUSIVE, None, det,
                                key="grad_vs_cost", reason=Reason.NUMERICS,
                                why=f"entries {det['entries_not_reducing']} did not reduce to 0 "
                                    f"but no witness point was found"))
    evs += _grad_at_point(entry, dps, level, dC, C)
    return evs


def _grad_at_point(entry, dps: int, level: Level, dC: list, C: sp.Expr) -> list[Evidence]:
    prob = entry.problem
    xs = list(prob.x_symbols)
    th = tuple(entry.theta0)
    work = BALL_WORK_FACTOR * dps if level is Level.BALL else dps

    def at(digits):
        pd = prob.at(th, level, digits)
        ar = _arith_of(level)
        with working_precision(digits):
            if level is Level.FLOAT64:
                xv = [mpmath.mpf(float(v)) for v in _flat(pd.x)]
            else:
                xv = pd.x.entries()
            env = dict(zip(xs, xv))
            memo: dict = {}
            gs = [evaluate_expr(d, env, ar, memo) for d in dC]
            cs = evaluate_expr(C, env, ar, memo)
            gl = _flat(pd.grad)
            if level is Level.FLOAT64:
                gd = [a - float(b) for a, b in zip(gl, gs)]
                cd = [float(pd.cost) - float(cs)]
            else:
                gd = [a - b for a, b in zip(gl, gs)]
                cd = [pd.cost - cs]
            return gd, cd, _maxmag(gs), _mag(cs)

    gd, cd, gscale, cscale = at(work)
    gd2 = cd2 = None
    if level is Level.MPMATH:
        gd2, cd2, _, _ = at(dps + CONFIRM_EXTRA_DPS)
    with working_precision(work):
        og = _judge(level, dps, gd, gscale, gscale, gd2)
        oc = _judge(level, dps, cd, cscale, cscale, cd2)
    det = {"points": 1, "point": "θ(0)"}
    d = None if level is Level.EXACT else dps
    return [
        _evidence("grad_at_point", "at θ(0): the numeric ∇ₓC of problem.at equals SymPy "
                  "diff(cost_expr, x) evaluated at the same outputs x", level, d, [og], det),
        _evidence("cost_at_point", "at θ(0): the numeric cost of problem.at equals cost_expr "
                  "evaluated at the same outputs x", level, d, [oc], det),
    ]


claim_check("C0")(check_gradient)


# ---------------------------------------------------------------------------------------------
# 3. the integrator's evaluator against the library
# ---------------------------------------------------------------------------------------------

_QUARTER = Fraction(1, 4)


def _reference(prob, th, digits: int, spectrum: bool = True) -> dict:
    """Library objects at θ at ``digits`` (mpmath): x, G = DDᵀ, g and the three fields; with
    ``spectrum``, also rank, κ on range(D) and max|G⁺g| from an eigendecomposition of G
    (eigenvalues ≤ λ_max·QN·10^(5 − digits) count as 0, the rule of :mod:`symflow.backends.linalg`)."""
    pd = prob.at(th, Level.MPMATH, digits)
    with working_precision(digits):
        D, g = pd.D, pd.grad
        G = D @ D.T
        out = {
            "pd": pd, "x": pd.x.entries(), "G": G.entries(),
            "standard": parameter_field(pd, "standard").entries(),
            "adapted": parameter_field(pd, "adapted").entries(),
            "quarter": parameter_field(pd, str(_QUARTER)).entries(),
            "Dmax": D.max_abs(), "gmax": g.max_abs(),
        }
        if not spectrum:
            return out
        E, U = mpmath.eigsy(G.data)
        n = prob.QN
        lam = [E[i] for i in range(n)]
        lmax = max(lam) if lam else mpmath.mpf(0)
        thr = lmax * n * mpmath.mpf(10) ** (5 - digits)
        keep = [i for i in range(n) if lam[i] > thr]
        lmin = min((lam[i] for i in keep), default=mpmath.mpf(0))
        h = [mpmath.mpf(0)] * n  # G⁺g
        for i in keep:
            c = mpmath.fsum(U[k, i] * g[k, 0] for k in range(n)) / lam[i]
            h = [hk + c * U[k, i] for k, hk in enumerate(h)]
        out.update({
            "rank": len(keep), "full": len(keep) == n,
            "kappa": lmax / lmin if lmin > 0 else mpmath.inf,
            "hmax": max((abs(v) for v in h), default=mpmath.mpf(0)),
        })
        return out


_EVALUATORS = {
    "integrator": "FixedPointField (the evaluator integrate() uses at arith='mpmath')",
    "compiled": "CompiledField(arith='mpmath') (the fast path of the float64 integrator and "
                "of Trajectory.outputs_at)",
}


def _whats() -> dict[str, str]:
    """The sentence of every ``integrator_*`` / ``compiled_*`` key."""
    out = {
        "integrator_outputs": "FixedPointField.outputs (the integrator's own forward pass) "
                              "equals x of problem.at",
        "integrator_ntk": "FixedPointField.ntk (from the layer factorization, D never formed) "
                          "equals DDᵀ of problem.at",
    }
    for ev, name in _EVALUATORS.items():
        out[f"{ev}_field_standard"] = (f"{name}: standard field equals "
                                       f"parameter_field(pd, 'standard') = −Dᵀ∇ₓC")
        for sfx, where, inv in (("", "at the points where DDᵀ is invertible", "(DDᵀ)⁻¹"),
                                ("_pinv", "at the points where rank D < QN, with "
                                          "rank_loss='pinv'", "(DDᵀ)⁺")):
            out[f"{ev}_field{sfx}"] = (f"{name}: adapted field −Dᵀ{inv}∇ₓC equals "
                                       f"parameter_field(pd, 'adapted') = −D⁺∇ₓC (SVD of D), "
                                       f"{where}")
            out[f"{ev}_field_quarter{sfx}"] = (f"{name}: V_1/4 equals "
                                               f"parameter_field(pd, '1/4'), {where}")
            method = "line_field" if ev == "integrator" else "pinv_apply"
            out[f"{ev}_line_field{sfx}"] = (f"{name}: C6's direction D⁺w = Dᵀ{inv}w "
                                            f"({method}) equals the library's D⁺w for "
                                            f"w = −∇ₓC, {where}")
    return out


def check_integrator(entry, *, dps: int = 30, level: Level = Level.MPMATH, progress=None,
                     n_points: int | None = None) -> list[Evidence]:
    """``integrator_*`` and ``compiled_*``: the integrators' evaluators against Problem.at +
    parameter_field (level mpmath; see the module docstring)."""
    prob = entry.problem
    pts = sample_points(entry, N_RANDOM_INTEGRATOR if n_points is None else n_points, "C0-int")
    hi = dps + CONFIRM_EXTRA_DPS
    specs = {"standard": "standard", "adapted": "adapted", "quarter": str(_QUARTER)}
    ffs = {(f, rl): FixedPointField(prob, spec, rank_loss=rl)
           for f, spec in specs.items() for rl in ("stop", "pinv")}
    cfs = {(f, rl): CompiledField(prob, spec, arith="mpmath", rank_loss=rl)
           for f, spec in specs.items() for rl in ("stop", "pinv")}
    whats = _whats()
    outcomes: dict[str, list[_Outcome]] = {k: [] for k in whats}
    kappas: dict[str, list] = {k: [] for k in whats}
    ranks = []

    def evaluate(th, digits, branch, ref) -> dict:
        """{evaluator: {name: values} or the RankError it raised}."""
        out: dict = {}
        with mpmath.workdps(digits):
            thm = prob.convert_theta(th, "mpmath")
            w = [+(-v) for v in ref["pd"].grad.entries()]  # D⁺w = the adapted field
            ff = ffs[("standard", "stop")]
            out["integrator_base"] = {"x": ff.outputs(thm),
                                      "G": [v for r in ff.ntk(thm) for v in r],
                                      "standard": ff.field(thm)}
            out["compiled_base"] = {"standard": cfs[("standard", "stop")](thm)}
            try:
                out["integrator"] = {"adapted": ffs[("adapted", branch)].field(thm),
                                     "quarter": ffs[("quarter", branch)].field(thm),
                                     "line": ffs[("adapted", branch)].line_field(thm, w)}
            except RankError as exc:
                out["integrator"] = exc
            try:
                out["compiled"] = {"adapted": list(cfs[("adapted", branch)](thm)),
                                   "quarter": list(cfs[("quarter", branch)](thm)),
                                   "line": list(cfs[("adapted", branch)].pinv_apply(thm, w))}
            except RankError as exc:
                out["compiled"] = exc
        return out

    for th in pts:
        ref1 = _reference(prob, th, hi)
        ref2 = _reference(prob, th, hi + CONFIRM_EXTRA_DPS, spectrum=False)
        ranks.append(ref1["rank"])
        branch = "stop" if ref1["full"] else "pinv"
        sfx = "" if branch == "stop" else "_pinv"
        ev1 = evaluate(th, dps, branch, ref1)
        ev2 = evaluate(th, hi, branch, ref2)
        kappa = ref1["kappa"]
        std_scale = ref1["Dmax"] * ref1["gmax"]
        inv_scale = kappa * ref1["Dmax"] * ref1["hmax"]
        plan = [("integrator_outputs", "integrator_base", "x", _maxmag(ref1["x"]), None),
                ("integrator_ntk", "integrator_base", "G", _maxmag(ref1["G"]), None),
                ("integrator_field_standard", "integrator_base", "standard", std_scale, None),
                ("compiled_field_standard", "compiled_base", "standard", std_scale, None)]
        for evn in _EVALUATORS:
            err = next((e for e in (ev1[evn], ev2[evn]) if isinstance(e, RankError)), None)
            keys = [f"{evn}_field{sfx}", f"{evn}_field_quarter{sfx}", f"{evn}_line_field{sfx}"]
            if err is not None:  # a solve failed where the reference found rank QN
                for key in keys:
                    outcomes[key].append(_Outcome(
                        Status.INCONCLUSIVE, None, None, None, Reason.NUMERICS,
                        f"{evn} evaluator raised RankError ({err}) where the reference rank "
                        f"is {ref1['rank']} (QN = {prob.QN}, κ = {mpmath.nstr(kappa, 3)})"))
                continue
            plan += [(keys[0], evn, "adapted", inv_scale, kappa),
                     (keys[1], evn, "quarter", max(inv_scale, std_scale), kappa),
                     (keys[2], evn, "line", inv_scale, kappa)]
        for key, evn, name, scale, kap in plan:
            refname = "adapted" if name == "line" else name  # D⁺(−g) = −D⁺g
            with mpmath.workdps(hi + CONFIRM_EXTRA_DPS):
                d1 = [a - b for a, b in zip(ev1[evn][name], ref1[refname])]
                d2 = [a - b for a, b in zip(ev2[evn][name], ref2[refname])]
                mag = max(_maxmag(ref1[refname]), _maxmag(ev1[evn][name]))
                if not mpmath.isfinite(scale):
                    outcomes[key].append(_Outcome(
                        Status.INCONCLUSIVE, _maxmag(d1), None, _maxmag(d2), Reason.NUMERICS,
                        "DDᵀ has no positive eigenvalue on its range: no tolerance"))
                    continue
                outcomes[key].append(_judge(Level.MPMATH, dps, d1, scale, mag, d2))
                if kap is not None:
                    kappas[key].append(kap)
    base = {"points": len(pts), "ranks": ranks, "QN": prob.QN,
            "evaluator_dps": dps, "reference_dps": hi,
            "confirm": f"evaluator at {hi} digits against a reference at "
                       f"{hi + CONFIRM_EXTRA_DPS}"}
    evs = []
    for key, what in whats.items():
        if not outcomes[key]:
            continue  # that rank branch did not occur
        det = dict(base)
        det["points_compared"] = len(outcomes[key])
        kap = max(kappas[key]) if kappas[key] else None
        if kap is not None:
            det["scale_rule"] = "κ·max|D|·max|(DDᵀ)⁺∇ₓC| (κ = λ_max/λ_min of DDᵀ on its range)"
        evs.append(_evidence(key, what, Level.MPMATH, dps, outcomes[key], det, kappa=kap))
    return evs


claim_check("C0")(check_integrator)


# ---------------------------------------------------------------------------------------------
# the judges themselves: canaries with known outcomes
# ---------------------------------------------------------------------------------------------

def check_judges(entry, *, dps: int = 30, level: Level = Level.EXACT, progress=None
                 ) -> list[Evidence]:
    """The verdict engines judge comparisons whose right outcome is known (canaries).

    A judge made lenient (a tolerance multiplied by 10¹⁰, a status forced to verified) would
    pass every identity the claims check; it cannot pass these. At each level of the pointwise
    judge (:mod:`symflow.claims.judge`) and in the trajectory judge
    (:mod:`symflow.claims.trajectories`), a residual of 10^(−dps/2) — far above the tolerance
    10^(GUARD−dps), far below what a real failure usually produces — must come out
    **refuted**, a residual far below the tolerance **verified**, and a ball 0 ± 10^(−dps/2)
    (wider than the tolerance) **inconclusive**. Residual: the number of canaries judged
    wrongly (0 expected); exact.
    """
    import flint

    from . import judge as _pj
    from . import trajectories as _tj

    half = dps // 2
    wrong = []
    with working_precision(dps + _tolerance.CONFIRM_EXTRA_DPS):
        big = mpmath.mpf(10) ** (-half)
        small = mpmath.mpf(10) ** (-dps - _tolerance.CONFIRM_EXTRA_DPS - 5)
        for name, r, want in (("mpmath, large residual", big, Status.REFUTED),
                              ("mpmath, tiny residual", small, Status.VERIFIED)):
            c = _pj.Cmp("zero", r, mpmath.mpf(0), scale=1, magnitude=1)
            got = _pj._judge(c, c, Level.MPMATH, dps).status
            if got is not want:
                wrong.append(f"pointwise {name}: {got.value}, expected {want.value}")
        one = flint.arb(1)
        for name, b, want in (
                ("ball excluding 0", one / 10 ** half, Status.REFUTED),
                ("ball 0 ± 10^-dps/2 (wider than the tolerance)",
                 flint.arb(0, one / 10 ** half), Status.INCONCLUSIVE),
                ("ball 0 ± 10^-(dps+5)", flint.arb(0, one / 10 ** (dps + 5)), Status.VERIFIED)):
            c = _pj.Cmp("zero", b, flint.arb(0), scale=1, magnitude=1)
            got = _pj._judge(c, None, Level.BALL, dps).status
            if got is not want:
                wrong.append(f"pointwise {name}: {got.value}, expected {want.value}")
        got = _pj._judge(_pj.Cmp("zero", flint.fmpq(1, 10 ** half), flint.fmpq(0)), None,
                         Level.EXACT, dps).status
        if got is not Status.REFUTED:
            wrong.append(f"pointwise exact, residual 10^-{half}: {got.value}, expected refuted")
        tol = _tolerance.trajectory(dps)
        for name, r, want in (("large residual", big, Status.REFUTED),
                              ("tiny residual", tol / 10 ** 5, Status.VERIFIED)):
            got = _tj._judge(r, tol, rerun=lambda r=r: (r, tol), magnitude=1)[0]
            if got is not want:
                wrong.append(f"trajectory judge, {name}: {got.value}, expected {want.value}")
    return [Evidence(Level.EXACT, "the verdict engines judge 8 canaries with known outcomes "
                     f"(a residual 10^-{half} refuted, residuals far below the tolerance "
                     "verified, a ball wider than the tolerance inconclusive; exact, ball, "
                     "mpmath and the trajectory judge); residual = canaries judged wrongly",
                     len(wrong), 0,
                     Status.VERIFIED if not wrong else Status.REFUTED, None,
                     {"wrong": wrong} if wrong else {}, key="judge_canaries")]


claim_check("C0")(check_judges)


if __name__ == "__main__":
    from ._main import main

    raise SystemExit(main("C0"))
