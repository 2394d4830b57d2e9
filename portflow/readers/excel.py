"""Excel workbooks (.xlsx, .xlsm, .xls, .ods) through calamine (fastexcel), every cell as text.

calamine builds each sheet as a dense grid and aborts its process when an allocation fails;
a 2 KB workbook with cells at A1 and XFD1048576 asks for 550 GB (tafia/calamine#693). So
workbooks are read in a child process (`portflow.readers.sandbox`) whose address space is
limited: a hostile workbook ends that process, not portflow, and the user gets one line.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import zipfile
from pathlib import Path

import polars as pl

from portflow.errors import InputError
from portflow.readers.grid import Grid
from portflow.readers.limits import DEFAULT_LIMITS, Limits, megabytes, over
from portflow.scratch import scratch_folder

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls (and encrypted .xlsx)
ANSWER = "answer.json"
WALL_PER_CPU_SECOND = 3  # the child's wall-clock allowance per second of CPU it may use
WALL_GRACE = 30


def looks_like_workbook(data: bytes) -> bool:
    return data.startswith(ZIP_MAGIC) or data.startswith(OLE_MAGIC)


def read_workbook(
    data: bytes, *, file: str, limits: Limits = DEFAULT_LIMITS
) -> tuple[list[tuple[Grid, str]], list[str]]:
    """Each sheet as a grid whose `source_row` is the workbook's own row number, with its
    visibility; and what was noticed (macros, links, formulas without a saved value).

    Numeric cells come back as text without a trailing `.0`; formula cells as their cached
    value (empty when the file was never recalculated, and then a warning says so).
    """
    if not data:
        raise InputError(file, "the file is empty")
    _check_unzipped_size(data, file=file, limits=limits)
    with scratch_folder("workbook") as scratch:
        folder = str(scratch)
        command = [
            sys.executable,
            "-m",
            "portflow.readers.sandbox",
            folder,
            str(limits.max_workbook_memory_bytes),
            str(limits.max_workbook_seconds),
            str(limits.max_columns),
        ]
        try:
            done = subprocess.run(
                command,
                input=data,
                capture_output=True,
                check=False,
                env=_child_environment(),
                timeout=limits.max_workbook_seconds * WALL_PER_CPU_SECOND + WALL_GRACE,
            )
        except subprocess.TimeoutExpired:  # CPU-limited, yet stuck: waiting on something
            raise InputError(file, _too_slow(limits)) from None
        except OSError as error:
            raise InputError(file, f"cannot start the workbook reader: {error}") from None
        answer_path = Path(folder) / ANSWER
        if done.returncode != 0 or not answer_path.is_file():
            raise InputError(file, _ended(done, limits))
        answer = json.loads(answer_path.read_text(encoding="utf-8"))
        if "error" in answer:
            raise InputError(file, answer["error"], sheet=answer.get("sheet"))
        notes = [f"{file}: {note}" for note in answer["notes"]]
        sheets = []
        for sheet in answer["sheets"]:
            frame = _as_shown(pl.read_ipc(Path(folder) / sheet["data"]))
            merges = answer.get("merges", {}).get(sheet["name"], [])
            if merges:
                frame, note = _unmerged(frame, merges)
                if note:
                    notes.append(f'{file}, sheet "{sheet["name"]}": {note}')
            sheets.append((Grid.from_frame(file, sheet["name"], frame), sheet["visible"]))
        return sheets, notes


STAMP_BYTES = len("2026-12-15 00:00:00")
MAX_MERGED_CELLS = 1_000_000  # a merge over a whole sheet is not filled cell by cell
MAX_LISTED_MERGES = 5


def _unmerged(frame: pl.DataFrame, merges: list[list[int]]) -> tuple[pl.DataFrame, str | None]:
    """Each merged range's value in every cell it spans, as Excel shows it (a routing ID
    merged over three rows is those three rows' routing; calamine gives it to the first
    row only), and the note that says so. `merges` count columns from the frame's first,
    and say by how many (`shift`) the sheet's own count differs."""
    cells: dict[int, tuple[list[int], list[str]]] = {}
    filled, applied = 0, []
    for first_row, first_column, last_row, last_column, shift in merges:
        top, left = first_row - 1, first_column - 1
        if not (0 <= top < frame.height and 0 <= left < frame.width):
            continue  # outside the sheet's cells, or row 0 (no such row: a damaged file)
        value = frame.item(top, left)
        bottom, right = min(last_row, frame.height), min(last_column, frame.width)
        filled += (bottom - top) * (right - left) - 1
        if value is None or filled > MAX_MERGED_CELLS:
            continue
        applied.append((first_row, first_column + shift, last_row, last_column + shift))
        for column in range(left, right):
            rows, values = cells.setdefault(column, ([], []))
            for row in range(top, bottom):
                if (row, column) != (top, left):
                    rows.append(row)
                    values.append(str(value))
    if filled > MAX_MERGED_CELLS:
        return frame, (
            f"{len(merges):,} merged range(s) span {filled:,} cells; each was read as its "
            "first cell only (unmerge them in Excel to give every row its value)"
        )
    columns = frame.columns
    frame = frame.with_columns(
        frame.get_column(columns[column]).cast(pl.String).scatter(rows, values)
        for column, (rows, values) in cells.items()
    )
    if not applied:
        return frame, None
    shown = ", ".join(_reference(*merge) for merge in applied[:MAX_LISTED_MERGES])
    more = ", ..." if len(applied) > MAX_LISTED_MERGES else ""
    return frame, (
        f"merged cells ({shown}{more}) were read as their value in every row and column they span"
    )


def _reference(first_row: int, first_column: int, last_row: int, last_column: int) -> str:
    return f"{_letters(first_column)}{first_row}:{_letters(last_column)}{last_row}"


def _letters(column: int) -> str:
    letters = ""
    while column:
        column, remainder = divmod(column - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def _as_shown(frame: pl.DataFrame) -> pl.DataFrame:
    """Date and time cells as a person typed them: calamine gives a date as `2026-12-15
    00:00:00` and a time as `1899-12-31 09:30:00` (a day-zero date); carried through, an
    analyst would see those. Only columns that hold such a value are looked at."""
    changed = []
    for name, dtype in frame.schema.items():
        if dtype != pl.String:
            continue
        column = frame.get_column(name)
        # `YYYY-MM-DD HH:MM:SS` is 19 bytes: most columns have none, known from the offsets.
        stamps = column.filter(column.str.len_bytes() == STAMP_BYTES)
        if stamps.is_empty():
            continue
        # The day-zero date first: a time of 00:00 is `1899-12-31 00:00:00`.
        if stamps.str.starts_with("1899-12-3").any():
            column = column.str.replace(r"^1899-12-3[01] (\d{2}:\d{2}:\d{2})$", "${1}")
        if stamps.str.ends_with(" 00:00:00").any():
            column = column.str.replace(r"^(\d{4}-\d{2}-\d{2}) 00:00:00$", "${1}")
        changed.append(column)
    return frame.with_columns(changed) if changed else frame


def _check_unzipped_size(data: bytes, *, file: str, limits: Limits) -> None:
    """A zip's members as declared in its directory (calamine's own reading is bounded by
    the child's memory limit, should the declaration lie)."""
    if not data.startswith(ZIP_MAGIC):
        return
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unzipped = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError):
        return  # calamine says what is wrong with it (NotImplementedError: a zip version)
    if unzipped > limits.max_unzipped_bytes:
        raise InputError(
            file,
            over(
                "unzips to",
                megabytes(unzipped),
                megabytes(limits.max_unzipped_bytes),
                "PORTFLOW_MAX_UNZIPPED_MB",
            )
            + " (a decompression bomb?)",
        )


def _ended(done: subprocess.CompletedProcess[bytes], limits: Limits) -> str:
    """Why the child ended without an answer, in one line."""
    stderr = done.stderr.decode("utf-8", "replace")
    if done.returncode in (-signal.SIGXCPU, -signal.SIGKILL) and "memory" not in stderr:
        return _too_slow(limits)
    if (
        done.returncode in (-signal.SIGABRT, -signal.SIGKILL, -signal.SIGSEGV)
        or "memory allocation" in stderr
        or "MemoryError" in stderr
    ):
        return (
            f"cannot be read within {megabytes(limits.max_workbook_memory_bytes)} of memory "
            "(a sheet spans a huge area of cells, or the file is a decompression bomb); "
            "if the file is genuine, set PORTFLOW_MAX_WORKBOOK_MEMORY_MB"
        )
    last = next((line for line in reversed(stderr.splitlines()) if line.strip()), "")
    return f"the workbook reader stopped (exit {done.returncode}): {last[:200] or 'no message'}"


def _too_slow(limits: Limits) -> str:
    return over(
        "takes",
        f"more than {limits.max_workbook_seconds:,} s of CPU to read (a sheet with an "
        "enormous number of columns?)",
        f"{limits.max_workbook_seconds:,} s",
        "PORTFLOW_MAX_WORKBOOK_SECONDS",
    )


def _child_environment() -> dict[str, str]:
    """This environment without portflow's own settings (the porting system's token among
    them: a reader of untrusted files has no use for it); calamine's abort message is all
    the child needs to print."""
    kept = {k: v for k, v in os.environ.items() if not k.startswith("PORTFLOW_")}
    return {**kept, "RUST_BACKTRACE": "0", "PYTHONFAULTHANDLER": ""}
