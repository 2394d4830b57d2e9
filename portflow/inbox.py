"""The inbox: customer files dropped in a folder are checked (and submitted) once each.

    inbox/               new files land here (hidden files and files still growing wait)
    inbox/processing/    a file is claimed by renaming it here (atomic: one run gets it)
    inbox/done/          processed; outputs in OUT/<run folder>/
    inbox/failed/        could not be processed; OUT/<run folder>/error.txt says why

A file is never lost (it is always in exactly one of these folders) and never processed
twice: a claimed file that a crashed run left in processing/ is finished by the next run.
"""

from __future__ import annotations

import datetime as dt
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
from portflow.submission import SubmitOptions, run_submit

log = logging.getLogger(__name__)

PROCESSING, DONE, FAILED = "processing", "done", "failed"
INPUT_SUFFIXES = CSV_SUFFIXES | EXCEL_SUFFIXES | {".txt"}
SETTLE_SECONDS = 5.0  # a file changed more recently than this may still be being copied


@dataclass(frozen=True)
class InboxOptions:
    inbox: Path
    accounts: Path
    out: Path
    manifest: Path | None = None  # with a manifest (and a system), files are also submitted
    system_url: str | None = None
    allow_missing: frozenset[str] = frozenset()
    cache_dir: Path | None = None
    settle_seconds: float = SETTLE_SECONDS


@dataclass
class Processed:
    file: str
    outcome: str  # done | failed
    run_folder: str
    detail: str


@dataclass
class InboxResult:
    processed: list[Processed] = field(default_factory=list)

    @property
    def done(self) -> int:
        return sum(p.outcome == DONE for p in self.processed)

    @property
    def failed(self) -> int:
        return sum(p.outcome == FAILED for p in self.processed)


def process_inbox(
    options: InboxOptions, *, today: Callable[[], dt.date] = dt.date.today
) -> InboxResult:
    """Claim and process every settled file in the inbox, oldest first."""
    for name in (PROCESSING, DONE, FAILED):
        (options.inbox / name).mkdir(parents=True, exist_ok=True)
    result = InboxResult()
    for claimed in [*_left_over(options), *_claim_new(options)]:
        result.processed.append(_process(claimed, options, today()))
    return result


def _left_over(options: InboxOptions) -> list[Path]:
    """Files a crashed run claimed but did not finish (runs never overlap: they are ours)."""
    return sorted(p for p in (options.inbox / PROCESSING).iterdir() if p.is_file())


def _claim_new(options: InboxOptions) -> list[Path]:
    now = time.time()
    waiting = sorted(
        (
            p
            for p in options.inbox.iterdir()
            if p.is_file()
            and not p.name.startswith(".")
            and now - p.stat().st_mtime >= options.settle_seconds
        ),
        key=lambda p: (p.stat().st_mtime, p.name),
    )
    claimed = []
    for path in waiting:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
        target = options.inbox / PROCESSING / f"{stamp}--{path.name}"
        try:
            os.rename(path, target)  # atomic: if another run took it first, this fails
        except FileNotFoundError:
            continue
        claimed.append(target)
    return claimed


def _original_name(claimed: Path) -> str:
    return claimed.name.split("--", 1)[1] if "--" in claimed.name else claimed.name


def _process(claimed: Path, options: InboxOptions, run_date: dt.date) -> Processed:
    name = _original_name(claimed)
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(name).stem)[:80] or "file"
    run_folder = options.out / f"{claimed.name.split('--', 1)[0]}-{stem}"
    check = CheckOptions(
        inputs=(str(claimed),),
        input_names=(name,),
        accounts=options.accounts,
        out=run_folder,
        run_date=run_date,
        allow_missing=options.allow_missing,
        cache_dir=options.cache_dir,
    )
    try:
        if Path(name).suffix.lower() not in INPUT_SUFFIXES:
            raise PortflowError(f"{name}: not a list portflow reads (csv, tsv, xlsx, txt)")
        if options.manifest is not None and options.system_url is not None:
            summary = run_submit(
                SubmitOptions(check=check, manifest=options.manifest, system_url=options.system_url)
            ).summary
        else:
            summary = run_check(check).summary
    except Exception as error:  # noqa: BLE001 - a bad file must not stop the inbox
        detail = (
            str(error)
            if isinstance(error, PortflowError)
            else f"{name}: unexpected error (a bug): {type(error).__name__}: {error}"
        )
        run_folder.mkdir(parents=True, exist_ok=True)
        (run_folder / "error.txt").write_text(f"{detail}\n", encoding="utf-8")
        _move(claimed, options.inbox / FAILED / name)
        log.warning("inbox: %s failed: %s", name, detail)
        return Processed(name, FAILED, str(run_folder), detail)
    _move(claimed, options.inbox / DONE / name)
    detail = (
        f"{summary['rows']} rows: {summary['accepted']} accepted, "
        f"{summary['rejected']} rejected, {summary['fax']} fax"
    )
    log.info("inbox: %s done: %s", name, detail)
    return Processed(name, DONE, str(run_folder), detail)


def _move(source: Path, target: Path) -> None:
    """Into done/ or failed/, never over an earlier file of the same name."""
    candidate, number = target, 2
    while candidate.exists():
        candidate = target.with_name(f"{target.stem} ({number}){target.suffix}")
        number += 1
    os.replace(source, candidate)
