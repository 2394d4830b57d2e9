"""Numbers that appear more than once in a run (files in order given, rows top to bottom)."""

from __future__ import annotations

import polars as pl

from rules.findings import FINDING_SCHEMA, findings, folded, location
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
DIFFERS_FIX = (
    "Delete this row; its first occurrence is the one configured. If this row's routing "
    "or forward-to number is the right one, copy it to that row first."
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
    keyed = with_key(batch)
    # Which rows repeat a number, on the two columns that tell; the rest of those few rows'
    # cells are fetched after (a million rows' sort carried nothing else).
    repeats = (
        keyed.select("row_id", KEY)
        .filter(pl.col(KEY).is_not_null())
        .sort("row_id")
        .with_columns(first=pl.col(KEY).is_first_distinct())
    )
    repeats = repeats.join(repeats.filter(~pl.col("first")), on=KEY, how="semi")
    numbered = repeats.join(
        keyed.select(
            "row_id",
            "e164",
            "source_file",
            "source_sheet",
            "source_row",
            *(c for c in _COMPARED if c in batch.columns),
            fax=fax,
        ),
        on="row_id",
        maintain_order="left",
    )
    found = found if found is not None else pl.DataFrame(schema=FINDING_SCHEMA)

    def rejected_for(codes: pl.Expr) -> pl.Expr:
        return pl.col("row_id").is_in(found.filter(codes).get_column("row_id").implode())

    is_flawed = rejected_for(pl.col("code").is_in(ROW_REASONS))
    # What each row gives, worked out on the repeated numbers' rows only.
    routing = _given(batch, "routing_id")
    forward = _given(batch, "receiving_e164", "receiving_number")
    later = numbered.filter(~pl.col("first")).with_columns(
        flawed=is_flawed, routing=routing, forward=forward
    )
    # Where each repeated number first appears; only those rows need their location spelt out.
    first = numbered.filter(pl.col("first")).join(later, on=KEY, how="semi")
    first = first.select(
        KEY,
        first_location=location(),
        first_flawed=is_flawed,
        first_blocked=rejected_for(~pl.col("code").is_in(STILL_PORTABLE)),
        first_abroad=rejected_for(pl.col("code") == Reason.NOT_US_CA.name),
        first_fax=pl.col("fax"),
        first_routing=routing,
        first_forward=forward,
    )
    later = later.join(first, on=KEY, maintain_order="left")
    # Two rows of one number that disagree: the customer gave two instructions, and the
    # first row's is the one configured; the analyst must be told, not only to delete.
    # (Not said where the number cannot be ported at all: which routing is moot.)
    portable = ~pl.col("first_blocked")
    routing_differs = portable & (folded("routing") != folded("first_routing"))  # rt-1: RT-1
    forward_differs = portable & (pl.col("forward") != pl.col("first_forward"))
    return findings(
        later,
        Reason.DUPLICATE_IN_BATCH,
        detail=pl.concat_str(
            pl.col("e164"),
            pl.lit(" first appears at "),
            pl.col("first_location"),
            pl.when(routing_differs)
            .then(_differs("routing", "first_routing", "routing"))
            .otherwise(pl.lit("")),
            pl.when(forward_differs)
            .then(_differs("forward-to number", "first_forward", "forward"))
            .otherwise(pl.lit("")),
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
        .then(pl.lit(FIRST_FAX_FIX))
        .when(routing_differs | forward_differs)
        .then(pl.lit(DIFFERS_FIX)),
    )


_COMPARED = ("routing_id", "receiving_e164", "receiving_number")


def _given(batch: pl.DataFrame, *columns: str) -> pl.Expr:
    """What a row gives in the first of `columns` it fills ("" for none), for comparing."""
    present = [pl.col(c).str.strip_chars() for c in columns if c in batch.columns]
    return pl.coalesce(*present, pl.lit("")) if present else pl.lit("")


def _differs(what: str, first: str, here: str) -> pl.Expr:
    """`, with another routing: 'RT-1001' there, 'RT-1002' here` ('none' for a blank)."""

    def shown(column: str) -> pl.Expr:
        value = pl.col(column)
        return (
            pl.when(value == "")
            .then(pl.lit("none"))
            .otherwise(pl.concat_str(pl.lit("'"), value, pl.lit("'")))
        )

    return pl.concat_str(
        pl.lit(f", with another {what}: "),
        shown(first),
        pl.lit(" there, "),
        shown(here),
        pl.lit(" here"),
    )
