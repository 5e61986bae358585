"""Certified enclosures of trajectories with Arb balls (python-flint).

=============  ==============================================================================
``jets``       truncated Taylor series with ``flint.arb`` coefficients (:class:`Jet`, on
               ``flint.arb_series``), and :data:`~.jets.JET_ARITH`, the series arithmetic the
               network evaluators run on
``taylor``     :func:`enclose_ode`, a validated Taylor method for y' = f(y): high-order a-priori
               enclosure, Lagrange remainder, the set carried as a centre and a Euclidean radius
               grown by the log-norm of ∂f/∂y (``method="lognorm"``, no wrapping) or as boxes
               (``method="interval"``) → :class:`Enclosure`
``field``      :class:`JetField`: the flows of a Problem on series (forward pass, D, ∇ₓC, NTK,
               LDLᵀ solve), and the rank certificate :func:`ntk_lower_bound`
``enclose``    :func:`enclose` (also ``symflow.enclose``) → :class:`FlowEnclosure`: a certified
               trajectory of a Problem's flow, with its rank certificate
=============  ==============================================================================

``jets`` and ``taylor`` import only ``symflow.backends``, ``symflow.errors`` and
``symflow.numbers``: the integrator knows nothing of networks.
"""

from . import jets
from .jets import Jet
from .taylor import CERTIFIED, NOT_CERTIFIED, Enclosure, Step, enclose_ode
from .field import JetField, ntk_lower_bound
from .enclose import FlowEnclosure, enclose

__all__ = ["jets", "Jet", "enclose_ode", "Enclosure", "Step", "CERTIFIED", "NOT_CERTIFIED",
           "JetField", "ntk_lower_bound", "enclose", "FlowEnclosure"]
