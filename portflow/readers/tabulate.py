"""From a grid to a table: find the header (or see there is none), name columns, drop blank rows."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import polars as pl

from portflow.errors import shown
from portflow.numbers.fast import COMMON_SHAPE
from portflow.readers.grid import ROW, Grid
from portflow.readers.headers import (
    COUNTER_HEADERS,
    GENERIC_HEADERS,
    NUMBER,
    match_headers,
    normalise_header,
)

HEADER_SEARCH_ROWS = 20
SHOWN_HEADER_CHARS = 40  # each cell quoted in a 'headers seen' message
MAX_HEADER_CHARS = 1_000
# Names the readers give columns themselves; an input column with one of them is renamed.
READER_COLUMNS = frozenset({"source_file", "source_sheet", ROW, "row_id"})
_DIGIT = re.compile(r"\d")
_DIGIT_RUN = re.compile(r"\d[\d ().-]{4,}\d")
_NUMBER_FIRST = re.compile(r"[+(]?\d")
# A vanity number as lists write them: an area code, then seven or more capitals and digits
# (1-800-FLOWERS, (888) GOT-JUNK). Capitals only, and a dash or bracket after the area
# code: `800 Numbers` and `800 NUMBERS` are headers.
_VANITY = re.compile(r"(?:\+?1[ .-]?)?(?:\(\d{3}\) ?|\d{3}-)(?=[0-9 .-]*[A-Z])([0-9A-Z .-]+)")
_ALPHANUMERIC = re.compile(r"[0-9A-Z]")
_COMMON_SHAPE = re.compile(COMMON_SHAPE)
# What may come before a number in its cell: spaces, quotes, Excel's `="..."` text form,
# and the invisible marks text pasted from mail or the web carries (LRM, RLM, ZWSP, BOM).
_BEFORE_A_NUMBER = " \t'\"=\u200b\u200c\u200d\u200e\u200f\u2060\ufeff"


@dataclass(frozen=True)
class Table:
    """Data rows under named columns (canonical names, then carried headers) and `source_row`."""

    file: str
    sheet: str
    frame: pl.DataFrame
    skipped_blank: int
    warnings: tuple[str, ...] = field(default=())

    @property
    def rows(self) -> int:
        return self.frame.height


def looks_like_phone_number(cell: object) -> bool:
    """A first cell that already holds a number means the file has no header row: seven
    digits or more, and the number comes first (`Updated 11/20/2026` or `Billing account:
    8773219900` on a notes sheet is not a list)."""
    if not isinstance(cell, str):
        return False
    text = unicodedata.normalize("NFKC", cell).strip().lstrip(_BEFORE_A_NUMBER)
    return _NUMBER_FIRST.match(text) is not None and len(_DIGIT.findall(text)) >= 7


def in_usual_shape(cell: object) -> bool:
    """A North American number as most lists write it (COMMON_SHAPE): no date is one."""
    return isinstance(cell, str) and _COMMON_SHAPE.match(cell.strip()) is not None


def looks_like_vanity_number(cell: object) -> bool:
    """`1-800-FLOWERS`: a number, though it has fewer than seven digits."""
    if not isinstance(cell, str):
        return False
    text = unicodedata.normalize("NFKC", cell).strip().lstrip(_BEFORE_A_NUMBER)
    found = _VANITY.fullmatch(text)
    return found is not None and len(_ALPHANUMERIC.findall(found[1])) >= 7


def headers_seen(
    grid: Grid, *, secret: Callable[[str], bool], limit: int = 8, first: int = 0
) -> str:
    """The first non-blank row's cells (from row position `first`), for 'no number column'
    messages; a cell after one that names a secret (`PIN, 0482` on a billing sheet) is
    shown as ***, and so are runs of six digits or more (`acct 8312045567`: a value, not a
    header)."""
    for row in grid.frame.slice(first, HEADER_SEARCH_ROWS).iter_rows():
        texts = [str(cell) for cell in row[:-1] if cell is not None and str(cell).strip()]
        cells = [
            "***"
            if position and secret(texts[position - 1])
            else shown(_DIGIT_RUN.sub("***", text), limit=SHOWN_HEADER_CHARS)
            for position, text in enumerate(texts)
        ]
        if cells:
            return ", ".join(cells[:limit]) + (", ..." if len(cells) > limit else "")
    return "none"


def find_header(
    grid: Grid,
    index: Mapping[str, str],
    *,
    wanted: str = NUMBER,
    search_rows: int = HEADER_SEARCH_ROWS,
) -> int | None:
    """Position of the header row among the first `search_rows`, or None.

    A header names the `wanted` column. When several rows do (a title such as "Numbers to
    port" above the real header), the one naming the most known columns wins, then the one
    with a phone number under its number column, then the first.
    """
    rows = grid.frame.head(search_rows + 1).rows()
    best: tuple[int, bool, int] | None = None
    chosen = None
    for position, row in enumerate(rows[:search_rows]):
        known = match_headers(row[:-1], index)
        if wanted not in known:
            continue
        below = rows[position + 1][known.index(wanted)] if position + 1 < len(rows) else None
        score = (len({k for k in known if k}), looks_like_phone_number(below), -position)
        if best is None or score > best:
            best, chosen = score, position
    return chosen


def tabulate(
    grid: Grid,
    index: Mapping[str, str],
    *,
    wanted: str = NUMBER,
    headerless: tuple[str, ...] = (),
    search_rows: int = HEADER_SEARCH_ROWS,
    assume_headerless: bool = False,
) -> Table | None:
    """Name the grid's columns from its header, or by position when the data starts at once.

    Returns None when no row looks like a header and the first row holds no phone number
    (unless `assume_headerless`).
    """
    cells = grid.cell_columns
    names: list[str | None]
    warnings: list[str] = []
    position = find_header(grid, index, wanted=wanted, search_rows=search_rows)
    if position is not None:
        header = grid.frame.row(position)[: len(cells)]
        below = grid.frame.slice(position + 1, HEADER_SEARCH_ROWS)
        names = _names_from_header(
            list(header),
            index,
            warnings,
            where=where(grid.file, grid.sheet),
            holds_numbers=lambda k: any(
                looks_like_phone_number(cell) for cell in below.get_column(cells[k])
            ),
        )
        data = _without_repeated_headers(
            grid.frame.slice(position + 1), cells, header, warnings, where(grid.file, grid.sheet)
        )
        if position:
            _numbers_above(grid, position, warnings)
    elif headerless and (assume_headerless or _starts_with_numbers(grid)):
        names = [
            headerless[k] if k < len(headerless) else f"column {k + 1}" for k in range(len(cells))
        ]
        data = grid.frame
    else:
        return None
    columns: list[pl.Expr] = []
    taken = {name.casefold(): name for name in names if name is not None}
    for k, (cell, name) in enumerate(zip(cells, names, strict=True)):
        if name is None:  # a blank header: keep the column only if it holds something
            if data.get_column(cell).null_count() == data.height:
                continue
            name = numbered(f"column {k + 1}", taken)  # a header may say `column 3` itself
        columns.append(pl.col(cell).alias(name))
    data, skipped = drop_blank_rows(data.select(*columns, ROW))
    return Table(grid.file, grid.sheet, data, skipped, tuple(warnings))


def _numbers_above(grid: Grid, position: int, warnings: list[str]) -> None:
    """Rows above the header that hold a phone number in a usual shape are named in a
    warning, not read: they may be a list pasted above this one (in its own columns, or
    under its own header), or a contact line in the title (`Prepared by, 617-267-0707`);
    read under this header, a forward-to number was configured as the number to port.
    A title's date or timestamp (`2026-11-20 10:32`) is no number."""
    above = grid.frame.slice(0, position)
    rows = [row[-1] for row in above.iter_rows() if any(in_usual_shape(cell) for cell in row[:-1])]
    if rows:
        warnings.append(
            f"{where(grid.file, grid.sheet)}: row(s) {_rows_text(rows)} above the header row "
            f"(row {grid.frame.item(position, ROW)}) hold phone numbers that are NOT read; if "
            "they are numbers to port, move them under the header, in its columns"
        )


def _rows_text(rows: Sequence[int], *, limit: int = 10) -> str:
    return ", ".join(str(row) for row in rows[:limit]) + (", ..." if len(rows) > limit else "")


def _without_repeated_headers(
    data: pl.DataFrame,
    cells: Sequence[str],
    header: Sequence[object],
    warnings: list[str],
    located: str,
) -> pl.DataFrame:
    """The data without rows that repeat the header (two lists pasted one under the other):
    such a row is no number to reject three times over; a warning names it."""
    named = [  # a header cell past MAX_HEADER_CHARS is no header to look for (nor a regex)
        (cell, text.strip())
        for cell, text in zip(cells, header, strict=False)
        if isinstance(text, str) and text.strip() and len(text) <= MAX_HEADER_CHARS
    ]
    if not named:
        return data
    repeats = [
        pl.col(cell).str.contains(f"(?i)^\\s*{re.escape(text)}\\s*$").fill_null(False)
        for cell, text in named
    ]
    # One column first: on a million rows, one pattern costs 0.03 s; all of them, more.
    repeated = data.filter(repeats[0]).filter(pl.all_horizontal(repeats))
    if repeated.height == 0:
        return data
    rows = repeated.get_column(ROW).to_list()
    shown = _rows_text(rows, limit=5)
    warnings.append(f"{located}: {len(rows)} row(s) repeat the header row (row {shown}); skipped")
    return data.filter(~pl.col(ROW).is_in(rows))


def where(file: str, sheet: str) -> str:
    """How messages name a table: the file, and the sheet when it has one."""
    return f'{file}, sheet "{sheet}"' if sheet else file


def _starts_with_numbers(grid: Grid) -> bool:
    """Whether the first non-blank row already holds a phone number in its first cell; a
    vanity number counts when the next row's does too (one alone may be a title)."""
    first = [
        row[0]
        for row in grid.frame.head(HEADER_SEARCH_ROWS).iter_rows()
        if any(cell is not None and str(cell).strip() for cell in row[:-1])
    ][:2]
    if not first:
        return False
    if looks_like_phone_number(first[0]):
        return True
    return (
        len(first) == 2
        and looks_like_vanity_number(first[0])
        and (looks_like_phone_number(first[1]) or looks_like_vanity_number(first[1]))
    )


def _names_from_header(
    header: list[str | None],
    index: Mapping[str, str],
    warnings: list[str],
    *,
    where: str,
    holds_numbers: Callable[[int], bool] = lambda position: False,
) -> list[str | None]:
    """Canonical names where a header matches; otherwise the header text, made unique.

    The first column matching a canonical name takes it; a later one is carried as written
    (with a warning: it is not checked). None marks a blank header. `holds_numbers(k)`:
    whether column k's first cells are phone numbers.
    """
    canonicals = match_headers(header, index)
    texts = [cell.strip() if isinstance(cell, str) else "" for cell in header]
    # Where two headers name one column, a specific one (`Routing ID`, `Phone Number`) wins
    # over a generic one (`Routing`, a `Number` column of row counters), else the first.
    chosen: dict[str, int] = {}
    for position, canonical in enumerate(canonicals):
        if canonical is None:
            continue
        weak = normalise_header(texts[position]) in GENERIC_HEADERS
        if canonical not in chosen:
            chosen[canonical] = position
            continue
        first = chosen[canonical]
        generic_first = normalise_header(texts[first]) in GENERIC_HEADERS
        # ... unless the generic `Number` holds the phone numbers (`Number, Clinic, Phone`
        # with Phone the clinic's contact line): then it is the list. (A `Tel` holding
        # numbers beside `Phone Number` is the contact line.)
        counted = normalise_header(texts[first]) in COUNTER_HEADERS and holds_numbers(first)
        if not weak and generic_first and not (canonical == NUMBER and counted):
            chosen[canonical] = position
    taken: dict[str, str] = {
        canonical: texts[position] for canonical, position in sorted(chosen.items())
    }
    names: list[str | None] = []
    for position, (text, canonical) in enumerate(zip(texts, canonicals, strict=True)):
        if canonical is not None and chosen[canonical] == position:
            names.append(canonical)
            continue
        if not text:
            names.append(None)
            continue
        if canonical is not None:
            warnings.append(
                f'{where}: column "{text}" repeats "{taken[canonical]}"; only '
                f'"{taken[canonical]}" is read as {canonical}, this one is carried through'
            )
        names.append(_unique(text, taken))
    return names


def _unique(text: str, taken: dict[str, str]) -> str:
    """The header as a carried column name that clashes with no other column."""
    name = f"{text} (input)" if text.casefold() in READER_COLUMNS else text
    return numbered(name, taken, source=text)


def numbered(name: str, taken: dict[str, str], *, source: str | None = None) -> str:
    """`name`, else `name (2)`, `name (3)`...: the first that `taken` (casefolded names ->
    what they came from) does not hold; it is taken from now on."""
    base, suffix = name, 2
    while name.casefold() in taken:
        name, suffix = f"{base} ({suffix})", suffix + 1
    taken[name.casefold()] = name if source is None else source
    return name


def drop_blank_rows(data: pl.DataFrame) -> tuple[pl.DataFrame, int]:
    """Drop rows blank in every column; count those that sit between data rows."""
    columns: Sequence[str] = [name for name in data.columns if name != ROW]
    if not columns or data.height == 0:
        return data.clear(), 0
    # Column by column, fullest first, on the rows still blank so far: the second column is
    # looked at only where the first is blank (a million rows: 0.065 -> 0.02 s).
    still = data.select(ROW, *columns)
    for name in sorted(columns, key=lambda name: data.get_column(name).null_count()):
        still = still.filter(pl.col(name).is_null() | (pl.col(name).str.strip_chars() == ""))
        if still.height == 0:
            break
    blank = data.get_column(ROW).is_in(still.get_column(ROW).implode())
    filled = data.filter(~blank)
    if filled.height == 0:
        return filled, 0
    last_row = filled.get_column(ROW).max()
    skipped = data.filter(blank & (data.get_column(ROW) < last_row)).height
    return filled, skipped
