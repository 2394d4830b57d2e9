"""Paths and names (issue 6, point 6): file, sheet and friendly names from customers'
files never become a path outside the output folder, and odd names still get processed."""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path

import pytest

from portflow.errors import OutputError
from portflow.inbox import InboxOptions, process_inbox
from portflow.reports.staging import StagedOutputs
from tests.e2e.cli import REPO, portflow
from tests.helpers import MINIMAL_ACCOUNTS, write_accounts
from tests.hostile.packages import row, xlsx

SAMPLES = REPO / "data" / "samples"
ROUTING_TYPE = "ivr"
HOSTILE_NAMES = [
    "../../escaped",
    "/etc/passwd",
    "..",
    "CON",
    "NUL.txt",
    "LPT1",
    "a\\..\\..\\b",
    "名前 ☎ \u202etxt.exe",
    "x" * 240,
    '=HYPERLINK("http://evil")',
    "-rf",
    "~",
]


def files_under(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if p.is_file()}


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_sheet_and_routing_names_stay_inside_the_output_folder(
    tmp_path: Path, name: str
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    accounts = write_accounts(
        work / "accounts",
        {
            **MINIMAL_ACCOUNTS,
            "routing": "routing_id,name,type,active\n"
            f'RT-100,"{name.replace(chr(34), chr(34) * 2)}",{ROUTING_TYPE},true\n',
        },
    )
    sheet = name.replace("/", "_")[:31] if name.strip("./\\") else "sheet"
    path = work / "list.xlsx"
    path.write_bytes(
        xlsx({sheet: [row(1, "Phone Number", "Routing ID"), row(2, "4155552671", name[:80])]})
    )
    before = files_under(tmp_path)
    run = portflow(
        "check",
        str(path),
        "--accounts",
        str(accounts),
        "--out",
        str(work / "out"),
        "--no-prefect",
        "-q",
        cwd=work,
    )
    assert run.code == 0, run.stderr
    created = files_under(tmp_path) - before
    assert created and all((work / "out") in p.parents for p in created), created


def test_an_output_name_cannot_leave_its_folder(tmp_path: Path) -> None:
    with StagedOutputs(tmp_path / "out", "run", known=()) as stage:
        for name in ("../escaped.csv", "/tmp/escaped.csv", "tickets/../../escaped.csv"):
            with pytest.raises(OutputError, match="outside this folder"):
                stage.path(name)
        assert stage.path("tickets/fax.md").parent.name == "tickets"


def drop(folder: Path, name: str, data: bytes) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(data)
    old = time.time() - 60
    os.utime(path, (old, old))


INBOX_NAMES = [
    "a..csv",
    "-rf.csv",
    "CON.csv",
    "名前 ☎.csv",
    "line\nbreak.csv",
    " leading and trailing .csv",
    ("y" * 251) + ".csv",  # 255 bytes: the longest name a file system takes
    ("é" * 125) + ".csv",  # 254 bytes in UTF-8
]


def test_the_inbox_takes_odd_file_names_and_keeps_them_in_its_folders(tmp_path: Path) -> None:
    accounts = write_accounts(tmp_path / "accounts", MINIMAL_ACCOUNTS)
    options = InboxOptions(
        inbox=tmp_path / "inbox", accounts=accounts, out=tmp_path / "runs", settle_seconds=0
    )
    for round_ in range(2):  # the second round's names collide with the first's in done/
        for name in INBOX_NAMES:
            drop(options.inbox, name, b"Phone\n4155552671\n")
        result = process_inbox(options, today=lambda: dt.date(2026, 11, 26))
        assert sorted(p.file for p in result.processed) == sorted(INBOX_NAMES)
        assert {p.outcome for p in result.processed} == {"done"}, result.processed
        for processed in result.processed:
            assert Path(processed.run_folder).parent == options.out
        assert len(list((options.inbox / "done").iterdir())) == len(INBOX_NAMES) * (round_ + 1)
    assert all(len(p.name.encode()) <= 255 for p in (options.inbox / "done").iterdir())
    assert not list((options.inbox / "processing").iterdir())
    outside = files_under(tmp_path) - files_under(options.inbox) - files_under(options.out)
    assert outside == files_under(accounts)
