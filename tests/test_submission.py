"""run_submit in-process, where a test must act between the push and the outputs."""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from portflow.errors import OutputError
from portflow.pipeline import CheckOptions
from portflow.submission import SubmitOptions, run_submit
from tests.helpers import unwritable

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"


def test_outputs_that_cannot_be_written_after_the_push_say_the_requests_exist(
    tmp_path: Path,
) -> None:
    """A disk that fills during the push: exit 2 must not read as "nothing was done"."""
    out, store = tmp_path / "out", tmp_path / "ps.db"
    options = SubmitOptions(
        check=CheckOptions(
            inputs=(str(SAMPLES / "acme_wave1_clinics.csv"),),
            accounts=SAMPLES / "accounts",
            out=out,
            run_date=dt.date(2026, 11, 26),
        ),
        manifest=SAMPLES / "manifest.yaml",
        system_url=f"sqlite:///{store}",
        new_system_expected=True,
    )
    with contextlib.ExitStack() as after_the_push:

        def push(name: str, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
            pushed = function(*args, **kwargs)
            after_the_push.enter_context(unwritable(out))
            return pushed

        with pytest.raises(OutputError) as raised:
            run_submit(options, push_step=push)
    with sqlite3.connect(store) as connection:
        made = [row[0] for row in connection.execute("SELECT id FROM port_requests ORDER BY id")]
    assert made and str(raised.value).endswith(
        f"the porting system has this batch's {len(made)} request(s) ({', '.join(made[:5])}"
        f"{', ...' if len(made) > 5 else ''}) all the same: run the same command again once "
        "--out can be written, to write their record (nothing is submitted twice)"
    )
