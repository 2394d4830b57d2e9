"""The reconciliation state: a busy store is a one-line 'try again', never a traceback;
an unwritable one says so, since trying again will not help."""

from __future__ import annotations

import datetime as dt
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from portflow.errors import EXIT_BAD_INPUT, EXIT_UNREACHABLE, StateBusy, UsageError
from portflow.state import ReconcileState
from tests.helpers import unwritable

DAY = dt.date(2027, 6, 2)


def test_a_state_held_by_another_run_is_state_busy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("portflow.state.BUSY_TIMEOUT_SECONDS", 0.1)
    state = ReconcileState(tmp_path / "state.db")
    state.record("ACC-1", "run-1", DAY, [("OVERDUE", "PR-000001", "+14155552671")], ["OVERDUE"])
    with closing(sqlite3.connect(state.path, isolation_level=None)) as other:
        other.execute("BEGIN EXCLUSIVE")
        with pytest.raises(StateBusy, match="recording this run's findings") as raised:
            state.record("ACC-1", "run-2", DAY + dt.timedelta(days=1), [], ["OVERDUE"])
        assert raised.value.exit_code == EXIT_UNREACHABLE
        with pytest.raises(StateBusy, match="database is locked while reading the previous"):
            state.previous("ACC-1", DAY + dt.timedelta(days=1))
    later = state.previous("ACC-1", DAY + dt.timedelta(days=1))
    assert later.run_id == "run-1"  # the refused run changed nothing


def test_an_unwritable_state_is_not_called_busy(tmp_path: Path) -> None:
    state = ReconcileState(tmp_path / "state.db")
    state.record("ACC-1", "run-1", DAY, [("OVERDUE", "PR-000001", "+14155552671")], ["OVERDUE"])
    with unwritable(state.path):
        assert state.previous("ACC-1", DAY + dt.timedelta(days=1)).run_id == "run-1"
        with pytest.raises(UsageError) as refused:
            state.record("ACC-1", "run-2", DAY + dt.timedelta(days=1), [], ["OVERDUE"])
    assert refused.value.exit_code == EXIT_BAD_INPUT
    assert "readonly database while recording this run's findings" in str(refused.value)
    assert "fix that, then run the same command again" in str(refused.value)


def test_findings_of_a_code_skipped_last_night_are_known_from_the_night_before(
    tmp_path: Path,
) -> None:
    """A night without the tracking export does not make its findings new the night after."""
    state = ReconcileState(tmp_path / "state.db")
    completed = ("COMPLETED_NOT_CONFIGURED", "PR-000004", "+14155552671")
    overdue = ("OVERDUE", "PR-000001", "+14155552672")
    both = ["OVERDUE", "COMPLETED_NOT_CONFIGURED"]
    state.record("ACC-1", "run-1", DAY, [completed, overdue], both)
    state.record("ACC-1", "run-2", DAY + dt.timedelta(days=1), [overdue], ["OVERDUE"])
    third = state.previous("ACC-1", DAY + dt.timedelta(days=2), both)
    assert third.run_id == "run-2" and third.keys == {overdue}
    assert third.known == {overdue, completed}
    assert state.previous("ACC-1", DAY + dt.timedelta(days=2)).known == {overdue}
