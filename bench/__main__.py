"""The benchmark of issue 5 in one command: portflow against the script users would write.

    ./run bench [--sizes 100000,1000000] [--repeats 3] [--naive-repeats 1]
                [--differential-rows 1000000] [--tracking M] [--cache-dir DIR] [--json PATH]
    ./run bench --sizes 100000,1000000,5000000        # the full measurement

(`.venv/bin/python -m bench ...` is the same.) For each size N it generates, or reuses from
the cache (.cache/bench/), a seeded workload (bench/workload.py): N messy rows as input.csv
and as input.xlsx (one sheet, every cell text), and account exports with M tracking numbers
(default M = N) and the other tables in proportion. Every task runs in a fresh process, so
that its peak RSS (the child's own ru_maxrss) is its own:

  naive          bench/naive.py, the plain script: pandas reads the files, a per-row function
                 with phonenumbers checks every number of the list and the exports, `isin`
                 finds the conflicts. Timed in its process, imports excluded.
  core           portflow's check in its process: read, normalise, validate, judge, then
                 rejects.csv and configured_numbers.csv (bench/timed.py). Imports and the
                 prefix-table load are excluded from its time and reported apart.
  floor          what no design of core can skip, in its process: polars reads input.csv and
                 the tracking export, the normaliser decides their numbers, polars writes
                 core's two outputs again; no schema, rule, report text or other export.
                 What the CPUs and polars allow before portflow's own work (bench/timed.py).
  check csv      `portflow check input.csv --accounts ... --out ...` as a user runs it (direct,
                 not as a Prefect flow): wall clock from the parent, Python start included,
                 every SPEC 3 output.
  check xlsx     the same on input.xlsx.
  check 10 rows  `portflow check` on a 10-row file: the fixed cost.

portflow's tasks run --repeats times, the naive one --naive-repeats times; the table shows
the median seconds, rows/s, naive seconds / task seconds and the worst run's peak RSS. At 1M
rows (or the largest size below) the rejects of naive and core are compared, reason_code by
reason_code. Then the differential run (bench/differential.py) compares the vectorised
normaliser with the per-row reference of SPEC 1.1 on --differential-rows values.

Prints the table, the machine and issue 5's targets (PASS/FAIL) and writes all of it as JSON
to bench/results/<UTC time>.json. Each task's outputs and logs stay in the workload's cache
folder (out/, logs/) until the next run. Exits 1 when a task fails or the differential run
finds a disagreement; a missed speed target does not change the exit code.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as dt
import hashlib
import io
import json
import re
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from bench import differential
from bench.measure import (
    CHECK_CSV,
    CHECK_FIXED,
    CHECK_XLSX,
    CORE,
    FIXED_ROWS,
    FLOOR,
    NAIVE,
    REPO,
    Measured,
    TaskFailed,
    portflow_command,
    python_command,
    run_task,
)
from bench.report import (
    TARGET_ROWS,
    machine,
    machine_line,
    row,
    table,
    targets,
    targets_text,
)
from bench.timed import RUN_DATE
from bench.workload import write_workload
from portflow.reports.workbook import write_table_workbook

DEFAULT_SIZES = "100000,1000000"
DEFAULT_CACHE = REPO / ".cache" / "bench"
RESULTS = REPO / "bench" / "results"
SEED = 20261126
# What writes a workload's files: a change to any of them makes a cached workload stale.
GENERATOR = ("bench/workload.py", "portflow/reports/workbook.py", "portflow/reports/sheetdata.py")
# Codes the naive script leaves to portflow (the workload has no receiving-number column).
LEFT_TO_PORTFLOW = ("INVALID_RECEIVING_NUMBER", "ROUTES_TO_PORTED_NUMBER")
SHOWN_DIFFERENCES = 10


@dataclass(frozen=True)
class Workload:
    rows: int
    tracking: int
    folder: Path

    @property
    def accounts(self) -> Path:
        return self.folder / "accounts"

    def input(self, suffix: str = ".csv") -> Path:
        return self.folder / f"input{suffix}"

    def out(self, task: str) -> Path:
        return self.folder / "out" / task.replace(" ", "-")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # progress, live
    info = machine()
    print(f"machine: {machine_line(info)}")
    measured: list[Measured] = []
    failures: list[str] = []
    compared: dict[str, Any] | None = None

    def measure(workload: Workload, task: str, repeats: int) -> Measured | None:
        try:
            done = measure_task(workload, task, repeats=repeats)
        except TaskFailed as failure:
            failures.append(str(failure))
            print(f"FAILED: {failure}", file=sys.stderr)
            return None
        measured.append(done)
        return done

    fixed = prepare(args.cache_dir, rows=FIXED_ROWS, tracking=FIXED_ROWS, seed=args.seed)
    measure(fixed, CHECK_FIXED, args.repeats)
    compare_at = max((n for n in args.sizes if n <= TARGET_ROWS), default=min(args.sizes))
    for rows in args.sizes:
        workload = prepare(
            args.cache_dir, rows=rows, tracking=args.tracking or rows, seed=args.seed
        )
        naive = measure(workload, NAIVE, args.naive_repeats)
        core = measure(workload, CORE, args.repeats)
        if core:
            measure(workload, FLOOR, args.repeats)  # writes core's outputs again
        measure(workload, CHECK_CSV, args.repeats)
        measure(workload, CHECK_XLSX, args.repeats)
        if rows == compare_at and naive and core:
            compared = cross_check(workload)

    checked = run_differential(args.differential_rows) if args.differential_rows else None
    if checked and checked["exit_code"] != 0:
        failures.append(
            f"the differential run exited {checked['exit_code']} "
            f"({checked['disagreements']} disagreement(s))"
        )

    naive_at = {m.rows: m for m in measured if m.task == NAIVE}
    found = targets(measured, differential=checked)
    print()
    print(table(measured))
    for m in measured:
        if m.task == CORE:
            print(core_breakdown(m))
        if m.task == FLOOR:
            print(floor_breakdown(m))
    print(f"machine: {machine_line(info)}")
    print("issue 5 targets:")
    print(targets_text(found))
    if compared and not compared["agree"]:
        print(f"WARNING: {compared['summary']}")
    exit_code = 1 if failures else 0
    for failure in failures:
        print(f"FAILED: {failure.splitlines()[0]}")

    record = {
        "command": ["python", "-m", "bench", *(sys.argv[1:] if argv is None else argv)],
        "options": {
            "sizes": args.sizes,
            "tracking": args.tracking,
            "seed": args.seed,
            "repeats": args.repeats,
            "naive_repeats": args.naive_repeats,
            "differential_rows": args.differential_rows,
            "cache_dir": str(args.cache_dir),
            "run_date": RUN_DATE.isoformat(),
        },
        "machine": info,
        "results": [row(m, naive_at.get(m.rows)) for m in measured],
        "cross_check": compared,
        "differential": checked,
        "targets": [{**dataclasses.asdict(t), "verdict": t.verdict} for t in found],
        "failures": failures,
        "exit_code": exit_code,
    }
    started = dt.datetime.fromisoformat(info["date"])
    path = args.json or RESULTS / f"{started:%Y%m%dT%H%M%SZ}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    print(f"results: {path}")
    return exit_code


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__.splitlines()[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument(
        "--sizes", type=sizes, default=sizes(DEFAULT_SIZES), help="Input rows, comma-separated."
    )
    parser.add_argument(
        "--tracking", type=int, help="Tracking numbers in the exports (default: the size)."
    )
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--repeats", type=positive, default=3, help="Runs of each portflow task.")
    parser.add_argument("--naive-repeats", type=positive, default=1, help="Runs of the naive one.")
    parser.add_argument(
        "--differential-rows", type=int, default=1_000_000, help="0 skips the differential run."
    )
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE, help="Workloads.")
    parser.add_argument("--json", type=Path, help="Results file (default: bench/results/).")
    return parser.parse_args(argv)


def sizes(text: str) -> list[int]:
    return [positive(part) for part in text.split(",") if part.strip()]


def positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a positive number")
    return value


def prepare(cache: Path, *, rows: int, tracking: int, seed: int) -> Workload:
    """The workload from the cache, or generated there (input.csv, input.xlsx, accounts/).

    The cache folder is reused while its stamp matches: the same rows, tracking numbers,
    seed and code that writes the files (GENERATOR), and every file still there at the
    size it was written.
    """
    workload = Workload(rows, tracking, cache / f"rows-{rows}_tracking-{tracking}_seed-{seed}")
    stamp = workload.folder / "workload.json"
    generator = hashlib.sha256()
    for name in GENERATOR:
        generator.update((REPO / name).read_bytes())
    wanted = {
        "rows": rows,
        "tracking": tracking,
        "seed": seed,
        "generator_sha256": generator.hexdigest(),
    }
    if stamp.is_file():
        found = json.loads(stamp.read_text(encoding="utf-8"))
        if found == {**wanted, "files": file_sizes(workload)}:
            return workload
        stamp.unlink()  # a half-written workload is never taken for a whole one
    started = time.perf_counter()
    write_workload(workload.folder, rows=rows, tracking=tracking, seed=seed)
    frame = pl.read_csv(workload.input(), infer_schema=False)
    write_table_workbook(
        frame, workload.input(".xlsx"), sheet="Numbers", title="portflow benchmark input"
    )
    wanted["files"] = file_sizes(workload)
    stamp.write_text(json.dumps(wanted, indent=2) + "\n", encoding="utf-8")
    print(
        f"workload: {rows:,} rows, {tracking:,} tracking numbers in {workload.folder} "
        f"({time.perf_counter() - started:.1f} s)"
    )
    return workload


def file_sizes(workload: Workload) -> dict[str, int]:
    files = [workload.input(), workload.input(".xlsx"), *workload.accounts.glob("*.csv")]
    return {
        str(path.relative_to(workload.folder)): path.stat().st_size
        for path in sorted(files)
        if path.is_file()
    }


def measure_task(workload: Workload, task: str, *, repeats: int) -> Measured:
    measured = Measured(workload.rows, task, timed_in_process=task in (NAIVE, CORE, FLOOR))
    out = workload.out(task)
    for repeat in range(1, repeats + 1):
        name = f"{task.replace(' ', '-')}-{repeat}"
        logs = workload.folder / "logs"
        result = logs / f"{name}.json" if measured.timed_in_process else None
        run = run_task(
            command(workload, task, out, result), name=name, logs=logs, out=out, result=result
        )
        if not measured.timed_in_process:
            check_outputs(out, rows=workload.rows, task=task)
        measured.runs.append(run)
        seconds = measured.seconds[-1]
        print(
            f"{workload.rows:>10,}  {task:<14} run {repeat}/{repeats}: {seconds:7.2f} s, "
            f"peak RSS {run.peak_rss_kib * 1024 / 1e6:,.0f} MB"
        )
    return measured


def command(workload: Workload, task: str, out: Path, result: Path | None) -> list[str]:
    if task in (NAIVE, CORE, FLOOR):
        assert result is not None
        return python_command(
            "-m",
            "bench.timed",
            task,
            str(workload.input()),
            f"--accounts={workload.accounts}",
            f"--out={out}",
            f"--result={result}",
            f"--run-date={RUN_DATE.isoformat()}",
            *([f"--outputs={workload.out(CORE)}"] if task == FLOOR else []),
        )
    source = workload.input(".xlsx" if task == CHECK_XLSX else ".csv")
    return portflow_command(
        "check",
        str(source),
        f"--accounts={workload.accounts}",
        f"--out={out}",
        f"--run-date={RUN_DATE.isoformat()}",
        "--no-prefect",
    )


def check_outputs(out: Path, *, rows: int, task: str) -> None:
    """`portflow check` read every row and wrote every output its summary lists."""
    if not (out / "summary.json").is_file():
        raise TaskFailed(f"{task}: exited 0 but wrote no summary.json in {out}")
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    missing = [name for name in summary["outputs"] if not (out / name).is_file()]
    if summary["rows"] != rows or missing:
        raise TaskFailed(
            f"{task}: summary.json says {summary['rows']:,} rows (the input has {rows:,})"
            + (f"; missing outputs: {', '.join(missing)}" if missing else "")
        )


def cross_check(workload: Workload) -> dict[str, Any]:
    """Naive and core rejects, compared by reason_code count and row by row; and the counts
    in the summaries of `portflow check` (CSV and XLSX input) against core's."""
    naive, core = (
        pl.read_csv(workload.out(task) / "rejects.csv", infer_schema=False).select(
            "source_row", "reason_code"
        )
        for task in (NAIVE, CORE)
    )
    by_code = dict(core.group_by("reason_code").len().iter_rows())
    checks_agree = {}
    for task in (CHECK_CSV, CHECK_XLSX):
        summary_path = workload.out(task) / "summary.json"
        if summary_path.is_file():
            summary = json.loads(summary_path.read_text(encoding="utf-8"))
            checks_agree[task] = summary["rejects_by_reason"] == by_code
            if not checks_agree[task]:
                print(f"WARNING: {task} rejects by reason differ from core's: {summary_path}")
    core = core.filter(~pl.col("reason_code").is_in(LEFT_TO_PORTFLOW))
    counts = {
        name: dict(sorted(frame.group_by("reason_code").len().iter_rows()))
        for name, frame in (("naive", naive), ("core", core))
    }
    codes = sorted(set(counts["naive"]) | set(counts["core"]))
    differences = {
        code: {"naive": counts["naive"].get(code, 0), "core": counts["core"].get(code, 0)}
        for code in codes
        if counts["naive"].get(code, 0) != counts["core"].get(code, 0)
    }
    rows = (
        naive.join(core, on="source_row", how="full", suffix="_core", coalesce=True)
        .filter(pl.col("reason_code").ne_missing(pl.col("reason_code_core")))
        .with_columns(pl.col("source_row").cast(pl.Int64))
        .sort("source_row")
    )
    agree = not differences and rows.is_empty()
    if agree:
        summary = (
            f"naive and core agree on all {naive.height:,} rejects at {workload.rows:,} rows "
            f"({', '.join(f'{c} {n:,}' for c, n in counts['core'].items())})"
        )
    else:
        summary = (
            f"naive and core disagree at {workload.rows:,} rows: "
            + "; ".join(
                f"{c} naive {d['naive']:,} core {d['core']:,}" for c, d in differences.items()
            )
            + f"; {rows.height:,} row(s) with another reason_code"
        )
    print(("cross-check: " if agree else "WARNING: ") + summary)
    shown = rows.head(SHOWN_DIFFERENCES).rename(
        {"reason_code": "naive", "reason_code_core": "core"}
    )
    for diff in shown.iter_rows(named=True):
        print(f"  row {diff['source_row']}: naive {diff['naive']}, core {diff['core']}")
    return {
        "rows": workload.rows,
        "agree": agree,
        "summary": summary,
        "counts": counts,
        "differences": differences,
        "rows_differing": rows.height,
        "first_rows_differing": shown.to_dicts(),
        "not_compared": list(LEFT_TO_PORTFLOW),
        "check_summaries_agree_with_core": checks_agree,
    }


class _Tee(io.StringIO):
    """Keeps what is written and passes it on."""

    def __init__(self, target: Any) -> None:
        super().__init__()
        self.target = target

    def write(self, text: str) -> int:
        self.target.write(text)
        return super().write(text)


def run_differential(rows: int) -> dict[str, Any]:
    """bench/differential.py on `rows` values, in this process; its output shown and kept."""
    print(f"differential run on {rows:,} values:")
    started = time.perf_counter()
    output = _Tee(sys.stdout)
    with contextlib.redirect_stdout(output):
        exit_code = differential.main(["--rows", str(rows)])
    found = re.search(r"^disagreements: (\d+)$", output.getvalue(), re.MULTILINE)
    return {
        "rows": rows,
        "exit_code": exit_code,
        "disagreements": int(found.group(1)) if found else None,
        "seconds": time.perf_counter() - started,
        "output": output.getvalue(),
    }


def reported(m: Measured, key: str) -> float:
    """The median of what the runs of a timed task reported as `key`."""
    return statistics.median(run.reported[key] for run in m.runs)


def core_breakdown(m: Measured) -> str:
    return (
        f"core at {m.rows:,} rows: check_inputs {reported(m, 'check_inputs_seconds'):.2f} s + "
        f"writing CSVs {reported(m, 'write_seconds'):.2f} s; not timed: imports "
        f"{reported(m, 'import_seconds'):.2f} s, "
        f"prefix table {reported(m, 'prefix_table_seconds'):.2f} s"
    )


def floor_breakdown(m: Measured) -> str:
    read, write = reported(m, "read_seconds"), reported(m, "write_seconds")
    return (
        f"floor at {m.rows:,} rows: reading the two files {read:.2f} s + deciding "
        f"{m.runs[0].reported['numbers']:,} numbers {reported(m, 'numbers_seconds'):.2f} s + "
        f"writing core's outputs {write:.2f} s (polars' reader and writer alone: "
        f"{read + write:.2f} s); {reported(m, 'cpu_seconds'):.2f} CPU-seconds"
    )


if __name__ == "__main__":
    sys.exit(main())
