"""Port request drafts for the porting-system tests."""

from __future__ import annotations

import datetime as dt

from pydantic import SecretStr

from portflow.porting.models import BillingSecrets, NumberLine, RequestDraft
from portflow.porting.plan import idempotency_key

PIN = "0482"
ACCOUNT_NUMBER = "831-204-5567-0001"


def draft(*numbers: str, group: str = "US-geographic", account: str = "ACC-1") -> RequestDraft:
    return RequestDraft(
        idempotency_key=idempotency_key(account, group, list(numbers)),
        account_id=account,
        friendly_name=f"test - {group}",
        port_group=group,
        earliest_completion=dt.date(2026, 12, 10),
        latest_completion=dt.date(2026, 12, 24),
        numbers=tuple(NumberLine(e164=n) for n in numbers),
        billing_secrets=BillingSecrets(
            carrier_account_number=SecretStr(ACCOUNT_NUMBER), pin=SecretStr(PIN)
        ),
    )
