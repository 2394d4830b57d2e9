"""Rules against the account's own tables: ports, tracking, receiving, fail-safe, users."""

from __future__ import annotations

import polars as pl

from rules.findings import findings, join_list
from rules.keys import KEY, with_key
from rules.reasons import Reason
from rules.statuses import COMPLETE_STATUSES


def _matches(batch: pl.DataFrame, table: pl.DataFrame, **gathered: pl.Expr) -> pl.DataFrame:
    """Batch rows whose e164 is in `table`, with `gathered` (over the table's matching rows)
    as lists. The expressions run on the matches only, not on the whole export."""
    # Only the columns `gathered` reads go through the join, not the whole export.
    # Numbers that are not numbers (null keys) match nothing: a join never matches nulls.
    needed = {name for expr in gathered.values() for name in expr.meta.root_names()}
    return (
        with_key(batch)
        .select("row_id", "e164", KEY)
        .join(with_key(table).select(KEY, *sorted(needed)), on=KEY)
        .group_by("row_id", maintain_order=True)
        .agg(pl.col("e164").first(), **gathered)
    )


def in_other_port(batch: pl.DataFrame, port_requests: pl.DataFrame) -> pl.DataFrame:
    """Numbers already in an active or complete port request (`blocking` rows)."""
    request = pl.concat_str(pl.col("port_request_id"), pl.lit(" ("), pl.col("status"), pl.lit(")"))
    moving = ~pl.col("status").str.to_lowercase().is_in(COMPLETE_STATUSES)
    blocking = pl.col("blocking")
    if "own" in port_requests.columns:  # submit's own requests: its push reports them
        blocking = blocking & ~pl.col("own")
    found = (
        _matches(batch, port_requests.filter(blocking), request=request, moving=moving)
        .with_columns(pl.col("request").list.unique(maintain_order=True))
        .with_columns(requests=join_list("request"))
    )
    return findings(
        found,
        Reason.IN_OTHER_PORT,
        detail=pl.concat_str(pl.lit("in port request "), pl.col("requests")),
        related=pl.col("requests"),
        fix=pl.when(pl.col("moving").list.any())
        .then(
            pl.concat_str(
                pl.lit("Remove it from this list: port request "),
                pl.col("requests"),
                pl.lit(
                    " already moves it. If it still has to move, wait until that "
                    "request completes or is cancelled."
                ),
            )
        )
        .otherwise(
            pl.concat_str(
                pl.lit("Remove it from this list: port request "),
                pl.col("requests"),
                pl.lit(" has ported it already; it is not with the losing carrier any more."),
            )
        ),
    )


def already_tracking(batch: pl.DataFrame, tracking: pl.DataFrame) -> pl.DataFrame:
    """Numbers that are already tracking numbers in the account."""
    label = _label(tracking, "id", "name", prefix="tracking number")
    found = _matches(batch, tracking, label=label).with_columns(labels=join_list("label"))
    return findings(
        found, Reason.ALREADY_TRACKING, detail=pl.col("labels"), related=pl.col("labels")
    )


def receiving_number(
    batch: pl.DataFrame, receiving: pl.DataFrame, tracking: pl.DataFrame | None
) -> pl.DataFrame:
    """Active receiving numbers, and numbers that tracking numbers forward to which the
    receiving_numbers export does not list at all (porting one cuts their calls off just
    the same; one it lists as inactive is left to it, as SPEC 1.2 says); `related` lists
    the tracking numbers forwarding to each."""
    listed = with_key(receiving).select(KEY, "active")
    targets = listed.filter(pl.col("active")).select(KEY).unique().with_columns(unlisted=False)
    forwarders = None
    if tracking is not None and "receiving_e164" in tracking.columns:
        forwarders = (
            tracking.filter(pl.col("receiving_e164").is_not_null() & pl.col("e164").is_not_null())
            .group_by("receiving_e164")
            .agg(pl.col("e164").unique(maintain_order=True).alias("forwarders"))
        )
        unlisted = (
            with_key(forwarders.select(e164="receiving_e164"))
            .select(KEY)
            .join(listed, on=KEY, how="anti")
            .with_columns(unlisted=True)
        )
        targets = pl.concat([targets, unlisted])
    found = _matches(batch, targets, unlisted=pl.col("unlisted").any())
    if forwarders is not None:
        found = found.join(forwarders, left_on="e164", right_on="receiving_e164", how="left")
    else:
        found = found.with_columns(forwarders=pl.lit(None, dtype=pl.List(pl.String)))
    count = pl.col("forwarders").list.len().fill_null(0)
    listed_forwarders = pl.concat_str(pl.lit("tracking numbers "), join_list("forwarders"))
    nobody = (
        "no tracking number forwards to it now"
        if tracking is not None
        else "which tracking numbers forward to it is unknown (no tracking_numbers export)"
    )
    unlisted_note = pl.when(pl.col("unlisted")).then(
        pl.lit(" (the receiving_numbers export does not list it)")
    )
    return findings(
        found,
        Reason.RECEIVING_NUMBER,
        detail=pl.when(count == 0)
        .then(pl.lit(nobody))
        .otherwise(
            pl.concat_str(
                count.cast(pl.String),
                pl.lit(" tracking number(s) forward to it"),
                unlisted_note.otherwise(pl.lit("")),
            )
        ),
        related=listed_forwarders,
        fix=pl.when(count == 0)
        .then(
            pl.lit(
                "Remove it from the account's receiving numbers (or deactivate it), then port it."
            )
        )
        .otherwise(
            pl.concat_str(
                pl.lit("Point these at another receiving number first: "),
                listed_forwarders,
                pl.when(pl.col("unlisted"))
                .then(pl.lit("; then port it."))
                .otherwise(pl.lit("; then deactivate this receiving number and port it.")),
            )
        ),
    )


def failsafe_number(batch: pl.DataFrame, failsafe: pl.DataFrame) -> pl.DataFrame:
    """The account's fail-safe numbers."""
    found = _matches(batch, failsafe)
    return findings(found, Reason.FAILSAFE_NUMBER)


def user_assigned(batch: pl.DataFrame, users: pl.DataFrame) -> pl.DataFrame:
    """Numbers assigned to a user of the account."""
    label = _label(users, "user_id", "name", prefix="user")
    found = _matches(batch, users, label=label).with_columns(labels=join_list("label"))
    return findings(
        found,
        Reason.USER_ASSIGNED,
        detail=pl.concat_str(pl.lit("assigned to "), pl.col("labels")),
        related=pl.col("labels"),
        fix=pl.concat_str(
            pl.lit("Unassign it from "),
            pl.col("labels"),
            pl.lit(" (or give the user another number) first."),
        ),
    )


def _label(table: pl.DataFrame, id_column: str, name_column: str, *, prefix: str) -> pl.Expr:
    """`tracking number TN-9 'Main line'`, with whichever parts the export has."""

    def part(column: str, before: str, after: str = "") -> pl.Expr:
        if column not in table.columns:
            return pl.lit(None, dtype=pl.String)
        return pl.concat_str(pl.lit(before), pl.col(column), pl.lit(after))

    return pl.concat_str(
        pl.lit(prefix), part(id_column, " "), part(name_column, " '", "'"), ignore_nulls=True
    )
