"""A grid: one sheet's or file's cells as strings, by position, with the row numbers people see."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

ROW = "source_row"


@dataclass(frozen=True)
class Grid:
    """Cells in columns `c0..cN` (String) plus `source_row`, the row number shown to people."""

    file: str
    sheet: str
    frame: pl.DataFrame

    @classmethod
    def from_frame(cls, file: str, sheet: str, frame: pl.DataFrame, *, first_row: int = 1) -> Grid:
        cells = frame.select(
            pl.col(name).cast(pl.String).alias(f"c{position}")
            for position, name in enumerate(frame.columns)
        )
        rows = pl.int_range(first_row, first_row + cells.height, dtype=pl.Int64, eager=True)
        return cls(file, sheet, cells.with_columns(rows.alias(ROW)))

    @property
    def cell_columns(self) -> list[str]:
        return [name for name in self.frame.columns if name != ROW]


def grid_from_rows(file: str, sheet: str, rows: list[list[str]]) -> Grid:
    """A grid from ragged rows of strings (Python's csv module); short rows are padded."""
    width = max((len(row) for row in rows), default=0)
    columns = {
        f"c{k}": [row[k] if k < len(row) and row[k] != "" else None for row in rows]
        for k in range(width)
    }
    return Grid.from_frame(
        file, sheet, pl.DataFrame(columns, schema={c: pl.String for c in columns})
    )
