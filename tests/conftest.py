"""Shared test set-up: hypothesis profiles (HYPOTHESIS_PROFILE=long for a longer hunt), and
no Prefect client worker left running into tests that are not about flows."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "default", max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "long", max_examples=20_000, deadline=None, suppress_health_check=list(HealthCheck)
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

# Threads Prefect's client starts for a flow run against an API; prefect_test_harness stops
# them when the tests of flows/ end (tests/flows/conftest.py says why that matters).
PREFECT_WORKERS = ("APILogWorkerThread", "EventsWorkerThread")
FLOW_TESTS = Path(__file__).parent / "flows"


@pytest.fixture(autouse=True)
def no_prefect_workers(request: pytest.FixtureRequest) -> Iterator[None]:
    if FLOW_TESTS not in request.node.path.parents:
        running = [t.name for t in threading.enumerate() if t.name in PREFECT_WORKERS]
        assert not running, f"Prefect workers left running by an earlier test: {running}"
    yield
