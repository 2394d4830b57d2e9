"""Readers for number lists (SPEC 1.1): CSV/TSV, Excel workbooks, text and standard input."""

from __future__ import annotations

import dataclasses
import hashlib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import polars as pl

from portflow.errors import InputError, shown
from portflow.numbers.fast import COMMON_SHAPE
from portflow.readers.excel import looks_like_workbook, read_workbook
from portflow.readers.grid import ROW, Grid
from portflow.readers.headers import (
    INPUT_ALIASES,
    INPUT_INDEX,
    NUMBER,
    ROUTING_ID,
    match_headers,
    normalise_header,
)
from portflow.readers.limits import DEFAULT_LIMITS, Limits, megabytes, over
from portflow.readers.tabulate import (
    HEADER_SEARCH_ROWS,
    SHOWN_HEADER_CHARS,
    Table,
    find_header,
    headers_seen,
    in_usual_shape,
    tabulate,
    where,
)
from portflow.readers.text import (
    LINE_BREAK,
    MAX_LISTED,
    SNIFF_BYTES,
    decode,
    read_delimited,
    read_manual,
    sniff_delimiter,
)

STDIN = "-"
STDIN_NAME = "stdin"
EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
CSV_SUFFIXES = {".csv", ".tsv"}
INPUT_COLUMNS = tuple(INPUT_ALIASES)
EXTENSION_HEADERS = {"ext", "extension", "extn", "ext#", "extensions"}  # as normalise_header
# Headers of secrets, word by word: a port-out PIN, a passcode, a carrier account number.
# Their cells never reach an output. (`Map Pin` is a place; `Account ID` the platform's.)
_WORD = re.compile(r"[a-z0-9]+|#")
# A list marker before a tab at a line's start, as Word pastes its lists: `1.`, `a)`, a
# bullet (`•`, `·`, `o`, Symbol's U+F0B7). Only before a tab: `1. 415...` is read as it is.
_LIST_MARKER = re.compile(r"^[ \t]*(?:[^\s\w+(]|[oO]|\d{1,2}[.)]|[A-Za-z][.)])\t", re.MULTILINE)
_HTML_START = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*(?:<!--.*?-->\s*)*<(?:!doctype html|html|table|meta|head|body)\b",
    re.I | re.S,
)
_XML_START = re.compile(rb"^(?:\xef\xbb\xbf)?\s*<\?xml\b", re.I)
_OTHER_DOCUMENT = re.compile(rb"%PDF-|\{\\rtf|\x89PNG|GIF8|\xff\xd8\xff")  # PDF, RTF, images
_DOCUMENT_KINDS = {b"%PDF": "a PDF document", b"{\\rt": "an RTF document"}
_EXCEL_SEP = re.compile(r"^sep=([,;\t|])[ ]*(?:\r\n|\r|\n)", re.IGNORECASE)
# A cell that may be a number, however damaged: any digit, or an Excel error value.
_NUMBER_LIKE = r"[0-9０-９]|^\s*#[A-Za-z/0!?]+"
_SECRET_WORDS = frozenset(
    {"pin", "pins", "passcode", "password", "passwd", "ban", "pac", "nip"}  # NIP: Quebec's PIN
    | {"acctnum", "acctno", "acctnumber", "accountnumber"}
)
# Words run together: `PortOutPIN`, `AccountNumber`, `PINCode` (a capital after a small
# letter, or before one after capitals) and letters against digits.
_CAMEL_BREAK = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z]{2})")
_SECRET_PAIRS = frozenset(
    {
        ("security", "code"),
        ("access", "code"),
        ("auth", "code"),
        ("de", "passe"),  # mot de passe
        ("authorization", "code"),
        ("authorisation", "code"),
        *(
            (account, kind)
            for account in ("account", "acct", "acc", "ac")
            for kind in ("number", "numbers", "no", "nbr", "num", "#")
        ),
        *(
            (owner, account)
            for owner in ("carrier", "billing", "wireless", "btn", "telco")
            for account in ("account", "acct")
        ),
    }
)
_FRENCH_NUMBER = frozenset({"numero", "no", "num", "n", "#", "code"})
_NOT_SECRET_BEFORE_PIN = frozenset({"map", "location", "drop", "google", "lat", "geo"})
MASK = "***"


@dataclass
class Source:
    """One input file: its tables (one per sheet read) and what was noticed reading it."""

    file: str
    sha256: str
    tables: list[Table]
    warnings: list[str] = field(default_factory=list)


@dataclass
class Batch:
    """Every input row, in order, under SPEC column names, and the sources they came from."""

    frame: pl.DataFrame
    sources: list[Source]
    carried: list[str]

    @property
    def skipped_blank(self) -> int:
        return sum(table.skipped_blank for source in self.sources for table in source.tables)

    @property
    def warnings(self) -> list[str]:
        return [warning for source in self.sources for warning in source.warnings]


def read_input(
    path: str,
    *,
    stdin: BinaryIO | None = None,
    name: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Source:
    """Read one input (a path, or `-` for standard input) into tables.

    `name` is how reports and messages name the file (default: the path as given).
    """
    if path == STDIN:
        data = stdin.read(limits.max_file_bytes + 1) if stdin is not None else b""
        _check_size(len(data), file=name or STDIN_NAME, limits=limits)
        _refuse_documents(data, file=name or STDIN_NAME)
        return _read_text(data, file=name or STDIN_NAME, suffix=".txt", limits=limits)
    file = name or path
    location = Path(path)
    try:
        if location.is_file():
            _check_size(location.stat().st_size, file=file, limits=limits)
        data = location.read_bytes()
    except FileNotFoundError:
        raise InputError(file, "no such file") from None
    except IsADirectoryError:
        raise InputError(file, "is a folder; name the files to check") from None
    except OSError as error:
        raise InputError(file, f"cannot be read: {error.strerror or error}") from None
    suffix = Path(file).suffix.lower()
    if looks_like_workbook(data):
        return _read_excel(data, file=file, limits=limits)
    if suffix in EXCEL_SUFFIXES:
        # Many web tools' "Excel" export is an HTML page or tab-separated text named .xls.
        if _HTML_START.match(data[:1024]):
            raise InputError(
                file,
                "a web page (HTML) named like a workbook, as some tools export 'Excel'; open "
                "it in Excel and save it as .xlsx or CSV UTF-8",
            )
        if _XML_START.match(data[:1024]):
            raise InputError(
                file,
                "an XML file named like a workbook (Excel 2003 XML?); open it in Excel and "
                "save it as .xlsx or CSV UTF-8",
            )
        if not _is_text(data):
            return _read_excel(data, file=file, limits=limits)  # its one-line refusal
        source = _read_text(data, file=file, suffix=".tsv", limits=limits)
        source.warnings.append(f"{file}: not a workbook but text in columns; read as such")
        return source
    _refuse_documents(data, file=file)
    return _read_text(data, file=file, suffix=suffix, limits=limits)


def _refuse_documents(data: bytes, *, file: str) -> None:
    """A PDF, RTF or image is no list (a PDF can be plain text: read as a list, each of its
    lines was a rejected row)."""
    document = _OTHER_DOCUMENT.match(data[:64])
    if document:
        kind = _DOCUMENT_KINDS.get(document[0][:4], "an image")
        raise InputError(
            file, f"{kind}, not a list of numbers: export the list as .xlsx, CSV or text"
        )


def _is_text(data: bytes) -> bool:
    """Whether `data` is text portflow reads (a list, a table): not a PDF, an image or a
    damaged workbook named like a workbook."""
    if _OTHER_DOCUMENT.match(data[:64]):
        return False
    try:
        decode(data[:SNIFF_BYTES], file="")
    except InputError:
        return False
    return True


def read_table_file(
    path: Path, *, file: str, limits: Limits = DEFAULT_LIMITS
) -> tuple[list[Grid], list[str]]:
    """A tabular file's grids (one per sheet of a workbook, or the one grid of a CSV), and
    what reading it noticed (stray quotes, NULs removed, formulas without a saved value)."""
    _check_size(path.stat().st_size, file=file, limits=limits)
    data = path.read_bytes()
    if path.suffix.lower() in EXCEL_SUFFIXES or looks_like_workbook(data):
        sheets, warnings = read_workbook(data, file=file, limits=limits)
        grids = [grid for grid, _ in sheets]
    else:
        decoded = decode(data, file=file)
        delimiter = sniff_delimiter(decoded.head(SNIFF_BYTES + 1))
        grids = [read_delimited(decoded, file=file, delimiter=delimiter, limits=limits)]
        warnings = decoded.warnings
    for grid in grids:
        _check_rows(grid, limits=limits)
    return grids, warnings


def read_batch(
    paths: Sequence[str],
    *,
    stdin: BinaryIO | None = None,
    names: Sequence[str] | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Batch:
    """Read every input in the order given and stack their rows."""
    shown = list(names) if names is not None else [None] * len(paths)
    _refuse_repeats(paths, shown)
    sources = [
        read_input(path, stdin=stdin, name=name, limits=limits)
        for path, name in zip(paths, shown, strict=True)
    ]
    first_with: dict[str, str] = {}
    for source in sources:
        earlier = first_with.setdefault(source.sha256, source.file)
        if earlier != source.file:
            source.warnings.append(
                f"{source.file} has the same content as {earlier}: each of its numbers is "
                "a DUPLICATE_IN_BATCH of that file's"
            )
    for source in sources:
        source.warnings += _extension_columns(source)
        source.warnings += _other_number_columns(source)
        source.warnings += _mask_secret_columns(source)
    tables = [table for source in sources for table in source.tables]
    carried: list[str] = []
    for table in tables:
        carried += [
            name
            for name in table.frame.columns
            if name not in INPUT_COLUMNS and name != ROW and name not in carried
        ]
    frames = [
        table.frame.select(
            pl.lit(table.file).alias("source_file"),
            pl.lit(table.sheet).alias("source_sheet"),
            ROW,
            *[
                pl.col(name)
                if name in table.frame.columns
                else pl.lit(None, dtype=pl.String).alias(name)
                for name in (*INPUT_COLUMNS, *carried)
            ],
        )
        for table in tables
    ]
    frame = pl.concat(frames, how="vertical") if frames else _empty_batch(carried)
    return Batch(frame.with_row_index("row_id"), sources, carried)


def _extension_columns(source: Source) -> list[str]:
    """A separate extension column (`Ext`) is carried, not checked: extensions are not
    ported (HAS_EXTENSION rejects a number written with one). Say so where it is filled."""
    found = []
    for table in source.tables:
        located = where(table.file, table.sheet)
        for name in table.frame.columns:
            if normalise_header(name) not in EXTENSION_HEADERS:
                continue
            filled = table.frame.get_column(name).drop_nulls().str.strip_chars()
            count = filled.filter(filled != "").len()
            if count:
                found.append(
                    f'{located}: column "{name}" holds an extension on {count:,} row(s); '
                    "extensions are not ported (they stay on the customer's phone system), "
                    "so only the main numbers were checked"
                )
    return found


def _other_number_columns(source: Source) -> list[str]:
    """A carried column of phone numbers (`Fax`, `Toll-Free`, `Main line`) is not checked
    or ported: only the number column is. Say so, or a customer's fax numbers vanish."""
    found = []
    for table in source.tables:
        for name in table.frame.columns:
            if name in INPUT_COLUMNS or name == ROW or is_secret_header(name):
                continue
            if normalise_header(name) in EXTENSION_HEADERS:
                continue
            column = table.frame.get_column(name)
            numbers, nonblank = _phone_cells(column.head(1_000))  # most end here, cheaply
            if numbers * 2 < nonblank:
                continue
            numbers, nonblank = _phone_cells(column)
            if numbers and numbers * 2 >= nonblank:
                found.append(
                    f'{where(table.file, table.sheet)}: column "{name}" holds {numbers:,} phone '
                    "number(s) that are not checked or ported (only the number column is); "
                    "to port them, list each under the number column on a row of its own "
                    "(a fax line with Service 'fax')"
                )
    return found


def is_secret_header(header: str) -> bool:
    """Whether a column's header names a PIN, passcode or carrier account number:
    `Port-Out PIN`, `PIN - Verizon`, `Passcode`, `Acct #`, `A/C Number`, `Carrier Account`,
    `BAN`, `PortOutPIN`, `NIP`, `Numéro de compte`; not `Spin`, `Map Pin`, `Shipping`,
    `Account ID` or `Google Ads Acct`."""
    text = _CAMEL_BREAK.sub(" ", unicodedata.normalize("NFKC", header))
    text = "".join(  # accents off: numéro -> numero
        c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)
    )
    text = text.casefold().replace("a/c", "acct")
    words = _WORD.findall(text)
    for position, word in enumerate(words):
        before = words[position - 1] if position else ""
        if word in {"pin", "pins"} and before in _NOT_SECRET_BEFORE_PIN:
            continue
        if word in _SECRET_WORDS or (before, word) in _SECRET_PAIRS:
            return True
        # Numéro de compte, no du compte: not Nom du compte or Type de compte.
        if word == "compte" and before in {"de", "du"} and position >= 2:
            if words[position - 2] in _FRENCH_NUMBER:
                return True
    return False


def _mask_secret_columns(source: Source) -> list[str]:
    """A column of PINs, passcodes or carrier account numbers that the customer put in the
    list is carried with its cells masked: secrets go to no report, log or message."""
    found = []
    for position, table in enumerate(source.tables):
        secret = [
            name
            for name in table.frame.columns
            if name not in INPUT_COLUMNS and name != ROW and is_secret_header(name)
        ]
        if not secret:
            continue
        source.tables[position] = dataclasses.replace(
            table,
            frame=table.frame.with_columns(
                pl.when(pl.col(name).str.strip_chars() != "")
                .then(pl.lit(MASK))
                .otherwise(pl.col(name))
                .alias(name)
                for name in secret
            ),
        )
        names = ", ".join(f'"{name}"' for name in secret)
        found.append(
            f"{where(table.file, table.sheet)}: column(s) {names} hold PINs, passcodes or "
            f"account numbers by their header; they are carried as {MASK}, and should not "
            "be sent in a list at all (the manifest carries them to the porting system)"
        )
    return found


def _refuse_repeats(paths: Sequence[str], shown: Sequence[str | None]) -> None:
    """The same file named twice would make every row of its second reading a duplicate of
    the first; that is a slip on the command line, not a batch."""
    seen: dict[Path, str] = {}
    for path, name in zip(paths, shown, strict=True):
        if path == STDIN:
            continue
        resolved = Path(path).resolve()
        if resolved in seen:
            raise InputError(
                name or path, f"is named twice (also as {seen[resolved]}); name each input once"
            )
        seen[resolved] = name or path


def _empty_batch(carried: list[str]) -> pl.DataFrame:
    return pl.DataFrame(
        schema={
            "source_file": pl.String,
            "source_sheet": pl.String,
            ROW: pl.Int64,
            **{c: pl.String for c in (*INPUT_COLUMNS, *carried)},
        }
    )


def _read_excel(data: bytes, *, file: str, limits: Limits) -> Source:
    sheets, notes = read_workbook(data, file=file, limits=limits)
    source = Source(file, hashlib.sha256(data).hexdigest(), [], notes)
    skipped: list[str] = []
    found: list[tuple[Table, str]] = []
    # Visible sheets first: where a hidden sheet (often an old list) repeats a number, the
    # visible row is the one checked, and the hidden one the duplicate.
    for grid, visibility in sorted(sheets, key=lambda sheet: sheet[1] != "visible"):
        if grid.frame.height == 0:
            continue
        _check_rows(grid, limits=limits)
        table = tabulate(grid, INPUT_INDEX, headerless=(NUMBER, ROUTING_ID))
        if table is None:
            phones = _phone_columns(grid)
            if phones and _sheets_with_cells(sheets) > 1:
                # Skipping it would drop its numbers from a run that looks complete.
                raise InputError(
                    file,
                    f"{_phones_hold(phones)} phone numbers, but no column "
                    "is headed as the numbers to port (headers seen: "
                    f'{headers_seen(grid, secret=is_secret_header)}): head it "Phone Number", '
                    "or delete the sheet if its numbers are not to be ported (nothing was "
                    "checked)",
                    sheet=grid.sheet,
                )
            skipped.append(f'"{grid.sheet}" ({_not_a_list(grid, phones)})')
            continue
        found.append((table, visibility))
    # A legend or notes sheet can have a "Phone Number" cell over words; when another sheet
    # may hold numbers, one with only words under its number column is not a list.
    holds = [_holds_numbers(table) for table, _ in found]
    for (table, visibility), numbers in zip(found, holds, strict=True):
        if any(holds) and not numbers and table.rows:
            source.warnings.append(
                f'{file}, sheet "{table.sheet}": only words under its number column (a '
                "legend or notes?), sheet skipped"
            )
            continue
        if visibility != "visible":
            source.warnings.append(
                f'{file}, sheet "{table.sheet}" is {visibility}; its numbers were read like '
                "the others (after the visible sheets')"
            )
        _add(source, table)
    if not source.tables:
        detail = "; ".join(skipped) if skipped else "the workbook has no data"
        cut = [note for note in notes if "PORTFLOW_MAX_COLUMNS" in note]  # the column not read?
        raise InputError(
            file,
            f"no sheet has a column that looks like a phone number: {detail}"
            + "".join(f"; {note.removeprefix(f'{file}: ')}" for note in cut),
        )
    source.warnings += [
        f"{file}, sheet {sheet}: no phone-number column, sheet skipped" for sheet in skipped
    ]
    return source


def _sheets_with_cells(sheets: Sequence[tuple[Grid, str]]) -> int:
    """How many of a workbook's sheets have any cell."""
    return sum(1 for grid, _ in sheets if grid.frame.height)


def _not_a_list(grid: Grid, phones: list[str] | None = None) -> str:
    """Why a grid with no number column is refused: the headers seen, and which columns do
    hold phone numbers (an Outlook export's `Business Phone`), with what to do."""
    seen = f"headers seen: {headers_seen(grid, secret=is_secret_header)}"
    phones = _phone_columns(grid) if phones is None else phones
    if not phones:
        return seen
    return f'{seen}; {_phones_hold(phones)} phone numbers: head the one to port "Phone Number"'


def _phones_hold(phones: list[str]) -> str:
    """`"Tel", "Cell" hold` / `"Tel" holds`."""
    return f"{', '.join(phones[:MAX_LISTED])} {'hold' if len(phones) > 1 else 'holds'}"


def _phone_columns(grid: Grid) -> list[str]:
    """The headers (quoted, shortened) of the columns under the first filled row that mostly
    hold phone numbers."""
    top = grid.frame.head(HEADER_SEARCH_ROWS).with_row_index("_at")
    filled = top.filter(pl.any_horizontal(pl.col(grid.cell_columns).is_not_null()))
    if filled.height == 0:
        return []
    at = int(filled.get_column("_at")[0])
    below = grid.frame.slice(at + 1, 1_000)
    phones = []
    for name in grid.cell_columns:
        header = grid.frame.get_column(name)[at]
        numbers, nonblank = _phone_cells(below.get_column(name))
        if header and numbers and numbers * 2 >= nonblank and not is_secret_header(header):
            phones.append(f'"{shown(header, limit=SHOWN_HEADER_CHARS)}"')
    return phones


def _holds_numbers(table: Table) -> bool:
    """Whether any cell of the table's number column may be a number, however damaged:
    it has a digit (`1-800-FLOWERS`, `4.15555E+09`, junk such as `x#5` that is rejected
    with its row) or is an Excel error (`#N/A`). A legend's cells under its "Phone Number"
    are words only. (A list's first rows say so: a million rows take 0.3 s.)"""
    column = table.frame.get_column(NUMBER)
    return any(
        bool(part.str.contains(_NUMBER_LIKE).any())
        for part in (column.head(1_000), column.slice(1_000))
    )


def _read_text(data: bytes, *, file: str, suffix: str, limits: Limits) -> Source:
    decoded = decode(data, file=file)
    source = Source(file, hashlib.sha256(data).hexdigest(), [], decoded.warnings)
    if suffix not in CSV_SUFFIXES and _LIST_MARKER.search(decoded.text):
        decoded.text = _without_list_markers(decoded.text)
    prefer = "\t" if suffix == ".tsv" else ","
    delimiter = sniff_delimiter(decoded.head(SNIFF_BYTES + 1), prefer=prefer)
    hint = _EXCEL_SEP.match(decoded.head(16))
    if hint:
        # Excel's `sep=;` first line: a directive it does not show, so the header is row 1
        # there, and in the reports.
        decoded.text = _EXCEL_SEP.sub("", decoded.text, count=1)
        delimiter = hint[1]
    if suffix in CSV_SUFFIXES:
        grid = read_delimited(decoded, file=file, delimiter=delimiter, limits=limits)
        _check_rows(grid, limits=limits)
        table = tabulate(grid, INPUT_INDEX, headerless=(NUMBER, ROUTING_ID))
        if table is None:
            raise InputError(file, f"no column looks like a phone number ({_not_a_list(grid)})")
    else:
        # Text is the manual-add form, unless it is really a table with a number header
        # (Excel's "Unicode text" export is a tab-separated .txt).
        grid = read_delimited(decoded, file=file, delimiter=delimiter, limits=limits)
        _check_rows(grid, limits=limits)
        header = find_header(grid, INPUT_INDEX)
        labels = grid.frame.row(header)[:-1] if header is not None else ()
        if (
            delimiter != "\t"
            and _is_header_row(labels)
            and _numbers_under_a_title(grid, header, labels)
        ):
            assert header is not None
            # `Numbers to port; wave 2` (a title: every number is to be ported) and `Phone
            # Number, Fax` (a table: the faxes are not) look the same: ask.
            raise InputError(
                file,
                f"line {grid.frame.item(header, ROW)} "
                f"('{headers_seen(grid, secret=is_secret_header, first=header)}') reads like a "
                "table's header over columns that all hold phone numbers, and only the "
                "first would be checked: if every number is to be ported, delete that line; "
                "if not (a fax or forward-to column), save the list as a CSV whose number "
                "column is headed 'Phone Number'",
            )
        if _is_header_row(labels):
            table = tabulate(grid, INPUT_INDEX)
        elif delimiter == "\t" and not _phone_in(labels) and _is_table(grid):
            # Cells in columns (Excel's "Text (Tab delimited)", a range copied from a sheet):
            # read as the CSV would be, never cell by cell, which would part each number
            # from its routing and reject the routing IDs as numbers.
            table = tabulate(grid, INPUT_INDEX, headerless=(NUMBER, ROUTING_ID))
            if table is None:
                raise InputError(file, f"no column looks like a phone number ({_not_a_list(grid)})")
        else:
            manual = read_manual(decoded, file=file)
            _check_rows(manual, limits=limits)
            table = _manual_table(manual)
    assert table is not None
    _add(source, table)
    return source


def _is_header_row(cells: Sequence[object]) -> bool:
    """Two cells or more, none a phone number: `Phone;4155552671` is a label and a number
    of the manual-add form, not a table's header (`Updated 11/20/2026` may be a header)."""
    return sum(cell is not None for cell in cells) >= 2 and not _phone_in(cells)


def _numbers_under_a_title(grid: Grid, header: int | None, labels: Sequence[object]) -> bool:
    """Whether a header-like first line with one known column (`Numbers to port; wave 2`,
    `Phone Number, Fax`) stands over columns that all hold phone numbers: read as a table,
    every number past a line's first would be a carried column's, never checked. A table
    with two known columns (`Phone Number, Forward To`) or a column that is mostly not phone
    numbers (a routing ID, a note) is not in doubt."""
    if header is None or sum(m is not None for m in match_headers(labels, INPUT_INDEX)) >= 2:
        return False
    below = grid.frame.slice(header + 1, 1_000)
    counts = [_phone_cells(below.get_column(name)) for name in grid.cell_columns]
    filled = [(numbers, nonblank) for numbers, nonblank in counts if nonblank]
    return len(filled) >= 2 and all(numbers * 2 >= nonblank for numbers, nonblank in filled)


def _phone_in(cells: Sequence[object]) -> bool:
    return any(in_usual_shape(cell) for cell in cells)


def _is_table(grid: Grid) -> bool:
    """Most non-blank rows (first 1,000) fill two cells or more, and some column is mostly
    not phone numbers (a routing ID, a clinic): a table. Numbers separated by tabs, even
    in rows and columns, are a list (SPEC 1.1: the text form has no routing)."""
    head = grid.frame.head(1_000).select(grid.cell_columns)
    filled = head.select(pl.sum_horizontal(pl.all().is_not_null()).alias("n")).get_column("n")
    filled = filled.filter(filled > 0)
    if filled.len() == 0 or int((filled >= 2).sum()) * 5 < filled.len() * 4:
        return False
    for name in grid.cell_columns:
        numbers, nonblank = _phone_cells(head.get_column(name))
        if nonblank and numbers * 2 < nonblank:
            return True
    return False


def _phone_cells(column: pl.Series) -> tuple[int, int]:
    """How many of a column's cells hold a phone number in a usual shape, and how many are
    not blank."""
    cells = column.drop_nulls().str.strip_chars()
    cells = cells.filter(cells != "")
    return int(cells.str.contains(COMMON_SHAPE).sum()), cells.len()


def _without_list_markers(text: str) -> str:
    """A list pasted from Word without its markers (`1.`, `o`, bullets, then a tab), when
    most lines with a tab are such an item (a title or note line aside); a table's `#`
    column or `-` cell stays as it is."""
    lines = [line for line in LINE_BREAK.split(text) if "\t" in line]
    items = sum(1 for line in lines if _LIST_MARKER.match(line))
    if items < 2 or items * 5 < len(lines) * 4:
        return text
    return _LIST_MARKER.sub("", text)


def _check_size(size: int, *, file: str, limits: Limits) -> None:
    if size > limits.max_file_bytes:
        raise InputError(
            file,
            over("is", megabytes(size), megabytes(limits.max_file_bytes), "PORTFLOW_MAX_FILE_MB"),
        )


def _check_rows(grid: Grid, *, limits: Limits) -> None:
    if grid.frame.height > limits.max_rows:
        raise InputError(
            grid.file,
            over(
                "has",
                f"{grid.frame.height:,} rows",
                f"{limits.max_rows:,} rows",
                "PORTFLOW_MAX_ROWS",
            ),
            sheet=grid.sheet or None,
        )


def _add(source: Source, table: Table) -> None:
    source.tables.append(table)
    source.warnings.extend(table.warnings)
    if table.rows == 0:
        source.warnings.append(f"{where(table.file, table.sheet)}: no data rows under the header")


def _manual_table(grid: Grid) -> Table:
    """Every item of the manual-add form is a number; a first item like `Phone` is a header."""
    frame = grid.frame.with_row_index("_item")
    filled = frame.filter(pl.col("c0").is_not_null())
    if filled.height:
        first, at = filled.item(0, "c0"), filled.item(0, "_item")
        label, colon, rest = first.partition(":")
        if INPUT_INDEX.get(normalise_header(first)) == NUMBER:
            # That item only: numbers may follow it on its line (`Phone, 4155552671, ...`).
            frame = frame.filter(pl.col("_item") != at)
        elif colon and rest.strip() and INPUT_INDEX.get(normalise_header(label)) == NUMBER:
            # `Phone: 4155552671, ...`: the label is no part of the first number.
            frame = frame.with_columns(
                c0=pl.when(pl.col("_item") == at).then(pl.lit(rest.strip())).otherwise("c0")
            )
    frame = frame.drop("_item")
    table = tabulate(
        Grid(grid.file, grid.sheet, frame),
        INPUT_INDEX,
        headerless=(NUMBER,),
        search_rows=0,
        assume_headerless=True,
    )
    assert table is not None
    return table
