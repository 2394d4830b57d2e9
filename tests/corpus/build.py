"""Build the independent portflow test corpus: messy inputs, account exports, expected results.

Usage: python tests/corpus/build.py [OUT_DIR]   (default: tests/corpus/generated)

Everything here is derived from shared/SPEC.md (sections 1.1, 1.2, 2 and 3) only. Each row
declares the reason codes it is meant to get; an independent mini-oracle (phonenumbers plus
the account tables) recomputes them and the build fails on any disagreement. After writing,
the files are read back (decoded, CSV-parsed, opened with openpyxl) and judged again, so the
row numbers and values in expected.csv are the ones a reader of the files sees.
The output is deterministic: no randomness, no clock.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import sys
import zipfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
import phonenumbers
from phonenumbers import PhoneNumberType

# --------------------------------------------------------------------------- SPEC constants

PRECEDENCE = [
    "MISSING_NUMBER",
    "INVALID_NUMBER",
    "NOT_US_CA",
    "HAS_EXTENSION",
    "UNKNOWN_SERVICE",
    "DUPLICATE_IN_BATCH",
    "IN_OTHER_PORT",
    "ALREADY_TRACKING",
    "RECEIVING_NUMBER",
    "FAILSAFE_NUMBER",
    "USER_ASSIGNED",
    "ROUTING_NAME_NOT_ID",
    "UNKNOWN_ROUTING_ID",
    "INVALID_RECEIVING_NUMBER",
    "ROUTES_TO_PORTED_NUMBER",
]
BLOCKING_STATUSES = {
    "submitted",
    "pending",
    "in_progress",
    "foc",
    "scheduled",
    "complete",
    "completed",
    "ported",
}
NON_BLOCKING_STATUSES = {"draft", "cancelled", "rejected"}
ALIASES = {
    "number": [
        "number",
        "phone",
        "phone number",
        "number to port",
        "numbers to port",
        "tn",
        "telephone number",
        "did",
    ],
    "routing_id": ["routing id", "routing", "route id"],
    "receiving_number": [
        "receiving number",
        "forward to",
        "forwarding number",
        "forward/receiving number",
        "destination",
    ],
    "tracking_source": ["tracking source", "source"],
    "service": ["service", "line type", "service type"],
}
ROLE_KEY = {
    "number": "n",
    "routing_id": "r",
    "receiving_number": "f",
    "tracking_source": "src",
    "service": "s",
}


def norm_header(text: str) -> str:
    return re.sub(r"[\s_\-/.]", "", text).lower()


ALIAS_ROLE = {norm_header(a): role for role, names in ALIASES.items() for a in names}

# --------------------------------------------------------------------------- number writing

FULLWIDTH = str.maketrans("0123456789+-", "０１２３４５６７８９＋－")


def fmt(nat: str, style: str) -> Any:
    """Write the 10-digit national number `nat` the way a person or a program might."""
    a, b, c = nat[:3], nat[3:6], nat[6:]
    styles: dict[str, Any] = {
        "paren": f"({a}) {b}-{c}",
        "dots": f"{a}.{b}.{c}",
        "spaces": f"{a} {b} {c}",
        "dash": f"{a}-{b}-{c}",
        "plain": nat,
        "plain11": "1" + nat,
        "dash1": f"1-{a}-{b}-{c}",
        "one_paren": f"1 ({a}) {b}-{c}",
        "plus_sp": f"+1 {a} {b} {c}",
        "plus_paren": f"+1 ({a}) {b}-{c}",
        "plus": "+1" + nat,
        "idd": f"011 1 {a} {b} {c}",
        "fw": nat.translate(FULLWIDTH),
        "fw_dash": f"{a}-{b}-{c}".translate(FULLWIDTH),
        "fw_plus": f"+1 {a} {b} {c}".translate(FULLWIDTH),
        "nbsp": f"{a}\u00a0{b}\u00a0{c}",
        "apos": "'" + nat,
        "quoted": '"' + nat + '"',
        "xfloat": nat + ".0",
        "int": int(nat),
        "int11": int("1" + nat),
        "float": float(nat),
    }
    return styles[style]


# --------------------------------------------------------------------------- row declarations


@dataclass
class Row:
    """One input row: its cells by role (n, r, f, s, src) plus carried columns, and intent."""

    n: Any = ""
    r: str = ""
    f: Any = ""
    s: str = ""
    src: str = ""
    extra: dict[str, str] = field(default_factory=dict)
    expect: str = ""  # declared reason codes, ";"-joined in any order; "" = passes
    case: str = ""
    nat: str | None = None  # intended national number when the number is meant to be valid
    blank: bool = False
    empty_line: bool = False  # CSV only: a line with no characters at all (not even delimiters)
    quote: frozenset[str] = frozenset()  # keys whose CSV field is quoted even if not needed


def V(nat: str, style: str, **kw: Any) -> Row:
    """A row whose number is `nat` written in `style`."""
    return Row(n=fmt(nat, style), nat=nat, **kw)


def X(raw: Any, **kw: Any) -> Row:
    """A row whose number cell is exactly `raw`."""
    return Row(n=raw, **kw)


BLANK = Row(blank=True)
EMPTY_LINE = Row(blank=True, empty_line=True)

# --------------------------------------------------------------------------- account exports

ROUTING = [  # routing_id, name, type, active
    ("RTG-1001", "Main Sales Line", "call_flow", "true"),
    ("RTG-1002", "Support Queue", "queue", "true"),
    ("RTG-1003", "After Hours", "schedule", "true"),
    ("RTG-1004", "Spanish IVR", "ivr", "true"),
    ("RTG-1005", "Legacy Fax Router", "call_flow", "false"),  # never referenced by inputs
    ("RTG-2001", "Montréal Ventes", "call_flow", "true"),
]
ACCOUNT_ID = "ACC-77"
# id, name, number, style, routing_id, receiving (nat, style) or None
TRACKING = [
    ("TN-001", "Google Ads - SF", "2127364101", "plus", "RTG-1001", ("4158397001", "paren")),
    ("TN-002", "Bing - SF", "2127364102", "paren", "RTG-1001", ("4158397001", "plus")),
    ("TN-003", "Billboard I-80", "3127444103", "dots", "RTG-1002", ("4158397002", "dash")),
    ("TN-004", "Direct mail", "6172534104", "plain", "RTG-1003", None),
    ("TN-005", "Yelp Seattle", "2063864105", "dash1", "RTG-1001", ("2063867003", "plain")),
    ("TN-006", "Toronto radio", "4163924106", "plain11", "RTG-1004", ("4163927004", "dots")),
    ("TN-007", "Vancouver web", "6048734107", "plus_sp", "", None),
    ("TN-008", "National TV", "8884634108", "dash", "RTG-1001", None),
    ("TN-009", "Denver print", "3038604109", "paren", "RTG-1002", None),
    ("TN-010", "Austin events", "5124744110", "plus", "RTG-1003", None),
    ("TN-011", "Vegas expo", "7023854111", "spaces", "RTG-1001", ("7023857005", "dash")),
    ("TN-012", "Old campaign", "4046564112", "dash", "", ("4158397002", "plus_sp")),
    ("TN-013", "Calgary flyers", "4032684113", "one_paren", "RTG-1002", None),
]
RECEIVING = [  # id, name, number, style, active
    ("RN-1", "SF front desk", "4158397001", "dash", "true"),
    ("RN-2", "SF call center", "4158397002", "paren", "true"),
    ("RN-3", "Seattle office", "2063867003", "plus", "true"),
    ("RN-4", "Toronto office", "4163927004", "plain11", "true"),
    ("RN-5", "Vegas booth", "7023857005", "dots", "true"),
    ("RN-6", "Old SF line", "4158397006", "paren", "false"),
    ("RN-7", "Montréal (closed)", "5148727007", "plus_sp", "false"),
    ("RN-8", "Miami desk", "3053757008", "dash1", "true"),
    ("RN-9", "Atlanta HQ", "4046567009", "paren", "true"),
    ("RN-10", "LA office", "2139787010", "plain", "true"),
    ("RN-11", "Ottawa desk", "6135807011", "dash", "true"),
]
FAILSAFE = [  # number, style, label
    ("7209137101", "dash", "Denver fail-safe"),
    ("6135807102", "paren", "Ottawa fail-safe"),
    ("7023857005", "plus", "Vegas fail-safe (also a receiving number)"),
    ("8664637104", "dash1", "Toll-free fail-safe"),
    ("4163927105", "spaces", "Toronto fail-safe"),
]
USERS = [  # user_id, name, number, style (int/int11 become numeric cells), email
    ("U-1", "Ana Ruiz", "4046567201", "paren", "ana@example.com"),
    ("U-2", "Ben Okafor", "3053757202", "int", "ben@example.com"),
    ("U-3", "Chen Li", "3038604109", "plus_sp", "chen@example.com"),
    ("U-4", "Dominique Tremblay", "9056157204", "int11", "dominique@example.com"),
    ("U-5", "Eve Park", "2139787205", "dots", "eve@example.com"),
    ("U-6", "Farid Haddad", "7783307206", "int", "farid@example.com"),
]
PORT_REQUESTS = [  # port_request_id, number, style, status
    ("PR-1001", "6172537301", "paren", "submitted"),
    ("PR-1002", "5124744110", "plus", "pending"),
    ("PR-1003", "2063867303", "dash", "in_progress"),
    ("PR-1004", "4163927304", "dots", "foc"),
    ("PR-1005", "6048737305", "plain", "scheduled"),
    ("PR-1006", "2139787306", "plus_sp", "complete"),
    ("PR-1007", "7209137307", "dash1", "completed"),
    ("PR-1008", "3053757308", "plain11", "ported"),
    ("PR-1009", "4158397310", "paren", "draft"),
    ("PR-1010", "7023857311", "dash", "cancelled"),
    ("PR-1011", "3127447312", "dots", "rejected"),
    ("PR-1012", "6135807313", "plus", "cancelled"),
    ("PR-1013", "6135807313", "paren", "pending"),
    ("PR-1014", "4032687314", "dash", "draft"),
    ("PR-1015", "4032687314", "plain", "rejected"),
    ("PR-1016", "2139787316", "spaces", "submitted"),
    ("PR-1017", "2063867317", "plus_sp", "foc"),
]

# --------------------------------------------------------------------------- input files

R9 = "4046567009"  # active receiving numbers that accepted rows forward to
R10 = "2139787010"
R11 = "6135807011"


@dataclass
class CsvFile:
    name: str
    delimiter: str
    encoding: str  # "utf-8-sig", "utf-8", "cp1252", "utf-16-le-bom"
    newline: str
    header: list[tuple[str, str]]  # (header text, key) ; key is a role key or the header
    rows: list[Row]
    headerless: bool = False


@dataclass
class Sheet:
    name: str
    titles: list[str]
    header: list[tuple[str, str]]
    rows: list[Row]


@dataclass
class Workbook:
    name: str
    sheets: list[Sheet]
    notes_sheet: tuple[str, list[list[Any]]]


@dataclass
class TextFile:
    name: str
    lines: list[tuple[list[str], list[Row]]]  # (separators between tokens, rows)


WAVE_A = CsvFile(
    name="wave_a.csv",
    delimiter=",",
    encoding="utf-8-sig",
    newline="\r\n",
    header=[
        ("Phone Number", "n"),
        ("Forward To", "f"),
        ("Routing", "r"),
        ("Line Type", "s"),
        ("Source", "src"),
        ("Site", "Site"),
        ("Notes", "Notes"),
    ],
    rows=[
        V(
            "4158392201",
            "paren",
            f=fmt(R9, "dash"),
            r="RTG-1001",
            s="voice",
            src="google_ads",
            extra={"Site": "SF HQ"},
            case="(415) 555-2671 style, routing and forward-to",
        ),
        V("4158392202", "dots", r="RTG-1002", src="bing", case="415.555.2671 style"),
        V("4158392203", "spaces", case="415 555 2671 style, blank routing (accepted, warning)"),
        V("4158392204", "plain", r="RTG-1001", case="10 plain digits"),
        V("4158392205", "plain11", r="RTG-1003", case="11 digits with leading 1"),
        V("4158392206", "dash1", case="1-415-555-2671 style"),
        V(
            "4158392207",
            "plus_sp",
            extra={"Notes": "Call after 5pm, ask for Sam"},
            case="+1 415 555 2671 style; quoted note with commas",
        ),
        V("4158392208", "plus", case="+14155552671 style"),
        V("4158392209", "idd", case="011 1 415 555 2671 (international dialling prefix)"),
        BLANK,
        Row(n="1-800-FLOWERS", nat="8003569377", r="RTG-1001", case="vanity letters, toll-free"),
        V("4158392210", "fw", case="full-width digits"),
        V("4158392211", "nbsp", case="non-breaking spaces"),
        V("4158392212", "apos", case="leading apostrophe"),
        V("4158392213", "quoted", case="surrounding double quotes inside the value"),
        V(
            "4158392214",
            "xfloat",
            extra={"Notes": "exported from Excel"},
            case="Excel float text 4155552671.0",
        ),
        X(
            "4.15839E+09",
            expect="INVALID_NUMBER",
            extra={"Notes": "exported from Excel"},
            case="Excel scientific notation: digits lost",
        ),
        V("4158392215", "dash", s="fax", case="fax row that passes"),
        V("4158392216", "dash", s="sms", expect="UNKNOWN_SERVICE", case="service sms"),
        X("415-839-2217 x123", expect="HAS_EXTENSION", case="extension x123"),
        V("2127364101", "paren", expect="ALREADY_TRACKING", case="already a tracking number"),
        V(
            "4158397001",
            "dots",
            expect="RECEIVING_NUMBER",
            case="active receiving number forwarded to by two tracking numbers",
        ),
        V("4158397006", "plain", case="receiving number with active=false: not a reject"),
        V("7209137101", "dash", expect="FAILSAFE_NUMBER", case="fail-safe number"),
        V("4046567201", "plus", expect="USER_ASSIGNED", case="assigned to a user"),
        V("6172537301", "paren", expect="IN_OTHER_PORT", case="port request status submitted"),
        V("4158397310", "paren", case="only in a draft port request: not blocking"),
        V(
            "4158392218",
            "dash",
            r="Support Queue",
            expect="ROUTING_NAME_NOT_ID",
            case="routing friendly name instead of ID",
        ),
        V(
            "4158392219",
            "dash",
            r="RTG-9999",
            expect="UNKNOWN_ROUTING_ID",
            case="routing ID not in the routing table",
        ),
        V(
            "4158392220",
            "dash",
            f="12345",
            expect="INVALID_RECEIVING_NUMBER",
            case="forward-to is 5 digits",
        ),
        V(
            "4158392221",
            "dash",
            f="(415) 839-2201",
            expect="ROUTES_TO_PORTED_NUMBER",
            case="forwards to a number accepted earlier in this run (wave_a row 2)",
        ),
        EMPTY_LINE,
        X(
            "",
            r="RTG-1001",
            extra={"Site": "SF HQ", "Notes": "number to follow"},
            expect="MISSING_NUMBER",
            case="other values but no number",
        ),
        X("TBD", expect="INVALID_NUMBER", case="unparseable text"),
        X("(123) 456-7890", expect="INVALID_NUMBER", case="bad area code 123"),
        X("212-911-4567", expect="INVALID_NUMBER", case="N11 exchange 911 in geographic 212"),
        X("(415) 555-0123", expect="INVALID_NUMBER", case="fictitious 555-01XX"),
        X("310-1234", expect="INVALID_NUMBER", case="7-digit Canadian 310-xxxx"),
        X("415839220", expect="INVALID_NUMBER", case="9 digits"),
        X("+44 20 7946 0958", expect="NOT_US_CA", case="UK number"),
        X("(876) 927-1234", expect="NOT_US_CA", case="Jamaica +1 876 written like a US number"),
        V("4163922230", "plus_sp", r="RTG-1004", case="Canadian 416"),
        V(
            "3038604109",
            "dots",
            expect="ALREADY_TRACKING;USER_ASSIGNED",
            case="tracking number that is also a user's number",
        ),
        X(
            "415-839-2222 ext. 5",
            s="sms",
            expect="HAS_EXTENSION;UNKNOWN_SERVICE",
            case="extension 'ext. 5' plus service sms",
        ),
        X(
            "call Bob",
            r="RTG-0042",
            expect="INVALID_NUMBER;UNKNOWN_ROUTING_ID",
            case="unparseable text plus unknown routing ID",
        ),
        V(
            "6172534104",
            "dash",
            s="fax",
            expect="ALREADY_TRACKING",
            case="fax row that is already tracking: rejected, not a fax",
        ),
        V("4158392223", "paren", s="fax", src="print", case="fax row with tracking source"),
        BLANK,
        V(
            "4158392224",
            "dash",
            f=fmt(R10, "plus"),
            r="RTG-1004",
            case="forward to an active receiving number (normal)",
        ),
    ],
)

WAVE_B = CsvFile(
    name="wave_b_semicolon.csv",
    delimiter=";",
    encoding="cp1252",
    newline="\r\n",
    header=[
        ("Number to Port", "n"),
        ("Routing ID", "r"),
        ("Forwarding Number", "f"),
        ("Service Type", "s"),
        ("Tracking Source", "src"),
        ("Ville", "Ville"),
        ("Notes", "Notes"),
    ],
    rows=[
        V(
            "5148722401",
            "paren",
            r="RTG-2001",
            extra={"Ville": "Montréal", "Notes": "Suite 200, 2e étage"},
            case="Canadian 514, accented carried column",
        ),
        V("5148722402", "dots", extra={"Ville": "Montréal"}, case="Canadian 514, dots"),
        Row(
            n="1 604 873 2403",
            nat="6048732403",
            extra={"Ville": "Vancouver"},
            case="Canadian 604 with leading 1 and spaces",
        ),
        V("6135802404", "plus_sp", extra={"Ville": "Ottawa"}, case="Canadian 613"),
        V(
            "4163922405",
            "nbsp",
            extra={"Ville": "Toronto"},
            case="non-breaking spaces (0xA0 in Windows-1252)",
        ),
        BLANK,
        X(
            "+1 415 839 2204",
            expect="DUPLICATE_IN_BATCH",
            case="duplicate of wave_a row 5 written differently",
        ),
        X(
            "14158392206",
            expect="DUPLICATE_IN_BATCH",
            case="duplicate of wave_a row 7 written differently",
        ),
        V("2063867303", "dash", expect="IN_OTHER_PORT", case="port request in_progress"),
        V("4163927304", "paren", expect="IN_OTHER_PORT", case="port request foc"),
        V("4163927004", "plus", expect="RECEIVING_NUMBER", case="active receiving number (CA)"),
        V(
            "5148727007",
            "dots",
            extra={"Ville": "Montréal"},
            case="inactive receiving number: not a reject",
        ),
        V("6135807102", "paren", expect="FAILSAFE_NUMBER", case="fail-safe number (CA)"),
        V(
            "9056157204",
            "dash",
            expect="USER_ASSIGNED",
            case="user number (stored as an 11-digit numeric cell in users.xlsx)",
        ),
        V("5148722406", "dash", s="mms", expect="UNKNOWN_SERVICE", case="service mms"),
        V("5148722407", "dash", s="fax", extra={"Ville": "Trois-Rivières"}, case="fax (CA)"),
        X("(604) 873-2408 #204", expect="HAS_EXTENSION", case="extension #204"),
        V(
            "6048732409",
            "dash",
            r="After Hours",
            expect="ROUTING_NAME_NOT_ID",
            case="routing friendly name",
        ),
        V(
            "6048732410",
            "dash",
            r="RTG-1010",
            expect="UNKNOWN_ROUTING_ID",
            case="unknown routing ID",
        ),
        V(
            "6048732411",
            "dash",
            f="not a number",
            expect="INVALID_RECEIVING_NUMBER",
            case="forwarding number is text",
        ),
        V(
            "4163922412",
            "dash",
            f="514.872.2401",
            expect="ROUTES_TO_PORTED_NUMBER",
            case="forwards to wave_b row 2, ported in this run",
        ),
        X(
            "",
            extra={"Ville": "Québec", "Notes": "à confirmer"},
            expect="MISSING_NUMBER",
            case="no number, only carried values",
        ),
        V(
            "6135807313",
            "plus",
            expect="IN_OTHER_PORT",
            case="one cancelled and one pending port request",
        ),
        V(
            "7023857005",
            "paren",
            expect="RECEIVING_NUMBER;FAILSAFE_NUMBER",
            case="active receiving number that is also fail-safe",
        ),
        X(
            "514 872 2402",
            r="RTG-0007",
            expect="DUPLICATE_IN_BATCH;UNKNOWN_ROUTING_ID",
            case="duplicate of wave_b row 3 (same file) plus unknown routing",
        ),
        V("4032687314", "dash", case="only draft and rejected port requests: not blocking"),
        X("514-872-24", expect="INVALID_NUMBER", case="too short"),
        BLANK,
        V(
            "4032682413",
            "paren",
            f=fmt(R11, "dash"),
            r="RTG-1002",
            extra={"Ville": "Calgary", "Notes": "Floor 2; room 4"},
            case="Canadian 403; quoted note holding the delimiter",
        ),
        V(
            "7783302414",
            "plain",
            r="RTG-2001",
            extra={"Notes": "Coût: 5 €"},
            case="Canadian 778; euro sign (0x80 in Windows-1252)",
        ),
        V(
            "5148722415",
            "dash",
            s="fax",
            extra={"Ville": "L’Île-Perrot"},
            case="fax; curly apostrophe (0x92) in carried column",
        ),
        X("+33 1 42 68 53 00", expect="NOT_US_CA", case="French number"),
    ],
)

WAVE_C = CsvFile(
    name="wave_c_unicode.tsv",
    delimiter="\t",
    encoding="utf-16-le-bom",
    newline="\r\n",
    header=[
        ("Telephone_Number", "n"),
        ("routing_id", "r"),
        ("Receiving-Number", "f"),
        ("SERVICE", "s"),
        ("tracking.source", "src"),
        ("Store", "Store"),
        ("Manager", "Manager"),
    ],
    rows=[
        V(
            "3053752301",
            "paren",
            r="RTG-1001",
            f=fmt(R9, "plus"),
            extra={"Store": "Miami Beach", "Manager": "José Núñez"},
            case="UTF-16 TSV, header aliases with _ - . and case",
        ),
        V("3053752302", "fw_dash", case="full-width digits and hyphens"),
        V("3053752303", "fw_plus", case="full-width plus and digits"),
        V("4046562304", "dash", f=fmt(R10, "paren"), r="RTG-1002", case="Atlanta"),
        BLANK,
        V("4046562305", "plus", s="voice", src="radio", case="explicit service voice"),
        V("3053757308", "dash", expect="IN_OTHER_PORT", case="port request ported"),
        V("2139787306", "paren", expect="IN_OTHER_PORT", case="port request complete"),
        V("2063864105", "plus", expect="ALREADY_TRACKING", case="already tracking"),
        V("2063867003", "dash", expect="RECEIVING_NUMBER", case="active receiving number"),
        V(
            "3053757202",
            "dots",
            expect="USER_ASSIGNED",
            case="user number (numeric cell in users.xlsx)",
        ),
        X("(305) 555-0100", expect="INVALID_NUMBER", case="fictitious 555-0100 (lower bound)"),
        X("(305) 555-0199", expect="INVALID_NUMBER", case="fictitious 555-0199 (upper bound)"),
        V("3055550200", "paren", case="555-0200 is outside the fictitious range: accepted"),
        X("404-411-2345", expect="INVALID_NUMBER", case="N11 exchange 411"),
        X("404-656-2306 ext. 12", expect="HAS_EXTENSION", case="extension ext. 12"),
        V("4046562307", "dash", s="fax", case="fax"),
        V(
            "4046562308",
            "dash",
            r="Spanish IVR",
            expect="ROUTING_NAME_NOT_ID",
            case="routing friendly name",
        ),
        X(
            "4.04656E+09",
            s="sms",
            expect="INVALID_NUMBER;UNKNOWN_SERVICE",
            case="scientific notation plus service sms",
        ),
        X(
            "+1 787 722 2671",
            s="data",
            expect="NOT_US_CA;UNKNOWN_SERVICE",
            case="Puerto Rico plus service data",
        ),
        V(
            "4046562309",
            "dash",
            f="(123) 456-7890",
            expect="INVALID_RECEIVING_NUMBER",
            case="receiving number with bad area code",
        ),
        X("+13053752301", expect="DUPLICATE_IN_BATCH", case="duplicate of wave_c row 2"),
        BLANK,
        V(
            "3053752310",
            "paren",
            r="RTG-1003",
            src="instagram",
            extra={"Store": "Orlando", "Manager": "Zoë Brontë"},
            case="accented carried values",
        ),
        X(
            "",
            s="voice",
            extra={"Store": "Tampa", "Manager": "Ana"},
            expect="MISSING_NUMBER",
            case="no number, service and carried values present",
        ),
        V("3053752311", "apos", case="leading apostrophe"),
    ],
)

WAVE_D = CsvFile(
    name="wave_d_pipe.csv",
    delimiter="|",
    encoding="utf-8",
    newline="\n",
    header=[
        ("DID", "n"),
        ("Route ID", "r"),
        ("Forward/Receiving Number", "f"),
        ("Service", "s"),
        ("Source", "src"),
        ("Location", "Location"),
        ("Notes", "Notes"),
    ],
    rows=[
        V(
            "6172532501",
            "paren",
            r="RTG-1001",
            extra={"Notes": "Front desk | main line"},
            quote=frozenset({"n"}),
            case="quoted number field; note holds the pipe delimiter",
        ),
        V(
            "6172532502",
            "quoted",
            extra={"Location": "Boston | Cambridge"},
            case="value wrapped in literal double quotes; location holds the pipe",
        ),
        Row(n="1-888-463-2503", nat="8884632503", case="toll-free 888"),
        Row(n="1-888-GOFEDEX", nat="8884633339", r="RTG-1002", case="vanity toll-free"),
        V("8774632504", "plus", case="toll-free 877"),
        X(
            "(415) 839-2208",
            expect="DUPLICATE_IN_BATCH",
            case="duplicate of wave_a row 9 written differently",
        ),
        V("8884634108", "dash1", expect="ALREADY_TRACKING", case="toll-free tracking number"),
        V(
            "5124744110",
            "paren",
            expect="IN_OTHER_PORT;ALREADY_TRACKING",
            case="pending port request and already tracking",
        ),
        V("6048737305", "plus_sp", expect="IN_OTHER_PORT", case="port request scheduled"),
        V("7209137307", "dots", expect="IN_OTHER_PORT", case="port request completed"),
        V("7023857311", "dash", case="only a cancelled port request: not blocking"),
        V("3127447312", "paren", case="only a rejected port request: not blocking"),
        V(
            "4158397002",
            "plus",
            expect="RECEIVING_NUMBER",
            case="active receiving number, two tracking numbers forward to it",
        ),
        V(
            "3053757008",
            "dash",
            expect="RECEIVING_NUMBER",
            case="active receiving number nobody forwards to (related empty)",
        ),
        BLANK,
        V(
            "6048734107",
            "dash",
            f="555-12",
            expect="ALREADY_TRACKING;INVALID_RECEIVING_NUMBER",
            case="already tracking plus malformed receiving number",
        ),
        Row(
            n="1-866-463-7104",
            nat="8664637104",
            f="(617) 253-2501",
            expect="FAILSAFE_NUMBER;ROUTES_TO_PORTED_NUMBER",
            case="toll-free fail-safe that forwards to wave_d row 2",
        ),
        X(
            "",
            s="sms",
            extra={"Location": "Boston"},
            expect="MISSING_NUMBER;UNKNOWN_SERVICE",
            case="no number plus service sms",
        ),
        V(
            "3127442505",
            "dash",
            s="sms",
            r="Main Sales Line",
            expect="UNKNOWN_SERVICE;ROUTING_NAME_NOT_ID",
            case="sms plus routing name",
        ),
        X(
            "(800) 555-0142",
            expect="INVALID_NUMBER",
            case="fictitious 555-01XX applies to any area code, toll-free too",
        ),
        V(
            "3127442506",
            "dash",
            f="2139782701",
            expect="ROUTES_TO_PORTED_NUMBER",
            case="forwards to a number accepted LATER in this run (wave_f.xlsx West row 5)",
        ),
        V(
            "3127442507",
            "dash",
            f=fmt(R10, "plus_sp"),
            r="RTG-1002",
            src="newsletter",
            case="forward to an active receiving number (normal)",
        ),
        X("+61 2 9374 4000", expect="NOT_US_CA", case="Australian number"),
        V(
            "6172532508",
            "dash",
            r="RTG-0099",
            expect="UNKNOWN_ROUTING_ID",
            case="unknown routing ID",
        ),
        BLANK,
        V("6172532509", "dash", s="fax", extra={"Location": "Cambridge | Lab"}, case="fax"),
        X("617-253-2510 x9", expect="HAS_EXTENSION", case="extension x9"),
    ],
)

WAVE_E = CsvFile(
    name="wave_e_headerless.csv",
    delimiter=",",
    encoding="utf-8",
    newline="\n",
    header=[("", "n"), ("", "r")],
    headerless=True,
    rows=[
        V("7023852601", "paren", r="RTG-1001", case="headerless: first row is data"),
        V("7023852602", "dots", case="headerless, number only (no routing field)"),
        V("7023852603", "plain", r="RTG-1002", case="headerless with routing"),
        V("7023852604", "plus_sp", case="headerless +1"),
        BLANK,
        X("", r="RTG-1001", expect="MISSING_NUMBER", case="routing but no number"),
        V(
            "7023852605",
            "dash",
            r="Main Sales Line",
            expect="ROUTING_NAME_NOT_ID",
            case="routing friendly name in column 2",
        ),
        V(
            "7023852606",
            "dash",
            r="RTG-7777",
            expect="UNKNOWN_ROUTING_ID",
            case="unknown routing ID in column 2",
        ),
        X("7.02385E+09", expect="INVALID_NUMBER", case="scientific notation"),
        X("4158392203", expect="DUPLICATE_IN_BATCH", case="duplicate of wave_a row 4"),
        V("7023852607", "plain11", case="11 digits"),
        X("702-385-2608 ext. 44", expect="HAS_EXTENSION", case="extension"),
        V("2127364102", "plain", expect="ALREADY_TRACKING", case="already tracking"),
        V("2139787205", "dash", expect="USER_ASSIGNED", case="user number"),
        V("7209132609", "one_paren", r="RTG-1003", case="1 (720) 913-2609 style"),
        V("4163927105", "dash", expect="FAILSAFE_NUMBER", case="fail-safe (CA)"),
        V("7209132610", "plain", r="RTG-1004", case="last row"),
    ],
)

WEST = Sheet(
    name="West",
    titles=[
        "Acme Dental Group – number port list",
        "Prepared 2024-05-14 by J. Rivera",
        "Wave F (west coast offices)",
    ],
    header=[
        ("Phone", "n"),
        ("Routing ID", "r"),
        ("Forward To", "f"),
        ("Service", "s"),
        ("Tracking Source", "src"),
        ("Office", "Office"),
    ],
    rows=[
        V(
            "2139782701",
            "int",
            r="RTG-1001",
            extra={"Office": "LA"},
            case="numeric cell, 10 digits; header below 3 title rows",
        ),
        V("2139782702", "int11", extra={"Office": "LA"}, case="numeric cell, 11 digits"),
        V("2139782703", "float", case="numeric cell written from a float (2139782703.0)"),
        V("2139782704", "paren", case="text cell"),
        BLANK,
        BLANK,
        Row(
            n=int("7209132705"),
            nat="7209132705",
            r="RTG-1002",
            f=int(R9),
            case="numeric number and numeric forward-to cell",
        ),
        X(int("2139114567"), expect="INVALID_NUMBER", case="numeric cell, N11 exchange"),
        X(int("213978270"), expect="INVALID_NUMBER", case="numeric cell, 9 digits"),
        X(int("4158392205"), expect="DUPLICATE_IN_BATCH", case="numeric duplicate of wave_a row 6"),
        V("3127444103", "int", expect="ALREADY_TRACKING", case="numeric, already tracking"),
        V("2139787316", "int", expect="IN_OTHER_PORT", case="numeric, submitted port request"),
        V("2139782706", "dash", s="fax", case="fax"),
        V(
            "2139782707",
            "dash",
            r="RTG-5555",
            expect="UNKNOWN_ROUTING_ID",
            case="unknown routing ID",
        ),
        BLANK,
        V(
            "2139782708",
            "int",
            f="TBD",
            expect="INVALID_RECEIVING_NUMBER",
            case="receiving number is text",
        ),
        V("2063862709", "plus_sp", r="RTG-1003", src="billboard", case="text +1 cell"),
        V(
            "2139782710",
            "int",
            f="(213) 978-2704",
            expect="ROUTES_TO_PORTED_NUMBER",
            case="forwards to West row 8, ported in this run",
        ),
    ],
)

CANADA = Sheet(
    name="Canada",
    titles=[],
    header=[
        ("TN", "n"),
        ("Route ID", "r"),
        ("Destination", "f"),
        ("Line Type", "s"),
        ("Branch", "Branch"),
    ],
    rows=[
        V(
            "6048732801",
            "dash",
            r="RTG-2001",
            f=fmt(R11, "plus"),
            extra={"Branch": "Vancouver"},
            case="TN / Route ID / Destination aliases",
        ),
        V("7783302802", "int", extra={"Branch": "Surrey"}, case="numeric cell (CA)"),
        V("4032682803", "paren", r="RTG-1002", extra={"Branch": "Calgary"}, case="Calgary"),
        V("8199532804", "plus_paren", extra={"Branch": "Gatineau"}, case="+1 (819) style"),
        BLANK,
        V("9024242805", "dash1", extra={"Branch": "Halifax"}, case="Halifax"),
        V("4186912806", "dash", s="fax", extra={"Branch": "Québec"}, case="fax (CA)"),
        V(
            "4504632807",
            "dash",
            f="604-873-2801",
            expect="ROUTES_TO_PORTED_NUMBER",
            extra={"Branch": "Laval"},
            case="destination is Canada row 2, ported in this run",
        ),
        V(
            "2049862808",
            "dash",
            r="Spanish IVR",
            expect="ROUTING_NAME_NOT_ID",
            case="routing friendly name",
        ),
        X(int("6048732403"), expect="DUPLICATE_IN_BATCH", case="numeric duplicate of wave_b row 4"),
        X("(604) 873-2809 ext. 7", expect="HAS_EXTENSION", case="extension"),
        V("2049862810", "plus_sp", s="sms", expect="UNKNOWN_SERVICE", case="service sms"),
        X("+1 876 927 1236", expect="NOT_US_CA", case="Jamaica in E.164 form"),
        X(None, extra={"Branch": "Halifax"}, expect="MISSING_NUMBER", case="branch only"),
        V("7783307206", "dash", expect="USER_ASSIGNED", case="user number (CA)"),
        V("4163924106", "dash", expect="ALREADY_TRACKING", case="already tracking (CA)"),
    ],
)

WAVE_F = Workbook(
    name="wave_f.xlsx",
    sheets=[WEST, CANADA],
    notes_sheet=(
        "Read me",
        [
            ["About this workbook"],
            ["Sheets West and Canada list the lines to move."],
            ["Questions go to the ops team."],
            [],
            ["Version", 3],
        ],
    ),
)


def T(nat: str, style: str, **kw: Any) -> Row:
    return V(nat, style, **kw)


MANUAL = TextFile(
    name="manual_add.txt",
    lines=[
        (
            [", ", "; "],
            [
                T("2063862901", "paren", case="txt: comma and semicolon on one line"),
                T("2063862902", "dots", case="txt: second token"),
                T("2063862903", "spaces", case="txt: third token"),
            ],
        ),
        ([], [T("2063862904", "plus_sp", case="txt: +1 with spaces")]),
        (
            [";"],
            [
                T("2063862905", "plain", case="txt: semicolon, no space"),
                T("2063862906", "plus", case="txt: E.164"),
            ],
        ),
        ([], [Row(n="1-877-463-2907", nat="8774632907", case="txt: toll-free")]),
        ([], [T("2063862908", "quoted", case="txt: surrounding quotes")]),
        ([], [T("2063862909", "apos", case="txt: leading apostrophe")]),
        ([], [X("see email", expect="INVALID_NUMBER", case="txt: unparseable text")]),
        ([], [X("206-386-2910 x45", expect="HAS_EXTENSION", case="txt: extension")]),
        (
            [", "],
            [
                X(
                    "(415) 839-2202",
                    expect="DUPLICATE_IN_BATCH",
                    case="txt: duplicate of wave_a row 3",
                ),
                T("2063862911", "plain", case="txt: after a duplicate on the same line"),
            ],
        ),
        ([], [T("4046564112", "dash", expect="ALREADY_TRACKING", case="txt: already tracking")]),
        ([], [T("2063862912", "fw", case="txt: full-width digits")]),
        ([], [X("2.06386E+09", expect="INVALID_NUMBER", case="txt: scientific notation")]),
        (
            ["; "],
            [
                T("4163922913", "dash", case="txt: Canadian 416"),
                X(
                    "416 392 2913",
                    expect="DUPLICATE_IN_BATCH",
                    case="txt: duplicate on the same line",
                ),
            ],
        ),
        ([], [T("6048732914", "paren", case="txt: Canadian 604")]),
        ([], [X("+44 20 7946 0959", expect="NOT_US_CA", case="txt: UK number")]),
        ([], [T("2063867317", "dash", expect="IN_OTHER_PORT", case="txt: port request foc")]),
        ([], [T("2063862915", "nbsp", case="txt: non-breaking spaces")]),
    ],
)

INPUT_ORDER: list[CsvFile | Workbook | TextFile] = [
    WAVE_A,
    WAVE_B,
    WAVE_C,
    WAVE_D,
    WAVE_E,
    WAVE_F,
    MANUAL,
]

# --------------------------------------------------------------------------- the mini-oracle

TOLL_FREE_NPA = {"800", "833", "844", "855", "866", "877", "888"}
GEOGRAPHIC_TYPES = {
    PhoneNumberType.FIXED_LINE,
    PhoneNumberType.MOBILE,
    PhoneNumberType.FIXED_LINE_OR_MOBILE,
}


@dataclass
class Parsed:
    status: str  # blank | invalid | foreign | extension | ok
    e164: str = ""


def cell_text(value: Any) -> str:
    """The text of a cell as a person reads it (numeric cells without a trailing .0)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        raise AssertionError("no booleans in inputs")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def parse_number(value: Any) -> Parsed:
    """SPEC 1.1 validity, computed independently of the implementation."""
    text = cell_text(value).strip()
    if not text:
        return Parsed("blank")
    text = text.replace("\u00a0", " ").strip()
    if text.startswith("'"):
        text = text[1:]
    if len(text) >= 2 and text[0] == text[-1] == '"':
        text = text[1:-1]
    text = text.strip()
    if re.fullmatch(r"\d+\.0+", text):
        text = text.split(".")[0]
    if re.fullmatch(r"\d(\.\d+)?[eE]\+?\d+", text):
        return Parsed("invalid")  # digits lost
    try:
        num = phonenumbers.parse(text, "US")
    except phonenumbers.NumberParseException:
        return Parsed("invalid")
    if not phonenumbers.is_valid_number(num):
        return Parsed("invalid")
    region = phonenumbers.region_code_for_number(num)
    e164 = phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)
    if region not in ("US", "CA"):
        assert not num.extension, f"ambiguous: foreign number with extension {value!r}"
        return Parsed("foreign", e164)
    nsn = str(num.national_number)
    if len(nsn) != 10:
        return Parsed("invalid")
    if nsn[3:6] == "555" and 100 <= int(nsn[6:]) <= 199:
        return Parsed("invalid")
    if nsn[4:6] == "11" and nsn[3] != "1":
        assert phonenumbers.number_type(num) in GEOGRAPHIC_TYPES, (
            f"ambiguous: N11 exchange in a non-geographic area code {value!r}"
        )
        return Parsed("invalid")
    if num.extension:
        return Parsed("extension", e164)
    return Parsed("ok", e164)


def must_e164(value: Any) -> str:
    parsed = parse_number(value)
    assert parsed.status == "ok", f"account table number not valid: {value!r}"
    return parsed.e164


@dataclass
class Accounts:
    tracking: set[str]
    forwarders: dict[str, list[str]]  # receiving e164 -> tracking e164s
    receiving_active: set[str]
    receiving_any: set[str]
    failsafe: set[str]
    users: set[str]
    blocked: set[str]
    routing_ids: dict[str, str]
    routing_names: dict[str, str]  # name -> id
    routing_inactive: set[str]  # ids and names of inactive routings


def load_accounts() -> Accounts:
    forwarders: dict[str, list[str]] = {}
    for _id, _name, nat, style, _rid, recv in TRACKING:
        if recv:
            forwarders.setdefault(must_e164(fmt(*recv)), []).append(must_e164(fmt(nat, style)))
    active = {must_e164(fmt(nat, st)) for _i, _n, nat, st, a in RECEIVING if a == "true"}
    for target in forwarders:
        assert target in active, "ambiguous: tracking forwards to an inactive/unknown receiver"
    statuses: dict[str, set[str]] = {}
    for _pid, nat, style, status in PORT_REQUESTS:
        assert status in BLOCKING_STATUSES | NON_BLOCKING_STATUSES
        statuses.setdefault(must_e164(fmt(nat, style)), set()).add(status)
    return Accounts(
        tracking={must_e164(fmt(t[2], t[3])) for t in TRACKING},
        forwarders={k: sorted(v) for k, v in forwarders.items()},
        receiving_active=active,
        receiving_any={must_e164(fmt(r[2], r[3])) for r in RECEIVING},
        failsafe={must_e164(fmt(nat, st)) for nat, st, _l in FAILSAFE},
        users={must_e164(fmt(u[2], u[3])) for u in USERS},
        blocked={n for n, s in statuses.items() if s & BLOCKING_STATUSES},
        routing_ids={rid: name for rid, name, _t, _a in ROUTING},
        routing_names={name: rid for rid, name, _t, _a in ROUTING},
        routing_inactive={x for rid, name, _t, a in ROUTING if a != "true" for x in (rid, name)},
    )


@dataclass
class Record:
    """One non-blank input row as a reader sees it."""

    source_file: str
    source_sheet: str
    source_row: int
    n: Any
    r: Any
    f: Any
    s: Any
    declared: Row | None = None


def judge(records: list[Record], acc: Accounts) -> list[dict[str, str]]:
    """Every code that applies to each record (SPEC 2), with guards against ambiguous cases."""
    parsed = [parse_number(rec.n) for rec in records]
    codes: list[set[str]] = [set() for _ in records]
    first_seen: dict[str, int] = {}
    dup_firsts: list[int] = []
    for i, (rec, p) in enumerate(zip(records, parsed, strict=True)):
        c = codes[i]
        service = cell_text(rec.s).strip()
        routing = cell_text(rec.r).strip()
        receiving = cell_text(rec.f).strip()
        assert service in ("", "voice", "fax") or service.islower(), "ambiguous service case"
        if p.status == "blank":
            c.add("MISSING_NUMBER")
        elif p.status == "invalid":
            c.add("INVALID_NUMBER")
        elif p.status == "foreign":
            c.add("NOT_US_CA")
        elif p.status == "extension":
            c.add("HAS_EXTENSION")
        if service not in ("", "voice", "fax"):
            c.add("UNKNOWN_SERVICE")
        if p.status == "ok":
            if p.e164 in first_seen:
                c.add("DUPLICATE_IN_BATCH")
                dup_firsts.append(first_seen[p.e164])
            else:
                first_seen[p.e164] = i
            if p.e164 in acc.blocked:
                c.add("IN_OTHER_PORT")
            if p.e164 in acc.tracking:
                c.add("ALREADY_TRACKING")
            if p.e164 in acc.receiving_active:
                c.add("RECEIVING_NUMBER")
            if p.e164 in acc.failsafe:
                c.add("FAILSAFE_NUMBER")
            if p.e164 in acc.users:
                c.add("USER_ASSIGNED")
        if routing:
            exact = routing in acc.routing_ids or routing in acc.routing_names
            folded = {k.casefold() for k in [*acc.routing_ids, *acc.routing_names]}
            assert exact or routing.casefold() not in folded, (
                f"ambiguous: routing {routing!r} matches only case-insensitively"
            )
            assert routing not in acc.routing_inactive, "ambiguous: inactive routing referenced"
            if routing in acc.routing_ids:
                pass
            elif routing in acc.routing_names:
                c.add("ROUTING_NAME_NOT_ID")
            else:
                c.add("UNKNOWN_ROUTING_ID")
        if receiving:
            rp = parse_number(rec.f)
            assert rp.status in ("ok", "invalid"), f"ambiguous receiving number {receiving!r}"
            if rp.status == "invalid":
                c.add("INVALID_RECEIVING_NUMBER")
        if service == "fax":
            assert not routing and not receiving, "ambiguous: fax row with routing/receiving"
    # guards on numbers that carry an extension: the main number appears nowhere else
    ext_mains = {p.e164 for p in parsed if p.status == "extension"}
    everywhere = set(first_seen) | acc.tracking | acc.receiving_any | acc.failsafe | acc.users
    everywhere |= acc.blocked
    assert not ext_mains & everywhere, "ambiguous: extension on a number used elsewhere"

    # pass 2: ROUTES_TO_PORTED_NUMBER against the numbers accepted in this run
    def passes(i: int) -> bool:
        return not codes[i] and cell_text(records[i].s).strip() != "fax"

    by_number: dict[str, list[int]] = {}
    for i, p in enumerate(parsed):
        if p.status == "ok":
            by_number.setdefault(p.e164, []).append(i)
    accepted_before = {i for i in range(len(records)) if passes(i)}
    routes: list[tuple[int, int]] = []
    for i, rec in enumerate(records):
        receiving = cell_text(rec.f).strip()
        if not receiving:
            continue
        rp = parse_number(rec.f)
        if rp.status != "ok" or rp.e164 not in by_number:
            continue
        targets = by_number[rp.e164]
        assert i not in targets, "ambiguous: row forwards to itself"
        assert targets[0] in accepted_before, "ambiguous: forwards to a rejected/fax row"
        codes[i].add("ROUTES_TO_PORTED_NUMBER")
        routes.append((i, targets[0]))
    for _i, target in routes:
        assert not codes[target], "ambiguous: chain of ROUTES_TO_PORTED_NUMBER"
    for first in dup_firsts:
        assert passes(first), "ambiguous: duplicate of a row that was not accepted"

    out = []
    for i, (rec, p) in enumerate(zip(records, parsed, strict=True)):
        ordered = [code for code in PRECEDENCE if code in codes[i]]
        service = cell_text(rec.s).strip()
        outcome = "rejected" if ordered else ("fax" if service == "fax" else "accepted")
        related = ""
        if "RECEIVING_NUMBER" in codes[i]:
            related = ";".join(acc.forwarders.get(p.e164, []))
        hint = ""
        if "ROUTING_NAME_NOT_ID" in codes[i]:
            hint = acc.routing_names[cell_text(rec.r).strip()]
        out.append(
            {
                "source_file": rec.source_file,
                "source_sheet": rec.source_sheet,
                "source_row": str(rec.source_row),
                "outcome": outcome,
                "reason_code": ordered[0] if ordered else "",
                "all_reasons": ";".join(ordered),
                "e164": p.e164 if p.status in ("ok", "foreign") else "",
                "raw_number": cell_text(rec.n),
                "related": related,
                "routing_id_hint": hint,
            }
        )
    return out


# --------------------------------------------------------------------------- writers


def cell_for_csv(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float | int):
        raise AssertionError("numeric values are for workbooks only")
    return str(value)


def join_fields(fields: list[str], delimiter: str, forced: set[int]) -> str:
    out = []
    for i, value in enumerate(fields):
        needs = any(ch in value for ch in (delimiter, '"', "\r", "\n")) or i in forced
        out.append('"' + value.replace('"', '""') + '"' if needs else value)
    return delimiter.join(out)


def row_values(row: Row, header: list[tuple[str, str]]) -> list[Any]:
    values = []
    for _title, key in header:
        if key in ROLE_KEY.values():
            values.append(getattr(row, key))
        else:
            values.append(row.extra.get(key, ""))
    unknown = set(row.extra) - {key for _t, key in header}
    assert not unknown, f"carried columns not in header: {unknown}"
    return values


def write_csv(spec: CsvFile, path: Path) -> None:
    lines: list[str] = []
    if not spec.headerless:
        lines.append(join_fields([t for t, _k in spec.header], spec.delimiter, set()))
    for row in spec.rows:
        if row.empty_line:
            lines.append("")
            continue
        if row.blank:
            lines.append(spec.delimiter * (len(spec.header) - 1))
            continue
        values = [cell_for_csv(v) for v in row_values(row, spec.header)]
        if spec.headerless:
            while len(values) > 1 and values[-1] == "":
                values.pop()  # ragged: "number" alone when there is no routing
        forced = {i for i, (_t, key) in enumerate(spec.header) if key in row.quote}
        lines.append(join_fields(values, spec.delimiter, forced))
    text = spec.newline.join(lines) + spec.newline
    if spec.encoding == "utf-16-le-bom":
        data = b"\xff\xfe" + text.encode("utf-16-le")
    else:
        data = text.encode(spec.encoding)
    path.write_bytes(data)


FIXED_STAMP = "2024-05-14T09:00:00Z"


def save_workbook(wb: Any, path: Path) -> None:
    """Save a workbook byte-for-byte reproducibly (openpyxl stamps the time of saving)."""
    buf = io.BytesIO()
    wb.save(buf)
    with (
        zipfile.ZipFile(io.BytesIO(buf.getvalue())) as src,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = data.decode("utf-8")
                text = re.sub(
                    r"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:)",
                    rf"\g<1>{FIXED_STAMP}\g<3>",
                    text,
                )
                data = text.encode("utf-8")
            dst.writestr(
                zipfile.ZipInfo(info.filename, (2024, 5, 14, 9, 0, 0)), data, zipfile.ZIP_DEFLATED
            )


def write_workbook(spec: Workbook, path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for sheet in spec.sheets:
        ws = wb.create_sheet(sheet.name)
        for i, title in enumerate(sheet.titles, start=1):
            ws.cell(row=i, column=1, value=title)
        header_row = len(sheet.titles) + 1
        for col, (title, _key) in enumerate(sheet.header, start=1):
            ws.cell(row=header_row, column=col, value=title)
        for offset, row in enumerate(sheet.rows, start=1):
            if row.blank:
                continue
            for col, value in enumerate(row_values(row, sheet.header), start=1):
                if value is None or value == "":
                    continue
                cell = ws.cell(row=header_row + offset, column=col, value=value)
                if isinstance(value, str):
                    cell.data_type = "s"
    title, rows = spec.notes_sheet
    ws = wb.create_sheet(title)
    for r, values in enumerate(rows, start=1):
        for c, value in enumerate(values, start=1):
            ws.cell(row=r, column=c, value=value)
    save_workbook(wb, path)


def write_text(spec: TextFile, path: Path) -> None:
    lines = []
    for seps, rows in spec.lines:
        assert len(seps) == len(rows) - 1
        parts = [cell_for_csv(rows[0].n)]
        for sep, row in zip(seps, rows[1:], strict=True):
            parts.append(sep + cell_for_csv(row.n))
        lines.append("".join(parts))
    path.write_bytes(("\n".join(lines) + "\n").encode("utf-8"))


def write_accounts(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)

    def csv_table(name: str, header: list[str], rows: Iterable[list[Any]]) -> None:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow([cell_for_csv(v) for v in row])
        (folder / f"{name}.csv").write_bytes(buf.getvalue().encode("utf-8"))

    csv_table(
        "tracking_numbers",
        ["id", "name", "number", "routing_id", "receiving_number", "account_id"],
        (
            [i, n, fmt(nat, st), rid, fmt(*recv) if recv else "", ACCOUNT_ID]
            for i, n, nat, st, rid, recv in TRACKING
        ),
    )
    csv_table(
        "receiving_numbers",
        ["id", "name", "number", "active"],
        ([i, n, fmt(nat, st), a] for i, n, nat, st, a in RECEIVING),
    )
    csv_table(
        "failsafe_numbers",
        ["number", "label"],
        ([fmt(nat, st), label] for nat, st, label in FAILSAFE),
    )
    csv_table(
        "port_requests",
        ["port_request_id", "number", "status"],
        ([p, fmt(nat, st), s] for p, nat, st, s in PORT_REQUESTS),
    )
    csv_table(
        "routing",
        ["routing_id", "name", "type", "active"],
        ([r, n, t, a] for r, n, t, a in ROUTING),
    )
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "users"
    ws.append(["user_id", "name", "number", "email"])
    for uid, name, nat, style, email in USERS:
        ws.append([uid, name, fmt(nat, style), email])
    save_workbook(wb, folder / "users.xlsx")


# --------------------------------------------------------------------------- declared records


def declared_records() -> list[Record]:
    """Input rows in run order, as they were declared (blank rows left out)."""
    records: list[Record] = []
    for spec in INPUT_ORDER:
        if isinstance(spec, CsvFile):
            start = 1 if spec.headerless else 2
            for i, row in enumerate(spec.rows):
                if not row.blank:
                    records.append(
                        Record(spec.name, "", start + i, row.n, row.r, row.f, row.s, row)
                    )
        elif isinstance(spec, Workbook):
            for sheet in spec.sheets:
                header_row = len(sheet.titles) + 1
                for i, row in enumerate(sheet.rows, start=1):
                    if not row.blank:
                        records.append(
                            Record(
                                spec.name,
                                sheet.name,
                                header_row + i,
                                row.n,
                                row.r,
                                row.f,
                                row.s,
                                row,
                            )
                        )
        else:
            for line_no, (_seps, rows) in enumerate(spec.lines, start=1):
                for row in rows:
                    records.append(Record(spec.name, "", line_no, row.n, "", "", "", row))
    return records


def blank_counts() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for spec in INPUT_ORDER:
        if isinstance(spec, CsvFile):
            out.append(
                {
                    "file": spec.name,
                    "sheet": "",
                    "rows": sum(not r.blank for r in spec.rows),
                    "skipped_blank": sum(r.blank for r in spec.rows),
                }
            )
        elif isinstance(spec, Workbook):
            for sheet in spec.sheets:
                out.append(
                    {
                        "file": spec.name,
                        "sheet": sheet.name,
                        "rows": sum(not r.blank for r in sheet.rows),
                        "skipped_blank": sum(r.blank for r in sheet.rows),
                    }
                )
        else:
            out.append(
                {
                    "file": spec.name,
                    "sheet": "",
                    "rows": sum(len(rows) for _s, rows in spec.lines),
                    "skipped_blank": 0,
                }
            )
    return out


def check_declarations(records: list[Record], results: list[dict[str, str]]) -> None:
    problems = []
    for rec, res in zip(records, results, strict=True):
        row = rec.declared
        assert row is not None
        want = sorted(c for c in row.expect.split(";") if c)
        got = sorted(c for c in res["all_reasons"].split(";") if c)
        where = f"{rec.source_file} {rec.source_sheet} row {rec.source_row} ({row.case})"
        if want != got:
            problems.append(f"{where}: declared {want}, oracle says {got}")
        if row.nat is not None and "INVALID_NUMBER" not in got:
            if res["e164"] != "+1" + row.nat:
                problems.append(f"{where}: e164 {res['e164']!r} != +1{row.nat}")
        if res["outcome"] in ("accepted", "fax") and not res["e164"]:
            problems.append(f"{where}: accepted without e164")
        if res["outcome"] in ("accepted", "fax") and row.nat is None:
            problems.append(f"{where}: accepted row must declare its intended number")
        if not row.case:
            problems.append(f"{where}: no case note")
    if problems:
        raise SystemExit("declaration/oracle mismatch:\n  " + "\n  ".join(problems))


# --------------------------------------------------------------------------- read back


def decode(data: bytes) -> str:
    if data.startswith(b"\xff\xfe"):
        return data[2:].decode("utf-16-le")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252")


def roles_of(header: list[Any]) -> dict[str, int]:
    roles: dict[str, int] = {}
    for i, title in enumerate(header):
        role = ALIAS_ROLE.get(norm_header(cell_text(title)))
        if role:
            assert role not in roles, f"two columns for {role}"
            roles[ROLE_KEY[role]] = i
    return roles


def read_back(inputs: Path, order: list[str]) -> tuple[list[Record], int]:
    """An independent, plain reader of the generated files (no sniffing heuristics needed)."""
    records: list[Record] = []
    blanks = 0

    def take(name: str, sheet: str, row_no: int, cells: list[Any], roles: dict[str, int]) -> None:
        nonlocal blanks
        if all(cell_text(c).strip() == "" for c in cells):
            blanks += 1
            return

        def get(key: str) -> Any:
            i = roles.get(key)
            return cells[i] if i is not None and i < len(cells) else ""

        records.append(Record(name, sheet, row_no, get("n"), get("r"), get("f"), get("s")))

    for name in order:
        path = inputs / name
        if name.endswith(".xlsx"):
            wb = openpyxl.load_workbook(path, read_only=False, data_only=True)
            for ws in wb.worksheets:
                found = None
                for r in range(1, min(ws.max_row, 20) + 1):
                    header = [c.value for c in ws[r]]
                    if "n" in roles_of(header):
                        found = (r, roles_of(header))
                        break
                if found is None:
                    continue
                header_row, roles = found
                for r in range(header_row + 1, ws.max_row + 1):
                    take(name, ws.title, r, [c.value for c in ws[r]], roles)
        elif name.endswith(".txt"):
            for line_no, line in enumerate(decode(path.read_bytes()).split("\n"), start=1):
                if line.strip():
                    for token in re.split(r"[,;]", line):
                        records.append(Record(name, "", line_no, token.strip(), "", "", ""))
        else:
            text = decode(path.read_bytes())
            first = text.split("\n", 1)[0]
            delimiter = max(",;\t|", key=first.count)
            reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
            rows = list(reader)
            head = rows[0]
            if parse_number(head[0]).status == "ok":
                roles = {"n": 0, "r": 1}
                body, start = rows, 1
            else:
                roles = roles_of(head)
                body, start = rows[1:], 2
            for i, cells in enumerate(body):
                take(name, "", start + i, cells, roles)
    return records, blanks


# --------------------------------------------------------------------------- main

COLUMNS = [
    "source_file",
    "source_sheet",
    "source_row",
    "outcome",
    "reason_code",
    "all_reasons",
    "e164",
    "case",
    "raw_number",
    "related",
    "routing_id_hint",
]


def build(out: Path) -> dict[str, Any]:
    acc = load_accounts()
    records = declared_records()
    results = judge(records, acc)
    check_declarations(records, results)

    if out.exists() and any(out.iterdir()):
        if not (out / "expected_counts.json").exists():
            raise SystemExit(f"{out} is not empty and holds no corpus: refusing to wipe it")
        shutil.rmtree(out)
    (out / "inputs").mkdir(parents=True)
    for spec in INPUT_ORDER:
        target = out / "inputs" / spec.name
        if isinstance(spec, CsvFile):
            write_csv(spec, target)
        elif isinstance(spec, Workbook):
            write_workbook(spec, target)
        else:
            write_text(spec, target)
    write_accounts(out / "accounts")

    order = [spec.name for spec in INPUT_ORDER]
    per_input = blank_counts()
    skipped = sum(p["skipped_blank"] for p in per_input)

    # read the files back and judge again: row numbers, raw values and codes must agree
    back, back_blanks = read_back(out / "inputs", order)
    back_results = judge(back, acc)
    assert back_blanks == skipped, (back_blanks, skipped)
    assert len(back_results) == len(results), (len(back_results), len(results))
    for mine, theirs in zip(results, back_results, strict=True):
        assert mine == theirs, f"read-back differs:\n  {mine}\n  {theirs}"

    with (out / "expected.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        for rec, res in zip(records, results, strict=True):
            assert rec.declared is not None
            writer.writerow({**res, "case": rec.declared.case})

    outcomes = Counter(r["outcome"] for r in results)
    by_reason = Counter(r["reason_code"] for r in results if r["reason_code"])
    counts = {
        "input_order": order,
        "rows": len(results),
        "accepted": outcomes["accepted"],
        "rejected": outcomes["rejected"],
        "fax": outcomes["fax"],
        "skipped_blank": skipped,
        "rejects_by_reason": {code: by_reason[code] for code in PRECEDENCE if by_reason[code]},
        "inputs": per_input,
    }
    assert counts["rows"] == counts["accepted"] + counts["rejected"] + counts["fax"]
    thin = [code for code in PRECEDENCE if by_reason[code] < 2]
    assert not thin, f"reason codes seen as reason_code fewer than twice: {thin}"
    (out / "expected_counts.json").write_text(
        json.dumps(counts, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return counts


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent / "generated"
    counts = build(out)
    print(f"corpus written to {out}")
    print(
        json.dumps({k: v for k, v in counts.items() if k != "inputs"}, indent=2, ensure_ascii=False)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
