"""The NANP prefix table: region and kind of every area code + exchange, from phonenumbers.

Whether a +1 number is valid, where it is and what kind it is depends only on its first six
digits (NPA-NXX). The table evaluates phonenumbers' own metadata patterns, in phonenumbers'
own order, once for each of the 800,000 prefixes, with polars' regex engine, so the fast
path can decide a number with a join. It is cached per phonenumbers version; a new
phonenumbers release builds a new table on first use.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import phonenumbers
import polars as pl
from phonenumbers import COUNTRY_CODE_TO_REGION_CODE
from phonenumbers.phonemetadata import PhoneMetadata, PhoneNumberDesc

from portflow.numbers.patterns import undecided_prefixes
from portflow.numbers.reference import GEOGRAPHIC, OTHER, TOLL_FREE

log = logging.getLogger(__name__)

TABLE_FORMAT = 2
# The same order as phonenumbers' _number_type_helper; fixed line and mobile come last.
_SPECIAL_TYPES = (
    ("premium_rate", OTHER),
    ("toll_free", TOLL_FREE),
    ("shared_cost", OTHER),
    ("voip", OTHER),
    ("personal_number", OTHER),
    ("pager", OTHER),
    ("uan", OTHER),
    ("voicemail", OTHER),
)
_LINE = "0000"  # exact except for the prefixes of _line_dependent_prefixes()


def table_path(cache_dir: Path) -> Path:
    return cache_dir / f"nanp-prefixes-{phonenumbers.__version__}-v{TABLE_FORMAT}.parquet"


def lookup_path(cache_dir: Path, derivation: Sequence[pl.Expr]) -> Path:
    """Where the dense lookup derived from the table by `derivation` is cached: named by the
    table's version and a digest of the expressions (and polars' version, which prints them),
    so a change to either builds a new one."""
    text = "\n".join([pl.__version__, *(str(expr) for expr in derivation)])
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    name = f"nanp-lookup-{phonenumbers.__version__}-v{TABLE_FORMAT}-{digest}.parquet"
    return cache_dir / name


def load_prefix_table(cache_dir: Path | None) -> pl.DataFrame:
    """The prefix table, from cache or built now.

    Columns: `prefix` (u32 NPA-NXX), `region`, `kind` (null when invalid) and `decided`
    (false for the few prefixes whose numbers depend on later digits: phonenumbers decides).
    """
    path = None if cache_dir is None else table_path(cache_dir)
    return load_cached(path, build_prefix_table)


def load_cached(path: Path | None, build: Callable[[], pl.DataFrame]) -> pl.DataFrame:
    """The frame cached at `path`, or `build()`'s, then cached there (not without a path)."""
    if path is None:
        return build()
    if path.exists():
        try:
            # One chunk: a gather from a frame in the reader's chunks is 4x slower.
            return pl.read_parquet(path).rechunk()
        except (OSError, pl.exceptions.PolarsError):
            log.warning("cached %s is unreadable; building it again", path)
    frame = build()
    _write_atomically(frame, path)
    return frame


def _write_atomically(table: pl.DataFrame, path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        os.close(fd)
        table.write_parquet(tmp)
        os.replace(tmp, path)
    except OSError as error:  # a read-only cache only costs time
        log.warning("could not cache %s: %s", path.name, error)


def build_prefix_table() -> pl.DataFrame:
    """Evaluate phonenumbers' region detection and type patterns for every NPA-NXX."""
    log.info("building the NANP prefix table for phonenumbers %s", phonenumbers.__version__)
    prefixes = pl.DataFrame({"prefix": pl.arange(200_000, 1_000_000, eager=True).cast(pl.UInt32)})
    frame = prefixes.with_columns(nsn=pl.col("prefix").cast(pl.String) + _LINE)
    nsn = pl.col("nsn")

    # phonenumbers' _region_code_for_number_from_list: the first region (in its order)
    # whose leading digits match, or, for regions without them, whose patterns match.
    regions: list[pl.Expr] = []
    kinds: list[pl.Expr] = []
    for region in COUNTRY_CODE_TO_REGION_CODE[1]:
        metadata = PhoneMetadata.metadata_for_region(region)
        assert metadata is not None
        kind = _kind_expr(nsn, metadata)
        if metadata.leading_digits:
            selects = nsn.str.contains(f"^(?:{metadata.leading_digits})")
        else:
            selects = kind.is_not_null()
        regions.append(pl.when(selects).then(pl.lit(region)))
        kinds.append(pl.when(pl.col("region") == region).then(kind))
    undecided = sorted(_line_dependent_prefixes())
    return (
        frame.with_columns(region=pl.coalesce(regions))
        .with_columns(kind=pl.coalesce(kinds))
        .with_columns(decided=~pl.col("prefix").is_in(undecided))
        .filter(pl.col("region").is_not_null() | ~pl.col("decided"))
        .select("prefix", "region", "kind", "decided")
    )


def _line_dependent_prefixes() -> set[int]:
    """Prefixes for which some NANP pattern looks past the sixth digit."""
    found: set[int] = set()
    for region in COUNTRY_CODE_TO_REGION_CODE[1]:
        metadata = PhoneMetadata.metadata_for_region(region)
        assert metadata is not None
        for attribute in ("general_desc", "fixed_line", "mobile", *dict(_SPECIAL_TYPES)):
            desc = getattr(metadata, attribute)
            if desc is not None and desc.national_number_pattern:
                found |= undecided_prefixes(desc.national_number_pattern)
        if metadata.leading_digits:
            found |= undecided_prefixes(metadata.leading_digits, prefix_match=True)
    return found


def _matches(nsn: pl.Expr, desc: PhoneNumberDesc | None) -> pl.Expr:
    """phonenumbers' _is_number_matching_desc for a 10-digit national number."""
    if desc is None or desc.national_number_pattern is None:
        return pl.lit(False)
    lengths = desc.possible_length or ()
    if lengths and 10 not in lengths:
        return pl.lit(False)
    return nsn.str.contains(f"^(?:{desc.national_number_pattern})$")


def _kind_expr(nsn: pl.Expr, metadata: PhoneMetadata) -> pl.Expr:
    """phonenumbers' _number_type_helper, reduced to SPEC kinds; null where UNKNOWN.

    The first matching type wins, in phonenumbers' order; fixed line and mobile come last.
    """
    kinds = [
        pl.when(_matches(nsn, getattr(metadata, attribute))).then(pl.lit(kind))
        for attribute, kind in _SPECIAL_TYPES
    ]
    geographic = _matches(nsn, metadata.fixed_line) | _matches(nsn, metadata.mobile)
    kinds.append(pl.when(geographic).then(pl.lit(GEOGRAPHIC)))
    return pl.when(_matches(nsn, metadata.general_desc)).then(pl.coalesce(kinds))
