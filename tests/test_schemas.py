"""The schemas' own checks (those written here rather than taken from pandera)."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl
import pytest

from schemas.batch import InputBatch
from schemas.configured_numbers import CONFIGURED_COLUMNS, ConfiguredNumbers

CONFIGURED_ROW = {
    "e164": "+14155552671",
    "national": "(415) 555-2671",
    "country": "US",
    "number_type": "geographic",
    "routing_id": None,
    "routing_name": None,
    "receiving_number": None,
    "tracking_source": None,
    "port_group": "US-geographic",
    "earliest_completion": "2026-12-10",
    "latest_completion": "2026-12-24",
    "warnings": None,
    "source_file": "list.csv",
    "source_sheet": "",
    "source_row": 2,
}


def configured(*numbers: str) -> pl.DataFrame:
    rows = [
        {**CONFIGURED_ROW, "e164": number, "source_row": k + 2} for k, number in enumerate(numbers)
    ]
    return pl.DataFrame(
        rows, schema={c: pl.String for c in CONFIGURED_COLUMNS} | {"source_row": pl.Int64}
    )


def test_configured_numbers_are_each_listed_once() -> None:
    assert ConfiguredNumbers.validate(configured("+14155552671", "+14155552672")).height == 2
    with pytest.raises(pa.errors.SchemaErrors) as raised:
        ConfiguredNumbers.validate(
            configured("+14155552671", "+14155552672", "+14155552671"), lazy=True
        )
    cases = raised.value.failure_cases
    assert cases.select("check", "failure_case", "index").rows() == [
        ("field_uniqueness", "+14155552671", 0),
        ("field_uniqueness", "+14155552671", 2),
    ]


def batch(row_ids: list[int]) -> pl.DataFrame:
    text = (
        "number",
        "routing_id",
        "receiving_number",
        "tracking_source",
        "service",
        "losing_carrier",
    )
    return pl.DataFrame(
        {
            "row_id": pl.Series(row_ids, dtype=pl.UInt32),
            "source_file": ["list.csv"] * len(row_ids),
            "source_sheet": [""] * len(row_ids),
            "source_row": list(range(2, 2 + len(row_ids))),
            **{name: pl.Series([None] * len(row_ids), dtype=pl.String) for name in text},
        }
    )


@pytest.mark.parametrize(
    ("row_ids", "valid"), [([0, 1, 2], True), ([0, 1, 1], False), ([1, 0, 2], False)]
)
def test_batch_rows_are_numbered_once_each_in_order(row_ids: list[int], valid: bool) -> None:
    if valid:
        assert InputBatch.validate(batch(row_ids)).height == len(row_ids)
    else:
        with pytest.raises(pa.errors.SchemaError, match="increasing"):
            InputBatch.validate(batch(row_ids))
