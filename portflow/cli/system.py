"""`portflow requests` and `portflow system ...`: the porting system, seen and driven."""

from __future__ import annotations

import csv
import socket
import sys
from pathlib import Path

import click
from pydantic import ValidationError
from rich.table import Table
from rich.text import Text

from portflow.cli.common import not_blank, parse_date, stdout, system_option
from portflow.errors import UsageError
from portflow.porting import opened
from portflow.porting.models import STATUSES, PortRequest, StatusChange
from portflow.porting.store import SqliteSystem
from portflow.reports.safety import safe_text
from portflow.settings import Settings

REQUEST_COLUMNS = (
    "id",
    "status",
    "port_group",
    "numbers",
    "friendly_name",
    "created_at",
    "foc_date",
    "carrier_reason",
)


def _row(request: PortRequest) -> list[str]:
    values = {
        "id": request.id,
        "status": request.status,
        "port_group": request.port_group,
        "numbers": str(len(request.numbers)),
        "friendly_name": request.friendly_name,
        "created_at": request.created_at.strftime("%Y-%m-%d %H:%M"),
        "foc_date": request.foc_date.isoformat() if request.foc_date else "",
        "carrier_reason": request.carrier_reason or "",
    }
    return [values[column] for column in REQUEST_COLUMNS]


def print_requests(
    url: str, settings: Settings, *, as_csv: bool = False, missing_ok: bool = False
) -> None:
    """The requests as a table or CSV; `missing_ok`: an embedded store not made yet has none
    (where the user named the system, a missing store is an error: likely a typo)."""
    with opened(url, settings, create=missing_ok) as system:
        found = system.list_requests()
    if as_csv:  # often saved and opened in a spreadsheet: no cell may start a formula
        writer = csv.writer(sys.stdout, lineterminator="\n", quoting=csv.QUOTE_NONNUMERIC)
        writer.writerow(REQUEST_COLUMNS)
        writer.writerows([safe_text(value) for value in _row(request)] for request in found)
        return
    shown = [c for c in REQUEST_COLUMNS if c != "friendly_name"]  # long; kept in --format csv
    # Text, not markup: a value from the porting system like `[/]` would stop the listing.
    table = Table(title=Text(f"Port requests in {system.description}"), title_justify="left")
    for column in shown:
        table.add_column(column, justify="right" if column == "numbers" else "left", no_wrap=True)
    for request in found:
        values = dict(zip(REQUEST_COLUMNS, _row(request), strict=True))
        table.add_row(*[Text(values[column]) for column in shown])
    stdout.print(table if found else Text(f"No port requests in {system.description}."))


LISTEN_BACKLOG = 2048  # as uvicorn binds its own


@click.command()
@system_option
@click.option(
    "--format",
    "output",
    type=click.Choice(["table", "csv"]),
    default="table",
    show_default=True,
    help="A table for people, or CSV on standard output.",
)
@click.pass_obj
def requests(settings: Settings, system: str | None, output: str) -> None:
    """List the port requests in the porting system."""
    default = system is None and not settings.system_url_set  # the embedded store
    print_requests(
        system or settings.system_url, settings, as_csv=output == "csv", missing_ok=default
    )


@click.group(name="system")
def system_group() -> None:
    """The reference porting system: serve it, and move requests through their lifecycle."""


@system_group.command()
@click.option(
    "--db",
    required=True,
    metavar="PATH",
    callback=not_blank,
    help="SQLite file of the porting system.",
)
@click.option("--port", type=click.IntRange(1, 65535), default=8765, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option(
    "--faults",
    is_flag=True,
    hidden=True,
    help="Accept POST /v1/_faults (canned 429/5xx answers): for tests and drills.",
)
@click.pass_obj
def serve(settings: Settings, db: str, port: int, host: str, faults: bool) -> None:
    """Serve the HTTP/JSON porting-system API (token from PORTFLOW_SYSTEM_TOKEN)."""
    if settings.system_token is None or not settings.system_token.get_secret_value():
        raise UsageError("set PORTFLOW_SYSTEM_TOKEN: the service refuses calls without it")
    import uvicorn

    from portflow.porting.service import create_app

    app = create_app(SqliteSystem(Path(db)), token=settings.system_token, faults=faults)
    # Bound here, so that a port in use is one line (uvicorn would log it and exit 3). The
    # protocol is named: asyncio sets TCP_NODELAY only on a socket that says it is TCP, and
    # without it each answer waited 40 ms for a delayed ACK (4.3 s for a 90-request push).
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listening = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listening.bind((host, port))
        listening.listen(LISTEN_BACKLOG)
    except OSError as error:
        listening.close()
        raise UsageError(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
    with listening:
        port = listening.getsockname()[1]  # --port 0: the one the system chose
        where = f"[{host}]" if ":" in host else host
        stdout.print(f"portflow porting system on http://{where}:{port} (database {db})")
        server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
        server.run(sockets=[listening])


@system_group.command(name="set-status")
@click.argument("request_id")
@click.argument("status", type=click.Choice(STATUSES))
@click.option("--reason", metavar="CODE", help="The carrier's reason code (for exception).")
@click.option("--foc-date", metavar="YYYY-MM-DD", help="The firm order commitment date (foc).")
@system_option
@click.pass_obj
def set_status(
    settings: Settings,
    request_id: str,
    status: str,
    reason: str | None,
    foc_date: str | None,
    system: str | None,
) -> None:
    """Move REQUEST_ID to STATUS, as the carrier did (submitted, exception, foc, ...)."""
    if status == "exception" and not reason:
        raise UsageError("an exception needs the carrier's reason code: --reason CODE")
    if status == "foc" and not foc_date:
        raise UsageError("FOC needs the firm order commitment date: --foc-date YYYY-MM-DD")
    try:
        change = StatusChange.model_validate(
            {
                "status": status,
                "carrier_reason": reason,
                "foc_date": parse_date(foc_date, "--foc-date") if foc_date else None,
            }
        )
    except ValidationError as error:
        raise UsageError(f"--reason: {error.errors()[0]['msg']}") from None
    with opened(system or settings.system_url, settings, create=False) as target:
        updated = target.set_status(request_id, change)
    stdout.print(
        f"{updated.id}: {updated.status}"
        + (f" ({updated.carrier_reason})" if updated.carrier_reason else "")
        + (f", FOC {updated.foc_date}" if updated.foc_date else ""),
        markup=False,
    )
