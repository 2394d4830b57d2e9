"""Fuzzing the readers (issue 6, point 1): random bytes, random CSV structures, random
workbooks and damaged xlsx files through the whole check. The only outcomes allowed are a
run whose counts add up (exactly the rows written, where the test knows them) and a
PortflowError with exit code 2 and one line naming the file. Anything else fails the test,
and hypothesis shrinks it to a small file that becomes a regression test below.

HYPOTHESIS_PROFILE=long multiplies the number of cases by 25 (a longer hunt).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import random
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from portflow.errors import MAX_MESSAGE_CHARS, InputError, PortflowError
from portflow.pipeline import CheckOptions, run_check
from portflow.readers.limits import Limits
from portflow.settings import load_settings
from tests.e2e.cli import REPO
from tests.numbers.strategies import messy_numbers

SCALE = 25 if os.environ.get("HYPOTHESIS_PROFILE") == "long" else 1
FUZZ = settings(
    max_examples=40 * SCALE,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
FUZZ_WORKBOOKS = settings(FUZZ, max_examples=12 * SCALE)  # each starts a workbook reader
ACCOUNTS = REPO / "data" / "samples" / "accounts"
SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx")
# Small enough that a fuzzed file reaches them now and then.
LIMITS = Limits(max_rows=5_000, max_columns=200, max_file_bytes=4 * 1024 * 1024)


@pytest.fixture(scope="module")
def accounts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("accounts")
    for export in ACCOUNTS.glob("*.csv"):
        shutil.copy(export, folder)
    return folder


def outcome(data: bytes, suffix: str, accounts: Path) -> tuple[int, dict[str, object] | None]:
    """Run the check on `data` saved as `list{suffix}`: (0, summary) or (2, None)."""
    with tempfile.TemporaryDirectory(prefix="portflow-fuzz-") as folder:
        path = Path(folder) / f"list{suffix}"
        path.write_bytes(data)
        out = Path(folder) / "out"
        options = CheckOptions(
            inputs=(str(path),),
            accounts=accounts,
            out=out,
            run_date=dt.date(2026, 11, 26),
            allow_missing=frozenset({"users"}),
            cache_dir=load_settings().cache_dir,
            limits=LIMITS,
        )
        try:
            summary = run_check(options).summary
        except PortflowError as error:
            message = str(error)
            assert error.exit_code == 2, message
            assert message and "\n" not in message and "\r" not in message, repr(message)
            assert len(message) <= MAX_MESSAGE_CHARS, message[:200]
            if isinstance(error, InputError):
                assert path.name in message, message
            assert not out.exists() or not [p for p in out.iterdir() if p.name[0] != "."]
            return 2, None
        assert_counts_add_up(summary, out)
        return 0, summary


def assert_counts_add_up(summary: dict[str, object], out: Path) -> None:
    rows, accepted, rejected, fax = (
        summary["rows"],
        summary["accepted"],
        summary["rejected"],
        summary["fax"],
    )
    assert rows == accepted + rejected + fax  # type: ignore[operator]
    rejects = pl.read_csv(out / "rejects.csv", infer_schema=False)
    configured = pl.read_csv(out / "configured_numbers.csv", infer_schema=False)
    assert (rejects.height, configured.height) == (rejected, accepted)
    assert set(summary["outputs"]) <= {  # type: ignore[arg-type]
        str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()
    }


# --- random bytes -------------------------------------------------------------------------


@FUZZ
@given(data=st.binary(max_size=4096), suffix=st.sampled_from(SUFFIXES))
def test_random_bytes(accounts: Path, data: bytes, suffix: str) -> None:
    outcome(data, suffix, accounts)


# --- random CSV structures ----------------------------------------------------------------

_ODD = [
    '"',
    '""',
    'a"b',
    '"x',
    "\x00",
    "\r",
    "\n",
    "\r\n",
    ",",
    ";",
    "\t",
    "|",
    "=1+1",
    " ",
    "\ufeff",
    "\u00a0",
    "１２３",
    "x" * 300,
]
fields = st.one_of(
    messy_numbers(),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=12),
    st.sampled_from(_ODD),
)


@st.composite
def csv_texts(draw: st.DrawFn) -> tuple[bytes, str]:
    """Ragged rows joined by hand: stray quotes, NULs, mixed line endings, odd encodings."""
    delimiter = draw(st.sampled_from([",", ";", "\t", "|"]))
    lines = draw(st.lists(st.lists(fields, max_size=7), max_size=25))
    if draw(st.booleans()):
        lines.insert(0, ["Phone Number", "Routing ID"])
    if draw(st.integers(0, 9)) == 0:  # an enormous field
        lines.append(["4" * draw(st.integers(10_000, 300_000))])
    endings = st.sampled_from(["\n", "\r\n", "\r"])
    text = "".join(delimiter.join(line) + draw(endings) for line in lines)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "cp1252"]))
    return text.encode(encoding, errors="replace"), draw(st.sampled_from(SUFFIXES[:3]))


@FUZZ
@given(sample=csv_texts())
def test_random_csv_structures(accounts: Path, sample: tuple[bytes, str]) -> None:
    outcome(*sample, accounts)


number_tokens = st.one_of(
    messy_numbers(), st.from_regex(r"\A[0-9+()\- .x#]{0,6}[0-9][0-9+()\- .x#]{0,14}\Z")
).filter(lambda value: value.strip() != "" and "\x00" not in value)


@st.composite
def well_formed_csvs(draw: st.DrawFn) -> tuple[bytes, int]:
    """Properly quoted CSV with a header and N rows that each have a number: N rows out."""
    numbers = draw(st.lists(number_tokens, min_size=1, max_size=40))
    # No CR: Python's writer leaves a CR unquoted when lines end in LF, and a CR alone
    # outside quotes is a line break, as spreadsheets read it (and portflow since 3e4c039).
    others = st.one_of(
        st.none(), st.text(max_size=10).filter(lambda v: "\x00" not in v and "\r" not in v)
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=draw(st.sampled_from(["\n", "\r\n"])))
    writer.writerow(["Phone Number", "Routing ID", "Notes"])
    for number in numbers:
        writer.writerow(
            [number, draw(st.sampled_from(["RT-100", "rt-100", "", "Main"])), draw(others)]
        )
    return buffer.getvalue().encode("utf-8"), len(numbers)


@FUZZ
@given(sample=well_formed_csvs())
def test_well_formed_csv_rows_all_come_out(accounts: Path, sample: tuple[bytes, int]) -> None:
    data, rows = sample
    code, summary = outcome(data, ".csv", accounts)
    assert code == 0 and summary is not None
    assert summary["rows"] == rows


# --- random workbooks and damaged ones ----------------------------------------------------

cell_values = st.one_of(
    st.integers(-(10**15), 10**15),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(9999, 1, 1)),
    st.text(max_size=20).filter(lambda v: not v.startswith("=") and storable(v)),
    st.none(),
)
sheet_names = st.text(
    st.characters(exclude_categories=("Cs", "Cc"), exclude_characters="[]:*?/\\'"),
    min_size=1,
    max_size=31,
).filter(lambda v: v.strip() and v.lower() != "history")


def storable(value: str) -> bool:
    """What openpyxl can put in a cell (no control characters)."""
    return ILLEGAL_CHARACTERS_RE.search(value) is None


def workbook_bytes(sheets: dict[str, list[list[object]]]) -> bytes:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for values in rows:
            sheet.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@st.composite
def workbooks(draw: st.DrawFn) -> tuple[bytes, int]:
    """1-3 sheets with a title row or not, a header, and rows whose number cell is filled."""
    names = draw(st.lists(sheet_names, min_size=1, max_size=3, unique_by=str.lower))
    sheets, rows = {}, 0
    for name in names:
        numbers = draw(
            st.lists(
                st.one_of(
                    number_tokens.filter(storable), st.integers(2_000_000_000, 9_999_999_999)
                ),
                min_size=1,
                max_size=15,
            )
        )
        grid: list[list[object]] = []
        if draw(st.booleans()):
            grid += [["Port list " + name], []]
        grid.append(["Phone Number", "Routing ID", "Extra"])
        grid += [[number, draw(cell_values), draw(cell_values)] for number in numbers]
        sheets[name] = grid
        rows += len(numbers)
    return workbook_bytes(sheets), rows


@FUZZ_WORKBOOKS
@given(sample=workbooks())
def test_random_workbooks_rows_all_come_out(accounts: Path, sample: tuple[bytes, int]) -> None:
    data, rows = sample
    code, summary = outcome(data, ".xlsx", accounts)
    assert code == 0 and summary is not None
    assert summary["rows"] == rows


VALID = workbook_bytes({"Numbers": [["Phone Number"], ["4155552671"], [4155552672]]})


@FUZZ_WORKBOOKS
@given(seed=st.integers(0, 2**32), how=st.sampled_from(["truncate", "flip", "zero-run"]))
def test_damaged_workbooks(accounts: Path, seed: int, how: str) -> None:
    rng = random.Random(seed)
    data = bytearray(VALID)
    if how == "truncate":
        data = data[: rng.randrange(len(data))]
    elif how == "flip":
        for _ in range(rng.randint(1, 20)):
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
    else:
        start = rng.randrange(len(data))
        data[start : start + rng.randint(1, 400)] = bytes(min(400, len(data) - start))
    outcome(bytes(data), ".xlsx", accounts)


# --- what the fuzzing found (regression tests) ---------------------------------------------


def regressions() -> Iterator[tuple[str, bytes, str]]:
    """(name, content, suffix) of every file that once crashed a run."""
    # sniff_delimiter split lines on \n only; a lone \r inside made the csv module raise.
    yield "a lone CR in a LF file", b"Phone\r4155552671\n4155552672\n", ".csv"
    yield "a lone CR in a LF text", b"a\rb,c\nd,e\n", ".txt"
    # The 'no phone-number column' error quoted header cells whole: a CR inside one broke
    # the message over two lines, and a 300,000-character cell made it a screenful.
    yield "a CR in a quoted header", b'"Notes\rmore",Other\nx,y\n', ".csv"
    yield "a huge header cell", b"Notes," + b"4" * 300_000 + b"\nx,y\n", ".csv"
    # A flipped bit made the zip directory ask for zip version 8.4: Python's zipfile raised
    # NotImplementedError while the size of the unzipped workbook was being checked.
    at = VALID.index(b"PK\x01\x02") + 6  # a central directory entry's "version needed"
    yield "a zip that needs version 8.4", VALID[:at] + bytes((84, 0)) + VALID[at + 2 :], ".xlsx"


@pytest.mark.parametrize(("name", "data", "suffix"), list(regressions()))
def test_what_fuzzing_found(accounts: Path, name: str, data: bytes, suffix: str) -> None:
    outcome(data, suffix, accounts)
