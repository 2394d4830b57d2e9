"""The inbox processes each dropped file once, moves it, and survives bad files and crashes."""

from __future__ import annotations

import dataclasses
import datetime as dt
import fcntl
import os
import shutil
import time
from pathlib import Path

import pytest

from portflow import inbox
from portflow.inbox import InboxOptions, process_inbox
from portflow.pipeline import CheckOptions
from tests.helpers import MINIMAL_ACCOUNTS, write_accounts

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"


def options(tmp_path: Path, **extra: object) -> InboxOptions:
    accounts = write_accounts(tmp_path / "accounts", MINIMAL_ACCOUNTS)
    return InboxOptions(
        inbox=tmp_path / "inbox",
        accounts=accounts,
        out=tmp_path / "runs",
        settle_seconds=0,
        **extra,
    )  # type: ignore[arg-type]


def drop(folder: Path, name: str, data: bytes, *, age: float = 60) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(data)
    os.utime(path, (time.time() - age, time.time() - age))
    return path


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.is_file()) if folder.exists() else []


def test_good_files_go_to_done_bad_ones_to_failed_each_once(tmp_path: Path) -> None:
    settings = options(tmp_path)
    drop(settings.inbox, "wave1.csv", b"Phone\n4155552671\nnot a number\n")
    drop(settings.inbox, "broken.xlsx", b"PK\x03\x04 not really a workbook")
    drop(settings.inbox, "photo.jpg", b"\xff\xd8\xff\xe0 a photo")
    drop(settings.inbox, ".partial.csv", b"Phone\n")
    result = process_inbox(settings, today=lambda: dt.date(2026, 11, 26))
    assert sorted((p.file, p.outcome) for p in result.processed) == [
        ("broken.xlsx", "failed"),
        ("photo.jpg", "failed"),
        ("wave1.csv", "done"),
    ]
    assert listing(settings.inbox / "done") == ["wave1.csv"]
    assert listing(settings.inbox / "failed") == ["broken.xlsx", "photo.jpg"]
    assert listing(settings.inbox) == [".partial.csv"]
    assert list((settings.inbox / "processing").iterdir()) == []
    done = next(p for p in result.processed if p.outcome == "done")
    assert (Path(done.run_folder) / "rejects.csv").exists()
    assert "2 rows: 1 accepted, 1 rejected" in done.detail
    failed = next(p for p in result.processed if p.file == "broken.xlsx")
    error = (Path(failed.run_folder) / "error.txt").read_text()
    assert error.startswith("broken.xlsx: not a readable Excel workbook")
    photo = next(p for p in result.processed if p.file == "photo.jpg")
    assert photo.detail.endswith(
        "photo.jpg: not a list portflow reads (csv, ods, tsv, txt, xls, xlsb, xlsm, xlsx)"
    )
    assert process_inbox(settings).processed == []  # nothing is processed twice


def test_a_file_still_being_copied_waits(tmp_path: Path) -> None:
    settings = InboxOptions(**{**options(tmp_path).__dict__, "settle_seconds": 30})
    drop(settings.inbox, "arriving.csv", b"Phone\n4155552671\n", age=0)
    assert process_inbox(settings).processed == []
    assert listing(settings.inbox) == ["arriving.csv"]


def test_a_file_left_claimed_by_a_crashed_run_is_finished_next_time(tmp_path: Path) -> None:
    settings = options(tmp_path)
    drop(
        settings.inbox / "processing" / "20261126T020000000000Z",
        "wave2.csv",
        b"Phone\n4155552671\n",
    )
    result = process_inbox(settings)
    assert [(p.file, p.outcome) for p in result.processed] == [("wave2.csv", "done")]
    assert listing(settings.inbox / "done") == ["wave2.csv"]


def test_a_claim_another_live_process_works_on_is_left_to_it(tmp_path: Path) -> None:
    """Killing serve leaves its flow run's process at work: the next serve's run must not
    take the claim as abandoned (both would process, and submit, the file)."""
    settings = options(tmp_path)
    claim = settings.inbox / "processing" / "20261126T020000000000Z"
    drop(claim, "wave2.csv", b"Phone\n4155552671\n")
    with (claim / ".lock").open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # as the other process's lock (flock is per open)
        assert process_inbox(settings).processed == []
        assert listing(claim) == [".lock", "wave2.csv"]
    (done,) = process_inbox(settings).processed  # its process died: the lock went with it
    assert (done.file, done.outcome) == ("wave2.csv", "done")
    assert not claim.exists()


def test_a_second_file_of_the_same_name_is_kept_beside_the_first(tmp_path: Path) -> None:
    settings = options(tmp_path)
    for _ in range(2):
        drop(settings.inbox, "wave.csv", b"Phone\n4155552671\n")
        process_inbox(settings)
    assert listing(settings.inbox / "done") == ["wave (2).csv", "wave.csv"]


def test_with_a_manifest_the_inbox_submits(tmp_path: Path) -> None:
    shutil.copytree(SAMPLES / "documents", tmp_path / "documents")
    shutil.copy(SAMPLES / "manifest.yaml", tmp_path / "manifest.yaml")
    settings = options(
        tmp_path, manifest=tmp_path / "manifest.yaml", system_url=f"sqlite:///{tmp_path / 'ps.db'}"
    )
    drop(settings.inbox, "wave.csv", b"Phone\n4155552671\n4155552672\n")
    result = process_inbox(settings, today=lambda: dt.date(2026, 11, 26))
    assert [p.outcome for p in result.processed] == ["done"]
    assert (Path(result.processed[0].run_folder) / "submitted.csv").exists()


def test_without_a_manifest_the_porting_systems_requests_are_in_other_ports(
    tmp_path: Path,
) -> None:
    shutil.copytree(SAMPLES / "documents", tmp_path / "documents")
    shutil.copy(SAMPLES / "manifest.yaml", tmp_path / "manifest.yaml")
    system = f"sqlite:///{tmp_path / 'ps.db'}"
    submitting = options(tmp_path, manifest=tmp_path / "manifest.yaml", system_url=system)
    drop(submitting.inbox, "wave.csv", b"Phone\n4155552671\n4155552672\n")
    process_inbox(submitting, today=lambda: dt.date(2026, 11, 26))
    # The same numbers, dropped where serve only checks (as `portflow check --system`).
    checking = dataclasses.replace(
        submitting, inbox=tmp_path / "inbox2", out=tmp_path / "runs2", manifest=None
    )
    drop(checking.inbox, "again.csv", b"Phone\n4155552671\n4155552673\n")
    result = process_inbox(checking, today=lambda: dt.date(2026, 11, 26))
    assert "2 rows: 1 accepted, 1 rejected" in result.processed[0].detail
    rejects = (Path(result.processed[0].run_folder) / "rejects.csv").read_text()
    assert "IN_OTHER_PORT" in rejects and "4155552671" in rejects


def test_a_claim_abandoned_again_and_again_goes_to_failed(tmp_path: Path) -> None:
    settings = options(tmp_path)
    claim = settings.inbox / "processing" / "20261126T020000000000Z"
    drop(claim, "poison.csv", b"Phone\n4155552671\n")
    (claim / ".attempts").write_text("3")  # three runs died processing it
    result = process_inbox(settings)
    assert [(p.file, p.outcome) for p in result.processed] == [("poison.csv", "failed")]
    assert "gave up after 3 attempts" in result.processed[0].detail
    assert listing(settings.inbox / "failed") == ["poison.csv"]


def test_a_name_too_long_to_claim_does_not_block_the_others(tmp_path: Path) -> None:
    settings = options(tmp_path)
    drop(settings.inbox, "a_good.csv", b"Phone\n4155552671\n")
    long_name = "x" * 250 + ".csv"
    drop(settings.inbox, long_name, b"Phone\n4155552672\n")
    result = process_inbox(settings)
    assert sorted((p.file, p.outcome) for p in result.processed) == [
        ("a_good.csv", "done"),
        (long_name, "done"),
    ]


def test_an_unreachable_porting_system_sends_the_file_back_to_the_inbox(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(SAMPLES / "documents", tmp_path / "documents")
    shutil.copy(SAMPLES / "manifest.yaml", tmp_path / "manifest.yaml")
    settings = options(
        tmp_path, manifest=tmp_path / "manifest.yaml", system_url="http://127.0.0.1:9/unreachable"
    )
    drop(settings.inbox, "wave.csv", b"Phone\n4155552671\n")
    monkeypatch.setenv("PORTFLOW_SYSTEM_TOKEN", "t")
    monkeypatch.setenv("PORTFLOW_SYSTEM_ATTEMPTS", "1")
    result = process_inbox(settings, today=lambda: dt.date(2026, 11, 26))
    assert [p.outcome for p in result.processed] == ["retry"]
    assert listing(settings.inbox) == ["wave.csv"] and listing(settings.inbox / "failed") == []
    # Not for ever: a typo in the URL would make a run folder per pass (1,440 a day).
    monkeypatch.setattr("portflow.inbox.MAX_RETRIES", 2)
    outcomes = [p.outcome for _ in range(2) for p in process_inbox(settings).processed]
    assert outcomes == ["retry", "failed"]
    assert listing(settings.inbox) == [] and listing(settings.inbox / "failed") == ["wave.csv"]
    assert list((settings.inbox / "processing").iterdir()) == []  # the ledger went with it


def test_a_new_file_of_a_name_that_waited_starts_its_count_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The count is this file's (name, size, time): a corrected file dropped under the same
    name, or one whose name is too long for a hidden counter file, is counted right."""
    shutil.copytree(SAMPLES / "documents", tmp_path / "documents")
    shutil.copy(SAMPLES / "manifest.yaml", tmp_path / "manifest.yaml")
    settings = options(
        tmp_path, manifest=tmp_path / "manifest.yaml", system_url="http://127.0.0.1:9/unreachable"
    )
    monkeypatch.setenv("PORTFLOW_SYSTEM_TOKEN", "t")
    monkeypatch.setenv("PORTFLOW_SYSTEM_ATTEMPTS", "1")
    monkeypatch.setattr("portflow.inbox.MAX_RETRIES", 2)
    name = "n" * 240 + ".csv"
    drop(settings.inbox, name, b"Phone\n4155552671\n")
    assert [p.outcome for p in process_inbox(settings).processed] == ["retry"]
    (settings.inbox / name).unlink()  # the customer sends a corrected file instead
    drop(settings.inbox, name, b"Phone\n4155552671\n4155552672\n")
    outcomes = [p.outcome for _ in range(2) for p in process_inbox(settings).processed]
    assert outcomes == ["retry", "retry"]  # its own first and second wait (not the second
    assert listing(settings.inbox) == [name]  # and third, as the first file's count would say)
    (last,) = process_inbox(settings).processed
    assert last.outcome == "failed" and "tried 2 times; gave up" in last.detail


def test_a_file_that_changes_while_it_is_processed_goes_back_to_the_inbox(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A copy that paused longer than the settle time: its first part was taken. The rest
    must not be lost in done/ unread."""
    settings = options(tmp_path)
    path = drop(settings.inbox, "slow.csv", b"Phone\n4155552671\n41555")
    real_check = inbox.run_check

    def check_while_the_copy_goes_on(options: CheckOptions) -> object:
        result = real_check(options)
        with open(options.inputs[0], "ab") as copying:  # the copier's open file
            copying.write(b"52672\n")
        return result

    monkeypatch.setattr(inbox, "run_check", check_while_the_copy_goes_on)
    (first,) = process_inbox(settings).processed
    assert first.outcome == "retry" and "changed while it was processed" in first.detail
    assert listing(settings.inbox) == ["slow.csv"] and listing(settings.inbox / "done") == []
    assert "changed while it was processed" in (Path(first.run_folder) / "error.txt").read_text()
    monkeypatch.setattr(inbox, "run_check", real_check)
    os.utime(path.parent / "slow.csv", (time.time() - 60, time.time() - 60))
    (second,) = process_inbox(settings).processed
    assert second.outcome == "done" and "2 rows: 2 accepted" in second.detail


def test_a_file_taken_out_of_processing_by_hand_does_not_stop_the_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = options(tmp_path)
    drop(settings.inbox, "a.csv", b"Phone\n4155552671\n", age=120)
    drop(settings.inbox, "b.csv", b"Phone\n4155552672\n", age=60)
    real_check = inbox.run_check

    def someone_moves_a_away(options: CheckOptions) -> object:
        if options.input_names == ("a.csv",):
            Path(options.inputs[0]).unlink()
        return real_check(options)

    monkeypatch.setattr(inbox, "run_check", someone_moves_a_away)
    first, second = process_inbox(settings).processed
    assert (first.file, first.outcome) == ("a.csv", "failed")
    assert "disappeared from" in first.detail
    assert (second.file, second.outcome) == ("b.csv", "done")
    assert list((settings.inbox / "processing").iterdir()) == []


def test_a_file_dated_in_the_future_is_named_in_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = options(tmp_path)
    drop(settings.inbox, "skewed.csv", b"Phone\n4155552671\n", age=-600)
    assert process_inbox(settings).processed == []
    assert "skewed.csv is dated" in caplog.text and "ahead of this machine's clock" in caplog.text
