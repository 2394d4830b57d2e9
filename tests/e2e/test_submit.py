"""`portflow submit` as an operator runs it, against the reference service on 127.0.0.1."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import http.server
import json
import os
import re
import shutil
import signal
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import polars as pl
import pytest
from openpyxl import load_workbook

from tests.e2e.cli import INPUTS, SAMPLES, portflow, start_portflow, submit_args
from tests.porting.service import TOKEN, Service, free_port, running_service

PIN, ACCOUNT_NUMBER = "0482", "831-204-5567-0001"  # as in data/samples/manifest.yaml
ENV = {
    "PORTFLOW_SYSTEM_TOKEN": TOKEN,
    "PORTFLOW_SYSTEM_ATTEMPTS": "5",
    "PORTFLOW_SYSTEM_BACKOFF": "0.05",
}


def numbers_in_system(db: Path) -> list[str]:
    with sqlite3.connect(db) as connection:
        return [row[0] for row in connection.execute("SELECT e164 FROM request_numbers")]


def requests_in_system(db: Path) -> int:
    with sqlite3.connect(db) as connection:
        return int(connection.execute("SELECT COUNT(*) FROM port_requests").fetchone()[0])


def submitted(out: Path) -> pl.DataFrame:
    return pl.read_csv(out / "submitted.csv", infer_schema=False)


def manifest_copy(folder: Path, changes: dict[str, str]) -> Path:
    """The sample manifest (and its documents) copied into `folder`, with lines changed."""
    if not (folder / "documents").exists():
        shutil.copytree(SAMPLES / "documents", folder / "documents")
    text = (SAMPLES / "manifest.yaml").read_text()
    for old, new in changes.items():
        assert old in text
        text = text.replace(old, new)
    path = folder / "manifest.yaml"
    path.write_text(text)
    return path


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    with running_service(tmp_path / "ps.db") as running:
        yield running


def test_a_rerun_creates_nothing_new_and_reports_the_requests(
    service: Service, tmp_path: Path
) -> None:
    first = portflow(*submit_args(service.url, tmp_path / "one"), env=ENV)
    assert first.code == 0, first.stderr
    summary = json.loads((tmp_path / "one" / "summary.json").read_text())
    created = summary["submission"]["created"]
    assert created == 12 and summary["submission"]["existing"] == 0
    second = portflow(*submit_args(service.url, tmp_path / "two"), env=ENV)
    assert second.code == 0, second.stderr
    again = json.loads((tmp_path / "two" / "summary.json").read_text())["submission"]
    assert (again["created"], again["existing"]) == (0, created)
    assert requests_in_system(service.db) == created
    assert submitted(tmp_path / "one").equals(submitted(tmp_path / "two"))
    numbers = numbers_in_system(service.db)
    assert len(numbers) == len(set(numbers)) == summary["accepted"]


def test_a_rerun_that_fails_half_way_still_lists_numbers_already_in_requests(
    service: Service, tmp_path: Path
) -> None:
    """An operator's re-run (or an inbox pass) that the porting system stops half way must
    not list numbers sitting in this account's requests as not_submitted."""
    first = portflow(*submit_args(service.url, tmp_path / "one"), env=ENV)
    assert first.code == 0, first.stderr
    service.plan_faults(*[503] * 50, after=3, method="POST")
    again = portflow(*submit_args(service.url, tmp_path / "two"), env=ENV)
    assert again.code == 4, again.stderr
    record = submitted(tmp_path / "two")
    assert record.filter(pl.col("status") == "not_submitted").height == 0
    assert (
        record.sort("e164")
        .select("e164", "port_request_id")
        .equals(submitted(tmp_path / "one").sort("e164").select("e164", "port_request_id"))
    )
    summary = json.loads((tmp_path / "two" / "summary.json").read_text())["submission"]
    assert summary["numbers_submitted"] == record.height and summary["created"] == 0


@pytest.mark.parametrize(("sent", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_push_stopped_by_hand_writes_down_what_it_submitted(
    service: Service, tmp_path: Path, sent: signal.Signals, code: int
) -> None:
    """Ctrl-C is what people press when a push waits (here: 60 s, as a 503 asked)."""
    service.plan_faults(503, retry_after="60", after=3)
    run = start_portflow(*submit_args(service.url, tmp_path / "out"), env=ENV)
    deadline = time.monotonic() + 60
    while not service.faults_served():
        assert run.poll() is None and time.monotonic() < deadline, run.communicate()
        time.sleep(0.05)
    run.send_signal(sent)
    _, errors = run.communicate(timeout=60)
    assert run.returncode == code, errors.decode()
    record = submitted(tmp_path / "out")
    made = record.filter(pl.col("status") == "submitted")
    assert made.get_column("port_request_id").n_unique() == 3 == requests_in_system(service.db)
    assert set(record.filter(pl.col("status") == "not_submitted").get_column("detail")) == {
        "the push was interrupted before this request was answered (it may have been made); "
        "run the same command again"
    }
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())["submission"]
    assert summary["stopped_by"] == "interrupted (Ctrl-C or SIGTERM)"


def test_service_killed_mid_submission_then_a_rerun_finishes(tmp_path: Path) -> None:
    db, port = tmp_path / "ps.db", free_port()
    with running_service(db, port=port) as service:
        service.plan_faults(*[503] * 50, after=8)  # 8 requests go through, then trouble
        run = start_portflow(
            *submit_args(service.url, tmp_path / "out", "--max-per-request", "5"), env=ENV
        )
        while not service.faults_served():
            time.sleep(0.05)
        service.kill()  # mid-submission, while the client is retrying
        _, errors = run.communicate(timeout=120)
    assert run.returncode == 4, errors.decode()
    assert "could not be reached" in errors.decode().splitlines()[-1]
    partial = submitted(tmp_path / "out")
    done = partial.filter(pl.col("status") == "submitted")
    assert done.get_column("port_request_id").n_unique() == 8 == requests_in_system(db)
    assert (
        partial.filter(pl.col("status") == "not_submitted").height
        == partial.height - done.height
        > 0
    )
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["submission"]["complete"] is False
    with running_service(db, port=port, faults=False) as service:
        rerun = portflow(
            *submit_args(service.url, tmp_path / "out", "--max-per-request", "5"), env=ENV
        )
    assert rerun.code == 0, rerun.stderr
    final = submitted(tmp_path / "out")
    assert set(final.get_column("status")) == {"submitted"}
    numbers = numbers_in_system(db)
    assert sorted(numbers) == sorted(final.get_column("e164")) and len(set(numbers)) == len(numbers)
    assert requests_in_system(db) == final.get_column("port_request_id").n_unique()


def test_submission_killed_mid_way_then_a_rerun_finishes(service: Service, tmp_path: Path) -> None:
    service.plan_faults(503, retry_after="60", after=5)  # the client waits 60 s after 5 requests
    run = start_portflow(
        *submit_args(service.url, tmp_path / "out", "--max-per-request", "5"), env=ENV
    )
    while not service.faults_served():
        time.sleep(0.05)
    run.kill()  # SIGKILL: no chance to write anything
    run.wait(timeout=30)
    assert requests_in_system(service.db) == 5
    rerun = portflow(*submit_args(service.url, tmp_path / "out", "--max-per-request", "5"), env=ENV)
    assert rerun.code == 0, rerun.stderr
    numbers = numbers_in_system(service.db)
    final = submitted(tmp_path / "out")
    assert sorted(numbers) == sorted(final.get_column("e164")) and len(set(numbers)) == len(numbers)


def test_exit_4_with_nothing_lost_when_the_system_stays_down(tmp_path: Path) -> None:
    down = f"http://127.0.0.1:{free_port()}"
    result = portflow(*submit_args(down, tmp_path / "out"), env=ENV)
    assert result.code == 4
    assert result.stderr.splitlines()[-1].startswith(
        f"portflow: error: porting system {down} could not be reached after 5 attempts"
    )
    assert result.stderr.splitlines()[-1].endswith(
        f"; what was and was not submitted is in {tmp_path / 'out' / 'submitted.csv'}"
    )
    out = tmp_path / "out"
    assert {
        "rejects.csv",
        "rejects.xlsx",
        "configured_numbers.csv",
        "submitted.csv",
        "summary.json",
    } <= {p.name for p in out.iterdir()}
    rows = submitted(out)
    assert set(rows.get_column("status")) == {"not_submitted"}
    summary = json.loads((out / "summary.json").read_text())
    assert rows.height == summary["accepted"] == summary["submission"]["numbers_not_submitted"]
    quiet = portflow(*submit_args(down, tmp_path / "quiet"), "-q", env=ENV)
    assert quiet.code == 4
    assert len(quiet.stderr.splitlines()) == 1, quiet.stderr  # the error; no retry warnings


def test_two_submissions_at_once_create_one_set(service: Service, tmp_path: Path) -> None:
    # Each submitter's first POST gets "429, retry after 2 s": all three then push together.
    service.plan_faults(429, 429, 429, retry_after="2")
    runs = [
        start_portflow(*submit_args(service.url, tmp_path / f"out{n}"), env=ENV) for n in range(3)
    ]
    for run in runs:
        _, errors = run.communicate(timeout=120)
        assert run.returncode == 0, errors.decode()
    assert requests_in_system(service.db) == 12
    numbers = numbers_in_system(service.db)
    assert len(numbers) == len(set(numbers))
    ids = [set(submitted(tmp_path / f"out{n}").get_column("port_request_id")) for n in range(3)]
    assert ids[0] == ids[1] == ids[2]
    assert service.faults_served() == [429, 429, 429]
    created = [
        json.loads((tmp_path / f"out{n}" / "summary.json").read_text())["submission"]["created"]
        for n in range(3)
    ]
    assert sum(created) == 12  # one submitter created each request; the others found it


def test_a_rerun_on_another_day_or_chunked_otherwise_finishes_nothing_twice(
    service: Service, tmp_path: Path
) -> None:
    first = portflow(*submit_args(service.url, tmp_path / "a", "--max-per-request", "5"), env=ENV)
    assert first.code == 0, first.stderr
    made = requests_in_system(service.db)
    later = portflow(
        *[
            a if a != "2026-11-26" else "2026-11-30"
            for a in submit_args(service.url, tmp_path / "b")
        ],
        env=ENV,
    )
    assert later.code == 0, later.stderr
    assert requests_in_system(service.db) == made
    again = json.loads((tmp_path / "b" / "summary.json").read_text())
    assert again["submission"]["created"] == 0 and again["submission"]["numbers_refused"] == 0
    assert again["submission"]["existing"] == made  # the requests that hold the numbers
    held = {r["port_request_id"]: r["numbers"] for r in again["submission"]["requests"]}
    assert len(held) == made and sum(held.values()) == again["submission"]["numbers_submitted"]
    assert again["submission"]["numbers_submitted"] == again["accepted"]
    rows = submitted(tmp_path / "b")
    assert set(rows.get_column("status")) == {"submitted"}  # nothing refused, nothing left
    assert rows.filter(pl.col("detail") == "submitted earlier for this account").height > 0


def test_a_rerun_after_the_export_lists_the_requests_finishes_the_same(
    service: Service, tmp_path: Path
) -> None:
    """The next night's port_requests export lists this submission's own requests: their
    numbers are submitted earlier, not IN_OTHER_PORT; another account's still are."""
    another_account_requests(service, tmp_path)  # PR-000001: +13127824400, 01
    first = portflow(*submit_args(service.url, tmp_path / "a"), env=ENV)
    assert first.code == 0, first.stderr
    made = requests_in_system(service.db)
    accounts = tmp_path / "refreshed"
    shutil.copytree(SAMPLES / "accounts", accounts)
    with sqlite3.connect(service.db) as connection:
        listed = connection.execute(
            "SELECT r.id, n.e164, r.status FROM request_numbers n "
            "JOIN port_requests r ON r.id = n.request_id"
        ).fetchall()
    with (accounts / "port_requests.csv").open("a") as export:
        export.writelines(f"{request},{number},{status}\n" for request, number, status in listed)
    again = portflow(
        *[
            str(accounts) if a == str(SAMPLES / "accounts") else a
            for a in submit_args(service.url, tmp_path / "b")
        ],
        env=ENV,
    )
    assert again.code == 0, again.stderr
    assert requests_in_system(service.db) == made
    ours = [  # (the other account's two are refused by the push, then by the check)
        submitted(tmp_path / out).filter(pl.col("status") == "submitted").drop("detail")
        for out in ("a", "b")
    ]
    assert ours[0].height == 185 and ours[0].equals(ours[1])
    rejects = pl.read_csv(tmp_path / "b" / "rejects.csv", infer_schema=False)
    related = " ".join(rejects.filter(pl.col("reason_code") == "IN_OTHER_PORT")["related"])
    assert "PR-000001 (submitted)" in related and "PR-000002" not in related


def first_of_two_submitted(service: Service, folder: Path, first: str, second: str) -> Path:
    """Two lists written; the first submitted (into folder/a). Returns the second's path."""
    paths = folder / "first.csv", folder / "second.csv"
    for path, text in zip(paths, (first, second), strict=True):
        path.write_text(text)
    made = portflow(*submit_args(service.url, folder / "a", inputs=(str(paths[0]),)), env=ENV)
    assert made.code == 0, made.stderr
    return paths[1]


def test_forwarding_to_a_number_of_this_accounts_open_request_is_still_refused(
    service: Service, tmp_path: Path
) -> None:
    """Its own requests are not IN_OTHER_PORT for submit, but their numbers are mid-port."""
    second = first_of_two_submitted(
        service,
        tmp_path,
        "Phone,Routing ID\n(312) 782-4402,RT-1001\n",
        "Phone,Routing ID,Forward To\n(312) 782-4410,RT-1001,(312) 782-4402\n",
    )
    accounts = tmp_path / "refreshed"
    shutil.copytree(SAMPLES / "accounts", accounts)
    with (accounts / "port_requests.csv").open("a") as export:
        export.write("PR-000001,+13127824402,submitted\n")
    args = submit_args(service.url, tmp_path / "b", inputs=(str(second),))
    args[args.index("--accounts") + 1] = str(accounts)
    again = portflow(*args, env=ENV)
    assert again.code == 3, again.stderr  # nothing left to submit
    rejects = pl.read_csv(tmp_path / "b" / "rejects.csv", infer_schema=False)
    assert rejects.select("e164", "reason_code").rows() == [
        ("+13127824410", "ROUTES_TO_PORTED_NUMBER")
    ]


def test_a_routing_changed_after_submission_is_named_not_dropped(
    service: Service, tmp_path: Path
) -> None:
    """The request stands as made; the run says which number it holds routed otherwise."""
    corrected = first_of_two_submitted(
        service,
        tmp_path,
        "Phone,Routing ID\n(312) 782-4402,RT-1005\n(312) 782-4403,RT-1004\n",
        "Phone,Routing ID\n(312) 782-4402,RT-1006\n(312) 782-4403,RT-1004\n",
    )
    again = portflow(*submit_args(service.url, tmp_path / "b", inputs=(str(corrected),)), env=ENV)
    assert again.code == 0, again.stderr
    assert "PR-000001 holds +13127824402 with routing_id RT-1005; this list gives RT-1006" in (
        " ".join(again.stderr.split())
    )
    rows = dict(submitted(tmp_path / "b").select("e164", "detail").iter_rows())
    assert "made with routing_id RT-1005, not this list's RT-1006" in rows["+13127824402"]
    assert "made with" not in (rows["+13127824403"] or "")
    summary = json.loads((tmp_path / "b" / "summary.json").read_text())["submission"]
    assert summary["configuration_differs"] == [
        {
            "port_request_id": "PR-000001",
            "e164": "+13127824402",
            "field": "routing_id",
            "request_has": "RT-1005",
            "list_has": "RT-1006",
        }
    ]


def another_account_requests(service: Service, folder: Path) -> None:
    """Another account's request, PR-000001, holding (312) 782-4400 and 4401 of the samples."""
    earlier = folder / "earlier.csv"
    earlier.write_text("Phone\n(312) 782-4400\n(312) 782-4401\n")
    other_account = manifest_copy(folder, {"account_id: ACC-20418": "account_id: ACC-77001"})
    first = portflow(
        *submit_args(service.url, folder / "first", inputs=(str(earlier),), manifest=other_account),
        env=ENV,
    )
    assert first.code == 0, first.stderr


def test_numbers_already_in_a_request_come_back_as_in_other_port(
    service: Service, tmp_path: Path
) -> None:
    another_account_requests(service, tmp_path)  # PR-000001: +13127824400, 01
    result = portflow(*submit_args(service.url, tmp_path / "out"), env=ENV)
    assert result.code == 0, result.stderr
    rejects = pl.read_csv(tmp_path / "out" / "rejects.csv", infer_schema=False)
    refused = rejects.filter(
        pl.col("e164").is_in(["+13127824400", "+13127824401"])
        & (pl.col("reason_code") == "IN_OTHER_PORT")
    )
    assert refused.select("e164", "related").rows() == [
        ("+13127824400", "PR-000001 (submitted)"),
        ("+13127824401", "PR-000001 (submitted)"),
    ]
    rows = submitted(tmp_path / "out").filter(pl.col("status") == "refused")
    assert sorted(rows.get_column("e164")) == ["+13127824400", "+13127824401"]
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["submission"]["numbers_refused"] == 2
    assert summary["rows"] == summary["accepted"] + summary["rejected"] + summary["fax"]


def test_numbers_freed_by_a_cancelled_request_go_in_a_follow_up_request(
    service: Service, tmp_path: Path
) -> None:
    """Refused while another account's PR-000001 held them; after it is cancelled, the same
    submission (whose requests exist: their keys answer as before) sends them, once."""
    another_account_requests(service, tmp_path)  # PR-000001: +13127824400, 01
    held = ["+13127824400", "+13127824401"]
    assert portflow(*submit_args(service.url, tmp_path / "out"), env=ENV).code == 0
    made = requests_in_system(service.db)
    cancel = ("system", "set-status", "PR-000001", "cancelled", "--system", service.url)
    assert portflow(*cancel, env=ENV).code == 0
    for run in ("again", "once-more"):
        result = portflow(*submit_args(service.url, tmp_path / run), env=ENV)
        assert result.code == 0, result.stderr
        assert requests_in_system(service.db) == made + 1  # the follow-up, made once
        rows = submitted(tmp_path / run).filter(pl.col("e164").is_in(held))
        assert rows.height == 2 and set(rows.get_column("status")) == {"submitted"}
        (follow_up,) = set(rows.get_column("port_request_id"))
        assert follow_up == f"PR-{made + 1:06d}"
        rejects = pl.read_csv(tmp_path / run / "rejects.csv", infer_schema=False)
        refused = rejects.filter(
            pl.col("e164").is_in(held), pl.col("reason_code") == "IN_OTHER_PORT"
        )
        assert refused.height == 0
        summary = json.loads((tmp_path / run / "summary.json").read_text())
        assert summary["submission"]["numbers_refused"] == 0
        assert summary["submission"]["numbers_submitted"] == summary["accepted"]
    assert sorted(numbers_in_system(service.db)).count("+13127824400") == 2  # 1 cancelled


def test_a_number_of_this_account_freed_since_goes_in_a_follow_up_request(
    service: Service, tmp_path: Path
) -> None:
    """PR-000001 (this account) held one number when the list was sent; cancelled since, a
    re-run must not report the number as submitted in it."""
    one = tmp_path / "one.csv"
    one.write_text("Phone Number,Routing ID\n(312) 782-4401,RT-1002\n")
    first = portflow(*submit_args(service.url, tmp_path / "one", inputs=(str(one),)), env=ENV)
    assert first.code == 0, first.stderr
    assert portflow(*submit_args(service.url, tmp_path / "all"), env=ENV).code == 0
    before = submitted(tmp_path / "all").filter(pl.col("e164") == "+13127824401")
    assert before.select("port_request_id", "detail").row(0) == (
        "PR-000001",
        "submitted earlier for this account",
    )
    made = requests_in_system(service.db)
    cancel = ("system", "set-status", "PR-000001", "cancelled", "--system", service.url)
    assert portflow(*cancel, env=ENV).code == 0
    assert portflow(*submit_args(service.url, tmp_path / "again"), env=ENV).code == 0
    after = submitted(tmp_path / "again").filter(pl.col("e164") == "+13127824401")
    assert after.select("port_request_id", "status").rows() == [(f"PR-{made + 1:06d}", "submitted")]


def test_check_asks_the_porting_system_given_by_option_or_environment(
    service: Service, tmp_path: Path
) -> None:
    another_account_requests(service, tmp_path)  # PR-000001: +13127824400, 01
    accounts = ("--accounts", str(SAMPLES / "accounts"), "--run-date", "2026-11-26")

    def in_other_port(out: Path) -> list[str]:
        rejects = pl.read_csv(out / "rejects.csv", infer_schema=False)
        hits = rejects.filter(pl.col("related").str.contains("PR-000001", literal=True))
        return sorted(hits.filter(pl.col("reason_code") == "IN_OTHER_PORT").get_column("e164"))

    runs = {
        "option": (("--system", service.url), ENV),
        "environment": ((), {**ENV, "PORTFLOW_SYSTEM_URL": service.url}),
        "neither": ((), ENV),
    }
    for name, (extra, env) in runs.items():
        result = portflow(
            "check", *INPUTS, *accounts, "--out", str(tmp_path / name), *extra, env=env
        )
        assert result.code == 0, result.stderr
    both = ["+13127824400", "+13127824401"]
    assert in_other_port(tmp_path / "option") == both
    assert in_other_port(tmp_path / "environment") == both
    assert in_other_port(tmp_path / "neither") == []


def test_the_tickets_take_the_account_id_of_the_manifest(service: Service, tmp_path: Path) -> None:
    # The tracking export says ACC-20418; the manifest of this request says otherwise.
    manifest = manifest_copy(tmp_path, {"account_id: ACC-20418": "account_id: ACC-77001"})
    result = portflow(*submit_args(service.url, tmp_path / "out", manifest=manifest), env=ENV)
    assert result.code == 0, result.stderr
    ticket = (tmp_path / "out" / "tickets" / "fax_ticket.md").read_text(encoding="utf-8")
    assert "Fax Porting Documentation - ACC-77001" in ticket
    assert "ACC-20418" not in ticket
    given = portflow(
        *submit_args(service.url, tmp_path / "given", manifest=manifest),
        "--account-id",
        "ACC-55555",
        env=ENV,
    )
    assert given.code == 0, given.stderr
    ticket = (tmp_path / "given" / "tickets" / "fax_ticket.md").read_text(encoding="utf-8")
    assert "Fax Porting Documentation - ACC-55555" in ticket


def test_a_wrong_token_is_refused_in_one_line(service: Service, tmp_path: Path) -> None:
    result = portflow(
        *submit_args(service.url, tmp_path / "out"),
        env={**ENV, "PORTFLOW_SYSTEM_TOKEN": "not-the-token"},
    )
    assert result.code == 2
    assert result.stderr.splitlines()[-1] == (
        f"portflow: error: porting system {service.url} refused the token (HTTP 401); "
        "check PORTFLOW_SYSTEM_TOKEN"
    )
    assert requests_in_system(service.db) == 0


def test_secrets_are_absent_from_outputs_and_logs(service: Service, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = portflow(
        "-v", *submit_args(service.url, out), env={**ENV, "PORTFLOW_LOG_LEVEL": "DEBUG"}
    )
    assert result.code == 0, result.stderr
    service.plan_faults(503, method="GET")  # a retry is logged too
    listing = portflow("-v", "requests", "--system", service.url, "--format", "csv", env=ENV)
    everything = [result.stdout, result.stderr, listing.stdout, listing.stderr]
    everything += [p.read_bytes().decode("utf-8", "replace") for p in out.rglob("*") if p.is_file()]
    for secret in (PIN, ACCOUNT_NUMBER, TOKEN):
        assert not any(secret in text for text in everything), secret
    assert "retrying" in listing.stderr and "created: PR-000001" in result.stderr


def test_not_ready_is_exit_3_with_the_checklist(service: Service, tmp_path: Path) -> None:
    manifest = manifest_copy(
        tmp_path, {'  pin: "0482"\n': "", "signed_on: 2026-11-18": "signed_on: 2026-06-01"}
    )
    out = tmp_path / "out"
    out.mkdir()
    earlier = "port_request_id,e164\nPR-000007,+13127824400\n"  # the only local list of it
    (out / "submitted.csv").write_text(earlier)
    result = portflow(*submit_args(service.url, out, manifest=manifest), env=ENV)
    assert result.code == 3
    assert "  [ ] PIN: missing" in result.stderr.splitlines()
    assert any(
        line.startswith("  [ ] Letter of Authorisation: signature dated 2026-06-01 is 178 days old")
        for line in result.stderr.splitlines()
    )
    assert "  [x] Carrier account number: given (not shown)" in result.stderr.splitlines()
    summary = json.loads((out / "summary.json").read_text())
    assert summary["readiness"]["ready"] is False and "submission" not in summary
    assert (out / "submitted.csv").read_text() == earlier and requests_in_system(service.db) == 0
    assert "submitted.csv is an earlier submit run's (this run submitted nothing)" in str(
        summary["warnings"]
    )


def test_nothing_to_submit_is_exit_3(service: Service, tmp_path: Path) -> None:
    listing = tmp_path / "bad.csv"
    listing.write_text("Phone\nnot a number\n")
    result = portflow(*submit_args(service.url, tmp_path / "out", inputs=(str(listing),)), env=ENV)
    assert result.code == 3
    assert result.stderr.splitlines()[-1] == (
        "portflow: error: not submitted: no number passed the check, so there is nothing to "
        f"submit (the check's reports are in {tmp_path / 'out'})"
    )
    listing.write_text("Phone,Service\nnot a number,voice\n(312) 782-4400,fax\n")
    fax_only = portflow(
        *submit_args(service.url, tmp_path / "fax", inputs=(str(listing),)), env=ENV
    )
    assert fax_only.code == 3
    assert fax_only.stderr.splitlines()[-1] == (
        "portflow: error: not submitted: no voice number passed the check (1 fax number(s) "
        "did: they go by ticket, tickets/fax_ticket.md), so there is nothing to submit (the "
        f"check's reports are in {tmp_path / 'fax'})"
    )
    assert (tmp_path / "fax" / "tickets" / "fax_ticket.md").is_file()


def test_requests_lists_as_table_and_csv(service: Service, tmp_path: Path) -> None:
    assert portflow(*submit_args(service.url, tmp_path / "out"), env=ENV).code == 0
    table = portflow("requests", "--system", service.url, env=ENV)
    assert table.code == 0 and "PR-000012" in table.stdout
    listing = portflow("requests", "--system", service.url, "--format", "csv", env=ENV)
    frame = pl.read_csv(listing.stdout.encode(), infer_schema=False)
    assert frame.columns[:4] == ["id", "status", "port_group", "numbers"]
    assert frame.height == 12 and set(frame.get_column("status")) == {"submitted"}


def test_requests_before_any_submission_is_an_empty_list(tmp_path: Path) -> None:
    env = {"PORTFLOW_DATA_DIR": str(tmp_path / "data")}  # the embedded store, not made yet
    listing = portflow("requests", env=env)
    assert listing.code == 0 and "No port requests in sqlite:///" in listing.stdout
    named = portflow("requests", "--system", f"sqlite:///{tmp_path / 'typo.db'}", env=env)
    assert named.code == 2 and "no porting system at" in named.stderr


def test_a_named_store_that_is_not_there_yet_is_made_with_a_warning(tmp_path: Path) -> None:
    """A typo, or a folder not mounted, would otherwise submit everything again unseen."""
    url = f"sqlite:///{tmp_path / 'new.db'}"
    first = portflow(*submit_args(url, tmp_path / "one"))
    assert first.code == 0, first.stderr
    assert f"porting system {url} did not exist: a new, empty store is made" in first.stderr
    again = portflow(*submit_args(url, tmp_path / "two"))
    assert again.code == 0 and "did not exist" not in again.stderr


@pytest.mark.parametrize("blocked_by", ["a file", "a tickets file", "another run"])
def test_an_out_folder_that_cannot_take_the_outputs_stops_before_submitting(
    tmp_path: Path, blocked_by: str
) -> None:
    """Else the requests are made, then exit 2 with no submitted.csv to say so."""
    out, db = tmp_path / "out", tmp_path / "ps.db"
    if blocked_by == "a file":
        out.write_text("not a folder")
    else:
        out.mkdir()
    if blocked_by == "a tickets file":
        (out / "tickets").write_text("in the way")
    with contextlib.ExitStack() as stack:
        if blocked_by == "another run":
            descriptor = os.open(out, os.O_RDONLY | os.O_DIRECTORY)
            stack.callback(os.close, descriptor)
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        result = portflow(*submit_args(f"sqlite:///{db}", out))
    assert result.code == 2, result.stderr
    assert not db.exists()  # the porting system was never asked


def test_a_losing_carrier_too_long_for_a_port_request_is_one_line(tmp_path: Path) -> None:
    """Was a 126-line pydantic traceback (exit 1) after the check."""
    rows = [
        ("(312) 782-4400", "RT-1001", "Verizon " * 40),  # 320 characters: a note?
        ("(312) 782-4401", "RT-1001", "Comcast Business Communications LLC " * 5),  # 180
    ]
    listing = tmp_path / "carriers.csv"
    listing.write_text(
        "Phone Number,Routing ID,Losing Carrier\n" + "".join(f"{a},{b},{c}\n" for a, b, c in rows)
    )
    db = tmp_path / "ps.db"
    result = portflow(*submit_args(f"sqlite:///{db}", tmp_path / "out", inputs=(str(listing),)))
    assert result.code == 2
    assert result.stderr.strip().splitlines()[-1] == (
        f"portflow: error: {listing}, row 2: the losing carrier is 320 characters long; "
        "a port request takes at most 200 (is something else in that column?)"
    )
    assert not db.exists()
    listing.write_text(
        "Phone Number,Routing ID,Losing Carrier\n"
        + "".join(f"{a},{b},{c}\n" for a, b, c in rows[1:])
    )
    again = portflow(*submit_args(f"sqlite:///{db}", tmp_path / "out", inputs=(str(listing),)))
    assert again.code == 0, again.stderr
    groups = pl.read_csv(tmp_path / "out" / "configured_numbers.csv").get_column("port_group")
    slug = ("comcast-business-communications-llc-" * 5).strip("-")
    cut = slug[:51].rstrip("-") + "-" + hashlib.sha256(slug.encode()).hexdigest()[:8]
    assert groups.to_list() == [f"US-geographic-{cut}"]


def test_set_status_moves_a_request_and_refuses_what_cannot_be(
    service: Service, tmp_path: Path
) -> None:
    assert portflow(*submit_args(service.url, tmp_path / "out"), env=ENV).code == 0
    system = ("--system", service.url)
    moved = portflow(
        "system", "set-status", "PR-000003", "exception", "--reason", "6P", *system, env=ENV
    )
    assert (moved.code, moved.stdout.strip()) == (0, "PR-000003: exception (6P)")
    no_reason = portflow("system", "set-status", "PR-000003", "exception", *system, env=ENV)
    assert no_reason.code == 2 and no_reason.stderr.splitlines() == [
        "portflow: error: an exception needs the carrier's reason code: --reason CODE"
    ]
    wrong = portflow("system", "set-status", "PR-000003", "complete", *system, env=ENV)
    assert wrong.code == 2 and "is exception; it cannot become complete" in wrong.stderr
    missing = portflow("system", "set-status", "PR-999999", "cancelled", *system, env=ENV)
    assert missing.code == 2 and "no port request PR-999999" in missing.stderr
    foc = portflow(
        "system", "set-status", "PR-000003", "foc", "--foc-date", "2026-12-15", *system, env=ENV
    )
    assert foc.stdout.strip() == "PR-000003: foc, FOC 2026-12-15"  # the exception is over


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["requests", "--system", "http://127.0.0.1:abc"], "Port could not be cast to integer"),
        (["requests", "--system", "ftp://example.com"], "use sqlite:///PATH or an http(s)://"),
        (
            ["requests", "--system", "http://user:pw@127.0.0.1:1"],
            "put the credentials in PORTFLOW_SYSTEM_TOKEN",
        ),
        (["requests", "--system", "sqlite:////nonexistent/ps.db"], "no porting system at"),
        (
            ["requests", "--system", "http://127.0.0.1:1/?api_key=s3cr3t"],
            "leave out the ?... part; a token goes in PORTFLOW_SYSTEM_TOKEN",
        ),
        # Too malformed for a host to be found: the credentials are still not printed.
        (["requests", "--system", "user:pw@127.0.0.1:1"], "'***@127.0.0.1:1': use sqlite"),
        (["requests", "--system", "https//u:pw@example.com"], "'***@example.com'"),
        (["requests", "--system", "https//u:p/pw@example.com/v1"], "'***@example.com/v1'"),
        (["requests", "--system", "https://u:p/pw@example.com/"], "credentials in PORTFLOW"),
        (["requests", "--system", "https//u:p?w#pw@example.com"], "'***@example.com'"),
        (["requests", "--system", "https://h.example/v1?by=ops@acme.example"], "leave out the ?"),
        (["requests", "--system", "HTTP://127.0.0.1:abc"], "Port could not be cast"),  # http
    ],
)
def test_a_bad_system_url_is_one_line(args: list[str], message: str) -> None:
    result = portflow(*args, env=ENV)
    assert result.code == 2 and len(result.stderr.splitlines()) == 1, result.stderr
    assert message in result.stderr and "pw" not in result.stderr


@pytest.mark.parametrize(
    "url", ["http://bob:PASSWDSECRET@127.0.0.1:1", "http://127.0.0.1:1/?api_key=PASSWDSECRET"]
)
def test_a_secret_in_the_system_url_is_refused_before_a_flow_run_records_it(
    tmp_path: Path, url: str
) -> None:
    home = tmp_path / "prefect-home"
    env = {**ENV, "PREFECT_HOME": str(home), "PREFECT_API_URL": ""}
    result = portflow(*submit_args(url, tmp_path / "out"), "--prefect", env=env)
    assert result.code == 2 and len(result.stderr.splitlines()) == 1, result.stderr
    assert "PASSWDSECRET" not in result.stderr + result.stdout
    recorded = [p for p in home.rglob("*") if p.is_file() and b"PASSWDSECRET" in p.read_bytes()]
    assert recorded == [] and not (tmp_path / "out").exists()


def test_a_system_that_answers_html_is_exit_2(tmp_path: Path) -> None:
    class Html(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(b"<html>login</html>")

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Html)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        result = portflow("requests", "--system", url, env=ENV)
    finally:
        server.shutdown()
    assert result.code == 2
    assert "answered with something that is not JSON (text/html)" in result.stderr


def test_the_service_never_echoes_secrets_in_its_errors(service: Service) -> None:
    body = {
        "billing_secrets": {"pin": PIN, "carrier_account_number": ACCOUNT_NUMBER},
        "numbers": [{"e164": "+14155552671"}],
    }
    answer = httpx.post(
        f"{service.url}/v1/port-requests",
        json=body,
        headers={"Authorization": f"Bearer {TOKEN}", "Idempotency-Key": "x" * 20},
    )
    assert answer.status_code == 422
    assert PIN not in answer.text and ACCOUNT_NUMBER not in answer.text
    assert "account_id" in answer.text


def test_secrets_the_customer_put_in_the_list_are_masked_in_every_output(tmp_path: Path) -> None:
    """A PIN column (masked by its header), and the manifest's account number written
    otherwise in a notes column (masked by its value)."""
    listing = tmp_path / "with-secrets.csv"
    listing.write_text(
        "Phone Number,Routing ID,Port-Out PIN,Notes,Location,Main Line\n"
        "(312) 782-4450,RT-1001,7731,acct 831 204 5567 0001,Clinic 104823,(617) 555-0482\n"
        "(312) 782-4451,RT-1001,,fine,,\n"
        "(312) 782-4452 x5,RT-1001,7731,0482,,\n"
        "0482,RT-1001,,,,\n"  # the PIN, and the account number, as numbers: rejected
        "831-204-5567-0001,RT-1001,,,,\n"
        "(312) 782-0482 x5,RT-1001,,0482,,\n"  # the PIN as a note: the number stays whole
    )
    out = tmp_path / "out"
    args = submit_args(f"sqlite:///{tmp_path / 'ps.db'}", out, inputs=(str(listing),))
    result = portflow(*args, env=ENV)
    assert result.code == 0, result.stderr
    for path in out.rglob("*"):
        if path.suffix in {".csv", ".md", ".json"}:
            text = path.read_text(encoding="utf-8-sig")
        elif path.suffix == ".xlsx":
            text = str(
                [list(row) for s in load_workbook(path) for row in s.iter_rows(values_only=True)]
            )
        else:
            continue
        for secret in ("7731", "5567", "5567-0001", "'0482'", ",0482,", '"0482"'):
            assert secret not in text, (path.name, secret)
    configured = pl.read_csv(out / "configured_numbers.csv", infer_schema=False)
    assert configured.select("Port-Out PIN", "Notes").rows() == [("***", "***"), (None, "fine")]
    # A PIN's 4 digits inside other text are not the PIN: a suite, a phone number.
    assert configured.select("Location", "Main Line").row(0) == ("Clinic 104823", "(617) 555-0482")
    rejects = pl.read_csv(out / "rejects.csv", infer_schema=False)
    assert rejects.select("Port-Out PIN", "Notes").rows() == [
        ("***", "***"),
        (None, None),
        (None, None),
        (None, "***"),
    ]
    assert rejects.select("raw_number", "reason_code").rows()[1:] == [
        ("***", "INVALID_NUMBER"),
        ("***", "INVALID_NUMBER"),
        ("(312) 782-0482 x5", "HAS_EXTENSION"),
    ]
    assert all("'***'" in reason for reason in rejects.get_column("reason").to_list()[1:3])
    summary = json.loads((out / "summary.json").read_text())
    assert any('"Port-Out PIN"' in warning for warning in summary["warnings"])
    assert "5 cell(s) held the manifest's PIN or carrier account number" in str(summary["warnings"])


def test_secrets_inside_other_text_are_masked_where_they_stand(tmp_path: Path) -> None:
    """The sample manifest's PIN 0482 and account number 831-204-5567-0001 in a note, an
    extension, a cell too long to quote whole, full-width digits: the secret goes, the
    rest of the text stays."""
    long_cell = "call billing re acct 831-204-5567-0001 before porting this line please, thanks"
    listing = tmp_path / "notes.csv"
    listing.write_text(
        "Phone Number,Routing ID,Forward To,Notes\n"
        "(312) 782-4450,RT-1001,,PIN: 0482 (ask Dana)\n"
        "(312) 782-4451 ext 0482,RT-1001,,\n"
        f'"{long_cell}",RT-1001,,\n'
        "Acct 831-204-5567-0001 ext 12,RT-1001,,\n"
        "\uff18\uff13\uff11\uff12\uff10\uff14\uff15\uff15\uff16\uff17\uff10\uff10\uff10"
        "\uff11,RT-1001,,\n"
        "(312) 782-4452,RT-1001,312-555-0142 ext 0482,RT-0482 and (617) 555-0482\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    args = submit_args(f"sqlite:///{tmp_path / 'ps.db'}", out, inputs=(str(listing),))
    result = portflow(*args, env=ENV)
    assert result.code == 0, result.stderr
    written = "".join(path.read_text(encoding="utf-8-sig") for path in out.rglob("*.csv")) + str(
        [list(r) for p in out.rglob("*.xlsx") for s in load_workbook(p) for r in s.values]
    )
    assert "5567" not in written and "\uff15\uff16\uff17" not in written
    assert not re.search(r"(?<![-\d])0482", written)  # as a word of its own, nowhere
    configured = pl.read_csv(out / "configured_numbers.csv", infer_schema=False)
    assert configured.get_column("Notes").to_list() == ["PIN: *** (ask Dana)"]
    rejects = pl.read_csv(out / "rejects.csv", infer_schema=False)
    assert rejects.select("raw_number", "receiving_number", "Notes").rows() == [
        ("(312) 782-4451 ext ***", None, None),
        ("***", None, None),
        ("***", None, None),
        ("***", None, None),
        # Not the PIN: an ID and a phone number. (555-01xx: no real forward-to number.)
        ("(312) 782-4452", "312-555-0142 ext ***", "RT-0482 and (617) 555-0482"),
    ]
    reasons = rejects.get_column("reason").to_list()
    assert reasons[0].endswith("extension ***.")
    assert "'call billing re acct *** before porting" in reasons[1]
    assert "'Acct *** ext 12'" in reasons[2]


def test_portflows_own_words_are_not_masked_where_no_cell_held_a_secret(tmp_path: Path) -> None:
    """PIN 1234 and a row 1234; the account number a billing telephone number that is also
    a row's number: the reports still say where the duplicate is, and which number."""
    manifest = manifest_copy(
        tmp_path,
        {'pin: "0482"': 'pin: "1234"', '"831-204-5567-0001"': '"312-782-4400"'},
    )
    listing = tmp_path / "big.csv"
    rows = [f"(312) 555-{n:04d},RT-1001" for n in range(2, 1234)]
    rows += ["(312) 782-4400,RT-1001", "(312) 782-4400,RT-1001"]  # rows 1234 and 1235
    listing.write_text("Phone Number,Routing ID\n" + "\n".join(rows) + "\n")
    out = tmp_path / "out"
    args = submit_args(
        f"sqlite:///{tmp_path / 'ps.db'}", out, inputs=(str(listing),), manifest=manifest
    )
    result = portflow(*args, env=ENV)
    assert result.code == 0, result.stderr
    rejects = pl.read_csv(out / "rejects.csv", infer_schema=False)
    duplicate = rejects.filter(pl.col("reason_code") == "DUPLICATE_IN_BATCH")
    assert duplicate.select("source_row", "e164").rows() == [("1235", "+13127824400")]
    assert "row 1234" in duplicate.item(0, "related") and "***" not in duplicate.item(0, "reason")


def test_an_account_number_in_an_exports_label_is_masked_in_the_reports(tmp_path: Path) -> None:
    """ALREADY_TRACKING quotes the tracking number's name from the export: no cell of the
    list held the account number, but the report text would."""
    accounts = tmp_path / "accounts"
    shutil.copytree(SAMPLES / "accounts", accounts)
    tracking = accounts / "tracking_numbers.csv"
    text = tracking.read_text(encoding="utf-8")
    assert "Google Ads – Chicago Loop" in text
    tracking.write_text(text.replace("Google Ads – Chicago Loop", "Ads acct 831-204-5567-0001"))
    listing = tmp_path / "list.csv"
    listing.write_text("Phone Number,Routing ID\n(312) 929-6495,RT-1001\n")
    out = tmp_path / "out"
    args = submit_args(f"sqlite:///{tmp_path / 'ps.db'}", out, inputs=(str(listing),))
    args[args.index("--accounts") + 1] = str(accounts)
    portflow(*args, env=ENV)  # nothing passes: refused (exit 3), the reports are written
    rejects = (out / "rejects.csv").read_text(encoding="utf-8-sig")
    assert "ALREADY_TRACKING" in rejects and "Ads acct ***" in rejects
    assert "5567" not in rejects


def test_a_pin_in_a_tracking_source_is_not_sent_to_the_porting_system(tmp_path: Path) -> None:
    """The tracking source is free text the request carries into a plain column."""
    listing = tmp_path / "sources.csv"
    listing.write_text("Phone Number,Routing ID,Source\n(312) 782-4450,RT-1001,Ads PIN 0482\n")
    store = tmp_path / "ps.db"
    args = submit_args(f"sqlite:///{store}", tmp_path / "out", inputs=(str(listing),))
    result = portflow(*args, env=ENV)
    assert result.code == 0, result.stderr
    with sqlite3.connect(store) as connection:
        sent = connection.execute("SELECT tracking_source FROM request_numbers").fetchall()
    assert sent == [("Ads PIN ***",)]


def test_an_account_number_that_is_a_phone_number_is_sent_as_it_is(tmp_path: Path) -> None:
    """The account number is often the billing telephone number: masked in the reports'
    BTN column, it is still the forward-to number the request is made with."""
    account = {
        'carrier_account_number: "831-204-5567-0001"': 'carrier_account_number: "3123467120"'
    }
    manifest = manifest_copy(tmp_path, account)
    listing = tmp_path / "btn.csv"
    listing.write_text(
        "Phone Number,Routing ID,Forward To,BTN\n(312) 782-4450,RT-1001,+13123467120,3123467120\n"
    )
    out, store = tmp_path / "out", tmp_path / "ps.db"
    args = submit_args(f"sqlite:///{store}", out, inputs=(str(listing),), manifest=manifest)
    result = portflow(*args, env=ENV)
    assert result.code == 0, result.stderr
    with sqlite3.connect(store) as connection:
        sent = connection.execute(
            "SELECT e164, routing_id, receiving_number FROM request_numbers"
        ).fetchall()
    assert sent == [("+13127824450", "RT-1001", "+13123467120")]
    configured = pl.read_csv(out / "configured_numbers.csv", infer_schema=False)
    assert configured.select("BTN").item() == "***"


def test_a_broken_manifest_is_found_before_the_check_runs(tmp_path: Path) -> None:
    manifest = tmp_path / "manifest.yaml"
    manifest.write_text("friendly_name: [unclosed\n")
    args = submit_args(f"sqlite:///{tmp_path / 'ps.db'}", tmp_path / "out", manifest=manifest)
    args[args.index("--accounts") + 1] = str(tmp_path / "no-such-exports")  # never looked at
    result = portflow(*args, env=ENV)
    assert result.code == 2
    assert result.stderr.splitlines() == [f"portflow: error: {manifest}: line 2: not valid YAML"]


def test_a_refusal_half_way_is_not_called_a_stop_to_run_again(
    service: Service, tmp_path: Path
) -> None:
    """A 400 (the system refuses a request as it is) will come again on a re-run."""
    service.plan_faults(400, after=3)
    result = portflow(*submit_args(service.url, tmp_path / "out"), env=ENV)
    assert result.code != 0 and requests_in_system(service.db) == 3
    left = submitted(tmp_path / "out").filter(pl.col("status") == "not_submitted")
    assert left.height > 0
    (detail,) = set(left.get_column("detail"))
    assert detail.startswith("not sent: the porting system refused a request (") and (
        detail.endswith("); fix that first")
    )
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["submission"]["complete"] is False
    assert "HTTP 400" in summary["submission"]["stopped_by"]


def test_a_corrected_manifest_does_not_change_requests_made_and_says_so(
    service: Service, tmp_path: Path
) -> None:
    assert portflow(*submit_args(service.url, tmp_path / "first"), env=ENV).code == 0
    fixed = manifest_copy(
        tmp_path,
        {
            'pin: "0482"': 'pin: "5150"',
            "requested_port_date: 2026-12-14": "requested_port_date: 2026-12-15",
        },
    )
    again = portflow(*submit_args(service.url, tmp_path / "again", manifest=fixed), env=ENV)
    assert again.code == 0, again.stderr
    assert "was made with another PIN, requested port date than this manifest's" in again.stderr
    assert "5150" not in again.stderr and "0482" not in again.stderr
    summary = json.loads((tmp_path / "again" / "summary.json").read_text())
    changed = summary["submission"]["not_updated"]
    assert changed and all(c["differs"] == ["PIN", "requested port date"] for c in changed)
    rerun = portflow(*submit_args(service.url, tmp_path / "rerun"), env=ENV)  # as first sent
    assert rerun.code == 0 and "was made with another" not in rerun.stderr


def test_a_push_that_gets_no_answer_keeps_the_earlier_submitted_csv(tmp_path: Path) -> None:
    """The porting system is down from the start: exit 4, and the earlier list of which
    number went in which request stays (not replaced by every number not_submitted)."""
    out = tmp_path / "out"
    with running_service(tmp_path / "ps.db") as service:
        assert portflow(*submit_args(service.url, out), env=ENV).code == 0
    earlier = (out / "submitted.csv").read_text()
    down = portflow(*submit_args(f"http://127.0.0.1:{free_port()}", out), env=ENV)
    assert down.code == 4, down.stderr
    assert (out / "submitted.csv").read_text() == earlier
    summary = json.loads((out / "summary.json").read_text())
    assert summary["submission"]["complete"] is False
    assert "submitted.csv is an earlier submit run's" in str(summary["warnings"])


def test_nothing_is_pushed_when_this_accounts_requests_cannot_be_listed(
    service: Service, tmp_path: Path
) -> None:
    """Not knowing its own requests, the check takes a refreshed export's rows of them for
    another account's (IN_OTHER_PORT); the push then went ahead with the rest, exit 0."""
    first = portflow(*submit_args(service.url, tmp_path / "out"), env=ENV)
    assert first.code == 0, first.stderr
    made = requests_in_system(service.db)
    service.plan_faults(*[503] * 5, method="GET")  # every attempt of the listing
    again = portflow(*submit_args(service.url, tmp_path / "again"), env=ENV)
    assert again.code == 4, again.stderr
    assert "could not be reached after 5 attempts" in again.stderr.splitlines()[-1]
    assert service.faults_served() == [503] * 5
    assert requests_in_system(service.db) == made
    rows = submitted(tmp_path / "again")
    assert set(rows.get_column("status")) == {"not_submitted"}


def test_a_push_that_fails_at_once_still_lists_the_numbers_already_in_requests(
    service: Service, tmp_path: Path
) -> None:
    """The earlier submitted.csv was kept, and the message pointed at it: the numbers this
    run did not submit were in no list (the account's requests were known: they say it)."""
    out = tmp_path / "out"
    first = portflow(*submit_args(service.url, out, "--max-per-request", "500"), env=ENV)
    assert first.code == 0, first.stderr
    before = submitted(out)
    more = tmp_path / "more.csv"
    more.write_text("Phone Number,Routing ID\n(312) 782-4460,RT-1001\n")
    service.plan_faults(*[503] * 5)
    down = portflow(
        *submit_args(service.url, out, "--max-per-request", "500", inputs=(*INPUTS, str(more))),
        env=ENV,
    )
    assert down.code == 4, down.stderr
    assert down.stderr.splitlines()[-1].endswith(
        f"; what was and was not submitted is in {out / 'submitted.csv'}"
    )
    rows = submitted(out)
    earlier = rows.filter(pl.col("status") != "not_submitted")
    assert (
        earlier.sort("e164")
        .select("e164", "port_request_id")
        .equals(before.sort("e164").select("e164", "port_request_id"))
    )
    assert rows.filter(pl.col("status") == "not_submitted").get_column("e164").to_list() == [
        "+13127824460"
    ]


def test_numbers_already_sent_in_another_port_group_say_so(tmp_path: Path) -> None:
    """The list again with a Losing Carrier column: its numbers are in this account's
    requests of the group without a carrier. Not refused; but the move is not silent."""
    listing = tmp_path / "list.csv"
    listing.write_text("Phone Number,Routing ID\n(312) 782-4450,RT-1001\n(312) 782-4451,RT-1001\n")
    system = f"sqlite:///{tmp_path / 'ps.db'}"
    first = portflow(*submit_args(system, tmp_path / "first", inputs=(str(listing),)), env=ENV)
    assert first.code == 0, first.stderr
    listing.write_text(
        "Phone Number,Routing ID,Losing Carrier\n"
        "(312) 782-4450,RT-1001,AT&T\n(312) 782-4451,RT-1001,AT&T\n"
    )
    again = portflow(*submit_args(system, tmp_path / "again", inputs=(str(listing),)), env=ENV)
    assert again.code == 0, again.stderr
    assert "numbers of port group US-geographic-at-t are already in PR-000001" in again.stderr
    rows = submitted(tmp_path / "again")
    assert set(rows.get_column("port_request_id")) == {"PR-000001"}
    (detail,) = set(rows.get_column("detail"))
    assert detail == (
        "submitted earlier for this account, in port group US-geographic: if this list's "
        "US-geographic-at-t is right (a losing carrier corrected?), change PR-000001 in the "
        "porting system"
    )
