"""The reconciliation on a scenario: requests moved through the lifecycle, exports changed."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from portflow.porting import SqliteSystem
from tests.e2e.cli import INPUTS, REPO, portflow

SAMPLES = REPO / "data" / "samples"


def run(*args: str) -> str:
    result = portflow(*args)
    assert result.code == 0, result.stderr
    return result.stdout


def findings(out: Path) -> pl.DataFrame:
    return pl.read_csv(out / "reconciliation.csv", infer_schema=False)


@pytest.fixture
def scenario(tmp_path: Path) -> tuple[Path, str, Path]:
    """Samples submitted in requests of 10, then moved by the 'carrier', exports refreshed."""
    system = f"sqlite:///{tmp_path / 'ps.db'}"
    run(
        "submit",
        str(SAMPLES / "acme_wave1_clinics.csv"),
        "--accounts",
        str(SAMPLES / "accounts"),
        "--manifest",
        str(SAMPLES / "manifest.yaml"),
        "--out",
        str(tmp_path / "submitted"),
        "--system",
        system,
        "--run-date",
        "2026-11-26",
        "--max-per-request",
        "10",
        "-q",
    )
    moves = [
        ("PR-000001", "exception", "--reason", "6P"),
        ("PR-000002", "exception", "--reason", "ZZ9"),
        ("PR-000003", "foc", "--foc-date", "2026-12-20"),
        ("PR-000004", "complete"),
        ("PR-000005", "complete"),
        ("PR-000006", "cancelled"),
    ]
    for request_id, status, *extra in moves:
        run("system", "set-status", request_id, status, *extra, "--system", system)
    numbers = pl.read_csv(tmp_path / "submitted" / "submitted.csv", infer_schema=False)
    configured = pl.read_csv(tmp_path / "submitted" / "configured_numbers.csv", infer_schema=False)

    def of(request_id: str) -> list[str]:
        return numbers.filter(pl.col("port_request_id") == request_id)["e164"].to_list()

    accounts = tmp_path / "accounts"
    shutil.copytree(SAMPLES / "accounts", accounts)
    routing = dict(configured.select("e164", "routing_id").iter_rows())
    ported = of("PR-000005")  # complete and configured, one of them routed elsewhere
    with (accounts / "tracking_numbers.csv").open("a") as tracking:
        for position, e164 in enumerate(ported):
            wrong = position == 0
            tracking.write(
                f"TN-NEW-{position},Ported,{e164},"
                f"{'RT-1009' if wrong else routing[e164] or ''},,ACC-20418\n"
            )
    pending = of("PR-000007")
    with (accounts / "receiving_numbers.csv").open("a") as receiving:
        receiving.write(f"RN-NEW,New front desk,{pending[0]},true\n")
    with (accounts / "failsafe_numbers.csv").open("a") as failsafe:
        failsafe.write(f"{pending[1]}\n")
    with (accounts / "port_requests.csv").open("a") as export:
        for e164 in of("PR-000003"):
            export.write(f"PR-000003,{e164},pending\n")  # foc in the system: both active
        for e164 in of("PR-000001"):
            export.write(f"PR-000001,{e164},pending\n")  # exception: still active, agrees
        for e164 in of("PR-000004"):
            export.write(f"PR-000004,{e164},in_progress\n")  # the system says complete
        for e164 in of("PR-000008")[1:]:
            export.write(f"PR-000008,{e164},submitted\n")  # agrees, but lacks one number
    return accounts, system, tmp_path


def test_every_finding_code_and_new_on_the_next_run(scenario: tuple[Path, str, Path]) -> None:
    accounts, system, tmp_path = scenario
    # Past the US window (28 days) of the submission (--run-date 2026-11-26), and after
    # today: the requests' cancellations carry the real date.
    first_night = max(dt.date.today(), dt.date(2026, 11, 26)) + dt.timedelta(days=45)
    state = str(tmp_path / "state.db")

    def nightly(number: int) -> str:
        night = (first_night + dt.timedelta(days=number - 1)).isoformat()
        return run(
            "reconcile",
            "--accounts",
            str(accounts),
            "--system",
            system,
            "--state",
            state,
            "--run-date",
            night,
            "--out",
            str(tmp_path / f"night{number}"),
        )

    first = nightly(1)
    report = findings(tmp_path / "night1")
    by_code = dict(report.group_by("code").len().iter_rows())
    assert set(by_code) == {
        "CARRIER_EXCEPTION",
        "OVERDUE",
        "NEW_CONFLICT",
        "COMPLETED_NOT_CONFIGURED",
        "ROUTING_MISMATCH",
        "STATUS_MISMATCH",
    }
    assert by_code["CARRIER_EXCEPTION"] == 20 and by_code["COMPLETED_NOT_CONFIGURED"] == 10
    assert by_code["ROUTING_MISMATCH"] == 1 and by_code["NEW_CONFLICT"] == 2
    assert by_code["STATUS_MISMATCH"] == 10 + 1  # PR-000004's ten, PR-000008's missing one
    mismatched = set(report.filter(pl.col("code") == "STATUS_MISMATCH")["port_request_id"])
    assert mismatched == {"PR-000004", "PR-000008"}
    overdue = report.filter(pl.col("code") == "OVERDUE")
    assert set(overdue["status"]) == {"submitted", "foc"}  # exceptions are their own finding
    assert by_code["OVERDUE"] == 10 + 10 + 10 + 4 + 2  # PR-000003 (foc), 7, 8, 9, 10
    assert set(report["new"]) == {"yes"}
    pin = report.filter(
        (pl.col("code") == "CARRIER_EXCEPTION") & (pl.col("port_request_id") == "PR-000001")
    ).row(0, named=True)
    assert "PIN" in pin["detail"] and "current account PIN" in pin["action"]
    unknown = report.filter(pl.col("port_request_id") == "PR-000002").row(0, named=True)
    assert "ZZ9: a code portflow does not know" in unknown["detail"]
    conflicts = report.filter(pl.col("code") == "NEW_CONFLICT")["detail"].to_list()
    assert any("active receiving number" in d for d in conflicts)
    assert any("fail-safe" in d for d in conflicts)
    assert not report.filter(pl.col("port_request_id") == "PR-000006").height  # cancelled
    assert f"{report.height} finding(s), {report.height} new" in first

    again = nightly(1)  # the same night again replaces it: still compared with no night
    assert ", 0 new," not in again
    second = nightly(2)
    assert set(findings(tmp_path / "night2")["new"]) == {"no"}
    assert ", 0 new," in second

    run("system", "set-status", "PR-000009", "exception", "--reason", "4P", "--system", system)
    run("system", "set-status", "PR-000002", "cancelled", "--system", system)
    nightly(3)
    third = findings(tmp_path / "night3")
    new = third.filter(pl.col("new") == "yes")
    assert set(new["code"]) == {"CARRIER_EXCEPTION"}
    assert set(new["port_request_id"]) == {"PR-000009"}
    summary = json.loads((tmp_path / "night3" / "summary.json").read_text())
    # PR-000009's four OVERDUE (now an exception); PR-000002's ten exceptions are gone
    # because it was cancelled, which resolves nothing
    assert summary["resolved_since_previous"] == 4
    assert summary["ended_by_cancellation"] == 10
    assert summary["new_findings"] == new.height == 4  # PR-000009 holds the last 4 numbers


def test_the_reconciliation_workbook_opens_on_its_summary(scenario: tuple[Path, str, Path]) -> None:
    accounts, system, tmp_path = scenario
    run(
        "system",
        "set-status",
        "PR-000010",
        "exception",
        "--reason",
        '=HYPERLINK("x")',
        "--system",
        system,
    )
    run(
        "reconcile",
        "--accounts",
        str(accounts),
        "--system",
        system,
        "--state",
        str(tmp_path / "state.db"),
        "--out",
        str(tmp_path / "night"),
    )
    book = openpyxl.load_workbook(tmp_path / "night" / "reconciliation.xlsx")
    assert book.sheetnames == ["Summary", "Findings"]
    assert len(book["Summary"]._charts) == 1
    assert book["Findings"].freeze_panes == "A2"
    texts = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f"
                texts.append(str(cell.value or ""))
    assert '\'=HYPERLINK("x")' in texts  # the carrier reason, neutralised
    assert not any(t.startswith(("=", "@")) for t in texts)
    reasons = findings(tmp_path / "night")["carrier_reason"].to_list()
    assert '\'=HYPERLINK("x")' in reasons and '=HYPERLINK("x")' not in reasons


@pytest.mark.parametrize("named_by", ["--system", "PORTFLOW_SYSTEM_URL"])
def test_a_porting_system_that_does_not_exist_is_refused(tmp_path: Path, named_by: str) -> None:
    """Not made anew and empty: every request would look resolved since last night."""
    url = f"sqlite:///{tmp_path / 'typo.db'}"
    command = ["reconcile", "--accounts", str(SAMPLES / "accounts"), "--out", str(tmp_path)]
    if named_by == "--system":
        result = portflow(*command, "--system", url)
    else:
        result = portflow(*command, env={"PORTFLOW_SYSTEM_URL": url})
    assert result.code == 2 and "no porting system at" in result.stderr
    assert not (tmp_path / "typo.db").exists()


def test_an_accounts_symlink_switched_each_night_is_one_folder(tmp_path: Path) -> None:
    """`exports/current` pointed at each night's export: night 2 compares with night 1."""
    SqliteSystem(tmp_path / "ps.db")  # an empty porting system
    current = tmp_path / "current"
    run_ids = []
    for night in ("2026-12-01", "2026-12-02"):
        export = tmp_path / f"export-{night}"
        shutil.copytree(SAMPLES / "accounts", export)
        current.unlink(missing_ok=True)
        current.symlink_to(export)
        out = tmp_path / night
        run(
            "reconcile",
            *("--accounts", str(current), "--system", f"sqlite:///{tmp_path / 'ps.db'}"),
            *("--state", str(tmp_path / "state.db"), "--run-date", night, "--out", str(out)),
        )
        summary = json.loads((out / "summary.json").read_text())
        run_ids.append((summary["run_id"], summary["previous_run"]))
    assert run_ids[1][1] == run_ids[0][0]


def test_a_finding_gone_on_the_night_its_table_returns_is_resolved(
    scenario: tuple[Path, str, Path],
) -> None:
    """Night 1 finds PR-000004's numbers ported but not configured; night 2 has no tracking
    export; by night 3 they are configured: resolved (compared with night 1), none new."""
    accounts, system, tmp_path = scenario
    tracking = accounts / "tracking_numbers.csv"
    configured = pl.read_csv(tmp_path / "submitted" / "configured_numbers.csv", infer_schema=False)
    routing = dict(configured.select("e164", "routing_id").iter_rows())
    numbers = pl.read_csv(tmp_path / "submitted" / "submitted.csv", infer_schema=False)
    ported = numbers.filter(pl.col("port_request_id") == "PR-000004")["e164"].to_list()
    kept = tracking.read_text()
    nights = []
    for night in ("2027-02-01", "2027-02-02", "2027-02-03"):
        extra = []
        if night == "2027-02-02":
            tracking.unlink()
            extra = ["--allow-missing", "tracking_numbers"]
        if night == "2027-02-03":
            tracking.write_text(
                kept
                + "".join(
                    f"TN-C{k},Ported,{e164},{routing[e164] or ''},,ACC-20418\n"
                    for k, e164 in enumerate(ported)
                )
            )
        out = tmp_path / night
        run(
            "reconcile",
            *("--accounts", str(accounts), "--system", system, "--state", str(tmp_path / "s.db")),
            *("--run-date", night, "--out", str(out), *extra),
        )
        nights.append(json.loads((out / "summary.json").read_text()))
    first, _, third = nights
    assert first["findings_by_code"]["COMPLETED_NOT_CONFIGURED"] == 10
    assert "COMPLETED_NOT_CONFIGURED" not in third["findings_by_code"]
    assert (third["resolved_since_previous"], third["new_findings"]) == (10, 0)


def test_only_the_accounts_own_requests_are_reconciled(tmp_path: Path) -> None:
    """One porting system, two accounts (prefect.yaml's nightly per account): each night
    reported the other account's requests, and told operators to configure its numbers."""
    system = f"sqlite:///{tmp_path / 'ps.db'}"
    shutil.copytree(SAMPLES / "documents", tmp_path / "documents")
    other = tmp_path / "manifest.yaml"
    other.write_text((SAMPLES / "manifest.yaml").read_text().replace("ACC-20418", "ACC-99999", 1))
    listing = tmp_path / "other.csv"
    listing.write_text("Phone Number,Routing ID\n(312) 782-4470,RT-1001\n")
    for manifest, inputs in ((other, (str(listing),)), (SAMPLES / "manifest.yaml", INPUTS)):
        run(
            "submit",
            *inputs,
            *("--accounts", str(SAMPLES / "accounts"), "--manifest", str(manifest)),
            *("--out", str(tmp_path / manifest.parent.name), "--system", system),
            *("--run-date", "2026-11-26", "-q"),
        )
    run("system", "set-status", "PR-000001", "complete", "--system", system)  # ACC-99999's
    out = tmp_path / "night"
    night = ("reconcile", "--accounts", str(SAMPLES / "accounts"), "--system", system)
    run(
        *night, "--state", str(tmp_path / "state.db"), "--run-date", "2026-11-27", "--out", str(out)
    )
    summary = json.loads((out / "summary.json").read_text())
    assert summary["account_id"] == "ACC-20418"  # the tracking_numbers export's
    assert summary["requests"] == 12 and not any("no account ID" in w for w in summary["warnings"])
    assert "PR-000001" not in set(findings(out).get_column("port_request_id"))
    theirs = tmp_path / "theirs"
    state = ("--state", str(tmp_path / "state.db"), "--run-date", "2026-11-28")
    run(*night, "--account-id", "ACC-99999", *state, "--out", str(theirs))
    summary = json.loads((theirs / "summary.json").read_text())
    assert (summary["account_id"], summary["requests"]) == ("ACC-99999", 1)
    assert set(findings(theirs).get_column("port_request_id")) == {"PR-000001"}
    # Another account's night is not compared with this one's: nothing 'resolved'.
    assert (summary["previous_run"], summary["resolved_since_previous"]) == (None, 0)
    typo = tmp_path / "typo"
    run(*night, "--account-id", "acc-20418", *state, "--out", str(typo))
    summary = json.loads((typo / "summary.json").read_text())
    assert summary["requests"] == 0
    assert any("holds no request of account acc-20418" in w for w in summary["warnings"])
