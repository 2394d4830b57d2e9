"""The output folder held for a run: one holder at a time, in this process too."""

from __future__ import annotations

from pathlib import Path

import pytest

from portflow.errors import OutputError
from portflow.reports.staging import StagedOutputs, held


def test_a_folder_held_by_a_run_is_refused_to_another_and_free_after(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with held(out, names=("rejects.csv",)):
        with pytest.raises(OutputError, match="another portflow run is writing"):
            with held(out, names=("rejects.csv",)):
                pass
        with StagedOutputs(out, "run-1", known=("rejects.csv",)) as stage:  # the run's own
            stage.path("rejects.csv").write_text("x")
            stage.commit()
    with held(out, names=("rejects.csv",)):  # released: nothing leaked
        pass
    assert (out / "rejects.csv").read_text() == "x"
