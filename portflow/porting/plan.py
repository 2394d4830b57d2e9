"""From configured numbers to port requests: one per port group, chunked, each with a key.

The idempotency key is a hash of the account, the group and the sorted numbers, so the same
batch always makes the same requests, in any order and on any machine.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator

import polars as pl

from portflow.errors import InputError
from portflow.manifest import GroupWindow, LoadedManifest
from portflow.porting.models import (
    BLOCKING_STATUSES,
    MAX_CARRIER_CHARS,
    BillingSecrets,
    NumberLine,
    RequestDraft,
    Submitted,
)

KEY_VERSION = "v1"


def idempotency_key(account_id: str, port_group: str, numbers: list[str]) -> str:
    digest = hashlib.sha256(
        "\n".join([KEY_VERSION, account_id, port_group, *sorted(numbers)]).encode()
    ).hexdigest()
    return f"pf-{KEY_VERSION}-{digest[:40]}"


def freed(answer: Submitted) -> frozenset[str]:
    """Numbers kept out of a request whose holder has let go of them since (cancelled)."""
    holders = (*answer.already, *answer.refused)
    return frozenset(r.e164 for r in holders if r.status not in BLOCKING_STATUSES)


def follow_up(draft: RequestDraft, answer: Submitted) -> RequestDraft | None:
    """The numbers of `draft` that were kept out of it and are free now, as a request of
    their own: a key answers with one request only, so they need another. Its key comes
    from the first key and these numbers: a re-run makes the same follow-up, once."""
    numbers = freed(answer)
    if not numbers:
        return None
    digest = hashlib.sha256(
        "\n".join([KEY_VERSION, "follow-up", draft.idempotency_key, *sorted(numbers)]).encode()
    ).hexdigest()
    return draft.model_copy(
        update={
            "idempotency_key": f"pf-{KEY_VERSION}-f-{digest[:40]}",
            "numbers": tuple(line for line in draft.numbers if line.e164 in numbers),
        }
    )


def group_windows(configured: pl.DataFrame) -> list[GroupWindow]:
    """Each port group's completion window (for the requested port date check)."""
    return [
        GroupWindow(group, dt.date.fromisoformat(earliest), dt.date.fromisoformat(latest))
        for group, earliest, latest in configured.group_by("port_group")
        .agg(pl.col("earliest_completion").max(), pl.col("latest_completion").min())
        .sort("port_group")
        .iter_rows()
    ]


def plan_requests(
    configured: pl.DataFrame,
    loaded: LoadedManifest,
    secrets: BillingSecrets,
    *,
    max_per_request: int,
) -> list[RequestDraft]:
    """One request per port group (more when a group is larger than `max_per_request`)."""
    _check_carriers(configured)
    manifest = loaded.manifest
    account = manifest.account_id or ""
    paperwork = loaded.paperwork()
    drafts: list[RequestDraft] = []
    ordered = configured.sort("port_group", "e164")
    for (group,), rows in ordered.group_by("port_group", maintain_order=True):
        chunks = list(_chunks(rows, max_per_request))
        for part, chunk in enumerate(chunks, start=1):
            numbers = tuple(
                NumberLine(
                    e164=r["e164"],
                    routing_id=r["routing_id"],
                    receiving_number=r["receiving_number"],
                    tracking_source=r["tracking_source"],
                )
                for r in chunk.iter_rows(named=True)
            )
            suffix = f" ({part} of {len(chunks)})" if len(chunks) > 1 else ""
            carrier = (
                chunk.get_column("losing_carrier").drop_nulls()
                if "losing_carrier" in chunk.columns
                else pl.Series([], dtype=pl.String)
            )
            drafts.append(
                RequestDraft(
                    idempotency_key=idempotency_key(account, str(group), [n.e164 for n in numbers]),
                    account_id=account,
                    friendly_name=f"{manifest.friendly_name} - {group}{suffix}",
                    port_group=str(group),
                    losing_carrier=carrier[0] if carrier.len() else manifest.losing_carrier,
                    earliest_completion=dt.date.fromisoformat(
                        str(chunk["earliest_completion"].min())
                    ),
                    latest_completion=dt.date.fromisoformat(str(chunk["latest_completion"].max())),
                    requested_port_date=manifest.requested_port_date,
                    numbers=numbers,
                    paperwork=paperwork,
                    billing_secrets=secrets,
                )
            )
    return drafts


def _check_carriers(configured: pl.DataFrame) -> None:
    """A losing carrier longer than a port request takes is a cell to fix (a note pasted
    into the column?), named by its row, before anything is submitted."""
    if "losing_carrier" not in configured.columns:
        return
    size = pl.col("losing_carrier").str.len_chars()
    long = configured.filter(size > MAX_CARRIER_CHARS).with_columns(size=size)
    if long.height:
        first = long.row(0, named=True)
        raise InputError(
            first["source_file"],
            f"the losing carrier is {first['size']:,} characters long; a port request takes "
            f"at most {MAX_CARRIER_CHARS} (is something else in that column?)",
            sheet=first["source_sheet"] or None,
            row=first["source_row"],
        )


def _chunks(rows: pl.DataFrame, size: int) -> Iterator[pl.DataFrame]:
    for start in range(0, rows.height, size):
        yield rows.slice(start, size)
