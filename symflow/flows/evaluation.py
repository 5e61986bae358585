"""Calling the right-hand side ``f`` for the GBS engine (:mod:`.engine`): :class:`_Evaluator`
counts and checks the evaluations (a length or a non-finite value is a :class:`_Failure` at that
time, as is an exception of ``f``), with the raw-tuple fast protocol ``f.raw``; and
:func:`_to_mpf`, the one number → mpf conversion of :mod:`symflow.flows`."""

from __future__ import annotations

from fractions import Fraction

import mpmath
from mpmath import mp, mpf

from ..errors import IntegrationError
from ..numbers import to_rational


class _Failure(Exception):
    """Internal: a failed evaluation of f (exception or non-finite value) at time t."""

    def __init__(self, t, message, nonfinite=False):
        super().__init__(message)
        self.t = t
        self.nonfinite = nonfinite

    @classmethod
    def raised(cls, t, e):
        """f raised the exception e at t."""
        return cls(t, f"f raised {type(e).__name__} at t = {_nstr(t)}: {e}")

    @classmethod
    def length(cls, t, got, dim):
        """f returned ``got`` components instead of ``dim`` at t."""
        return cls(t, f"f returned {got} components, expected {dim}, at t = {_nstr(t)}")

    @classmethod
    def nonfinite_value(cls, t):
        """f returned nan or ±inf at t."""
        return cls(t, f"f returned a non-finite value at t = {_nstr(t)}", nonfinite=True)


def _nstr(x, n=17):
    """x with n digits for a message (repr if mpmath cannot format it)."""
    try:
        return mpmath.nstr(x, n)
    except Exception:  # noqa: BLE001
        return repr(x)


class _Evaluator:
    """Evaluations of ``f`` for the engine: ``nfev`` counts them, ``last_bad_t``/``last_bad_msg``
    remember the last failure at a trial point (for the step-size underflow message).

    ``f(t, y)`` gets mpf arguments and returns a sequence of ``dim`` real numbers; if
    ``f.fixed_bits`` is set (P), the inner loop runs in fixed point instead:
    ``f.fixed(t, [m_i]) -> [m_i]`` with values m·2^−P (no mpf objects in between).
    """

    def __init__(self, f, dim):
        self.f = f
        self.dim = dim
        self.nfev = 0
        self.last_bad_t = None
        self.last_bad_msg = None
        # the fixed-point protocol: f.fixed(t, [m_i]) -> [m_i], values m·2^−fixed_bits
        self.fixed_P = getattr(f, "fixed_bits", None)
        self.fixed_f = getattr(f, "fixed", None) if self.fixed_P else None

    def feval(self, t, y):
        """f at (t, y) with mpf arguments; returns the raw value tuples."""
        self.nfev += 1
        try:
            d = self.f(t, y)
        except Exception as e:  # noqa: BLE001 - reported with the time
            raise _Failure.raised(t, e) from e
        try:
            raw = [v._mpf_ for v in d]
        except AttributeError:
            raw = self._convert(t, d)
        except TypeError:
            raise _Failure(t, f"f returned a non-sequence {type(d).__name__} at t = "
                              f"{_nstr(t)}") from None
        if len(raw) != self.dim:
            raise _Failure.length(t, len(raw), self.dim)
        for v in raw:
            if v[3] < 0:  # nan / +inf / -inf have negative bit count in libmp
                raise _Failure.nonfinite_value(t)
        return raw

    def _convert(self, t, d):
        """The raw value tuples of a sequence of real non-mpf numbers (complex ones refused)."""
        out = []
        try:
            for v in d:
                if isinstance(v, mpf):
                    out.append(v._mpf_)
                elif isinstance(v, (mpmath.mpc, complex)):
                    raise TypeError("complex value")
                else:
                    out.append(mpf(v)._mpf_)
        except Exception as e:  # noqa: BLE001
            raise _Failure(t, f"f returned a non-real value at t = {_nstr(t)}: {e}") from None
        return out

    def feval_fixed(self, t, z_fix):
        """f at (t, y) in fixed point: y and f(t, y) as integers m with value m·2^−P,
        P = ``f.fixed_bits`` (the engine's inner loop when ``f`` offers ``f.fixed``; the values
        are integers, so they are finite)."""
        self.nfev += 1
        try:
            out = self.fixed_f(t, z_fix)
        except Exception as e:  # noqa: BLE001 - reported with the time
            raise _Failure.raised(t, e) from e
        if len(out) != self.dim:
            raise _Failure.length(t, len(out), self.dim)
        return out

    def feval_fast(self, t, z_raw):
        """:meth:`feval` with y given as raw value tuples (the generic inner loop)."""
        mk = mp.make_mpf
        return self.feval(t, [mk(v) for v in z_raw])


def _to_mpf(x, what, *, exact=False):
    """``x`` as an mpf at the current precision — the one number → mpf conversion of
    :mod:`symflow.flows` (defined here, in ``evaluation.py``; :mod:`.odes`, the runners and
    :class:`~symflow.flows.trajectory.Trajectory` import it).

    Any real number (int, float, str, mpf, Fraction, SymPy number, ...); rationals are divided at
    the current precision (not rounded to float); a failure or a non-finite value raises
    :class:`IntegrationError` naming ``what``.  ``exact=True`` applies symflow's data contract
    (the options of :func:`~symflow.flows.integrate`, the times of a Trajectory): anything but a
    finite mpf must be an exact rational, read by :func:`symflow.numbers.to_rational`
    (:class:`~symflow.errors.DataError` naming ``what`` otherwise).
    """
    if exact and not (isinstance(x, mpf) and mpmath.isfinite(x)):
        x = to_rational(x, what)
    try:
        if isinstance(x, Fraction):
            v = mpf(x.numerator) / x.denominator
        elif isinstance(x, (mpf, int, float, str)):
            v = mpf(x)
        elif hasattr(x, "p") and hasattr(x, "q") and getattr(x, "is_Rational", False):
            v = mpf(int(x.p)) / int(x.q)  # SymPy Rational / Integer
        elif hasattr(x, "_mpf_") or hasattr(x, "_to_mpmath"):
            v = mpf(x._to_mpmath(mp.prec)) if hasattr(x, "_to_mpmath") else mpf(x)
        else:
            v = mpf(x)
    except Exception as e:  # noqa: BLE001
        raise IntegrationError(f"{what} = {x!r} is not a real number: {e}", time=None) from e
    if not mpmath.isfinite(v):
        raise IntegrationError(f"{what} = {x!r} is not finite", time=None)
    return v
