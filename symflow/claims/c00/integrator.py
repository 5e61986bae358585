"""C0's ``integrator_*`` and ``compiled_*``: the integrators' field evaluators against the library.

:class:`~symflow.flows.FixedPointField` (what :func:`~symflow.flows.integrate` integrates at
``arith="mpmath"``) and :class:`~symflow.core.fields.CompiledField` (``arith="mpmath"``; the code
of the float64 integrator and of ``Trajectory.outputs_at``) against ``Problem.at`` plus
:func:`~symflow.core.fields.parameter_field` at θ(0) and random points (level mpmath). Which
rank branch is compared at a point, and the κ that scales the tolerances of the fields through
an inverse, come from :func:`symflow.reference.spectrum.ntk_spectrum` (an eigendecomposition of
DDᵀ, independent of the SVD behind ``parameter_field``). Keys, scales and rules: the docstring of
:mod:`symflow.claims.c00_consistency`.
"""

from __future__ import annotations

from fractions import Fraction

import mpmath

from ...backends.arith import working_precision
from ...backends.tolerance import CONFIRM_EXTRA_DPS
from ...core.fields import CompiledField, parameter_field
from ...errors import RankError
from ...core.networks import MLP
from ...flows import FixedPointField
from ...flows.fields import ExpressionField
from ...reference.spectrum import ntk_spectrum
from ..evidence import Evidence, Level, Reason, Status
from ..sampling import sample_points
from .compare import N_RANDOM_INTEGRATOR, _evidence, _judge, _maxmag, _Outcome

__all__ = ["check_integrator"]

_QUARTER = Fraction(1, 4)
#: The three fields compared: V_0, V_1 and V_{1/4}.
_SPECS = {"standard": "standard", "adapted": "adapted", "quarter": str(_QUARTER)}


def _reference(prob, th, digits: int, spectrum: bool = True) -> dict:
    """Library objects at θ at ``digits`` (mpmath): x, G = DDᵀ, g and the three fields; with
    ``spectrum``, also rank, κ on range(D) and max|G⁺g| (:func:`ntk_spectrum`)."""
    pd = prob.at(th, Level.MPMATH, digits)
    with working_precision(digits):
        D, g = pd.D, pd.grad
        G = D @ D.T
        out = {
            "pd": pd, "x": pd.x.entries(), "G": G.entries(),
            "standard": parameter_field(pd, "standard").entries(),
            "adapted": parameter_field(pd, "adapted").entries(),
            "quarter": parameter_field(pd, str(_QUARTER)).entries(),
            "Dmax": D.max_abs(), "gmax": g.max_abs(),
        }
        if not spectrum:
            return out
        out.update(ntk_spectrum(G, g, digits))
        return out


_EVALUATORS = {
    "integrator": "FixedPointField (the evaluator integrate() uses at arith='mpmath')",
    "compiled": "CompiledField(arith='mpmath') (the fast path of the float64 integrator and "
                "of Trajectory.outputs_at)",
}


def _whats() -> dict[str, str]:
    """The sentence of every ``integrator_*`` / ``compiled_*`` key."""
    out = {
        "integrator_outputs": "FixedPointField.outputs (the integrator's own forward pass) "
                              "equals x of problem.at",
        "integrator_ntk": "FixedPointField.ntk (from the layer factorization, D never formed) "
                          "equals DDᵀ of problem.at",
    }
    for ev, name in _EVALUATORS.items():
        out[f"{ev}_field_standard"] = (f"{name}: standard field equals "
                                       f"parameter_field(pd, 'standard') = −Dᵀ∇ₓC")
        for sfx, where, inv in (("", "at the points where DDᵀ is invertible", "(DDᵀ)⁻¹"),
                                ("_pinv", "at the points where rank D < QN, with "
                                          "rank_loss='pinv'", "(DDᵀ)⁺")):
            out[f"{ev}_field{sfx}"] = (f"{name}: adapted field −Dᵀ{inv}∇ₓC equals "
                                       f"parameter_field(pd, 'adapted') = −D⁺∇ₓC (SVD of D), "
                                       f"{where}")
            out[f"{ev}_field_quarter{sfx}"] = (f"{name}: V_1/4 equals "
                                               f"parameter_field(pd, '1/4'), {where}")
            method = "line_field" if ev == "integrator" else "pinv_apply"
            out[f"{ev}_line_field{sfx}"] = (f"{name}: C6's direction D⁺w = Dᵀ{inv}w "
                                            f"({method}) equals the library's D⁺w for "
                                            f"w = −∇ₓC, {where}")
    return out


def _build_evaluators(prob) -> tuple[dict, dict]:
    """FixedPointField and CompiledField(arith='mpmath') for each field of :data:`_SPECS` and
    each ``rank_loss`` branch ("stop", "pinv"), keyed by (field, branch)."""
    # the evaluator integrate() uses: fixed point for MLPs, the model's tape otherwise
    cls = FixedPointField if isinstance(prob.network, MLP) else ExpressionField
    ffs = {(f, rl): cls(prob, spec, rank_loss=rl)
           for f, spec in _SPECS.items() for rl in ("stop", "pinv")}
    cfs = {(f, rl): CompiledField(prob, spec, arith="mpmath", rank_loss=rl)
           for f, spec in _SPECS.items() for rl in ("stop", "pinv")}
    return ffs, cfs


def _evaluate(prob, ffs: dict, cfs: dict, th, digits: int, branch: str, ref: dict) -> dict:
    """The evaluators' values at θ at ``digits``: {evaluator: {name: values} or the RankError
    it raised}; ``branch`` is the rank-loss branch of the fields through an inverse."""
    out: dict = {}
    with mpmath.workdps(digits):
        thm = prob.convert_theta(th, "mpmath")
        w = [+(-v) for v in ref["pd"].grad.entries()]  # D⁺w = the adapted field
        ff = ffs[("standard", "stop")]
        out["integrator_base"] = {"x": ff.outputs(thm),
                                  "G": [v for r in ff.ntk(thm) for v in r],
                                  "standard": ff.field(thm)}
        out["compiled_base"] = {"standard": cfs[("standard", "stop")](thm)}
        try:
            out["integrator"] = {"adapted": ffs[("adapted", branch)].field(thm),
                                 "quarter": ffs[("quarter", branch)].field(thm),
                                 "line": ffs[("adapted", branch)].line_field(thm, w)}
        except RankError as exc:
            out["integrator"] = exc
        try:
            out["compiled"] = {"adapted": list(cfs[("adapted", branch)](thm)),
                               "quarter": list(cfs[("quarter", branch)](thm)),
                               "line": list(cfs[("adapted", branch)].pinv_apply(thm, w))}
        except RankError as exc:
            out["compiled"] = exc
    return out


def _plan(prob, ref1: dict, ev1: dict, ev2: dict, sfx: str, outcomes: dict) -> list:
    """The comparisons at one point, (key, evaluator, value name, scale, κ or None); an
    evaluator whose solve failed where the reference found its rank contributes an
    inconclusive outcome (reason numerics) to ``outcomes`` instead."""
    kappa = ref1["kappa"]
    std_scale = ref1["Dmax"] * ref1["gmax"]
    inv_scale = kappa * ref1["Dmax"] * ref1["hmax"]
    plan = [("integrator_outputs", "integrator_base", "x", _maxmag(ref1["x"]), None),
            ("integrator_ntk", "integrator_base", "G", _maxmag(ref1["G"]), None),
            ("integrator_field_standard", "integrator_base", "standard", std_scale, None),
            ("compiled_field_standard", "compiled_base", "standard", std_scale, None)]
    for evn in _EVALUATORS:
        err = next((e for e in (ev1[evn], ev2[evn]) if isinstance(e, RankError)), None)
        keys = [f"{evn}_field{sfx}", f"{evn}_field_quarter{sfx}", f"{evn}_line_field{sfx}"]
        if err is not None:  # a solve failed where the reference found rank QN
            for key in keys:
                outcomes[key].append(_Outcome(
                    Status.INCONCLUSIVE, None, None, None, Reason.NUMERICS,
                    f"{evn} evaluator raised RankError ({err}) where the reference rank "
                    f"is {ref1['rank']} (QN = {prob.QN}, κ = {mpmath.nstr(kappa, 3)})"))
            continue
        plan += [(keys[0], evn, "adapted", inv_scale, kappa),
                 (keys[1], evn, "quarter", max(inv_scale, std_scale), kappa),
                 (keys[2], evn, "line", inv_scale, kappa)]
    return plan


def _compare_point(prob, ffs: dict, cfs: dict, th, dps: int, outcomes: dict,
                   kappas: dict) -> int:
    """Evaluators at ``dps`` and ``dps + CONFIRM_EXTRA_DPS`` against references at
    CONFIRM_EXTRA_DPS more digits, at θ; appends one outcome per key compared (and its κ) and
    returns the reference rank."""
    hi = dps + CONFIRM_EXTRA_DPS
    ref1 = _reference(prob, th, hi)
    ref2 = _reference(prob, th, hi + CONFIRM_EXTRA_DPS, spectrum=False)
    branch = "stop" if ref1["full"] else "pinv"
    sfx = "" if branch == "stop" else "_pinv"
    ev1 = _evaluate(prob, ffs, cfs, th, dps, branch, ref1)
    ev2 = _evaluate(prob, ffs, cfs, th, hi, branch, ref2)
    for key, evn, name, scale, kap in _plan(prob, ref1, ev1, ev2, sfx, outcomes):
        refname = "adapted" if name == "line" else name  # D⁺(−g) = −D⁺g
        with mpmath.workdps(hi + CONFIRM_EXTRA_DPS):
            d1 = [a - b for a, b in zip(ev1[evn][name], ref1[refname])]
            d2 = [a - b for a, b in zip(ev2[evn][name], ref2[refname])]
            mag = max(_maxmag(ref1[refname]), _maxmag(ev1[evn][name]))
            if not mpmath.isfinite(scale):
                outcomes[key].append(_Outcome(
                    Status.INCONCLUSIVE, _maxmag(d1), None, _maxmag(d2), Reason.NUMERICS,
                    "DDᵀ has no positive eigenvalue on its range: no tolerance"))
                continue
            outcomes[key].append(_judge(Level.MPMATH, dps, d1, scale, mag, d2))
            if kap is not None:
                kappas[key].append(kap)
    return ref1["rank"]


def check_integrator(entry, *, dps: int = 30, level: Level = Level.MPMATH, progress=None,
                     n_points: int | None = None) -> list[Evidence]:
    """``integrator_*`` and ``compiled_*``: the integrators' evaluators against Problem.at +
    parameter_field (level mpmath; see the docstring of :mod:`symflow.claims.c00_consistency`)."""
    prob = entry.problem
    pts = sample_points(entry, N_RANDOM_INTEGRATOR if n_points is None else n_points, "C0-int")
    hi = dps + CONFIRM_EXTRA_DPS
    ffs, cfs = _build_evaluators(prob)
    whats = _whats()
    outcomes: dict[str, list[_Outcome]] = {k: [] for k in whats}
    kappas: dict[str, list] = {k: [] for k in whats}
    ranks = [_compare_point(prob, ffs, cfs, th, dps, outcomes, kappas) for th in pts]
    base = {"points": len(pts), "ranks": ranks, "QN": prob.QN,
            "evaluator_dps": dps, "reference_dps": hi,
            "confirm": f"evaluator at {hi} digits against a reference at "
                       f"{hi + CONFIRM_EXTRA_DPS}"}
    evs = []
    for key, what in whats.items():
        if not outcomes[key]:
            continue  # that rank branch did not occur
        det = dict(base)
        det["points_compared"] = len(outcomes[key])
        kap = max(kappas[key]) if kappas[key] else None
        if kap is not None:
            det["scale_rule"] = "κ·max|D|·max|(DDᵀ)⁺∇ₓC| (κ = λ_max/λ_min of DDᵀ on its range)"
        evs.append(_evidence(key, what, Level.MPMATH, dps, outcomes[key], det, kappa=kap))
    return evs
