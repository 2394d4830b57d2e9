"""The vectorised normaliser: North American numbers in polars, the rest by the reference.

Three lanes, fastest first, and all must agree with `reference.normalise_one` on every
input (tests/numbers and `bench.differential` check it):

1. Values already in a usual shape (`(415) 555-2671`, `+1 415.555.2671`, `14155552671`)
   are recognised by one regex without captures; their ten digits become an integer.
2. The other distinct values are cleaned as `reference.clean` does (quotes, apostrophes,
   `.0` of numeric cells, extensions, non-breaking and full-width characters) and, if ten
   North American digits are left, join lane 1; so do values in lane 1's shape once their
   Unicode dashes and spaces (pasted from Word, Outlook or the web) are made ASCII.
3. Whatever neither lane can decide by the prefix table (letters, other country codes,
   wrong lengths, the few prefixes whose validity depends on the line) goes, once per
   distinct value, to `reference.normalise_one`.

The prefix table (prefixes.py) is a dense lookup by NPA-NXX, so deciding a number is an
array gather, not a join.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

import polars as pl

from portflow.numbers import reference as ref
from portflow.numbers.prefixes import load_cached, load_prefix_table, lookup_path

# Below this many values the reference alone is quicker than the prefix lookup: reading it
# from the cache takes 0.02 s and 60 MB (building it: 0.1 s and 180 MB), which a 10-row
# check does not need. A lookup this process has loaded already is always used.
FAST_MIN_ROWS = 5_000

RESULT_SCHEMA = {
    "status": pl.String,
    "e164": pl.String,
    "national": pl.String,
    "country": pl.String,
    "number_type": pl.String,
    "extension": pl.String,
    "problem": pl.String,
}
# Lane 1: the shapes most lists use, with nothing to clean; a subset of what lane 2 accepts.
# Only ASCII digits: polars' \d is Unicode. (The readers use it to tell a column of numbers.)
COMMON_SHAPE = (
    r"^(?:\+?1[ .-]?)?(?:\([2-9][0-9]{2}\) ?|[2-9][0-9]{2}[ ./-]?)[0-9]{3}[ .-]?[0-9]{4}$"
)
_LANE_1_SEPARATORS = {character: "" for character in " .()/+-"}
_PRINTABLE_ASCII = r"^[\x20-\x7e]*$"
_SCIENTIFIC = r"^[+-]?\d+(?:[.,]\d+)?[eE][+-]?\d+$"
# Scientific notation that kept every digit: the reference writes it out; this lane leaves
# it to the reference. Groups: integer part, fraction, exponent.
_INTACT_SCIENTIFIC = f"^{ref.INTACT_SCIENTIFIC_RE.pattern}$"
# What NFKC makes ASCII in numbers people send: odd spaces, full-width digits and signs.
_NFKC_ASCII = {
    "\u00a0": " ",
    "\u2007": " ",
    "\u202f": " ",
    "\u3000": " ",
    "\uff0b": "+",
    "\uff08": "(",
    "\uff09": ")",
    "\uff0d": "-",
    "\uff0e": ".",
    "\uff0f": "/",
    **{chr(0xFF10 + digit): str(digit) for digit in range(10)},
}
# Punctuation phonenumbers reads as its ASCII kin (its VALID_PUNCTUATION) that Word,
# Outlook and web pages put in numbers: dashes and minus, odd spaces (NFKC makes them a
# space), the soft hyphen and zero-width ones. A value in COMMON_SHAPE once they are made
# ASCII is that number; any other value holding them is the reference's (`-4.1E+09` with
# a minus sign is not Excel damage to phonenumbers).
_PUNCTUATION_ASCII = {
    **{chr(code): "-" for code in range(0x2010, 0x2016)},
    "\u2212": "-",
    **{chr(code): " " for code in range(0x2000, 0x200B)},
    "\u205f": " ",
    "\u00ad": "",
    "\u200b": "",
    "\u2060": "",
}
_EXTENSION = r"(?i)^(.*?\d) ?(?:x|ext\.?|#) ?(\d{1,6})$"
_SEPARATORS = r"[ .()/-]"
# Digit strings phonenumbers reads as a +1 number of the wrong length: no national prefix,
# country code or IDD to find (first digit 2-9), or `1` twice (both are taken off).
_WRONG_LENGTH = r"^(?:[2-9](?:[0-9]{6,8}|[0-9]{10,14})|11[0-9]{9})$"
# Ten digits with an area code starting 0 or 1: after +1, 1 or 011 1, or bare (where a
# leading 1 is not taken as a prefix, because nine digits are too few; 011 is the IDD).
_ZERO_ONE_AREA = (
    r"^(?:(?:\+1|0111)[01][0-9]{9}|10[0-9]{9}|1[0-9]{9}|0(?:[02-9][0-9]|1[02-9])[0-9]{7})$"
)
# Lane 2 decides these columns itself when it decides a value early.
_EARLY = ("status", "problem", "extension")
# After separators are gone: +1, 1, or 011 1 (the IDD from the US) before the ten digits.
_COMPACT = r"^(?:\+1|1|0111)?([2-9]\d{9})$"


class Normaliser:
    """Normalises phone-number columns; loads the prefix table only when it pays off."""

    def __init__(self, *, cache_dir: Path | None, fast_min_rows: int = FAST_MIN_ROWS) -> None:
        self._cache_dir = cache_dir
        self._fast_min_rows = fast_min_rows
        self._prefixes: pl.DataFrame | None = None
        self._lookup: pl.DataFrame | None = None
        self._loading = threading.RLock()  # the inputs and the exports may ask at once

    def normalise(
        self,
        raw: pl.Series,
        *,
        fast: bool | None = None,
        columns: Sequence[str] = tuple(RESULT_SCHEMA),
    ) -> pl.DataFrame:
        """One row per value of `raw`, in order, with `columns` (default: all of RESULT_SCHEMA;
        an account export only needs `e164`, and a million rows of the rest cost time)."""
        values = raw.cast(pl.String).rename("raw")
        if values.null_count() == values.len():  # a column no row fills (often: forward-to)
            return pl.select(
                pl.repeat(
                    ref.EMPTY if column == "status" else None,
                    values.len(),
                    dtype=RESULT_SCHEMA[column],
                ).alias(column)
                for column in columns
            )
        if fast is None:
            fast = values.len() >= self._fast_min_rows or self._lookup is not None
        if not fast:
            decided = _decide_by_reference(values.unique())
            return (
                values.to_frame()
                .join(decided, on="raw", how="left", nulls_equal=True, maintain_order="left")
                .select(columns)
            )
        return self._decide_fast(values, columns)

    def prefixes(self) -> pl.DataFrame:
        """The prefix table of prefixes.py: prefix, region, kind, decided."""
        with self._loading:
            if self._prefixes is None:
                self._prefixes = load_prefix_table(self._cache_dir)
        return self._prefixes

    def lookup(self) -> pl.DataFrame:
        """The prefix table as a dense lookup: row `p` says what NPA-NXX `p` makes a number.

        Columns: country, number_type, status and problem (SPEC 1.1, before the line is
        looked at), may_be_fictitious (a US/CA 555 exchange) and decided.
        """
        with self._loading:
            if self._lookup is None:
                derivation = _judge_prefix()
                path = None if self._cache_dir is None else lookup_path(self._cache_dir, derivation)
                self._lookup = load_cached(path, lambda: self._build_lookup(derivation))
        return self._lookup

    def _build_lookup(self, derivation: Sequence[pl.Expr]) -> pl.DataFrame:
        dense = pl.DataFrame({"prefix": pl.arange(0, 1_000_000, eager=True, dtype=pl.UInt32)})
        table = dense.join(self.prefixes(), on="prefix", how="left", maintain_order="left")
        return table.select(derivation)

    def _decide_fast(self, values: pl.Series, columns: Sequence[str]) -> pl.DataFrame:
        raw = pl.col("raw")
        rows = values.to_frame().with_columns(
            ten=pl.when(raw.str.contains(COMMON_SHAPE)).then(_ten_digits(raw)).otherwise(None)
        )
        others = rows.filter(pl.col("ten").is_null() & raw.is_not_null())
        if others.height:
            rest = _clean_and_shape(others.get_column("raw").unique())
            rows = _join_where(rows, rest, pl.col("ten").is_null()).with_columns(
                ten=pl.coalesce("ten", "rest_ten")
            )
        else:
            rows = rows.with_columns(
                pl.lit(None, dtype=pl.String).alias(f"rest_{c}")
                for c in ("extension", "status", "problem")
            )
        prefix = (rows.get_column("ten") // 10_000).cast(pl.UInt32).fill_null(0)
        rows = pl.concat([rows, self.lookup().gather(prefix)], how="horizontal")
        by_table = pl.col("ten").is_not_null() & pl.col("decided")
        early = pl.col("rest_status").is_not_null()
        needs_reference = raw.is_not_null() & ~by_table & ~early
        leftover = rows.filter(needs_reference).get_column("raw").unique()
        by_reference = _decide_by_reference(leftover)
        rows = _join_where(
            rows, by_reference.rename(lambda c: c if c == "raw" else f"ref_{c}"), needs_reference
        )
        table = _judge_line()
        # Lazy, so the masks the columns share are computed once, not once per column.
        return (
            rows.lazy()
            .select(
                pl.when(raw.is_null())
                .then(pl.lit(ref.EMPTY) if column == "status" else None)
                .when(by_table)
                .then(table[column])
                .when(early)
                .then(pl.col(f"rest_{column}") if column in _EARLY else None)
                .otherwise(pl.col(f"ref_{column}"))
                .cast(RESULT_SCHEMA[column])
                .alias(column)
                for column in columns
            )
            .collect()
        )


def _ten_digits(shaped: pl.Expr) -> pl.Expr:
    """A COMMON_SHAPE value's ten national digits as an integer."""
    return shaped.str.replace_many(_LANE_1_SEPARATORS).str.slice(-10).cast(pl.UInt64)


def _join_where(rows: pl.DataFrame, decided: pl.DataFrame, where: pl.Expr) -> pl.DataFrame:
    """`rows` with the columns of `decided` (keyed by raw) on the rows where `where` holds."""
    keyed = rows.with_columns(key=pl.when(where).then(pl.col("raw")))
    return keyed.join(
        decided.rename({"raw": "key"}), on="key", how="left", maintain_order="left"
    ).drop("key")


def _clean_and_shape(distinct: pl.Series) -> pl.DataFrame:
    """reference.clean, then the shape test, for values made of ASCII and the few characters
    whose NFKC form is ASCII; other values stay undecided.

    Columns: raw, and prefixed with `rest_`: ten (the digits, where found), extension,
    status and problem (decided here: empty, or digits lost to scientific notation).
    """
    # Each step is a column before the next uses it: an eager select works out an expression
    # used twice twice, and these nest (87k values: 0.155 -> 0.06 s).
    raw, mapped, text = pl.col("raw"), pl.col("mapped"), pl.col("text")
    frame = distinct.to_frame().with_columns(mapped=raw.str.replace_many(_NFKC_ASCII))
    frame = frame.with_columns(text=mapped.str.strip_chars(" "))
    frame = frame.with_columns(
        text=pl.when(text.str.starts_with("'"))
        .then(text.str.slice(1).str.strip_chars(" "))
        .otherwise(text)
    )
    quoted = (text.str.len_chars() >= 2) & text.str.starts_with('"') & text.str.ends_with('"')
    frame = frame.with_columns(
        text=pl.when(quoted)
        .then(text.str.slice(1, text.str.len_chars() - 2).str.strip_chars(" "))
        .otherwise(text)
    )
    eligible = raw.is_not_null() & mapped.str.contains(_PRINTABLE_ASCII)
    punctuated = mapped.str.replace_many(_PUNCTUATION_ASCII).str.strip_chars()
    frame = frame.with_columns(
        text=pl.when(eligible).then(text.str.replace(r"^(\d+)[.,]0+$", "${1}")),
        shaped=pl.when(~eligible & punctuated.str.contains(COMMON_SHAPE)).then(
            _ten_digits(punctuated)
        ),
    ).drop("mapped")
    # An extension at the end (x123, ext. 5, #204) is set apart; the rest must be a number
    # of digits and separators only, with at most a leading +.
    extension = pl.col("text").str.extract_groups(_EXTENSION)
    frame = frame.with_columns(extension=extension).with_columns(
        main=pl.coalesce(pl.col("extension").struct.field("1"), pl.col("text")),
        rest_extension=pl.col("extension").struct.field("2"),
    )
    frame = frame.with_columns(compact=pl.col("main").str.replace_all(_SEPARATORS, ""))
    compact = pl.col("compact")
    intact = pl.col("text").str.extract_groups(_INTACT_SCIENTIFIC)
    frame = frame.with_columns(
        intact=intact.struct.field("2").str.len_chars().fill_null(0)
        == intact.struct.field("3").cast(pl.Int64)
    )
    frame = frame.with_columns(
        problem=pl.when(raw.is_null() | (pl.col("text") == ""))
        .then(pl.lit(""))
        .when(pl.col("text").str.contains(_SCIENTIFIC) & pl.col("intact").fill_null(False).not_())
        .then(pl.lit(ref.DIGITS_LOST))
        .when(pl.col("text").str.contains(ref.RANGE_SHAPE))
        .then(pl.lit(None, dtype=pl.String))  # a range, or not: the reference decides
        .when(compact.str.contains(_WRONG_LENGTH))
        .then(pl.lit(ref.WRONG_LENGTH))
        .when(compact.str.contains(_ZERO_ONE_AREA))
        .then(pl.lit(ref.INVALID_PREFIX))
    )
    problem = pl.col("problem")
    return frame.select(
        "raw",
        rest_ten=pl.coalesce(compact.str.extract(_COMPACT).cast(pl.UInt64), "shaped"),
        rest_extension="rest_extension",
        rest_status=pl.when(problem == "")
        .then(pl.lit(ref.EMPTY))
        .when(problem.is_not_null())
        .then(pl.lit(ref.INVALID)),
        rest_problem=pl.when(problem != "").then(problem),
    )


def _judge_prefix() -> list[pl.Expr]:
    """SPEC 1.1 for a +1 number from its prefix's region and kind; the line comes later."""
    region, kind = pl.col("region"), pl.col("kind")
    nxx = pl.col("prefix") % 1_000
    valid = region.is_not_null() & kind.is_not_null()
    us_ca = region.is_in(ref.US_CA)
    n11 = (kind == ref.GEOGRAPHIC) & (nxx % 100 == 11) & (nxx >= 200)
    problem = (
        pl.when(~valid)
        .then(pl.lit(ref.INVALID_PREFIX))
        .when(n11)  # in any NANP region, as the fictitious lines
        .then(pl.lit(ref.N11_EXCHANGE))
        .otherwise(pl.lit(None, dtype=pl.String))
    )
    status = (
        pl.when(problem.is_not_null())
        .then(pl.lit(ref.INVALID))
        .when(us_ca)
        .then(pl.lit(ref.OK))
        .otherwise(pl.lit(ref.NOT_US_CA))
    )
    return [
        pl.when(valid).then(region).alias("country"),
        pl.when(valid).then(kind).alias("number_type"),
        status.alias("status"),
        problem.alias("problem"),
        (valid & (nxx == 555)).alias("may_be_fictitious"),
        pl.col("decided").fill_null(True),
    ]


def _judge_line() -> dict[str, pl.Expr]:
    """SPEC 1.1 for +1 numbers whose ten digits are known: the prefix's verdict, unless the
    line makes it fictitious (555-0100 to 555-0199)."""
    ten = pl.col("ten")
    line = ten % 10_000
    fictitious = pl.col("may_be_fictitious") & line.is_between(100, 199)
    status = pl.when(fictitious).then(pl.lit(ref.INVALID)).otherwise(pl.col("status"))
    is_number = pl.col("status") != ref.INVALID
    number = is_number & ~fictitious
    digits = ten.cast(pl.String)
    national = pl.concat_str(
        pl.lit("("),
        digits.str.slice(0, 3),
        pl.lit(") "),
        digits.str.slice(3, 3),
        pl.lit("-"),
        digits.str.slice(6),
    )
    return {
        "status": status,
        "e164": pl.when(number).then(pl.lit("+1") + digits),
        "national": pl.when(number).then(national),
        "country": pl.when(number).then(pl.col("country")),
        "number_type": pl.when(number).then(pl.col("number_type")),
        "extension": pl.col("rest_extension"),
        "problem": pl.when(fictitious).then(pl.lit(ref.FICTITIOUS)).otherwise(pl.col("problem")),
    }


def _decide_by_reference(values: pl.Series) -> pl.DataFrame:
    rows = [(value, *ref.normalise_one(value)) for value in values.to_list()]
    return pl.DataFrame(rows, schema={"raw": pl.String, **RESULT_SCHEMA}, orient="row")
