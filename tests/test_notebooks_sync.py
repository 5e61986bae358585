"""Each notebook's .ipynb and its jupytext .py (the source of truth) hold the same cells, and
the .ipynb is committed with outputs stripped (clean diffs). CI executes the .ipynb files with
``python -m pytest --nbmake notebooks -o addopts=""``; regenerate them after editing a .py with
``jupytext --to ipynb --update notebooks/NN_name.py``."""

from __future__ import annotations

from pathlib import Path

import pytest

jupytext = pytest.importorskip("jupytext")

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
SCRIPTS = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.py"))


def _cells(nb):
    return [(c.cell_type, c.source.strip()) for c in nb.cells]


def test_there_are_notebooks():
    assert len(SCRIPTS) >= 4


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_ipynb_matches_py(script):
    ipynb = script.with_suffix(".ipynb")
    assert ipynb.exists(), f"{ipynb.name} missing: run jupytext --to ipynb {script.name}"
    from_py = jupytext.read(script)
    from_nb = jupytext.read(ipynb)
    assert _cells(from_nb) == _cells(from_py), (
        f"{ipynb.name} and {script.name} differ: run jupytext --to ipynb --update {script.name}")


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_ipynb_outputs_stripped_and_paired(script):
    nb = jupytext.read(script.with_suffix(".ipynb"))
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not cell.get("outputs"), f"{script.stem}.ipynb has outputs: strip them"
            assert cell.get("execution_count") is None
    assert nb.metadata.get("jupytext", {}).get("formats") == "ipynb,py:percent"
