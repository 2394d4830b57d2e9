"""Column headers: SPEC 1.1 aliases, matched case-insensitively ignoring spaces, _ - / and .
(and quotes, `:`, `*` and notes in brackets)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

_IGNORED = re.compile(r"[\s_\-/.\ufeff\"':*]+")
# A note in brackets: `Phone Number (required)`, `Number(s) to port`.
_NOTE = re.compile(r"\([^()]*\)")

NUMBER = "number"
ROUTING_ID = "routing_id"
RECEIVING_NUMBER = "receiving_number"
TRACKING_SOURCE = "tracking_source"
SERVICE = "service"
LOSING_CARRIER = "losing_carrier"

# Canonical column -> the headers people write for it (SPEC 1.1 lists the minimum).
INPUT_ALIASES: dict[str, tuple[str, ...]] = {
    NUMBER: (
        "number",
        "numbers",
        "phone",
        "phone number",
        "phone numbers",
        "number to port",
        "numbers to port",
        "tn",
        "tns",
        "telephone number",
        "telephone numbers",
        "telephone",
        "toll free number",
        "toll free numbers",
        "did",
        "dids",
        "phone #",
        "phone no",
        "number #",
        "port number",
        "ported number",
        "ported numbers",
        "phone number to port",
        "phone numbers to port",
        "numbers to be ported",
        "phone nbr",
        "tel",
        "tel #",
        "tel no",
        "telephone #",
        "telephone no",
        "did number",
        "did numbers",
        "did #",
        "téléphone",
        "numéro de téléphone",
        "numero de telephone",
    ),
    ROUTING_ID: ("routing id", "routing", "route id", "routing_id", "route"),
    RECEIVING_NUMBER: (
        "receiving number",
        "forward to",
        "forwarding number",
        "forward/receiving number",
        "destination",
        "destination number",
        "forward to number",
        "receiving",
    ),
    TRACKING_SOURCE: ("tracking source", "source"),
    SERVICE: ("service", "line type", "service type"),
    LOSING_CARRIER: ("losing carrier", "current carrier", "carrier"),
}


# Generic headers that may head a list's numbers or a column of row counters.
COUNTER_HEADERS = frozenset({"number", "numbers"})
# Headers (as normalise_header) that name a column only loosely: beside a specific header
# for the same column (`Routing ID`, `Phone Number`), the specific one is read.
GENERIC_HEADERS = frozenset(
    {"number", "numbers", "routing", "route", "destination", "receiving", "source", "carrier"}
    # A contact line's header as much as a list's: beside `Phone Number`, a clinic's `Tel`.
    | {"tel", "tel#", "telno", "telephone#", "telephoneno", "phonenbr", "téléphone"}
    | {"numérodetéléphone", "numerodetelephone", "did#", "didnumber", "didnumbers"}
)


def normalise_header(header: str | None) -> str:
    """`Phone_Number`, ` phone-number `, `PHONE NUMBER` and `Phone Number*` all become
    `phonenumber` (a note in brackets stays: see `match_headers`)."""
    if header is None:
        return ""
    return _IGNORED.sub("", header).casefold()


def match_headers(cells: Sequence[object], index: Mapping[str, str]) -> list[str | None]:
    """Each header cell's canonical column (None: no match).

    A header matches as written first. One with a note in brackets (`Phone Number
    (required)`, `Number(s) to port`) matches without it, unless another header names that
    column as written: `Carrier (new)` beside `Current Carrier` is not the losing carrier.
    """
    texts = [cell if isinstance(cell, str) else "" for cell in cells]
    exact = [index.get(normalise_header(text)) if text else None for text in texts]
    named = {column for column in exact if column is not None}
    found: list[str | None] = []
    for text, column in zip(texts, exact, strict=True):
        if column is None and _NOTE.search(text):
            loose = index.get(normalise_header(_NOTE.sub("", text)))
            column = loose if loose not in named else None
        found.append(column)
    return found


def alias_index(aliases: Mapping[str, Iterable[str]]) -> dict[str, str]:
    """Normalised alias -> canonical column name."""
    return {
        normalise_header(alias): column
        for column, names in aliases.items()
        for alias in (column, *names)
    }


INPUT_INDEX = alias_index(INPUT_ALIASES)
