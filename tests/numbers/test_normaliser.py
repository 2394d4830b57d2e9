"""The vectorised normaliser agrees with the per-row phonenumbers reference of SPEC 1.1."""

from __future__ import annotations

import random

import phonenumbers
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from portflow.numbers import Normalised, Normaliser, normalise_one
from portflow.numbers.prefixes import TABLE_FORMAT, load_prefix_table, lookup_path
from tests.numbers.strategies import ANY_VALUE


@pytest.fixture(scope="module")
def normaliser(tmp_path_factory: pytest.TempPathFactory) -> Normaliser:
    return Normaliser(cache_dir=tmp_path_factory.mktemp("cache"))


@given(values=st.lists(st.one_of(st.none(), ANY_VALUE), min_size=1, max_size=60))
def test_fast_path_agrees_with_the_reference_on_messy_strings(
    normaliser: Normaliser, values: list[str | None]
) -> None:
    fast = normaliser.normalise(pl.Series(values, dtype=pl.String), fast=True)
    expected = [tuple(normalise_one(value)) for value in values]
    assert fast.rows() == expected


@pytest.mark.parametrize("fast", [True, False])
def test_a_column_no_row_fills_is_empty_throughout(normaliser: Normaliser, fast: bool) -> None:
    result = normaliser.normalise(pl.Series([None] * 3, dtype=pl.String), fast=fast)
    assert result.rows() == [tuple(normalise_one(None))] * 3
    assert result.schema == normaliser.normalise(pl.Series(["4155552671"]), fast=fast).schema
    assert normaliser.normalise(pl.Series([None], dtype=pl.String), columns=("e164",)).rows() == [
        (None,)
    ]


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("(415) 555-2671", "+14155552671"),
        ("415.555.2671", "+14155552671"),
        ("415 555 2671", "+14155552671"),
        ("4155552671", "+14155552671"),
        ("14155552671", "+14155552671"),
        ("1-415-555-2671", "+14155552671"),
        ("+1 415 555 2671", "+14155552671"),
        ("+14155552671", "+14155552671"),
        ("011 1 415 555 2671", "+14155552671"),
        ("1-800-FLOWERS", "+18003569377"),
        ("\uff14\uff11\uff15\uff15\uff15\uff15\uff12\uff16\uff17\uff11", "+14155552671"),
        ("415\u00a0555\u00a02671", "+14155552671"),
        ("'4155552671", "+14155552671"),
        ('"4155552671"', "+14155552671"),
        ("4155552671.0", "+14155552671"),
        ("4155552671,0", "+14155552671"),
        ("4.155552671E+09", "+14155552671"),  # scientific notation that kept every digit
        ("1.4155552671E+10", "+14155552671"),
        ("(416) 555-2671", "+14165552671"),
    ],
)
def test_every_spec_format_reads_as_the_same_number(
    normaliser: Normaliser, raw: str, e164: str
) -> None:
    for fast in (True, False):
        row = normaliser.normalise(pl.Series([raw]), fast=fast).row(0, named=True)
        assert (row["status"], row["e164"]) == ("ok", e164)


@pytest.mark.parametrize(
    ("raw", "status", "problem"),
    [
        ("4.15555E+09", "invalid", "digits_lost"),
        ("4.155552671E+10", "invalid", "digits_lost"),  # a zero added: the last digit is lost
        ("4.1555526712E+09", "invalid", "digits_lost"),
        ("310-1234", "invalid", "wrong_length"),
        ("415-555-0150", "invalid", "fictitious"),
        ("212-911-1234", "invalid", "n11_exchange"),
        ("999 555 1234", "invalid", "invalid_prefix"),
        ("not a number", "invalid", "not_a_number"),
        ("+1 876 555 1234", "not_us_ca", None),
        ("+44 20 7946 0958", "not_us_ca", None),
        ("", "empty", None),
        # SPEC 1.1's never-portable NANP lines, in NANP regions outside the US/CA too (they
        # went on the international ticket).
        ("(829) 555-0138", "invalid", "fictitious"),
        ("(340) 555-0117", "invalid", "fictitious"),
        ("(876) 211-8702", "invalid", "n11_exchange"),
        ("(787) 311-7988", "invalid", "n11_exchange"),
        # A workbook formula saved without its value is read as its text.
        ("=B2", "invalid", "formula"),
        ('=TEXT(A2,"0")', "invalid", "formula"),
        ('="4155552671"', "ok", None),  # Excel's way to keep a number as text
        # DID blocks: their end above their start (else a number with more digits).
        ("303-370-7300 - 7309", "invalid", "range"),
        ("303-370-7340-49", "invalid", "range"),
        ("3033707310-3033707319", "invalid", "range"),
        ("303-370-7350 to 303-370-7359", "invalid", "range"),
        ("415-555-2671-1234", "invalid", "wrong_length"),
    ],
)
def test_spec_exclusions_and_damage_are_explained(
    normaliser: Normaliser, raw: str, status: str, problem: str | None
) -> None:
    for fast in (True, False):
        row = normaliser.normalise(pl.Series([raw]), fast=fast).row(0, named=True)
        assert (row["status"], row["problem"]) == (status, problem)


def test_extension_is_kept_apart_from_the_main_number(normaliser: Normaliser) -> None:
    row = normaliser.normalise(pl.Series(["415-555-2671 ext. 12"])).row(0, named=True)
    assert (row["e164"], row["national"], row["extension"]) == (
        "+14155552671",
        "(415) 555-2671",
        "12",
    )


def _agrees(table: dict[int, tuple[str | None, str | None, bool]], national: int) -> bool:
    region, kind, decided = table.get(national // 10_000, (None, None, True))
    if not decided:
        return True  # left to phonenumbers by the fast path
    number = phonenumbers.PhoneNumber(country_code=1, national_number=national)
    valid = phonenumbers.is_valid_number(number)
    return valid == (kind is not None) and (
        not valid or phonenumbers.region_code_for_number(number) == region
    )


def test_prefix_table_agrees_with_phonenumbers_for_any_last_four_digits(
    normaliser: Normaliser,
) -> None:
    table = {row[0]: row[1:] for row in normaliser.prefixes().iter_rows()}
    rng = random.Random(20261126)
    samples = [rng.randrange(2_000_000_000, 10_000_000_000) for _ in range(20_000)]
    # Every exchange of the area codes that belong to other NANP regions, twice.
    caribbean = sorted(
        {
            prefix // 1000
            for prefix, (region, _, _) in table.items()
            if region not in ("US", "CA", None)
        }
    )
    samples += [
        (npa * 1000 + nxx) * 10_000 + rng.randrange(10_000)
        for npa in caribbean
        for nxx in range(1000)
        for _ in range(2)
    ]
    assert len(caribbean) > 20
    assert [n for n in samples if not _agrees(table, n)] == []


def test_prefixes_that_depend_on_later_digits_are_left_to_phonenumbers(
    normaliser: Normaliser,
) -> None:
    undecided = normaliser.prefixes().filter(~pl.col("decided")).get_column("prefix").to_list()
    assert 876606 in undecided  # Jamaica: only 876-606-0xxx are valid fixed lines
    values = pl.Series(["876-606-0123", "876-606-5123"])
    assert normaliser.normalise(values, fast=True).get_column("status").to_list() == [
        "not_us_ca",
        "invalid",
    ]


def test_prefix_table_is_cached_per_phonenumbers_version(tmp_path) -> None:  # type: ignore[no-untyped-def]
    built = load_prefix_table(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == [
        f"nanp-prefixes-{phonenumbers.__version__}-v{TABLE_FORMAT}.parquet"
    ]
    assert load_prefix_table(tmp_path).equals(built)


def test_the_dense_lookup_is_cached_beside_the_table_and_read_back_whole(tmp_path) -> None:  # type: ignore[no-untyped-def]
    first = Normaliser(cache_dir=tmp_path)
    built = first.lookup()
    names = sorted(p.name for p in tmp_path.iterdir())
    assert len(names) == 2 and names[0].startswith(f"nanp-lookup-{phonenumbers.__version__}-")
    again = Normaliser(cache_dir=tmp_path).lookup()
    assert again.equals(built) and again.n_chunks() == 1 and again.height == 1_000_000
    values = pl.Series(["(415) 555-2671", "+1 876 606 0123", "555-0123", "212-911-1234", None])
    from_cache = Normaliser(cache_dir=tmp_path).normalise(values, fast=True)
    assert from_cache.equals(Normaliser(cache_dir=None).normalise(values, fast=True))


def test_a_changed_derivation_caches_a_new_lookup(tmp_path) -> None:  # type: ignore[no-untyped-def]
    kind = [pl.col("kind").alias("number_type")]
    assert lookup_path(tmp_path, kind) == lookup_path(tmp_path, list(kind))
    assert lookup_path(tmp_path, kind) != lookup_path(tmp_path, [pl.col("region").alias("kind")])


def test_an_unreadable_cached_lookup_is_built_again(tmp_path, caplog) -> None:  # type: ignore[no-untyped-def]
    built = Normaliser(cache_dir=tmp_path).lookup()
    (cached,) = tmp_path.glob("nanp-lookup-*.parquet")
    cached.write_bytes(b"PAR1 half a file")
    assert Normaliser(cache_dir=tmp_path).lookup().equals(built)
    assert "unreadable; building it again" in caplog.text
    assert pl.read_parquet(cached).equals(built)  # and cached again, whole


@pytest.mark.parametrize("value", ["4,155,552,671", "4,155,552,671.00", '"4,155,552,671"'])
def test_a_number_shown_with_thousands_separators_is_read(value: str) -> None:
    """Excel's #,##0 format, exported to CSV: the digits are all there."""
    assert normalise_one(value).e164 == "+14155552671"
    decided = Normaliser(cache_dir=None).normalise(pl.Series([value] * 6000), fast=True)
    assert decided.get_column("e164").unique().to_list() == ["+14155552671"]


@pytest.mark.parametrize("value", ["#N/A", "#REF!", " #div/0! ", "#NAME?", "#VALUE!"])
def test_excel_error_values_are_named_as_such(value: str) -> None:
    assert normalise_one(value) == Normalised("invalid", problem="excel_error")


@pytest.mark.parametrize(
    "value",
    [
        "773-348-2204 / 773-348-2205",
        "(773) 348-2204, (773) 348-2205",
        "+1 773 348 2204 or 773.348.2205",
        "7733482204\n7733482205",
        "773-348-2204 773-348-2205",  # a space between, or a paste's U+2028
        "(773) 348-2204\u2028(773) 348-2205",
    ],
)
def test_two_numbers_in_one_cell_are_named_as_such(value: str) -> None:
    assert normalise_one(value) == Normalised("invalid", problem="two_numbers")
    decided = Normaliser(cache_dir=None).normalise(pl.Series([value] * 6000), fast=True)
    assert decided.get_column("problem").unique().to_list() == ["two_numbers"]


@pytest.mark.parametrize(
    "value",
    ["415-555-2671 (main)", "415-555-2671 - Main", "1 415 555 2671 Main Line", "4155552671 cell"],
)
def test_words_beside_a_number_are_named_as_such(value: str) -> None:
    """Not "does not have 10 digits" (phonenumbers reads the letters as keypad digits)."""
    assert normalise_one(value) == Normalised("invalid", problem="words")
    decided = Normaliser(cache_dir=None).normalise(pl.Series([value] * 6000), fast=True)
    assert decided.get_column("problem").unique().to_list() == ["words"]


@pytest.mark.parametrize(
    "value",
    [
        "Fax: 617-267-0707",
        "Disconnected - 617-267-0709",
        "Old number was 617-267-0711",
        "Thanks, Jordan (cell 617-267-0793)",
        "Billing account: 8773219900",
        "UK office +44 20 7946 0958",
        "Téléphone 4155552671 x12",
    ],
)
def test_words_before_a_number_are_not_read_past(value: str) -> None:
    """phonenumbers skips them, but they may say the number is a fax, disconnected or not
    the customer's: a person has to read them."""
    assert normalise_one(value).problem == "words_before"
    decided = Normaliser(cache_dir=None).normalise(pl.Series([value] * 6000), fast=True)
    assert decided.get_column("problem").unique().to_list() == ["words_before"]


@pytest.mark.parametrize(
    ("value", "problem"),
    [("1-800-FLOWERS (main)", "wrong_length"), ("415-555-26 main", "wrong_length")],
)
def test_words_beside_too_few_digits_are_a_wrong_length(value: str, problem: str) -> None:
    assert normalise_one(value).problem == problem


def test_only_a_short_cell_is_looked_at_for_two_numbers() -> None:
    """The pattern backtracks on a number, thousands of line breaks, then a letter (20,000:
    9 s); two numbers and what joins them fit in 64 characters."""
    assert normalise_one("4155552671" + "\n" * 60 + "4155552672").problem != "two_numbers"
    assert normalise_one("4155552671" + "\n" * 20 + "4155552672").problem == "two_numbers"


@pytest.mark.parametrize(
    ("value", "status", "problem", "kind"),
    [
        ("415-392-0150", "ok", None, "geographic"),  # 01xx lines outside 555 are real
        ("415-555-0150", "invalid", "fictitious", None),
        ("415-555-0200", "ok", None, "geographic"),
        ("888-911-2345", "ok", None, "toll_free"),  # N11: geographic area codes only
        ("800-211-4567", "ok", None, "toll_free"),
        *[(f"415-{n}11-4567", "invalid", "n11_exchange", None) for n in range(2, 10)],
    ],
)
def test_spec_exclusions_hold_exactly_where_the_spec_says(
    normaliser: Normaliser, value: str, status: str, problem: str | None, kind: str | None
) -> None:
    """Fixed answers, not only agreement between the two paths (a rule wrong in both
    would pass that)."""
    one = normalise_one(value)
    assert (one.status, one.problem, one.number_type) == (status, problem, kind)
    fast = normaliser.normalise(pl.Series([value] * 6000), fast=True).row(0, named=True)
    assert (fast["status"], fast["problem"], fast["number_type"]) == (status, problem, kind)


@pytest.mark.parametrize("value", ["tel:+1-415-555-2671", "TEL:4155552671"])
def test_a_tel_uri_is_a_number_not_words_before_one(normaliser: Normaliser, value: str) -> None:
    """RFC 3966, as copied from web pages, CRMs and vCards."""
    assert normalise_one(value).e164 == "+14155552671"
    fast = normaliser.normalise(pl.Series([value] * 6000), fast=True)
    assert fast.get_column("e164").unique().to_list() == ["+14155552671"]
