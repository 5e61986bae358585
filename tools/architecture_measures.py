"""Measures of the package's shape, for the architecture issue's before → after table.

    python tools/architecture_measures.py [--root symflow] [--json]

Reports, over ``symflow/**/*.py``:

* the largest module (lines) and the largest function or method (lines, decorators excluded);
* modules over 400 lines and functions over 60 lines;
* *level branches*: ``if``/``elif``/conditional expressions/``match`` cases whose test names an
  arithmetic level — an attribute ``Level.EXACT`` … ``Level.FLOAT64``, or a comparison with one of
  the strings ``"exact"``, ``"ball"``, ``"mpmath"``, ``"float64"``, ``"sympy"`` — counted inside
  and outside ``symflow/backends/``;
* the places each tolerance rule is written: expressions ``10 ** (k - dps)`` (any spelling of the
  power of ten with a precision name in the exponent) and the float64 constant ``1e-8``.

It reads the source with :mod:`ast`; nothing is imported or run.
"""

from __future__ import annotations

import argparse
import ast
import json
import pathlib
import sys

LEVEL_NAMES = {"EXACT", "BALL", "MPMATH", "FLOAT64", "SYMPY"}
LEVEL_STRINGS = {"exact", "ball", "mpmath", "float64", "sympy"}
PRECISION_NAMES = {"dps", "prec", "digits", "work_dps", "wdps"}


def _names_level(node: ast.AST) -> bool:
    for sub in ast.walk(node):
        if (isinstance(sub, ast.Attribute) and sub.attr in LEVEL_NAMES
                and isinstance(sub.value, ast.Name) and sub.value.id == "Level"):
            return True
        if isinstance(sub, ast.Compare):
            for c in [sub.left, *sub.comparators]:
                if isinstance(c, ast.Constant) and c.value in LEVEL_STRINGS:
                    return True
                if isinstance(c, (ast.Tuple, ast.Set, ast.List)) and any(
                        isinstance(e, ast.Constant) and e.value in LEVEL_STRINGS for e in c.elts):
                    return True
    return False


def _is_tolerance_power(node: ast.AST) -> bool:
    """``10 ** (… dps …)`` or ``mpf(10) ** (… dps …)``, with a precision name in the exponent."""
    if not (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow)):
        return False
    base = node.left
    ten = (isinstance(base, ast.Constant) and base.value == 10) or (
        isinstance(base, ast.Call) and base.args and isinstance(base.args[0], ast.Constant)
        and base.args[0].value == 10)
    if not ten:
        return False
    return any(isinstance(s, ast.Name) and s.id in PRECISION_NAMES
               or isinstance(s, ast.Attribute) and s.attr in PRECISION_NAMES
               for s in ast.walk(node.right))


def measure(root: pathlib.Path) -> dict:
    modules, functions, branches, tolerances = [], [], [], []
    for path in sorted(root.rglob("*.py")):
        rel = path.as_posix()
        text = path.read_text(encoding="utf-8")
        modules.append((len(text.splitlines()), rel))
        tree = ast.parse(text, filename=rel)
        in_backends = "/backends/" in rel
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                functions.append((node.end_lineno - node.lineno + 1, f"{rel}:{node.lineno} {node.name}"))
            test = None
            if isinstance(node, (ast.If, ast.IfExp, ast.While)):
                test = node.test
            elif isinstance(node, ast.match_case):
                test = node.pattern
            if test is not None and _names_level(test):
                branches.append((in_backends, f"{rel}:{getattr(test, 'lineno', '?')}"))
            if _is_tolerance_power(node):
                tolerances.append(f"{rel}:{node.lineno}")
            if isinstance(node, ast.Constant) and node.value == 1e-8:
                tolerances.append(f"{rel}:{node.lineno} (1e-8)")
    modules.sort(reverse=True)
    functions.sort(reverse=True)
    return {
        "modules": len(modules),
        "largest_module": modules[0],
        "modules_over_400": [m for m in modules if m[0] > 400],
        "largest_function": functions[0],
        "functions_over_60": [f for f in functions if f[0] > 60],
        "level_branches_outside_backends": [b for inside, b in branches if not inside],
        "level_branches_in_backends": sum(1 for inside, _ in branches if inside),
        "tolerance_rule_places": tolerances,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", default="symflow")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    m = measure(pathlib.Path(args.root))
    if args.json:
        json.dump(m, sys.stdout, indent=1)
        print()
        return 0
    print(f"modules: {m['modules']}")
    print(f"largest module: {m['largest_module'][0]} lines  {m['largest_module'][1]}")
    print(f"modules over 400 lines: {len(m['modules_over_400'])}")
    for n, name in m["modules_over_400"]:
        print(f"  {n:5d}  {name}")
    print(f"largest function: {m['largest_function'][0]} lines  {m['largest_function'][1]}")
    print(f"functions over 60 lines: {len(m['functions_over_60'])}")
    for n, name in m["functions_over_60"]:
        print(f"  {n:5d}  {name}")
    out = m["level_branches_outside_backends"]
    print(f"level branches outside backends/: {len(out)}; inside: {m['level_branches_in_backends']}")
    by_file: dict[str, int] = {}
    for b in out:
        f = b.rsplit(":", 1)[0]
        by_file[f] = by_file.get(f, 0) + 1
    for f, n in sorted(by_file.items(), key=lambda kv: -kv[1]):
        print(f"  {n:4d}  {f}")
    print(f"tolerance-rule places: {len(m['tolerance_rule_places'])}")
    for t in m["tolerance_rule_places"]:
        print(f"  {t}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
