"""Property campaigns over random architectures, and the C10 counterexample search.

:func:`run_campaign` draws ``n_architectures`` cases (network, exact data, θ, rank D) with
:func:`symflow.testing.strategies.cases` — every activation, L2 and cross-entropy, any rank — and checks
at each the pointwise claims:

=====  ===========================================================================================
C9     D D⁺ D = D and (DDᵀ)⁺DDᵀ = DD⁺ (= P)
C2     adapted output field D(−D⁺g) = −P g (closed form with P from the projector)
C3     V_0 = −Dᵀg
C4     V_α(θ) = 0 ⇔ P g = 0, for α ∈ {0, 1/2, 1}
C5     dC/ds = gᵀ D V_α ≤ 0 for α ∈ {0, 1/2, 1}
C1     x' = −g  — only at rank D = QN; other cases are counted as *rejected for rank*
C10    at rank D < QN: is x' ≠ −g (a counterexample to C6 without its hypothesis)?
=====  ===========================================================================================

Rational networks with the L2 loss are checked exactly (flint rationals); the others at mpmath
``dps`` digits with tolerance 10^(5−dps)·scale·κ(D)^p (κ = σ₁/σ_r measured at the point).
Statistics (architectures tried and distinct, rejected for rank, per-claim counts, failures with
their data) are written as JSON, atomically (:func:`symflow.progress.write_atomic`, the writer
:mod:`symflow.reports` uses too). From the shell::

    symflow campaign --n 2000 --seed 1 --report campaign.json     # (the CLI's sub-command)
    python -m symflow.testing.campaign --n 2000 --seed 1 --report campaign.json
    pytest --hypothesis-profile=campaign -m "campaign or not slow" tests/test_properties*.py

Exit status of :func:`main` (as ``symflow check`` where it applies): 0 every check passed (and,
with ``--c10``, a counterexample was found); 1 some check failed; 3 nothing failed but some case
raised an error or the ``--c10`` search found no counterexample within its budget; 2 usage error
(bad ``--n``/``--seed``/``--dps``, an empty or unwritable ``--report``, checked before any work);
130 interrupted by Ctrl-C (one line on stderr; the cases checked so far are written to
``--report`` with ``"interrupted": true``).

:func:`find_c6_counterexample` runs Hypothesis' ``find`` on the statement "the adapted output
field is −∇ₓC" (the instantaneous form of C6's straight line, x' = −(x − y)/N) *without* the
full-rank hypothesis; Hypothesis shrinks the first failure to a minimal architecture (C10).

>>> cx = find_c6_counterexample(max_examples=100, seed=0)
>>> cx.rank < cx.QN and cx.residual > 0
True
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from typing import Any, Sequence

import mpmath
from hypothesis import HealthCheck, Phase, find, given, seed as hyp_seed, settings
from hypothesis.errors import NoSuchExample

from ..backends.arith import working_precision
from ..errors import DataError, SymflowError
from ..core.fields import output_field, output_field_closed_form, parameter_field
from ..backends.linalg import Mat, pinv, projector, rank_info
from ..progress import ReportPathError, check_writable, with_time_variable, write_atomic
from .strategies import ALL_ACTIVATIONS, RATIONAL_ACTIVATIONS, Case, cases

__all__ = ["Counterexample", "find_c6_counterexample", "CampaignReport", "check_case",
           "run_campaign", "main"]

_SUPPRESS = list(HealthCheck)


# ---- C10: the shrunk counterexample ---------------------------------------------------------
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


def find_c6_counterexample(max_examples: int = 500, seed: int = 0) -> Counterexample:
    """Search (Hypothesis ``find``) for a rational L2 case whose adapted output field is not
    −∇ₓC, with no full-rank assumption, and return it shrunk to a minimal one.

    The search space is :func:`symflow.testing.strategies.cases` with rational activations (so the
    residual is exact), depth ≤ 2, widths ≤ 2, QN ≤ 4. Raises :class:`SymflowError` if no
    counterexample is found within ``max_examples``.
    """
    for name, v in (("max_examples", max_examples), ("seed", seed)):
        if isinstance(v, bool) or not isinstance(v, int) or v < (1 if name == "max_examples"
                                                                  else 0):
            raise DataError(f"{name} must be a {'positive' if name == 'max_examples' else 'non-negative'}"
                            f" integer, got {v!r}", v)
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
    p = case.problem
    return Counterexample(tuple(p.network.widths), p.network.activation.name, p.network.bias,
                          p.N, tuple(tuple(Fraction(int(v.p), int(v.q)) for v in r)
                                     for r in p.inputs),
                          tuple(tuple(Fraction(int(v.p), int(v.q)) for v in r)
                                for r in p.targets),
                          tuple(case.theta), case.rank.rank, p.QN, p.K, _c6_residual(case),
                          calls[0], seed)


# ---- the campaign ---------------------------------------------------------------------------
@dataclass
class CampaignReport:
    """Statistics of a campaign (see module docstring); ``to_json()`` is what is written."""

    n_requested: int
    seed: int
    dps: int
    tried: int = 0
    distinct_architectures: int = 0
    rejected_for_rank: int = 0
    by_activation: dict = field(default_factory=dict)
    by_level: dict = field(default_factory=dict)
    claims: dict = field(default_factory=dict)   # claim → {"checked", "passed", "failed"}
    c10_counterexamples: int = 0
    failures: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    seconds: float = 0.0
    interrupted: bool = False

    @property
    def ok(self) -> bool:
        return not self.failures and not self.errors

    def to_json(self) -> dict:
        return {k: v for k, v in asdict(self).items()} | {"ok": self.ok}

    def summary(self) -> str:
        head = "campaign INTERRUPTED (partial results)" if self.interrupted else "campaign"
        lines = [f"{head}: {self.tried} cases ({self.distinct_architectures} distinct "
                 f"architectures), seed {self.seed}, dps {self.dps}, {self.seconds:.1f} s",
                 f"  rejected for rank (C1/C6 not applicable): {self.rejected_for_rank}; "
                 f"C10 counterexamples among them: {self.c10_counterexamples}"]
        for c in sorted(self.claims):
            d = self.claims[c]
            lines.append(f"  {c}: {d['passed']}/{d['checked']} passed, {d['failed']} failed")
        lines.append(f"  failures: {len(self.failures)}, errors: {len(self.errors)}")
        return "\n".join(lines)


def _kappa(D: Mat, dps: int):
    info = rank_info(D, dps)
    nz = [s for s in info.singular_values if s > info.threshold]
    return nz[0] / nz[-1] if nz else mpmath.mpf(1)


def check_case(case: Case, dps: int = 30) -> dict[str, tuple[bool, str]]:
    """Check the pointwise claims at ``case``: {claim: (passed, detail)}; see module docstring.

    ``"C1"`` is present only at full rank, ``"C10"`` (True when x' ≠ −g, i.e. a counterexample
    exists here) only below full rank.
    """
    prob = case.problem
    exact = prob.rational
    out: dict[str, tuple[bool, str]] = {}
    with working_precision(dps):
        pd = case.at("exact" if exact else "mpmath", dps)
        D, g = pd.D, pd.grad
        Dp, P, G = pinv(D, dps), projector(D, dps), D @ D.T
        Gp = pinv(G, dps)
        if exact:
            small = lambda m, p=2: (m.is_zero(), "exact")
        else:
            k = _kappa(D, dps)
            scale = max(mpmath.mpf(1), D.max_abs() ** 2, Dp.max_abs() ** 2, g.max_abs())

            def small(m, p=2):
                t = mpmath.mpf(10) ** (5 - dps) * scale * k ** p
                r = m.max_abs()
                return (bool(r <= t), f"residual {mpmath.nstr(r, 5)} vs tolerance "
                                      f"{mpmath.nstr(t, 5)}")
        r1, d1 = small(D @ Dp @ D - D)
        r2, d2 = small(Gp @ G - D @ Dp, 4)
        out["C9"] = (r1 and r2, d1 + "; " + d2)
        xa = output_field(pd, "adapted")
        out["C2"] = small(xa - output_field_closed_form(pd, "adapted"))
        out["C3"] = small(parameter_field(pd, "standard") + D.T @ g)
        Pg_zero = small(P @ g)[0]
        fields = {a: parameter_field(pd, a) for a in (0, Fraction(1, 2), 1)}
        eq = [small(V, 4)[0] == Pg_zero for V in fields.values()]
        out["C4"] = (all(eq), f"P∇C = 0: {Pg_zero}; V_α = 0 agrees for α = 0, 1/2, 1: {eq}")
        dCs = [(g.T @ D @ V)[0, 0] for V in fields.values()]
        tolC = 0 if exact else (mpmath.mpf(10) ** (5 - dps) * scale ** 2 * _kappa(D, dps) ** 4)
        shown = [str(d) if exact else mpmath.nstr(d, 5) for d in dCs]
        out["C5"] = (all(d <= tolC for d in dCs), f"dC/ds for α = 0, 1/2, 1: {shown}")
        c6 = small(xa + g)
        if case.full_rank:
            out["C1"] = c6
        else:
            out["C10"] = (not c6[0], c6[1])
    return out


def _write_report(path: str, data: dict) -> None:
    """The JSON report, written atomically by the one writer (:func:`symflow.progress.
    write_atomic`); its folder must exist (:func:`symflow.progress.check_writable`)."""
    write_atomic(path, json.dumps(data, indent=2, default=str) + "\n")


def run_campaign(n_architectures: int = 200, seed: int = 0, dps: int = 30,
                 report_path: str | None = None, progress: Any = None) -> CampaignReport:
    """Check the pointwise claims on ``n_architectures`` random cases (see module docstring).

    ``progress``: None, or an object with ``update(i, info)`` / ``close()``. Writes the JSON
    report to ``report_path`` (atomically) if given, creating its folder (the ``symflow
    campaign`` command instead refuses a missing folder, as ``symflow check`` does); an
    unwritable path raises :class:`~symflow.progress.ReportPathError` before any work. A failed
    check is recorded, never raised.
    On Ctrl-C the KeyboardInterrupt propagates carrying the partial report (marked
    ``interrupted``) as its ``campaign_report`` attribute.

    >>> rep = run_campaign(5, seed=3)
    >>> rep.tried, rep.ok
    (5, True)
    """
    for name, v, lo in (("n_architectures", n_architectures, 1), ("seed", seed, 0),
                        ("dps", dps, 15)):
        if isinstance(v, bool) or not isinstance(v, int) or v < lo:
            raise DataError(f"{name} must be an integer >= {lo}, got {v!r}", v)
    rep = CampaignReport(n_architectures, seed, dps)
    archs: set = set()
    start = time.perf_counter()
    strat = cases(full_rank=None, activations=ALL_ACTIVATIONS,
                  losses=("l2", "cross_entropy"), max_qn=6, max_params=40)

    @hyp_seed(seed)
    @settings(max_examples=n_architectures, database=None, deadline=None,
              suppress_health_check=_SUPPRESS, phases=[Phase.generate])
    @given(strat)
    def _one(case: Case) -> None:
        rep.tried += 1
        net = case.problem.network
        archs.add((net.widths, net.activation.name, net.bias))
        act = net.activation.name
        rep.by_activation[act] = rep.by_activation.get(act, 0) + 1
        lvl = "exact" if case.problem.rational else "mpmath"
        rep.by_level[lvl] = rep.by_level.get(lvl, 0) + 1
        if not case.full_rank:
            rep.rejected_for_rank += 1
        try:
            res = check_case(case, dps)
        except SymflowError as exc:
            rep.errors.append({"case": repr(case), "error": f"{type(exc).__name__}: {exc}"})
            return
        for claim, (ok, detail) in res.items():
            if claim == "C10":
                # informative, not a failure: x' ≠ −∇ₓC at a rank-deficient case
                rep.c10_counterexamples += int(ok)
                continue
            st_ = rep.claims.setdefault(claim, {"checked": 0, "passed": 0, "failed": 0})
            st_["checked"] += 1
            st_["passed" if ok else "failed"] += 1
            if not ok:
                rep.failures.append({"claim": claim, "case": repr(case), "detail": detail})
        if progress is not None:
            progress.update(rep.tried, {"step": rep.tried, "t1": n_architectures,
                                        "failures": len(rep.failures)})

    if report_path is not None:  # checked before any work; this API creates missing folders
        if isinstance(report_path, (str, os.PathLike)) and os.fspath(report_path).strip():
            os.makedirs(os.path.dirname(os.path.abspath(report_path)), exist_ok=True)
        check_writable(report_path, "report_path")
    try:
        _one()
    except KeyboardInterrupt as exc:  # hand the cases checked so far to the caller
        rep.interrupted = True
        rep.distinct_architectures = len(archs)
        rep.seconds = time.perf_counter() - start
        exc.campaign_report = rep
        raise
    if progress is not None:
        progress.close()
    rep.distinct_architectures = len(archs)
    rep.seconds = time.perf_counter() - start
    if report_path is not None:
        _write_report(report_path, rep.to_json())
    return rep


EXIT_STATUS_HELP = """\
exit status:
  0    every check passed (and, with --c10, a counterexample was found)
  1    some check failed (the failures are in the report)
  3    nothing failed, but some case raised an error, or the --c10 search
       found no counterexample within its budget
  2    usage error (bad --n, --seed or --dps; empty or unwritable --report,
       missing report folder): nothing was run
  130  interrupted (Ctrl-C): the cases checked so far are written to
       --report, marked "interrupted": true
"""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # exit 2 with the message, no traceback
        self.print_usage(sys.stderr)
        print(f"symflow campaign: error: {message}", file=sys.stderr)
        raise SystemExit(2)


def _int_option(name: str, lo: int, hi: int | None = None):
    def parse(value: str) -> int:
        try:
            v = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be an integer, got {value!r}") from None
        if v < lo or (hi is not None and v > hi):
            rng = f"between {lo} and {hi}" if hi is not None else f">= {lo}"
            raise argparse.ArgumentTypeError(f"{name} must be {rng}, got {v}")
        return v
    return parse


def _interrupted(exc: KeyboardInterrupt, args, data: "dict | None", rep) -> int:
    """Ctrl-C: write what was checked (marked interrupted), one line on stderr, exit 130."""
    rep = getattr(exc, "campaign_report", None) or rep
    msg = "symflow campaign: interrupted"
    try:
        if rep is not None:
            rep.interrupted = True
            out = rep.to_json() | {k: v for k, v in (data or {}).items()
                                   if k not in rep.to_json()}
            out["interrupted"] = True
            _write_report(args.report, out)
            msg += f" after {rep.tried} of {rep.n_requested} cases; partial report written to " \
                   f"{args.report}"
        else:
            msg += "; no report written"
    except KeyboardInterrupt:
        msg += "; interrupted again while writing the report (not written)"
    except SymflowError as exc2:
        msg += f"; {exc2}"
    print(msg, file=sys.stderr, flush=True)
    return 130


def main(argv: Sequence[str] | None = None) -> int:
    """``symflow campaign``: run :func:`run_campaign`, print a summary, write the JSON report.
    Exit status (see the module docstring): 0 passed, 1 failed, 3 errors or no C10
    counterexample found, 2 usage error, 130 interrupted."""
    ap = _Parser(prog="symflow campaign",
                 description="property campaign over random architectures",
                 epilog=EXIT_STATUS_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=_int_option("--n", 1), default=500,
                    help="number of cases (default 500)")
    ap.add_argument("--seed", type=_int_option("--seed", 0), default=0)
    ap.add_argument("--dps", type=_int_option("--dps", 15, 2000), default=30,
                    help="working precision in digits, 15 to 2000 (default 30)")
    ap.add_argument("--report", default="campaign-report.json",
                    help="JSON output path (its folder must exist)")
    ap.add_argument("--c10", action="store_true",
                    help="also search and shrink a C10 counterexample and add it to the report")
    ap.add_argument("--progress", action="store_true")
    try:
        args = ap.parse_args(list(argv) if argv is not None else None)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (2 if exc.code else 0)
    try:
        check_writable(args.report, "--report")
    except ReportPathError as exc:
        print(f"symflow campaign: error: {exc}", file=sys.stderr)
        return 2
    prog = None
    if args.progress:
        from ..progress import TextProgress
        prog = with_time_variable(TextProgress(label="campaign"), "case")
    rep = data = None
    try:
        try:
            rep = run_campaign(args.n, args.seed, args.dps, None, prog)
        except DataError as exc:
            print(f"symflow campaign: error: {exc}", file=sys.stderr)
            return 2
        data = rep.to_json()
        print(rep.summary())
        c10_missing = False
        if args.c10:
            try:
                cx = find_c6_counterexample(seed=args.seed)
            except SymflowError as exc:
                c10_missing = True
                data["c10_minimal_counterexample"] = None
                data["c10_search"] = f"inconclusive: {exc}"
                print(f"C10 search inconclusive: {exc}")
            else:
                data["c10_minimal_counterexample"] = cx.to_json() | {
                    "description": cx.description()}
                print(cx.description())
        code = 1 if rep.failures else (3 if (rep.errors or c10_missing) else 0)
        data["exit_code"] = code
        _write_report(args.report, data)
        print(f"report written to {args.report}")
        return code
    except KeyboardInterrupt as exc:
        return _interrupted(exc, args, data, rep)
    except ReportPathError as exc:
        print(f"symflow campaign: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
