"""The safe expression parser (symflow.core.parsing): refusals name the token and its column;
accepted formulas give the SymPy expressions one would write by hand; SymPy's printer round-trips.
"""

from __future__ import annotations

import time

import pytest
import sympy as sp
from hypothesis import event, given, settings, strategies as st

from symflow.core.parsing import (FUNCTIONS, MAX_DEPTH, MAX_LENGTH, check_symbol_name,
                                  parse_expression)
from symflow.errors import DataError, ExpressionError

a, b, u = sp.symbols("a b u")
SYMS = {"a": a, "b": b, "u": u}


def _parse(text):
    return parse_expression(text, SYMS)


# ---- accepted ---------------------------------------------------------------------------------
@pytest.mark.parametrize("text,expected", [
    ("a*tanh(b*u) + 1", a * sp.tanh(b * u) + 1),
    ("0.25*a", a / 4),                               # decimal literal → exact 1/4
    ("0.1 + 0.2", sp.Rational(3, 10)),               # not 0.30000000000000004
    ("1e-3*u", u / 1000),
    ("2.5e2", sp.Integer(250)),
    ("1_000", sp.Integer(1000)),
    ("1e400", sp.Integer(10) ** 400),                # a float would be inf
    ("1/3", sp.Rational(1, 3)),
    ("-a**2", -a ** 2),                              # precedence as in Python
    ("a**-1", 1 / a),
    ("(a + b)**(3/2)", (a + b) ** sp.Rational(3, 2)),
    ("+a - -b", a + b),
    ("u**a", u ** a),                                # symbolic exponent
    ("exp(log(a))", a),
    ("relu(a - 1)", sp.Max(0, a - 1)),
    ("sigmoid(u)", 1 / (1 + sp.exp(-u))),
    ("sqrt(a)*atan(b)*sinh(u)*cosh(u)*sin(a)*cos(b)", sp.sqrt(a) * sp.atan(b) * sp.sinh(u)
     * sp.cosh(u) * sp.sin(a) * sp.cos(b)),
    ("pi/4 + E", sp.pi / 4 + sp.E),
    ("(a\n + b)", a + b),
    ("2**64", sp.Integer(2) ** 64),
    ("a**64 + a**(-64) + a**(1/64)", a ** 64 + a ** -64 + a ** sp.Rational(1, 64)),
])
def test_accepted(text, expected):
    assert _parse(text) == expected


def test_a_long_flat_sum_is_one_level():
    text = " + ".join(f"{k}*a" for k in range(1, 400))
    assert _parse(text) == sum(range(1, 400)) * a


# ---- refused: the token / construct and its column in the message -----------------------------
@pytest.mark.parametrize("text,token,col", [
    ("__import__('os')", "'__import__'", 0),
    ("a + __import__('os').system('ls')", "attribute access \"__import__('os').system\"", 4),
    ("a.b", "attribute access 'a.b'", 0),
    ("exp.__globals__", "attribute access 'exp.__globals__'", 0),
    ("u[0]", "subscript 'u[0]'", 0),
    ("lambda: 1", "lambda", 0),
    ("a + (lambda x: x)(1)", "lambda", 5),
    ("[i for i in u]", "comprehension", 0),
    ("sum(i for i in u)", "unknown function 'sum'", 0),
    ("exp(x=1)", "keyword argument 'x='", 4),
    ("exp(*u)", "starred argument '*u'", 4),
    ("exp(**u)", "'**' argument", 4),
    ("a + 'os'", "string \"'os'\"", 4),
    ("True", "True", 0),
    ("a*None", "None", 2),
    ("a < b", "comparison 'a < b'", 0),
    ("a and b", "boolean operator", 0),
    ("not a", "'not'", 0),
    ("~a", "'~'", 0),
    ("a if b else u", "conditional expression", 0),
    ("(a, b)", "tuple", 0),
    ("{a}", "set", 0),
    ("f'{a}'", "f-string", 0),
    ("(a := 1)", "assignment expression", 1),
    ("foo(a)", "unknown function 'foo'", 0),
    ("eval(a)", "unknown function 'eval'", 0),
    ("a + zz", "unknown name 'zz'", 4),
    ("exp + a", "function 'exp' used without an argument", 0),
    ("exp(a, b)", "exp takes exactly one argument, got 2", 0),
    ("2j*a", "complex literal '2j'", 0),
    ("a//b", "'//'", 0),
    ("a % b", "'%'", 0),
    ("a ^ 2", "'^'", 0),
    ("a @ b", "'@'", 0),
    ("a**65", "exponent 65", 3),
    ("a**(-100)", "exponent -100", 4),
    ("a**(1/100)", "exponent 1/100", 4),
    ("2**(10**6)", "exponent 1000000", 4),
    ("((10**64)**64)**64", "too large a number", 0),
    ("(a**64)**64", "makes the power 'a**4096'", 0),
    ("a**2*(a**63)", "makes the power 'a**65'", 0),
    ("sqrt((10**64)**62 + 1)", "a root of a number with more than 100 digits", 0),
    ("a + (10**60*10**41 + 1)**(1/2)", "a root of a number with more than 100 digits", 4),
    ("1/0", "division by zero", 0),
    ("a/(b - b)", "division by zero", 0),
    ("0**-1", "0 raised to a negative power", 0),
    ("log(0)", "log(0)", 0),
    ("sqrt(-1)", "sqrt(-1)", 0),
    ("(-8)**(1/3)", "negative number raised to a fractional power", 0),
    ("a b", "invalid syntax", 2),
    ("exp(a", "'(' was never closed", 3),
])
def test_refused_names_token_and_column(text, token, col):
    with pytest.raises(ExpressionError) as info:
        _parse(text)
    msg = str(info.value)
    assert token in msg, msg
    assert f"column {col}" in msg, msg
    assert info.value.col == col
    assert isinstance(info.value, DataError)


def test_syntax_error_at_the_end():
    with pytest.raises(ExpressionError, match="invalid syntax at the end of the text"):
        _parse("a +")


def test_line_and_column_in_multiline_text():
    with pytest.raises(ExpressionError, match=r"unknown name 'c' at line 2, column 3"):
        _parse("(a\n + c)")


@pytest.mark.parametrize("text,match", [
    ("a" * (MAX_LENGTH + 1), "longer than the cap of 10000"),
    ("-" * 5000 + "a", "nested too deeply"),
    ("(" * 300 + "a" + ")" * 300, "too many nested parentheses"),
    ("-(" * (MAX_DEPTH + 5) + "a" + ")" * (MAX_DEPTH + 5), f"more than {MAX_DEPTH} levels"),
    ("exp(" * (MAX_DEPTH + 5) + "a" + ")" * (MAX_DEPTH + 5), f"more than {MAX_DEPTH} levels"),
    ("1" * 5000, "4300 digits"),
    ("   ", "empty formula"),
    ("a\x00", "null bytes"),
])
def test_limits(text, match):
    t0 = time.perf_counter()
    with pytest.raises(ExpressionError, match=match):
        _parse(text)
    assert time.perf_counter() - t0 < 5


def test_not_a_string_and_bad_symbols():
    with pytest.raises(ExpressionError, match="is not a formula"):
        parse_expression(3, SYMS)
    with pytest.raises(ExpressionError, match="not a sympy.Symbol"):
        parse_expression("a", {"a": "a"})
    for bad in ("exp", "pi", "1a", "a-b", "lambda", "_x", "é"):
        with pytest.raises(ExpressionError, match="name"):
            check_symbol_name(bad)
    assert check_symbol_name("w1_2") == "w1_2"


def test_what_prefixes_messages():
    with pytest.raises(ExpressionError, match=r"^network.outputs\[0\]: unknown name 'z'"):
        parse_expression("z", SYMS, what="network.outputs[0]")


# ---- round trip through SymPy's printer -------------------------------------------------------
#: The generated class: trees over the symbols a, b, u and small rationals, with + − * /, unary
#: minus, powers with small integer or half-integer exponents, and every whitelisted function
#: except relu (SymPy prints Max(0, x), which is not in the formula language). Trees whose value
#: is not a finite real expression (a division by zero, log of a negative number …) are discarded.
_LEAVES = st.one_of(st.sampled_from([a, b, u]),
                    st.builds(sp.Rational, st.integers(-9, 9), st.integers(1, 5)))
_UNARY = [f for name, f in FUNCTIONS.items() if name != "relu"] + [lambda x: -x]
_EXPONENTS = [sp.Integer(k) for k in (-3, -2, -1, 2, 3, 4)] + [sp.Rational(1, 2),
                                                                 sp.Rational(-3, 2)]


def _extend(children):
    return st.one_of(
        st.builds(lambda f, x: f(x), st.sampled_from(_UNARY), children),
        st.builds(lambda x, y: x + y, children, children),
        st.builds(lambda x, y: x - y, children, children),
        st.builds(lambda x, y: x * y, children, children),
        st.builds(lambda x, y: x / y, children, children),
        st.builds(lambda x, k: x ** k, children, st.sampled_from(_EXPONENTS)))


EXPRS = st.recursive(_LEAVES, _extend, max_leaves=12).filter(
    lambda e: not e.has(sp.I, sp.zoo, sp.nan, sp.oo, sp.AccumBounds))


@settings(max_examples=300)
@given(EXPRS)
def test_round_trip_through_sympy_printer(e):
    """What is asserted, exactly:

    1. ``parse_expression(str(e))`` is *structurally* identical (SymPy ``==``) to what SymPy's own
       parser makes of the same text (``sympify``, used here only as the test's oracle on text the
       test generated): the whitelist walk builds the very tree SymPy builds.
    2. It equals ``e`` itself structurally in most cases, and mathematically always
       (``simplify(p - e) == 0``). Structural equality with ``e`` can fail for reasons of
       SymPy's printer, not of the parser: ``Rational(1, 2)/(a + b)`` prints as
       ``1/(2*(a + b))``, and re-reading distributes the 2 (``1/(2*a + 2*b)``).
    """
    text = str(e)
    p = parse_expression(text, SYMS)
    assert p == sp.sympify(text, locals=dict(SYMS)), text
    if p != e:
        event("structurally different from e (printer); equal after simplify")
        assert sp.simplify(p - e) == 0, text
