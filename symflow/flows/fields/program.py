"""The fixed-point field of an MLP as straight-line Python: :func:`program`.

For a network with few parameters the list kernels (:mod:`.forward`, :mod:`.backprop`,
:mod:`.gram`) spend most of their time on loop and indexing overhead, not on arithmetic. This
module writes the same computation out once per problem and precision, every index resolved:
the pre-activations z = (Σ_m W_im a_m >> P) + b_i with the inputs as named constants, σ through
the same fixed-point σ, the δ's, the NTK entries G_rc = Σ_l ((δ_r·δ_c) >> P)(a_j·a_k + 1) and
the products Dᵀu — the *same* integer operations in the same order as the list kernels, so the
values are identical bit for bit (tests/test_kernels.py checks this); only the interpretive
overhead goes.

The source is generated from the network's widths alone (the inputs enter as named integer
constants; no user text enters it) and compiled with :func:`compile`; it is used when the estimated number of
terms is at most :data:`MAX_TERMS` (K up to about a thousand), beyond which the list or matrix
kernels are used.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Callable

__all__ = ["program", "fits", "MAX_TERMS", "term_count"]

#: Largest estimated number of products for which the straight-line program is generated
#: (mlp([5, 24, 24, 3]) on 10 points: 61590 terms, 0.64 s to generate and compile, 9.1 ms an
#: evaluation against 11.2 ms for the matrix kernels).
MAX_TERMS = 100_000


def term_count(widths, N, Q) -> int:
    """The products of one evaluation: forward, δ's, NTK and Dᵀu (an estimate of the size of
    the generated program)."""
    L = len(widths) - 1
    n = N * Q
    hidden = widths[1:-1]
    forward = N * sum(a * b for a, b in zip(widths[:-1], widths[1:]))
    back = n * (hidden[-1] + sum(a * b for a, b in zip(hidden[:-1], hidden[1:]))) if hidden \
        else 0
    gram = L * N * (N + 1) // 2 * max(widths[:-1]) + n * (n + 1) // 2 * sum(hidden)
    dt = n * sum(hidden) + N * sum((a + 1) * b for a, b in zip(widths[:-1], widths[1:]))
    return forward + back + gram + dt


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


_CACHE: "OrderedDict[tuple, Callable]" = OrderedDict()
_CACHE_SIZE = 8


def program(field, P: int) -> Callable:
    """The compiled ``run(th, sigma) -> (xs, G thunk, u ↦ Dᵀu)`` of ``field`` at P bits (the
    semantics of ``FixedPointField._kernels``; ``sigma(zs) -> (σ list, σ' list)``), from a
    small cache keyed by what the source depends on: the layout, the bias flag, the exact
    inputs and P (another trajectory of the same problem compiles nothing)."""
    key = (tuple(field.widths), field.bias, P,
           tuple((int(v.p), int(v.q)) for row in field.problem.inputs for v in row))
    run = _CACHE.get(key)
    if run is None:
        run = _CACHE[key] = _build(field, P)
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    else:
        _CACHE.move_to_end(key)
    return run


def fits(field) -> bool:
    """Whether the program of ``field`` is small enough to generate (:data:`MAX_TERMS`)."""
    return term_count(field.widths, field.N, field.Q) <= MAX_TERMS


def _build(f, P) -> Callable:
    """Generate and compile ``run`` for the field ``f`` at P bits (see :func:`program`)."""
    return _Source(f, P).compile()


class _Source:
    """The source of one program, stage by stage (forward, δ's, NTK, Dᵀu): each stage emits
    its lines and records the names later stages refer to."""

    def __init__(self, f, P) -> None:
        self.f, self.P, self.w = f, P, _Writer()
        N, K = f.N, f.K
        inputs = f._c(P)[0]
        self.th = [f"t{i}" for i in range(K)]
        self.W, self.B = [], []
        for (ws, bsl), n_in, n_out in zip(f.slices, f.widths[:-1], f.widths[1:]):
            self.W.append([[self.th[ws.start + i * n_in + m] for m in range(n_in)]
                           for i in range(n_out)])
            self.B.append([self.th[bsl.start + i] for i in range(n_out)]
                          if bsl is not None else None)
        self.consts = {f"x{j}_{m}": int(v) for j in range(N) for m, v in enumerate(inputs[j])}
        self.consts["ONE"] = (1 << P) if f.bias else 0
        # acts[j][l]: the names of layer l's inputs for sample j (the data as constants)
        self.acts = [[[f"x{j}_{m}" if inputs[j][m] else "0" for m in range(len(inputs[j]))]]
                     for j in range(N)]
        self.ders = [[] for _ in range(N)]
        self.xs: list = []
        self.dl: list = []

    def compile(self) -> Callable:
        w, f = self.w, self.f
        w.emit("def run(th, sigma):", 0)
        w.emit(f"({', '.join(self.th)},) = th")
        for l in range(f.L):
            self.layer(l)
        self.deltas()
        AA = self.sample_products()
        self.gram(AA)
        self.dt()
        w.emit(f"return [{', '.join(self.xs)}], gram, dt")
        src = "\n".join(w.lines) + "\n"
        env: dict = dict(self.consts)
        # the source holds names and small integer literals made here only: no user text
        exec(compile(src, f"<symflow straight-line field, K={f.K}, P={self.P}>", "exec"),  # noqa: S102
             env)
        return env["run"]

    def layer(self, l) -> None:
        """z = (W a >> P) + b for every sample; σ, σ' of a hidden layer in one call."""
        w, f, P = self.w, self.f, self.P
        zs = []
        for j in range(f.N):
            row = []
            for i in range(f.widths[l + 1]):
                z = w.var("z")
                bias = f" + {self.B[l][i]}" if self.B[l] is not None else ""
                w.emit(f"{z} = (({_dot(self.W[l][i], self.acts[j][l])}) >> {P}){bias}")
                row.append(z)
            zs.append(row)
        if l == f.L - 1:
            self.xs = [z for row in zs for z in row]
            return
        av, dv = w.var("A"), w.var("S")
        w.emit(f"{av}, {dv} = sigma([{', '.join(z for row in zs for z in row)}])")
        k = 0
        for j in range(f.N):
            names_a, names_d = [], []
            for _ in zs[j]:
                na, nd = w.var("a"), w.var("d")
                w.emit(f"{na} = {av}[{k}]; {nd} = {dv}[{k}]")
                names_a.append(na)
                names_d.append(nd)
                k += 1
            self.acts[j].append(names_a)
            self.ders[j].append(names_d)

    def deltas(self) -> None:
        """dl[j][q][l]: ∂x_jq/∂z of hidden layer l + 1, backwards from the output layer."""
        w, f, P, L, W = self.w, self.f, self.P, self.f.L, self.W
        self.dl = [[[None] * (L - 1) for _ in range(f.Q)] for _ in range(f.N)]
        if L < 2:
            return
        for j in range(f.N):
            for q in range(f.Q):
                cur = []
                for i, d in enumerate(self.ders[j][L - 2]):
                    v = w.var("e")
                    w.emit(f"{v} = ({W[L - 1][q][i]}*{d}) >> {P}")
                    cur.append(v)
                self.dl[j][q][L - 2] = cur
                for l in range(L - 2, 0, -1):
                    nxt = []
                    for m, d in enumerate(self.ders[j][l - 1]):
                        col = [W[l][i][m] for i in range(f.widths[l + 1])]
                        v = w.var("e")
                        w.emit(f"{v} = ((({_dot(col, cur)}) >> {P})*{d}) >> {P}")
                        nxt.append(v)
                    cur = nxt
                    self.dl[j][q][l - 1] = cur

    def sample_products(self) -> list:
        """AA[l][j][k] = (a_j·a_k >> P) + 1 (the bias' 1) for every layer's inputs."""
        w, f = self.w, self.f
        AA = [[[None] * f.N for _ in range(f.N)] for _ in range(f.L)]
        for l in range(f.L):
            for j in range(f.N):
                for k in range(j, f.N):
                    v = w.var("s")
                    w.emit(f"{v} = (({_dot(self.acts[j][l], self.acts[k][l])}) >> {self.P}) "
                           f"+ ONE")
                    AA[l][j][k] = AA[l][k][j] = v
        return AA

    def gram(self, AA) -> None:
        """``gram()``: G_rc = δ_qq'·AA[L−1] + Σ_l ((δ_r·δ_c) >> P)·AA[l] >> P (upper triangle,
        mirrored)."""
        w, f, P, L, Q, dl = self.w, self.f, self.P, self.f.L, self.f.Q, self.dl
        n = f.N * Q
        w.emit("def gram():")
        G = [[None] * n for _ in range(n)]
        for j in range(f.N):
            for q in range(Q):
                for k in range(j, f.N):
                    for q2 in (range(Q) if k > j else range(q, Q)):
                        terms = [AA[L - 1][j][k]] if q == q2 else []
                        for l in range(L - 1):
                            terms.append(f"((({_dot(dl[j][q][l], dl[k][q2][l])}) >> {P})"
                                         f"*{AA[l][j][k]} >> {P})")
                        v = w.var("g")
                        w.emit(f"{v} = {' + '.join(terms) if terms else '0'}", 2)
                        G[j * Q + q][k * Q + q2] = G[k * Q + q2][j * Q + q] = v
        w.emit("return [" + ", ".join("[" + ", ".join(row) + "]" for row in G) + "]", 2)

    def dt(self) -> None:
        """``dt(u)``: Dᵀu — layer l's gradient Σ_j c_j a_jᵀ >> P, c_j = Σ_q u_jq δ_jq >> P."""
        w, f, P, N, Q = self.w, self.f, self.P, self.f.N, self.f.Q
        w.emit("def dt(u):")
        us = [f"u{i}" for i in range(N * Q)]
        w.emit(f"({', '.join(us)},) = u", 2)
        out = [None] * f.K
        for l, (ws, bsl) in enumerate(f.slices):
            n_in, n_out = f.widths[l], f.widths[l + 1]
            cs = []
            for j in range(N):
                uj = us[j * Q:(j + 1) * Q]
                if l == f.L - 1:
                    cs.append(uj)
                    continue
                row = []
                for i in range(n_out):
                    v = w.var("c")
                    w.emit(f"{v} = ({_dot(uj, [self.dl[j][q][l][i] for q in range(Q)])}) "
                           f">> {P}", 2)
                    row.append(v)
                cs.append(row)
            for i in range(n_out):
                for m in range(n_in):
                    dot = _dot([cs[j][i] for j in range(N)],
                               [self.acts[j][l][m] for j in range(N)])
                    out[ws.start + i * n_in + m] = f"(({dot}) >> {P})"
                if bsl is not None:
                    out[bsl.start + i] = "(" + " + ".join(cs[j][i] for j in range(N)) + ")"
        w.emit("return [" + ", ".join(out) + "]", 2)

