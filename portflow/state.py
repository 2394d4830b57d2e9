"""What portflow remembers between runs: the findings of each reconciliation (SQLite)."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from portflow.errors import UsageError

Key = tuple[str, str, str]  # (code, port_request_id, e164)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS reconciliations (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id TEXT NOT NULL UNIQUE,
    run_date TEXT NOT NULL,
    finished_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS reconciliation_findings (
    run_id TEXT NOT NULL REFERENCES reconciliations(run_id),
    code TEXT NOT NULL,
    port_request_id TEXT NOT NULL,
    e164 TEXT NOT NULL,
    PRIMARY KEY (run_id, code, port_request_id, e164)
);
"""


class ReconcileState:
    """Each reconciliation's findings, so the next one can say which are new."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with self._connect() as db:
                db.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as error:
            raise UsageError(f"reconciliation state {path}: cannot open ({error})") from None

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        connection = sqlite3.connect(self.path, timeout=60)
        try:
            with connection:  # one transaction
                yield connection
        finally:
            connection.close()

    def previous(self) -> tuple[str | None, set[Key]]:
        """The last reconciliation's run ID and its findings (None, empty: the first run)."""
        with self._connect() as db:
            last = db.execute(
                "SELECT run_id FROM reconciliations ORDER BY seq DESC LIMIT 1"
            ).fetchone()
            if last is None:
                return None, set()
            rows = db.execute(
                "SELECT code, port_request_id, e164 FROM reconciliation_findings WHERE run_id = ?",
                (last[0],),
            ).fetchall()
        return last[0], {(r[0], r[1], r[2]) for r in rows}

    def record(self, run_id: str, run_date: dt.date, keys: Iterable[Key]) -> None:
        """Remember this run's findings (after its outputs are written)."""
        with self._connect() as db:
            db.execute(
                "INSERT INTO reconciliations (run_id, run_date, finished_at) VALUES (?, ?, ?)",
                (run_id, run_date.isoformat(), dt.datetime.now(dt.UTC).isoformat()),
            )
            db.executemany(
                "INSERT OR IGNORE INTO reconciliation_findings VALUES (?, ?, ?, ?)",
                [(run_id, *key) for key in keys],
            )
