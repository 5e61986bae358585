"""Claims on problems of one's own: tags decided from the problem (symflow.core.problems.
entry_for), applicability with reasons from the claims' own ``needs`` (registry), ``check`` /
``check_all`` on Problems, and ``symflow check --problem FILE`` (CLI and reports).

The catalogue's behaviour is pinned: the same (claim, problem) pairs as the predicates the
claims had before ``needs=``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import symflow as sf
from symflow.claims import CLAIMS, check, check_all
from symflow.claims.registry import (GLOBAL, NEEDS, Skipped, Verdicts, as_entry, plan,
                                     register, resolve_level, skipped)
from symflow.cli import main
from symflow.core.losses import CrossEntropy, L2
from symflow.core.problems import catalogue, entry_for, get_problem
from symflow.errors import ClaimError, DataError, ParameterError

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
CHEAP = "C1,C2,C3,C4,C9"        # pointwise claims: a second or two on a small problem


def _linear():   # K = 2 < QN = 3, rational
    return sf.Problem(sf.mlp([1, 1], "identity"), [[1], [2], [3]], [[0], [1], [0]],
                      name="linear")


def _small_tanh():   # K = 7 ≥ QN = 2, transcendental
    return sf.Problem(sf.mlp([1, 2, 1], "tanh"), [[0], ["1/2"]], [[1], [0]], name="mine")


# ---- the catalogue is unchanged -----------------------------------------------------------------
#: The applicability predicates the claims had before they declared ``needs=`` (a regression
#: pin: the catalogue run must plan exactly the same pairs).
_OLD = {"C1": lambda e: e.full_rank, "C2-GENERAL": lambda e: not e.full_rank,
        "C6": lambda e: isinstance(e.problem.loss, L2) and e.full_rank,
        "C7": lambda e: isinstance(e.problem.loss, L2) and not e.full_rank,
        "C8": lambda e: isinstance(e.problem.loss, CrossEntropy),
        "C10": lambda e: isinstance(e.problem.loss, L2) and not e.full_rank,
        # added with their own needs: C13 on L2 problems, C14 on cross-entropy ones
        "C13": lambda e: isinstance(e.problem.loss, L2),
        "C14": lambda e: isinstance(e.problem.loss, CrossEntropy),
        # C16 applies to every problem (no needs)
        "C16": lambda e: True,
        # C11 on L2 problems
        "C11": lambda e: isinstance(e.problem.loss, L2),
        # C12 on L2 models linear in θ (in the catalogue: linear regression)
        "C12": lambda e: e.name == "identity-1-1-l2-underparam",
        # C15 on L2 problems, C17 on L2 problems of full rank
        "C15": lambda e: isinstance(e.problem.loss, L2),
        "C17": lambda e: isinstance(e.problem.loss, L2) and e.full_rank}


def test_catalogue_plan_is_unchanged():
    cat = catalogue()
    expected = []
    ids = [c for c, _ in plan()]
    for cid in dict.fromkeys(ids):
        c = CLAIMS[cid]
        if c.scope == "global":
            expected.append((cid, GLOBAL.name))
        else:
            expected += [(cid, e.name) for e in cat if _OLD.get(cid, lambda e: True)(e)]
    assert [(c, e.name) for c, e in plan()] == expected
    assert len(expected) == 128  # 84 before C13 (8 L2 problems) and C14 (2 CE problems); C16 all 10;
    # C15 on the 8 L2 problems, C17 on the 5 full-rank ones, C17-GLOBAL once; C12 once, C12-EIGENSPACE once;
    # C11 on the 8 L2 problems
    # every catalogue pair not planned is skipped with a reason naming the claim
    skips = skipped()
    assert len(skips) + len(expected) == sum(
        1 if CLAIMS[c].scope == "global" else len(cat) for c in dict.fromkeys(ids))
    assert all(s.reason.startswith(f"{s.claim} needs ") for s in skips)


def test_needs_declared_by_the_claims():
    assert CLAIMS["C6"].needs == ("l2", "full_rank")
    assert CLAIMS["C7"].needs == CLAIMS["C10"].needs == ("l2", "rank_deficient")
    assert CLAIMS["C8"].needs == ("ce",) and CLAIMS["C1"].needs == ("full_rank",)
    assert CLAIMS["C2-GENERAL"].needs == ("rank_deficient",) and CLAIMS["C3"].needs == ()
    assert CLAIMS["C12"].needs == ("l2", "linear")
    assert set(NEEDS) == {"full_rank", "rank_deficient", "l2", "ce", "linear"}


def test_reasons_on_catalogue_entries():
    under = get_problem("tanh-1-1-1-l2-underparam")
    assert CLAIMS["C6"].why_not(under) == ("C6 needs full rank D at θ₀: rank D ≤ K = 4 < QN "
                                           "= 5")
    assert CLAIMS["C8"].why_not(under) == "C8 needs the cross-entropy loss: the loss is l2"
    dead = get_problem("square-1-2-1-l2-dead-unit")
    assert "a dead unit" in CLAIMS["C1"].why_not(dead)
    ce = get_problem("tanh-2-3-3-ce")
    assert CLAIMS["C7"].why_not(ce) == (
        "C7 needs the L2 loss: the loss is cross_entropy; and rank D < QN at θ₀: rank D = QN "
        "= 6 at θ₀ (a full-rank catalogue problem)")
    assert CLAIMS["C3"].why_not(ce) is None and CLAIMS["C10-SEARCH"].why_not(ce) is None


def test_register_validates_needs(monkeypatch):
    monkeypatch.setattr("symflow.claims.registry.CLAIMS", dict(CLAIMS))
    with pytest.raises(ClaimError, match="unknown need 'convex'"):
        register("ZZ", "t", "s", "r", needs=("convex",))
    with pytest.raises(ClaimError, match="needs= or applies="):
        register("ZZ", "t", "s", "r", applies=lambda e: True, needs=("l2",))
    c = register("ZZ", "t", "s", "r", applies=lambda e: False)
    assert c.why_not(get_problem("tanh-2-3-1-l2")) == "ZZ does not apply to 'tanh-2-3-1-l2'"


# ---- entries decided from a Problem ---------------------------------------------------------------
def test_entry_for_decides_tags_and_rank():
    e = entry_for(_small_tanh())
    assert e.tags == {"l2", "transcendental", "full_rank"} and e.source == "(python)"
    assert e.rank.level.value == "ball" and e.rank.certain and e.is_user
    e = entry_for(_linear(), name="lin", tags=["mine"], description="d")
    assert e.tags == {"l2", "rational", "rank_deficient", "K<QN", "mine"} and e.name == "lin"
    assert not get_problem("tanh-2-3-1-l2").is_user


def test_rank_drop_of_a_transcendental_problem_is_numerical():
    """Two identical samples: the rows of D coincide, rank 1 < QN = 2 ≤ K. Balls cannot
    certify a rank drop; the decision falls back to mpmath with the singular values."""
    p = sf.Problem(sf.mlp([1, 2, 1], "tanh"), [["1/2"], ["1/2"]], [[1], [0]], name="twin")
    e = entry_for(p)
    assert not e.full_rank and "rank_deficient" in e.tags and "K<QN" not in e.tags
    assert e.rank.level.value == "mpmath" and not e.rank.certain and e.rank.rank == 1
    assert "balls could not certify" in e.rank.how and "singular values" in e.rank.how
    assert CLAIMS["C6"].why_not(e).startswith("C6 needs full rank D at θ₀: rank D = 1 < QN = 2")


def test_rank_drop_problem_is_checked_at_mpmath():
    """Where balls cannot certify rank D at θ₀, the pointwise claims would all fail to certify
    their pseudo-inverses at ball level (inconclusive); such an entry's strongest level is
    mpmath, and the verdicts say so."""
    p = sf.Problem(sf.mlp([1, 2, 1], "tanh"), [["1/2"], ["1/2"], [1], [-1]],
                   [[1], [0], ["1/2"], [0]], name="twin")
    vs = check_all("C2,C2-GENERAL,C3,C9", p)
    assert [(v.claim, v.level.value) for v in vs] == [
        ("C2", "mpmath"), ("C2-GENERAL", "mpmath"), ("C3", "mpmath"), ("C9", "mpmath")]
    assert all(v.as_expected for v in vs) and vs[1].is_finding
    with pytest.raises(sf.LevelError, match="balls cannot certify its rank: rank D = 3 < QN"):
        check("C3", p, level="ball")
    assert resolve_level(get_problem("tanh-1-1-1-l2-underparam"), None).value == "ball"


def test_entry_for_refusals():
    with pytest.raises(ParameterError, match="K = 7"):
        entry_for(_small_tanh(), [1, 2])
    with pytest.raises(DataError, match="decided from the problem"):
        entry_for(_small_tanh(), tags=["l2"])
    with pytest.raises(DataError, match="expected a symflow.Problem"):
        entry_for("mlp")
    with pytest.raises(ClaimError, match="expected a symflow.Problem or a catalogue entry"):
        as_entry(3)
    with pytest.raises(ClaimError, match="already an entry"):
        as_entry(get_problem("tanh-2-3-1-l2"), name="x")


# ---- check / check_all on Problems ---------------------------------------------------------------
def test_check_accepts_a_problem_and_says_why_not():
    v = check("C1", _small_tanh())
    assert v.status.value == "verified" and v.problem == "mine"
    with pytest.raises(ClaimError, match=r"does not apply to problem 'linear': C6 needs full "
                                         r"rank D at θ₀: rank D ≤ K = 2 < QN = 3"):
        check("C6", _linear())


def test_check_all_on_problems_returns_verdicts_and_skipped():
    vs = check_all(CHEAP, [_linear(), get_problem("tanh-2-3-1-l2")])
    assert isinstance(vs, Verdicts) and isinstance(vs, list)
    assert [(v.claim, v.problem) for v in vs] == [
        ("C1", "tanh-2-3-1-l2"), ("C2", "linear"), ("C2", "tanh-2-3-1-l2"), ("C3", "linear"),
        ("C3", "tanh-2-3-1-l2"), ("C4", "linear"), ("C4", "tanh-2-3-1-l2"), ("C9", "linear"),
        ("C9", "tanh-2-3-1-l2")]
    assert all(v.status.value == "verified" for v in vs)
    assert vs.skipped == [Skipped("C1", "linear", "C1 needs full rank D at θ₀: rank D ≤ K = 2 "
                                  "< QN = 3", "(python)")]


def test_check_all_problem_first_and_global_claims():
    p = _linear()
    # a Problem where the claims go is taken as the problems
    assert [c for c, _ in plan(None, [p])] == [c for c, _ in plan(None, p)]
    assert ("C10-SEARCH", GLOBAL.name) not in [(c, e.name) for c, e in plan(None, [p])]
    [g] = [s for s in skipped(None, [p]) if s.claim == "C10-SEARCH"]
    assert "global check" in g.reason and "--claims C10-SEARCH" in g.reason
    # named explicitly, or with the catalogue, the global claim is planned
    assert ("C10-SEARCH", GLOBAL) in plan(["C10-SEARCH"], [p])
    assert ("C10-SEARCH", GLOBAL) in plan(None, [*catalogue(), entry_for(p)])
    with pytest.raises(ClaimError, match="given twice"):
        check_all(p, [p])
    with pytest.raises(ClaimError, match="two problems are named 'linear'"):
        check_all(CHEAP, [_linear(), _linear()])


def test_check_all_of_a_problem_runs_what_applies():
    vs = check_all(sf.Problem(sf.mlp([1, 1], "identity"), [[1], [2]], [[0], [1]], name="fit"),
                   dps=20)
    assert {v.claim for v in vs} == {"C0", "C1", "C2", "C3", "C4", "C5", "C6", "C9", "C11",
                                          "C12", "C13", "C15", "C16", "C17"}
    assert all(v.as_expected for v in vs), [(v.claim, v.status) for v in vs]
    assert {s.claim for s in vs.skipped} == {"C2-GENERAL", "C7", "C8", "C10", "C10-SEARCH",
                                             "C12-EIGENSPACE", "C14", "C17-GLOBAL"}


# ---- the command line ---------------------------------------------------------------------------
def test_cli_problem_file(tmp_path, capsys):
    js, md = tmp_path / "r.json", tmp_path / "r.md"
    f = str(EXAMPLES / "mlp_tanh.toml")
    code = main(["check", "--problem", f, "--claims", CHEAP, "--quiet", "--json", str(js),
                 "--markdown", str(md)])
    out, err = capsys.readouterr()
    assert code == 0 and err == ""
    assert out.startswith(f"Problems:\n  my-tanh-mlp ({f}): K = 13, QN = 3, rank D = 3 = QN at "
                          f"θ₀ (certified by Arb balls at 30 digits); tags example, full_rank, "
                          f"l2, transcendental\n")
    assert "Not applicable" not in out                 # C1–C4, C9 all apply
    assert "5 verdicts: 5 verified" in out and "tanh-2-3-1-l2" not in out
    doc = json.loads(js.read_text())
    assert doc["meta"]["problems"] == ["my-tanh-mlp"]
    assert doc["meta"]["problem_files"] == {"my-tanh-mlp": f}
    assert doc["problems"][0]["file"] == f and doc["problems"][0]["rank"]["full_rank"]
    assert doc["skipped"] == [] and len(doc["verdicts"]) == 5
    assert f"my-tanh-mlp ({f})" in md.read_text()


def test_cli_reports_skipped_claims_with_reasons(tmp_path, capsys):
    prob = tmp_path / "lin.toml"
    prob.write_text('loss = "l2"\n[network]\nkind = "mlp"\nwidths = [1, 1]\n'
                    'activation = "identity"\n[data]\ninputs = [[1], [2], [3]]\n'
                    'targets = [[0], [1], [0]]\n', encoding="utf-8")
    js = tmp_path / "r.json"
    code = main(["check", "--problem", str(prob), "--claims", "C1,C3,C6,C8", "--quiet",
                 "--json", str(js)])
    out = capsys.readouterr().out
    assert code == 0                                  # skipped pairs are not verdicts
    lines = out.splitlines()
    i = lines.index("Not applicable (not checked; not verdicts):")
    assert lines[i + 1:i + 4] == [
        f"  lin ({prob}): C1 needs full rank D at θ₀: rank D ≤ K = 2 < QN = 3",
        f"  lin ({prob}): C6 needs full rank D at θ₀: rank D ≤ K = 2 < QN = 3",
        f"  lin ({prob}): C8 needs the cross-entropy loss: the loss is l2"]
    assert lines[-2].startswith("1 verdict: 1 verified")
    doc = json.loads(js.read_text())
    assert [s["claim"] for s in doc["skipped"]] == ["C1", "C6", "C8"]
    assert doc["summary"]["counts"]["inconclusive"] == 0


def test_cli_nothing_applies_is_a_usage_error(tmp_path, capsys):
    code = main(["check", "--problem", str(EXAMPLES / "mlp_tanh.toml"), "--claims", "C7,C8",
                 "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and "no (claim, problem) pair" in err
    assert "C8 needs the cross-entropy loss: the loss is l2" in err


@pytest.mark.parametrize("content,needle", [
    ('loss = "l2"\n[network]\nkind = "mlp"\nwidths = [1, 0]\n', "network.widths[1]: 0"),
    ('loss = "l2"\nnetwork = 3\n', "network: 3 (an integer) must be a table"),
    ('loss = "mse"\n', "loss: 'mse' is not a loss"),
    ("bogus = 1\n", "bogus: unknown key 'bogus'"),
])
def test_cli_bad_file_exit_2_names_file_key_value(tmp_path, capsys, content, needle):
    f = tmp_path / "bad.toml"
    f.write_text(content, encoding="utf-8")
    code = main(["check", "--problem", str(f), "--quiet"])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err.startswith(f"symflow: error: {f}: ") and needle in err, err


def test_cli_missing_file_and_name_clashes(tmp_path, capsys):
    assert main(["check", "--problem", str(tmp_path / "none.toml"), "--quiet"]) == 2
    assert "none.toml: cannot read the problem file" in capsys.readouterr().err
    f = tmp_path / "clash.toml"
    f.write_text((EXAMPLES / "mlp_tanh.toml").read_text().replace(
        'name = "my-tanh-mlp"', 'name = "tanh-2-3-1-l2"'), encoding="utf-8")
    assert main(["check", "--problem", str(f), "--catalogue", "--quiet"]) == 2
    assert "is also the name of the catalogue problem" in capsys.readouterr().err
    g = str(EXAMPLES / "mlp_tanh.toml")
    assert main(["check", "--problem", g, "--problem", g, "--quiet"]) == 2
    assert f"is also the name of the problem of {g}" in capsys.readouterr().err
    assert main(["check", "--problem", g, "--catalogue", "--problems", "tanh-2-3-1-l2"]) == 2
    assert "not both" in capsys.readouterr().err


def test_cli_problem_with_catalogue_selection(capsys):
    code = main(["check", "--problem", str(EXAMPLES / "mlp_tanh.toml"), "--problems",
                 "identity-1-1-l2-underparam", "--claims", "C1,C3", "--quiet"])
    out = capsys.readouterr().out
    assert code == 0
    assert re.search(r"^C3\s+identity-1-1-l2-underparam\s+verified", out, re.M)
    assert re.search(r"^C1\s+my-tanh-mlp\s+verified", out, re.M)
    # only the file's problem has its skipped claims listed (C1 on the catalogue problem is
    # not applicable by the catalogue's design, as before)
    assert "identity-1-1-l2-underparam: C1 needs" not in out


def test_help_documents_problem_and_catalogue(capsys):
    assert main(["check", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "--problem FILE" in text and "only these problems are checked" in text
    assert "--catalogue" in text and "invalid problem file" in text


def test_example_mlp_file_full_run(capsys):
    """Every claim that applies to examples/mlp_tanh.toml (about 8–13 s: C5 and C6 integrate)."""
    code = main(["check", "--problem", str(EXAMPLES / "mlp_tanh.toml"), "--quiet"])
    out = capsys.readouterr().out
    assert code == 0 and "13 verdicts: 13 verified" in out   # C11, C15, C17 since 10
    assert "C10-SEARCH is a global check" in out


@pytest.mark.parametrize("name", ["skip_connection.toml", "shared_weights.toml"])
def test_example_expression_files(name, capsys):
    code = main(["check", "--problem", str(EXAMPLES / name), "--claims", CHEAP + ",C2-GENERAL",
                 "--quiet"])
    out = capsys.readouterr().out
    assert code == 0, out
    if name == "shared_weights.toml":
        assert "C1 needs full rank D at θ₀: rank D = 3 < QN = 4" in out
        assert re.search(r"^C2-GENERAL\s+shared-weights\s+refuted.*finding", out, re.M)


def test_full_rank_user_model_verifies_c1_to_c6(capsys):
    """A model of one's own (examples/skip_connection.toml: a tanh unit plus a skip connection,
    K = 4 ≥ QN = 3, full rank certified by balls): C0–C6 and C9 all verified."""
    code = main(["check", "--problem", str(EXAMPLES / "skip_connection.toml"), "--quiet"])
    out = capsys.readouterr().out
    assert code == 0, out
    for cid in ("C0", "C1", "C2", "C3", "C4", "C5", "C6", "C9"):
        assert re.search(rf"^{cid}\s+skip-tanh\s+verified", out, re.M), (cid, out)
    assert "C7 needs rank D < QN at θ₀" in out


@pytest.mark.slow
def test_rank_deficient_user_model_behaves_as_the_catalogue():
    """Weight sharing makes D rank-deficient by construction (both outputs share (a, b, c, d)
    with swapped inputs; the first sample has u1 = u2): as on the catalogue's rank-deficient
    problems, C7 and C10 are verified, C2 holds and C2-GENERAL's finding is reproduced
    (~95 s: C7 integrates the constrained flow)."""
    import sympy as sp
    import symflow as sf
    u1, u2, a, b, c, d = sp.symbols("u1 u2 a b c d")
    net = sf.model([c * (a * u1 + b * u2) ** 2 + d, c * (a * u2 + b * u1) ** 2 + d],
                   [a, b, c, d], [u1, u2])
    prob = sf.Problem(net, [["1/2", "1/2"], [1, -1]], [[1, 0], [0, "1/2"]], name="shared")
    e = sf.entry_for(prob)
    assert "rank_deficient" in e.tags and e.rank.certain and e.rank.rank <= 3   # ≤ 3 by construction
    vs = {v.claim: v for v in sf.claims.check_all(["C2", "C2-GENERAL", "C7", "C10"], [prob])}
    assert vs["C7"].status.value == "verified" and vs["C10"].status.value == "verified"
    assert vs["C2"].status.value == "verified" and vs["C2-GENERAL"].is_finding
