"""Exact numbers from user data, and the one precision rule.

symflow keeps all data (inputs, targets, parameter points given as numbers) exact: every value
becomes a :class:`sympy.Rational`. Accepted: ``int``, :class:`fractions.Fraction`,
:class:`decimal.Decimal`, SymPy ``Integer``/``Rational``/``Float``, ``float`` and
``mpmath.mpf`` (their exact binary value), numpy integers and floats, and strings that are plain
numbers (``"3"``, ``"-2/5"``, ``"0.125"``, ``"1e-3"``), parsed by a regular expression: strings
are never evaluated or sympified. ``bool``, non-finite values, complex numbers, irrational SymPy
expressions and anything else raise :class:`~symflow.errors.DataError` naming the value.

Size caps (each refused with a :class:`~symflow.errors.DataError` naming the value, truncated,
and the cap — at once, before any big-integer work):

* a string may have at most ``MAX_DIGITS`` = 4000 digits in each digit group (the integer and
  fraction digits of a decimal together, or the numerator, or the denominator of ``a/b``), and
  a decimal exponent of at most ``MAX_EXPONENT`` = 10000 in absolute value (``"1e-9999"`` is
  fine). The cap is below Python's integer-string conversion limit
  (:func:`sys.get_int_max_str_digits`, 4300 by default), and digits are converted in chunks,
  so the result never depends on that limit;
* any number's exact numerator and denominator may have at most ``MAX_VALUE_DIGITS`` =
  ``MAX_DIGITS + MAX_EXPONENT`` = 14000 decimal digits (the largest a string can spell); this
  also bounds ``int``, ``Fraction``, ``mpf`` and SymPy ``Float`` values with huge exponents
  (``mpf("1e1000000000")`` is refused instead of building a billion-digit integer).

Sequences of numbers must be ordered: sets and mappings (dicts) are refused.

Precision: :func:`check_dps` is the one rule for a working precision in decimal digits — an
``int`` (not ``bool``) with ``MIN_DPS`` = 15 ≤ dps ≤ ``MAX_DPS`` = 2000 — used by every public
function that takes ``dps`` (:meth:`Problem.at <symflow.core.problem.Problem.at>`,
:func:`~symflow.flows.integrate`, :func:`~symflow.backends.arith.working_precision`,
:func:`~symflow.backends.linalg.pinv` …) and by the CLI and claims.
"""

from __future__ import annotations

import decimal
import math
import numbers
import re
from collections.abc import Mapping, Set
from fractions import Fraction
from typing import Any, Iterable

import mpmath
import sympy as sp

from .errors import DataError, PrecisionError

__all__ = ["to_rational", "to_rational_list", "to_rational_matrix", "check_dps", "short_repr", "to_float64",
           "MIN_DPS", "MAX_DPS", "MAX_DIGITS", "MAX_EXPONENT", "MAX_VALUE_DIGITS"]

MIN_DPS = 15
"""Smallest working precision (decimal digits) a public function accepts."""
MAX_DPS = 2000
"""Largest working precision (decimal digits) a public function accepts."""

MAX_DIGITS = 4000
"""Most digits in one digit group of a number given as a string."""
MAX_EXPONENT = 10_000
"""Largest |decimal exponent| of a number given as a string."""
MAX_VALUE_DIGITS = MAX_DIGITS + MAX_EXPONENT
"""Most decimal digits of the exact numerator or denominator of any accepted number."""
_MAX_VALUE_BITS = int(math.ceil(MAX_VALUE_DIGITS * math.log2(10)))
_CHUNK = 500  # digits converted at a time (below any setting of sys.set_int_max_str_digits)

_NUMBER_RE = re.compile(
    r"""^\s*
    (?P<sign>[+-])?
    (?:
        (?P<num>\d+)\s*/\s*(?P<den>\d+)                    # a/b
      | (?P<int>\d*)(?:\.(?P<frac>\d*))?(?:[eE](?P<exp>[+-]?\d+))?   # decimal, optional exponent
    )\s*$""",
    re.VERBOSE | re.ASCII,
)


def short_repr(value: Any, limit: int = 80) -> str:
    """``repr(value)`` cut to about ``limit`` characters; safe for integers too long to print.

    >>> short_repr("1" * 200, 20)
    "'111111111111111…' (202 chars)"
    >>> short_repr(10 ** 5000)
    '<int with 5001 digits>'
    """
    if isinstance(value, int) and not isinstance(value, bool) and \
            value.bit_length() > 3 * limit:
        return f"<int with {len(_digits_of(abs(value)))} digits>"
    if isinstance(value, (Fraction, sp.Rational)):
        p, q = (value.numerator, value.denominator) if isinstance(value, Fraction) else \
            (int(value.p), int(value.q))
        if q == 1 and p.bit_length() > 3 * limit:
            return f"<{type(value).__name__} with {len(_digits_of(abs(p)))} digits>"
        if p.bit_length() > 3 * limit or q.bit_length() > 3 * limit:
            return (f"<{type(value).__name__} with a {len(_digits_of(abs(p)))}-digit numerator "
                    f"and a {len(_digits_of(q))}-digit denominator>")
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - e.g. huge integers inside containers
        return f"<{type(value).__name__} object>"
    if len(text) <= limit:
        return text
    return f"{text[:limit - 4]}…' ({len(text)} chars)" if text[:1] in "'\"" else \
        f"{text[:limit - 4]}… ({len(text)} chars)"


def _digits_of(n: int) -> str:
    """Decimal digits of n ≥ 0 without Python's int→str digit limit (only for messages)."""
    if n.bit_length() <= 4 * _CHUNK:
        return str(n)
    out = []
    base = 10 ** _CHUNK
    while n:
        n, r = divmod(n, base)
        out.append(str(r).zfill(_CHUNK))
    return "".join(reversed(out)).lstrip("0") or "0"


def check_dps(dps: Any, what: str = "dps") -> int:
    """``dps`` as an ``int`` if it is a valid working precision, else :class:`PrecisionError`.

    One rule everywhere: an integer (``bool``, ``float``, ``str``, ``None`` refused; numpy
    integers accepted) with ``MIN_DPS`` ≤ dps ≤ ``MAX_DPS`` (15 ≤ dps ≤ 2000). ``what`` names
    the argument in the message. Instant for any input.

    >>> check_dps(30)
    30
    >>> check_dps(10 ** 7)
    Traceback (most recent call last):
    ...
    symflow.errors.PrecisionError: dps = 10000000 is outside [15, 2000] (decimal digits of working precision)
    """
    if isinstance(dps, bool) or not isinstance(dps, numbers.Integral):
        raise PrecisionError(
            f"{what} = {short_repr(dps)} (type {type(dps).__name__}) must be an integer number "
            f"of decimal digits in [{MIN_DPS}, {MAX_DPS}]", dps)
    d = int(dps)
    if not MIN_DPS <= d <= MAX_DPS:
        raise PrecisionError(
            f"{what} = {short_repr(d)} is outside [{MIN_DPS}, {MAX_DPS}] (decimal digits of "
            f"working precision)", dps)
    return d


def _int(digits: str) -> int:
    """int(digits) for a string of ASCII digits of any length (chunked: no str-digit limit)."""
    if len(digits) <= _CHUNK:
        return int(digits)
    n = 0
    for i in range(0, len(digits), _CHUNK):
        part = digits[i:i + _CHUNK]
        n = n * 10 ** len(part) + int(part)
    return n


def _check_size(p: int, q: int, value: Any, what: str) -> None:
    if p.bit_length() > _MAX_VALUE_BITS or q.bit_length() > _MAX_VALUE_BITS:
        raise DataError(
            f"{what}: {short_repr(value)} is too large: numerator and denominator may have at "
            f"most {MAX_VALUE_DIGITS} digits", value)


def _rational(p: int, q: int, value: Any, what: str) -> sp.Rational:
    _check_size(p, q, value, what)
    return sp.Rational(p, q)


def _parse_string(text: str, what: str) -> sp.Rational:
    if len(text) > 3 * MAX_DIGITS + 100:
        raise DataError(f"{what}: {short_repr(text)} is too long to be a number (at most "
                        f"{MAX_DIGITS} digits per digit group)", text)
    m = _NUMBER_RE.match(text)
    if m is None or (m.group("num") is None and not (m.group("int") or m.group("frac"))):
        raise DataError(
            f"{what}: {short_repr(text)} is not a plain number; use forms like '3', '-2/5', "
            f"'0.125' or '1e-3'", text)
    sign = -1 if m.group("sign") == "-" else 1
    if m.group("num") is not None:
        for part in ("num", "den"):
            if len(m.group(part)) > MAX_DIGITS:
                raise DataError(
                    f"{what}: {short_repr(text)} has {len(m.group(part))} digits in its "
                    f"{'numerator' if part == 'num' else 'denominator'}; at most {MAX_DIGITS} "
                    f"are accepted", text)
        den = _int(m.group("den"))
        if den == 0:
            raise DataError(f"{what}: {short_repr(text)} has a zero denominator", text)
        return sp.Rational(sign * _int(m.group("num")), den)
    digits = (m.group("int") or "") + (m.group("frac") or "")
    if len(digits) > MAX_DIGITS:
        raise DataError(f"{what}: {short_repr(text)} has {len(digits)} digits; at most "
                        f"{MAX_DIGITS} are accepted", text)
    scale = len(m.group("frac") or "")
    exp_text = m.group("exp") or "0"
    if len(exp_text.lstrip("+-").lstrip("0")) > 6 or abs(int(exp_text)) > MAX_EXPONENT:
        raise DataError(f"{what}: exponent of {short_repr(text)} is out of range (|exponent| ≤ "
                        f"{MAX_EXPONENT})", text)
    exp = int(exp_text) - scale
    value = Fraction(sign * _int(digits or "0")) * Fraction(10) ** exp
    return sp.Rational(value.numerator, value.denominator)


def _from_mpf_tuple(mpf_tuple, value: Any, what: str) -> sp.Rational:
    """Exact rational of a finite mpf value tuple (sign, man, exp, bc), size-checked first."""
    sign, man, exp, bc = mpf_tuple
    if not man:
        return sp.Integer(0)
    man = int(man)
    if exp >= 0:
        if man.bit_length() + exp > _MAX_VALUE_BITS:
            _check_size(1 << (_MAX_VALUE_BITS + 1), 1, value, what)
        p, q = man << exp, 1
    else:
        if -exp > _MAX_VALUE_BITS:
            _check_size(1, 1 << (_MAX_VALUE_BITS + 1), value, what)
        p, q = man, 1 << -exp
    return sp.Rational(-p if sign else p, q)


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
            _check_size(int(value.p), int(value.q), value, what)
            return value
        if isinstance(value, sp.Float):
            if not value.is_finite:
                raise DataError(f"{what}: {short_repr(value)} is not finite", value)
            return _from_mpf_tuple(value._mpf_, value, what)
        raise DataError(
            f"{what}: {short_repr(value)} is not a rational number (symflow data must be exact "
            f"rationals)", value)
    if isinstance(value, mpmath.mpf):
        if not mpmath.isfinite(value):
            raise DataError(f"{what}: {value!r} is not finite", value)
        return _from_mpf_tuple(value._mpf_, value, what)
    if isinstance(value, numbers.Integral):
        v = int(value)
        return _rational(v, 1, value, what)
    if isinstance(value, Fraction):
        return _rational(value.numerator, value.denominator, value, what)
    if isinstance(value, decimal.Decimal):
        if not value.is_finite():
            raise DataError(f"{what}: {value!r} is not finite", value)
        return _parse_string(str(value), what)
    if isinstance(value, numbers.Real):
        try:
            f = float(value)
        except (OverflowError, ValueError, TypeError):
            raise DataError(f"{what}: {short_repr(value)} (type {type(value).__name__}) cannot "
                            f"be converted to a number", value) from None
        if not math.isfinite(f):
            raise DataError(f"{what}: {short_repr(value)} is not finite", value)
        n, d = f.as_integer_ratio()
        return sp.Rational(n, d)
    raise DataError(f"{what}: {short_repr(value)} (type {type(value).__name__}) is not a number",
                    value)


def _ordered_sequence(values: Any, what: str, kind: str) -> Any:
    """``values`` as an ordered sequence of ``kind`` (``"numbers"``, ``"rows"``): numpy arrays
    and SymPy matrices become lists; strings, sets, mappings (no order) and non-iterables raise
    a :class:`~symflow.errors.DataError` naming ``what``."""
    if hasattr(values, "tolist") and not isinstance(values, (str, bytes)):
        values = values.tolist()  # numpy arrays, sympy matrices
    if isinstance(values, (str, bytes)) or isinstance(values, (Set, Mapping)):
        raise DataError(
            f"{what}: expected an ordered sequence of {kind} (list, tuple or array), got "
            f"{short_repr(values)} (type {type(values).__name__})", values)
    if not isinstance(values, Iterable):
        raise DataError(f"{what}: expected a sequence of {kind}, got {short_repr(values)}", values)
    return values


def to_rational_list(values: Any, what: str, length: int | None = None) -> list[sp.Rational]:
    """A flat list of rationals; ``length`` (if given) is enforced."""
    values = _ordered_sequence(values, what, "numbers")
    if length is not None and hasattr(values, "__len__") and len(values) != length:
        raise DataError(f"{what}: expected {length} numbers, got {len(values)}", values)
    out = [to_rational(v, f"{what}[{i}]") for i, v in enumerate(values)]
    if length is not None and len(out) != length:
        raise DataError(f"{what}: expected {length} numbers, got {len(out)}", values)
    return out


def to_rational_matrix(rows: Any, what: str, ncols: int | None = None,
                       nrows: int | None = None, max_rows: int | None = None
                       ) -> list[list[sp.Rational]]:
    """A list of rows of rationals, all of length ``ncols`` (if given).

    A flat sequence of numbers is accepted when ``ncols == 1`` (one number per row). Numpy
    arrays and SymPy matrices are accepted; sets and dicts are not (they have no order).
    ``max_rows`` (if given) is checked before any conversion.
    """
    rows = list(_ordered_sequence(rows, what, "rows"))
    if not rows:
        raise DataError(f"{what}: no rows given (need at least one sample)", rows)
    if max_rows is not None and len(rows) > max_rows:
        raise DataError(f"{what}: {len(rows)} rows is more than the cap of {max_rows}",
                        len(rows))
    if nrows is not None and len(rows) != nrows:
        raise DataError(f"{what}: expected {nrows} rows, got {len(rows)}", rows)
    out = []
    for i, row in enumerate(rows):
        if hasattr(row, "tolist") and not isinstance(row, (str, bytes)):
            row = row.tolist()
        if ncols == 1 and not isinstance(row, (list, tuple)):
            row = [row]
        r = to_rational_list(row, f"{what}[{i}]", ncols)
        out.append(r)
    lengths = {len(r) for r in out}
    if len(lengths) != 1:
        raise DataError(f"{what}: rows have different lengths {sorted(lengths)}", rows)
    return out


def to_float64(value: Any, what: str, error: type | None = None, shown: Any = None) -> float:
    """``value`` (an exact number) as a finite float64, else ``error`` (default
    :class:`~symflow.errors.LevelError`) naming it — or ``shown``, the value as the user gave
    it — ("use level 'mpmath'")."""
    from .errors import LevelError
    try:
        f = float(value)
    except OverflowError:
        f = float("inf")
    if not math.isfinite(f):
        named = value if shown is None else shown
        raise (error or LevelError)(f"{what} = {short_repr(named)} is too large for float64; "
                                    f"use level 'mpmath'", named if error else "float64")
    return f
