"""Ticket tables: every cell inert in markdown and in a spreadsheet, column by column."""

from __future__ import annotations

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from portflow.reports.tickets import _cell, _table

AWKWARD = [
    None,
    "",
    '=HYPERLINK("http://x")',
    "+14155552671",
    "+1 415 555 2671",
    "-2+3",
    "@SUM(A1)",
    "  \t=1+1",
    "a|b",
    "<b>bold</b>",
    "[link](http://x)",
    "`code` and \\",
    "line one\nline two\r\nthree",
    "\x00\x1f\x7f\x85\u2028\u2029end",
    "\u3000 wide space \u00a0",
    "Vidéotron ltée, 北京, 🙂",
    "+٤١٥٥٥٥٢٦٧١",  # Arabic-Indic digits: a plain phone number to both regex engines
]


def cell_by_cell(frame: pl.DataFrame) -> list[str]:
    return ["| " + " | ".join(_cell(v) for v in row) + " |" for row in frame.iter_rows()]


def test_awkward_values_are_escaped_as_one_cell_at_a_time_would_be() -> None:
    frame = pl.DataFrame({"a": AWKWARD, "b": list(reversed(AWKWARD))})
    frame = frame.with_columns(row=pl.int_range(1, pl.len() + 1))
    lines = _table(frame, {"a": "A", "row": "Row", "b": "B"})
    assert lines[:2] == ["| A | Row | B |", "|---|---|---|"]
    assert lines[2:] == cell_by_cell(frame.select("a", "row", "b"))
    assert '| \'=HYPERLINK("http://x") | 3 |' in lines[4]
    assert lines[5].startswith("| +14155552671 | 4 |")
    assert lines[13].startswith("| \\`code\\` and \\\\ | 12 |")


@given(st.lists(st.one_of(st.none(), st.text()), min_size=1, max_size=30))
def test_any_text_is_escaped_as_one_cell_at_a_time_would_be(values: list[str | None]) -> None:
    frame = pl.DataFrame({"value": values}, schema={"value": pl.String})
    assert _table(frame, {"value": "Value"})[2:] == cell_by_cell(frame)


def test_an_empty_table_has_its_header_only() -> None:
    frame = pl.DataFrame({"a": []}, schema={"a": pl.String})
    assert _table(frame, {"a": "A", "missing": "M"}) == ["| A |", "|---|"]
