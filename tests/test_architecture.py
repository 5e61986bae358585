"""The data flow is one-directional, in layers: a module imports only its own layer or lower ones.

    foundation (errors, numbers, progress, files, arguments)
      → backends (levels, scalar arithmetic, matrices, rank / pinv / projector, tolerances)
      → core (activations, networks, losses, problem, catalogue, fields, time change)
      → flows (integration)  → reference (deliberate second implementations)
      → testing (Hypothesis strategies, the campaign)
      → claims (evidence, registry, judge, one module per claim)  → reports
      → campaign (the full claim set over a case stream, on Dask)  → cli

``testing`` and ``campaign`` stay out of the library's import chain: ``import symflow`` loads
neither (nor Hypothesis); only C10-SEARCH (a Hypothesis search) and the CLI import them, locally.

The check reads each module's imports with ``ast`` (module-level and local). Inside a layer the
imports form no cycle (a module-level cycle would make the import order matter).

Inside ``symflow/flows`` the same rule holds in finer layers (FLOWS_ORDER): the options and the
fixed-point field pieces, the field evaluator, the ODE engine (one step → controller → dense
output → ``solve_ivp_mp``), the results, the two runners, and ``integrate``. The one upward
import is local and named in FLOWS_UPWARD: ``Trajectory.confirm`` re-integrates.

Inside ``symflow/claims`` the same rule holds in layers (CLAIMS_ORDER): the evidence and the
registry, then the shared machinery (the sample points, the shared objects, the pointwise judge,
the trajectory helpers, the rank monitor), then C0's checks (the subpackage ``claims/c00``: its
comparison rule, then the checks), then the claim modules c00…c17, which import only from the
layers above them and never from one another. ``claims/_main.py`` (the
``python -m symflow.claims.cNN_…`` runner) is an entry point at the CLI layer.

``symflow/reference`` holds the deliberate second implementations (cross-checks); it imports
``backends``, ``core`` and ``flows`` only, never ``claims`` (the layers above).
"""

from __future__ import annotations

import ast
from pathlib import Path

import symflow

#: The layers of the package, lowest first: top-level modules and subpackages.
LAYERS = [["errors", "numbers", "progress", "files", "arguments"], ["backends"], ["core"], ["flows"], ["reference"],
          ["testing"], ["claims"], ["reports"], ["campaign"], ["cli", "__init__", "__main__"]]

#: Layers inside symflow/claims (paths relative to it, without ".py"; a subpackage's modules are
#: named "c00/…"): a module imports only modules of earlier layers.
CLAIMS_ORDER = [["evidence"], ["entries"], ["registry"], ["sampling"], ["objects"], ["judge"], ["vectors"],
                ["trajectories"],
                ["rank_monitor"], ["certified"],
                ["c00/__init__", "c00/compare"],
                ["c00/jacobian", "c00/gradient", "c00/integrator", "c00/judges"],
                ["c00_consistency", "c01_full_rank", "c02_general_rank", "c03_endpoints",
                 "c04_equilibria", "c05_output_space", "c06_linear_interpolation",
                 "c07_rank_loss", "c08_cross_entropy", "c09_pseudoinverse", "c10_hypotheses",
                 "c11_deviation_bound", "c12_constant_projector", "c13_spurious_equilibria",
                 "c14_ce_rank_loss",
                 "c15_discrete_steps", "c16_levenberg_marquardt",
                 "c17_gauss_newton_convergence"]]
#: Layers inside symflow/flows (paths relative to it, without ".py"; a package's modules are
#: named "fields/…"): a module imports only modules of earlier layers.
FLOWS_ORDER = [["options", "fields/fixed"],
               ["fields/forward", "fields/backprop", "fields/gram", "fields/solve", "fields/pinv",
                "fields/expression", "fields/matrices", "fields/program"],
               ["fields/fixed_point"], ["fields/__init__"],
               ["evaluation"], ["rows"], ["engine"], ["controller"], ["dense"], ["odes"],
               ["certified/jets"], ["certified/step"], ["certified/taylor"], ["certified/field"],
               ["certified/enclose"], ["certified/__init__"],
               ["readers"], ["trajectory"], ["run_mpmath"], ["run_float64"], ["integrate"], ["homotopy"], ["steps"],
               ["__init__"]]
#: Allowed upward imports inside symflow/flows (local imports only).
FLOWS_UPWARD = {("trajectory", "integrate")}
#: Entry points inside a package, placed at the layer they belong to.
ENTRY_POINTS = {"symflow.claims._main": "cli"}

PKG = Path(symflow.__file__).parent


def _module_name(path: Path) -> str:
    parts = ["symflow", *path.relative_to(PKG).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_package(path: Path) -> bool:
    return path.name == "__init__.py"


def _exists(mod: str) -> bool:
    rel = Path(*mod.split(".")[1:])
    return (PKG / rel).with_suffix(".py").exists() or (PKG / rel / "__init__.py").exists()


def _imports(path: Path, module_level_only: bool = False) -> set[str]:
    """Full names of the symflow modules ``path`` imports (``from x import sub`` → ``x.sub``
    when ``sub`` is a module); local imports too unless ``module_level_only``."""
    me = _module_name(path)
    pkg = me if _is_package(path) else me.rsplit(".", 1)[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    main_guard = {id(n) for top in tree.body if _is_main_guard(top) for n in ast.walk(top)}
    nodes = tree.body if module_level_only else ast.walk(tree)
    out = set()
    for node in nodes:
        if id(node) in main_guard:
            continue  # ``if __name__ == "__main__":`` runs the module as a script: an entry point
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg.split(".")
                base = base[:len(base) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            if mod.split(".")[0] != "symflow":
                continue
            subs = [f"{mod}.{a.name}" for a in node.names if _exists(f"{mod}.{a.name}")]
            out.update(subs or [mod])
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.split(".")[0] == "symflow")
    return out


def _is_main_guard(node: ast.AST) -> bool:
    return (isinstance(node, ast.If) and isinstance(node.test, ast.Compare)
            and isinstance(node.test.left, ast.Name) and node.test.left.id == "__name__"
            and any(isinstance(c, ast.Constant) and c.value == "__main__"
                    for c in node.test.comparators))


def _layer_of(mod: str) -> int:
    mod = ENTRY_POINTS.get(mod, mod)
    top = mod.split(".")[1] if "." in mod else "__init__"
    for i, names in enumerate(LAYERS):
        if top in names:
            return i
    raise AssertionError(f"{mod}: place {top!r} in LAYERS")


def _all_modules() -> list[Path]:
    return sorted(PKG.rglob("*.py"))


def test_every_module_is_placed_in_a_layer():
    for path in _all_modules():
        _layer_of(_module_name(path))


def test_imports_only_flow_downstream():
    bad = []
    for path in _all_modules():
        me = _module_name(path)
        for dep in _imports(path):
            if dep != "symflow" and _layer_of(dep) > _layer_of(me):
                bad.append(f"{me} imports {dep}")
    assert not bad, "imports against the layers: " + "; ".join(sorted(bad))


def test_testing_is_outside_the_library_import_chain():
    """``import symflow`` loads neither symflow.testing, symflow.campaign nor Hypothesis;
    imports of symflow.testing from claims or the CLI are local (inside the function that
    searches). symflow.campaign, itself outside the chain, imports it at module level."""
    import subprocess
    import sys

    code = ("import sys, symflow; print(sorted(m for m in sys.modules "
            "if m.startswith(('symflow.testing', 'symflow.campaign', 'hypothesis'))))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                       cwd=str(PKG.parent))
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]", r.stdout
    bad = [f"{_module_name(p)} imports {d}" for p in _all_modules()
           if not _module_name(p).startswith(("symflow.testing", "symflow.campaign"))
           for d in _imports(p, module_level_only=True) if d.startswith("symflow.testing")]
    assert not bad, "; ".join(bad)


def test_no_import_cycles_inside_a_layer():
    """Module-level imports only (local imports may point anywhere allowed by the layers)."""
    graph: dict[str, set[str]] = {}
    for path in _all_modules():
        me = _module_name(path)
        graph[me] = {d for d in _imports(path, module_level_only=True)
                     if d != me and not me.startswith(d + ".")}
    state: dict[str, int] = {}
    cycle: list[str] = []

    def visit(m: str, stack: list[str]) -> bool:
        state[m] = 1
        for d in graph.get(m, ()):
            if state.get(d) == 1:
                cycle.extend(stack[stack.index(d):] + [m, d] if d in stack else [m, d])
                return True
            if state.get(d) is None and visit(d, stack + [d]):
                return True
        state[m] = 2
        return False

    for m in sorted(graph):
        if state.get(m) is None and visit(m, [m]):
            break
    assert not cycle, "import cycle: " + " → ".join(cycle)


def _claims_imports(path: Path) -> set[str]:
    """The modules of symflow.claims that ``path`` (a module of symflow/claims) imports, named as
    in CLAIMS_ORDER ("judge", "c00/compare"; a package by its ".../__init__")."""
    rel = path.relative_to(PKG / "claims").with_suffix("").parts
    pkg = list(rel[:-1])                   # the package holding ``path``, inside symflow.claims
    names: list[list[str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                if node.level - 1 > len(pkg):
                    continue               # above symflow.claims
                base = pkg[:len(pkg) - (node.level - 1)]
            elif node.module and (node.module + ".").startswith("symflow.claims."):
                base = []
            else:
                continue
            full = base + (node.module.split(".") if node.module else [])
            if not node.level:
                full = full[2:]            # drop "symflow.claims"
            names += [full + [a.name] for a in node.names]
        elif isinstance(node, ast.Import):
            names += [a.name.split(".")[2:] for a in node.names
                      if a.name.startswith("symflow.claims.")]
    out = set()
    for n in names:
        while n:                           # the longest prefix that is a module or a package
            mod = "/".join(n)
            if (PKG / "claims" / (mod + ".py")).exists():
                out.add(mod)
                break
            if (PKG / "claims" / mod / "__init__.py").exists():
                out.add(mod + "/__init__")
                break
            n = n[:-1]
    return out


def _claims_modules() -> set[str]:
    """Every module of symflow/claims as named in CLAIMS_ORDER, but the package itself and the
    entry point ``_main``."""
    return {p.relative_to(PKG / "claims").with_suffix("").as_posix()
            for p in (PKG / "claims").rglob("*.py")} - {"__init__", "_main"}


def test_claim_modules_are_layered():
    layer = {m: i for i, ms in enumerate(CLAIMS_ORDER) for m in ms}
    mods = _claims_modules()
    assert mods <= set(layer), f"place these modules in CLAIMS_ORDER: {sorted(mods - set(layer))}"
    bad = []
    for m in sorted(mods):
        for dep in _claims_imports(PKG / "claims" / f"{m}.py") - {"_main"}:
            if dep in layer and layer[dep] >= layer[m] and dep != m:
                bad.append(f"claims/{m}.py imports {dep}")
    assert not bad, "imports against the layers of symflow.claims: " + "; ".join(bad)


def test_claims_layering_sees_every_import():
    """The import reader resolves relative imports at any depth and ``from . import x`` (a
    check of the check: a module it cannot see would pass the layering test unseen)."""
    seen = _claims_imports(PKG / "claims" / "c00" / "jacobian.py")
    assert {"c00/compare", "sampling", "evidence"} <= seen
    assert not any(m.startswith(("reference", "backends")) for m in seen)
    assert {"c00/jacobian", "registry"} <= _claims_imports(PKG / "claims" / "c00_consistency.py")
    assert {"judge", "trajectories"} <= _claims_imports(PKG / "claims" / "c00" / "judges.py")


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
