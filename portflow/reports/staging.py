"""Atomic outputs: everything is written to a staging folder, then moved into place.

A reader never sees half a file (each file arrives by rename) and a failed run leaves the
previous outputs as they were. `summary.json` is moved last: when it is new, all are.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType

log = logging.getLogger(__name__)

SUMMARY = "summary.json"


class StagedOutputs:
    """`with StagedOutputs(out, run_id, known=...) as stage:` write to `stage.path(name)`;
    `stage.commit()` moves them into `out` and removes known outputs this run did not make."""

    def __init__(self, out: Path, run_id: str, *, known: Iterable[str]) -> None:
        self.out = out
        self.known = tuple(known)
        self.staging = out / f".portflow-staging-{run_id}"
        self.committed: list[str] = []

    def __enter__(self) -> StagedOutputs:
        self.out.mkdir(parents=True, exist_ok=True)
        self.staging.mkdir()
        return self

    def path(self, name: str) -> Path:
        target = self.staging / name
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def commit(self) -> list[str]:
        staged = sorted(
            (str(p.relative_to(self.staging)) for p in self.staging.rglob("*") if p.is_file()),
            key=lambda name: name == SUMMARY,
        )
        for name in staged:
            source = self.staging / name
            _fsync(source)
            target = self.out / name
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, target)
        for name in self.known:
            if name not in staged and (self.out / name).exists():
                (self.out / name).unlink()
        for folder in {Path(name).parent for name in self.known} - {Path(".")}:
            if (self.out / folder).is_dir() and not any((self.out / folder).iterdir()):
                (self.out / folder).rmdir()
        _fsync_dir(self.out)
        self.committed = staged
        return staged

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)


def _fsync(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
