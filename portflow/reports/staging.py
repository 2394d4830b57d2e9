"""Atomic outputs: everything is written to a staging folder, then moved into place.

A reader never sees half a file: each file arrives whole, by rename over the previous one,
so at every moment each output is either the previous run's or this run's, complete.
`summary.json` is moved last: when it is new, all the others are.

Crash safety (SIGKILL at any point): until the staged files are complete and listed in the
folder's journal (`COMMIT`), the previous outputs are untouched and the staging folder is
litter, removed by the next run. Once the journal exists the run is committed: a run killed
while moving files in leaves its journal, and the next run writing to the same `--out`
finishes those moves first (rolls forward), so the set becomes this run's, complete.

Only one run writes to a folder at a time: the folder itself is locked (flock on its
descriptor, for the whole write, released by the kernel when the process dies; no lock file
is left behind), and a second run is refused.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType

from portflow.errors import OutputError

log = logging.getLogger(__name__)

SUMMARY = "summary.json"
STAGING_PREFIX = ".portflow-staging-"
JOURNAL = "COMMIT"  # in a staging folder: the run is committed; its moves must be finished
_HELD: dict[Path, int] = {}  # folders this process holds for its run (see `held`)
_HELD_GUARD = threading.RLock()
_BUSY = (
    "another portflow run is writing its outputs here right now; "
    "wait for it to finish, or give this run another --out"
)


class StagedOutputs:
    """`with StagedOutputs(out, run_id, known=...) as stage:` write to `stage.path(name)`;
    `stage.commit()` moves them into `out` and removes known outputs this run did not make."""

    def __init__(self, out: Path, run_id: str, *, known: Iterable[str]) -> None:
        self.out = out
        self.known = tuple(known)
        self.staging = out / f"{STAGING_PREFIX}{run_id}"
        self._lock: int | None = None  # the folder's descriptor, flock-ed

    def __enter__(self) -> StagedOutputs:
        if self.out.exists() and not self.out.is_dir():
            raise OutputError(str(self.out), "is a file, not a folder")
        try:
            self.out.mkdir(parents=True, exist_ok=True)
            self._lock = lock_folder(self.out)
            recover(self.out)
            self.staging.mkdir()
        except OSError as error:
            self._release()
            raise OutputError(str(self.out), _why(error)) from None
        except BaseException:
            self._release()
            raise
        return self

    def path(self, name: str) -> Path:
        target = self.staging / name
        if not target.resolve().is_relative_to(self.staging.resolve()):
            raise OutputError(str(self.out), f"{name!r} would be written outside this folder")
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def commit(self) -> list[str]:
        """Swap the staged files in for the previous outputs; returns the names written."""
        staged = sorted(
            (str(p.relative_to(self.staging)) for p in self.staging.rglob("*") if p.is_file()),
            key=lambda name: name == SUMMARY,
        )
        blocked = _in_the_way(self.out, staged)
        if blocked:
            raise OutputError(str(self.out), blocked)
        for name in staged:
            _fsync(self.staging / name)
        stale = [name for name in self.known if name not in staged]
        journal = self.staging / JOURNAL
        journal.write_text(json.dumps({"move": staged, "remove": stale}), encoding="utf-8")
        _fsync(journal)
        _fsync_dir(self.staging)
        # From here on the run is committed: a crash is finished by the next run.
        try:
            _finish(self.out, self.staging, staged, stale)
        except OSError as error:
            raise OutputError(
                str(self.out), _why(error) + "; the next run into this folder finishes the move"
            ) from None
        return staged

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        try:
            if not (self.staging / JOURNAL).exists():  # not committed: staging is litter
                shutil.rmtree(self.staging, ignore_errors=True)
        finally:
            self._release()
        if isinstance(error, OSError):  # e.g. the disk filled up while writing
            raise OutputError(str(self.out), _why(error)) from error

    def _release(self) -> None:
        if self._lock is not None:
            os.close(self._lock)  # releases the flock
            self._lock = None


def recover(out: Path) -> list[str]:
    """Finish what killed runs left in `out` (call with the lock held): committed staging
    folders are moved in, oldest first; uncommitted ones are removed. Returns the run IDs
    rolled forward."""
    finished = []
    leftovers = sorted(
        (p for p in out.glob(f"{STAGING_PREFIX}*") if p.is_dir()),
        key=lambda p: p.stat().st_mtime,
    )
    for staging in leftovers:
        journal = staging / JOURNAL
        if journal.is_file():
            try:
                plan = json.loads(journal.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                plan = None  # cannot happen after fsync, but a damaged disk is no reason to crash
            if plan is not None:
                _finish(out, staging, plan["move"], plan["remove"])
                run_id = staging.name.removeprefix(STAGING_PREFIX)
                log.warning("finished writing the outputs of interrupted run %s in %s", run_id, out)
                finished.append(run_id)
                continue
        shutil.rmtree(staging, ignore_errors=True)
    return finished


def _finish(out: Path, staging: Path, move: list[str], remove: list[str]) -> None:
    """Move each staged file over its previous version, remove stale outputs, and move
    summary.json last (when it is new, everything is). Safe to run again after a crash at
    any point: a file already moved is no longer in `staging`."""

    def move_in(name: str) -> None:
        source = staging / name
        if source.is_file():
            target = out / name
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, target)

    for name in move:
        if name != SUMMARY:
            move_in(name)
    for name in remove:
        (out / name).unlink(missing_ok=True)
    for folder in {Path(name).parent for name in remove} - {Path(".")}:
        if (out / folder).is_dir() and not any((out / folder).iterdir()):
            (out / folder).rmdir()
    _fsync_dir(out)
    if SUMMARY in move:
        move_in(SUMMARY)
        _fsync_dir(out)
    shutil.rmtree(staging, ignore_errors=True)


def _in_the_way(out: Path, names: Iterable[str]) -> str | None:
    """What would stop a move into `out` half-way (checked before the run commits): a folder
    where a file goes, or a file where a folder of files goes (`tickets`)."""
    for name in names:
        for folder in reversed(Path(name).parents[:-1]):  # tickets/, not `.`
            if (out / folder).exists() and not (out / folder).is_dir():
                return f"{folder} is a file, but this run writes the folder {folder}/; move it away"
        if (out / name).is_dir():
            return f"{name} is a folder; move it away"
    return None


@contextmanager
def held(out: Path, *, names: Iterable[str]) -> Iterator[None]:
    """`out` locked for this run until its outputs are written, and checked for what would
    stop them (`names`: the outputs it may write).

    A submission holds it before it asks the porting system: a folder it could not write
    (a file, a `tickets` file, another run writing) stops it before anything is submitted,
    not after, when the outputs that record the submission could not be written.
    """
    if out.exists() and not out.is_dir():
        raise OutputError(str(out), "is a file, not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(str(out), _why(error)) from None
    key = out.resolve()
    with _HELD_GUARD:
        if key in _HELD:  # another run of this process holds it
            raise OutputError(str(out), _BUSY)
        descriptor = lock_folder(out)
        _HELD[key] = descriptor
    try:
        blocked = _in_the_way(out, names)
        if blocked:
            raise OutputError(str(out), blocked)
        if not os.access(out, os.W_OK | os.X_OK):
            raise OutputError(str(out), "cannot write there (permission denied)")
        yield
    finally:
        with _HELD_GUARD:
            _HELD.pop(key, None)
            os.close(descriptor)


def lock_folder(out: Path) -> int:
    """The folder, locked (its descriptor; close it to unlock); refused at once if another
    run holds it. Within a run that `held` it, a second descriptor of the same lock."""
    with _HELD_GUARD:
        if (holding := _HELD.get(out.resolve())) is not None:
            return os.dup(holding)  # the same open file: closing it keeps the run's lock
    descriptor = os.open(out, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(descriptor)
        raise OutputError(str(out), _BUSY) from None
    return descriptor


def _why(error: OSError) -> str:
    path = error.filename2 or error.filename  # a move names its target second
    where = f": {path}" if path else ""
    return f"cannot write there ({error.strerror or error}{where})"


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
