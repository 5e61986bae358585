"""The claims registry: one :class:`Claim` per docs/theory.md id (C1–C10), checks contributed by modules.

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

**Levels.** ``level=None`` means the strongest applicable level (``entry.problem.
strongest_level``: exact for rational networks with L2 loss, ball otherwise). Forcing a weaker
level (``"ball"``, ``"mpmath"``, ``"float64"``) is always allowed. Forcing a *stronger* level
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
from .evidence import Evidence, Level, Reason, Status, Verdict

__all__ = ["Claim", "GlobalEntry", "GLOBAL", "CLAIMS", "register", "claim_check", "get_claim",
           "resolve_level", "check", "check_all", "parse_claim_ids"]


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

    @property
    def is_counterexample(self) -> bool:
        """A documented counterexample: a wording expected to be *refuted* (a finding)."""
        return self.expect is Status.REFUTED

    def applies_to(self, entry: Any) -> bool:
        return self.scope == "global" or bool(self.applies(entry))


CLAIMS: dict[str, Claim] = {}


def _claim_sort_key(cid: str):
    digits = "".join(ch for ch in cid if ch.isdigit())
    return (int(digits) if digits else 10**6, cid)


def register(id: str, title: str, statement: str, paper_ref: str,
             applies: Callable[[Any], bool] = lambda entry: True, scope: str = "problem",
             expect: Status = Status.VERIFIED, finding: str = "") -> Claim:
    """Declare claim ``id`` (idempotent for an identical re-declaration; keeps its checks).

    ``expect=Status.REFUTED`` declares a *documented counterexample* (a wording known to be
    false; ``finding`` says why): its refutation is reported as a finding and does not make
    ``symflow check`` fail, while a verified outcome does.
    """
    if scope not in ("problem", "global"):
        raise ClaimError(f"claim {id}: scope must be 'problem' or 'global', got {scope!r}", scope)
    if expect not in (Status.VERIFIED, Status.REFUTED):
        raise ClaimError(f"claim {id}: expect must be verified or refuted, got {expect!r}", expect)
    old = CLAIMS.get(id)
    checks = old.checks if old is not None else ()
    c = Claim(id, title, statement, paper_ref, applies, checks, scope, expect, finding)
    CLAIMS[id] = c
    return c


def claim_check(claim_id: str):
    """Decorator: contribute a check function to the registered claim ``claim_id``."""
    def deco(fn):
        c = get_claim(claim_id)
        if fn not in c.checks:
            CLAIMS[claim_id] = Claim(c.id, c.title, c.statement, c.paper_ref, c.applies,
                                     c.checks + (fn,), c.scope, c.expect, c.finding)
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


def resolve_level(entry: Any, level: "Level | str | None") -> Level:
    """The level a check runs at: strongest applicable if None; LevelError if ``level`` is
    stronger than what applies to ``entry``'s problem."""
    if isinstance(entry, GlobalEntry):
        return Level.EXACT if level is None else Level.parse(level)
    strongest = entry.problem.strongest_level
    if level is None:
        return strongest
    lv = Level.parse(level)
    if lv.strength < strongest.strength:
        raise LevelError(
            f"level {lv.value!r} does not apply to problem {entry.name!r} (its strongest level is "
            f"{strongest.value!r}: {'transcendental activation' if not entry.problem.network.activation.rational else 'non-rational loss'}); "
            f"omit --level or choose {strongest.value!r} or weaker", lv.value)
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

    Raises ClaimError for an unknown id or a claim that does not apply to ``entry``, and
    LevelError for a level stronger than what applies; anything a check raises is recorded as
    inconclusive evidence naming the exception.
    """
    c = get_claim(claim_id)
    dps = _check_dps(dps)
    if c.scope == "global":
        entry = GLOBAL if entry is None else entry
    elif not c.applies(entry):
        raise ClaimError(f"claim {c.id} ({c.title}) does not apply to problem "
                         f"{getattr(entry, 'name', entry)!r}", entry)
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


#: Extra digits the checks of a level work at beyond ``dps`` (ball: 2·dps; mpmath: the
#: confirming re-runs at dps + 20 and the evaluation guard of trajectories, dps + 40 at most):
#: :meth:`~symflow.backends.base.Backend.headroom_dps`.
def _work_dps(dps: int, level: Level) -> int:
    return backend(level).headroom_dps(dps)


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


def _entries_for(c: Claim, entries: list) -> list:
    if c.scope == "global":
        return [GLOBAL]
    return [e for e in entries if c.applies(e)]


def plan(claims=None, entries=None) -> list[tuple[str, Any]]:
    """The (claim id, entry) pairs :func:`check_all` will run, in order."""
    from ..core.problems import catalogue
    ids = parse_claim_ids(claims)
    entries = catalogue() if entries is None else list(entries)
    return [(cid, e) for cid in ids for e in _entries_for(CLAIMS[cid], entries)]


def check_all(claims=None, entries=None, dps: int = 30, level: "Level | str | None" = None,
              progress: Any = None,
              on_verdict: "Callable[[Verdict], None] | None" = None) -> list[Verdict]:
    """Check every claim (or ``claims``: ids or ``"C1,C6"``) on every applicable entry.

    ``progress.update(i, info)`` is called before and after each (claim, problem) pair with
    ``info = {"event": "start"|"done", "claim", "problem", "index", "total", "elapsed",
    "status", "expected"}`` (``status`` and ``expected`` only on "done"). ``on_verdict(v)`` is
    called with each verdict as soon as it is finished, so that a caller interrupted (Ctrl-C)
    keeps the verdicts so far.
    """
    if level is not None:
        level = Level.parse(level)
    dps = _check_dps(dps)
    pairs = plan(claims, entries)
    for cid, e in pairs:  # refuse a dps without headroom before any work starts
        try:
            lv = resolve_level(e, level)
        except LevelError:
            continue
        _check_headroom(dps, lv, f"claim {cid} on {e.name!r}")
    out: list[Verdict] = []
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
