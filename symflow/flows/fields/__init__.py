"""The fixed-point field evaluator of the mpmath runner, split by idea (see :mod:`.fixed_point`)."""

from .fixed_point import FixedPointField

__all__ = ["FixedPointField"]
