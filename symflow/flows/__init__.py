"""The flows of docs/theory.md integrated at high precision: :func:`integrate` → :class:`Trajectory`.

=====================  =========================================================================
``integrate``          validation → options → runner (:mod:`.integrate`)
``options``            frozen value objects: fields (``LevenbergMarquardt`` too), spans,
                       precision, rank-loss policy
``homotopy``           families p ↦ field joining the standard and the adapted field
                       (:class:`ConvexFamily`, :class:`LevenbergMarquardtFamily`), :func:`sweep`
``trajectory``         :class:`Trajectory` (immutable), :class:`Confirmation`, :class:`Result`
``run_mpmath``         the GBS engine on the fixed-point field, with the rank monitor
``rows``               the rows of a GBS step computed on a second core (a forked helper)
``run_float64``        scipy's DOP853 on the numpy fields
``fields/``            :class:`FixedPointField`: forward pass, δ's, NTK, LDLᵀ and pinv solves
                       (list kernels; straight-line programs for K up to ~1000; FLINT
                       matrix products for wider networks — the same integers either way)
``certified/``         :func:`enclose` → :class:`FlowEnclosure`: rigorous Arb-ball enclosures of
                       whole trajectories (validated Taylor method on series)
``steps``              :func:`gauss_newton_step`, :func:`gradient_step` (Euler steps of size ηN
                       of the adapted / standard flows) and :func:`iterate` (C15, C17)
``odes``               :func:`solve_ivp_mp`, the GBS extrapolation engine (``evaluation``
                       calls of f, ``engine`` one step, ``controller`` order/step size,
                       ``dense`` dense output)
=====================  =========================================================================
"""

from .fields import FixedPointField
from .integrate import integrate
from .options import (Adapted, FlowTime, Interpolated, LevenbergMarquardt, LineTime, Precision,
                      PseudoInverse, Standard, Stop, integrate_tolerance, rank_threshold_digits)
from .homotopy import ConvexFamily, Homotopy, LevenbergMarquardtFamily, sweep
from .trajectory import Confirmation, Result, Trajectory
from .certified import FlowEnclosure, enclose
from .steps import Iterate, gauss_newton_step, gradient_step, iterate

__all__ = ["integrate", "Trajectory", "enclose", "FlowEnclosure", "Confirmation", "Result", "FixedPointField", "Standard",
           "Adapted", "Interpolated", "LevenbergMarquardt", "Homotopy", "ConvexFamily",
           "LevenbergMarquardtFamily", "sweep", "FlowTime", "LineTime", "Precision", "Stop",
           "PseudoInverse", "integrate_tolerance", "rank_threshold_digits", "gauss_newton_step",
           "gradient_step", "iterate", "Iterate"]
