"""The inbox: customer files dropped in a folder are checked (and submitted) once each.

    inbox/                     new files land here (hidden files and files still growing wait)
    inbox/processing/<claim>/  a file is claimed by renaming it here (atomic: one run gets it)
    inbox/done/                processed; outputs in OUT/<run folder>/
    inbox/failed/              could not be processed; OUT/<run folder>/error.txt says why

A file is never lost (it is always in exactly one of these folders) and never processed
twice: the process working on a claim holds a lock on it (flock: released when that process
dies), so a claim left behind by a crashed run is finished by the next run, up to
MAX_ATTEMPTS times, and one still worked on (a flow run that outlived its serve) is not.
When the porting system cannot be reached, the file goes back to the inbox and is tried
again on the next pass (MAX_RETRIES times).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import logging
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from portflow.errors import PortflowError
from portflow.pipeline import CheckOptions, run_check
from portflow.readers import CSV_SUFFIXES, EXCEL_SUFFIXES
from portflow.readers.limits import DEFAULT_LIMITS, Limits
from portflow.submission import SubmitOptions, run_submit

log = logging.getLogger(__name__)
NAME_MAX_BYTES = 255  # a file name's limit on Linux, macOS and Windows file systems

PROCESSING, DONE, FAILED, RETRY = "processing", "done", "failed", "retry"
INPUT_SUFFIXES = CSV_SUFFIXES | EXCEL_SUFFIXES | {".txt"}
# A file changed more recently than this may still be being copied: network copies (SMB,
# SFTP) pause for seconds at a time. And if it changes after all while it is processed, it
# goes back to the inbox (see _process).
SETTLE_SECONDS = 30.0
FUTURE_SLACK_SECONDS = 2.0  # a modification time this far ahead of the clock is skew
MAX_ATTEMPTS = 3  # a claim abandoned by this many crashed runs goes to failed/
MAX_RETRIES = 24  # passes a file waits for the porting system before it goes to failed/
ATTEMPTS_FILE = ".attempts"
# How often each file in the inbox has waited for the porting system: its name, size and
# time (a new file of the same name starts again at 0). Names of any length fit in it.
RETRIES_LEDGER = ".retries.json"  # in inbox/processing/
LOCK_FILE = ".lock"


@dataclass(frozen=True)
class InboxOptions:
    inbox: Path
    accounts: Path
    out: Path
    manifest: Path | None = None  # with a manifest (and a system), files are also submitted
    system_url: str | None = None  # without a manifest: its requests are IN_OTHER_PORT too
    allow_missing: frozenset[str] = frozenset()
    cache_dir: Path | None = None
    limits: Limits = DEFAULT_LIMITS
    settle_seconds: float = SETTLE_SECONDS


@dataclass
class Processed:
    file: str
    outcome: str  # done | failed | retry
    run_folder: str
    detail: str


@dataclass
class InboxResult:
    processed: list[Processed] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(p.outcome == outcome for p in self.processed)


def process_inbox(
    options: InboxOptions, *, today: Callable[[], dt.date] = dt.date.today
) -> InboxResult:
    """Finish abandoned claims, then claim and process every settled file, oldest first."""
    for name in (PROCESSING, DONE, FAILED):
        (options.inbox / name).mkdir(parents=True, exist_ok=True)
    result = InboxResult()
    for claimed, lock in [*_left_over(options), *_claim_new(options)]:
        with lock:
            result.processed.append(_process(claimed, options, today()))
    _forget_waits(options)
    return result


def _locked(claim: Path) -> contextlib.ExitStack | None:
    """The claim's lock, held (until the returned stack closes), or None if another live
    process holds it."""
    stack = contextlib.ExitStack()
    try:
        handle = stack.enter_context((claim / LOCK_FILE).open("a"))
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        stack.close()
        return None
    return stack


def _left_over(options: InboxOptions) -> list[tuple[Path, contextlib.ExitStack]]:
    """Files a run claimed but did not finish, and whose lock no live process holds (it
    crashed); a claim still locked is another process's work in progress."""
    found = []
    for claim in sorted(p for p in (options.inbox / PROCESSING).iterdir() if p.is_dir()):
        files = [
            file
            for file in sorted(claim.iterdir())
            if file.is_file() and file.name not in (ATTEMPTS_FILE, LOCK_FILE)
        ]
        if not files:  # emptied by hand: dropped, unless a live process holds it
            emptied = _locked(claim)
            if emptied is not None:
                with emptied:
                    _drop_claim(claim)
            continue
        lock = _locked(claim)
        if lock is None:
            log.info("inbox: %s is being processed by another process", files[0].name)
            continue
        found += [(file, lock) for file in files[:1]]  # one file per claim
        if len(files) > 1:
            log.warning("inbox: claim %s holds %d files; one is taken per pass", claim, len(files))
    return found


def _settled(options: InboxOptions) -> list[Path]:
    """Files whose size and time have not moved for `settle_seconds` (copies are done)."""

    def look() -> dict[Path, tuple[int, float]]:
        seen = {}
        for path in options.inbox.iterdir():
            try:
                if path.is_file() and not path.name.startswith("."):
                    info = path.stat()
                    seen[path] = (info.st_size, info.st_mtime)
            except OSError:  # gone, or unreadable: not ours to take yet
                continue
        return seen

    first = look()
    if first and options.settle_seconds:
        time.sleep(min(1.0, options.settle_seconds))
    now, second = time.time(), look()
    for path, (_, mtime) in second.items():
        if mtime > now + FUTURE_SLACK_SECONDS:  # waits until the clock passes it: say so
            log.warning(
                "inbox: %s is dated %s, ahead of this machine's clock; it waits until then "
                "(touch it to take it now)",
                path.name,
                dt.datetime.fromtimestamp(mtime, dt.UTC).isoformat(timespec="seconds"),
            )
    return sorted(
        (
            path
            for path, (size, mtime) in second.items()
            if first.get(path) == (size, mtime) and now - mtime >= options.settle_seconds
        ),
        key=lambda path: (second[path][1], path.name),
    )


def _claim_new(options: InboxOptions) -> list[tuple[Path, contextlib.ExitStack]]:
    claimed = []
    for path in _settled(options):
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
        claim = options.inbox / PROCESSING / stamp
        lock = None
        try:
            claim.mkdir()
            lock = _locked(claim)  # before the file is in: no other run may take it as left
            if lock is None:
                raise OSError(f"cannot lock {claim}")
            os.rename(path, claim / path.name)  # atomic: if another run took it, this fails
        except OSError as error:
            log.warning("inbox: could not claim %s: %s", path.name, error)
            _drop_claim(claim)
            if lock is not None:
                lock.close()
            continue
        claimed.append((claim / path.name, lock))
    return claimed


def _process(claimed: Path, options: InboxOptions, run_date: dt.date) -> Processed:
    name, claim = claimed.name, claimed.parent
    before = _signature(claimed)
    attempts = _attempt(claim)
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(name).stem)[:80] or "file"
    run_folder = options.out / f"{claim.name}-{stem}"
    try:
        if attempts > MAX_ATTEMPTS:
            raise PortflowError(
                f"{name}: gave up after {MAX_ATTEMPTS} attempts (the runs "
                "processing it stopped before finishing)"
            )
        if Path(name).suffix.lower() not in INPUT_SUFFIXES:
            kinds = ", ".join(sorted(suffix.lstrip(".") for suffix in INPUT_SUFFIXES))
            raise PortflowError(f"{name}: not a list portflow reads ({kinds})")
        check = CheckOptions(
            inputs=(str(claimed),),
            input_names=(name,),
            accounts=options.accounts,
            out=run_folder,
            run_date=run_date,
            allow_missing=options.allow_missing,
            cache_dir=options.cache_dir,
            limits=options.limits,
            # Checked only (as `portflow check --system`): that system's requests count.
            system_url=options.system_url if options.manifest is None else None,
        )
        if options.manifest is not None and options.system_url is not None:
            summary = run_submit(
                SubmitOptions(check=check, manifest=options.manifest, system_url=options.system_url)
            ).summary
        else:
            summary = run_check(check).summary
    except Exception as error:  # noqa: BLE001 - a bad file must not stop the inbox
        if (moved := _moved(claimed, before, options, run_folder)) is not None:
            return moved
        retries = _waited(options, name, before) + 1 if _retryable(error) else 0
        if retries and retries <= MAX_RETRIES:
            back = _finish(claimed, options.inbox / name)  # the next pass tries again
            _note_wait(options, back, retries)
            log.warning(
                "inbox: %s will be tried again (%d of %d): %s", name, retries, MAX_RETRIES, error
            )
            return Processed(name, RETRY, str(run_folder), str(error))
        if retries:
            error = PortflowError(f"{error} (tried {MAX_RETRIES} times; gave up)")
        detail = (
            str(error)
            if isinstance(error, PortflowError)
            else f"{name}: unexpected error (a bug): {type(error).__name__}: {error}"
        )
        with contextlib.suppress(OSError):
            run_folder.mkdir(parents=True, exist_ok=True)
            (run_folder / "error.txt").write_text(f"{detail}\n", encoding="utf-8")
        _finish(claimed, options.inbox / FAILED / name)
        log.warning("inbox: %s failed: %s", name, detail)
        return Processed(name, FAILED, str(run_folder), detail)
    if (moved := _moved(claimed, before, options, run_folder)) is not None:
        return moved
    _finish(claimed, options.inbox / DONE / name)
    detail = (
        f"{summary['rows']} rows: {summary['accepted']} accepted, "
        f"{summary['rejected']} rejected, {summary['fax']} fax"
    )
    log.info("inbox: %s done: %s", name, detail)
    return Processed(name, DONE, str(run_folder), detail)


def _signature(path: Path) -> tuple[int, int] | None:
    """Size and modification time (ns): a file still being written changes them."""
    try:
        info = path.stat()
    except OSError:
        return None
    return info.st_size, info.st_mtime_ns


def _moved(
    claimed: Path, before: tuple[int, int] | None, options: InboxOptions, run_folder: Path
) -> Processed | None:
    """What became of a file that was taken out of its claim, or changed, while it was
    processed; None when it is as it was claimed."""
    if not claimed.is_file():
        return _vanished(claimed, run_folder)
    if _signature(claimed) != before:
        return _still_arriving(claimed, options, run_folder)
    return None


def _still_arriving(claimed: Path, options: InboxOptions, run_folder: Path) -> Processed:
    """The file changed while it was processed: a copy that paused longer than the settle
    time. Its outputs are of part of it; it goes back to the inbox, whole, for a later pass
    (anything submitted from the part is found there again, not made twice)."""
    name = claimed.name
    detail = (
        f"{name} changed while it was processed (still being copied?): these outputs are of "
        "part of it; it went back to the inbox and is processed again when it stops changing"
    )
    with contextlib.suppress(OSError):
        run_folder.mkdir(parents=True, exist_ok=True)
        (run_folder / "error.txt").write_text(f"{detail}\n", encoding="utf-8")
    _finish(claimed, options.inbox / name)
    log.warning("inbox: %s", detail)
    return Processed(name, RETRY, str(run_folder), detail)


def _vanished(claimed: Path, run_folder: Path) -> Processed:
    """Someone moved or deleted the file out of processing/ while it was processed: there
    is nothing to move; the claim is dropped and the run says so."""
    detail = f"{claimed.name} disappeared from {claimed.parent} while it was processed"
    _drop_claim(claimed.parent)
    log.warning("inbox: %s", detail)
    return Processed(claimed.name, FAILED, str(run_folder), detail)


def _drop_claim(claim: Path) -> None:
    with contextlib.suppress(OSError):
        for name in (ATTEMPTS_FILE, LOCK_FILE):  # the lock, if held, is released after
            (claim / name).unlink(missing_ok=True)
        claim.rmdir()


def _retryable(error: Exception) -> bool:
    return isinstance(error, PortflowError) and error.retryable


def _ledger(options: InboxOptions) -> dict[str, list[int]]:
    """name -> [times waited, size, mtime_ns] of the files that waited for the system."""
    try:
        data = json.loads((options.inbox / PROCESSING / RETRIES_LEDGER).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _save_ledger(options: InboxOptions, ledger: dict[str, list[int]]) -> None:
    path = options.inbox / PROCESSING / RETRIES_LEDGER
    with contextlib.suppress(OSError):
        if not ledger:
            path.unlink(missing_ok=True)
            return
        temporary = path.with_name(f"{RETRIES_LEDGER}.tmp")
        temporary.write_text(json.dumps(ledger), encoding="utf-8")
        os.replace(temporary, path)


def _waited(options: InboxOptions, name: str, signature: tuple[int, int] | None) -> int:
    """How often this very file (name, size and time) waited for the porting system."""
    entry = _ledger(options).get(name)
    if not isinstance(entry, list) or len(entry) != 3 or signature is None:
        return 0
    return int(entry[0]) if tuple(entry[1:]) == signature else 0


def _note_wait(options: InboxOptions, path: Path, count: int) -> None:
    signature = _signature(path)
    ledger = _ledger(options)
    if signature is not None:
        ledger[path.name] = [count, *signature]
    _save_ledger(options, ledger)


def _forget_waits(options: InboxOptions) -> None:
    """Entries of files no longer in the inbox (done, failed, deleted, renamed) go."""
    ledger = _ledger(options)
    kept = {name: entry for name, entry in ledger.items() if (options.inbox / name).is_file()}
    if kept != ledger:
        _save_ledger(options, kept)


def _attempt(claim: Path) -> int:
    """Count this attempt at a claim (a sidecar file beside the claimed file)."""
    counter = claim / ATTEMPTS_FILE
    try:
        count = int(counter.read_text()) + 1 if counter.exists() else 1
    except (OSError, ValueError):
        count = 1
    with contextlib.suppress(OSError):
        counter.write_text(str(count))
    return count


def _finish(claimed: Path, target: Path) -> Path:
    """Move the file out of its claim (never over an earlier file), then drop the claim;
    returns where the file went."""
    candidate, number = target, 2
    while candidate.exists():
        candidate = target.with_name(_numbered(target.name, number))
        number += 1
    os.replace(claimed, candidate)
    _drop_claim(claimed.parent)
    return candidate


def _numbered(name: str, number: int) -> str:
    """`list (2).csv`, the stem shortened when the name would pass the file system's limit
    (255 bytes): a file named at the limit must still find a place in done/ or failed/."""
    stem, suffix = os.path.splitext(name)
    mark = f" ({number}){suffix}"
    room = NAME_MAX_BYTES - len(mark.encode())
    return stem.encode()[: max(room, 1)].decode(errors="ignore") + mark
