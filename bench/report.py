"""What the benchmark prints and records: the machine, the table, the issue-5 targets."""

from __future__ import annotations

import datetime as dt
import os
import platform
from dataclasses import dataclass
from importlib.metadata import version
from typing import Any

from bench.measure import CHECK_CSV, CHECK_FIXED, CHECK_XLSX, CORE, FIXED_ROWS, NAIVE, Measured

TARGET_ROWS = 1_000_000
MIN_RATIO = 25.0
MIN_ROWS_PER_SECOND = 1_000_000
MAX_CHECK_CSV_SECONDS = 8.0
MAX_CHECK_XLSX_SECONDS = 12.0
MAX_PEAK_RSS_MB = 2_000.0
MAX_FIXED_SECONDS = 3.0


@dataclass(frozen=True)
class Target:
    name: str
    value: str  # what this run measured, as printed
    passed: bool | None  # None: not measured in this run

    @property
    def verdict(self) -> str:
        return {True: "PASS", False: "FAIL", None: "n/a"}[self.passed]


def machine() -> dict[str, Any]:
    return {
        "cpu_count": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "polars": version("polars"),
        "phonenumbers": version("phonenumbers"),
        "pandas": version("pandas"),
        "portflow": version("portflow"),
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def machine_line(info: dict[str, Any]) -> str:
    return (
        f"{info['cpu_count']} CPUs ({info['cpus_usable']} usable), Python {info['python']}, "
        f"polars {info['polars']}, phonenumbers {info['phonenumbers']}, "
        f"pandas {info['pandas']}, {info['platform']}, {info['date']}"
    )


def ratio(measured: Measured, naive: Measured | None) -> float | None:
    """How many times faster than the naive script on the same rows."""
    if naive is None:
        return None
    return naive.median_seconds / measured.median_seconds


def table(measured: list[Measured]) -> str:
    naive = {m.rows: m for m in measured if m.task == NAIVE}
    lines = [
        f"{'rows':>10}  {'task':<14}{'median s':>9}{'rows/s':>13}{'vs naive':>10}"
        f"{'peak RSS MB':>13}{'runs':>6}"
    ]
    for m in measured:
        times = ratio(m, naive.get(m.rows))
        lines.append(
            f"{m.rows:>10,}  {m.task:<14}{m.median_seconds:>9.2f}{m.rows_per_second:>13,.0f}"
            f"{'' if times is None else f'{times:.1f}x':>10}{m.peak_rss_mb:>13,.0f}"
            f"{len(m.runs):>6}"
        )
    return "\n".join(lines)


def row(m: Measured, naive: Measured | None) -> dict[str, Any]:
    """One line of the table, for the JSON record."""
    return {
        "rows": m.rows,
        "task": m.task,
        "seconds": m.seconds,
        "median_seconds": m.median_seconds,
        "rows_per_second": m.rows_per_second,
        "ratio_vs_naive": ratio(m, naive),
        "peak_rss_mb": m.peak_rss_mb,
        "timed_in_process": m.timed_in_process,
        "runs": [
            {
                "wall_seconds": run.wall_seconds,
                "peak_rss_kib": run.peak_rss_kib,
                **run.reported,
            }
            for run in m.runs
        ],
    }


def targets(measured: list[Measured], *, differential: dict[str, Any] | None) -> list[Target]:
    """Issue 5's targets, judged on this run (n/a where it did not measure them)."""
    at = {(m.rows, m.task): m for m in measured}
    naive, core, csv, xlsx = (
        at.get((TARGET_ROWS, t)) for t in (NAIVE, CORE, CHECK_CSV, CHECK_XLSX)
    )
    fixed = at.get((FIXED_ROWS, CHECK_FIXED))
    found: list[Target] = []

    times = ratio(core, naive) if core and naive else None
    found.append(
        Target(
            f"core at least {MIN_RATIO:.0f}x faster than naive at 1M rows",
            "not measured" if times is None else f"{times:.1f}x",
            None if times is None else times >= MIN_RATIO,
        )
    )
    found.append(
        Target(
            f"core at least {MIN_ROWS_PER_SECOND:,} rows/s at 1M rows",
            "not measured" if core is None else f"{core.rows_per_second:,.0f} rows/s",
            None if core is None else core.rows_per_second >= MIN_ROWS_PER_SECOND,
        )
    )
    for kind, task, limit in (
        ("CSV", csv, MAX_CHECK_CSV_SECONDS),
        ("XLSX", xlsx, MAX_CHECK_XLSX_SECONDS),
    ):
        found.append(
            Target(
                f"portflow check under {limit:.0f} s at 1M rows, {kind} input",
                "not measured" if task is None else f"{task.median_seconds:.2f} s",
                None if task is None else task.median_seconds < limit,
            )
        )
    portflow = [m for m in (core, csv, xlsx) if m is not None]
    peak = max((m.peak_rss_mb for m in portflow), default=None)
    found.append(
        Target(
            f"peak RSS under {MAX_PEAK_RSS_MB:,.0f} MB at 1M rows (core, check csv, check xlsx)",
            "not measured" if peak is None else f"{peak:,.0f} MB",
            None if peak is None else peak < MAX_PEAK_RSS_MB,
        )
    )
    found.append(
        Target(
            f"portflow check on {FIXED_ROWS} rows under {MAX_FIXED_SECONDS:.0f} s",
            "not measured" if fixed is None else f"{fixed.median_seconds:.2f} s",
            None if fixed is None else fixed.median_seconds < MAX_FIXED_SECONDS,
        )
    )
    if differential is None:
        value, passed = "not run", None
    else:
        count = differential["disagreements"]
        value = f"exit code {differential['exit_code']}" if count is None else f"{count:,}"
        passed = differential["exit_code"] == 0
    found.append(Target("no disagreements in the differential run", value, passed))
    return found


def targets_text(found: list[Target]) -> str:
    return "\n".join(f"  {t.verdict:<5} {t.name}: {t.value}" for t in found)
