"""The pipeline as a whole: every row lands exactly once; nothing a spreadsheet runs gets out."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import tempfile
from pathlib import Path

import openpyxl
import polars as pl
import xlsxwriter
from hypothesis import given, settings
from hypothesis import strategies as st

from portflow.pipeline import CheckOptions, CheckResult, run_check
from tests.helpers import MINIMAL_ACCOUNTS, write_accounts
from tests.numbers.strategies import ANY_VALUE

ACCOUNTS = {
    **MINIMAL_ACCOUNTS,
    "tracking_numbers": "id,name,number,receiving_number\nTN-1,Main,4155552671,4155550000\n",
    "receiving_numbers": "number,active\n4155550000,true\n",
    "routing": "routing_id,name\nRT-1,Sales\n",
}
FIELDS = ["Phone", "Routing", "Service", "Forward To", "Notes"]
# Control characters make a file look binary (refused, exit 2): tests/readers covers that.
PRINTABLE = st.characters(blacklist_categories=("Cc", "Cs"))
VALUE = ANY_VALUE.map(lambda value: "".join(c for c in value if c.isprintable()))
ROW = st.fixed_dictionaries(
    {
        "Phone": st.one_of(st.none(), VALUE, st.sampled_from(["4155552671", "4155550000"])),
        "Routing": st.sampled_from(["", "RT-1", "Sales", "RT-9"]),
        "Service": st.sampled_from(["", "voice", "fax", "sms"]),
        "Forward To": st.sampled_from(["", "4155550000", "bad", "4155552672"]),
        "Notes": st.text(alphabet=PRINTABLE, max_size=8),
    }
)


def checked(listing: Path, accounts: Path, out: Path) -> CheckResult:
    """`portflow check LISTING` on 2026-11-26, in-process."""
    options = CheckOptions(
        inputs=(str(listing),), accounts=accounts, out=out, run_date=dt.date(2026, 11, 26)
    )
    return run_check(options)


def csv_text(rows: list[dict[str, str | None]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=FIELDS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


@settings(max_examples=40)
@given(rows=st.lists(ROW, min_size=1, max_size=25))
def test_every_row_is_accepted_rejected_or_fax_exactly_once(
    rows: list[dict[str, str | None]],
) -> None:
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        accounts = write_accounts(folder / "accounts", ACCOUNTS)
        listing = folder / "list.csv"
        listing.write_bytes(csv_text(rows).encode("utf-8"))
        result = checked(listing, accounts, folder / "out")
    summary = result.summary
    assert summary["rows"] == summary["accepted"] + summary["rejected"] + summary["fax"]
    assert summary["rows"] + summary["skipped_blank"] <= len(rows)
    landed = [
        *result.outcome.rejected.get_column("source_row"),
        *result.outcome.configured.get_column("source_row"),
        *result.outcome.fax.get_column("source_row"),
    ]
    assert sorted(landed) == sorted(set(landed))
    assert sum(summary["rejects_by_reason"].values()) == summary["rejected"]


def test_nothing_in_any_output_starts_a_formula(tmp_path: Path) -> None:
    accounts = write_accounts(tmp_path / "accounts", ACCOUNTS)
    rows = [
        ["Phone", "=cmd|' /C calc'!A0", "Notes", "Forward To"],
        ['=HYPERLINK("http://x","y")', "+1+1", "-2", "+1-415-555-2671"],
        ["+14155552673", "@SUM(1)", "\tTab", "+14155550000"],
        ["+1-415-555-2674", "=1", "fine", ""],
        ["+14155552675", " =1+1", "\u00a0@SUM(1)", ""],  # after a space a CSV import may trim
        ["+14155552676", "\uff1d1+1", "\u200b=1+1", ""],  # full-width =, zero-width space
    ]
    book = xlsxwriter.Workbook(str(tmp_path / "evil.xlsx"), {"strings_to_formulas": False})
    sheet = book.add_worksheet("@evil")
    for number, row in enumerate(rows):
        sheet.write_row(number, 0, row)
    book.close()
    (tmp_path / "evil.csv").write_text(
        "".join(
            ",".join(f'"{v.replace(chr(34), chr(34) * 2)}"' for v in row) + "\n" for row in rows
        ),
        encoding="utf-8",
    )
    check = openpyxl.load_workbook(tmp_path / "evil.xlsx")["@evil"]
    assert check["B1"].value == "=cmd|' /C calc'!A0" and check["B1"].data_type == "s"
    out = tmp_path / "out"
    run_check(
        CheckOptions(
            inputs=(str(tmp_path / "evil.xlsx"), str(tmp_path / "evil.csv")),
            accounts=accounts,
            out=out,
            run_date=dt.date(2026, 11, 26),
        )
    )
    formula = re.compile(r"[\s\u200b\ufeff]*[=+\-@\uff1d\uff0b\uff0d\uff20]|[\t\r]")

    def risky(text: str) -> bool:
        return formula.match(text) is not None

    for path in out.rglob("*.csv"):
        frame = pl.read_csv(path, infer_schema=False, encoding="utf8")
        assert not any(risky(name) for name in frame.columns), path
        for row in frame.iter_rows():
            for value in row:
                text = value or ""
                assert not risky(text) or (text.startswith("+1") and text[1:].isdigit()), (
                    path,
                    text,
                )
    for path in out.rglob("*.xlsx"):
        for sheet in openpyxl.load_workbook(path).worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    assert cell.data_type != "f"
                    text = str(cell.value or "")
                    assert not risky(text) or text[1:].isdigit(), (path, text)
    rejects = pl.read_csv(out / "rejects.csv", infer_schema=False)
    assert "'=cmd|' /C calc'!A0" in rejects.columns
    assert '\'=HYPERLINK("http://x","y")' in rejects.get_column("raw_number").to_list()
    assert "'+1-415-555-2674" in rejects.get_column("raw_number").to_list()
    for path in out.rglob("*.md"):
        for line in path.read_text().splitlines():
            for cell in line.strip("|").split("|")[1:] if line.startswith("|") else []:
                text = cell.strip()
                assert not risky(text) or text[1:].isdigit(), (path, text)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["inputs"][0]["sheet"] == "@evil"  # JSON is data, not a spreadsheet


def test_input_columns_named_like_portflows_own_are_carried(tmp_path: Path) -> None:
    """`e164_key` is the rules' join key: a customer's column of that name crashed them."""
    accounts = write_accounts(
        tmp_path / "accounts",
        {**ACCOUNTS, "port_requests": "port_request_id,number,status\nPR-1,4155550001,foc\n"},
    )
    listing = tmp_path / "list.csv"
    listing.write_text("Phone,e164_key,row_id\n4155552673,abc,7\n4155550001,def,8\n")
    result = checked(listing, accounts, tmp_path / "out")
    configured = result.outcome.configured
    assert configured.select("e164", "e164_key (input)", "row_id (input)").rows() == [
        ("+14155552673", "abc", "7")
    ]
    assert result.outcome.rejected.get_column("reason_code").to_list() == ["IN_OTHER_PORT"]


def test_numbers_configured_with_an_inactive_routing_are_counted_in_the_summary(
    tmp_path: Path,
) -> None:
    """A routing given by its ID is accepted when inactive (SPEC 2 refuses unknown IDs), but
    its calls go nowhere: the summary says so, not only each row's warnings cell."""
    accounts = write_accounts(
        tmp_path / "accounts",
        {**ACCOUNTS, "routing": "routing_id,name,active\nRT-1,Sales,false\nRT-2,Old,true\n"},
    )
    listing = tmp_path / "list.csv"
    listing.write_text("Phone,Routing\n4155552673,RT-1\n4155552674,rt-1\n4155552675,RT-2\n")
    warnings = checked(listing, accounts, tmp_path / "out").summary["warnings"]
    assert [w for w in warnings if "inactive" in w] == [
        "2 accepted number(s) are configured with routing RT-1, which is inactive in the "
        "account: activate it, or give those rows an active routing's ID"
    ]


def test_a_ticket_without_an_account_id_is_warned_about(tmp_path: Path) -> None:
    """Its subject said '(account ID not known: pass --account-id)' without a word on the
    console or in the summary."""
    accounts = write_accounts(tmp_path / "accounts", ACCOUNTS)  # no account_id column
    listing = tmp_path / "list.csv"
    listing.write_text("Phone,Service\n4155552673,fax\n4155552674,voice\n")
    result = checked(listing, accounts, tmp_path / "out")
    assert "tickets/fax_ticket.md" in result.written
    assert [w for w in result.summary["warnings"] if "account ID" in w] == [
        "tickets/fax_ticket.md names no account ID: pass --account-id (the tracking_numbers "
        "export gives no single account_id)"
    ]
    options = CheckOptions(
        inputs=(str(listing),),
        accounts=accounts,
        out=tmp_path / "named",
        run_date=dt.date(2026, 11, 26),
        account_id="ACC-1",
    )
    assert not [w for w in run_check(options).summary["warnings"] if "account ID" in w]
