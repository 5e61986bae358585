#!/usr/bin/env python3
"""Mutation run: does ``symflow check`` (and the test suite) catch bugs in symflow itself?

Each entry of :data:`MUTANTS` is one deliberate, small bug: a source snippet of one file of the
repository that is replaced by a wrong one. For every mutant the harness copies the
repository's files to a fresh temporary directory, applies the patch there (never in the
repository), and runs, with that copy first on ``PYTHONPATH`` (so the *mutated* copy is the one
imported, not an editable install):

(a) the check: ``symflow check --json OUT`` on the full catalogue (``--claims`` /
    ``--problems`` are passed through to restrict it); the driver prints ``symflow.__file__``
    and refuses to run (exit 97) if symflow is not imported from the copy;
(b) the tests: ``python -m pytest -x -q -p no:cacheprovider --hypothesis-seed=0`` in the copy
    (``tests/test_mutants_harness.py`` is ignored there: it would fail on every mutant).

Before any mutant the same commands run on the unmutated copy (the *baseline*); the harness
stops with exit 2 if the baseline is not the expected state: the check must exit 0 or 1 with
every verdict ``verified`` except verdicts of the claims that are refuted on purpose
(``--expect-refuted``, default ``C2,C2-GENERAL``: Lemma 2.2 for an arbitrary generalized
inverse on rank-deficient problems), and the tests must pass.

What "caught" means
-------------------
*caught by check*: compared per (claim, problem) with the baseline, some verdict that was
``verified`` is now ``refuted`` or ``inconclusive`` (or missing), or some verdict that was
``refuted`` (on purpose) is now ``verified``; or the check crashed (no readable JSON report,
exit code 2 or above). Other differences (e.g. refuted → inconclusive) are recorded but do not
count. *caught by tests*: pytest exits non-zero. A run that exceeds its time limit
(``--check-timeout`` 600 s, ``--tests-timeout`` 900 s) is a ``timeout``: reported separately,
not counted as caught.

By default the check is stopped at the first verdict that catches the mutant (the progress
lines of ``symflow check`` on stderr are compared with the baseline as they appear; a survivor
always runs the whole catalogue); ``--no-early-stop`` runs every check to the end and records
the full verdict difference. pytest's ``-x`` likewise stops at the first failing test.

How to run
----------
Measure a pristine commit (recommended; the working tree may hold other people's edits)::

    git -C /work/main archive HEAD | tar -x -C /tmp/symflow-head   # (empty directory first)
    . /work/main/.venv/bin/activate
    python tools/mutants.py --repo /tmp/symflow-head --json tools/mutants-before.json \\
        --table tools/mutants-before.txt

Other useful forms::

    python tools/mutants.py --list                      # the mutants, nothing run
    python tools/mutants.py --validate                  # every snippet occurs exactly once?
    python tools/mutants.py --only fields-valpha-swap,l2-grad-doubled --check-only
    python tools/mutants.py --tests-only --jobs 2       # (2 mutants at a time)
    python tools/mutants.py --claims C1,C3 --problems cube-2-3-2-l2   # a restricted check
    python tools/mutants.py --json out.json --resume    # continue an interrupted run

``--repo`` defaults to the directory above this script; its files are listed with
``git ls-files`` (working-tree contents of the tracked files), or, if it is not a git checkout
(e.g. a ``git archive`` export), by walking it. ``--check-cmd`` / ``--tests-cmd`` replace the
commands (split like a shell; placeholders ``{python}``, ``{root}`` = the temporary copy,
``{json}`` = the path the check must write its JSON report to). Exit status: 0 when the run
completed (whatever the catch rates), 2 on a harness error (unreadable repository, a snippet
not found exactly once, a baseline not in the expected state).

How to add a mutant
-------------------
Append a :class:`Mutant` to :data:`MUTANTS`: a unique ``id``, the ``file`` (relative to the
repository), ``old`` — an exact snippet that must occur *exactly once* in that file (keep it to
one line or a few, including enough context to be unique; the harness refuses to run, and
``tests/test_mutants_harness.py`` fails, when a snippet stops matching, so mutants cannot rot
silently) — ``new``, a one-line ``description`` and a ``kind`` tag. When the code a mutant
targets is rewritten, update the snippet to the new code so that it injects the same bug.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

__all__ = ["Mutant", "MUTANTS", "SnippetError", "validate", "apply_mutant", "classify", "main"]


@dataclass(frozen=True)
class Mutant:
    id: str
    file: str
    old: str
    new: str
    description: str
    kind: str


M = Mutant
MUTANTS: list[Mutant] = [
    # ---- the interpolating field V_α ---------------------------------------------------------
    M("fields-valpha-swap", "symflow/core/fields.py",
      "    return -(D.T @ (g * (one - a) + (Gp @ g) * a))\n",
      "    return -(D.T @ (g * a + (Gp @ g) * (one - a)))\n",
      "parameter_field: V_α built with α and 1 − α swapped (0 < α < 1)", "alpha-swap"),
    M("fixedpoint-valpha-swap", "symflow/flows/fields/fixed_point.py",
      "u = [((one - a) * gi + a * hi) >> P for gi, hi in zip(g, h)]",
      "u = [(a * gi + (one - a) * hi) >> P for gi, hi in zip(g, h)]",
      "integrator (FixedPointField): V_α with α and 1 − α swapped", "alpha-swap"),
    # ---- (DDᵀ)⁻¹ dropped: adapted field becomes −Dᵀg ----------------------------------------
    M("fields-adapted-no-inverse", "symflow/core/fields.py",
      "        return -(_pinv(D, dps) @ g)\n",
      "        return -(D.T @ g)\n",
      "parameter_field: the adapted field −D⁺g computed as −Dᵀg", "drop-inverse"),
    M("compiled-adapted-no-inverse", "symflow/core/fields.py",
      "        elif a == 1:\n            u = self.ntk_solve(D, g)\n",
      "        elif a == 1:\n            u = g\n",
      "CompiledField (float64 / mpmath fast path): adapted field without G⁻¹", "drop-inverse"),
    M("fixedpoint-adapted-no-inverse", "symflow/flows/fields/fixed_point.py",
      "            if self.alpha == 1:\n                u = h\n",
      "            if self.alpha == 1:\n                u = g\n",
      "integrator (FixedPointField): adapted field −DᵀG⁻¹g integrated as −Dᵀg", "drop-inverse"),
    M("fixedpoint-line-no-inverse", "symflow/flows/fields/fixed_point.py",
      "        return dt(self._solve(gram(), w, P))\n",
      "        return dt(w)\n",
      "integrator: C6's dθ/dt = D⁺w integrated as Dᵀw (G⁻¹ dropped)", "drop-inverse"),
    # ---- backpropagation (Jacobian D) ---------------------------------------------------------
    M("jacobian-dsig-drop", "symflow/core/networks.py",
      "delta = list(map(mul, layers[l][0][q], dacts[l - 1]))",
      "delta = list(layers[l][0][q])",
      "symbolic/exact/ball D: σ'(z) dropped from the last hidden layer's δ", "backprop"),
    M("jacobian-weight-transposed", "symflow/core/networks.py",
      "delta = [mul(dot([Wi[k] for Wi in W], delta), dacts[l - 1][k])",
      "delta = [mul(dot(W[k], delta), dacts[l - 1][k])",
      "symbolic/exact/ball D: δ⁽ˡ⁻¹⁾ uses W instead of Wᵀ (deep networks)", "backprop"),
    M("fixedpoint-dsig-drop", "symflow/flows/fields/backprop.py",
      "cur = [(w * d) >> P for w, d in zip(Ws[L - 1][q], Dr[L - 2])]",
      "cur = list(Ws[L - 1][q])",
      "integrator (FixedPointField): σ'(z) dropped from the last hidden layer's δ", "backprop"),
    M("fixedpoint-tanh-deriv-sign", "symflow/flows/fields/forward.py",
      "            return a, [one - ((s * s) >> P) for s in a]\n",
      "            return a, [one + ((s * s) >> P) for s in a]\n",
      "integrator (FixedPointField, every kernel): tanh' = 1 + tanh² (sign error)", "backprop"),
    M("program-dsig-drop", "symflow/flows/fields/program.py",
      '                    w.emit(f"{v} = ({W[L - 1][q][i]}*{d}) >> {P}")\n',
      '                    w.emit(f"{v} = {W[L - 1][q][i]}")\n',
      "integrator (straight-line program): σ'(z) dropped from the last hidden layer's δ",
      "backprop"),
    M("program-ntk-no-bias", "symflow/flows/fields/program.py",
      '        self.consts["ONE"] = (1 << P) if f.bias else 0\n',
      '        self.consts["ONE"] = 0\n',
      "integrator (straight-line program): NTK G misses the bias terms of a·a' + 1", "ntk"),
    M("fixedpoint-ntk-no-bias", "symflow/flows/fields/gram.py",
      "        one = (1 << P) if self.bias else 0\n",
      "        one = 0\n",
      "integrator (FixedPointField): NTK G misses the bias terms (the +1 of a·a' + 1)", "ntk"),
    # ---- losses -------------------------------------------------------------------------------
    M("l2-grad-doubled", "symflow/core/losses.py",
      "        return [(xi - yi) * inv for xi, yi in zip(x, y)]\n",
      "        return [2 * (xi - yi) * inv for xi, yi in zip(x, y)]\n",
      "L2: ∇ₓC = 2(x − y)/N (doubled)", "loss-grad"),
    M("l2-grad-sign", "symflow/core/losses.py",
      "        return [(xi - yi) * inv for xi, yi in zip(x, y)]\n",
      "        return [(yi - xi) * inv for xi, yi in zip(x, y)]\n",
      "L2: ∇ₓC = (y − x)/N (sign flipped)", "loss-grad"),
    M("ce-grad-sign", "symflow/core/losses.py",
      "g += [(p[i] - y[j * Q + i]) * inv for i in range(Q)]",
      "g += [(y[j * Q + i] - p[i]) * inv for i in range(Q)]",
      "cross-entropy: ∇ₓC = (y − σ(x))/N (sign flipped)", "loss-grad"),
    M("ce-grad-no-1/N", "symflow/core/losses.py",
      "g += [(p[i] - y[j * Q + i]) * inv for i in range(Q)]",
      "g += [(p[i] - y[j * Q + i]) for i in range(Q)]",
      "cross-entropy: ∇ₓC = σ(x) − y (the 1/N missing)", "loss-grad"),
    # ---- linear algebra -----------------------------------------------------------------------
    M("projector-identity-exact", "symflow/backends/exact.py",
      "        return C @ (C.T @ C).inv() @ C.T\n",
      "        from .linalg import eye\n        return eye(self.level, m)\n",
      "projector, exact level: P = I instead of DD⁺", "projector"),
    M("projector-identity-mpmath", "symflow/backends/mpmath.py",
      "            return Ur @ Ur.T\n",
      "            from .linalg import eye\n            return eye(self.level, A.shape[0])\n",
      "projector, mpmath level: P = I instead of DD⁺", "projector"),
    M("pinv-transposed-exact", "symflow/backends/exact.py",
      "        return F.T @ (F @ F.T).inv() @ (C.T @ C).inv() @ C.T\n",
      "        return (F.T @ (F @ F.T).inv() @ (C.T @ C).inv() @ C.T).T\n",
      "pinv, exact level: returns (A⁺)ᵀ", "pinv"),
    M("pinv-mpmath-no-threshold", "symflow/backends/mpmath.py",
      "Sp[i, i] = 1 / s if s > thr else 0",
      "Sp[i, i] = 1 / s if s != 0 else 0",
      "pinv, mpmath level: tiny singular values inverted (no rank threshold)", "pinv"),
    # ---- the time change of C6 ----------------------------------------------------------------
    M("timechange-no-1/N", "symflow/core/timechange.py",
      "    ode = sp.Eq(X(s).diff(s), -(X(s) - y) / N)\n",
      "    ode = sp.Eq(X(s).diff(s), -(X(s) - y))\n",
      "time change derived from dx/ds = −(x − y): t = 1 − e^{−s} instead of 1 − e^{−s/N}",
      "time-change"),
    M("c7-xlin-no-1/N", "symflow/claims/trajectories.py",
      "lin = [b + mpmath.exp(-s / N) * (a - b) for a, b in zip(x0, y)]",
      "lin = [b + mpmath.exp(-s) * (a - b) for a, b in zip(x0, y)]",
      "C7/C10: x_lin(s) = y + e^{−s}(x(0) − y) (e^{−s/N} → e^{−s})", "time-change"),
    # ---- ODE engine -----------------------------------------------------------------------------
    M("ode-error-zero", "symflow/flows/engine.py",
      "e = float(d) / sc if sc > 0 else _BIG",
      "e = 0.0",
      "GBS engine: local error estimate always 0", "ode"),
    M("ode-always-accept", "symflow/flows/engine.py",
      "        if err <= 1 and j >= 3:\n",
      "        if j >= 3:\n",
      "GBS engine: a step is accepted at column 3 whatever its error", "ode"),
    # ---- integrator: rank monitor, confirmation -------------------------------------------------
    M("rank-monitor-off", "symflow/flows/run_mpmath.py",
      '        if self.stops and ratio < self.tol_ratio:\n',
      '        if False and self.stops and ratio < self.tol_ratio:\n',
      "integrator: the per-step rank monitor never reports rank loss", "rank-monitor"),
    M("confirm-same-precision", "symflow/flows/readers.py",
      '        return {"dps": dps_high, "arith": "mpmath"}, dps_high\n',
      '        return {"dps": traj.dps, "arith": "mpmath"}, dps_high\n',
      "Trajectory.confirm: 'higher precision' re-run at the same dps", "confirm"),
    # ---- judges made lenient ----------------------------------------------------------------------
    M("pointwise-judge-always-verified", "symflow/claims/judge.py",
      "def _judge(c: Cmp, c2: Cmp | None, level: Level, dps: int) -> _Judged:\n",
      "def _judge(c: Cmp, c2: Cmp | None, level: Level, dps: int) -> _Judged:\n"
      "    return _Judged(Status.VERIFIED, 0, 0)\n",
      "pointwise claims: _judge returns verified for every comparison", "judge"),
    M("pointwise-tol-1e10", "symflow/backends/tolerance.py",
      "        return mpmath.mpf(10) ** (GUARD - dps) * _scale_mpf(scale)\n",
      "        return mpmath.mpf(10) ** (GUARD - dps) * _scale_mpf(scale) * 10 ** 10\n",
      "pointwise tolerance rule (mpmath, and the ball rule's report): × 1e10", "judge-tolerance"),
    M("c2-ginverse-weakened", "symflow/claims/c02_general_rank.py",
      "    return [Gp, A2, A2 + W @ (I - G @ Gp)]\n",
      "    return [Gp, A2, A2]\n",
      "C2: the third generalized inverse A₃ (the counterexample) replaced by A₂", "judge"),
    M("flows-status-lenient", "symflow/claims/trajectories.py",
      "    if hypothesis:\n        return Status.INCONCLUSIVE, Reason.HYPOTHESIS, hypothesis\n",
      "    return Status.VERIFIED, None, \"\"\n",
      "trajectory claims: the judge always says verified", "judge"),
    M("c7-comparison-dropped", "symflow/claims/c07_rank_loss.py",
      '        r = max(_maxabs(_sub(a, b)) for a, b in zip(d["dev"], d["voc"])) / gap\n',
      "        r = 0 * gap\n",
      "C7: deviation vs variation-of-constants formula not compared (residual 0)", "judge"),
    M("c8-band-widened", "symflow/claims/c08_cross_entropy.py",
      "rate_r = max(mpf(0), lo - rate, rate - hi) / lo",
      "rate_r = max(mpf(0), lo / 10 - rate, rate - 10 * hi) / lo",
      "C8: decay-rate band [λ_min, λ_max] widened ×10 each way", "judge"),
    M("c10-search-cannot-fail", "symflow/claims/c10_hypotheses.py",
      "    size_ok = size > 0 and size == Fraction(cx.residual)\n",
      "    size_ok = True\n",
      "C10-SEARCH: the found case is not required to be rank-deficient with residual > 0",
      "judge"),
]
del M

DEFAULT_EXPECT_REFUTED = ("C2", "C2-GENERAL")
HARNESS_TEST = "tests/test_mutants_harness.py"

_CHECK_DRIVER = (
    "import os, sys\n"
    "root = os.path.realpath(sys.argv[1])\n"
    "sys.path.insert(0, root)\n"
    "import symflow\n"
    "f = os.path.realpath(symflow.__file__)\n"
    "print('mutants: symflow imported from ' + f, file=sys.stderr, flush=True)\n"
    "if not f.startswith(root + os.sep):\n"
    "    sys.exit(97)\n"
    "from symflow.cli import main\n"
    "raise SystemExit(main(sys.argv[2:]))\n")
_WRONG_IMPORT_RC = 97
_PROGRESS = re.compile(r"^\[(\d+)/(\d+)\] (\S+) (\S+): (verified|refuted|inconclusive) at ")
_SKIP_DIRS = {".git", ".venv", "venv", "__pycache__", ".hypothesis", ".pytest_cache",
              ".ipynb_checkpoints", "build", "dist"}


class SnippetError(Exception):
    """A mutant's snippet does not occur exactly once (the mutant has rotted)."""


class HarnessError(Exception):
    pass


# ---------------------------------------------------------------------------------------------
# repository copy and patching
# ---------------------------------------------------------------------------------------------

def repo_files(repo: Path) -> list[str]:
    """Tracked files (``git ls-files``) or, outside a git checkout, every file of the tree."""
    repo = Path(repo)
    if (repo / ".git").exists():
        out = subprocess.run(["git", "-C", str(repo), "ls-files", "-z"], capture_output=True,
                             check=False)
        if out.returncode == 0:
            return [f for f in out.stdout.decode().split("\0") if f]
    files = []
    for d, dirs, names in os.walk(repo):
        dirs[:] = sorted(x for x in dirs if x not in _SKIP_DIRS and not x.endswith(".egg-info"))
        for n in sorted(names):
            if n.endswith((".pyc", ".pyo")):
                continue
            files.append(os.path.relpath(os.path.join(d, n), repo))
    return files


def copy_repo(repo: Path, dest: Path, files: list[str] | None = None) -> None:
    for rel in files if files is not None else repo_files(repo):
        src = repo / rel
        if not src.is_file():  # tracked but deleted in the working tree
            continue
        dst = dest / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dst)


def _check_snippet(text: str, m: Mutant) -> None:
    n = text.count(m.old)
    if n != 1:
        raise SnippetError(f"mutant {m.id}: snippet occurs {n} times in {m.file} (must be "
                           f"exactly once); update the mutant: {m.old!r}")


def validate(repo: Path, mutants: list[Mutant] | None = None) -> list[str]:
    """Problems with the mutants against the source tree ``repo`` (empty list: all good)."""
    mutants = MUTANTS if mutants is None else mutants
    problems = []
    seen = set()
    for m in mutants:
        if m.id in seen:
            problems.append(f"duplicate mutant id {m.id}")
        seen.add(m.id)
        if m.old == m.new:
            problems.append(f"mutant {m.id}: replacement equals the snippet")
        path = Path(repo) / m.file
        if not path.is_file():
            problems.append(f"mutant {m.id}: file {m.file} not found")
            continue
        try:
            _check_snippet(path.read_text(encoding="utf-8"), m)
        except SnippetError as e:
            problems.append(str(e))
    return problems


def apply_mutant(root: Path, m: Mutant) -> None:
    path = Path(root) / m.file
    text = path.read_text(encoding="utf-8")
    _check_snippet(text, m)
    path.write_text(text.replace(m.old, m.new), encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# running commands
# ---------------------------------------------------------------------------------------------

def _env(root: Path) -> dict:
    env = dict(os.environ)
    old = env.get("PYTHONPATH")
    env["PYTHONPATH"] = str(root) + (os.pathsep + old if old else "")
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def _kill(proc: subprocess.Popen) -> None:
    """Kill the process group this harness started for ``proc`` (its own session)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _tail(path: Path, n: int = 15) -> list[str]:
    try:
        return path.read_text(encoding="utf-8", errors="replace").splitlines()[-n:]
    except OSError:
        return []


def _fmt(cmd: list[str], root: Path, json_path: Path) -> list[str]:
    return [a.replace("{python}", sys.executable).replace("{root}", str(root))
            .replace("{json}", str(json_path)) for a in cmd]


def check_command(args, early_stop: bool) -> list[str]:
    if args.check_cmd:
        return shlex.split(args.check_cmd)
    cmd = ["{python}", "-c", _CHECK_DRIVER, "{root}", "check", "--json", "{json}"]
    if not early_stop:
        cmd.append("--quiet")
    if args.claims:
        cmd += ["--claims", args.claims]
    if args.problems:
        cmd += ["--problems", args.problems]
    if args.dps:
        cmd += ["--dps", str(args.dps)]
    return cmd


def tests_command(args) -> list[str]:
    if args.tests_cmd:
        return shlex.split(args.tests_cmd)
    return ["{python}", "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider",
            "--hypothesis-seed=0", f"--ignore={HARNESS_TEST}"]


def _status(v: dict) -> str:
    """A verdict's status, or "failed" when the report marks it failed although its status is
    the expected one (a documented counterexample whose own comparison passed)."""
    if v.get("broken_counterexample") or (v.get("failed") and v["status"] == v.get("expected")):
        return "failed"
    return v["status"]


def read_verdicts(json_path: Path) -> dict[tuple[str, str], str] | None:
    """(claim, problem) → status from a ``symflow check --json`` report (None if unreadable)."""
    try:
        doc = json.loads(json_path.read_text(encoding="utf-8"))
        return {(v["claim"], v["problem"]): _status(v) for v in doc["verdicts"]}
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _first_bad_evidence(json_path: Path, key) -> str | None:
    try:
        doc = json.loads(json_path.read_text(encoding="utf-8"))
        for v in doc["verdicts"]:
            if (v["claim"], v["problem"]) == tuple(key):
                for e in v.get("evidence", []):
                    if e.get("status") != "verified":
                        return str(e.get("what", ""))[:200]
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return None


def catches(base: str | None, new: str | None) -> bool:
    """Does a change of one verdict from ``base`` to ``new`` signal a problem?"""
    if base is None:
        return False  # a pair the baseline did not have: not a signal by itself
    if new is None or new == "failed":
        return True   # a verdict went missing, or the report marks it failed
    if base == "verified":
        return new != "verified"
    if base == "refuted":
        return new == "verified"
    return False


def classify(base: dict, mut: dict) -> tuple[bool, list[str], list[str]]:
    """(caught, signals, other changes) of a mutant's verdicts against the baseline's."""
    signals, other = [], []
    for key in base:
        b, n = base[key], mut.get(key)
        if b == n:
            continue
        text = f"{key[0]} {key[1]}: {b} → {n or 'missing'}"
        (signals if catches(b, n) else other).append(text)
    for key in mut:
        if key not in base:
            other.append(f"{key[0]} {key[1]}: new verdict {mut[key]}")
    return bool(signals), signals, other


def run_check(args, root: Path, workdir: Path, base: dict | None, early_stop: bool) -> dict:
    """Run the check command in ``root``; with ``base`` and ``early_stop``, stop at the first
    progress line whose verdict catches the mutant."""
    json_path = workdir / "check.json"
    out_path, err_path = workdir / "check.stdout", workdir / "check.stderr"
    cmd = _fmt(check_command(args, early_stop), root, json_path)
    tic = time.perf_counter()
    res = {"seconds": None, "rc": None, "timeout": False, "early_stop": None}
    with open(out_path, "wb") as out, open(err_path, "w", encoding="utf-8") as err:
        proc = subprocess.Popen(cmd, cwd=root, env=_env(root), stdout=out,
                                stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                                start_new_session=True, text=True, encoding="utf-8",
                                errors="replace")
        flags = {"timeout": False}

        def on_timeout():
            flags["timeout"] = True
            _kill(proc)

        timer = threading.Timer(args.check_timeout, on_timeout)
        timer.start()
        try:
            for line in proc.stderr:
                err.write(line)
                if base is None or not early_stop:
                    continue
                mt = _PROGRESS.match(line)
                if mt:
                    key = (mt.group(3), mt.group(4))
                    if key in base and catches(base[key], mt.group(5)):
                        res["early_stop"] = f"{key[0]} {key[1]}: {base[key]} → {mt.group(5)}"
                        _kill(proc)
                        break
            proc.wait()
        finally:
            timer.cancel()
            if proc.poll() is None:
                _kill(proc)
                proc.wait()
    res["seconds"] = round(time.perf_counter() - tic, 1)
    res["rc"] = proc.returncode
    res["timeout"] = flags["timeout"]
    if proc.returncode == _WRONG_IMPORT_RC:
        raise HarnessError(f"the check imported symflow from outside the copy {root}: "
                           + " | ".join(_tail(err_path, 3)))
    res["verdicts"] = None if res["early_stop"] else read_verdicts(json_path)
    res["json_path"] = str(json_path)
    res["stderr_tail"] = _tail(err_path)
    res["stdout_tail"] = _tail(out_path, 5)
    return res


def run_tests(args, root: Path, workdir: Path) -> dict:
    out_path = workdir / "tests.out"
    cmd = _fmt(tests_command(args), root, workdir / "unused.json")
    tic = time.perf_counter()
    timeout = False
    with open(out_path, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=root, env=_env(root), stdout=out,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)
        try:
            proc.wait(timeout=args.tests_timeout)
        except subprocess.TimeoutExpired:
            timeout = True
            _kill(proc)
            proc.wait()
    lines = _tail(out_path, 400)
    failed = [ln for ln in lines if ln.startswith(("FAILED", "ERROR"))]
    return {"seconds": round(time.perf_counter() - tic, 1), "rc": proc.returncode,
            "timeout": timeout, "first_failure": failed[0][:300] if failed else None,
            "tail": lines[-8:]}


def imported_from(root: Path) -> str:
    """``symflow.__file__`` as seen by a subprocess with the environment of the runs."""
    out = subprocess.run([sys.executable, "-c", "import symflow; print(symflow.__file__)"],
                         cwd=root, env=_env(root), capture_output=True, text=True, timeout=300)
    return out.stdout.strip() or out.stderr.strip()[-300:]


# ---------------------------------------------------------------------------------------------
# baseline and mutants
# ---------------------------------------------------------------------------------------------

def run_baseline(args, files, scratch: Path) -> dict:
    root = scratch / "baseline"
    root.mkdir()
    copy_repo(args.repo, root, files)
    where = imported_from(root)
    print(f"baseline: symflow imported from {where}", flush=True)
    if not os.path.realpath(where).startswith(os.path.realpath(root) + os.sep):
        raise HarnessError(f"symflow is imported from {where}, not from the copy {root}")
    out: dict = {"imported_from": where}
    if not args.tests_only:
        print("baseline: running the check …", flush=True)
        bwork = scratch / "baseline-work"
        bwork.mkdir()
        chk = run_check(args, root, bwork, None, early_stop=False)
        v = chk["verdicts"]
        bad = []
        if chk["timeout"]:
            bad.append(f"the check timed out after {args.check_timeout} s")
        elif v is None:
            bad.append(f"no readable JSON report (exit {chk['rc']}): "
                       + " | ".join(chk["stderr_tail"][-5:]))
        else:
            if chk["rc"] not in (0, 1):
                bad.append(f"the check exited {chk['rc']}")
            for (cid, prob), st in sorted(v.items()):
                if st == "verified":
                    continue
                if st == "refuted" and cid in args.expect_refuted:
                    continue
                bad.append(f"{cid} {prob} is {st}")
        if bad:
            raise HarnessError("the baseline check is not in the expected state (all verified "
                               f"except refuted {sorted(args.expect_refuted)}): "
                               + "; ".join(bad))
        n_ref = sum(1 for s in v.values() if s == "refuted")
        print(f"baseline: {len(v)} verdicts, {n_ref} refuted on purpose, exit {chk['rc']}, "
              f"{chk['seconds']} s", flush=True)
        out["check"] = {k: chk[k] for k in ("seconds", "rc")}
        out["verdicts"] = {f"{a}|{b}": s for (a, b), s in sorted(v.items())}
    if not args.check_only:
        print("baseline: running the tests …", flush=True)
        tst = run_tests(args, root, scratch)
        if tst["timeout"] or tst["rc"] != 0:
            raise HarnessError(f"the baseline tests do not pass (exit {tst['rc']}, timeout "
                               f"{tst['timeout']}): {tst['first_failure']} | "
                               + " | ".join(tst["tail"][-4:]))
        print(f"baseline: tests pass, {tst['seconds']} s", flush=True)
        out["tests"] = {k: tst[k] for k in ("seconds", "rc")}
    shutil.rmtree(root, ignore_errors=True)
    return out


def _verdict_map(d: dict) -> dict:
    return {tuple(k.split("|", 1)): s for k, s in d.items()}


def run_mutant(args, m: Mutant, files, scratch: Path, base_verdicts: dict | None) -> dict:
    work = Path(tempfile.mkdtemp(prefix=f"m-{re.sub(r'[^A-Za-z0-9_.-]', '_', m.id)}-",
                                 dir=scratch))
    root = work / "repo"
    root.mkdir()
    copy_repo(args.repo, root, files)
    apply_mutant(root, m)
    rec = {"id": m.id, "kind": m.kind, "file": m.file, "description": m.description,
           "old": m.old, "new": m.new}
    early = not args.no_early_stop
    if not args.tests_only:
        chk = run_check(args, root, work, base_verdicts, early_stop=early)
        r = {"seconds": chk["seconds"], "rc": chk["rc"]}
        if chk["timeout"]:
            r["result"] = "timeout"
        elif chk["early_stop"]:
            r.update(result="caught", signals=[chk["early_stop"]], early_stop=True)
            r["evidence"] = None
        elif chk["verdicts"] is None or (chk["rc"] is not None and chk["rc"] >= 2) \
                or (chk["rc"] is not None and chk["rc"] < 0):
            r.update(result="caught", signals=[f"crash: exit {chk['rc']}, no usable report"],
                     stderr_tail=chk["stderr_tail"][-6:])
        else:
            caught, signals, other = classify(base_verdicts, chk["verdicts"])
            r.update(result="caught" if caught else "survived", signals=signals[:20],
                     n_signals=len(signals), other_changes=other[:20])
            if signals:
                k = signals[0].split(":")[0].split(" ", 1)
                r["evidence"] = _first_bad_evidence(Path(chk["json_path"]), k)
        rec["check"] = r
    if not args.check_only:
        tst = run_tests(args, root, work)
        r = {"seconds": tst["seconds"], "rc": tst["rc"]}
        if tst["timeout"]:
            r["result"] = "timeout"
        else:
            r["result"] = "caught" if tst["rc"] != 0 else "survived"
            r["first_failure"] = tst["first_failure"]
            if tst["rc"] != 0 and not tst["first_failure"]:
                r["tail"] = tst["tail"][-4:]
        rec["tests"] = r
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return rec


# ---------------------------------------------------------------------------------------------
# reporting
# ---------------------------------------------------------------------------------------------

def _rate(recs, part):
    run = [r for r in recs if part in r]
    caught = sum(1 for r in run if r[part]["result"] == "caught")
    timeouts = [r["id"] for r in run if r[part]["result"] == "timeout"]
    return caught, len(run), timeouts


def table(recs: list[dict]) -> str:
    def cell(r, part):
        if part not in r:
            return "—"
        return {"caught": "CAUGHT", "survived": "survived", "timeout": "TIMEOUT"}[r[part]["result"]]

    def secs(r, part):
        return f"{r[part]['seconds']:.0f}" if part in r else "—"

    w = max([len(r["id"]) for r in recs] + [2])
    wk = max([len(r["kind"]) for r in recs] + [4])
    lines = [f"{'id':{w}s}  {'kind':{wk}s}  {'check':8s} {'tests':8s} {'chk s':>6s} {'tst s':>6s}"
             f"  first signal (check) / first failing test"]
    for r in recs:
        sig = ""
        if "check" in r and r["check"].get("signals"):
            sig = r["check"]["signals"][0]
        if "tests" in r and r["tests"].get("first_failure"):
            ff = r["tests"]["first_failure"].split(" - ")[0]
            sig = f"{sig} / {ff}" if sig else f"— / {ff}"
        lines.append(f"{r['id']:{w}s}  {r['kind']:{wk}s}  {cell(r, 'check'):8s} "
                     f"{cell(r, 'tests'):8s} {secs(r, 'check'):>6s} {secs(r, 'tests'):>6s}  {sig}")
    lines.append("")
    for part, name in (("check", "symflow check"), ("tests", "tests")):
        c, n, to = _rate(recs, part)
        if n:
            lines.append(f"caught by {name}: {c}/{n}" + (f" (timeouts: {', '.join(to)})"
                                                          if to else ""))
    both = [r["id"] for r in recs if all(r.get(p, {}).get("result") == "survived"
                                         for p in ("check", "tests") if p in r)
            and any(p in r for p in ("check", "tests"))]
    if both:
        lines.append("survived everything run: " + ", ".join(both))
    return "\n".join(lines)


def _write_json(path, doc):
    tmp = f"{path}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=2, ensure_ascii=False)
        f.write("\n")
    os.replace(tmp, path)


# ---------------------------------------------------------------------------------------------
# main
# ---------------------------------------------------------------------------------------------

def _parser() -> argparse.ArgumentParser:
    here = Path(__file__).resolve().parent.parent
    p = argparse.ArgumentParser(description="mutation run for symflow (see the module docstring)")
    p.add_argument("--repo", type=Path, default=here, help=f"repository to copy (default {here})")
    p.add_argument("--only", default=None, help="comma-separated mutant ids")
    p.add_argument("--list", action="store_true", help="list the mutants and exit")
    p.add_argument("--validate", action="store_true",
                   help="check that every snippet occurs exactly once, and exit")
    p.add_argument("--check-cmd", default=None,
                   help="check command (placeholders {python} {root} {json}); must write the "
                        "JSON report of symflow check to {json}")
    p.add_argument("--tests-cmd", default=None, help="test command (placeholders {python} {root})")
    p.add_argument("--claims", default=None, help="passed to symflow check --claims")
    p.add_argument("--problems", default=None, help="passed to symflow check --problems")
    p.add_argument("--dps", type=int, default=None, help="passed to symflow check --dps")
    p.add_argument("--check-only", action="store_true")
    p.add_argument("--tests-only", action="store_true")
    p.add_argument("--jobs", type=int, default=1, help="mutants run at the same time (default 1)")
    p.add_argument("--check-timeout", type=float, default=600.0)
    p.add_argument("--tests-timeout", type=float, default=900.0)
    p.add_argument("--no-early-stop", action="store_true",
                   help="run every check to the end (default: stop at the first catching verdict)")
    p.add_argument("--expect-refuted", default=",".join(DEFAULT_EXPECT_REFUTED),
                   help="claims refuted on purpose in the baseline (default C2,C2-GENERAL)")
    p.add_argument("--json", default=None, metavar="OUT", help="write the results as JSON "
                   "(rewritten after every mutant)")
    p.add_argument("--table", default=None, metavar="OUT", help="write the text table")
    p.add_argument("--resume", action="store_true",
                   help="reuse the baseline and the unchanged mutants' results from --json OUT")
    p.add_argument("--keep", action="store_true", help="keep the temporary copies")
    return p


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    args.repo = args.repo.resolve()
    args.expect_refuted = {c.strip() for c in args.expect_refuted.split(",") if c.strip()}
    if args.check_only and args.tests_only:
        print("mutants: --check-only and --tests-only exclude each other", file=sys.stderr)
        return 2
    mutants = MUTANTS
    if args.only:
        ids = [i.strip() for i in args.only.split(",") if i.strip()]
        known = {m.id: m for m in MUTANTS}
        unknown = [i for i in ids if i not in known]
        if unknown:
            print(f"mutants: unknown ids {unknown}; see --list", file=sys.stderr)
            return 2
        mutants = [known[i] for i in ids]
    if args.list:
        for m in mutants:
            print(f"{m.id:34s} {m.kind:16s} {m.file:30s} {m.description}")
        print(f"{len(mutants)} mutants")
        return 0
    problems = validate(args.repo, mutants)
    if problems:
        print("mutants: the mutants do not match the source tree "
              f"{args.repo} — fix them before measuring:", file=sys.stderr)
        for pr in problems:
            print(f"  {pr}", file=sys.stderr)
        return 2
    if args.validate:
        print(f"{len(mutants)} mutants: every snippet occurs exactly once in {args.repo}")
        return 0
    try:
        files = repo_files(args.repo)
    except OSError as e:
        print(f"mutants: cannot list {args.repo}: {e}", file=sys.stderr)
        return 2
    if not files:
        print(f"mutants: no files in {args.repo}", file=sys.stderr)
        return 2

    t_start = time.perf_counter()
    doc = {"repo": str(args.repo), "python": sys.executable,
           "check_cmd": check_command(args, not args.no_early_stop),
           "tests_cmd": tests_command(args), "early_stop": not args.no_early_stop,
           "expect_refuted": sorted(args.expect_refuted), "started": time.strftime("%Y-%m-%d %H:%M:%S"),
           "baseline": None, "mutants": []}
    previous: dict = {}
    if args.resume and args.json and os.path.exists(args.json):
        with open(args.json, encoding="utf-8") as f:
            old = json.load(f)
        doc["baseline"] = old.get("baseline")
        for r in old.get("mutants", []):
            previous[r["id"]] = r
    scratch = Path(tempfile.mkdtemp(prefix="symflow-mutants-"))
    try:
        try:
            need = (("verdicts" in (doc["baseline"] or {})) or args.tests_only) and \
                   (("tests" in (doc["baseline"] or {})) or args.check_only)
            if not need:
                tic = time.perf_counter()
                doc["baseline"] = run_baseline(args, files, scratch)
                doc["baseline"]["wall_seconds"] = round(time.perf_counter() - tic, 1)
            base_v = _verdict_map(doc["baseline"]["verdicts"]) \
                if "verdicts" in doc["baseline"] else None
        except HarnessError as e:
            print(f"mutants: {e}", file=sys.stderr)
            return 2
        results: dict[str, dict] = {}
        todo = []
        for m in mutants:
            p = previous.get(m.id)
            if p and p.get("old") == m.old and p.get("new") == m.new and \
                    (args.tests_only or "check" in p) and (args.check_only or "tests" in p):
                results[m.id] = p
            else:
                todo.append(m)
        lock = threading.Lock()

        def done(rec):
            with lock:
                results[rec["id"]] = rec
                c = rec.get("check", {}).get("result", "—")
                t = rec.get("tests", {}).get("result", "—")
                print(f"[{len(results)}/{len(mutants)}] {rec['id']}: check {c}, tests {t} "
                      f"({rec.get('check', {}).get('seconds', 0)} s + "
                      f"{rec.get('tests', {}).get('seconds', 0)} s)", flush=True)
                doc["mutants"] = [results[m.id] for m in mutants if m.id in results]
                if args.json:
                    _write_json(args.json, doc)

        try:
            with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as ex:
                futs = [ex.submit(run_mutant, args, m, files, scratch, base_v) for m in todo]
                for fut in concurrent.futures.as_completed(futs):
                    done(fut.result())
        except (HarnessError, SnippetError) as e:
            print(f"mutants: {e}", file=sys.stderr)
            return 2
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    doc["mutants"] = [results[m.id] for m in mutants]
    doc["wall_seconds"] = round(time.perf_counter() - t_start, 1)
    summary = {}
    for part in ("check", "tests"):
        c, n, to = _rate(doc["mutants"], part)
        if n:
            summary[part] = {"caught": c, "run": n, "timeouts": to}
    doc["summary"] = summary
    text = table(doc["mutants"])
    text += f"\nwall time {doc['wall_seconds']:.0f} s (this invocation)"
    print(text)
    if args.json:
        _write_json(args.json, doc)
    if args.table:
        Path(args.table).write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
