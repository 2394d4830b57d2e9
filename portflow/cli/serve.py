"""`portflow serve`: the Prefect deployments, served; a local Prefect server if none is set."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click
import httpx

from portflow.cli.common import not_blank, stderr, stdout, system_option
from portflow.errors import EXIT_UNREACHABLE, UsageError
from portflow.manifest import load_manifest
from portflow.porting import SQLITE_PREFIX, check_system_url
from portflow.scratch import die_with_parent
from portflow.settings import (
    DEFAULT_CRON,
    DEFAULT_INTERVAL_SECONDS,
    DEFAULT_TIMEZONE,
    HEARTBEAT_SECONDS,
    Settings,
    point_prefect_at,
    prefect_server_environment,
    use_flow_heartbeats,
    use_prefect_defaults,
)

SERVER_START_SECONDS = 120
# A deployment another serve polled lately: how long to wait for it to age out (it polls
# every few seconds; Prefect counts one not polled for 60 s as not served).
TAKEOVER_WAIT_SECONDS = 75
TAKEOVER_POLL_SECONDS = 5
_CRON_FIELD = re.compile(r"^[0-9A-Za-z*/,\-?#LW]+$")


@click.command()
@click.option(
    "--accounts",
    required=True,
    metavar="DIR",
    callback=not_blank,
    help="Folder the account exports are refreshed into (read at every run).",
)
@click.option(
    "--out",
    required=True,
    metavar="DIR",
    callback=not_blank,
    help="Reports go here: OUT/YYYY-MM-DD/ each night, OUT/inbox-runs/ per file.",
)
@click.option(
    "--inbox", metavar="DIR", callback=not_blank, help="Watch this folder for new customer files."
)
@click.option(
    "--manifest",
    metavar="FILE",
    callback=not_blank,
    help="With --inbox: also submit each file's port requests with this manifest.",
)
@system_option
@click.option(
    "--state",
    metavar="PATH",
    callback=not_blank,
    help="Reconciliation state (default: in the data dir).",
)
@click.option(
    "--cron", default=DEFAULT_CRON, show_default=True, help="When the nightly reconciliation runs."
)
@click.option(
    "--timezone",
    default=DEFAULT_TIMEZONE,
    show_default=True,
    help="The cron's timezone (and the run date's).",
)
@click.option(
    "--interval",
    "interval_seconds",
    type=click.IntRange(min=5),
    default=DEFAULT_INTERVAL_SECONDS,
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
    _check_cron(cron)
    if system is not None:  # absolute, as the other paths: one store, one spelling
        check_system_url(system)
        if system.startswith(SQLITE_PREFIX):
            system = SQLITE_PREFIX + str(Path(system[len(SQLITE_PREFIX) :]).resolve())
    else:
        check_system_url(settings.system_url)
    folders = _check_places(accounts=accounts, out=out, inbox=inbox, manifest=manifest)
    absolute = {  # as named, not resolved: a `current` symlink is followed each night
        name: os.path.abspath(value) if value else None
        for name, value in (
            ("accounts", accounts),
            ("out", out),
            ("inbox", inbox),
            ("manifest", manifest),
            ("state", state),
        )
    }
    with _prefect_api(settings, prefect_port) as (api, own_server):
        use_prefect_defaults(verbose=settings.log_level == "DEBUG")
        use_flow_heartbeats(HEARTBEAT_SECONDS)
        from prefect import serve as prefect_serve

        from flows.deployments import (
            ServeOptions,
            build_deployments,
            ensure_zombie_automation,
            served_elsewhere,
        )

        try:
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
        except ValueError as error:  # pydantic's verdict on the schedule
            raise UsageError(f"--cron {cron!r}: {str(error).splitlines()[-1].strip()}") from None
        _wait_until_not_served(api, lambda: served_elsewhere(deployments))
        _make_folders(folders)  # once everything else is known to be right
        if own_server:  # on a shared server, leave other teams' runs to their own rules
            ensure_zombie_automation()
        stdout.print(
            f"Serving on Prefect API {api} (UI: {api.removesuffix('/api')}):", markup=False
        )
        for deployment in deployments:
            stdout.print(f"  {deployment.flow_name}/{deployment.name}", markup=False)
        prefect = Path(sys.executable).with_name("prefect")
        stdout.print(
            f"Trigger one now with: PREFECT_API_URL={api} {prefect} deployment run "
            "'portflow-reconcile/nightly'   (Ctrl-C stops serving)",
            markup=False,
        )
        prefect_serve(*deployments, print_starting_message=False)


def _wait_until_not_served(api: str, taken_now: Callable[[], list[str]]) -> None:
    """Another serve polled these deployments in the last minute. One that crashed stops
    polling, and a minute later they are free: wait that long (a restart after a crash);
    one that still polls after it is alive, and taking over would stop it serving."""
    deadline = time.monotonic() + TAKEOVER_WAIT_SECONDS
    taken = taken_now()
    if taken:
        stderr.print(
            f"{', '.join(taken)}: served by another process in the last minute; waiting up "
            f"to {TAKEOVER_WAIT_SECONDS} s in case it has stopped ...",
            markup=False,
        )
    while taken:
        if time.monotonic() > deadline:
            raise UsageError(
                f"{', '.join(taken)}: served by another process on Prefect API {api}; stop "
                "that serve first, or use another PREFECT_API_URL"
            )
        time.sleep(TAKEOVER_POLL_SECONDS)
        taken = taken_now()


def _check_places(
    *, accounts: str, out: str, inbox: str | None, manifest: str | None
) -> list[tuple[str, str]]:
    """What every run will need, checked once here: otherwise each night's run and every
    customer file would fail on it (to failed/, with no error.txt if --out is the problem).
    Returns the folders to make (option, path), made once serving can start."""
    if not Path(accounts).is_dir():
        problem = "is a file, not a folder" if Path(accounts).exists() else "no such folder"
        raise UsageError(f"--accounts {accounts}: {problem}")
    folders = [
        (option, folder) for option, folder in (("--out", out), ("--inbox", inbox)) if folder
    ]
    for option, folder in folders:
        if Path(folder).exists() and not Path(folder).is_dir():
            raise UsageError(f"{option} {folder}: is a file, not a folder")
    if manifest is not None:
        load_manifest(Path(manifest))  # its shape; readiness is each file's run's to check
    return folders


def _make_folders(folders: list[tuple[str, str]]) -> None:
    for option, folder in folders:
        try:
            Path(folder).mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise UsageError(f"{option} {folder}: cannot be made ({error.strerror})") from None
        if not os.access(folder, os.W_OK | os.X_OK):
            raise UsageError(f"{option} {folder}: not writable")


def _check_timezone(name: str) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(f"--timezone {name!r} is not a timezone like America/New_York") from None


def _check_cron(expression: str) -> None:
    """The shape of a cron expression (Prefect checks the values when it builds the schedule)."""
    fields = expression.split()
    if len(fields) not in (5, 6) or not all(_CRON_FIELD.match(f) for f in fields):
        raise UsageError(f"--cron {expression!r} is not a cron expression like '0 2 * * *'")


@contextmanager
def _prefect_api(settings: Settings, port: int) -> Iterator[tuple[str, bool]]:
    """(API URL, started here): the configured Prefect API, or a local server of our own."""
    if settings.prefect_api_url:
        if not _healthy(settings.prefect_api_url):
            raise UsageError(
                f"PREFECT_API_URL {settings.prefect_api_url} does not answer; start "
                "that server, or unset PREFECT_API_URL to let serve start one"
            )
        yield settings.prefect_api_url, False
        return
    api = f"http://127.0.0.1:{port}/api"
    if not _port_free(port):
        raise UsageError(
            f"port {port} is in use; pick another with --prefect-port, or point "
            "PREFECT_API_URL at the Prefect server listening there"
        )
    log_path = settings.data_dir / "prefect-server.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    stdout.print(
        f"No PREFECT_API_URL: starting a local Prefect server on {api} (log: {log_path}) ...",
        markup=False,
    )
    with log_path.open("ab") as log:
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
            stdout=log,
            stderr=subprocess.STDOUT,
            # Its own session, so that Ctrl-C reaches serve first (which still needs the
            # server to stop serving cleanly); and it dies with serve, however serve ends.
            start_new_session=True,
            preexec_fn=die_with_parent,
        )
    stopping = threading.Event()
    try:
        _wait_healthy(api, server, log_path)
        point_prefect_at(api)
        _watch(server, log_path, stopping)
        yield api, True
    finally:
        stopping.set()
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


def _watch(server: subprocess.Popen[bytes], log_path: Path, stopping: threading.Event) -> None:
    """If the local server stops while serving, say so and stop: nothing would run."""

    def watch() -> None:
        code = server.wait()
        if stopping.is_set():
            return
        stderr.print(
            f"portflow: error: the local Prefect server stopped (exit {code}); "
            f"serving stopped; see {log_path}",
            markup=False,
        )
        os._exit(EXIT_UNREACHABLE)

    threading.Thread(target=watch, name="prefect-server-watch", daemon=True).start()


def _port_free(port: int) -> bool:
    """Nothing listens on `port` (connections of a server stopped a minute ago, in
    TIME_WAIT, do not count: the server binds with SO_REUSEADDR too)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _healthy(api: str) -> bool:
    try:
        return httpx.get(f"{api.rstrip('/')}/health", timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


def _wait_healthy(api: str, server: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise UsageError(
                f"the local Prefect server did not start (exit {server.returncode}); see {log_path}"
            )
        if _healthy(api):
            return
        time.sleep(0.5)
    raise UsageError(
        f"the local Prefect server did not answer on {api} within "
        f"{SERVER_START_SECONDS} s; see {log_path}"
    )
