"""One Prefect test server for the tests of flows/ (it takes several seconds to start).

Package scope, not session: the harness stops the server and drains Prefect's log and event
workers when this package's last test ends. Left running, the event worker's websocket sends
a keepalive ping every 20 s, and each ping draws from the global `random` module; a ping
that lands inside a later hypothesis draw made it warn "Do not use the `random` module
inside strategies" (tests/conftest.py now fails any test that runs beside those workers).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(scope="package")
def prefect_server() -> Iterator[None]:
    from prefect.settings import (
        PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
        PREFECT_SERVER_ANALYTICS_ENABLED,
        temporary_settings,
    )
    from prefect.testing.utilities import prefect_test_harness

    with (
        temporary_settings({PREFECT_SERVER_ANALYTICS_ENABLED: False}),
        prefect_test_harness(server_startup_timeout=120),
        # A synchronous flow run otherwise waits ~1 s at exit for its heartbeat thread.
        temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}),
    ):
        yield
