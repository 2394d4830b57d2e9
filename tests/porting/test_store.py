"""The embedded porting system: once-only requests, per-number refusals, the lifecycle."""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import get_args

import pytest

from portflow.errors import PortingSystemError
from portflow.porting import connect, requests_frame
from portflow.porting.models import BLOCKING_STATUSES, STATUSES, TRANSITIONS, Status, StatusChange
from portflow.porting.store import SqliteSystem
from rules.statuses import SYSTEM_LEVELS
from tests.porting.drafts import PIN, draft


@pytest.fixture
def store(tmp_path: Path) -> SqliteSystem:
    system = connect(f"sqlite:///{tmp_path / 'ps.db'}", token=None)
    assert isinstance(system, SqliteSystem)
    return system


def test_the_same_request_twice_is_created_once(store: SqliteSystem) -> None:
    first = store.submit(draft("+14155552671", "+14155552672"))
    again = store.submit(draft("+14155552672", "+14155552671"))  # same numbers, other order
    assert first.created and not again.created
    assert first.request is not None and again.request is not None
    assert again.request.id == first.request.id == "PR-000001"
    assert [line.e164 for line in again.request.numbers] == ["+14155552671", "+14155552672"]
    assert len(store.list_requests()) == 1


def test_numbers_in_someone_elses_active_request_are_refused_one_by_one(
    store: SqliteSystem,
) -> None:
    store.submit(draft("+14155552671", account="ACC-OTHER"))
    outcome = store.submit(draft("+14155552671", "+14155552673"))
    assert outcome.created and outcome.request is not None
    assert [line.e164 for line in outcome.request.numbers] == ["+14155552673"]
    assert [(r.e164, r.port_request_id, r.status) for r in outcome.refused] == [
        ("+14155552671", "PR-000001", "submitted")
    ]
    assert outcome.already == []
    repeat = store.submit(draft("+14155552671", "+14155552673"))
    assert not repeat.created and repeat.refused == outcome.refused


def test_numbers_already_in_an_earlier_request_of_the_batch_are_not_refused(
    store: SqliteSystem,
) -> None:
    """The same batch chunked differently (another --max-per-request) is already submitted."""
    store.submit(draft("+14155552671"))
    store.submit(draft("+14155552672"))
    outcome = store.submit(draft("+14155552671", "+14155552672"))
    assert outcome.request is None and not outcome.created and outcome.refused == []
    assert [(r.e164, r.port_request_id) for r in outcome.already] == [
        ("+14155552671", "PR-000001"),
        ("+14155552672", "PR-000002"),
    ]
    assert len(store.list_requests()) == 2


def test_a_rerun_on_another_day_finds_the_request_made(store: SqliteSystem) -> None:
    first = draft("+14155552671")
    store.submit(first)
    later = first.model_copy(
        update={
            "friendly_name": "renamed",
            "earliest_completion": dt.date(2026, 12, 11),
            "paperwork": {"changed": True},
        }
    )
    again = store.submit(later)
    assert not again.created and again.request is not None and again.request.id == "PR-000001"


def test_all_refused_creates_nothing_and_a_cancelled_request_frees_its_numbers(
    store: SqliteSystem,
) -> None:
    store.submit(draft("+14155552671"))
    refused = store.submit(draft("+14155552671", account="ACC-OTHER"))
    assert refused.request is None and not refused.created
    store.set_status("PR-000001", StatusChange(status="cancelled"))
    later = store.submit(draft("+14155552671", account="ACC-OTHER"))
    assert later.created and later.request is not None and later.request.id == "PR-000002"
    store.set_status("PR-000002", StatusChange(status="cancelled"))
    again = store.submit(draft("+14155552671"))  # the cancelled PR-000001's key is free again
    assert again.created and again.request is not None and again.request.id == "PR-000003"


def test_concurrent_submitters_of_one_request_get_one_request(tmp_path: Path) -> None:
    path = tmp_path / "ps.db"
    SqliteSystem(path)
    results: list[str] = []

    def submit() -> None:
        outcome = SqliteSystem(path).submit(draft("+14155552671", "+14155552672"))
        assert outcome.request is not None
        results.append(outcome.request.id)

    threads = [threading.Thread(target=submit) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == ["PR-000001"] * 8
    assert len(SqliteSystem(path).list_requests()) == 1


def test_the_lifecycle_is_enforced_and_remembered(store: SqliteSystem) -> None:
    store.submit(draft("+14155552671"))
    with pytest.raises(PortingSystemError, match="needs the carrier's reason code"):
        store.set_status("PR-000001", StatusChange(status="exception"))
    store.set_status("PR-000001", StatusChange(status="exception", carrier_reason="6P"))
    store.set_status("PR-000001", StatusChange(status="submitted"))
    foc = store.set_status("PR-000001", StatusChange(status="foc", foc_date=dt.date(2026, 12, 9)))
    assert (foc.status, foc.foc_date) == ("foc", dt.date(2026, 12, 9))
    store.set_status("PR-000001", StatusChange(status="complete"))
    with pytest.raises(PortingSystemError, match="is complete; it cannot become submitted"):
        store.set_status("PR-000001", StatusChange(status="submitted"))
    assert [h["status"] for h in store.history("PR-000001")] == [
        "submitted",
        "exception",
        "submitted",
        "foc",
        "complete",
    ]


def test_a_key_reused_for_other_numbers_is_refused(store: SqliteSystem) -> None:
    first = draft("+14155552671")
    store.submit(first)
    other = draft("+14155552679").model_copy(update={"idempotency_key": first.idempotency_key})
    with pytest.raises(PortingSystemError, match="was used for other numbers") as error:
        store.submit(other)
    assert error.value.exit_code == 2


def test_secrets_are_kept_apart_from_the_request(store: SqliteSystem) -> None:
    store.submit(draft("+14155552671"))
    with sqlite3.connect(store.path) as db:
        assert db.execute("SELECT pin FROM request_secrets").fetchone() == (PIN,)
        paperwork = db.execute("SELECT paperwork FROM port_requests").fetchone()[0]
    assert PIN not in paperwork


def test_a_new_store_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    """It keeps PINs and carrier account numbers."""
    store = SqliteSystem(tmp_path / "private" / "ps.db")
    with closing(sqlite3.connect(store.path)) as reader:  # keeps -wal and -shm in place
        reader.execute("SELECT 1 FROM port_requests").fetchall()
        store.submit(draft("+14155552671"))
        made = sorted(path.name for path in store.path.parent.iterdir())
        assert made == ["ps.db", "ps.db-shm", "ps.db-wal"]
        for path in store.path.parent.iterdir():
            assert path.stat().st_mode & 0o077 == 0, path
    assert store.path.parent.stat().st_mode & 0o077 == 0


def test_this_accounts_numbers_in_another_port_group_are_already_submitted(
    store: SqliteSystem,
) -> None:
    """The same list with a losing-carrier column added: other groups, the same account."""
    store.submit(draft("+14155552671", "+14155552672"))
    again = store.submit(draft("+14155552671", "+14155552673", group="US-geographic-verizon"))
    assert [(r.e164, r.port_request_id) for r in again.already] == [("+14155552671", "PR-000001")]
    assert again.refused == []


def test_a_key_sent_again_answers_with_its_holders_status_now(store: SqliteSystem) -> None:
    store.submit(draft("+14155552671", account="ACC-OTHER"))  # PR-000001 holds it
    first = store.submit(draft("+14155552671", "+14155552672"))
    assert [(r.port_request_id, r.status) for r in first.refused] == [("PR-000001", "submitted")]
    store.set_status("PR-000001", StatusChange(status="cancelled"))
    again = store.submit(draft("+14155552671", "+14155552672"))
    assert not again.created
    assert [(r.port_request_id, r.status) for r in again.refused] == [("PR-000001", "cancelled")]


def test_a_request_made_before_a_paperwork_key_existed_does_not_differ_by_it(
    store: SqliteSystem,
) -> None:
    """A newer portflow adds loa_sha256 to the paperwork; the request made before has none."""
    first = draft("+14155552671").model_copy(update={"paperwork": {"friendly_name": "x"}})
    store.submit(first)
    newer = first.model_copy(update={"paperwork": {"friendly_name": "x", "loa_sha256": "ab"}})
    assert store.submit(newer).differs == []
    changed = first.model_copy(update={"paperwork": {"friendly_name": "y"}})
    assert store.submit(changed).differs == ["paperwork"]


def test_a_refusal_stored_by_an_older_portflow_is_read_by_account(store: SqliteSystem) -> None:
    """Stored as someone else's when 'the same batch' meant the same account and group."""
    store.submit(draft("+14155552671"))
    later = draft("+14155552671", "+14155552672", group="US-geographic-verizon")
    store.submit(later)
    with sqlite3.connect(store.path) as db:
        db.execute("UPDATE request_refusals SET same_batch = 0")
    again = store.submit(later)
    assert [r.e164 for r in again.already] == ["+14155552671"] and again.refused == []


def test_a_number_in_a_request_with_a_carrier_exception_is_still_held(
    store: SqliteSystem,
) -> None:
    """An exception is a live port (the carrier waits for a fix): not freed for another
    request, of this account or another."""
    store.submit(draft("+14155552671"))
    store.set_status("PR-000001", StatusChange(status="exception", carrier_reason="6P"))
    other = store.submit(draft("+14155552671", account="ACC-OTHER"))
    assert other.request is None and [r.status for r in other.refused] == ["exception"]
    again = store.submit(draft("+14155552671", "+14155552672"))  # chunked otherwise
    assert [(r.e164, r.status) for r in again.already] == [("+14155552671", "exception")]
    assert again.request is not None and len(again.request.numbers) == 1


def test_only_live_requests_block_in_the_frame_check_reads(store: SqliteSystem) -> None:
    """`check --system`: a cancelled request's numbers are free; the others' are not."""
    for number in ("+14155552671", "+14155552672", "+14155552673"):
        store.submit(draft(number))
    store.set_status("PR-000002", StatusChange(status="cancelled"))
    store.set_status("PR-000003", StatusChange(status="exception", carrier_reason="6P"))
    frame = store.request_numbers()
    assert frame.select("e164", "blocking").sort("e164").rows() == [
        ("+14155552671", True),
        ("+14155552672", False),
        ("+14155552673", True),
    ]
    assert frame.equals(requests_frame(store.list_requests()))  # read straight, the same


def test_one_accounts_requests_are_listed_with_their_numbers(store: SqliteSystem) -> None:
    store.submit(draft("+14155552671", "+14155552672"))
    store.submit(draft("+14155552673", account="ACC-OTHER"))
    store.submit(draft("+14155552674"))
    ours = store.list_requests(account_id="ACC-1")
    assert [(r.id, [line.e164 for line in r.numbers]) for r in ours] == [
        ("PR-000001", ["+14155552671", "+14155552672"]),
        ("PR-000003", ["+14155552674"]),
    ]
    assert ours == [store.get("PR-000001"), store.get("PR-000003")]
    assert [r.id for r in store.list_requests()] == ["PR-000001", "PR-000002", "PR-000003"]
    assert store.list_requests(account_id="ACC-NONE") == []


def test_the_porting_systems_statuses_are_said_once() -> None:
    """The store's lifecycle and the rules' levels name the same statuses."""
    assert set(STATUSES) == set(SYSTEM_LEVELS) == set(TRANSITIONS) == set(get_args(Status))
    assert BLOCKING_STATUSES == {"submitted", "exception", "foc", "complete"}


def test_a_request_made_while_the_list_is_read_is_not_half_seen(
    store: SqliteSystem, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The requests and their numbers are two queries: a submit between them added numbers
    of a request the first had not listed (a KeyError: the nightly run crashed)."""
    store.submit(draft("+14155552671"))
    real_connect = SqliteSystem._connect
    made: list[bool] = []

    class Between:
        """The store's connection; another submitter makes a request after its first query."""

        def __init__(self, connection: sqlite3.Connection) -> None:
            self.connection = connection

        def __getattr__(self, name: str) -> object:
            return getattr(self.connection, name)

        def execute(self, sql: str, *args: object) -> sqlite3.Cursor:
            cursor = self.connection.execute(sql, *args)
            if sql.startswith("SELECT") and not made:
                made.append(True)  # once: the other submitter's own queries come here too
                SqliteSystem(store.path).submit(draft("+14155552672"))
            return cursor

    @contextlib.contextmanager
    def connected(self: SqliteSystem) -> Iterator[Between]:
        with real_connect(self) as connection:
            yield Between(connection)

    monkeypatch.setattr(SqliteSystem, "_connect", connected)
    listed = store.list_requests()
    monkeypatch.undo()
    assert [[line.e164 for line in r.numbers] for r in listed] == [["+14155552671"]]
    assert len(store.list_requests()) == 2
