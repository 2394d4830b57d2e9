"""The vectorised normaliser: common North American forms in polars, the rest by the reference.

Each distinct value is decided once. Printable-ASCII values in the usual shapes
(`(415) 555-2671`, `+1 415.555.2671`, `14155552671`, ...) are decided with the prefix table;
everything else (letters, extensions, other country codes, odd punctuation, non-ASCII) goes
to `reference.normalise_one`. Both must agree on every input: tests/numbers and bench/ check it.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from portflow.numbers import reference as ref
from portflow.numbers.prefixes import load_prefix_table

# Below this many distinct values the reference alone is quicker than loading the table.
FAST_MIN_UNIQUE = 5_000

RESULT_SCHEMA = {
    "status": pl.String,
    "e164": pl.String,
    "national": pl.String,
    "country": pl.String,
    "number_type": pl.String,
    "extension": pl.String,
    "problem": pl.String,
}
_PRINTABLE_ASCII = r"^[\x20-\x7e]*$"
_SCIENTIFIC = r"^[+-]?\d+(?:[.,]\d+)?[eE][+-]?\d+$"
# Optional +1 / 1, area code (bracketed or not), exchange, line; single separators only.
_NANP_SHAPE = r"^(?:\+?1[ .-]?)?(?:\(([2-9]\d\d)\)|([2-9]\d\d))[ ./-]?(\d{3})[ .-]?(\d{4})$"


class Normaliser:
    """Normalises phone-number columns; loads the prefix table only when it pays off."""

    def __init__(self, *, cache_dir: Path | None, fast_min_unique: int = FAST_MIN_UNIQUE) -> None:
        self._cache_dir = cache_dir
        self._fast_min_unique = fast_min_unique
        self._prefixes: pl.DataFrame | None = None

    def normalise(self, raw: pl.Series, *, fast: bool | None = None) -> pl.DataFrame:
        """One row per value of `raw`, in order, with the columns of RESULT_SCHEMA."""
        values = raw.cast(pl.String).rename("raw")
        distinct = values.unique()
        if fast is None:
            fast = distinct.len() >= self._fast_min_unique
        decided = self._decide_fast(distinct) if fast else _decide_by_reference(distinct)
        return (
            values.to_frame()
            .join(decided, on="raw", how="left", nulls_equal=True, maintain_order="left")
            .drop("raw")
        )

    def prefixes(self) -> pl.DataFrame:
        if self._prefixes is None:
            self._prefixes = load_prefix_table(self._cache_dir)
        return self._prefixes

    def _decide_fast(self, distinct: pl.Series) -> pl.DataFrame:
        shaped = _clean_and_shape(distinct).join(self.prefixes(), on="prefix", how="left")
        # Each value is decided early (empty, Excel damage), by the table, or by reference.
        by_table = pl.col("npa").is_not_null() & pl.col("decided").fill_null(True)
        early = shaped.filter(pl.col("status").is_not_null())
        decided = shaped.filter(by_table)
        leftover = shaped.filter(pl.col("status").is_null() & ~by_table)
        return pl.concat(
            [
                decided.select("raw", *_judge_nanp()),
                early.select(
                    "raw",
                    *[
                        pl.col(c)
                        if c in ("status", "problem")
                        else pl.lit(None, dtype=pl.String).alias(c)
                        for c in RESULT_SCHEMA
                    ],
                ),
                _decide_by_reference(leftover.get_column("raw")),
            ],
            how="vertical",
        )


def _clean_and_shape(distinct: pl.Series) -> pl.DataFrame:
    """reference.clean for printable ASCII, then the shape test; other values stay undecided."""
    raw = pl.col("raw")
    text = raw.str.strip_chars(" ")
    text = (
        pl.when(text.str.starts_with("'"))
        .then(text.str.slice(1).str.strip_chars(" "))
        .otherwise(text)
    )
    quoted = (text.str.len_chars() >= 2) & text.str.starts_with('"') & text.str.ends_with('"')
    text = (
        pl.when(quoted)
        .then(text.str.slice(1, text.str.len_chars() - 2).str.strip_chars(" "))
        .otherwise(text)
    )
    text = text.str.replace(r"^(\d+)[.,]0+$", "${1}")
    eligible = raw.is_not_null() & raw.str.contains(_PRINTABLE_ASCII)
    frame = distinct.to_frame().with_columns(
        text=pl.when(eligible).then(text),
    )
    parts = pl.col("text").str.extract_groups(_NANP_SHAPE)
    frame = frame.with_columns(parts=parts).with_columns(
        npa=pl.coalesce(pl.col("parts").struct.field("1"), pl.col("parts").struct.field("2")),
        nxx=pl.col("parts").struct.field("3"),
        line=pl.col("parts").struct.field("4"),
        status=pl.when(raw.is_null() | (pl.col("text") == ""))
        .then(pl.lit(ref.EMPTY))
        .when(pl.col("text").str.contains(_SCIENTIFIC))
        .then(pl.lit(ref.INVALID)),
    )
    return frame.with_columns(
        problem=pl.when(pl.col("status") == ref.INVALID).then(pl.lit(ref.DIGITS_LOST)),
        prefix=(pl.col("npa") + pl.col("nxx")).cast(pl.UInt32),
    )


def _judge_nanp() -> list[pl.Expr]:
    """SPEC 1.1 for +1 numbers whose digits were found, given the prefix table's region and kind."""
    npa, nxx, line = pl.col("npa"), pl.col("nxx"), pl.col("line")
    region, kind = pl.col("region"), pl.col("kind")
    valid = region.is_not_null() & kind.is_not_null()
    us_ca = region.is_in(ref.US_CA)
    fictitious = (nxx == "555") & line.is_between(pl.lit("0100"), pl.lit("0199"))
    n11 = (kind == ref.GEOGRAPHIC) & nxx.str.contains(r"^[2-9]11$")
    problem = (
        pl.when(~valid)
        .then(pl.lit(ref.INVALID_PREFIX))
        .when(~us_ca)
        .then(pl.lit(None, dtype=pl.String))
        .when(fictitious)
        .then(pl.lit(ref.FICTITIOUS))
        .when(n11)
        .then(pl.lit(ref.N11_EXCHANGE))
    )
    status = (
        pl.when(problem.is_not_null())
        .then(pl.lit(ref.INVALID))
        .when(us_ca)
        .then(pl.lit(ref.OK))
        .otherwise(pl.lit(ref.NOT_US_CA))
    )
    is_number = status != ref.INVALID
    return [
        status.alias("status"),
        pl.when(is_number).then(pl.concat_str(pl.lit("+1"), npa, nxx, line)).alias("e164"),
        pl.when(is_number).then(pl.format("({}) {}-{}", npa, nxx, line)).alias("national"),
        pl.when(is_number).then(region).alias("country"),
        pl.when(is_number).then(kind).alias("number_type"),
        pl.lit(None, dtype=pl.String).alias("extension"),
        problem.alias("problem"),
    ]


def _decide_by_reference(values: pl.Series) -> pl.DataFrame:
    rows = [(value, *ref.normalise_one(value)) for value in values.to_list()]
    return pl.DataFrame(rows, schema={"raw": pl.String, **RESULT_SCHEMA}, orient="row")
