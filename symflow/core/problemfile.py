"""Problem files: a network, exact data, a loss and a starting point, in a small TOML format.

``symflow check --problem FILE`` and :func:`load_problem_file` read them (TOML 1.0 through
:mod:`tomllib`). The format, every key but those marked *required* optional::

    name = "skip-tanh"            # default: the file name without .toml
    description = "…"             # free text, shown in reports
    tags = ["mine"]               # extra tags (l2, ce, rational, transcendental, full_rank,
                                  # rank_deficient, K<QN are decided by symflow, not given)
    loss = "l2"                   # required: "l2" or "ce" (cross-entropy; "cross_entropy" too)

    [network]                     # required; either an MLP …
    kind = "mlp"
    widths = [2, 3, 1]            # [M, hidden…, Q]
    activation = "tanh"           # a built-in activation (symflow list; sf.ACTIVATIONS)
    bias = true                   # default true

    # … or formulas (kind = "expressions"):
    # kind = "expressions"
    # inputs = ["u1", "u2"]       # names of the M input components
    # params = ["a", "b", "c", "d"]   # names of the K parameters, in θ order
    # outputs = ["a*tanh(b*u1 + c*u2) + d*u1"]   # Q formulas (symflow.core.parsing)

    [data]                        # required
    inputs = [["1/2", "1"], ["-1", "1/3"]]   # N rows of M exact numbers
    targets = [["1"], ["0"]]                 # N rows of Q exact numbers

    [start]                       # optional: θ₀, either …
    theta0 = ["1/2", "-1", "0.25"]           # … K exact numbers, or
    # seed = 3                    # … a seeded random rational point (default: seed = 0)

**Numbers are exact.** Strings ``"p/q"``, ``"0.125"``, ``"1e-3"``, integers, and TOML decimals
(``0.1`` is read as the decimal 1/10 from its text, never through a binary float) all become
rationals through :func:`symflow.numbers.to_rational`. ``inf``/``nan`` and booleans are refused.

**Formulas** are parsed by :func:`symflow.core.parsing.parse_expression` (a whitelist walk over
Python's syntax tree: numbers, the declared names, ``+ - * / **``, and exp, log, tanh, sin, cos,
sinh, cosh, atan, sqrt, relu, sigmoid); they are never evaluated. A network of formulas is built
by ``symflow.core.models.model(outputs, params=…, inputs=…, name=…)``.

**Errors.** Every problem raises :class:`ProblemFileError` (a
:class:`~symflow.errors.DataError`) whose message starts with the file and names the key and the
value: ``examples/x.toml: network.widths[1] = 0: …``; unknown keys are refused by name (a typo
is not silently ignored). Files above ``MAX_FILE_BYTES`` (1 MB) are refused unread.

The entry returned is a :class:`~symflow.core.problems.CatalogueEntry` made by
:func:`~symflow.core.problems.entry_for`: its tags decided from the problem and from rank D at
θ₀, ``entry.source`` the file's path.
"""

from __future__ import annotations

import decimal
import os
import tomllib
from pathlib import Path
from typing import Any

import sympy as sp

from ..errors import DataError, SymflowError
from ..numbers import short_repr, to_rational_list, to_rational_matrix
from .activations import ACTIVATIONS
from .losses import get_loss
from .networks import mlp
from .parsing import check_symbol_name, parse_expression
from .problem import MAX_SAMPLES, Problem
from .problems import CatalogueEntry, entry_for

__all__ = ["ProblemFileError", "load_problem_file", "loads_problem", "MAX_FILE_BYTES",
           "LOSS_NAMES"]

MAX_FILE_BYTES = 1_000_000
"""Largest problem file read."""

#: The ``loss`` values of a problem file and the loss each names.
LOSS_NAMES = {"l2": "l2", "ce": "cross_entropy", "cross_entropy": "cross_entropy"}

_TOP = ("name", "description", "tags", "loss", "network", "data", "start")
_NETWORK = {"mlp": ("kind", "widths", "activation", "bias"),
            "expressions": ("kind", "inputs", "params", "outputs")}
_DATA = ("inputs", "targets")
_START = ("theta0", "seed")
_MAX_SYMBOLS = 10_000


class ProblemFileError(DataError):
    """A problem file that cannot be read or is not valid: the message starts with the file and
    names the key and the value. Attributes: ``path``, ``key`` (dotted, e.g.
    ``"network.widths[1]"``; None for the file as a whole) and ``value``."""

    def __init__(self, message: str, value: Any = None, path: str = "",
                 key: "str | None" = None) -> None:
        super().__init__(message, value)
        self.path = path
        self.key = key


class _File:
    """Reading one parsed TOML document, with errors naming the file, the key and the value."""

    def __init__(self, source: str) -> None:
        self.source = source

    def error(self, key: "str | None", message: str, value: Any = None) -> ProblemFileError:
        where = f"{self.source}: {key}: " if key else f"{self.source}: "
        return ProblemFileError(where + message, value, self.source, key)

    def bad(self, key: str, value: Any, expected: str) -> ProblemFileError:
        return self.error(key, f"{short_repr(_plain(value))} ({_toml_type(value)}) must be "
                               f"{expected}", value)

    def table(self, doc: dict, key: str, allowed: tuple, required: bool = True) -> dict:
        value = doc.get(key.rsplit(".", 1)[-1])
        if value is None:
            if required:
                raise self.error(key, f"missing: the file needs a [{key}] table")
            return {}
        if not isinstance(value, dict):
            raise self.bad(key, value, "a table ([" + key + "])")
        self.known(value, key, allowed)
        return value

    def known(self, table: dict, prefix: str, allowed: tuple) -> None:
        for k in table:
            if k not in allowed:
                full = f"{prefix}.{k}" if prefix else k
                where = f"of [{prefix}] " if prefix else "at the top level "
                raise self.error(full, f"unknown key {k!r}; the keys {where}are "
                                 f"{', '.join(allowed)}", k)

    def string(self, table: dict, key: str, name: str, default: Any = None,
               max_len: int = 2000) -> Any:
        value = table.get(key.rsplit(".", 1)[-1], default)
        if value is default:
            return default
        if not isinstance(value, str):
            raise self.bad(name, value, "a string")
        if len(value) > max_len:
            raise self.error(name, f"{short_repr(value)} is longer than {max_len} characters",
                             value)
        return value

    def str_list(self, value: Any, key: str, max_len: int) -> list[str]:
        if not isinstance(value, list):
            raise self.bad(key, value, "a list of strings")
        if not value:
            raise self.error(key, "must not be empty", value)
        if len(value) > max_len:
            raise self.error(key, f"has {len(value)} entries, more than the cap of {max_len}",
                             len(value))
        for i, v in enumerate(value):
            if not isinstance(v, str):
                raise self.bad(f"{key}[{i}]", v, "a string")
        return value


def _plain(value: Any) -> Any:
    """A TOML value as the user wrote it, for messages (decimals back to their text)."""
    if isinstance(value, decimal.Decimal):
        return _Text(str(value))
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


class _Text(str):
    def __repr__(self) -> str:
        return str(self)


def _toml_type(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, decimal.Decimal):
        return "a decimal"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return f"a {type(value).__name__}"


def _int(f: _File, value: Any, key: str, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise f.bad(key, value, f"an integer in [{lo}, {hi}]")
    if not lo <= value <= hi:
        raise f.error(key, f"{short_repr(value)} must lie in [{lo}, {hi}]", value)
    return value


def _mlp_network(f: _File, net: dict):
    if "widths" not in net:
        raise f.error("network.widths", "missing: kind = 'mlp' needs widths = [M, …, Q]")
    widths = net["widths"]
    if not isinstance(widths, list) or not widths:
        raise f.bad("network.widths", widths, "a list of positive integers [M, hidden…, Q]")
    from .networks import MAX_LAYERS, MAX_WIDTH
    if len(widths) - 1 > MAX_LAYERS:
        raise f.error("network.widths", f"{len(widths) - 1} layers exceed the cap of "
                      f"{MAX_LAYERS}", len(widths))
    for i, w in enumerate(widths):
        _int(f, w, f"network.widths[{i}]", 1, MAX_WIDTH)
    activation = f.string(net, "activation", "network.activation")
    if activation is None:
        raise f.error("network.activation", "missing: kind = 'mlp' needs an activation, e.g. "
                      "activation = \"tanh\"")
    if activation not in ACTIVATIONS:
        raise f.error("network.activation", f"{activation!r} is not a built-in activation; "
                      f"choose one of {', '.join(sorted(ACTIVATIONS))}, or write the network "
                      f"as formulas (kind = \"expressions\")", activation)
    bias = net.get("bias", True)
    if not isinstance(bias, bool):
        raise f.bad("network.bias", bias, "true or false")
    try:
        return mlp(widths, activation, bias)
    except SymflowError as exc:
        raise f.error("network.widths", str(exc), getattr(exc, "value", None)) from exc


def _names(f: _File, net: dict, key: str) -> list[str]:
    if key not in net:
        raise f.error(f"network.{key}", f"missing: kind = 'expressions' needs {key} = "
                      f"[names…]")
    names = f.str_list(net[key], f"network.{key}", _MAX_SYMBOLS)
    seen: set = set()
    for i, n in enumerate(names):
        try:
            check_symbol_name(n, "name")
        except DataError as exc:
            raise f.error(f"network.{key}[{i}]", str(exc).removeprefix("name: "), n) from None
        if n in seen:
            raise f.error(f"network.{key}[{i}]", f"{n!r} is listed twice", n)
        seen.add(n)
    return names


def _expression_network(f: _File, net: dict, name: str):
    inputs = _names(f, net, "inputs")
    params = _names(f, net, "params")
    for i, n in enumerate(params):
        if n in inputs:
            raise f.error(f"network.params[{i}]", f"{n!r} is also an input name", n)
    if "outputs" not in net:
        raise f.error("network.outputs", "missing: kind = 'expressions' needs outputs = "
                      "[formulas…] (one per output component)")
    texts = f.str_list(net["outputs"], "network.outputs", 10_000)
    syms = {n: sp.Symbol(n, real=True) for n in [*inputs, *params]}
    outputs = []
    for i, text in enumerate(texts):
        try:
            outputs.append(parse_expression(text, syms))
        except DataError as exc:
            raise f.error(f"network.outputs[{i}]", str(exc), exc.value) from None
    try:
        from .models import model
    except ImportError as exc:
        raise f.error("network.kind", "kind = 'expressions' needs symflow.core.models, which "
                      "this installation does not have", "expressions") from exc
    try:
        return model(outputs, params=[syms[n] for n in params],
                     inputs=[syms[n] for n in inputs], name=name)
    except SymflowError as exc:
        raise f.error("network", str(exc), getattr(exc, "value", None)) from exc


def _network(f: _File, doc: dict, name: str):
    net = doc.get("network")
    if net is None:
        raise f.error("network", "missing: the file needs a [network] table (kind = \"mlp\" or "
                      "\"expressions\")")
    if not isinstance(net, dict):
        raise f.bad("network", net, "a table ([network])")
    kind = net.get("kind")
    if kind not in _NETWORK:
        if kind is None:
            raise f.error("network.kind", "missing: give kind = \"mlp\" or "
                          "kind = \"expressions\"")
        raise f.error("network.kind", f"{short_repr(_plain(kind))} is not a kind of network; "
                      f"use \"mlp\" or \"expressions\"", kind)
    f.known(net, "network", _NETWORK[kind])
    return _mlp_network(f, net) if kind == "mlp" else _expression_network(f, net, name)


def _rows(f: _File, data: dict, key: str, ncols: int, nrows: "int | None"):
    if key not in data:
        raise f.error(f"data.{key}", f"missing: [data] needs {key} = [[…], …]")
    try:
        return to_rational_matrix(data[key], f"data.{key}", ncols=ncols, nrows=nrows,
                                  max_rows=MAX_SAMPLES)
    except DataError as exc:
        msg = str(exc)
        sub = msg.split(":", 1)[0] if msg.startswith(f"data.{key}") else f"data.{key}"
        raise f.error(sub, msg[len(sub) + 2:] if msg.startswith(sub + ": ") else msg,
                      _plain(exc.value)) from None


def _start(f: _File, doc: dict, K: int) -> tuple[Any, Any]:
    start = f.table(doc, "start", _START, required=False)
    if "theta0" in start and "seed" in start:
        raise f.error("start", "give theta0 or seed, not both", sorted(start))
    if "theta0" in start:
        th = start["theta0"]
        if not isinstance(th, list):
            raise f.bad("start.theta0", th, f"a list of K = {K} exact numbers")
        if len(th) != K:
            raise f.error("start.theta0", f"has {len(th)} numbers but the network has K = {K} "
                          f"parameters", len(th))
        try:
            return to_rational_list(th, "start.theta0", length=K), 0
        except DataError as exc:
            msg = str(exc)
            sub = msg.split(":", 1)[0]
            raise f.error(sub, msg[len(sub) + 2:], _plain(exc.value)) from None
    seed = start.get("seed", 0)
    return None, _int(f, seed, "start.seed", 0, 2 ** 63 - 1)


def _exact_decimal(text: str) -> decimal.Decimal:
    """TOML floats as exact decimals of their text (``0.1`` → Decimal('0.1'), not a float)."""
    return decimal.Decimal(text.replace("_", ""))


def loads_problem(text: str, *, source: str = "<string>", default_name: str = "problem",
                  dps: int = 30) -> CatalogueEntry:
    """The entry a problem file's text describes (see the module docstring); ``source`` names
    it in messages and becomes ``entry.source``; ``default_name`` is used without ``name``."""
    f = _File(source)
    try:
        doc = tomllib.loads(text, parse_float=_exact_decimal)
    except tomllib.TOMLDecodeError as exc:
        raise f.error(None, f"not valid TOML: {exc}") from None
    except decimal.InvalidOperation as exc:  # pragma: no cover - TOML floats are decimals
        raise f.error(None, f"a number is not a decimal: {exc}") from None
    f.known(doc, "", _TOP)
    name = f.string(doc, "name", "name", default_name, max_len=200)
    if not name.strip() or "\n" in name:
        raise f.error("name", f"{name!r} must be a non-empty one-line string", name)
    description = f.string(doc, "description", "description", "")
    tags = doc.get("tags", [])
    if not isinstance(tags, list):
        raise f.bad("tags", tags, "a list of strings")
    if "loss" not in doc:
        raise f.error("loss", "missing: give loss = \"l2\" or loss = \"ce\"")
    loss = doc["loss"]
    if not isinstance(loss, str) or loss.lower() not in LOSS_NAMES:
        raise f.error("loss", f"{short_repr(_plain(loss))} is not a loss; use \"l2\" or \"ce\" "
                      f"(cross-entropy)", loss)
    network = _network(f, doc, name)
    data = f.table(doc, "data", _DATA)
    inputs = _rows(f, data, "inputs", network.input_dim, None)
    targets = _rows(f, data, "targets", network.output_dim, len(inputs))
    theta0, seed = _start(f, doc, network.num_params)
    try:
        problem = Problem(network, inputs, targets, get_loss(LOSS_NAMES[loss.lower()]),
                          name=name)
    except DataError as exc:
        raise f.error("data.targets" if "target" in str(exc) or "label" in str(exc).lower()
                      else "data", str(exc), getattr(exc, "value", None)) from exc
    try:
        return entry_for(problem, theta0, name=name, tags=tags, description=description,
                         seed=seed, source=source, dps=dps)
    except DataError as exc:   # a tag (tags[i] = …: …) or θ₀ / the rank at θ₀
        msg = str(exc)
        key, sep, rest = msg.partition(" = ")
        if msg.startswith("tags[") and sep:
            raise f.error(key, rest, getattr(exc, "value", None)) from exc
        raise f.error("start", msg, getattr(exc, "value", None)) from exc


def load_problem_file(path: "str | os.PathLike", *, dps: int = 30) -> CatalogueEntry:
    """Read a problem file (see the module docstring) and return its entry: the problem, θ₀,
    the tags decided by :func:`~symflow.core.problems.entry_for` (rank D at θ₀ at ``dps``
    digits where balls or mpmath are needed), ``source`` = the path as given.

    Every problem in the file raises :class:`ProblemFileError` naming the file, the key and
    the value.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise ProblemFileError(f"problem file path {short_repr(path)} must be a string or a "
                               f"path", path)
    source = os.fspath(path)
    p = Path(source)
    try:
        size = p.stat().st_size
        if not p.is_file():
            raise ProblemFileError(f"{source}: not a file", source, source)
        if size > MAX_FILE_BYTES:
            raise ProblemFileError(f"{source}: {size} bytes is larger than the cap of "
                                   f"{MAX_FILE_BYTES} bytes for a problem file", size, source)
        raw = p.read_bytes()
    except OSError as exc:
        raise ProblemFileError(f"{source}: cannot read the problem file: "
                               f"{exc.strerror or exc}", source, source) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProblemFileError(f"{source}: not UTF-8 text ({exc.reason} at byte {exc.start})",
                               source, source) from None
    default = p.name[:-5] if p.name.endswith(".toml") else p.name
    return loads_problem(text, source=source, default_name=default or "problem", dps=dps)
