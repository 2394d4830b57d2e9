"""From a grid to a table: find the header (or see there is none), name columns, drop blank rows."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl

from portflow.readers.grid import ROW, Grid
from portflow.readers.headers import NUMBER, normalise_header

HEADER_SEARCH_ROWS = 20
_DIGIT = re.compile(r"\d")


@dataclass(frozen=True)
class Table:
    """Data rows under named columns (canonical names, then carried headers) and `source_row`."""

    file: str
    sheet: str
    frame: pl.DataFrame
    header_row: int | None
    skipped_blank: int

    @property
    def rows(self) -> int:
        return self.frame.height


def looks_like_phone_number(cell: str | None) -> bool:
    """A first cell that already holds a number means the file has no header row."""
    if cell is None:
        return False
    return len(_DIGIT.findall(unicodedata.normalize("NFKC", cell))) >= 7


def headers_seen(grid: Grid, *, limit: int = 8) -> str:
    """The first non-blank row's cells, for 'no number column' messages."""
    for row in grid.frame.head(HEADER_SEARCH_ROWS).iter_rows():
        cells = [str(cell).strip() for cell in row[:-1] if cell is not None and str(cell).strip()]
        if cells:
            shown = ", ".join(cells[:limit]) + (", ..." if len(cells) > limit else "")
            return shown
    return "none"


def find_header(
    grid: Grid,
    index: Mapping[str, str],
    *,
    wanted: str = NUMBER,
    search_rows: int = HEADER_SEARCH_ROWS,
) -> int | None:
    """Position of the first row (among the first `search_rows`) with a `wanted` header."""
    for position, row in enumerate(grid.frame.head(search_rows).iter_rows()):
        if any(
            index.get(normalise_header(cell)) == wanted
            for cell in row[:-1]
            if isinstance(cell, str)
        ):
            return position
    return None


def tabulate(
    grid: Grid,
    index: Mapping[str, str],
    *,
    wanted: str = NUMBER,
    headerless: tuple[str, ...] = (),
    search_rows: int = HEADER_SEARCH_ROWS,
    assume_headerless: bool = False,
) -> Table | None:
    """Name the grid's columns from its header, or by position when the data starts at once.

    Returns None when no row looks like a header and the first row holds no phone number
    (unless `assume_headerless`).
    """
    cells = grid.cell_columns
    names: list[str | None]
    position = find_header(grid, index, wanted=wanted, search_rows=search_rows)
    if position is not None:
        header = grid.frame.row(position)[: len(cells)]
        names = _names_from_header(list(header), index)
        data = grid.frame.slice(position + 1)
        header_row: int | None = int(grid.frame.get_column(ROW)[position])
    elif headerless and (assume_headerless or looks_like_phone_number(_first_cell(grid))):
        names = [
            headerless[k] if k < len(headerless) else f"column {k + 1}" for k in range(len(cells))
        ]
        data, header_row = grid.frame, None
    else:
        return None
    columns: list[pl.Expr] = []
    for k, (cell, name) in enumerate(zip(cells, names, strict=True)):
        if name is None:  # a blank header: keep the column only if it holds something
            if data.get_column(cell).null_count() == data.height:
                continue
            name = f"column {k + 1}"
        columns.append(pl.col(cell).alias(name))
    data = data.select(*columns, ROW)
    data, skipped = drop_blank_rows(data)
    return Table(grid.file, grid.sheet, data, header_row, skipped)


def _first_cell(grid: Grid) -> str | None:
    for row in grid.frame.head(HEADER_SEARCH_ROWS).iter_rows():
        values = [cell for cell in row[:-1] if cell is not None and str(cell).strip()]
        if values:
            return row[0] if isinstance(row[0], str) else None
    return None


def _names_from_header(header: list[str | None], index: Mapping[str, str]) -> list[str | None]:
    """Canonical names where a header matches; otherwise the header text, made unique.

    The first column matching a canonical name takes it; later ones are carried as written.
    None marks a blank header.
    """
    taken: set[str] = set()
    names: list[str | None] = []
    for cell in header:
        text = cell.strip() if isinstance(cell, str) else ""
        canonical = index.get(normalise_header(text))
        if canonical is not None and canonical not in taken:
            name = canonical
        elif text:
            name = text
            suffix = 2
            while name.casefold() in taken:
                name, suffix = f"{text} ({suffix})", suffix + 1
        else:
            names.append(None)
            continue
        taken.add(name if name == canonical else name.casefold())
        names.append(name)
    return names


def drop_blank_rows(data: pl.DataFrame) -> tuple[pl.DataFrame, int]:
    """Drop rows blank in every column; count those that sit between data rows."""
    columns = [name for name in data.columns if name != ROW]
    if not columns or data.height == 0:
        return data.clear(), 0
    blank = pl.all_horizontal(
        pl.col(name).is_null() | (pl.col(name).str.strip_chars() == "") for name in columns
    )
    flagged = data.with_columns(_blank=blank)
    filled = flagged.filter(~pl.col("_blank"))
    if filled.height == 0:
        return filled.drop("_blank"), 0
    last_row = filled.get_column(ROW).max()
    skipped = flagged.filter(pl.col("_blank") & (pl.col(ROW) < last_row)).height
    return filled.drop("_blank"), skipped
