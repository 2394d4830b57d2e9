"""The naive baseline: the script a user would write with pandas and phonenumbers.

    .venv/bin/python -m bench.naive INPUT.csv --accounts DIR --out DIR

pandas reads the list and each account export as text; a plain Python function checks every
number, in the list and in the exports, with phonenumbers (SPEC 1.1); `isin` finds the
conflicts; each row gets its reason codes in SPEC 2's order; pandas writes rejects.csv and
configured_numbers.csv. Written as a competent analyst would, and no cleverer: one
phonenumbers parse per row, no caching of repeated values, no prefix tables.

Like any such script it knows its own column names (the benchmark workload's headers) and
reads CSV only. It applies the number rules, the service and the routing table; receiving
(forward-to) numbers, port groups and completion windows are left to portflow.
"""

from __future__ import annotations

import argparse
import re
import sys
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd
import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

# The input's headers, as the user's script knows them.
NUMBER_COLUMN = "Phone Number"
ROUTING_COLUMN = "Routing ID"
SERVICE_COLUMN = "Line Type"

US_CA = ("US", "CA")
GEOGRAPHIC = (
    PhoneNumberType.FIXED_LINE,
    PhoneNumberType.MOBILE,
    PhoneNumberType.FIXED_LINE_OR_MOBILE,
)
SCIENTIFIC = re.compile(r"[+-]?\d+(?:[.,]\d+)?[eE][+-]?\d+")  # Excel lost the last digits
EXCEL_FLOAT = re.compile(r"(\d+)[.,]0+")  # a numeric cell: 4155552671.0
# A numeric cell in scientific notation that kept every digit: 4.155552671E+09.
INTACT_SCIENTIFIC = re.compile(r"([0-9]+)(?:[.,]([0-9]+))?[eE]\+?([0-9]{1,3})")
N11 = re.compile(r"[2-9]11")
NOT_BLOCKING = ("draft", "cancelled", "canceled", "rejected")
TRUE_WORDS = ("true", "yes", "y", "1", "t", "active")

# Number statuses.
EMPTY, INVALID, NOT_US_CA, OK = "empty", "invalid", "not_us_ca", "ok"


def clean(raw: str) -> str:
    """Full-width digits folded, whitespace, a leading apostrophe, quotes and `.0` removed,
    scientific notation that kept every digit written out."""
    text = unicodedata.normalize("NFKC", raw).strip()
    if text.startswith("'"):
        text = text[1:].strip()
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        text = text[1:-1].strip()
    excel_float = EXCEL_FLOAT.fullmatch(text)
    if excel_float:
        text = excel_float.group(1)
    scientific = INTACT_SCIENTIFIC.fullmatch(text)
    if scientific and len(scientific[2] or "") == int(scientific[3]):
        text = scientific[1] + (scientific[2] or "")
    return text


def check_number(raw: str) -> tuple[str, str | None, str | None, str | None]:
    """One value, SPEC 1.1: (status, E.164, country, extension)."""
    text = clean(raw)
    if not text:
        return EMPTY, None, None, None
    if SCIENTIFIC.fullmatch(text):
        return INVALID, None, None, None
    try:
        number = phonenumbers.parse(text, "US")
    except NumberParseException:
        return INVALID, None, None, None
    extension = number.extension or None
    number.extension = None
    national = phonenumbers.national_significant_number(number)
    if number.country_code == 1 and len(national) != 10:
        return INVALID, None, None, extension
    if not phonenumbers.is_valid_number(number):
        return INVALID, None, None, extension
    e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
    country = phonenumbers.region_code_for_number(number)
    if number.country_code == 1:  # never portable, in any NANP region (SPEC 1.1)
        exchange, line = national[3:6], national[6:]
        if exchange == "555" and "0100" <= line <= "0199":
            return INVALID, None, None, extension
        if N11.fullmatch(exchange) and phonenumbers.number_type(number) in GEOGRAPHIC:
            return INVALID, None, None, extension
    if country not in US_CA:
        return NOT_US_CA, e164, country, extension
    return OK, e164, country, extension


def e164_of(raw: str) -> str | None:
    return check_number(raw)[1]


def read_export(accounts: Path, name: str) -> pd.DataFrame:
    table = pd.read_csv(accounts / f"{name}.csv", dtype=str, keep_default_na=False)
    table.columns = [column.strip().lower() for column in table.columns]
    return table.apply(lambda column: column.str.strip())


def run(input_path: Path, accounts: Path, out: Path) -> None:
    """Check `input_path` against the exports in `accounts`; write the two CSVs to `out`."""
    batch = pd.read_csv(input_path, dtype=str, keep_default_na=False)
    given = [c for c in batch.columns if c != NUMBER_COLUMN]
    batch["source_row"] = batch.index + 2  # the header is row 1
    blank = (batch.drop(columns="source_row").apply(lambda c: c.str.strip()) == "").all(axis=1)
    batch = batch[~blank].reset_index(drop=True)

    checked = pd.DataFrame(
        batch[NUMBER_COLUMN].map(check_number).tolist(),
        columns=["status", "e164", "country", "extension"],
    )
    batch = pd.concat([batch, checked], axis=1)

    tracking = read_export(accounts, "tracking_numbers")
    receiving = read_export(accounts, "receiving_numbers")
    failsafe = read_export(accounts, "failsafe_numbers")
    users = read_export(accounts, "users")
    port_requests = read_export(accounts, "port_requests")
    routing = read_export(accounts, "routing")
    for table in (tracking, receiving, failsafe, users, port_requests):
        table["e164"] = table["number"].map(e164_of)

    if "active" in receiving.columns:
        receiving = receiving[receiving["active"].str.lower().isin([*TRUE_WORDS, ""])]
    status = port_requests["status"].str.lower().str.replace(r"[\s\-]+", "_", regex=True)
    blocking = port_requests[~status.isin(NOT_BLOCKING)]

    service = batch[SERVICE_COLUMN].str.strip().str.lower().replace("", "voice")
    route = batch[ROUTING_COLUMN].str.strip().str.lower()
    routing_ids = routing["routing_id"].str.lower()
    routing_names = routing["name"].str.lower()
    routed = route != ""
    named = routed & ~route.isin(routing_ids) & route.isin(routing_names)
    unknown = routed & ~route.isin(routing_ids) & ~route.isin(routing_names)

    e164 = batch["e164"]
    numbered = e164.notna()
    # SPEC 2, in precedence order: a row's reason_code is the first that holds.
    rules = {
        "MISSING_NUMBER": batch["status"] == EMPTY,
        "INVALID_NUMBER": batch["status"] == INVALID,
        "NOT_US_CA": batch["status"] == NOT_US_CA,
        "HAS_EXTENSION": batch["extension"].notna(),
        "UNKNOWN_SERVICE": ~service.isin(["voice", "fax"]),
        "DUPLICATE_IN_BATCH": numbered & e164.duplicated(),
        "IN_OTHER_PORT": numbered & e164.isin(blocking["e164"].dropna()),
        "ALREADY_TRACKING": numbered & e164.isin(tracking["e164"].dropna()),
        "RECEIVING_NUMBER": numbered & e164.isin(receiving["e164"].dropna()),
        "FAILSAFE_NUMBER": numbered & e164.isin(failsafe["e164"].dropna()),
        "USER_ASSIGNED": numbered & e164.isin(users["e164"].dropna()),
        "ROUTING_NAME_NOT_ID": named,
        "UNKNOWN_ROUTING_ID": unknown,
    }
    batch["reason_code"] = np.select(list(rules.values()), list(rules), default="")
    all_reasons = pd.Series("", index=batch.index)
    for code, hit in rules.items():
        all_reasons = all_reasons + np.where(hit, code + ";", "")
    batch["all_reasons"] = all_reasons.str.rstrip(";")

    rejected = batch["reason_code"] != ""
    rejects = batch[rejected].rename(columns={NUMBER_COLUMN: "raw_number"})
    rejects = rejects[["source_row", "raw_number", "e164", "reason_code", "all_reasons", *given]]
    configured = batch[~rejected & (service == "voice")]
    configured = configured[["e164", "country", "source_row", *given]]

    out.mkdir(parents=True, exist_ok=True)
    rejects.to_csv(out / "rejects.csv", index=False)
    configured.to_csv(out / "configured_numbers.csv", index=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input", type=Path)
    parser.add_argument("--accounts", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    run(args.input, args.accounts, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
