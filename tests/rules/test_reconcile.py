"""Reconciliation rules on request tables made here (the e2e test runs them from a store)."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import polars as pl
import pytest

from portflow.porting.models import NumberLine, PortRequest
from portflow.reconcile import REQUEST_SCHEMA, requests_table
from rules.reconcile import (
    cancelled,
    carrier_exception,
    new_conflict,
    overdue,
    routing_mismatch,
    status_mismatch,
)

NIGHT = dt.date(2026, 12, 10)


def requests(*rows: dict[str, Any]) -> pl.DataFrame:
    """Request rows: PR-1 submitted on 2026-11-20, due 2026-12-18, unless a row says."""
    defaults = {
        "port_request_id": "PR-1",
        "status": "submitted",
        "carrier_reason": None,
        "foc_date": None,
        "port_group": "US-geographic",
        "submitted_on": dt.date(2026, 11, 20),
        "updated_on": dt.date(2026, 11, 20),
        "latest_completion": dt.date(2026, 12, 18),
        "e164": "+14155552671",
        "routing_id": "RT-1",
        "receiving_number": None,
    }
    return pl.DataFrame([{**defaults, **row} for row in rows], schema=REQUEST_SCHEMA)


def test_a_missed_foc_date_is_overdue_before_the_window_ends() -> None:
    found = overdue(requests({"status": "foc", "foc_date": dt.date(2026, 12, 1)}), run_date=NIGHT)
    assert found.get_column("detail").to_list() == ["due by 2026-12-18, still foc (FOC 2026-12-01)"]
    assert found.item(0, "action").startswith("The FOC date has passed")


def test_a_foc_date_after_the_due_date_is_not_called_passed() -> None:
    late = {"status": "foc", "foc_date": dt.date(2026, 12, 14), "latest_completion": NIGHT}
    found = overdue(requests({**late, "latest_completion": dt.date(2026, 12, 8)}), run_date=NIGHT)
    assert found.get_column("detail").to_list() == [
        "due by 2026-12-08, 2 day(s) late, still foc (FOC 2026-12-14)"
    ]
    assert found.item(0, "action").startswith("The FOC date 2026-12-14 is after the due date")
    assert overdue(requests(late), run_date=NIGHT).height == 0  # due today, FOC to come


def test_a_cancelled_requests_numbers_that_nothing_else_moves_are_shown_for_30_days() -> None:
    old = {"port_request_id": "PR-0", "status": "cancelled", "updated_on": dt.date(2026, 11, 1)}
    table = requests(
        {"status": "cancelled", "updated_on": dt.date(2026, 12, 7)},  # +14155552671: shown
        {**old},  # and cancelled earlier: shown once, for the latest cancellation
        {"status": "cancelled", "e164": "+14155552672", "updated_on": dt.date(2026, 12, 7)},
        {"port_request_id": "PR-2", "e164": "+14155552672"},  # moved by PR-2 now
        {**old, "e164": "+14155552673"},  # cancelled 39 days ago: no longer shown
    )
    found = cancelled(table, run_date=NIGHT)
    assert found.select("port_request_id", "e164").rows() == [("PR-1", "+14155552671")]
    assert found.item(0, "detail") == (
        "PR-1 was cancelled on 2026-12-07; no other request moves this number"
    )
    assert "shown until 2027-01-06" in found.item(0, "action")
    last, after = dt.date(2027, 1, 6), dt.date(2027, 1, 7)  # shown on its "until" day
    assert cancelled(table, run_date=last).get_column("e164").to_list() == ["+14155552671"]
    assert cancelled(table, run_date=after).height == 0


def test_submitted_on_is_this_machines_date_not_utcs(monkeypatch: pytest.MonkeyPatch) -> None:
    """A request made at 7 pm in Los Angeles was submitted that day, not the next (UTC)."""
    monkeypatch.setenv("TZ", "America/Los_Angeles")
    time.tzset()
    try:
        made = dt.datetime(2026, 11, 27, 3, 0, tzinfo=dt.UTC)
        request = PortRequest(
            id="PR-1",
            idempotency_key="k",
            account_id="ACC-1",
            friendly_name="wave 1",
            port_group="US-geographic",
            status="submitted",
            earliest_completion=dt.date(2026, 12, 1),
            latest_completion=dt.date(2026, 12, 24),
            created_at=made,
            updated_at=made,
            numbers=[NumberLine(e164="+14155552671")],
        )
        table = requests_table([request])
        assert table.select("submitted_on", "updated_on").row(0) == (
            dt.date(2026, 11, 26),
            dt.date(2026, 11, 26),
        )
    finally:
        monkeypatch.undo()
        time.tzset()


def test_overdue_starts_the_day_after_the_due_date() -> None:
    due = requests({"latest_completion": NIGHT})
    assert overdue(due, run_date=NIGHT).height == 0
    assert overdue(due, run_date=NIGHT + dt.timedelta(days=1)).get_column("detail").to_list() == [
        "due by 2026-12-10, 1 day(s) late, still submitted"
    ]


def test_new_conflicts_come_from_users_too_and_from_requests_in_exception() -> None:
    table = requests(
        {"e164": "+14155552671"},
        {"port_request_id": "PR-2", "status": "exception", "e164": "+14155552672"},
        {"port_request_id": "PR-3", "status": "complete", "e164": "+14155552673"},
    )
    users = pl.DataFrame(
        {"e164": ["+14155552671", "+14155552673"], "user_id": ["U-7", "U-8"], "name": ["Ann", "Bo"]}
    )
    failsafe = pl.DataFrame({"e164": ["+14155552672"]})
    found = new_conflict(table, receiving=None, failsafe=failsafe, users=users)
    assert found.select("port_request_id", "detail").sort("port_request_id").rows() == [
        ("PR-1", "now assigned to user U-7, while PR-1 is submitted"),
        ("PR-2", "now the fail-safe number, while PR-2 is exception"),
    ]


def test_routing_is_compared_without_case_and_only_where_the_request_has_one() -> None:
    table = requests(
        {"status": "complete", "routing_id": "rt-1", "e164": "+14155552671"},
        {"status": "complete", "routing_id": None, "e164": "+14155552672"},
        {"status": "complete", "routing_id": "RT-1", "e164": "+14155552673"},
    )
    tracking = pl.DataFrame(
        {"e164": ["+14155552671", "+14155552672", "+14155552673"], "routing_id": ["RT-1"] * 3}
    )
    assert routing_mismatch(table, tracking).height == 0
    moved = tracking.with_columns(routing_id=pl.lit("RT-2"))
    assert routing_mismatch(table, moved).get_column("e164").sort().to_list() == [
        "+14155552671",
        "+14155552673",
    ]


@pytest.mark.parametrize(
    ("code", "meaning"),
    [
        ("6p", "the PIN or passcode does not match"),
        (" 4P ", "the number has a pending order with the losing carrier"),
        ("FRZ", "the account has a port freeze"),
        ("ZZ9", "a code portflow does not know"),
    ],
)
def test_carrier_codes_are_read_whatever_their_case(code: str, meaning: str) -> None:
    table = requests({"status": "exception", "carrier_reason": code})
    assert meaning in carrier_exception(table).item(0, "detail")


def test_an_export_status_portflow_does_not_know_is_no_mismatch() -> None:
    table = requests({"status": "submitted"}, {"status": "submitted", "e164": "+14155552672"})
    export = pl.DataFrame(
        {
            "port_request_id": ["PR-1", "PR-1"],
            "e164": ["+14155552671", "+14155552672"],
            "status": ["on_hold", "complete"],
        }
    )
    assert status_mismatch(table, export).get_column("e164").to_list() == ["+14155552672"]
