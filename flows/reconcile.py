"""The nightly reconciliation as a Prefect flow, with a markdown artifact of what needs doing."""

from __future__ import annotations

from typing import Any

from prefect import flow
from prefect.artifacts import create_markdown_artifact

from flows.check import as_task
from portflow.reconcile import ReconcileOptions, reconciliation_markdown, run_reconcile

# A night's run that has not finished in two hours is stuck: fail it, free the slot.
TIMEOUT_SECONDS = 2 * 60 * 60


@flow(
    name="portflow-reconcile",
    log_prints=False,
    persist_result=False,
    timeout_seconds=TIMEOUT_SECONDS,
)
def reconcile_flow(options: ReconcileOptions) -> dict[str, Any]:
    """Porting-system requests against the account's exports: what needs attention tonight."""
    summary = run_reconcile(options, step=as_task).summary
    create_markdown_artifact(
        markdown=reconciliation_markdown(summary),
        key="portflow-reconciliation",
        description=f"portflow reconciliation {summary['run_id']}",
    )
    return summary
