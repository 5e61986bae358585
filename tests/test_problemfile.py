"""Problem files (symflow.core.problemfile): the MLP path end to end, exact numbers, every
refusal naming the file, the key and the value; the formula path (``kind = "expressions"``)
up to the call of ``symflow.core.models.model`` (with a stand-in), and through the real one
where it exists.
"""

from __future__ import annotations

import sys
import types
from fractions import Fraction
from pathlib import Path

import pytest
import sympy as sp

from symflow.core.problemfile import (MAX_FILE_BYTES, ProblemFileError, load_problem_file,
                                      loads_problem)
from symflow.core.problems import CatalogueEntry
from symflow.errors import DataError

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

MLP = """
name = "tiny"
description = "a test problem"
tags = ["mine"]
loss = "l2"

[network]
kind = "mlp"
widths = [2, 3, 1]
activation = "tanh"
bias = true

[data]
inputs = [["1/2", 1], [-1, "1/3"], [0.25, 1e-3]]
targets = [[1], [0], ["-1/2"]]
"""


def _load(text: str, **kw) -> CatalogueEntry:
    return loads_problem(text, source="t.toml", **kw)


# ---- the MLP path -------------------------------------------------------------------------------
def test_mlp_file_gives_an_entry_with_decided_tags():
    e = _load(MLP)
    p = e.problem
    assert isinstance(e, CatalogueEntry) and e.name == "tiny" and e.source == "t.toml"
    assert e.description == "a test problem"
    assert p.network.widths == (2, 3, 1) and p.network.bias and p.K == 13 and p.QN == 3
    # exact numbers: 0.25 and 1e-3 from their text, never through a float
    assert p.inputs[2] == [sp.Rational(1, 4), sp.Rational(1, 1000)]
    assert p.targets[2] == [sp.Rational(-1, 2)]
    assert e.tags == {"mine", "l2", "transcendental", "full_rank"}
    assert e.full_rank and e.rank.certain and e.rank.level.value == "ball"
    assert all(isinstance(v, Fraction) for v in e.theta0) and len(e.theta0) == 13


def test_start_theta0_and_seed():
    th = ", ".join(f'"{k}/7"' for k in range(13))
    e = _load(MLP + f"\n[start]\ntheta0 = [{th}]\n")
    assert e.theta0 == tuple(Fraction(k, 7) for k in range(13))
    e3 = _load(MLP + "\n[start]\nseed = 3\n")
    e3b = _load(MLP + "\n[start]\nseed = 3\n")
    assert e3.theta0 == e3b.theta0 != _load(MLP).theta0


def test_rational_rank_deficient_mlp_at_k_equal_qn():
    """identity [2, 1] with bias: D has rows (u1, u2, 1); collinear inputs make rank 2 < 3 = K
    = QN, decided exactly."""
    text = MLP.replace('"tanh"', '"identity"').replace("[2, 3, 1]", "[2, 1]").replace(
        'inputs = [["1/2", 1], [-1, "1/3"], [0.25, 1e-3]]', "inputs = [[0, 0], [1, 1], [2, 2]]")
    e = _load(text)
    assert e.tags == {"mine", "l2", "rational", "rank_deficient"}
    assert e.rank.level.value == "exact" and e.rank.certain and e.rank.rank == 2
    assert e.rank.sentence == "rank D = 2 < QN = 3 at θ₀ (exact)"
    full = _load(MLP.replace('"tanh"', '"identity"').replace("[2, 3, 1]", "[2, 1]"))
    assert full.full_rank and full.rank.sentence == "rank D = 3 = QN at θ₀ (exact)"


def test_k_less_than_qn_is_decided_without_computing():
    text = MLP.replace('"tanh"', '"identity"').replace("[2, 3, 1]", "[2, 1]").replace(
        "bias = true", "bias = false")
    e = _load(text)
    assert {"K<QN", "rank_deficient", "rational"} <= e.tags
    assert e.rank.rank is None and e.rank.sentence == "rank D ≤ K = 2 < QN = 3"


def test_cross_entropy_file():
    text = MLP.replace('loss = "l2"', 'loss = "ce"').replace(
        "[2, 3, 1]", "[2, 3, 2]").replace('targets = [[1], [0], ["-1/2"]]',
                                           'targets = [["1/2", "1/2"], [0.25, 0.75], ["1/3", "2/3"]]')
    e = _load(text)
    assert "ce" in e.tags and e.problem.loss.name == "cross_entropy"


def test_default_name_is_the_file_stem(tmp_path):
    f = tmp_path / "my-problem.toml"
    f.write_text(MLP.replace('name = "tiny"\n', ""), encoding="utf-8")
    e = load_problem_file(f)
    assert e.name == "my-problem" and e.source == str(f)


def test_example_mlp_file_loads():
    e = load_problem_file(EXAMPLES / "mlp_tanh.toml")
    assert e.name == "my-tanh-mlp" and e.full_rank and "example" in e.tags


# ---- refusals: file, key and value in every message ----------------------------------------------
@pytest.mark.parametrize("edit,key,value", [
    (('kind = "mlp"', 'kind = "cnn"'), "network.kind", "cnn"),
    (("widths = [2, 3, 1]", "widths = [2, 0, 1]"), "network.widths[1]", "0"),
    (("widths = [2, 3, 1]", "widths = [2, 3.0, 1]"), "network.widths[1]", "3.0"),
    (("widths = [2, 3, 1]", 'widths = "2,3,1"'), "network.widths", "'2,3,1'"),
    (('activation = "tanh"', 'activation = "swish"'), "network.activation",
     "'swish' is not a built-in activation"),
    (("bias = true", 'bias = "yes"'), "network.bias", "'yes'"),
    (("bias = true", "bias = true\ndepth = 3"), "network.depth", "'depth'"),
    (('loss = "l2"', 'loss = "mse"'), "loss", "mse"),
    (('loss = "l2"', 'lost = "l2"'), "lost", "'lost'"),
    (('tags = ["mine"]', 'tags = "mine"'), "tags", "'mine'"),
    (('tags = ["mine"]', 'tags = ["full_rank"]'), "tags[0]", "'full_rank' is decided"),
    (('inputs = [["1/2", 1]', 'inputs = [["1/x", 1]'), "data.inputs[0][0]", "1/x"),
    (('inputs = [["1/2", 1]', 'inputs = [["1/2", 1, 3]'), "data.inputs[0]", "got 3"),
    (('inputs = [["1/2", 1]', 'inputs = [["1/2", true]'), "data.inputs[0][1]", "True"),
    (('inputs = [["1/2", 1]', 'inputs = [["1/2", inf]'), "data.inputs[0][1]", "finite"),
    (('targets = [[1], [0], ["-1/2"]]', 'targets = [[1], [0]]'), "data.targets", "got 2"),
    (('name = "tiny"', 'name = 3'), "name", "3"),
    (('name = "tiny"', 'name = ""'), "name", "''"),
])
def test_refusals_name_file_key_and_value(edit, key, value):
    with pytest.raises(ProblemFileError) as info:
        _load(MLP.replace(*edit))
    msg = str(info.value)
    assert msg.startswith(f"t.toml: {key}"), msg
    assert value in msg, msg
    assert info.value.path == "t.toml" and isinstance(info.value, DataError)


@pytest.mark.parametrize("extra,key,value", [
    ("[start]\ntheta0 = [1, 2]\n", "start.theta0", "K = 13"),
    ("[start]\ntheta0 = [1, 2]\nseed = 1\n", "start", "not both"),
    ("[start]\nseed = -1\n", "start.seed", "-1"),
    ("[start]\nseed = 1.5\n", "start.seed", "1.5"),
    ("[start]\nsead = 1\n", "start.sead", "'sead'"),
    ("[start]\ntheta0 = [" + ", ".join(["1"] * 12) + ', "a"]\n', "start.theta0[12]", "'a'"),
])
def test_start_refusals(extra, key, value):
    with pytest.raises(ProblemFileError) as info:
        _load(MLP + "\n" + extra)
    msg = str(info.value)
    assert msg.startswith(f"t.toml: {key}") and value in msg, msg


def test_missing_tables_and_keys():
    for cut, key in [("[data]", "data"), ('loss = "l2"', "loss"), ("widths = [2, 3, 1]",
                                                                   "network.widths")]:
        text = MLP.replace(cut, "") if cut != "[data]" else MLP.split("[data]")[0]
        with pytest.raises(ProblemFileError, match=rf"^t\.toml: {key}: missing"):
            _load(text)


def test_not_toml_and_cross_entropy_labels():
    with pytest.raises(ProblemFileError, match=r"^t\.toml: not valid TOML"):
        _load("name = ")
    bad = MLP.replace('loss = "l2"', 'loss = "ce"').replace("[2, 3, 1]", "[2, 3, 2]").replace(
        'targets = [[1], [0], ["-1/2"]]', 'targets = [[1, 1], [0, 1], ["1/2", "1/2"]]')
    with pytest.raises(ProblemFileError, match=r"^t\.toml: data\.targets"):
        _load(bad)


def test_file_level_refusals(tmp_path):
    with pytest.raises(ProblemFileError, match="nothere.toml: cannot read the problem file"):
        load_problem_file(tmp_path / "nothere.toml")
    with pytest.raises(ProblemFileError, match="not a file"):
        load_problem_file(tmp_path)
    big = tmp_path / "big.toml"
    big.write_bytes(b"#" * (MAX_FILE_BYTES + 1))
    with pytest.raises(ProblemFileError, match="larger than the cap"):
        load_problem_file(big)
    latin = tmp_path / "latin.toml"
    latin.write_bytes('name = "é"'.encode("latin-1"))
    with pytest.raises(ProblemFileError, match="not UTF-8"):
        load_problem_file(latin)
    with pytest.raises(ProblemFileError, match="must be a string or a path"):
        load_problem_file(3)


# ---- formulas -------------------------------------------------------------------------------------
EXPR = """
name = "skip"
loss = "l2"
[network]
kind = "expressions"
inputs = ["u1", "u2"]
params = ["a", "b", "c", "d"]
outputs = ["a*tanh(b*u1 + c*u2) + d*u1"]
[data]
inputs = [["1/2", 1], [-1, "1/3"], [2, "-1/2"]]
targets = [[1], [0], ["1/2"]]
"""


class _Captured(Exception):
    pass


@pytest.fixture
def fake_models(monkeypatch):
    """A stand-in ``symflow.core.models`` whose ``model`` records its arguments and stops."""
    mod = types.ModuleType("symflow.core.models")

    def model(outputs, *, params, inputs, name=None):
        raise _Captured(outputs, params, inputs, name)

    mod.model = model
    monkeypatch.setitem(sys.modules, "symflow.core.models", mod)
    import symflow.core
    monkeypatch.setattr(symflow.core, "models", mod, raising=False)
    return mod


def test_expressions_call_model_with_parsed_formulas(fake_models):
    with pytest.raises(_Captured) as info:
        _load(EXPR)
    outputs, params, inputs, name = info.value.args
    a, b, c, d, u1, u2 = (sp.Symbol(n, real=True) for n in ("a", "b", "c", "d", "u1", "u2"))
    assert outputs == [a * sp.tanh(b * u1 + c * u2) + d * u1]
    assert params == [a, b, c, d] and inputs == [u1, u2] and name == "skip"


@pytest.mark.parametrize("edit,key,value", [
    (('outputs = ["a*tanh(b*u1 + c*u2) + d*u1"]', 'outputs = ["a*tanh(b*u1 + z*u2)"]'),
     "network.outputs[0]", "unknown name 'z' at column 14"),
    (('outputs = ["a*tanh(b*u1 + c*u2) + d*u1"]', 'outputs = ["__import__(\'os\')"]'),
     "network.outputs[0]", "'__import__'"),
    (('outputs = ["a*tanh(b*u1 + c*u2) + d*u1"]', 'outputs = []'), "network.outputs", "empty"),
    (('outputs = ["a*tanh(b*u1 + c*u2) + d*u1"]', 'outputs = [3]'), "network.outputs[0]", "3"),
    (('params = ["a", "b", "c", "d"]', 'params = ["a", "b", "c", "a"]'), "network.params[3]",
     "'a' is listed twice"),
    (('params = ["a", "b", "c", "d"]', 'params = ["a", "b", "c", "u1"]'), "network.params[3]",
     "'u1' is also an input name"),
    (('params = ["a", "b", "c", "d"]', 'params = ["a", "b", "c", "exp"]'), "network.params[3]",
     "'exp'"),
    (('params = ["a", "b", "c", "d"]', 'params = ["a", "b", "c", "d e"]'), "network.params[3]",
     "'d e'"),
    (('inputs = ["u1", "u2"]', 'inputs = ["u1", "u2"]\nwidths = [1]'), "network.widths",
     "'widths'"),
])
def test_expression_refusals(fake_models, edit, key, value):
    with pytest.raises(ProblemFileError) as info:
        _load(EXPR.replace(*edit))
    msg = str(info.value)
    assert msg.startswith(f"t.toml: {key}: ") and value in msg, msg


def test_expressions_through_the_real_models_module():
    e = _load(EXPR)
    assert e.problem.K == 4 and e.problem.QN == 3 and "transcendental" in e.tags
    for f in ("skip_connection.toml", "shared_weights.toml"):
        entry = load_problem_file(EXAMPLES / f)
        assert entry.source.endswith(f)
    shared = load_problem_file(EXAMPLES / "shared_weights.toml")
    assert not shared.full_rank and "K<QN" not in shared.tags and shared.rank.rank == 3
