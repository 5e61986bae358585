"""The field evaluators of the mpmath runner: the fixed-point evaluator of MLPs, split by idea
(see :mod:`.fixed_point`), and the expression evaluator of general models (:mod:`.expression`);
:func:`symflow.flows.run_mpmath._run_mp` picks the one that applies."""

from .expression import ExpressionField
from .fixed_point import FixedPointField

__all__ = ["FixedPointField", "ExpressionField"]
