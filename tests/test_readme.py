"""The README's API example runs and its assertion holds."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_api_example_runs(capsys):
    text = README.read_text(encoding="utf-8")
    section = text.split("## Ten lines of API", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    assert len(code.strip().splitlines()) <= 14
    exec(compile(code, str(README), "exec"), {})  # the project's own example, not user input
    assert capsys.readouterr().out.split() == ["verified", "ball"]


def test_readme_own_network_example_runs(capsys):
    """The "Check your own network" block: check_all on a Problem of one's own, with the table
    and the claims skipped with their reasons."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## Check your own network", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    exec(compile(code, str(README), "exec"), {})  # the project's own example, not user input
    out = capsys.readouterr().out
    assert "Not applicable (not checked; not verdicts):" in out
    assert "mine: C7 needs rank D < QN at θ₀: rank D = 2 = QN at θ₀" in out


def test_readme_problem_file_block_is_valid():
    """The README's TOML block is a valid problem file (up to building the network of
    formulas, which needs symflow.core.models)."""
    import pytest
    from symflow.core.problemfile import loads_problem
    text = README.read_text(encoding="utf-8")
    section = text.split("## Check your own network", 1)[1]
    toml = re.search(r"```toml\n(.*?)```", section, re.S).group(1)
    e = loads_problem(toml, source="README.md")
    assert e.name == "skip-tanh" and e.problem.K == 4
