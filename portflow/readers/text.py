"""Text inputs: encoding and delimiter sniffing, CSV/TSV grids and the manual-add text form."""

from __future__ import annotations

import codecs
import csv
import io
import logging
import re
import unicodedata
from dataclasses import dataclass, field

import polars as pl

from portflow.errors import InputError
from portflow.readers.grid import Grid, grid_from_rows
from portflow.readers.limits import DEFAULT_LIMITS, Limits, over

log = logging.getLogger(__name__)

DELIMITERS = (",", ";", "\t", "|")
SNIFF_LINES = 50
SNIFF_BYTES = 256 * 1024
MAX_FIELD_BYTES = 16 * 1024 * 1024
MAX_LISTED = 5  # rows named in a warning
# More control characters than this (and this share of the text) means binary content.
BINARY_CONTROL_COUNT = 8
BINARY_CONTROL_SHARE = 0.02
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0e-\x1f\x7f]")
_BINARY = "this is not a text file (binary content); export the list as CSV or save it as .xlsx"
_MANUAL_SEPARATORS = re.compile(r"[,;\t]")
LINE_BREAK = re.compile(r"\r\n|\r|\n")
_NOT_BLANK = re.compile(rb"[^ \t\r\n\x00]")

csv.field_size_limit(MAX_FIELD_BYTES)


@dataclass
class Decoded:
    """A text file's content, with how it was decoded and what was cleaned.

    Polars reads UTF-8 bytes: a UTF-8 file's own bytes are kept for it (encoding a million
    rows back from str took 0.035 s), and a file with nothing to clean is not made a str at
    all unless something asks for `text` (1M rows: 0.05-0.1 s).
    """

    _text: str | None
    encoding: str
    warnings: list[str] = field(default_factory=list)
    _utf8: bytes | None = None

    @property
    def text(self) -> str:
        if self._text is None:
            assert self._utf8 is not None
            self._text = self._utf8.decode("utf-8")
        return self._text

    @text.setter
    def text(self, value: str) -> None:
        self._text, self._utf8 = value, None

    @property
    def utf8(self) -> bytes:
        """The content encoded as UTF-8 (for polars)."""
        if self._utf8 is None:
            self._utf8 = self.text.encode("utf-8")
        return self._utf8

    def head(self, size: int) -> str:
        """The first `size` characters (fewer if the content is shorter)."""
        if self._text is None:  # UTF-8 bytes: a character takes 1 to 4 of them
            return self.utf8[: 4 * size].decode("utf-8", "ignore")[:size]
        return self.text[:size]

    def first_line(self) -> str:
        """Up to the first LF (the whole content if there is none), without it."""
        if self._text is None:  # UTF-8 bytes
            end = self.utf8.find(b"\n")
            return self.utf8[: end if end >= 0 else None].decode("utf-8")
        end = self.text.find("\n")
        return self.text[: end if end >= 0 else None]


def decode(data: bytes, *, file: str) -> Decoded:
    """UTF-8 (BOM or not), UTF-16 (BOM or not), else Windows-1252; refuse binary content."""
    if _NOT_BLANK.search(data) is None or data in (
        codecs.BOM_UTF8,
        codecs.BOM_UTF16_LE,
        codecs.BOM_UTF16_BE,
    ):
        raise InputError(file, "the file is empty")
    if data.startswith(codecs.BOM_UTF8):
        utf8 = data[len(codecs.BOM_UTF8) :]
        return _as_is(utf8, "utf-8-sig", file) or _checked(
            _decode_as(data, "utf-8-sig", file), "utf-8-sig", file, utf8=utf8
        )
    for bom in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        if data.startswith(bom):
            return _checked(_decode_as(data, "utf-16", file), "utf-16", file)
    utf16 = _utf16_without_bom(data)
    if utf16:
        return _checked(_decode_as(data, utf16, file), utf16, file)
    as_is = _as_is(data, "ascii" if data.isascii() else "utf-8", file)
    if as_is is not None:
        return as_is
    try:
        return _checked(data.decode("utf-8"), "utf-8", file, utf8=data)
    except UnicodeDecodeError:
        pass
    return _single_byte(data, file)


def _single_byte(data: bytes, file: str) -> Decoded:
    """Text that is not UTF-8 throughout: UTF-8 with a few lines pasted from elsewhere
    (those lines read as Windows-1252, named in a warning), else Windows-1252 (Excel's CSV
    on Windows), or Mac Roman (Excel for Mac's "CSV (Macintosh)") where that reads as
    words: `Montr\x8eal` is MontrŽal in one and Montréal in the other."""
    lines = data.splitlines(keepends=True)
    other = [(n, line) for n, line in enumerate(lines, start=1) if not line.isascii()]
    utf8 = {n for n, line in other if _is_utf8(line)}
    if utf8:
        foreign = [n for n, _ in other if n not in utf8]
        text = "".join(
            line.decode("cp1252", "replace") if n in foreign else line.decode("utf-8")
            for n, line in enumerate(lines, start=1)
        )
        decoded = _checked(text, "utf-8", file)
        shown = ", ".join(str(n) for n in foreign[:MAX_LISTED])
        more = f" and {len(foreign) - MAX_LISTED:,} more" if len(foreign) > MAX_LISTED else ""
        decoded.warnings.append(
            f"{file}: line(s) {shown}{more} are not UTF-8 like the rest of the file; read as "
            "Windows-1252 (check their accented letters)"
        )
        return decoded
    try:
        windows = data.decode("cp1252")
    except UnicodeDecodeError:
        windows = None
    mac = data.decode("mac_roman")
    if windows is not None and _words(windows) >= _words(mac):
        return _checked(windows, "cp1252", file)
    if windows is None and _words(mac) <= 0:
        start = next(i for i, byte in enumerate(data) if byte in _UNDEFINED_IN_CP1252)
        breaks = b"\n" if b"\n" in data else b"\r"
        raise InputError(
            file,
            f"unreadable encoding: byte 0x{data[start]:02x} is not UTF-8, UTF-16, "
            "Windows-1252 or Mac Roman; save the file as CSV UTF-8 and try again",
            row=data.count(breaks, 0, start) + 1,
        )
    decoded = _checked(mac, "mac_roman", file)
    decoded.warnings.append(
        f'{file}: read as Mac Roman (Excel for Mac\'s "CSV (Macintosh)"); if accented '
        "letters look wrong, save the file as CSV UTF-8"
    )
    return decoded


_UNDEFINED_IN_CP1252 = frozenset(b"\x81\x8d\x8f\x90\x9d")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
SCORED_CHARS = 1_000_000  # the first megabyte tells


def _words(text: str) -> int:
    """How well an encoding reads the file, from its non-ASCII characters beside a letter
    or digit: a letter counts for it (é in Montréal, É in ÉCOLE), unless it is a capital
    after a small letter (Ž in MontrŽal) or a letter between digits (ñ in 782ñ4400); so
    do a space (the NBSP in 415 555 2671) and typography (’ “ ” – —); any other symbol
    between two letters or digits counts against it (the † Mac Roman makes of an NBSP)."""
    score = 0
    sample = text[:SCORED_CHARS]
    for match in _NON_ASCII.finditer(sample):
        at, character = match.start(), match[0]
        before, after = sample[at - 1 : at] if at else "", sample[at + 1 : at + 2]
        if not (before.isascii() and before.isalnum()) and not (
            after.isascii() and after.isalnum()
        ):
            continue
        if character.isalpha():
            after_small = before.isascii() and before.islower()
            between_digits = before.isdigit() and after.isdigit()
            score += -1 if (character.isupper() and after_small) or between_digits else 1
        elif character in _TYPOGRAPHY or unicodedata.category(character) == "Zs":
            score += 1
        elif before.isalnum() and after.isalnum():
            score -= 1
    return score


_TYPOGRAPHY = frozenset("\u2018\u2019\u201c\u201d\u2013\u2014\u2026\u00ab\u00bb")


def _is_utf8(line: bytes) -> bool:
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _decode_as(data: bytes, encoding: str, file: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        line = data[: error.start].decode(encoding, "replace").count("\n") + 1
        raise InputError(
            file,
            f"unreadable encoding: not valid {encoding.upper()} (byte {error.start}); "
            "save the file as CSV UTF-8 and try again",
            row=line,
        ) from None


def _as_is(data: bytes, encoding: str, file: str) -> Decoded | None:
    """UTF-8 (or ASCII) `data` with nothing to clean (no NUL, not classic Mac OS line ends),
    kept as bytes; None if it is not that.

    No str is made: `in` and `isascii` scan at memory speed, and polars checks UTF-8 far
    faster than `bytes.decode` builds a str (35 MB: 0.005 against 0.05-0.07 s).
    """
    if _mostly_control(len(_CONTROL_BYTES.findall(data[:SNIFF_BYTES])), len(data[:SNIFF_BYTES])):
        raise InputError(file, _BINARY)
    if b"\x00" in data or _lone_cr(data):
        return None
    if not data.isascii():
        try:
            pl.Series([data], dtype=pl.Binary).cast(pl.String)
        except pl.exceptions.PolarsError:  # not UTF-8
            return None
    return Decoded(None, encoding, _utf8=data)


def _utf16_without_bom(data: bytes) -> str | None:
    """Excel's 'Unicode text' without a BOM: every other byte of ASCII text is zero."""
    sample = data[:4096]
    if len(sample) < 4:
        return None
    even_zeros = sample[0::2].count(0) / len(sample[0::2])
    odd_zeros = sample[1::2].count(0) / len(sample[1::2])
    if odd_zeros > 0.4 and even_zeros < 0.05:
        return "utf-16-le"
    if even_zeros > 0.4 and odd_zeros < 0.05:
        return "utf-16-be"
    return None


def _mostly_control(controls: int, length: int) -> bool:
    return controls > max(BINARY_CONTROL_COUNT, BINARY_CONTROL_SHARE * length)


def _checked(text: str, encoding: str, file: str, *, utf8: bytes | None = None) -> Decoded:
    """`utf8`: the text's UTF-8 encoding, if at hand (the file's own bytes)."""
    if _mostly_control(len(_CONTROL.findall(text[:SNIFF_BYTES])), len(text[:SNIFF_BYTES])):
        raise InputError(file, _BINARY)
    decoded = Decoded(text, encoding, _utf8=utf8)
    if "\x00" in text:
        decoded.text = text.replace("\x00", "")
        decoded.warnings.append(f"{file}: removed stray NUL characters")
    if _lone_cr(decoded.text):
        # Classic Mac OS line endings, or a CR alone among LFs (lines pasted from two
        # sources): polars breaks lines at LF only, and would run such rows together.
        decoded.text = _LONE_CR.sub("\n", decoded.text)
    return decoded


_LONE_CR = re.compile("\r(?!\n)")


def _lone_cr(content: str | bytes) -> bool:
    """Whether a CR stands without an LF after it (counted: a scan at memory speed)."""
    if isinstance(content, str):
        count = content.count("\r")
        return count > 0 and count != content.count("\r\n")
    count = content.count(b"\r")
    return count > 0 and count != content.count(b"\r\n")


def sniff_delimiter(text: str, *, prefer: str = ",") -> str:
    """The delimiter that splits the first lines into the same number (>1) of fields."""
    # Any line ending counts (a file may mix them: `\r` alone inside a `\n` file).
    lines = [line for line in LINE_BREAK.split(text[:SNIFF_BYTES])[:SNIFF_LINES] if line.strip()]
    if len(text) > SNIFF_BYTES and len(lines) > 1:
        lines = lines[:-1]  # the sample may end mid-line
    best: tuple[float, int, bool, int] = (0.0, 1, False, 0)
    choice = prefer
    order = (prefer, *[d for d in DELIMITERS if d != prefer])
    for rank, delimiter in enumerate(order):
        try:
            counts = [len(row) for row in csv.reader(lines, delimiter=delimiter)]
        except csv.Error:  # e.g. a NUL: this delimiter tells nothing
            continue
        if not counts:
            continue
        mode = max(set(counts), key=counts.count)
        if mode < 2:
            continue
        # On a tie, a delimiter text rarely holds beats the comma: rows with as many commas
        # as semicolons are `4155552671,0;RT-1` (a decimal comma) or `...;Dallas, TX`.
        score = (counts.count(mode) / len(counts), mode, delimiter != ",", -rank)
        if score > best:
            best, choice = score, delimiter
    return choice


def read_delimited(
    decoded: Decoded, *, file: str, delimiter: str, limits: Limits = DEFAULT_LIMITS
) -> Grid:
    """The CSV's cells as a grid; polars for speed, Python's csv for files polars refuses."""
    first_line = decoded.first_line()
    if first_line.count(delimiter) >= limits.max_columns:  # before polars makes the columns
        _too_wide(first_line.count(delimiter) + 1, file=file, row=1, limits=limits)
    try:
        frame = pl.read_csv(
            io.BytesIO(decoded.utf8),
            has_header=False,
            infer_schema=False,
            separator=delimiter,
            quote_char='"',
            raise_if_empty=False,
        )
    except pl.exceptions.PolarsError as error:
        # Not its message: that quotes the file's raw lines, which may hold a PIN.
        log.debug(
            "polars could not read %s (%s); reading it with the csv module",
            file,
            type(error).__name__,
        )
    else:
        data = decoded.utf8
        lines = data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
        if frame.height == lines:
            return Grid.from_frame(file, "", frame)
        # Fewer rows than lines: a quoted cell spans lines. A line break in a cell does
        # that, but so does a stray quote that polars ran to the end of the file (it does
        # when the file's last byte is a quote): the csv module tells them apart.
        log.debug("%s has quoted cells over several lines; reading it with the csv module", file)
    return _read_with_csv_module(decoded, file=file, delimiter=delimiter, limits=limits)


def _read_with_csv_module(decoded: Decoded, *, file: str, delimiter: str, limits: Limits) -> Grid:
    """The rows as Python's csv module reads them; a record whose quotes do not pair up is
    read from its first line alone, with its quote characters as plain text.

    So one stray quote costs one row, not the quoting of every row after it (quoted fields
    with commas would split and shift their columns). Each such row is named in a warning.
    """
    lines = _Lines(list(iter(io.StringIO(decoded.text, newline="").readline, "")))
    rows: list[list[str]] = []
    unpaired: list[int] = []
    while True:
        begin, done = lines.at, 0
        reader = csv.reader(lines, delimiter=delimiter, strict=True)
        try:
            for row in reader:
                rows.append(row)
                done = reader.line_num
            break
        except csv.Error:
            first = begin + done  # the first line of the record that failed
            plain = csv.reader([lines.items[first]], delimiter=delimiter, quoting=csv.QUOTE_NONE)
            try:
                rows.append(next(plain))
            except csv.Error as error:  # e.g. a field larger than MAX_FIELD_BYTES
                raise InputError(
                    file, f"cannot be read as CSV: {error}", row=len(rows) + 1
                ) from None
            unpaired.append(len(rows))
            lines.at = first + 1
    if unpaired:
        shown = ", ".join(str(row) for row in unpaired[:MAX_LISTED])
        more = f" and {len(unpaired) - MAX_LISTED:,} more" if len(unpaired) > MAX_LISTED else ""
        decoded.warnings.append(
            f"{file}: quotes do not pair up in row(s) {shown}{more}; in those rows quote "
            "characters were read as plain text"
        )
    widest = max(range(len(rows)), key=lambda k: len(rows[k]), default=None)
    if widest is not None and len(rows[widest]) > limits.max_columns:
        _too_wide(len(rows[widest]), file=file, row=widest + 1, limits=limits)
    return grid_from_rows(file, "", rows)


class _Lines:
    """Lines (with their line breaks) for csv.reader, from a position that can be moved."""

    def __init__(self, items: list[str]) -> None:
        self.items, self.at = items, 0

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if self.at >= len(self.items):
            raise StopIteration
        self.at += 1
        return self.items[self.at - 1]


def _too_wide(fields: int, *, file: str, row: int, limits: Limits) -> None:
    raise InputError(
        file,
        over("has", f"{fields:,} fields", f"{limits.max_columns:,}", "PORTFLOW_MAX_COLUMNS"),
        row=row,
    )


def read_manual(decoded: Decoded, *, file: str) -> Grid:
    """The manual-add form: numbers separated by commas, semicolons, tabs or line breaks."""
    rows: list[list[str | None]] = []
    for line_number, line in enumerate(LINE_BREAK.split(decoded.text), start=1):
        items = [item for item in _MANUAL_SEPARATORS.split(line) if item.strip()]
        rows.extend([[item, str(line_number)] for item in items] or [[None, str(line_number)]])
    frame = pl.DataFrame(rows, schema={"c0": pl.String, "line": pl.String}, orient="row")
    return Grid(
        file=file,
        sheet="",
        frame=frame.select("c0", source_row=pl.col("line").cast(pl.Int64)),
    )
