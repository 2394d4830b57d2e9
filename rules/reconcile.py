"""Reconciliation rules: what needs attention among submitted port requests, number by number.

Each rule takes the porting system's requests (one row per request and number) and the
account's tables, and returns findings: `code`, `port_request_id`, `e164`, `detail`, `action`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from enum import Enum

import polars as pl

from rules.statuses import EXPORT_LEVELS, NOT_BLOCKING, PENDING_SYSTEM_STATUSES, SYSTEM_LEVELS

PENDING = PENDING_SYSTEM_STATUSES
FINDING_COLUMNS = ("code", "port_request_id", "e164", "detail", "action")
# How long a cancelled request's numbers are shown (CANCELLED) after the cancellation.
CANCELLED_SHOWN_DAYS = 30


class Finding(Enum):
    """Why a submitted number needs attention. Declaration order is report order."""

    CARRIER_EXCEPTION = "The carrier raised an exception on the port"
    OVERDUE = "Not complete after its latest completion date, or after its FOC date"
    NEW_CONFLICT = "Still pending, and now in use in the account: porting it cuts that off"
    CANCELLED = "Its request was cancelled, and no other request moves it"
    COMPLETED_NOT_CONFIGURED = "Ported, but not a tracking number in the account yet"
    ROUTING_MISMATCH = "Ported and tracking, but routed differently from the request"
    STATUS_MISMATCH = "The account's port_requests export and the porting system disagree"

    def __init__(self, meaning: str) -> None:
        self.meaning = meaning


# Carrier reason codes: what they mean and what fixes them (keys are upper case).
CARRIER_REASONS: Mapping[str, tuple[str, str]] = {
    "PIN": (
        "the PIN or passcode does not match the losing carrier's account",
        "Get the current account PIN from the customer (from the losing carrier's portal "
        "or support line), correct it on the request and resubmit.",
    ),
    "ACCOUNT": (
        "the carrier account number does not match the bill",
        "Copy the account number exactly as printed on a recent bill, correct it and resubmit.",
    ),
    "NAME": (
        "the account holder's name does not match the losing carrier's records",
        "Use the name exactly as on the bill (legal entity, abbreviations and all) and resubmit.",
    ),
    "ADDRESS": (
        "the service address does not match the losing carrier's records",
        "Use the service address exactly as on the bill (suite, ZIP+4 as printed) and resubmit.",
    ),
    "BTN": (
        "the billing telephone number (BTN) does not match the account",
        "Confirm the BTN on the bill with the customer, correct it and resubmit.",
    ),
    "PENDING_ORDER": (
        "the number has a pending order with the losing carrier",
        "Ask the customer to cancel or complete the pending order (changes, "
        "another port) with the losing carrier, then resubmit.",
    ),
    "LOA": (
        "the Letter of Authorisation is missing, illegible, unsigned or too old",
        "Have the authorised representative sign a new LOA (within 90 days), upload it, "
        "and resubmit.",
    ),
    "FOC_REJECTED": (
        "the requested FOC date was rejected",
        "Pick a later business day (at least the carrier's minimum interval) and "
        "resubmit the date.",
    ),
    "PARTIAL_PORT": (
        "porting only some numbers of the account needs a partial-port request",
        "Confirm which numbers stay with the carrier, mark the request as a partial "
        "port, and resubmit.",
    ),
    "FREEZE": (
        "the account has a port freeze (port-out protection)",
        "Ask the customer to lift the port freeze with the losing carrier, then resubmit.",
    ),
}
# Codes as carriers send them, mapped to the keys above.
CARRIER_CODES: Mapping[str, str] = {
    "6P": "PIN",
    "PIN": "PIN",
    "PASSCODE": "PIN",
    "8A": "ACCOUNT",
    "ACCT": "ACCOUNT",
    "ACCOUNT": "ACCOUNT",
    "ACCOUNT_NUMBER": "ACCOUNT",
    "1P": "NAME",
    "NAME": "NAME",
    "2P": "ADDRESS",
    "ADDR": "ADDRESS",
    "ADDRESS": "ADDRESS",
    "3P": "BTN",
    "BTN": "BTN",
    "4P": "PENDING_ORDER",
    "PEND": "PENDING_ORDER",
    "PENDING_ORDER": "PENDING_ORDER",
    "5P": "LOA",
    "LOA": "LOA",
    "7P": "FOC_REJECTED",
    "FOC": "FOC_REJECTED",
    "FOC_REJECTED": "FOC_REJECTED",
    "9P": "PARTIAL_PORT",
    "PARTIAL": "PARTIAL_PORT",
    "PARTIAL_PORT": "PARTIAL_PORT",
    "FRZ": "FREEZE",
    "FREEZE": "FREEZE",
}


def _findings(rows: pl.DataFrame, code: Finding, detail: pl.Expr, action: pl.Expr) -> pl.DataFrame:
    return rows.select(
        pl.lit(code.name).alias("code"),
        "port_request_id",
        "e164",
        detail.cast(pl.String).alias("detail"),
        action.cast(pl.String).alias("action"),
    )


def overdue(requests: pl.DataFrame, *, run_date: dt.date) -> pl.DataFrame:
    """Submitted or at FOC, and past the latest completion the request was made with, or
    at FOC with the FOC date passed (the carrier missed the cut-over: no need to wait for
    the window's end).

    Exceptions are CARRIER_EXCEPTION findings of their own, not also overdue.
    """
    today = pl.lit(run_date)
    foc_missed = (pl.col("status") == "foc") & (pl.col("foc_date") < today)
    late = requests.filter(
        pl.col("status").is_in(["submitted", "foc"])
        & ((pl.col("latest_completion") < today) | foc_missed.fill_null(False))
    )
    days = (today - pl.col("latest_completion")).dt.total_days()
    foc = pl.col("foc_date").cast(pl.String)
    return _findings(
        late,
        Finding.OVERDUE,
        pl.concat_str(
            pl.lit("due by "),
            pl.col("latest_completion").cast(pl.String),
            pl.when(days > 0)
            .then(pl.concat_str(pl.lit(", "), days.cast(pl.String), pl.lit(" day(s) late")))
            .otherwise(pl.lit("")),
            pl.lit(", still "),
            pl.col("status"),
            pl.when(foc.is_not_null())
            .then(pl.concat_str(pl.lit(" (FOC "), foc, pl.lit(")")))
            .otherwise(pl.lit("")),
        ),
        pl.when(foc_missed)
        .then(
            pl.concat_str(
                pl.lit("The FOC date has passed: ask the losing carrier why "),
                pl.col("port_request_id"),
                pl.lit(" did not complete, and for a new date."),
            )
        )
        .when(pl.col("status") == "foc")
        .then(
            pl.concat_str(
                pl.lit("The FOC date "),
                foc,
                pl.lit(" is after the due date: ask the losing carrier to bring "),
                pl.col("port_request_id"),
                pl.lit(" forward, or tell the customer it will be late."),
            )
        )
        .otherwise(
            pl.concat_str(
                pl.lit("Chase the losing carrier about "),
                pl.col("port_request_id"),
                pl.lit(": ask for the FOC date, or for the exception nobody reported."),
            )
        ),
    )


def cancelled(requests: pl.DataFrame, *, run_date: dt.date) -> pl.DataFrame:
    """Numbers of a request cancelled in the last CANCELLED_SHOWN_DAYS that no other
    request (active or complete) moves: nothing will port them unless someone acts."""
    moving = requests.filter(
        pl.col("status").replace_strict(SYSTEM_LEVELS, default=None) != NOT_BLOCKING
    ).select("e164")
    since = run_date - dt.timedelta(days=CANCELLED_SHOWN_DAYS)
    dropped = (
        requests.filter((pl.col("status") == "cancelled") & (pl.col("updated_on") >= since))
        .join(moving, on="e164", how="anti")
        .sort("updated_on", "port_request_id", descending=True)
        .unique("e164", keep="first")
    )
    shown_until = (pl.col("updated_on") + dt.timedelta(days=CANCELLED_SHOWN_DAYS)).cast(pl.String)
    return _findings(
        dropped,
        Finding.CANCELLED,
        pl.concat_str(
            pl.col("port_request_id"),
            pl.lit(" was cancelled on "),
            pl.col("updated_on").cast(pl.String),
            pl.lit("; no other request moves this number"),
        ),
        pl.concat_str(
            pl.lit(
                "If it still has to move, run its submission again (numbers freed by a "
                "cancelled request go in a follow-up request). If it stays with the carrier, "
                "nothing to do (shown until "
            ),
            shown_until,
            pl.lit(")."),
        ),
    )


def carrier_exception(requests: pl.DataFrame) -> pl.DataFrame:
    raised = requests.filter(pl.col("status") == "exception")
    code = pl.col("carrier_reason").fill_null("").str.strip_chars().str.to_uppercase()
    key = code.replace_strict(CARRIER_CODES, default=None, return_dtype=pl.String)
    meaning = key.replace_strict(
        {k: v[0] for k, v in CARRIER_REASONS.items()}, default=None, return_dtype=pl.String
    )
    fix = key.replace_strict(
        {k: v[1] for k, v in CARRIER_REASONS.items()}, default=None, return_dtype=pl.String
    )
    shown = pl.when(code == "").then(pl.lit("no code")).otherwise(code)
    return _findings(
        raised,
        Finding.CARRIER_EXCEPTION,
        pl.concat_str(
            pl.lit("carrier reason "),
            shown,
            pl.lit(": "),
            meaning.fill_null(pl.lit("a code portflow does not know")),
        ),
        fix.fill_null(
            pl.concat_str(
                pl.lit("Read the carrier's rejection notice for "),
                pl.col("port_request_id"),
                pl.lit(" (reason "),
                shown,
                pl.lit(
                    "), fix what it names, and resubmit; tell the portflow team the code's meaning."
                ),
            )
        ),
    )


def completed_not_configured(requests: pl.DataFrame, tracking: pl.DataFrame) -> pl.DataFrame:
    done = requests.filter(pl.col("status") == "complete").join(
        tracking.select("e164").unique(), on="e164", how="anti"
    )
    routing = (
        pl.when(pl.col("routing_id").is_not_null())
        .then(pl.concat_str(pl.lit(" with routing "), pl.col("routing_id")))
        .otherwise(pl.lit(""))
    )
    return _findings(
        done,
        Finding.COMPLETED_NOT_CONFIGURED,
        pl.concat_str(
            pl.lit("ported with "),
            pl.col("port_request_id"),
            pl.lit("; calls to it reach no tracking number"),
        ),
        pl.concat_str(
            pl.lit("Add it to the account as a tracking number"),
            routing,
            pl.lit(" (configured_numbers.csv of the submission has the row)."),
        ),
    )


def routing_mismatch(requests: pl.DataFrame, tracking: pl.DataFrame) -> pl.DataFrame:
    live = tracking.select("e164", account_routing="routing_id").unique("e164")
    wrong = (
        requests.filter((pl.col("status") == "complete") & pl.col("routing_id").is_not_null())
        .join(live, on="e164")
        .filter(
            pl.col("account_routing").fill_null("").str.to_lowercase()
            != pl.col("routing_id").str.to_lowercase()
        )
    )
    account = pl.col("account_routing").fill_null("no routing")
    return _findings(
        wrong,
        Finding.ROUTING_MISMATCH,
        pl.concat_str(
            pl.lit("requested "), pl.col("routing_id"), pl.lit(", the account has "), account
        ),
        pl.concat_str(
            pl.lit("Set the tracking number's routing to "),
            pl.col("routing_id"),
            pl.lit(" (or confirm that "),
            account,
            pl.lit(" is now intended)."),
        ),
    )


def new_conflict(
    requests: pl.DataFrame,
    *,
    receiving: pl.DataFrame | None,
    failsafe: pl.DataFrame | None,
    users: pl.DataFrame | None,
) -> pl.DataFrame:
    uses = []
    if receiving is not None:
        uses.append(
            receiving.filter(pl.col("active")).select(
                "e164", use=pl.lit("an active receiving number")
            )
        )
    if failsafe is not None:
        uses.append(failsafe.select("e164", use=pl.lit("the fail-safe number")))
    if users is not None:
        uses.append(
            users.select(
                "e164",
                use=pl.concat_str(
                    pl.lit("assigned to user "),
                    pl.col("user_id").fill_null(pl.col("name")).fill_null(""),
                ),
            )
        )
    if not uses:
        return pl.DataFrame(schema=dict.fromkeys(FINDING_COLUMNS, pl.String))
    used = (
        pl.concat(uses)
        .filter(pl.col("e164").is_not_null())
        .group_by("e164")
        .agg(pl.col("use").str.join("; "))
    )
    pending = requests.filter(pl.col("status").is_in(PENDING)).join(used, on="e164")
    return _findings(
        pending,
        Finding.NEW_CONFLICT,
        pl.concat_str(
            pl.lit("now "),
            pl.col("use"),
            pl.lit(", while "),
            pl.col("port_request_id"),
            pl.lit(" is "),
            pl.col("status"),
        ),
        pl.concat_str(
            pl.lit(
                "Move that use to another number before the port completes, or "
                "cancel this number from "
            ),
            pl.col("port_request_id"),
            pl.lit("."),
        ),
    )


def status_mismatch(requests: pl.DataFrame, export: pl.DataFrame) -> pl.DataFrame:
    """Numbers of requests the export knows, at another level there (active, complete, not
    blocking: the two vocabularies differ), or missing from the export's copy."""
    known = export.filter(
        pl.col("port_request_id").is_in(requests.get_column("port_request_id").unique().implode())
    )
    listed = known.select(
        "port_request_id",
        "e164",
        export_status=pl.col("status"),
        export_level=pl.col("status").replace_strict(
            EXPORT_LEVELS, default="unknown", return_dtype=pl.String
        ),
    ).unique(["port_request_id", "e164"])
    ours = requests.filter(
        pl.col("port_request_id").is_in(known.get_column("port_request_id").unique().implode())
    ).with_columns(
        level=pl.col("status").replace_strict(
            SYSTEM_LEVELS, default="unknown", return_dtype=pl.String
        )
    )
    joined = ours.join(listed, on=["port_request_id", "e164"], how="left")
    differ = joined.filter(
        pl.col("export_status").is_null()
        | ((pl.col("export_level") != pl.col("level")) & (pl.col("export_level") != "unknown"))
    )
    return _findings(
        differ,
        Finding.STATUS_MISMATCH,
        pl.when(pl.col("export_status").is_null())
        .then(
            pl.concat_str(
                pl.lit("the export lists "),
                pl.col("port_request_id"),
                pl.lit(" without this number; the porting system has it "),
                pl.col("status"),
            )
        )
        .otherwise(
            pl.concat_str(
                pl.lit("the export says "),
                pl.col("export_status"),
                pl.lit(" ("),
                pl.col("export_level"),
                pl.lit("), the porting system says "),
                pl.col("status"),
                pl.lit(" ("),
                pl.col("level"),
                pl.lit(")"),
            )
        ),
        pl.lit(
            "Find which is right (the carrier's last notice decides); correct the other, "
            "or export the account again if the export is old."
        ),
    )


def reconcile(
    requests: pl.DataFrame, tables: Mapping[str, pl.DataFrame | None], *, run_date: dt.date
) -> pl.DataFrame:
    """Every finding, in report order, then by request and number."""
    tracking = tables.get("tracking_numbers")
    export = tables.get("port_requests")
    found = [
        carrier_exception(requests),
        overdue(requests, run_date=run_date),
        new_conflict(
            requests,
            receiving=tables.get("receiving_numbers"),
            failsafe=tables.get("failsafe_numbers"),
            users=tables.get("users"),
        ),
        cancelled(requests, run_date=run_date),
    ]
    if tracking is not None:
        found += [
            completed_not_configured(requests, tracking),
            routing_mismatch(requests, tracking),
        ]
    if export is not None:
        found.append(status_mismatch(requests, export))
    order = {finding.name: position for position, finding in enumerate(Finding)}
    return (
        pl.concat(
            [pl.DataFrame(schema=dict.fromkeys(FINDING_COLUMNS, pl.String)), *found], how="vertical"
        )
        .with_columns(order=pl.col("code").replace_strict(order, return_dtype=pl.Int32))
        .sort("order", "port_request_id", "e164")
        .drop("order")
    )
