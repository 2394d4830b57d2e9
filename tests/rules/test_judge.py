"""Verdicts: precedence, all_reasons, combined words; outcomes: groups, windows, fax."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from rules import duplicates
from rules.findings import FINDING_SCHEMA
from rules.judge import judge, verdicts
from rules.outcome import NO_ROUTING_WARNING, decide
from rules.reasons import CODES, Reason
from tests.helpers import batch_of, table_of

TABLES = {
    "tracking_numbers": table_of(
        {"id": "TN-1", "name": "Main", "number": "4155552671", "receiving_number": "4155550000"}
    ),
    "receiving_numbers": table_of({"number": "4155550000", "active": True}),
    "failsafe_numbers": table_of({"number": "4155550001"}),
    "users": table_of({"user_id": "U-1", "name": "Ann", "number": "4155552671"}),
    "port_requests": table_of(
        {"port_request_id": "PR-1", "number": "4155552671", "status": "foc", "blocking": True}
    ),
    "routing": table_of(
        {"routing_id": "RT-1", "name": "Sales", "active": True},
        {"routing_id": "RT-2", "name": "Old", "active": False},
        numbers=False,
    ),
}


def test_reason_codes_are_the_spec_codes_in_precedence_order() -> None:
    assert CODES == (
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
    )
    assert all(reason.message and reason.remediation for reason in Reason)


def test_every_applicable_code_is_listed_and_the_first_leads() -> None:
    batch = batch_of(
        {"number": "4155552671", "routing_id": "Sales", "service": "sms"},
        {"number": "4155552673"},
    )
    verdicts = judge(batch, TABLES)
    assert verdicts.select("row_id", "reason_code", "all_reasons").rows() == [
        (
            0,
            "UNKNOWN_SERVICE",
            "UNKNOWN_SERVICE;IN_OTHER_PORT;ALREADY_TRACKING;USER_ASSIGNED;ROUTING_NAME_NOT_ID",
        ),
    ]
    row = verdicts.row(0, named=True)
    assert row["reason"].startswith("The service column is neither voice nor fax: 'sms'. Also: ")
    assert "PR-1 (foc)" in row["related"] and "RT-1" in row["related"]
    assert row["remediation"] == Reason.UNKNOWN_SERVICE.remediation


def test_a_row_of_cells_to_correct_gets_every_fix_and_a_duplicate_is_deleted() -> None:
    batch = batch_of(
        {"number": "4155552680", "routing_id": "RT-9", "service": "sms"},
        {"number": "4155552681"},
        {"number": "415-555-2681 x12"},
    )
    verdicts = judge(batch, TABLES)
    assert verdicts.select("row_id", "all_reasons").rows() == [
        (0, "UNKNOWN_SERVICE;UNKNOWN_ROUTING_ID"),
        (2, "HAS_EXTENSION;DUPLICATE_IN_BATCH"),
    ]
    fixes = verdicts.get_column("remediation").to_list()
    assert fixes[0] == (
        f"{Reason.UNKNOWN_SERVICE.remediation} Also: {Reason.UNKNOWN_ROUTING_ID.remediation}"
    )
    assert fixes[1] == Reason.DUPLICATE_IN_BATCH.remediation


def test_a_code_found_twice_for_a_row_is_listed_once_with_its_first_words() -> None:
    found = pl.DataFrame(
        [
            (7, "UNKNOWN_ROUTING_ID", "'RT-9'", "RT-9", None),
            (7, "UNKNOWN_SERVICE", "'sms'", None, None),
            (7, "UNKNOWN_ROUTING_ID", "'RT-8'", "RT-8", "Use RT-1."),
        ],
        schema=FINDING_SCHEMA,
        orient="row",
    )
    row = verdicts(found).row(0, named=True)
    assert row["all_reasons"] == "UNKNOWN_SERVICE;UNKNOWN_ROUTING_ID"
    assert row["reason"] == (
        "The service column is neither voice nor fax: 'sms'. Also: The routing ID is not in "
        "the account's routing table: 'RT-9'."
    )
    assert row["related"] == "RT-9"
    assert row["remediation"] == (
        f"{Reason.UNKNOWN_SERVICE.remediation} Also: {Reason.UNKNOWN_ROUTING_ID.remediation}"
    )


def test_a_repeat_of_a_first_occurrence_rejected_for_its_cells_says_to_delete_either() -> None:
    """ "Delete this row" would leave +14155552682 unported: its first row has an extension.
    A first occurrence rejected for the number itself (in a port request): nothing here ports
    it, and the repeat says so."""
    batch = batch_of(
        {"number": "415-555-2682 x1"},
        {"number": "4155552682"},
        {"number": "4155552671"},
        {"number": "4155552671"},
    )
    verdicts = judge(batch, TABLES)
    assert verdicts.select("row_id", "reason_code").rows() == [
        (0, "HAS_EXTENSION"),
        (1, "DUPLICATE_IN_BATCH"),
        (2, "IN_OTHER_PORT"),
        (3, "DUPLICATE_IN_BATCH"),
    ]
    fixes = verdicts.get_column("remediation").to_list()
    assert fixes[1] == (
        "Its first occurrence is rejected for a cell of its own: correct that row and delete "
        "this one, or delete that row and keep this one."
    )
    assert fixes[3] == duplicates.FIRST_BLOCKED_FIX


def test_repeats_of_a_blocked_or_international_fax_line_are_not_sent_to_the_fax_ticket() -> None:
    """The first occurrence is a fax line, but it goes on no fax ticket: it is already a
    tracking number, or it is international (its ticket is the international one)."""
    batch = batch_of(
        {"number": "4155552671", "service": "fax"},  # tracked: rejected
        {"number": "4155552671", "service": "voice"},
        {"number": "+44 20 7031 3000", "service": "fax"},  # international: ticket
        {"number": "+44 20 7031 3000"},
        {"number": "4155552690", "service": "fax"},  # passes: the fax ticket
        {"number": "4155552690"},
    )
    verdicts = judge(batch, TABLES)
    fixes = dict(verdicts.select("row_id", "remediation").iter_rows())
    assert fixes[1] == duplicates.FIRST_BLOCKED_FIX
    assert fixes[3] == duplicates.FIRST_ABROAD_FIX
    assert fixes[5] == duplicates.FIRST_FAX_FIX
    assert sorted(fixes) == [0, 1, 2, 3, 5]


def test_repeats_of_flawed_fax_or_forwarding_first_rows_say_what_to_do() -> None:
    """Both rows flawed: correct one, delete the other. A fax first row: the number goes on
    the fax ticket. A first row rejected for forwarding to a number this run ports: it is
    not "ported from its first occurrence"."""
    batch = batch_of(
        {"number": "415-555-2682 x1"},
        {"number": "415-555-2682 x2"},  # both with an extension
        {"number": "4155552683", "service": "fax"},
        {"number": "4155552683"},  # voice, after a fax row
        {"number": "4155552684", "receiving_number": "4155552685"},  # forwards to row 5
        {"number": "4155552684"},
        {"number": "4155552685"},  # ported in this run
    )
    fixes = dict(judge(batch, TABLES).select("row_id", "remediation").iter_rows())
    assert fixes[1] == (
        "Its first occurrence is rejected for a cell of its own, as is this row: correct one "
        "of the two rows and delete the other."
    )
    assert fixes[3].startswith("Delete this row: the number's first occurrence is a fax line")
    assert fixes[5].startswith("Its first occurrence is rejected for a cell of its own:")


def test_a_missing_table_skips_its_rules_only() -> None:
    tables = {**TABLES, "users": None}
    verdicts = judge(batch_of({"number": "4155552671"}), tables)
    assert "USER_ASSIGNED" not in verdicts.item(0, "all_reasons")
    assert "ALREADY_TRACKING" in verdicts.item(0, "all_reasons")


def test_outcome_sorts_rows_and_gives_groups_windows_and_warnings() -> None:
    batch = batch_of(
        {"number": "4155552672", "routing_id": "rt-1"},
        {"number": "4165552672"},
        {"number": "8003569377", "routing_id": "RT-2"},
        {"number": "4155552674", "service": "Fax"},
        {"number": "4155552675", "losing_carrier": "AT&T Wireless"},
        {"number": "not a number"},
    )
    outcome = decide(
        batch, judge(batch, TABLES), routing=TABLES["routing"], run_date=dt.date(2026, 11, 26)
    )
    assert outcome.rows == batch.height
    configured = outcome.configured.select(
        "e164",
        "routing_id",
        "routing_name",
        "port_group",
        "earliest_completion",
        "latest_completion",
        "warnings",
    )
    assert configured.rows() == [
        ("+14155552672", "RT-1", "Sales", "US-geographic", "2026-12-10", "2026-12-24", None),
        (
            "+14165552672",
            None,
            None,
            "CA-geographic",
            "2026-12-10",
            "2027-01-07",
            NO_ROUTING_WARNING,
        ),
        (
            "+18003569377",
            "RT-2",
            "Old",
            "US-toll_free",
            "2026-12-10",
            "2026-12-24",
            "routing RT-2 is inactive in the account",
        ),
        (
            "+14155552675",
            None,
            None,
            "US-geographic-at-t-wireless",
            "2026-12-10",
            "2026-12-24",
            NO_ROUTING_WARNING,
        ),
    ]
    assert outcome.fax.select(
        "e164", "port_group", "earliest_completion", "latest_completion"
    ).rows() == [("+14155552674", "US-geographic-fax", "2026-12-03", "2026-12-10")]
    assert outcome.fax.get_column("warnings").to_list() == [None]  # a ticket needs no routing
    assert outcome.rejected.get_column("reason_code").to_list() == ["INVALID_NUMBER"]


@pytest.mark.parametrize(
    ("first", "reason"),
    [
        ({"number": "415-555-2690 x1"}, "HAS_EXTENSION"),
        ({"number": "4155552690", "service": "pager"}, "UNKNOWN_SERVICE"),
        ({"number": "4155552690", "receiving_number": "12"}, "INVALID_RECEIVING_NUMBER"),
        ({"number": "4155552690", "routing_id": "Sales"}, "ROUTING_NAME_NOT_ID"),
        ({"number": "4155552690", "routing_id": "RT-9"}, "UNKNOWN_ROUTING_ID"),
    ],
)
def test_every_reason_of_a_rows_own_cells_makes_its_repeat_say_delete_either(
    first: dict[str, str], reason: str
) -> None:
    batch = batch_of(first, {"number": "4155552690"})
    verdicts = judge(batch, TABLES)
    assert verdicts.get_column("reason_code").to_list() == [reason, "DUPLICATE_IN_BATCH"]
    assert verdicts.item(1, "remediation").startswith("Its first occurrence is rejected for a")


def test_a_routing_id_that_is_also_another_routings_name_is_an_id() -> None:
    tables = {
        **TABLES,
        "routing": table_of(
            {"routing_id": "RT-1", "name": "Sales", "active": True},
            {"routing_id": "RT-2", "name": "RT-1", "active": True},
            numbers=False,
        ),
    }
    batch = batch_of({"number": "4155552690", "routing_id": "RT-1"})
    assert judge(batch, tables).height == 0


def test_international_rows_go_to_the_ticket_once() -> None:
    batch = batch_of({"number": "+44 20 7946 0958"}, {"number": "+442079460958"})
    outcome = decide(batch, judge(batch, TABLES), routing=None, run_date=dt.date(2026, 11, 26))
    assert outcome.international.select("row_id", "e164").rows() == [(0, "+442079460958")]
    assert outcome.rejected.height == 2


def test_international_rows_failing_another_rule_stay_off_the_ticket() -> None:
    """Carrier relations would port them: one already tracked, one with an extension."""
    batch = batch_of(
        {"number": "+44 20 7946 0958"},
        {"number": "+44 20 7946 0959 x12"},
        {"number": "+61 2 5550 4477"},
    )
    tracking = {"id": "TN-2", "name": "Sydney", "number": "+61255504477", "receiving_number": ""}
    tables = {**TABLES, "tracking_numbers": table_of(tracking)}
    outcome = decide(batch, judge(batch, tables), routing=None, run_date=dt.date(2026, 11, 26))
    assert outcome.international.get_column("e164").to_list() == ["+442079460958"]
    assert sorted(outcome.rejected.get_column("all_reasons")) == [
        "NOT_US_CA",
        "NOT_US_CA;ALREADY_TRACKING",
        "NOT_US_CA;HAS_EXTENSION",
    ]
    # Their fixes do not send them to a ticket that does not list them
    fixes = dict(outcome.rejected.select("all_reasons", "remediation").iter_rows())
    assert fixes["NOT_US_CA;HAS_EXTENSION"] == (
        "Remove the extension and list the main number 020 7946 0959 alone; the extension "
        "stays on the customer's phone system. Also: Once nothing else is wrong with the row, "
        "the number goes by ticket (tickets/international_ticket.md)."
    )
    assert fixes["NOT_US_CA;ALREADY_TRACKING"].startswith("Remove the number from this list")


def test_port_groups_split_by_losing_carrier_in_plain_ascii() -> None:
    batch = batch_of(
        {"number": "5148423300", "losing_carrier": " Vidéotron "},
        {"number": "4165552672", "losing_carrier": "Rogers"},
    )
    outcome = decide(batch, judge(batch, TABLES), routing=None, run_date=dt.date(2026, 11, 26))
    assert outcome.configured.get_column("port_group").to_list() == [
        "CA-geographic-videotron",
        "CA-geographic-rogers",
    ]


def test_long_carrier_names_that_differ_at_the_end_stay_two_port_groups() -> None:
    carrier = "Frontier Communications of the Southwest Inc. d/b/a Frontier Communications"
    batch = batch_of(
        {"number": "4155552680", "losing_carrier": f"{carrier} - Texas"},
        {"number": "4155552681", "losing_carrier": f"{carrier} - Arizona"},
    )
    outcome = decide(batch, judge(batch, TABLES), routing=None, run_date=dt.date(2026, 11, 26))
    groups = outcome.configured.get_column("port_group").to_list()
    assert len(set(groups)) == 2
    assert all(
        group.startswith("US-geographic-frontier-communications-of-the-southwest-inc-d-b-a-")
        and len(group) <= len("US-geographic-") + 60
        for group in groups
    )


def test_forwarding_to_a_listed_but_rejected_number_is_fine() -> None:
    batch = batch_of(
        {"number": "4155552680", "receiving_number": "4155550001"},  # row 0 -> row 1
        {"number": "4155550001"},  # the fail-safe number: rejected, so not ported
        {"number": "4155552681", "receiving_number": "4155552682"},  # row 2 -> row 3
        {"number": "4155552682"},  # ported
    )
    verdicts = judge(batch, TABLES)
    assert verdicts.select("row_id", "all_reasons").rows() == [
        (1, "FAILSAFE_NUMBER"),
        (2, "ROUTES_TO_PORTED_NUMBER"),
    ]


def test_forwarding_to_a_number_listed_but_rejected_for_a_cell_or_abroad_is_refused() -> None:
    """Those numbers are ported once the row is corrected, or by ticket: the row forwarding
    to them is refused now, not after the one round of edits (or after its port request)."""
    batch = batch_of(
        {"number": "+44 20 7031 3000"},  # international: the ticket ports it
        {"number": "4155552604", "receiving_number": "+44 20 7031 3000"},
        {"number": "4155552605", "receiving_number": "4155552606"},
        {"number": "415-555-2606 x5"},  # ported once the extension is gone
        {"number": "4155552607", "receiving_number": "4155552608"},
        {"number": "4155552608", "service": "Voice line"},  # once the service is corrected
    )
    verdicts = judge(batch, TABLES)
    assert verdicts.select("row_id", "reason_code").rows() == [
        (0, "NOT_US_CA"),
        (1, "ROUTES_TO_PORTED_NUMBER"),
        (2, "ROUTES_TO_PORTED_NUMBER"),
        (3, "HAS_EXTENSION"),
        (4, "ROUTES_TO_PORTED_NUMBER"),
        (5, "UNKNOWN_SERVICE"),
    ]
    reasons = dict(verdicts.select("row_id", "reason").iter_rows())
    assert "+442070313000 is ported in this run (list.csv, row 2, by ticket)" in reasons[1]
    assert "(list.csv, row 5, once that row is corrected)" in reasons[2]
    assert "(list.csv, row 7, once that row is corrected)" in reasons[4]


def test_forwarding_to_a_number_an_open_port_request_moves_is_refused() -> None:
    """Listed or not: it is mid-port. (A rerun on a refreshed export finds this run's own
    earlier requests there; their forwarders must not be submitted then.)"""
    tables = {
        **TABLES,
        "port_requests": table_of(
            {"port_request_id": "PR-1", "number": "4155552671", "status": "foc", "blocking": True},
            {
                "port_request_id": "PR-2",
                "number": "4155552690",
                "status": "complete",
                "blocking": True,
            },
            {
                "port_request_id": "PR-3",
                "number": "4155552691",
                "status": "cancelled",
                "blocking": False,
            },
        ),
    }
    batch = batch_of(
        {"number": "4155552680", "receiving_number": "4155552671"},  # in PR-1 (foc)
        {"number": "4155552671"},  # listed too: IN_OTHER_PORT
        {"number": "4155552681", "receiving_number": "4155552690"},  # PR-2 is complete
        {"number": "4155552682", "receiving_number": "4155552691"},  # PR-3 was cancelled
    )
    verdicts = judge(batch, tables)
    assert verdicts.select("row_id", "all_reasons").rows() == [
        (0, "ROUTES_TO_PORTED_NUMBER"),
        (1, "IN_OTHER_PORT;ALREADY_TRACKING;USER_ASSIGNED"),
    ]
    first = verdicts.row(0, named=True)
    assert first["reason"] == (
        "The receiving number is itself being ported: +14155552671 is in open port request "
        "PR-1 (foc)."
    )
    assert first["related"] == "PR-1 (foc)"
    assert "port request PR-1 (foc) is moving this one" in first["remediation"]


def test_numbers_that_are_not_numbers_match_nothing_in_the_account() -> None:
    """An unreadable number in an export and one in the list are both null: no match."""
    unreadable = {"number": "not a number"}
    tables = {
        **TABLES,
        "tracking_numbers": table_of({**unreadable, "id": "TN-9", "name": "Broken"}),
        "users": table_of({**unreadable, "user_id": "U-9", "name": "Bob"}),
        "failsafe_numbers": table_of(unreadable),
        "port_requests": table_of(
            {**unreadable, "port_request_id": "PR-9", "status": "foc", "blocking": True}
        ),
    }
    verdicts = judge(batch_of({"number": "call me"}, {"number": "555"}), tables)
    assert verdicts.get_column("all_reasons").to_list() == ["INVALID_NUMBER", "INVALID_NUMBER"]
