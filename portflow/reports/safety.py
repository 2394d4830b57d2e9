"""Spreadsheet safety: no cell of a report may start a formula when opened."""

from __future__ import annotations

import re

import polars as pl

FORMULA_START = r"^[=+\-@\t\r\n]"
# A phone number written with a leading + and nothing but digits, spaces, brackets, dots and
# dashes cannot call anything in a spreadsheet: `+14155552671`, `+1 (514) 842-3300` stay.
PLAIN_PHONE = r"^\+[0-9][0-9 ().\-]{6,30}$"
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
    """Every text column neutralised (phone-number columns keep plain `+1...` numbers)."""
    return frame.with_columns(
        neutralised(name, phone=name in PHONE_COLUMNS)
        for name, dtype in frame.schema.items()
        if dtype == pl.String
    )


def safe_text(value: str, *, phone: bool = False) -> str:
    """One value (a sheet name, a file name, a warning) made safe the same way."""
    if phone and _PLAIN_PHONE.match(value):
        return value
    return "'" + value if _FORMULA_START.match(value) else value
