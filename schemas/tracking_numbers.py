"""The account's tracking_numbers export (SPEC 1.2)."""

from __future__ import annotations

import pandera.polars as pa


class TrackingNumbers(pa.DataFrameModel):
    number: str = pa.Field(nullable=False)
    id: str | None = pa.Field(nullable=True)
    name: str | None = pa.Field(nullable=True)
    routing_id: str | None = pa.Field(nullable=True)
    receiving_number: str | None = pa.Field(nullable=True)
    account_id: str | None = pa.Field(nullable=True)
