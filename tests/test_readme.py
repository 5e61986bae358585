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
