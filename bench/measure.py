"""Running one benchmark task as a child process: wall clock, peak RSS, exit code."""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
# The tasks, as the table names them.
NAIVE = "naive"
CORE = "core"
FLOOR = "floor"  # the part of core no design can skip (bench/timed.py)
CHECK_CSV = "check csv"
CHECK_XLSX = "check xlsx"
CHECK_FIXED = "check 10 rows"
FIXED_ROWS = 10
STDERR_LINES = 30  # of a failed task's stderr, shown


class TaskFailed(Exception):
    """A task exited with a code it must not (its stderr is in the message)."""


@dataclass(frozen=True)
class Run:
    wall_seconds: float  # from the parent's start of the process to its end
    peak_rss_kib: int  # the child's own ru_maxrss (KiB on Linux)
    reported: dict[str, Any]  # what a timed task wrote about itself


@dataclass
class Measured:
    """The repeated runs of one task at one size."""

    rows: int
    task: str
    timed_in_process: bool  # seconds are the task's own (imports excluded), not wall clock
    runs: list[Run] = field(default_factory=list)

    @property
    def seconds(self) -> list[float]:
        if self.timed_in_process:
            return [run.reported["seconds"] for run in self.runs]
        return [run.wall_seconds for run in self.runs]

    @property
    def median_seconds(self) -> float:
        return statistics.median(self.seconds)

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.median_seconds

    @property
    def peak_rss_mb(self) -> float:
        return max(run.peak_rss_kib for run in self.runs) * 1024 / 1e6


def run_task(
    command: list[str],
    *,
    name: str,
    logs: Path,
    out: Path,
    ok_codes: tuple[int, ...] = (0,),
    result: Path | None = None,
) -> Run:
    """Run `command` in a fresh process with an empty `out`; stdout and stderr go to `logs`.

    Raises TaskFailed when the exit code is not in `ok_codes`.
    """
    shutil.rmtree(out, ignore_errors=True)
    logs.mkdir(parents=True, exist_ok=True)
    stdout_path, stderr_path = logs / f"{name}.stdout", logs / f"{name}.stderr"
    with stdout_path.open("wb") as stdout, stderr_path.open("wb") as stderr:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=REPO, stdout=stdout, stderr=stderr)
        try:
            _, status, usage = os.wait4(process.pid, 0)
        except BaseException:  # interrupted: the child goes too
            process.kill()
            process.wait()
            raise
        wall = time.perf_counter() - started
    process.returncode = code = os.waitstatus_to_exitcode(status)  # reaped by wait4
    if code not in ok_codes:
        tail = stderr_path.read_text(encoding="utf-8", errors="replace").splitlines()
        raise TaskFailed(
            f"{name} exited {code} (expected {' or '.join(map(str, ok_codes))}): "
            f"{' '.join(command)}\n" + "\n".join(tail[-STDERR_LINES:])
        )
    reported = json.loads(result.read_text(encoding="utf-8")) if result else {}
    return Run(wall, usage.ru_maxrss, reported)


def python_command(*args: str) -> list[str]:
    return [sys.executable, *args]


def portflow_command(*args: str) -> list[str]:
    """`portflow ARGS` from this interpreter's environment, as the user starts it."""
    script = Path(sys.executable).with_name("portflow")
    if not script.exists():
        found = shutil.which("portflow")
        if found is None:
            raise TaskFailed("no portflow command beside this Python or on PATH")
        script = Path(found)
    return [str(script), *args]
