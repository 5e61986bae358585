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
# # 02 — The interpolating family $V_\alpha$
#
# **What this shows.** Theorem 2.3 of the paper joins the standard and the adapted gradient flows
# by a family of vector fields, $\alpha\in[0,1]$:
# $$V_\alpha = -D^\top\big((1-\alpha)I + \alpha(DD^\top)^+\big)\nabla_x C,\qquad
#   x' = DV_\alpha = -\big((1-\alpha)DD^\top + \alpha P\big)\nabla_x C .$$
# We show
#
# 1. **exactly** (rational arithmetic on a polynomial network) that $V_0$ is the standard field,
#    $V_1$ the adapted field $-D^+\nabla_x C$, and that $V_\alpha$ computed from $(DD^\top)^+$
#    equals $(1-\alpha)V_0 + \alpha V_1$ computed from $D^+$ (so $D^\top(DD^\top)^+ = D^+$);
#    the induced output fields match the closed form and $dC/ds\le 0$;
# 2. the output-plane trajectories of several $V_\alpha$ on a tanh network: they bend less as
#    $\alpha\to 1$ and all end at the target;
# 3. the **shared equilibria** where they are not trivial: for linear regression with fewer
#    parameters than outputs ($K = 2 < QN = 3$) the minimum $C > 0$ is not reached, yet every
#    $V_\alpha$ vanishes at the least-squares point $\theta^*$, exactly, and every flow goes there
#    (integrated for $\alpha = 0, 1/2, 1$);
# 4. the cost decay of each flow.
#
# **Claims touched:** **C2** ($D^\top(DD^\top)^+ = D^+$), **C3** (endpoints), **C4** (shared
# equilibria), **C5** (output fields and $dC/ds\le 0$).

# %%
import time
from fractions import Fraction

import matplotlib.pyplot as plt
import mpmath

import symflow as sf
from symflow.flows.odes import solve_ivp_mp
from symflow.core.problems import get_problem

DPS = 20
T_START = time.perf_counter()
ALPHAS = [Fraction(0), Fraction(1, 4), Fraction(1, 2), Fraction(3, 4), Fraction(1)]


def alpha_field(a):
    """The field spec for α: the names for the endpoints, the number otherwise."""
    return {0: "standard", 1: "adapted"}.get(a, str(a))


# %% [markdown]
# ## 1. Exact identities at a rational point (C2, C3, C5)
#
# `cube-2-3-2-l2` has the activation $z^3$, so $x$, $D$, $\nabla_x C$ are rational at a rational
# $\theta$ and every identity can be checked with residual exactly $0$ (level `exact`).

# %%
ex = get_problem("cube-2-3-2-l2")
pd = ex.problem.at(ex.theta0, level="exact")
D, g = pd.D, pd.grad
V = {a: sf.parameter_field(pd, alpha_field(a)) for a in ALPHAS}
exact = {
    "C3: V_0 = −Dᵀ∇C": (V[0] + D.T @ g).max_abs(),
    "C3: V_1 = −D⁺∇C": (V[1] + sf.pinv(D) @ g).max_abs(),
}


def as_fractions(m):
    """Entries of an exact-level Mat as Python Fractions."""
    return [Fraction(int(v.p), int(v.q)) for v in m.entries()]


for a in ALPHAS[1:-1]:
    combo = [(1 - a) * v0 + a * v1 for v0, v1 in zip(as_fractions(V[0]), as_fractions(V[1]))]
    exact[f"C2: V_{a} = (1−α)V_0 + αV_1"] = max(
        abs(v - c) for v, c in zip(as_fractions(V[a]), combo))
for a in ALPHAS:
    xdot = sf.output_field(pd, alpha_field(a))
    exact[f"C5: DV_{a} = −((1−α)DDᵀ + αP)∇C"] = (
        xdot - sf.output_field_closed_form(pd, alpha_field(a))).max_abs()
dCds = {a: (g.T @ sf.output_field(pd, alpha_field(a))).entries()[0] for a in ALPHAS}
print(f"{ex.name}: K = {ex.problem.K}, QN = {ex.problem.QN}, level exact")
for what, r in exact.items():
    print(f"  {what:42s} residual = {r}")
for a, v in dCds.items():
    print(f"  C5: dC/ds along V_{a} at θ(0) = {v}  (≈ {float(v):.4g})")

# %% [markdown]
# ## 2. Output-plane trajectories on a tanh network
#
# `tanh-2-3-1-l2` ($N = 2$, $Q = 1$): outputs in a plane. Each $V_\alpha$ is integrated in the
# flow time $s\in[0, 6]$ at `DPS` digits (mpmath).

# %%
entry = get_problem("tanh-2-3-1-l2")
prob, theta0 = entry.problem, list(entry.theta0)
S_END = 6
s_grid = [mpmath.mpf(S_END) * k / 20 for k in range(21)]
paths, costs = {}, {}
with sf.working_precision(DPS):
    pd0 = prob.at(theta0, level="mpmath", dps=DPS)
    x0, y = pd0.x.entries(), pd0.y.entries()
scale = max([mpmath.mpf(1)] + [abs(v) for v in x0 + y])
TOL = mpmath.mpf(10) ** (6 - DPS) * scale   # see notebook 01 for this tolerance
for a in ALPHAS:
    cf = sf.CompiledField(prob, alpha_field(a), arith="mpmath")
    sol = solve_ivp_mp(lambda s, th, cf=cf: cf(th), 0, theta0, S_END, dps=DPS)
    assert sol.success, sol.message
    with mpmath.workdps(DPS + 5):
        X = [cf.outputs(sol(s)) for s in s_grid]   # dense output
    paths[a] = X
    costs[a] = [sum((p - q) ** 2 for p, q in zip(x, y)) / (2 * prob.N) for x in X]
    print(f"V_{a}: {sol.stats.nsteps} steps; C(s = {S_END}) = {mpmath.nstr(costs[a][-1], 5)}")

# %%
fig, ax = plt.subplots(1, 2, figsize=(11, 4.4))
for i, a in enumerate(ALPHAS):
    ax[0].plot([float(x[0]) for x in paths[a]], [float(x[1]) for x in paths[a]], "-",
               color=plt.cm.viridis(i / (len(ALPHAS) - 1)), label=f"α = {a}")
    ax[1].semilogy([float(s) for s in s_grid], [float(c) for c in costs[a]], "-",
                   color=plt.cm.viridis(i / (len(ALPHAS) - 1)), label=f"α = {a}")
ax[0].plot(float(x0[0]), float(x0[1]), "ks", label="x(0)")
ax[0].plot(float(y[0]), float(y[1]), "k*", ms=12, label="target y")
ax[0].set_xlabel("$x_1$")
ax[0].set_ylabel("$x_2$")
ax[0].set_title(f"output plane, V_α on {entry.name}")
ax[0].legend(fontsize=8, loc="center right")
ax[0].set_aspect("equal", adjustable="datalim")
ax[1].set_xlabel("flow time s")
ax[1].set_ylabel("cost C")
ax[1].set_title("cost decay along V_α")
ax[1].legend(fontsize=8)
fig.tight_layout()
plt.show()

# %% [markdown]
# ## 3. Shared equilibria where the minimum is not reached (C4)
#
# `identity-1-1-l2-underparam` is linear regression $x_j = w\,x^{(0)}_j + b$ on three samples:
# $K = 2 < QN = 3$, so $D$ (constant, $3\times 2$) has rank $2$ and $P\neq I$. The equilibria
# of every $V_\alpha$ are the points with $P\nabla_x C = 0$: the least-squares fit $\theta^*$,
# computed here exactly as $\theta^* = \theta + D^+(y - x[\theta])$. At $\theta^*$ the cost is
# positive, $\nabla_x C\neq 0$, and yet $V_\alpha(\theta^*) = 0$ for every $\alpha$ — exactly.
# Because $D$ is constant, each flow is linear, $\theta' = -A_\alpha(\theta-\theta^*)$ with
# $A_\alpha$ symmetric positive semidefinite, so $|\theta - \theta^*|$ never increases.

# %%
lr = get_problem("identity-1-1-l2-underparam")
lp = lr.problem
pl = lp.at(lr.theta0, level="exact")
rank_lr = sf.rank_info(pl.D).rank
step = sf.pinv(pl.D) @ (pl.y - pl.x)
theta_star = [Fraction(int(a.p), int(a.q)) + b for a, b in zip(pl.theta, as_fractions(step))]
ps = lp.at(theta_star, level="exact")
eq = {a: sf.parameter_field(ps, alpha_field(a)).max_abs() for a in ALPHAS}
P_grad_star = (sf.projector(ps.D) @ ps.grad).max_abs()
away = {a: sf.parameter_field(pl, alpha_field(a)).max_abs() for a in ALPHAS}
print(f"rank D = {rank_lr} < QN = {lp.QN};  θ* = {[str(v) for v in theta_star]}")
print(f"at θ*: C = {ps.cost}, |∇C|_∞ = {ps.grad.max_abs()}, |P∇C|_∞ = {P_grad_star}")
for a in ALPHAS:
    print(f"  |V_{a}(θ*)|_∞ = {eq[a]}    |V_{a}(θ(0))|_∞ = {away[a]}")

# %%
S_LR = 25
dist = {}
fig, ax = plt.subplots(figsize=(5.5, 4.4))
with mpmath.workdps(DPS + 5):
    ts = [mpmath.mpf(v.numerator) / v.denominator for v in theta_star]
ALPHAS_LR = [Fraction(0), Fraction(1, 2), Fraction(1)]   # (DDᵀ)⁺ by an mpmath SVD per step: slow
for i, a in enumerate(ALPHAS_LR):
    cf = sf.CompiledField(lp, alpha_field(a), arith="mpmath", rank_loss="pinv")
    sol = solve_ivp_mp(lambda s, th, cf=cf: cf(th), 0, list(lr.theta0), S_LR, dps=DPS)
    assert sol.success, sol.message
    # the accepted step points, plus a few dense-output points early on where steps are long
    # for the picture (each dense point costs about one integration step)
    extra = [mpmath.mpf(k) / 2 for k in range(1, 9)]
    with mpmath.workdps(DPS + 5):
        pts = sorted([(t_, th_) for t_, th_ in zip(sol.ts, sol.ys)] + [(s, sol(s)) for s in extra],
                     key=lambda p: p[0])
        th = [th_ for _, th_ in pts]
        dist[a] = [mpmath.sqrt(sum((p - q) ** 2 for p, q in zip(t_, ts))) for t_ in th]
    ax.plot([float(t_[0]) for t_ in th], [float(t_[1]) for t_ in th], "-",
            color=plt.cm.viridis(i / (len(ALPHAS_LR) - 1)), label=f"α = {a}")
    print(f"V_{a}: |θ(s={S_LR}) − θ*| = {mpmath.nstr(dist[a][-1], 4)}")
ax.plot(float(ts[0]), float(ts[1]), "r*", ms=12, label="θ* (shared equilibrium)")
ax.plot(float(lr.theta0[0]), float(lr.theta0[1]), "ks", label="θ(0)")
ax.set_xlabel("weight w")
ax.set_ylabel("bias b")
ax.set_title("linear regression, K = 2 < QN = 3: parameter plane")
ax.legend(fontsize=8)
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Verdicts

# %%
assert all(r == 0 for r in exact.values()), exact                # C2, C3, C5 exactly
assert all(v <= 0 for v in dCds.values()), dCds                   # C5: dC/ds ≤ 0
assert all(a > b - TOL for C in costs.values() for a, b in zip(C, C[1:]))   # C5 along the flows
assert all(C[-1] < C[0] for C in costs.values())
assert rank_lr < lp.QN and ps.cost > 0 and ps.grad.max_abs() != 0   # a non-trivial equilibrium
assert P_grad_star == 0 and all(v == 0 for v in eq.values()), eq    # C4: shared, exactly
assert all(v != 0 for v in away.values())                            # and θ(0) is none
assert all(a + TOL >= b for d_ in dist.values() for a, b in zip(d_, d_[1:]))  # |θ − θ*| ↓
print(f"verified: C2, C3, C5 exactly on {ex.name}; C5 along V_α on {entry.name} (mpmath, dps "
      f"{DPS}, tol {mpmath.nstr(TOL, 3)}); C4 exactly on {lr.name}; "
      f"notebook ran in {time.perf_counter() - T_START:.1f} s")

# %% [markdown]
# ## The library's verdicts (`symflow.claims`)

# %%
import symflow.claims as claims  # noqa: E402
from IPython.display import Markdown, display  # noqa: E402
from symflow.reports import markdown  # noqa: E402

verdicts = [claims.check(cid, get_problem(name), dps=DPS) for cid, name in [("C2", "cube-2-3-2-l2"), ("C3", "cube-2-3-2-l2"), ("C4", "identity-1-1-l2-underparam"), ("C5", "tanh-2-3-1-l2")]]
display(Markdown(markdown(verdicts, title="Verdicts")))   # claim, level, dps, residual, tolerance
assert all(v.status is sf.Status.VERIFIED for v in verdicts), [v.to_dict() for v in verdicts]
