"""The campaign's case stream: a seeded, reproducible sequence of cases, independent of who runs it.

Case ``i`` of the stream with seed ``S`` is a pure function of ``(S, i)`` (and of the versions
of symflow's strategy and of Hypothesis): it does not depend on the number of cases asked
for, on the executor, on the number of workers or on the order in which cases are checked. This
is what lets a campaign run on 1 or 100 workers, resume after a crash, and shrink a failure
found on a remote worker locally.

**How.** The stream is cut into blocks of :data:`BLOCK` cases. Block ``b`` is one Hypothesis run
of the public strategy :func:`symflow.testing.strategies.cases` (every activation, L2 and
cross-entropy, any rank; K ≤ 40, QN ≤ 6), seeded with a hash of ``(S, b)``
(:func:`block_seed`), generating until it has drawn :data:`BLOCK` *distinct* cases (Hypothesis
draws many small cases more than once; repeats inside a block are skipped, so a block is
``BLOCK`` different cases, at most :data:`MAX_DRAWS` draws). Case ``i`` is entry ``i mod BLOCK``
of block ``i // BLOCK``. A Hypothesis run of fixed length is deterministic under
``@seed``; a single run of length ``n`` would not do, because Hypothesis' sequence depends on
``max_examples`` (measured: with seed 7, the first 60 cases of a 60-case and of a 120-case run
agree at 7 places only).

A case travels as a :class:`CaseSpec`: plain data (widths, activation, bias, loss, exact
inputs, targets and θ as ``"p/q"`` strings), cheap to send to a worker and to write into a
results file; :meth:`CaseSpec.case` rebuilds the :class:`~symflow.testing.strategies.Case`.

>>> a = spec_at(3, 5)
>>> a == block(3, 0)[5] and a == CaseSpec.from_json(a.to_json())
True
"""

from __future__ import annotations

import hashlib
import json
import warnings
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Iterator, Sequence

from hypothesis import Phase, Verbosity, given, seed as hyp_seed, settings

from ..core.networks import mlp
from ..core.problem import Problem
from ..errors import DataError
from .search import _SUPPRESS
from .strategies import ALL_ACTIVATIONS, Case, _check_bound, cases

__all__ = ["STREAM_VERSION", "BLOCK", "MAX_DRAWS", "CaseSpec", "campaign_strategy",
           "block_seed", "hypothesis_run", "block", "spec_at", "specs"]

#: Names the stream's recipe (strategy, block size, seeding); recorded with every result so that
#: a resume with a different recipe is refused rather than silently mixing two streams.
STREAM_VERSION = "symflow-case-stream/1"
#: Cases per block (one Hypothesis run each).
BLOCK = 100
#: Draws a block may take to find :data:`BLOCK` distinct cases (about 1.4·BLOCK are needed).
MAX_DRAWS = 4 * BLOCK


def _frac(v: Any) -> str:
    f = Fraction(v)
    return str(f.numerator) if f.denominator == 1 else f"{f.numerator}/{f.denominator}"


def _fracs(rows: Any) -> tuple:
    return tuple(tuple(Fraction(v) for v in r) for r in rows)


@dataclass(frozen=True)
class CaseSpec:
    """One case as plain data: ``mlp(widths, activation, bias)``, exact data and θ, the loss,
    and what the strategy recorded (how rank D < QN was made, rank D[θ] and whether that rank
    is certain)."""

    widths: tuple[int, ...]
    activation: str
    bias: bool
    loss: str
    inputs: tuple[tuple[Fraction, ...], ...]
    targets: tuple[tuple[Fraction, ...], ...]
    theta: tuple[Fraction, ...]
    mechanism: "str | None" = None
    rank: int = -1
    rank_certain: bool = False

    @classmethod
    def from_case(cls, case: Case) -> "CaseSpec":
        p, net = case.problem, case.problem.network
        return cls(tuple(net.widths), net.activation.name, bool(net.bias), p.loss.name,
                   _fracs(p.inputs), _fracs(p.targets), tuple(Fraction(v) for v in case.theta),
                   case.mechanism, int(case.rank.rank), bool(case.rank.certain))

    @property
    def key(self) -> str:
        """The case without what was computed about it (the rank): equal keys, equal cases."""
        d = self.to_json()
        del d["rank"], d["rank_certain"]
        return json.dumps(d, sort_keys=True)

    @property
    def K(self) -> int:
        return sum(a * b + (b if self.bias else 0) for a, b in zip(self.widths, self.widths[1:]))

    @property
    def QN(self) -> int:
        return self.widths[-1] * len(self.inputs)

    @property
    def architecture(self) -> tuple:
        """(widths, activation, bias): what "distinct architectures" counts."""
        return (tuple(self.widths), self.activation, self.bias)

    def problem(self) -> Problem:
        return Problem(mlp(list(self.widths), self.activation, self.bias),
                       [list(r) for r in self.inputs], [list(r) for r in self.targets],
                       self.loss)

    def case(self, dps: int = 30) -> Case:
        """The :class:`Case` (rank D[θ] recomputed, as the strategy computes it)."""
        return Case.build(list(self.widths), self.activation, self.bias,
                          [list(r) for r in self.inputs], [list(r) for r in self.targets],
                          list(self.theta), self.loss, self.mechanism, dps)

    def describe(self) -> str:
        mech = f" ({self.mechanism})" if self.mechanism else ""
        return (f"mlp({list(self.widths)}, {self.activation!r}, bias={self.bias}), "
                f"N={len(self.inputs)}, loss={self.loss}, K={self.K}, QN={self.QN}, "
                f"rank D={self.rank}{mech}")

    def to_json(self) -> dict:
        return {"widths": list(self.widths), "activation": self.activation, "bias": self.bias,
                "loss": self.loss, "inputs": [[_frac(v) for v in r] for r in self.inputs],
                "targets": [[_frac(v) for v in r] for r in self.targets],
                "theta": [_frac(v) for v in self.theta], "mechanism": self.mechanism,
                "rank": self.rank, "rank_certain": self.rank_certain}

    @classmethod
    def from_json(cls, d: dict) -> "CaseSpec":
        """Inverse of :meth:`to_json`; a malformed record is a DataError naming the key."""
        try:
            return cls(tuple(int(w) for w in d["widths"]), str(d["activation"]),
                       bool(d["bias"]), str(d["loss"]), _fracs(d["inputs"]),
                       _fracs(d["targets"]), tuple(Fraction(v) for v in d["theta"]),
                       d.get("mechanism"), int(d.get("rank", -1)),
                       bool(d.get("rank_certain", False)))
        except (KeyError, TypeError, ValueError, ZeroDivisionError) as exc:
            raise DataError(f"not a case record: {type(exc).__name__}: {exc}", d) from None


def campaign_strategy():
    """The strategy of the stream: :func:`~symflow.testing.strategies.cases` with every
    activation, both losses, any rank, QN ≤ 6 and K ≤ 40."""
    return cases(full_rank=None, activations=ALL_ACTIVATIONS, losses=("l2", "cross_entropy"),
                 max_qn=6, max_params=40)


def block_seed(seed: int, b: int) -> int:
    """The Hypothesis seed of block ``b`` of the stream with seed ``seed`` (64 bits of
    SHA-256 of ``"STREAM_VERSION:seed:b"``: independent of Python's hash randomization)."""
    h = hashlib.sha256(f"{STREAM_VERSION}:{seed}:{b}".encode()).digest()
    return int.from_bytes(h[:8], "big")


class _Full(Exception):
    """Raised inside the Hypothesis run once the block has its cases (ends the run)."""


def hypothesis_run(seed: int, b: int, body, *, shrink: bool = False):
    """The Hypothesis test that draws block ``b``: ``body(case)`` is called on each draw, in
    order. With ``shrink=True`` a failure raised by ``body`` is shrunk (used by
    :mod:`symflow.campaign.shrink`, which replays the same draws up to the failing case)."""
    phases = [Phase.generate, Phase.shrink] if shrink else [Phase.generate]

    @hyp_seed(block_seed(seed, b))
    @settings(max_examples=MAX_DRAWS, database=None, deadline=None, derandomize=False,
              suppress_health_check=_SUPPRESS, phases=phases, report_multiple_bugs=False,
              verbosity=Verbosity.quiet, print_blob=False)
    @given(campaign_strategy())
    def _run(case: Case) -> None:
        body(case)

    return _run


def block(seed: int, b: int) -> list[CaseSpec]:
    """Block ``b`` of the stream: :data:`BLOCK` distinct cases in draw order (see the module
    docstring). Should fewer than ``BLOCK`` distinct cases come out of :data:`MAX_DRAWS`
    draws, the block is completed by repeating its cases in order (a deterministic rule)."""
    _check_bound("seed", seed, 0)
    _check_bound("block", b, 0)
    got: dict[str, CaseSpec] = {}

    def body(case: Case) -> None:
        if len(got) >= BLOCK:
            raise _Full
        spec = CaseSpec.from_case(case)
        got.setdefault(spec.key, spec)

    with warnings.catch_warnings():
        # On a Dask worker other threads move the global `random` state while the block is
        # drawn, and Hypothesis blames the strategy; the strategy uses no global `random`
        # (its draws come from Hypothesis' own seeded source), so the warning is noise there.
        warnings.filterwarnings("ignore", message="Do not use the `random` module inside")
        try:
            hypothesis_run(seed, b, body)()
        except _Full:
            pass
    out = list(got.values())[:BLOCK]
    while len(out) < BLOCK:
        out.append(out[len(out) % max(1, len(got))])
    return out


def spec_at(seed: int, index: int) -> CaseSpec:
    """Case ``index`` of the stream with seed ``seed``."""
    _check_bound("index", index, 0)
    return block(seed, index // BLOCK)[index % BLOCK]


def specs(seed: int, indices: Sequence[int]) -> Iterator[tuple[int, CaseSpec]]:
    """``(i, spec)`` for the given indices (in the order given), each block drawn once."""
    cache: dict[int, list[CaseSpec]] = {}
    for i in indices:
        b = i // BLOCK
        if b not in cache:
            cache.clear()
            cache[b] = block(seed, b)
        yield i, cache[b][i % BLOCK]
