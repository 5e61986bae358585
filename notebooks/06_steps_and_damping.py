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
# # 06 — Discrete steps and damping: what is left of the straight line
#
# **What this shows.** Practitioners take steps, not flows, and they damp the inverse.
#
# * **Steps** (C15). Gauss–Newton, $\theta_+ = \theta + \eta D^+(y - x)$, is the Euler step of
#   size $\eta N$ of the adapted flow; gradient descent, $\theta_+ = \theta + \eta D^\top(y-x)$,
#   that of the standard flow. At full rank a GN step lands on the line through $x$ and $y$ up to
#   $\tfrac{\eta^2}{2}\,\Pi^\perp\partial^2x[\delta,\delta]$ (second order in $\eta$), a GD step
#   leaves it at first order, $\eta\,|\Pi^\perp DD^\top u|$ ($u = y - x$, $\Pi^\perp$ the projector
#   orthogonal to $u$). We plot both iterations in the output plane against the flows' paths and
#   measure the two orders as log–log slopes.
# * **Damping** (C16). $V^\lambda = -D^\top(DD^\top + \lambda I)^{-1}\nabla_xC$ (Levenberg–Marquardt)
#   joins the two flows: $(1+\lambda)V^\lambda \to V_1$ (adapted) as $\lambda\to 0$ and
#   $\to V_0$ (standard) as $\lambda\to\infty$, both at rate $O(\lambda^{\pm1})$. The family
#   `LevenbergMarquardtFamily()` sweeps $\lambda$ from one path to the other.
#
# **Claims touched:** C15, C16 (and C6 for the straight adapted path). Arithmetic: mpmath at
# `DPS` digits for steps and flows; the slopes are *measurements* (least squares on log–log),
# compared with the derived exponents within a stated tolerance.

# %%
import time

import matplotlib.pyplot as plt
import mpmath
import numpy as np

import symflow as sf
from symflow import claims
from symflow.core.problems import get_problem
from symflow.flows import (FlowTime, LevenbergMarquardtFamily, Precision, gauss_newton_step,
                           gradient_step, iterate, sweep)

DPS = 30
mpmath.mp.dps = DPS          # the notebook's own arithmetic (distances, fits) at DPS digits too
T_START = time.perf_counter()
entry = get_problem("tanh-2-3-1-l2")          # N = 2, Q = 1: the outputs live in a plane
prob, theta0 = entry.problem, list(entry.theta0)
with sf.working_precision(DPS):
    pd0 = prob.at(theta0, "mpmath", DPS)
    x0, y = pd0.x.entries(), pd0.y.entries()
    G0 = pd0.D.data * pd0.D.data.T
    TR_G = sum(G0[i, i] for i in range(prob.QN))
print("x(0) =", [mpmath.nstr(v, 10) for v in x0], " y =", [mpmath.nstr(v, 10) for v in y],
      " tr G(θ0) =", mpmath.nstr(TR_G, 6))


def line_distance(x, a, b):
    """Distance of the point x from the line through a and b (Euclidean)."""
    u = [bi - ai for ai, bi in zip(a, b)]
    v = [xi - ai for ai, xi in zip(a, x)]
    uu = sum(c * c for c in u)
    along = sum(p * q for p, q in zip(u, v)) / uu
    return mpmath.sqrt(sum((vi - along * ui) ** 2 for ui, vi in zip(u, v)))


# %% [markdown]
# ## Iterates in the output plane
#
# GN with $\eta = 1/4$ and GD with $\eta = 1/(4\,\mathrm{tr}\,G)$ (GD's natural unit: its step
# multiplies by $DD^\top$), 12 steps each, against the standard and the adapted flows from the
# same $\theta(0)$.

# %%
S_END = 6
flows = {name: sf.integrate(prob, theta0, field=name, s_end=S_END, dps=DPS)
         for name in ("standard", "adapted")}
ETA_GN = mpmath.mpf(1) / 4
ETA_GD = 1 / (4 * TR_G)
gn = iterate(prob, theta0, "gauss_newton", ETA_GN, n_max=12, dps=DPS)
gd = iterate(prob, theta0, "gradient", ETA_GD, n_max=12, dps=DPS)

s_grid = [mpmath.mpf(S_END) * k / 60 for k in range(61)]
paths = {name: [tr.outputs_at(s) for s in s_grid] for name, tr in flows.items()}
fig, ax = plt.subplots(figsize=(5.5, 5))
for name, style in (("standard", "C0-"), ("adapted", "C1-")):
    ax.plot(*zip(*[(float(a), float(b)) for a, b in paths[name]]), style, label=f"{name} flow")
for its, style, label in ((gn, "C1o", "GN, η = 1/4"), (gd, "C0s", "GD, η = 1/(4 tr G)")):
    ax.plot(*zip(*[(float(it.x[0, 0]), float(it.x[1, 0])) for it in its]), style, ms=4,
            label=label, alpha=0.8)
ax.plot([float(y[0])], [float(y[1])], "k*", ms=12, label="y")
ax.set_xlabel("$x_1$"), ax.set_ylabel("$x_2$"), ax.legend(fontsize=8)
ax.set_title("output plane, tanh-2-3-1-l2")
plt.show()

gn_off = max(line_distance([it.x[0, 0], it.x[1, 0]], x0, y) for it in gn)
gd_off = max(line_distance([it.x[0, 0], it.x[1, 0]], x0, y) for it in gd)
ada_off = max(line_distance(p, x0, y) for p in paths["adapted"])
print(f"largest distance from the line x(0)–y: adapted flow {mpmath.nstr(ada_off, 3)}, "
      f"GN iterates {mpmath.nstr(gn_off, 3)}, GD iterates {mpmath.nstr(gd_off, 3)}")

# %% [markdown]
# ## One step: the deviation from the line against η
#
# For $\eta = 2^{-3},\dots,2^{-11}$ one step from $\theta(0)$; $e_{\rm line}(\eta)$ is the distance of
# $x[\theta_+]$ from the line through $x(0)$ and $y$. The slopes of $\log e$ against $\log\eta$
# are fitted by least squares: expected 2 for GN and 1 for GD (C15 (a), (b)).

# %%
ETAS = [mpmath.mpf(2) ** -k for k in range(3, 12)]


def one_step_deviation(step, eta):
    with sf.working_precision(DPS):
        th = step(prob, theta0, eta, level="mpmath", dps=DPS)
        return line_distance(prob.at(th, "mpmath", DPS).x.entries(), x0, y)


dev_gn = [one_step_deviation(gauss_newton_step, eta) for eta in ETAS]
dev_gd = [one_step_deviation(gradient_step, eta / TR_G) for eta in ETAS]
log_eta = np.array([float(mpmath.log(e)) for e in ETAS])
slope_gn, c_gn = np.polyfit(log_eta, [float(mpmath.log(d)) for d in dev_gn], 1)
slope_gd, c_gd = np.polyfit(log_eta, [float(mpmath.log(d)) for d in dev_gd], 1)
SLOPE_TOL = 0.1
print(f"fitted slopes: GN {slope_gn:.4f} (expected 2), GD {slope_gd:.4f} (expected 1); "
      f"tolerance {SLOPE_TOL}; mpmath at {DPS} digits")

fig, ax = plt.subplots(figsize=(5.5, 4))
ax.loglog([float(e) for e in ETAS], [float(d) for d in dev_gn], "C1o-",
          label=f"GN, slope {slope_gn:.3f}")
ax.loglog([float(e) for e in ETAS], [float(d) for d in dev_gd], "C0s-",
          label=f"GD (η / tr G), slope {slope_gd:.3f}")
ax.set_xlabel("η"), ax.set_ylabel("distance from the line after one step"), ax.legend()
plt.show()

# %% [markdown]
# ## The Levenberg–Marquardt family: from the standard path to the adapted one
#
# `sweep` integrates $(1+\lambda)V^\lambda$ for each $\lambda$ (adapted at $\lambda = 0$, standard at
# $\lambda = \infty$; the factor $1+\lambda$ changes the speed, not the path). By C16 (iii)–(iv) and
# Grönwall the end points on a fixed flow-time interval approach the adapted one like $O(\lambda)$
# and the standard one like $O(1/\lambda)$: one decade of λ, one decade of distance.

# %%
S_LM = 2
LAMS = [0, "1/10000", "1/1000", "1/10", 1, 10, 1000, 10000, "inf"]
runs = sweep(prob, theta0, LevenbergMarquardtFamily(), params=LAMS, span=FlowTime(S_LM),
             precision=Precision(dps=DPS), progress=False)
ends = {str(p): tr.outputs_at(S_LM) for p, tr in runs}
END_ADA, END_STD = ends["0"], ends["oo"]


def dist(a, b):
    return mpmath.sqrt(sum((p - q) ** 2 for p, q in zip(a, b)))


fig, ax = plt.subplots(figsize=(5.5, 5))
s_lm = [mpmath.mpf(S_LM) * k / 40 for k in range(41)]
for k, (p, tr) in enumerate(runs):
    pts = [tr.outputs_at(s) for s in s_lm]
    ax.plot(*zip(*[(float(a), float(b)) for a, b in pts]), color=plt.cm.viridis(k / 8),
            label=f"λ = {p}")
ax.plot([float(x0[0]), float(y[0])], [float(x0[1]), float(y[1])], "k:", lw=0.8)
ax.set_xlabel("$x_1$"), ax.set_ylabel("$x_2$"), ax.legend(fontsize=7)
ax.set_title(f"(1+λ)V^λ on s ∈ [0, {S_LM}]")
plt.show()

d_small = [dist(ends[k], END_ADA) for k in ("1/10000", "1/1000")]
d_large = [dist(ends[k], END_STD) for k in ("10000", "1000")]
for p in ends:
    print(f"λ = {p:>7}: |x(S) − x_adapted(S)| = {mpmath.nstr(dist(ends[p], END_ADA), 4):>10}, "
          f"|x(S) − x_standard(S)| = {mpmath.nstr(dist(ends[p], END_STD), 4)}")
print("ratio per decade, λ → 0:", mpmath.nstr(d_small[1] / d_small[0], 6),
      "; λ → ∞:", mpmath.nstr(d_large[1] / d_large[0], 6))

# %% [markdown]
# ## Verdicts
#
# Mathematical facts, each with its tolerance: the adapted path is straight (C6, tolerance
# $10^{5-\mathrm{dps}}$ relative to $|x(0)-y|$); the GD iterates leave the line far more than the GN
# iterates; the fitted slopes are 2 and 1 within `SLOPE_TOL`; the LM end points converge at
# one decade per decade of λ at both ends (ratio within [8, 12]); the sweep's ends are the two
# flows; and the library's own verdicts for C15 and C16 on this problem.

# %%
TOL = mpmath.mpf(10) ** (5 - DPS) * dist(x0, y)
assert all(tr.success for tr in flows.values())
assert ada_off <= TOL, ("adapted path off the line", ada_off, TOL)                  # C6
assert gd_off > 100 * gn_off, (gd_off, gn_off)             # GD leaves the line, GN hugs it
assert abs(slope_gn - 2) < SLOPE_TOL and abs(slope_gd - 1) < SLOPE_TOL, (slope_gn, slope_gd)
assert all(tr.success for _, tr in runs), [tr.message for _, tr in runs]
assert runs[0][1].alpha == 1 and runs[-1][1].alpha == 0      # λ = 0: adapted; λ = ∞: standard
assert 8 < d_small[1] / d_small[0] < 12 and 8 < d_large[1] / d_large[0] < 12, (d_small, d_large)
verdicts = [claims.check(c, entry, dps=DPS) for c in ("C15", "C16")]
for v in verdicts:
    print(v.claim, v.status.value, v.level.value)
assert all(v.status is sf.Status.VERIFIED for v in verdicts), [v.to_dict() for v in verdicts]
print(f"notebook ran in {time.perf_counter() - T_START:.1f} s")
