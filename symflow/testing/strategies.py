"""Public Hypothesis strategies: architectures, exact data sets, parameter points, whole cases.

Property tests of docs/theory.md's claims quantify over networks ``mlp([M, h1, …, Q], σ, bias)``,
exact rational data ``(x_j^{(0)}, y_j)``, ``j = 1..N``, and points θ ∈ R^K. Every claim
C1–C9 is a statement "for all (network, data, θ) [with rank D = QN]", so these strategies draw
exactly such triples, small by default (K ≤ 40, QN ≤ 6) so that hundreds run in seconds, and
they shrink towards the simplest network (one layer, width 1, identity activation, no bias,
zero inputs and parameters).

=========================  =====================================================================
strategy                   draws
=========================  =====================================================================
:func:`rationals`          p/q with 1 ≤ q ≤ ``denominator``, |p/q| ≤ ``scale`` (a Fraction)
:func:`architectures`      an :class:`~symflow.core.networks.MLP` (depth, widths, activation, bias)
:func:`datasets`           ``(inputs, targets)``: N×M and N×Q lists of Fractions valid for the
                           loss (cross-entropy labels: positive, summing to 1)
:func:`rational_points`    θ as K Fractions (the exact level applies)
:func:`mpmath_points`      θ as K ``mpf`` (binary floats, exactly representable)
:func:`problems`           a :class:`~symflow.core.problem.Problem` with QN ≤ ``max_qn``
:func:`cases`              a :class:`Case` = problem + rational θ + the rank of D[θ], with
                           ``full_rank=True`` (rank D = QN, certified), ``False`` (rank D < QN)
                           or ``None`` (either)
=========================  =====================================================================

The rank in a :class:`Case` is computed, never assumed: exactly (``flint.fmpq_mat``) for rational
activations; for transcendental ones, full rank is *certified* with Arb balls (DDᵀ provably
invertible) and otherwise the numerical mpmath rank is kept with ``certain=False``.

Example (inside a test; ``.example()`` is only for the console):

>>> from hypothesis import given, settings
>>> @settings(max_examples=5, database=None, deadline=None)
... @given(cases(full_rank=True, activations=RATIONAL_ACTIVATIONS))
... def test_c1(case):
...     pd = case.at()                                   # exact level
...     assert (output_field(pd, "adapted") + pd.grad).is_zero()   # C1: x' = −∇ₓC
>>> from symflow.core.fields import output_field
>>> test_c1()
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Sequence

import mpmath
from hypothesis import assume, reject, strategies as st

from ..backends.arith import get_arith, working_precision
from ..errors import DataError, RankError
from ..backends.levels import Level
from ..backends.linalg import Mat, RankInfo, rank_info
from ..core.networks import MLP, mlp
from ..core.problem import PointData, Problem

__all__ = ["RATIONAL_ACTIVATIONS", "TRANSCENDENTAL_ACTIVATIONS", "ALL_ACTIVATIONS",
           "DEFICIENCY_MECHANISMS", "Case", "jacobian_rank", "rationals", "architectures",
           "labels", "datasets", "rational_points", "mpmath_points", "problems", "cases"]

#: Activations for which x[θ] is rational in θ (exact level). Listed simplest first: Hypothesis
#: shrinks towards the first entry.
RATIONAL_ACTIVATIONS = ("identity", "square", "cube", "relu")
TRANSCENDENTAL_ACTIVATIONS = ("tanh", "sigmoid", "softplus", "sin")
ALL_ACTIVATIONS = RATIONAL_ACTIVATIONS + TRANSCENDENTAL_ACTIVATIONS

#: How :func:`cases` with ``full_rank=False`` makes rank D < QN:
#: ``K<QN`` (fewer parameters than outputs), ``duplicate_input`` (two samples share an input, so
#: two blocks of rows of D coincide), ``dead_unit`` (a hidden unit with zero incoming weights and
#: bias; for σ(0) = σ'(0) = 0 its columns of D vanish), ``any`` (a generic draw, filtered).
DEFICIENCY_MECHANISMS = ("K<QN", "duplicate_input", "dead_unit", "any")


def _check_bound(name: str, value: Any, lo: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < lo:
        raise DataError(f"{name} must be an integer >= {lo}, got {value!r}", value)
    return value


def _check_activations(activations: Sequence[str]) -> tuple[str, ...]:
    acts = tuple(activations)
    if not acts:
        raise DataError("activations must name at least one activation, e.g. ('tanh',)",
                        activations)
    for a in acts:
        mlp([1, 1], a)  # ActivationError naming the value if unknown
    return acts


# ---- scalars and points -----------------------------------------------------------------------
def rationals(scale: int = 2, denominator: int = 4) -> st.SearchStrategy[Fraction]:
    """p/q with 1 ≤ q ≤ ``denominator`` and |p| ≤ ``scale``·q; shrinks to 0.

    >>> from hypothesis import given, settings
    >>> @settings(max_examples=20, database=None)
    ... @given(rationals(scale=1, denominator=3))
    ... def bounded(r):
    ...     assert abs(r) <= 1 and (3 * 2 * r).denominator == 1   # q divides 3! = 6
    >>> bounded()
    """
    _check_bound("scale", scale, 0)
    _check_bound("denominator", denominator, 1)

    @st.composite
    def _rat(draw):
        q = draw(st.integers(1, denominator))
        p = draw(st.integers(-scale * q, scale * q))
        return Fraction(p, q)

    return _rat()


def rational_points(K: int, scale: int = 1, denominator: int = 8
                    ) -> st.SearchStrategy[list[Fraction]]:
    """θ ∈ Q^K with |θ_k| ≤ ``scale`` and denominators ≤ ``denominator``."""
    _check_bound("K", K, 1)
    return st.lists(rationals(scale, denominator), min_size=K, max_size=K)


def mpmath_points(K: int, scale: float = 1.0) -> st.SearchStrategy[list[mpmath.mpf]]:
    """θ ∈ R^K as mpf values (binary floats converted exactly), |θ_k| ≤ ``scale``."""
    _check_bound("K", K, 1)
    fl = st.floats(-scale, scale, allow_nan=False, allow_infinity=False, allow_subnormal=False)
    return st.lists(fl.map(mpmath.mpf), min_size=K, max_size=K)


# ---- architectures and data -----------------------------------------------------------------
def architectures(*, activations: Sequence[str] = ALL_ACTIVATIONS, min_depth: int = 1,
                  max_depth: int = 3, max_width: int = 3, max_input_dim: int = 2,
                  max_output_dim: int = 2, bias: bool | None = None, max_params: int = 40
                  ) -> st.SearchStrategy[MLP]:
    """``mlp([M, h1, …, Q], σ, bias)`` with L = depth affine layers in [min_depth, max_depth],
    hidden widths in [1, max_width], M ≤ max_input_dim, Q ≤ max_output_dim and K ≤ max_params.
    ``bias=None`` draws it.

    >>> from hypothesis import given, settings
    >>> @settings(max_examples=20, database=None)
    ... @given(architectures(max_depth=2, max_width=2, max_params=12))
    ... def small(net):
    ...     assert net.depth <= 2 and max(net.widths[1:-1], default=1) <= 2
    ...     assert net.num_params <= 12
    >>> small()
    """
    acts = _check_activations(activations)
    _check_bound("min_depth", min_depth, 1)
    _check_bound("max_depth", max_depth, min_depth)
    for name, v in (("max_width", max_width), ("max_input_dim", max_input_dim),
                    ("max_output_dim", max_output_dim), ("max_params", max_params)):
        _check_bound(name, v, 1)

    @st.composite
    def _arch(draw):
        L = draw(st.integers(min_depth, max_depth))
        M = draw(st.integers(1, max_input_dim))
        hidden = draw(st.lists(st.integers(1, max_width), min_size=L - 1, max_size=L - 1))
        Q = draw(st.integers(1, max_output_dim))
        act = draw(st.sampled_from(acts))
        b = draw(st.booleans()) if bias is None else bias
        return mlp([M, *hidden, Q], act, b)

    return _arch().filter(lambda net: net.num_params <= max_params)


def labels(Q: int) -> st.SearchStrategy[list[Fraction]]:
    """A cross-entropy label: Q positive rationals summing to 1 (docs/theory.md C8)."""
    _check_bound("Q", Q, 1)
    return st.lists(st.integers(1, 4), min_size=Q, max_size=Q).map(
        lambda ws: [Fraction(w, sum(ws)) for w in ws])


def datasets(network: MLP, loss: str = "l2", *, min_samples: int = 1, max_samples: int = 3,
             distinct_inputs: bool = True, scale: int = 2, denominator: int = 4
             ) -> st.SearchStrategy[tuple[list[list[Fraction]], list[list[Fraction]]]]:
    """``(inputs, targets)``: N ∈ [min_samples, max_samples] exact samples for ``network``;
    L2 targets are any rationals, cross-entropy targets are :func:`labels`.
    ``distinct_inputs`` keeps the N inputs pairwise different (needed for full rank)."""
    _check_bound("min_samples", min_samples, 1)
    _check_bound("max_samples", max_samples, min_samples)
    if loss not in ("l2", "cross_entropy"):
        raise DataError(f"loss must be 'l2' or 'cross_entropy', got {loss!r}", loss)
    M, Q = network.input_dim, network.output_dim
    point = st.lists(rationals(scale, denominator), min_size=M, max_size=M)
    ins = st.lists(point, min_size=min_samples, max_size=max_samples,
                   unique_by=(lambda r: tuple(r)) if distinct_inputs else None)
    target = (st.lists(rationals(scale, denominator), min_size=Q, max_size=Q) if loss == "l2"
              else labels(Q))

    @st.composite
    def _data(draw):
        inputs = draw(ins)
        targets = draw(st.lists(target, min_size=len(inputs), max_size=len(inputs)))
        return inputs, targets

    return _data()


def problems(*, activations: Sequence[str] = ALL_ACTIVATIONS, losses: Sequence[str] = ("l2",),
             max_qn: int = 6, min_samples: int = 1, max_samples: int = 3,
             distinct_inputs: bool = True, **arch_kwargs: Any) -> st.SearchStrategy[Problem]:
    """A whole :class:`~symflow.core.problem.Problem` with Q·N ≤ ``max_qn`` (other keywords go to
    :func:`architectures`)."""
    _check_bound("max_qn", max_qn, 1)
    losses = tuple(losses)
    for l in losses:
        if l not in ("l2", "cross_entropy"):
            raise DataError(f"losses must be among 'l2', 'cross_entropy', got {l!r}", l)
    arch = architectures(activations=activations, **arch_kwargs).filter(
        lambda n: n.output_dim * min_samples <= max_qn)

    @st.composite
    def _prob(draw):
        net = draw(arch)
        loss = draw(st.sampled_from(losses))
        hi = min(max_samples, max_qn // net.output_dim)
        inputs, targets = draw(datasets(net, loss, min_samples=min_samples, max_samples=hi,
                                        distinct_inputs=distinct_inputs))
        return Problem(net, inputs, targets, loss)

    return _prob()


# ---- cases: problem + point + rank ----------------------------------------------------------
def jacobian_rank(problem: Problem, theta: Sequence[Any], dps: int = 30) -> RankInfo:
    """rank D[θ] with its evidence: exact for rational activations; for transcendental ones a
    ball certificate of full row rank (``certain=True``) or else the numerical mpmath rank."""
    net = problem.network
    if net.activation.rational:
        ar = get_arith("exact")
        th = problem.convert_theta(theta, "exact")
        inputs = [[ar.from_rational(v) for v in r] for r in problem.inputs]
        _, rows = net.evaluate(th, inputs, ar)
        return rank_info(Mat.from_rows(Level.EXACT, rows, problem.K))
    if problem.K >= problem.QN:
        with working_precision(dps):
            pd = problem.at(theta, "ball", dps)
            try:
                info = rank_info(pd.D, dps)
                if info.full_row_rank:
                    return info
            except RankError:
                pass
    with working_precision(dps):
        pd = problem.at(theta, "mpmath", dps)
        return rank_info(pd.D, dps)


@dataclass(frozen=True)
class Case:
    """A problem, an exact point θ and the rank of D[θ] (QN × K), as drawn by :func:`cases`.

    ``mechanism`` says how rank deficiency was produced (see :data:`DEFICIENCY_MECHANISMS`), or
    is ``None`` for a generic draw.
    """

    problem: Problem
    theta: tuple[Fraction, ...]
    rank: RankInfo
    mechanism: str | None = None
    notes: dict = field(default_factory=dict, compare=False)

    @classmethod
    def build(cls, widths: Sequence[int], activation: str, bias: bool, inputs: Any, targets: Any,
              theta: Sequence[Any], loss: str = "l2", mechanism: str | None = None,
              dps: int = 30) -> "Case":
        """A case from explicit data (for ``@example`` edge cases); the rank is computed.

        >>> c = Case.build([1, 1], "identity", True, [[1], [2]], [[0], [1]], [1, 0])
        >>> (c.K, c.QN, c.rank.rank, c.full_rank)    # K = QN exactly, D = [[1, 1], [2, 1]]
        (2, 2, 2, True)
        """
        prob = Problem(mlp(widths, activation, bias), inputs, targets, loss)
        th = tuple(Fraction(str(v)) if not isinstance(v, Fraction) else v for v in theta)
        return cls(prob, th, jacobian_rank(prob, th, dps), mechanism)

    @property
    def full_rank(self) -> bool:
        """rank D[θ] = QN."""
        return self.rank.rank == self.problem.QN

    @property
    def K(self) -> int:
        return self.problem.K

    @property
    def QN(self) -> int:
        return self.problem.QN

    def at(self, level: "Level | str | None" = None, dps: int = 30) -> PointData:
        """:meth:`Problem.at` at θ (default: the strongest level of the problem)."""
        return self.problem.at(self.theta, level, dps)

    def describe(self) -> str:
        net = self.problem.network
        return (f"mlp({list(net.widths)}, {net.activation.name!r}, bias={net.bias}), "
                f"N={self.problem.N}, loss={self.problem.loss.name}, K={self.K}, QN={self.QN}, "
                f"rank D={self.rank.rank}" + (f" ({self.mechanism})" if self.mechanism else ""))

    def __repr__(self) -> str:
        return f"Case({self.describe()}, θ=[{', '.join(str(v) for v in self.theta)}])"


def _dead_unit_theta(net: MLP, theta: list[Fraction], layer: int, unit: int) -> list[Fraction]:
    """θ with hidden unit ``unit`` of hidden layer ``layer`` (0-based) switched off: its row of
    W⁽ˡ⁺¹⁾ and its bias are set to 0."""
    ws, bs = net.layer_slices[layer]
    n_in = net.widths[layer]
    th = list(theta)
    start = ws.start + unit * n_in
    th[start:start + n_in] = [Fraction(0)] * n_in
    if bs is not None:
        th[bs.start + unit] = Fraction(0)
    return th


def _check_cases_args(full_rank: bool | None, mechanisms: Sequence[str]) -> tuple[str, ...]:
    """``mechanisms`` as a tuple, checked with ``full_rank`` (True, False or None; at least one
    mechanism of :data:`DEFICIENCY_MECHANISMS` for False)."""
    if full_rank not in (True, False, None):
        raise DataError(f"full_rank must be True, False or None, got {full_rank!r}", full_rank)
    mechs = tuple(mechanisms)
    for m in mechs:
        if m not in DEFICIENCY_MECHANISMS:
            raise DataError(f"unknown rank-deficiency mechanism {m!r}; choose among "
                            f"{DEFICIENCY_MECHANISMS}", m)
    if full_rank is False and not mechs:
        raise DataError("full_rank=False needs at least one mechanism", mechanisms)
    return mechs


def _sample_range(net: MLP, full_rank: bool | None, mech: str | None, max_samples: int,
                  max_qn: int) -> tuple[int, int, str | None]:
    """``(lo, hi, mech)``: the bounds on N for ``net`` (QN ≤ ``max_qn``; QN ≤ K at full rank;
    N > K/Q for ``K<QN``; N ≥ 2 for ``duplicate_input``) and the mechanism, ``dead_unit``
    becoming ``any`` on a network without a hidden layer. ``lo > hi``: no such case."""
    Q, K = net.output_dim, net.num_params
    lo = {"K<QN": K // Q + 1, "duplicate_input": 2}.get(mech, 1)
    hi = min(max_samples, max_qn // Q)
    if full_rank:
        hi = min(hi, K // Q)
    if mech == "dead_unit" and net.depth < 2:
        mech = "any"
    return lo, hi, mech


def _keep(info: RankInfo, QN: int, full_rank: bool | None, mech: str | None) -> bool:
    """Does the rank suit ``full_rank``? True: rank QN, certified; False: rank < QN, certain or
    made certain by the mechanism; None: any rank."""
    if full_rank is True:
        return info.rank == QN and info.certain
    if full_rank is False:
        certain = info.certain or mech in ("duplicate_input", "K<QN")
        return info.rank < QN and certain
    return True


def cases(*, full_rank: bool | None = None, activations: Sequence[str] = ALL_ACTIVATIONS,
          losses: Sequence[str] = ("l2",), max_qn: int = 6, max_samples: int = 3,
          mechanisms: Sequence[str] = DEFICIENCY_MECHANISMS, theta_scale: int = 1,
          theta_denominator: int = 8, dps: int = 30, **arch_kwargs: Any
          ) -> st.SearchStrategy[Case]:
    """A :class:`Case`: a problem from :func:`problems`, a rational θ and rank D[θ].

    ``full_rank=True`` keeps only rank D = QN (N is drawn with QN ≤ K and distinct inputs, so
    few draws are rejected); ``full_rank=False`` keeps only rank D < QN, produced by one of
    ``mechanisms``; ``None`` keeps every draw. Rank is computed by :func:`jacobian_rank`; for
    ``full_rank=False`` with a transcendental activation the numerical rank is used only where
    the mechanism makes deficiency certain (``duplicate_input``, ``K<QN``).
    """
    mechs = _check_cases_args(full_rank, mechanisms)
    _check_bound("max_qn", max_qn, 1)
    losses = tuple(losses)
    arch = architectures(activations=activations, **arch_kwargs).filter(
        lambda n: n.output_dim <= max_qn)

    @st.composite
    def _case(draw):
        net = draw(arch)
        loss = draw(st.sampled_from(losses))
        mech = draw(st.sampled_from(mechs)) if full_rank is False else None
        lo, hi, mech = _sample_range(net, full_rank, mech, max_samples, max_qn)
        if lo > hi:
            reject()  # this architecture cannot host the requested case within the size bounds
        inputs, targets = draw(datasets(net, loss, min_samples=lo, max_samples=hi,
                                        distinct_inputs=mech != "duplicate_input"))
        if mech == "duplicate_input":
            inputs = [inputs[0]] + inputs[:1] + inputs[2:]
        prob = Problem(net, inputs, targets, loss)
        theta = draw(rational_points(net.num_params, theta_scale, theta_denominator))
        if mech == "dead_unit":
            layer = draw(st.integers(0, net.depth - 2))
            unit = draw(st.integers(0, net.widths[layer + 1] - 1))
            theta = _dead_unit_theta(net, theta, layer, unit)
        info = jacobian_rank(prob, theta, dps)
        assume(_keep(info, prob.QN, full_rank, mech))
        return Case(prob, tuple(theta), info, mech)

    return _case()
