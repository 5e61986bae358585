"""G⁻¹b by an LDLᵀ factorization in fixed point; a non-positive pivot is a rank loss
(:class:`~symflow.errors.RankError`). With ``rank_loss="pinv"`` it hands over to the pseudo-inverse
solve of :mod:`.pinv`.

Two arrangements of the same integer operations: :func:`ldl_loops` (any n) and, for
n ≤ :data:`MAX_SOLVE`, :func:`ldl_solver` — the factorization and both sweeps written out once per
(n, P) as straight-line Python, free of the loops' indexing (the solve of a small NTK is a tenth
of an evaluation of the field). They return the same integers (tests/test_kernels.py)."""

from __future__ import annotations

from typing import Callable

import mpmath
from mpmath import mpf

from ...errors import RankError

__all__ = ["LDLSolve", "ldl_loops", "ldl_solver", "MAX_SOLVE"]

#: Largest NTK size n = QN whose LDLᵀ solve is generated straight-line.
MAX_SOLVE = 16
_SOLVERS: dict = {}


class LDLSolve:
    """Mixin of :class:`FixedPointField`: G⁻¹b (or G⁺b with ``rank_loss="pinv"``)."""

    def _solve(self, G, b, P):
        """G⁻¹b (LDLᵀ) or G⁺b (``rank_loss="pinv"``), fixed point."""
        if self.rank_loss == "pinv":
            return self._pinv_solve(G, b, P)
        return self._spd_solve(G, b, P)

    def _spd_solve(self, G, b, P):
        """G⁻¹b by LDLᵀ (RankError on a non-positive pivot), fixed point."""
        n = len(b)
        if n <= MAX_SOLVE:
            return ldl_solver(n, P)(G, b)
        return ldl_loops(G, b, P)


def _pivot_error(j, s, P, n):
    """The rank loss at LDLᵀ pivot j (value s·2^−P ≤ 0) of an n × n G."""
    return RankError(f"NTK DDᵀ is not positive definite (LDLᵀ pivot {j} = "
                     f"{mpmath.nstr(mpf(s) / 2 ** P, 5)})", rank=j, expected=n)


def ldl_loops(G, b, P) -> list:
    """G⁻¹b by LDLᵀ (pivots d_j = G_jj − (Σ_k L_jk² d_k >> 2P), L_ij = (t << P) // d_j) and the
    two triangular sweeps, in loops."""
    n = len(b)
    Lm = [[0] * n for _ in range(n)]
    d = [0] * n
    P2 = 2 * P
    for j in range(n):
        Lj = Lm[j]
        s = G[j][j] - (sum([Lj[k] * Lj[k] * d[k] for k in range(j)]) >> P2)
        if s <= 0:
            raise _pivot_error(j, s, P, n)
        d[j] = s
        for i in range(j + 1, n):
            Li = Lm[i]
            t = G[i][j] - (sum([Li[k] * Lj[k] * d[k] for k in range(j)]) >> P2)
            Li[j] = (t << P) // s
    y = list(b)
    for i in range(n):
        Li = Lm[i]
        y[i] -= sum([Li[k] * y[k] for k in range(i)]) >> P
    y = [(v << P) // di for v, di in zip(y, d)]
    for i in range(n - 1, -1, -1):
        y[i] -= sum([Lm[k][i] * y[k] for k in range(i + 1, n)]) >> P
    return y


def ldl_solver(n: int, P: int) -> Callable:
    """``solve(G, b)``: :func:`ldl_loops` for n × n written out (cached per (n, P))."""
    solve = _SOLVERS.get((n, P))
    if solve is None:
        solve = _SOLVERS[(n, P)] = _build(n, P)
    return solve


def _build(n: int, P: int) -> Callable:
    P2 = 2 * P
    lines = ["def solve(G, b):"] + [f"    G{j} = G[{j}]" for j in range(n)]
    for j in range(n):
        ld = [f"L{j}_{k}*L{j}_{k}*d{k}" for k in range(j)]
        corr = f" - (({' + '.join(ld)}) >> {P2})" if ld else ""
        lines += [f"    d{j} = G{j}[{j}]{corr}",
                  f"    if d{j} <= 0: raise pivot_error({j}, d{j}, {P}, {n})"]
        for i in range(j + 1, n):
            terms = [f"L{i}_{k}*L{j}_{k}*d{k}" for k in range(j)]
            corr = f" - (({' + '.join(terms)}) >> {P2})" if terms else ""
            lines.append(f"    L{i}_{j} = ((G{i}[{j}]{corr}) << {P}) // d{j}")
    for i in range(n):
        terms = [f"L{i}_{k}*y{k}" for k in range(i)]
        corr = f" - (({' + '.join(terms)}) >> {P})" if terms else ""
        lines.append(f"    y{i} = b[{i}]{corr}")
    lines += [f"    y{i} = (y{i} << {P}) // d{i}" for i in range(n)]
    for i in range(n - 1, -1, -1):
        terms = [f"L{k}_{i}*y{k}" for k in range(i + 1, n)]
        if terms:
            lines.append(f"    y{i} -= ({' + '.join(terms)}) >> {P}")
    lines.append("    return [" + ", ".join(f"y{i}" for i in range(n)) + "]")
    env: dict = {"pivot_error": _pivot_error}
    # the source holds names and small integer literals made here only: no user text
    exec(compile("\n".join(lines) + "\n", f"<symflow straight-line LDLᵀ solve, n={n}, P={P}>",  # noqa: S102
                 "exec"), env)
    return env["solve"]
