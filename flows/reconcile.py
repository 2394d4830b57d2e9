"""The nightly reconciliation as a Prefect flow, with a markdown artifact of what needs doing.

Its parameters are plain values (a deployment stores them as JSON); the run date is taken
when the run starts, in the deployment's timezone, unless one is given.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any

from prefect import flow
from prefect.artifacts import create_markdown_artifact

from flows.check import as_task
from portflow.clock import day_in
from portflow.reconcile import ReconcileOptions, reconciliation_markdown, run_reconcile
from portflow.settings import load_settings

log = logging.getLogger("portflow.flows")

# A night's run that has not finished in two hours is stuck: fail it, free the slot.
TIMEOUT_SECONDS = 2 * 60 * 60
# A run this late was scheduled before an outage: it runs on today's data, so it is today's.
LATE_LIMIT = dt.timedelta(hours=12)


def scheduled_day(timezone: str | None, *, now: dt.datetime | None = None) -> dt.date:
    """The day this run was scheduled for, in the schedule's timezone: a run a few hours
    late keeps it; one scheduled more than LATE_LIMIT ago (before an outage, when Prefect
    starts the runs it had scheduled) takes today, as its data is today's."""
    from prefect.runtime import flow_run

    scheduled = flow_run.scheduled_start_time
    now = now or dt.datetime.now(dt.UTC)
    if not isinstance(scheduled, dt.datetime):
        return day_in(timezone, now)
    if scheduled.tzinfo is None:
        scheduled = scheduled.replace(tzinfo=dt.UTC)
    if now - scheduled > LATE_LIMIT:
        log.warning(
            "this run was scheduled for %s and starts %s late: it reports on today, %s",
            scheduled.isoformat(timespec="minutes"),
            str(now - scheduled).split(".")[0],
            day_in(timezone, now),
        )
        return day_in(timezone, now)
    return day_in(timezone, scheduled)


@flow(
    name="portflow-reconcile",
    log_prints=False,
    persist_result=False,
    timeout_seconds=TIMEOUT_SECONDS,
)
def reconcile_flow(
    accounts: str,
    out: str,
    system_url: str | None = None,
    state: str | None = None,
    run_date: str | None = None,
    timezone: str | None = None,
    dated_folder: bool = False,
    allow_missing: list[str] | None = None,
    account_id: str | None = None,
) -> dict[str, Any]:
    """Porting-system requests against the account's exports: what needs attention tonight.

    `dated_folder`: write into OUT/YYYY-MM-DD/ (a nightly deployment keeps every night).
    """
    settings = load_settings()
    day = dt.date.fromisoformat(run_date) if run_date else scheduled_day(timezone)
    options = ReconcileOptions(
        accounts=Path(accounts),
        out=Path(out) / day.isoformat() if dated_folder else Path(out),
        system_url=system_url or settings.system_url,
        # The default embedded store may not exist yet; a store the user named must.
        create_system=(not system_url or system_url == settings.system_url)
        and not settings.system_url_set,
        run_date=day,
        state=Path(state) if state else settings.data_dir / "reconcile-state.db",
        allow_missing=frozenset(allow_missing or ()),
        cache_dir=settings.cache_dir,
        account_id=account_id or None,
    )
    summary = run_reconcile(options, step=as_task).summary
    create_markdown_artifact(
        markdown=reconciliation_markdown(summary),
        key="portflow-reconciliation",
        description=f"portflow reconciliation {summary['run_id']}",
    )
    return summary
