"""Hypothesis tooling: strategies over random architectures, the pointwise property function,
the C10 counterexample search, and the campaign's seeded case stream (:mod:`.stream`).

Outside the library's import chain: nothing in core, backends, flows or claims imports it at
module level (C10-SEARCH imports the search inside its check). The campaign that runs the
stream on Dask is :mod:`symflow.campaign`.
"""
