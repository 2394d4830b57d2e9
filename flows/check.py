"""The portability check as a Prefect flow: the same steps as `portflow check`, as tasks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

from portflow.pipeline import CheckOptions, run_check
from portflow.summary import summary_markdown

T = TypeVar("T")


def as_task(name: str, function: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """Run one pipeline step as a task; frames are big, so no input hashing or persistence."""
    step = task(name=name, cache_policy=NO_CACHE, persist_result=False)(function)
    return step(*args, **kwargs)


@flow(name="portflow-check", log_prints=False, persist_result=False)
def check_flow(options: CheckOptions) -> dict[str, Any]:
    """Check the inputs against the account; write SPEC 3 outputs; publish a run summary."""
    summary = run_check(options, step=as_task).summary
    publish_summary(summary)
    return summary


def publish_summary(summary: dict[str, Any]) -> None:
    """The run as a markdown artifact and its rejects by reason as a table artifact."""
    create_markdown_artifact(
        markdown=summary_markdown(summary),
        key="portflow-check-summary",
        description=f"portflow check {summary['run_id']}",
    )
    create_table_artifact(
        table=[
            {"reason_code": code, "rows": count}
            for code, count in summary["rejects_by_reason"].items()
        ]
        or [{"reason_code": "(none)", "rows": 0}],
        key="portflow-check-rejects-by-reason",
        description="Rejected rows by reason",
    )
