"""C10: the Hypothesis search for a counterexample to C6 without its full-rank hypothesis.

:func:`find_c6_counterexample` runs Hypothesis' ``find`` on the statement "the adapted output
field is −∇ₓC" (the instantaneous form of C6's straight line, x' = −(x − y)/N) *without*
the full-rank hypothesis; Hypothesis shrinks the first failure to a minimal architecture,
returned as a :class:`Counterexample` (C10-SEARCH in :mod:`symflow.claims.c10_hypotheses` and
``symflow campaign --c10`` call it).

>>> cx = find_c6_counterexample(max_examples=100, seed=0)
>>> cx.rank < cx.QN and cx.residual > 0
True
"""

from __future__ import annotations

import json
import random
from dataclasses import asdict, dataclass
from fractions import Fraction

from hypothesis import HealthCheck, find, settings
from hypothesis.errors import NoSuchExample

from ..core.fields import output_field
from ..errors import DataError, SymflowError
from .strategies import RATIONAL_ACTIVATIONS, Case, cases

__all__ = ["Counterexample", "find_c6_counterexample"]

#: Every Hypothesis health check is suppressed in the search and the campaign (small, slow,
#: heavily filtered draws are the point).
_SUPPRESS = list(HealthCheck)


@dataclass(frozen=True)
class Counterexample:
    """A minimal case where C6's conclusion x' = −∇ₓC fails (found and shrunk by Hypothesis).

    ``residual`` = max |x' + ∇ₓC| (exact rational, > 0); ``rank`` = rank D < ``QN``.
    """

    widths: tuple[int, ...]
    activation: str
    bias: bool
    N: int
    inputs: tuple[tuple[Fraction, ...], ...]
    targets: tuple[tuple[Fraction, ...], ...]
    theta: tuple[Fraction, ...]
    rank: int
    QN: int
    K: int
    residual: Fraction
    examples_tried: int = 0
    seed: int = 0

    def description(self) -> str:
        """A one-paragraph account for reports."""
        fmt = lambda rows: "[" + ", ".join("[" + ", ".join(str(v) for v in r) + "]"
                                           for r in rows) + "]"
        return (f"C10 counterexample (Hypothesis, seed {self.seed}, shrunk after "
                f"{self.examples_tried} evaluations): mlp({list(self.widths)}, "
                f"{self.activation!r}, bias={self.bias}) with K = {self.K} parameters on N = "
                f"{self.N} samples, inputs {fmt(self.inputs)}, targets {fmt(self.targets)}, "
                f"L2 loss, at θ = [{', '.join(str(v) for v in self.theta)}]: rank D = "
                f"{self.rank} < QN = {self.QN}, and the adapted output field misses −∇ₓC by "
                f"max|x' + ∇ₓC| = {self.residual} (exact), so the output path is not the "
                f"straight line of C6: the full-rank hypothesis cannot be dropped.")

    def to_json(self) -> dict:
        d = asdict(self)
        return json.loads(json.dumps(d, default=str))


def _c6_residual(case: Case) -> Fraction:
    """max |x' + ∇ₓC| at the exact level for the adapted field (0 ⇔ C6's x' = −(x − y)/N)."""
    pd = case.at("exact")
    r = (output_field(pd, "adapted") + pd.grad).max_abs()
    return Fraction(int(r.p), int(r.q))


def _check_search_args(max_examples: int, seed: int) -> None:
    """``max_examples`` a positive and ``seed`` a non-negative integer, else DataError."""
    for name, v, lo, kind in (("max_examples", max_examples, 1, "positive"),
                              ("seed", seed, 0, "non-negative")):
        if isinstance(v, bool) or not isinstance(v, int) or v < lo:
            raise DataError(f"{name} must be a {kind} integer, got {v!r}", v)


def _counterexample(case: Case, examples_tried: int, seed: int) -> Counterexample:
    """The :class:`Counterexample` record of a (shrunk) exact case."""
    p = case.problem
    return Counterexample(tuple(p.network.widths), p.network.activation.name, p.network.bias,
                          p.N, tuple(tuple(Fraction(int(v.p), int(v.q)) for v in r)
                                     for r in p.inputs),
                          tuple(tuple(Fraction(int(v.p), int(v.q)) for v in r)
                                for r in p.targets),
                          tuple(case.theta), case.rank.rank, p.QN, p.K, _c6_residual(case),
                          examples_tried, seed)


def find_c6_counterexample(max_examples: int = 500, seed: int = 0) -> Counterexample:
    """Search (Hypothesis ``find``) for a rational L2 case whose adapted output field is not
    −∇ₓC, with no full-rank assumption, and return it shrunk to a minimal one.

    The search space is :func:`symflow.testing.strategies.cases` with rational activations (so
    the residual is exact), depth ≤ 2, widths ≤ 2, QN ≤ 4. Raises :class:`SymflowError` if no
    counterexample is found within ``max_examples``.
    """
    _check_search_args(max_examples, seed)
    calls = [0]

    def fails_c6(case: Case) -> bool:
        calls[0] += 1
        return _c6_residual(case) != 0

    strat = cases(full_rank=None, activations=RATIONAL_ACTIVATIONS, losses=("l2",), max_qn=4,
                  max_depth=2, max_width=2, max_params=12)
    try:
        case = find(strat, fails_c6,
                    settings=settings(max_examples=max_examples, database=None, deadline=None,
                                      suppress_health_check=_SUPPRESS),
                    random=random.Random(seed))
    except NoSuchExample:
        raise SymflowError(f"no C6 counterexample found in {max_examples} examples (seed {seed}); "
                           f"raise max_examples") from None
    return _counterexample(case, calls[0], seed)
