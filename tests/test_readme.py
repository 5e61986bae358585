"""The README's API example runs and its assertion holds."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def _blocks(heading: str, lang: str = "python") -> list[str]:
    """The fenced ``lang`` blocks of the README section that starts at ``heading``."""
    section = README.read_text(encoding="utf-8").split(heading, 1)[1]
    return re.findall(rf"```{lang}\n(.*?)```", section, re.S)


def test_readme_api_example_runs(capsys):
    code = _blocks("## Ten lines of API")[0]
    assert len(code.strip().splitlines()) <= 14
    exec(compile(code, str(README), "exec"), {})  # the project's own example, not user input
    assert capsys.readouterr().out.split() == ["verified", "ball"]


def test_readme_own_network_example_runs(capsys):
    """The "Check your own network" block: check_all on a Problem of one's own, with the table
    and the claims skipped with their reasons."""
    code = _blocks("## Check your own network")[0]
    exec(compile(code, str(README), "exec"), {})  # the project's own example, not user input
    out = capsys.readouterr().out
    assert "Not applicable (not checked; not verdicts):" in out
    assert "mine: C7 needs rank D < QN at θ₀: rank D = 2 = QN at θ₀" in out


def test_readme_problem_file_block_is_valid():
    """The README's TOML block is a valid problem file (up to building the network of
    formulas, which needs symflow.core.models)."""
    from symflow.core.problemfile import loads_problem
    toml = _blocks("## Check your own network", "toml")[0]
    e = loads_problem(toml, source="README.md")
    assert e.name == "skip-tanh" and e.problem.K == 4


def test_readme_model_block_runs():
    """The SymPy-model block of "Check your own network": a 4-parameter skip model whose D is
    SymPy's derivative, and a tied MLP with one shared hidden matrix."""
    import sympy as sp
    blocks = _blocks("## Check your own network")
    ns: dict = {}
    exec(compile("import symflow as sf\n" + blocks[1], str(README), "exec"), ns)
    prob, tied = ns["prob"], ns["tied"]
    assert prob.K == 4 and prob.QN == 2
    # 2→3 dense (6 + 3), one shared 3×3 (9) with a bias per tied layer (2·3), 3→1 read-out (3 + 1)
    assert tied.num_params == 9 + 9 + 6 + 4
    e = prob.network.outputs[0]
    D = prob.at([1, 2, 3, 4], "mpmath", 30).D
    u1, u2 = prob.network.inputs
    for k, s in enumerate(prob.network.params):
        ref = sp.diff(e, s).xreplace({u1: 1, u2: 2, **dict(zip(prob.network.params, [1, 2, 3, 4]))})
        assert abs(float(D[0, k]) - float(ref)) < 1e-12


def test_readme_certified_example_runs(capsys):
    """The "Certified trajectories" block: sf.enclose proves C6 on tanh-2-3-1-l2."""
    code = _blocks("## Certified trajectories")[0]
    assert len(code.strip().splitlines()) <= 5
    exec(compile(code, str(README), "exec"), {})  # the project's own example, not user input
    assert capsys.readouterr().out.split() == ["certified", "True", "True"]


def test_readme_homotopy_and_steps_block_runs():
    """The Integration section's homotopy/steps block, on tanh-2-3-1-l2: the LM sweep's ends are
    the adapted (λ = 0) and the standard (λ = ∞) flows, and GN with η = 1/4 shrinks |x − y| by
    about (1 − η) per step (C15: first order along the line)."""
    from symflow.core.problems import get_problem
    from symflow.flows import FlowTime

    code = _blocks("## Integration")[1]
    e = get_problem("tanh-2-3-1-l2")
    ns = {"prob": e.problem, "theta0": list(e.theta0), "FlowTime": FlowTime}
    exec(compile(code, str(README), "exec"), ns)  # the project's own example, not user input
    runs, gn = ns["runs"], ns["gn"]
    assert [str(p) for p, _ in runs] == ["0", "1/100", "1", "100", "oo"]
    assert runs[0][1].alpha == 1 and runs[-1][1].alpha == 0
    assert all(t.success for _, t in runs)
    assert len(gn) == 9
    ratio = (gn[-1].residual_sq / gn[0].residual_sq) ** 0.5
    assert abs(float(ratio) - 0.75 ** 8) < 0.02, ratio
