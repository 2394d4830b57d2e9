"""Numbers that appear more than once in a run (files in order given, rows top to bottom)."""

from __future__ import annotations

import polars as pl

from rules.findings import findings, location
from rules.reasons import Reason


def duplicate_in_batch(batch: pl.DataFrame) -> pl.DataFrame:
    """Every occurrence after the first of the same E.164 number."""
    numbered = batch.filter(pl.col("e164").is_not_null()).sort("row_id")
    first = numbered.group_by("e164", maintain_order=True).agg(
        pl.col("row_id").first().alias("first_row_id"),
        location().first().alias("first_location"),
    )
    later = numbered.join(first, on="e164").filter(pl.col("row_id") != pl.col("first_row_id"))
    return findings(
        later,
        Reason.DUPLICATE_IN_BATCH,
        detail=pl.concat_str(
            pl.col("e164"), pl.lit(" first appears at "), pl.col("first_location")
        ),
        related=pl.col("first_location"),
    )
