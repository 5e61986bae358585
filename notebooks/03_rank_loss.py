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
# # 03 — Rank loss bends the path
#
# **What this shows.** The straight line of notebook 01 needs $\operatorname{rank} D = QN$. When
# $D$ loses rank the adapted flow becomes the *constrained* flow $x' = -P\nabla_x C
# = -\tfrac1N P(x-y)$, with $P = DD^+$ the projector onto $\operatorname{range}D$. Comparing with
# the straight line $x_{\rm lin}(s) = y + e^{-s/N}(x(0)-y)$, variation of constants gives the
# deviation (C7)
# $$x(s) - x_{\rm lin}(s) = \frac1N\int_0^s e^{-(s-r)/N}\,\big(I - P(r)\big)\big(x(r) - y\big)\,dr ,$$
# and $|x(s) - y|$ is non-increasing. We integrate the flow, compute the deviation **two ways**
# — from the trajectory, and from the formula by Gauss–Legendre quadrature of the trajectory's
# own $P(r)$ and $x(r)$ — and show that they agree while the deviation itself is far from zero:
# the path is bent, and the minimum $C = 0$ is not reached (C10: without full rank, C6 fails).
#
# The example is linear regression `identity-1-1-l2-underparam`, $x_j = w\,x^{(0)}_j + b$ on
# $N = 3$ samples: $K = 2 < QN = 3$, so $\operatorname{rank}D \le 2$ everywhere. We also show
# that the integrator *detects* rank loss for a network with a dead unit (`K ≥ QN` but
# $\operatorname{rank}D < QN$) and stops, unless asked to continue with $(DD^\top)^+$.
#
# **Claims touched:** **C7** (deviation formula, $|x-y|$ non-increasing), **C10** (the full-rank
# hypothesis of C6 is needed), with **C2** (the pinv field gives $x' = -P\nabla_x C$) along the
# way.

# %%
import time

import matplotlib.pyplot as plt
import mpmath
import mpmath.calculus.quadrature as mpq
import sympy as sp

import symflow as sf
from symflow.flows import integrate, integrate_tolerance
from symflow.core.problems import get_problem

DPS = 20
T_START = time.perf_counter()
entry = get_problem("identity-1-1-l2-underparam")
prob, theta0 = entry.problem, list(entry.theta0)
N = prob.N
print(entry.description)
with sf.working_precision(DPS):
    pd0 = prob.at(theta0, level="mpmath", dps=DPS)
    info0 = sf.rank_info(pd0.D, DPS)
print(f"{prob}: rank D at θ(0) = {info0.rank} < QN = {prob.QN}")

# %% [markdown]
# ## The constrained flow
#
# `rank_loss="pinv"` continues through the rank loss with $(DD^\top)^+$, i.e. the field
# $-D^\top(DD^\top)^+\nabla_x C = -D^+\nabla_x C$. The derived time change of notebook 01 gives
# the straight line $x_{\rm lin}$ it *would* follow at full rank.

# %%
S_END = 12
traj = integrate(prob, theta0, field="adapted", s_end=S_END, dps=DPS, rank_loss="pinv")
print(traj, "—", traj.message)
d = sf.derive_time_change()
t_of_s = sp.lambdify((d.s, d.N), d.t_of_s, modules="mpmath")
x0, y = traj.x0, traj.y
TOL = integrate_tolerance(DPS) * max([mpmath.mpf(1)] + [abs(v) for v in x0 + y])


def x_lin(s):
    t = t_of_s(s, N)
    return [(1 - t) * a + t * b for a, b in zip(x0, y)]


with mpmath.workdps(DPS + 5):
    s_grid = [mpmath.mpf(S_END) * k / 12 for k in range(13)]
    X = [traj.outputs_at(s) for s in s_grid]
    dev_traj = [[a - b for a, b in zip(x, x_lin(s))] for s, x in zip(s_grid, X)]
    dist_y = [mpmath.sqrt(sum((a - b) ** 2 for a, b in zip(x, y))) for x in X]

# %% [markdown]
# ## The deviation from C7's formula, by quadrature along the trajectory
#
# On each interval $[s_{k-1}, s_k]$ of the grid,
# $I(s_k) = e^{-(s_k - s_{k-1})/N} I(s_{k-1}) + \frac1N\int_{s_{k-1}}^{s_k} e^{-(s_k-r)/N}
# (I-P(r))(x(r)-y)\,dr$, with the integral by Gauss–Legendre rules of 12 and 6 nodes; their
# difference estimates the quadrature error. $P(r)$ is `sf.projector` of $D[\theta(r)]$, with
# $\theta(r)$ from the trajectory's dense output.

# %%
GL = mpq.GaussLegendre(mpmath.mp)


def integrand(r, s_right):
    th = traj.theta_at(r)
    p = prob.at(th, level="mpmath", dps=DPS + 5)
    P = sf.projector(p.D, DPS + 5)
    IP = [[(1 if i == j else 0) - P[i, j] for j in range(prob.QN)] for i in range(prob.QN)]
    res = [a - b for a, b in zip(p.x.entries(), y)]
    e = mpmath.exp(-(s_right - r) / N) / N
    return [e * mpmath.fsum(IP[i][j] * res[j] for j in range(len(res))) for i in range(len(res))]


def gauss(a, b, degree):
    nodes = GL.calc_nodes(degree, mpmath.mp.prec)
    tot = [mpmath.mpf(0)] * prob.QN
    for u, wgt in nodes:
        r = (a + b) / 2 + (b - a) / 2 * u
        tot = [t + wgt * (b - a) / 2 * v for t, v in zip(tot, integrand(r, b))]
    return tot


with sf.working_precision(DPS + 5):
    dev_formula, quad_err = [[mpmath.mpf(0)] * prob.QN], [mpmath.mpf(0)]
    for a, b in zip(s_grid, s_grid[1:]):
        hi, lo = gauss(a, b, 3), gauss(a, b, 2)
        decay = mpmath.exp(-(b - a) / N)
        dev_formula.append([decay * p + q for p, q in zip(dev_formula[-1], hi)])
        quad_err.append(decay * quad_err[-1] + max(abs(p - q) for p, q in zip(hi, lo)))
    residual = max(max(abs(p - q) for p, q in zip(u, v)) for u, v in zip(dev_traj, dev_formula))
    dev_size = max(max(abs(v) for v in u) for u in dev_traj)
print(f"max |deviation| along the path           = {mpmath.nstr(dev_size, 6)}")
print(f"max |trajectory − C7 formula|            = {mpmath.nstr(residual, 3)}")
print(f"quadrature error estimate (12 vs 6 nodes) = {mpmath.nstr(max(quad_err), 3)}")
print(f"integration tolerance                    = {mpmath.nstr(TOL, 3)}  (mpmath, dps {DPS})")
print(f"C(s={S_END}) = {mpmath.nstr(sum((a - b)**2 for a, b in zip(X[-1], y)) / (2 * N), 8)} "
      f"(straight line: {mpmath.nstr(sum((a - b)**2 for a, b in zip(x_lin(S_END), y)) / (2 * N), 3)})")

# %%
fig, ax = plt.subplots(1, 2, figsize=(11, 4.2))
sg = [float(s) for s in s_grid]
for i in range(prob.QN):
    ax[0].plot(sg, [float(u[i]) for u in dev_traj], "-", color=f"C{i}",
               label=f"sample {i + 1}: $x - x_{{lin}}$ (trajectory)")
    ax[0].plot(sg, [float(u[i]) for u in dev_formula], "o", color=f"C{i}", ms=4,
               label=f"sample {i + 1}: C7 formula (quadrature)")
ax[0].axhline(0, color="grey", lw=0.5)
ax[0].set_xlabel("flow time s")
ax[0].set_ylabel("deviation from the straight line")
ax[0].set_title(f"{entry.name}: rank loss bends the path")
ax[0].legend(fontsize=7)
ax[1].semilogy(sg, [float(v) for v in dist_y], "-", label="|x(s) − y| (constrained flow)")
ax[1].semilogy(sg, [float(mpmath.sqrt(sum((a - b) ** 2 for a, b in zip(x_lin(s), y))))
                    for s in s_grid], "--", label="|x_lin(s) − y| (full rank would give)")
ax[1].set_xlabel("flow time s")
ax[1].set_title("distance to the target: non-increasing, but not to 0")
ax[1].legend(fontsize=8)
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Rank loss is detected, not integrated through silently
#
# `square-1-2-1-l2-dead-unit` has $K = 7\ge QN = 4$, but a hidden unit with zero weight and bias
# contributes nothing: $\operatorname{rank}D = 3$. With the default `rank_loss="stop"` the
# integrator refuses to follow $(DD^\top)^{-1}$ and says why.

# %%
dead = get_problem("square-1-2-1-l2-dead-unit")
dead_rank = sf.rank_info(dead.problem.at(dead.theta0, level="exact").D).rank
tr_dead = integrate(dead.problem, list(dead.theta0), field="adapted", s_end=1, dps=DPS)
print(f"{dead.name}: exact rank D = {dead_rank} < QN = {dead.problem.QN}")
print(f"status {tr_dead.status!r}: {tr_dead.message}")

# %% [markdown]
# ## Verdicts

# %%
assert info0.rank < prob.QN and dead_rank < dead.problem.QN          # the hypothesis of C6 fails
assert traj.success, traj.message
assert residual <= TOL + max(quad_err), ("C7 formula vs trajectory", residual)   # C7
assert max(quad_err) < dev_size * mpmath.mpf(10) ** -8                  # the comparison is sharp
assert dev_size > 10 ** 6 * (TOL + max(quad_err))                       # the path is bent (C10)
assert all(b <= a + TOL for a, b in zip(dist_y, dist_y[1:]))            # C7: |x − y| ↓
assert dist_y[-1] > 10 ** 6 * TOL                                       # C = 0 is not reached
assert tr_dead.status == "rank_loss"
print(f"verified: C7 and C10 on {entry.name} (mpmath, dps {DPS}, tol {mpmath.nstr(TOL, 3)}); "
      f"notebook ran in {time.perf_counter() - T_START:.1f} s")


# %% [markdown]
# ## The library's verdicts (`symflow.claims`)

# %%
import symflow.claims as claims  # noqa: E402
from IPython.display import Markdown, display  # noqa: E402
from symflow.reports import markdown  # noqa: E402

verdicts = [claims.check(cid, get_problem(name), dps=DPS) for cid, name in [("C7", "identity-1-1-l2-underparam"), ("C10", "identity-1-1-l2-underparam")]]
display(Markdown(markdown(verdicts, title="Verdicts")))   # claim, level, dps, residual, tolerance
assert all(v.status is sf.Status.VERIFIED for v in verdicts), [v.to_dict() for v in verdicts]
