"""The nightly reconciliation: requests in the porting system against fresh account exports.

Writes `reconciliation.csv` / `.xlsx` and `summary.json` to --out (atomically), and records
the findings so that the next run can mark which ones are new.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from portflow import __version__
from portflow.accounts import export_account_id, load_accounts
from portflow.clock import day_in
from portflow.numbers import Normaliser
from portflow.pipeline import Step, run_directly
from portflow.porting import opened
from portflow.porting.models import PortRequest
from portflow.reports.safety import safe_frame, write_csv
from portflow.reports.staging import SUMMARY, StagedOutputs
from portflow.reports.workbook import SummarySheet, write_report_workbook
from portflow.settings import load_settings
from portflow.state import Key, ReconcileState
from portflow.summary import new_run_id
from rules.reconcile import Finding, reconcile

RECONCILIATION_CSV = "reconciliation.csv"
RECONCILIATION_XLSX = "reconciliation.xlsx"
OUTPUTS = (RECONCILIATION_CSV, RECONCILIATION_XLSX, SUMMARY)
REPORT_COLUMNS = (
    "code",
    "new",
    "port_request_id",
    "e164",
    "port_group",
    "status",
    "detail",
    "action",
    "carrier_reason",
    "foc_date",
    "submitted_on",
    "due_by",
)
REQUEST_SCHEMA = {
    "port_request_id": pl.String,
    "status": pl.String,
    "carrier_reason": pl.String,
    "foc_date": pl.Date,
    "port_group": pl.String,
    "submitted_on": pl.Date,
    "updated_on": pl.Date,  # the last change of status (a cancellation's date)
    "latest_completion": pl.Date,
    "e164": pl.String,
    "routing_id": pl.String,
    "receiving_number": pl.String,
}
# The account tables the findings use (routing is not one), and the findings each feeds.
FINDINGS_OF_TABLE = {
    "tracking_numbers": ("COMPLETED_NOT_CONFIGURED", "ROUTING_MISMATCH"),
    "receiving_numbers": ("NEW_CONFLICT",),
    "failsafe_numbers": ("NEW_CONFLICT",),
    "users": ("NEW_CONFLICT",),
    "port_requests": ("STATUS_MISMATCH",),
}


@dataclass(frozen=True)
class ReconcileOptions:
    accounts: Path
    out: Path
    system_url: str
    run_date: dt.date
    state: Path
    allow_missing: frozenset[str] = frozenset()
    cache_dir: Path | None = None
    create_system: bool = False  # an embedded store that does not exist yet: made, empty
    # Whose requests: this one, else the one account ID of the tracking_numbers export.
    account_id: str | None = None


@dataclass
class ReconcileResult:
    summary: dict[str, Any]
    findings: pl.DataFrame
    written: list[str] = field(default_factory=list)


def run_reconcile(options: ReconcileOptions, *, step: Step = run_directly) -> ReconcileResult:
    normaliser = Normaliser(cache_dir=options.cache_dir)
    accounts = step(
        "read account exports",
        load_accounts,
        options.accounts,
        normaliser=normaliser,
        allow_missing=options.allow_missing,
        needed=tuple(FINDINGS_OF_TABLE),
    )
    account = (options.account_id or "").strip() or export_account_id(
        accounts.table("tracking_numbers")
    )
    system, requests = step(
        "read the porting system",
        read_requests,
        options.system_url,
        create=options.create_system,
        account_id=account,
    )
    frame = requests_table(requests)
    found = step("reconcile", reconcile, frame, accounts.tables, run_date=options.run_date)
    skipped = {
        code
        for table, codes in FINDINGS_OF_TABLE.items()
        if accounts.table(table) is None
        for code in codes
    }
    checked = {finding.name for finding in Finding} - skipped
    state = ReconcileState(options.state)
    # The folder as named (absolute), not resolved: a `current` symlink switched to each
    # night's export is the same accounts every night.
    # The account too: a night that reconciled every account's requests is not compared
    # with one that reconciled this account's (their findings did not resolve).
    scope = f"{system} | {os.path.abspath(options.accounts)}" + (
        f" | account {account}" if account else ""
    )
    previous = state.previous(scope, options.run_date, checked)
    report = step("mark what is new", report_rows, found, frame, previous.known)
    keys = _keys(report)
    # A finding is resolved when its code was looked for both times and it is gone, and not
    # because its request was cancelled (its numbers are then CANCELLED findings).
    # (A code the previous run did not look for is compared with the last run that did.)
    gone = {key for key in previous.known - keys if key[0] in checked}
    cancelled_ids = {r.id for r in requests if r.status == "cancelled"}
    resolved = {  # a CANCELLED finding itself ends resolved (sent again, or its 30 days up)
        key for key in gone if key[0] == Finding.CANCELLED.name or key[1] not in cancelled_ids
    }
    run_id = new_run_id()
    summary = {
        "run_id": run_id,
        "run_date": options.run_date.isoformat(),
        "portflow_version": __version__,
        "system": system,
        "account_id": account,
        "accounts": accounts.files,
        "previous_run": previous.run_id,
        "previous_run_date": previous.run_date,
        "requests": len(requests),
        "numbers": frame.height,
        "requests_by_status": dict(sorted(Counter(r.status for r in requests).items())),
        "findings": report.height,
        "new_findings": int(report.get_column("new").sum()),
        "resolved_since_previous": len(resolved),
        "ended_by_cancellation": len(gone - resolved),
        "findings_by_code": _by_code(report),
        "new_by_code": _by_code(report.filter(pl.col("new"))),
        "findings_not_checked": sorted(skipped),
        "warnings": [
            *accounts.warnings,
            *_account_warnings(account, requests),
            *[
                f"table {table} was not provided: {', '.join(codes)} not looked for"
                for table, codes in FINDINGS_OF_TABLE.items()
                if accounts.table(table) is None
            ],
        ],
        "outputs": list(OUTPUTS),
    }
    written = step("write outputs", write_reconciliation, report, summary, options.out)
    state.record(scope, run_id, options.run_date, keys, checked)
    return ReconcileResult(summary, report, written)


def _account_warnings(account: str | None, requests: list[PortRequest]) -> list[str]:
    if not account:
        return [
            "no account ID (--account-id, or one account_id in the tracking_numbers export): "
            "every request in the porting system was reconciled, other accounts' too"
        ]
    if not requests:
        return [
            f"the porting system holds no request of account {account}: if it should, check "
            "the account ID (--account-id, or the tracking_numbers export's account_id; "
            "matched exactly, as submit's manifest gave it)"
        ]
    return []


def read_requests(
    url: str, *, create: bool = False, account_id: str | None = None
) -> tuple[str, list[PortRequest]]:
    """The account's requests (every request, without one); a missing embedded store is an
    error unless `create` (then: empty)."""
    with opened(url, load_settings(), create=create) as system:
        return system.description, system.list_requests(account_id=account_id)


def requests_table(requests: list[PortRequest]) -> pl.DataFrame:
    """One row per request and number."""
    rows = [
        (
            r.id,
            r.status,
            r.carrier_reason,
            r.foc_date,
            r.port_group,
            day_in(None, r.created_at),  # this machine's date, as --run-date's default
            day_in(None, r.updated_at),
            r.latest_completion,
            line.e164,
            line.routing_id,
            line.receiving_number,
        )
        for r in requests
        for line in r.numbers
    ]
    return pl.DataFrame(rows, schema=REQUEST_SCHEMA, orient="row")


def report_rows(
    found: pl.DataFrame, requests: pl.DataFrame, previous: frozenset[Key]
) -> pl.DataFrame:
    """Findings with their request's facts, and `new` when the previous run did not have them."""
    seen = pl.DataFrame(
        list(previous),
        schema={"code": pl.String, "port_request_id": pl.String, "e164": pl.String},
        orient="row",
    )
    details = requests.select(
        "port_request_id",
        "e164",
        "port_group",
        "status",
        "carrier_reason",
        "foc_date",
        "submitted_on",
        due_by="latest_completion",
    )
    return (
        found.join(details, on=["port_request_id", "e164"], how="left")
        .join(
            seen.with_columns(seen=pl.lit(True)), on=["code", "port_request_id", "e164"], how="left"
        )
        .with_columns(new=pl.col("seen").is_null())
        .select(REPORT_COLUMNS)
    )


def write_reconciliation(report: pl.DataFrame, summary: dict[str, Any], out: Path) -> list[str]:
    text = safe_frame(
        report.with_columns(
            pl.col("new").replace_strict({True: "yes", False: "no"}, return_dtype=pl.String),
            pl.col("foc_date", "submitted_on", "due_by").cast(pl.String),
        )
    )
    with StagedOutputs(out, summary["run_id"], known=OUTPUTS) as stage:
        write_csv(text, stage.path(RECONCILIATION_CSV))
        write_report_workbook(
            text, stage.path(RECONCILIATION_XLSX), sheet="Findings", summary=_summary_sheet(summary)
        )
        stage.path(SUMMARY).write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
        return stage.commit()


def reconciliation_markdown(summary: dict[str, Any]) -> str:
    lines = [
        f"# portflow reconciliation {summary['run_id']}",
        "",
        f"Run date {summary['run_date']}, porting system {summary['system']}: "
        f"{summary['requests']} requests, {summary['numbers']} numbers; "
        f"**{summary['findings']}** findings, **{summary['new_findings']}** new, "
        f"{summary['resolved_since_previous']} resolved since the previous run"
        + (
            f" ({summary['ended_by_cancellation']} more ended by a cancelled request)."
            if summary["ended_by_cancellation"]
            else "."
        ),
        "",
        "| Finding | Numbers | New | Meaning |",
        "|---|---:|---:|---|",
        *[
            f"| {code} | {count} | {summary['new_by_code'].get(code, 0)} | "
            f"{Finding[code].meaning} |"
            for code, count in summary["findings_by_code"].items()
        ],
    ]
    if summary["warnings"]:
        lines += ["", "## Warnings", "", *[f"- {w}" for w in summary["warnings"]]]
    return "\n".join(lines) + "\n"


def _summary_sheet(summary: dict[str, Any]) -> SummarySheet:
    return SummarySheet(
        title="portflow reconciliation",
        facts=[
            ("Run", summary["run_id"]),
            ("Run date", summary["run_date"]),
            ("Porting system", summary["system"]),
            ("Previous run", summary["previous_run"] or "none"),
        ],
        totals_title="Requests and findings",
        totals=[
            ("Port requests", summary["requests"]),
            ("Numbers in them", summary["numbers"]),
            ("Findings", summary["findings"]),
            ("New since the previous run", summary["new_findings"]),
            ("Resolved since the previous run", summary["resolved_since_previous"]),
            ("Ended by a cancelled request", summary["ended_by_cancellation"]),
        ],
        counts_title="Findings by code",
        counts_header=("Finding", "Numbers", "What it means"),
        counts=summary["findings_by_code"],
        descriptions={finding.name: finding.meaning for finding in Finding},
        lists=[
            (
                "Requests by status",
                ("Status", "Requests"),
                [(status, str(n)) for status, n in summary["requests_by_status"].items()],
            ),
            ("Warnings", ("Warning",), [(w,) for w in summary["warnings"]] or [("none",)]),
        ],
    )


def _keys(report: pl.DataFrame) -> set[Key]:
    return {(c, r, e) for c, r, e in report.select("code", "port_request_id", "e164").iter_rows()}


def _by_code(report: pl.DataFrame) -> dict[str, int]:
    counts = dict(report.group_by("code").len().iter_rows())
    return {f.name: counts[f.name] for f in Finding if f.name in counts}
