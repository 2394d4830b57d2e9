"""The receiving (forward-to) number: valid, and not itself on its way out."""

from __future__ import annotations

import polars as pl

from portflow.numbers import reference as ref
from rules.findings import findings, join_list, location, quoted
from rules.numbers import EXCEL_ERROR_FIX, FORMULA_FIX, INVALID_DETAIL
from rules.reasons import Reason
from rules.statuses import COMPLETE_STATUSES

# How a number of `ported` (routes_to_ported_number) is ported, when its row is rejected.
ONCE_CORRECTED = "once that row is corrected"
BY_TICKET = "by ticket"


def invalid_receiving_number(batch: pl.DataFrame) -> pl.DataFrame:
    """Receiving numbers that are not valid phone numbers (or carry an extension): why, as
    INVALID_NUMBER says it of a number, and the fix for that cause."""
    invalid = pl.col("receiving_status") == ref.INVALID
    problem = pl.col("receiving_problem") if "receiving_problem" in batch.columns else pl.lit(None)
    bad = batch.filter(invalid | pl.col("receiving_extension").is_not_null())
    return findings(
        bad,
        Reason.INVALID_RECEIVING_NUMBER,
        detail=pl.concat_str(
            quoted("receiving_number"),
            pl.when(invalid)
            .then(
                pl.lit(" ")
                + problem.replace_strict(INVALID_DETAIL, default="is not a valid phone number")
            )
            .otherwise(pl.lit(" has an extension; calls cannot be forwarded to an extension")),
        ),
        fix=pl.when(invalid).then(
            problem.replace_strict(_RECEIVING_FIX, default=None, return_dtype=pl.String)
        ),
    )


_ONLY_THE_NUMBER = (
    "Leave only the forward-to number in its cell; put a note in a column of its own."
)
_RECEIVING_FIX = {
    ref.FORMULA: FORMULA_FIX,
    ref.DIGITS_LOST: "Format the forward-to column as Text in the original workbook, type or "
    "paste the full 10-digit numbers again and re-export; the digits cannot be recovered "
    "from this file.",
    ref.TWO_NUMBERS: "Give one forward-to number per row: calls go to one number.",
    ref.EXCEL_ERROR: EXCEL_ERROR_FIX,
    ref.WORDS: _ONLY_THE_NUMBER,
    ref.WORDS_BEFORE: _ONLY_THE_NUMBER,
    ref.INVALID_PREFIX: "Check the forward-to number with the customer; a typo in the area "
    "code or exchange is the usual cause.",
}


def routes_to_ported_number(
    batch: pl.DataFrame, ported: pl.DataFrame, port_requests: pl.DataFrame | None = None
) -> pl.DataFrame:
    """Rows whose receiving number is one this run ports (a row of `ported`, earlier or
    later), or one an open port request is moving (`port_requests`: active, not complete).

    `ported` holds the rows whose numbers this run ports; `ported_how` (optional) says how,
    for a row rejected for now (ONCE_CORRECTED, BY_TICKET). A number that is listed but
    cannot be ported (ALREADY_TRACKING...) is not ported, so forwarding to it is fine. A
    number in an open request is
    mid-port, whoever asked for it: after a rerun on a refreshed export, this run's own
    earlier requests are such requests (and their numbers IN_OTHER_PORT), and forwarding
    to them must stay refused.
    """
    how = pl.col("ported_how") if "ported_how" in ported.columns else pl.lit(None)
    targets = ported.filter(pl.col("e164").is_not_null()).select(
        "e164",
        *(pl.col(c).alias(f"ported_{c}") for c in ("source_file", "source_sheet", "source_row")),
        ported_how=how.cast(pl.String),
    )
    forwarding = batch.filter(pl.col("receiving_e164").is_not_null()).select(
        "row_id", "receiving_e164"
    )
    hits = forwarding.join(targets, left_on="receiving_e164", right_on="e164").with_columns(
        ported_at=location("ported_source_file", "ported_source_sheet", "ported_source_row")
    )
    in_this_run = findings(
        hits,
        Reason.ROUTES_TO_PORTED_NUMBER,
        detail=pl.concat_str(
            pl.col("receiving_e164"),
            pl.lit(" is ported in this run ("),
            pl.col("ported_at"),
            pl.when(pl.col("ported_how").is_not_null())
            .then(pl.concat_str(pl.lit(", "), pl.col("ported_how")))
            .otherwise(pl.lit("")),
            pl.lit(")"),
        ),
        related=pl.col("ported_at"),
    )
    if port_requests is None:
        return in_this_run
    request = pl.concat_str(pl.col("port_request_id"), pl.lit(" ("), pl.col("status"), pl.lit(")"))
    open_requests = port_requests.filter(
        pl.col("blocking")
        & ~pl.col("status").is_in(COMPLETE_STATUSES)
        & pl.col("e164").is_not_null()
    ).select("e164", request=request)
    moving = (
        forwarding.join(open_requests, left_on="receiving_e164", right_on="e164")
        .group_by("row_id", maintain_order=True)
        .agg(pl.col("receiving_e164").first(), pl.col("request").unique(maintain_order=True))
        .with_columns(requests=join_list("request"))
    )
    in_a_request = findings(
        moving,
        Reason.ROUTES_TO_PORTED_NUMBER,
        detail=pl.concat_str(
            pl.col("receiving_e164"), pl.lit(" is in open port request "), pl.col("requests")
        ),
        related=pl.col("requests"),
        fix=pl.concat_str(
            pl.lit("Forward to a number that stays in service: port request "),
            pl.col("requests"),
            pl.lit(" is moving this one."),
        ),
    )
    return pl.concat([in_this_run, in_a_request], how="vertical")
