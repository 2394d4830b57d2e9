"""An independent corpus (tests/corpus, written from SPEC.md alone) gives the expected verdicts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.cli import REPO, differences, expected_outcomes, outcomes, portflow


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("corpus")
    subprocess.run(
        [sys.executable, str(REPO / "tests" / "corpus" / "build.py"), str(folder)],
        check=True,
        capture_output=True,
    )
    return folder


def test_every_row_of_the_corpus_gets_the_expected_codes_and_e164(
    corpus: Path, tmp_path: Path
) -> None:
    counts = json.loads((corpus / "expected_counts.json").read_text())
    out = tmp_path / "out"
    result = portflow(
        "check",
        *counts["input_order"],
        "--accounts",
        str(corpus / "accounts"),
        "--out",
        str(out),
        cwd=corpus / "inputs",
    )
    assert result.code == 0, result.stderr
    assert differences(outcomes(out), expected_outcomes(corpus / "expected.csv")) == []
    summary = json.loads((out / "summary.json").read_text())
    for key in ("rows", "accepted", "rejected", "fax", "skipped_blank", "rejects_by_reason"):
        assert summary[key] == counts[key], key
    assert summary["rows"] == summary["accepted"] + summary["rejected"] + summary["fax"]
