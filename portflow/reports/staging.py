"""Atomic outputs: everything is written to a staging folder, then moved into place.

A reader never sees half a file (each file arrives by rename). The previous outputs are
moved aside first and put back if any move fails, so a failed run leaves the previous set
as it was. `summary.json` is moved last: when it is new, all the others are.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType

from portflow.errors import OutputError

log = logging.getLogger(__name__)

SUMMARY = "summary.json"
_PREVIOUS = ".previous"


class StagedOutputs:
    """`with StagedOutputs(out, run_id, known=...) as stage:` write to `stage.path(name)`;
    `stage.commit()` moves them into `out` and removes known outputs this run did not make."""

    def __init__(self, out: Path, run_id: str, *, known: Iterable[str]) -> None:
        self.out = out
        self.known = tuple(known)
        self.staging = out / f".portflow-staging-{run_id}"

    def __enter__(self) -> StagedOutputs:
        if self.out.exists() and not self.out.is_dir():
            raise OutputError(str(self.out), "is a file, not a folder")
        try:
            self.out.mkdir(parents=True, exist_ok=True)
            self.staging.mkdir()
        except OSError as error:
            raise OutputError(str(self.out), _why(error)) from None
        return self

    def path(self, name: str) -> Path:
        target = self.staging / name
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def commit(self) -> list[str]:
        """Swap the staged files in for the previous outputs; returns the names written."""
        staged = sorted(
            (str(p.relative_to(self.staging)) for p in self.staging.rglob("*") if p.is_file()),
            key=lambda name: name == SUMMARY,
        )
        blocked = [name for name in staged if (self.out / name).is_dir()]
        if blocked:
            raise OutputError(str(self.out), f"{blocked[0]} is a folder; move it away")
        for name in staged:
            _fsync(self.staging / name)
        previous = [name for name in self.known if (self.out / name).is_file()]
        moved: list[tuple[Path, Path]] = []
        try:
            for name in previous:
                moved.append(_move(self.out / name, self.staging / _PREVIOUS / name))
            for name in staged:
                moved.append(_move(self.staging / name, self.out / name))
        except OSError as error:
            try:
                for source, target in reversed(moved):
                    _move(target, source)
            finally:
                raise OutputError(str(self.out), _why(error)) from None
        for folder in {Path(name).parent for name in self.known} - {Path(".")}:
            if (self.out / folder).is_dir() and not any((self.out / folder).iterdir()):
                (self.out / folder).rmdir()
        _fsync_dir(self.out)
        return staged

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)
        if isinstance(error, OSError):  # e.g. the disk filled up while writing
            raise OutputError(str(self.out), _why(error)) from error


def _move(source: Path, target: Path) -> tuple[Path, Path]:
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(source, target)
    return source, target


def _why(error: OSError) -> str:
    return f"cannot write there ({error.strerror or error})"


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
