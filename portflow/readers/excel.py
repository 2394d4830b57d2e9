"""Excel workbooks (.xlsx, .xlsm, .xls, .ods) through calamine (fastexcel), every cell as text."""

from __future__ import annotations

from collections.abc import Iterator

import fastexcel

from portflow.errors import InputError
from portflow.readers.grid import Grid

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls (and encrypted .xlsx)


def looks_like_workbook(data: bytes) -> bool:
    return data.startswith(ZIP_MAGIC) or data.startswith(OLE_MAGIC)


def read_workbook(data: bytes, *, file: str) -> Iterator[tuple[Grid, str]]:
    """Each sheet as a grid whose `source_row` is the workbook's own row number.

    Yields (grid, visibility). Numeric cells come back as text without a trailing `.0`;
    formula cells as their cached value (empty when the file was never recalculated).
    """
    if not data:
        raise InputError(file, "the file is empty")
    try:
        workbook = fastexcel.read_excel(data)
    except fastexcel.FastExcelError as error:
        raise InputError(file, _why(error, data)) from None
    for name in workbook.sheet_names:
        try:
            # skip_rows=0 keeps leading blank rows, so positions are the workbook's rows.
            sheet = workbook.load_sheet(name, header_row=None, dtypes="string", skip_rows=0)
            frame = sheet.to_polars()
        except fastexcel.FastExcelError as error:
            raise InputError(
                file, f"cannot read this sheet: {_first_line(error)}", sheet=name
            ) from None
        yield Grid.from_frame(file, name, frame), str(sheet.visible)


def _why(error: Exception, data: bytes) -> str:
    if data.startswith(OLE_MAGIC) and b"EncryptedPackage" in data[:65536].replace(b"\x00", b""):
        return "the workbook is password-protected; save an unprotected copy and try again"
    if not looks_like_workbook(data):
        return "not an Excel workbook (is it a CSV file renamed to .xlsx?)"
    return f"not a readable Excel workbook (corrupt or truncated?): {_first_line(error)}"


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
