"""Excel reports written with xlsxwriter in constant memory: every cell is safe text."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import xlsxwriter

from portflow.reports.safety import cell_text
from portflow.reports.sheetdata import Fill, fill_sheets

EXCEL_MAX_ROWS = 1_048_576  # including the header row
MAX_WIDTH = 60
MIN_WIDTH = 8
_OPTIONS = {
    "constant_memory": True,
    "strings_to_numbers": False,
    "strings_to_formulas": False,
    "strings_to_urls": False,
}


def write_table_workbook(frame: pl.DataFrame, path: Path, *, sheet: str, title: str) -> None:
    """One table, split over sheets past Excel's row limit."""
    workbook = xlsxwriter.Workbook(str(path), _OPTIONS)
    workbook.set_properties({"title": title, "comments": "written by portflow"})
    styles = _Styles(workbook)
    fills = _write_table(workbook, styles, frame, sheet, sheets_before=0)
    workbook.close()
    fill_sheets(path, fills)


@dataclass(frozen=True)
class SummarySheet:
    """The first sheet of a report: facts, totals, counts by code (with a chart), lists."""

    title: str
    facts: Sequence[tuple[str, str]]
    totals_title: str
    totals: Sequence[tuple[str, int]]
    counts_title: str
    counts_header: tuple[str, str, str]
    counts: Mapping[str, int]
    descriptions: Mapping[str, str]
    lists: Sequence[tuple[str, Sequence[str], Sequence[Sequence[str]]]] = ()


def write_report_workbook(
    frame: pl.DataFrame, path: Path, *, sheet: str, summary: SummarySheet
) -> None:
    """A Summary sheet, then the rows of `frame` on sheet `sheet` (and its continuations)."""
    workbook = xlsxwriter.Workbook(str(path), _OPTIONS)
    workbook.set_properties({"title": summary.title, "comments": "written by portflow"})
    styles = _Styles(workbook)
    _write_summary(workbook, styles, summary)
    fills = _write_table(workbook, styles, frame, sheet, sheets_before=1)
    workbook.close()
    fill_sheets(path, fills)


def write_rejects_workbook(
    rejects: pl.DataFrame,
    path: Path,
    summary: Mapping[str, Any],
    *,
    descriptions: Mapping[str, str],
) -> None:
    """Summary sheet (counts by reason with a chart), then the Rejects sheet(s)."""
    inputs = [(i["file"], f"{i['rows']:,}", i["sheet"]) for i in summary["inputs"]]
    notes = [(w,) for w in (*summary.get("checks_skipped", ()), *summary["warnings"])]
    write_report_workbook(
        rejects,
        path,
        sheet="Rejects",
        summary=SummarySheet(
            title="portflow reject report",
            facts=[("Run", summary["run_id"]), ("Run date", summary["run_date"])],
            totals_title="Rows",
            totals=[
                ("Rows checked", summary["rows"]),
                ("Accepted (voice)", summary["accepted"]),
                ("Fax (ticket)", summary["fax"]),
                ("Rejected", summary["rejected"]),
                ("Blank rows skipped", summary["skipped_blank"]),
            ],
            counts_title="Rejects by reason",
            counts_header=("Reason code", "Rows", "What it means"),
            counts=summary["rejects_by_reason"],
            descriptions=descriptions,
            lists=[
                ("Inputs", ("File", "Rows", "Sheet"), inputs),
                ("Warnings", ("Warning",), notes or [("none",)]),
            ],
        ),
    )


class _Styles:
    def __init__(self, workbook: Any) -> None:
        self.title = workbook.add_format({"bold": True, "font_size": 14})
        self.heading = workbook.add_format({"bold": True, "font_size": 12})
        self.header = workbook.add_format(
            {"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "top"}
        )
        self.text = workbook.add_format({"num_format": "@"})
        self.label = workbook.add_format({"bold": True})
        self.count = workbook.add_format({"num_format": "#,##0"})


def _chunks(frame: pl.DataFrame) -> Iterator[pl.DataFrame]:
    size = EXCEL_MAX_ROWS - 1
    if frame.height == 0:
        yield frame
    for start in range(0, frame.height, size):
        yield frame.slice(start, size)


def _widths(frame: pl.DataFrame) -> list[int]:
    longest = (
        frame.select(
            pl.col(name).cast(pl.String).str.len_chars().max().fill_null(0)
            for name in frame.columns
        ).row(0)
        if frame.height
        else (0,) * frame.width
    )
    return [
        max(MIN_WIDTH, min(MAX_WIDTH, max(len(name), int(size)) + 2))
        for name, size in zip(frame.columns, longest, strict=True)
    ]


def _write_table(
    workbook: Any, styles: _Styles, frame: pl.DataFrame, name: str, *, sheets_before: int
) -> list[Fill]:
    """The sheet(s) of `frame`: header, widths, frozen pane, filter; the rows come as fills
    (see sheetdata.py), one per sheet, written into the file after xlsxwriter closes it."""
    widths = _widths(frame)
    fills: list[Fill] = []
    headers = [cell_text(column) for column in frame.columns]
    text = frame.select(  # whole numbers (source_row) stay numbers: they sort as such
        pl.col(c) if frame.schema[c].is_integer() else pl.col(c).cast(pl.String)
        for c in frame.columns
    )
    for part, chunk in enumerate(_chunks(text), start=1):
        sheet = workbook.add_worksheet(name if part == 1 else f"{name} ({part})")
        for column, width in enumerate(widths):
            sheet.set_column(column, column, width, styles.text)
        sheet.freeze_panes(1, 0)
        sheet.set_landscape()
        sheet.repeat_rows(0)
        sheet.ignore_errors({"number_stored_as_text": "A1:XFD1048576"})
        for column, header in enumerate(headers):
            sheet.write_string(0, column, header, styles.header)
        sheet.autofilter(0, 0, max(chunk.height, 1), max(len(headers) - 1, 0))
        fills.append(Fill(f"xl/worksheets/sheet{sheets_before + part}.xml", chunk))
    return fills


def _write_summary(workbook: Any, styles: _Styles, summary: SummarySheet) -> None:
    sheet = workbook.add_worksheet("Summary")
    sheet.set_column(0, 0, 44)
    sheet.set_column(1, 1, 12)
    sheet.set_column(2, 2, 62)
    sheet.set_landscape()
    sheet.fit_to_pages(1, 1)
    sheet.write_string(0, 0, summary.title, styles.title)
    row = 2
    for label, value in summary.facts:
        sheet.write_string(row, 0, label, styles.label)
        sheet.write_string(row, 1, cell_text(value))
        row += 1
    row += 1
    sheet.write_string(row, 0, summary.totals_title, styles.heading)
    row += 1
    for label, number in summary.totals:
        sheet.write_string(row, 0, label, styles.label)
        sheet.write_number(row, 1, int(number), styles.count)
        row += 1
    row += 1
    sheet.write_string(row, 0, summary.counts_title, styles.heading)
    row += 1
    for column, header in enumerate(summary.counts_header):
        sheet.write_string(row, column, header, styles.header)
    row += 1
    first_count_row = row
    for code, count in summary.counts.items():
        sheet.write_string(row, 0, code)
        sheet.write_number(row, 1, count, styles.count)
        sheet.write_string(row, 2, summary.descriptions.get(code, ""))
        row += 1
    if summary.counts:
        chart = workbook.add_chart({"type": "bar"})
        chart.add_series(
            {
                "name": summary.counts_header[1],
                "categories": ["Summary", first_count_row, 0, row - 1, 0],
                "values": ["Summary", first_count_row, 1, row - 1, 1],
                "data_labels": {"value": True},
            }
        )
        chart.set_title({"name": summary.counts_title})
        chart.set_legend({"none": True})
        chart.set_x_axis({"min": 0})
        chart.set_y_axis({"reverse": True})
        chart.set_size({"width": 560, "height": 80 + 26 * len(summary.counts)})
        sheet.insert_chart(2, 4, chart)
    for title, headers, rows in summary.lists:
        row = _write_list(sheet, styles, row + 1, title, headers, rows)


def _write_list(
    sheet: Any,
    styles: _Styles,
    row: int,
    title: str,
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
) -> int:
    sheet.write_string(row, 0, title, styles.heading)
    row += 1
    for column, header in enumerate(headers):
        sheet.write_string(row, column, header, styles.header)
    row += 1
    for values in rows:
        for column, value in enumerate(values):
            sheet.write_string(row, column, cell_text(value))
        row += 1
    return row
