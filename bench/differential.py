"""The fast normaliser against the per-row phonenumbers reference, on every row of a workload.

    .venv/bin/python -m bench.differential [--rows 1000000] [--seed N]

Prints every disagreement and exits 1 if there is any.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import polars as pl

from bench.workload import messy_numbers
from portflow.numbers import RESULT_SCHEMA, Normaliser, normalise_one
from portflow.settings import load_settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20261126)
    parser.add_argument("--cache-dir", type=Path, default=load_settings().cache_dir)
    args = parser.parse_args(argv)

    started = time.perf_counter()
    values = pl.Series("raw", messy_numbers(args.rows, seed=args.seed), dtype=pl.String)
    print(
        f"workload: {values.len():,} values ({values.n_unique():,} distinct) "
        f"in {time.perf_counter() - started:.1f} s"
    )

    normaliser = Normaliser(cache_dir=args.cache_dir)
    normaliser.prefixes()  # build or load the table outside the timing
    started = time.perf_counter()
    fast = normaliser.normalise(values, fast=True)
    fast_seconds = time.perf_counter() - started

    started = time.perf_counter()
    reference = pl.DataFrame(
        [tuple(normalise_one(v)) for v in values.to_list()], schema=RESULT_SCHEMA, orient="row"
    )
    reference_seconds = time.perf_counter() - started

    differs = pl.concat([values.to_frame(), fast], how="horizontal").with_columns(
        same=pl.all_horizontal(
            fast.get_column(c).eq_missing(reference.get_column(c)) for c in RESULT_SCHEMA
        )
    )
    bad = differs.filter(~pl.col("same"))
    print(
        f"fast path: {fast_seconds:.2f} s ({values.len() / fast_seconds:,.0f} rows/s); "
        f"reference: {reference_seconds:.1f} s ({values.len() / reference_seconds:,.0f} rows/s)"
    )
    print(f"disagreements: {bad.height}")
    for row in bad.head(50).iter_rows(named=True):
        print(
            "  ",
            repr(row["raw"]),
            "fast:",
            {k: row[k] for k in RESULT_SCHEMA},
            "reference:",
            normalise_one(row["raw"]),
        )
    return 1 if bad.height else 0


if __name__ == "__main__":
    sys.exit(main())
