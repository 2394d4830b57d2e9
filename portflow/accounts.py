"""Account exports (SPEC 1.2): found, read, validated with their schemas and normalised."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

import pandera.polars as pa
import polars as pl

from portflow.errors import AccountExportError, InputError
from portflow.numbers import Normaliser
from portflow.readers import is_secret_header, read_table_file
from portflow.readers.grid import ROW
from portflow.readers.headers import INPUT_ALIASES, NUMBER, alias_index
from portflow.readers.limits import DEFAULT_LIMITS, Limits
from portflow.readers.tabulate import Table, headers_seen, tabulate
from rules.keys import with_key
from rules.statuses import ACTIVE_STATUSES, COMPLETE_STATUSES, NOT_BLOCKING_STATUSES
from schemas.common import TRUE_WORDS
from schemas.failsafe_numbers import FailsafeNumbers
from schemas.port_requests import PortRequests
from schemas.receiving_numbers import ReceivingNumbers
from schemas.routing import Routing
from schemas.tracking_numbers import TrackingNumbers
from schemas.users import Users

log = logging.getLogger(__name__)

MAX_LISTED_ROWS = 5


@dataclass(frozen=True)
class TableSpec:
    """An export table: its key column (to find the header), columns and schema."""

    name: str
    key: str
    columns: tuple[str, ...]
    schema: type[pa.DataFrameModel]
    checks: str  # the reason codes that need it, for --allow-missing messages


TABLES: dict[str, TableSpec] = {
    spec.name: spec
    for spec in (
        TableSpec(
            "tracking_numbers",
            NUMBER,
            ("number", "id", "name", "routing_id", "receiving_number", "account_id"),
            TrackingNumbers,
            "ALREADY_TRACKING",
        ),
        TableSpec(
            "receiving_numbers",
            NUMBER,
            ("number", "id", "name", "active"),
            ReceivingNumbers,
            "RECEIVING_NUMBER",
        ),
        TableSpec("failsafe_numbers", NUMBER, ("number",), FailsafeNumbers, "FAILSAFE_NUMBER"),
        TableSpec("users", NUMBER, ("number", "user_id", "name"), Users, "USER_ASSIGNED"),
        TableSpec(
            "port_requests",
            "port_request_id",
            ("port_request_id", "number", "status"),
            PortRequests,
            "IN_OTHER_PORT (and ROUTES_TO_PORTED_NUMBER for numbers in open port requests)",
        ),
        TableSpec(
            "routing",
            "routing_id",
            ("routing_id", "name", "type", "active"),
            Routing,
            "ROUTING_NAME_NOT_ID, UNKNOWN_ROUTING_ID",
        ),
    )
}
SUFFIXES = (".csv", ".xlsx")


@dataclass
class Accounts:
    """The account's tables, normalised; a table that was allowed to be missing is None."""

    tables: dict[str, pl.DataFrame | None]
    files: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def table(self, name: str) -> pl.DataFrame | None:
        return self.tables.get(name)

    @property
    def skipped_checks(self) -> list[str]:
        return [
            f"{TABLES[name].checks} not checked: table {name} was not provided"
            for name, frame in self.tables.items()
            if frame is None
        ]


def load_accounts(
    folder: Path,
    *,
    normaliser: Normaliser,
    allow_missing: Collection[str] = (),
    needed: Collection[str] = tuple(TABLES),
    limits: Limits = DEFAULT_LIMITS,
) -> Accounts:
    """Read the SPEC 1.2 tables `needed` (default: all) from `folder` (`NAME.csv`/`.xlsx`)."""
    unknown = set(allow_missing) - set(TABLES)
    if unknown:
        raise AccountExportError(
            ", ".join(sorted(unknown)),
            f"--allow-missing names no such table; the tables are {', '.join(TABLES)}",
        )
    if not folder.is_dir():
        problem = "is a file, not a folder" if folder.exists() else "does not exist"
        raise AccountExportError("(all)", f"the accounts folder {folder} {problem}")
    accounts = Accounts({})
    missing = []
    for spec in (TABLES[name] for name in TABLES if name in needed):
        path = _find(folder, spec.name)
        if path is None:
            if spec.name not in allow_missing:
                missing.append(spec.name)
            accounts.tables[spec.name] = None
            continue
        accounts.files[spec.name] = str(path)
        accounts.tables[spec.name] = _load(path, spec, normaliser, accounts.warnings, limits=limits)
    if missing:
        expected = ", ".join(f"{name}.csv or {name}.xlsx" for name in missing)
        raise AccountExportError(
            ", ".join(missing),
            f"missing from {folder} (expected {expected}); export it, or pass "
            f"--allow-missing {missing[0]} to run without its check",
        )
    return accounts


def export_account_id(tracking: pl.DataFrame | None) -> str | None:
    """The one account ID in the tracking_numbers export's account_id column, if any."""
    if tracking is None or "account_id" not in tracking.columns:
        return None
    ids = tracking.get_column("account_id").drop_nulls().unique()
    return str(ids[0]) if ids.len() == 1 else None


def _find(folder: Path, name: str) -> Path | None:
    for suffix in SUFFIXES:
        if (folder / f"{name}{suffix}").is_dir():
            raise AccountExportError(
                name, f"{folder / f'{name}{suffix}'} is a folder, not the exported table"
            )
    found = [
        folder / f"{name}{suffix}" for suffix in SUFFIXES if (folder / f"{name}{suffix}").is_file()
    ]
    if len(found) > 1:
        raise AccountExportError(
            name,
            f"both {found[0].name} and {found[1].name} are in "
            f"{folder}; keep only the current export",
        )
    return found[0] if found else None


def read_export(path: Path, spec: TableSpec, *, limits: Limits = DEFAULT_LIMITS) -> Table:
    """The export's rows under its column names (header found like the inputs' headers)."""
    aliases: dict[str, tuple[str, ...]] = {column: () for column in spec.columns}
    if NUMBER in aliases:
        aliases[NUMBER] = INPUT_ALIASES[NUMBER]
    index = alias_index(aliases)
    file = str(path)
    try:
        grids, warnings = read_table_file(path, file=file, limits=limits)
    except InputError as error:
        raise AccountExportError(spec.name, error.problem, file=file) from None
    except OSError as error:
        raise AccountExportError(spec.name, f"cannot be read: {error}", file=file) from None
    for grid in grids:
        table = tabulate(grid, index, wanted=spec.key)
        if table is not None:
            return dataclasses.replace(table, warnings=(*warnings, *table.warnings))
    seen = headers_seen(grids[0], secret=is_secret_header) if grids else "none"
    raise AccountExportError(
        spec.name, f"no header row with a {spec.key} column (headers seen: {seen})", file=file
    )


def _load(
    path: Path, spec: TableSpec, normaliser: Normaliser, warnings: list[str], *, limits: Limits
) -> pl.DataFrame:
    table = read_export(path, spec, limits=limits)
    warnings.extend(table.warnings)
    frame = table.frame.select(
        ROW,
        *[
            pl.col(c).str.strip_chars().replace("", None).alias(c)
            for c in spec.columns
            if c in table.frame.columns
        ],
    )
    if "active" in frame.columns:
        frame = frame.with_columns(pl.col("active").str.to_lowercase())
    _validate(frame, spec, str(path))
    # Optional columns the export does not have are blank from here on (`active`: true).
    frame = frame.with_columns(
        pl.lit(None, dtype=pl.String).alias(c) for c in spec.columns if c not in frame.columns
    )
    if NUMBER in frame.columns:
        frame = _with_numbers(frame, spec, normaliser, str(path), warnings)
    if "receiving_number" in frame.columns:
        receiving = normaliser.normalise(frame.get_column("receiving_number"), columns=("e164",))
        frame = frame.with_columns(receiving_e164=receiving.get_column("e164"))
    if "active" in frame.columns:
        frame = frame.with_columns(
            active=pl.col("active").is_null() | pl.col("active").is_in(TRUE_WORDS)
        )
    if spec.name == "port_requests":
        frame = _with_blocking(frame, str(path), warnings)
    return frame


def _validate(frame: pl.DataFrame, spec: TableSpec, file: str) -> None:
    try:
        spec.schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases.sort("index", nulls_last=False)
        first = cases.row(0, named=True)
        if first["index"] is None:
            raise AccountExportError(spec.name, _table_problem(first, frame), file=file) from None
        row = int(frame.get_column(ROW)[first["index"]])
        more = cases.height - 1
        problem = _cell_problem(first) + (f" (and {more} more)" if more else "")
        raise AccountExportError(
            spec.name, problem, file=file, row=row, column=first["column"]
        ) from None


def _table_problem(case: dict[str, object], frame: pl.DataFrame) -> str:
    if case["check"] == "column_in_dataframe":
        seen = ", ".join(c for c in frame.columns if c != ROW)
        return f"no {case['failure_case']} column (columns found: {seen})"
    return f"{case['check']} failed: {case['failure_case']}"


def _cell_problem(case: dict[str, object]) -> str:
    check = str(case["check"])
    if check == "not_nullable":
        return "empty; every row needs a value here"
    if check.startswith("isin"):
        return f"'{case['failure_case']}' is not true or false"
    if check == "field_uniqueness":
        return f"'{case['failure_case']}' appears more than once"
    return f"'{case['failure_case']}' fails {check}"


def _with_numbers(
    frame: pl.DataFrame, spec: TableSpec, normaliser: Normaliser, file: str, warnings: list[str]
) -> pl.DataFrame:
    numbers = normaliser.normalise(frame.get_column(NUMBER), columns=("e164",))
    # The rules join on the integer key; worked out here, on the exports' own thread.
    frame = with_key(frame.with_columns(e164=numbers.get_column("e164")))
    unreadable = frame.filter(pl.col(NUMBER).is_not_null() & pl.col("e164").is_null())
    if unreadable.height:
        rows = ", ".join(str(r) for r in unreadable.get_column(ROW).head(MAX_LISTED_ROWS))
        warnings.append(
            f"{file}: {unreadable.height} number(s) are not valid phone numbers "
            f"and can match nothing (rows {rows}"
            + (", ..." if unreadable.height > MAX_LISTED_ROWS else "")
            + ")"
        )
    return frame


def _with_blocking(frame: pl.DataFrame, file: str, warnings: list[str]) -> pl.DataFrame:
    status = pl.col("status").str.to_lowercase().str.replace_all(r"[\s\-]+", "_")
    frame = frame.with_columns(status=status)
    known = (*ACTIVE_STATUSES, *COMPLETE_STATUSES, *NOT_BLOCKING_STATUSES)
    unknown = frame.filter(~pl.col("status").is_in(known)).get_column("status").unique().sort()
    if unknown.len():
        warnings.append(
            f"{file}: unknown port request status(es) {', '.join(unknown)}; "
            "treated as blocking until someone says otherwise"
        )
    return frame.with_columns(blocking=~pl.col("status").is_in(NOT_BLOCKING_STATUSES))
