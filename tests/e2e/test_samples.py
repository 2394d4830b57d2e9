"""The samples, as the demo and a migration engineer run them."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest

from tests.e2e.cli import REPO, differences, expected_outcomes, outcomes, portflow

SAMPLES = REPO / "data" / "samples"
EXPECTED = SAMPLES / "expected"


def test_check_on_the_samples_gives_every_expected_verdict(tmp_path: Path) -> None:
    counts = json.loads((EXPECTED / "expected_counts.json").read_text())
    out = tmp_path / "out"
    result = portflow(
        "check",
        *counts["input_order"],
        "--accounts",
        "accounts",
        "--out",
        str(out),
        "--run-date",
        "2026-11-26",
        cwd=SAMPLES,
    )
    assert result.code == 0, result.stderr
    assert differences(outcomes(out), expected_outcomes(EXPECTED / "expected.csv")) == []
    summary = json.loads((out / "summary.json").read_text())
    for key in ("rows", "accepted", "rejected", "fax", "skipped_blank", "rejects_by_reason"):
        assert summary[key] == counts[key], key
    assert f"Checked {counts['rows']} rows from 5 file(s)" in result.stdout


def test_the_demo_writes_every_output_and_the_workbook_reads_back(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    result = portflow("demo", "--no-prefect", "--out", str(out))
    assert result.code == 0, result.stderr
    written = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert written == [
        "configured_numbers.csv",
        "configured_numbers.xlsx",
        "rejects.csv",
        "rejects.xlsx",
        "submitted.csv",
        "summary.json",
        "tickets/fax_numbers.csv",
        "tickets/fax_ticket.md",
        "tickets/international_numbers.csv",
        "tickets/international_ticket.md",
    ]
    book = openpyxl.load_workbook(out / "rejects.xlsx")
    assert book.sheetnames == ["Summary", "Rejects"]
    rejects = book["Rejects"]
    header = [cell.value for cell in rejects[1]]
    assert header[:10] == [
        "source_file",
        "source_sheet",
        "source_row",
        "raw_number",
        "e164",
        "reason_code",
        "all_reasons",
        "reason",
        "remediation",
        "related",
    ]
    summary = json.loads((out / "summary.json").read_text())
    assert rejects.max_row == summary["rejected"] + 1
    assert summary["readiness"]["ready"] and summary["submission"]["created"] == 12
    assert "Port requests in sqlite:///" in result.stdout and "PR-000012" in result.stdout
    again = portflow("demo", "--no-prefect", "--out", str(out))
    assert again.code == 0, again.stderr
    assert "0 port request(s) created, 12 already there" in again.stdout
    ticket = (out / "tickets" / "fax_ticket.md").read_text()
    assert ticket.startswith("# Fax Porting Documentation - ACC-20418")
    assert "Subject:** Fax Porting Documentation - ACC-20418" in ticket


@pytest.mark.slow
def test_the_demo_runs_as_a_prefect_flow_on_a_temporary_server(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    result = portflow("demo", "--out", str(out), env={"PREFECT_HOME": str(tmp_path / "prefect")})
    assert result.code == 0, result.stderr
    assert "Prefect flow run" in result.stdout
    assert (out / "summary.json").exists()


def test_configured_workbook_is_skipped_above_the_xlsx_limit(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = portflow("demo", "--no-prefect", "--out", str(out), "--xlsx-limit", "100")
    assert result.code == 0, result.stderr
    assert not (out / "configured_numbers.xlsx").exists()
    assert (out / "configured_numbers.csv").exists() and (out / "rejects.xlsx").exists()
    summary = json.loads((out / "summary.json").read_text())
    assert "configured_numbers.xlsx" not in summary["outputs"]
    assert any("exceed --xlsx-limit 100" in warning for warning in summary["warnings"])
