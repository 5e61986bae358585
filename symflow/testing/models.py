"""Hypothesis strategies over networks given by SymPy expressions (:func:`symflow.model`).

:func:`expressions` draws expression trees over the parameters, the inputs and small rationals
with +, ·, integer powers and (unless ``rational=True``) tanh, sin, exp and atan;
:func:`models` draws a :class:`~symflow.core.models.Model` from them (every parameter used at
least once, so that no column of D vanishes by construction); :func:`model_problems` adds exact
rational data and an exact rational θ. Outside the library's import chain, like the rest of
:mod:`symflow.testing`.

>>> from hypothesis import given, settings
>>> @settings(max_examples=5, deadline=None)
... @given(models(rational=True))
... def t(net):
...     assert net.rational
>>> t()
"""

from __future__ import annotations

from fractions import Fraction

import sympy as sp
from hypothesis import strategies as st

from ..core.models import Model
from ..core.problem import Problem

__all__ = ["expressions", "models", "model_problems"]

_SMALL = st.fractions(min_value=-2, max_value=2, max_denominator=3)
_FUNCS = (sp.tanh, sp.sin, sp.exp, sp.atan)


def expressions(leaves: list, rational: bool = False, max_leaves: int = 6):
    """Expression trees over ``leaves`` (symbols) and small rationals."""
    base = st.one_of(st.sampled_from(leaves), _SMALL.map(lambda q: sp.Rational(q.numerator,
                                                                               q.denominator)))

    def extend(children):
        ops = [st.tuples(children, children).map(lambda t: t[0] + t[1]),
               st.tuples(children, children).map(lambda t: t[0] * t[1]),
               st.tuples(children, st.integers(2, 3)).map(lambda t: t[0] ** t[1])]
        if not rational:
            # SymPy evaluates e.g. atan(1) to π/4, a constant the model tape does not compile
            # (it refuses it with ArchitectureError, as it should for a user's model)
            ops.append(st.tuples(st.sampled_from(_FUNCS), children).map(lambda t: t[0](t[1]))
                       .filter(lambda e: not e.has(sp.pi)))
        return st.one_of(*ops)

    return st.recursive(base, extend, max_leaves=max_leaves)


@st.composite
def models(draw, max_params: int = 4, max_inputs: int = 2, max_outputs: int = 2,
           rational: "bool | None" = None) -> Model:
    """A random Model; ``rational`` True/False forces (non-)rational functions, None draws."""
    if rational is None:
        rational = draw(st.booleans())
    K = draw(st.integers(1, max_params))
    M = draw(st.integers(1, max_inputs))
    Q = draw(st.integers(1, max_outputs))
    params = [sp.Symbol(f"a{k}", real=True) for k in range(K)]
    inputs = [sp.Symbol(f"u{m}", real=True) for m in range(M)]
    tree = expressions(params + inputs, rational)
    outs = [draw(tree) for _ in range(Q)]
    # every parameter enters linearly somewhere, times an input or 1
    for k, p in enumerate(params):
        outs[k % Q] = outs[k % Q] + p * draw(st.sampled_from([sp.Integer(1), *inputs]))
    return Model(outs, params, inputs)


@st.composite
def model_problems(draw, max_samples: int = 2, **kw) -> tuple[Problem, list[Fraction]]:
    """(Problem on a random Model with exact data and the L2 loss, an exact rational θ)."""
    net = draw(models(**kw))
    N = draw(st.integers(1, max_samples))
    X = [[draw(_SMALL) for _ in range(net.input_dim)] for _ in range(N)]
    Y = [[draw(_SMALL) for _ in range(net.output_dim)] for _ in range(N)]
    theta = [draw(_SMALL) for _ in range(net.num_params)]
    return Problem(net, X, Y), theta
