"""Certified enclosures of the flows of a :class:`~symflow.Problem`: :func:`enclose` → :class:`FlowEnclosure`.

:func:`enclose` builds the field on jets (:class:`~.field.JetField`), runs the validated Taylor
method (:func:`~.taylor.enclose_ode`) from the exact θ₀, and certifies the rank of D on every
step's tube (:func:`~.field.ntk_lower_bound`). The result holds Arb balls that *contain* the
true θ(t) — and x[θ(t)] — for every t in the certified span:

====================  ===================================================================
``LineTime(t_end)``   dθ/dt = D⁺(θ)(y − x(θ₀)) on [0, t_end] ⊂ [0, 1]: the adapted flow in
                      the time t of C6 (L2 loss; see :mod:`.field` for why the two agree)
``FlowTime(s_end)``   dθ/ds = V_α(θ) on [0, s_end] (standard, adapted or interpolated field,
                      any loss)
====================  ===================================================================

With a certified LineTime enclosure on [0, 1] and a positive rank certificate, C6 is *proved*
for that network, data and θ₀: the flow exists on [0, 1], D has full rank QN along it, the
outputs move on the straight line x = (1 − t)x₀ + t·y and x(θ(1)) = y. :meth:`FlowEnclosure.
line_deviation` bounds |x[θ(t)] − ((1 − t)x₀ + t·y)| rigorously at every step end (a
consistency check that fails for a wrong field, see the tests), and :meth:`FlowEnclosure.
cost_rates` bounds dC/ds on every tube (C5: ≤ 0 proves the cost non-increasing).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field as dc_field
from fractions import Fraction
from typing import Any, Optional, Sequence

from flint import arb

from ...backends.arith import arb_precision
from ...core.fields import field_name
from ...core.losses import L2
from ...core.problem import Problem
from ...errors import DataError, ParameterError
from ...numbers import check_dps, short_repr, to_rational
from ...progress import make_progress, with_time_variable
from ..options import Adapted, FlowTime, LevenbergMarquardt, LineTime, field_option
from .field import JetField, ball_of, ball_outputs, certify_rank
from .step import _arb_of
from .taylor import CERTIFIED, NOT_CERTIFIED, Enclosure, enclose_ode

__all__ = ["enclose", "FlowEnclosure"]


@dataclass(frozen=True)
class FlowEnclosure:
    """A certified (or partly certified) trajectory of a flow of ``problem`` (immutable).

    ``status`` :data:`~.taylor.CERTIFIED` means: the validated Taylor steps cover the whole span
    *and* DDᵀ is certified positive definite on every step's tube (``rank_bounds[i]`` > 0 is a
    certified lower bound of λ_min(DDᵀ) over step i; ``rank_certificate`` their minimum). For
    the standard field (α = 0), whose definition needs no inverse, the rank bounds are
    reported but not required. Otherwise ``status`` is :data:`~.taylor.NOT_CERTIFIED` with
    ``reason`` and ``t_reached`` (where the certified span ends).
    """

    problem: Problem
    theta0: tuple
    field: str
    time_variable: str
    ode: Enclosure
    status: str
    reason: str
    rank_bounds: tuple
    x0: tuple
    w: Optional[tuple]
    dps: int
    seconds: float
    perturbed: Optional[str] = None
    #: the field on jets that was enclosed (its balls at ``dps``), reused by the queries
    jet_field: Optional[JetField] = dc_field(default=None, repr=False, compare=False)

    @property
    def certified(self) -> bool:
        return self.status == CERTIFIED

    @property
    def t_end(self) -> Fraction:
        return self.ode.t_end

    @property
    def t_reached(self) -> Fraction:
        return self.ode.t_reached

    @property
    def steps(self) -> tuple:
        return self.ode.steps

    @property
    def rank_certificate(self) -> Optional[arb]:
        """min over the steps of the certified lower bounds of λ_min(DDᵀ) (None if a step has
        none, or there are no steps)."""
        if not self.rank_bounds or any(b is None for b in self.rank_bounds):
            return None
        return min(self.rank_bounds, key=lambda b: b.mid())

    @property
    def stats(self) -> dict:
        d = self.ode.stats_dict
        d["seconds"] = self.seconds
        return d

    def theta_at(self, t: Any) -> tuple:
        """Balls containing θ(t), t an exact time in the certified span."""
        return self.ode.y_at(t)

    def outputs_at(self, t: Any) -> tuple:
        """Balls containing x[θ(t)] (the network evaluated in ball arithmetic on θ_at(t))."""
        th = self.theta_at(t)
        with arb_precision(self.dps):
            return tuple(ball_outputs(self.problem, th, self.jet_field.inputs))

    def widths(self) -> list:
        """(t_i, the largest diameter of the θ enclosure at t_i) per step end."""
        return self.ode.widths()

    def relative_width(self) -> arb:
        """max_k diam(θ_k(t_reached)) / max(1, |θ_k|) (an exact ``arb``)."""
        y = self.ode.y_end
        return max((2 * b.rad() / max(arb(1), abs(b.mid())) for b in y), key=lambda r: r.mid())

    def line_point(self, t: Any) -> tuple:
        """Balls containing (1 − t)x₀ + t·y (LineTime only)."""
        q = t if isinstance(t, Fraction) else Fraction(str(to_rational(t, "t")))
        with arb_precision(self.dps):
            tb = _arb_of(q)
            return tuple((1 - tb) * x0 + tb * ball_of(y)
                         for x0, y in zip(self.x0, self.problem.y_flat))

    def line_deviation(self) -> list:
        """Per step end t_i (and t = 0): (t_i, balls x[θ(t_i)] − ((1 − t_i)x₀ + t_i y)). Each
        ball contains the true deviation, which is 0 if C6 holds; its radius bounds |·|."""
        if self.time_variable != "t":
            raise DataError("line_deviation needs a LineTime enclosure (the time t of C6)",
                            self.time_variable)
        out = []
        for t in [Fraction(0)] + [s.t + s.h for s in self.steps]:
            x, line = self.outputs_at(t), self.line_point(t)
            with arb_precision(self.dps):
                out.append((t, tuple(a - b for a, b in zip(x, line))))
        return out

    def cost_rates(self, pieces: int = 1) -> list:
        """Per step i and each of ``pieces`` equal sub-intervals of it: (t_a, t_b, a ball ∋
        dC/ds(θ(s)) for all s in [t_a, t_b]) — FlowTime only. All upper bounds ≤ 0 prove the
        cost non-increasing on the span (C5)."""
        if self.time_variable != "s":
            raise DataError("cost_rates needs a FlowTime enclosure", self.time_variable)
        out = []
        with arb_precision(self.dps):
            f = self.jet_field
            for st in self.steps:
                for j in range(pieces):
                    a, b = st.h * j / pieces, st.h * (j + 1) / pieces
                    box = st.enclose_range(a, b)
                    out.append((st.t + a, st.t + b, f.cost_rate(box)))
        return out

    def summary(self) -> str:
        """One paragraph: status, span, steps, widths, rank certificate, seconds."""
        st = self.stats
        rc = self.rank_certificate
        span = f"{self.time_variable} ∈ [0, {self.t_reached}]"
        head = (f"{self.status}: {self.field} flow of {self.problem.name or 'the problem'} on "
                f"{span} at {self.dps} digits, {st['steps']} steps (order {self.ode.order}), "
                f"{st['seconds']:.2f} s")
        w = f"; max width of θ at the end {float(st['width_end'].mid()):.3g}"
        r = (f"; λ_min(DDᵀ) ≥ {float(rc):.6g} on the whole tube" if rc is not None
             else "; no rank certificate")
        why = "" if self.certified else f" — {self.reason}"
        return head + w + r + why


def _theta0(problem: Problem, theta0: Any) -> tuple:
    if isinstance(theta0, (str, bytes)) or not hasattr(theta0, "__len__"):
        raise ParameterError(f"θ₀ must be a sequence of K = {problem.K} numbers, got "
                             f"{short_repr(theta0)}", theta0)
    if len(theta0) != problem.K:
        raise ParameterError(f"θ₀ has {len(theta0)} entries but the problem has K = "
                             f"{problem.K} parameters", len(theta0))
    return tuple(v if isinstance(v, arb) else Fraction(str(to_rational(v, f"θ₀[{i}]")))
                 for i, v in enumerate(theta0))


def _field(field: Any):
    """The field option; the Levenberg–Marquardt field is refused (DataError naming it)."""
    fopt = field_option(field)
    if isinstance(fopt, LevenbergMarquardt):
        raise DataError(f"enclose: the Levenberg–Marquardt field {fopt} is not supported by the "
                        f"certified integrator (its jets solve with DDᵀ only); integrate it with "
                        f"symflow.integrate(..., arith='mpmath') and confirm=True", fopt)
    return fopt


def _span(problem: Problem, fopt, span, t_end, s_end):
    given = [v for v in (span, t_end, s_end) if v is not None]
    if len(given) > 1:
        raise DataError("give one of span=, t_end=, s_end=", given)
    if span is None:
        if s_end is not None:
            span = FlowTime(s_end)
        elif t_end is not None or (isinstance(fopt, Adapted) and isinstance(problem.loss, L2)):
            span = LineTime(1 if t_end is None else t_end)
        else:
            raise DataError(f"give s_end= (the flow time) for the {field_name(fopt.alpha)} "
                            f"field with the {problem.loss.name} loss", fopt)
    if not isinstance(span, (FlowTime, LineTime)):
        raise DataError(f"span must be FlowTime(s_end) or LineTime(t_end), got "
                        f"{short_repr(span)}", span)
    if isinstance(span, LineTime) and not (isinstance(fopt, Adapted) and
                                           isinstance(problem.loss, L2)):
        raise DataError(f"the time t of C6 exists for the adapted field and the L2 loss only "
                        f"(got the {field_name(fopt.alpha)} field, {problem.loss.name} loss); "
                        f"use s_end=", span)
    end = Fraction(str(to_rational(span.end, "span end")))
    if end <= 0:
        raise DataError(f"the span end must be > 0, got {end}", span.end)
    return span, end


def enclose(problem: Problem, theta0: Sequence[Any], *, field: Any = "adapted",
            span: Any = None, t_end: Any = None, s_end: Any = None, dps: int = 30,
            order: Optional[int] = None, max_steps: int = 2_000, min_step: Any = None,
            perturb: Optional[str] = None, method: str = "lognorm",
            progress: Any = None) -> FlowEnclosure:
    """A certified Arb-ball enclosure of a flow of ``problem`` from the exact point ``theta0``.

    ``field``: ``"adapted"`` (default), ``"standard"``, α ∈ [0, 1] or a field option
    (:class:`~symflow.flows.Adapted` …; not :class:`~symflow.flows.LevenbergMarquardt`:
    DataError). Span: ``t_end`` (the time t of C6, adapted field and
    L2 loss; the default there is t_end = 1), ``s_end`` (the flow time s), or
    ``span=LineTime(…)/FlowTime(…)``. ``dps``: Arb's working precision in digits; ``order``:
    the Taylor order (default 10 + 0.7·dps); ``max_steps``, ``min_step``: as in
    :func:`~.taylor.enclose_ode`; ``method``: ``"lognorm"`` (default) or ``"interval"`` (plain
    boxes, for comparison: the wrapping effect); ``progress``: as for
    :func:`~symflow.flows.integrate` (``True`` prints the time reached and the step count on
    stderr). ``perturb`` (``"transpose"`` | ``"sign"``) deliberately
    breaks the field — for tests showing that a wrong field is never certified around the true
    path.

    Never raises for a failed certification: :attr:`FlowEnclosure.status` and ``reason`` say
    where and why. Bad arguments raise :class:`~symflow.errors.DataError` /
    :class:`~symflow.errors.ParameterError`.
    """
    if not isinstance(problem, Problem):
        raise DataError(f"enclose: problem must be a symflow.Problem, got "
                        f"{short_repr(problem)}", problem)
    dps = check_dps(dps)
    fopt = _field(field)
    span, end = _span(problem, fopt, span, t_end, s_end)
    th0 = _theta0(problem, theta0)
    clock = time.perf_counter()
    line = isinstance(span, LineTime)
    with arb_precision(dps):
        y0 = tuple(ball_of(v) for v in th0)
        x0 = ball_outputs(problem, y0)
        w = tuple(ball_of(yv) - xv for yv, xv in zip(problem.y_flat, x0)) if line else None
        jf = JetField(problem, "line" if line else "flow", w=w,
                      alpha=Fraction(str(fopt.alpha)), perturb=perturb)
        needs_rank = line or fopt.alpha != 0
        start_bound = certify_rank(jf, y0)
    name = field_name(fopt.alpha)
    if needs_rank and start_bound is None:
        ode, reason = _refused(problem, end, y0, order, dps)
        return FlowEnclosure(problem, th0, name, span.time_variable, ode, NOT_CERTIFIED,
                             reason, (), tuple(x0), w, dps, time.perf_counter() - clock,
                             perturb, jf)
    prog = with_time_variable(make_progress(progress), span.time_variable)
    ode = enclose_ode(jf, y0, end, order=order, dps=dps, max_steps=max_steps,
                      min_step=min_step, method=method, progress=prog)
    with arb_precision(dps):
        bounds = tuple(certify_rank(jf, st.tube) for st in ode.steps)
    status, reason = _rank_status(ode, bounds, needs_rank, span.time_variable)
    return FlowEnclosure(problem, th0, name, span.time_variable, ode, status, reason, bounds,
                         tuple(x0), w, dps, time.perf_counter() - clock, perturb, jf)


def _refused(problem: Problem, end: Fraction, y0: tuple, order, dps: int):
    """The empty enclosure and the reason when DDᵀ at θ₀ is not certified invertible."""
    ode = Enclosure((), NOT_CERTIFIED, "", end, Fraction(0), y0, order or 0, dps,
                    (("steps", 0), ("rejections", 0), ("f_evals", 0), ("seconds", 0.0),
                     ("width_end", arb(0)), ("width_max", arb(0))))
    reason = (f"DDᵀ at θ₀ is not certified positive definite: rank D may be < QN = "
              f"{problem.QN} (K = {problem.K}); the field needs (DDᵀ)⁻¹")
    return ode, reason


def _rank_status(ode: Enclosure, bounds: tuple, needs_rank: bool, tv: str):
    """(status, reason): the ODE's, unless a step's tube has no rank certificate where the
    field needs (DDᵀ)⁻¹."""
    if ode.status == CERTIFIED and needs_rank and any(b is None for b in bounds):
        i = next(i for i, b in enumerate(bounds) if b is None)
        st = ode.steps[i]
        return NOT_CERTIFIED, (f"DDᵀ is not certified positive definite on the tube of step "
                               f"{i} ({tv} ∈ [{float(st.t):.6g}, {float(st.t + st.h):.6g}])")
    return ode.status, ode.reason
