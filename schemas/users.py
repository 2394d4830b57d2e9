"""The account's users export (SPEC 1.2); users without a number are normal."""

from __future__ import annotations

import pandera.polars as pa


class Users(pa.DataFrameModel):
    number: str = pa.Field(nullable=True)
    user_id: str | None = pa.Field(nullable=True)
    name: str | None = pa.Field(nullable=True)
