"""C2 — Lemma 2.2, general rank — and C2-GENERAL, its old wording (a documented counterexample).

C2 (corrected): for any A with DDᵀA = P the field −DᵀA∇ₓC gives x' = −P∇ₓC; A = (DDᵀ)⁺ is such
an A, and Dᵀ(DDᵀ)⁺ = D⁺. Checked for A₁ = (DDᵀ)⁺ and A₂ = (DDᵀ)⁺ + (I − G⁺G)Z
(:func:`_default_ginverses`).

C2-GENERAL (old wording, ``expect=refuted``): "any A with DDᵀADDᵀ = DDᵀ" is not enough where
rank D < QN — on the hand counterexample (:func:`hand_counterexample`) and at the sample points
with A₃ = G⁺ + (I − G⁺G)Z + W(I − GG⁺), the hypothesis holds and the conclusion fails.

Every check function accepts injectable pieces (``field_fn``, ``pinv_fn``, …) so that tests can
feed a deliberately wrong field and see the verdict refuted.
"""

from __future__ import annotations

import random
from fractions import Fraction
from typing import Callable

from ..backends import backend
from ..backends.levels import Level
from .evidence import Evidence, Reason, Status
from ..backends.linalg import Mat, eye, pinv, projector
from ..core.problem import PointData
from .registry import claim_check, register
from .judge import Cmp, Skip, _f, _run
from .sampling import _n_random, sample_points
from .objects import ntk_pinv

__all__ = ["check_c2", "check_c2_general", "hand_counterexample", "C2_GENERAL_FINDING"]


register("C2", "Lemma 2.2, general rank: A with DDᵀA = P gives x' = −P∇ₓC",
         "For any A with DDᵀA = P (equivalently DDᵀADDᵀ = DDᵀ and DDᵀA symmetric) the field "
         "−DᵀA∇ₓC gives x' = −P∇ₓC; A = (DDᵀ)⁺ is such an A, and Dᵀ(DDᵀ)⁺ = D⁺.", "Lemma 2.2")

#: Why the old wording of C2 is kept as a documented counterexample (C2-GENERAL).
C2_GENERAL_FINDING = (
    "FINDING: 'any A with DDᵀADDᵀ = DDᵀ' is not enough where rank D < QN. Then DDᵀA is a "
    "projector onto range(D) but not necessarily the orthogonal one, and the field −DᵀA∇ₓC "
    "moves outputs by x' = −P∇ₓC − DDᵀA(I − P)∇ₓC. Hand counterexample: D = (1, 0)ᵀ, "
    "A = [[1, 1], [0, 0]], ∇ₓC = (0, 1) gives x' = (−1, 0) ≠ −P∇ₓC = 0. The corrected C2 "
    "asks DDᵀA = P (DDᵀA symmetric); A = (DDᵀ)⁺ satisfies it.")

register("C2-GENERAL", "Lemma 2.2, old wording (documented counterexample): any generalized "
         "inverse A of DDᵀ gives x' = −P∇ₓC",
         "For any A with DDᵀ A DDᵀ = DDᵀ the field −DᵀA∇ₓC gives x' = −P∇ₓC — expected to be "
         "REFUTED wherever rank D < QN and (I − P)∇ₓC ≠ 0 (a finding, not a failure).",
         "Lemma 2.2 (its earlier, uncorrected wording)", needs=("rank_deficient",),
         expect=Status.REFUTED, finding=C2_GENERAL_FINDING)


def _rand_rational_matrix(n: int, seed: str, level: Level) -> Mat:
    rng = random.Random(seed)
    rows = [[Fraction(rng.randint(-4, 4), rng.randint(1, 3)) for _ in range(n)] for _ in range(n)]
    be = backend(level)
    return Mat.from_rows(level, [[be.scalar(v) for v in r] for r in rows], n)


def _default_ginverses(pd: PointData, Gp: Mat) -> list[Mat]:
    """Three generalized inverses of G = DDᵀ (G A G = G):

    A₁ = G⁺;  A₂ = G⁺ + (I − G⁺G)Z (also GA₂ = GG⁺ = P symmetric: a {1,3}-inverse);
    A₃ = G⁺ + (I − G⁺G)Z + W(I − GG⁺), a generalized inverse for any Z, W, since
    G(I − G⁺G) = 0 = (I − GG⁺)G, but GA₃ = P + GW(I − P) is not symmetric where rank D < QN.
    Z, W are fixed random rational matrices. All three equal G⁻¹ at full rank; A₁ and A₂
    satisfy C2's corrected hypothesis GA = P, A₃ only the old wording's GAG = G.
    """
    n = Gp.shape[0]
    G = pd.D @ pd.D.T
    I = eye(pd.level, n)
    Z = _rand_rational_matrix(n, "C2-Z", pd.level)
    W = _rand_rational_matrix(n, "C2-W", pd.level)
    A2 = Gp + (I - Gp @ G) @ Z
    return [Gp, A2, A2 + W @ (I - G @ Gp)]


def check_c2(entry, *, dps: int = 30, level: Level = Level.EXACT, progress=None,
             ginverses_fn: Callable[[PointData, Mat], list[Mat]] | None = None,
             pinv_fn: Callable[[PointData], Mat] | None = None, n_points: int | None = None
             ) -> list[Evidence]:
    """C2 as corrected (Lemma 2.2, any rank): for A₁ = (DDᵀ)⁺ and A₂ = (DDᵀ)⁺ + (I − G⁺G)Z the
    hypothesis DDᵀA = P holds (and with it DDᵀADDᵀ = DDᵀ, DDᵀA symmetric), and the field
    −DᵀA∇ₓC moves outputs by D(−DᵀAg) = −Pg; Dᵀ(DDᵀ)⁺ = D⁺. P from ``projector`` (a column
    basis), D⁺ from ``pinv(D)`` directly. ``ginverses_fn(pd, G⁺)`` replaces [A₁, A₂]."""
    level = Level.parse(level)
    gfn = ginverses_fn or (lambda pd, Gp: _default_ginverses(pd, Gp)[:2])
    pfn = pinv_fn or (lambda pd: pinv(pd.D, pd.dps or 30))

    def fn(pd):
        D, g = pd.D, pd.grad
        G = D @ D.T
        Gp = ntk_pinv(pd)
        P = projector(D, pd.dps or 30)
        out = {}
        for i, A in enumerate(gfn(pd, Gp), start=1):
            GA = G @ A
            out[f"hyp_A{i}"] = Cmp("zero", GA, P)
            out[f"ginv_A{i}"] = Cmp("zero", GA @ G, G)
            out[f"sym_A{i}"] = Cmp("zero", GA.T, GA)
            out[f"flow_A{i}"] = Cmp("zero", D @ (-(D.T @ (A @ g))), -(P @ g))
        out["dpinv"] = Cmp("zero", D.T @ Gp, pfn(pd))
        return out

    pts = sample_points(entry, _n_random(level, n_points), "C2")
    whats = {"dpinv": "Dᵀ(DDᵀ)⁺ = D⁺ (D⁺ computed directly from D)"}
    names = {1: "A₁ = (DDᵀ)⁺", 2: "A₂ = (DDᵀ)⁺ + (I−(DDᵀ)⁺DDᵀ)Z (random rational Z)"}
    for i, name in names.items():
        whats[f"hyp_A{i}"] = f"{name} satisfies the hypothesis DDᵀA = P (P from a column basis)"
        whats[f"ginv_A{i}"] = f"{name}: DDᵀADDᵀ = DDᵀ"
        whats[f"sym_A{i}"] = f"{name}: DDᵀA symmetric"
        whats[f"flow_A{i}"] = f"field −DᵀA∇ₓC with {name} moves outputs by x' = −P∇ₓC"
    return _run(entry, level, dps, pts, fn, whats)


claim_check("C2")(check_c2)


def hand_counterexample(level: Level = Level.EXACT) -> dict:
    """The smallest counterexample to C2-GENERAL, computed (not typed in): D = (1, 0)ᵀ,
    A = [[1, 1], [0, 0]], g = (0, 1). Returns the matrices, GAG − G, x' = −DDᵀAg and −Pg."""
    one, zero = backend(level).scalar(1), backend(level).scalar(0)
    D = Mat.from_rows(level, [[one], [zero]], 1)
    A = Mat.from_rows(level, [[one, one], [zero, zero]], 2)
    g = Mat.column(level, [zero, one])
    G = D @ D.T
    P = projector(D)
    return {"D": D, "A": A, "g": g, "ginv_residual": G @ A @ G - G,
            "xdot": D @ (-(D.T @ (A @ g))), "minus_Pg": -(P @ g)}


def _hosts_counterexample(G: Mat, gperp: Mat, g: Mat, dps: int) -> bool:
    """Can the old wording fail at this point? Its error is DDᵀW(I − P)∇ₓC, zero for every W
    where DDᵀ = 0 or (I − P)∇ₓC = 0 (e.g. D = 0, full rank, ∇ₓC = 0 for cross-entropy with
    Q = 1). "= 0" is exact zero, or (for rounded and ball values) below 10^(−dps/2) relative
    to the largest entry — conservative: a point skipped here only leaves evidence out."""
    if G.is_zero() or gperp.is_zero():
        return False
    small = 10.0 ** (-(dps // 2))
    size = lambda m: max((_f(v) for v in m.entries()), default=0.0)
    return size(G) > small and size(gperp) > small * max(1.0, size(g))


def _mark_counterexample(evs: list[Evidence]) -> list[Evidence]:
    """Mark the comparison that must fail on the problem (``flow_A3``) and demote a failing
    conclusion whose hypothesis did not verify (see :func:`check_c2_general`)."""
    pairs = {"hand_flow": "hand_hypothesis", "flow_A3": "ginv_A3"}
    status = {e.key: e.status for e in evs}
    out = []
    for e in evs:
        if e.key == "flow_A3":  # the comparison that must fail on this problem
            e = e.with_(details={**e.details, "counterexample": True})
        hyp = pairs.get(e.key)
        if hyp is not None and e.status is Status.REFUTED and status[hyp] is not Status.VERIFIED:
            e = e.with_(status=Status.INCONCLUSIVE, reason=Reason.HYPOTHESIS,
                        why=f"the old hypothesis ({hyp}) did not verify, so a failing "
                            "conclusion is not a counterexample")
        out.append(e)
    return out


def check_c2_general(entry, *, dps: int = 30, level: Level = Level.EXACT, progress=None,
                     ginverse_fn: Callable[[PointData, Mat], Mat] | None = None,
                     n_points: int | None = None) -> list[Evidence]:
    """C2-GENERAL, the old wording of Lemma 2.2 (a documented counterexample, expected refuted).

    On the hand counterexample (exact) and at the sample points of a rank-deficient problem,
    with A₃ = G⁺ + (I − G⁺G)Z + W(I − GG⁺) (``ginverse_fn(pd, G⁺)`` replaces it): the old
    hypothesis DDᵀA₃DDᵀ = DDᵀ must hold (verified) and the conclusion D(−DᵀA₃g) = −Pg must
    fail (refuted). Sample points where it cannot fail (:func:`_hosts_counterexample`: DDᵀ = 0
    or (I − P)∇ₓC = 0) are skipped, with that reason: there the old conclusion is true, and
    counting it as the counterexample's comparison would call the counterexample broken on
    problems that cannot host it (found by the campaign: D = 0 at θ₀ = 0, and cross-entropy
    with one output, where ∇ₓC = 0). A failing conclusion counts as a counterexample only where the hypothesis
    verified: otherwise the conclusion's evidence is demoted to inconclusive (reason
    ``hypothesis``), so the verdict can be refuted only by a genuine counterexample.
    """
    level = Level.parse(level)
    afn = ginverse_fn or (lambda pd, Gp: _default_ginverses(pd, Gp)[2])
    hand = hand_counterexample()
    r_h = hand["ginv_residual"].max_abs()
    r_f = (hand["xdot"] - hand["minus_Pg"]).max_abs()
    evs = [
        Evidence(Level.EXACT, "hand counterexample D = (1,0)ᵀ, A = [[1,1],[0,0]]: the old "
                 "hypothesis DDᵀADDᵀ = DDᵀ holds", backend(Level.EXACT).report(r_h), 0,
                 Status.VERIFIED if r_h == 0 else Status.REFUTED, None, key="hand_hypothesis"),
        Evidence(Level.EXACT, "hand counterexample, ∇ₓC = (0,1): x' = −DDᵀA∇ₓC equals −P∇ₓC "
                 f"(computed x' = {[str(v) for v in hand['xdot'].entries()]}, −P∇ₓC = "
                 f"{[str(v) for v in hand['minus_Pg'].entries()]})", backend(Level.EXACT).report(r_f),
                 0, Status.VERIFIED if r_f == 0 else Status.REFUTED, None, key="hand_flow"),
    ]

    def fn(pd):
        D, g = pd.D, pd.grad
        G = D @ D.T
        Gp = ntk_pinv(pd)
        A = afn(pd, Gp)
        P = projector(D, pd.dps or 30)
        if not _hosts_counterexample(G, g - P @ g, g, pd.dps or dps):
            return Skip("the old wording cannot fail at this point: DDᵀ = 0 or "
                        "(I − P)∇ₓC = 0, so its error DDᵀW(I − P)∇ₓC vanishes")
        return {"ginv_A3": Cmp("zero", G @ A @ G, G),
                "flow_A3": Cmp("zero", D @ (-(D.T @ (A @ g))), -(P @ g))}

    pts = sample_points(entry, _n_random(level, n_points), "C2")
    evs += _run(entry, level, dps, pts, fn, {
        "ginv_A3": "A₃ = (DDᵀ)⁺ + (I−(DDᵀ)⁺DDᵀ)Z + W(I−DDᵀ(DDᵀ)⁺) (random rational Z, W) "
                   "satisfies the old hypothesis DDᵀA₃DDᵀ = DDᵀ",
        "flow_A3": "field −DᵀA₃∇ₓC moves outputs by x' = −P∇ₓC (the old wording's conclusion; "
                   "in fact x' = −P∇ₓC − DDᵀW(I−P)∇ₓC where rank D < QN)",
    })
    return _mark_counterexample(evs)


claim_check("C2-GENERAL")(check_c2_general)


if __name__ == "__main__":
    from ._main import main

    raise SystemExit(main("C2,C2-GENERAL"))
