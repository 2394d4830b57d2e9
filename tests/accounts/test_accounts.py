"""Account exports: found, validated (errors name table, row and column), normalised."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from portflow.accounts import load_accounts
from portflow.errors import AccountExportError
from tests.helpers import MINIMAL_ACCOUNTS, NORMALISER, write_accounts


def test_tables_load_from_csv_and_xlsx_with_numbers_normalised(tmp_path: Path) -> None:
    folder = write_accounts(
        tmp_path / "acct",
        {
            **MINIMAL_ACCOUNTS,
            "tracking_numbers": "ID,Name,Number,Routing ID,Receiving Number,Account ID\n"
            "TN-1,Main,(415) 555-2671,RT-1,415.555.0000,ACC-1\n",
            "receiving_numbers": "id,name,number,active\nR-1,Front,4155550000,TRUE\n"
            "R-2,Old,4155550001,no\nR-3,Blank,4155550002,\n",
            "port_requests": "port_request_id,number,status\nPR-1,4155552671,In Progress\n"
            "PR-2,4155552672,Cancelled\nPR-3,4155552673,exception\n",
        },
    )
    (folder / "users.csv").unlink()
    book = openpyxl.Workbook()
    book.active.append(["user_id", "name", "number"])
    book.active.append(["U-1", "Ann", 4155552674])
    book.active.append(["U-2", "No phone", None])
    book.save(folder / "users.xlsx")
    accounts = load_accounts(folder, normaliser=NORMALISER)
    tracking = accounts.tables["tracking_numbers"]
    assert tracking is not None
    assert tracking.select("e164", "receiving_e164", "routing_id").rows() == [
        ("+14155552671", "+14155550000", "RT-1")
    ]
    receiving = accounts.tables["receiving_numbers"]
    assert receiving is not None
    assert receiving.get_column("active").to_list() == [True, False, True]
    requests = accounts.tables["port_requests"]
    assert requests is not None
    assert requests.select("status", "blocking").rows() == [
        ("in_progress", True),
        ("cancelled", False),
        ("exception", True),
    ]
    assert any("unknown port request status(es) exception" in w for w in accounts.warnings)
    users = accounts.tables["users"]
    assert users is not None and users.get_column("e164").to_list() == ["+14155552674", None]


def test_a_missing_table_names_the_files_expected(tmp_path: Path) -> None:
    tables = dict(MINIMAL_ACCOUNTS)
    del tables["users"], tables["routing"]
    folder = write_accounts(tmp_path / "acct", tables)
    with pytest.raises(AccountExportError) as error:
        load_accounts(folder, normaliser=NORMALISER)
    message = str(error.value)
    assert "users.csv or users.xlsx" in message and "routing.csv or routing.xlsx" in message
    assert "--allow-missing users" in message


def test_allow_missing_skips_the_check_and_says_so(tmp_path: Path) -> None:
    tables = dict(MINIMAL_ACCOUNTS)
    del tables["users"]
    accounts = load_accounts(
        write_accounts(tmp_path / "acct", tables), normaliser=NORMALISER, allow_missing={"users"}
    )
    assert accounts.tables["users"] is None
    assert accounts.skipped_checks == ["USER_ASSIGNED not checked: table users was not provided"]


def test_without_port_requests_the_open_request_part_of_routes_to_ported_is_named(
    tmp_path: Path,
) -> None:
    """ROUTES_TO_PORTED_NUMBER looks in the port_requests export too: without it, a number
    an open request moves is not found, and the summary says so."""
    tables = dict(MINIMAL_ACCOUNTS)
    del tables["port_requests"]
    folder = write_accounts(tmp_path / "acct", tables)
    accounts = load_accounts(folder, normaliser=NORMALISER, allow_missing={"port_requests"})
    assert accounts.skipped_checks == [
        "IN_OTHER_PORT (and ROUTES_TO_PORTED_NUMBER for numbers in open port requests) not "
        "checked: table port_requests was not provided"
    ]


@pytest.mark.parametrize(
    ("table", "text", "expected"),
    [
        (
            "tracking_numbers",
            "id,number\nTN-1,4155552671\nTN-2,\n",
            "row 3, column number): empty; every row needs a value here",
        ),
        (
            "receiving_numbers",
            "number,active\n4155550000,maybe\n",
            "row 2, column active): 'maybe' is not true or false",
        ),
        (
            "routing",
            "routing_id,name\nRT-1,A\nRT-1,B\n",
            "column routing_id): 'RT-1' appears more than once",
        ),
        (
            "port_requests",
            "port_request_id,number\nPR-1,4155552671\n",
            "no status column (columns found: port_request_id, number)",
        ),
        ("failsafe_numbers", "phone_ext\n12\n", "no header row with a number column"),
    ],
)
def test_malformed_exports_name_table_row_and_column(
    tmp_path: Path, table: str, text: str, expected: str
) -> None:
    folder = write_accounts(tmp_path / "acct", {**MINIMAL_ACCOUNTS, table: text})
    with pytest.raises(AccountExportError) as error:
        load_accounts(folder, normaliser=NORMALISER)
    message = str(error.value)
    assert message.startswith(f"account table {table} (") and expected in message
    assert "\n" not in message


def test_two_exports_of_one_table_are_refused(tmp_path: Path) -> None:
    folder = write_accounts(tmp_path / "acct", MINIMAL_ACCOUNTS)
    openpyxl.Workbook().save(folder / "users.xlsx")
    with pytest.raises(AccountExportError, match="both users.csv and users.xlsx"):
        load_accounts(folder, normaliser=NORMALISER)


def test_a_table_that_is_a_folder_is_named_as_such(tmp_path: Path) -> None:
    """Not "missing from acct", which sends the user looking for a file that is there."""
    folder = write_accounts(tmp_path / "acct", MINIMAL_ACCOUNTS)
    (folder / "routing.csv").unlink()
    (folder / "routing.csv").mkdir()
    with pytest.raises(AccountExportError, match=r"routing.csv is a folder, not the exported"):
        load_accounts(folder, normaliser=NORMALISER)


def test_optional_columns_may_be_absent(tmp_path: Path) -> None:
    folder = write_accounts(
        tmp_path / "acct",
        {
            **MINIMAL_ACCOUNTS,
            "tracking_numbers": "number\n4155552671\n",
            "receiving_numbers": "number\n4155550000\n",
            "routing": "routing_id,name\nRT-1,Sales\n",
        },
    )
    accounts = load_accounts(folder, normaliser=NORMALISER)
    receiving = accounts.tables["receiving_numbers"]
    routing = accounts.tables["routing"]
    assert receiving is not None and receiving.get_column("active").to_list() == [True]
    assert routing is not None and routing.get_column("active").to_list() == [True]


def test_a_stray_quote_in_an_export_costs_its_row_and_is_named(tmp_path: Path) -> None:
    """A `5" sign` name in a tracking export without a final line break made polars read
    every later row into that cell: those tracking numbers were ported as new, unwarned."""
    tables = dict(MINIMAL_ACCOUNTS)
    tables["tracking_numbers"] = (
        'id,name,number\nTN-1,"ACC (5" sign)",4155552671\nTN-2,"Main",4155552672\n'
        'TN-3,"Side",4155552673'
    )
    accounts = load_accounts(write_accounts(tmp_path / "acct", tables), normaliser=NORMALISER)
    tracking = accounts.tables["tracking_numbers"]
    assert tracking is not None
    assert tracking.get_column("e164").to_list() == ["+14155552671", "+14155552672", "+14155552673"]
    assert any("quotes do not pair up in row(s) 2" in w for w in accounts.warnings)
