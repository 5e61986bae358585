"""C0's ``judge_canaries``: the verdict engines judge comparisons whose outcome is known.

The pointwise judge (:mod:`symflow.claims.judge`) at each level and the trajectory judge
(:mod:`symflow.claims.trajectories`) must refute a residual far above the tolerance, verify one
far below it and leave a ball wider than the tolerance inconclusive (:func:`check_judges`).
"""

from __future__ import annotations

import mpmath

from ...backends import tolerance as _tolerance
from ...backends.arith import working_precision
from ..evidence import Evidence, Level, Status

__all__ = ["check_judges"]


def check_judges(entry, *, dps: int = 30, level: Level = Level.EXACT, progress=None
                 ) -> list[Evidence]:
    """The verdict engines judge comparisons whose right outcome is known (canaries).

    A judge made lenient (a tolerance multiplied by 10¹⁰, a status forced to verified) would
    pass every identity the claims check; it cannot pass these. At each level of the pointwise
    judge (:mod:`symflow.claims.judge`) and in the trajectory judge
    (:mod:`symflow.claims.trajectories`), a residual of 10^(−dps/2) — far above the tolerance
    10^(GUARD−dps), far below what a real failure usually produces — must come out
    **refuted**, a residual far below the tolerance **verified**, and a ball 0 ± 10^(−dps/2)
    (wider than the tolerance) **inconclusive**. Residual: the number of canaries judged
    wrongly (0 expected); exact.
    """
    import flint

    from .. import judge as _pj
    from .. import trajectories as _tj

    half = dps // 2
    wrong = []
    with working_precision(dps + _tolerance.CONFIRM_EXTRA_DPS):
        big = mpmath.mpf(10) ** (-half)
        small = mpmath.mpf(10) ** (-dps - _tolerance.CONFIRM_EXTRA_DPS - 5)
        for name, r, want in (("mpmath, large residual", big, Status.REFUTED),
                              ("mpmath, tiny residual", small, Status.VERIFIED)):
            c = _pj.Cmp("zero", r, mpmath.mpf(0), scale=1, magnitude=1)
            got = _pj._judge(c, c, Level.MPMATH, dps).status
            if got is not want:
                wrong.append(f"pointwise {name}: {got.value}, expected {want.value}")
        one = flint.arb(1)
        for name, b, want in (
                ("ball excluding 0", one / 10 ** half, Status.REFUTED),
                ("ball 0 ± 10^-dps/2 (wider than the tolerance)",
                 flint.arb(0, one / 10 ** half), Status.INCONCLUSIVE),
                ("ball 0 ± 10^-(dps+5)", flint.arb(0, one / 10 ** (dps + 5)), Status.VERIFIED)):
            c = _pj.Cmp("zero", b, flint.arb(0), scale=1, magnitude=1)
            got = _pj._judge(c, None, Level.BALL, dps).status
            if got is not want:
                wrong.append(f"pointwise {name}: {got.value}, expected {want.value}")
        got = _pj._judge(_pj.Cmp("zero", flint.fmpq(1, 10 ** half), flint.fmpq(0)), None,
                         Level.EXACT, dps).status
        if got is not Status.REFUTED:
            wrong.append(f"pointwise exact, residual 10^-{half}: {got.value}, expected refuted")
        tol = _tolerance.trajectory(dps)
        for name, r, want in (("large residual", big, Status.REFUTED),
                              ("tiny residual", tol / 10 ** 5, Status.VERIFIED)):
            got = _tj._judge(r, tol, rerun=lambda r=r: (r, tol), magnitude=1)[0]
            if got is not want:
                wrong.append(f"trajectory judge, {name}: {got.value}, expected {want.value}")
    return [Evidence(Level.EXACT, "the verdict engines judge 8 canaries with known outcomes "
                     f"(a residual 10^-{half} refuted, residuals far below the tolerance "
                     "verified, a ball wider than the tolerance inconclusive; exact, ball, "
                     "mpmath and the trajectory judge); residual = canaries judged wrongly",
                     len(wrong), 0,
                     Status.VERIFIED if not wrong else Status.REFUTED, None,
                     {"wrong": wrong} if wrong else {}, key="judge_canaries")]
