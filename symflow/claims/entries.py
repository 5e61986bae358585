"""What the claims run on: entries (catalogue problems, problems of one's own, the global
pseudo-entry) and what a claim may need of them.

:func:`as_entry` turns a :class:`~symflow.core.problem.Problem` into an entry whose tags are
*decided* from it (:func:`symflow.core.problems.entry_for`). A claim declared with
``needs=(tag, …)`` applies where every :class:`Need` holds; when one does not, its
``sentence`` and ``instead`` say why (:meth:`symflow.claims.registry.Claim.why_not`).
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Any, Callable

import sympy as sp

from ..core.losses import L2, CrossEntropy
from ..core.problem import Problem
from ..core.problems import CatalogueEntry, entry_for
from ..errors import ClaimError

__all__ = ["GlobalEntry", "GLOBAL", "Need", "NEEDS", "as_entry", "nonlinear_witness"]


@dataclass(frozen=True)
class GlobalEntry:
    """The pseudo-entry handed to ``scope="global"`` checks (no problem attached)."""

    name: str = "(global)"
    tags: frozenset = frozenset()
    problem: Any = None

    def has(self, *tags: str) -> bool:
        return False


GLOBAL = GlobalEntry()


@dataclass(frozen=True)
class Need:
    """One thing a claim needs of a problem: ``holds(entry)``, the ``sentence`` naming it
    ("full rank D at θ₀") and ``instead(entry)``, what the entry has when it does not hold."""

    tag: str
    sentence: str
    holds: Callable[[Any], bool]
    instead: Callable[[Any], str]


def _rank_instead(e: Any) -> str:
    """rank D at θ₀ as decided for the entry (:class:`~symflow.core.problems.StartRank`), or,
    for a catalogue entry, what the catalogue states."""
    rank = getattr(e, "rank", None)
    if rank is not None:
        return rank.sentence
    p = e.problem
    if p.K < p.QN:
        return f"rank D ≤ K = {p.K} < QN = {p.QN}"
    if e.full_rank:
        return f"rank D = QN = {p.QN} at θ₀ (a full-rank catalogue problem)"
    why = ": a dead unit" if "dead_unit" in e.tags else ""
    return f"rank D < QN = {p.QN} at θ₀ (a rank-deficient catalogue problem{why})"


def _loss_instead(e: Any) -> str:
    return f"the loss is {e.problem.loss.name}"


_NONLINEAR: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def nonlinear_witness(problem: Any) -> "str | None":
    """None if the model is linear in θ (x[θ] = Aθ + b: every ∂²x_i/∂θ_a∂θ_b of the SymPy
    outputs ``problem.outputs`` is identically 0, so D is constant); else a sentence naming
    the first second derivative SymPy does not reduce to 0. Derivatives of x_i are taken only
    in the parameters it contains; a first derivative free of θ ends the search for that pair,
    so a linear model costs QN·K ``diff`` calls and a nonlinear one stops at its first
    witness. Cached per Problem (weakly keyed)."""
    try:
        return _NONLINEAR[problem]
    except KeyError:
        pass
    params = set(problem.params)
    out = None
    for i, xi in enumerate(problem.outputs):
        for a in sorted(xi.free_symbols & params, key=str):
            da = sp.diff(xi, a)
            for b in sorted(da.free_symbols & params, key=str):
                out = _second_derivative_witness(sp.diff(da, b), i, a, b, problem.params)
                if out:
                    break
            if out:
                break
        if out:
            break
    _NONLINEAR[problem] = out
    return out


def _second_derivative_witness(dab: Any, i: int, a: Any, b: Any, params) -> "str | None":
    """None if ``dab`` = ∂²x_i/∂a∂b is 0; else the sentence of :func:`nonlinear_witness`.
    Nonzero is shown cheaply where possible: its value at θ = (1/3, 2/7, 3/11, …), evaluated
    by ``evalf`` to 30 digits, above 10⁻²⁰; only otherwise ``simplify`` decides (a result it
    cannot reduce to 0 counts as nonzero: the claim is then conservatively not applied)."""
    if dab == 0:
        return None
    point = {p: sp.Rational(k + 1, 4 * k + 3) for k, p in enumerate(params)}
    try:
        val = sp.N(dab.subs(point), 30)
        shown = val.is_number and abs(val) > sp.Float("1e-20")
    except (TypeError, ValueError, ZeroDivisionError):
        shown = False
    if not shown and sp.simplify(dab) == 0:
        return None
    return (f"∂²x_{i + 1}/∂{a}∂{b} = {_short(dab)} is not identically 0 (SymPy): the model "
            f"is not linear in θ")


#: What claims may need of a problem (``register(..., needs=(tag, …))``).
NEEDS: dict[str, Need] = {n.tag: n for n in (
    Need("full_rank", "full rank D at θ₀", lambda e: bool(e.full_rank), _rank_instead),
    Need("rank_deficient", "rank D < QN at θ₀", lambda e: not e.full_rank, _rank_instead),
    Need("l2", "the L2 loss", lambda e: isinstance(e.problem.loss, L2), _loss_instead),
    Need("ce", "the cross-entropy loss", lambda e: isinstance(e.problem.loss, CrossEntropy),
         _loss_instead),
    Need("linear", "a model linear in θ (constant D)",
         lambda e: nonlinear_witness(e.problem) is None,
         lambda e: nonlinear_witness(e.problem) or "linear"),
)}


@dataclass(frozen=True)
class _NeedsAll:
    """``Claim.applies`` of a claim declared with ``needs=``: all its needs hold."""

    needs: tuple[str, ...]

    def __call__(self, entry: Any) -> bool:
        return all(NEEDS[t].holds(entry) for t in self.needs)


def as_entry(item: Any, theta0: Any = None, *, name: "str | None" = None, tags=(),
             description: str = "", seed: Any = 0, dps: int = 30) -> Any:
    """``item`` as an entry the claims run on: an entry (catalogue or :data:`GLOBAL`) as it
    is; a :class:`~symflow.core.problem.Problem` through
    :func:`~symflow.core.problems.entry_for` (θ₀ given or seeded, tags decided from the
    problem and from rank D at θ₀ at ``dps`` digits); ClaimError for anything else."""
    if isinstance(item, (CatalogueEntry, GlobalEntry)):
        if theta0 is not None or name is not None or tuple(tags) or description:
            raise ClaimError(f"{item.name!r} is already an entry: θ₀, name, tags and "
                             f"description apply only to a Problem", item.name)
        return item
    if isinstance(item, Problem):
        return entry_for(item, theta0, name=name, tags=tags, description=description,
                         seed=seed, dps=dps)
    raise ClaimError(f"expected a symflow.Problem or a catalogue entry, got "
                     f"{_short(item)} (type {type(item).__name__})", item)


def _coerce(item: Any, dps: int) -> Any:
    """A Problem made an entry (:func:`as_entry`); anything else as it is (entries, and the
    duck-typed stand-ins of tests)."""
    return as_entry(item, dps=dps) if isinstance(item, Problem) else item


def _short(x: Any) -> str:
    from ..numbers import short_repr
    return short_repr(x)


def _is_item(x: Any) -> bool:
    return isinstance(x, (Problem, CatalogueEntry, GlobalEntry))


def _entries_arg(claims: Any, entries: Any) -> tuple[Any, Any]:
    """``check_all(problem)`` / ``check_all([p1, e2])``: a Problem, an entry or a list of them
    given where the claims go is taken as the entries."""
    looks = _is_item(claims) or (isinstance(claims, (list, tuple)) and bool(claims)
                                 and any(_is_item(c) for c in claims))
    if not looks:
        return claims, entries
    if entries is not None:
        raise ClaimError("problems were given twice (as the first argument and as entries=); "
                         "use check_all(problems) or check_all(claims, entries)", entries)
    return None, claims


def _as_entries(entries: Any, dps: int) -> "list | None":
    if entries is None:
        return None
    if _is_item(entries):
        entries = [entries]
    out = [_coerce(e, dps) for e in entries]
    seen: dict = {}
    for e in out:
        if e.name in seen and seen[e.name] is not e:
            raise ClaimError(f"two problems are named {e.name!r}; give them distinct names "
                             f"(Problem(..., name=...) or name = \"…\" in a problem file)",
                             e.name)
        seen[e.name] = e
    return out
