"""The data flow is one-directional: a module imports only modules listed before it.

network → problem → Jacobian/NTK → fields → time change → integration → claims → reports → CLI
(STYLE.md). The check reads each module's imports with ``ast`` (module-level and local). The
integration is the package ``symflow/flows`` (one layer of ORDER for outside modules).

Inside ``symflow/flows`` the same rule holds in layers (FLOWS_ORDER): the options and the
fixed-point field pieces, the field evaluator, the ODE engine (one step → controller → dense
output → ``solve_ivp_mp``), the results, the two runners, and ``integrate``. The one upward
import is local and named in FLOWS_UPWARD: ``Trajectory.confirm`` re-integrates.

Inside ``symflow/claims`` the same rule holds in layers (CLAIMS_ORDER): the registry, then the
shared machinery (the sample points, the shared objects, the pointwise judge, the trajectory
helpers, the rank monitor), then the claim modules c00…c10, which import only from the layers above them and
never from one another. ``claims/_main.py`` (the ``python -m symflow.claims.cNN_…`` runner) is
an entry point at the CLI layer.
"""

from __future__ import annotations

import ast
from pathlib import Path

import symflow

ORDER = ["errors", "evidence", "tolerance", "numbers", "arith", "activations", "networks", "losses", "linalg",
         "problem", "problems", "fields", "timechange", "progress", "flows",
         "strategies", "campaign", "claims", "reports", "cli"]

#: Layers inside symflow/claims: a module imports only modules of earlier layers.
CLAIMS_ORDER = [["registry"], ["sampling"], ["objects"], ["judge"], ["trajectories"],
                ["rank_monitor"],
                ["c00_consistency", "c01_full_rank", "c02_general_rank", "c03_endpoints",
                 "c04_equilibria", "c05_output_space", "c06_linear_interpolation",
                 "c07_rank_loss", "c08_cross_entropy", "c09_pseudoinverse", "c10_hypotheses"]]
#: Layers inside symflow/flows (paths relative to it, without ".py"; a package's modules are
#: named "fields/…"): a module imports only modules of earlier layers.
FLOWS_ORDER = [["options", "fields/fixed"],
               ["fields/forward", "fields/backprop", "fields/gram", "fields/solve", "fields/pinv"],
               ["fields/fixed_point"], ["fields/__init__"],
               ["engine"], ["controller"], ["dense"], ["odes"],
               ["trajectory"], ["run_mpmath"], ["run_float64"], ["integrate"], ["__init__"]]
#: Allowed upward imports inside symflow/flows (local imports only).
FLOWS_UPWARD = {("trajectory", "integrate")}
#: Entry points inside a package, placed at the layer of ORDER they belong to.
ENTRY_POINTS = {"claims/_main.py": "cli"}

PKG = Path(symflow.__file__).parent


def _top(name: str) -> str:
    return name.split(".")[0]


def _symflow_imports(path: Path, package_parts: list[str]) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package_parts[:len(package_parts) - node.level]
                full = base + (node.module.split(".") if node.module else [])
                if len(full) > 1:
                    out.add(full[1])
                else:  # "from . import x, y"
                    out.update(_top(a.name) for a in node.names)
            elif node.module and node.module.split(".")[0] == "symflow":
                parts = node.module.split(".")
                if len(parts) > 1:
                    out.add(parts[1])
                else:
                    out.update(_top(a.name) for a in node.names)
        elif isinstance(node, ast.Import):
            for a in node.names:
                parts = a.name.split(".")
                if parts[0] == "symflow" and len(parts) > 1:
                    out.add(parts[1])
    return out


def test_every_module_is_placed_in_the_order():
    modules = {p.stem for p in PKG.glob("*.py") if p.stem != "__init__"} | {"claims", "flows"}
    assert modules <= set(ORDER), f"place these modules in ORDER: {sorted(modules - set(ORDER))}"


def test_imports_only_flow_downstream():
    bad = []
    files = [p for p in PKG.glob("*.py") if p.stem != "__init__"]
    files += list((PKG / "claims").glob("*.py")) + list((PKG / "flows").rglob("*.py"))
    for path in files:
        rel = path.relative_to(PKG)
        owner = rel.parts[0] if len(rel.parts) > 1 else path.stem
        owner = ENTRY_POINTS.get(str(rel), owner)
        parts = ["symflow", *rel.with_suffix("").parts]
        if path.name == "__init__.py":
            parts.append("__init__")   # its package is the folder itself
        for dep in _symflow_imports(path, parts):
            if dep == owner or dep not in ORDER:
                continue
            if ORDER.index(dep) > ORDER.index(owner):
                bad.append(f"{path.relative_to(PKG)} imports {dep}")
    assert not bad, "imports against the data flow: " + "; ".join(bad)


def _claims_imports(path: Path) -> set[str]:
    """The modules of symflow.claims that ``path`` (a module of symflow/claims) imports."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1:
                if node.module:
                    out.add(node.module.split(".")[0])
                else:
                    out.update(a.name.split(".")[0] for a in node.names)
            elif node.level == 0 and node.module and node.module.startswith("symflow.claims."):
                out.add(node.module.split(".")[2])
            elif node.level == 0 and node.module == "symflow.claims":
                out.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith("symflow.claims."):
                    out.add(a.name.split(".")[2])
    return out


def test_claim_modules_are_layered():
    layer = {m: i for i, ms in enumerate(CLAIMS_ORDER) for m in ms}
    mods = {p.stem for p in (PKG / "claims").glob("*.py")} - {"__init__", "_main"}
    assert mods <= set(layer), f"place these modules in CLAIMS_ORDER: {sorted(mods - set(layer))}"
    bad = []
    for m in sorted(mods):
        for dep in _claims_imports(PKG / "claims" / f"{m}.py") - {"_main"}:
            if dep in layer and layer[dep] >= layer[m] and dep != m:
                bad.append(f"claims/{m}.py imports {dep}")
    assert not bad, "imports against the layers of symflow.claims: " + "; ".join(bad)


def test_claim_module_runs_as_a_script():
    """``python -m symflow.claims.c03_endpoints`` prints C3's table once per problem and exits
    with ``symflow check``'s code; the re-executed module's checks are not run twice."""
    import subprocess
    import sys

    root = str(PKG.parent)
    r = subprocess.run([sys.executable, "-m", "symflow.claims.c03_endpoints"], cwd=root,
                       capture_output=True, text=True, timeout=600,
                       env={**__import__("os").environ, "PYTHONPATH": root})
    assert r.returncode == 0, r.stdout + r.stderr
    rows = [ln for ln in r.stdout.splitlines() if ln.startswith("C3 ")]
    assert rows and all(" verified " in ln for ln in rows)
    assert f"{len(rows)} verdicts: {len(rows)} verified" in r.stdout


def test_main_runner_drops_the_rerun_registrations():
    from symflow.claims import CLAIMS, _main

    c = CLAIMS["C3"]
    try:
        def check_c3(entry, **kw):  # what `python -m` re-registers: the same check, a new object
            return []
        check_c3.__module__ = "__main__"
        CLAIMS["C3"] = __import__("dataclasses").replace(c, checks=c.checks + (check_c3,))
        _main._drop_rerun_registrations(["C3"])
        assert CLAIMS["C3"].checks == c.checks
    finally:
        CLAIMS["C3"] = c


def _flows_imports(path: Path) -> set[str]:
    """The modules of symflow.flows that ``path`` imports, named as in FLOWS_ORDER."""
    rel = path.relative_to(PKG / "flows").with_suffix("").parts
    pkg = ["flows", *rel[:-1]]            # the package holding ``path``
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = pkg[:len(pkg) - node.level + 1]
            if not base:
                continue                   # above symflow.flows
            full = base[1:] + (node.module.split(".") if node.module else [])
            names = [full] if node.module else [full + [a.name] for a in node.names]
            for n in names:
                mod = "/".join(n)
                if (PKG / "flows" / (mod + ".py")).exists():
                    out.add(mod)
                elif (PKG / "flows" / mod / "__init__.py").exists():
                    out.add(mod + "/__init__")
                elif n:
                    out.add("/".join(n[:-1]) + "/__init__" if len(n) > 1 else "__init__")
    return out


def test_flows_modules_are_layered():
    layer = {m: i for i, ms in enumerate(FLOWS_ORDER) for m in ms}
    mods = {str(p.relative_to(PKG / "flows").with_suffix(""))
            for p in (PKG / "flows").rglob("*.py")}
    assert mods == set(layer), f"FLOWS_ORDER vs files: {sorted(mods ^ set(layer))}"
    bad = []
    for m in sorted(mods):
        for dep in _flows_imports(PKG / "flows" / f"{m}.py"):
            if dep != m and layer[dep] >= layer[m] and (m, dep) not in FLOWS_UPWARD:
                bad.append(f"flows/{m}.py imports {dep}")
    assert not bad, "imports against the layers of symflow.flows: " + "; ".join(bad)
