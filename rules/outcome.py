"""From verdicts to outcomes: rejected rows, configured numbers, fax and international lists."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from rules.findings import findings, is_blank
from rules.groups import with_completion
from rules.judge import verdicts
from rules.reasons import Reason
from rules.routing import routing_matches
from rules.service import FAX, VOICE

NO_ROUTING_WARNING = "no routing ID: configured without routing"


@dataclass(frozen=True)
class Outcome:
    """Every input row lands in exactly one of `rejected`, `configured` and `fax`."""

    rejected: pl.DataFrame
    configured: pl.DataFrame
    fax: pl.DataFrame
    international: pl.DataFrame

    @property
    def rows(self) -> int:
        return self.rejected.height + self.configured.height + self.fax.height


def decide(
    batch: pl.DataFrame,
    verdicts: pl.DataFrame,
    *,
    routing: pl.DataFrame | None,
    run_date: dt.date,
) -> Outcome:
    """Split the judged batch; passing rows get routing names, warnings and port groups."""
    batch = batch.sort("row_id")
    rejected = batch.join(verdicts, on="row_id", how="inner", maintain_order="left")
    passed = batch.join(verdicts, on="row_id", how="anti", maintain_order="left")
    passed = with_completion(_with_routing(passed, routing), run_date=run_date)
    international = rejected.filter(
        pl.col("all_reasons").str.contains(Reason.NOT_US_CA.name)
        & ~pl.col("all_reasons").str.contains(Reason.DUPLICATE_IN_BATCH.name)
    )
    return Outcome(
        rejected=rejected,
        configured=passed.filter(pl.col("service_kind") == VOICE),
        fax=passed.filter(pl.col("service_kind") == FAX),
        international=international,
    )


def _with_routing(passed: pl.DataFrame, routing: pl.DataFrame | None) -> pl.DataFrame:
    """The routing ID as the account spells it, its name, and the row's warnings."""
    if routing is None:
        resolved = passed.with_columns(
            routing_match_id=pl.col("routing_id").str.strip_chars(),
            routing_match_name=pl.lit(None, dtype=pl.String),
            routing_match_active=pl.lit(True),
        )
    else:
        matches = routing_matches(passed, routing).drop("routing_name_ids")
        resolved = passed.join(matches, on="routing_id", how="left", maintain_order="left")
    inactive = pl.col("routing_match_active").not_()
    warnings = pl.concat_str(
        pl.when(is_blank("routing_id") & (pl.col("service_kind") == VOICE)).then(
            pl.lit(NO_ROUTING_WARNING)
        ),
        pl.when(inactive.fill_null(False)).then(
            pl.concat_str(
                pl.lit("routing "),
                pl.col("routing_match_id"),
                pl.lit(" is inactive in the account"),
            )
        ),
        separator="; ",
        ignore_nulls=True,
    )
    return resolved.with_columns(
        routing_id=pl.col("routing_match_id"),
        routing_name=pl.col("routing_match_name"),
        warnings=pl.when(warnings == "").then(None).otherwise(warnings),
    ).drop("routing_match_id", "routing_match_name", "routing_match_active")


def with_refusals(outcome: Outcome, refused: pl.DataFrame) -> Outcome:
    """Numbers the porting system refused at submission (already in another active or
    complete request: `e164`, `port_request_id`, `status`) become IN_OTHER_PORT rejects."""
    if refused.is_empty():
        return outcome
    requests = (
        refused.with_columns(
            request=pl.concat_str("port_request_id", pl.lit(" ("), "status", pl.lit(")"))
        )
        .group_by("e164")
        .agg(pl.col("request").str.join("; "))
    )
    hit = outcome.configured.join(requests, on="e164")
    found = findings(
        hit,
        Reason.IN_OTHER_PORT,
        detail=pl.concat_str(
            pl.lit("in port request "), "request", pl.lit(" (found by the porting system)")
        ),
        related=pl.col("request"),
        fix=pl.concat_str(
            pl.lit("Remove it from this list: port request "),
            "request",
            pl.lit(" already moves it."),
        ),
    )
    shared = [c for c in outcome.rejected.columns if c in outcome.configured.columns]
    moved = hit.select(shared).join(verdicts(found), on="row_id")
    return Outcome(
        rejected=pl.concat([outcome.rejected, moved], how="diagonal_relaxed").sort("row_id"),
        configured=outcome.configured.join(hit.select("row_id"), on="row_id", how="anti"),
        fax=outcome.fax,
        international=outcome.international,
    )
