"""The reject report (SPEC 3.1)."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from rules.reasons import CODES

REJECT_COLUMNS = (
    "source_file",
    "source_sheet",
    "source_row",
    "raw_number",
    "e164",
    "reason_code",
    "all_reasons",
    "reason",
    "remediation",
    "related",
)
_CODE = "(?:" + "|".join(CODES) + ")"


class Rejects(pa.DataFrameModel):
    source_file: str = pa.Field(nullable=False)
    source_sheet: str = pa.Field(nullable=False)
    source_row: pl.Int64 = pa.Field(ge=1)
    raw_number: str = pa.Field(nullable=True)
    e164: str = pa.Field(nullable=True)
    reason_code: str = pa.Field(isin=CODES)
    all_reasons: str = pa.Field(str_matches=f"^{_CODE}(?:;{_CODE})*$")
    reason: str = pa.Field(nullable=False)
    remediation: str = pa.Field(nullable=False)
    related: str = pa.Field(nullable=True)
