"""The check, step by step: read -> normalise -> validate -> judge -> write.

The CLI runs these steps directly; `flows/check.py` runs the very same `run_check` with each
step as a Prefect task. There is no second implementation.
"""

from __future__ import annotations

import contextvars
import dataclasses
import datetime as dt
import logging
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import polars as pl

from portflow.accounts import Accounts, export_account_id, load_accounts
from portflow.numbers import Normaliser
from portflow.porting import opened
from portflow.readers import INPUT_COLUMNS, Batch, read_batch
from portflow.readers.limits import DEFAULT_LIMITS, Limits
from portflow.readers.tabulate import numbered
from portflow.reports import (
    CONFIGURED_XLSX,
    DEFAULT_XLSX_LIMIT,
    FAX_TICKET,
    INTERNATIONAL_TICKET,
    SUBMITTED_CSV,
    Reports,
    planned_outputs,
    write_check_outputs,
)
from portflow.settings import load_settings
from portflow.summary import build_summary, new_run_id
from rules.judge import judge
from rules.keys import KEY
from rules.outcome import Outcome, decide
from rules.service import service_kinds
from schemas.batch import NormalisedBatch
from schemas.configured_numbers import CONFIGURED_COLUMNS
from schemas.rejects import REJECT_COLUMNS

log = logging.getLogger(__name__)

T = TypeVar("T")
Step = Callable[..., Any]
"""Runs one named step: `step(name, function, *args, **kwargs)` returns the function's result."""

# Columns the pipeline adds; an input column with one of these names is renamed.
INTERNAL_COLUMNS = (
    "row_id",
    "number_status",
    "number_problem",
    "national",
    "country",
    "number_type",
    "extension",
    "receiving_status",
    "receiving_e164",
    "receiving_extension",
    "receiving_problem",
    "service_kind",
    "reason",
    "routing_name",
    "port_group",
    "warnings",
    KEY,
)
RESERVED = {
    name.casefold()
    for name in (*INTERNAL_COLUMNS, *INPUT_COLUMNS, *REJECT_COLUMNS, *CONFIGURED_COLUMNS)
}


def run_directly(name: str, function: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    log.debug("step: %s", name)
    return function(*args, **kwargs)


@dataclass(frozen=True)
class CheckOptions:
    inputs: tuple[str, ...]
    accounts: Path
    out: Path
    run_date: dt.date
    allow_missing: frozenset[str] = frozenset()
    xlsx_limit: int = DEFAULT_XLSX_LIMIT
    account_id: str | None = None
    cache_dir: Path | None = None
    stdin_path: Path | None = None  # where `-` (standard input) was saved
    system_url: str | None = None  # also look for conflicts in this porting system
    input_names: tuple[str, ...] | None = None  # how reports name the inputs (default: paths)
    limits: Limits = DEFAULT_LIMITS  # what one input or export may cost to read
    # Port requests whose numbers are not IN_OTHER_PORT: submit's own account's requests in
    # the porting system, whose numbers its push reports as submitted earlier.
    own_requests: frozenset[str] = frozenset()


@dataclass
class Checked:
    """A checked batch: where it came from and where each row landed."""

    options: CheckOptions
    batch: Batch
    accounts: Accounts
    outcome: Outcome


@dataclass
class CheckResult:
    summary: dict[str, Any]
    outcome: Outcome
    written: list[str] = field(default_factory=list)


def run_check(options: CheckOptions, *, step: Step = run_directly) -> CheckResult:
    """The whole check; each stage goes through `step` (directly, or as a Prefect task)."""
    return write_results(check_inputs(options, step=step), step=step)


def check_inputs(options: CheckOptions, *, step: Step = run_directly) -> Checked:
    """Read, normalise, validate and judge: every row accepted, rejected or fax."""
    normaliser = Normaliser(cache_dir=options.cache_dir)
    # The exports are read and normalised on the other core while the inputs are: both are
    # mostly polars, which releases the GIL. (An error in the inputs still comes first.)
    with ThreadPoolExecutor(max_workers=1) as background:
        exports = background.submit(
            contextvars.copy_context().run,  # a Prefect task needs its flow run's context
            step,
            "read account exports",
            load_accounts,
            options.accounts,
            normaliser=normaliser,
            allow_missing=options.allow_missing,
            limits=options.limits,
        )
        batch: Batch = step(
            "read inputs",
            read_inputs,
            options.inputs,
            stdin=options.stdin_path,
            names=options.input_names,
            limits=options.limits,
        )
        frame: pl.DataFrame = step("normalise numbers", normalise_batch, batch, normaliser)
        accounts: Accounts = exports.result()
    if options.system_url:
        accounts = step(
            "read the porting system", with_system_requests, accounts, options.system_url
        )
    if options.own_requests:
        accounts = with_own_requests(accounts, options.own_requests)
    verdicts: pl.DataFrame = step("check the rules", judge, frame, accounts.tables)
    outcome: Outcome = step(
        "sort the rows",
        decide,
        frame,
        verdicts,
        routing=accounts.table("routing"),
        run_date=options.run_date,
    )
    return Checked(options, batch, accounts, outcome)


def write_results(
    checked: Checked,
    *,
    step: Step = run_directly,
    extra: Mapping[str, Any] | None = None,
    submitted: pl.DataFrame | None = None,
) -> CheckResult:
    """The outputs of SPEC 3 (and `submitted.csv` with a submission), written atomically.

    A run that submitted nothing leaves an earlier submitted.csv in place: the requests it
    lists exist, and it may be the only list of which number went in which (the summary
    says it is an earlier run's)."""
    batch = checked.batch
    reports = Reports.from_outcome(
        checked.outcome, optional=optional_columns(batch), carried=batch.carried
    )
    account = account_id(checked.options, checked.accounts)
    summary = step(
        "summarise",
        summarise,
        checked,
        reports,
        account=account,
        extra=extra,
        submitted=submitted is not None,
    )
    written: list[str] = step(
        "write outputs",
        write_check_outputs,
        reports,
        summary,
        checked.options.out,
        account_id=account,
        submitted=submitted,
    )
    return CheckResult(summary, checked.outcome, written)


def with_own_requests(accounts: Accounts, ids: frozenset[str]) -> Accounts:
    """The port_requests export with `own` marking these requests' rows: IN_OTHER_PORT
    leaves them to submit's push; forwarding to one of their numbers is still refused
    (ROUTES_TO_PORTED_NUMBER: it is mid-port, whoever asked for it)."""
    export = accounts.table("port_requests")
    if export is None:
        return accounts
    marked = export.with_columns(own=pl.col("port_request_id").is_in(sorted(ids)))
    return dataclasses.replace(accounts, tables={**accounts.tables, "port_requests": marked})


def with_system_requests(accounts: Accounts, url: str) -> Accounts:
    """The account's port requests plus the porting system's (for IN_OTHER_PORT)."""
    with opened(url, load_settings(), create=False) as system:
        known = system.request_numbers()
    export = accounts.table("port_requests")
    if export is not None:
        known = pl.concat([export.select(known.columns), known], how="vertical")
    return dataclasses.replace(accounts, tables={**accounts.tables, "port_requests": known})


def read_inputs(
    paths: tuple[str, ...],
    *,
    stdin: Path | None = None,
    names: tuple[str, ...] | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Batch:
    """Read every input; carried columns that clash with portflow's own names get renamed."""
    if stdin is not None:
        with stdin.open("rb") as handle:
            batch = read_batch(paths, stdin=handle, names=names, limits=limits)
    else:
        batch = read_batch(paths, names=names, limits=limits)
    taken = {name.casefold(): name for name in batch.frame.columns}
    renames = {  # numbered if an input has that header too
        name: numbered(f"{name} (input)", taken)
        for name in batch.carried
        if name.casefold() in RESERVED
    }
    if renames:
        batch.frame = batch.frame.rename(renames)
        batch.carried = [renames.get(name, name) for name in batch.carried]
    return batch


def normalise_batch(batch: Batch, normaliser: Normaliser) -> pl.DataFrame:
    """Adds what each number and receiving number is (SPEC 1.1) and the service kind."""
    frame = batch.frame
    numbers = normaliser.normalise(frame.get_column("number")).rename(
        {"status": "number_status", "problem": "number_problem"}
    )
    receiving = normaliser.normalise(
        frame.get_column("receiving_number"), columns=("status", "e164", "extension", "problem")
    ).select(
        receiving_status="status",
        receiving_e164="e164",
        receiving_extension="extension",
        receiving_problem="problem",
    )
    normalised = pl.concat([frame, numbers, receiving], how="horizontal").with_columns(
        service_kinds(frame)
    )
    return NormalisedBatch.validate(normalised)


def optional_columns(batch: Batch) -> list[str]:
    """The recognised optional columns (routing_id, service, ...) that some input had."""
    present = {
        name for source in batch.sources for table in source.tables for name in table.frame.columns
    }
    return [name for name in INPUT_COLUMNS[1:] if name in present]


def account_id(options: CheckOptions, accounts: Accounts) -> str | None:
    """`--account-id`, else the one account ID in the tracking_numbers export."""
    return options.account_id or export_account_id(accounts.table("tracking_numbers"))


def inactive_routing_warnings(outcome: Outcome, routing: pl.DataFrame | None) -> list[str]:
    """One warning per inactive routing that accepted numbers are configured with (each row
    says so in its `warnings` too): a routing given by its ID is not refused for being
    inactive (SPEC 2 refuses unknown IDs only), but calls to it go nowhere."""
    if routing is None or "active" not in routing.columns:
        return []
    inactive = routing.filter(~pl.col("active")).select("routing_id")
    counts = (
        outcome.configured.join(inactive, on="routing_id", how="semi")
        .group_by("routing_id")
        .len()
        .sort("routing_id")
    )
    return [
        f"{count} accepted number(s) are configured with routing {routing_id}, which is "
        "inactive in the account: activate it, or give those rows an active routing's ID"
        for routing_id, count in counts.iter_rows()
    ]


def summarise(
    checked: Checked,
    reports: Reports,
    *,
    account: str | None,
    extra: Mapping[str, Any] | None = None,
    submitted: bool = False,
) -> dict[str, Any]:
    """The run summary; `account`: the account ID the tickets name (None: not known)."""
    options, batch, accounts, outcome = (
        checked.options,
        checked.batch,
        checked.accounts,
        checked.outcome,
    )
    outputs = planned_outputs(reports, xlsx_limit=options.xlsx_limit, submitted=submitted)
    warnings = [*batch.warnings, *accounts.warnings]
    unrouted = outcome.configured.filter(pl.col("routing_id").is_null()).height
    if unrouted:
        warnings.append(
            f"{unrouted} accepted number(s) have no routing ID and will be "
            "configured without routing"
        )
    warnings.extend(inactive_routing_warnings(outcome, accounts.table("routing")))
    tickets = [name for name in (FAX_TICKET, INTERNATIONAL_TICKET) if name in outputs]
    if tickets and account is None:
        warnings.append(
            f"{' and '.join(tickets)} {'name' if len(tickets) > 1 else 'names'} no account "
            "ID: pass --account-id (the tracking_numbers export gives no single account_id)"
        )
    if not submitted and (options.out / SUBMITTED_CSV).is_file():
        warnings.append(
            f"{SUBMITTED_CSV} is an earlier submit run's (this run submitted nothing); the "
            "requests it lists are in the porting system"
        )
    if CONFIGURED_XLSX not in outputs:
        warnings.append(
            f"{CONFIGURED_XLSX} not written: {reports.configured.height:,} rows "
            f"exceed --xlsx-limit {options.xlsx_limit:,}; use configured_numbers.csv"
        )
    summary = build_summary(
        run_id=new_run_id(),
        run_date=options.run_date,
        batch=batch,
        outcome=outcome,
        account_files=accounts.files,
        warnings=warnings,
        checks_skipped=accounts.skipped_checks,
        outputs=outputs,
    )
    return {**summary, **(extra or {})}
