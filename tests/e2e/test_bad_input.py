"""Bad input: exit 2, one line on stderr naming the file (and row or sheet), nothing written."""

from __future__ import annotations

import codecs
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from tests.e2e.cli import REPO, environment, portflow
from tests.helpers import MINIMAL_ACCOUNTS, unwritable, write_accounts


@pytest.fixture
def accounts(tmp_path: Path) -> Path:
    return write_accounts(tmp_path / "accounts", MINIMAL_ACCOUNTS)


def no_number_column(folder: Path) -> Path:
    book = openpyxl.Workbook()
    book.active.title = "Site A"
    book.active.append(["Foo", "Bar"])
    book.active.append(["x", "y"])
    book.save(folder / "wave2.xlsx")
    return folder / "wave2.xlsx"


CASES = {
    "no number column": (
        no_number_column,
        "wave2.xlsx: no sheet has a column that looks like a phone number: "
        '"Site A" (headers seen: Foo, Bar)',
    ),
    "empty file": (lambda d: _write(d / "empty.csv", b""), "empty.csv: the file is empty"),
    "corrupt workbook": (
        lambda d: _write(d / "broken.xlsx", b"PK\x03\x04" + b"\x07" * 300),
        "broken.xlsx: not a readable Excel workbook",
    ),
    "binary garbage": (
        lambda d: _write(d / "garbage.csv", bytes(range(256)) * 40),
        "garbage.csv: this is not a text file",
    ),
    "unreadable encoding": (
        lambda d: _write(d / "odd.csv", b"Phone\n4155552671\n\x81\x8d\n"),
        "odd.csv, row 3: unreadable encoding",
    ),
    "nonexistent path": (lambda d: d / "nope.csv", "nope.csv: no such file"),
    "a folder": (lambda d: d, ": is a folder; name the files to check"),
}


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_exits_2_with_one_line_and_writes_nothing(
    case: str, tmp_path: Path, accounts: Path
) -> None:
    make, expected = CASES[case]
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    path = make(inputs)
    out = tmp_path / "out"
    result = portflow("check", str(path), "--accounts", str(accounts), "--out", str(out))
    assert result.code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"portflow: error: {path}") and expected in lines[0]
    assert "Traceback" not in result.stderr
    assert not out.exists()


def test_a_missing_export_table_is_named_and_old_outputs_stay(tmp_path: Path) -> None:
    tables = dict(MINIMAL_ACCOUNTS)
    del tables["failsafe_numbers"]
    accounts = write_accounts(tmp_path / "accounts", tables)
    listing = _write(tmp_path / "list.csv", b"Phone\n4155552671\n")
    out = tmp_path / "out"
    out.mkdir()
    (out / "rejects.csv").write_text("yesterday's report")
    result = portflow("check", str(listing), "--accounts", str(accounts), "--out", str(out))
    assert result.code == 2
    assert result.stderr.splitlines() == [
        f"portflow: error: account table failsafe_numbers: missing from {accounts} (expected "
        "failsafe_numbers.csv or failsafe_numbers.xlsx); export it, or pass --allow-missing "
        "failsafe_numbers to run without its check"
    ]
    assert [p.name for p in out.iterdir()] == ["rejects.csv"]
    assert (out / "rejects.csv").read_text() == "yesterday's report"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["check", "x.csv", "--out", "o"], "Missing option '--accounts'"),
        (
            ["check", "x.csv", "--accounts", "a", "--out", "o", "--run-date", "tomorrow"],
            "--run-date 'tomorrow' is not a date like 2026-11-26",
        ),
        (
            ["check", "x.csv", "--accounts", "a", "--out", "o", "--run-date", "9999-12-20"],
            "--run-date '9999-12-20' is outside 1970-01-01 to 2999-12-31",
        ),
        (["check", "--bogus"], "No such option '--bogus'"),
        (["nonsense"], "No such command 'nonsense'"),
        (  # an unset shell variable: not the current folder
            ["check", "x.csv", "--accounts", "a", "--out", ""],
            "Invalid value for '--out': is empty",
        ),
        (["reconcile", "--accounts", " ", "--out", "o"], "Invalid value for '--accounts'"),
        # An unset $URL is not the embedded store: that would submit nowhere, successfully.
        *(
            ([*command, "--system", ""], "Invalid value for '--system': is empty")
            for command in (
                ["submit", "x.csv", "--accounts", "a", "--manifest", "m", "--out", "o"],
                ["reconcile", "--accounts", "a", "--out", "o"],
                ["requests"],
                ["system", "set-status", "PR-1", "complete"],
                ["check", "x.csv", "--accounts", "a", "--out", "o"],
            )
        ),
    ],
)
def test_bad_usage_exits_2_with_one_line(args: list[str], expected: str, tmp_path: Path) -> None:
    result = portflow(*args, cwd=tmp_path)
    assert result.code == 2
    assert len(result.stderr.splitlines()) == 1 and expected in result.stderr, result.stderr


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("stdin twice", "- (standard input) is given more than once"),
        ("log level", "PORTFLOW_LOG_LEVEL='LOUD' is not one of DEBUG, INFO"),
        ("accounts file", "the accounts folder list.csv is a file, not a folder"),
        ("utf-16 broken", "list.csv, row 3: unreadable encoding: not valid UTF-16"),
        ("no store", "no porting system at sqlite:///"),  # before the check, not after it
    ],
)
def test_more_bad_usage_and_input_is_one_line(
    case: str, expected: str, tmp_path: Path, accounts: Path
) -> None:
    text = "Phone\n4155552671\n"
    if case == "utf-16 broken":  # a lone surrogate on line 3
        _write(tmp_path / "list.csv", text.encode("utf-16") + b"\x00\xd8\x41\x00")
    else:
        _write(tmp_path / "list.csv", text.encode())
    inputs = ["-", "-"] if case == "stdin twice" else ["list.csv"]
    where = "list.csv" if case == "accounts file" else str(accounts)
    env = {"PORTFLOW_LOG_LEVEL": "LOUD"} if case == "log level" else None
    system = ["--system", "sqlite:///typo.db"] if case == "no store" else []
    result = portflow(
        "check",
        *inputs,
        *("--accounts", where, "--out", "o", *system),
        cwd=tmp_path,
        stdin=b"x",
        env=env,
    )
    assert result.code == 2
    assert len(result.stderr.splitlines()) == 1 and expected in result.stderr, result.stderr
    assert not (tmp_path / "o").exists()


def test_utf16_input_from_standard_input(tmp_path: Path, accounts: Path) -> None:
    data = codecs.BOM_UTF16_LE + "4155552671; 4155552672\n".encode("utf-16-le")
    result = portflow(
        "check", "-", "--accounts", str(accounts), "--out", str(tmp_path / "o"), stdin=data
    )
    assert result.code == 0, result.stderr
    assert "Checked 2 rows" in result.stdout


def test_an_out_folder_that_cannot_be_written_is_one_line(tmp_path: Path, accounts: Path) -> None:
    listing = _write(tmp_path / "list.csv", b"Phone\n4155552671\n")
    blocker = _write(tmp_path / "a-file", b"")
    result = portflow("check", str(listing), "--accounts", str(accounts), "--out", str(blocker))
    assert result.code == 2
    assert result.stderr.splitlines() == [
        f"portflow: error: --out {blocker}: is a file, not a folder"
    ]


@pytest.mark.parametrize("args", [[], ["system"]])
def test_a_bare_command_shows_its_help_not_an_error(args: list[str]) -> None:
    result = portflow(*args)
    assert result.code == 2 and result.stderr == ""
    assert result.stdout.startswith(f"Usage: {' '.join(['portflow', *args])} [OPTIONS] COMMAND")


def test_verbose_after_the_command_as_the_readme_shows(tmp_path: Path, accounts: Path) -> None:
    _write(tmp_path / "list.csv", b"Phone\n4155552671\n")
    result = portflow(
        "check", "list.csv", "--accounts", str(accounts), "--out", "o", "-v", cwd=tmp_path
    )
    assert result.code == 0, result.stderr
    assert "portflow: read inputs" in result.stderr


def test_ctrl_c_during_the_imports_is_one_line_and_exit_130() -> None:
    """The first second is imports (polars, pandera): an interrupt there is no traceback.
    (The interrupt is raised where the imports are, at a fixed point, not by a timed
    signal.)"""
    interrupted = (
        "import builtins\n"
        "real = builtins.__import__\n"
        "def imports(name, *args, **kwargs):\n"
        "    if name == 'portflow.cli.batch':\n"
        "        raise KeyboardInterrupt\n"
        "    return real(name, *args, **kwargs)\n"
        "builtins.__import__ = imports\n"
        "import portflow.cli\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", interrupted], capture_output=True, env=environment(), cwd=REPO
    )
    assert (done.returncode, done.stderr.decode()) == (130, "portflow: interrupted\n")


def test_a_prefect_home_that_cannot_be_written_is_one_line(tmp_path: Path, accounts: Path) -> None:
    """Not Prefect's 21 warnings and an exit 4 that asks to run again (it would not help)."""
    (tmp_path / "list.csv").write_text("Phone\n4155552671\n")
    locked = tmp_path / "locked"
    locked.mkdir()
    args = ("check", "list.csv", "--accounts", str(accounts), "--out", "o", "--prefect")
    home = {"PREFECT_HOME": str(locked / "home")}
    with unwritable(locked):
        result = portflow(*args, cwd=tmp_path, env=home)
        # With a Prefect server to talk to, no database is kept in that home: no refusal.
        served = portflow(
            *args, cwd=tmp_path, env={**home, "PREFECT_API_URL": "http://127.0.0.1:9/api"}
        )
    assert served.code == 4 and "Prefect API (http://127.0.0.1:9/api) did not answer" in (
        served.stderr
    )
    assert result.code == 2, result.stderr
    assert result.stderr.splitlines() == [
        f"portflow: error: PREFECT_HOME {locked / 'home'} cannot be written (Prefect keeps its "
        "database there): set PREFECT_HOME to a folder you can write, or run with --no-prefect"
    ]


def test_a_bugs_traceback_cuts_lines_that_quote_a_huge_value() -> None:
    from portflow.cli import bounded

    report = "Traceback (most recent call last):\n" + "ValueError: " + "x" * 200_000 + "\n"
    shown = bounded(report).splitlines()
    assert shown[0] == "Traceback (most recent call last):"
    assert shown[1] == "ValueError: " + "x" * 988 + " [... 199,012 more]"
