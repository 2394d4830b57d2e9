"""Port groups and completion windows for the rows that pass (SPEC 3.2)."""

from __future__ import annotations

import datetime as dt
import hashlib

import polars as pl

from rules.findings import is_blank
from rules.service import FAX

# Days from the run date to the earliest and latest completion.
WINDOWS = {"US": (14, 28), "CA": (14, 42)}
FAX_WINDOW = (7, 14)


MAX_SLUG_CHARS = 60  # a port group stays well within what a port request takes (200)
_CUT_AT = MAX_SLUG_CHARS - 9  # a longer slug: its first 51 characters, `-` and 8 of a hash


def carrier_slug() -> pl.Expr:
    """The losing carrier as a port-group part: `Vidéotron Ltée` -> `videotron-ltee`."""
    return (
        pl.col("losing_carrier")
        .str.normalize("NFKD")
        .str.replace_all(r"\p{Mn}", "")
        .str.strip_chars()
        .str.to_lowercase()
        .str.replace_all(r"[^a-z0-9]+", "-")
        .str.strip_chars("-")
        .map_batches(_shortened, return_dtype=pl.String)
    )


def _shortened(slugs: pl.Series) -> pl.Series:
    """Slugs longer than MAX_SLUG_CHARS cut, with a hash of the whole so that two carriers
    that differ only at the end (`... - Texas`, `... - Arizona`) stay two port groups.
    (A list names few carriers: this runs once per carrier.)"""

    def short(slug: str | None) -> str | None:
        if slug is None or len(slug) <= MAX_SLUG_CHARS:
            return slug
        digest = hashlib.sha256(slug.encode()).hexdigest()[:8]
        return f"{slug[:_CUT_AT].rstrip('-')}-{digest}"

    return pl.Series(slugs.name, [short(slug) for slug in slugs.to_list()], dtype=pl.String)


def port_group() -> pl.Expr:
    """`{country}-{number_type}`, split further by losing carrier when one is given.

    Needs `carrier`, the losing carrier's slug (see `carrier_slug`).
    """
    carrier = pl.col("carrier")
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


def completion(accepted: pl.DataFrame, *, run_date: dt.date) -> list[pl.Series]:
    """`port_group`, `earliest_completion` and `latest_completion` (ISO dates), row by row."""

    def date(position: int) -> pl.Expr:
        def day(window: tuple[int, int]) -> pl.Expr:
            return pl.lit((run_date + dt.timedelta(days=window[position])).isoformat())

        by_country = day(WINDOWS["US"])
        for country, window in WINDOWS.items():
            by_country = (
                pl.when(pl.col("country") == country).then(day(window)).otherwise(by_country)
            )
        return pl.when(pl.col("service_kind") == FAX).then(day(FAX_WINDOW)).otherwise(by_country)

    # A list names few carriers: each is spelt as a slug once.
    narrow = accepted.select("losing_carrier", "country", "number_type", "service_kind")
    carriers = narrow.select("losing_carrier").unique().with_columns(carrier=carrier_slug())
    return (
        narrow.join(
            carriers, on="losing_carrier", how="left", nulls_equal=True, maintain_order="left"
        )
        .select(
            port_group=port_group(),
            earliest_completion=date(0),
            latest_completion=date(1),
        )
        .get_columns()
    )
