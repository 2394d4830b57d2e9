"""Scratch folders of dead runs are removed by the next run; live runs' are left alone."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from portflow.scratch import UNNAMED_MAX_AGE_SECONDS, scratch_folder, sweep


def test_only_folders_of_runs_that_are_over_are_swept(tmp_path: Path) -> None:
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    gone = tmp_path / f"portflow-workbook-{dead.stdout.strip()}-abc"
    mine = tmp_path / f"portflow-stdin-{os.getpid()}-abc"
    old, young = tmp_path / "portflow-workbook-x1y2z3", tmp_path / "portflow-workbook-q9w8e7"
    other = tmp_path / "portflow-notes-1-abc"  # not a kind portflow makes
    for folder in (gone, mine, old, young, other):
        folder.mkdir()
        (folder / "sheet-0.arrow").write_bytes(b"PIN 0482")
    stale = time.time() - UNNAMED_MAX_AGE_SECONDS - 60
    for folder in (old, gone):
        os.utime(folder, (stale, stale))
    recent = tmp_path / f"portflow-workbook-{dead.stdout.strip()}-new"  # another namespace's?
    recent.mkdir()
    assert sorted(sweep(tmp_path)) == sorted([gone, old])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        f.name for f in (mine, young, other, recent)
    )


def test_a_scratch_folder_is_private_and_removed_after_use(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with scratch_folder("workbook") as folder:
        assert folder.parent == tmp_path and folder.name.startswith(
            f"portflow-workbook-{os.getpid()}-"
        )
        assert folder.stat().st_mode & 0o777 == 0o700
    assert not folder.exists()
