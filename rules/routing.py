"""The routing column: an ID from the account's routing table, not a friendly name."""

from __future__ import annotations

import polars as pl

from rules.findings import findings, folded, is_blank, join_list, quoted
from rules.reasons import Reason


def _key(column: str) -> pl.Expr:
    """IDs and names compared as a person reads them (`RT-2` with a zero-width space is RT-2)."""
    return folded(column)


def routing_matches(batch: pl.DataFrame, routing: pl.DataFrame) -> pl.DataFrame:
    """Per distinct routing value of `batch`: the routing it names by ID (`routing_match_id`,
    `_name`, `_active`) and the IDs of routings whose *name* it is (`routing_name_ids`).

    A batch repeats a few routing values, so each is looked up once; join on `routing_id`.
    """
    by_id = routing.select(
        key=_key("routing_id"),
        routing_match_id=pl.col("routing_id"),
        routing_match_name=pl.col("name"),
        routing_match_active=pl.col("active"),
    )
    by_name = (
        routing.filter(pl.col("name").is_not_null())
        .group_by(key=_key("name"))
        .agg(
            routing_name_ids=pl.col("routing_id").unique(maintain_order=True),
            routing_name_active_ids=pl.col("routing_id")
            .filter(pl.col("active"))
            .unique(maintain_order=True),
        )
    )
    return (
        batch.select("routing_id")
        .unique()  # first: the few distinct values are tested for blanks, not every row
        .filter(~is_blank("routing_id"))
        .with_columns(key=_key("routing_id"))
        .join(by_id.unique("key", keep="first"), on="key", how="left")
        .join(by_name, on="key", how="left")
        .drop("key")
    )


def routing_name_not_id(batch: pl.DataFrame, routing: pl.DataFrame) -> pl.DataFrame:
    """Routing values that are a routing's friendly name; `fix` gives the ID to use."""
    named = _rows_matching(
        batch,
        routing,
        pl.col("routing_match_id").is_null() & pl.col("routing_name_ids").is_not_null(),
    )
    ids, active = join_list("routing_name_ids"), join_list("routing_name_active_ids")
    count = pl.col("routing_name_active_ids").list.len()
    return findings(
        named,
        Reason.ROUTING_NAME_NOT_ID,
        detail=pl.concat_str(quoted("routing_id"), pl.lit(" is the name of routing "), ids),
        related=ids,
        fix=pl.when(count == 1)
        .then(pl.concat_str(pl.lit("Use the routing ID "), active, pl.lit(" instead of the name.")))
        .when(count > 1)
        .then(
            pl.concat_str(
                pl.lit("Routings "),
                active,
                pl.lit(" all have this name: use the ID of the one meant instead of the name."),
            )
        )
        .otherwise(
            pl.concat_str(
                pl.lit("Routing "),
                ids,
                pl.lit(
                    " of this name is inactive: use an active routing's ID instead, or have "
                    "it made active in the account first."
                ),
            )
        ),
    )


def unknown_routing_id(batch: pl.DataFrame, routing: pl.DataFrame) -> pl.DataFrame:
    """Routing values that are neither an ID nor a name in the routing table."""
    unknown = _rows_matching(
        batch,
        routing,
        pl.col("routing_match_id").is_null() & pl.col("routing_name_ids").is_null(),
    )
    return findings(
        unknown,
        Reason.UNKNOWN_ROUTING_ID,
        detail=pl.concat_str(quoted("routing_id"), pl.lit(" is not in the account")),
    )


def _rows_matching(batch: pl.DataFrame, routing: pl.DataFrame, where: pl.Expr) -> pl.DataFrame:
    """The rows whose routing value's `routing_matches` satisfy `where` (decided once per
    distinct value, then joined to the rows that have one of the few values found)."""
    found = routing_matches(batch, routing).filter(where)
    return batch.select("row_id", "routing_id").join(
        found, on="routing_id", how="inner", maintain_order="left"
    )
