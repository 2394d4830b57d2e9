"""The embedded porting system: requests, numbers, statuses and their history in SQLite.

Used directly for `sqlite:///PATH` and behind the reference HTTP service. Every submission
runs in one IMMEDIATE transaction: two submitters of the same request (same idempotency
key) are serialised, and the second gets the first one's request.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import polars as pl

from portflow.errors import (
    EXIT_BAD_INPUT,
    PortingSystemError,
    PortingSystemUnavailable,
    UsageError,
    sqlite_busy,
)
from portflow.porting.frames import held_frame
from portflow.porting.models import (
    BLOCKING_STATUSES,
    TRANSITIONS,
    NumberLine,
    PortRequest,
    Refusal,
    RequestDraft,
    StatusChange,
    Submitted,
)

BUSY_TIMEOUT_SECONDS = 60
FRAME_CHUNK_ROWS = 100_000  # rows read as Python objects at a time, then kept in a frame
_SCHEMA = """
CREATE TABLE IF NOT EXISTS port_requests (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    idempotency_key TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    account_id TEXT NOT NULL,
    friendly_name TEXT NOT NULL,
    port_group TEXT NOT NULL,
    losing_carrier TEXT,
    status TEXT NOT NULL,
    carrier_reason TEXT,
    foc_date TEXT,
    earliest_completion TEXT NOT NULL,
    latest_completion TEXT NOT NULL,
    requested_port_date TEXT,
    paperwork TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
-- A key names one live request; a cancelled one frees it for a new submission.
CREATE UNIQUE INDEX IF NOT EXISTS port_requests_live_key
    ON port_requests(idempotency_key) WHERE status != 'cancelled';
CREATE TABLE IF NOT EXISTS request_numbers (
    request_id TEXT NOT NULL REFERENCES port_requests(id),
    e164 TEXT NOT NULL,
    routing_id TEXT,
    receiving_number TEXT,
    tracking_source TEXT,
    PRIMARY KEY (request_id, e164)
);
CREATE INDEX IF NOT EXISTS request_numbers_e164 ON request_numbers(e164);
CREATE TABLE IF NOT EXISTS request_refusals (
    request_id TEXT NOT NULL REFERENCES port_requests(id),
    e164 TEXT NOT NULL,
    other_request_id TEXT NOT NULL,
    other_status TEXT NOT NULL,
    same_batch INTEGER NOT NULL,  -- 1: the number is in an earlier request of this account
    PRIMARY KEY (request_id, e164)
);
CREATE TABLE IF NOT EXISTS request_secrets (
    request_id TEXT PRIMARY KEY REFERENCES port_requests(id),
    carrier_account_number TEXT NOT NULL,
    pin TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS status_history (
    request_id TEXT NOT NULL REFERENCES port_requests(id),
    status TEXT NOT NULL,
    carrier_reason TEXT,
    foc_date TEXT,
    at TEXT NOT NULL
);
"""


def _papers(paperwork: dict[str, Any], *, keys: Iterable[str] | None = None) -> dict[str, Any]:
    """The paperwork but what is compared on its own (and how many numbers go per request);
    with `keys`, only those: what the stored request has (a newer portflow adds keys, such
    as loa_sha256, which a request made before it cannot have)."""
    named = {"requested_port_date", "losing_carrier", "max_numbers_per_request"}
    wanted = set(paperwork) if keys is None else set(keys)
    return {key: value for key, value in paperwork.items() if key in wanted - named}


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


class SqliteSystem:
    """The porting system in a SQLite file (created unless `create` is false)."""

    def __init__(self, path: Path, *, create: bool = True) -> None:
        self.path = path = path.resolve()  # one store, one name (reconcile's scope is it)
        if not create and not path.is_file():
            raise UsageError(f"no porting system at sqlite:///{path} (no such file)")
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            # Owner only: the store keeps PINs and carrier account numbers (SQLite gives its
            # -wal and -shm files the same permissions).
            os.close(os.open(path, os.O_CREAT | os.O_RDONLY, 0o600))
        except OSError as error:
            raise UsageError(f"porting system sqlite:///{path}: {error.strerror}") from None
        with self._connect() as connection:
            connection.executescript(_SCHEMA)

    @property
    def description(self) -> str:
        return f"sqlite:///{self.path}"

    def close(self) -> None:
        """Nothing to release: every call opens and closes its own connection."""

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        try:
            connection = sqlite3.connect(
                self.path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None
            )
        except sqlite3.Error as error:
            raise UsageError(f"porting system {self.description}: cannot open ({error})") from None
        connection.row_factory = sqlite3.Row
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA foreign_keys=ON")
            yield connection
        except sqlite3.OperationalError as error:
            if not sqlite_busy(error):  # read-only, disk full, ...: running again won't help
                raise PortingSystemError(
                    f"porting system {self.description}: {error}; fix that, then run the same "
                    "command again (requests already made are kept)",
                    status=500,
                    exit_code=EXIT_BAD_INPUT,
                ) from None
            raise PortingSystemUnavailable(
                f"porting system {self.description}: {error}; nothing was lost: run the same "
                "command again"
            ) from None
        except sqlite3.DatabaseError as error:  # not a database, corrupt, ...
            raise UsageError(f"porting system {self.description}: {error}") from None
        finally:
            connection.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._connect() as connection:
            connection.execute("BEGIN IMMEDIATE")
            try:
                yield connection
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")

    def submit(self, draft: RequestDraft) -> Submitted:
        """Create the request once; the same key again returns what the first call made.

        Numbers already in an active or complete request are kept out: as `already` when
        that request is the same account's (this batch chunked otherwise before, or an
        earlier list with these numbers), as `refused` when it is someone else's. The same
        key again answers with its holders' status now (see _refusals).
        """
        with self._transaction() as db:
            row = db.execute(
                "SELECT * FROM port_requests WHERE idempotency_key = ? AND status != 'cancelled'",
                (draft.idempotency_key,),
            ).fetchone()
            if row is not None:
                if row["content_hash"] != draft.content_hash():
                    raise PortingSystemError(
                        f"idempotency key {draft.idempotency_key} was used for other numbers",
                        status=409,
                        exit_code=EXIT_BAD_INPUT,
                    )
                already, refused = self._refusals(db, row["id"])
                return Submitted(
                    created=False,
                    request=self._load(db, row),
                    already=already,
                    refused=refused,
                    differs=self._differs(db, row, draft),
                )
            already, refused = self._blocking(db, draft)
            taken = {r.e164 for r in (*already, *refused)}
            numbers = [line for line in draft.numbers if line.e164 not in taken]
            if not numbers:
                return Submitted(created=False, request=None, already=already, refused=refused)
            request_id = self._insert(db, draft, numbers, already, refused)
            row = db.execute("SELECT * FROM port_requests WHERE id = ?", (request_id,)).fetchone()
            return Submitted(
                created=True, request=self._load(db, row), already=already, refused=refused
            )

    def _blocking(
        self, db: sqlite3.Connection, draft: RequestDraft
    ) -> tuple[list[Refusal], list[Refusal]]:
        """Numbers already in an active or complete request: (this account's, someone else's)."""
        numbers = [line.e164 for line in draft.numbers]
        already: list[Refusal] = []
        refused: list[Refusal] = []
        statuses = sorted(BLOCKING_STATUSES)
        seen: set[str] = set()
        for start in range(0, len(numbers), 500):
            chunk = numbers[start : start + 500]
            rows = db.execute(
                f"SELECT n.e164, r.id, r.status, r.account_id, r.port_group "
                f"FROM request_numbers n JOIN port_requests r ON r.id = n.request_id "
                f"WHERE n.e164 IN ({','.join('?' * len(chunk))}) "
                f"AND r.status IN ({','.join('?' * len(statuses))}) ORDER BY r.seq",
                (*chunk, *statuses),
            ).fetchall()
            for row in rows:
                if row["e164"] in seen:
                    continue
                seen.add(row["e164"])
                same = row["account_id"] == draft.account_id
                holder = Refusal(
                    e164=row["e164"],
                    port_request_id=row["id"],
                    status=row["status"],
                    port_group=row["port_group"] if same else None,  # others' stay theirs
                )
                (already if same else refused).append(holder)
        return already, refused

    def _insert(
        self,
        db: sqlite3.Connection,
        draft: RequestDraft,
        numbers: list[NumberLine],
        already: list[Refusal],
        refused: list[Refusal],
    ) -> str:
        now = _now()
        seq = db.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM port_requests").fetchone()[0]
        request_id = f"PR-{seq:06d}"  # safe: the transaction holds the write lock
        db.execute(
            "INSERT INTO port_requests (seq, id, idempotency_key, content_hash, account_id, "
            "friendly_name, port_group, losing_carrier, status, earliest_completion, "
            "latest_completion, requested_port_date, paperwork, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'submitted', ?, ?, ?, ?, ?, ?)",
            (
                seq,
                request_id,
                draft.idempotency_key,
                draft.content_hash(),
                draft.account_id,
                draft.friendly_name,
                draft.port_group,
                draft.losing_carrier,
                draft.earliest_completion.isoformat(),
                draft.latest_completion.isoformat(),
                draft.requested_port_date.isoformat() if draft.requested_port_date else None,
                json.dumps(draft.paperwork, sort_keys=True),
                now,
                now,
            ),
        )
        db.executemany(
            "INSERT INTO request_numbers VALUES (?, ?, ?, ?, ?)",
            [
                (request_id, n.e164, n.routing_id, n.receiving_number, n.tracking_source)
                for n in numbers
            ],
        )
        db.executemany(
            "INSERT INTO request_refusals VALUES (?, ?, ?, ?, ?)",
            [
                (request_id, r.e164, r.port_request_id, r.status, int(same))
                for same, holders in ((True, already), (False, refused))
                for r in holders
            ],
        )
        secrets = draft.billing_secrets.revealed()
        db.execute(
            "INSERT INTO request_secrets VALUES (?, ?, ?)",
            (request_id, secrets["carrier_account_number"], secrets["pin"]),
        )
        db.execute(
            "INSERT INTO status_history VALUES (?, 'submitted', NULL, NULL, ?)", (request_id, now)
        )
        return request_id

    def list_requests(self, *, account_id: str | None = None) -> list[PortRequest]:
        """Every request (of `account_id` only, if given), with its numbers, in the order
        made: two queries, whatever the number of requests."""
        where, parameters = ("WHERE r.account_id = ?", (account_id,)) if account_id else ("", ())
        with self._connect() as db, _snapshot(db):
            rows = db.execute(
                f"SELECT * FROM port_requests r {where} ORDER BY r.seq", parameters
            ).fetchall()
            numbers: dict[str, list[NumberLine]] = {row["id"]: [] for row in rows}
            lines = db.execute(
                "SELECT n.request_id, n.e164, n.routing_id, n.receiving_number, "
                "n.tracking_source FROM port_requests r JOIN request_numbers n "
                f"ON n.request_id = r.id {where} ORDER BY r.seq, n.e164",
                parameters,
            )
            for line in lines:
                numbers[line["request_id"]].append(_number_line(line))
            return [_request(row, numbers[row["id"]]) for row in rows]

    def request_numbers(self) -> pl.DataFrame:
        """Every number of every request, read straight into a frame (`requests_frame`'s
        columns and order): a few bytes a number, where a model is hundreds."""
        with self._connect() as db:
            cursor = db.cursor()
            cursor.row_factory = None  # plain tuples, for polars
            cursor.execute(
                "SELECT n.e164, r.id, r.status FROM port_requests r JOIN request_numbers n "
                "ON n.request_id = r.id ORDER BY r.seq, n.e164"
            )
            chunks = [held_frame([])]
            while rows := cursor.fetchmany(FRAME_CHUNK_ROWS):
                chunks.append(held_frame(rows))
        return pl.concat(chunks, rechunk=True)

    def get(self, request_id: str) -> PortRequest:
        with self._connect() as db:
            row = db.execute("SELECT * FROM port_requests WHERE id = ?", (request_id,)).fetchone()
            if row is None:
                raise PortingSystemError(f"no port request {request_id}", status=404, exit_code=2)
            return self._load(db, row)

    def set_status(self, request_id: str, change: StatusChange) -> PortRequest:
        """Move a request along the lifecycle; an exception needs a reason, FOC a date."""
        if change.status == "exception" and not change.carrier_reason:
            raise PortingSystemError(
                "an exception needs the carrier's reason code (--reason)", status=422, exit_code=2
            )
        if change.status == "foc" and change.foc_date is None:
            raise PortingSystemError(
                "FOC needs the firm order commitment date (--foc-date)", status=422, exit_code=2
            )
        with self._transaction() as db:
            row = db.execute("SELECT * FROM port_requests WHERE id = ?", (request_id,)).fetchone()
            if row is None:
                raise PortingSystemError(f"no port request {request_id}", status=404, exit_code=2)
            if change.status != row["status"] and change.status not in TRANSITIONS[row["status"]]:
                raise PortingSystemError(
                    f"{request_id} is {row['status']}; it cannot become {change.status}",
                    status=409,
                    exit_code=2,
                )
            now = _now()
            foc = change.foc_date.isoformat() if change.foc_date else row["foc_date"]
            db.execute(
                "UPDATE port_requests SET status = ?, carrier_reason = ?, foc_date = ?, "
                "updated_at = ? WHERE id = ?",
                (change.status, change.carrier_reason, foc, now, request_id),
            )
            db.execute(
                "INSERT INTO status_history VALUES (?, ?, ?, ?, ?)",
                (request_id, change.status, change.carrier_reason, foc, now),
            )
            updated = db.execute(
                "SELECT * FROM port_requests WHERE id = ?", (request_id,)
            ).fetchone()
            return self._load(db, updated)

    def history(self, request_id: str) -> list[dict[str, str | None]]:
        with self._connect() as db:
            rows = db.execute(
                "SELECT status, carrier_reason, foc_date, at FROM status_history "
                "WHERE request_id = ? ORDER BY rowid",
                (request_id,),
            ).fetchall()
            return [dict(row) for row in rows]

    @staticmethod
    def _load(db: sqlite3.Connection, row: sqlite3.Row) -> PortRequest:
        numbers = db.execute(
            "SELECT e164, routing_id, receiving_number, tracking_source FROM request_numbers "
            "WHERE request_id = ? ORDER BY e164",
            (row["id"],),
        )
        return _request(row, [_number_line(line) for line in numbers])

    @staticmethod
    def _differs(db: sqlite3.Connection, row: sqlite3.Row, draft: RequestDraft) -> list[str]:
        """What the request under this key was made with that `draft` changes (names)."""
        secrets = db.execute(
            "SELECT carrier_account_number, pin FROM request_secrets WHERE request_id = ?",
            (row["id"],),
        ).fetchone()
        sent = draft.billing_secrets.revealed()
        requested = draft.requested_port_date.isoformat() if draft.requested_port_date else None
        changed = {
            "PIN": secrets is not None and secrets["pin"] != sent["pin"],
            "carrier account number": secrets is not None
            and secrets["carrier_account_number"] != sent["carrier_account_number"],
            "losing carrier": row["losing_carrier"] != draft.losing_carrier,
            "requested port date": row["requested_port_date"] != requested,
            "paperwork": _papers(stored := json.loads(row["paperwork"] or "{}"))
            != _papers(json.loads(json.dumps(draft.paperwork)), keys=stored.keys()),
        }
        return [name for name, different in changed.items() if different]

    @staticmethod
    def _refusals(db: sqlite3.Connection, request_id: str) -> tuple[list[Refusal], list[Refusal]]:
        """The numbers kept out of a request, with their holders' status now: a holder
        cancelled since has freed its numbers, and the client submits them again."""
        rows = db.execute(
            "SELECT f.e164, f.other_request_id, COALESCE(r.status, f.other_status), "
            "COALESCE(r.account_id = me.account_id, f.same_batch), r.port_group "
            "FROM request_refusals f JOIN port_requests me ON me.id = f.request_id "
            "LEFT JOIN port_requests r ON r.id = f.other_request_id "
            "WHERE f.request_id = ? ORDER BY f.e164",
            (request_id,),
        ).fetchall()
        held = [
            (
                bool(r[3]),
                Refusal(
                    e164=r[0],
                    port_request_id=r[1],
                    status=r[2],
                    port_group=r[4] if r[3] else None,
                ),
            )
            for r in rows
        ]
        return [h for same, h in held if same], [h for same, h in held if not same]


@contextmanager
def _snapshot(db: sqlite3.Connection) -> Iterator[None]:
    """One read transaction: both queries see the same requests (a submit between them
    would add numbers of a request the first did not list)."""
    db.execute("BEGIN")
    try:
        yield
    finally:
        db.execute("COMMIT")


def _number_line(row: sqlite3.Row) -> NumberLine:
    """A number of a request as stored. (model_validate of a dict runs in pydantic-core:
    faster than NumberLine(**row), and than model_construct, a loop in Python.)"""
    return NumberLine.model_validate(
        {
            "e164": row["e164"],
            "routing_id": row["routing_id"],
            "receiving_number": row["receiving_number"],
            "tracking_source": row["tracking_source"],
        }
    )


def _request(row: sqlite3.Row, numbers: list[NumberLine]) -> PortRequest:
    return PortRequest(
        id=row["id"],
        idempotency_key=row["idempotency_key"],
        account_id=row["account_id"],
        friendly_name=row["friendly_name"],
        port_group=row["port_group"],
        losing_carrier=row["losing_carrier"],
        status=row["status"],
        carrier_reason=row["carrier_reason"],
        foc_date=row["foc_date"],
        earliest_completion=row["earliest_completion"],
        latest_completion=row["latest_completion"],
        requested_port_date=row["requested_port_date"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        numbers=numbers,
    )
