"""The fixed-point field of a small MLP as straight-line Python: :class:`StraightLine`.

For a network with few parameters the list kernels (:mod:`.forward`, :mod:`.backprop`,
:mod:`.gram`) spend most of their time on loop and indexing overhead, not on arithmetic. This
module writes the same computation out once per problem and precision, every index resolved:
the pre-activations z = (Σ_m W_im a_m >> P) + b_i with the inputs as integer literals, σ through
the same fixed-point σ, the δ's, the NTK entries G_rc = Σ_l ((δ_r·δ_c) >> P)(a_j·a_k + 1) and
the products Dᵀu — the *same* integer operations in the same order as the list kernels, so the
values are identical bit for bit (tests/test_rows.py checks this); only the interpretive
overhead goes.

The source is generated from the network's widths and the problem's exact inputs alone (no user
text enters it) and compiled with :func:`compile`; it is used when the estimated number of
terms is at most :data:`MAX_TERMS` (K up to a few hundred), beyond which the list or matrix
kernels are used.
"""

from __future__ import annotations

from typing import Callable

__all__ = ["StraightLine", "MAX_TERMS", "term_count"]

#: Largest estimated number of products for which the straight-line program is generated.
MAX_TERMS = 12_000


def term_count(widths, N, Q) -> int:
    """The products of one evaluation: forward, δ's, NTK and Dᵀu (an estimate of the size of
    the generated program)."""
    L = len(widths) - 1
    fw = N * sum(a * b for a, b in zip(widths[:-1], widths[1:]))
    hidden = sum(widths[1:-1])
    n = N * Q
    return 3 * fw + N * Q * fw + n * (n + 1) // 2 * (hidden + L)


class _Writer:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.n = 0

    def var(self, prefix="v") -> str:
        self.n += 1
        return f"{prefix}{self.n}"

    def emit(self, line: str, indent: int = 1) -> None:
        self.lines.append("    " * indent + line)


def _dot(xs, ys) -> str:
    terms = [f"{x}*{y}" for x, y in zip(xs, ys) if x != "0" and y != "0"]
    return " + ".join(terms) if terms else "0"


class StraightLine:
    """The generated kernels of one fixed-point field at P bits: ``run(th) -> (xs, G thunk,
    u ↦ Dᵀu)`` with the semantics of ``FixedPointField._kernels``."""

    def __init__(self, field, P: int) -> None:
        self.P = P
        self.run = self._build(field, P)

    @staticmethod
    def fits(field) -> bool:
        return term_count(field.widths, field.N, field.Q) <= MAX_TERMS

    def _build(self, f, P) -> Callable:
        w = _Writer()
        N, Q, L, K = f.N, f.Q, f.L, f.K
        widths = f.widths
        inputs = f._c(P)[0]
        one = 1 << P
        th = [f"t{i}" for i in range(K)]
        w.emit("def run(th):", 0)
        w.emit(f"({', '.join(th)},) = th")
        Wname, Bname = [], []
        for (ws, bsl), n_in, n_out in zip(f.slices, widths[:-1], widths[1:]):
            Wname.append([[th[ws.start + i * n_in + m] for m in range(n_in)]
                          for i in range(n_out)])
            Bname.append([th[bsl.start + i] for i in range(n_out)] if bsl is not None else None)
        acts = [[[str(int(v)) for v in inputs[j]]] for j in range(N)]   # acts[j][l] names
        ders = [[] for _ in range(N)]
        xs = []
        for l in range(L):
            zs = []
            for j in range(N):
                a = acts[j][l]
                row = []
                for i in range(widths[l + 1]):
                    z = w.var("z")
                    dot = _dot(Wname[l][i], a)
                    bias = f" + {Bname[l][i]}" if Bname[l] is not None else ""
                    w.emit(f"{z} = (({dot}) >> {P}){bias}")
                    row.append(z)
                zs.append(row)
            if l < L - 1:
                flat = [z for row in zs for z in row]
                av, dv = w.var("A"), w.var("S")
                w.emit(f"{av}, {dv} = sigma([{', '.join(flat)}])")
                k = 0
                for j in range(N):
                    names_a, names_d = [], []
                    for _ in zs[j]:
                        na, nd = w.var("a"), w.var("d")
                        w.emit(f"{na} = {av}[{k}]; {nd} = {dv}[{k}]")
                        names_a.append(na)
                        names_d.append(nd)
                        k += 1
                    acts[j].append(names_a)
                    ders[j].append(names_d)
            else:
                for j in range(N):
                    xs.extend(zs[j])
        # δ's: dl[j][q][l] for hidden layers l = 0 … L−2 (layer l+1's pre-activations)
        dl = [[[None] * (L - 1) for _ in range(Q)] for _ in range(N)]
        for j in range(N):
            for q in range(Q):
                if L < 2:
                    continue
                cur = []
                for i, d in enumerate(ders[j][L - 2]):
                    v = w.var("e")
                    w.emit(f"{v} = ({Wname[L - 1][q][i]}*{d}) >> {P}")
                    cur.append(v)
                dl[j][q][L - 2] = cur
                for l in range(L - 2, 0, -1):
                    nxt = []
                    for m, d in enumerate(ders[j][l - 1]):
                        col = [Wname[l][i][m] for i in range(widths[l + 1])]
                        v = w.var("e")
                        w.emit(f"{v} = ((({_dot(col, cur)}) >> {P})*{d}) >> {P}")
                        nxt.append(v)
                    cur = nxt
                    dl[j][q][l - 1] = cur
        # AA[l][j][k] = (a_j·a_k >> P) + one
        bias_one = one if f.bias else 0
        AA = [[[None] * N for _ in range(N)] for _ in range(L)]
        for l in range(L):
            for j in range(N):
                for k in range(j, N):
                    v = w.var("s")
                    w.emit(f"{v} = (({_dot(acts[j][l], acts[k][l])}) >> {P}) + {bias_one}")
                    AA[l][j][k] = AA[l][k][j] = v
        # G (upper triangle, then mirrored)
        n = N * Q
        w.emit("def gram():")
        G = [[None] * n for _ in range(n)]
        for j in range(N):
            for q in range(Q):
                r = j * Q + q
                for k in range(j, N):
                    for q2 in range(Q if k > j else Q - q):
                        q2 = q2 if k > j else q + q2
                        c = k * Q + q2
                        terms = [AA[L - 1][j][k]] if q == q2 else []
                        for l in range(L - 1):
                            terms.append(f"((({_dot(dl[j][q][l], dl[k][q2][l])}) >> {P})"
                                         f"*{AA[l][j][k]} >> {P})")
                        v = w.var("g")
                        w.emit(f"{v} = {' + '.join(terms) if terms else '0'}", 2)
                        G[r][c] = G[c][r] = v
        w.emit("return [" + ", ".join("[" + ", ".join(row) + "]" for row in G) + "]", 2)
        # Dᵀu
        w.emit("def dt(u):")
        us = [f"u{i}" for i in range(n)]
        w.emit(f"({', '.join(us)},) = u", 2)
        out = [None] * K
        for l in range(L):
            ws, bsl = f.slices[l]
            n_in, n_out = widths[l], widths[l + 1]
            cs = []
            for j in range(N):
                uj = us[j * Q:(j + 1) * Q]
                if l == L - 1:
                    cs.append(uj)
                else:
                    row = []
                    for i in range(n_out):
                        v = w.var("c")
                        dot = _dot(uj, [dl[j][q][l][i] for q in range(Q)])
                        w.emit(f"{v} = ({dot}) >> {P}", 2)
                        row.append(v)
                    cs.append(row)
            for i in range(n_out):
                for m in range(n_in):
                    dot = _dot([cs[j][i] for j in range(N)], [acts[j][l][m] for j in range(N)])
                    out[ws.start + i * n_in + m] = f"(({dot}) >> {P})"
                if bsl is not None:
                    out[bsl.start + i] = "(" + " + ".join(cs[j][i] for j in range(N)) + ")"
        w.emit("return [" + ", ".join(out) + "]", 2)
        w.emit(f"return [{', '.join(xs)}], gram, dt")
        src = "\n".join(w.lines) + "\n"
        prec = P - _guard()
        env = {"sigma": lambda zs: _sigma_pair(f, zs, P, prec)}
        exec(compile(src, f"<symflow straight-line field, K={K}, P={P}>", "exec"), env)  # noqa: S102 - generated from widths and exact inputs only
        return env["run"]


def _guard() -> int:
    from .fixed import FIX_GUARD
    return FIX_GUARD


def _sigma_pair(f, zs, P, prec):
    """(σ(z) list, σ'(z) list) for the flat pre-activations, by the field's own σ."""
    a, d = f._sigma(zs, P, prec)
    return a, d
