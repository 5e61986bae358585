"""The built-in catalogue of problems, shared by ``symflow check``, proofs, tests and notebooks.

Each :class:`CatalogueEntry` holds a :class:`~symflow.core.problem.Problem`, an exact starting point
θ(0) and what is expected of it (full rank or not), with tags:

``l2`` / ``ce``                      the loss
``rational`` / ``transcendental``    whether the exact level applies
``full_rank`` / ``rank_deficient``   rank D = QN at θ(0) (and along the flow) or not
``K<QN``, ``dead_unit``              why a rank-deficient problem is so

The expectations are *checked*, not assumed: the claims verify the rank at θ(0) at the exact
or ball level before relying on it, and report a mismatch.

>>> [e.name for e in catalogue()][:2]
['tanh-2-3-1-l2', 'cube-2-3-2-l2']
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache

from ..errors import ClaimError
from .networks import mlp
from .problem import Problem, random_rational_point

__all__ = ["CatalogueEntry", "catalogue", "get_problem"]


@dataclass(frozen=True)
class CatalogueEntry:
    """A named problem with an exact starting point and its expected rank behaviour."""

    name: str
    problem: Problem
    theta0: tuple[Fraction, ...]
    full_rank: bool
    tags: frozenset[str] = field(default_factory=frozenset)
    description: str = ""

    def has(self, *tags: str) -> bool:
        return all(t in self.tags for t in tags)


def _F(*xs):
    return [Fraction(x) if not isinstance(x, str) else Fraction(x) for x in xs]


def _entry(name, widths, act, inputs, targets, loss, seed, full_rank, tags, description,
           theta0=None, scale=1, denominator=4, bias=True):
    prob = Problem(mlp(widths, act, bias), inputs, targets, loss, name=name)
    th = tuple(theta0) if theta0 is not None else tuple(
        random_rational_point(prob.K, seed, scale=scale, denominator=denominator))
    kind = "rational" if prob.network.activation.rational else "transcendental"
    lossname = "l2" if loss == "l2" else "ce"
    rank_tag = "full_rank" if full_rank else "rank_deficient"
    return CatalogueEntry(name, prob, th, full_rank, frozenset({kind, lossname, rank_tag, *tags}),
                          description)


def _dead_unit_theta() -> tuple[Fraction, ...]:
    # mlp([1, 2, 1], square): θ = (W1_00, W1_10, b1_0, b1_1, W2_00, W2_01, b2_0).
    # Unit 1 has zero incoming weight and bias: z = 0, σ(0) = σ'(0) = 0, so the columns of D
    # for W1_10, b1_1 and W2_01 vanish — and stay zero along any flow (θ' ∈ row space of D).
    return tuple(_F("1/2", 0, "1/4", 0, 1, "3/2", "-1/2"))


@lru_cache(maxsize=None)
def _catalogue() -> tuple[CatalogueEntry, ...]:
    return (
        _entry("tanh-2-3-1-l2", [2, 3, 1], "tanh", [[0, 1], ["1/2", -1]], [[1], [0]], "l2",
               3, True, (), "the paper's setting in miniature: K = 13 ≥ QN = 2"),
        _entry("cube-2-3-2-l2", [2, 3, 2], "cube", [[1, "1/2"], ["-1/2", 1]],
               [[1, 0], [0, "1/2"]], "l2", 5, True, (),
               "a rational (polynomial) network: every pointwise claim holds exactly"),
        _entry("sigmoid-1-4-2-l2", [1, 4, 2], "sigmoid", [["1/2"], [-1]],
               [["1/4", 1], [-1, "1/2"]], "l2", 7, True, (), "two outputs, sigmoid"),
        _entry("softplus-2-2-2-1-l2", [2, 2, 2, 1], "softplus", [[1, 0], [0, 1], [1, 1]],
               [[0], ["1/2"], [1]], "l2", 11, True, ("deep",), "two hidden layers"),
        _entry("square-1-3-1-l2", [1, 3, 1], "square", [[1], ["1/2"], [-1]],
               [[1], [0], ["1/2"]], "l2", 2, True, (), "rational, three samples"),
        _entry("identity-1-1-l2-underparam", [1, 1], "identity", [[1], [2], [-1]],
               [[1], [0], [2]], "l2", 1, False, ("K<QN",),
               "linear regression, K = 2 < QN = 3: the adapted flow is the constrained flow"),
        _entry("tanh-1-1-1-l2-underparam", [1, 1, 1], "tanh", [[1], ["1/2"], [-1], [0], [2]],
               [[1], [0], ["1/2"], [-1], [0]], "l2", 7, False, ("K<QN",),
               "K = 4 < QN = 5, transcendental"),
        _entry("square-1-2-1-l2-dead-unit", [1, 2, 1], "square", [[1], ["1/2"], [-1], [2]],
               [[1], [0], ["1/2"], [-1]], "l2", 0, False, ("dead_unit",),
               "K = 7 ≥ QN = 4 but a dead hidden unit leaves rank D = 3 < QN",
               theta0=_dead_unit_theta()),
        _entry("tanh-2-3-3-ce", [2, 3, 3], "tanh", [[0, 1], ["1/2", -1]],
               [["1/2", "1/4", "1/4"], ["1/5", "3/5", "1/5"]], "cross_entropy", 6, True, (),
               "cross-entropy with positive labels, Q = 3"),
        _entry("sin-1-3-2-ce", [1, 3, 2], "sin", [[1], ["-1/2"]],
               [["1/3", "2/3"], ["3/4", "1/4"]], "cross_entropy", 8, True, (),
               "cross-entropy, Q = 2, sin activation"),
    )


def catalogue(tags: "set[str] | None" = None) -> list[CatalogueEntry]:
    """The built-in problems, optionally only those carrying all ``tags``."""
    out = list(_catalogue())
    if tags:
        out = [e for e in out if e.has(*tags)]
    return out


def get_problem(name: str) -> CatalogueEntry:
    """A catalogue entry by name; ClaimError lists the names if it is unknown."""
    for e in _catalogue():
        if e.name == name:
            return e
    raise ClaimError(f"unknown catalogue problem {name!r}; choose one of "
                     f"{[e.name for e in _catalogue()]}", name)
