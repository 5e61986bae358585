"""The flows of docs/theory.md as fields on Taylor jets, and the rank certificate.

:class:`JetField` evaluates a parameter field at a vector of :class:`~.jets.Jet` (one per
parameter) by running the problem's own network evaluator — the MLP's forward pass and
backpropagation, or the tape of an ``sf.model`` — and its loss on :data:`~.jets.JET_ARITH`, so
that x[θ], D = ∂x/∂θ, ∇ₓC, the NTK G = DDᵀ and the solve G u = w all come out as truncated
series with Arb-ball coefficients:

================  =========================================================================
``LineTime``      dθ/dt = D⁺ w = Dᵀ G⁻¹ w,  w = y − x(θ₀)   (C6: the adapted flow in t)
``FlowTime``      dθ/ds = V_α = −Dᵀ((1 − α) g + α G⁻¹ g),  g = ∇ₓC[x[θ]]   (Theorem 2.3)
================  =========================================================================

G⁻¹ is applied by a preconditioned elimination on the series (:func:`_solve`); a pivot
whose constant term is not *certainly* non-zero stops the evaluation
(:class:`~symflow.errors.RankError`), so a field value is only ever produced where G is
certified invertible on the whole input box.

**Why the LineTime field is the adapted flow in t.** Let θ(t) solve dθ/dt = D⁺(θ) w on [0, 1]
with G(θ(t)) ≻ 0 throughout. Then DD⁺ = I (D has full row rank), so dx/dt = D dθ/dt = w and
x(θ(t)) = x₀ + t·w = (1 − t) x₀ + t·y exactly. Hence (y − x(θ(t)))/(1 − t) = w for t < 1, and
θ(t) solves the adapted flow in the time t, dθ/dt = D⁺(y − x)/(1 − t) (that is
dθ/ds = −D⁺∇ₓC with C = |x − y|²/(2N) and t = 1 − e^{−s/N}); by uniqueness it *is* that flow,
and x(θ(1)) = y. A certified enclosure of the LineTime field together with the rank certificate
below is therefore a proof of C6 for that network, data and θ₀.

**Rank certificate** (:func:`ntk_lower_bound`): for a ball matrix 𝐆 ∋ G(θ) for every θ in a
box, and μ ≥ 0, if the LDLᵀ factorization of 𝐆 − μI in ball arithmetic has all pivots certainly
positive then every symmetric matrix in 𝐆 − μI is positive definite (Sylvester's criterion holds
for each member, since each pivot ball contains that member's pivot), so λ_min(G(θ)) > μ on the
box. μ is first guessed as 0.9·λ_min of the midpoint matrix (mpmath eigenvalues; nothing rests
on the guess) and halved until the certificate holds or μ is negligible, then tried at 0.
"""

from __future__ import annotations

from typing import Any, Sequence

import flint
import mpmath
from flint import arb

from ...backends.arith import get_arith
from ...backends.linalg import ldl
from ...errors import DataError, RankError
from ...core.problem import Problem
from .jets import JET_ARITH, Jet, series_cap, value

_dot = JET_ARITH.dot     # Σ xᵢyᵢ with the operators: series, balls and constants alike

__all__ = ["JetField", "ntk_lower_bound", "ball_of", "ball_inputs", "ball_outputs"]


def ball_of(v: Any) -> arb:
    """An exact rational (Fraction, SymPy Rational, int, fmpq) or a ball as an ``arb``."""
    if isinstance(v, arb):
        return v
    if isinstance(v, (int, flint.fmpz)):
        return arb(v)
    if isinstance(v, flint.fmpq):
        return arb(v)
    p, q = (v.numerator, v.denominator) if hasattr(v, "numerator") else (v.p, v.q)
    return arb(flint.fmpq(int(p), int(q)))


def ball_inputs(problem: Problem) -> list:
    """The problem's inputs as balls (exact where the rationals are dyadic)."""
    return [[ball_of(v) for v in r] for r in problem.inputs]


def ball_outputs(problem: Problem, theta: Sequence[arb], inputs: list | None = None) -> list:
    """Balls containing x[θ] for every θ in the box ``theta`` (ball arithmetic)."""
    x, _ = problem.network.evaluate(list(theta), inputs or ball_inputs(problem),
                                    get_arith("ball"), False)
    return x


def _gram(D: Sequence[Sequence[Any]]) -> list[list[Any]]:
    """G = DDᵀ (symmetric: the upper triangle is computed once)."""
    n = len(D)
    G = [[None] * n for _ in range(n)]
    for i in range(n):
        for j in range(i + 1):
            G[i][j] = G[j][i] = _dot(D[i], D[j])
    return G


def _t_apply(D: Sequence[Sequence[Any]], u: Sequence[Any]) -> list:
    """Dᵀu."""
    return [_dot([row[k] for row in D], u) for k in range(len(D[0]))]


def _solve(G: list, b: list) -> list:
    """G⁻¹b for a matrix G of series (or of balls), *preconditioned*: with M the inverse of the midpoint of G's
    constant term (a point matrix; any M would do), solve (MG)u = Mb by Gaussian elimination
    without pivoting. MG ≈ I at the constant term, so the elimination multiplies narrow balls:
    on a box of radius 10⁻³ the coefficients of u = G⁻¹w grew 57-fold (sigmoid-1-4-2) and
    10¹⁵-fold (square-1-3-1) with a plain LDLᵀ — the main source of wide Taylor coefficients on
    boxes. Rigour: every pivot's constant term is certainly non-zero, so det(MG) ≠ 0 on the
    input, hence det G ≠ 0 and (MG)u = Mb ⇔ Gu = b. A pivot that may vanish raises RankError:
    G may be singular there."""
    n = len(b)
    mid = flint.arb_mat([[value(G[i][j]).mid() for j in range(n)] for i in range(n)])
    try:
        Mb = mid.inv()
    except ZeroDivisionError:
        raise RankError("the NTK's midpoint matrix is singular: DDᵀ may be singular here",
                        rank=None, expected=n) from None
    M = [[arb(Mb[i, j].mid()) for j in range(n)] for i in range(n)]
    A = [[_dot([M[i][k] for k in range(n)], [G[k][j] for k in range(n)]) for j in range(n)]
         for i in range(n)]
    y = [_dot(M[i], b) for i in range(n)]
    for j in range(n):
        piv = A[j][j]
        v0 = value(piv)
        if not (v0 > 0 or v0 < 0):
            raise RankError(f"pivot {j} of the preconditioned NTK is not certainly non-zero "
                            f"({v0.str(5)}): DDᵀ may be singular here", rank=j, expected=n)
        inv = 1 / piv
        for i in range(j + 1, n):
            m = A[i][j] * inv
            for k in range(j + 1, n):
                A[i][k] = A[i][k] - m * A[j][k]
            y[i] = y[i] - m * y[j]
        A[j] = [a * inv for a in A[j]]
        y[j] = y[j] * inv
    for i in range(n - 1, -1, -1):
        for k in range(i + 1, n):
            y[i] = y[i] - A[i][k] * y[k]
    return y


class JetField:
    """A parameter field of ``problem`` on jets (see the module docstring).

    ``kind``: ``"line"`` (dθ/dt = D⁺w; ``w`` the balls y − x(θ₀)) or ``"flow"`` (dθ/ds = V_α,
    ``alpha`` a rational in [0, 1]). ``perturb``: for the negative tests only —
    ``"transpose"`` uses Dᵀ in place of D⁺ (the line field becomes Dᵀw), ``"sign"`` flips the
    sign of the first component of θ'. Call inside ``arb_precision(dps)``.
    """

    def __init__(self, problem: Problem, kind: str, *, w: Sequence[arb] | None = None,
                 alpha: Any = 1, perturb: str | None = None) -> None:
        if kind not in ("line", "flow"):
            raise DataError(f"kind must be 'line' or 'flow', got {kind!r}", kind)
        if perturb not in (None, "transpose", "sign"):
            raise DataError(f"perturb must be None, 'transpose' or 'sign', got {perturb!r}",
                            perturb)
        self.problem = problem
        self.kind = kind
        self.alpha = alpha
        self._a = ball_of(alpha) if not isinstance(alpha, arb) else alpha
        self.perturb = perturb
        self.w = list(w) if w is not None else None
        if kind == "line" and (self.w is None or len(self.w) != problem.QN):
            raise DataError("the line field needs w = y − x(θ₀) with QN entries", w)
        self.inputs = ball_inputs(problem)
        self.y = [ball_of(v) for v in problem.y_flat]

    def outputs_and_jacobian(self, theta: Sequence[Any]):
        """(x, D) on balls (θ a sequence of ``arb``) or on raw ``arb_series`` (call inside
        :func:`~.jets.series_cap`)."""
        ar = get_arith("ball") if isinstance(theta[0], arb) else JET_ARITH
        return self.problem.network.evaluate(list(theta), self.inputs, ar, True)

    def __call__(self, theta: Sequence[Jet]) -> list:
        """θ' on jets (a list of :class:`~.jets.Jet`, one per parameter); RankError where G
        is not certified invertible on the input."""
        n = min(len(j) for j in theta)
        with series_cap(n):
            out = self._series([j.s for j in theta])
            return [Jet(o, n) if not isinstance(o, arb) else Jet([o] + [0] * (n - 1))
                    for o in out]

    def _series(self, theta: list) -> list:
        return self._field(*self.outputs_and_jacobian(theta))

    def _field(self, x: list, D: list) -> list:
        """θ' from x and D (series or balls alike)."""
        if self.kind == "line":
            if self.perturb == "transpose":
                out = _t_apply(D, self.w)
            else:
                out = _t_apply(D, _solve(_gram(D), self.w))
        else:
            p = self.problem
            g = p.loss.grad(x, self.y, p.N, p.Q, JET_ARITH)
            a = self.alpha
            if a == 0 or self.perturb == "transpose":
                u = g
            else:
                Gg = _solve(_gram(D), g)
                ab = self._a
                u = Gg if a == 1 else [gi * (1 - ab) + hi * ab for gi, hi in zip(g, Gg)]
            out = [-v for v in _t_apply(D, u)]
        if self.perturb == "sign":
            out[0] = -out[0]
        return out

    def cost_rate(self, theta: Sequence[arb]) -> arb:
        """dC/ds = ∇ₓC · D θ' on balls (for the flow kind): ≤ 0 on a box ⇒ C non-increasing.
        One ball evaluation of x and D serves ∇ₓC, θ' and the product."""
        x, D = self.outputs_and_jacobian(theta)
        p = self.problem
        g = p.loss.grad(x, self.y, p.N, p.Q, get_arith("ball"))
        th = self._field(x, D)
        return _dot(g, [_dot(row, th) for row in D])

    def ntk(self, theta: Sequence[arb]) -> list[list[arb]]:
        """G = DDᵀ on balls over the box θ."""
        return _gram(self.outputs_and_jacobian(theta)[1])


def ntk_lower_bound(G: Sequence[Sequence[arb]]) -> arb | None:
    """A certified μ ≥ 0 with λ_min(M) > μ for every symmetric M in the ball matrix ``G`` (an
    exact ``arb``), or None when not even μ = 0 can be certified (G may be singular)."""
    n = len(G)
    with mpmath.workdps(20):
        mid = mpmath.matrix([[mpmath.mpf(G[i][j].mid().str(25, radius=False))
                              for j in range(n)] for i in range(n)])
        try:
            lam = min(mpmath.eigsy(mid, eigvals_only=True))
        except Exception:   # pragma: no cover - mpmath's symmetric solver on a finite matrix
            lam = mpmath.mpf(0)
    guess = arb(mpmath.nstr(0.9 * lam, 15)) if lam > 0 else arb(0)
    tries = 0
    while True:
        mu = guess.mid()
        shifted = [[G[i][j] - (mu if i == j else 0) for j in range(n)] for i in range(n)]
        _, d = ldl(shifted)
        if len(d) == n and d[-1] > 0:
            return mu
        if mu == 0:
            return None
        tries += 1
        guess = arb(0) if tries >= 8 else guess / 2


def certify_rank(field: JetField, theta: Sequence[arb]) -> arb | None:
    """:func:`ntk_lower_bound` of G over the box θ; None if G may be singular there, or if
    the ball evaluation of D fails (non-finite)."""
    try:
        G = field.ntk(theta)
    except RankError:   # pragma: no cover - the ball evaluation has no solve
        return None
    if not all(g.is_finite() for row in G for g in row):
        return None
    return ntk_lower_bound(G)
