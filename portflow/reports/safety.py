"""Spreadsheet safety: no cell of a report may start a formula when opened."""

from __future__ import annotations

import re

import polars as pl

FORMULA_START = r"^[=+\-@\t\r\n]"
PLAIN_PHONE = r"^\+\d{7,15}$"  # SPEC 3.1: `+14155552671` stays as it is, written as text
PHONE_COLUMNS = ("raw_number", "e164", "receiving_number")
_FORMULA_START = re.compile(FORMULA_START)
_PLAIN_PHONE = re.compile(PLAIN_PHONE)


def neutralised(column: str, *, phone: bool = False) -> pl.Expr:
    """The column with a `'` before any value a spreadsheet would run as a formula."""
    value = pl.col(column)
    risky = value.str.contains(FORMULA_START)
    if phone:
        risky = risky & ~value.str.contains(PLAIN_PHONE)
    return pl.when(risky).then(pl.concat_str(pl.lit("'"), value)).otherwise(value).alias(column)


def safe_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """Every text column and every header neutralised (phone columns keep plain numbers)."""
    safe = frame.with_columns(
        neutralised(name, phone=name in PHONE_COLUMNS)
        for name, dtype in frame.schema.items()
        if dtype == pl.String
    )
    return safe.rename({name: safe_text(name) for name in safe.columns})


def safe_text(value: str, *, phone: bool = False) -> str:
    """One value (a sheet name, a file name, a warning) made safe the same way."""
    if phone and _PLAIN_PHONE.match(value):
        return value
    return "'" + value if _FORMULA_START.match(value) else value
