"""The claims registry: one :class:`Claim` per docs/theory.md id (C0–C17), checks contributed by modules.

A claim is declared once with :func:`register` and receives check functions from any module
with the :func:`claim_check` decorator::

    register("C5", title="...", statement="...", paper_ref="Theorem 2.3", applies=lambda e: True)

    @claim_check("C5")
    def c5_pointwise(entry, *, dps, level, progress):
        return [Evidence(...), ...]

**Check functions** take ``(entry, *, dps, level, progress)`` and return a list of
:class:`~symflow.claims.evidence.Evidence`:

``entry``
    a :class:`~symflow.core.problems.CatalogueEntry` for ``scope="problem"`` claims, or the
    pseudo-entry :data:`GLOBAL` for ``scope="global"`` claims (see below).
``level``
    a resolved :class:`~symflow.claims.evidence.Level` (never None). For problem claims it is the
    entry's strongest level unless the caller forced a weaker one; a check that cannot reach
    ``level`` for part of its work must say so in its evidence (that evidence's ``level`` is
    the level actually used — the verdict's level is the weakest among its evidence).
``dps``
    working precision in decimal digits; scope it with ``symflow.working_precision(dps)``.
``progress``
    None or an object with ``update(t, info: dict)`` and ``close()`` (``symflow.progress``);
    pass it on to long computations (``symflow.integrate(..., progress=progress)``).

A check returns refutations as Evidence with ``Status.REFUTED`` — never raises for them. An
*unexpected* exception inside a check does not crash a run: :func:`check` turns it into an
inconclusive Evidence whose ``what`` names the exception type and message (and whose
``details["traceback"]`` keeps the last frames), so a bug is visible in every report.

**Scope.** ``Claim.scope`` is ``"problem"`` (the default: checked once per catalogue entry for
which ``applies(entry)`` is True) or ``"global"`` (checked once, not tied to a problem: C6's
SymPy derivation, C10's property search). Global claims receive :data:`GLOBAL`, a
:class:`GlobalEntry` with ``name = "(global)"``, and their ``applies`` is ignored; their
``level`` argument is whatever the caller forced, else ``Level.EXACT`` (a check that can only
work at mpmath level records that in its Evidence). A claim with both kinds of checks is
expressed as two check functions on a ``"problem"`` claim, the global part run on each entry
only if cheap — or, better, as the global part of its own claim.

**Applicability, with reasons.** A claim states what it needs of a problem with ``needs=``:
tags of :data:`NEEDS` (``"full_rank"``, ``"rank_deficient"``, ``"l2"``, ``"ce"``,
``"linear"``: a model linear in θ, decided exactly from its SymPy outputs), each a
:class:`Need` with a predicate on the entry and a sentence. ``Claim.applies`` is the
conjunction of those predicates and ``Claim.why_not(entry)`` the sentence of each one that
fails, with what the entry has instead ("C6 needs full rank D at θ₀: rank 2 < QN = 3 at θ₀
(exact)", "C8 needs the cross-entropy loss: the loss is l2") — one predicate, used for both.
(``applies=`` a bare callable is still accepted, for claims with a condition of their own.)
:func:`plan` lists the pairs to run and :func:`skipped` the others with their reasons;
:func:`check_all` returns a :class:`Verdicts` list whose ``skipped`` attribute holds them. A
skipped pair is not a verdict: it is neither inconclusive nor counted by the exit code.

**Problems of one's own.** :func:`check` and :func:`check_all` accept a
:class:`~symflow.core.problem.Problem` (or a list of Problems and entries) wherever they take
an entry: :func:`as_entry` turns a Problem into an entry whose tags are *decided* from it
(:func:`symflow.core.problems.entry_for`: the loss, rationality, rank D at θ₀ at the strongest
level that certifies it, K < QN). When every entry is such a user entry and no claim ids are
given, the global claims (not tied to a problem: C10-SEARCH) are skipped with that reason; ask
for them by id, or include the catalogue, to run them.

**Levels.** ``level=None`` means the strongest applicable level (:func:`strongest_level`:
``entry.problem.strongest_level`` — exact for rational networks with L2 loss, ball otherwise —
except for an entry of one's own whose rank at θ₀ balls could not certify: mpmath). Forcing a
weaker level (``"ball"``, ``"mpmath"``, ``"float64"``) is always allowed. Forcing a *stronger* level
than applies (``"exact"`` for a transcendental network or cross-entropy) raises
:class:`~symflow.errors.LevelError` from :func:`check`; :func:`check_all` turns that into an
inconclusive verdict whose note says that the level does not apply, so a whole-catalogue run
with ``--level exact`` reports, rather than hides, the problems it could not check exactly.
"""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from ..errors import ClaimError, LevelError
from ..backends import backend
from .entries import (GLOBAL, NEEDS, GlobalEntry, Need, _as_entries, _coerce, _entries_arg,
                      _NeedsAll, as_entry)
from .evidence import Evidence, Level, Reason, Status, Verdict

__all__ = ["Claim", "GlobalEntry", "GLOBAL", "CLAIMS", "register", "claim_check", "get_claim",
           "resolve_level", "strongest_level", "check", "check_all", "parse_claim_ids", "plan",
           "skipped",
           "as_entry", "Need", "NEEDS", "Skipped", "Verdicts"]


@dataclass(frozen=True)
class Claim:
    """A claim of docs/theory.md: id, title, statement, paper reference, applicability and checks."""

    id: str
    title: str
    statement: str
    paper_ref: str
    applies: Callable[[Any], bool]
    checks: tuple[Callable[..., list[Evidence]], ...] = ()
    scope: str = "problem"
    expect: Status = Status.VERIFIED
    finding: str = ""
    needs: tuple[str, ...] = ()

    @property
    def is_counterexample(self) -> bool:
        """A documented counterexample: a wording expected to be *refuted* (a finding)."""
        return self.expect is Status.REFUTED

    def applies_to(self, entry: Any) -> bool:
        return self.scope == "global" or bool(self.applies(entry))

    def why_not(self, entry: Any) -> "str | None":
        """None if the claim applies to ``entry``; else why not, from the same predicates as
        :attr:`applies` ("C6 needs full rank D at θ₀: rank 2 < QN = 3 at θ₀ (exact)")."""
        if self.applies_to(entry):
            return None
        failing = [NEEDS[t] for t in self.needs if not NEEDS[t].holds(entry)]
        if not failing:
            return f"{self.id} does not apply to {getattr(entry, 'name', entry)!r}"
        return f"{self.id} needs " + "; and ".join(f"{n.sentence}: {n.instead(entry)}"
                                                    for n in failing)

    def _with(self, **changes) -> "Claim":
        from dataclasses import replace
        return replace(self, **changes)


CLAIMS: dict[str, Claim] = {}


def _claim_sort_key(cid: str):
    digits = "".join(ch for ch in cid if ch.isdigit())
    return (int(digits) if digits else 10**6, cid)


def register(id: str, title: str, statement: str, paper_ref: str,
             applies: "Callable[[Any], bool] | None" = None, scope: str = "problem",
             expect: Status = Status.VERIFIED, finding: str = "",
             needs: "tuple[str, ...] | list[str]" = ()) -> Claim:
    """Declare claim ``id`` (idempotent for an identical re-declaration; keeps its checks).

    ``needs``: tags of :data:`NEEDS` the problem must satisfy (``("l2", "full_rank")``); the
    claim applies where all hold, and :meth:`Claim.why_not` names those that do not.
    ``applies`` (a bare predicate, without reasons) is the alternative; neither: every problem.
    ``expect=Status.REFUTED`` declares a *documented counterexample* (a wording known to be
    false; ``finding`` says why): its refutation is reported as a finding and does not make
    ``symflow check`` fail, while a verified outcome does.
    """
    if scope not in ("problem", "global"):
        raise ClaimError(f"claim {id}: scope must be 'problem' or 'global', got {scope!r}", scope)
    if expect not in (Status.VERIFIED, Status.REFUTED):
        raise ClaimError(f"claim {id}: expect must be verified or refuted, got {expect!r}", expect)
    needs = tuple(needs)
    for t in needs:
        if t not in NEEDS:
            raise ClaimError(f"claim {id}: unknown need {t!r}; the needs are "
                             f"{', '.join(NEEDS)}", t)
    if needs and applies is not None:
        raise ClaimError(f"claim {id}: give needs= or applies=, not both", id)
    if applies is None:
        applies = _NeedsAll(needs) if needs else (lambda entry: True)
    old = CLAIMS.get(id)
    checks = old.checks if old is not None else ()
    c = Claim(id, title, statement, paper_ref, applies, checks, scope, expect, finding, needs)
    CLAIMS[id] = c
    return c


def claim_check(claim_id: str):
    """Decorator: contribute a check function to the registered claim ``claim_id``."""
    def deco(fn):
        c = get_claim(claim_id)
        if fn not in c.checks:
            CLAIMS[claim_id] = c._with(checks=c.checks + (fn,))
        return fn
    return deco


def get_claim(claim_id: str) -> Claim:
    """The registered claim; ClaimError naming the id and listing the valid ones."""
    try:
        return CLAIMS[str(claim_id).strip().upper()]
    except KeyError:
        raise ClaimError(f"unknown claim {claim_id!r}; valid claims: "
                         f"{', '.join(sorted(CLAIMS, key=_claim_sort_key))}", claim_id) from None


def parse_claim_ids(spec: "str | Iterable[str] | None") -> list[str]:
    """``"C1,C6"`` or a list → validated ids in registry order (None → all)."""
    if spec is None:
        return sorted(CLAIMS, key=_claim_sort_key)
    if isinstance(spec, str):
        spec = [s for s in spec.split(",") if s.strip()]
    ids = [get_claim(s).id for s in spec]
    if not ids:
        raise ClaimError("no claim ids given; valid claims: "
                         f"{', '.join(sorted(CLAIMS, key=_claim_sort_key))}", spec)
    return list(dict.fromkeys(ids))


def strongest_level(entry: Any) -> Level:
    """The strongest level the checks of ``entry`` can work at: the problem's
    (``problem.strongest_level``: exact for rational problems, else ball) — or, for an entry
    of one's own whose rank D at θ₀ balls could not certify (:func:`~symflow.core.problems.
    start_rank` fell back to mpmath: a rank drop, e.g. shared weights), mpmath, where the
    pointwise claims' pseudo-inverses and projectors would otherwise all fail to certify
    (:attr:`symflow.core.problems.CatalogueEntry.strongest_level`)."""
    return getattr(entry, "strongest_level", entry.problem.strongest_level)


def resolve_level(entry: Any, level: "Level | str | None") -> Level:
    """The level a check runs at: strongest applicable if None; LevelError if ``level`` is
    stronger than what applies to ``entry``'s problem."""
    if isinstance(entry, GlobalEntry):
        return Level.EXACT if level is None else Level.parse(level)
    strongest = strongest_level(entry)
    if level is None:
        return strongest
    lv = Level.parse(level)
    if lv.strength < strongest.strength:
        why = "non-rational loss" if not entry.problem.loss.rational else \
            "transcendental network"
        if strongest is not entry.problem.strongest_level:
            why = f"balls cannot certify its rank: {entry.rank.sentence}"
        raise LevelError(
            f"level {lv.value!r} does not apply to problem {entry.name!r} (its strongest level is "
            f"{strongest.value!r}: {why}); omit --level or choose {strongest.value!r} or weaker",
            lv.value)
    return lv


def _error_evidence(fn: Callable, exc: BaseException, level: Level, dps: int) -> Evidence:
    tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__, limit=-4))
    return Evidence(level, f"check {fn.__name__} raised {type(exc).__name__}: {exc}",
                    None, None, Status.INCONCLUSIVE, dps,
                    {"exception": type(exc).__name__, "message": str(exc), "traceback": tb},
                    key=f"{fn.__name__}.raised", reason=Reason.ERROR,
                    why=f"{type(exc).__name__}: {exc}")


def _keyed(claim_id: str, fn: Callable, evidence: list[Evidence]) -> list[Evidence]:
    """Prefix every key with the claim id; evidence without a key gets ``<check>#<i>``, and
    repeated keys get ``#2``, ``#3`` … so that keys are unique within a verdict."""
    out, seen = [], {}
    for i, e in enumerate(evidence):
        k = e.key or f"{fn.__name__}#{i}"
        if not k.startswith(claim_id + "."):
            k = f"{claim_id}.{k}"
        n = seen.get(k, 0) + 1
        seen[k] = n
        out.append(e.with_(key=k if n == 1 else f"{k}#{n}"))
    return out


def check(claim_id: str, entry: Any, *, dps: int = 30, level: "Level | str | None" = None,
          progress: Any = None) -> Verdict:
    """Run every check contributed to ``claim_id`` on ``entry`` and combine the evidence.

    ``entry``: a catalogue entry, or a :class:`~symflow.core.problem.Problem` (made an entry
    by :func:`as_entry`: θ₀ seeded, tags decided). Raises ClaimError for an unknown id or a
    claim that does not apply to ``entry`` (saying why: :meth:`Claim.why_not`), and
    LevelError for a level stronger than what applies; anything a check raises is recorded as
    inconclusive evidence naming the exception.
    """
    c = get_claim(claim_id)
    dps = _check_dps(dps)
    if c.scope == "global":
        entry = GLOBAL if entry is None else _coerce(entry, dps)
    else:
        entry = _coerce(entry, dps)
        if not c.applies(entry):
            raise ClaimError(f"claim {c.id} ({c.title}) does not apply to problem "
                             f"{entry.name!r}: {c.why_not(entry)}", entry)
    lv = resolve_level(entry, level)
    _check_headroom(dps, lv, f"claim {c.id} on {entry.name!r}")
    evidence: list[Evidence] = []
    for fn in c.checks:
        try:
            got = list(fn(entry, dps=dps, level=lv, progress=progress))
        except Exception as exc:  # recorded, never silent: see module docstring
            got = [_error_evidence(fn, exc, lv, dps)]
        evidence.extend(_keyed(c.id, fn, got))
    note = "" if c.checks else "no check functions are registered for this claim"
    if c.is_counterexample and not note:
        note = c.finding
    return Verdict.from_evidence(c.id, c.statement, entry.name, evidence, note, c.expect)


def _check_dps(dps: Any) -> int:
    """The one precision rule (:func:`symflow.numbers.check_dps`): PrecisionError naming dps."""
    from ..numbers import check_dps
    return check_dps(dps, "dps")


def _check_headroom(dps: int, level: Level, where: str) -> None:
    """Refuse, before any work, a dps whose derived working precision exceeds MAX_DPS."""
    from ..errors import PrecisionError
    from ..numbers import MAX_DPS
    be = backend(level)
    work = be.headroom_dps(dps)
    if work > MAX_DPS:
        top = be.max_dps_within(MAX_DPS)
        raise PrecisionError(
            f"dps = {dps} is too high for {where} at level {level.value!r}: its checks work at "
            f"{be.headroom_rule()} = {work} digits, above MAX_DPS = "
            f"{MAX_DPS}; use dps ≤ {top}", dps)


@dataclass(frozen=True)
class Skipped:
    """A (claim, problem) pair not checked because the claim does not apply, and why. Not a
    verdict: never counted as inconclusive, and no part of the exit code."""

    claim: str
    problem: str
    reason: str
    source: str = ""

    def to_dict(self) -> dict:
        return {"claim": self.claim, "problem": self.problem, "reason": self.reason,
                "source": self.source}


class Verdicts(list):
    """The list of verdicts :func:`check_all` returns, with ``skipped``: the pairs that were not
    checked and why (:class:`Skipped`)."""

    def __init__(self, verdicts=(), skipped=()) -> None:
        super().__init__(verdicts)
        self.skipped: list[Skipped] = list(skipped)


def _global_reason(c: Claim) -> str:
    return (f"{c.id} is a global check, not tied to a problem: with only problems of your own "
            f"it runs when asked for by id (symflow check --claims {c.id}; check_all("
            f"[\"{c.id}\"], problems)) or with the catalogue (symflow check --catalogue)")


def _plan(claims, entries) -> tuple[list[tuple[str, Any]], list[Skipped]]:
    from ..core.problems import catalogue
    explicit = claims is not None
    ids = parse_claim_ids(claims)
    entries = catalogue() if entries is None else list(entries)
    only_user = bool(entries) and all(getattr(e, "is_user", False) for e in entries)
    pairs: list[tuple[str, Any]] = []
    out: list[Skipped] = []
    for cid in ids:
        c = CLAIMS[cid]
        if c.scope == "global":
            if only_user and not explicit:
                out.append(Skipped(cid, GLOBAL.name, _global_reason(c)))
            else:
                pairs.append((cid, GLOBAL))
            continue
        for e in entries:
            if c.applies(e):
                pairs.append((cid, e))
            else:
                out.append(Skipped(cid, e.name, c.why_not(e) or "", getattr(e, "source", "")))
    return pairs, out


def plan(claims=None, entries=None) -> list[tuple[str, Any]]:
    """The (claim id, entry) pairs :func:`check_all` will run, in order (``entries``: entries
    or Problems; None: the catalogue)."""
    return _plan(claims, _as_entries(entries, 30))[0]


def skipped(claims=None, entries=None) -> list[Skipped]:
    """The (claim, problem) pairs :func:`check_all` will *not* run, each with the reason
    (:meth:`Claim.why_not`; a global claim skipped with only user problems says so)."""
    return _plan(claims, _as_entries(entries, 30))[1]


def check_all(claims=None, entries=None, dps: int = 30, level: "Level | str | None" = None,
              progress: Any = None,
              on_verdict: "Callable[[Verdict], None] | None" = None) -> Verdicts:
    """Check every claim (or ``claims``: ids or ``"C1,C6"``) on every applicable entry.

    ``entries``: catalogue entries and/or :class:`~symflow.core.problem.Problem` objects
    (None: the catalogue). A Problem, an entry or a list of them may also be given first:
    ``check_all(problem)`` checks every claim that applies to it. Returns a :class:`Verdicts`
    list; its ``skipped`` lists the pairs not run, each with the reason.

    ``progress.update(i, info)`` is called before and after each (claim, problem) pair with
    ``info = {"event": "start"|"done", "claim", "problem", "index", "total", "elapsed",
    "status", "expected"}`` (``status`` and ``expected`` only on "done"). ``on_verdict(v)`` is
    called with each verdict as soon as it is finished, so that a caller interrupted (Ctrl-C)
    keeps the verdicts so far.
    """
    if level is not None:
        level = Level.parse(level)
    dps = _check_dps(dps)
    claims, entries = _entries_arg(claims, entries)
    pairs, not_run = _plan(claims, _as_entries(entries, dps))
    for cid, e in pairs:  # refuse a dps without headroom before any work starts
        try:
            lv = resolve_level(e, level)
        except LevelError:
            continue
        _check_headroom(dps, lv, f"claim {cid} on {e.name!r}")
    out = Verdicts(skipped=not_run)
    t0 = time.perf_counter()
    for i, (cid, e) in enumerate(pairs):
        info = {"event": "start", "claim": cid, "problem": e.name, "index": i,
                "total": len(pairs), "elapsed": time.perf_counter() - t0}
        if progress is not None:
            progress.update(i, info)
        try:
            v = check(cid, e, dps=dps, level=level, progress=progress)
        except LevelError as exc:
            c = CLAIMS[cid]
            ev = Evidence(Level.parse(level) if level is not None else Level.EXACT,
                          f"not checked: {exc}", None, None, Status.INCONCLUSIVE, None,
                          key=f"{cid}.level", reason=Reason.NOT_APPLICABLE, why=str(exc))
            v = Verdict(cid, c.statement, e.name, Status.INCONCLUSIVE, (ev,),
                        f"not checked: {exc}", c.expect)
        out.append(v)
        if on_verdict is not None:
            on_verdict(v)
        if progress is not None:
            progress.update(i + 1, {**info, "event": "done", "status": v.status.value,
                                    "expected": v.expected.value,
                                    "level": v.level.value if v.level else None,
                                    "elapsed": time.perf_counter() - t0})
    return out
