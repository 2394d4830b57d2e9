"""Small builders shared by the tests: batches from dicts, account tables from rows."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from portflow.numbers import Normaliser
from portflow.pipeline import normalise_batch
from portflow.readers import INPUT_COLUMNS, Batch

NORMALISER = Normaliser(cache_dir=None)


@contextmanager
def unwritable(path: Path) -> Iterator[None]:
    """`path` cannot be written while inside: mode 0444, or for root (whom modes do not
    stop) the immutable attribute; skips the test where neither is allowed."""
    if os.geteuid() != 0:
        mode = path.stat().st_mode
        path.chmod(0o444)
        try:
            yield
        finally:
            path.chmod(mode)
        return
    if subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode != 0:
        pytest.skip("this machine lets no one make a file unwritable for root (chattr +i)")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


def batch_of(*rows: dict[str, Any], file: str = "list.csv") -> pl.DataFrame:
    """A normalised batch: each dict gives some of number, routing_id, ... (rest blank)."""
    frame = pl.DataFrame(
        [
            {
                "source_file": file,
                "source_sheet": "",
                "source_row": position + 2,
                **{column: row.get(column) for column in INPUT_COLUMNS},
            }
            for position, row in enumerate(rows)
        ],
        schema={
            "source_file": pl.String,
            "source_sheet": pl.String,
            "source_row": pl.Int64,
            **{column: pl.String for column in INPUT_COLUMNS},
        },
    ).with_row_index("row_id")
    return normalise_batch(Batch(frame, [], []), NORMALISER)


def table_of(*rows: dict[str, Any], numbers: bool = True) -> pl.DataFrame:
    """An account table as the loader leaves it: numbers normalised into `e164`."""
    frame = pl.DataFrame(list(rows))
    if numbers and "number" in frame.columns:
        frame = frame.with_columns(
            e164=NORMALISER.normalise(frame.get_column("number")).get_column("e164")
        )
    if "receiving_number" in frame.columns:
        frame = frame.with_columns(
            receiving_e164=NORMALISER.normalise(frame.get_column("receiving_number")).get_column(
                "e164"
            )
        )
    return frame


def write_accounts(folder: Path, tables: dict[str, str]) -> Path:
    """Account exports as CSV text, one file per table."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in tables.items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    return folder


MINIMAL_ACCOUNTS = {
    "tracking_numbers": "id,name,number,routing_id,receiving_number,account_id\n",
    "receiving_numbers": "id,name,number,active\n",
    "failsafe_numbers": "number\n",
    "users": "user_id,name,number\n",
    "port_requests": "port_request_id,number,status\n",
    "routing": "routing_id,name,type,active\n",
}
