"""The account's receiving_numbers export (SPEC 1.2)."""

from __future__ import annotations

import pandera.polars as pa

from schemas.common import BOOLEAN_WORDS


class ReceivingNumbers(pa.DataFrameModel):
    number: str = pa.Field(nullable=False)
    id: str | None = pa.Field(nullable=True)
    name: str | None = pa.Field(nullable=True)
    active: str | None = pa.Field(nullable=True, isin=BOOLEAN_WORDS)
