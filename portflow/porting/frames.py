"""The numbers held by port requests, as the polars frame that IN_OTHER_PORT joins against."""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from portflow.porting.models import BLOCKING_STATUSES, PortRequest

HELD_SCHEMA = {"e164": pl.String, "port_request_id": pl.String, "status": pl.String}


def held_frame(rows: Iterable[tuple[str, str, str]]) -> pl.DataFrame:
    """`(e164, port_request_id, status)` rows, and `blocking`: the request holds the number."""
    frame = pl.DataFrame(list(rows), schema=HELD_SCHEMA, orient="row")
    return with_blocking(frame)


def with_blocking(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(blocking=pl.col("status").is_in(sorted(BLOCKING_STATUSES)))


def requests_frame(requests: list[PortRequest]) -> pl.DataFrame:
    """Every number of every request: `e164`, `port_request_id`, `status`, `blocking`."""
    return held_frame(
        (line.e164, request.id, request.status) for request in requests for line in request.numbers
    )
