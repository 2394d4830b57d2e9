"""The run summary (SPEC 3.4): counts, groups and warnings, as JSON and as markdown."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl

from portflow import __version__
from portflow.readers import Batch
from rules.outcome import Outcome
from rules.reasons import Reason


def new_run_id(now: dt.datetime | None = None) -> str:
    """Sortable and unique: `20261126T125438Z-3f9a1c`."""
    moment = now or dt.datetime.now(dt.UTC)
    return f"{moment:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def port_groups(configured: pl.DataFrame) -> list[dict[str, Any]]:
    if configured.height == 0:
        return []
    return (
        configured.group_by("port_group")
        .agg(
            numbers=pl.len(),
            earliest_completion=pl.col("earliest_completion").min(),
            latest_completion=pl.col("latest_completion").max(),
        )
        .sort("port_group")
        .to_dicts()
    )


def rejects_by_reason(rejected: pl.DataFrame) -> dict[str, int]:
    counts = dict(rejected.group_by("reason_code").len().iter_rows())
    return {reason.name: counts[reason.name] for reason in Reason if reason.name in counts}


def build_summary(
    *,
    run_id: str,
    run_date: dt.date,
    batch: Batch,
    outcome: Outcome,
    account_files: Mapping[str, str],
    warnings: Sequence[str],
    checks_skipped: Sequence[str],
    outputs: Sequence[str],
) -> dict[str, Any]:
    inputs = [
        {
            "file": source.file,
            "sheet": table.sheet,
            "sha256": source.sha256,
            "rows": table.rows,
            "skipped_blank": table.skipped_blank,
        }
        for source in batch.sources
        for table in source.tables
    ]
    return {
        "run_id": run_id,
        "run_date": run_date.isoformat(),
        "portflow_version": __version__,
        "inputs": inputs,
        "accounts": dict(account_files),
        "rows": outcome.rows,
        "accepted": outcome.configured.height,
        "rejected": outcome.rejected.height,
        "fax": outcome.fax.height,
        "international": outcome.international.height,
        "skipped_blank": batch.skipped_blank,
        "rejects_by_reason": rejects_by_reason(outcome.rejected),
        "groups": port_groups(outcome.configured),
        "fax_groups": port_groups(outcome.fax),
        "warnings": list(warnings),
        "checks_skipped": list(checks_skipped),
        "outputs": list(outputs),
    }


def summary_markdown(summary: Mapping[str, Any]) -> str:
    """The run as an operator reads it in the Prefect UI."""
    lines = [
        f"# portflow check {summary['run_id']}",
        "",
        f"Run date {summary['run_date']}: **{summary['rows']}** rows checked, "
        f"**{summary['accepted']}** accepted, **{summary['fax']}** fax, "
        f"**{summary['rejected']}** rejected, {summary['skipped_blank']} blank rows skipped.",
        "",
        "| Reason | Rows | Meaning |",
        "|---|---:|---|",
        *[
            f"| {code} | {count} | {Reason[code].message} |"
            for code, count in summary["rejects_by_reason"].items()
        ],
        "",
        "| Port group | Numbers | Earliest | Latest |",
        "|---|---:|---|---|",
        *[
            f"| {g['port_group']} | {g['numbers']} | {g['earliest_completion']} | "
            f"{g['latest_completion']} |"
            for g in summary["groups"]
        ],
    ]
    submission = summary.get("submission")
    if submission:
        lines += [
            "",
            f"## Submitted to {submission['system']}",
            "",
            f"{submission['created']} request(s) created, {submission['existing']} already "
            f"there; {submission['numbers_submitted']} numbers submitted, "
            f"{submission['numbers_refused']} refused, {submission['numbers_not_submitted']} "
            "not submitted.",
            "",
            "| Request | Group | Numbers | Status | New |",
            "|---|---|---:|---|---|",
            *[
                f"| {r['port_request_id']} | {r['port_group']} | {r['numbers']} | {r['status']} "
                f"| {'yes' if r['created'] else 'no'} |"
                for r in submission["requests"]
            ],
        ]
    notes = [*summary["checks_skipped"], *summary["warnings"]]
    if notes:
        lines += ["", "## Warnings", "", *[f"- {note}" for note in notes]]
    return "\n".join(lines) + "\n"
