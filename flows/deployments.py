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

NIGHTLY = "nightly"
INBOX = "inbox"
DEFAULT_CRON = "0 2 * * *"
DEFAULT_TIMEZONE = "America/New_York"
DEFAULT_INTERVAL_SECONDS = 60
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
