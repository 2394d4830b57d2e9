"""The manual-add text form and standard input."""

from __future__ import annotations

import io
from pathlib import Path

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
