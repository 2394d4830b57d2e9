"""Each rule on small inline frames: what it finds and the words it gives the analyst."""

from __future__ import annotations

import polars as pl

from rules import account, duplicates, numbers, receiving, routing, service
from tests.helpers import batch_of, table_of


def found(result: pl.DataFrame, *columns: str) -> list[tuple[object, ...]]:
    return result.select("row_id", *columns).rows()


def test_missing_number_needs_other_values_only() -> None:
    batch = batch_of({"number": None, "routing_id": "RT-1"}, {"number": "4155552671"})
    assert found(numbers.missing_number(batch), "code") == [(0, "MISSING_NUMBER")]


def test_invalid_number_says_why_and_how_to_fix_excel_damage() -> None:
    batch = batch_of(
        {"number": "4.15555E+09"},
        {"number": "212-911-1234"},
        {"number": "4155552671"},
        {"number": "hello"},
    )
    result = numbers.invalid_number(batch)
    assert found(result, "detail") == [
        (0, "'4.15555E+09' is in scientific notation: Excel dropped the last digits"),
        (1, "'212-911-1234' has an N11 exchange (211 to 911), which no phone line can have"),
        (3, "'hello' is not a phone number"),
    ]
    assert "Format the number column as Text" in result.item(0, "fix")
    assert result.item(2, "fix") is None  # the reason's default remediation applies


def test_invalid_receiving_number_says_why_and_how_to_fix_it() -> None:
    """As INVALID_NUMBER does for a number: an Excel-damaged forward-to column was only 'not
    a valid phone number', with a fix that suggested blanking it."""
    batch = batch_of(
        {"number": "4155552671", "receiving_number": "4.15555E+09"},
        {"number": "4155552672", "receiving_number": "415-555-0000 / 415-555-0001"},
        {"number": "4155552673", "receiving_number": "4155550000 x5"},
        {"number": "4155552674", "receiving_number": "12"},
    )
    result = receiving.invalid_receiving_number(batch)
    assert found(result, "detail") == [
        (0, "'4.15555E+09' is in scientific notation: Excel dropped the last digits"),
        (1, "'415-555-0000 / 415-555-0001' holds two phone numbers in one cell"),
        (2, "'4155550000 x5' has an extension; calls cannot be forwarded to an extension"),
        (3, "'12' does not have 10 digits (3-digit area code + 7-digit number)"),
    ]
    fixes = result.get_column("fix").to_list()
    assert "Format the forward-to column as Text" in fixes[0]
    assert "the digits cannot be recovered from this file" in fixes[0]
    assert fixes[1:] == ["Give one forward-to number per row: calls go to one number.", None, None]


def test_not_us_ca_names_the_region() -> None:
    batch = batch_of(
        {"number": "+1 876 555 1234"}, {"number": "+44 20 7946 0958"}, {"number": "416 555 1234"}
    )
    assert found(numbers.not_us_ca(batch), "detail") == [
        (0, "+18765551234 is a number in JM"),
        (1, "+442079460958 is a number in GB"),
    ]


def test_has_extension_points_at_the_main_number() -> None:
    batch = batch_of({"number": "415-555-2671 x204"}, {"number": "4155552671"})
    result = numbers.has_extension(batch)
    assert found(result, "detail") == [(0, "extension 204")]
    assert "(415) 555-2671" in result.item(0, "fix")


def test_unknown_service_accepts_voice_fax_and_blank_in_any_case() -> None:
    batch = batch_of(
        {"number": "1", "service": " Voice "},
        {"number": "2", "service": "FAX"},
        {"number": "3"},
        {"number": "4", "service": "sms"},
        {"number": "5", "service": "\u200bfax"},  # a zero-width space, pasted from the web
        {"number": "6", "service": "\uff26\uff21\uff38"},  # full-width FAX
        {"number": "7", "service": "\u00a0\u200b"},  # shows as blank: voice
    )
    assert found(service.unknown_service(batch), "detail") == [(3, "'sms'")]


def test_duplicates_point_at_the_first_occurrence_across_formats() -> None:
    batch = batch_of(
        {"number": "(415) 555-2671"},
        {"number": "4155552672"},
        {"number": "+1 415.555.2671"},
        {"number": "14155552671"},
    )
    assert found(duplicates.duplicate_in_batch(batch), "related") == [
        (2, "list.csv, row 2"),
        (3, "list.csv, row 2"),
    ]


def test_a_repeat_that_gives_another_routing_or_forward_to_says_so() -> None:
    """Two instructions for one number: the first row's was configured, and the repeat was
    only told to delete itself."""
    batch = batch_of(
        {"number": "4155552671", "routing_id": "RT-1"},
        {"number": "4155552671", "routing_id": "RT-2"},
        {"number": "4155552672", "receiving_number": "4155550000"},
        {"number": "(415) 555-2672", "receiving_number": "415-555-0001"},
        {"number": "4155552673", "routing_id": "RT-1", "receiving_number": "4155550000"},
        {"number": "4155552673", "routing_id": " rt-1", "receiving_number": "(415) 555-0000"},
    )
    result = duplicates.duplicate_in_batch(batch)
    assert found(result, "detail") == [
        (
            1,
            "+14155552671 first appears at list.csv, row 2, with another routing: 'RT-1' "
            "there, 'RT-2' here",
        ),
        (
            3,
            "+14155552672 first appears at list.csv, row 4, with another forward-to number: "
            "'+14155550000' there, '+14155550001' here",
        ),
        (5, "+14155552673 first appears at list.csv, row 6"),
    ]
    assert result.get_column("fix").to_list() == [
        duplicates.DIFFERS_FIX,
        duplicates.DIFFERS_FIX,
        None,
    ]


def test_in_other_port_blocks_active_and_complete_requests_only() -> None:
    batch = batch_of({"number": "4155552671"}, {"number": "4155552672"}, {"number": "4155552673"})
    requests = table_of(
        {
            "port_request_id": "PR-1",
            "number": "415-555-2671",
            "status": "pending",
            "blocking": True,
        },
        {
            "port_request_id": "PR-2",
            "number": "415-555-2672",
            "status": "cancelled",
            "blocking": False,
        },
        {"port_request_id": "PR-3", "number": "415-555-2673", "status": "ported", "blocking": True},
        {"port_request_id": "PR-4", "number": "415-555-2673", "status": "draft", "blocking": False},
    )
    result = account.in_other_port(batch, requests)
    assert found(result, "related") == [(0, "PR-1 (pending)"), (2, "PR-3 (ported)")]
    assert "port request PR-1 (pending) already moves it" in result.item(0, "fix")
    assert "PR-3 (ported) has ported it already" in result.item(1, "fix")  # nothing to wait for


def test_already_tracking_names_the_tracking_number() -> None:
    batch = batch_of({"number": "4155552671"}, {"number": "4155552672"})
    tracking = table_of({"id": "TN-9", "name": "Main line", "number": "+14155552671"})
    assert found(account.already_tracking(batch, tracking), "related") == [
        (0, "tracking number TN-9 'Main line'")
    ]


def test_receiving_number_lists_forwarding_trackers() -> None:
    """Active receiving numbers, and numbers tracking numbers forward to that the export does
    not list (porting one cuts their calls off too); an inactive one is left (SPEC 1.2)."""
    batch = batch_of(
        {"number": "4155550000"},
        {"number": "4155550001"},
        {"number": "4155550002"},
        {"number": "4155550003"},
    )
    receiving_numbers = table_of(
        {"number": "415-555-0000", "active": True},
        {"number": "415-555-0001", "active": False},
        {"number": "415-555-0002", "active": True},
    )
    tracking = table_of(
        {"number": "4155552671", "receiving_number": "4155550000"},
        {"number": "4155552672", "receiving_number": "(415) 555-0000"},
        {"number": "4155552673", "receiving_number": "4155550001"},
        {"number": "4155552674", "receiving_number": "4155550003"},  # not in the export
    )
    result = account.receiving_number(batch, receiving_numbers, tracking)
    assert found(result, "related", "detail") == [
        (0, "tracking numbers +14155552671, +14155552672", "2 tracking number(s) forward to it"),
        (2, None, "no tracking number forwards to it now"),
        (
            3,
            "tracking numbers +14155552674",
            "1 tracking number(s) forward to it (the receiving_numbers export does not list it)",
        ),
    ]
    assert result.item(0, "fix").startswith(
        "Point these at another receiving number first: tracking numbers +14155552671"
    )
    assert result.item(2, "fix") == (
        "Point these at another receiving number first: tracking numbers +14155552674; "
        "then port it."
    )


def test_failsafe_and_user_assigned() -> None:
    batch = batch_of({"number": "4155552671"}, {"number": "4155552672"})
    assert found(account.failsafe_number(batch, table_of({"number": "4155552671"})), "code") == [
        (0, "FAILSAFE_NUMBER")
    ]
    users = table_of(
        {"user_id": "U-7", "name": "Jane Doe", "number": "415 555 2672"},
        {"user_id": "U-8", "name": "No Phone", "number": None},
    )
    assert found(account.user_assigned(batch, users), "related") == [(1, "user U-7 'Jane Doe'")]


def test_routing_name_gives_the_id_and_unknown_ids_are_flagged() -> None:
    batch = batch_of(
        {"number": "1", "routing_id": "Sales Queue"},
        {"number": "2", "routing_id": " rt-200 "},
        {"number": "3", "routing_id": "RT-999"},
        {"number": "4"},
        {"number": "5", "routing_id": "RT-200\u200b"},  # an ID with a zero-width space
        {"number": "6", "routing_id": "\uff32\uff34-200"},  # full-width letters
        {"number": "7", "routing_id": "Sales\u00a0Queue"},  # a name with a non-breaking space
    )
    table = table_of({"routing_id": "RT-200", "name": "Sales Queue", "active": True}, numbers=False)
    named = routing.routing_name_not_id(batch, table)
    assert found(named, "related") == [(0, "RT-200"), (6, "RT-200")]
    assert named.item(0, "fix") == "Use the routing ID RT-200 instead of the name."
    assert found(routing.unknown_routing_id(batch, table), "detail") == [
        (2, "'RT-999' is not in the account")
    ]


def test_a_routing_name_fix_names_only_an_active_routing() -> None:
    """Not an inactive routing's ID, and not two IDs to paste as one."""
    batch = batch_of(
        {"number": "1", "routing_id": "Old Voicemail"},
        {"number": "2", "routing_id": "Front Desk"},
        {"number": "3", "routing_id": "Billing"},
    )
    table = table_of(
        {"routing_id": "RT-9", "name": "Old Voicemail", "active": False},
        {"routing_id": "RT-1", "name": "Front Desk", "active": True},
        {"routing_id": "RT-2", "name": "Front Desk", "active": True},
        {"routing_id": "RT-3", "name": "Billing", "active": False},
        {"routing_id": "RT-4", "name": "Billing", "active": True},
        numbers=False,
    )
    fixes = routing.routing_name_not_id(batch, table).get_column("fix").to_list()
    assert fixes == [
        "Routing RT-9 of this name is inactive: use an active routing's ID instead, or have "
        "it made active in the account first.",
        "Routings RT-1, RT-2 all have this name: use the ID of the one meant instead of the name.",
        "Use the routing ID RT-4 instead of the name.",
    ]


def test_receiving_number_must_be_valid_and_not_itself_ported() -> None:
    batch = batch_of(
        {"number": "4155552671", "receiving_number": "4155552672"},
        {"number": "4155552672", "receiving_number": "not a number"},
        {"number": "4155552673", "receiving_number": "+44 20 7946 0958"},
        {"number": "4155552674", "receiving_number": "4155550000 x5"},
    )
    assert found(receiving.invalid_receiving_number(batch), "code") == [
        (1, "INVALID_RECEIVING_NUMBER"),
        (3, "INVALID_RECEIVING_NUMBER"),
    ]
    ported = batch.filter(pl.col("row_id").is_in([0, 1]))
    assert found(receiving.routes_to_ported_number(batch, ported), "related") == [
        (0, "list.csv, row 3")
    ]
    assert receiving.routes_to_ported_number(batch, ported.head(1)).is_empty()
