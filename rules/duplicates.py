"""Numbers that appear more than once in a run (files in order given, rows top to bottom)."""

from __future__ import annotations

import polars as pl

from rules.findings import FINDING_SCHEMA, findings, location
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
        Reason.ROUTES_TO_PORTED_NUMBER,
    )
)
# Reasons a row can be rejected for and its number still be ported: a cell corrected, or an
# international number by ticket.
STILL_PORTABLE = ROW_REASONS | {Reason.NOT_US_CA.name}
FIRST_REJECTED_FIX = (
    "Its first occurrence is rejected for a cell of its own: correct that row and delete "
    "this one, or delete that row and keep this one."
)
BOTH_REJECTED_FIX = (
    "Its first occurrence is rejected for a cell of its own, as is this row: correct one of "
    "the two rows and delete the other."
)
FIRST_BLOCKED_FIX = (
    "Delete this row: the number cannot be ported, for the reason its first occurrence gives."
)
FIRST_ABROAD_FIX = (
    "Delete this row: the number is international, and its first occurrence puts it on "
    "tickets/international_ticket.md."
)
FIRST_FAX_FIX = (
    "Delete this row: the number's first occurrence is a fax line, which goes on "
    "tickets/fax_ticket.md. If it is a voice line, correct that row's service and delete "
    "this one."
)


def duplicate_in_batch(batch: pl.DataFrame, found: pl.DataFrame | None = None) -> pl.DataFrame:
    """Every occurrence after the first of the same E.164 number.

    `found`: the other rules' findings (`row_id`, `code`). The fix follows what becomes of
    the first occurrence: rejected for its number (ALREADY_TRACKING...), nothing here can
    port it; rejected for a cell of its own (ROW_REASONS), "delete this row" would leave
    the number unported, so the fix says to delete either; an international number or a
    fax line goes on its ticket from there.
    """
    fax = pl.col("service_kind") == "fax" if "service_kind" in batch.columns else pl.lit(False)
    numbered = (
        with_key(batch)
        .select("row_id", "e164", KEY, "source_file", "source_sheet", "source_row", fax=fax)
        .filter(pl.col(KEY).is_not_null())
        .sort("row_id")
        .with_columns(first=pl.col(KEY).is_first_distinct())
    )
    found = found if found is not None else pl.DataFrame(schema=FINDING_SCHEMA)

    def rejected_for(codes: pl.Expr) -> pl.Expr:
        return pl.col("row_id").is_in(found.filter(codes).get_column("row_id").implode())

    is_flawed = rejected_for(pl.col("code").is_in(ROW_REASONS))
    later = numbered.filter(~pl.col("first")).with_columns(flawed=is_flawed)
    # Where each repeated number first appears; only those rows need their location spelt out.
    first = numbered.filter(pl.col("first")).join(later, on=KEY, how="semi")
    first = first.select(
        KEY,
        first_location=location(),
        first_flawed=is_flawed,
        first_blocked=rejected_for(~pl.col("code").is_in(STILL_PORTABLE)),
        first_abroad=rejected_for(pl.col("code") == Reason.NOT_US_CA.name),
        first_fax=pl.col("fax"),
    )
    later = later.join(first, on=KEY, maintain_order="left")
    return findings(
        later,
        Reason.DUPLICATE_IN_BATCH,
        detail=pl.concat_str(
            pl.col("e164"), pl.lit(" first appears at "), pl.col("first_location")
        ),
        related=pl.col("first_location"),
        fix=pl.when(pl.col("first_blocked"))
        .then(pl.lit(FIRST_BLOCKED_FIX))
        .when(pl.col("first_flawed") & pl.col("flawed"))
        .then(pl.lit(BOTH_REJECTED_FIX))
        .when(pl.col("first_flawed"))
        .then(pl.lit(FIRST_REJECTED_FIX))
        .when(pl.col("first_abroad"))
        .then(pl.lit(FIRST_ABROAD_FIX))
        .when(pl.col("first_fax") & ~pl.col("fax"))
        .then(pl.lit(FIRST_FAX_FIX)),
    )
