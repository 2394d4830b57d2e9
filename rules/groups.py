"""Port groups and completion windows for the rows that pass (SPEC 3.2)."""

from __future__ import annotations

import datetime as dt

import polars as pl

from rules.findings import is_blank
from rules.service import FAX

# Days from the run date to the earliest and latest completion.
WINDOWS = {"US": (14, 28), "CA": (14, 42)}
FAX_WINDOW = (7, 14)


def port_group() -> pl.Expr:
    """`{country}-{number_type}`, split further by losing carrier when one is given."""
    carrier = (
        pl.col("losing_carrier")
        .str.normalize("NFKD")  # Vidéotron -> videotron
        .str.replace_all(r"\p{Mn}", "")
        .str.strip_chars()
        .str.to_lowercase()
        .str.replace_all(r"[^a-z0-9]+", "-")
        .str.strip_chars("-")
    )
    base = pl.concat_str(pl.col("country"), pl.lit("-"), pl.col("number_type"))
    with_carrier = (
        pl.when(is_blank("losing_carrier") | (carrier == ""))
        .then(base)
        .otherwise(pl.concat_str(base, pl.lit("-"), carrier))
    )
    return (
        pl.when(pl.col("service_kind") == FAX)
        .then(pl.concat_str(with_carrier, pl.lit("-fax")))
        .otherwise(with_carrier)
    )


def with_completion(accepted: pl.DataFrame, *, run_date: dt.date) -> pl.DataFrame:
    """Adds `port_group`, `earliest_completion` and `latest_completion` (ISO dates)."""

    def days(position: int) -> pl.Expr:
        by_country = pl.col("country").replace_strict(
            {country: window[position] for country, window in WINDOWS.items()},
            default=WINDOWS["US"][position],
            return_dtype=pl.Int64,
        )
        return (
            pl.when(pl.col("service_kind") == FAX).then(FAX_WINDOW[position]).otherwise(by_country)
        )

    start = pl.lit(run_date)
    return accepted.with_columns(
        port_group=port_group(),
        earliest_completion=(start + pl.duration(days=days(0))).dt.to_string("%Y-%m-%d"),
        latest_completion=(start + pl.duration(days=days(1))).dt.to_string("%Y-%m-%d"),
    )
