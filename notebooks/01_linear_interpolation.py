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
# # 01 — Gradient flow in parameter space is linear interpolation in output space
#
# **What this shows.** For a small tanh network with $N = 2$ training samples and one output
# ($Q = 1$) the stacked outputs $x[\theta] = (x_1[\theta], x_2[\theta])$ live in a plane. We follow
#
# * the **standard** gradient flow $\theta' = -\nabla_\theta C = -D^\top \nabla_x C$, whose
#   output path $x' = -DD^\top\nabla_x C$ is *curved* (it is bent by the neural tangent kernel), and
# * the **adapted** gradient flow $\theta' = -D^+\nabla_x C$ (paper (2.27)), whose output path is
#   the *straight segment* from $x(0)$ to the target $y$:
#   $$x(s) = y + e^{-s/N}(x(0) - y) = (1-t)\,x(0) + t\,y,\qquad t = 1 - e^{-s/N}.$$
#
# In the time $t$ the parameter flow is $d\theta/dt = D[\theta]^+ (y - x(0))$ on $t\in[0,1]$, so the
# global minimum $C = 0$ is reached at $t = 1$. The time change is **derived by SymPy** (below),
# not typed in.
#
# **Claims touched** (see `docs/theory.md`): **C1** (full rank: the adapted field induces
# $x' = -\nabla_x C$), **C5** (the cost never increases), **C6** (the headline: linear
# interpolation, and the minimum reached at $t = 1$).
#
# Arithmetic: mpmath at `DPS` digits (integrator: `symflow.flows.odes.solve_ivp_mp`, a
# Gragg–Bulirsch–Stoer extrapolation). Tolerances are derived from the precision:
# $\mathrm{tol} = 10^{6-\mathrm{dps}}\cdot\max(1, |x(0)|_\infty, |y|_\infty)$ — the integrator
# promises agreement with a higher-precision run to $10^{5-\mathrm{dps}}$ relative, and one digit
# is left for the map $\theta\mapsto x$.

# %%
import time

import matplotlib.pyplot as plt
import mpmath
import sympy as sp
from IPython.display import Math, display

import symflow as sf
from symflow.flows.odes import solve_ivp_mp
from symflow.core.problems import get_problem

DPS = 20
T_START = time.perf_counter()
entry = get_problem("tanh-2-3-1-l2")
prob, theta0 = entry.problem, list(entry.theta0)
print(entry.description)
print(prob, "  N =", prob.N, " Q =", prob.Q, " K =", prob.K)

# %% [markdown]
# ## The derived time change
#
# `sf.derive_time_change()` solves the adapted output ODE $dx/ds = -(x-y)/N$ with `dsolve`,
# finds the $t(s)$ that puts $x(s)$ on the segment, inverts it, and changes variables in the
# parameter ODE. Each step is kept; each substitution check must simplify to exactly $0$.

# %%
d = sf.derive_time_change()
display(Math(r"\begin{aligned}" + d.latex().replace(r"\\", r"\\[2pt]") + r"\end{aligned}"))
for what, residual in d.checks:
    print(f"  check: {what:40s} residual = {residual}")
print("all derivation checks exactly 0:", d.verified)

# %% [markdown]
# ## C1 at the starting point
#
# At full rank the adapted field induces $x' = D\theta' = -\nabla_x C$ exactly. We evaluate
# $D$, $\nabla_x C$ and the field at $\theta(0)$ in mpmath at `DPS` digits (tanh is
# transcendental, so the exact level does not apply) and compare.

# %%
with sf.working_precision(DPS):
    pd = prob.at(theta0, level="mpmath", dps=DPS)
    info = sf.rank_info(pd.D, DPS)
    c1_residual = (sf.output_field(pd, "adapted") + pd.grad).max_abs()
    x0 = pd.x.entries()
    y = pd.y.entries()
scale = max([mpmath.mpf(1)] + [abs(v) for v in x0 + y])
TOL = mpmath.mpf(10) ** (6 - DPS) * scale
print("rank info at θ(0):", info)
print(f"x(0) = {[mpmath.nstr(v, 12) for v in x0]},  y = {[mpmath.nstr(v, 12) for v in y]}")
print(f"C1: |D·(−D⁺∇C) + ∇C|_∞ = {mpmath.nstr(c1_residual, 5)}   (tol {mpmath.nstr(TOL, 3)}, "
      f"level mpmath, dps {DPS})")

# %% [markdown]
# ## Integrating the two flows
#
# * standard flow $\theta' = -D^\top\nabla_x C$ in the flow time $s\in[0, S]$;
# * adapted flow $\theta' = -D^+\nabla_x C$ in $s\in[0, S]$;
# * adapted flow **in the derived time $t$**: $d\theta/dt = D^+ w$ with the derived $w$, on
#   $t\in[0, 1]$ — the endpoint $t = 1$ is $s = \infty$.

# %%
S_END = 6
std = sf.CompiledField(prob, "standard", arith="mpmath")
ada = sf.CompiledField(prob, "adapted", arith="mpmath")

sol_std = solve_ivp_mp(lambda s, th: std(th), 0, theta0, S_END, dps=DPS)
sol_ada = solve_ivp_mp(lambda s, th: ada(th), 0, theta0, S_END, dps=DPS)

w_fn = d.w_function()                   # w(x0, y, t), derived; dθ/dt = D⁺ w
w = [w_fn(a, b, 0) for a, b in zip(x0, y)]
sol_t = solve_ivp_mp(lambda t, th: ada.pinv_apply(th, [w_fn(a, b, t) for a, b in zip(x0, y)]),
                     0, theta0, 1, dps=DPS)
for name, sol in [("standard, s", sol_std), ("adapted, s", sol_ada), ("adapted, t", sol_t)]:
    print(f"{name:12s}: {sol.status:8s} {sol.stats.nsteps:3d} steps, {sol.stats.nfev:5d} field "
          f"evaluations")

# %%
N = prob.N
# the derived t(s) and s(t), evaluated numerically
t_of_s = sp.lambdify((d.s, d.N), d.t_of_s, modules="mpmath")
s_of_t = sp.lambdify((d.t, d.N), d.s_of_t, modules="mpmath")


def cost(x):
    return sum((a - b) ** 2 for a, b in zip(x, y)) / (2 * N)


def line(t):
    return [(1 - t) * a + t * b for a, b in zip(x0, y)]


with mpmath.workdps(DPS + 5):
    s_grid = [mpmath.mpf(S_END) * k / 40 for k in range(41)]
    X_std = [std.outputs(sol_std(s)) for s in s_grid]
    X_ada = [ada.outputs(sol_ada(s)) for s in s_grid]
    t_grid = [mpmath.mpf(k) / 10 for k in range(11)]
    X_t = [ada.outputs(sol_t(t)) for t in t_grid]
    # C6 residuals: adapted x(s) against the derived line at t(s); x(t) against the line at t
    dev_s = max(max(abs(a - b) for a, b in zip(X, line(t_of_s(s, N)))) for s, X in zip(s_grid, X_ada))
    dev_t = max(max(abs(a - b) for a, b in zip(X, line(t))) for t, X in zip(t_grid, X_t))
    end_gap = max(abs(a - b) for a, b in zip(X_t[-1], y))
    C_std = [cost(X) for X in X_std]
    C_ada = [cost(X) for X in X_ada]
    # the standard path is not straight: its largest distance to the segment [x(0), y]
    u = [b - a for a, b in zip(x0, y)]
    uu = sum(v * v for v in u)

    def dist_to_line(X):
        r = [a - b for a, b in zip(X, x0)]
        c = sum(p * q for p, q in zip(r, u)) / uu
        return mpmath.sqrt(sum((p - c * q) ** 2 for p, q in zip(r, u)))

    bend_std = max(dist_to_line(X) for X in X_std)
print(f"C6, adapted x(s) vs line at t(s):       max dev = {mpmath.nstr(dev_s, 3)}")
print(f"C6, adapted x(t) (t-ODE) vs line at t:  max dev = {mpmath.nstr(dev_t, 3)}")
print(f"C6, |x(t=1) − y|_∞ (global minimum at t = 1) = {mpmath.nstr(end_gap, 3)}")
print(f"standard flow: largest distance of x(s) from the segment = {mpmath.nstr(bend_std, 5)}")
print(f"tolerance: {mpmath.nstr(TOL, 3)}  (mpmath, dps {DPS})")

# %% [markdown]
# ## The output plane
#
# Each point is the pair $(x_1, x_2)$ of the network's outputs on the two training inputs.

# %%
fig, ax = plt.subplots(1, 2, figsize=(11, 4.4))
f = [[float(v) for v in X] for X in X_std]
ax[0].plot([p[0] for p in f], [p[1] for p in f], "-", color="C0", label="standard flow x(s)")
g = [[float(v) for v in X] for X in X_t]
ax[0].plot([p[0] for p in g], [p[1] for p in g], "o", color="C1", ms=5,
           label="adapted flow x(t), t = 0, 0.1, …, 1")
ax[0].plot([float(x0[0]), float(y[0])], [float(x0[1]), float(y[1])], ":", color="grey",
           label="segment x(0) → y")
ax[0].plot(float(x0[0]), float(x0[1]), "ks", label="x(0)")
ax[0].plot(float(y[0]), float(y[1]), "k*", ms=12, label="target y")
ax[0].set_xlabel("$x_1$ (output on sample 1)")
ax[0].set_ylabel("$x_2$ (output on sample 2)")
ax[0].set_title(f"output plane, {entry.name}")
ax[0].legend(fontsize=8, loc="center right")
ax[0].set_aspect("equal", adjustable="datalim")

sf_ = [float(s) for s in s_grid]
ax[1].semilogy(sf_, [float(c) for c in C_std], "-", label="standard flow")
ax[1].semilogy(sf_, [float(c) for c in C_ada], "o", ms=4, label="adapted flow")
C0 = cost(x0)
ax[1].semilogy(sf_, [float(C0 * mpmath.exp(-2 * s / N)) for s in s_grid], "--", color="grey",
               label=r"$C(0)\,e^{-2s/N}$ (straight line at rate $1/N$)")
ax[1].set_xlabel("flow time s")
ax[1].set_ylabel("cost C")
ax[1].set_title("cost against time")
ax[1].legend(fontsize=8)
fig.tight_layout()
plt.show()

# %% [markdown]
# ## A certified trajectory
#
# The runs above are high-precision *numerics*: their error is estimated, then confirmed by a
# run at higher precision. `sf.enclose` instead returns a **rigorous enclosure**: Arb balls
# (python-flint) that contain the true $\theta(t)$ for every $t\in[0,1]$, computed by a
# validated Taylor method on $d\theta/dt = D^+(y - x(0))$ from the exact rational $\theta(0)$
# (see "Certified trajectories" in `docs/theory.md`). Each step also gets a certified lower
# bound of $\lambda_{\min}(DD^\top)$ over its whole tube. With the span $[0, 1]$ certified and
# every bound $> 0$, C6 is *proved* for this network, data and $\theta(0)$: full rank along the
# path, outputs on the segment, and $x(\theta(1)) = y$.
#
# Left: the tube's width (the largest diameter of the $\theta$ ball at each step end), which
# stays at the working precision ($10^{-30}$) because the set is carried as a centre plus a
# Euclidean radius grown by the log-norm of the field's Jacobian (no wrapping effect). Right:
# the per-step rank certificate.

# %%
from flint import arb, fmpq  # noqa: E402

CERT_DPS = 30
enc = sf.enclose(prob, theta0, t_end=1, dps=CERT_DPS)
print(enc.summary())
widths = [(float(t), float(w.mid())) for t, w in enc.widths()]
bounds = [(float(st.t), float(st.t + st.h), float(b.mid()))
          for st, b in zip(enc.steps, enc.rank_bounds)]
print(f"{'step':>4} {'t_i':>9} {'h_i':>9} {'λ_min(DDᵀ) ≥':>13} {'width at t_i + h_i':>19}")
for i, ((a, b, lam), (_, w)) in enumerate(zip(bounds, widths)):
    print(f"{i:4d} {a:9.4f} {b - a:9.4f} {lam:13.6f} {w:19.3e}")
x1_ball = enc.outputs_at(1)                     # balls ∋ x(θ(1)), the network on the θ ball
y_ball = [arb(fmpq(v.numerator, v.denominator)) for v in prob.y_flat]
print("x(θ(1)) ∋ y:", [x.contains(v) for x, v in zip(x1_ball, y_ball)],
      " radii", [f"{float(x.rad()):.2g}" for x in x1_ball])

fig, ax = plt.subplots(1, 2, figsize=(11, 3.8))
ax[0].semilogy([t for t, _ in widths], [w for _, w in widths], "o-")  # θ(0) is exact: width 0
ax[0].set_xlabel("t")
ax[0].set_ylabel("max diameter of the θ ball")
ax[0].set_title(f"width of the certified tube ({CERT_DPS} digits)")
for a, b, lam in bounds:
    ax[1].plot([a, b], [lam, lam], "-", color="C2", lw=3)
ax[1].set_xlabel("t")
ax[1].set_ylabel(r"certified lower bound of $\lambda_{\min}(DD^\top)$")
ax[1].set_title("rank certificate per step")
ax[1].set_ylim(0, 1.2 * max(lam for *_, lam in bounds))
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Verdicts
#
# The assertions are mathematical facts: exact zeros from SymPy, residuals below the
# precision-derived tolerance, and orderings of costs.

# %%
assert d.verified, "a substitution check of the derived time change did not simplify to 0"
assert info.rank == prob.QN, "C6 needs full rank at θ(0)"
assert c1_residual <= TOL, ("C1", c1_residual, TOL)
assert all(s.success for s in (sol_std, sol_ada, sol_t))
assert dev_s <= TOL and dev_t <= TOL, ("C6: adapted output path left the segment", dev_s, dev_t)
assert end_gap <= TOL, ("C6: the t-flow did not reach y at t = 1", end_gap)
# C5: the cost does not increase along either flow (sampled; monotone up to the tolerance)
for Cs in (C_std, C_ada):
    assert all(b <= a + TOL for a, b in zip(Cs, Cs[1:])), "C5: cost increased"
# the standard output path is genuinely curved: its bend is far above the tolerance
assert bend_std > 1000 * TOL
# the certified trajectory (ball level): span [0, 1], full rank on every tube, x(θ(1)) ∋ y
assert enc.certified and enc.t_reached == 1, enc.reason
assert enc.rank_certificate is not None and enc.rank_certificate > 0
assert all(x.contains(v) for x, v in zip(x1_ball, y_ball))
assert all(b.contains(0) for _, balls in enc.line_deviation() for b in balls)
print(f"verified: C1, C5, C6 on {entry.name} (mpmath, dps {DPS}, tol {mpmath.nstr(TOL, 3)}); "
      f"notebook ran in {time.perf_counter() - T_START:.1f} s")

# %% [markdown]
# ## The library's verdicts (`symflow.claims`)

# %%
import symflow.claims as claims  # noqa: E402
from IPython.display import Markdown, display  # noqa: E402
from symflow.reports import markdown  # noqa: E402

verdicts = [claims.check(cid, get_problem(name), dps=DPS) for cid, name in [("C1", "tanh-2-3-1-l2"), ("C5", "tanh-2-3-1-l2"), ("C6", "tanh-2-3-1-l2")]]
display(Markdown(markdown(verdicts, title="Verdicts")))   # claim, level, dps, residual, tolerance
assert all(v.status is sf.Status.VERIFIED for v in verdicts), [v.to_dict() for v in verdicts]
