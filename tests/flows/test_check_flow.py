"""The check as a Prefect flow: same outputs as the CLI's direct run, plus run artifacts."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from portflow.errors import InputError
from portflow.pipeline import CheckOptions, run_check
from tests.helpers import MINIMAL_ACCOUNTS, write_accounts


@pytest.fixture
def options(tmp_path: Path) -> CheckOptions:
    accounts = write_accounts(
        tmp_path / "accounts",
        {
            **MINIMAL_ACCOUNTS,
            "tracking_numbers": "id,name,number\nTN-1,Main,4155552671\n",
        },
    )
    listing = tmp_path / "list.csv"
    listing.write_text("Phone\n4155552671\n4155552672\nnot a number\n")
    return CheckOptions(
        inputs=(str(listing),),
        accounts=accounts,
        out=tmp_path / "out",
        run_date=dt.date(2026, 11, 26),
        cache_dir=None,
    )


def outputs(out: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8-sig") for p in out.glob("*.csv")}


def test_the_flow_writes_what_the_direct_run_writes_and_publishes_artifacts(
    prefect_server: None, options: CheckOptions, tmp_path: Path
) -> None:
    from prefect.artifacts import Artifact

    from flows.check import check_flow

    summary = check_flow(options)
    direct = run_check(CheckOptions(**{**options.__dict__, "out": tmp_path / "direct"}))
    assert (summary["rows"], summary["accepted"], summary["rejected"]) == (3, 1, 2)
    assert {k: v for k, v in summary.items() if k != "run_id"} == {
        k: v for k, v in direct.summary.items() if k != "run_id"
    }
    assert outputs(options.out) == outputs(tmp_path / "direct")
    assert json.loads((options.out / "summary.json").read_text())["run_id"] == summary["run_id"]
    markdown = Artifact.get("portflow-check-summary")
    assert markdown is not None and summary["run_id"] in str(markdown.data)
    table = Artifact.get("portflow-check-rejects-by-reason")
    assert table is not None and "ALREADY_TRACKING" in str(table.data)


def test_bad_input_fails_the_flow_with_the_same_error(
    prefect_server: None, options: CheckOptions, tmp_path: Path
) -> None:
    from flows.check import check_flow

    bad = tmp_path / "bad.csv"
    bad.write_text("Foo,Bar\n1,2\n")
    with pytest.raises(InputError, match="no column looks like a phone number"):
        check_flow(CheckOptions(**{**options.__dict__, "inputs": (str(bad),)}))
    assert not options.out.exists()


def test_check_records_its_run_in_a_configured_prefect_api(
    prefect_server: None, options: CheckOptions
) -> None:
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL

    from tests.e2e.cli import portflow

    result = portflow(
        "check",
        *options.inputs,
        "--accounts",
        str(options.accounts),
        "--out",
        str(options.out),
        env={"PREFECT_API_URL": str(PREFECT_API_URL.value())},
    )
    assert result.code == 0, result.stderr
    flow_run_id = result.stdout.split("Prefect flow run ")[1].split()[0]
    with get_client(sync_client=True) as client:
        flow_run = client.read_flow_run(flow_run_id)
    assert flow_run.state is not None and flow_run.state.is_completed()
    assert flow_run.parameters["options"]["out"] == str(options.out)


def test_a_prefect_api_that_does_not_answer_is_one_line_and_exit_4(options: CheckOptions) -> None:
    from tests.e2e.cli import portflow
    from tests.porting.service import free_port

    api = f"http://127.0.0.1:{free_port()}/api"  # nothing listens there
    common = ("--accounts", str(options.accounts), "--out", str(options.out))
    for args in (("check", *options.inputs, *common), ("reconcile", *common)):
        result = portflow(*args, env={"PREFECT_API_URL": api})
        assert result.code == 4, result.stderr
        assert result.stderr.splitlines() == [
            f"portflow: error: Prefect API ({api}) did not answer, so flow "
            f"portflow-{args[0]} did not run: run it again when Prefect is up, or with "
            "--no-prefect"
        ]
    assert not options.out.exists()


def test_the_submit_flow_retries_only_the_push_and_publishes_the_requests(
    prefect_server: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from prefect.artifacts import Artifact
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    from flows.submit import submit_flow
    from portflow.submission import SubmitOptions
    from tests.e2e.cli import INPUTS, SAMPLES
    from tests.porting.service import TOKEN, running_service

    for name, value in {
        "PORTFLOW_SYSTEM_TOKEN": TOKEN,
        "PORTFLOW_SYSTEM_ATTEMPTS": "2",
        "PORTFLOW_SYSTEM_BACKOFF": "0.01",
        "PORTFLOW_PUSH_RETRY_DELAY": "0.1",
    }.items():
        monkeypatch.setenv(name, value)
    check = CheckOptions(
        inputs=INPUTS,
        accounts=SAMPLES / "accounts",
        out=tmp_path / "out",
        run_date=dt.date(2026, 11, 26),
    )
    with running_service(tmp_path / "ps.db") as service:
        service.plan_faults(503, 503)  # the push task's first run gives up; its retry works
        state = submit_flow(
            SubmitOptions(check=check, manifest=SAMPLES / "manifest.yaml", system_url=service.url),
            return_state=True,
        )
        summary = state.result()
        assert service.faults_served() == [503, 503]
    assert summary["submission"]["created"] == 12 and summary["submission"]["complete"]
    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(
            flow_run_filter=FlowRunFilter(
                id=FlowRunFilterId(any_=[state.state_details.flow_run_id])
            )
        )
    attempts = {run.name.rsplit("-", 1)[0]: run.run_count for run in runs}
    assert attempts["push port requests"] == 2
    assert all(count == 1 for name, count in attempts.items() if name != "push port requests")
    table = Artifact.get("portflow-submit-requests")
    assert table is not None and "PR-000012" in str(table.data)
    markdown = Artifact.get("portflow-check-summary")
    assert markdown is not None and "## Submitted to" in str(markdown.data)
    with get_client(sync_client=True) as client:
        flow_run = client.read_flow_run(state.state_details.flow_run_id)
        logs = client.read_logs()
    recorded = [
        str(table.data),
        str(markdown.data),
        str(flow_run.parameters),
        *(log.message for log in logs),
    ]
    for secret in ("0482", "831-204-5567-0001", TOKEN):  # the sample PIN and account number
        assert not any(secret in text for text in recorded), secret


def test_a_retried_push_that_fails_still_lists_what_its_first_attempt_made(
    prefect_server: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each attempt of the push task starts again; the last one's answers alone made
    submitted.csv say not_submitted of numbers the first attempt had put in a request."""
    import polars as pl

    from flows.submit import submit_flow
    from portflow.submission import SubmitOptions
    from tests.e2e.cli import INPUTS, SAMPLES
    from tests.porting.service import TOKEN, running_service

    for name, value in {
        "PORTFLOW_SYSTEM_TOKEN": TOKEN,
        "PORTFLOW_SYSTEM_ATTEMPTS": "2",
        "PORTFLOW_SYSTEM_BACKOFF": "0.01",
        "PORTFLOW_PUSH_RETRIES": "1",
        "PORTFLOW_PUSH_RETRY_DELAY": "0.1",
    }.items():
        monkeypatch.setenv(name, value)
    out = tmp_path / "out"
    check = CheckOptions(
        inputs=INPUTS, accounts=SAMPLES / "accounts", out=out, run_date=dt.date(2026, 11, 26)
    )
    with running_service(tmp_path / "ps.db") as service:
        service.plan_faults(503, 503, 503, 503, after=1)  # one request made, then both fail
        service.plan_faults(503, 503, method="GET")  # and listing the requests after them
        state = submit_flow(
            SubmitOptions(check=check, manifest=SAMPLES / "manifest.yaml", system_url=service.url),
            return_state=True,
        )
        served = service.faults_served()
    assert state.is_failed()
    record = pl.read_csv(out / "submitted.csv", infer_schema=False)
    made = record.filter(pl.col("status") == "submitted")
    assert made.height > 0 and set(made.get_column("port_request_id")) == {"PR-000001"}
    assert record.filter(pl.col("status") == "not_submitted").height == record.height - made.height
    summary = json.loads((out / "summary.json").read_text())["submission"]
    assert (summary["created"], summary["numbers_submitted"]) == (1, made.height)
    assert served == [503] * 6  # the listing after the stop failed too: the log told
