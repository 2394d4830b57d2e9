"""The shape every rule returns: one row per (input row, reason) with its specifics."""

from __future__ import annotations

import polars as pl

from rules.reasons import Reason

FINDING_SCHEMA = {
    "row_id": pl.UInt32,
    "code": pl.String,
    "detail": pl.String,
    "related": pl.String,
    "fix": pl.String,
}
MAX_RELATED = 20
QUOTED_MAX = 60  # characters of a value a reason quotes


def findings(
    rows: pl.DataFrame,
    reason: Reason,
    *,
    detail: pl.Expr | None = None,
    related: pl.Expr | None = None,
    fix: pl.Expr | None = None,
) -> pl.DataFrame:
    """`rows` (which hold `row_id`) found by a rule, with the words that explain each one."""
    blank = pl.lit(None, dtype=pl.String)
    return rows.select(
        pl.col("row_id").cast(pl.UInt32),
        pl.lit(reason.name).alias("code"),
        (detail if detail is not None else blank).cast(pl.String).alias("detail"),
        (related if related is not None else blank).cast(pl.String).alias("related"),
        (fix if fix is not None else blank).cast(pl.String).alias("fix"),
    )


def location(
    file: str = "source_file", sheet: str = "source_sheet", row: str = "source_row"
) -> pl.Expr:
    """`wave1.csv, row 12` or `wave2.xlsx, sheet "North", row 7`, as a person finds it."""
    sheet_part = pl.when(pl.col(sheet).fill_null("") != "").then(
        pl.concat_str(pl.lit(', sheet "'), pl.col(sheet), pl.lit('"'))
    )
    return pl.concat_str(
        pl.col(file),
        sheet_part.otherwise(pl.lit("")),
        pl.lit(", row "),
        pl.col(row).cast(pl.String),
    )


def quoted(column: str) -> pl.Expr:
    """The value in quotes, for a reason; past QUOTED_MAX characters only its start (the
    report's raw_number has all of it: a 10 MB cell is not written twice)."""
    value = pl.col(column)
    shown = (
        pl.when(value.str.len_chars() > QUOTED_MAX)
        .then(pl.concat_str(value.str.slice(0, QUOTED_MAX), pl.lit("...")))
        .otherwise(value)
    )
    return pl.concat_str(pl.lit("'"), shown, pl.lit("'"))


def join_list(column: str, *, limit: int = MAX_RELATED) -> pl.Expr:
    """A list column as `a, b, c` (at most `limit` items, then `and N more`)."""
    items = pl.col(column)
    head = items.list.head(limit).list.join(", ")
    extra = items.list.len().cast(pl.Int64) - limit
    return (
        pl.when(extra > 0)
        .then(pl.concat_str(head, pl.lit(" and "), extra.cast(pl.String), pl.lit(" more")))
        .otherwise(head)
    )


# Characters that show as nothing (a soft hyphen, zero-width spaces and joiners, a BOM): a
# cell copied from a web page or a chat may hold them beside what a person sees.
INVISIBLE = "[\u00ad\u200b-\u200d\u2060-\u2064\ufeff]"


def folded(column: str) -> pl.Expr:
    """The value as a person reads it, to compare: full-width letters and odd spaces made
    plain (NFKC), invisible characters gone, surrounding space stripped, lower case."""
    value = pl.col(column).str.normalize("NFKC").str.replace_all(INVISIBLE, "")
    return value.str.strip_chars().str.to_lowercase()


def is_blank(column: str) -> pl.Expr:
    """Null, or nothing a person would see. (Folds every value: use it on distinct values.)"""
    return pl.col(column).is_null() | (folded(column) == "")
