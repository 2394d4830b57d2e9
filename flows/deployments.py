"""The deployments `portflow serve` serves: the nightly reconciliation and the inbox.

Each allows one run at a time (a collision cancels the newcomer) and each flow has a
timeout, so a stuck run fails and frees its slot instead of blocking later nights.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, cast

from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
from prefect.deployments.runner import RunnerDeployment
from prefect.schedules import Cron, Interval

from flows.inbox import inbox_flow
from flows.reconcile import reconcile_flow
from portflow.settings import (
    DEFAULT_CRON,
    DEFAULT_INTERVAL_SECONDS,
    DEFAULT_TIMEZONE,
    HEARTBEAT_SECONDS,
)

NIGHTLY = "nightly"
INBOX = "inbox"
ONE_AT_A_TIME = ConcurrencyLimitConfig(
    limit=1, collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW
)


@dataclass(frozen=True)
class ServeOptions:
    accounts: str
    out: str
    system_url: str | None = None
    state: str | None = None
    inbox: str | None = None
    manifest: str | None = None
    cron: str = DEFAULT_CRON
    timezone: str = DEFAULT_TIMEZONE
    interval_seconds: int = DEFAULT_INTERVAL_SECONDS


def build_deployments(options: ServeOptions) -> list[RunnerDeployment]:
    """portflow-reconcile/nightly (cron, timezone) and, with an inbox, portflow-inbox/inbox."""
    found = [
        _deployment(
            reconcile_flow,
            name=NIGHTLY,
            description="The nightly reconciliation: what needs attention among port requests.",
            schedules=[Cron(options.cron, timezone=options.timezone)],
            concurrency_limit=ONE_AT_A_TIME,
            parameters={
                "accounts": options.accounts,
                "out": options.out,
                "system_url": options.system_url,
                "state": options.state,
                "timezone": options.timezone,
                "dated_folder": True,
            },
            tags=["portflow"],
        )
    ]
    if options.inbox:
        found.append(
            _deployment(
                inbox_flow,
                name=INBOX,
                description="New customer files in the inbox: checked (and submitted) once each.",
                schedules=[
                    Interval(
                        dt.timedelta(seconds=options.interval_seconds), timezone=options.timezone
                    )
                ],
                concurrency_limit=ONE_AT_A_TIME,
                parameters={
                    "inbox": options.inbox,
                    "accounts": options.accounts,
                    "out": str(options.out) + "/inbox-runs",
                    "manifest": options.manifest,
                    "system_url": options.system_url,
                    "timezone": options.timezone,
                },
                tags=["portflow"],
            )
        )
    return found


def _deployment(flow: Any, **settings: Any) -> RunnerDeployment:
    """flow.to_deployment, typed: it returns the deployment when called outside a loop."""
    return cast(RunnerDeployment, flow.to_deployment(**settings))


# A serving process polls its deployments every few seconds; one not polled for this long
# is not served (Prefect itself calls it NOT_READY after 60 s).
SERVED_WITHIN = dt.timedelta(seconds=60)


def served_elsewhere(
    deployments: list[RunnerDeployment], *, now: dt.datetime | None = None
) -> list[str]:
    """Those of `deployments` that another process serves now (on this Prefect API): a
    second serve would take them over with its own parameters, and pause them when it
    stops, leaving the first serving nothing."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.objects import DeploymentStatus
    from prefect.exceptions import ObjectNotFound

    now = now or dt.datetime.now(dt.UTC)
    found = []
    with get_client(sync_client=True) as client:
        for deployment in deployments:
            name = f"{deployment.flow_name}/{deployment.name}"
            try:
                existing = client.read_deployment_by_name(name)
            except ObjectNotFound:
                continue
            polled = existing.last_polled
            if (
                not existing.paused
                and existing.status == DeploymentStatus.READY
                and polled is not None
                and now - polled < SERVED_WITHIN
            ):
                found.append(name)
    return found


ZOMBIE_AUTOMATION = "portflow: crash flow runs whose heartbeats stopped"


def ensure_zombie_automation() -> None:
    """Mark a flow run Crashed when its heartbeats stop (its process died), which also frees
    its deployment's concurrency slot at once instead of after the slot's 5-minute lease."""
    from prefect.automations import Automation
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.objects import StateType
    from prefect.events.actions import ChangeFlowRunState
    from prefect.events.schemas.automations import EventTrigger, Posture
    from prefect.events.schemas.events import ResourceSpecification

    with get_client(sync_client=True) as client:
        if client.read_automations_by_name(name=ZOMBIE_AUTOMATION):
            return
    automation = Automation(
        name=ZOMBIE_AUTOMATION,
        trigger=EventTrigger(
            after={"prefect.flow-run.heartbeat"},
            expect={
                "prefect.flow-run.heartbeat",
                "prefect.flow-run.Completed",
                "prefect.flow-run.Failed",
                "prefect.flow-run.Cancelled",
                "prefect.flow-run.Crashed",
            },
            match=ResourceSpecification({"prefect.resource.id": ["prefect.flow-run.*"]}),
            for_each={"prefect.resource.id"},
            posture=Posture.Proactive,
            threshold=1,
            within=dt.timedelta(seconds=3 * HEARTBEAT_SECONDS),
        ),
        actions=[
            ChangeFlowRunState(  # type: ignore[call-arg]  # name and force have defaults
                state=StateType.CRASHED,
                message="Flow run marked as crashed: its heartbeats stopped.",
            )
        ],
    )
    automation.create()  # sync outside an event loop
