"""The account's routing export (SPEC 1.2)."""

from __future__ import annotations

import pandera.polars as pa

from schemas.common import BOOLEAN_WORDS


class Routing(pa.DataFrameModel):
    routing_id: str = pa.Field(nullable=False, unique=True)
    name: str = pa.Field(nullable=True)
    type: str | None = pa.Field(nullable=True)
    active: str | None = pa.Field(nullable=True, isin=BOOLEAN_WORDS)
