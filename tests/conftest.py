"""Hypothesis profiles for the property tests (select with ``--hypothesis-profile=NAME``).

=========  ==================================================================================
profile    budget
=========  ==================================================================================
default    fast: a few examples per property (the whole default ``pytest`` run stays short)
ci         deterministic (``derandomize=True``), no deadline, enough examples that the
           property suite covers ≥ 200 architectures (≈ 40 per property)
campaign   thousands of examples per property, for a long run:
           ``pytest --hypothesis-profile=campaign -m "campaign or not slow" tests/test_properties*.py``
=========  ==================================================================================

No profile sets a deadline: exact rational arithmetic on a deep cube network can take a
moment and that is not a failure. The database is off for ``ci`` so runs are reproducible.
The ``default`` profile is loaded (``ci`` when the environment has ``CI=true``) unless
``--hypothesis-profile`` is given (Hypothesis' pytest
plugin handles that flag after this file has registered the profiles).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_SUPPRESS = [HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large]

settings.register_profile("default", max_examples=12, deadline=None,
                          suppress_health_check=_SUPPRESS)
settings.register_profile("ci", max_examples=40, deadline=None, derandomize=True,
                          database=None, print_blob=True, suppress_health_check=_SUPPRESS)
settings.register_profile("campaign", max_examples=2000, deadline=None, database=None,
                          suppress_health_check=_SUPPRESS)
# CI (the environment variable CI=true, as .ci/run is run) uses the deterministic ``ci`` profile
# with the same test command as the README's.
settings.load_profile("ci" if os.environ.get("CI", "").lower() in ("1", "true", "yes") else "default")


def pytest_configure(config):
    # Hypothesis' plugin loads the --hypothesis-profile in its own pytest_configure; if this
    # conftest was imported after that, re-apply the requested profile here.
    name = config.getoption("hypothesis_profile", None)
    if name:
        settings.load_profile(name)


# ---- measurement: how many architectures does a run cover? ---------------------------------
_SEEN: set = set()


def pytest_addoption(parser):
    parser.addoption("--count-architectures", action="store_true", default=False,
                     help="symflow: count the distinct architectures drawn by "
                          "symflow.testing.strategies.cases (printed at the end of the run)")


def _install_counter():
    import symflow.testing.strategies as strategies

    real = strategies.jacobian_rank
    if getattr(real, "_counting", False):
        return

    def counting(problem, theta, dps=30):
        net = problem.network
        _SEEN.add((net.widths, net.activation.name, net.bias, problem.N, problem.loss.name))
        return real(problem, theta, dps)

    counting._counting = True
    strategies.jacobian_rank = counting


def pytest_sessionstart(session):
    if session.config.getoption("count_architectures"):
        _install_counter()


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if config.getoption("count_architectures"):
        archs = {k[:3] for k in _SEEN}
        terminalreporter.write_line(
            f"symflow: {len(archs)} distinct architectures (widths, activation, bias), "
            f"{len(_SEEN)} distinct (architecture, N, loss) drawn")
