"""The check's outputs (SPEC 3): reject report, configured numbers, tickets and summary."""

from __future__ import annotations

import json
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from portflow.reports.safety import safe_frame, write_csv
from portflow.reports.staging import SUMMARY, StagedOutputs
from portflow.reports.tickets import fax_ticket, international_ticket
from portflow.reports.workbook import write_rejects_workbook, write_table_workbook
from rules.outcome import Outcome
from rules.reasons import Reason
from schemas.configured_numbers import CONFIGURED_COLUMNS, ConfiguredNumbers
from schemas.rejects import REJECT_COLUMNS, Rejects

REJECTS_CSV = "rejects.csv"
REJECTS_XLSX = "rejects.xlsx"
CONFIGURED_CSV = "configured_numbers.csv"
CONFIGURED_XLSX = "configured_numbers.xlsx"
FAX_CSV = "tickets/fax_numbers.csv"
FAX_TICKET = "tickets/fax_ticket.md"
INTERNATIONAL_CSV = "tickets/international_numbers.csv"
INTERNATIONAL_TICKET = "tickets/international_ticket.md"
SUBMITTED_CSV = "submitted.csv"
CHECK_OUTPUTS = (
    REJECTS_CSV,
    REJECTS_XLSX,
    CONFIGURED_CSV,
    CONFIGURED_XLSX,
    FAX_CSV,
    FAX_TICKET,
    INTERNATIONAL_CSV,
    INTERNATIONAL_TICKET,
    SUMMARY,
)
INTERNATIONAL_COLUMNS = (
    "e164",
    "country",
    "raw_number",
    "source_file",
    "source_sheet",
    "source_row",
)
DEFAULT_XLSX_LIMIT = 100_000


@dataclass(frozen=True)
class Reports:
    """The tables as written, in SPEC column order, then the columns carried from inputs."""

    rejects: pl.DataFrame
    configured: pl.DataFrame
    fax: pl.DataFrame
    international: pl.DataFrame

    @classmethod
    def from_outcome(
        cls, outcome: Outcome, *, optional: Sequence[str], carried: Sequence[str]
    ) -> Reports:
        """`optional`: recognised input columns some input had (routing_id, service, ...):
        rejects show them as given; the configured file keeps those it has no column for."""
        rejects = outcome.rejected.with_columns(raw_number=pl.col("number")).select(
            *REJECT_COLUMNS, *optional, *carried
        )
        kept = [name for name in optional if name not in CONFIGURED_COLUMNS and name != "service"]
        configured, fax = (
            frame.with_columns(receiving_number=pl.col("receiving_e164")).select(
                *CONFIGURED_COLUMNS, *kept, *carried
            )
            for frame in (outcome.configured, outcome.fax)
        )
        international = outcome.international.with_columns(raw_number=pl.col("number")).select(
            *INTERNATIONAL_COLUMNS, *carried
        )
        Rejects.validate(rejects)
        ConfiguredNumbers.validate(configured)
        return cls(rejects, configured, fax, international)


def _safe_csv(frame: pl.DataFrame, path: Path) -> pl.DataFrame:
    safe = safe_frame(frame)
    write_csv(safe, path)
    return safe


def planned_outputs(reports: Reports, *, xlsx_limit: int, submitted: bool = False) -> list[str]:
    """The files this run writes, known before writing (the summary lists them)."""
    names = [REJECTS_CSV, REJECTS_XLSX, CONFIGURED_CSV]
    if submitted:
        names.append(SUBMITTED_CSV)
    if reports.configured.height <= xlsx_limit:
        names.append(CONFIGURED_XLSX)
    if reports.fax.height:
        names += [FAX_CSV, FAX_TICKET]
    if reports.international.height:
        names += [INTERNATIONAL_CSV, INTERNATIONAL_TICKET]
    return [*names, SUMMARY]


def write_check_outputs(
    reports: Reports,
    summary: dict[str, Any],
    out: Path,
    *,
    account_id: str | None,
    submitted: pl.DataFrame | None = None,
) -> list[str]:
    """Write every planned output to `out` atomically; returns the names written.

    A run that submitted nothing leaves a previous submission's submitted.csv alone; one
    that submitted replaces it.
    """
    planned = set(summary["outputs"])
    known = (*CHECK_OUTPUTS, SUBMITTED_CSV) if submitted is not None else CHECK_OUTPUTS
    with (
        StagedOutputs(out, summary["run_id"], known=known) as stage,
        ThreadPoolExecutor(max_workers=1) as background,
    ):
        # The configured numbers (most of the rows) are written while the rejects workbook
        # is: polars writes CSV without the GIL (1M rows: 1.50 -> 1.28 s for the outputs).
        configured_csv = background.submit(
            _safe_csv, reports.configured, stage.path(CONFIGURED_CSV)
        )
        if submitted is not None:
            write_csv(safe_frame(submitted), stage.path(SUBMITTED_CSV))
        rejects = safe_frame(reports.rejects)
        write_csv(rejects, stage.path(REJECTS_CSV))
        write_rejects_workbook(
            rejects,
            stage.path(REJECTS_XLSX),
            summary,
            descriptions={r.name: r.message for r in Reason},
        )
        configured = configured_csv.result()
        if CONFIGURED_XLSX in planned:
            write_table_workbook(
                configured,
                stage.path(CONFIGURED_XLSX),
                sheet="Configured numbers",
                title="portflow configured numbers",
            )
        if FAX_CSV in planned:
            write_csv(safe_frame(reports.fax), stage.path(FAX_CSV))
            stage.path(FAX_TICKET).write_text(
                fax_ticket(reports.fax, summary, account_id=account_id), encoding="utf-8"
            )
        if INTERNATIONAL_CSV in planned:
            write_csv(safe_frame(reports.international), stage.path(INTERNATIONAL_CSV))
            stage.path(INTERNATIONAL_TICKET).write_text(
                international_ticket(reports.international, summary, account_id=account_id),
                encoding="utf-8",
            )
        stage.path(SUMMARY).write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
        return stage.commit()
