"""Numbers that appear more than once in a run (files in order given, rows top to bottom)."""

from __future__ import annotations

import polars as pl

from rules.findings import findings, location
from rules.keys import KEY, with_key
from rules.reasons import Reason


def duplicate_in_batch(batch: pl.DataFrame) -> pl.DataFrame:
    """Every occurrence after the first of the same E.164 number."""
    numbered = (
        with_key(batch)
        .select("row_id", "e164", KEY, "source_file", "source_sheet", "source_row")
        .filter(pl.col(KEY).is_not_null())
        .sort("row_id")
        .with_columns(first=pl.col(KEY).is_first_distinct())
    )
    later = numbered.filter(~pl.col("first"))
    # Where each repeated number first appears; only those rows need their location spelt out.
    first = numbered.filter(pl.col("first")).join(later, on=KEY, how="semi")
    later = later.join(first.select(KEY, first_location=location()), on=KEY, maintain_order="left")
    return findings(
        later,
        Reason.DUPLICATE_IN_BATCH,
        detail=pl.concat_str(
            pl.col("e164"), pl.lit(" first appears at "), pl.col("first_location")
        ),
        related=pl.col("first_location"),
    )
