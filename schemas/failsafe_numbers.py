"""The account's failsafe_numbers export (SPEC 1.2)."""

from __future__ import annotations

import pandera.polars as pa


class FailsafeNumbers(pa.DataFrameModel):
    number: str = pa.Field(nullable=False)
