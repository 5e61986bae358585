"""Exact numbers from user data.

symflow keeps all data (inputs, targets, parameter points given as numbers) exact: every value
becomes a :class:`sympy.Rational`. Accepted: ``int``, :class:`fractions.Fraction`, SymPy
``Integer``/``Rational``/``Float``, ``float`` and ``mpmath.mpf`` (their exact binary value),
numpy integers and floats, and strings that are plain numbers (``"3"``, ``"-2/5"``, ``"0.125"``,
``"1e-3"``), parsed by a regular expression: strings are never evaluated or sympified.
``bool``, non-finite values, complex numbers, irrational SymPy expressions and anything else
raise :class:`~symflow.errors.DataError` naming the value.
"""

from __future__ import annotations

import math
import numbers
import re
from fractions import Fraction
from typing import Any, Iterable

import mpmath
import sympy as sp

from .errors import DataError

__all__ = ["to_rational", "to_rational_list", "to_rational_matrix"]

_NUMBER_RE = re.compile(
    r"""^\s*
    (?P<sign>[+-])?
    (?:
        (?P<num>\d+)\s*/\s*(?P<den>\d+)                    # a/b
      | (?P<int>\d*)(?:\.(?P<frac>\d*))?(?:[eE](?P<exp>[+-]?\d+))?   # decimal, optional exponent
    )\s*$""",
    re.VERBOSE,
)


def _parse_string(text: str, what: str) -> sp.Rational:
    m = _NUMBER_RE.match(text)
    if m is None or (m.group("num") is None and not (m.group("int") or m.group("frac"))):
        raise DataError(
            f"{what}: {text!r} is not a plain number; use forms like '3', '-2/5', '0.125' or '1e-3'",
            text,
        )
    sign = -1 if m.group("sign") == "-" else 1
    if m.group("num") is not None:
        den = int(m.group("den"))
        if den == 0:
            raise DataError(f"{what}: {text!r} has a zero denominator", text)
        return sp.Rational(sign * int(m.group("num")), den)
    digits = (m.group("int") or "") + (m.group("frac") or "")
    scale = len(m.group("frac") or "")
    exp = int(m.group("exp") or 0) - scale
    if abs(exp) > 10_000:
        raise DataError(f"{what}: exponent of {text!r} is out of range", text)
    value = Fraction(sign * int(digits or "0")) * Fraction(10) ** exp
    return sp.Rational(value.numerator, value.denominator)


def to_rational(value: Any, what: str = "value") -> sp.Rational:
    """Return ``value`` as an exact :class:`sympy.Rational`.

    ``what`` names the value in error messages (e.g. ``"inputs[2][0]"``).

    >>> to_rational("-2/5"), to_rational(0.375), to_rational("1e-2")
    (-2/5, 3/8, 1/100)
    """
    if isinstance(value, bool) or value is None:
        raise DataError(f"{what}: {value!r} is not a number", value)
    if isinstance(value, str):
        return _parse_string(value, what)
    if isinstance(value, sp.Basic):
        if isinstance(value, sp.Rational):
            return value
        if isinstance(value, sp.Float):
            if not value.is_finite:
                raise DataError(f"{what}: {value!r} is not finite", value)
            return sp.Rational(*Fraction(mpmath.mpf(value._mpf_)).as_integer_ratio())
        raise DataError(
            f"{what}: {value!r} is not a rational number (symflow data must be exact rationals)",
            value,
        )
    if isinstance(value, mpmath.mpf):
        if not mpmath.isfinite(value):
            raise DataError(f"{what}: {value!r} is not finite", value)
        man, exp = value.man_exp
        if man is None or man == 0:
            return sp.Integer(0)
        return sp.Rational(int(man) * 2 ** exp) if exp >= 0 else sp.Rational(int(man), 2 ** (-exp))
    if isinstance(value, numbers.Integral):
        return sp.Integer(int(value))
    if isinstance(value, Fraction):
        return sp.Rational(value.numerator, value.denominator)
    if isinstance(value, numbers.Real):
        f = float(value)
        if not math.isfinite(f):
            raise DataError(f"{what}: {value!r} is not finite", value)
        n, d = f.as_integer_ratio()
        return sp.Rational(n, d)
    raise DataError(f"{what}: {value!r} (type {type(value).__name__}) is not a number", value)


def to_rational_list(values: Any, what: str, length: int | None = None) -> list[sp.Rational]:
    """A flat list of rationals; ``length`` (if given) is enforced."""
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise DataError(f"{what}: expected a sequence of numbers, got {values!r}", values)
    out = [to_rational(v, f"{what}[{i}]") for i, v in enumerate(values)]
    if length is not None and len(out) != length:
        raise DataError(f"{what}: expected {length} numbers, got {len(out)}", values)
    return out


def to_rational_matrix(rows: Any, what: str, ncols: int | None = None,
                       nrows: int | None = None) -> list[list[sp.Rational]]:
    """A list of rows of rationals, all of length ``ncols`` (if given).

    A flat sequence of numbers is accepted when ``ncols == 1`` (one number per row).
    """
    if isinstance(rows, (str, bytes)) or not isinstance(rows, Iterable):
        raise DataError(f"{what}: expected a sequence of rows, got {rows!r}", rows)
    if hasattr(rows, "tolist"):  # numpy arrays, sympy matrices
        rows = rows.tolist()
    rows = list(rows)
    if not rows:
        raise DataError(f"{what}: no rows given (need at least one sample)", rows)
    out = []
    for i, row in enumerate(rows):
        if ncols == 1 and not isinstance(row, (list, tuple)) and not hasattr(row, "tolist"):
            row = [row]
        if hasattr(row, "tolist"):
            row = row.tolist()
        r = to_rational_list(row, f"{what}[{i}]", ncols)
        out.append(r)
    lengths = {len(r) for r in out}
    if len(lengths) != 1:
        raise DataError(f"{what}: rows have different lengths {sorted(lengths)}", rows)
    if nrows is not None and len(out) != nrows:
        raise DataError(f"{what}: expected {nrows} rows, got {len(out)}", rows)
    return out
