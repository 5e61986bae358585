"""Deliberate second implementations, kept in one place and apart from the code they cross-check.

Each module computes something the library (or the integrator, or the property search) also
computes, by a different route, so that a claim can compare the two: a bug in one rarely has the
same effect in the other. Every module's docstring says what it re-implements, which claim uses
it to cross-check what, and what it is written independently of.

``expressions``     SymPy expression trees evaluated in a level's arithmetic (exact, ball,
                    mpmath) — the evaluator of the derivatives below (C0)
``jacobian``        D = ∂x/∂θ by SymPy ``diff`` of the forward-pass expressions — C0 cross-checks
                    the backpropagation D of ``Problem.at`` (``D_vs_diff``)
``gradients``       ∂C/∂x by SymPy ``diff`` of the cost expression, and C at given outputs — C0
                    cross-checks ``problem.grad_expr`` and the numeric ∇ₓC, C of ``Problem.at``
``spectrum``        rank, κ and (DDᵀ)⁺∇ₓC from an eigendecomposition of DDᵀ — C0 cross-checks the
                    rank branch and scales its comparisons of the integrators' field evaluators
``fieldspec``       α of a field spec ("standard", "adapted", a number) — the trajectory claims
                    (C5 along flows, C6, C7, C8, C10) do not take the α they expect from
                    ``core.fields.parse_field``, which is under test
``counterexample``  max|(I − P)∇ₓC| and rank D of C10-SEARCH's counterexample, recomputed
                    exactly — cross-checks what the property search (``testing.search``)
                    reports

Layer (``tests/test_architecture.py``): above ``flows``, below ``testing`` and ``claims``; these
modules may import ``backends``, ``core`` and ``flows``, never ``claims``. The package imports
none of its modules itself.
"""
