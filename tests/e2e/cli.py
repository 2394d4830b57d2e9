"""Driving `portflow` as a user does: a fresh process, its exit code, stdout and stderr."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import polars as pl

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "data" / "samples"
INPUTS = tuple(
    str(SAMPLES / name)
    for name in (
        "acme_legacy_export.csv",
        "acme_manual_add.txt",
        "acme_wave1_clinics.csv",
        "acme_wave2_regions.xlsx",
        "acme_wave3_fax_intl.tsv",
    )
)


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str


def environment(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment without Prefect or portflow settings, plus `env`."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "PORTFLOW_"))}
    clean.update(
        {
            "PREFECT_HOME": str(Path(tempfile.gettempdir()) / "portflow-tests-prefect"),
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            # This checkout's code, whatever the working folder: a venv shared with another
            # checkout (a worktree) would otherwise import that one's installed portflow.
            "PYTHONPATH": os.pathsep.join(
                filter(None, [str(REPO), os.environ.get("PYTHONPATH", "")])
            ),
            **(env or {}),
        }
    )
    return clean


def portflow(
    *args: str, cwd: Path | None = None, stdin: bytes = b"", env: Mapping[str, str] | None = None
) -> Run:
    """`python -m portflow ARGS` with no Prefect API configured (unless `env` gives one)."""
    done = subprocess.run(
        [sys.executable, "-m", "portflow", *args],
        cwd=cwd or REPO,
        input=stdin,
        capture_output=True,
        env=environment(env),
        check=False,
        timeout=600,
    )
    return Run(
        done.returncode,
        done.stdout.decode("utf-8", "replace"),
        done.stderr.decode("utf-8", "replace"),
    )


def start_portflow(
    *args: str, cwd: Path | None = None, env: Mapping[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """`python -m portflow ARGS` in the background."""
    return subprocess.Popen(
        [sys.executable, "-m", "portflow", *args],
        cwd=cwd or REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=environment(env),
    )


def read_report(path: Path) -> pl.DataFrame:
    return (
        pl.read_csv(path, infer_schema=False, encoding="utf8-lossy")
        if path.exists()
        else pl.DataFrame()
    )


def outcomes(out: Path) -> pl.DataFrame:
    """Every input row's outcome as portflow wrote it: (file, sheet, row, outcome, codes, e164)."""

    def shaped(frame: pl.DataFrame, outcome: str) -> pl.DataFrame:
        if frame.is_empty():
            return pl.DataFrame()
        reason = pl.col("reason_code") if "reason_code" in frame.columns else pl.lit(None)
        reasons = pl.col("all_reasons") if "all_reasons" in frame.columns else pl.lit(None)
        return frame.select(
            source_file=pl.col("source_file").str.split("/").list.last(),
            source_sheet=pl.col("source_sheet").fill_null(""),
            source_row=pl.col("source_row").cast(pl.Int64),
            outcome=pl.lit(outcome),
            reason_code=reason.cast(pl.String).fill_null(""),
            all_reasons=reasons.cast(pl.String).fill_null(""),
            e164=pl.col("e164").fill_null(""),
        )

    parts = [
        shaped(read_report(out / "rejects.csv"), "rejected"),
        shaped(read_report(out / "configured_numbers.csv"), "accepted"),
        shaped(read_report(out / "tickets" / "fax_numbers.csv"), "fax"),
    ]
    return pl.concat([p for p in parts if not p.is_empty()])


def expected_outcomes(path: Path) -> pl.DataFrame:
    frame = pl.read_csv(path, infer_schema=False)
    return frame.select(
        source_file="source_file",
        source_sheet=pl.col("source_sheet").fill_null(""),
        source_row=pl.col("source_row").cast(pl.Int64),
        outcome="outcome",
        reason_code=pl.col("reason_code").fill_null(""),
        all_reasons=pl.col("all_reasons").fill_null(""),
        e164=pl.when(pl.col("outcome") == "rejected")
        .then(pl.lit(""))
        .otherwise(pl.col("e164").fill_null("")),
    )


def differences(got: pl.DataFrame, expected: pl.DataFrame) -> list[tuple[object, ...]]:
    """Rows that differ (e164 compared for accepted and fax rows only)."""
    got = got.with_columns(
        e164=pl.when(pl.col("outcome") == "rejected").then(pl.lit("")).otherwise(pl.col("e164"))
    )
    columns = expected.columns
    got_rows = sorted(got.select(columns).rows(), key=repr)
    expected_rows = sorted(expected.rows(), key=repr)
    missing = [row for row in expected_rows if row not in got_rows]
    extra = [row for row in got_rows if row not in expected_rows]
    return [("missing", *row) for row in missing] + [("unexpected", *row) for row in extra]


def submit_args(
    system: str,
    out: Path,
    *extra: str,
    manifest: Path | None = None,
    inputs: tuple[str, ...] = INPUTS,
) -> list[str]:
    """`portflow submit` on the samples (INPUTS unless `inputs`), to `out` and `system`."""
    return [
        "submit",
        *inputs,
        "--accounts",
        str(SAMPLES / "accounts"),
        "--manifest",
        str(manifest or SAMPLES / "manifest.yaml"),
        "--out",
        str(out),
        "--system",
        system,
        "--run-date",
        "2026-11-26",
        *extra,
    ]
