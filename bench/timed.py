"""One benchmark task in this process, timed: the child process `python -m bench` starts.

    .venv/bin/python -m bench.timed naive|core|floor INPUT --accounts DIR --out DIR
                                    --result FILE [--outputs DIR]

`naive` runs bench/naive.py; `core` runs portflow's check (read, normalise, validate, judge)
and writes rejects.csv and configured_numbers.csv the way `portflow check` writes them.
`floor` does only the part of core's work that no design can skip: polars reads the input
and the tracking export, the normaliser decides their numbers, polars writes core's two
outputs (read from --outputs) again; no schema, rule, report text or other export. Its
reading, deciding and writing are timed apart. Imports,
and for `core` and `floor` the prefix-table load, happen before the clock starts; their
times go into FILE (JSON) beside `seconds`, the timed work.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

RUN_DATE = dt.date(2026, 11, 26)


def naive(input_path: Path, accounts: Path, out: Path) -> dict[str, Any]:
    started = time.perf_counter()
    from bench.naive import run

    imported = time.perf_counter()
    run(input_path, accounts, out)
    done = time.perf_counter()
    return {"import_seconds": imported - started, "seconds": done - imported}


def core(input_path: Path, accounts: Path, out: Path, *, run_date: dt.date) -> dict[str, Any]:
    started = time.perf_counter()
    from portflow.numbers.prefixes import load_prefix_table
    from portflow.pipeline import CheckOptions, check_inputs, optional_columns
    from portflow.reports import CONFIGURED_CSV, REJECTS_CSV, Reports
    from portflow.reports.safety import safe_frame, write_csv
    from portflow.settings import load_settings

    imported = time.perf_counter()
    settings = load_settings()
    load_prefix_table(settings.cache_dir)  # built on first use, then read from the cache
    loaded = time.perf_counter()

    options = CheckOptions(
        inputs=(str(input_path),),
        accounts=accounts,
        out=out,
        run_date=run_date,
        cache_dir=settings.cache_dir,
    )
    checked = check_inputs(options)
    judged = time.perf_counter()
    reports = Reports.from_outcome(
        checked.outcome, optional=optional_columns(checked.batch), carried=checked.batch.carried
    )
    out.mkdir(parents=True, exist_ok=True)
    write_csv(safe_frame(reports.rejects), out / REJECTS_CSV)
    write_csv(safe_frame(reports.configured), out / CONFIGURED_CSV)
    done = time.perf_counter()
    return {
        "import_seconds": imported - started,
        "prefix_table_seconds": loaded - imported,
        "check_inputs_seconds": judged - loaded,
        "write_seconds": done - judged,
        "seconds": done - loaded,
        "rows": checked.outcome.rows,
        "rejected": checked.outcome.rejected.height,
    }


def floor(input_path: Path, accounts: Path, outputs: Path, out: Path) -> dict[str, Any]:
    started = time.perf_counter()
    import polars as pl

    from bench.naive import NUMBER_COLUMN
    from portflow.numbers import Normaliser
    from portflow.reports import CONFIGURED_CSV, REJECTS_CSV
    from portflow.reports.safety import write_csv
    from portflow.settings import load_settings

    imported = time.perf_counter()
    normaliser = Normaliser(cache_dir=load_settings().cache_dir)
    normaliser.lookup()
    written = {  # as core had them: text, and source_row a number
        name: pl.read_csv(outputs / name, infer_schema=False).with_columns(
            pl.col("source_row").cast(pl.Int64)
        )
        for name in (REJECTS_CSV, CONFIGURED_CSV)
    }
    loaded = time.perf_counter()
    cpu = time.process_time()

    def tracking_export() -> pl.DataFrame:  # on its own thread, as core reads the exports
        return pl.read_csv(accounts / "tracking_numbers.csv", infer_schema=False)

    # Reading and deciding are timed apart: what polars' reader and writer alone take is
    # the part of the floor no normaliser can shorten.
    with ThreadPoolExecutor(max_workers=1) as background:
        exported = background.submit(tracking_export)
        batch = pl.read_csv(input_path, infer_schema=False)
        tracking = exported.result()
        read = time.perf_counter()
        tracked = background.submit(
            normaliser.normalise, tracking.get_column("number"), columns=("e164",)
        )
        normaliser.normalise(batch.get_column(NUMBER_COLUMN))
        tracked.result()
        numbers = batch.height + tracking.height
    decided = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    for name, frame in written.items():
        write_csv(frame, out / name)
    done = time.perf_counter()
    return {
        "import_seconds": imported - started,
        "prefix_table_seconds": loaded - imported,  # and reading core's outputs back
        "read_seconds": read - loaded,
        "numbers_seconds": decided - read,
        "write_seconds": done - decided,
        "seconds": done - loaded,
        "cpu_seconds": time.process_time() - cpu,
        "numbers": numbers,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("task", choices=("naive", "core", "floor"))
    parser.add_argument("input", type=Path)
    parser.add_argument("--accounts", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--result", type=Path, required=True, help="Where to write the timings.")
    parser.add_argument("--run-date", type=dt.date.fromisoformat, default=RUN_DATE)
    parser.add_argument("--outputs", type=Path, help="floor: the core task's out folder.")
    args = parser.parse_args(argv)
    if args.task == "naive":
        result = naive(args.input, args.accounts, args.out)
    elif args.task == "floor":
        if args.outputs is None:
            parser.error("floor needs --outputs (the core task's out folder)")
        result = floor(args.input, args.accounts, args.outputs, args.out)
    else:
        result = core(args.input, args.accounts, args.out, run_date=args.run_date)
    args.result.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
