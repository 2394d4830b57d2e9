"""Hostile workbooks and sizes (issue 6, point 2): bombs, huge grids, huge cells, links,
macros, formulas without values, and the configurable limits, through `portflow check`."""

from __future__ import annotations

import json
import resource
import shutil
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from tests.e2e.cli import REPO, Run, portflow
from tests.hostile.packages import row, xlsx

ACCOUNTS = REPO / "data" / "samples" / "accounts"
HEADER = row(1, "Phone Number", "Routing ID")
GOOD = [row(2, "(415) 555-2671", "RT-1001"), row(3, "415-555-2672", "RT-1001")]
GIB = 1024**3


@pytest.fixture
def accounts(tmp_path: Path) -> Path:
    """The sample exports as CSV (users.xlsx would start a workbook reader per run)."""
    folder = tmp_path / "accounts"
    shutil.copytree(ACCOUNTS, folder, ignore=shutil.ignore_patterns("*.xlsx"))
    return folder


def check(path: Path, accounts: Path, env: dict[str, str] | None = None) -> tuple[Run, Path]:
    out = path.parent / "out"
    run = portflow(
        "check",
        str(path),
        "--accounts",
        str(accounts),
        "--allow-missing",
        "users",
        "--out",
        str(out),
        "--no-prefect",
        "-q",
        "--run-date",
        "2026-11-26",
        env=env,
    )
    return run, out


def refused(run: Run, out: Path, *words: str) -> str:
    """Exit 2, one line on stderr that names the file and says the `words`; nothing written."""
    assert run.code == 2, run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert "Traceback" not in run.stderr
    for word in words:
        assert word in lines[0], lines[0]
    assert not out.exists() or not any(out.iterdir())
    return lines[0]


def summary(out: Path) -> dict[str, object]:
    return json.loads((out / "summary.json").read_text(encoding="utf-8"))


def peak_child_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def test_a_decompression_bomb_is_refused_before_it_is_unzipped(
    tmp_path: Path, accounts: Path
) -> None:
    # 1 GiB of sheet XML in a file of a few hundred kilobytes.
    filler = b'<row><c t="inlineStr"><is><t>4155552671</t></is></c></row>' * 16384

    def rows() -> Iterator[bytes]:
        yield HEADER
        for _ in range(GIB // len(filler) + 1):
            yield filler

    bomb = tmp_path / "bomb.xlsx"
    bomb.write_bytes(xlsx({"Numbers": rows()}))
    assert bomb.stat().st_size < 5 * 1024 * 1024
    with zipfile.ZipFile(bomb) as package:
        assert sum(m.file_size for m in package.infolist()) > GIB

    started = time.perf_counter()
    run, out = check(bomb, accounts, env={"PORTFLOW_MAX_UNZIPPED_MB": "512"})
    line = refused(run, out, "bomb.xlsx", "unzips to", "PORTFLOW_MAX_UNZIPPED_MB")
    assert "1,024 MB" in line or "1,025 MB" in line, line
    assert time.perf_counter() - started < 30


def test_a_sheet_spanning_the_whole_grid_ends_the_reader_not_portflow(
    tmp_path: Path, accounts: Path
) -> None:
    # Two cells: calamine would allocate 1,048,576 x 16,384 cells (550 GB) and abort.
    corners = (
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>Phone</t></is></c></row>'
        b'<row r="1048576"><c r="XFD1048576"><v>2</v></c></row>'
    )
    path = tmp_path / "corners.xlsx"
    path.write_bytes(xlsx({"Numbers": corners}))
    run, out = check(path, accounts)
    refused(run, out, "corners.xlsx", "memory", "PORTFLOW_MAX_WORKBOOK_MEMORY_MB")
    assert peak_child_rss_mb() < 2048


def test_a_million_columns_in_a_csv_line_is_refused_before_polars_builds_them(
    tmp_path: Path, accounts: Path
) -> None:
    path = tmp_path / "wide.csv"
    path.write_text("Phone" + ",x" * 1_000_000 + "\n4155552671\n", encoding="utf-8")
    run, out = check(path, accounts)
    refused(run, out, "wide.csv", "row 1", "1,000,001 fields", "PORTFLOW_MAX_COLUMNS")


def wide_sheet(columns: int) -> bytes:
    """A header row `columns` cells wide (cells without `r`, so calamine places them one
    after another, past Excel's last column if need be) and one number below."""
    return xlsx(
        {
            "Numbers": b'<row r="1"><c t="inlineStr"><is><t>Phone</t></is></c>'
            + b"<c><v>1</v></c>" * (columns - 1)
            + b'</row><row r="2"><c t="inlineStr"><is><t>4155552671</t></is></c></row>'
        }
    )


def test_a_sheet_as_wide_as_excel_allows_reads_its_first_columns(
    tmp_path: Path, accounts: Path
) -> None:
    path = tmp_path / "wide.xlsx"
    path.write_bytes(wide_sheet(16_384))
    run, out = check(path, accounts)
    assert run.code == 0, run.stderr
    found = summary(out)
    assert found["rows"] == 1
    assert any(
        "16,384 columns; only the first 1,000 were read" in str(w)
        for w in found["warnings"]  # type: ignore[attr-defined]
    )


def test_a_million_columns_in_a_sheet_row_is_stopped_by_the_time_limit(
    tmp_path: Path, accounts: Path
) -> None:
    path = tmp_path / "wider.xlsx"
    path.write_bytes(wide_sheet(1_000_000))
    started = time.perf_counter()
    run, out = check(path, accounts, env={"PORTFLOW_MAX_WORKBOOK_SECONDS": "5"})
    refused(run, out, "wider.xlsx", "PORTFLOW_MAX_WORKBOOK_SECONDS")
    assert time.perf_counter() - started < 60
    assert peak_child_rss_mb() < 2048


def test_a_ten_megabyte_cell_is_a_reject_not_a_crash(tmp_path: Path, accounts: Path) -> None:
    huge = "4" * (10 * 1024 * 1024)
    path = tmp_path / "huge-cell.xlsx"
    path.write_bytes(xlsx({"Numbers": [HEADER, row(2, huge, "RT-1001"), *GOOD[1:]]}))
    run, out = check(path, accounts)
    assert run.code == 0, run.stderr
    found = summary(out)
    assert (found["rows"], found["accepted"], found["rejected"]) == (2, 1, 1)
    sheet = openpyxl.load_workbook(out / "rejects.xlsx", read_only=True)["Rejects"]
    for cells in sheet.iter_rows(values_only=True):
        assert all(len(str(value)) <= 32_767 for value in cells if value is not None)

    csv_path = tmp_path / "huge-field.csv"
    csv_path.write_text(f"Phone,Routing ID\n{huge},RT-1001\n4155552672,RT-1001\n", encoding="utf-8")
    run, out = check(csv_path, accounts)
    assert run.code == 0, run.stderr
    assert summary(out)["rejected"] == 1
    # The cell is in raw_number, whole; the reason quotes only its start.
    rejects = pl.read_csv(out / "rejects.csv", infer_schema=False)
    assert rejects.item(0, "raw_number") == huge
    assert (
        rejects.item(0, "reason")
        == f"Not a valid phone number: '{'4' * 60}...' is not a phone number."
    )


def test_macros_links_and_formulas_without_values_are_read_and_said(
    tmp_path: Path, accounts: Path
) -> None:
    sheet = (
        HEADER
        + GOOD[0]
        # A formula whose cached value is there (from another workbook), and one never computed.
        + b'<row r="3"><c r="A3" t="str"><f>[1]Sheet1!A1</f><v>4155552672</v></c></row>'
        + b'<row r="4"><c r="A4"><f>4155552600+73</f></c>'
        + b'<c r="B4" t="inlineStr"><is><t>RT-1001</t></is></c></row>'
        # As openpyxl and others write a formula never computed: an empty value element.
        + b'<row r="5"><c r="A5"><f>4155552600+74</f><v /></c>'
        + b'<c r="B5" t="inlineStr"><is><t>RT-1001</t></is></c></row>'
        + b'<row r="6"><c r="A6"><f>4155552600+75</f><v></v></c>'
        + b'<c r="B6" t="inlineStr"><is><t>RT-1001</t></is></c></row>'
    )
    path = tmp_path / "macros.xlsm"
    path.write_bytes(
        xlsx(
            {"Numbers": sheet},
            extra={
                "xl/vbaProject.bin": b'\xd0\xcf\x11\xe0 Sub AutoOpen(): Shell "calc": End Sub',
                "xl/externalLinks/externalLink1.xml": b"<externalLink/>",
            },
        )
    )
    run, out = check(path, accounts)
    assert run.code == 0, run.stderr
    found = summary(out)
    assert found["rows"] == 5  # rows 4-6 are there, their numbers read as empty
    warnings = " ".join(str(w) for w in found["warnings"])  # type: ignore[attr-defined]
    assert "macros" in warnings and "never runs them" in warnings
    assert "links to other workbooks" in warnings
    assert "3 formula cell(s) have no saved value" in warnings


@pytest.mark.parametrize(
    ("variable", "value", "content", "words"),
    [
        ("PORTFLOW_MAX_ROWS", "100", "Phone\n" + "4155552671\n" * 150, ("151 rows", "100 rows")),
        ("PORTFLOW_MAX_FILE_MB", "1", "Phone\n" + "4155552671\n" * 200_000, ("MB", "1 MB")),
        ("PORTFLOW_MAX_COLUMNS", "5", "Phone,a,b,c,d,e,f\n4155552671\n", ("7 fields",)),
    ],
)
def test_limits_are_configurable_and_named_when_hit(
    tmp_path: Path, accounts: Path, variable: str, value: str, content: str, words: tuple[str, ...]
) -> None:
    path = tmp_path / "list.csv"
    path.write_text(content, encoding="utf-8")
    run, out = check(path, accounts, env={variable: value})
    refused(run, out, "list.csv", variable, *words)


def test_a_limit_that_is_not_a_number_is_a_usage_error(tmp_path: Path, accounts: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text("Phone\n4155552671\n", encoding="utf-8")
    run, out = check(path, accounts, env={"PORTFLOW_MAX_ROWS": "lots"})
    refused(run, out, "PORTFLOW_MAX_ROWS", "not a number")
