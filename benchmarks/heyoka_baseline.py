"""heyoka baseline for the C6 flow: the field on heyoka's expression graph, Taylor integrator in mp.

:func:`run_heyoka` integrates the adapted C6 flow

    dθ/dt = D⁺(θ) w = Dᵀ (D Dᵀ)⁻¹ w,   w = y − x(θ₀) (constant),   θ(0) = θ₀,   t ∈ [0, t_end],

with heyoka's adaptive Taylor integrator in multiprecision (``fp_type=heyoka.real``, mp++
``real`` at ⌈dps·log₂10⌉ + ``GUARD_BITS`` bits, tolerance 10^-dps). The field is built on heyoka's
expression graph: the network outputs x(θ) from the state variables θ₀…θ_{K−1}, D = ∂x/∂θ by
``heyoka.diff_tensors``, G = D Dᵀ, G h = w solved by Gaussian elimination *without pivoting*
on expressions, and the right-hand side Dᵀ h. x(θ₀) comes from symflow itself
(``FixedPointField.outputs`` at dps + 20 digits).

Pitfall (why the data are runtime parameters): heyoka's expressions store numeric constants as
C doubles — ``from_sympy`` accepts only dyadic rationals and Python floats are taken at double
precision — so a constant such as 1/3 or w embedded in the graph would be correct to ~1e-17 only,
whatever the integrator's precision. Here every input that is not exactly a double (and all of w)
enters as a parameter ``heyoka.par[i]`` whose value is set as a ``heyoka.real`` at the working
precision (from the exact rational, or the mpf, through a decimal string with guard digits).
Inputs exactly representable as doubles (0, ±1, 1/2, …) are embedded as constants, which is
exact and lets heyoka fold the zeros away.

``run_s`` is the time of ``propagate_until(t_end)`` on a *second* trajectory of the already
compiled integrator (state and time reset), i.e. the per-trajectory cost; ``compile_s`` is the
time to build the expression graph and construct (JIT-compile) ``taylor_adaptive``;
``first_run_s`` is the first propagation.

Compact mode: heyoka 7.13 turns it on by itself for ``fp_type=real`` when ``compact_mode`` is
not passed (``ta.compact_mode`` is True); forcing ``compact_mode=False`` (fully unrolled Taylor
code, every operation a call into mp++) had not finished constructing the integrator for
mlp([2, 3, 1]) on N = 2 after 9 minutes (4.6 GB), against 0.3 s in compact mode.

Usage (from another benchmark script)::

    sys.path.insert(0, "benchmarks")
    from heyoka_baseline import run_heyoka
    res = run_heyoka(problem, theta0, dps=30)
"""

from __future__ import annotations

import math
import time
from fractions import Fraction

import heyoka as hy
import mpmath

from symflow.flows import FixedPointField

__all__ = ["run_heyoka", "GUARD_BITS"]

GUARD_BITS = 16
"""Bits beyond ⌈dps·log₂10⌉ of the mp++ reals."""


def _is_double(r) -> bool:
    """The rational ``r`` (SymPy Rational / Fraction) is exactly a C double."""
    f = Fraction(int(r.p), int(r.q)) if hasattr(r, "p") else Fraction(r)
    try:
        return Fraction(float(f)) == f
    except OverflowError:
        return False


def _to_real(v, prec: int) -> hy.real:
    """A ``heyoka.real`` of ``prec`` bits from an mpf or an exact number (int, Fraction, SymPy
    Rational, "1/3"), via a decimal string with guard digits (never through a double)."""
    digits = int(prec * math.log10(2)) + 10
    with mpmath.workprec(prec + 40):
        if isinstance(v, mpmath.mpf):
            m = v
        else:
            f = Fraction(str(v))
            m = mpmath.mpf(f.numerator) / f.denominator
        return hy.real(mpmath.nstr(m, digits, strip_zeros=False, min_fixed=1, max_fixed=0), prec)


def _activation(problem):
    name = problem.network.activation.name
    if name == "tanh":
        return hy.tanh
    if name == "sigmoid":
        return hy.sigmoid
    if name == "identity":
        return lambda z: z
    raise NotImplementedError(f"heyoka baseline: activation {name!r} (tanh, sigmoid, identity)")


def _outputs(problem, theta, data):
    """x(θ) as QN heyoka expressions (sample-major); ``data[j][m]`` is input m of sample j."""
    net = problem.network
    sig = _activation(problem)
    L = net.depth
    xs = []
    for a in data:
        for l, ((ws, bs), n_in, n_out) in enumerate(zip(net.layer_slices, net.widths[:-1],
                                                        net.widths[1:])):
            z = []
            for i in range(n_out):
                terms = [theta[ws.start + i * n_in + j] * a[j] for j in range(n_in)]
                if bs is not None:
                    terms.append(theta[bs.start + i])
                z.append(hy.sum(terms))
            a = [sig(v) for v in z] if l < L - 1 else z
        xs.extend(a)
    return xs


def _solve_no_pivot(A, b):
    """Gaussian elimination without pivoting on expressions: A h = b (A a list of rows)."""
    n = len(b)
    A = [list(r) for r in A]
    b = list(b)
    for k in range(n):
        for i in range(k + 1, n):
            f = A[i][k] / A[k][k]
            for j in range(k + 1, n):
                A[i][j] = A[i][j] - f * A[k][j]
            b[i] = b[i] - f * b[k]
    h = [None] * n
    for i in reversed(range(n)):
        s = b[i]
        if i + 1 < n:
            s = s - hy.sum([A[i][j] * h[j] for j in range(i + 1, n)])
        h[i] = s / A[i][i]
    return h


def build_system(problem):
    """(ODE system [(θ_k, θ'_k)], number of parameters, parameter setter) for ``problem``.

    Parameters: the non-double inputs first, then w (QN entries); the setter maps
    (w as mpf, prec) to the list of ``heyoka.real`` parameter values."""
    K, QN = problem.K, problem.QN
    theta = hy.make_vars(*[f"th{k}" for k in range(K)])
    theta = [theta] if K == 1 else list(theta)
    npar = 0
    in_vals = []
    data = []
    for row in problem.inputs:
        r = []
        for v in row:
            if _is_double(v):
                r.append(hy.expression(float(Fraction(int(v.p), int(v.q)))))
            else:
                r.append(hy.par[npar])
                in_vals.append(v)
                npar += 1
        data.append(r)
    w = [hy.par[npar + q] for q in range(QN)]
    npar += QN

    x = _outputs(problem, theta, data)
    D = hy.diff_tensors(x, theta, diff_order=1).jacobian  # QN × K
    D = [[D[q, k] for k in range(K)] for q in range(QN)]
    G = [[None] * QN for _ in range(QN)]
    for i in range(QN):
        for j in range(i, QN):
            G[i][j] = G[j][i] = hy.sum([a * b for a, b in zip(D[i], D[j])])
    h = _solve_no_pivot(G, w)
    rhs = [hy.sum([D[q][k] * h[q] for q in range(QN)]) for k in range(K)]
    sys_ = list(zip(theta, rhs))

    def pars(w_mpf, prec):
        return [_to_real(v, prec) for v in in_vals] + [_to_real(v, prec) for v in w_mpf]

    return sys_, npar, pars


def run_heyoka(problem, theta0, dps, t_end=1, compact_mode=True) -> dict:
    """Integrate dθ/dt = D⁺(θ)w, w = y − x(θ₀), θ(0) = θ₀ on [0, t_end] with heyoka in mp.

    ``t_end`` an exact number or mpf; ``compact_mode`` is passed to ``taylor_adaptive``.

    Returns ``dict(compile_s, run_s, theta_end, order, nsteps, first_run_s, prec)``:
    compile_s = graph + ``taylor_adaptive`` construction (JIT), run_s = ``propagate_until``
    of a second trajectory on the same integrator (state/time reset), theta_end = θ(t_end) as
    mpmath mpf (of the working precision, not the caller's), order = heyoka's Taylor order,
    nsteps = steps taken, first_run_s = the first propagation, prec = bits of the reals.
    """
    prec = math.ceil(dps * math.log2(10)) + GUARD_BITS
    with mpmath.workdps(dps + 20):
        th = problem.convert_theta(theta0, "mpmath")
        x0 = FixedPointField(problem, "adapted").outputs(th)
        w = [mpmath.mpf(int(v.p)) / int(v.q) - a for v, a in zip(problem.y_flat, x0)]
        th0 = [_to_real(v, prec) for v in th]

    tic = time.perf_counter()
    sys_, npar, pars = build_system(problem)
    ta = hy.taylor_adaptive(sys_, th0, fp_type=hy.real, prec=prec,
                            tol=hy.real(f"1e-{dps}", prec), pars=pars(w, prec),
                            compact_mode=compact_mode)
    compile_s = time.perf_counter() - tic

    t_end_r = _to_real(t_end, prec)
    zero = hy.real(0, prec)
    tic = time.perf_counter()
    res = ta.propagate_until(t_end_r)
    first_run_s = time.perf_counter() - tic

    ta.state[:] = th0
    ta.time = zero
    tic = time.perf_counter()
    res = ta.propagate_until(t_end_r)
    run_s = time.perf_counter() - tic
    if res[0] != hy.taylor_outcome.time_limit:
        raise RuntimeError(f"heyoka stopped with {res[0]} at t = {ta.time}")

    with mpmath.workprec(prec):
        end = [mpmath.mpf(str(v)) for v in ta.state]  # mpf keep these prec bits
    return dict(compile_s=compile_s, run_s=run_s, theta_end=end, order=int(ta.order),
                nsteps=int(res[3]) if res[3] is not None else None, first_run_s=first_run_s,
                prec=prec)
