"""Submission as a Prefect flow: check, readiness, grouping, push; only the push retries."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from prefect import flow, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE

from flows.check import as_task, publish_summary
from portflow.errors import PortflowError
from portflow.settings import load_settings
from portflow.submission import SubmitOptions, run_submit

T = TypeVar("T")


def _unreachable(task: Any, run: Any, state: Any) -> bool:
    """Retry the push only when the porting system could not be reached (or was busy)."""
    try:
        state.result()
    except PortflowError as error:
        return error.retryable
    except Exception:
        return False
    return False


def as_retrying_task(name: str, function: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """The push: idempotent, so Prefect may run it again when the system was unreachable."""
    settings = load_settings()
    step = task(
        name=name,
        cache_policy=NO_CACHE,
        persist_result=False,
        retries=settings.push_retries,
        retry_delay_seconds=settings.push_retry_delay,
        retry_condition_fn=_unreachable,
    )(function)
    return step(*args, **kwargs)


@flow(name="portflow-submit", log_prints=False, persist_result=False)
def submit_flow(options: SubmitOptions) -> dict[str, Any]:
    """Check the batch, then submit its port groups once; publish what was submitted."""
    summary = run_submit(options, step=as_task, push_step=as_retrying_task).summary
    publish_summary(summary)
    submission = summary.get("submission") or {}
    create_table_artifact(
        table=[
            {
                k: request[k]
                for k in ("port_request_id", "port_group", "numbers", "status", "created")
            }
            for request in submission.get("requests", [])
        ]
        or [
            {
                "port_request_id": "(none)",
                "port_group": "",
                "numbers": 0,
                "status": "",
                "created": False,
            }
        ],
        key="portflow-submit-requests",
        description=f"Port requests submitted to {submission.get('system', '?')}",
    )
    return summary
