"""The manual-add text form and standard input."""

from __future__ import annotations

import io
from pathlib import Path

import polars as pl
import pytest

from portflow.errors import InputError
from portflow.readers import read_batch, read_input


def test_numbers_split_on_commas_semicolons_and_line_breaks(tmp_path: Path) -> None:
    path = tmp_path / "pasted.txt"
    path.write_text("(415) 555-2671, 415.555.2672;4155552673\n\n+1 415 555 2674\n")
    batch = read_batch([str(path)])
    assert batch.frame.select("source_row", "number").rows() == [
        (1, "(415) 555-2671"),
        (1, " 415.555.2672"),
        (1, "4155552673"),
        (3, "+1 415 555 2674"),
    ]
    assert batch.skipped_blank == 1


def test_a_first_item_that_is_a_header_is_not_a_number(tmp_path: Path) -> None:
    path = tmp_path / "pasted.txt"
    path.write_text("Phone numbers\n4155552671\nnot a number\n")
    assert read_batch([str(path)]).frame.select("source_row", "number").rows() == [
        (2, "4155552671"),
        (3, "not a number"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Phone;4155552671\n3127824401\n",
        "Numbers,4155552671\n3127824401",
        "TN\t4155552671\n3127824401",
        "Phone: 4155552671\n3127824401",
        "Numbers: 4155552671\n3127824401",
    ],
)
def test_numbers_on_the_line_of_a_header_item_are_read(tmp_path: Path, text: str) -> None:
    """The label, not its line: `Phone;4155552671` lost its number (a tab made the number
    a column's name), and `Phone: 4155552671` was a number with words before it."""
    path = tmp_path / "pasted.txt"
    path.write_text(text)
    assert read_batch([str(path)]).frame.select("source_row", "number").rows() == [
        (1, "4155552671"),
        (2, "3127824401"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Numbers to port; wave 2\n4155552671; 3127824401\n4155552672; 3127824402\n",
        "Numbers to port, please\n4155552671, 3127824401\n",
        "Phone Number, Fax\n4155552671, 3127824401\n",
    ],
)
def test_a_header_like_line_over_columns_of_numbers_stops_the_run(
    tmp_path: Path, text: str
) -> None:
    """A title over numbers (all to port) and a table with a fax column (not to port) look
    the same; read as a table, every line's second number was a carried column's, never
    checked (exit 0, a warning only)."""
    path = tmp_path / "pasted.txt"
    path.write_text(text)
    with pytest.raises(InputError, match="^.*: line 1 .* reads like a table's header over "):
        read_batch([str(path)])


def test_a_vanity_number_beside_the_label_is_read(tmp_path: Path) -> None:
    path = tmp_path / "pasted.txt"
    path.write_text("Phone, 1-800-FLOWERS, 4155552671\n4155552672\n")
    numbers = read_batch([str(path)]).frame.select(pl.col("number").str.strip_chars())
    assert numbers.get_column("number").to_list() == ["1-800-FLOWERS", "4155552671", "4155552672"]


@pytest.mark.parametrize(
    ("text", "columns"),
    [
        ("Phone Number,Forward To\n4155552671,3127824401\n", ["4155552671", "3127824401"]),
        ("Phone Number;Routing ID\n4155552671;RT-1\n", ["4155552671", "RT-1"]),
    ],
)
def test_a_header_over_columns_is_still_a_table(
    tmp_path: Path, text: str, columns: list[str]
) -> None:
    path = tmp_path / "pasted.txt"
    path.write_text(text)
    batch = read_batch([str(path)])
    row = batch.frame.row(0, named=True)
    assert [row["number"], row["receiving_number"] or row["routing_id"]] == columns
    assert batch.frame.height == 1


def test_a_tab_table_whose_header_holds_a_date_is_still_a_table(tmp_path: Path) -> None:
    """Only a number in a usual shape makes a header line a label and numbers."""
    path = tmp_path / "export.txt"
    path.write_text("Phone\tRoute ID\t11/20/2026\n4155552671\tRT-1\tx\n")
    assert read_batch([str(path)]).frame.select("number", "routing_id").rows() == [
        ("4155552671", "RT-1")
    ]


def test_standard_input_is_the_text_form() -> None:
    source = read_input("-", stdin=io.BytesIO(b"4155552671;4155552672\r\n"))
    assert source.file == "stdin"
    assert source.tables[0].frame.get_column("number").to_list() == ["4155552671", "4155552672"]


def test_excel_unicode_text_saved_as_txt_is_read_as_a_table(tmp_path: Path) -> None:
    path = tmp_path / "export.txt"
    path.write_bytes(
        "\ufeffPhone\tRouting ID\tNotes\r\n4155552671\tRT-1\tx\r\n".encode("utf-16-le")
    )
    frame = read_batch([str(path)]).frame
    assert frame.select("source_row", "number", "routing_id", "Notes").rows() == [
        (2, "4155552671", "RT-1", "x")
    ]


def test_a_list_pasted_from_word_keeps_one_row_per_number(tmp_path: Path) -> None:
    """Word puts a tab after each list marker: the markers are not numbers to reject."""
    path = tmp_path / "pasted.txt"
    path.write_text(
        "1.\t(415) 956-7911\r\n2.\t(415) 956-7912\r\n\u00b7\t415-956-7913\r\no\t415-956-7914\r\n"
        "\uf0b7\t415-956-7915\r\na)\t415-956-7916\r\n1. 415-956-7917\r\n",
        encoding="utf-8",
    )
    table = read_input(str(path)).tables[0]
    assert table.frame.select("source_row", "number").rows() == [
        (1, "(415) 956-7911"),
        (2, "(415) 956-7912"),
        (3, "415-956-7913"),
        (4, "415-956-7914"),
        (5, "415-956-7915"),
        (6, "415-956-7916"),
        (7, "1. 415-956-7917"),  # a space, not a tab: read as written (and judged so)
    ]


def test_a_tab_delimited_txt_without_a_known_header_is_read_as_a_table(tmp_path: Path) -> None:
    """Cell by cell, each routing ID was rejected as a number and each number went
    without its routing; as a table it is refused like the same CSV, or read headerless."""
    named = tmp_path / "export.txt"
    named.write_text("Main Line\tRouting ID\tClinic\r\n415-956-7401\tRT-1001\tLoop\r\n")
    with pytest.raises(InputError, match='"Main Line" holds phone numbers: head the one to port'):
        read_input(str(named))
    bare = tmp_path / "range.txt"  # two columns copied from a sheet, no header
    bare.write_text("415-956-7401\tRT-1001\n415-956-7402\tRT-1002\n")
    table = read_input(str(bare)).tables[0]
    assert table.frame.select("number", "routing_id").rows() == [
        ("415-956-7401", "RT-1001"),
        ("415-956-7402", "RT-1002"),
    ]


def test_numbers_separated_by_tabs_are_still_a_list(tmp_path: Path) -> None:
    """In rows and columns or not: numbers only, no routing (SPEC 1.1's text form)."""
    path = tmp_path / "row.txt"
    path.write_text("(312) 782-4400\t312-782-4401\t415-555-2671\n312-782-4402\t312-782-4403\n")
    numbers = read_input(str(path)).tables[0].frame.get_column("number").to_list()
    assert numbers == [
        "(312) 782-4400",
        "312-782-4401",
        "415-555-2671",
        "312-782-4402",
        "312-782-4403",
    ]


def test_a_tab_table_with_a_number_column_keeps_its_columns(tmp_path: Path) -> None:
    """A `#` column and a `-` cell are not Word's list markers."""
    path = tmp_path / "hash.txt"
    path.write_text(
        "#\tPhone Number\tRouting ID\n1\t(312) 782-4400\tRT-1001\n-\t312-782-4402\tRT-1002\n"
    )
    table = read_input(str(path)).tables[0]
    assert table.frame.select("number", "routing_id").rows() == [
        ("(312) 782-4400", "RT-1001"),
        ("312-782-4402", "RT-1002"),
    ]


def test_a_word_list_under_a_title_loses_its_markers_too(tmp_path: Path) -> None:
    path = tmp_path / "list.txt"
    path.write_text("Numbers to port:\n1.\t(312) 782-4400\n2.\t312-782-4401\n3.\t415-555-2671\n")
    numbers = read_input(str(path)).tables[0].frame.get_column("number").to_list()
    assert numbers == ["(312) 782-4400", "312-782-4401", "415-555-2671"]


@pytest.mark.parametrize(
    ("name", "data", "kind"),
    [
        ("loa.pdf", b"%PDF-1.4\n1 0 obj\n(4155552671) Tj\n", "a PDF document"),
        ("list.txt", b"{\\rtf1\\ansi 4155552671\\par}", "an RTF document"),
        ("list.csv", b"\x89PNG\r\n\x1a\n4155552671", "an image"),
    ],
)
def test_a_document_that_is_not_a_list_is_refused(
    tmp_path: Path, name: str, data: bytes, kind: str
) -> None:
    """A plain-text PDF (an LOA given by mistake) was read as a list: a row per line, each
    rejected, exit 0."""
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(InputError, match=f"^{path}: {kind}, not a list of numbers"):
        read_batch([str(path)])


def test_a_pdf_on_standard_input_is_refused() -> None:
    with pytest.raises(InputError, match="^stdin: a PDF document, not a list of numbers"):
        read_batch(["-"], stdin=io.BytesIO(b"%PDF-1.4\n(4155552671) Tj\n"))
