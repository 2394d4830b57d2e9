"""Numbers as join keys: an E.164 number's digits as one integer.

The rules join the batch's numbers with the account's tables and look for repeats; on a
million numbers, joins and distinct tests on integers take a third to a half of the time
they take on the same numbers as strings (bench, 1M rows). E.164 has at most 15 digits.
"""

from __future__ import annotations

import polars as pl

KEY = "e164_key"


def with_key(frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` with KEY, the integer of its `e164` (an E.164 number or null); a frame that
    has it already (or has no `e164`) is returned as it is."""
    if KEY in frame.columns or "e164" not in frame.columns:
        return frame
    return frame.with_columns(pl.col("e164").str.strip_prefix("+").cast(pl.UInt64).alias(KEY))
