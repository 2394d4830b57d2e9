"""The `portflow` command line: check and demo (SPEC 4), with progress and a short summary."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from portflow.errors import EXIT_BAD_INPUT, EXIT_BUG, PortflowError, UsageError
from portflow.pipeline import CheckOptions, Step, run_check
from portflow.reports import DEFAULT_XLSX_LIMIT
from portflow.settings import Settings, load_settings, use_prefect_defaults

T = TypeVar("T")
REPO_ROOT = Path(__file__).resolve().parent.parent
SAMPLES = REPO_ROOT / "data" / "samples"
SAMPLE_SUFFIXES = {".csv", ".tsv", ".txt", ".xlsx", ".xlsm"}
DEMO_OUT = Path("portflow-demo")

log = logging.getLogger("portflow")
stdout = Console(highlight=False, soft_wrap=True)
stderr = Console(stderr=True, highlight=False, soft_wrap=True)


def _parse_date(value: str | None) -> dt.date:
    if value is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"--run-date {value!r} is not a date like 2026-11-26") from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", is_flag=True, help="Log what each step does (to stderr).")
@click.version_option(package_name="portflow")
@click.pass_context
def cli(context: click.Context, verbose: bool) -> None:
    """Check phone-number port lists against an account; report rejects; configure the rest."""
    settings = load_settings()
    if verbose:
        settings = dataclasses.replace(settings, log_level="DEBUG")
    level = getattr(logging, settings.log_level, logging.WARNING)
    handler = logging.StreamHandler(sys.stderr)  # portflow's own records; Prefect has its own
    handler.setLevel(level)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    library = logging.getLogger("portflow")
    library.addHandler(handler)
    library.setLevel(min(level, logging.INFO))  # INFO still reaches a Prefect run's logs
    context.obj = settings


def _check_options(function: Callable[..., Any]) -> Callable[..., Any]:
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
                help="Account ID for the tickets (default: from the tracking_numbers export).",
            ),
            click.option(
                "--prefect/--no-prefect",
                "use_prefect",
                default=None,
                help="Run as a Prefect flow (default: only when a Prefect API is configured).",
            ),
            click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors."),
        ]
    ):
        function = option(function)
    return function


@cli.command()
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option(
    "--accounts",
    "accounts",
    required=True,
    metavar="DIR",
    help="Folder with the account's exported tables (NAME.csv or NAME.xlsx).",
)
@click.option("--out", "out", required=True, metavar="DIR", help="Folder for the outputs.")
@_check_options
@click.pass_obj
def check(
    settings: Settings, inputs: tuple[str, ...], accounts: str, out: str, **options: Any
) -> None:
    """Check INPUT files (CSV, TSV, XLSX, TXT, or - for standard input) for portability."""
    _run(settings, inputs, Path(accounts), Path(out), **options)


@cli.command()
@click.option(
    "--out",
    "out",
    default=str(DEMO_OUT),
    show_default=True,
    metavar="DIR",
    help="Folder for the outputs.",
)
@click.option(
    "--samples",
    default=str(SAMPLES),
    metavar="DIR",
    show_default=True,
    help="Folder with the sample inputs and an accounts/ folder.",
)
@_check_options
@click.pass_obj
def demo(
    settings: Settings, out: str, samples: str, use_prefect: bool | None, **options: Any
) -> None:
    """The whole job on the samples in data/samples/, with embedded defaults."""
    folder = Path(samples).resolve()
    if folder.is_relative_to(Path.cwd()):  # reports name files the way the user sees them
        folder = folder.relative_to(Path.cwd())
    files = sorted(folder.iterdir()) if folder.is_dir() else []
    inputs = tuple(str(p) for p in files if p.is_file() and p.suffix.lower() in SAMPLE_SUFFIXES)
    if not inputs:
        raise UsageError(f"no sample inputs in {folder}")
    _run(
        settings,
        inputs,
        folder / "accounts",
        Path(out),
        use_prefect=True if use_prefect is None else use_prefect,
        **options,
    )


def _run(
    settings: Settings,
    inputs: tuple[str, ...],
    accounts: Path,
    out: Path,
    *,
    run_date: str | None,
    allow_missing: tuple[str, ...],
    xlsx_limit: int,
    account_id: str | None,
    use_prefect: bool | None,
    quiet: bool,
) -> None:
    started = time.perf_counter()
    with _stdin_spooled(inputs) as stdin_path:
        options = CheckOptions(
            inputs=inputs,
            accounts=accounts,
            out=out,
            run_date=_parse_date(run_date),
            allow_missing=frozenset(allow_missing),
            xlsx_limit=xlsx_limit,
            account_id=account_id,
            cache_dir=settings.cache_dir,
            stdin_path=stdin_path,
        )
        prefect = settings.prefect_configured if use_prefect is None else use_prefect
        if prefect:
            summary = _run_flow(options, quiet=quiet, verbose=settings.log_level == "DEBUG")
        else:
            with _progress(quiet) as step:
                summary = run_check(options, step=step).summary
    if not quiet:
        _print_summary(summary, out, time.perf_counter() - started)


def _run_flow(options: CheckOptions, *, quiet: bool, verbose: bool) -> dict[str, Any]:
    """The same check as a Prefect flow (recorded in the configured API, or a temporary one)."""
    use_prefect_defaults(verbose=verbose)
    from flows.check import check_flow  # Prefect costs ~1 s to import; only when used

    with _progress(quiet) as step:
        state = step("Prefect flow portflow-check", check_flow, options, return_state=True)
    summary: dict[str, Any] = state.result()
    if not quiet:
        stdout.print(f"Prefect flow run {state.state_details.flow_run_id} completed")
    return summary


@contextmanager
def _stdin_spooled(inputs: Sequence[str]) -> Iterator[Path | None]:
    """Standard input, saved once so that any runner (direct or Prefect) can read it."""
    if "-" not in inputs:
        yield None
        return
    if sys.stdin.isatty():
        stderr.print("Paste numbers, then Ctrl-D:")
    with tempfile.TemporaryDirectory(prefix="portflow-stdin-") as folder:
        path = Path(folder) / "stdin.txt"
        path.write_bytes(sys.stdin.buffer.read())
        yield path


@contextmanager
def _progress(quiet: bool) -> Iterator[Step]:
    """A step runner that shows each step with its elapsed time on a terminal."""
    if quiet or not stderr.is_terminal:
        yield _plain_step
        return
    columns = (
        SpinnerColumn(finished_text="[green]✓"),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=stderr, transient=False) as progress:

        def step(name: str, function: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
            task = progress.add_task(name[:1].upper() + name[1:], total=1)
            result = function(*args, **kwargs)
            progress.update(task, completed=1)
            return result

        yield step


def _plain_step(name: str, function: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    log.info("%s", name)
    return function(*args, **kwargs)


def _print_summary(summary: dict[str, Any], out: Path, seconds: float) -> None:
    sheets = len(summary["inputs"])
    files = len({entry["file"] for entry in summary["inputs"]})
    stdout.print(
        f"Checked [bold]{summary['rows']:,}[/] rows from {files} file(s), {sheets} table(s); "
        f"{summary['skipped_blank']:,} blank rows skipped ({seconds:.1f} s)."
    )
    lines = [
        ("accepted", summary["accepted"], "configured_numbers.csv"),
        ("fax", summary["fax"], "tickets/fax_numbers.csv"),
        ("rejected", summary["rejected"], "rejects.xlsx"),
    ]
    for label, count, file in lines:
        target = f"-> {out / file}" if count or label == "rejected" else ""
        stdout.print(f"  {label:<9}{count:>9,}  {target}")
    if summary["rejects_by_reason"]:
        reasons = ", ".join(
            f"{code} {count:,}" for code, count in summary["rejects_by_reason"].items()
        )
        stdout.print(f"Rejects by reason: {reasons}")
    for group in summary["groups"]:
        plural = "" if group["numbers"] == 1 else "s"
        stdout.print(
            f"Port group {group['port_group']}: {group['numbers']:,} number{plural}, "
            f"complete {group['earliest_completion']} to {group['latest_completion']}"
        )
    for note in [*summary["checks_skipped"], *summary["warnings"]]:
        stdout.print(f"[yellow]warning:[/] {note}", markup=True)
    stdout.print(f"Summary: {out / 'summary.json'}")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: maps errors to SPEC 4 exit codes with one line on stderr."""
    try:
        cli.main(
            args=list(argv) if argv is not None else None,
            prog_name="portflow",
            standalone_mode=False,
        )
    except click.exceptions.Exit as done:
        return done.exit_code
    except click.UsageError as error:
        where = (
            f"portflow {error.ctx.info_name}" if error.ctx and error.ctx.info_name else "portflow"
        )
        hint = f" (see {error.ctx.command_path} --help)" if error.ctx else ""
        stderr.print(f"{where}: error: {error.format_message()}{hint}", markup=False)
        return EXIT_BAD_INPUT
    except click.Abort:
        stderr.print("portflow: interrupted", markup=False)
        return 130
    except PortflowError as error:
        stderr.print(f"portflow: error: {error}", markup=False)
        return error.exit_code
    except Exception:  # a bug: show everything, exit 1
        stderr.print_exception()
        return EXIT_BUG
    return 0


if __name__ == "__main__":
    sys.exit(main())
