"""Safe parsing of formulas written as text (network outputs in problem files).

:func:`parse_expression` turns a string such as ``"a*tanh(b*u1 + c*u2) + d*u1"`` into a SymPy
expression in declared symbols. The text is never evaluated, sympified or handed to
``parse_expr``: it is parsed by :func:`ast.parse` (``mode="eval"``) and the syntax tree is
walked over a whitelist, each node built with SymPy's own constructors:

=========================  ===================================================================
accepted                   becomes
=========================  ===================================================================
integer literals           :class:`sympy.Integer` (``0x1f`` and ``1_000`` as Python reads them)
decimal literals           the exact rational of the literal's *text* (``0.1`` → 1/10,
                           ``1e-3`` → 1/1000, via :func:`symflow.numbers.to_rational`; never
                           through a float)
names                      the declared symbols (``symbols``), and the constants ``pi`` and
                           ``E`` (which SymPy's printer writes, e.g. ``atan(1)`` → ``pi/4``)
``+ - * / **``             sums, differences, products, quotients, powers
unary ``-`` and ``+``      negation, nothing
parentheses                grouping
``f(x)``                   exactly one positional argument, f in ``exp log tanh sin cos sinh
                           cosh atan sqrt`` (SymPy's functions), ``relu(x)`` → ``Max(0, x)``,
                           ``sigmoid(x)`` → ``1/(1 + exp(-x))``
=========================  ===================================================================

Everything else raises :class:`~symflow.errors.ExpressionError` naming the offending token or
construct and its position (``column`` as :mod:`ast` counts it, 0-based; the line too when the
text has several): attribute access, subscripts, lambdas, comprehensions, keyword or starred
arguments, strings, booleans, ``None``, comparisons, ``and``/``or``/``not``, conditional
expressions, containers, ``//`` ``%`` ``@`` ``^`` and the other operators, complex literals,
unknown functions (``__import__``) and unknown names. Limits, each refused with its value:

* at most ``MAX_LENGTH`` = 10 000 characters (checked first, before parsing);
* nesting at most ``MAX_DEPTH`` = 100 levels (a chain ``a + b - c + …`` or ``a*b/c*…`` counts as
  one level however long it is); deeper input that Python's own parser already refuses (e.g.
  200 nested parentheses, thousands of unary minuses) is reported the same way;
* a numeric exponent must be a rational p/q with |p/q| ≤ ``MAX_POWER`` = 64 and q ≤ 64
  (``x**65`` and ``2**(10**6)`` are refused; symbolic exponents such as ``u1**a`` are kept),
  and so must every power SymPy makes of it (``(x**64)**64`` would be ``x**4096``: refused);
* every number built on the way (``2**64 * 10**300``) has at most
  :data:`symflow.numbers.MAX_VALUE_DIGITS` digits in numerator and denominator — a power of a
  number is estimated *before* it is computed; a root (``sqrt``, ``** (p/q)``) of a number is
  taken only below ``MAX_ROOT_DIGITS`` = 100 digits (SymPy searches it for perfect powers);
* a value that is not a finite real number is refused where it appears: division by zero,
  ``0**-1``, ``log(0)``, ``sqrt(-1)``, ``(-8)**(1/3)``.

Symbol names must be Python identifiers that are not keywords, functions or constants of this
parser (:func:`check_symbol_name`).

>>> import sympy as sp
>>> a, u = sp.symbols("a u")
>>> parse_expression("a*tanh(u) + 0.25*u**2", {"a": a, "u": u})
a*tanh(u) + u**2/4
>>> parse_expression("__import__('os')", {"a": a})   # doctest: +ELLIPSIS
Traceback (most recent call last):
...
symflow.errors.ExpressionError: unknown function '__import__' at column 0 of "__import__('os')"; ...
"""

from __future__ import annotations

import ast
import keyword
import math
from collections.abc import Mapping
from typing import Any, Callable

import sympy as sp

from ..errors import DataError, ExpressionError
from ..numbers import MAX_VALUE_DIGITS, short_repr, to_rational

__all__ = ["parse_expression", "check_symbol_name", "FUNCTIONS", "CONSTANTS", "RESERVED",
           "MAX_LENGTH", "MAX_DEPTH", "MAX_POWER", "MAX_ROOT_DIGITS"]

MAX_LENGTH = 10_000
"""Most characters of a formula."""
MAX_DEPTH = 100
"""Deepest nesting of a formula (a chain of + − or of * / counts as one level)."""
MAX_POWER = 64
"""Largest |exponent| (and exponent denominator) of a numeric exponent."""

MAX_ROOT_DIGITS = 100
"""Most digits (numerator or denominator) of a number under a root (sqrt, ** p/q)."""

_MAX_BITS = int(math.ceil(MAX_VALUE_DIGITS * math.log2(10)))
_MAX_ROOT_BITS = int(math.ceil(MAX_ROOT_DIGITS * math.log2(10)))

FUNCTIONS: dict[str, Callable[[sp.Expr], sp.Expr]] = {
    "exp": sp.exp, "log": sp.log, "tanh": sp.tanh, "sin": sp.sin, "cos": sp.cos,
    "sinh": sp.sinh, "cosh": sp.cosh, "atan": sp.atan, "sqrt": sp.sqrt,
    "relu": lambda x: sp.Max(0, x),
    "sigmoid": lambda x: 1 / (1 + sp.exp(-x)),
}
"""The functions a formula may call, each with exactly one positional argument."""

CONSTANTS: dict[str, sp.Expr] = {"pi": sp.pi, "E": sp.E}
"""Named constants (SymPy's printer writes them: ``str(sp.exp(1)) == 'E'``)."""

RESERVED = frozenset(FUNCTIONS) | frozenset(CONSTANTS)
"""Names that cannot be symbols."""

_NOT_FINITE = (sp.zoo, sp.nan, sp.oo, -sp.oo)

_BINOPS: dict[type, str] = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/",
                            ast.Pow: "**"}
_REFUSED_BINOPS: dict[type, str] = {
    ast.FloorDiv: "'//' (floor division; use '/')", ast.Mod: "'%' (modulo)",
    ast.MatMult: "'@' (matrix product)", ast.BitXor: "'^' (bitwise xor; use '**' for powers)",
    ast.BitOr: "'|' (bitwise or)", ast.BitAnd: "'&' (bitwise and)",
    ast.LShift: "'<<' (shift)", ast.RShift: "'>>' (shift)"}
_CONSTRUCTS: dict[type, str] = {
    ast.Attribute: "attribute access", ast.Subscript: "subscript", ast.Lambda: "lambda",
    ast.ListComp: "comprehension", ast.SetComp: "comprehension", ast.DictComp: "comprehension",
    ast.GeneratorExp: "comprehension (generator expression)", ast.Compare: "comparison",
    ast.BoolOp: "boolean operator (and/or)", ast.IfExp: "conditional expression (if/else)",
    ast.Dict: "dict", ast.Set: "set", ast.List: "list", ast.Tuple: "tuple",
    ast.JoinedStr: "f-string", ast.FormattedValue: "f-string", ast.NamedExpr:
    "assignment expression (:=)", ast.Await: "await", ast.Yield: "yield",
    ast.YieldFrom: "yield", ast.Starred: "starred expression", ast.Slice: "slice"}


def check_symbol_name(name: Any, what: str = "symbol name") -> str:
    """``name`` if it can name a symbol in a formula: a ``str`` that is a Python identifier,
    not a keyword, not one of :data:`RESERVED`, and not starting with ``_``; else
    :class:`~symflow.errors.ExpressionError` naming it."""
    if not isinstance(name, str):
        raise ExpressionError(f"{what}: {short_repr(name)} (type {type(name).__name__}) is not "
                              f"a name (a string)", name)
    if not name.isidentifier() or not name.isascii() or keyword.iskeyword(name) \
            or name.startswith("_"):
        raise ExpressionError(
            f"{what}: {short_repr(name)} is not a valid name: use letters, digits and '_' "
            f"(ASCII), starting with a letter, and no Python keyword", name)
    if name in RESERVED:
        raise ExpressionError(
            f"{what}: {name!r} is the name of a function or constant of formulas "
            f"({', '.join(sorted(RESERVED))}); choose another name", name)
    return name


def _prefix(what: str) -> str:
    return "" if what == "expression" else f"{what}: "


class _Parser:
    """One walk over one syntax tree (see the module docstring)."""

    def __init__(self, text: str, symbols: Mapping[str, sp.Symbol], what: str) -> None:
        self.text = text
        self.symbols = symbols
        self.what = what

    # ---- messages -------------------------------------------------------------------------
    def where(self, node: ast.AST | None) -> str:
        if node is None or not hasattr(node, "col_offset"):
            return ""
        line = getattr(node, "lineno", 1)
        at = f"line {line}, column {node.col_offset}" if line > 1 or "\n" in self.text \
            else f"column {node.col_offset}"
        return f" at {at}"

    def segment(self, node: ast.AST) -> str:
        seg = ast.get_source_segment(self.text, node)
        return seg if seg is not None else type(node).__name__

    def fail(self, message: str, node: ast.AST | None, value: Any) -> ExpressionError:
        col = getattr(node, "col_offset", None) if node is not None else None
        return ExpressionError(f"{_prefix(self.what)}{message}{self.where(node)} of "
                               f"{short_repr(self.text, 60)}{self.hint(message)}", value, col)

    def hint(self, message: str) -> str:
        if message.startswith("unknown function"):
            return f"; the functions are {', '.join(sorted(FUNCTIONS))}"
        if message.startswith("unknown name"):
            names = sorted(self.symbols)
            shown = ", ".join(names[:20]) + (", …" if len(names) > 20 else "")
            return f"; the declared symbols are {shown or '(none)'}" \
                   f" (constants: {', '.join(sorted(CONSTANTS))})"
        return ""

    # ---- the walk -------------------------------------------------------------------------
    def build(self, node: ast.AST, depth: int) -> sp.Expr:
        if depth > MAX_DEPTH:
            raise self.fail(f"formula nested more than {MAX_DEPTH} levels deep", node, depth)
        if isinstance(node, ast.Constant):
            return self.constant(node)
        if isinstance(node, ast.Name):
            return self.name(node)
        if isinstance(node, ast.UnaryOp):
            return self.unary(node, depth)
        if isinstance(node, ast.BinOp):
            return self.binop(node, depth)
        if isinstance(node, ast.Call):
            return self.call(node, depth)
        kind = _CONSTRUCTS.get(type(node), f"construct {type(node).__name__}")
        raise self.fail(f"{kind} {short_repr(self.segment(node), 40)} is not allowed", node,
                        self.segment(node))

    def constant(self, node: ast.Constant) -> sp.Expr:
        v = node.value
        if isinstance(v, bool) or v is None or v is Ellipsis:
            raise self.fail(f"{v!r} is not allowed (only numbers, symbols, + - * / ** and "
                            f"the listed functions)", node, v)
        if isinstance(v, (str, bytes)):
            raise self.fail(f"string {short_repr(self.segment(node), 40)} is not allowed",
                            node, v)
        if isinstance(v, complex):
            raise self.fail(f"complex literal {self.segment(node)!r} is not allowed (formulas "
                            f"are real)", node, self.segment(node))
        if isinstance(v, int):
            return self.number(v, node)
        if isinstance(v, float):   # exact from the literal's text, never from the float
            return self.number(self.segment(node).replace("_", ""), node)
        raise self.fail(f"literal {short_repr(self.segment(node), 40)} is not allowed", node,
                        v)

    def number(self, value: Any, node: ast.AST) -> sp.Rational:
        try:
            return to_rational(value, f"number {short_repr(self.segment(node), 40)}")
        except DataError as exc:
            raise self.fail(str(exc), node, value) from None

    def name(self, node: ast.Name) -> sp.Expr:
        if node.id in self.symbols:
            return self.symbols[node.id]
        if node.id in CONSTANTS:
            return CONSTANTS[node.id]
        if node.id in FUNCTIONS:
            raise self.fail(f"function {node.id!r} used without an argument", node, node.id)
        raise self.fail(f"unknown name {node.id!r}", node, node.id)

    def unary(self, node: ast.UnaryOp, depth: int) -> sp.Expr:
        if isinstance(node.op, ast.USub):
            return self.checked(-self.build(node.operand, depth + 1), node)
        if isinstance(node.op, ast.UAdd):
            return self.build(node.operand, depth + 1)
        op = {ast.Not: "'not'", ast.Invert: "'~' (bitwise not)"}.get(type(node.op),
                                                                       type(node.op).__name__)
        raise self.fail(f"operator {op} is not allowed", node, self.segment(node))

    def binop(self, node: ast.BinOp, depth: int) -> sp.Expr:
        if type(node.op) in _REFUSED_BINOPS:
            raise self.fail(f"operator {_REFUSED_BINOPS[type(node.op)]} is not allowed", node,
                            self.segment(node))
        if type(node.op) not in _BINOPS:
            raise self.fail(f"operator {type(node.op).__name__} is not allowed", node,
                            self.segment(node))
        if isinstance(node.op, ast.Pow):
            return self.power(node, depth)
        # a left-leaning chain of + − (or of * /) is folded left to right without recursion,
        # exactly as Python would evaluate it on SymPy objects (so the result is the same)
        group = (ast.Add, ast.Sub) if isinstance(node.op, (ast.Add, ast.Sub)) else \
            (ast.Mult, ast.Div)
        chain: list[ast.BinOp] = []
        left: ast.AST = node
        while isinstance(left, ast.BinOp) and isinstance(left.op, group):
            chain.append(left)
            left = left.left
        value = self.build(left, depth + 1)
        for link in reversed(chain):
            right = self.build(link.right, depth + 1)
            if isinstance(link.op, ast.Add):
                value = value + right
            elif isinstance(link.op, ast.Sub):
                value = value - right
            elif isinstance(link.op, ast.Mult):
                value = value * right
            else:
                if right == 0:
                    raise self.fail(f"division by zero in {short_repr(self.segment(link), 40)}",
                                    link, self.segment(link))
                value = value / right
            value = self.checked(value, link)
        return value

    def power(self, node: ast.BinOp, depth: int) -> sp.Expr:
        base = self.build(node.left, depth + 1)
        exp = self.build(node.right, depth + 1)
        seg = short_repr(self.segment(node), 40)
        if isinstance(exp, sp.Rational):
            if abs(exp) > MAX_POWER or exp.q > MAX_POWER:
                raise self.fail(f"exponent {exp} in {seg} is too large (a numeric exponent "
                                f"must be p/q with |p/q| ≤ {MAX_POWER} and q ≤ {MAX_POWER})",
                                node.right, exp)
            if isinstance(base, sp.Rational):
                if base == 0 and exp < 0:
                    raise self.fail(f"0 raised to a negative power in {seg}", node, seg)
                if base < 0 and exp.q != 1:
                    raise self.fail(f"a negative number raised to a fractional power in {seg} "
                                    f"is not real", node, seg)
                bits = max(int(base.p).bit_length(), int(base.q).bit_length())
                if exp.q != 1:
                    self.root_size(base, node)
                if bits * abs(exp) > _MAX_BITS:
                    raise self.fail(f"{seg} is too large a number (more than "
                                    f"{MAX_VALUE_DIGITS} digits)", node, seg)
        return self.checked(base ** exp, node)

    def call(self, node: ast.Call, depth: int) -> sp.Expr:
        func = node.func
        if not isinstance(func, ast.Name):
            kind = _CONSTRUCTS.get(type(func), "call of an expression")
            raise self.fail(f"{kind} {short_repr(self.segment(func), 40)} is not allowed "
                            f"(only calls of the listed functions)", func, self.segment(func))
        fname = func.id
        if fname not in FUNCTIONS:
            raise self.fail(f"unknown function {fname!r}", func, fname)
        if node.keywords:
            kw = node.keywords[0]
            label = f"keyword argument '{kw.arg}='" if kw.arg else "'**' argument"
            raise self.fail(f"{label} in the call of {fname} is not allowed", kw, kw.arg)
        starred = [a for a in node.args if isinstance(a, ast.Starred)]
        if starred:
            raise self.fail(f"starred argument {short_repr(self.segment(starred[0]), 40)} in "
                            f"the call of {fname} is not allowed", starred[0],
                            self.segment(starred[0]))
        if len(node.args) != 1:
            raise self.fail(f"{fname} takes exactly one argument, got {len(node.args)}", node,
                            len(node.args))
        arg = self.build(node.args[0], depth + 1)
        if fname == "sqrt" and isinstance(arg, sp.Rational):
            self.root_size(arg, node)
        if arg.is_number and fname in ("log", "sqrt"):
            if (fname == "log" and arg == 0) or arg.is_negative:
                raise self.fail(f"{fname}({arg}) is not a finite real number", node,
                                self.segment(node))
        return self.checked(FUNCTIONS[fname](arg), node)

    def root_size(self, base: sp.Rational, node: ast.AST) -> None:
        """Refuse a root of a number above ``MAX_ROOT_DIGITS`` digits: SymPy would look for
        perfect powers in it (seconds to minutes for numbers like 10**4000 + 1)."""
        if max(int(base.p).bit_length(), int(base.q).bit_length()) > _MAX_ROOT_BITS:
            raise self.fail(f"a root of a number with more than {MAX_ROOT_DIGITS} digits in "
                            f"{short_repr(self.segment(node), 40)} is refused", node,
                            self.segment(node))

    def checked(self, value: sp.Expr, node: ast.AST) -> sp.Expr:
        """``value`` unless it is an infinite, undefined or too large number."""
        if value in _NOT_FINITE or any(a in _NOT_FINITE for a in value.args):
            raise self.fail(f"{short_repr(self.segment(node), 40)} is not finite", node,
                            self.segment(node))
        if isinstance(value, sp.Rational) and \
                max(int(value.p).bit_length(), int(value.q).bit_length()) > _MAX_BITS:
            raise self.fail(f"{short_repr(self.segment(node), 40)} is too large a number (more "
                            f"than {MAX_VALUE_DIGITS} digits)", node, self.segment(node))
        for term in (value, *value.args):   # SymPy combines (a**64)**64 into a**4096
            if isinstance(term, sp.Pow) and isinstance(term.exp, sp.Rational) and \
                    (abs(term.exp) > MAX_POWER or term.exp.q > MAX_POWER):
                raise self.fail(f"{short_repr(self.segment(node), 40)} makes the power "
                                f"{short_repr(str(term), 40)}, whose exponent is above the cap "
                                f"of {MAX_POWER}", node, self.segment(node))
        return value


def parse_expression(text: str, symbols: Mapping[str, sp.Symbol], *,
                     what: str = "expression") -> sp.Expr:
    """The SymPy expression a formula ``text`` denotes, in ``symbols`` (name → Symbol).

    Only the whitelist of the module docstring is accepted; anything else raises
    :class:`~symflow.errors.ExpressionError` naming the offending token and its column.
    ``what`` (e.g. ``"network.outputs[0]"``) prefixes the messages.

    >>> import sympy as sp
    >>> x = sp.Symbol("x")
    >>> parse_expression("relu(x) + sigmoid(2*x) - 1e-3", {"x": x})
    Max(0, x) - 1/1000 + 1/(1 + exp(-2*x))
    """
    if not isinstance(text, str):
        raise ExpressionError(f"{_prefix(what)}{short_repr(text)} (type "
                              f"{type(text).__name__}) is not a formula (a string)", text)
    if not isinstance(symbols, Mapping):
        raise ExpressionError(f"{_prefix(what)}symbols must be a mapping name → sympy.Symbol, "
                              f"got {short_repr(symbols)}", symbols)
    for name, sym in symbols.items():
        check_symbol_name(name, f"{_prefix(what)}symbol")
        if not isinstance(sym, sp.Symbol):
            raise ExpressionError(f"{_prefix(what)}symbols[{name!r}] = {short_repr(sym)} is not a "
                                  f"sympy.Symbol", sym)
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"{_prefix(what)}formula of {len(text)} characters is longer than "
                              f"the cap of {MAX_LENGTH}", len(text))
    if not text.strip():
        raise ExpressionError(f"{_prefix(what)}empty formula", text)
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        if exc.offset:   # 1-based; 0 or None: at the end of the text
            col = exc.offset - 1
            at = f" at line {exc.lineno}, column {col}" if (exc.lineno or 1) > 1 \
                else f" at column {col}"
        else:
            col, at = len(text), " at the end of the text"
        raise ExpressionError(f"{_prefix(what)}{short_repr(text, 60)} is not a formula: "
                              f"{exc.msg}{at}", text, col) from None
    except (RecursionError, MemoryError):
        raise ExpressionError(f"{_prefix(what)}formula {short_repr(text, 60)} is nested too deeply "
                              f"or chains too many operators for Python's parser (about 200 "
                              f"nested parentheses or 3000 operators in one chain; the "
                              f"nesting cap is {MAX_DEPTH} levels)", text) from None
    parser = _Parser(text, symbols, what)
    try:
        expr = parser.build(tree.body, 0)
    except RecursionError:   # defensive: MAX_DEPTH keeps the walk far below the stack limit
        raise ExpressionError(f"{_prefix(what)}formula {short_repr(text, 60)} is nested too deeply",
                              text) from None
    if expr.has(sp.I, sp.zoo, sp.nan, sp.oo):
        raise ExpressionError(f"{_prefix(what)}{short_repr(text, 60)} is not a finite real "
                              f"expression ({short_repr(str(expr), 60)})", text)
    return expr
