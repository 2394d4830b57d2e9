"""Every rule over the batch, combined into one verdict per rejected row (SPEC 2 precedence)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import polars as pl

from rules import account, duplicates, numbers, receiving, routing, service
from rules.findings import FINDING_SCHEMA
from rules.keys import with_key
from rules.reasons import Reason

Rule = Callable[[pl.DataFrame], pl.DataFrame]
Tables = Mapping[str, pl.DataFrame | None]

# What ROUTES_TO_PORTED_NUMBER needs to know of the rows this run ports.
PORTED_COLUMNS = ("row_id", "e164", "source_file", "source_sheet", "source_row")
# Reasons that a corrected cell clears (the others say the number cannot go as it is).
CELL_FIXES = tuple(
    reason.name
    for reason in (
        Reason.MISSING_NUMBER,
        Reason.INVALID_NUMBER,
        Reason.HAS_EXTENSION,
        Reason.UNKNOWN_SERVICE,
        Reason.ROUTING_NAME_NOT_ID,
        Reason.UNKNOWN_ROUTING_ID,
        Reason.INVALID_RECEIVING_NUMBER,
        Reason.ROUTES_TO_PORTED_NUMBER,
    )
)
INTERNATIONAL_LAST = (
    "Once nothing else is wrong with the row, the number goes by ticket "
    "(tickets/international_ticket.md)."
)


def rules_for(tables: Tables) -> list[Rule]:
    """The rules that can run; a rule whose table is missing (allowed) is left out."""
    tracking = tables.get("tracking_numbers")
    receiving_numbers = tables.get("receiving_numbers")
    failsafe = tables.get("failsafe_numbers")
    users = tables.get("users")
    port_requests = tables.get("port_requests")
    routing_table = tables.get("routing")
    found: list[Rule] = [
        numbers.missing_number,
        numbers.invalid_number,
        numbers.not_us_ca,
        numbers.has_extension,
        service.unknown_service,
        receiving.invalid_receiving_number,
    ]
    if port_requests is not None:
        found.append(lambda batch: account.in_other_port(batch, port_requests))
    if tracking is not None:
        found.append(lambda batch: account.already_tracking(batch, tracking))
    if receiving_numbers is not None:
        found.append(lambda batch: account.receiving_number(batch, receiving_numbers, tracking))
    if failsafe is not None:
        found.append(lambda batch: account.failsafe_number(batch, failsafe))
    if users is not None:
        found.append(lambda batch: account.user_assigned(batch, users))
    if routing_table is not None:
        found.append(lambda batch: routing.routing_name_not_id(batch, routing_table))
        found.append(lambda batch: routing.unknown_routing_id(batch, routing_table))
    return found


def judge(batch: pl.DataFrame, tables: Tables) -> pl.DataFrame:
    """One verdict per rejected row: the first reason by precedence and all of them.

    DUPLICATE_IN_BATCH needs to know what becomes of each first occurrence, and
    ROUTES_TO_PORTED_NUMBER which numbers this run ports: those of the rows that pass every
    other rule, and of those rejected only for a cell to correct or for being international
    (ported once corrected, or by ticket: forwarding to them must be refused in this run,
    not after the one round of edits). So they run after the others, on their findings.
    """
    batch = with_key(batch)  # once, not once per rule
    found = pl.concat(
        [pl.DataFrame(schema=FINDING_SCHEMA)] + [rule(batch) for rule in rules_for(tables)],
        how="vertical",
    )
    repeated = duplicates.duplicate_in_batch(batch, found)
    row_id = pl.col("row_id")
    held = found.filter(~pl.col("code").is_in(duplicates.STILL_PORTABLE))
    not_ported = pl.concat([held, repeated]).get_column("row_id").implode()
    pending = found.filter(~row_id.is_in(not_ported))
    to_correct = pending.filter(pl.col("code") != Reason.NOT_US_CA.name).get_column("row_id")
    ported = (
        batch.select(PORTED_COLUMNS)
        .filter(~row_id.is_in(not_ported))
        .with_columns(
            ported_how=pl.when(row_id.is_in(to_correct.implode()))
            .then(pl.lit(receiving.ONCE_CORRECTED))
            .when(row_id.is_in(pending.get_column("row_id").implode()))
            .then(pl.lit(receiving.BY_TICKET))
        )
    )
    routed = receiving.routes_to_ported_number(batch, ported, tables.get("port_requests"))
    if routed.height and repeated.height:
        # A first occurrence this rule rejects is rejected for a cell of its own: its repeats
        # say to delete either row, not "ported from its first occurrence" (which it is not).
        repeated = duplicates.duplicate_in_batch(batch, pl.concat([found, routed]))
    return verdicts(pl.concat([found, repeated, routed], how="vertical"))


def verdicts(found: pl.DataFrame) -> pl.DataFrame:
    """Combine findings per row: `reason_code` is the first by precedence, `all_reasons` all."""
    order = {reason.name: position for position, reason in enumerate(Reason)}
    message = {reason.name: reason.message for reason in Reason}
    remedy = {reason.name: reason.remediation for reason in Reason}
    row_id, precedence = pl.col("row_id"), pl.col("precedence")
    # Sorted stably, a code found twice for a row follows its first finding: only that one
    # is kept. (Cheaper than unique() then sort(): the rules' findings come in row order.)
    repeat = row_id.eq_missing(row_id.shift()) & precedence.eq_missing(precedence.shift())
    explained = (
        found.with_columns(precedence=pl.col("code").replace_strict(order, return_dtype=pl.Int32))
        .sort("row_id", "precedence", maintain_order=True)
        .filter(~repeat)
        # The words last, so that the sort does not copy them.
        .select(
            "row_id",
            "code",
            "related",
            sentence=pl.concat_str(
                pl.col("code").replace_strict(message, return_dtype=pl.String),
                pl.when(pl.col("detail").is_not_null())
                .then(pl.concat_str(pl.lit(": "), pl.col("detail")))
                .otherwise(pl.lit("")),
            ),
            remedy=pl.coalesce(
                "fix", pl.col("code").replace_strict(remedy, return_dtype=pl.String)
            ),
            findings=pl.len().over("row_id"),
        )
    )
    # Most rejected rows have one reason: those need no per-row aggregation.
    single = explained.filter(pl.col("findings") == 1).select(
        "row_id",
        reason_code="code",
        all_reasons="code",
        reason=pl.concat_str("sentence", pl.lit(".")),
        remediation="remedy",
        related=pl.when(pl.col("related") != "").then("related"),
    )
    several = _combined(explained.filter(pl.col("findings") > 1))
    return pl.concat([single, several], how="vertical").sort("row_id")


def _combined(explained: pl.DataFrame) -> pl.DataFrame:
    """One verdict per row of several findings (sorted by row, then precedence).

    The group_by only gathers each row's values into lists; the words are made from those
    lists column-wise. (Sorting, filtering or joining strings inside each group costs a
    call per row: 10 s and more on a million rows of two findings.)
    """
    code = pl.col("code")
    # What to do: a duplicate row is deleted, whatever else is wrong with it. A row whose
    # every reason is a cell to correct gets every fix, so one round of edits clears it
    # (not one fix per run); otherwise the first reason's fix leads, as its reason does.
    duplicate = code == Reason.DUPLICATE_IN_BATCH.name
    # An international number with more wrong goes on no ticket (tickets take numbers with
    # nothing else wrong): its other fixes come first, the ticket last. A row holds each
    # code once: the ticket is left out of the row's fixes here and added after them below.
    abroad = code == Reason.NOT_US_CA.name
    rows = explained.group_by("row_id", maintain_order=True).agg(
        "code",
        "sentence",
        "related",
        fixes=pl.when(~abroad).then("remedy"),
        abroad=abroad.any(),
        duplicate_fix=pl.when(duplicate).then("remedy").first(ignore_nulls=True),
        all_cells=(code.is_in(CELL_FIXES) | abroad).all(),
    )
    present = pl.element().is_not_null()  # (list.drop_nulls is far slower)
    ticket = pl.when("abroad").then(pl.lit(INTERNATIONAL_LAST))
    distinct = rows.with_columns(
        remedies=pl.concat_list("fixes", ticket)
        .list.filter(present)
        .list.unique(maintain_order=True),
        related=pl.col("related")
        .list.filter(present)
        .list.unique(maintain_order=True)
        .list.join("; "),
    )
    sentences, remedies = pl.col("sentence"), pl.col("remedies")
    return distinct.select(
        "row_id",
        reason_code=code.list.first(),
        all_reasons=code.list.join(";"),
        reason=pl.concat_str(
            sentences.list.first(),
            pl.lit(". Also: "),
            sentences.list.slice(1).list.join("; "),
            pl.lit("."),
        ),
        remediation=pl.when(pl.col("duplicate_fix").is_not_null())
        .then("duplicate_fix")
        .when(pl.col("all_cells") & (remedies.list.len() > 1))
        .then(
            pl.concat_str(
                remedies.list.first(), pl.lit(" Also: "), remedies.list.slice(1).list.join(" ")
            )
        )
        .otherwise(remedies.list.first()),
        related=pl.when(pl.col("related") != "").then("related"),
    )
