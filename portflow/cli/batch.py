"""`portflow check`, `portflow submit` and `portflow demo`: a batch in, SPEC 3 outputs out."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import click
from rich.markup import escape

from portflow.cli.common import (
    check_options,
    check_prefect_home,
    not_blank,
    parse_date,
    prefect_reachable,
    progress,
    stdin_spooled,
    stdout,
    system_option,
    url_not_blank,
)
from portflow.errors import UsageError
from portflow.pipeline import CheckOptions, run_check
from portflow.porting import SQLITE_PREFIX, SqliteSystem, check_system_url
from portflow.reports import INTERNATIONAL_TICKET
from portflow.settings import Settings, use_prefect_defaults
from portflow.submission import SubmitOptions, run_submit

REPO_ROOT = Path(__file__).resolve().parents[2]
SAMPLES = REPO_ROOT / "data" / "samples"
SAMPLE_SUFFIXES = {".csv", ".tsv", ".txt", ".xlsx", ".xlsm"}
DEMO_OUT = Path("portflow-demo")
DEMO_RUN_DATE = "2026-11-26"  # the samples' paperwork (LOA, bill) is dated for this day


@click.command()
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option(
    "--accounts",
    required=True,
    metavar="DIR",
    callback=not_blank,
    help="Folder with the account's exported tables (NAME.csv or NAME.xlsx).",
)
@click.option(
    "--out", required=True, metavar="DIR", callback=not_blank, help="Folder for the outputs."
)
@click.option(
    "--system",
    metavar="URL",
    callback=url_not_blank,
    help="Also treat numbers in this porting system's active or complete requests "
    "as IN_OTHER_PORT (sqlite:///PATH or http(s)://...; default: PORTFLOW_SYSTEM_URL "
    "if set, else no porting system).",
)
@check_options
@click.pass_obj
def check(
    settings: Settings,
    inputs: tuple[str, ...],
    accounts: str,
    out: str,
    system: str | None,
    **options: Any,
) -> None:
    """Check INPUT files (CSV, TSV, XLSX, TXT, or - for standard input) for portability."""
    # The embedded store is not a default here: a check needs no porting system.
    if system is None and settings.system_url_set:
        system = settings.system_url
    _run(settings, inputs, Path(accounts), Path(out), system=system, **options)


@click.command()
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option(
    "--accounts",
    required=True,
    metavar="DIR",
    callback=not_blank,
    help="Folder with the account's exported tables (NAME.csv or NAME.xlsx).",
)
@click.option(
    "--manifest",
    required=True,
    metavar="FILE",
    callback=not_blank,
    help="The port request manifest (YAML): paperwork, billing, LOA, bill.",
)
@click.option(
    "--out", required=True, metavar="DIR", callback=not_blank, help="Folder for the outputs."
)
@click.option(
    "--max-per-request",
    type=click.IntRange(min=1),
    metavar="N",
    help="Split a port group into requests of at most N numbers "
    "(default: the manifest's max_numbers_per_request, else 1000).",
)
@system_option
@check_options
@click.pass_obj
def submit(
    settings: Settings,
    inputs: tuple[str, ...],
    accounts: str,
    manifest: str,
    out: str,
    max_per_request: int | None,
    system: str | None,
    **options: Any,
) -> None:
    """Check INPUT files, then submit each port group to the porting system, once."""
    _run(
        settings,
        inputs,
        Path(accounts),
        Path(out),
        submit_to=system or settings.system_url,
        new_system_expected=system is None and not settings.system_url_set,
        manifest=Path(manifest),
        max_per_request=max_per_request,
        **options,
    )


@click.command()
@click.option(
    "--out",
    default=str(DEMO_OUT),
    show_default=True,
    metavar="DIR",
    callback=not_blank,
    help="Folder for the outputs; the demo's porting system is DIR-porting-system.db.",
)
@click.option(
    "--samples",
    default=str(SAMPLES),
    metavar="DIR",
    callback=not_blank,
    show_default=True,
    help="Folder with the sample inputs, accounts/ and manifest.yaml.",
)
@system_option
@check_options
@click.pass_obj
def demo(
    settings: Settings,
    out: str,
    samples: str,
    system: str | None,
    use_prefect: bool | None,
    run_date: str | None,
    **options: Any,
) -> None:
    """The whole job on data/samples/: check, submit to an embedded porting system, list."""
    folder = Path(samples).resolve()
    if folder.is_relative_to(Path.cwd()):  # reports name files the way the user sees them
        folder = folder.relative_to(Path.cwd())
    files = sorted(folder.iterdir()) if folder.is_dir() else []
    inputs = tuple(str(p) for p in files if p.is_file() and p.suffix.lower() in SAMPLE_SUFFIXES)
    if not inputs:
        raise UsageError(f"no sample inputs in {folder}")
    # Beside --out, not in it: the porting system keeps the PIN, the outputs never do.
    target = system or f"sqlite:///{Path(out).with_name(Path(out).name + '-porting-system.db')}"
    _run(
        settings,
        inputs,
        folder / "accounts",
        Path(out),
        submit_to=target,
        new_system_expected=system is None,
        manifest=folder / "manifest.yaml",
        max_per_request=None,
        use_prefect=True if use_prefect is None else use_prefect,
        run_date=run_date or DEMO_RUN_DATE,
        **options,
    )
    if not options["quiet"]:
        from portflow.cli.system import print_requests

        print_requests(target, settings)


# The demo's own defaults, where the options it shares with check and submit differ.
for _parameter in demo.params:
    _parameter.help = {
        "run_date": f"Date completion windows count from (default: {DEMO_RUN_DATE}, the "
        "samples' day).",
        "use_prefect": "Run as a Prefect flow (default: yes; on Prefect's ephemeral API "
        "when none is configured).",
        "system": "Porting system: sqlite:///PATH or http(s)://... (default: "
        "DIR-porting-system.db beside --out; PORTFLOW_SYSTEM_URL is not used, so the demo "
        "never submits to a real system).",
    }.get(_parameter.name or "", getattr(_parameter, "help", None))


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
    system: str | None = None,
    submit_to: str | None = None,
    new_system_expected: bool = False,
    manifest: Path | None = None,
    max_per_request: int | None = None,
) -> None:
    started = time.perf_counter()
    for url in (system, submit_to):
        if url is not None:
            check_system_url(url)  # before a flow run records it
    if system is not None and system.startswith(SQLITE_PREFIX):
        # A check only reads it: a missing store is said now, not after the whole check.
        SqliteSystem(Path(system[len(SQLITE_PREFIX) :]), create=False)
    with stdin_spooled(inputs, max_bytes=settings.limits.max_file_bytes) as stdin_path:
        check = CheckOptions(
            inputs=inputs,
            accounts=accounts,
            out=out,
            run_date=parse_date(run_date),
            allow_missing=frozenset(allow_missing),
            xlsx_limit=xlsx_limit,
            account_id=account_id,
            cache_dir=settings.cache_dir,
            stdin_path=stdin_path,
            system_url=system,
            limits=settings.limits,
        )
        submission = (
            None
            if submit_to is None or manifest is None
            else SubmitOptions(
                check=check,
                manifest=manifest,
                system_url=submit_to,
                max_per_request=max_per_request,
                new_system_expected=new_system_expected,
            )
        )
        prefect = settings.prefect_configured if use_prefect is None else use_prefect
        if prefect:
            summary = _run_flow(
                check, submission, quiet=quiet, verbose=settings.log_level == "DEBUG"
            )
        else:
            with progress(quiet) as step:
                summary = (
                    run_check(check, step=step)
                    if submission is None
                    else run_submit(submission, step=step)
                ).summary
    if not quiet:
        print_summary(summary, out, time.perf_counter() - started)


def _run_flow(
    check: CheckOptions, submission: SubmitOptions | None, *, quiet: bool, verbose: bool
) -> dict[str, Any]:
    """The same job as a Prefect flow (recorded in the configured API, or a temporary one)."""
    use_prefect_defaults(verbose=verbose)  # before Prefect is imported
    check_prefect_home()
    from flows.check import check_flow  # Prefect costs ~1 s to import; only when used
    from flows.submit import submit_flow

    name = "portflow-check" if submission is None else "portflow-submit"
    with prefect_reachable(name), progress(quiet) as step:
        if submission is None:
            state = step("Prefect flow portflow-check", check_flow, check, return_state=True)
        else:
            state = step("Prefect flow portflow-submit", submit_flow, submission, return_state=True)
    summary: dict[str, Any] = state.result()
    if not quiet:
        stdout.print(f"Prefect flow run {state.state_details.flow_run_id} completed")
    return summary


def print_summary(summary: dict[str, Any], out: Path, seconds: float) -> None:
    sheets = len(summary["inputs"])
    files = len({entry["file"] for entry in summary["inputs"]})
    stdout.print(
        f"Checked [bold]{summary['rows']:,}[/] rows from {files} file(s), {sheets} table(s); "
        f"{summary['skipped_blank']:,} blank rows skipped ({seconds:.1f} s)."
    )
    for label, count, file in (
        ("accepted", summary["accepted"], "configured_numbers.csv"),
        ("fax", summary["fax"], "tickets/fax_numbers.csv"),
        ("rejected", summary["rejected"], "rejects.xlsx"),
    ):
        target = f"-> {escape(str(out / file))}" if count or label == "rejected" else ""
        stdout.print(f"  {label:<9}{count:>9,}  {target}")
    if summary["rejects_by_reason"]:
        reasons = ", ".join(
            f"{code} {count:,}" for code, count in summary["rejects_by_reason"].items()
        )
        stdout.print(f"Rejects by reason: {reasons}")
    if summary.get("international"):
        stdout.print(
            f"International: {summary['international']:,} rejected number(s) with nothing else "
            f"wrong go by ticket -> {escape(str(out / INTERNATIONAL_TICKET))}"
        )
    for group in summary["groups"]:
        plural = "" if group["numbers"] == 1 else "s"
        stdout.print(
            f"Port group {escape(group['port_group'])}: {group['numbers']:,} number{plural}, "
            f"complete {group['earliest_completion']} to {group['latest_completion']}"
        )
    readiness = summary.get("readiness")
    if readiness:
        stdout.print("Readiness checklist:", markup=False)
        for check in readiness["checks"]:
            mark = "x" if check["ok"] else " "
            stdout.print(f"  [{mark}] {check['item']}: {check['detail']}", markup=False)
    submission = summary.get("submission")
    if submission:
        stdout.print(
            f"Submitted to {submission['system']}: {submission['created']} port request(s) "
            f"created, {submission['existing']} already there; "
            f"{submission['numbers_submitted']:,} numbers submitted, "
            f"{submission['numbers_refused']:,} refused (in another request) -> "
            f"{out / 'submitted.csv'}",
            markup=False,
        )
    for note in [*summary["checks_skipped"], *summary["warnings"]]:
        stdout.print(f"[yellow]warning:[/] {escape(note)}", markup=True)
    stdout.print(f"Summary: {out / 'summary.json'}", markup=False)
