"""Outputs: no formulas anywhere, workbooks that read well, atomic writes."""

from __future__ import annotations

import os
import re
import stat
import zipfile
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from portflow.errors import OutputError
from portflow.reports import sheetdata
from portflow.reports import workbook as workbook_module
from portflow.reports.safety import CUT_MARKER, safe_frame, safe_text
from portflow.reports.staging import StagedOutputs
from portflow.reports.workbook import write_rejects_workbook, write_table_workbook

SUMMARY = {
    "run_id": "20261126T000000Z-abcdef",
    "run_date": "2026-11-26",
    "rows": 3,
    "accepted": 1,
    "fax": 0,
    "rejected": 2,
    "skipped_blank": 0,
    "rejects_by_reason": {"INVALID_NUMBER": 1, "ALREADY_TRACKING": 1},
    "inputs": [{"file": '=HYPERLINK("x").csv', "sheet": "@Sheet", "rows": 3}],
    "warnings": ["-careful"],
}


def test_formula_starts_are_neutralised_but_plain_phone_numbers_stay() -> None:
    frame = pl.DataFrame(
        {
            "raw_number": ["+14155552671", "=1+2", "+1 415 555 2671", "+1-415-555-2671"],
            "e164": ["+14155552671", None, "+14155552671", None],
            "Notes": ["@SUM(A1)", "\tx", "\rx", "fine"],
        }
    )
    assert safe_frame(frame).rows() == [
        ("+14155552671", "+14155552671", "'@SUM(A1)"),
        ("'=1+2", None, "'\tx"),
        ("'+1 415 555 2671", "+14155552671", "'\rx"),
        ("'+1-415-555-2671", None, "fine"),
    ]
    assert safe_text("+14155552671") == "'+14155552671"
    assert safe_text("+14155552671", phone=True) == "+14155552671"


@pytest.mark.parametrize(
    "value",
    [
        "+14155552671+cmd|' /C calc'!A0",  # a plain phone number only if nothing follows
        '\uff1dHYPERLINK("x")',  # full-width = + - @: some spreadsheets take them
        "\uff0b1+1",
        "\uff0d1",
        "\uff20SUM(A1)",
        " =1+1",
    ],
)
def test_formula_starts_a_phone_column_might_hide_are_neutralised(value: str) -> None:
    frame = pl.DataFrame({"raw_number": [value], "Notes": [value]})
    assert safe_frame(frame).row(0) == ("'" + value, "'" + value)


def rejects_frame() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "source_file": ["a.csv", "a.csv"],
            "source_sheet": ["", ""],
            "source_row": [2, 3],
            "raw_number": ["4155552671", "'=cmd|' /C calc'!A0"],
            "e164": ["+14155552671", None],
            "reason_code": ["ALREADY_TRACKING", "INVALID_NUMBER"],
            "all_reasons": ["ALREADY_TRACKING", "INVALID_NUMBER"],
            "reason": ["Already a tracking number", "Not a valid phone number"],
            "remediation": ["Remove it", "Correct it"],
            "related": ["tracking number TN-1", None],
        }
    )


def test_rejects_workbook_has_summary_then_rejects_as_text_without_formulas(tmp_path: Path) -> None:
    path = tmp_path / "rejects.xlsx"
    write_rejects_workbook(
        safe_frame(rejects_frame()), path, SUMMARY, descriptions={"INVALID_NUMBER": "Not valid"}
    )
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Summary", "Rejects"]
    rejects = book["Rejects"]
    assert rejects.freeze_panes == "A2"
    assert rejects.auto_filter.ref == "A1:J3"
    assert rejects["D2"].value == "4155552671" and rejects["D2"].data_type == "s"
    assert rejects.column_dimensions["D"].number_format == "@"  # typed into, it stays text
    assert rejects["E2"].value == "+14155552671"
    assert rejects["C2"].value == 2  # a number: row 10 sorts after row 9
    assert rejects.column_dimensions["I"].width >= len("remediation")
    summary = book["Summary"]
    assert len(summary._charts) == 1
    texts = [cell.value for row in summary.iter_rows() for cell in row if cell.value]
    assert '\'=HYPERLINK("x").csv' in texts and "'@Sheet" in texts and "'-careful" in texts
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate)
                assert not str(cell.value or "").startswith(("=", "+1 ", "-", "@"))


def test_cell_text_survives_the_xml_writer(tmp_path: Path) -> None:
    awkward = [
        "AT&T <wireless> & co",
        "_x0041_ stays literal",
        "bell\x07 and nul\x00 and tab\t",
        "  leading and trailing  ",
        "line one\nline two",
        "Vidéotron ltée, 北京, 🙂",
        "quote \" and apostrophe '",
        "x" * 40_000,
        None,
        "",
    ]
    frame = pl.DataFrame({"first": awkward, "second": list(reversed(awkward))})
    path = tmp_path / "awkward.xlsx"
    write_table_workbook(frame, path, sheet="Awkward", title="t")
    sheet = openpyxl.load_workbook(path)["Awkward"]
    # openpyxl leaves inline strings as stored; Excel reads each _xHHHH_ as that character.
    escape = re.compile("_x([0-9A-Fa-f]{4})_")
    read = [
        [escape.sub(lambda m: chr(int(m[1], 16)), c.value) if c.value else c.value for c in row]
        for row in sheet.iter_rows(min_row=2)
    ]

    def expected(text: str | None) -> str | None:
        if text and len(text) > 32_767:  # cut to what Excel holds, visibly
            return text[: 32_767 - len(CUT_MARKER)] + CUT_MARKER
        return text or None  # blank cells are left out

    assert len(read) == len(awkward)
    assert [row[0] for row in read] == [expected(t) for t in awkward]
    assert [row[1] for row in read] == [expected(t) for t in reversed(awkward)]


def test_the_rows_of_a_big_sheet_are_compressed(tmp_path: Path) -> None:
    reason = "Not a valid phone number: the exchange is an N11 code, which no number can have."
    frame = pl.DataFrame({"e164": [f"+1415555{n % 10_000:04d}" for n in range(20_000)]})
    frame = frame.with_columns(reason=pl.lit(reason))
    path = tmp_path / "big.xlsx"
    write_table_workbook(frame, path, sheet="Rows", title="t")
    with zipfile.ZipFile(path) as archive:
        data = [i for i in archive.infolist() if i.filename.startswith("xl/worksheets/")]
    assert all(i.compress_type == zipfile.ZIP_DEFLATED for i in data)
    rows = max(data, key=lambda i: i.file_size)
    assert rows.file_size > 20_000 * len(reason)
    assert rows.compress_size < rows.file_size / 5
    assert openpyxl.load_workbook(path, read_only=True)["Rows"].max_row == 20_001


def test_a_wide_sheet_is_written_in_smaller_chunks_and_read_back_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A chunk of 50,000 rows of 300 columns built 4.7 GB of XML at once: chunks are sized
    by their XML too. The rows come back whole and in order across chunks."""
    wide = pl.DataFrame({f"c{k}": [f"r{n}c{k}" for n in range(400)] for k in range(300)})
    assert 100 <= sheetdata.chunk_rows(wide) < sheetdata.ROWS_PER_CHUNK
    assert sheetdata.chunk_rows(wide.select("c0")) == sheetdata.ROWS_PER_CHUNK
    monkeypatch.setattr(sheetdata, "XML_BYTES_PER_CHUNK", 1024 * 1024)  # 100 rows, the least
    assert len(list(sheetdata.rows_xml(wide, first_row=2))) == 4
    path = tmp_path / "wide.xlsx"
    write_table_workbook(wide, path, sheet="Rows", title="t")
    read = openpyxl.load_workbook(path, read_only=True)["Rows"].iter_rows(values_only=True)
    assert list(read) == [tuple(wide.columns), *wide.rows()]


def test_a_workbook_gets_the_permissions_every_other_output_gets(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    try:
        frame = pl.DataFrame({"e164": ["+14155552671"]})
        write_table_workbook(frame, tmp_path / "rows.xlsx", sheet="Rows", title="t")
        (tmp_path / "rows.csv").write_text("e164\n+14155552671\n")
    finally:
        os.umask(umask)
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in tmp_path.iterdir()}
    assert modes == {"rows.xlsx": 0o644, "rows.csv": 0o644}


def test_sheets_continue_past_the_row_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(workbook_module, "EXCEL_MAX_ROWS", 3)
    frame = pl.DataFrame({"e164": [f"+1415555{n:04d}" for n in range(5)]})
    path = tmp_path / "configured.xlsx"
    write_table_workbook(frame, path, sheet="Configured numbers", title="t")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == [
        "Configured numbers",
        "Configured numbers (2)",
        "Configured numbers (3)",
    ]
    values = [c.value for s in book.worksheets for c in s["A"] if c.row > 1]
    assert values == frame.get_column("e164").to_list()


def test_staged_outputs_replace_the_old_set_or_leave_it_alone(tmp_path: Path) -> None:
    out = tmp_path / "out"
    known = ("a.csv", "tickets/t.md", "summary.json")
    with StagedOutputs(out, "run1", known=known) as stage:
        for name in known:
            stage.path(name).write_text("first")
        stage.commit()
    with pytest.raises(RuntimeError), StagedOutputs(out, "run2", known=known) as stage:
        stage.path("a.csv").write_text("half")
        raise RuntimeError("the run fails before committing")
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*")) == [
        "a.csv",
        "summary.json",
        "tickets",
        "tickets/t.md",
    ]
    assert (out / "a.csv").read_text() == "first"
    with StagedOutputs(out, "run3", known=known) as stage:
        stage.path("a.csv").write_text("third")
        stage.path("summary.json").write_text("third")
        assert stage.commit() == ["a.csv", "summary.json"]
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*")) == ["a.csv", "summary.json"]


def test_a_commit_that_fails_half_way_is_finished_by_the_next_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    known = ("a.csv", "b.csv", "summary.json")
    with StagedOutputs(out, "run1", known=known) as stage:
        for name in known:
            stage.path(name).write_text("first")
        stage.commit()
    real_replace = os.replace
    calls = []

    def failing_replace(source: object, target: object) -> None:
        calls.append(target)
        if len(calls) == 2:  # a.csv placed, then the disk fails
            raise OSError(28, "No space left on device")
        real_replace(source, target)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "replace", failing_replace)
    with (
        pytest.raises(OutputError, match="No space left.*the next run into this folder finishes"),
        StagedOutputs(out, "run2", known=known) as stage,
    ):
        for name in known:
            stage.path(name).write_text("second")
        stage.commit()
    # Every file is whole, and summary.json (moved last) still says the set is the first.
    outputs = {p.name: p.read_text() for p in out.iterdir() if p.is_file()}
    assert outputs == {"a.csv": "second", "b.csv": "first", "summary.json": "first"}
    monkeypatch.setattr(os, "replace", real_replace)
    with StagedOutputs(out, "run3", known=known):  # the next run finishes run2's moves first
        outputs = {p.name: p.read_text() for p in out.iterdir() if p.is_file()}
        assert outputs == dict.fromkeys(known, "second")


def test_a_folder_in_the_way_stops_the_commit_before_anything_moves(tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "summary.json").mkdir(parents=True)
    (out / "a.csv").write_text("first")
    with (
        pytest.raises(OutputError, match="summary.json is a folder"),
        StagedOutputs(out, "run", known=("a.csv", "summary.json")) as stage,
    ):
        stage.path("a.csv").write_text("second")
        stage.path("summary.json").write_text("second")
        stage.commit()
    assert (out / "a.csv").read_text() == "first"


def test_a_file_where_a_folder_goes_stops_the_commit_before_anything_moves(
    tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "tickets").write_text("someone's file")
    (out / "a.csv").write_text("first")
    with (
        pytest.raises(OutputError, match="tickets is a file, but this run writes the folder"),
        StagedOutputs(out, "run", known=("a.csv", "tickets/t.md", "summary.json")) as stage,
    ):
        for name in ("a.csv", "tickets/t.md", "summary.json"):
            stage.path(name).write_text("second")
        stage.commit()
    assert sorted(p.name for p in out.iterdir()) == ["a.csv", "tickets"]
    assert (out / "a.csv").read_text() == "first"
    assert (out / "tickets").read_text() == "someone's file"


def test_python_and_polars_agree_on_what_starts_a_formula() -> None:
    """Headers and tickets are made safe by Python's re, cells by polars (Rust's regex):
    their `\\s` differ (\\x1c-\\x1f), so the pattern lists its spaces."""
    from portflow.reports.safety import FORMULA_START

    starts = [chr(c) for c in (*range(0x30), 0x85, 0xA0, 0xAD, 0x1680, *range(0x2000, 0x2070))]
    values = [f"{c}=1" for c in starts] + [f"{c}x" for c in starts] + ["\uff1d1", "-2", "a=b"]
    by_python = [re.search(FORMULA_START, value) is not None for value in values]
    assert pl.Series(values).str.contains(FORMULA_START).to_list() == by_python
    assert all(re.search(FORMULA_START, f"{c}=1") for c in "\x0b\x1c\x1f\u00a0\u200b\u2063")
