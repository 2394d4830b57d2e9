"""The inbox as a Prefect flow: every new file in the folder checked (or submitted) once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow
from prefect.artifacts import create_table_artifact

from flows.check import as_task
from portflow.clock import day_in
from portflow.errors import PortflowError
from portflow.inbox import InboxOptions, process_inbox
from portflow.settings import load_settings

TIMEOUT_SECONDS = 60 * 60  # a stuck pass frees the slot for the next one


@flow(
    name="portflow-inbox", log_prints=False, persist_result=False, timeout_seconds=TIMEOUT_SECONDS
)
def inbox_flow(
    inbox: str,
    accounts: str,
    out: str,
    manifest: str | None = None,
    system_url: str | None = None,
    timezone: str | None = None,
    allow_missing: list[str] | None = None,
) -> dict[str, Any]:
    """Process the files waiting in `inbox`; outputs go to a run folder under `out` each."""
    settings = load_settings()
    options = InboxOptions(
        inbox=Path(inbox),
        accounts=Path(accounts),
        out=Path(out),
        manifest=Path(manifest) if manifest else None,
        # As `portflow check`: a check-only pass asks a porting system named here or in
        # PORTFLOW_SYSTEM_URL; a submitting one also the embedded store by default.
        system_url=system_url
        or (settings.system_url if manifest or settings.system_url_set else None),
        allow_missing=frozenset(allow_missing or ()),
        cache_dir=settings.cache_dir,
        limits=settings.limits,
    )
    # The day a file is processed (not the day an overdue pass was scheduled for): its
    # completion windows and paperwork dates count from it.
    result = as_task("process the inbox", process_inbox, options, today=lambda: day_in(timezone))
    if result.processed:
        create_table_artifact(
            table=[
                {"file": p.file, "outcome": p.outcome, "detail": p.detail, "outputs": p.run_folder}
                for p in result.processed
            ],
            key="portflow-inbox",
            description=f"Inbox {inbox}: files processed",
        )
    failed = [p for p in result.processed if p.outcome == "failed"]
    if failed:  # a Failed run in Prefect's UI and notifications, after every file was moved
        names = ", ".join(p.file for p in failed)
        raise PortflowError(f"{len(failed)} file(s) failed (in {inbox}/failed/): {names}")
    return {
        "done": result.count("done"),
        "failed": result.count("failed"),
        "retry": result.count("retry"),
        "files": [p.file for p in result.processed],
    }
