"""Rules about the number itself: missing, invalid, outside the US/CA, with an extension."""

from __future__ import annotations

import polars as pl

from portflow.numbers import reference as ref
from rules.findings import findings, quoted
from rules.reasons import Reason

INVALID_DETAIL = {
    ref.DIGITS_LOST: "is in scientific notation: Excel dropped the last digits",
    ref.NOT_A_NUMBER: "is not a phone number",
    ref.WRONG_LENGTH: "does not have 10 digits (3-digit area code + 7-digit number)",
    ref.INVALID_PREFIX: "has an area code or exchange that does not exist",
    ref.FICTITIOUS: "is a 555-0100 to 555-0199 number, reserved for fiction",
    ref.N11_EXCHANGE: "has an N11 exchange (211 to 911), which no phone line can have",
    ref.NOT_VALID: "is not a valid number for its country code",
    ref.EXCEL_ERROR: "is an Excel error value (the cell's formula failed), not a phone number",
    ref.TWO_NUMBERS: "holds two phone numbers in one cell",
    ref.RANGE: "is a range of numbers, not one number",
    ref.WORDS: "has words beside the number (a phone keypad reads letters as digits)",
    ref.WORDS_BEFORE: "has words before the number",
    ref.FORMULA: "is a formula, not its value (a workbook saved by a program that does not "
    "calculate formulas, or a formula typed into a CSV)",
}
EXCEL_ERROR_FIX = (
    "Fix the formula in the workbook (or paste the numbers as values), save it and run again."
)
FORMULA_FIX = (
    "Open the workbook in Excel (it calculates the formulas), save it and run again; or "
    "type or paste the number in as a value."
)
_INVALID_FIX = {
    ref.FORMULA: FORMULA_FIX,
    ref.DIGITS_LOST: "Format the number column as Text in the original workbook, type or "
    "paste the full 10-digit numbers again and re-export; the digits cannot "
    "be recovered from this file.",
    ref.INVALID_PREFIX: "Check the number against the customer's bill; a typo in the area "
    "code or exchange is the usual cause.",
    ref.FICTITIOUS: "Remove the row, or take the real number from the customer's bill.",
    ref.N11_EXCHANGE: "Remove the row, or take the real number from the customer's bill.",
    ref.NOT_VALID: "Check the country code: a US or Canadian number written with + starts +1.",
    ref.EXCEL_ERROR: EXCEL_ERROR_FIX,
    ref.TWO_NUMBERS: "Put each number on its own row (with its own routing).",
    ref.RANGE: "List each number of the range on its own row (with its routing): numbers "
    "are checked and ported one by one.",
    ref.WORDS: "Leave only the number in its cell; put a note such as 'main' in a column of "
    "its own.",
    ref.WORDS_BEFORE: "Read the words first: if the number is still to be ported, leave only "
    "the number in its cell (a fax line with Service 'fax') and put the note in a column of "
    "its own; if not (disconnected, not the customer's), delete the row.",
}


def missing_number(batch: pl.DataFrame) -> pl.DataFrame:
    """Rows with other values but no number (all-blank rows never get here)."""
    return findings(batch.filter(pl.col("number_status") == ref.EMPTY), Reason.MISSING_NUMBER)


def invalid_number(batch: pl.DataFrame) -> pl.DataFrame:
    """Numbers that SPEC 1.1 does not accept as valid phone numbers."""
    problem = pl.col("number_problem")
    return findings(
        batch.filter(pl.col("number_status") == ref.INVALID),
        Reason.INVALID_NUMBER,
        detail=pl.concat_str(
            quoted("number"),
            pl.lit(" "),
            problem.replace_strict(INVALID_DETAIL, default="is not valid"),
        ),
        fix=problem.replace_strict(_INVALID_FIX, default=None, return_dtype=pl.String),
    )


def not_us_ca(batch: pl.DataFrame) -> pl.DataFrame:
    """Valid numbers in another country (or another NANP region such as Jamaica)."""
    return findings(
        batch.filter(pl.col("number_status") == ref.NOT_US_CA),
        Reason.NOT_US_CA,
        detail=pl.concat_str(
            pl.col("e164"),
            pl.lit(" is a number in "),
            pl.col("country").fill_null("another country"),
        ),
    )


def has_extension(batch: pl.DataFrame) -> pl.DataFrame:
    """Numbers written with an extension (x123, ext. 5, #204)."""
    with_extension = batch.filter(pl.col("extension").is_not_null())
    main = pl.col("national").fill_null(pl.col("number"))
    return findings(
        with_extension,
        Reason.HAS_EXTENSION,
        detail=pl.concat_str(pl.lit("extension "), pl.col("extension")),
        fix=pl.concat_str(
            pl.lit("Remove the extension and list the main number "),
            main,
            pl.lit(" alone; the extension stays on the customer's phone system."),
        ),
    )
