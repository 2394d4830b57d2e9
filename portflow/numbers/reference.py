"""SPEC 1.1 number validity, one value at a time, with phonenumbers: the reference.

This is the plain implementation that the vectorised normaliser (`fast.py`) must agree
with on every input; it also decides the values the fast path leaves over.
"""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

# Statuses of a normalised value.
EMPTY = "empty"
OK = "ok"
INVALID = "invalid"
NOT_US_CA = "not_us_ca"

# Why a value is invalid.
DIGITS_LOST = "digits_lost"  # Excel scientific notation: the last digits are gone
NOT_A_NUMBER = "not_a_number"  # phonenumbers cannot read a phone number in it
WRONG_LENGTH = "wrong_length"  # a +1 number without exactly 10 national digits
INVALID_PREFIX = "invalid_prefix"  # area code or exchange not in service
FICTITIOUS = "fictitious"  # 555-0100 to 555-0199
N11_EXCHANGE = "n11_exchange"  # 211, 311, ... 911 exchanges in geographic area codes
NOT_VALID = "not_valid"  # a number with another country code that is not valid there
EXCEL_ERROR = "excel_error"  # a workbook's error value (#N/A, #REF!...): a formula failed
TWO_NUMBERS = "two_numbers"  # `773-348-2204 / 773-348-2205`: two numbers in one cell
WORDS = "words"  # `415-555-2671 (main)`: a note beside ten digits, its letters read as digits
WORDS_BEFORE = "words_before"  # `Fax: 617-267-0707`: phonenumbers would skip the note
FORMULA = "formula"  # `=B2`: a formula a program saved without calculating it
RANGE = "range"  # `303-370-7300 - 7309`: a block of numbers (DIDs) in one cell

US_CA = ("US", "CA")

# Number kinds of SPEC 3.2 (`number_type`).
GEOGRAPHIC = "geographic"
TOLL_FREE = "toll_free"
OTHER = "other"

_GEOGRAPHIC_TYPES = {
    PhoneNumberType.FIXED_LINE,
    PhoneNumberType.MOBILE,
    PhoneNumberType.FIXED_LINE_OR_MOBILE,
}

SCIENTIFIC_RE = re.compile(r"[+-]?\d+(?:[.,]\d+)?[eE][+-]?\d+")
# Scientific notation that still holds every digit: as many after the point as the exponent
# moves it. 4.155552671E+09 is 4155552671; 4.15555E+09 lost its last five digits.
INTACT_SCIENTIFIC_RE = re.compile(r"([0-9]+)(?:[.,]([0-9]+))?[eE]\+?([0-9]{1,3})")
EXCEL_FLOAT_RE = re.compile(r"(\d+)[.,]0+")  # a numeric cell, also with a decimal comma
N11_RE = re.compile(r"[2-9]11")


class Normalised(NamedTuple):
    """What one raw value is, as a phone number."""

    status: str
    e164: str | None = None
    national: str | None = None
    country: str | None = None
    number_type: str | None = None
    extension: str | None = None
    problem: str | None = None


def clean(raw: str) -> str:
    """Undo what spreadsheets and people wrap around a number before it is parsed.

    Full-width forms are folded (NFKC), surrounding whitespace, one leading apostrophe
    (Excel's text marker) and one pair of surrounding double quotes are removed, a numeric
    Excel cell written as `4155552671.0` loses its `.0`, and one in scientific notation that
    kept every digit (`4.155552671E+09`) is written out.
    """
    text = unicodedata.normalize("NFKC", raw).strip()
    if text.startswith("'"):
        text = text[1:].strip()
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        text = text[1:-1].strip()
    excel_float = EXCEL_FLOAT_RE.fullmatch(text)
    if excel_float:
        text = excel_float.group(1)
    if THOUSANDS_RE.fullmatch(text):  # a numeric cell shown with thousands separators
        text = text.split(".")[0].replace(",", "")
    scientific = INTACT_SCIENTIFIC_RE.fullmatch(text)
    if scientific and len(scientific[2] or "") == int(scientific[3]):
        text = scientific[1] + (scientific[2] or "")
    return text


def kind_of(number_type: int) -> str:
    """SPEC 3.2 `number_type` for a phonenumbers PhoneNumberType."""
    if number_type in _GEOGRAPHIC_TYPES:
        return GEOGRAPHIC
    if number_type == PhoneNumberType.TOLL_FREE:
        return TOLL_FREE
    return OTHER


# Excel's error values, as a workbook stores them (readers/sandbox.py keeps them as text).
EXCEL_ERROR_RE = re.compile(
    r"#(?:N/A|REF!|DIV/0!|VALUE!|NAME\?|NUM!|NULL!|SPILL!|CALC!|FIELD!|BLOCKED!|CONNECT!"
    r"|BUSY!|UNKNOWN!|GETTING_DATA)",
    re.IGNORECASE,
)

# Two North American numbers in one cell, as people list them: `/`, `,`, `;`, `&`, `|`,
# `and`, `or`, a line break or spaces between. (No lane of fast.py decides these: 20+ digits.)
_NANP = r"(?:\+?1[ .-]?)?(?:\([2-9]\d{2}\)|[2-9]\d{2})[ .-]?\d{3}[ .-]?\d{4}"
# Excel's number format with thousands separators, as a CSV export writes it: 4,155,552,671.
THOUSANDS_RE = re.compile(r"\d{1,3}(?:,\d{3}){2,4}(?:\.0+)?")
TWO_NUMBERS_MAX_CHARS = 64  # two numbers and what joins them; and the pattern stays cheap
TWO_NUMBERS_RE = re.compile(
    rf"{_NANP}(?:\s*(?:[/,;&|]|\band\b|\bor\b)\s*|\s+){_NANP}", re.IGNORECASE
)
# A block of numbers: `303-370-7300 - 7309`, `303-370-7340-49`, `... to 303-370-7359`
# (a range when its end is above its start: `415-555-2671-1234` is not one).
RANGE_SHAPE = (
    rf"(?i)^(?P<start>{_NANP})\s*(?:[-\u2013\u2014~]|\bto\b|\bthru\b|\bthrough\b)\s*"
    rf"(?P<end>{_NANP}|\d{{2,4}})$"
)
RANGE_RE = re.compile(RANGE_SHAPE)


_LETTER = re.compile(r"[A-Za-z]")
_NON_DIGITS = re.compile(r"[^0-9]+")
_TEN_DIGITS = re.compile(r"1?[2-9][0-9]{9}")
# A letter (any script) before the first digit: `Fax: 617-267-0707`, `Old number was ...`.
_LETTER_FIRST = re.compile(r"[^\d]*[^\W\d_]")


def _words_beside(text: str) -> bool:
    """Whether letters beside a North American number's digits made it unreadable:
    `415-555-2671 (main)`, where phonenumbers reads "main" as keypad digits. (A vanity
    number such as 1-800-FLOWERS has too few digits without its letters.)"""
    return (
        _LETTER.search(text) is not None
        and _TEN_DIGITS.fullmatch(_NON_DIGITS.sub("", text)) is not None
    )


def normalise_one(raw: str | None) -> Normalised:
    """SPEC 1.1 for one value: parse with default region US, then the US/CA rules."""
    if raw is None:
        return Normalised(EMPTY)
    text = clean(raw)
    if not text:
        return Normalised(EMPTY)
    judged = _judged(text)
    if judged.status == INVALID and text.startswith("="):
        # Not a number (`="4155552671"`, Excel's way to keep a number as text, is one).
        return judged._replace(problem=FORMULA)
    return judged


def _is_range(text: str) -> bool:
    found = RANGE_RE.match(text)
    if found is None:
        return False
    start = _NON_DIGITS.sub("", found["start"])[-10:]
    end = _NON_DIGITS.sub("", found["end"])
    end = end[-10:] if len(end) > 4 else start[: 10 - len(end)] + end
    return end > start


def _judged(text: str) -> Normalised:
    """normalise_one for a value cleaned and not empty."""
    if SCIENTIFIC_RE.fullmatch(text):
        return Normalised(INVALID, problem=DIGITS_LOST)
    if EXCEL_ERROR_RE.fullmatch(text):
        return Normalised(INVALID, problem=EXCEL_ERROR)
    if len(text) <= TWO_NUMBERS_MAX_CHARS and TWO_NUMBERS_RE.fullmatch(text):
        return Normalised(INVALID, problem=TWO_NUMBERS)
    if len(text) <= TWO_NUMBERS_MAX_CHARS and _is_range(text):
        return Normalised(INVALID, problem=RANGE)
    try:
        number = phonenumbers.parse(text, "US")
    except NumberParseException:
        return Normalised(INVALID, problem=WORDS if _words_beside(text) else NOT_A_NUMBER)
    extension = number.extension or None
    number.extension = None  # e164 and national name the main number
    national_digits = phonenumbers.national_significant_number(number)
    if number.country_code == 1 and len(national_digits) != 10:
        problem = WORDS if _words_beside(text) else WRONG_LENGTH
        return Normalised(INVALID, extension=extension, problem=problem)
    if _LETTER_FIRST.match(text) and not text[:4].lower() == "tel:":  # RFC 3966, as copied
        # phonenumbers reads past words before a number, but they may say it is a fax line,
        # disconnected, or not the customer's at all: a person has to look.
        return Normalised(INVALID, extension=extension, problem=WORDS_BEFORE)
    if not phonenumbers.is_valid_number(number):
        problem = INVALID_PREFIX if number.country_code == 1 else NOT_VALID
        return Normalised(INVALID, extension=extension, problem=problem)
    region = phonenumbers.region_code_for_number(number)
    kind = kind_of(phonenumbers.number_type(number))
    valid = Normalised(
        OK if region in US_CA else NOT_US_CA,
        e164=phonenumbers.format_number(number, PhoneNumberFormat.E164),
        national=phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL),
        country=region,
        number_type=kind,
        extension=extension,
    )
    if number.country_code != 1:
        return valid
    # Never portable, in any NANP region (Jamaica's and Puerto Rico's lines too).
    exchange, line = national_digits[3:6], national_digits[6:]
    if exchange == "555" and "0100" <= line <= "0199":
        return Normalised(INVALID, extension=extension, problem=FICTITIOUS)
    if kind == GEOGRAPHIC and N11_RE.fullmatch(exchange):
        return Normalised(INVALID, extension=extension, problem=N11_EXCHANGE)
    return valid
