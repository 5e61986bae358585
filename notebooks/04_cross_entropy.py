# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 04 — Cross-entropy: invariant fibers and the minimum on each fiber
#
# **What this shows.** With softmax cross-entropy, $\nabla_{x_j}C = (\sigma(x_j) - y_j)/N$, and
# the components of $\sigma(x_j) - y_j$ sum to $1 - 1^\top y_j = 0$. Along the adapted flow
# $x' = -P\nabla_x C$ at full rank ($P = I$) each sample's **logit sum is invariant**:
# $$\frac{d}{ds}\,1^\top x_j = -\frac1N\,1^\top(\sigma(x_j) - y_j) = 0,$$
# so the flow stays on the fiber $1^\top x_j = c_j$. On that fiber $C$ has the unique global
# minimum (all label components positive)
# $$x_j^* = \log y_j + \frac{c_j - 1^\top\log y_j}{Q}\,1,\qquad \sigma(x_j^*) = y_j .$$
# With $Q = 2$ classes each sample's logits $x_j\in\mathbb R^2$ live in a plane and the fiber is
# a line: we draw the adapted flow (on the line) and the standard flow (which leaves it).
#
# **Claim touched:** **C8** — the invariant along integrated trajectories, the formula for
# $x^*$ by exact substitution (gradient zero on the fiber, convexity), and convergence to $x^*$.

# %%
import time

import matplotlib.pyplot as plt
import mpmath
import sympy as sp

import symflow as sf
from symflow.flows import integrate, integrate_tolerance
from symflow.core.problems import get_problem

DPS = 20
T_START = time.perf_counter()
entry = get_problem("sin-1-3-2-ce")
prob, theta0 = entry.problem, list(entry.theta0)
N, Q = prob.N, prob.Q
print(entry.description, "|", prob)

# %% [markdown]
# ## Integrating the flows

# %%
S_END = 60
ada = integrate(prob, theta0, field="adapted", s_end=S_END, dps=DPS)
std = integrate(prob, theta0, field="standard", s_end=S_END, dps=DPS)
print(ada, "—", ada.message)
print(std, "—", std.message)
x0, y = ada.x0, ada.y
TOL = integrate_tolerance(DPS) * max([mpmath.mpf(1)] + [abs(v) for v in x0])
with mpmath.workdps(DPS + 5):
    s_grid = [mpmath.mpf(S_END) * (mpmath.mpf(k) / 30) ** 2 for k in range(31)]   # dense early
    XA = [ada.outputs_at(s) for s in s_grid]
    XS = [std.outputs_at(s) for s in s_grid]


def block(x, j):
    return x[j * Q:(j + 1) * Q]


c = [sum(block(x0, j)) for j in range(N)]
with mpmath.workdps(DPS + 5):
    drift_ada = max(abs(sum(block(x, j)) - c[j]) for x in XA for j in range(N))
    drift_std = max(abs(sum(block(x, j)) - c[j]) for x in XS for j in range(N))
print(f"C8 invariant: max_s,j |1ᵀx_j(s) − c_j| adapted = {mpmath.nstr(drift_ada, 3)},  "
      f"standard = {mpmath.nstr(drift_std, 5)}   (tol {mpmath.nstr(TOL, 3)}, mpmath dps {DPS})")

# %% [markdown]
# ## The minimum on each fiber, exactly
#
# SymPy builds $x_j^*$ from the exact labels with a symbolic fiber level $c_j$ and checks, with
# residual exactly $0$: $1^\top x_j^* = c_j$ (on the fiber), $\sigma(x_j^*) = y_j$ (so
# $\nabla_{x_j}C = 0$), and that the Hessian $\operatorname{diag}\sigma - \sigma\sigma^\top$ is
# positive on the fiber's direction space $\{v : 1^\top v = 0\}$ (strict convexity along the
# fiber, hence a unique minimum).

# %%
cs = sp.Symbol("c", real=True)
exact_checks, x_star = {}, []
for j in range(N):
    yj = [sp.Rational(v) for v in prob.y_flat[j * Q:(j + 1) * Q]]
    xs = [sp.log(v) + (cs - sum(sp.log(u) for u in yj)) / Q for v in yj]
    Z = sum(sp.exp(v) for v in xs)
    sig = [sp.exp(v) / Z for v in xs]
    exact_checks[f"sample {j + 1}: 1ᵀx* − c"] = sp.simplify(sum(xs) - cs)
    exact_checks[f"sample {j + 1}: max|σ(x*) − y|"] = max(sp.Abs(sp.simplify(s - v))
                                                          for s, v in zip(sig, yj))
    H = sp.diag(*yj) - sp.Matrix(yj) * sp.Matrix(yj).T        # Hessian at x*, where σ = y
    B = sp.Matrix.vstack(sp.ones(1, Q - 1), -sp.eye(Q - 1))  # basis of {1ᵀv = 0}
    exact_checks[f"sample {j + 1}: min eigenvalue of BᵀHB (must be > 0)"] = min(
        (B.T * H * B).eigenvals())
    with mpmath.workdps(DPS + 5):
        x_star += [sp.lambdify(cs, v, "mpmath")(c[j]) for v in xs]
for k, v in exact_checks.items():
    print(f"  {k:45s} = {v}")

with mpmath.workdps(DPS + 5):
    dist_star = [mpmath.sqrt(sum((a - b) ** 2 for a, b in zip(x, x_star))) for x in XA]
    cost = lambda x: -mpmath.fsum(  # noqa: E731  (the CE cost, for the plot)
        y[j * Q + i] * (x[j * Q + i] - mpmath.log(mpmath.fsum(mpmath.exp(v) for v in block(x, j))))
        for j in range(N) for i in range(Q)) / N
    gap = [cost(x) - cost(x_star) for x in XA]
print(f"|x(s) − x*|: s = 0: {mpmath.nstr(dist_star[0], 4)},  s = {S_END}: "
      f"{mpmath.nstr(dist_star[-1], 4)}")

# %%
fig, ax = plt.subplots(1, 3, figsize=(14, 4.2))
for j in range(N):
    a = ax[j]
    a.plot([float(block(x, j)[0]) for x in XA], [float(block(x, j)[1]) for x in XA], "o-",
           ms=3, color="C1", label="adapted flow")
    a.plot([float(block(x, j)[0]) for x in XS], [float(block(x, j)[1]) for x in XS], "-",
           color="C0", label="standard flow")
    lo = min(float(v) for x in XA + XS for v in block(x, j)) - 0.1
    hi = max(float(v) for x in XA + XS for v in block(x, j)) + 0.1
    a.plot([lo, hi], [float(c[j]) - lo, float(c[j]) - hi], ":", color="grey",
           label=f"fiber $x_{{j1}} + x_{{j2}} = c_{j + 1}$")
    a.plot(float(x_star[j * Q]), float(x_star[j * Q + 1]), "r*", ms=12, label="$x_j^*$")
    a.plot(float(block(x0, j)[0]), float(block(x0, j)[1]), "ks", label="x_j(0)")
    a.set_xlabel("logit 1")
    a.set_ylabel("logit 2")
    a.set_title(f"sample {j + 1}, label y = {[str(v) for v in prob.y_flat[j * Q:(j + 1) * Q]]}")
    a.set_aspect("equal", adjustable="datalim")
    a.legend(fontsize=7)
ax[2].semilogy([float(s) for s in s_grid], [float(v) for v in dist_star], label="|x(s) − x*|")
ax[2].semilogy([float(s) for s in s_grid], [float(v) for v in gap], label="C(x(s)) − C(x*)")
ax[2].set_xlabel("flow time s")
ax[2].set_title("adapted flow: convergence to the fiber minimum")
ax[2].legend(fontsize=8)
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Verdicts

# %%
assert ada.success and std.success
assert all(v == 0 for k, v in exact_checks.items() if "eigenvalue" not in k), exact_checks
assert all(v > 0 for k, v in exact_checks.items() if "eigenvalue" in k), exact_checks
assert drift_ada <= TOL, ("C8: the logit sums moved along the adapted flow", drift_ada)
assert drift_std > 10 ** 6 * TOL          # the standard flow leaves the fiber: not trivial
assert all(g >= -TOL for g in gap)         # x* is the minimum on the fiber
assert all(b <= a + TOL for a, b in zip(gap, gap[1:]))   # the cost gap never grows
assert dist_star[-1] < dist_star[0] * mpmath.mpf(10) ** -3   # convergence towards x*
print(f"verified: C8 on {entry.name} (exact formula; mpmath dps {DPS}, tol "
      f"{mpmath.nstr(TOL, 3)}); notebook ran in {time.perf_counter() - T_START:.1f} s")


# %% [markdown]
# ## The library's verdicts (`symflow.claims`)

# %%
import symflow.claims as claims  # noqa: E402
from IPython.display import Markdown, display  # noqa: E402
from symflow.reports import markdown  # noqa: E402

verdicts = [claims.check(cid, get_problem(name), dps=DPS) for cid, name in [("C8", "sin-1-3-2-ce")]]
display(Markdown(markdown(verdicts, title="Verdicts")))   # claim, level, dps, residual, tolerance
assert all(v.status is sf.Status.VERIFIED for v in verdicts), [v.to_dict() for v in verdicts]
