"""The child process that reads a workbook: `python -m portflow.readers.sandbox FOLDER MEMORY
SECONDS COLUMNS`, the workbook's bytes on standard input.

It limits its own address space to MEMORY bytes and its CPU time to SECONDS before calamine
runs (fastexcel's sheet loading is quadratic in a row's width, and a hand-made sheet can be a
million columns wide), writes each sheet
(at most COLUMNS columns, every cell as text) to FOLDER as Arrow IPC, and the answer, or
the one-line reason the workbook cannot be read, to FOLDER/answer.json. If a hostile
workbook makes calamine ask for more memory, the allocation fails and this process ends;
the parent (excel.py) reports it.
"""

from __future__ import annotations

import html
import io
import json
import re
import resource
import signal
import sys
import zipfile
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from portflow.readers.excel import OLE_MAGIC, ZIP_MAGIC, looks_like_workbook
from portflow.scratch import die_with_parent

SCAN_CHUNK = 4 * 1024 * 1024
CPU_GRACE = 5  # seconds between SIGXCPU and SIGKILL
# A formula cell whose cached value is missing: <c ...><f>...</f></c> with no <v>, or an
# empty one (<v />, <v></v>: openpyxl writes formulas so).
# (`_uncalculated` tells them from a string formula whose empty <v/> is the empty text it
# calculated to: `=IF(C4="","",C4)` filled down below a list, as Excel saves it.)
_FORMULA_WITHOUT_VALUE = re.compile(
    rb"<c\b(?P<attributes>[^<>]*)>\s*<f\b[^<>]*(?:/>|>(?P<formula>[^<]*)</f>)\s*"
    rb"(?P<empty><v\s*/>|<v>\s*</v>)?\s*</c>"
)
_STRING_TYPE = re.compile(rb"""\bt=["']str["']""")
_CELL_NAME = re.compile(rb"""\br=["']([A-Za-z]{1,3}\d{1,7})["']""")
# A worksheet part where Excel puts it; others name theirs freely (the Open XML SDK's
# `sheet.xml`): the workbook's relationships say which parts are sheets (_sheet_parts).
_SHEET_PATH = re.compile(r"xl/worksheets/[^/]+\.xml$", re.IGNORECASE)
# A hidden row: <row r="17" hidden="1"> (attributes in any order, any prefix).
_HIDDEN_ROW = re.compile(
    rb"""<(?:\w+:)?row\b(?=[^<>]*\bhidden=["'](?:1|true)["'])[^<>]*\br=["'](\d+)["']"""
)
MAX_LISTED_ROWS = 5
# A cell holding a plain value: <c r="A2" s="1"><v>4155550000</v></c> (no formula).
_NUMBER_CELL = re.compile(
    rb"<(?P<prefix>(?:\w+:)?)c\b(?P<attributes>[^<>]*)>\s*<(?P=prefix)v>(?P<value>[^<]*)"
    rb"</(?P=prefix)v>\s*</(?P=prefix)c>"
)
_ATTRIBUTE = re.compile(rb"""([\w:]+)=["']([^"']*)["']""")
_TYPE_ATTRIBUTE = re.compile(rb"""\st=["'][^"']*["']""")
_NUM_FMT = re.compile(rb"<(?:\w+:)?numFmt\b[^>]*>")
_CELL_XFS = re.compile(rb"<(?:\w+:)?cellXfs\b[^>]*>(.*?)</(?:\w+:)?cellXfs>", re.DOTALL)
_XF = re.compile(rb"<(?:\w+:)?xf\b[^>]*>")
_SCIENTIFIC_CODE = re.compile(r"^[#0]*(?:\.[0#]*)?E[+-]", re.IGNORECASE)
_BUILTIN_SCIENTIFIC = frozenset({11, 48})  # 0.00E+00 and ##0.0E+0
KEPT_DIGITS = 6  # significant digits Excel writes a large number with in a CSV (4.15555E+09)
# A merged range: <mergeCell ref="C2:C4"/> (any prefix, either quote).
_CELL_REF = rb"\$?([A-Za-z]{1,3})\$?(\d{1,7})"
_MERGE_CELL = re.compile(
    rb"<(?:\w+:)?mergeCell\b[^<>]*\bref=[\"']" + _CELL_REF + rb":" + _CELL_REF + rb"[\"']"
)
# A cell with a value: r="C3" ...>, a formula perhaps, then a <v> that is not empty or
# an inline string (calamine skips <v/> and <v></v>, a formula saved without its value).
_VALUE_CELL = re.compile(
    rb"""\br=["']([A-Za-z]{1,3})\d+["'][^<>]*>\s*"""
    rb"(?:<(?:\w+:)?f\b[^<>]*(?:/>|>[^<]*</(?:\w+:)?f>)\s*)?"
    rb"(?:<(?:\w+:)?v>[^<]|<(?:\w+:)?is>)"
)
Merge = tuple[int, int, int, int]  # first row, first column, last row, last column (1-based)
# A cell whose value is an error: <c r="A2" t="e"> (any prefix, either quote).
_ERROR_CELL = re.compile(rb"""(?P<tag><(?:\w+:)?c\b[^<>]*\bt=)(?P<q>["'])e(?P=q)""")


def main(argv: list[str]) -> int:
    folder, memory, seconds, max_columns = Path(argv[0]), int(argv[1]), int(argv[2]), int(argv[3])
    die_with_parent(signal.SIGKILL)  # a killed run's reader must not write on into its folder
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + CPU_GRACE))
    data = sys.stdin.buffer.read()
    answer = read(data, folder, max_columns=max_columns)
    (folder / "answer.json").write_text(json.dumps(answer), encoding="utf-8")
    return 0


def read(data: bytes, folder: Path, *, max_columns: int) -> dict[str, Any]:
    import fastexcel  # after the limit is set: calamine allocates from here on

    # The notes unzip the sheets again (zlib releases the GIL): on the other core, meanwhile.
    with ThreadPoolExecutor(max_workers=1) as background:
        noticed = background.submit(notes, data)
        answer = _sheets(fastexcel, data, folder, max_columns=max_columns)
        if "sheets" not in answer:
            return answer
        found, rewrite, merges = noticed.result()
        if rewrite:  # rare: read again, with error cells, lost digits, formulas as text
            try:
                rewritten = cells_as_text(data, rewrite)
            except (zipfile.BadZipFile, OSError, EOFError, ValueError, zlib.error) as error:
                found.append(
                    "error cells (#N/A...) and numbers Excel shows in scientific notation "
                    f"were read as stored: the workbook could not be rewritten ({error})"
                )
            else:
                answer = _sheets(fastexcel, rewritten, folder, max_columns=max_columns)
        if "sheets" in answer:
            answer["notes"] += found
            answer["merges"] = merges
        return answer


def _sheets(fastexcel: Any, data: bytes, folder: Path, *, max_columns: int) -> dict[str, Any]:
    try:
        workbook = fastexcel.read_excel(data)
    except fastexcel.FastExcelError as error:
        return {"error": _why(error, data)}
    sheets: list[dict[str, str]] = []
    dropped: list[str] = []
    for position, name in enumerate(workbook.sheet_names):
        try:
            # skip_rows=0 keeps leading blank rows, so positions are the workbook's rows.
            sheet = workbook.load_sheet(
                name,
                header_row=None,
                dtypes="string",
                skip_rows=0,
                use_columns=lambda column: column.index < max_columns,
            )
            frame = sheet.to_polars()
        except fastexcel.FastExcelError as error:
            return {"error": f"cannot read this sheet: {_first_line(error)}", "sheet": name}
        target = f"sheet-{position}.arrow"
        frame.write_ipc(folder / target)
        sheets.append({"name": name, "visible": str(sheet.visible), "data": target})
        width = len(sheet.available_columns())
        if width > max_columns:
            dropped.append(
                f'sheet "{name}" has {width:,} columns; only the first {max_columns:,} were '
                "read (PORTFLOW_MAX_COLUMNS)"
            )
    return {"sheets": sheets, "notes": dropped}


def notes(data: bytes) -> tuple[list[str], Rewrite | None, dict[str, list[tuple[int, ...]]]]:
    """What a user should know about a workbook portflow read only the cells of; what to
    read as text (error cells, numbers shown in scientific notation that lost digits), if
    anything; and each sheet's merged ranges, by its title."""
    if not data.startswith(ZIP_MAGIC):
        return [], None, {}
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return [], None, {}
    found = []
    names = archive.namelist()
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        found.append("the workbook has macros; portflow reads its cells and never runs them")
    if any(name.startswith("xl/externalLinks/") for name in names):
        found.append(
            "the workbook links to other workbooks; cells that use them were read as last "
            "saved, and the linked files were not opened"
        )
    titles = _sheet_titles(archive)
    paths = _sheet_parts(names, titles)
    scanned = [_scan(archive, name) for name in paths]
    without_value = sum(len(cells) for cells, _, _, _ in scanned)
    if without_value:
        where = "; ".join(
            f'sheet "{titles.get(path, path)}": {_cells_text(cells)}'
            for path, (cells, *_) in zip(paths, scanned, strict=True)
            if cells
        )
        found.append(
            f"{without_value} formula cell(s) have no saved value (the file was never "
            f"recalculated) and were read as their formula ({where}): a row with one in "
            "its number or forward-to column is rejected; open the file in Excel, save it "
            "and run again"
        )
    hidden = [row for _, _, rows, _ in scanned for row in rows]
    if hidden:
        listed: list[str] = []
        for path, (_, _, rows, _) in zip(paths, scanned, strict=True):
            if rows and len(listed) < MAX_LISTED_ROWS:
                shown = ", ".join(str(row) for row in rows[:MAX_LISTED_ROWS])
                more = ", ..." if len(rows) > MAX_LISTED_ROWS else ""
                listed.append(f'sheet "{titles.get(path, path)}" row {shown}{more}')
        found.append(
            f"{len(hidden)} hidden row(s) ({'; '.join(listed)}) were read like the others; "
            "if they were hidden to leave them out, delete them and run again"
        )
    scientific = _scientific_styles(archive)
    lost = bool(scientific) and any(
        _lost_digits(cell, scientific) is not None
        for name in paths
        for cell in _NUMBER_CELL.finditer(_member(archive, name))
    )
    merges = {
        titles.get(path, path): _in_frame(
            ranges, _first_column(_member(archive, path), formulas=without_value > 0)
        )
        for path, (_, _, _, ranges) in zip(paths, scanned, strict=True)
        if ranges
    }
    if any(errors for _, errors, _, _ in scanned) or lost or without_value:
        return found, Rewrite(scientific if lost else frozenset(), bool(without_value)), merges
    return found, None, merges


def _uncalculated_cells(text: bytes) -> list[str]:
    """The names (`B2`; `?` where a cell has none) of the formula cells without a value."""
    return [
        found[1].decode("ascii", "replace") if found else "?"
        for found in (
            _CELL_NAME.search(cell["attributes"])
            for cell in _FORMULA_WITHOUT_VALUE.finditer(text)
            if _uncalculated(cell)
        )
    ]


def _uncalculated(cell: re.Match[bytes]) -> bool:
    """A _FORMULA_WITHOUT_VALUE match that has no value, not an empty string's."""
    return cell["empty"] is None or not _STRING_TYPE.search(cell["attributes"])


def _cells_text(cells: list[str]) -> str:
    """`B2, C3` (the first MAX_LISTED_ROWS, then `...`)."""
    more = ", ..." if len(cells) > MAX_LISTED_ROWS else ""
    return ", ".join(cells[:MAX_LISTED_ROWS]) + more


@dataclass(frozen=True)
class Rewrite:
    """What cells_as_text changes: error cells, number cells whose style (a cellXfs
    position) is scientific notation that hides lost digits, and (`formulas`) formula
    cells without a saved value."""

    scientific: frozenset[int]
    formulas: bool = False


_SHEET_ENTRY = re.compile(rb"<(?:\w+:)?sheet\b[^<>]*>")
# An attribute with either quote: a sheet named `Bob's list` is written name="Bob&apos;s list"
# by Excel, but name="Bob's list" by others.
_QUOTED_ATTRIBUTE = re.compile(rb"""([\w:]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_RELATIONSHIP = re.compile(rb"<(?:\w+:)?Relationship\b[^<>]*>")


def _sheet_titles(archive: zipfile.ZipFile) -> dict[str, str]:
    """Each worksheet part's name as Excel shows it on its tab (xl/worksheets/sheet3.xml ->
    "South"), from the workbook and its relationships; {} where they cannot be read."""
    try:
        workbook = _member(archive, "xl/workbook.xml")
        relationships = _member(archive, "xl/_rels/workbook.xml.rels")
    except (KeyError, OSError, zipfile.BadZipFile, ValueError, EOFError):
        return {}
    targets = {}
    for tag in _RELATIONSHIP.findall(relationships):
        attributes = {key: a or b for key, a, b in _QUOTED_ATTRIBUTE.findall(tag)}
        target = attributes.get(b"Target", b"").decode("utf-8", "replace").lstrip("/")
        if b"Id" in attributes:
            targets[attributes[b"Id"]] = target if target.startswith("xl/") else f"xl/{target}"
    titles = {}
    for tag in _SHEET_ENTRY.findall(workbook):
        attributes = {key.split(b":")[-1]: a or b for key, a, b in _QUOTED_ATTRIBUTE.findall(tag)}
        path = targets.get(attributes.get(b"id", b""))
        if path and b"name" in attributes:
            titles[path] = html.unescape(attributes[b"name"].decode("utf-8", "replace"))
    return titles


def _sheet_parts(names: list[str], titles: dict[str, str]) -> list[str]:
    """The archive's worksheet parts: those the workbook names, and any under xl/worksheets/
    (part names are case-insensitive)."""
    named = {path.casefold() for path in titles}
    return [name for name in names if name.casefold() in named or _SHEET_PATH.match(name)]


def _member(archive: zipfile.ZipFile, name: str) -> bytes:
    try:
        return archive.read(name)
    except (KeyError, zipfile.BadZipFile, OSError, EOFError, ValueError):
        return b""


def _scientific_styles(archive: zipfile.ZipFile) -> frozenset[int]:
    """Cell styles (cellXfs positions) showing numbers in scientific notation: what Excel
    gives a CSV's `4.15555E+09` when it opens it."""
    styles = _member(archive, "xl/styles.xml")
    formats = set(_BUILTIN_SCIENTIFIC)
    for tag in _NUM_FMT.findall(styles):
        attributes = dict(_ATTRIBUTE.findall(tag))
        code = attributes.get(b"formatCode", b"").decode("utf-8", "replace")
        if _SCIENTIFIC_CODE.search(code) and attributes.get(b"numFmtId", b"").isdigit():
            formats.add(int(attributes[b"numFmtId"]))
    block = _CELL_XFS.search(styles)
    found = set()
    for position, tag in enumerate(_XF.findall(block[1]) if block else []):
        format_id = dict(_ATTRIBUTE.findall(tag)).get(b"numFmtId", b"0")
        if format_id.isdigit() and int(format_id) in formats:
            found.add(position)
    return frozenset(found)


def _lost_digits(cell: re.Match[bytes], scientific: frozenset[int]) -> bytes | None:
    """The cell as a CSV had it (`4.15555E+09`) if it is a phone-sized number in a
    scientific style with at most 6 significant digits: what Excel stores when it opens a
    CSV's `4.15555E+09` (shown `4.16E+09`); the digits after were lost. None for any other
    cell (4155552671 in a scientific style kept its digits)."""
    attributes = dict(_ATTRIBUTE.findall(cell["attributes"]))
    style = attributes.get(b"s", b"")
    if not style.isdigit() or int(style) not in scientific or attributes.get(b"t", b"n") != b"n":
        return None
    try:
        value = float(cell["value"])
    except ValueError:
        return None
    shown = f"{value:.{KEPT_DIGITS - 1}E}"
    if value < 1e6 or not value.is_integer() or float(shown) != value:
        return None
    return shown.encode()


def _scan(archive: zipfile.ZipFile, name: str) -> tuple[list[str], bool, list[int], list[Merge]]:
    """A sheet's formula cells without a saved value (their names, `B2`), whether it has
    error cells, its hidden rows and its merged ranges; found while unzipping in chunks (a
    cell cut by a chunk's end is looked at again; a row or mergeCell tag is short enough
    for the 256 bytes kept)."""
    cells: list[str] = []
    errors, tail, hidden, merges = False, b"", set[int](), set[Merge]()

    try:
        with archive.open(name) as member:
            while chunk := member.read(SCAN_CHUNK):
                text = tail + chunk
                if b"hidden=" in text:
                    hidden.update(int(row) for row in _HIDDEN_ROW.findall(text))
                if b"mergeCell" in text:
                    merges.update(_merge(*found) for found in _MERGE_CELL.findall(text))
                # `in` scans at memory speed; the pattern only where it may match.
                errors = errors or (
                    (b'"e"' in text or b"'e'" in text) and _ERROR_CELL.search(text) is not None
                )
                if b"<f" not in text:
                    tail = text[-256:]
                    continue
                end = text.rfind(b"<c ")
                complete, tail = (text[:end], text[end:]) if end > 0 else (text, b"")
                cells += _uncalculated_cells(complete)
        return cells + _uncalculated_cells(tail), errors, sorted(hidden), sorted(merges)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        return cells, errors, sorted(hidden), sorted(merges)


def _first_column(sheet: bytes, *, formulas: bool = False) -> int:
    """The first column with a value (1-based): calamine's frame starts there, not at A.
    (`formulas`: formula cells without a value count, as cells_as_text gives them one.)"""
    columns = {letters.upper() for letters in _VALUE_CELL.findall(sheet)}
    if formulas:
        columns |= {
            cell.rstrip("0123456789").upper().encode()
            for cell in _uncalculated_cells(sheet)
            if cell != "?"
        }
    return min((_column(letters) for letters in columns), default=1)


def _in_frame(merges: list[Merge], first_column: int) -> list[tuple[int, ...]]:
    """Merged ranges with columns counted from the frame's first (1-based), the part of
    each that lies in it, and that shift (to name the range as the sheet does)."""
    shift = first_column - 1
    return [
        (top, max(left - shift, 1), bottom, right - shift, shift)
        for top, left, bottom, right in merges
        if right - shift >= 1
    ]


def _merge(first_column: bytes, first_row: bytes, last_column: bytes, last_row: bytes) -> Merge:
    """`C2:C4` as (first row, first column, last row, last column), 1-based."""
    return (int(first_row), _column(first_column), int(last_row), _column(last_column))


def _column(letters: bytes) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + letter - ord("A") + 1
    return number


def cells_as_text(data: bytes, rewrite: Rewrite | None = None) -> bytes:
    """The workbook with its error cells made text cells (`t="str"`, as a formula's text
    result is), so calamine reads `#N/A` where it would read an empty cell; and number
    cells that lost digits to scientific notation (`rewrite`) made the text they show.

    An error in the number column must reject its row, not skip it as blank; in the routing
    column, it must not pass as "no routing". A number that lost digits must be rejected
    (SPEC 1.1), not ported as 4155550000, someone else's number.
    """
    scientific = rewrite.scientific if rewrite else frozenset()

    def as_formula(cell: re.Match[bytes]) -> bytes:
        # `=B2` where calamine would read nothing: in the number or forward-to column, a
        # row to reject with what to do (a forwarding silently dropped, otherwise).
        if not _uncalculated(cell):
            return cell[0]
        formula = cell["formula"] if cell["formula"] is not None else b"(shared formula)"
        attributes = _TYPE_ATTRIBUTE.sub(b"", cell["attributes"])
        return b'<c%s t="str"><v>=%s</v></c>' % (attributes, formula)

    def as_shown(cell: re.Match[bytes]) -> bytes:
        shown = _lost_digits(cell, scientific)
        if shown is None:
            return cell[0]
        prefix, attributes = cell["prefix"], _TYPE_ATTRIBUTE.sub(b"", cell["attributes"])
        return b'<%sc%s t="str"><%sv>%s</%sv></%sc>' % (
            prefix,
            attributes,
            prefix,
            shown,
            prefix,
            prefix,
        )

    rewritten = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as archive,
        zipfile.ZipFile(rewritten, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        sheets = set(_sheet_parts(archive.namelist(), _sheet_titles(archive)))
        for info in archive.infolist():
            content = archive.read(info)
            if info.filename in sheets:
                content = _ERROR_CELL.sub(rb"\g<tag>\g<q>str\g<q>", content)
                if rewrite and rewrite.formulas:
                    content = _FORMULA_WITHOUT_VALUE.sub(as_formula, content)
                if scientific:
                    content = _NUMBER_CELL.sub(as_shown, content)
            target.writestr(info, content, compress_type=zipfile.ZIP_DEFLATED)
    return rewritten.getvalue()


def _why(error: Exception, data: bytes) -> str:
    if data.startswith(OLE_MAGIC) and b"EncryptedPackage" in data[:65536].replace(b"\x00", b""):
        return "the workbook is password-protected; save an unprotected copy and try again"
    if not looks_like_workbook(data):
        return "not an Excel workbook, nor text (a file of another kind, named like a workbook?)"
    return f"not a readable Excel workbook (corrupt or truncated?): {_first_line(error)}"


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
