"""Spreadsheet safety: no cell of a report starts a formula, spills out of its cell or overflows."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Final

import polars as pl

# A formula's first character (ASCII or full-width: some spreadsheets take either), also
# after spaces and invisible characters that an import may trim; or a tab or line break.
# The spaces are listed, not `\s`: Python's and polars' (Rust's) `\s` differ (\x1c-\x1f).
_SPACES = " \t\n\r\f\v\x1c\x1d\x1e\x1f\x85\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_INVISIBLE = "\u00ad\u200b\u200c\u200d\u2060-\u2064\ufeff"
FORMULA_START = rf"^(?:[\t\r\n]|[{_SPACES}{_INVISIBLE}]*[=+\-@\uff1d\uff0b\uff0d\uff20])"
PLAIN_PHONE = r"^\+\d{7,15}$"  # SPEC 3.1: `+14155552671` stays as it is, written as text
PHONE_COLUMNS = ("raw_number", "e164", "receiving_number")
EXCEL_CELL_LIMIT = 32_767  # UTF-16 code units a cell holds (a character past U+FFFF takes two)
CUT_MARKER = " [... cut: an Excel cell holds 32,767 characters]"
# Where a string field is quoted, a line break or tab inside it stays in its cell in any
# spreadsheet's CSV import (LibreOffice may split on tabs too); numbers stay unquoted.
CSV_QUOTING: Final = "non_numeric"
_FORMULA_START = re.compile(FORMULA_START)
_PLAIN_PHONE = re.compile(PLAIN_PHONE)
_KEEP = EXCEL_CELL_LIMIT - len(CUT_MARKER)


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
    return safe.rename(dict(zip(safe.columns, safe_headers(safe.columns), strict=True)))


def safe_headers(names: Sequence[str]) -> list[str]:
    """Each header made safe; one that then equals an earlier one (`=x` beside `'=x`) gets
    a number, as a carried column that clashes does."""
    taken: set[str] = set()
    headers = []
    for name in names:
        header = base = safe_text(name)
        number = 2
        while header in taken:
            header, number = f"{base} ({number})", number + 1
        taken.add(header)
        headers.append(header)
    return headers


def safe_text(value: str, *, phone: bool = False) -> str:
    """One value (a sheet name, a file name, a warning) made safe the same way."""
    if phone and _PLAIN_PHONE.match(value):
        return value
    return "'" + value if _FORMULA_START.match(value) else value


def cell_text(value: object) -> str:
    """One workbook cell written on its own (a header, a summary line): safe, and fitted."""
    return fitted_text(safe_text(str(value)))


def fitted_text(value: str) -> str:
    """The value, or as much of it as an Excel cell holds followed by CUT_MARKER."""
    if len(value) <= EXCEL_CELL_LIMIT // 2 or _utf16_units(value) <= EXCEL_CELL_LIMIT:
        return value
    units = value.encode("utf-16-le", "surrogatepass")[: 2 * _KEEP]
    return units.decode("utf-16-le", "ignore") + CUT_MARKER  # "ignore": a half pair at the cut


def fitted_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """Text cells longer than an Excel cell holds, cut with CUT_MARKER.

    No character takes more UTF-16 units than UTF-8 bytes, so only a column with a cell of
    more than EXCEL_CELL_LIMIT bytes (rare: a cheap test on big sheets) is looked at cell by
    cell.
    """
    long = [
        name
        for name, dtype in frame.schema.items()
        if dtype == pl.String and _longer_than(frame.get_column(name).str.len_bytes().max())
    ]
    if not long:
        return frame
    return frame.with_columns(
        pl.col(name).map_elements(fitted_text, return_dtype=pl.String) for name in long
    )


def write_csv(frame: pl.DataFrame, path: Path) -> None:
    """A report as CSV: UTF-8 with a BOM (Excel shows accented names right), CRLF like
    Excel writes, text quoted (see CSV_QUOTING). Make the frame safe first."""
    frame.write_csv(
        path, include_bom=True, null_value="", line_terminator="\r\n", quote_style=CSV_QUOTING
    )


def _longer_than(size: object) -> bool:
    return isinstance(size, int) and size > EXCEL_CELL_LIMIT


def _utf16_units(value: str) -> int:
    return len(value.encode("utf-16-le", "surrogatepass")) // 2
