"""The account's port_requests export (SPEC 1.2)."""

from __future__ import annotations

import pandera.polars as pa


class PortRequests(pa.DataFrameModel):
    port_request_id: str = pa.Field(nullable=False)
    number: str = pa.Field(nullable=False)
    status: str = pa.Field(nullable=False)
