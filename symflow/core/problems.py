"""The built-in catalogue of problems, shared by ``symflow check``, proofs, tests and notebooks.

Each :class:`CatalogueEntry` holds a :class:`~symflow.core.problem.Problem`, an exact starting point
θ(0) and what is expected of it (full rank or not), with tags:

``l2`` / ``ce``                      the loss
``rational`` / ``transcendental``    whether the exact level applies
``full_rank`` / ``rank_deficient``   rank D = QN at θ(0) (and along the flow) or not
``K<QN``, ``dead_unit``              why a rank-deficient problem is so

The expectations are *checked*, not assumed: the claims verify the rank at θ(0) at the exact
or ball level before relying on it, and report a mismatch.

A problem of one's own becomes an entry with :func:`entry_for`, which *decides* these tags from
the problem (the loss, ``problem.rational``, ``K<QN``) and from rank D at θ(0), computed at the
strongest level that certifies it (:func:`start_rank`); its entries carry that decision
(``entry.rank``) and where they came from (``entry.source``: a problem file's path, or
``"(python)"``; the catalogue's own entries have ``source = ""``).

>>> [e.name for e in catalogue()][:2]
['tanh-2-3-1-l2', 'cube-2-3-2-l2']
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from typing import Any, Iterable

from ..backends.levels import Level
from ..backends.linalg import rank_info
from ..errors import ClaimError, DataError, ParameterError, RankError
from ..numbers import check_dps, short_repr, to_rational_list
from .losses import L2
from .networks import mlp
from .problem import Problem, random_rational_point

__all__ = ["CatalogueEntry", "StartRank", "catalogue", "get_problem", "entry_for", "start_rank",
           "DECIDED_TAGS"]

#: Tags :func:`entry_for` decides from the problem; a caller cannot set them.
DECIDED_TAGS = frozenset({"l2", "ce", "rational", "transcendental", "full_rank",
                          "rank_deficient", "K<QN"})

_TAG_RE = re.compile(r"^[A-Za-z0-9_.<>=+-]{1,40}$")


@dataclass(frozen=True)
class StartRank:
    """rank D at θ(0) and how it was decided (:func:`start_rank`).

    ``rank`` is None when K < QN decided it without computing (rank D ≤ K < QN). ``certain``:
    exact, certified by balls, or structural (K < QN); otherwise the rank is numerical (mpmath
    singular values with a cut-off ``threshold``), and ``how`` says so.
    """

    rank: "int | None"
    QN: int
    K: int
    level: Level
    certain: bool
    how: str
    singular_values: tuple = ()
    threshold: Any = None

    @property
    def full_rank(self) -> bool:
        return self.rank == self.QN

    @property
    def sentence(self) -> str:
        """e.g. ``rank D = 2 = QN at θ₀ (exact)``, ``rank D = 2 < QN = 3 at θ₀ (exact)``,
        ``rank D ≤ K = 2 < QN = 3``."""
        if self.rank is None:
            return f"rank D ≤ K = {self.K} < QN = {self.QN}"
        if self.full_rank:
            return f"rank D = {self.rank} = QN at θ₀ ({self.how})"
        return f"rank D = {self.rank} < QN = {self.QN} at θ₀ ({self.how})"

    def to_dict(self) -> dict:
        return {"rank": self.rank, "QN": self.QN, "K": self.K, "level": self.level.value,
                "certain": self.certain, "full_rank": self.full_rank, "how": self.how,
                "sentence": self.sentence,
                "singular_values": [str(v) for v in self.singular_values],
                "threshold": None if self.threshold is None else str(self.threshold)}


@dataclass(frozen=True)
class CatalogueEntry:
    """A named problem with an exact starting point and its expected rank behaviour."""

    name: str
    problem: Problem
    theta0: tuple[Fraction, ...]
    full_rank: bool
    tags: frozenset[str] = field(default_factory=frozenset)
    description: str = ""
    rank: "StartRank | None" = None
    source: str = ""

    @property
    def strongest_level(self) -> Level:
        """The level claims run at by default: the problem's strongest — except where balls
        could not certify rank D at θ₀ (:func:`start_rank` fell back to mpmath, e.g. a rank drop
        by shared weights): there the pointwise objects ((DDᵀ)⁺, P) cannot be enclosed either,
        and the claims run at mpmath."""
        level = self.problem.strongest_level
        r = self.rank
        if r is not None and not r.certain and r.level.strength > level.strength:
            return r.level   # start_rank fell back to mpmath: balls could not certify the rank
        return level

    @property
    def is_user(self) -> bool:
        """Built by :func:`entry_for` (from Python or a problem file), not the catalogue."""
        return bool(self.source)

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


def _fmt_sv(values, n: int = 3) -> str:
    import mpmath
    return ", ".join(mpmath.nstr(v, 3) for v in values[-n:])


def start_rank(problem: Problem, theta0: Any, dps: int = 30) -> StartRank:
    """rank D at θ₀, at the strongest level that certifies it.

    K < QN: rank D ≤ K < QN, nothing to compute. Rational problems: the exact rank. Others:
    Arb balls certify full rank (DDᵀ certified invertible); where they cannot (the matrix may
    be rank-deficient, or is too ill-conditioned for ``dps`` digits) the rank falls back to
    mpmath's numerical rank, with the smallest singular values and the cut-off as evidence
    (``certain = False``). A DomainError at θ₀ (an activation off its domain) propagates.
    """
    dps = check_dps(dps)
    K, QN = problem.K, problem.QN
    if K < QN:
        return StartRank(None, QN, K, Level.EXACT, True, f"K = {K} < QN = {QN}")
    if problem.rational:
        info = rank_info(problem.at(theta0, Level.EXACT).D, dps)
        return StartRank(info.rank, QN, K, Level.EXACT, True, "exact")
    try:
        info = rank_info(problem.at(theta0, Level.BALL, dps).D, dps)
        return StartRank(info.rank, QN, K, Level.BALL, True,
                         f"certified by Arb balls at {dps} digits")
    except RankError:
        pass
    info = rank_info(problem.at(theta0, Level.MPMATH, dps).D, dps)
    how = (f"numerical, mpmath at {dps} digits: balls could not certify full rank; smallest "
           f"singular values {_fmt_sv(info.singular_values)}, cut-off "
           f"{_fmt_sv([info.threshold], 1)}")
    return StartRank(info.rank, QN, K, Level.MPMATH, False, how, tuple(info.singular_values),
                     info.threshold)


def _check_tags(tags: Iterable[str]) -> tuple[str, ...]:
    if isinstance(tags, (str, bytes)):
        raise DataError(f"tags must be a list of strings, got {short_repr(tags)}", tags)
    out = []
    for i, t in enumerate(tags):
        if not isinstance(t, str) or not _TAG_RE.match(t):
            raise DataError(f"tags[{i}] = {short_repr(t)} must be a short word (letters, digits "
                            f"and _ . < > = + -, at most 40 characters)", t)
        if t in DECIDED_TAGS:
            raise DataError(f"tags[{i}] = {t!r} is decided from the problem (the tags "
                            f"{', '.join(sorted(DECIDED_TAGS))} are); leave it out", t)
        out.append(t)
    return tuple(dict.fromkeys(out))


def entry_for(problem: Problem, theta0: Any = None, *, name: "str | None" = None,
              tags: Iterable[str] = (), description: str = "", seed: Any = 0,
              source: str = "(python)", dps: int = 30) -> CatalogueEntry:
    """A :class:`CatalogueEntry` for a problem of one's own, its tags *decided*:

    ``l2`` / ``ce`` from the loss, ``rational`` / ``transcendental`` from ``problem.rational``,
    ``full_rank`` / ``rank_deficient`` from rank D at θ₀ (:func:`start_rank`: exact, certified
    balls, else numerical mpmath — recorded in ``entry.rank``), and ``K<QN`` when K < QN; plus
    the caller's ``tags`` (which may not be any of :data:`DECIDED_TAGS`).

    ``theta0``: K exact numbers (see :func:`symflow.numbers.to_rational`); default a seeded
    random rational point (``random_rational_point(K, seed, denominator=4)``, as the
    catalogue's). ``name`` defaults to ``problem.name``; ``source`` says where the entry came
    from (a problem file's path; ``"(python)"`` by default).

    >>> import symflow as sf
    >>> p = sf.Problem(sf.mlp([1, 1], "identity"), [[1], [2], [3]], [[0], [1], [0]])
    >>> e = entry_for(p, name="linear")
    >>> sorted(e.tags), e.rank.sentence
    (['K<QN', 'l2', 'rank_deficient', 'rational'], 'rank D ≤ K = 2 < QN = 3')
    """
    if not isinstance(problem, Problem):
        raise DataError(f"expected a symflow.Problem, got {short_repr(problem)}", problem)
    if name is None:
        name = problem.name
    if not isinstance(name, str) or not name.strip() or len(name) > 200 or "\n" in name:
        raise DataError(f"name = {short_repr(name)} must be a non-empty one-line string of at "
                        f"most 200 characters", name)
    if not isinstance(description, str):
        raise DataError(f"description = {short_repr(description)} must be a string",
                        description)
    user_tags = _check_tags(tags)
    if theta0 is None:
        theta = random_rational_point(problem.K, seed, denominator=4)
    else:
        try:
            theta = to_rational_list(theta0, "θ₀", length=problem.K)
        except DataError as exc:
            raise ParameterError(f"{exc} (K = {problem.K} parameters)", exc.value) from None
    th = tuple(Fraction(int(v.p), int(v.q)) if hasattr(v, "p") else Fraction(v) for v in theta)
    rank = start_rank(problem, th, dps)
    tags_ = {"l2" if isinstance(problem.loss, L2) else "ce",
             "rational" if problem.rational else "transcendental",
             "full_rank" if rank.full_rank else "rank_deficient", *user_tags}
    if problem.K < problem.QN:
        tags_.add("K<QN")
    return CatalogueEntry(name, problem, th, rank.full_rank, frozenset(tags_), description,
                          rank, source)
