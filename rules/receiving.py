"""The receiving (forward-to) number: valid, and not itself on its way out."""

from __future__ import annotations

import polars as pl

from portflow.numbers import reference as ref
from rules.findings import findings, is_blank, location, quoted
from rules.reasons import Reason


def invalid_receiving_number(batch: pl.DataFrame) -> pl.DataFrame:
    """Receiving numbers that are not valid phone numbers (or carry an extension)."""
    bad = batch.filter(
        ~is_blank("receiving_number")
        & (
            (pl.col("receiving_status") == ref.INVALID)
            | pl.col("receiving_extension").is_not_null()
        )
    )
    return findings(
        bad,
        Reason.INVALID_RECEIVING_NUMBER,
        detail=pl.concat_str(
            quoted("receiving_number"),
            pl.when(pl.col("receiving_status") == ref.INVALID)
            .then(pl.lit(" is not a valid phone number"))
            .otherwise(pl.lit(" has an extension; calls cannot be forwarded to an extension")),
        ),
    )


def routes_to_ported_number(batch: pl.DataFrame, ported: pl.DataFrame) -> pl.DataFrame:
    """Rows whose receiving number is one this run ports (a row of `ported`, earlier or later).

    `ported` holds the rows that pass every other rule; a number that is listed but
    rejected is not ported, so forwarding to it is fine.
    """
    targets = ported.filter(pl.col("e164").is_not_null()).select(
        "e164",
        *(pl.col(c).alias(f"ported_{c}") for c in ("source_file", "source_sheet", "source_row")),
    )
    hits = (
        batch.filter(pl.col("receiving_e164").is_not_null())
        .select("row_id", "receiving_e164")
        .join(targets, left_on="receiving_e164", right_on="e164")
        .with_columns(
            ported_at=location("ported_source_file", "ported_source_sheet", "ported_source_row")
        )
    )
    return findings(
        hits,
        Reason.ROUTES_TO_PORTED_NUMBER,
        detail=pl.concat_str(
            pl.col("receiving_e164"),
            pl.lit(" is ported in this run ("),
            pl.col("ported_at"),
            pl.lit(")"),
        ),
        related=pl.col("ported_at"),
    )
