"""The data flow is one-directional: a module imports only modules listed before it.

network → problem → Jacobian/NTK → fields → time change → integration → claims → reports → CLI
(STYLE.md). The check reads each module's imports with ``ast`` (module-level and local).
"""

from __future__ import annotations

import ast
from pathlib import Path

import symflow

ORDER = ["errors", "evidence", "tolerance", "numbers", "arith", "activations", "networks", "losses", "linalg",
         "problem", "problems", "fields", "timechange", "odes", "progress", "integrate",
         "strategies", "campaign", "claims", "reports", "cli"]

PKG = Path(symflow.__file__).parent


def _top(name: str) -> str:
    return name.split(".")[0]


def _symflow_imports(path: Path, package_parts: list[str]) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package_parts[:len(package_parts) - node.level + 1]
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
    modules = {p.stem for p in PKG.glob("*.py") if p.stem != "__init__"} | {"claims"}
    assert modules <= set(ORDER), f"place these modules in ORDER: {sorted(modules - set(ORDER))}"


def test_imports_only_flow_downstream():
    bad = []
    files = [p for p in PKG.glob("*.py") if p.stem != "__init__"]
    files += list((PKG / "claims").glob("*.py"))
    for path in files:
        owner = "claims" if path.parent.name == "claims" else path.stem
        parts = ["symflow", "claims", path.stem] if owner == "claims" else ["symflow", path.stem]
        for dep in _symflow_imports(path, parts):
            if dep == owner or dep not in ORDER:
                continue
            if ORDER.index(dep) > ORDER.index(owner):
                bad.append(f"{path.relative_to(PKG)} imports {dep}")
    assert not bad, "imports against the data flow: " + "; ".join(bad)
