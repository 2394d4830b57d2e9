"""`portflow reconcile`: the nightly reconciliation, once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from portflow.cli.common import (
    check_prefect_home,
    not_blank,
    parse_date,
    prefect_reachable,
    progress,
    stdout,
    system_option,
    verbose_option,
)
from portflow.porting import check_system_url
from portflow.reconcile import ReconcileOptions, run_reconcile
from portflow.settings import Settings, use_prefect_defaults


@click.command()
@click.option(
    "--accounts",
    required=True,
    metavar="DIR",
    callback=not_blank,
    help="Folder with the account's exported tables, freshly exported.",
)
@click.option(
    "--out", required=True, metavar="DIR", callback=not_blank, help="Folder for the outputs."
)
@system_option
@click.option("--run-date", metavar="YYYY-MM-DD", help="The day to reconcile as (default: today).")
@click.option(
    "--state",
    metavar="PATH",
    callback=not_blank,
    help="Where findings are remembered between runs, to mark new ones "
    "(default: PORTFLOW_DATA_DIR/reconcile-state.db).",
)
@click.option(
    "--allow-missing",
    "allow_missing",
    multiple=True,
    metavar="TABLE",
    help="Run without this account table (its findings are skipped). Repeatable.",
)
@click.option(
    "--account-id",
    metavar="ID",
    help="Reconcile this account's requests (default: the one account_id in the "
    "tracking_numbers export; without either, every request in the porting system).",
)
@click.option(
    "--prefect/--no-prefect",
    "use_prefect",
    default=None,
    help="Run as a Prefect flow (default: only when a Prefect API is configured).",
)
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")
@verbose_option
@click.pass_obj
def reconcile(
    settings: Settings,
    accounts: str,
    out: str,
    system: str | None,
    run_date: str | None,
    state: str | None,
    allow_missing: tuple[str, ...],
    account_id: str | None,
    use_prefect: bool | None,
    quiet: bool,
) -> None:
    """Reconcile the porting system's requests with the account's exports."""
    check_system_url(system or settings.system_url)  # before a flow run records it
    options = ReconcileOptions(
        accounts=Path(accounts),
        out=Path(out),
        system_url=system or settings.system_url,
        # The default embedded store may not exist yet; a store the user named must.
        create_system=system is None and not settings.system_url_set,
        run_date=parse_date(run_date),
        state=Path(state) if state else settings.data_dir / "reconcile-state.db",
        allow_missing=frozenset(allow_missing),
        cache_dir=settings.cache_dir,
        account_id=account_id,
    )
    prefect = settings.prefect_configured if use_prefect is None else use_prefect
    if prefect:
        use_prefect_defaults(verbose=settings.log_level == "DEBUG")  # before Prefect's import
        check_prefect_home()
        from flows.reconcile import reconcile_flow

        with prefect_reachable("portflow-reconcile"), progress(quiet) as step:
            summary: dict[str, Any] = step(
                "Prefect flow portflow-reconcile",
                reconcile_flow,
                accounts=str(options.accounts),
                out=str(options.out),
                system_url=system,
                state=str(options.state),
                run_date=options.run_date.isoformat(),
                allow_missing=sorted(options.allow_missing),
                account_id=account_id,
            )
    else:
        with progress(quiet) as step:
            summary = run_reconcile(options, step=step).summary
    if not quiet:
        print_reconciliation(summary, Path(out))


def print_reconciliation(summary: dict[str, Any], out: Path) -> None:
    stdout.print(
        f"Reconciled {summary['requests']} port request(s), {summary['numbers']} number(s) in "
        f"{summary['system']}: {summary['findings']} finding(s), {summary['new_findings']} new, "
        f"{summary['resolved_since_previous']} resolved since the previous run"
        + (
            f" ({summary['ended_by_cancellation']} more ended by a cancelled request)."
            if summary["ended_by_cancellation"]
            else "."
        ),
        markup=False,
    )
    for code, count in summary["findings_by_code"].items():
        new = summary["new_by_code"].get(code, 0)
        stdout.print(f"  {code:<26}{count:>7,}  ({new:,} new)", markup=False)
    for warning in summary["warnings"]:
        stdout.print(f"warning: {warning}", markup=False)
    stdout.print(
        f"Report: {out / 'reconciliation.xlsx'} (and .csv); summary: {out / 'summary.json'}",
        markup=False,
    )
