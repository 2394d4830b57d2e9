"""What portflow remembers between runs: the findings of each reconciliation (SQLite).

Runs are kept per scope (porting system + accounts folder): several accounts or systems can
share one state file. A run is compared with the latest earlier-dated run of its scope; a
second run for the same date replaces the first (a re-run of a night is the same night).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from portflow.errors import StateBusy, UsageError, sqlite_busy

BUSY_TIMEOUT_SECONDS = 60  # how long a run waits for another holding the state

Key = tuple[str, str, str]  # (code, port_request_id, e164)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS reconciliations (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    scope TEXT NOT NULL,
    run_id TEXT NOT NULL UNIQUE,
    run_date TEXT NOT NULL,
    codes_checked TEXT NOT NULL,  -- the finding codes this run looked for, ';'-joined
    finished_at TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS reconciliations_night ON reconciliations(scope, run_date);
CREATE TABLE IF NOT EXISTS reconciliation_findings (
    run_id TEXT NOT NULL REFERENCES reconciliations(run_id) ON DELETE CASCADE,
    code TEXT NOT NULL,
    port_request_id TEXT NOT NULL,
    e164 TEXT NOT NULL,
    PRIMARY KEY (run_id, code, port_request_id, e164)
);
"""


@dataclass(frozen=True)
class Previous:
    """The run to compare with: its ID, date, findings and the codes it looked for."""

    run_id: str | None
    run_date: str | None
    keys: frozenset[Key]
    codes_checked: frozenset[str]
    # For the codes that run did not look for (a table not provided that night): the
    # findings of the latest earlier run that did, so that they do not come back as new.
    seen_before: frozenset[Key] = frozenset()

    @property
    def known(self) -> frozenset[Key]:
        """What a finding is compared with to say whether it is new."""
        return self.keys | self.seen_before


class ReconcileState:
    """Each reconciliation's findings, so that the next one can say which are new."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with self._connect() as db:
                db.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as error:
            raise UsageError(f"reconciliation state {path}: cannot open ({error})") from None

    @contextmanager
    def _connect(self, doing: str = "opening it") -> Iterator[sqlite3.Connection]:
        """One transaction; a store still busy after BUSY_TIMEOUT_SECONDS is StateBusy."""
        connection = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_SECONDS)
        try:
            connection.execute("PRAGMA foreign_keys=ON")
            with connection:
                yield connection
        except sqlite3.OperationalError as error:
            if not sqlite_busy(error):  # read-only, disk full, ...: running again won't help
                raise UsageError(
                    f"reconciliation state {self.path}: {error} while {doing}; fix that, then "
                    "run the same command again"
                ) from None
            raise StateBusy(
                f"reconciliation state {self.path}: {error} while {doing}; run the same "
                "command again"
            ) from None
        finally:
            connection.close()

    def previous(self, scope: str, run_date: dt.date, codes: Iterable[str] = ()) -> Previous:
        """The latest run of `scope` dated before `run_date` (none: every finding is new);
        for those of `codes` it did not look for, the latest earlier run that did."""
        with self._connect("reading the previous run (nothing was written)") as db:
            last = db.execute(
                "SELECT run_id, run_date, codes_checked FROM reconciliations "
                "WHERE scope = ? AND run_date < ? ORDER BY run_date DESC, seq DESC LIMIT 1",
                (scope, run_date.isoformat()),
            ).fetchone()
            if last is None:
                return Previous(None, None, frozenset(), frozenset())
            rows = db.execute(
                "SELECT code, port_request_id, e164 FROM reconciliation_findings WHERE run_id = ?",
                (last[0],),
            ).fetchall()
            checked = frozenset(filter(None, last[2].split(";")))
            before: set[Key] = set()
            unchecked = set(codes) - checked
            if unchecked:
                earlier = db.execute(
                    "SELECT run_id, codes_checked FROM reconciliations WHERE scope = ? "
                    "AND run_date < ? ORDER BY run_date DESC, seq DESC",
                    (scope, run_date.isoformat()),
                ).fetchall()
                for run_id, codes_checked in earlier[1:]:
                    looked = unchecked & set(codes_checked.split(";"))
                    for code in sorted(looked):
                        before.update(
                            (code, r[0], r[1])
                            for r in db.execute(
                                "SELECT port_request_id, e164 FROM reconciliation_findings "
                                "WHERE run_id = ? AND code = ?",
                                (run_id, code),
                            )
                        )
                    unchecked -= looked
                    if not unchecked:
                        break
        return Previous(
            last[0],
            last[1],
            frozenset((r[0], r[1], r[2]) for r in rows),
            checked,
            frozenset(before),
        )

    def record(
        self,
        scope: str,
        run_id: str,
        run_date: dt.date,
        keys: Iterable[Key],
        codes_checked: Iterable[str],
    ) -> None:
        """Remember this run's findings (after its outputs are written)."""
        doing = "recording this run's findings (its outputs are written)"
        with self._connect(doing) as db:
            db.execute(
                "DELETE FROM reconciliations WHERE scope = ? AND run_date = ?",
                (scope, run_date.isoformat()),
            )
            db.execute(
                "INSERT INTO reconciliations (scope, run_id, run_date, codes_checked, "
                "finished_at) VALUES (?, ?, ?, ?, ?)",
                (
                    scope,
                    run_id,
                    run_date.isoformat(),
                    ";".join(sorted(codes_checked)),
                    dt.datetime.now(dt.UTC).isoformat(),
                ),
            )
            db.executemany(
                "INSERT OR IGNORE INTO reconciliation_findings VALUES (?, ?, ?, ?)",
                [(run_id, *key) for key in keys],
            )
