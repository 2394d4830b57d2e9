"""Data rows of big sheets, written as XML by polars instead of cell by cell.

xlsxwriter writes each workbook's formats, Summary sheet, chart, headers, frozen panes,
filters and widths. Writing a few hundred thousand cells through it costs ~15 µs each,
so the data rows are left out and added afterwards: each row's XML is built column-wise
by polars (inline strings, XML-escaped) and streamed into the sheet's part of the zip.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Generator, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from portflow.reports.safety import fitted_frame

ROWS_PER_CHUNK = 50_000
# A chunk's XML is bounded too: a wide sheet's rows hold many cells (300 columns: 50,000
# rows made 4.7 GB). Each cell's tags take about XML_BYTES_PER_CELL beside its text.
XML_BYTES_PER_CHUNK = 128 * 1024 * 1024
XML_BYTES_PER_CELL = 70
# XML 1.0 allows no other control characters, nor U+FFFE and U+FFFF (Excel refuses such a
# file); Excel reads _xHHHH_ as the escaped character. CR too, as Excel writes it: a raw CR
# would be read back as LF.
_CONTROL = {chr(c): f"_x{c:04X}_" for c in (*range(0x00, 0x09), *range(0x0B, 0x20), 0xFFFE, 0xFFFF)}
# One pass replaces them all (Aho-Corasick: a replacement is never replaced again).
_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", **_CONTROL}
_SHEET_DATA_END = b"</sheetData>"
_DIMENSION = re.compile(rb'<dimension ref="[^"]*"/>')


@dataclass(frozen=True)
class Fill:
    """Rows for one sheet part (e.g. `xl/worksheets/sheet2.xml`), below its header row."""

    part: str
    frame: pl.DataFrame


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def rows_xml(frame: pl.DataFrame, *, first_row: int) -> Iterator[pl.DataFrame]:
    """`<row>` elements for `frame`'s rows (text cells), numbered from `first_row`, as
    one-column frames of up to ROWS_PER_CHUNK rows, or about XML_BYTES_PER_CHUNK, each."""
    letters = [column_letter(k) for k in range(frame.width)]
    step = chunk_rows(frame)
    for start in range(0, frame.height, step):
        chunk = fitted_frame(frame.slice(start, step))
        number = (
            pl.int_range(first_row + start, first_row + start + chunk.height, eager=True)
            .cast(pl.String)
            .alias("_row")
        )
        cells = [
            _number_cell(name, letter)
            if frame.schema[name].is_integer()  # source_row: sorts as a number in Excel
            else pl.when(pl.col(name).is_not_null() & (pl.col(name) != "")).then(
                pl.concat_str(
                    pl.lit(f'<c r="{letter}'),
                    pl.col("_row"),
                    pl.lit('" t="inlineStr"><is><t xml:space="preserve">'),
                    _escaped(pl.col(name)),
                    pl.lit("</t></is></c>"),
                )
            )
            for name, letter in zip(frame.columns, letters, strict=True)
        ]
        yield chunk.with_columns(number).select(
            pl.concat_str(
                pl.lit('<row r="'),
                pl.col("_row"),
                pl.lit('">'),
                pl.concat_str(cells, ignore_nulls=True),
                pl.lit("</row>"),
            )
        )


def chunk_rows(frame: pl.DataFrame) -> int:
    """Rows per chunk: ROWS_PER_CHUNK, fewer where rows are wide (at least 100)."""
    if frame.height == 0:
        return ROWS_PER_CHUNK
    row_bytes = frame.estimated_size() // frame.height + XML_BYTES_PER_CELL * frame.width
    return max(100, min(ROWS_PER_CHUNK, XML_BYTES_PER_CHUNK // max(int(row_bytes), 1)))


def _number_cell(name: str, letter: str) -> pl.Expr:
    return pl.when(pl.col(name).is_not_null()).then(
        pl.concat_str(
            pl.lit(f'<c r="{letter}'),
            pl.col("_row"),
            pl.lit('"><v>'),
            pl.col(name).cast(pl.String),
            pl.lit("</v></c>"),
        )
    )


def _escaped(value: pl.Expr) -> pl.Expr:
    text = value.cast(pl.String).str.replace_all(r"_x([0-9A-Fa-f]{4})_", "_x005F_x${1}_")
    return text.str.replace_many(_ESCAPES)


def _one_ahead(chunks: Iterator[pl.DataFrame]) -> Generator[pl.DataFrame, None, None]:
    """`chunks`, with the next one built in a thread while this one is compressed (polars
    and zlib both release the GIL, so the two cores share the work)."""
    pool = ThreadPoolExecutor(max_workers=1)
    try:
        ahead = pool.submit(next, chunks, None)
        while (chunk := ahead.result()) is not None:
            ahead = pool.submit(next, chunks, None)
            yield chunk
    finally:  # not waiting for the chunk ahead: Ctrl-C stops the run now
        pool.shutdown(wait=False, cancel_futures=True)


def fill_sheets(path: Path, fills: Sequence[Fill], *, header_rows: int = 1) -> None:
    """Rewrite the workbook at `path` with each fill's rows added to its sheet part."""
    wanted = {fill.part: fill for fill in fills if fill.frame.height}
    if not wanted:
        return
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".xlsx.tmp")
    os.close(handle)
    try:
        shutil.copymode(path, temporary)  # mkstemp makes it 0600; readers need what others get
        with (
            zipfile.ZipFile(path) as source,
            zipfile.ZipFile(
                temporary, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1
            ) as target,
        ):
            for item in source.infolist():
                data = source.read(item.filename)
                fill = wanted.get(item.filename)
                if fill is None:
                    target.writestr(item, data)
                    continue
                head, _, tail = data.partition(_SHEET_DATA_END)
                last = column_letter(fill.frame.width - 1)
                height = fill.frame.height + header_rows
                head = _DIMENSION.sub(f'<dimension ref="A1:{last}{height}"/>'.encode(), head)
                # Opened by name, so the part is deflated like the archive: a ZipInfo made
                # here would be stored (ZIP_STORED is its default), 10x the size.
                with target.open(item.filename, "w", force_zip64=True) as stream:
                    stream.write(head)
                    chunks = rows_xml(fill.frame, first_row=header_rows + 1)
                    # Closed here, not when collected: an interrupt (Ctrl-C) that lands in a
                    # collected generator's clean-up is printed and lost, and the run went on.
                    with contextlib.closing(_one_ahead(chunks)) as ahead:
                        for rows in ahead:
                            # polars writes the bytes itself; never-quoted, a row per line.
                            rows.write_csv(stream, include_header=False, quote_style="never")
                    stream.write(_SHEET_DATA_END + tail)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
