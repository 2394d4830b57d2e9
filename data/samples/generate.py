"""Generate portflow's sample data: Acme Dental Group (ACC-20418) moves its call tracking.

Usage, from the repository root:

    .venv/bin/python data/samples/generate.py

It (re)writes every file in data/samples/ and data/samples/accounts/ (five number lists, six
account tables, expected/expected.csv, expected/expected_counts.json and README.md). There is
no randomness and no clock: running it twice gives the same bytes, workbooks included.

How the expectations are made (the same idea as tests/corpus/build.py, with other data):
1. Each input row DECLARES the reason codes it should get and what it shows (`case`); rows
   meant to be valid also declare their 10-digit number.
2. A small ORACLE recomputes every row's codes from the raw cell values and the account tables
   (SPEC 1.1 validity with `phonenumbers`, SPEC 2 rules, and the team's interpretations listed
   in README.md). It refuses rows whose result would hang on a reading the team has not fixed.
3. The generated files are READ BACK with plain readers (BOM/UTF-16/cp1252 decoding, the csv
   module, openpyxl) and judged again: row numbers, raw values and codes must agree.
Any disagreement stops the script with an error; nothing is replaced in data/samples/ then.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
import shutil
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
import phonenumbers
import xlsxwriter
from phonenumbers import PhoneNumberType

HERE = Path(__file__).resolve().parent
ACCOUNT_ID = "ACC-20418"
ACCOUNT_NAME = "Acme Dental Group"

# =========================================================================== SPEC constants

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
BLOCKING = {
    "submitted",
    "pending",
    "in_progress",
    "foc",
    "scheduled",
    "complete",
    "completed",
    "ported",
}
NON_BLOCKING = {"draft", "cancelled", "rejected"}

# SPEC 1.1's minimum aliases: the sample headers use only these, so any reader that follows
# SPEC finds them. (Other headers in the samples must not be aliases of anything.)
ALIASES = {
    "n": [
        "number",
        "phone",
        "phone number",
        "number to port",
        "numbers to port",
        "tn",
        "telephone number",
        "did",
    ],
    "r": ["routing id", "routing", "route id"],
    "f": [
        "receiving number",
        "forward to",
        "forwarding number",
        "forward/receiving number",
        "destination",
    ],
    "src": ["tracking source", "source"],
    "s": ["service", "line type", "service type"],
}


def norm_header(text: str) -> str:
    return re.sub(r"[\s_\-/.]", "", text).lower()


ALIAS_ROLE = {norm_header(a): role for role, names in ALIASES.items() for a in names}
ROLES = ("n", "r", "f", "src", "s")

# =========================================================================== writing numbers

FULLWIDTH = str.maketrans("0123456789+-", "０１２３４５６７８９＋－")


def fmt(nat: str, style: str) -> Any:
    """The 10-digit national number `nat` written the way a person, a PBX or Excel writes it."""
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
        "plus_dash": f"+1-{a}-{b}-{c}",
        "plus": "+1" + nat,
        "idd": f"011 1 {a} {b} {c}",
        "fw": f"{a} {b} {c}".translate(FULLWIDTH),
        "fw_dash": f"{a}-{b}-{c}".translate(FULLWIDTH),
        "nbsp": f"({a})\u00a0{b}-{c}",
        "apos": "'" + nat,
        "quoted": '"' + nat + '"',
        "xfloat": nat + ".0",
        "xfloat11": "1" + nat + ".0",
        "sci": f"{int(nat):.5E}",  # Excel's 6.17536E+09: the last digits are gone
        "int": int(nat),  # numeric workbook cells
        "int11": int("1" + nat),
    }
    return styles[style]


def digits4(key: str) -> str:
    """Four stable 'random-looking' digits (sha256, so the same on every Python)."""
    return f"{int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) % 10000:04d}"


# =========================================================================== the company


@dataclass(frozen=True)
class Clinic:
    code: str
    name: str
    npa: str
    nxx: str  # exchange of the clinic's block of lines (DIDs)
    base: int  # the main number's last four digits; the other lines follow it
    desk: str  # the front desk behind the IVR (a receiving number), 10 digits
    carrier: str = ""
    tnxx: str = ""  # exchange of its tracking numbers, for clinics already on the platform


KINDS: dict[str, tuple[int, str, str]] = {  # kind: (offset in the block, label, routing ID)
    "main": (0, "main line", "RT-1001"),
    "new": (1, "new-patient line", "RT-1002"),
    "bill": (2, "billing line", "RT-1003"),
    "emerg": (3, "after-hours emergency line", "RT-1004"),
    "hyg": (4, "hygiene recall line", "RT-1005"),
    "ortho": (5, "orthodontics line", "RT-1006"),
    "span": (6, "Spanish-language line", "RT-1007"),
    "ring": (7, "front-desk ring group DID", "RT-1008"),
    "fax": (8, "fax line", ""),
    "fax2": (9, "billing fax", ""),
}
C: dict[str, Clinic] = {
    c.code: c
    for c in [
        # wave 1: Midwest and South
        Clinic("CHI", "Chicago Loop", "312", "782", 4400, "3123467120", tnxx="929"),
        Clinic("LPK", "Chicago Lincoln Park", "773", "348", 2200, "7733271945", tnxx="920"),
        Clinic("NAP", "Naperville", "630", "355", 6100, "6304208830", tnxx="686"),
        Clinic("MKE", "Milwaukee", "414", "273", 5300, "4142718842"),
        Clinic("MSP", "Minneapolis", "612", "338", 7700, "6123329016"),
        Clinic("STL", "St. Louis", "314", "231", 4600, "3144217735"),
        Clinic("KC", "Kansas City", "816", "421", 3900, "8164745528"),
        Clinic("DAL", "Dallas Uptown", "214", "871", 2500, "2149696140", tnxx="307"),
        Clinic("HOU", "Houston Galleria", "713", "626", 8800, "7136222957", tnxx="405"),
        Clinic("AUS", "Austin", "512", "472", 3300, "5124790861", tnxx="371"),
        Clinic("ATL", "Atlanta Midtown", "404", "873", 5500, "4048927714", tnxx="618"),
        Clinic("MIA", "Miami Brickell", "305", "373", 6600, "3053588425", tnxx="902"),
        Clinic("ORL", "Orlando", "407", "841", 2700, "4074220938"),
        Clinic("CLT", "Charlotte", "704", "332", 8100, "7043761157", tnxx="659"),
        Clinic("BNA", "Nashville", "615", "254", 4900, "6152423386"),
        Clinic("CMH", "Columbus", "614", "224", 6300, "6142281479"),
        # wave 2, Northeast
        Clinic("BOS", "Boston Back Bay", "617", "536", 2100, "6172670548", tnxx="982"),
        Clinic("CAM", "Cambridge", "617", "491", 7400, "6178686213", tnxx="714"),
        Clinic("WOR", "Worcester", "508", "753", 3600, "5087912294"),
        Clinic("PVD", "Providence", "401", "331", 5800, "4012747730"),
        Clinic("HFD", "Hartford", "860", "522", 4300, "8605252916"),
        Clinic("STM", "Stamford", "203", "348", 6500, "2033242087"),
        Clinic("ALB", "Albany", "518", "463", 2800, "5184348159"),
        Clinic("BKN", "Brooklyn Heights", "718", "625", 9100, "7188521664"),
        Clinic("NYC", "Manhattan Midtown", "212", "687", 3400, "2129865523", tnxx="739"),
        Clinic("EWR", "Newark", "973", "624", 5700, "9736428830"),
        Clinic("PHL", "Philadelphia", "215", "563", 8200, "2155685147", tnxx="709"),
        Clinic("PIT", "Pittsburgh", "412", "281", 6700, "4123919062"),
        # wave 2, West
        Clinic("SFO", "San Francisco", "415", "392", 5200, "4159562281", "AT&T", "727"),
        Clinic("OAK", "Oakland", "510", "834", 6900, "5104517733", "Comcast Business"),
        Clinic("SJC", "San Jose", "408", "294", 3100, "4089474406", "AT&T"),
        Clinic("LAX", "Los Angeles Westwood", "310", "208", 4500, "3104739918", "Verizon", "879"),
        Clinic("SAN", "San Diego", "619", "232", 7800, "6192396650", "Cox Business"),
        Clinic("SAC", "Sacramento", "916", "441", 2600, "9164480173", "Frontier"),
        Clinic("PDX", "Portland", "503", "224", 8300, "5032287794", "Lumen"),
        Clinic("SEA", "Seattle", "206", "622", 3700, "2066244415", "Verizon", "886"),
        Clinic("BOI", "Boise", "208", "345", 5900, "2083441928", "Lumen"),
        Clinic("SLC", "Salt Lake City", "801", "364", 2200, "8013550867", "Comcast Business"),
        Clinic("DEN", "Denver", "303", "825", 6400, "3035349251", "Lumen", "731"),
        Clinic("PHX", "Phoenix", "602", "254", 7100, "6022584436", "Cox Business"),
        # Canada
        Clinic("TOR", "Toronto Yonge", "416", "363", 4200, "4165987731", "Bell Canada", "639"),
        Clinic("VAN", "Vancouver", "604", "682", 5600, "6046881942", "Telus", "706"),
        Clinic("MTL", "Montréal Plateau", "514", "842", 3300, "5142887156", "Vidéotron"),
        Clinic("YYC", "Calgary", "403", "262", 1800, "4032654420", "Telus"),
        Clinic("OTT", "Ottawa", "613", "230", 7500, "6132368819", "Bell Canada"),
    ]
}


def num(code: str, kind: str) -> str:
    c = C[code]
    return f"{c.npa}{c.nxx}{c.base + KINDS[kind][0]:04d}"


CENTRAL = "7049402200"  # Acme Central Scheduling (Charlotte): receiving AND fail-safe number
ANSWERING = "8663142790"  # the after-hours answering service: a fail-safe number
ATL_PEDS = "4048735520"  # Atlanta pediatric line: first listed with an extension
SEA_ONCALL = "2066223790"  # Seattle on-call line, listed in wave 3 (a later file)
WOR_OLD = "5087910425"  # inactive receiving numbers that come back as ports (accepted)
CHI_OLD_DESK = "3123467100"

# =========================================================================== account exports

ROUTING = [  # routing_id, name, type, active
    ("RT-1001", "Main IVR", "ivr", "true"),
    ("RT-1002", "New Patient Line", "call_flow", "true"),
    ("RT-1003", "Billing Queue", "queue", "true"),
    ("RT-1004", "After-Hours Emergency", "schedule", "true"),
    ("RT-1005", "Hygiene Recall", "call_flow", "true"),
    ("RT-1006", "Orthodontics", "queue", "true"),
    ("RT-1007", "Spanish IVR", "ivr", "true"),
    ("RT-1008", "Front Desk Ring Group", "ring_group", "true"),
    ("RT-1009", "Old Voicemail Tree", "voicemail", "false"),  # inactive: no input uses it
    ("RT-2001", "Accueil Montréal", "ivr", "true"),
    ("RT-2002", "Canada Scheduling", "queue", "true"),
]

SOURCES = [  # tracking source, routing ID of its tracking numbers
    ("Google Ads", "RT-1002"),
    ("Yelp", "RT-1002"),
    ("Website", "RT-1001"),
    ("Direct Mail", "RT-1001"),
]
PILOT = [code for code, c in C.items() if c.tnxx]  # clinics already on the platform


def trk(code: str, source: str) -> str:
    c = C[code]
    return f"{c.npa}{c.tnxx}{digits4(f'tracking|{code}|{source}')}"


NATIONAL_TRACKING = [  # id, name, number, routing
    ("TRK-9001", "National TV – Spring smile campaign", "8885273164", "RT-1002"),
    ("TRK-9002", "Radio – Morning drive", "8772196540", "RT-1002"),
    ("TRK-9003", "Billboard – I-95 corridor", "8559013377", "RT-1008"),
    ("TRK-9004", "Mailer – Back to school", "8446620915", ""),
]
TRACKING_STYLES = ["paren", "plus", "dash", "plain", "dots", "plain11", "plus_sp", "dash1"]


def tracking_rows() -> list[tuple[str, str, str, str, str, str]]:
    """id, name, number (formatted), routing_id, receiving_number (formatted), account_id."""
    rows = []
    k = 0
    for code in PILOT:
        c = C[code]
        for source, routing in SOURCES:
            k += 1
            style = TRACKING_STYLES[k % len(TRACKING_STYLES)]
            rstyle = TRACKING_STYLES[(k + 3) % len(TRACKING_STYLES)]
            receiving = "" if (k % 11 == 0) else fmt(c.desk, rstyle)
            route = "" if (k % 13 == 0) else routing
            rows.append(
                (
                    f"TRK-{1000 + k}",
                    f"{source} – {c.name}",
                    fmt(trk(code, source), style),
                    route,
                    receiving,
                    ACCOUNT_ID,
                )
            )
    for i, (tid, name, nat, routing) in enumerate(NATIONAL_TRACKING):
        rows.append(
            (
                tid,
                name,
                fmt(nat, ["dash1", "paren", "plus", "dash"][i]),
                routing,
                fmt(CENTRAL, ["dash", "plain", "paren", "plus_sp"][i]),
                ACCOUNT_ID,
            )
        )
    return rows


def receiving_rows() -> list[tuple[str, str, str, str]]:
    """id, name, number, active."""
    rows = []
    k = 0
    styles = ["dash", "paren", "plus", "plain", "dots"]
    active_desks = PILOT + ["MKE", "MSP", "STL", "KC", "PVD", "WOR", "OAK", "YYC"]
    for code in active_desks:
        k += 1
        rows.append(
            (
                f"RCV-{200 + k}",
                f"{C[code].name} – Front Desk",
                fmt(C[code].desk, styles[k % 5]),
                "true",
            )
        )
    rows += [
        ("RCV-301", "Acme Central Scheduling (Charlotte)", fmt(CENTRAL, "plus_sp"), "true"),
        ("RCV-310", "Worcester – old Main St office (closed)", fmt(WOR_OLD, "dash"), "false"),
        ("RCV-311", "Chicago Loop – old front desk", fmt(CHI_OLD_DESK, "paren"), "false"),
        ("RCV-312", "Hartford – old desk", fmt("8605257790", "plain"), "false"),
        ("RCV-313", "Vancouver – temporary desk", fmt("6046882210", "plus"), "false"),
        ("RCV-314", "San Diego – old billing", fmt("6192396600", "dots"), "false"),
    ]
    return rows


FAILSAFE = [  # number, style, label
    (num("MKE", "emerg"), "dash", "Milwaukee emergency (fail-safe)"),
    (num("HFD", "emerg"), "paren", "Hartford emergency (fail-safe)"),
    (num("SJC", "emerg"), "plus", "San Jose emergency (fail-safe)"),
    (num("OTT", "emerg"), "dots", "Ottawa emergency (fail-safe)"),
    (CENTRAL, "plain11", "Central Scheduling (also a receiving number)"),
    (ANSWERING, "dash1", "After-hours answering service"),
]

USERS = [  # user_id, name, number (10 digits or ""), style (int/int11 = numeric cell), email
    ("U-101", "Maria Gonzalez", num("KC", "bill"), "int", "mgonzalez@acmedental.example"),
    ("U-102", "Tom Becker", num("CMH", "bill"), "paren", "tbecker@acmedental.example"),
    ("U-103", "Priya Natarajan", num("PVD", "bill"), "int11", "pnatarajan@acmedental.example"),
    ("U-104", "Kevin O'Brien", num("SAC", "bill"), "plus_sp", "kobrien@acmedental.example"),
    ("U-105", "Linda Chu", num("ALB", "bill"), "dash", "lchu@acmedental.example"),
    ("U-106", "Dr. Amara Okafor", "6789042231", "int", "aokafor@acmedental.example"),
    ("U-107", "Jordan Alvarez (IT)", "7043761190", "dots", "jalvarez@acmedental.example"),
    ("U-108", "Sam Whitfield", "", "", "swhitfield@acmedental.example"),
    ("U-109", "Nadia Haddad", "", "", "nhaddad@acmedental.example"),
    ("U-110", "Dr. Kevin Lee", "4153925299", "plus", "klee@acmedental.example"),
    ("U-111", "Chloé Tremblay", "5142887190", "int", "ctremblay@acmedental.example"),
    ("U-112", "Front Desk Tablet – Denver", "", "", ""),
    ("U-113", "Grace Kim", "2129865590", "dash1", "gkim@acmedental.example"),
    ("U-114", "Hygiene Team Calendar", "", "", "hygiene@acmedental.example"),
]

PORT_REQUESTS = [  # port_request_id, number, style, status
    ("PR-77120", num("BKN", "main"), "paren", "ported"),
    ("PR-77120", num("BKN", "new"), "paren", "ported"),
    ("PR-77120", num("BKN", "bill"), "paren", "ported"),
    ("PR-77121", num("EWR", "main"), "dash", "foc"),
    ("PR-77121", num("EWR", "new"), "dash", "foc"),
    ("PR-77135", num("STM", "main"), "plus", "in_progress"),
    ("PR-77140", num("ALB", "bill"), "plain", "submitted"),
    ("PR-77152", num("ORL", "main"), "dots", "pending"),
    ("PR-77160", num("PIT", "fax"), "plus_sp", "scheduled"),
    ("PR-77163", num("PHX", "main"), "dash1", "complete"),
    ("PR-77163", num("PHX", "new"), "dash1", "complete"),
    ("PR-77170", num("BOI", "main"), "paren", "completed"),
    ("PR-77100", num("HOU", "bill"), "dash", "cancelled"),
    ("PR-77195", num("HOU", "bill"), "plus", "scheduled"),
    ("PR-77060", num("MIA", "span"), "plain11", "submitted"),
    ("PR-77180", num("PDX", "main"), "dash", "draft"),
    ("PR-77181", num("SAN", "new"), "paren", "cancelled"),
    ("PR-77190", num("OTT", "main"), "plus", "rejected"),
    ("PR-77191", num("CLT", "hyg"), "dots", "draft"),
    ("PR-77191", num("CLT", "ortho"), "dots", "draft"),
]

# =========================================================================== input rows


@dataclass
class Row:
    """One input row: number, routing, forward-to, service, source + carried columns, intent."""

    n: Any = ""
    r: Any = ""
    f: Any = ""
    s: str = ""
    src: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    expect: str = ""  # codes this row must get, ";"-joined in any order; "" = passes
    case: str = ""
    nat: str | None = None  # the 10-digit number, for rows meant to hold a valid number
    blank: bool = False


BLANK = Row(blank=True)


def L(
    code: str,
    kind: str,
    style: str,
    *,
    r: Any = None,
    f: Any = None,
    s: str | None = None,
    case: str = "",
    nat: str | None = None,
    **kw: Any,
) -> Row:
    """A line of a clinic. Defaults: the kind's routing ID, no forward-to, 'Voice'/'Fax'."""
    nat = nat or num(code, kind)
    fax = kind.startswith("fax")
    row = Row(
        n=fmt(nat, style),
        r=KINDS[kind][2] if r is None else r,
        f="" if f is None else f,
        s=("Fax" if fax else "Voice") if s is None else s,
        nat=nat,
        **kw,
    )
    row.extra.setdefault("Clinic", f"{C[code].name}")
    row.case = case or f"{C[code].name} {KINDS[kind][1]}"
    return row


def X(raw: Any, *, expect: str, case: str, **kw: Any) -> Row:
    """A row whose number cell is exactly `raw` (not a valid US/CA number)."""
    return Row(n=raw, expect=expect, case=case, **kw)


def desk(code: str, style: str) -> Any:
    return fmt(C[code].desk, style)


# ---------------------------------------------------------------- acme_legacy_export.csv
# The old vendor's export, opened and saved by Excel on a French-Canadian PC: semicolons,
# Windows-1252, every field quoted, Excel damage on the numbers.

LEGACY_HEADER = [
    ("Number", "n"),
    ("Location", "Location"),
    ("Routing ID", "r"),
    ("Forwarding Number", "f"),
    ("Service", "s"),
    ("Notes", "Notes"),
]


def lg(code: str, kind: str, style: str, location: str, notes: str = "", **kw: Any) -> Row:
    kw.setdefault("s", "voice" if not kind.startswith("fax") else "fax")
    row = L(code, kind, style, **kw)
    row.extra = {"Location": location, "Notes": notes}
    return row


MTL_LOC = "Clinique Dentaire Montréal – Plateau"
QUE_LOC = "Clinique Dentaire Québec – Saint-Roch"
MIA_LOC = "Acme Dental Little Havana (Café Versailles plaza)"
HOU_LOC = "Acme Dental Houston – Galería"
QUE_MAIN, QUE_NEW, QUE_FAX, QUE_DESK = "4186923300", "4186923301", "4186923308", "4186947740"

LEGACY = [
    lg(
        "MTL",
        "main",
        "xfloat",
        MTL_LOC,
        "Ligne principale – réception",
        r="RT-2001",
        f=desk("MTL", "dash"),
        case="Montréal main as Excel float text 5148423300.0 (valid)",
    ),
    lg(
        "MTL",
        "new",
        "apos",
        MTL_LOC,
        "Nouveaux patients",
        r="RT-2002",
        case="Montréal new-patient line with a leading apostrophe",
    ),
    X(
        "5.14842E+09",
        expect="INVALID_NUMBER",
        case="Montréal billing in scientific notation: digits lost",
        r="RT-1003",
        s="voice",
        extra={"Location": MTL_LOC, "Notes": "Facturation"},
    ),
    lg(
        "MTL",
        "hyg",
        "quoted",
        MTL_LOC,
        "Rappels d’hygiène",
        r="RT-1005",
        case="Montréal hygiene line with literal surrounding quotes",
    ),
    lg(
        "MTL",
        "fax",
        "xfloat",
        MTL_LOC,
        "Télécopieur",
        r="",
        case="Montréal fax, float text: fax ticket",
    ),
    lg(
        "MTL",
        "ortho",
        "plain",
        MTL_LOC,
        "Orthodontie – Dr Bélanger",
        r="Accueil Montréal",
        expect="ROUTING_NAME_NOT_ID",
        case="routing written as the friendly name 'Accueil Montréal' (cp1252 é)",
    ),
    lg(
        "MTL",
        "span",
        "xfloat11",
        MTL_LOC,
        "Ligne espagnole (partagée)",
        r="RT-1007",
        case="11-digit Excel float text 15148423306.0 (valid)",
    ),
    lg(
        "MTL",
        "emerg",
        "dash",
        MTL_LOC,
        "Urgences",
        s="Voix",
        expect="UNKNOWN_SERVICE",
        case="service written in French: 'Voix'",
    ),
    Row(
        n=fmt(QUE_MAIN, "xfloat"),
        r="RT-2001",
        f=fmt(QUE_DESK, "paren"),
        s="voice",
        extra={"Location": QUE_LOC, "Notes": "Ligne principale"},
        nat=QUE_MAIN,
        case="Québec City main (418), float text",
    ),
    Row(
        n=fmt(QUE_NEW, "apos"),
        r="RT-2002",
        s="voice",
        nat=QUE_NEW,
        extra={"Location": QUE_LOC, "Notes": "Nouveaux patients"},
        case="Québec City new-patient line, apostrophe",
    ),
    Row(
        n=fmt(QUE_FAX, "plain"),
        s="fax",
        nat=QUE_FAX,
        extra={"Location": QUE_LOC, "Notes": "Télécopieur – réception"},
        case="Québec City fax: fax ticket",
    ),
    X(
        "4.18692E+09",
        expect="INVALID_NUMBER;UNKNOWN_ROUTING_ID",
        r="CM-4410",
        s="voice",
        extra={"Location": QUE_LOC, "Notes": "Facturation – ancien routage CallMetrics"},
        case="scientific notation and an old vendor routing ID",
    ),
    X(
        "",
        expect="MISSING_NUMBER",
        r="RT-2001",
        s="voice",
        extra={"Location": QUE_LOC, "Notes": "Numéro à venir (Bell)"},
        case="no number yet, the rest of the row filled in",
    ),
    lg(
        "MIA",
        "main",
        "xfloat",
        MIA_LOC,
        "Recepción principal",
        r="RT-1001",
        f=desk("MIA", "plain"),
        case="Miami main, float text, forwards to its front desk",
    ),
    lg(
        "MIA",
        "span",
        "plain",
        MIA_LOC,
        "Línea en español – ya en portación",
        r="RT-1007",
        expect="IN_OTHER_PORT",
        case="Miami Spanish line already in port request PR-77060 (submitted)",
    ),
    Row(
        n=fmt(trk("MIA", "Website"), "xfloat"),
        r="CM-1187",
        s="voice",
        nat=trk("MIA", "Website"),
        extra={"Location": MIA_LOC, "Notes": "Número del sitio web"},
        expect="ALREADY_TRACKING;UNKNOWN_ROUTING_ID",
        case="Miami website tracking number listed as a line to port, old vendor routing",
    ),
    X(
        "3.05373E+09",
        expect="INVALID_NUMBER",
        r="RT-1002",
        s="voice",
        extra={"Location": MIA_LOC, "Notes": "Pacientes nuevos"},
        case="Miami new-patient line in scientific notation",
    ),
    lg(
        "MIA",
        "bill",
        "apos",
        MIA_LOC,
        "Facturación",
        r="CM-2210",
        expect="UNKNOWN_ROUTING_ID",
        case="old vendor routing ID CM-2210",
    ),
    lg(
        "MIA",
        "hyg",
        "dash",
        MIA_LOC,
        "Higiene",
        r="RT-1005",
        f="(305) 358-84",
        expect="INVALID_RECEIVING_NUMBER",
        case="forwarding number cut short: (305) 358-84",
    ),
    lg("MIA", "fax", "plain", MIA_LOC, "Fax – recepción", r="", case="Miami fax: fax ticket"),
    lg(
        "HOU",
        "span",
        "xfloat",
        HOU_LOC,
        "Línea en español",
        r="RT-1007",
        f=desk("HOU", "dash"),
        case="Houston Spanish line, float text",
    ),
    X(
        "7.13626E+09",
        expect="INVALID_NUMBER",
        r="RT-1006",
        s="voice",
        extra={"Location": HOU_LOC, "Notes": "Ortodoncia"},
        case="Houston orthodontics in scientific notation",
    ),
    lg(
        "HOU",
        "main",
        "apos",
        HOU_LOC,
        "Recepción",
        r="RT-1001",
        f=desk("HOU", "plain"),
        case="Houston main, apostrophe",
    ),
    lg(
        "HOU",
        "new",
        "quoted",
        HOU_LOC,
        "Pacientes nuevos",
        r="RT-1002",
        case="Houston new-patient line with literal quotes",
    ),
    Row(
        n=fmt(trk("VAN", "Google Ads"), "xfloat"),
        r="CM-3301",
        s="voice",
        nat=trk("VAN", "Google Ads"),
        extra={"Location": "Vancouver – Kitsilano", "Notes": "Google Ads (ancienne campagne)"},
        expect="ALREADY_TRACKING;UNKNOWN_ROUTING_ID",
        case="Vancouver Google Ads tracking number, old vendor routing ID",
    ),
    lg(
        "VAN",
        "main",
        "xfloat",
        "Vancouver – Kitsilano",
        "Main line",
        r="RT-2002",
        f=desk("VAN", "dash"),
        case="Vancouver main, float text",
    ),
    lg(
        "VAN",
        "hyg",
        "plain11",
        "Vancouver – Kitsilano",
        "Hygiene recall",
        r="rt-1005",
        case="routing ID in lower case 'rt-1005' (matches RT-1005)",
    ),
    lg(
        "TOR",
        "ortho",
        "apos",
        "Toronto – Yonge & Eglinton",
        "Ortho (Dr Sørensen’s line)",
        r="RT-1006",
        case="Toronto orthodontics, apostrophe",
    ),
    lg(
        "TOR",
        "span",
        "dash",
        "Toronto – Yonge & Eglinton",
        "Ligne « espagnol »",
        r="",
        case="Toronto Spanish line, no routing (accepted with a warning)",
    ),
    X(
        "1.41636E+10",
        expect="INVALID_NUMBER",
        r="RT-1001",
        s="voice",
        extra={"Location": "Toronto – Yonge & Eglinton", "Notes": "Old main (11 digits)"},
        case="11-digit number in scientific notation",
    ),
    lg(
        "OTT",
        "ortho",
        "xfloat",
        "Ottawa – Glebe",
        "Orthodontie",
        r="RT-1006",
        case="Ottawa orthodontics, float text",
    ),
]

# ---------------------------------------------------------------- acme_manual_add.txt
# The manual-add form, as pasted by the Atlanta and Austin office managers.

MANUAL: list[tuple[list[str], list[Row]]] = [  # (separators between items, items) per line
    (
        [", "],
        [
            X(
                "(404) 873-5520 ext 3",
                expect="HAS_EXTENSION",
                case="Atlanta pediatric line with 'ext 3' (its main number comes back in wave 1)",
            ),
            Row(
                n=desk("ATL", "dash"),
                nat=C["ATL"].desk,
                expect="RECEIVING_NUMBER",
                case="Atlanta front desk: 4 tracking numbers forward to it",
            ),
        ],
    ),
    ([], [Row(n="1-800-GO-SMILE", nat="8004676453", case="vanity toll-free 1-800-GO-SMILE")]),
    (
        ["; "],
        [
            Row(n=fmt("5124723315", "fw"), nat="5124723315", case="full-width digits (Austin)"),
            Row(n=fmt("5124723316", "dots"), nat="5124723316", case="Austin, dots"),
        ],
    ),
    (
        [],
        [
            Row(
                n="+1 (514) 842-3300",
                nat=num("MTL", "main"),
                expect="DUPLICATE_IN_BATCH",
                case="Montréal main again (legacy export row 2)",
            )
        ],
    ),
    (
        [";"],
        [
            Row(
                n=fmt("6789042231", "dash"),
                nat="6789042231",
                expect="USER_ASSIGNED",
                case="Dr. Okafor's direct line, assigned to a user",
            ),
            X("(404) 555-0148", expect="INVALID_NUMBER", case="fictitious 555-01XX number"),
        ],
    ),
    (
        [", "],
        [
            Row(n=fmt("4702261180", "dash"), nat="4702261180", case="Atlanta overlay 470"),
            Row(n=fmt("4702261181", "spaces"), nat="4702261181", case="Atlanta overlay, spaces"),
        ],
    ),
    (
        [],
        [
            Row(
                n="514 842 3301",
                nat=num("MTL", "new"),
                expect="DUPLICATE_IN_BATCH",
                case="Montréal new-patient line again (legacy export row 3)",
            )
        ],
    ),
    ([], [Row(n=fmt("7372094420", "plus_sp"), nat="7372094420", case="Austin overlay 737")]),
]

# ---------------------------------------------------------------- acme_wave1_clinics.csv

WAVE1_HEADER = [
    ("Clinic", "Clinic"),
    ("Phone Number", "n"),
    ("Routing ID", "r"),
    ("Forward To", "f"),
    ("Line Type", "s"),
    ("Source", "src"),
    ("Notes", "Notes"),
]


def w1(code: str, kind: str, style: str, notes: str = "", **kw: Any) -> Row:
    row = L(code, kind, style, **kw)
    if notes:
        row.extra["Notes"] = notes
    return row


WAVE1 = [
    # Chicago Loop: front desk is listed too, so its lines do not forward to it
    w1("CHI", "main", "paren", "Main line, do not disconnect, port last", src="Website"),
    w1("CHI", "new", "dash", src="Google Ads"),
    w1("CHI", "bill", "paren", "Billing, M-F 9-5"),
    w1("CHI", "emerg", "dots"),
    w1(
        "CHI",
        "hyg",
        "paren",
        f="(312) 782-4400",
        expect="ROUTES_TO_PORTED_NUMBER",
        case="Chicago hygiene line forwards to the Chicago main number, ported in this run",
    ),
    w1("CHI", "fax", "dash", case="Chicago fax: fax ticket"),
    Row(
        n=desk("CHI", "paren"),
        r="RT-1008",
        s="Voice",
        nat=C["CHI"].desk,
        extra={"Clinic": "Chicago Loop", "Notes": "Front desk direct"},
        expect="RECEIVING_NUMBER",
        case="Chicago front desk: 4 tracking numbers forward to it",
    ),
    Row(
        n=fmt(trk("CHI", "Google Ads"), "paren"),
        r="RT-1002",
        s="Voice",
        nat=trk("CHI", "Google Ads"),
        src="Google Ads",
        extra={"Clinic": "Chicago Loop", "Notes": "Google Ads call extension"},
        expect="ALREADY_TRACKING",
        case="Chicago Google Ads number is already a tracking number",
    ),
    Row(
        n=fmt(CHI_OLD_DESK, "dash"),
        r="RT-1008",
        s="Voice",
        nat=CHI_OLD_DESK,
        extra={"Clinic": "Chicago Loop", "Notes": "Old front desk, inactive receiving number"},
        case="inactive receiving number: portable",
    ),
    BLANK,
    # Chicago Lincoln Park
    w1("LPK", "main", "paren", f=desk("LPK", "dash"), src="Website"),
    w1(
        "LPK",
        "new",
        "dash",
        r="rt-1002",
        f=desk("LPK", "dash"),
        src="Google Ads",
        case="routing ID in lower case 'rt-1002'",
    ),
    w1("LPK", "bill", "plus_sp"),
    w1("LPK", "hyg", "dash", f=desk("LPK", "paren")),
    w1("LPK", "ortho", "dash", f=desk("LPK", "paren"), src="Website"),
    w1(
        "LPK",
        "span",
        "paren",
        r="Spanish IVR",
        expect="ROUTING_NAME_NOT_ID",
        case="routing column holds the friendly name 'Spanish IVR'",
    ),
    w1("LPK", "fax", "plain", case="Lincoln Park fax: fax ticket"),
    # Naperville
    w1("NAP", "main", "dash", f=desk("NAP", "dash"), src="Google Business Profile"),
    w1("NAP", "new", "dash", f=desk("NAP", "dash"), src="Google Ads"),
    w1("NAP", "bill", "dash", r="", case="Naperville billing, no routing (warning)"),
    w1("NAP", "emerg", "dash"),
    w1("NAP", "hyg", "dash", f=desk("NAP", "dash"), src="Direct Mail"),
    w1("NAP", "ortho", "dash", "Invisalign consults, Tue/Thu"),
    Row(
        n=fmt(trk("NAP", "Yelp"), "dash"),
        r="RT-1002",
        s="Voice",
        nat=trk("NAP", "Yelp"),
        src="Yelp",
        extra={"Clinic": "Naperville"},
        expect="ALREADY_TRACKING",
        case="Naperville Yelp number is already a tracking number",
    ),
    # Milwaukee
    w1("MKE", "main", "paren", f=desk("MKE", "paren"), src="Website"),
    w1("MKE", "new", "paren", f=desk("MKE", "paren"), src="Google Ads"),
    w1("MKE", "bill", "paren"),
    w1(
        "MKE",
        "emerg",
        "paren",
        expect="FAILSAFE_NUMBER",
        case="Milwaukee emergency line is the account's fail-safe number",
    ),
    w1("MKE", "hyg", "plain"),
    w1("MKE", "ortho", "plain", f=desk("MKE", "plain")),
    w1("MKE", "fax", "paren", case="Milwaukee fax: fax ticket"),
    # Minneapolis
    w1("MSP", "main", "plain11", f=desk("MSP", "plain"), src="Website"),
    w1("MSP", "new", "dash", f=desk("MSP", "plain"), src="Google Ads"),
    w1("MSP", "bill", "dash"),
    w1("MSP", "emerg", "dash"),
    w1(
        "MSP",
        "hyg",
        "dash",
        r="RT-1050",
        expect="UNKNOWN_ROUTING_ID",
        case="routing ID RT-1050 is not in the routing table",
    ),
    w1("MSP", "ortho", "dash", r=" RT-1006 ", case="routing ID with spaces around it"),
    w1("MSP", "span", "dash", f=desk("MSP", "plain")),
    w1("MSP", "fax", "dash", s="fax", case="Minneapolis fax, 'fax' in lower case"),
    # St. Louis
    w1("STL", "main", "dots", f=desk("STL", "dots"), src="Website"),
    w1("STL", "new", "dots", src="Google Ads"),
    w1("STL", "bill", "dots"),
    w1("STL", "hyg", "dots", r=""),
    w1("STL", "emerg", "dots"),
    w1("STL", "ortho", "dots", f=desk("STL", "dots")),
    X(
        "",
        expect="MISSING_NUMBER",
        r="RT-1002",
        s="Voice",
        src="Google Ads",
        extra={"Clinic": "St. Louis", "Notes": "Second new-patient DID, pending from carrier"},
        case="clinic, routing and notes but no number",
    ),
    w1("STL", "fax", "dots", case="St. Louis fax: fax ticket"),
    # Kansas City
    w1("KC", "main", "paren", f=desk("KC", "dash"), src="Website"),
    w1("KC", "new", "paren", f=desk("KC", "dash"), src="Google Ads"),
    w1(
        "KC",
        "bill",
        "paren",
        "Maria's line",
        expect="USER_ASSIGNED",
        case="Kansas City billing line is assigned to a user (Maria Gonzalez)",
    ),
    w1("KC", "emerg", "paren"),
    w1("KC", "ortho", "paren", f=desk("KC", "dash")),
    w1("KC", "span", "paren", "Línea en español"),
    w1(
        "KC",
        "hyg",
        "paren",
        s="SMS",
        expect="UNKNOWN_SERVICE",
        case="line type 'SMS' (not voice or fax)",
    ),
    BLANK,
    # Dallas Uptown: front desk listed
    w1("DAL", "main", "dash", src="Website"),
    w1("DAL", "new", "dash", src="Google Ads"),
    w1("DAL", "bill", "dash"),
    w1("DAL", "emerg", "dash", r="", case="Dallas emergency line, no routing (warning)"),
    Row(
        n=desk("DAL", "dash1"),
        r="RT-1008",
        s="Voice",
        nat=C["DAL"].desk,
        extra={"Clinic": "Dallas Uptown", "Notes": "Front desk"},
        expect="RECEIVING_NUMBER",
        case="Dallas front desk: tracking numbers forward to it",
    ),
    w1("DAL", "span", "dash", s="voice"),
    w1("DAL", "hyg", "dash", src="Direct Mail"),
    w1("DAL", "ortho", "dash", "Ortho, Dr. Nguyen, Mon-Wed"),
    X(
        "TBD",
        expect="INVALID_NUMBER;INVALID_RECEIVING_NUMBER",
        r="RT-1002",
        f="TBD",
        s="Voice",
        extra={"Clinic": "Dallas Uptown", "Notes": "New DID, number TBD"},
        case="'TBD' in the number and forward-to columns",
    ),
    # Houston Galleria
    w1(
        "HOU",
        "bill",
        "paren",
        expect="IN_OTHER_PORT",
        case="Houston billing: cancelled PR-77100, then PR-77195 scheduled",
    ),
    w1("HOU", "hyg", "paren", f=desk("HOU", "paren")),
    w1("HOU", "ortho", "paren", f=desk("HOU", "paren")),
    w1("HOU", "emerg", "paren", "After hours, rolls to on-call dentist, then answering service"),
    w1("HOU", "ring", "paren", r="RT-1008 ", case="routing ID with a trailing space"),
    Row(
        n=fmt(trk("HOU", "Direct Mail"), "paren"),
        r="RT-1001",
        s="Voice",
        nat=trk("HOU", "Direct Mail"),
        src="Direct Mail",
        extra={"Clinic": "Houston Galleria"},
        expect="ALREADY_TRACKING",
        case="Houston direct-mail number is already a tracking number",
    ),
    # Austin
    w1(
        "AUS",
        "new",
        "dash",
        f="512-472-3300",
        src="Google Ads",
        expect="ROUTES_TO_PORTED_NUMBER",
        case="forwards to the Austin main number on the next row (a later row)",
    ),
    w1("AUS", "main", "dash", f=desk("AUS", "dash"), src="Website"),
    w1("AUS", "bill", "dash", "Shared with ortho, Dr. Lee"),
    w1("AUS", "emerg", "dash"),
    w1("AUS", "ortho", "dash", f=desk("AUS", "dash")),
    w1("AUS", "span", "dash", f=desk("AUS", "dash"), src="Google Ads"),
    X(
        "512-472-330",
        expect="INVALID_NUMBER",
        r="RT-1005",
        s="Voice",
        extra={"Clinic": "Austin", "Notes": "hygiene"},
        case="9 digits (a digit dropped)",
    ),
    w1("AUS", "fax", "dash", s="FAX", case="Austin fax, 'FAX' in capitals"),
    # Atlanta Midtown: front desk listed (manual add)
    w1("ATL", "main", "plus_sp", src="Website"),
    w1("ATL", "new", "plus_sp", src="Google Ads"),
    w1("ATL", "bill", "plus_sp"),
    w1("ATL", "hyg", "plus_sp"),
    w1("ATL", "emerg", "plus_sp", r=""),
    w1("ATL", "ortho", "plus_sp"),
    w1("ATL", "ring", "plus_sp", r="Rt-1008", case="routing ID in mixed case 'Rt-1008'"),
    Row(
        n=fmt(ATL_PEDS, "plus_sp"),
        r="RT-1002",
        s="Voice",
        nat=ATL_PEDS,
        extra={"Clinic": "Atlanta Midtown", "Notes": "Pediatric line"},
        expect="DUPLICATE_IN_BATCH",
        case="same main number as the manual-add item written with 'ext 3'",
    ),
    # Miami Brickell
    w1("MIA", "new", "paren", f=desk("MIA", "paren"), src="Google Ads"),
    w1("MIA", "ortho", "paren", f=desk("MIA", "paren")),
    w1("MIA", "emerg", "paren"),
    X(
        "(305) 373-6607 x204",
        expect="HAS_EXTENSION",
        r="RT-1008",
        s="Voice",
        extra={"Clinic": "Miami Brickell", "Notes": "Dr. Reyes, ext 204"},
        case="ring-group DID with an extension 'x204'",
    ),
    # Orlando
    w1(
        "ORL",
        "main",
        "dash",
        "Port request already opened by the clinic",
        expect="IN_OTHER_PORT",
        case="Orlando main already in port request PR-77152 (pending)",
    ),
    w1(
        "ORL",
        "new",
        "nbsp",
        f=desk("ORL", "dash"),
        src="Google Ads",
        case="number pasted from the website with non-breaking spaces",
    ),
    w1("ORL", "bill", "dash"),
    w1("ORL", "hyg", "dash"),
    w1("ORL", "emerg", "dash", r=""),
    w1("ORL", "span", "dash", f=desk("ORL", "dash")),
    w1("ORL", "fax", "dash", case="Orlando fax: fax ticket"),
    # Charlotte and central scheduling
    w1("CLT", "main", "paren", f=desk("CLT", "dash"), src="Website"),
    w1("CLT", "new", "paren", f=desk("CLT", "dash"), src="Google Ads"),
    w1("CLT", "bill", "paren"),
    w1(
        "CLT",
        "emerg",
        "paren",
        f=fmt(ANSWERING, "dash1"),
        case="forwards to the answering service (a fail-safe number, not ported): fine",
    ),
    w1("CLT", "hyg", "paren", case="Charlotte hygiene (only in a draft port request)"),
    w1("CLT", "ortho", "paren", s="Mobile", expect="UNKNOWN_SERVICE", case="line type 'Mobile'"),
    w1("CLT", "span", "paren", f=desk("CLT", "dash")),
    w1("CLT", "ring", "paren"),
    Row(
        n=fmt(CENTRAL, "paren"),
        r="RT-1008",
        s="Voice",
        nat=CENTRAL,
        extra={"Clinic": "Central Scheduling", "Notes": "Call center, all clinics"},
        expect="RECEIVING_NUMBER;FAILSAFE_NUMBER",
        case="Central Scheduling: a receiving number and the fail-safe number",
    ),
    BLANK,
    # Nashville
    w1("BNA", "main", "dash", src="Website"),
    w1(
        "BNA",
        "new",
        "dash",
        r="New Patient Line",
        src="Google Ads",
        expect="ROUTING_NAME_NOT_ID",
        case="routing column holds the friendly name 'New Patient Line'",
    ),
    w1(
        "BNA",
        "bill",
        "dash",
        r="billing queue ",
        expect="ROUTING_NAME_NOT_ID",
        case="friendly name in lower case with a trailing space: 'billing queue '",
    ),
    w1("BNA", "emerg", "dash"),
    w1("BNA", "ortho", "dash", "Ortho, Dr. Patel, moved from Suite 200, same number"),
    w1("BNA", "ring", "dash", r=""),
    w1(
        "BNA",
        "hyg",
        "dash",
        r="RT 1005",
        expect="UNKNOWN_ROUTING_ID",
        case="'RT 1005' (space instead of dash) is not a routing ID",
    ),
    w1("BNA", "fax", "dash", case="Nashville fax: fax ticket"),
    # Columbus
    w1(
        "CMH",
        "main",
        "idd",
        "Entered by the Toronto team",
        src="Website",
        case="written with the international prefix 011 1",
    ),
    w1(
        "CMH",
        "new",
        "paren",
        f="front desk",
        src="Google Ads",
        expect="INVALID_RECEIVING_NUMBER",
        case="forward-to says 'front desk'",
    ),
    w1(
        "CMH",
        "bill",
        "paren",
        expect="USER_ASSIGNED",
        case="Columbus billing line is assigned to a user (Tom Becker)",
    ),
    w1(
        "CMH",
        "emerg",
        "paren",
        f="(614) 228-1479 x0",
        expect="INVALID_RECEIVING_NUMBER",
        case="forward-to carries an extension",
    ),
    w1("CMH", "span", "paren", f=desk("CMH", "paren")),
    w1("CMH", "ring", "paren"),
    w1(
        "CMH",
        "hyg",
        "paren",
        r="RT-1099",
        f="614-224-6300",
        expect="UNKNOWN_ROUTING_ID;ROUTES_TO_PORTED_NUMBER",
        case="unknown routing ID and forwards to the Columbus main, ported in this run",
    ),
    X(
        "(614) 911-6305",
        expect="INVALID_NUMBER",
        r="RT-1006",
        s="Voice",
        extra={"Clinic": "Columbus", "Notes": "Ortho"},
        case="N11 exchange 911",
    ),
    # late additions at the bottom of the sheet
    Row(
        n="312.782.4400",
        r="RT-1001",
        s="Voice",
        nat=num("CHI", "main"),
        extra={"Clinic": "Chicago Loop", "Notes": "re-added by the clinic manager"},
        expect="DUPLICATE_IN_BATCH",
        case="Chicago main listed a second time",
    ),
    Row(
        n="1 (800) 467-6453",
        r="RT-1002",
        s="Voice",
        nat="8004676453",
        extra={"Clinic": "All clinics", "Notes": "national vanity number"},
        expect="DUPLICATE_IN_BATCH",
        case="1-800-GO-SMILE again, in digits",
    ),
    Row(
        n=fmt(num("KC", "new"), "dash"),
        r="RT-1008",
        s="voice",
        nat=num("KC", "new"),
        extra={"Clinic": "Kansas City", "Notes": "listed twice, different routing"},
        expect="DUPLICATE_IN_BATCH",
        case="Kansas City new-patient line again, other routing",
    ),
    X(
        "",
        expect="MISSING_NUMBER;UNKNOWN_SERVICE",
        r="",
        s="SMS",
        extra={"Clinic": "Kansas City", "Notes": "text line, number from Twilio, to follow"},
        case="no number and line type 'SMS'",
    ),
    Row(
        n=fmt("8883706120", "dash1"),
        r="RT-1001",
        s="Voice",
        nat="8883706120",
        src="Website",
        extra={"Clinic": "All clinics", "Notes": "Toll-free main number"},
        case="toll-free 1-888 main number",
    ),
]

# ---------------------------------------------------------------- acme_wave2_regions.xlsx


@dataclass
class Sheet:
    name: str
    titles: list[str]
    header: list[tuple[str, str]]
    rows: list[Row]
    widths: list[int]


NE_HEADER = [
    ("Clinic", "Clinic"),
    ("Number to Port", "n"),
    ("Routing", "r"),
    ("Forwarding Number", "f"),
    ("Line Type", "s"),
    ("Notes", "Notes"),
]


def ne(code: str, kind: str, style: str = "int", notes: str = "", **kw: Any) -> Row:
    row = L(code, kind, style, **kw)
    if notes:
        row.extra["Notes"] = notes
    return row


NORTHEAST = [
    ne("BOS", "main", src="", notes="Main – port first"),
    ne(
        "BOS",
        "new",
        f=desk("BOS", "int"),
        case="forwards to the Boston front desk, listed below but rejected, so not ported: fine",
    ),
    ne("BOS", "bill"),
    ne("BOS", "hyg", "int11", case="Boston hygiene as an 11-digit numeric cell"),
    Row(
        n=fmt(C["BOS"].desk, "int"),
        r="RT-1008",
        s="Voice",
        nat=C["BOS"].desk,
        extra={"Clinic": "Boston Back Bay", "Notes": "Front desk"},
        expect="RECEIVING_NUMBER",
        case="Boston front desk: tracking numbers forward to it",
    ),
    ne("BOS", "fax", s="Fax", case="Boston fax, numeric cell: fax ticket"),
    ne("CAM", "main", f=desk("CAM", "int")),
    ne("CAM", "new", f=desk("CAM", "int")),
    Row(
        n=fmt(trk("CAM", "Yelp"), "int"),
        r="RT-1002",
        s="Voice",
        nat=trk("CAM", "Yelp"),
        extra={"Clinic": "Cambridge", "Notes": "Yelp"},
        expect="ALREADY_TRACKING",
        case="Cambridge Yelp number is already a tracking number",
    ),
    ne("CAM", "hyg", "int11", f=desk("CAM", "int11")),
    ne("WOR", "main", f=desk("WOR", "int")),
    ne("WOR", "new", f=desk("WOR", "int")),
    ne("WOR", "bill"),
    Row(
        n=fmt(WOR_OLD, "int"),
        r="RT-1001",
        s="Voice",
        nat=WOR_OLD,
        extra={"Clinic": "Worcester", "Notes": "Old Main St office line"},
        case="inactive receiving number (old office): portable",
    ),
    ne("PVD", "main", f=desk("PVD", "int")),
    ne(
        "PVD",
        "new",
        r="Main IVR",
        expect="ROUTING_NAME_NOT_ID",
        case="routing column holds the friendly name 'Main IVR'",
    ),
    ne(
        "PVD",
        "bill",
        expect="USER_ASSIGNED",
        case="Providence billing line is assigned to a user (Priya Natarajan)",
    ),
    ne("PVD", "hyg"),
    BLANK,
    ne("HFD", "main"),
    ne("HFD", "new"),
    ne(
        "HFD",
        "emerg",
        expect="FAILSAFE_NUMBER",
        case="Hartford emergency line is a fail-safe number",
    ),
    ne("HFD", "hyg", r=""),
    ne(
        "STM",
        "main",
        notes="Carrier port already in progress",
        expect="IN_OTHER_PORT",
        case="Stamford main in PR-77135 (in_progress)",
    ),
    ne("STM", "new"),
    ne("STM", "bill"),
    ne("ALB", "main"),
    ne("ALB", "new"),
    ne(
        "ALB",
        "bill",
        expect="IN_OTHER_PORT;USER_ASSIGNED",
        case="Albany billing: in PR-77140 (submitted) and assigned to a user",
    ),
    ne("BKN", "main", expect="IN_OTHER_PORT", case="Brooklyn main, ported last month (PR-77120)"),
    ne("BKN", "new", expect="IN_OTHER_PORT", case="Brooklyn new-patient line, ported (PR-77120)"),
    ne("BKN", "bill", expect="IN_OTHER_PORT", case="Brooklyn billing, ported (PR-77120)"),
    ne("BKN", "hyg"),
    ne("NYC", "main", f=desk("NYC", "int")),
    ne("NYC", "new", f=desk("NYC", "int")),
    Row(
        n=fmt(trk("NYC", "Google Ads"), "int"),
        r="RT-1002",
        s="Voice",
        nat=trk("NYC", "Google Ads"),
        extra={"Clinic": "Manhattan Midtown"},
        expect="ALREADY_TRACKING",
        case="Manhattan Google Ads number is already a tracking number",
    ),
    ne("NYC", "ortho", r="rt-1006", case="routing ID in lower case"),
    ne("EWR", "main", expect="IN_OTHER_PORT", case="Newark main in PR-77121 (foc)"),
    ne("EWR", "new", expect="IN_OTHER_PORT", case="Newark new-patient line in PR-77121 (foc)"),
    ne("EWR", "hyg"),
    ne("PHL", "main", f=desk("PHL", "int")),
    ne("PHL", "new", f=desk("PHL", "int")),
    ne(
        "PHL",
        "bill",
        r=1004,
        expect="UNKNOWN_ROUTING_ID",
        case="routing typed as the number 1004 (a numeric cell)",
    ),
    ne("PHL", "span"),
    X(
        int(num("PHL", "hyg")[1:]),
        expect="INVALID_NUMBER",
        r="RT-1005",
        s="Voice",
        extra={"Clinic": "Philadelphia", "Notes": "Hygiene"},
        case="numeric cell with 9 digits (the leading 2 is gone)",
    ),
    ne("PIT", "main"),
    ne(
        "PIT",
        "new",
        f="412-555-0142",
        expect="INVALID_RECEIVING_NUMBER",
        case="forwards to a fictitious 555-01XX number",
    ),
    ne("PIT", "bill"),
    Row(
        n=fmt(num("CLT", "main"), "int"),
        r="RT-1001",
        s="Voice",
        nat=num("CLT", "main"),
        extra={"Clinic": "Charlotte", "Notes": "listed under Northeast by mistake"},
        expect="DUPLICATE_IN_BATCH",
        case="Charlotte main again (wave 1)",
    ),
]

WEST_HEADER = [
    ("Clinic", "Clinic"),
    ("TN", "n"),
    ("Route ID", "r"),
    ("Destination", "f"),
    ("Service Type", "s"),
    ("Losing Carrier", "Losing Carrier"),
    ("Notes", "Notes"),
]


def we(
    code: str, kind: str, style: str = "paren", notes: str = "", carrier: str = "", **kw: Any
) -> Row:
    row = L(code, kind, style, **kw)
    row.extra["Losing Carrier"] = carrier or C[code].carrier
    if notes:
        row.extra["Notes"] = notes
    return row


WEST = [
    we("SFO", "main", src="", notes="HQ main"),
    we(
        "SFO",
        "new",
        f="(415) 392-5200",
        expect="ROUTES_TO_PORTED_NUMBER",
        case="San Francisco new-patient line forwards to the SF main, ported in this run",
    ),
    we("SFO", "bill"),
    Row(
        n=desk("SFO", "paren"),
        r="RT-1008",
        s="Voice",
        nat=C["SFO"].desk,
        extra={"Clinic": "San Francisco", "Losing Carrier": "AT&T", "Notes": "Front desk"},
        expect="RECEIVING_NUMBER",
        case="San Francisco front desk: tracking numbers forward to it",
    ),
    Row(
        n=fmt(trk("SFO", "Google Ads"), "paren"),
        r="RT-1002",
        s="Voice",
        nat=trk("SFO", "Google Ads"),
        extra={"Clinic": "San Francisco", "Losing Carrier": "AT&T", "Notes": "Ads"},
        expect="ALREADY_TRACKING",
        case="SF Google Ads number is already a tracking number",
    ),
    we("SFO", "hyg", s="VOICE", case="service type 'VOICE' in capitals"),
    we("OAK", "main", "dash", f=desk("OAK", "dash")),
    we("OAK", "new", "dash", f=desk("OAK", "dash")),
    we("OAK", "bill", "dash"),
    we(
        "OAK",
        "hyg",
        "dash",
        r="hygiene recall",
        expect="ROUTING_NAME_NOT_ID",
        case="friendly name in lower case: 'hygiene recall'",
    ),
    we("SJC", "main", "dots"),
    we("SJC", "new", "dots"),
    we(
        "SJC",
        "emerg",
        "dots",
        expect="FAILSAFE_NUMBER",
        case="San Jose emergency line is a fail-safe number",
    ),
    we("SJC", "hyg", "dots", r=""),
    we("LAX", "main", "plus", f=desk("LAX", "plus")),
    we("LAX", "new", "plus", f=desk("LAX", "plus")),
    we("LAX", "bill", "plus"),
    Row(
        n=fmt(trk("LAX", "Yelp"), "plus"),
        r="RT-1002",
        s="Voice",
        nat=trk("LAX", "Yelp"),
        extra={"Clinic": "Los Angeles Westwood", "Losing Carrier": "Verizon"},
        expect="ALREADY_TRACKING",
        case="Westwood Yelp number is already a tracking number",
    ),
    we(
        "LAX",
        "span",
        "plus",
        r="Spanish IVR",
        expect="ROUTING_NAME_NOT_ID",
        case="routing column holds the friendly name 'Spanish IVR'",
    ),
    we("SAN", "main", "paren"),
    we("SAN", "new", "paren", case="San Diego new-patient line (only in a cancelled port request)"),
    we("SAN", "bill", "paren"),
    we("SAN", "hyg", "paren", s="Text", expect="UNKNOWN_SERVICE", case="service type 'Text'"),
    we("SAC", "main", "dash"),
    we("SAC", "new", "dash"),
    we(
        "SAC",
        "bill",
        "dash",
        expect="USER_ASSIGNED",
        case="Sacramento billing line is assigned to a user (Kevin O'Brien)",
    ),
    we("SAC", "hyg", "dash", carrier="AT&T", case="Sacramento hygiene line, other losing carrier"),
    we(
        "PDX",
        "main",
        "dots",
        notes="Draft port request exists, never submitted",
        case="Portland main (only in a draft port request)",
    ),
    we(
        "PDX",
        "new",
        "dots",
        r=" New Patient Line",
        expect="ROUTING_NAME_NOT_ID",
        case="friendly name with a leading space",
    ),
    we("PDX", "bill", "dots"),
    we("SEA", "main", "plus_sp", f=desk("SEA", "plus_sp")),
    we("SEA", "new", "plus_sp", f=desk("SEA", "plus_sp")),
    we(
        "SEA",
        "emerg",
        "plus_sp",
        f=fmt(SEA_ONCALL, "dash"),
        expect="ROUTES_TO_PORTED_NUMBER",
        case="forwards to the Seattle on-call line, listed later in acme_wave3_fax_intl.tsv",
    ),
    we(
        "BOI",
        "main",
        "dash",
        r="Main IVR",
        expect="IN_OTHER_PORT;ROUTING_NAME_NOT_ID",
        case="Boise main in PR-77170 (completed), routing given by name",
    ),
    we("BOI", "new", "dash"),
    we("BOI", "hyg", "dash"),
    we("SLC", "main", "paren"),
    we("SLC", "new", "paren"),
    X(
        "",
        expect="MISSING_NUMBER",
        r="RT-1003",
        s="Voice",
        extra={
            "Clinic": "Salt Lake City",
            "Losing Carrier": "Comcast Business",
            "Notes": "Billing – number to confirm",
        },
        case="TN blank, the rest filled in",
    ),
    X(
        "(801) 555-0163",
        expect="INVALID_NUMBER",
        r="RT-1005",
        s="Voice",
        extra={"Clinic": "Salt Lake City", "Losing Carrier": "Comcast Business"},
        case="fictitious 555-01XX number",
    ),
    we("DEN", "main", "dash", f=desk("DEN", "dash")),
    we(
        "DEN",
        "new",
        "dash",
        r="RT-1010",
        expect="UNKNOWN_ROUTING_ID",
        case="routing ID RT-1010 is not in the routing table",
    ),
    we(
        "DEN",
        "hyg",
        "dash",
        f="(303) 534-9251 ext 4",
        expect="INVALID_RECEIVING_NUMBER",
        case="destination carries an extension",
    ),
    X(
        "303-825-6402 x15",
        expect="HAS_EXTENSION",
        r="RT-1003",
        s="Voice",
        extra={"Clinic": "Denver", "Losing Carrier": "Lumen", "Notes": "Billing, ext 15"},
        case="billing line with an extension 'x15'",
    ),
    we("PHX", "main", "paren", expect="IN_OTHER_PORT", case="Phoenix main in PR-77163 (complete)"),
    we("PHX", "new", "paren", expect="IN_OTHER_PORT", case="Phoenix new-patient line in PR-77163"),
    we("PHX", "bill", "paren"),
    we(
        "PHX",
        "hyg",
        "paren",
        f="+44 20 7946 0958",
        case="forwards to a valid UK number: allowed (international receiving numbers are fine)",
    ),
    Row(
        n="415-392-5200",
        r="RT-1001",
        s="Voice",
        nat=num("SFO", "main"),
        extra={"Clinic": "San Francisco", "Losing Carrier": "AT&T", "Notes": "dup?"},
        expect="DUPLICATE_IN_BATCH",
        case="SF main listed again at the bottom",
    ),
]

CA_HEADER = [
    ("Clinic", "Clinic"),
    ("Phone", "n"),
    ("Routing ID", "r"),
    ("Receiving Number", "f"),
    ("Province", "Province"),
    ("Losing Carrier", "Losing Carrier"),
    ("Notes", "Notes"),
]
PROVINCE = {"TOR": "ON", "OTT": "ON", "VAN": "BC", "MTL": "QC", "YYC": "AB"}


def ca(code: str, kind: str, style: str = "dash", notes: str = "", **kw: Any) -> Row:
    kw.setdefault("s", "")
    row = L(code, kind, style, **kw)
    row.extra.update({"Province": PROVINCE[code], "Losing Carrier": C[code].carrier})
    if notes:
        row.extra["Notes"] = notes
    return row


CANADA = [
    ca("TOR", "main", "int"),
    ca("TOR", "new", "int"),
    ca("TOR", "bill", "dash"),
    Row(
        n=desk("TOR", "dash"),
        r="RT-1008",
        nat=C["TOR"].desk,
        extra={"Clinic": "Toronto Yonge", "Province": "ON", "Losing Carrier": "Bell Canada"},
        expect="RECEIVING_NUMBER",
        case="Toronto front desk: tracking numbers forward to it",
    ),
    ca("TOR", "hyg", "plus_sp"),
    ca("TOR", "emerg", "plus_sp"),
    ca("TOR", "ring", "plus_sp"),
    ca("VAN", "new", "paren", f=desk("VAN", "paren")),
    ca("VAN", "bill", "paren"),
    ca("VAN", "ortho", "paren", f=desk("VAN", "paren")),
    ca("VAN", "emerg", "paren"),
    Row(
        n=fmt(trk("VAN", "Google Ads"), "paren"),
        r="RT-1002",
        nat=trk("VAN", "Google Ads"),
        extra={"Clinic": "Vancouver", "Province": "BC", "Losing Carrier": "Telus"},
        expect="DUPLICATE_IN_BATCH;ALREADY_TRACKING",
        case="Vancouver Google Ads number again (legacy row 26): duplicate and tracking",
    ),
    ca(
        "MTL",
        "main",
        "int",
        r="RT-2001",
        expect="DUPLICATE_IN_BATCH",
        case="Montréal main a third time (legacy export, manual add)",
    ),
    ca(
        "MTL",
        "bill",
        "dash",
        r="RT-2002",
        notes="Facturation",
        case="Montréal billing written properly this time",
    ),
    ca(
        "MTL",
        "new",
        "dash",
        r="RT-2002",
        expect="DUPLICATE_IN_BATCH",
        case="Montréal new-patient line again",
    ),
    ca(
        "MTL",
        "ring",
        "dash",
        r="canada scheduling",
        expect="ROUTING_NAME_NOT_ID",
        case="friendly name 'canada scheduling' in lower case",
    ),
    ca("YYC", "main", "int11", r="RT-2002", f=desk("YYC", "int")),
    ca("YYC", "new", "int", r="RT-2002", f=desk("YYC", "int")),
    ca("YYC", "bill", "dash", r="RT-2002"),
    ca("YYC", "hyg", "dash", r="RT-2002"),
    ca("YYC", "emerg", "int", r=""),
    X(
        "310-3368",
        expect="INVALID_NUMBER",
        r="RT-2002",
        extra={"Clinic": "Calgary", "Province": "AB", "Notes": "310-DENT short number"},
        case="7-digit Canadian 310-xxxx number",
    ),
    BLANK,
    ca("OTT", "main", "paren", r="RT-2002", case="Ottawa main (only in a rejected port request)"),
    ca("OTT", "new", "paren", r="RT-2002"),
    ca(
        "OTT",
        "emerg",
        "paren",
        expect="FAILSAFE_NUMBER",
        case="Ottawa emergency line is a fail-safe number",
    ),
    ca("OTT", "bill", "paren", r=""),
    ca("OTT", "hyg", "dots", r="RT-2002"),
]

NOTES_SHEET = (
    "Instructions",
    [
        ["How to fill in this workbook"],
        ["One row per line to move. Keep the clinic name as it appears in the directory."],
        ["Routing: use the routing ID from the call-tracking portal (RT-xxxx), not its name."],
        ["Forwarding / Destination: where calls go, if anywhere. Leave blank if unsure."],
        ["Fax lines go in the separate fax file."],
        ["Questions: IT helpdesk, ext. 4410."],
    ],
)

WORKBOOK = [
    Sheet(
        "Northeast",
        [
            "Acme Dental Group – Port wave 2",
            "Region: Northeast (12 clinics)",
            "Prepared by J. Alvarez, IT – numbers as exported from the PBX",
        ],
        NE_HEADER,
        NORTHEAST,
        [24, 16, 12, 18, 10, 36],
    ),
    Sheet("West", [], WEST_HEADER, WEST, [22, 18, 12, 20, 12, 16, 36]),
    Sheet(
        "Canada",
        ["Acme Dental Canada Inc. – lines to port"],
        CA_HEADER,
        CANADA,
        [18, 16, 14, 18, 9, 14, 44],
    ),
]

# ---------------------------------------------------------------- acme_wave3_fax_intl.tsv

W3_HEADER = [
    ("Clinic", "Clinic"),
    ("Number", "n"),
    ("Service", "s"),
    ("Routing ID", "r"),
    ("Country", "Country"),
    ("Notes", "Notes"),
]


def fx(code: str, kind: str, style: str, service: str = "fax", notes: str = "", **kw: Any) -> Row:
    row = L(code, kind, style, s=service, **kw)
    row.extra.update({"Country": "CA" if code in PROVINCE else "US"})
    if notes:
        row.extra["Notes"] = notes
    return row


def intl(raw: str, clinic: str, country: str, notes: str, case: str, **kw: Any) -> Row:
    return Row(
        n=raw,
        s=kw.pop("s", "voice"),
        expect=kw.pop("expect", "NOT_US_CA"),
        case=case,
        extra={"Clinic": clinic, "Country": country, "Notes": notes},
        **kw,
    )


WAVE3 = [
    fx("DAL", "fax", "paren", notes="Fax, front office"),
    fx("HOU", "fax", "paren", "Fax"),
    fx("ATL", "fax", "plus_sp"),
    fx("CLT", "fax", "dash", " fax ", case="Charlotte fax, service ' fax ' with spaces"),
    fx("CMH", "fax", "dash"),
    fx("BOS", "fax2", "dots", notes="Billing fax"),
    fx("NYC", "fax", "dash1"),
    fx("SFO", "fax", "paren"),
    fx("SEA", "fax", "plain"),
    fx("DEN", "fax", "plus"),
    fx("TOR", "fax", "dash", "Fax"),
    fx("VAN", "fax", "dash", "Fax"),
    fx("YYC", "fax", "fw_dash", case="Calgary fax in full-width digits"),
    fx(
        "PIT",
        "fax",
        "dash",
        notes="Carrier port scheduled",
        expect="IN_OTHER_PORT",
        case="Pittsburgh fax in PR-77160 (scheduled)",
    ),
    fx("CHI", "fax", "dots", expect="DUPLICATE_IN_BATCH", case="Chicago fax again (wave 1)"),
    fx("PHL", "fax", "dash", "eFax", expect="UNKNOWN_SERVICE", case="service 'eFax'"),
    Row(
        n="",
        s="fax",
        expect="MISSING_NUMBER",
        extra={"Clinic": "San Jose", "Country": "US", "Notes": "fax number to follow"},
        case="fax row without a number",
    ),
    intl(
        "+44 20 7946 0321",
        "London billing partner",
        "UK",
        "Outsourced billing, London",
        "UK number: international ticket",
    ),
    intl("+61 2 5550 4477", "Sydney lab", "AU", "Crown & bridge lab", "Australian number"),
    intl(
        "(876) 926-4410",
        "Kingston call center",
        "JM",
        "Overflow call center",
        "Jamaica +1 876 written like a US number",
    ),
    intl(
        "+1 876 926 4411",
        "Kingston call center",
        "JM",
        "Overflow call center, line 2",
        "Jamaica with +1",
    ),
    intl(
        "787-721-3300",
        "San Juan affiliate",
        "PR",
        "Affiliate clinic",
        "Puerto Rico +1 787: NANP but not US/CA",
    ),
    X(
        "(312) 782-4402 ext. 210",
        expect="HAS_EXTENSION;DUPLICATE_IN_BATCH",
        s="voice",
        extra={"Clinic": "Chicago Loop", "Country": "US", "Notes": "Billing manager ext"},
        case="extension on the Chicago billing line, whose main number is in wave 1",
    ),
    X(
        "713-626-8815 ext 3",
        expect="HAS_EXTENSION",
        s="voice",
        extra={"Clinic": "Houston Galleria", "Country": "US", "Notes": "Implant consults"},
        case="extension 'ext 3'",
    ),
    X(
        "617-536-2130 #22",
        expect="HAS_EXTENSION",
        s="voice",
        extra={"Clinic": "Boston Back Bay", "Country": "US", "Notes": "Conference room"},
        case="extension written '#22'",
    ),
    Row(
        n=fmt(SEA_ONCALL, "paren"),
        s="voice",
        r="RT-1004",
        nat=SEA_ONCALL,
        extra={"Clinic": "Seattle", "Country": "US", "Notes": "On-call dentist"},
        case="Seattle on-call line (a West row forwards to it)",
    ),
    Row(
        n=fmt("8883706121", "dash1"),
        s="voice",
        r="RT-1008",
        nat="8883706121",
        extra={"Clinic": "All clinics", "Country": "US", "Notes": "Toll-free scheduling"},
        case="toll-free 1-888 scheduling line",
    ),
    Row(
        n="1-877-226-3337",
        s="Voice",
        r="RT-1001",
        nat="8772263337",
        extra={"Clinic": "All clinics", "Country": "US", "Notes": "1-877-ACME-DDS"},
        case="toll-free 1-877",
    ),
    Row(
        n=fmt("8885273164", "dash1"),
        s="voice",
        r="RT-1002",
        nat="8885273164",
        extra={"Clinic": "All clinics", "Country": "US", "Notes": "TV campaign number"},
        expect="ALREADY_TRACKING",
        case="the national TV tracking number",
    ),
    fx("OTT", "fax", "plus_sp", notes="Télécopieur"),
]

# ---------------------------------------------------------------- the inputs, in name order


@dataclass
class Csv:
    name: str
    delimiter: str
    encoding: str  # utf-8-sig | cp1252 | utf-16-le-bom
    header: list[tuple[str, str]]
    rows: list[Row]
    quote_all: bool = False


@dataclass
class Workbook:
    name: str
    sheets: list[Sheet]


@dataclass
class Text:
    name: str
    lines: list[tuple[list[str], list[Row]]]


INPUTS: list[Csv | Workbook | Text] = sorted(
    [
        Csv("acme_legacy_export.csv", ";", "cp1252", LEGACY_HEADER, LEGACY, quote_all=True),
        Text("acme_manual_add.txt", MANUAL),
        Csv("acme_wave1_clinics.csv", ",", "utf-8-sig", WAVE1_HEADER, WAVE1),
        Workbook("acme_wave2_regions.xlsx", WORKBOOK),
        Csv("acme_wave3_fax_intl.tsv", "\t", "utf-16-le-bom", W3_HEADER, WAVE3),
    ],
    key=lambda spec: spec.name,
)

# =========================================================================== the oracle

GEOGRAPHIC = {
    PhoneNumberType.FIXED_LINE,
    PhoneNumberType.MOBILE,
    PhoneNumberType.FIXED_LINE_OR_MOBILE,
}


@dataclass
class Parsed:
    status: str  # blank | invalid | foreign | extension | ok
    e164: str = ""  # the main number for "extension"
    region: str = ""
    kind: str = ""  # geographic | toll_free | other (US/CA only)


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    assert not isinstance(value, bool), "no booleans in the inputs"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def parse_number(value: Any) -> Parsed:
    """SPEC 1.1 validity, computed here independently of portflow."""
    text = cell_text(value).replace("\u00a0", " ").strip()
    if not text:
        return Parsed("blank")
    if text.startswith("'"):
        text = text[1:].strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        text = text[1:-1].strip()
    if re.fullmatch(r"\d+\.0+", text):
        text = text.split(".")[0]
    if re.fullmatch(r"[+-]?\d+(\.\d+)?[eE][+-]?\d+", text):
        return Parsed("invalid")  # Excel scientific notation: the digits are lost
    try:
        number = phonenumbers.parse(text, "US")
    except phonenumbers.NumberParseException:
        return Parsed("invalid")
    if not phonenumbers.is_valid_number(number):
        return Parsed("invalid")
    region = phonenumbers.region_code_for_number(number) or ""
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if region not in ("US", "CA"):
        assert not number.extension, f"undecided: foreign number with an extension {value!r}"
        return Parsed("foreign", e164, region)
    nsn = str(number.national_number)
    if len(nsn) != 10:
        return Parsed("invalid")
    if nsn[3:6] == "555" and 100 <= int(nsn[6:]) <= 199:
        return Parsed("invalid")
    ntype = phonenumbers.number_type(number)
    if nsn[4:6] == "11":
        assert ntype in GEOGRAPHIC, f"undecided: N11 in a non-geographic code {value!r}"
        return Parsed("invalid")
    kind = (
        "geographic"
        if ntype in GEOGRAPHIC
        else "toll_free"
        if ntype == PhoneNumberType.TOLL_FREE
        else "other"
    )
    return Parsed("extension" if number.extension else "ok", e164, region, kind)


def must_e164(value: Any) -> str:
    parsed = parse_number(value)
    assert parsed.status == "ok", f"account table number is not valid: {value!r}"
    return parsed.e164


@dataclass
class Accounts:
    tracking: set[str]
    forwarders: dict[str, list[str]]
    receiving_active: set[str]
    receiving_any: set[str]
    failsafe: set[str]
    users: set[str]
    blocked: set[str]
    routing_ids: dict[str, str]  # casefolded id -> id
    routing_names: dict[str, str]  # casefolded name -> id
    routing_inactive: set[str]  # casefolded ids and names of inactive routings


def load_accounts() -> Accounts:
    tracking = tracking_rows()
    receiving = receiving_rows()
    active = {must_e164(r[2]) for r in receiving if r[3] == "true"}
    assert all(r[3] in ("true", "false") for r in receiving)
    forwarders: dict[str, list[str]] = {}
    for row in tracking:
        assert row[5] == ACCOUNT_ID
        if row[4]:
            forwarders.setdefault(must_e164(row[4]), []).append(must_e164(row[2]))
    for target in forwarders:
        assert target in active, "undecided: a tracking number forwards to an unlisted receiver"
    statuses: dict[str, set[str]] = {}
    for _pid, nat, style, status in PORT_REQUESTS:
        assert status in BLOCKING | NON_BLOCKING, status
        statuses.setdefault(must_e164(fmt(nat, style)), set()).add(status)
    assert {s for v in statuses.values() for s in v} == BLOCKING | NON_BLOCKING, "every status"
    ids = [r[0] for r in ROUTING]
    names = [r[1] for r in ROUTING]
    assert len({x.casefold() for x in ids + names}) == len(ids) + len(names)
    return Accounts(
        tracking={must_e164(r[2]) for r in tracking},
        forwarders={k: sorted(v) for k, v in forwarders.items()},
        receiving_active=active,
        receiving_any={must_e164(r[2]) for r in receiving},
        failsafe={must_e164(fmt(nat, st)) for nat, st, _l in FAILSAFE},
        users={must_e164(fmt(u[2], u[3])) for u in USERS if u[2]},
        blocked={n for n, s in statuses.items() if s & BLOCKING},
        routing_ids={rid.casefold(): rid for rid, *_ in ROUTING},
        routing_names={name.casefold(): rid for rid, name, *_ in ROUTING},
        routing_inactive={
            x.casefold() for rid, name, _t, a in ROUTING if a != "true" for x in (rid, name)
        },
    )


NUMBER_CODES = {
    "blank": "MISSING_NUMBER",
    "invalid": "INVALID_NUMBER",
    "foreign": "NOT_US_CA",
    "extension": "HAS_EXTENSION",
}


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
    """Every code that applies to each record (SPEC 2 + the team's interpretations)."""
    parsed = [parse_number(rec.n) for rec in records]
    codes: list[set[str]] = [set() for _ in records]
    seen: set[str] = set()
    foreign = [p.e164 for p in parsed if p.status == "foreign"]
    assert len(foreign) == len(set(foreign)), "undecided: a foreign number listed twice"
    everywhere = acc.tracking | acc.receiving_any | acc.failsafe | acc.users | acc.blocked
    assert not set(foreign) & everywhere, "undecided: a foreign number in an account table"
    for i, (rec, p) in enumerate(zip(records, parsed, strict=True)):
        c = codes[i]
        service = cell_text(rec.s).strip().casefold()
        routing = cell_text(rec.r).strip()
        receiving = cell_text(rec.f).strip()
        if p.status in NUMBER_CODES:
            c.add(NUMBER_CODES[p.status])
        if service not in ("", "voice", "fax"):
            c.add("UNKNOWN_SERVICE")
        if p.status in ("ok", "extension"):  # an extension's main number counts
            if p.e164 in seen:
                c.add("DUPLICATE_IN_BATCH")
            seen.add(p.e164)
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
            key = routing.casefold()
            assert key not in acc.routing_inactive, "undecided: an inactive routing is named"
            if key in acc.routing_ids:
                pass
            elif key in acc.routing_names:
                assert p.status in ("ok", "extension"), (
                    f"undecided: routing name on a row without a valid number: {rec}"
                )
                c.add("ROUTING_NAME_NOT_ID")
            else:
                c.add("UNKNOWN_ROUTING_ID")
        if receiving:
            rp = parse_number(rec.f)
            if rp.status in ("invalid", "extension"):
                c.add("INVALID_RECEIVING_NUMBER")
            if rp.status == "foreign":
                assert rp.e164 not in foreign, "undecided: forwards to a foreign input number"
        if service == "fax":
            assert not routing and not receiving, "undecided: a fax row with routing/forwarding"
    # ROUTES_TO_PORTED_NUMBER: the forward-to number is ported in this run, i.e. it is the
    # number of a row that passes every other rule (voice or fax), earlier or later.
    listed: dict[str, list[int]] = {}
    ext_mains = set()
    for i, p in enumerate(parsed):
        if p.status == "ok" and not codes[i]:
            listed.setdefault(p.e164, []).append(i)
        elif p.status == "extension":
            ext_mains.add(p.e164)
    for i, rec in enumerate(records):
        if not cell_text(rec.f).strip():
            continue
        rp = parse_number(rec.f)
        if rp.status != "ok":
            continue
        assert rp.e164 not in ext_mains or rp.e164 in listed, (
            "undecided: forwards to a number listed only with an extension"
        )
        if rp.e164 in listed:
            assert parsed[i].status == "ok", (
                f"undecided: forwarding on a row without a number {rec}"
            )
            assert i not in listed[rp.e164], "undecided: a row forwards to itself"
            codes[i].add("ROUTES_TO_PORTED_NUMBER")

    out = []
    for i, (rec, p) in enumerate(zip(records, parsed, strict=True)):
        ordered = [code for code in PRECEDENCE if code in codes[i]]
        fax = cell_text(rec.s).strip().casefold() == "fax"
        outcome = "rejected" if ordered else ("fax" if fax else "accepted")
        shown = p.status in ("ok", "foreign")
        out.append(
            {
                "source_file": rec.source_file,
                "source_sheet": rec.source_sheet,
                "source_row": str(rec.source_row),
                "outcome": outcome,
                "reason_code": ordered[0] if ordered else "",
                "all_reasons": ";".join(ordered),
                "e164": p.e164 if shown else "",
                "raw_number": cell_text(rec.n),
                "related": ";".join(acc.forwarders.get(p.e164, []))
                if "RECEIVING_NUMBER" in codes[i]
                else "",
                "routing_id_hint": acc.routing_names[cell_text(rec.r).strip().casefold()]
                if "ROUTING_NAME_NOT_ID" in codes[i]
                else "",
                "country": p.region if outcome != "rejected" else "",
                "number_type": p.kind if outcome != "rejected" else "",
            }
        )
    return out


# =========================================================================== writers

WORKBOOK_TIME = dt.datetime(2024, 5, 6, 9, 30, 0)


def row_values(row: Row, header: list[tuple[str, str]]) -> list[Any]:
    unknown = set(row.extra) - {key for _t, key in header}
    assert not unknown, f"carried columns not in the header: {unknown} ({row.case})"
    return [getattr(row, key) if key in ROLES else row.extra.get(key, "") for _t, key in header]


def csv_field(value: Any, delimiter: str, force: bool) -> str:
    assert not isinstance(value, int | float), "numeric cells only in workbooks"
    text = "" if value is None else str(value)
    assert "\n" not in text and "\r" not in text
    if force and text or any(ch in text for ch in (delimiter, '"')):
        return '"' + text.replace('"', '""') + '"'
    return text


def write_csv(spec: Csv, path: Path) -> None:
    lines = [
        spec.delimiter.join(csv_field(t, spec.delimiter, spec.quote_all) for t, _k in spec.header)
    ]
    for row in spec.rows:
        values = [""] * len(spec.header) if row.blank else row_values(row, spec.header)
        lines.append(
            spec.delimiter.join(csv_field(v, spec.delimiter, spec.quote_all) for v in values)
        )
    text = "\r\n".join(lines) + "\r\n"
    if spec.encoding == "utf-16-le-bom":
        data = "\ufeff".encode("utf-16-le") + text.encode("utf-16-le")
    else:
        data = text.encode(spec.encoding)
    path.write_bytes(data)


def write_text(spec: Text, path: Path) -> None:
    lines = []
    for seps, rows in spec.lines:
        assert len(seps) == len(rows) - 1
        parts = [str(rows[0].n)] + [
            sep + str(row.n) for sep, row in zip(seps, rows[1:], strict=True)
        ]
        lines.append("".join(parts))
    path.write_bytes(("\n".join(lines) + "\n").encode("utf-8"))


def new_workbook(path: Path, title: str) -> xlsxwriter.Workbook:
    wb = xlsxwriter.Workbook(
        str(path),
        {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False},
    )
    wb.set_properties(
        {
            "title": title,
            "author": "Jordan Alvarez",
            "company": ACCOUNT_NAME,
            "created": WORKBOOK_TIME,
        }
    )
    return wb


def put(ws: Any, r: int, c: int, value: Any, fmt_: Any = None) -> None:
    if value is None or value == "":
        return
    if isinstance(value, int | float):
        ws.write_number(r, c, value, fmt_)
    else:
        ws.write_string(r, c, str(value), fmt_)


def write_workbook(spec: Workbook, path: Path) -> None:
    wb = new_workbook(path, "Acme Dental Group – port wave 2")
    bold = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    title = wb.add_format({"bold": True, "font_size": 14})
    plain_num = wb.add_format({"num_format": "0"})
    for sheet in spec.sheets:
        ws = wb.add_worksheet(sheet.name)
        for i, text in enumerate(sheet.titles):
            put(ws, i, 0, text, title if i == 0 else None)
        h = len(sheet.titles)
        for col, (text, _k) in enumerate(sheet.header):
            put(ws, h, col, text, bold)
        for col, width in enumerate(sheet.widths):
            ws.set_column(col, col, width)
        ws.freeze_panes(h + 1, 0)
        for offset, row in enumerate(sheet.rows, start=1):
            if row.blank:
                continue
            for col, value in enumerate(row_values(row, sheet.header)):
                put(ws, h + offset, col, value, plain_num if isinstance(value, int) else None)
    title_, rows = NOTES_SHEET
    ws = wb.add_worksheet(title_)
    ws.set_column(0, 0, 90)
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            put(ws, r, c, value, title if r == 0 else None)
    wb.close()


def write_accounts(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)

    def table(name: str, header: list[str], rows: list[Any]) -> None:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows)
        (folder / f"{name}.csv").write_bytes(buf.getvalue().encode("utf-8"))

    table(
        "tracking_numbers",
        ["id", "name", "number", "routing_id", "receiving_number", "account_id"],
        tracking_rows(),
    )
    table("receiving_numbers", ["id", "name", "number", "active"], receiving_rows())
    table(
        "failsafe_numbers",
        ["number", "label"],
        [[fmt(nat, st), label] for nat, st, label in FAILSAFE],
    )
    table(
        "port_requests",
        ["port_request_id", "number", "status"],
        [[p, fmt(nat, st), s] for p, nat, st, s in PORT_REQUESTS],
    )
    table("routing", ["routing_id", "name", "type", "active"], [list(r) for r in ROUTING])
    wb = new_workbook(folder / "users.xlsx", "Acme Dental Group – users")
    ws = wb.add_worksheet("Users")
    bold = wb.add_format({"bold": True})
    for c, text in enumerate(["user_id", "name", "number", "email"]):
        put(ws, 0, c, text, bold)
    ws.set_column(0, 0, 8)
    ws.set_column(1, 1, 28)
    ws.set_column(2, 2, 18)
    ws.set_column(3, 3, 32)
    for r, (uid, name, nat, style, email) in enumerate(USERS, start=1):
        for c, value in enumerate([uid, name, fmt(nat, style) if nat else "", email]):
            put(ws, r, c, value)
    wb.close()


# =========================================================================== declared rows


def declared() -> tuple[list[Record], list[dict[str, Any]]]:
    """Input rows in run order (blank rows left out) and per-input row/blank counts."""
    records: list[Record] = []
    per_input: list[dict[str, Any]] = []

    def add(name: str, sheet: str, first_row: int, rows: list[Row]) -> None:
        for i, row in enumerate(rows):
            if not row.blank:
                records.append(Record(name, sheet, first_row + i, row.n, row.r, row.f, row.s, row))
        per_input.append(
            {
                "file": name,
                "sheet": sheet,
                "rows": sum(not r.blank for r in rows),
                "skipped_blank": sum(r.blank for r in rows),
            }
        )

    for spec in INPUTS:
        if isinstance(spec, Csv):
            add(spec.name, "", 2, spec.rows)
        elif isinstance(spec, Workbook):
            for sheet in spec.sheets:
                add(spec.name, sheet.name, len(sheet.titles) + 2, sheet.rows)
        else:
            for line_no, (_s, rows) in enumerate(spec.lines, start=1):
                records += [Record(spec.name, "", line_no, row.n, "", "", "", row) for row in rows]
            per_input.append(
                {
                    "file": spec.name,
                    "sheet": "",
                    "rows": sum(len(rows) for _s, rows in spec.lines),
                    "skipped_blank": 0,
                }
            )
    return records, per_input


def check_declarations(records: list[Record], results: list[dict[str, str]]) -> None:
    problems = []
    for rec, res in zip(records, results, strict=True):
        row = rec.declared
        assert row is not None
        where = f"{rec.source_file} {rec.source_sheet} row {rec.source_row} ({row.case})"
        want = sorted(c for c in row.expect.split(";") if c)
        got = sorted(c for c in res["all_reasons"].split(";") if c)
        if want != got:
            problems.append(f"{where}: declared {want}, oracle says {got}")
        if row.nat is not None:
            p = parse_number(fmt(row.nat, "plain"))
            if p.status != "ok" or p.region not in ("US", "CA"):
                problems.append(f"{where}: declared number {row.nat} is not a valid US/CA number")
            if row.nat[3:6] == "555":
                problems.append(f"{where}: a 555 exchange for a number meant to be valid")
            if res["e164"] and res["e164"] != "+1" + row.nat:
                problems.append(f"{where}: e164 {res['e164']} is not +1{row.nat}")
        if res["outcome"] != "rejected":
            if row.nat is None or res["e164"] != "+1" + row.nat:
                problems.append(f"{where}: passes without its declared number")
        if not row.case:
            problems.append(f"{where}: no case")
    if problems:
        raise SystemExit("expectation mismatch:\n  " + "\n  ".join(problems))


def check_accounts_numbers() -> None:
    """Every number in the account tables is valid, US/CA, and not a 555 exchange."""
    numbers = [r[2] for r in tracking_rows()] + [r[4] for r in tracking_rows() if r[4]]
    numbers += [r[2] for r in receiving_rows()]
    numbers += [fmt(n, s) for n, s, _l in FAILSAFE] + [fmt(u[2], u[3]) for u in USERS if u[2]]
    numbers += [fmt(n, s) for _p, n, s, _st in PORT_REQUESTS]
    for value in numbers:
        e164 = must_e164(value)
        assert e164[5:8] != "555", value
    tracking = [must_e164(r[2]) for r in tracking_rows()]
    assert len(tracking) == len(set(tracking)), "a tracking number twice"
    # clinics' blocks, desks and tracking pools do not collide by accident
    lines = [num(code, kind) for code in C for kind in KINDS]
    desks = [c.desk for c in C.values()]
    assert len(set(lines + desks)) == len(lines) + len(desks), "clinic numbers collide"
    assert not {t[2:] for t in tracking} & set(lines + desks), "tracking pool collides"


# =========================================================================== read back


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
            assert role not in roles, f"two columns for {role}: {header}"
            roles[role] = i
    return roles


def read_back(folder: Path) -> tuple[list[Record], int, list[str]]:
    records: list[Record] = []
    blanks = 0
    skipped_sheets: list[str] = []

    def take(name: str, sheet: str, row_no: int, cells: list[Any], roles: dict[str, int]) -> None:
        nonlocal blanks
        if all(cell_text(c).strip() == "" for c in cells):
            blanks += 1
            return

        def get(key: str) -> Any:
            i = roles.get(key)
            return cells[i] if i is not None and i < len(cells) else ""

        records.append(Record(name, sheet, row_no, get("n"), get("r"), get("f"), get("s")))

    for spec in INPUTS:
        path = folder / spec.name
        if isinstance(spec, Workbook):
            wb = openpyxl.load_workbook(path, data_only=True)
            for ws in wb.worksheets:
                found = None
                for r in range(1, min(ws.max_row, 20) + 1):
                    header = [c.value for c in ws[r]]
                    if "n" in roles_of(header):
                        found = (r, roles_of(header))
                        break
                if found is None:
                    skipped_sheets.append(ws.title)
                    continue
                header_row, roles = found
                for r in range(header_row + 1, ws.max_row + 1):
                    take(spec.name, ws.title, r, [c.value for c in ws[r]], roles)
        elif isinstance(spec, Text):
            lines = decode(path.read_bytes()).split("\n")
            assert lines[-1] == ""
            for line_no, line in enumerate(lines[:-1], start=1):
                tokens = [t.strip() for t in re.split(r"[,;]", line)]
                assert all(tokens), f"empty item on line {line_no}"
                records += [Record(spec.name, "", line_no, t, "", "", "") for t in tokens]
        else:
            text = decode(path.read_bytes())
            assert "\n" not in text.replace("\r\n", ""), "bare LF in a CRLF file"
            delimiter = max(",;\t|", key=text.split("\r\n", 1)[0].count)
            rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
            roles = roles_of(rows[0])
            for i, cells in enumerate(rows[1:], start=2):
                take(spec.name, "", i, cells, roles)
    return records, blanks, skipped_sheets


# =========================================================================== outputs

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
    "country",
    "number_type",
]
GENERATED_INPUTS = [spec.name for spec in INPUTS]
ACCOUNT_FILES = [
    "tracking_numbers.csv",
    "receiving_numbers.csv",
    "failsafe_numbers.csv",
    "users.xlsx",
    "port_requests.csv",
    "routing.csv",
]
OTHER_FILES = ["README.md"]
# Not inputs: kept in a subfolder, which `portflow demo` does not read.
EXPECTED_DIR = "expected"
EXPECTED_FILES = ["expected.csv", "expected_counts.json"]


def quality_checks(results: list[dict[str, str]], per_input: list[dict[str, Any]]) -> None:
    n = len(results)
    outcomes = Counter(r["outcome"] for r in results)
    first = Counter(r["reason_code"] for r in results if r["reason_code"])
    thin = {code: first[code] for code in PRECEDENCE if first[code] < 3}
    assert not thin, f"reason codes that are the first reason of fewer than 3 rows: {thin}"
    share = outcomes["accepted"] / n
    assert 0.55 <= share <= 0.65, f"accepted share {share:.2%} is outside 55-65%"
    multi = sum(";" in r["all_reasons"] for r in results)
    assert multi >= 8, f"only {multi} rows with several codes"
    accepted = [r for r in results if r["outcome"] == "accepted"]
    assert sum(r["number_type"] == "toll_free" for r in accepted) >= 3, "too few toll-free"
    assert sum(r["country"] == "CA" for r in accepted) >= 10, "too few Canadian numbers"
    assert outcomes["fax"] >= 10, "too few fax rows that pass"
    size = {p["file"]: 0 for p in per_input}
    for p in per_input:
        size[p["file"]] += p["rows"]
    ranges = {
        "acme_wave1_clinics.csv": (110, 130),
        "acme_wave2_regions.xlsx": (110, 130),
        "acme_wave3_fax_intl.tsv": (25, 35),
        "acme_legacy_export.csv": (25, 35),
        "acme_manual_add.txt": (10, 14),
    }
    for name, (lo, hi) in ranges.items():
        assert lo <= size[name] <= hi, f"{name} has {size[name]} rows, wanted {lo}-{hi}"


def check_no_strays(target: Path) -> None:
    """Refuse to run beside files this script does not write: `portflow demo` would read them."""
    stray = [
        p.name
        for p in target.iterdir()
        if p.is_file()
        and p.suffix.lower() in {".csv", ".tsv", ".txt", ".xlsx", ".xlsm"}
        and p.name not in GENERATED_INPUTS + OTHER_FILES
    ]
    expected = target / EXPECTED_DIR
    if expected.is_dir():
        stray += [
            f"{EXPECTED_DIR}/{p.name}" for p in expected.iterdir() if p.name not in EXPECTED_FILES
        ]
    accounts = target / "accounts"
    if accounts.is_dir():
        stray += ["accounts/" + p.name for p in accounts.iterdir() if p.name not in ACCOUNT_FILES]
    if stray:
        raise SystemExit(f"files not written by this script in {target}: {stray}")


def build(target: Path) -> dict[str, Any]:
    check_no_strays(target)
    check_accounts_numbers()
    acc = load_accounts()
    records, per_input = declared()
    results = judge(records, acc)
    check_declarations(records, results)
    quality_checks(results, per_input)
    blanks = sum(p["skipped_blank"] for p in per_input)

    with tempfile.TemporaryDirectory(dir=target, prefix=".generate-") as tmp:
        work = Path(tmp)
        for spec in INPUTS:
            if isinstance(spec, Csv):
                write_csv(spec, work / spec.name)
            elif isinstance(spec, Workbook):
                write_workbook(spec, work / spec.name)
            else:
                write_text(spec, work / spec.name)
        write_accounts(work / "accounts")

        back, back_blanks, skipped_sheets = read_back(work)
        assert skipped_sheets == ["Instructions"], skipped_sheets
        assert back_blanks == blanks, (back_blanks, blanks)
        back_results = judge(back, acc)
        assert len(back_results) == len(results), (len(back_results), len(results))
        for mine, theirs in zip(results, back_results, strict=True):
            if mine != theirs:
                raise SystemExit(f"read-back differs:\n  declared {mine}\n  read     {theirs}")

        (work / EXPECTED_DIR).mkdir()
        with (work / EXPECTED_DIR / "expected.csv").open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=COLUMNS, lineterminator="\n")
            writer.writeheader()
            for rec, res in zip(records, results, strict=True):
                assert rec.declared is not None
                writer.writerow({**res, "case": rec.declared.case})

        outcomes = Counter(r["outcome"] for r in results)
        first = Counter(r["reason_code"] for r in results if r["reason_code"])
        every = Counter(c for r in results for c in r["all_reasons"].split(";") if c)
        counts = {
            "account_id": ACCOUNT_ID,
            "input_order": GENERATED_INPUTS,
            "rows": len(results),
            "accepted": outcomes["accepted"],
            "rejected": outcomes["rejected"],
            "fax": outcomes["fax"],
            "skipped_blank": blanks,
            "rejects_by_reason": {c: first[c] for c in PRECEDENCE if first[c]},
            "rows_with_code": {c: every[c] for c in PRECEDENCE if every[c]},
            "rows_with_several_codes": sum(";" in r["all_reasons"] for r in results),
            "accepted_without_routing": sum(
                1
                for rec, r in zip(records, results, strict=True)
                if r["outcome"] == "accepted" and not cell_text(rec.r).strip()
            ),
            "inputs": per_input,
        }
        assert counts["rows"] == counts["accepted"] + counts["rejected"] + counts["fax"]
        (work / EXPECTED_DIR / "expected_counts.json").write_text(
            json.dumps(counts, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        (work / "README.md").write_text(readme(counts), encoding="utf-8")

        # everything checked: put the files in place
        for name in GENERATED_INPUTS + OTHER_FILES:
            shutil.copyfile(work / name, target / name)
        (target / EXPECTED_DIR).mkdir(exist_ok=True)
        for name in EXPECTED_FILES:
            shutil.copyfile(work / EXPECTED_DIR / name, target / EXPECTED_DIR / name)
        (target / "accounts").mkdir(exist_ok=True)
        for name in ACCOUNT_FILES:
            shutil.copyfile(work / "accounts" / name, target / "accounts" / name)
    return counts


# =========================================================================== README


def readme(counts: dict[str, Any]) -> str:
    per = "\n".join(
        f"| `{p['file']}` | {p['sheet'] or '–'} | {p['rows']} | {p['skipped_blank']} |"
        for p in counts["inputs"]
    )
    reasons = "\n".join(
        f"| `{code}` | {counts['rejects_by_reason'].get(code, 0)} | "
        f"{counts['rows_with_code'].get(code, 0)} |"
        for code in PRECEDENCE
    )
    order = " \\\n    ".join(f"data/samples/{name}" for name in counts["input_order"])
    rows, acc, rej, fax = counts["rows"], counts["accepted"], counts["rejected"], counts["fax"]
    blank, multi = counts["skipped_blank"], counts["rows_with_several_codes"]
    no_routing = counts["accepted_without_routing"]
    return f"""# Sample data: {ACCOUNT_NAME} ({ACCOUNT_ID})

**Generated by `generate.py`. Do not edit these files by hand, this README included.**
Change `generate.py`, then run it again from the repository root:

```
.venv/bin/python data/samples/generate.py
```

The script rewrites every file here. It checks each row's expected result twice (see below).
If anything disagrees, it stops with an error and replaces nothing. The output is
deterministic: there is no randomness and no clock, and the workbooks carry fixed properties
and dates. A second run gives the same bytes.

## The story

{ACCOUNT_NAME} runs about forty dental clinics in the US and five in Canada. It is moving its
clinic phone lines into its call-tracking account `{ACCOUNT_ID}`. Nineteen clinics were in a
pilot, so the account already holds:

- their tracking numbers (Google Ads, Yelp, website, direct mail);
- the front desks those numbers forward to;
- fail-safe numbers, users and earlier port requests.

The IT admin, Jordan Alvarez, collected the lines the way people really do:

- `acme_legacy_export.csv`: the old vendor's export of the Canadian, Miami and Houston lines.
  It was opened and saved by Excel on a French-Canadian PC.
  - `;`-separated, **Windows-1252**, CRLF, every field quoted.
  - Accented text: `Montréal`, `Café`, `Línea en español`, `’`, `«»`.
  - Excel damage: `5148423300.0` floats (valid), and `5.14842E+09` scientific notation
    (digits lost, so rejected). Also a leading apostrophe and literal surrounding quotes.
  - Old vendor routing IDs such as `CM-4410`.
- `acme_manual_add.txt`: the manual-add form, pasted by the Atlanta and Austin managers.
  - Numbers are separated by `, `, `;`, `; ` and line breaks. Several items share a line,
    so they share a `source_row`.
  - A vanity number (`1-800-GO-SMILE`), full-width digits and an extension.
- `acme_wave1_clinics.csv`: wave 1, Midwest and South (16 clinics).
  - `,`-separated, **UTF-8 with BOM**, CRLF, as Excel's "CSV UTF-8".
  - Headers `Clinic`, `Phone Number`, `Routing ID`, `Forward To`, `Line Type`, `Source`,
    `Notes`. Notes with commas are quoted.
  - Three `,,,,,,` blank rows between data rows.
- `acme_wave2_regions.xlsx`: wave 2, with four sheets.
  - `Northeast`: three title rows, with the header on row 4 (`Number to Port`, `Routing`,
    `Forwarding Number`, `Line Type`). Numbers and forwarding numbers are **numeric cells**,
    with 10 and 11 digits. A blank row sits in the middle.
  - `West`: `TN`, `Route ID`, `Destination`, `Service Type`, and a `Losing Carrier`
    column (AT&T, Verizon, Lumen, ...).
  - `Canada`: one title row, then `Phone`, `Routing ID`, `Receiving Number`. Toronto 416,
    Vancouver 604, Montréal 514, Calgary 403, Ottawa 613.
  - `Instructions`: free text with no number column. It must be skipped.
- `acme_wave3_fax_intl.tsv`: fax lines and odd numbers.
  - Tab-separated, **UTF-16 LE with BOM**, CRLF. This is Excel's "Unicode text", named
    `.tsv` because SPEC reads `.txt` as the manual-add form.
  - Fax lines (`fax`, `Fax`, ` fax `); most of them pass to the fax ticket.
  - International numbers: +44, +61, Jamaica +1 876 and Puerto Rico +1 787.
  - Extensions written `ext.`, `ext` and `#`.
- `accounts/`: the account's exports, with numbers in mixed formats.
  - `tracking_numbers.csv`: 80 rows. Several forward to the same front desk.
  - `receiving_numbers.csv`: includes inactive numbers.
  - `failsafe_numbers.csv`.
  - `users.xlsx`: numeric and text cells, and some users without a number.
  - `port_requests.csv`: every status of SPEC 1.2.
  - `routing.csv`: IDs such as `RT-1001` with names such as "Main IVR". One is inactive.
- `expected/expected.csv`: the expected result of every non-blank input row (see below).
- `expected/expected_counts.json`: totals, `rejects_by_reason`, `input_order`, and rows and
  blank rows per input.

The files in `expected/` are not inputs; `portflow demo` reads only the files directly in
this folder. The inputs are the five `acme_*` files, in file-name order, which is the run
order assumed here:

```
portflow check \\
    {order} \\
    --accounts data/samples/accounts --out OUT
```

The expectations assume an empty porting system, so IN_OTHER_PORT comes from the export only.
The run date does not change any outcome.

## Totals

- {rows} rows: {acc} accepted, {rej} rejected and {fax} fax.
- {blank} blank rows skipped.
- {multi} rows carry more than one code.
- {no_routing} accepted rows have no routing ID, which gives a warning.

| file | sheet | rows | blank rows |
|---|---|---|---|
{per}

| code | as `reason_code` | in `all_reasons` |
|---|---|---|
{reasons}

## expected.csv

The columns are `source_file, source_sheet, source_row, outcome, reason_code, all_reasons,
e164, case`. The informational columns `raw_number, related, routing_id_hint, country,
number_type` follow them.

- There is one row per non-blank input row, in run order: files by name, sheets in workbook
  order, rows top to bottom, and items left to right on a text line.
- `source_file` is the file name only, without a folder.
- `source_row` follows SPEC 3.1:
  - in a CSV, the header is row 1;
  - in a workbook, it is the sheet's own row number, and title rows count;
  - in a text file, it is the line number, and items on one line share it.
- `outcome` is `accepted` (a voice row that passes), `fax` (a fax row that passes) or
  `rejected`. `all_reasons` lists every code in SPEC 2 order, and `reason_code` is the first.
- `e164` is set for accepted and fax rows. It is also set for rejected rows whose number is
  valid: US/CA without an extension, or foreign. An empty `e164` on a rejected row means
  "not asserted". Rows with an extension are among them.
- `raw_number` is the cell as text. Numeric cells show their digits, and text-file items are
  trimmed. Compare it loosely.
- `related` is filled for RECEIVING_NUMBER rows. It lists the tracking numbers that forward
  to that number, `;`-joined. Compare it as a set.
- `routing_id_hint` is the ID that a ROUTING_NAME_NOT_ID remediation should give. That code
  is not always the row's first reason.
- `country` and `number_type` (`geographic` or `toll_free`) are filled for rows that pass.

## How the expectations are checked

1. **Declared.** Every row in `generate.py` states the codes it should get and the case it
   shows. A row meant to be valid also states its 10-digit number.
2. **Recomputed.** An oracle in `generate.py` judges each raw value with `phonenumbers` and
   the account tables:
   - it parses with region US and requires `is_valid_number` and a region of US or CA;
   - it requires 10 national digits, and rejects 555-0100..0199 and N11 exchanges;
   - before parsing, it strips `.0` floats, apostrophes and quotes;
   - scientific notation is invalid.

   If a declared code, number or E.164 differs, the script stops.
3. **Read back.** The written files are decoded (BOM, UTF-16, cp1252). They are parsed with
   the `csv` module or openpyxl, which looks for the header in the first 20 rows by SPEC's
   aliases. Then they are judged again.
4. **Quality.** Every reason code is the first reason of at least 3 rows. Accepted rows are
   55–65% of the rows. Every number meant to be valid is checked, and none uses a 555
   exchange.

### Interpretations encoded

These are the team's readings of SPEC:

- A routing value equal to a routing's name gets ROUTING_NAME_NOT_ID only. The match ignores
  case and surrounding spaces.
- Routing IDs match without regard to case, after trimming.
- ROUTES_TO_PORTED_NUMBER applies when the forward-to number is ported in this run: the number
  of a row (earlier or later, voice or fax) that passes every other rule. Forwarding to a number
  that is listed but rejected is fine (Boston, in `Northeast`).
- Rows without a valid number still get UNKNOWN_SERVICE, UNKNOWN_ROUTING_ID and
  INVALID_RECEIVING_NUMBER.
- A number with an extension gets HAS_EXTENSION. Its main number still counts for
  DUPLICATE_IN_BATCH and the account checks.
- Any earlier occurrence makes a duplicate, even one that was rejected.
- Service values match without regard to case, after trimming. Blank is voice.
- A receiving number is invalid when it is not valid by SPEC 1.1, or when it carries an
  extension. Valid international numbers are fine.
- Inactive receiving numbers do not block a port.

### Readings the samples avoid

The generator refuses these cases, so the samples contain none of them:

- an inactive routing named in an input;
- a routing name, or a forward-to match, on a row without a valid number;
- a fax row with routing or forwarding;
- a foreign number listed twice, or found in an account table;
- forwarding to a number listed only with an extension;
- a tracking number forwarding to a number missing from `receiving_numbers`;
- port request statuses outside SPEC 1.2;
- N11 exchanges in non-geographic area codes;
- quoted line breaks.
"""


def main() -> int:
    counts = build(HERE)
    print(f"sample data written to {HERE}")
    print(
        json.dumps({k: v for k, v in counts.items() if k != "inputs"}, indent=2, ensure_ascii=False)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
