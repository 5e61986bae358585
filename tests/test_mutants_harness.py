"""The mutation harness tools/mutants.py stays in step with the source (fast: no check is run).

Every mutant's snippet must occur exactly once in its file of this source tree; a failure here
means the code a mutant targets was rewritten and the mutant must be updated (see the docstring
of tools/mutants.py, "How to add a mutant").
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("symflow_tools_mutants", ROOT / "tools" / "mutants.py")
mutants = importlib.util.module_from_spec(_spec)
sys.modules.setdefault(_spec.name, mutants)
_spec.loader.exec_module(mutants)


def test_ids_unique_and_fields_filled():
    ids = [m.id for m in mutants.MUTANTS]
    assert len(ids) == len(set(ids))
    assert 28 <= len(ids) <= 40
    for m in mutants.MUTANTS:
        assert m.old and m.old != m.new and m.description and m.kind, m.id


@pytest.mark.parametrize("m", mutants.MUTANTS, ids=lambda m: m.id)
def test_snippet_occurs_exactly_once(m):
    path = ROOT / m.file
    assert path.is_file(), f"{m.file} is gone"
    n = path.read_text(encoding="utf-8").count(m.old)
    assert n == 1, (f"mutant {m.id}: its snippet occurs {n} times in {m.file}; update it in "
                    f"tools/mutants.py so that it injects the same bug into the new code")


def test_apply_mutant_and_loud_failure(tmp_path):
    m = mutants.Mutant("x", "f.py", "a = 1\n", "a = 2\n", "d", "k")
    (tmp_path / "f.py").write_text("a = 1\nb = 1\n", encoding="utf-8")
    mutants.apply_mutant(tmp_path, m)
    assert (tmp_path / "f.py").read_text(encoding="utf-8") == "a = 2\nb = 1\n"
    with pytest.raises(mutants.SnippetError):
        mutants.apply_mutant(tmp_path, m)          # gone: 0 occurrences
    (tmp_path / "f.py").write_text("a = 1\na = 1\n", encoding="utf-8")
    with pytest.raises(mutants.SnippetError):
        mutants.apply_mutant(tmp_path, m)          # ambiguous: 2 occurrences
    assert mutants.validate(tmp_path, [m])


def test_classify():
    base = {("C1", "p"): "verified", ("C2", "q"): "refuted", ("C3", "p"): "verified"}
    assert mutants.classify(base, dict(base))[0] is False
    assert mutants.classify(base, {**base, ("C1", "p"): "inconclusive"})[0] is True
    assert mutants.classify(base, {**base, ("C2", "q"): "verified"})[0] is True
    caught, _, other = mutants.classify(base, {**base, ("C2", "q"): "inconclusive"})
    assert not caught and other
    missing = dict(base)
    del missing[("C3", "p")]
    assert mutants.classify(base, missing)[0] is True
