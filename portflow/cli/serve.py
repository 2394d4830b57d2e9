"""`portflow serve`: the Prefect deployments, served; a local Prefect server if none is set."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
import httpx

from portflow.cli.common import stdout, system_option
from portflow.errors import UsageError
from portflow.settings import (
    Settings,
    point_prefect_at,
    prefect_server_environment,
    use_flow_heartbeats,
    use_prefect_defaults,
)

HEARTBEAT_SECONDS = 30  # flows/deployments.HEARTBEAT_SECONDS (Prefect is imported later)

SERVER_START_SECONDS = 120


@click.command()
@click.option(
    "--accounts",
    required=True,
    metavar="DIR",
    help="Folder the account exports are refreshed into (read at every run).",
)
@click.option(
    "--out",
    required=True,
    metavar="DIR",
    help="Reports go here: OUT/YYYY-MM-DD/ each night, OUT/inbox-runs/ per file.",
)
@click.option("--inbox", metavar="DIR", help="Watch this folder for new customer files.")
@click.option(
    "--manifest",
    metavar="FILE",
    help="With --inbox: also submit each file's port requests with this manifest.",
)
@system_option
@click.option("--state", metavar="PATH", help="Reconciliation state (default: in the data dir).")
@click.option(
    "--cron", default="0 2 * * *", show_default=True, help="When the nightly reconciliation runs."
)
@click.option(
    "--timezone",
    default="America/New_York",
    show_default=True,
    help="The cron's timezone (and the run date's).",
)
@click.option(
    "--interval",
    "interval_seconds",
    type=click.IntRange(min=5),
    default=60,
    show_default=True,
    metavar="SECONDS",
    help="How often the inbox is checked.",
)
@click.option(
    "--prefect-port",
    type=click.IntRange(1, 65535),
    default=4200,
    show_default=True,
    help="Port of the local Prefect server started when PREFECT_API_URL is not set.",
)
@click.pass_obj
def serve(
    settings: Settings,
    accounts: str,
    out: str,
    inbox: str | None,
    manifest: str | None,
    system: str | None,
    state: str | None,
    cron: str,
    timezone: str,
    interval_seconds: int,
    prefect_port: int,
) -> None:
    """Serve the nightly reconciliation (cron) and the inbox (interval) until stopped."""
    if manifest and not inbox:
        raise UsageError("--manifest needs --inbox: it submits the files dropped there")
    _check_timezone(timezone)
    absolute = {
        name: str(Path(value).resolve()) if value else None
        for name, value in (
            ("accounts", accounts),
            ("out", out),
            ("inbox", inbox),
            ("manifest", manifest),
            ("state", state),
        )
    }
    with _prefect_api(settings, prefect_port) as api:
        use_prefect_defaults(verbose=settings.log_level == "DEBUG")
        use_flow_heartbeats(HEARTBEAT_SECONDS)
        from prefect import serve as prefect_serve

        from flows.deployments import ServeOptions, build_deployments, ensure_zombie_automation

        ensure_zombie_automation()
        deployments = build_deployments(
            ServeOptions(
                accounts=absolute["accounts"] or accounts,
                out=absolute["out"] or out,
                system_url=system,
                state=absolute["state"],
                inbox=absolute["inbox"],
                manifest=absolute["manifest"],
                cron=cron,
                timezone=timezone,
                interval_seconds=interval_seconds,
            )
        )
        stdout.print(
            f"Serving on Prefect API {api} (UI: {api.removesuffix('/api')}):", markup=False
        )
        for deployment in deployments:
            stdout.print(f"  {deployment.flow_name}/{deployment.name}", markup=False)
        stdout.print(
            "Trigger one now with: prefect deployment run "
            "'portflow-reconcile/nightly'   (Ctrl-C stops serving)",
            markup=False,
        )
        prefect_serve(*deployments, print_starting_message=False)


def _check_timezone(name: str) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(f"--timezone {name!r} is not a timezone like America/New_York") from None


@contextmanager
def _prefect_api(settings: Settings, port: int) -> Iterator[str]:
    """The configured Prefect API, or a local server started (and stopped) here."""
    if settings.prefect_api_url:
        yield settings.prefect_api_url
        return
    api = f"http://127.0.0.1:{port}/api"
    stdout.print(f"No PREFECT_API_URL: starting a local Prefect server on {api} ...", markup=False)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "prefect",
            "server",
            "start",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        env=prefect_server_environment(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_healthy(api, server)
        point_prefect_at(api)
        yield api
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


def _wait_healthy(api: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            detail = (server.stderr.read() if server.stderr else b"").decode(errors="replace")
            last = detail.strip().splitlines()[-1] if detail.strip() else "no output"
            raise UsageError(f"the local Prefect server did not start: {last}")
        try:
            if httpx.get(f"{api}/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    raise UsageError(
        f"the local Prefect server did not answer on {api} within {SERVER_START_SECONDS} s"
    )
