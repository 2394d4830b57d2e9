"""The benchmark end to end at a tiny size (speed is never asserted: only that it measures)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import polars as pl

from tests.e2e.cli import REPO, environment

RULE_CODES = {
    "INVALID_NUMBER",
    "NOT_US_CA",
    "HAS_EXTENSION",
    "DUPLICATE_IN_BATCH",
    "IN_OTHER_PORT",
    "ALREADY_TRACKING",
    "RECEIVING_NUMBER",
    "FAILSAFE_NUMBER",
    "USER_ASSIGNED",
}


def test_benchmark_measures_every_task_and_the_naive_script_agrees_with_portflow(
    tmp_path: Path,
) -> None:
    results = tmp_path / "results.json"
    done = subprocess.run(
        [
            *(sys.executable, "-m", "bench", "--sizes", "2000", "--repeats", "1"),
            *("--differential-rows", "2000", "--cache-dir", str(tmp_path / "cache")),
            *("--json", str(results)),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        env=environment(),
        check=False,
        timeout=300,
    )

    assert done.returncode == 0, done.stdout + done.stderr
    record = json.loads(results.read_text(encoding="utf-8"))
    measured = {(r["rows"], r["task"]): r for r in record["results"]}
    assert set(measured) == {
        (10, "check 10 rows"),
        (2000, "naive"),
        (2000, "core"),
        (2000, "floor"),
        (2000, "check csv"),
        (2000, "check xlsx"),
    }
    for result in measured.values():
        assert result["median_seconds"] > 0
        assert result["peak_rss_mb"] > 0
    (workload,) = (tmp_path / "cache").glob("rows-2000_*")
    tracking = pl.read_csv(workload / "accounts" / "tracking_numbers.csv", infer_schema=False)
    assert measured[(2000, "floor")]["runs"][0]["numbers"] == 2000 + tracking.height
    out = workload / "out"
    for name in ("rejects.csv", "configured_numbers.csv"):  # the same bytes as core wrote
        assert (out / "floor" / name).read_bytes() == (out / "core" / name).read_bytes()
    compared = record["cross_check"]
    assert compared["rows"] == 2000
    assert compared["agree"], compared["summary"]
    assert compared["counts"]["naive"] == compared["counts"]["core"]
    assert RULE_CODES <= set(compared["counts"]["core"])  # the workload hits every rule
    assert compared["check_summaries_agree_with_core"] == {"check csv": True, "check xlsx": True}
    assert record["differential"]["disagreements"] == 0
    assert record["failures"] == []
    assert "issue 5 targets:" in done.stdout
