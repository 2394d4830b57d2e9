"""What travels between portflow and a porting system: port requests and their outcomes."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from rules.statuses import NOT_BLOCKING, SYSTEM_LEVELS

# The carriers' lifecycle; an operator moves a request through it (`portflow system set-status`).
STATUSES = ("draft", "submitted", "exception", "foc", "complete", "cancelled")
TRANSITIONS: dict[str, frozenset[str]] = {
    "draft": frozenset({"submitted", "cancelled"}),
    "submitted": frozenset({"exception", "foc", "complete", "cancelled"}),
    "exception": frozenset({"submitted", "foc", "cancelled"}),
    "foc": frozenset({"exception", "complete", "cancelled"}),
    "complete": frozenset(),
    "cancelled": frozenset(),
}
# A number in a request with one of these statuses cannot go into another request.
# Those that hold their numbers: rules/statuses.py keeps what each status means.
BLOCKING_STATUSES = frozenset(s for s, level in SYSTEM_LEVELS.items() if level != NOT_BLOCKING)

Status = Literal["draft", "submitted", "exception", "foc", "complete", "cancelled"]


MAX_CARRIER_CHARS = 200  # a losing carrier's name, as a port request takes it


class NumberLine(BaseModel):
    """One number of a request and the configuration it gets once ported."""

    model_config = ConfigDict(frozen=True)

    e164: str = Field(pattern=r"^\+1[2-9]\d{9}$")
    routing_id: str | None = None
    receiving_number: str | None = None
    tracking_source: str | None = None


class BillingSecrets(BaseModel):
    """The two secrets of the port form; SecretStr keeps them out of every repr and log."""

    carrier_account_number: SecretStr
    pin: SecretStr

    def revealed(self) -> dict[str, str]:
        """For the wire and the store only."""
        return {
            "carrier_account_number": self.carrier_account_number.get_secret_value(),
            "pin": self.pin.get_secret_value(),
        }


class RequestDraft(BaseModel):
    """A port request as portflow asks for it; `idempotency_key` names its content."""

    model_config = ConfigDict(frozen=True)

    idempotency_key: str = Field(min_length=16, max_length=128, pattern=r"^[A-Za-z0-9_-]+$")
    account_id: str = Field(min_length=1, max_length=200)
    friendly_name: str = Field(min_length=1, max_length=400)
    port_group: str = Field(min_length=1, max_length=200)
    losing_carrier: str | None = Field(default=None, max_length=MAX_CARRIER_CHARS)
    earliest_completion: dt.date
    latest_completion: dt.date
    requested_port_date: dt.date | None = None
    numbers: tuple[NumberLine, ...] = Field(min_length=1)
    paperwork: dict[str, Any] = Field(default_factory=dict)
    billing_secrets: BillingSecrets

    @field_validator("numbers")
    @classmethod
    def _each_number_once(cls, numbers: tuple[NumberLine, ...]) -> tuple[NumberLine, ...]:
        seen: set[str] = set()
        for line in numbers:
            if line.e164 in seen:
                raise ValueError(f"{line.e164} is listed more than once")
            seen.add(line.e164)
        return numbers

    def wire(self) -> dict[str, Any]:
        """The JSON body sent to a porting system (the only place secrets are revealed)."""
        body = self.model_dump(mode="json", exclude={"billing_secrets"})
        body["billing_secrets"] = self.billing_secrets.revealed()
        return body

    def content_hash(self) -> str:
        """What the idempotency key stands for: account, group and numbers (in any order).

        A re-sent key must say the same; dates, paperwork and routing may have moved on
        (a re-run on another day), and the request already made stands."""
        body = [self.account_id, self.port_group, *sorted(n.e164 for n in self.numbers)]
        return hashlib.sha256(json.dumps(body).encode()).hexdigest()


class Refusal(BaseModel):
    """A number the porting system kept out of a new request, and the request holding it."""

    e164: str
    port_request_id: str
    status: str
    port_group: str | None = None  # the holder's, when it is the same account's request


class PortRequest(BaseModel):
    """A port request as the porting system holds it."""

    id: str
    idempotency_key: str
    account_id: str
    friendly_name: str
    port_group: str
    losing_carrier: str | None = None
    status: str
    carrier_reason: str | None = None
    foc_date: dt.date | None = None
    earliest_completion: dt.date
    latest_completion: dt.date
    requested_port_date: dt.date | None = None
    created_at: dt.datetime
    updated_at: dt.datetime
    numbers: list[NumberLine] = Field(default_factory=list)


class Submitted(BaseModel):
    """The answer to a submission.

    `request` is the request made (or found under the same key); None when every number
    is already in a request. `already` lists numbers in an earlier request of the same
    account (this batch, submitted before with other chunks or groups): they are
    submitted, not refused. `refused` lists numbers in other accounts' active or complete
    requests. Answering a key seen before, both give their holder's status now: a holder
    no longer in BLOCKING_STATUSES (cancelled since) has freed the number.
    """

    created: bool
    request: PortRequest | None
    already: list[Refusal] = Field(default_factory=list)
    refused: list[Refusal] = Field(default_factory=list)
    # Answering a key seen before: what the request was made with that this draft changes
    # ("PIN", "requested port date"...; names only). The request is not changed.
    differs: list[str] = Field(default_factory=list)


class StatusChange(BaseModel):
    """An operator's move of a request along the lifecycle."""

    # For the OpenAPI document: what the store enforces (`SqliteSystem.set_status`).
    model_config = ConfigDict(
        json_schema_extra={
            "allOf": [
                {
                    "if": {"properties": {"status": {"const": "exception"}}},
                    "then": {
                        "required": ["carrier_reason"],
                        "properties": {"carrier_reason": {"type": "string", "minLength": 1}},
                    },
                },
                {
                    "if": {"properties": {"status": {"const": "foc"}}},
                    "then": {
                        "required": ["foc_date"],
                        "properties": {"foc_date": {"type": "string", "format": "date"}},
                    },
                },
            ]
        }
    )

    status: Status
    carrier_reason: str | None = Field(default=None, max_length=200)
    foc_date: dt.date | None = None
