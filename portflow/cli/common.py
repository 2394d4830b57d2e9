"""What the commands share: consoles, options, the step runner with progress, stdin."""

from __future__ import annotations

import datetime as dt
import logging
import os
import sys
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from portflow.errors import InputError, PrefectUnavailable, UsageError
from portflow.pipeline import Step
from portflow.readers import STDIN_NAME
from portflow.readers.limits import megabytes, over
from portflow.reports import DEFAULT_XLSX_LIMIT
from portflow.scratch import scratch_folder

T = TypeVar("T")
STDIN_CHUNK = 1024 * 1024
log = logging.getLogger("portflow")
# Piped output is not cut to 80 columns: tables stay whole in logs and files.
stdout = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 160)
stderr = Console(stderr=True, highlight=False, soft_wrap=True)


EARLIEST_DATE, LATEST_DATE = dt.date(1970, 1, 1), dt.date(2999, 12, 31)


# What Prefect's client raises when its API does not answer, or its temporary server does
# not start in time (RuntimeError both).
_PREFECT_UNREACHABLE = ("Failed to reach API", "connect to ephemeral Prefect API server")


@contextmanager
def prefect_reachable(flow: str) -> Iterator[None]:
    """A Prefect API that does not answer is one line and exit 4, not a traceback."""
    try:
        yield
    except RuntimeError as error:
        if not any(text in str(error) for text in _PREFECT_UNREACHABLE):
            raise
        from prefect.settings import PREFECT_API_URL  # imported already: the flow ran

        api = PREFECT_API_URL.value() or "its temporary local server"
        raise PrefectUnavailable(
            f"Prefect API ({api}) did not answer, so flow {flow} did not run: run it again "
            "when Prefect is up, or with --no-prefect"
        ) from None


def check_prefect_home() -> None:
    """Prefect's temporary server keeps its database in PREFECT_HOME (default ~/.prefect;
    a prefect.toml or profile may say otherwise): one it cannot write is one line and exit
    2 here; Prefect would warn 21 times, then say its server did not answer (exit 4, which
    asks to run again: it would not help). With an API to talk to, no database is local."""
    with warnings.catch_warnings():  # Prefect's own about that home, once per setting
        warnings.simplefilter("ignore")
        from prefect.settings import get_current_settings

        settings = get_current_settings()
    if settings.api.url:
        return
    home = Path(settings.home).expanduser()
    existing = home
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise UsageError(
            f"PREFECT_HOME {home} cannot be written (Prefect keeps its database there): set "
            "PREFECT_HOME to a folder you can write, or run with --no-prefect"
        )


def parse_date(value: str | None, option: str = "--run-date") -> dt.date:
    if value is None:
        return dt.date.today()
    try:
        date = dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{option} {value!r} is not a date like 2026-11-26") from None
    if not EARLIEST_DATE <= date <= LATEST_DATE:  # a typo; 9999-12-31 + 42 days overflows
        raise UsageError(
            f"{option} {value!r} is outside {EARLIEST_DATE:%Y-%m-%d} to {LATEST_DATE:%Y-%m-%d}"
        )
    return date


def check_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """The options of every command that checks a batch (check, submit, demo)."""
    for option in reversed(
        [
            click.option(
                "--run-date",
                metavar="YYYY-MM-DD",
                help="Date completion windows count from (default: today).",
            ),
            click.option(
                "--allow-missing",
                "allow_missing",
                multiple=True,
                metavar="TABLE",
                help="Run without this account table (its check is skipped). Repeatable.",
            ),
            click.option(
                "--xlsx-limit",
                type=click.IntRange(min=0),
                default=DEFAULT_XLSX_LIMIT,
                show_default=True,
                help="Write configured_numbers.xlsx only up to this many rows.",
            ),
            click.option(
                "--account-id",
                help="Account ID for the tickets (default: from the manifest or the "
                "tracking_numbers export).",
            ),
            click.option(
                "--prefect/--no-prefect",
                "use_prefect",
                default=None,
                help="Run as a Prefect flow (default: only when a Prefect API is configured).",
            ),
            click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors."),
            verbose_option,
        ]
    ):
        function = option(function)
    return function


def not_blank(context: click.Context, parameter: click.Parameter, value: str | None) -> str | None:
    """A path option given as "" (an unset shell variable) is refused, not read as `.`."""
    if value is not None and not value.strip():
        raise click.BadParameter("is empty; name a file or folder (an unset variable?)")
    return value


def url_not_blank(
    context: click.Context, parameter: click.Parameter, value: str | None
) -> str | None:
    """`--system ""` (an unset shell variable) is refused, not read as "the default store":
    a nightly script would otherwise submit to the embedded store and report success."""
    if value is not None and not value.strip():
        raise click.BadParameter(
            "is empty; give sqlite:///PATH or an http(s):// URL (an unset variable?)"
        )
    return value


def _verbose(context: click.Context, parameter: click.Parameter, value: bool) -> None:
    if value:  # after `portflow`'s own set-up: its stderr handler says more from here on
        library = logging.getLogger("portflow")
        library.setLevel(logging.DEBUG)
        for handler in library.handlers:
            handler.setLevel(logging.DEBUG)


verbose_option = click.option(
    "-v",
    "--verbose",
    is_flag=True,
    expose_value=False,
    callback=_verbose,
    help="Log what each step does (to stderr); as `portflow -v COMMAND`.",
)


def system_option(function: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--system",
        "system",
        metavar="URL",
        callback=url_not_blank,
        help="Porting system: sqlite:///PATH or http(s)://... (default: PORTFLOW_SYSTEM_URL, "
        "else the embedded SQLite store). The token comes from PORTFLOW_SYSTEM_TOKEN.",
    )(function)


@contextmanager
def stdin_spooled(inputs: Sequence[str], *, max_bytes: int) -> Iterator[Path | None]:
    """Standard input, saved once so that any runner (direct or Prefect) can read it;
    refused past `max_bytes` (the file-size limit) rather than filling the disk."""
    if "-" not in inputs:
        yield None
        return
    if inputs.count("-") > 1:
        raise UsageError("- (standard input) is given more than once; it can be read once")
    if sys.stdin.isatty():
        stderr.print("Paste numbers, then Ctrl-D:")
    with scratch_folder("stdin") as folder:
        path = folder / "stdin.txt"
        size = 0
        with path.open("wb") as spool:
            while chunk := sys.stdin.buffer.read(STDIN_CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise InputError(
                        STDIN_NAME,
                        over(
                            "is",
                            f"over {megabytes(max_bytes)}",
                            megabytes(max_bytes),
                            "PORTFLOW_MAX_FILE_MB",
                        ),
                    )
                spool.write(chunk)
        yield path


@contextmanager
def errors_only() -> Iterator[None]:
    """portflow's stderr log handlers pass only errors (a retry's warning included), unless
    -v asked for everything."""
    handlers = [h for h in logging.getLogger("portflow").handlers if h.level > logging.DEBUG]
    levels = [h.level for h in handlers]
    for handler in handlers:
        handler.setLevel(max(handler.level, logging.ERROR))
    try:
        yield
    finally:
        for handler, level in zip(handlers, levels, strict=True):
            handler.setLevel(level)


@contextmanager
def progress(quiet: bool) -> Iterator[Step]:
    """A step runner that shows each step with its elapsed time on a terminal; `quiet`
    (-q: nothing but errors): no steps, and no log records below ERROR."""
    if quiet:
        with errors_only():
            yield plain_step
        return
    if not stderr.is_terminal:
        yield plain_step
        return
    columns = (
        SpinnerColumn(finished_text="[green]✓"),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=stderr, transient=False) as bar:

        def step(name: str, function: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
            task = bar.add_task(name[:1].upper() + name[1:], total=1)
            result = function(*args, **kwargs)
            bar.update(task, completed=1)
            return result

        yield step


def plain_step(name: str, function: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    log.info("%s", name)
    return function(*args, **kwargs)
