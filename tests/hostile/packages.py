"""Workbooks built byte by byte: the hostile shapes no spreadsheet program would write."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Mapping

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_SHEET_TYPE = f"{RELS}/worksheet"


def xlsx(
    sheets: Mapping[str, bytes | Iterable[bytes]],
    *,
    extra: Mapping[str, bytes] | None = None,
    compression: int = zipfile.ZIP_DEFLATED,
) -> bytes:
    """A workbook package whose sheets' <sheetData> content is given as XML (bytes, or
    chunks of bytes streamed into the zip, so a gigabyte sheet never sits in memory)."""
    names = list(sheets)
    content_types = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.sheet.main+xml"/>'
        + "".join(
            f'<Override PartName="/xl/worksheets/sheet{k + 1}.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for k in range(len(names))
        )
        + "</Types>"
    )
    root_rels = (
        f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PACKAGE_RELS}">'
        f'<Relationship Id="rId1" Type="{RELS}/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>"
    )
    workbook = (
        f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{RELS}">'
        "<sheets>"
        + "".join(
            f'<sheet name="{_attr(name)}" sheetId="{k + 1}" r:id="rId{k + 1}"/>'
            for k, name in enumerate(names)
        )
        + "</sheets></workbook>"
    )
    workbook_rels = (
        f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PACKAGE_RELS}">'
        + "".join(
            f'<Relationship Id="rId{k + 1}" Type="{_SHEET_TYPE}" '
            f'Target="worksheets/sheet{k + 1}.xml"/>'
            for k in range(len(names))
        )
        + "</Relationships>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression, compresslevel=9) as package:
        package.writestr("[Content_Types].xml", content_types)
        package.writestr("_rels/.rels", root_rels)
        package.writestr("xl/workbook.xml", workbook)
        package.writestr("xl/_rels/workbook.xml.rels", workbook_rels)
        for k, name in enumerate(names):
            body = sheets[name]
            chunks = [body] if isinstance(body, bytes) else body
            with package.open(f"xl/worksheets/sheet{k + 1}.xml", "w", force_zip64=True) as sheet:
                sheet.write(f'<?xml version="1.0"?><worksheet xmlns="{MAIN}">'.encode())
                sheet.write(b"<sheetData>")
                for chunk in chunks:
                    sheet.write(chunk)
                sheet.write(b"</sheetData></worksheet>")
        for path, data in (extra or {}).items():
            package.writestr(path, data)
    return buffer.getvalue()


def row(number: int, *cells: str) -> bytes:
    """<row r=N> with inline-string cells in columns A, B, ..."""
    return (
        f'<row r="{number}">'
        + "".join(
            f'<c r="{chr(65 + k)}{number}" t="inlineStr"><is><t>{_text(value)}</t></is></c>'
            for k, value in enumerate(cells)
        )
        + "</row>"
    ).encode()


def _text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _attr(value: str) -> str:
    return _text(value).replace('"', "&quot;")
