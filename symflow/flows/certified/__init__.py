"""Certified enclosures of ODE trajectories with Arb balls (python-flint).

=============  ==============================================================================
``jets``       truncated Taylor series with ``flint.arb`` coefficients (:class:`Jet`): +, −,
               ×, ÷, exp, tanh, σ, sin, cos, log by the standard recurrences / ``arb_series``
``taylor``     :func:`enclose_ode`, a validated Taylor method (interval Picard a-priori box,
               Lagrange remainder; plain interval propagation, no Lohner QR yet) →
               :class:`Enclosure`
=============  ==============================================================================

Imports only ``symflow.backends``, ``symflow.errors`` and ``symflow.numbers`` (not loaded by
``import symflow``; import ``symflow.flows.certified`` explicitly).
"""

from . import jets
from .jets import Jet
from .taylor import CERTIFIED, NOT_CERTIFIED, Enclosure, Step, enclose_ode

__all__ = ["jets", "Jet", "enclose_ode", "Enclosure", "Step", "CERTIFIED", "NOT_CERTIFIED"]
