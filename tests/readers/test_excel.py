"""Excel workbooks: every sheet with a number column, headers below titles, numeric cells."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import openpyxl
import pytest

from portflow.errors import InputError
from portflow.readers import excel, read_batch, read_input
from portflow.readers.limits import Limits
from portflow.readers.sandbox import cells_as_text


def workbook(tmp_path: Path, name: str = "wave2.xlsx") -> tuple[openpyxl.Workbook, Path]:
    book = openpyxl.Workbook()
    return book, tmp_path / name


def test_header_below_title_rows_and_numeric_cells(tmp_path: Path) -> None:
    book, path = workbook(tmp_path)
    sheet = book.active
    sheet.title = "Site A"
    sheet["B2"] = "Acme - numbers to port"
    sheet["B4"], sheet["C4"], sheet["D4"] = "Phone Number", "Routing ID", "Notes"
    sheet["B5"], sheet["C5"] = 4155552671, "RT-1"
    sheet["B6"], sheet["C6"] = 14155552672, 12
    sheet["B8"], sheet["D8"] = "(415) 555-2673", "after a blank row"
    book.save(path)
    batch = read_batch([str(path)])
    assert batch.frame.select(
        "source_sheet", "source_row", "number", "routing_id", "Notes"
    ).rows() == [
        ("Site A", 5, "4155552671", "RT-1", None),
        ("Site A", 6, "14155552672", "12", None),
        ("Site A", 8, "(415) 555-2673", None, "after a blank row"),
    ]
    assert batch.skipped_blank == 1


def test_date_and_time_cells_are_carried_as_typed(tmp_path: Path) -> None:
    """Not `2026-12-15 00:00:00` and `1899-12-31 09:30:00`, as calamine gives them."""
    book, path = workbook(tmp_path)
    sheet = book.active
    sheet.append(["Phone Number", "Port date", "Call time", "Last call", "Opens"])
    sheet.append(
        [
            "4155552671",
            dt.date(2026, 12, 15),
            dt.time(9, 30),
            dt.datetime(2026, 12, 1, 13, 45),
            dt.time(0, 0),  # day zero at midnight: 1899-12-31 00:00:00
        ]
    )
    book.save(path)
    batch = read_batch([str(path)])
    assert batch.frame.select("Port date", "Call time", "Last call", "Opens").rows() == [
        ("2026-12-15", "09:30:00", "2026-12-01 13:45:00", "00:00:00")
    ]


def test_every_sheet_with_a_number_column_is_read_and_others_are_reported(tmp_path: Path) -> None:
    book, path = workbook(tmp_path)
    first = book.active
    first.title = "North"
    first.append(["TN", "Route ID"])
    first.append(["4155552671", "RT-1"])
    notes = book.create_sheet("Instructions")
    notes.append(["Fill in the list on the other sheets"])
    south = book.create_sheet("South")
    south.append(["Destination", "Numbers to port"])
    south.append(["4155550000", "4155552672"])
    hidden = book.create_sheet("Old")
    hidden.sheet_state = "hidden"
    hidden.append(["Phone"])
    hidden.append(["4155552673"])
    book.save(path)
    source = read_input(str(path))
    assert [(t.sheet, t.frame.get_column("number").to_list()) for t in source.tables] == [
        ("North", ["4155552671"]),
        ("South", ["4155552672"]),
        ("Old", ["4155552673"]),
    ]
    south_table = source.tables[1].frame
    assert south_table.get_column("receiving_number").to_list() == ["4155550000"]
    assert any('"Instructions"' in w and "skipped" in w for w in source.warnings)
    assert any('"Old" is hidden' in w for w in source.warnings)


def test_a_hidden_sheet_is_read_after_the_visible_ones(tmp_path: Path) -> None:
    """A hidden first sheet is often the old list: where it repeats a number, the visible
    row is the one checked (its routing), the hidden one the duplicate."""
    book, path = workbook(tmp_path)
    old = book.active
    old.title = "Old (2024)"
    old.sheet_state = "hidden"
    old.append(["Phone Number", "Routing ID"])
    old.append(["4155552671", "RT-1009"])
    current = book.create_sheet("Port list")
    current.append(["Phone Number", "Routing ID"])
    current.append(["4155552671", "RT-1002"])
    book.save(path)
    batch = read_batch([str(path)])
    assert batch.frame.select("source_sheet", "routing_id").rows() == [
        ("Port list", "RT-1002"),
        ("Old (2024)", "RT-1009"),
    ]


def test_notes_and_legend_sheets_beside_a_list_are_not_read_as_lists(tmp_path: Path) -> None:
    """A date or an account number first on a notes sheet is no headerless list, and a
    legend's "Phone Number" cell has prose under it, not numbers."""
    book, path = workbook(tmp_path)
    book.active.append(["Phone Number", "Routing ID"])
    book.active.append(["4155552671", "RT-1"])
    notes = book.create_sheet("Notes")
    notes.append(["Updated 11/20/2026"])
    notes.append(["Billing account: 8773219900"])
    legend = book.create_sheet("Legend")
    legend.append(["Phone Number", "The 10-digit number to port"])
    legend.append(["Routing ID", "Where its calls go (RT-...)"])
    book.save(path)
    source = read_input(str(path))
    assert [table.sheet for table in source.tables] == ["Sheet"]
    assert any('"Notes"' in w and "skipped" in w for w in source.warnings)
    assert any('sheet "Legend": only words under its number column' in w for w in source.warnings)


@pytest.mark.parametrize(
    "value", ["1-800-FLOWERS", "4.15555E+09", "#N/A", "'415-555-2672", "x#5", " .5"]
)
def test_a_sheet_of_vanity_or_damaged_numbers_beside_a_list_is_read(
    tmp_path: Path, value: str
) -> None:
    """Such numbers are ported or rejected with their reason, not skipped as notes."""
    book, path = workbook(tmp_path)
    book.active.append(["Phone Number"])
    book.active.append(["4155552671"])
    other = book.create_sheet("Other")
    other.append(["Phone Number"])
    other.append([value])
    book.save(path)
    assert read_batch([str(path)]).frame.get_column("number").to_list() == ["4155552671", value]


def test_a_lone_sheet_of_damaged_numbers_is_still_read(tmp_path: Path) -> None:
    """Without a sheet of numbers beside it, each row is rejected with its reason."""
    book, path = workbook(tmp_path)
    book.active.append(["Phone Number"])
    book.active.append(["#N/A"])
    book.save(path)
    assert read_batch([str(path)]).frame.get_column("number").to_list() == ["#N/A"]


def test_headerless_sheet_reads_number_and_routing(tmp_path: Path) -> None:
    book, path = workbook(tmp_path)
    book.active.append([4155552671, "RT-1"])
    book.active.append([4155552672])
    book.save(path)
    assert read_batch([str(path)]).frame.select("source_row", "number", "routing_id").rows() == [
        (1, "4155552671", "RT-1"),
        (2, "4155552672", None),
    ]


def test_formula_cells_without_a_cached_value_are_read_as_their_formula(tmp_path: Path) -> None:
    """Read as empty, a number's formula made the row MISSING_NUMBER ('fill in the number'),
    and a forward-to formula dropped the forwarding of an accepted row without a word."""
    book, path = workbook(tmp_path)
    book.active.append(["Phone", "Forward To", "Notes"])
    book.active.append(['=CONCAT("415","5552671")', None, "formula never calculated"])
    book.active.append(["4155552672", "=A5", None])
    book.save(path)
    batch = read_batch([str(path)])
    assert batch.frame.select("number", "receiving_number", "Notes").rows() == [
        ('=CONCAT("415","5552671")', None, "formula never calculated"),
        ("4155552672", "=A5", None),
    ]
    assert any(
        'read as their formula (sheet "Sheet": A2, B3): a row with one in its number or '
        "forward-to column is rejected" in warning
        for warning in batch.warnings
    )


def test_a_formula_that_calculated_to_empty_text_is_empty(tmp_path: Path) -> None:
    """`=IF(C4="","",C4)` filled down below a list: Excel saves it typed as a string with an
    empty value; those rows were rejected as 'a formula that was never calculated'."""
    book, path = workbook(tmp_path)
    book.active.append(["Phone Number", "Raw"])
    book.active.append(["4155552671", "4155552671"])
    book.active.append(['=IF(B3="","",B3)', None])
    book.save(path)
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"]
    assert b'<c r="A3"><f>' in sheet
    parts["xl/worksheets/sheet1.xml"] = sheet.replace(
        b'<c r="A3"><f>', b'<c r="A3" t="str"><f>'
    ).replace(b"<v></v>", b"<v/>")
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    batch = read_batch([str(path)])
    assert batch.frame.get_column("number").to_list() == ["4155552671"]
    assert not any("formula cell" in warning for warning in batch.warnings), batch.warnings


def test_a_workbook_without_any_number_column_is_refused(tmp_path: Path) -> None:
    book, path = workbook(tmp_path)
    book.active.title = "Site A"
    book.active.append(["Foo", "Bar"])
    book.active.append(["x", "y"])
    book.save(path)
    with pytest.raises(InputError) as error:
        read_batch([str(path)])
    assert str(error.value) == (
        f"{path}: no sheet has a column that looks like a phone number: "
        f'"Site A" (headers seen: Foo, Bar)'
    )


def test_a_sheet_of_numbers_under_an_unknown_header_stops_the_run(tmp_path: Path) -> None:
    """Skipping it would leave its numbers out of a run that otherwise looks complete."""
    book, path = workbook(tmp_path)
    book.active.title = "East"
    book.active.append(["Phone Number", "Routing ID"])
    book.active.append(["3033707940", "RT-1"])
    west = book.create_sheet("West")
    west.append(["Lines moving to us", "Routing ID"])
    west.append(["3033707941", "RT-1"])
    notes = book.create_sheet("Notes")  # no phone numbers: skipped with a warning
    notes.append(["Contact", "Email"])
    notes.append(["Dana", "dana@example.com"])
    book.save(path)
    with pytest.raises(InputError) as error:
        read_batch([str(path)])
    assert (error.value.sheet, error.value.problem) == (
        "West",
        '"Lines moving to us" holds phone numbers, but no column is headed as the numbers '
        'to port (headers seen: Lines moving to us, Routing ID): head it "Phone Number", or '
        "delete the sheet if its numbers are not to be ported (nothing was checked)",
    )
    del book["West"]
    book.save(path)
    batch = read_batch([str(path)])
    assert batch.frame.get_column("number").to_list() == ["3033707940"]
    assert f'{path}, sheet "Notes" (headers seen: Contact, Email): no phone-number column' in (
        " ".join(batch.warnings)
    )


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "not an Excel workbook, nor text"),
        (b"<html><table><tr><td>4155552671", "a web page (HTML) named like a workbook"),
        (b"<!-- export -->\n<html><table>", "a web page (HTML) named like a workbook"),
        (b'<?xml version="1.0"?>\n<Workbook>', "an XML file named like a workbook"),
        (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "not an Excel workbook, nor text"),
        (b"PK\x03\x04" + b"\x00" * 64, "not a readable Excel workbook"),
        (b"", "the file is empty"),
    ],
)
def test_corrupt_workbooks_are_refused_in_one_line(
    tmp_path: Path, data: bytes, problem: str
) -> None:
    path = tmp_path / "broken.xlsx"
    path.write_bytes(data)
    with pytest.raises(InputError) as error:
        read_batch([str(path)])
    assert problem in str(error.value) and "\n" not in str(error.value)


def test_truncated_workbook_is_refused(tmp_path: Path) -> None:
    book, path = workbook(tmp_path)
    book.active.append(["Phone"])
    book.active.append([4155552671])
    book.save(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match="not a readable Excel workbook"):
        read_batch([str(path)])


def test_error_cells_are_read_as_their_text_not_as_blanks(tmp_path: Path) -> None:
    book, path = workbook(tmp_path)
    sheet = book.active
    sheet["C3"], sheet["D3"] = "Phone Number", "Routing ID"  # the table starts at column C
    sheet["C4"], sheet["D4"] = "#N/A", "RT-1"  # openpyxl writes these as error cells
    sheet["C5"], sheet["D5"] = 4155552671, "#REF!"
    sheet["C6"] = "#DIV/0!"  # alone in its row: not a blank row
    book.save(path)
    batch = read_batch([str(path)])
    assert batch.frame.select("source_row", "number", "routing_id").rows() == [
        (4, "#N/A", "RT-1"),
        (5, "4155552671", "#REF!"),
        (6, "#DIV/0!", None),
    ]
    assert batch.skipped_blank == 0


def test_error_cells_of_any_writer_become_text_cells() -> None:
    sheet = (
        b'<sheetData><row r="2"><c r="A2" s="1" t="e"><f>1/0</f><v>#DIV/0!</v></c>'
        b"<x:c r='B2' t='e'><x:v>#N/A</x:v></x:c><c r=\"C2\" t=\"s\"><v>0</v></c></row>"
    )
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as archive:
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
        archive.writestr("xl/sharedStrings.xml", b'<sst><si><t>t="e"</t></si></sst>')
    with zipfile.ZipFile(io.BytesIO(cells_as_text(data.getvalue()))) as archive:
        assert archive.read("xl/worksheets/sheet1.xml") == sheet.replace(b'"e"', b'"str"').replace(
            b"'e'", b"'str'"
        )
        assert archive.read("xl/sharedStrings.xml") == b'<sst><si><t>t="e"</t></si></sst>'


def test_a_number_column_past_the_column_limit_is_named_in_the_refusal(tmp_path: Path) -> None:
    book, path = workbook(tmp_path)
    sheet = book.active
    sheet.cell(row=1, column=1, value="Site")
    sheet.cell(row=1, column=8, value="Phone Number")
    sheet.cell(row=2, column=1, value="HQ")
    sheet.cell(row=2, column=8, value=4155552671)
    book.save(path)
    with pytest.raises(InputError) as raised:
        read_input(str(path), limits=Limits(max_columns=5))
    assert str(raised.value).endswith(
        'sheet "Sheet" has 8 columns; only the first 5 were read (PORTFLOW_MAX_COLUMNS)'
    )


def test_numbers_shown_in_scientific_notation_that_lost_digits_read_as_shown(
    tmp_path: Path,
) -> None:
    """Excel opening a CSV's `4.15555E+09` stores 4155550000 shown as 0.00000E+00: someone
    else's number, unless it is read as what it shows (and rejected: digits lost)."""
    book, path = workbook(tmp_path)
    sheet = book.active
    sheet.append(["Phone", "Routing ID"])
    for value, shown in [
        (4155550000, "0.00000E+00"),  # 4.15555E+09: the digits after were lost
        (4155550000, "0.00E+00"),  # the same, as Excel shows it (built-in format 11)
        (4155552671, "0.00E+00"),  # shown short, but every digit is in the cell
        (4155552672, "General"),
        (4160000000, "0.00E+00"),
        (12, "0.00E+00"),  # not phone-sized: left alone
    ]:
        sheet.append([value, "RT-1"])
        sheet.cell(row=sheet.max_row, column=1).number_format = shown
    book.save(path)
    numbers = read_batch([str(path)]).frame.get_column("number").to_list()
    assert numbers == [
        "4.15555E+09",
        "4.15555E+09",
        "4155552671",
        "4155552672",
        "4.16000E+09",
        "12",
    ]


def test_a_workbook_that_cannot_be_rewritten_is_read_as_stored_with_a_note(
    tmp_path: Path,
) -> None:
    """A damaged part calamine never reads (docProps/app.xml, bad CRC) must not make a
    readable workbook unreadable because it has an error cell."""
    book, path = workbook(tmp_path)
    book.active.append(["Phone"])
    book.active.append([4155552671])
    book.active.append(["#N/A"])
    book.save(path)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo("docProps/app.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start + info.compress_size // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    source = read_input(str(path))
    assert source.tables[0].frame.get_column("number").to_list() == ["4155552671"]
    assert any("could not be rewritten" in warning for warning in source.warnings)


def test_hidden_rows_are_read_and_named_in_a_warning(tmp_path: Path) -> None:
    """Someone may have hidden them to leave them out; the analyst should know."""
    book, path = workbook(tmp_path)
    sheet = book.active
    for value in ("Phone", 4155552671, 4155552672, 4155552673):
        sheet.append([value])
    sheet.row_dimensions[3].hidden = True
    other = book.create_sheet("Bob's list")
    for value in ("Phone", 4155552674, 4155552675):
        other.append([value])
    other.row_dimensions[2].hidden = True
    book.save(path)
    source = read_input(str(path))
    assert source.tables[0].frame.get_column("number").to_list() == [
        "4155552671",
        "4155552672",
        "4155552673",
    ]
    assert (
        f'{path}: 2 hidden row(s) (sheet "Sheet" row 3; sheet "Bob\'s list" row 2) were read '
        "like the others" in " ".join(source.warnings)
    )


@pytest.mark.parametrize("part", ["xl/worksheets/sheet.xml", "xl/sheets/main.xml"])
def test_a_sheet_part_named_otherwise_gets_the_same_protections(tmp_path: Path, part: str) -> None:
    """The Open XML SDK names its first worksheet part `sheet.xml`, and part names are free:
    error cells, lost digits and hidden rows are found through the workbook's relationships."""
    book, path = workbook(tmp_path)
    sheet = book.active
    for value in ("Phone", 4155552671, "#N/A", 4155550000, 4155552672):
        sheet.append([value])
    sheet.cell(row=4, column=1).number_format = "0.00E+00"
    sheet.row_dimensions[5].hidden = True
    book.save(path)
    moved = io.BytesIO()
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(moved, "w") as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename in ("xl/_rels/workbook.xml.rels", "[Content_Types].xml"):
                content = content.replace(b"worksheets/sheet1.xml", part[3:].encode())
            name = part if info.filename == "xl/worksheets/sheet1.xml" else info.filename
            target.writestr(name, content)
    path.write_bytes(moved.getvalue())
    source = read_input(str(path))
    numbers = source.tables[0].frame.get_column("number").to_list()
    assert numbers == ["4155552671", "#N/A", "4.15555E+09", "4155552672"]
    assert any('(sheet "Sheet" row 5)' in warning for warning in source.warnings)


def test_the_workbook_reader_gets_no_portflow_setting_such_as_the_token(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PORTFLOW_SYSTEM_TOKEN", "tok-SECRET-xyz")
    monkeypatch.setenv("PATH", "/usr/bin")
    environment = excel._child_environment()
    assert not [name for name in environment if name.startswith("PORTFLOW_")]
    assert environment["PATH"] == "/usr/bin"


def test_merged_cells_give_their_value_to_every_row_they_span(tmp_path: Path) -> None:
    """Excel shows RT-1 beside all three numbers; calamine gives it to the first only, and
    the other two were configured without routing."""
    book, path = workbook(tmp_path)
    sheet = book.active
    sheet.append(["Acme clinics"])  # a title merged over the table's width
    sheet.merge_cells("A1:C1")
    sheet.append(["Phone Number", "Routing ID", "Forward To"])
    for number in (4155552671, 4155552672, 4155552673, 4155552674):
        sheet.append([number, None, None])
    sheet["B3"], sheet["C3"], sheet["B6"] = "RT-1", "(206) 624-4415", "RT-2"
    sheet.merge_cells("B3:B5")
    sheet.merge_cells("C3:C4")
    book.save(path)
    source = read_input(str(path))
    assert source.tables[0].frame.select("number", "routing_id", "receiving_number").rows() == [
        ("4155552671", "RT-1", "(206) 624-4415"),
        ("4155552672", "RT-1", "(206) 624-4415"),
        ("4155552673", "RT-1", None),
        ("4155552674", "RT-2", None),
    ]
    assert any(
        'sheet "Sheet": merged cells (A1:C1, B3:B5, C3:C4) were read as their value' in warning
        for warning in source.warnings
    )


def test_a_merged_range_from_row_0_of_a_damaged_file_paints_nothing(tmp_path: Path) -> None:
    """Row 0 does not exist: its range read the sheet's last row (a Python index of -1)
    and painted that number over the header and two rows; two numbers were lost."""
    book, path = workbook(tmp_path)
    sheet = book.active
    for row in (
        ["Phone Number", "Clinic"],
        [4155552670, "a"],
        [4155552671, "b"],
        [4155552675, "c"],
    ):
        sheet.append(row)
    book.save(path)  # openpyxl would empty a merged range's cells: the tag is added below
    damaged = io.BytesIO()
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(damaged, "w") as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                merge = b'<mergeCells count="1"><mergeCell ref="A0:B3"/></mergeCells>'
                content = content.replace(b"</sheetData>", b"</sheetData>" + merge)
            target.writestr(info, content)
    path.write_bytes(damaged.getvalue())
    frame = read_input(str(path)).tables[0].frame
    assert frame.select("number", "Clinic").rows() == [
        ("4155552670", "a"),
        ("4155552671", "b"),
        ("4155552675", "c"),
    ]


@pytest.mark.parametrize("suffix", [".xls", ".xlsx"])
def test_text_in_columns_named_like_a_workbook_is_read_as_text(tmp_path: Path, suffix: str) -> None:
    """Many tools' "Excel" export is tab-separated text named .xls."""
    path = tmp_path / f"export{suffix}"
    path.write_bytes(b"Phone Number\tRouting ID\r\n415-956-4801\tRT-1\r\n")
    source = read_input(str(path))
    assert source.tables[0].frame.select("number", "routing_id").rows() == [
        ("415-956-4801", "RT-1")
    ]
    assert f"{path}: not a workbook but text in columns; read as such" in source.warnings


def test_merged_cells_of_a_table_that_does_not_start_at_column_a(tmp_path: Path) -> None:
    """calamine's frame starts at the first column with a value: the merge's B2:B3 is the
    frame's first column, not its second (which would copy a number over the next)."""
    book, path = workbook(tmp_path)
    sheet = book.active
    sheet["B1"], sheet["C1"], sheet["D1"] = "Clinic", "Phone Number", "Routing ID"
    sheet["B2"], sheet["C2"], sheet["D2"] = "Chicago Loop", "(312) 782-4400", "RT-1001"
    sheet["C3"], sheet["D3"] = "312-782-4401", "RT-1002"
    sheet.merge_cells("B2:B3")
    sheet["A9"] = "=1+1"  # saved without its value: read as its formula, in column A
    book.save(path)
    source = read_input(str(path))
    assert source.tables[0].frame.select("number", "routing_id", "Clinic").rows() == [
        ("(312) 782-4400", "RT-1001", "Chicago Loop"),
        ("312-782-4401", "RT-1002", "Chicago Loop"),
        (None, None, None),  # row 9: its formula is a value in a column without a header
    ]
    assert any("merged cells (B2:B3) were read" in warning for warning in source.warnings)


@pytest.mark.parametrize(
    "data",
    [b"Phone Number\r\n(312) 782-4400\r\n", b"Phone Number|Routing ID\n(312) 782-4400|RT-1\n"],
)
def test_a_list_of_one_column_or_pipes_named_xls_is_read_as_text(
    tmp_path: Path, data: bytes
) -> None:
    path = tmp_path / "export.xls"
    path.write_bytes(data)
    assert read_input(str(path)).tables[0].frame.get_column("number").to_list() == [
        "(312) 782-4400"
    ]
