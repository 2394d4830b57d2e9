"""Numbers that appear more than once in a run (files in order given, rows top to bottom)."""

from __future__ import annotations

import polars as pl

from rules.findings import findings, location
from rules.keys import KEY, with_key
from rules.reasons import Reason

# Reasons that are the row's (its cells), not its number's: a later row of the same number
# may not share them. (Number reasons, such as ALREADY_TRACKING, every occurrence shares.)
ROW_REASONS = frozenset(
    reason.name
    for reason in (
        Reason.HAS_EXTENSION,
        Reason.UNKNOWN_SERVICE,
        Reason.INVALID_RECEIVING_NUMBER,
        Reason.ROUTING_NAME_NOT_ID,
        Reason.UNKNOWN_ROUTING_ID,
    )
)
FIRST_REJECTED_FIX = (
    "Its first occurrence is rejected for a cell of its own: correct that row and delete "
    "this one, or delete that row and keep this one."
)
BOTH_REJECTED_FIX = (
    "Its first occurrence is rejected for a cell of its own, as is this row: correct one of "
    "the two rows and delete the other."
)
FIRST_FAX_FIX = (
    "Delete this row: the number's first occurrence is a fax line, which goes on "
    "tickets/fax_ticket.md. If it is a voice line, correct that row's service and delete "
    "this one."
)


def duplicate_in_batch(batch: pl.DataFrame, flawed: pl.Series | None = None) -> pl.DataFrame:
    """Every occurrence after the first of the same E.164 number.

    `flawed`: the row_ids rejected for a ROW_REASONS reason. When the first occurrence is
    one, "delete this row" would leave the number unported: the fix says to delete either.
    """
    fax = pl.col("service_kind") == "fax" if "service_kind" in batch.columns else pl.lit(False)
    numbered = (
        with_key(batch)
        .select("row_id", "e164", KEY, "source_file", "source_sheet", "source_row", fax=fax)
        .filter(pl.col(KEY).is_not_null())
        .sort("row_id")
        .with_columns(first=pl.col(KEY).is_first_distinct())
    )
    is_flawed = pl.col("row_id").is_in(flawed.implode()) if flawed is not None else pl.lit(False)
    later = numbered.filter(~pl.col("first")).with_columns(flawed=is_flawed)
    # Where each repeated number first appears; only those rows need their location spelt out.
    first = numbered.filter(pl.col("first")).join(later, on=KEY, how="semi")
    first = first.select(
        KEY, first_location=location(), first_flawed=is_flawed, first_fax=pl.col("fax")
    )
    later = later.join(first, on=KEY, maintain_order="left")
    return findings(
        later,
        Reason.DUPLICATE_IN_BATCH,
        detail=pl.concat_str(
            pl.col("e164"), pl.lit(" first appears at "), pl.col("first_location")
        ),
        related=pl.col("first_location"),
        fix=pl.when(pl.col("first_flawed") & pl.col("flawed"))
        .then(pl.lit(BOTH_REJECTED_FIX))
        .when(pl.col("first_flawed"))
        .then(pl.lit(FIRST_REJECTED_FIX))
        .when(pl.col("first_fax") & ~pl.col("fax"))
        .then(pl.lit(FIRST_FAX_FIX)),
    )
