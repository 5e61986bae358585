"""Property campaigns over random architectures; C10's counterexample search is re-exported.

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
their data) are written as JSON, atomically (:func:`symflow.files.write_atomic`, the writer
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

The C10 counterexample search (:func:`find_c6_counterexample`, :class:`Counterexample`) lives
in :mod:`symflow.testing.search` and is re-exported here.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from typing import Any, Sequence

import mpmath
from hypothesis import Phase, given, seed as hyp_seed, settings

from ..backends import tolerance as _rules
from ..backends.arith import working_precision
from ..errors import DataError, SymflowError
from ..core.fields import output_field, output_field_closed_form, parameter_field
from ..backends.linalg import Mat, pinv, projector, rank_info
from ..numbers import MAX_DPS, MIN_DPS
from ..arguments import int_option, parse_args_or_exit_code
from ..files import ReportPathError, check_writable, write_atomic
from ..progress import TextProgress, with_time_variable
from .search import _SUPPRESS, Counterexample, find_c6_counterexample
from .strategies import ALL_ACTIVATIONS, Case, _check_bound, cases

__all__ = ["Counterexample", "find_c6_counterexample", "CampaignReport", "check_case",
           "run_campaign", "main"]


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


def _tolerance(dps: int, scale: Any, kappa: Any, p: int) -> Any:
    """The campaign's mpmath tolerance 10^(5 − dps)·scale·κ^p (see the module docstring): the
    trajectory rule of :func:`symflow.backends.tolerance.trajectory` grown by scale and κ^p."""
    return _rules.trajectory(dps) * scale * kappa ** p


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
                t = _tolerance(dps, scale, k, p)
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
        tolC = 0 if exact else _tolerance(dps, scale ** 2, k, 4)
        shown = [str(d) if exact else mpmath.nstr(d, 5) for d in dCs]
        out["C5"] = (all(d <= tolC for d in dCs), f"dC/ds for α = 0, 1/2, 1: {shown}")
        c6 = small(xa + g)
        if case.full_rank:
            out["C1"] = c6
        else:
            out["C10"] = (not c6[0], c6[1])
    return out


def _write_report(path: str, data: dict) -> None:
    """The JSON report, written atomically by the one writer (:func:`symflow.files.
    write_atomic`); its folder must exist (:func:`symflow.files.check_writable`)."""
    write_atomic(path, json.dumps(data, indent=2, default=str) + "\n")


def _check_campaign_args(n_architectures: int, seed: int, dps: int) -> None:
    """``n_architectures`` ≥ 1, ``seed`` ≥ 0 and ``dps`` ≥ 15 as integers, else DataError."""
    for name, v, lo in (("n_architectures", n_architectures, 1), ("seed", seed, 0),
                        ("dps", dps, 15)):
        _check_bound(name, v, lo)


def _prepare_report_path(report_path: Any) -> None:
    """Create the report's folder if missing, then refuse an unwritable path
    (:class:`~symflow.files.ReportPathError`) — before any work."""
    if isinstance(report_path, (str, os.PathLike)) and os.fspath(report_path).strip():
        os.makedirs(os.path.dirname(os.path.abspath(report_path)), exist_ok=True)
    check_writable(report_path, "report_path")


def _count_case(rep: CampaignReport, archs: set, case: Case) -> None:
    """Count a drawn case: tried, its architecture, activation and level, rejected for rank."""
    rep.tried += 1
    net = case.problem.network
    archs.add((net.widths, net.activation.name, net.bias))
    act = net.activation.name
    rep.by_activation[act] = rep.by_activation.get(act, 0) + 1
    lvl = "exact" if case.problem.rational else "mpmath"
    rep.by_level[lvl] = rep.by_level.get(lvl, 0) + 1
    if not case.full_rank:
        rep.rejected_for_rank += 1


def _count_results(rep: CampaignReport, case: Case, res: dict[str, tuple[bool, str]]) -> None:
    """Add the results of :func:`check_case` at ``case`` to the per-claim counts and failures
    (C10 is counted apart: a counterexample below full rank is informative, not a failure)."""
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


def _finish(rep: CampaignReport, archs: set, start: float) -> None:
    """Set the number of distinct architectures and the elapsed seconds."""
    rep.distinct_architectures = len(archs)
    rep.seconds = time.perf_counter() - start


def run_campaign(n_architectures: int = 200, seed: int = 0, dps: int = 30,
                 report_path: str | None = None, progress: Any = None) -> CampaignReport:
    """Check the pointwise claims on ``n_architectures`` random cases (see module docstring).

    ``progress``: None, or an object with ``update(i, info)`` / ``close()``. Writes the JSON
    report to ``report_path`` (atomically) if given, creating its folder (the ``symflow
    campaign`` command instead refuses a missing folder, as ``symflow check`` does); an
    unwritable path raises :class:`~symflow.files.ReportPathError` before any work. A failed
    check is recorded, never raised.
    On Ctrl-C the KeyboardInterrupt propagates carrying the partial report (marked
    ``interrupted``) as its ``campaign_report`` attribute.

    >>> rep = run_campaign(5, seed=3)
    >>> rep.tried, rep.ok
    (5, True)
    """
    _check_campaign_args(n_architectures, seed, dps)
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
        _count_case(rep, archs, case)
        try:
            res = check_case(case, dps)
        except SymflowError as exc:
            rep.errors.append({"case": repr(case), "error": f"{type(exc).__name__}: {exc}"})
            return
        _count_results(rep, case, res)
        if progress is not None:
            progress.update(rep.tried, {"step": rep.tried, "t1": n_architectures,
                                        "failures": len(rep.failures)})

    if report_path is not None:  # checked before any work; this API creates missing folders
        _prepare_report_path(report_path)
    try:
        _one()
    except KeyboardInterrupt as exc:  # hand the cases checked so far to the caller
        rep.interrupted = True
        _finish(rep, archs, start)
        exc.campaign_report = rep
        raise
    if progress is not None:
        progress.close()
    _finish(rep, archs, start)
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


def _build_parser() -> argparse.ArgumentParser:
    """The ``symflow campaign`` parser: a usage error prints the usage and ``symflow campaign:
    error: …`` on stderr and exits 2 (argparse's own behaviour), the integer options say
    which bound they miss (:func:`symflow.arguments.int_option`)."""
    ap = argparse.ArgumentParser(prog="symflow campaign",
                                 description="property campaign over random architectures",
                                 epilog=EXIT_STATUS_HELP,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int_option("--n", 1), default=500,
                    help="number of cases (default 500)")
    ap.add_argument("--seed", type=int_option("--seed", 0), default=0)
    ap.add_argument("--dps", type=int_option("--dps", MIN_DPS, MAX_DPS), default=30,
                    help="working precision in digits, 15 to 2000 (default 30)")
    ap.add_argument("--report", default="campaign-report.json",
                    help="JSON output path (its folder must exist)")
    ap.add_argument("--c10", action="store_true",
                    help="also search and shrink a C10 counterexample and add it to the report")
    ap.add_argument("--progress", action="store_true")
    return ap


def _add_c10_search(data: dict, seed: int) -> bool:
    """``--c10``: search and shrink a counterexample, add it (or why the search was
    inconclusive) to ``data`` and print it; True when none was found."""
    try:
        cx = find_c6_counterexample(seed=seed)
    except SymflowError as exc:
        data["c10_minimal_counterexample"] = None
        data["c10_search"] = f"inconclusive: {exc}"
        print(f"C10 search inconclusive: {exc}")
        return True
    data["c10_minimal_counterexample"] = cx.to_json() | {"description": cx.description()}
    print(cx.description())
    return False


def main(argv: Sequence[str] | None = None) -> int:
    """``symflow campaign``: run :func:`run_campaign`, print a summary, write the JSON report.
    Exit status (see the module docstring): 0 passed, 1 failed, 3 errors or no C10
    counterexample found, 2 usage error, 130 interrupted."""
    args = parse_args_or_exit_code(_build_parser(), argv)
    if isinstance(args, int):
        return args
    try:
        check_writable(args.report, "--report")
    except ReportPathError as exc:
        print(f"symflow campaign: error: {exc}", file=sys.stderr)
        return 2
    prog = None
    if args.progress:
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
        c10_missing = _add_c10_search(data, args.seed) if args.c10 else False
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
