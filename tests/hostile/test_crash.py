"""Crash safety (issue 6, point 4): SIGKILL at random moments of output writing, of a
submission and of a reconciliation. Afterwards every output is whole (the previous run's
or the new one's), the porting system has every number once, and a re-run finishes."""

from __future__ import annotations

import contextlib
import json
import os
import random
import sqlite3
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from bench.workload import write_workload
from portflow.reports.staging import JOURNAL, STAGING_PREFIX, StagedOutputs, lock_folder
from tests.e2e.cli import REPO, SAMPLES, Run, environment, portflow, start_portflow, submit_args
from tests.helpers import MINIMAL_ACCOUNTS, write_accounts
from tests.porting.service import TOKEN, running_service

KILLS = 8
ENV = {"PORTFLOW_SYSTEM_TOKEN": TOKEN, "PORTFLOW_SYSTEM_BACKOFF": "0.05"}


def killed_after(delay: float, *args: str, env: dict[str, str] | None = None) -> int:
    """Start `portflow ARGS`, SIGKILL it after `delay` seconds; its exit code (or -9)."""
    process = start_portflow(*args, env=env)
    try:
        process.wait(timeout=delay)
    except Exception:  # noqa: BLE001 - still running: the point of the test
        process.kill()
        process.wait(timeout=30)
    return process.returncode


def timed(*args: str, env: dict[str, str] | None = None) -> tuple[Run, float]:
    started = time.perf_counter()
    run = portflow(*args, env=env)
    assert run.code == 0, run.stderr
    return run, time.perf_counter() - started


# --- output writing -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def workloads(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """Two lists of different sizes (so each output says which run wrote it) and exports."""
    root = tmp_path_factory.mktemp("workloads")
    first = write_workload(root / "a", rows=20_000, tracking=20_000, seed=1)
    second = write_workload(root / "b", rows=26_000, tracking=20_000, seed=2)
    return first, second, first.parent / "accounts"


def check_args(source: Path, accounts: Path, out: Path) -> list[str]:
    return [
        "check",
        str(source),
        "--accounts",
        str(accounts),
        "--out",
        str(out),
        "--no-prefect",
        "-q",
        "--run-date",
        "2026-11-26",
    ]


def whole_outputs(out: Path) -> dict[str, int]:
    """Each output parsed whole; returns the input rows each CSV and the summary speak for."""
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    said = {"summary.json": summary["rows"]}
    for name in summary["outputs"]:
        path = out / name
        assert path.is_file(), f"{name} is listed in summary.json but missing"
        if name.endswith(".xlsx"):
            with zipfile.ZipFile(path) as package:
                assert package.testzip() is None, f"{name} is damaged"
        elif name == "rejects.csv":
            said[name] = pl.read_csv(path, infer_schema=False).height
        elif name == "configured_numbers.csv":
            said[name] = pl.read_csv(path, infer_schema=False).height
    return said


def test_sigkill_while_writing_leaves_whole_outputs_and_a_rerun_finishes(
    workloads: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    first, second, accounts = workloads
    out = tmp_path / "out"
    timed(*check_args(first, accounts, out))
    before = whole_outputs(out)
    expected = {}
    for source in (first, second):
        reference = tmp_path / f"reference-{source.parent.name}"
        run, full = timed(*check_args(source, accounts, reference))
        summary = json.loads((reference / "summary.json").read_text(encoding="utf-8"))
        expected[summary["rows"]] = (summary["rejected"], summary["accepted"])
    assert before["summary.json"] == 20_000

    rng = random.Random(20261126)
    seen = set()
    for _ in range(KILLS):
        code = killed_after(
            rng.uniform(0.3 * full, 1.05 * full), *check_args(second, accounts, out)
        )
        said = whole_outputs(out)
        rows = said["summary.json"]
        rejected, accepted = expected[rows]
        if rows == 26_000:  # the new summary arrives last: every other file is new too
            assert (said["rejects.csv"], said["configured_numbers.csv"]) == (rejected, accepted)
        for name, count in said.items():  # each CSV is one run's, whole
            if name == "rejects.csv":
                assert count in {r for r, _ in expected.values()}
            if name == "configured_numbers.csv":
                assert count in {a for _, a in expected.values()}
        seen.add((code, rows))
        timed(*check_args(first, accounts, out))  # back to the first set for the next kill
        assert whole_outputs(out)["summary.json"] == 20_000
        assert not list(out.glob(f"{STAGING_PREFIX}*"))

    assert any(code != 0 for code, _ in seen), "no run was killed; the delays are too long"
    timed(*check_args(second, accounts, out))
    said = whole_outputs(out)
    assert (said["rejects.csv"], said["configured_numbers.csv"]) == expected[26_000]
    assert not list(out.glob(f"{STAGING_PREFIX}*"))


def test_a_run_killed_after_committing_is_finished_by_the_next_one(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with StagedOutputs(out, "first", known=("a.csv", "b.csv", "summary.json")) as stage:
        for name in ("a.csv", "b.csv", "summary.json"):
            stage.path(name).write_text("first\n")
        stage.commit()
    # What a run killed in the middle of its moves leaves: a journal, b.csv and summary.json
    # still staged, a.csv already moved.
    staging = out / f"{STAGING_PREFIX}second"
    staging.mkdir()
    (staging / "b.csv").write_text("second\n")
    (staging / "summary.json").write_text("second\n")
    (out / "a.csv").write_text("second\n")
    (staging / JOURNAL).write_text(
        json.dumps({"move": ["a.csv", "b.csv", "summary.json"], "remove": []})
    )
    # And one killed before committing: litter, removed without touching the outputs.
    (out / f"{STAGING_PREFIX}third").mkdir()
    (out / f"{STAGING_PREFIX}third" / "a.csv").write_text("third, half writ")

    with StagedOutputs(out, "fourth", known=("a.csv", "b.csv", "summary.json")):
        outputs = [p for p in out.iterdir() if p.is_file()]
        assert {p.name: p.read_text() for p in outputs} == {
            "a.csv": "second\n",
            "b.csv": "second\n",
            "summary.json": "second\n",
        }
    assert not list(out.glob(f"{STAGING_PREFIX}*"))


def test_a_second_run_into_the_same_out_is_refused_while_one_writes(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    held = lock_folder(out)  # as a run writing its outputs holds it
    try:
        run = portflow(
            "check",
            str(SAMPLES / "acme_wave1_clinics.csv"),
            "--accounts",
            str(SAMPLES / "accounts"),
            "--out",
            str(out),
            "--no-prefect",
            "-q",
        )
    finally:
        os.close(held)
    assert run.code == 2
    assert run.stderr.strip().count("\n") == 0
    assert "another portflow run is writing its outputs here" in run.stderr
    assert list(out.iterdir()) == []


def test_two_runs_started_together_into_one_out_end_whole(tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = check_args(SAMPLES / "acme_wave1_clinics.csv", SAMPLES / "accounts", out)
    runs = [start_portflow(*args) for _ in range(3)]
    codes = [run.wait(timeout=120) for run in runs]
    for run in runs:
        assert run.stdout is not None and run.stderr is not None
        run.stdout.close()
        stderr = run.stderr.read().decode()
        run.stderr.close()
        assert run.returncode in (0, 2), stderr
        if run.returncode == 2:
            assert "another portflow run is writing its outputs here" in stderr
    assert 0 in codes
    whole_outputs(out)
    assert not list(out.glob(f"{STAGING_PREFIX}*"))


# --- submission -----------------------------------------------------------------------------


def crash_submit_args(system: str, out: Path) -> list[str]:
    """Two inputs and small requests: several requests for a kill to fall between."""
    inputs = tuple(str(SAMPLES / n) for n in ("acme_wave1_clinics.csv", "acme_legacy_export.csv"))
    return submit_args(system, out, "--max-per-request", "2", "-q", inputs=inputs)


def system_numbers(db: Path) -> tuple[list[str], int, int]:
    """(every number in a request, requests, distinct idempotency keys); a store the
    killed run did not get to create holds nothing."""
    if not db.exists():
        return [], 0, 0
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as connection:
        tables = {r[0] for r in connection.execute("SELECT name FROM sqlite_master")}
        if "request_numbers" not in tables:
            return [], 0, 0
        numbers = [r[0] for r in connection.execute("SELECT e164 FROM request_numbers")]
        requests = connection.execute("SELECT COUNT(*) FROM port_requests").fetchone()[0]
        keys = connection.execute(
            "SELECT COUNT(DISTINCT idempotency_key) FROM port_requests"
        ).fetchone()[0]
    return numbers, int(requests), int(keys)


@pytest.fixture(params=["http", "sqlite"])
def system(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    db = tmp_path / "ps.db"
    if request.param == "http":
        with running_service(db, faults=False) as service:
            yield service.url, db
    else:
        yield f"sqlite:///{db}", db


def test_sigkill_during_submission_loses_and_duplicates_nothing(
    system: tuple[str, Path], tmp_path: Path
) -> None:
    url, db = system
    reference = tmp_path / "reference"
    with running_service(tmp_path / "reference.db", faults=False) as other:
        _, full = timed(*crash_submit_args(other.url, reference), env=ENV)
    wanted = sorted(pl.read_csv(reference / "submitted.csv", infer_schema=False)["e164"])

    rng = random.Random(7)
    out = tmp_path / "out"
    killed = 0
    for _ in range(KILLS):
        code = killed_after(
            rng.uniform(0.4 * full, 1.0 * full), *crash_submit_args(url, out), env=ENV
        )
        killed += code != 0
        numbers, requests, keys = system_numbers(db)
        assert len(numbers) == len(set(numbers)), "a number is in two requests"
        assert requests == keys, "two requests for one chunk"
        assert set(numbers) <= set(wanted)
    assert killed, "no submission was killed; the delays are too long"

    run, _ = timed(*crash_submit_args(url, out), env=ENV)
    numbers, requests, keys = system_numbers(db)
    assert sorted(numbers) == wanted
    assert requests == keys
    final = pl.read_csv(out / "submitted.csv", infer_schema=False)
    assert sorted(final["e164"]) == wanted


# --- reconciliation ---------------------------------------------------------------------------


def test_sigkill_during_reconciliation_then_a_rerun_gives_the_same_report(tmp_path: Path) -> None:
    system = f"sqlite:///{tmp_path / 'ps.db'}"
    timed(*crash_submit_args(system, tmp_path / "submitted"))

    def reconcile(out: Path, state: Path) -> list[str]:
        return [
            "reconcile",
            "--accounts",
            str(SAMPLES / "accounts"),
            "--system",
            system,
            "--state",
            str(state),
            "--run-date",
            "2027-02-01",
            "--out",
            str(out),
        ]

    _, full = timed(*reconcile(tmp_path / "reference", tmp_path / "reference-state.db"))
    reference = pl.read_csv(tmp_path / "reference" / "reconciliation.csv", infer_schema=False)

    out, state = tmp_path / "out", tmp_path / "state.db"
    rng = random.Random(11)
    for _ in range(KILLS):
        killed_after(rng.uniform(0.3 * full, 1.0 * full), *reconcile(out, state))
        if (out / "summary.json").exists():
            summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
            report = pl.read_csv(out / "reconciliation.csv", infer_schema=False)
            assert report.height == summary["findings"]
            with zipfile.ZipFile(out / "reconciliation.xlsx") as package:
                assert package.testzip() is None
        if state.exists():
            with sqlite3.connect(state) as connection:
                assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    timed(*reconcile(out, state))
    again = pl.read_csv(out / "reconciliation.csv", infer_schema=False)
    assert again.sort(again.columns).equals(reference.sort(reference.columns))


def _workbook_with_pins(path: Path, rows: int = 100_000) -> Path:
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Numbers")
    sheet.append(["Phone Number", "Routing ID", "Port-Out PIN"])
    for n in range(rows):
        sheet.append([f"(312) 78{n % 10}-{n % 10_000:04d}", "RT-1", "0482"])
    book.save(path)
    return path


def _scratch(tmp: Path) -> list[Path]:
    return sorted(tmp.glob("portflow-workbook-*"))


def _reading(tmp: Path, process: subprocess.Popen[bytes]) -> Path:
    """The scratch folder of the workbook reader, once it exists."""
    deadline = time.monotonic() + 60
    while not _scratch(tmp):
        assert process.poll() is None, process.communicate()[1].decode()
        assert time.monotonic() < deadline, "the workbook was never read"
        time.sleep(0.005)
    return _scratch(tmp)[0]


def _writers(folder: Path) -> list[str]:
    """Processes whose command line names `folder` (the reader writes its sheets there)."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        with contextlib.suppress(OSError):
            if str(folder).encode() in cmdline.read_bytes():
                found.append(cmdline.parent.name)
    return found


def _checking(book: Path, tmp_path: Path) -> tuple[subprocess.Popen[bytes], Path, Path, Path]:
    """`portflow check BOOK` started with its own $TMPDIR, once its reader has a folder:
    the process, that folder, the $TMPDIR and the accounts."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    accounts = write_accounts(tmp_path / "accounts", MINIMAL_ACCOUNTS)
    args = ("check", str(book), "--accounts", str(accounts), "--out", str(tmp_path))
    process = start_portflow(*args, "--no-prefect", env={"TMPDIR": str(scratch)})
    return process, _reading(scratch, process), scratch, accounts


@pytest.fixture(scope="module")
def pins_workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _workbook_with_pins(tmp_path_factory.mktemp("book") / "pins.xlsx")


def test_sigterm_while_a_workbook_is_read_leaves_no_copy_of_it(
    tmp_path: Path, pins_workbook: Path
) -> None:
    """The reader's scratch holds the list as given, PIN column and all."""
    process, folder, _, _ = _checking(pins_workbook, tmp_path)
    process.terminate()
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 143, stderr.decode()
    assert stderr.decode().splitlines() == ["portflow: stopped (SIGTERM)"]
    assert not folder.exists() and not _writers(folder)


def test_a_workbook_copy_left_by_a_killed_run_is_removed_by_the_next_one(
    tmp_path: Path, pins_workbook: Path
) -> None:
    process, folder, scratch, accounts = _checking(pins_workbook, tmp_path)
    process.kill()
    process.wait(timeout=30)
    deadline = time.monotonic() + 10
    while _writers(folder):  # the reader dies with its parent
        assert time.monotonic() < deadline, "the workbook reader outlived its run"
        time.sleep(0.05)
    assert folder.exists()  # nothing can clean up after SIGKILL itself...
    hours_ago = time.time() - 2 * 60 * 60  # (a younger one may be another container's)
    os.utime(folder, (hours_ago, hours_ago))
    small = tmp_path / "small.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["Phone Number"])
    book.active.append(["(312) 782-4450"])
    book.save(small)
    again = portflow(
        "check",
        str(small),
        "--accounts",
        str(accounts),
        "--out",
        str(tmp_path / "o"),
        env={"TMPDIR": str(scratch)},
    )
    assert again.code == 0, again.stderr
    assert not folder.exists() and _scratch(scratch) == []  # ...the next run does


def test_a_workbook_is_read_when_portflow_runs_as_pid_1(tmp_path: Path) -> None:
    """A container's entrypoint is PID 1: the reader's parent is then PID 1, alive."""
    probe = subprocess.run(["unshare", "-pf", "--mount-proc", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("no PID namespace here (unshare -pf needs root)")
    accounts = write_accounts(tmp_path / "accounts", MINIMAL_ACCOUNTS)
    book = openpyxl.Workbook()
    book.active.append(["Phone Number"])
    book.active.append(["(312) 782-4450"])
    book.save(tmp_path / "list.xlsx")
    args = ["check", str(tmp_path / "list.xlsx"), "--accounts", str(accounts)]
    done = subprocess.run(
        [
            "unshare",
            "-pf",
            "--mount-proc",
            sys.executable,
            "-m",
            "portflow",
            *args,
            "--out",
            str(tmp_path / "out"),
            "--no-prefect",
            "-q",
        ],
        capture_output=True,
        env=environment(),
        cwd=REPO,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()
