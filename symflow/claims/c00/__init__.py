"""The checks of claim C0 (declared, with its narrative, in :mod:`symflow.claims.c00_consistency`).

``compare``     how one comparison is judged (:func:`~symflow.claims.c00.compare._judge`) and
                the per-point outcomes combined into Evidence; C0's sample counts
``jacobian``    ``D_vs_diff``
``gradient``    ``grad_vs_cost``, ``grad_at_point``, ``cost_at_point``
``integrator``  ``integrator_*``, ``compiled_*``
``judges``      ``judge_canaries``

The second implementations these checks compare the library with are in
:mod:`symflow.reference`. These modules sit in a layer of ``symflow.claims`` between the shared
machinery and the claim modules (``tests/test_architecture.py``): they do not register anything;
``c00_consistency`` contributes their check functions to C0.
"""
