"""The served deployments: schedules, timezone, one run at a time; the inbox and the nightly."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from portflow.porting.store import SqliteSystem
from tests.e2e.cli import REPO, environment
from tests.helpers import MINIMAL_ACCOUNTS, write_accounts
from tests.porting.service import free_port


def test_deployments_register_with_schedule_timezone_and_concurrency(
    prefect_server: None, tmp_path: Path
) -> None:
    from prefect.client.orchestration import get_client

    from flows.deployments import ServeOptions, build_deployments

    options = ServeOptions(
        accounts=str(tmp_path / "accounts"),
        out=str(tmp_path / "out"),
        inbox=str(tmp_path / "inbox"),
        cron="30 1 * * *",
        timezone="America/Chicago",
        interval_seconds=90,
    )
    for deployment in build_deployments(options):
        deployment.apply()
    with get_client(sync_client=True) as client:
        nightly = client.read_deployment_by_name("portflow-reconcile/nightly")
        inbox = client.read_deployment_by_name("portflow-inbox/inbox")
    cron = nightly.schedules[0].schedule
    assert (cron.cron, cron.timezone) == ("30 1 * * *", "America/Chicago")  # type: ignore[union-attr]
    interval = inbox.schedules[0].schedule
    assert interval.interval == dt.timedelta(seconds=90)  # type: ignore[union-attr]
    for deployment in (nightly, inbox):
        assert deployment.global_concurrency_limit is not None
        assert deployment.global_concurrency_limit.limit == 1
        assert deployment.concurrency_options is not None
        assert deployment.concurrency_options.collision_strategy == "CANCEL_NEW"
    assert nightly.parameters["dated_folder"] is True
    assert inbox.parameters["inbox"] == str(tmp_path / "inbox")


def test_dead_runs_are_crashed_by_one_automation(prefect_server: None) -> None:
    from prefect.client.orchestration import get_client

    from flows.deployments import ZOMBIE_AUTOMATION, ensure_zombie_automation

    ensure_zombie_automation()
    ensure_zombie_automation()  # serve starts again: still one
    with get_client(sync_client=True) as client:
        found = client.read_automations_by_name(name=ZOMBIE_AUTOMATION)
    assert len(found) == 1
    assert found[0].actions[0].type == "change-flow-run-state"


def test_deployments_another_process_serves_are_found(prefect_server: None, tmp_path: Path) -> None:
    """A second serve on the same API would take them over, then pause them when it stops."""
    from prefect.client.orchestration import get_client

    from flows.deployments import ServeOptions, build_deployments, served_elsewhere

    options = ServeOptions(
        accounts=str(tmp_path), out=str(tmp_path / "out"), inbox=str(tmp_path / "inbox")
    )
    deployments = build_deployments(options)
    ids = [deployment.apply() for deployment in deployments]
    assert served_elsewhere(deployments) == []  # applied, never polled: nobody serves them
    with get_client(sync_client=True) as client:
        client.get_scheduled_flow_runs_for_deployments(ids[:1])  # what a serving runner does
    assert served_elsewhere(deployments) == ["portflow-reconcile/nightly"]
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=2)
    assert served_elsewhere(deployments, now=later) == []  # its serve stopped polling
    with get_client(sync_client=True) as client:
        client.pause_deployment(ids[0])
    assert served_elsewhere(deployments) == []


def test_serve_waits_for_a_crashed_serve_to_age_out_and_refuses_a_live_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import importlib

    from portflow.errors import UsageError

    serve = importlib.import_module("portflow.cli.serve")  # not the command of that name

    monkeypatch.setattr(serve, "TAKEOVER_POLL_SECONDS", 0.01)
    answers = iter([["portflow-inbox/inbox"], ["portflow-inbox/inbox"], []])
    serve._wait_until_not_served("http://api", lambda: next(answers))  # it stopped polling
    monkeypatch.setattr(serve, "TAKEOVER_WAIT_SECONDS", 0.05)
    with pytest.raises(UsageError, match="served by another process on Prefect API"):
        serve._wait_until_not_served("http://api", lambda: ["portflow-inbox/inbox"])


def test_the_inbox_flow_processes_new_files_once_and_survives_a_corrupt_one(
    prefect_server: None, tmp_path: Path
) -> None:
    from flows.inbox import inbox_flow

    accounts = write_accounts(tmp_path / "accounts", MINIMAL_ACCOUNTS)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "wave.csv").write_text("Phone\n4155552671\n")
    (inbox / "corrupt.xlsx").write_bytes(b"PK\x03\x04garbage")
    for path in inbox.iterdir():
        os.utime(path, (time.time() - 60, time.time() - 60))
    first = inbox_flow(
        inbox=str(inbox), accounts=str(accounts), out=str(tmp_path / "runs"), return_state=True
    )
    assert first.is_failed()  # seen in Prefect's UI and notifications, not "Completed"
    assert "1 file(s) failed" in str(first.message) and "corrupt.xlsx" in str(first.message)
    assert sorted(p.name for p in (inbox / "done").iterdir()) == ["wave.csv"]
    assert sorted(p.name for p in (inbox / "failed").iterdir()) == ["corrupt.xlsx"]
    again = inbox_flow(inbox=str(inbox), accounts=str(accounts), out=str(tmp_path / "runs"))
    assert again == {"done": 0, "failed": 0, "retry": 0, "files": []}


@pytest.mark.parametrize(
    ("scheduled", "now", "day"),
    [
        ((2026, 11, 27, 7), (2026, 11, 27, 7), dt.date(2026, 11, 27)),  # on time
        ((2026, 11, 27, 4), (2026, 11, 27, 14), dt.date(2026, 11, 26)),  # 23:00, 10 h late
        ((2026, 11, 23, 7), (2026, 11, 27, 15), dt.date(2026, 11, 27)),  # before an outage
    ],
)
def test_a_run_scheduled_before_an_outage_reports_on_today(
    monkeypatch: pytest.MonkeyPatch,
    scheduled: tuple[int, ...],
    now: tuple[int, ...],
    day: dt.date,
) -> None:
    """Prefect starts the runs it scheduled during an outage when serve is back: their
    data is today's, so their date is too."""
    import prefect.runtime.flow_run

    from flows.reconcile import scheduled_day

    at = dt.datetime(*scheduled, tzinfo=dt.UTC)  # type: ignore[misc]
    monkeypatch.setattr(prefect.runtime.flow_run, "scheduled_start_time", at)
    clock = dt.datetime(*now, tzinfo=dt.UTC)  # type: ignore[misc]
    assert scheduled_day("America/New_York", now=clock) == day


def test_a_served_flows_process_passes_portflows_info_lines_to_prefect() -> None:
    """Prefect runs a served flow in `python -m prefect.engine`, which imports the flow's
    module but never the command line's logging set-up: INFO stopped at WARNING there."""
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import logging, flows.inbox; "
            "print(logging.getLogger('portflow.inbox').isEnabledFor(logging.INFO))",
        ],
        cwd=REPO,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert done.stdout.strip() == "True"


@pytest.mark.slow
def test_portflow_serve_runs_the_nightly_when_triggered(tmp_path: Path) -> None:
    """As the README says: serve starts its own Prefect server; a trigger runs the flow."""
    accounts = write_accounts(tmp_path / "accounts", MINIMAL_ACCOUNTS)
    SqliteSystem(tmp_path / "ps.db")  # an empty porting system
    port = free_port()
    env = environment(
        {"PREFECT_HOME": str(tmp_path / "prefect"), "PORTFLOW_DATA_DIR": str(tmp_path / "data")}
    )
    log = tmp_path / "serve.log"
    with log.open("wb") as output:  # a file, not a pipe: nobody has to keep reading it
        serving = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "portflow",
                "serve",
                "--accounts",
                str(accounts),
                "--out",
                str(tmp_path / "out"),
                "--prefect-port",
                str(port),
                "--system",
                f"sqlite:///{tmp_path / 'ps.db'}",
            ],
            cwd=REPO,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 120
        while "Trigger one now" not in log.read_text():
            assert serving.poll() is None, "portflow serve stopped: " + log.read_text()
            assert time.monotonic() < deadline, "portflow serve did not start: " + log.read_text()
            time.sleep(0.5)
        trigger = subprocess.run(
            [sys.executable, "-m", "prefect", "deployment", "run", "portflow-reconcile/nightly"],
            env={**env, "PREFECT_API_URL": f"http://127.0.0.1:{port}/api"},
            cwd=tmp_path,
            capture_output=True,
            timeout=120,
            check=False,
        )
        assert trigger.returncode == 0, trigger.stdout + trigger.stderr
        deadline = time.monotonic() + 120
        while not list((tmp_path / "out").glob("*/summary.json")):
            assert time.monotonic() < deadline, "the nightly did not run within 120 s"
            time.sleep(1)
    finally:
        serving.send_signal(signal.SIGTERM)  # as a service manager stops it
        try:
            serving.wait(timeout=60)
        finally:
            if serving.poll() is None:
                os.killpg(serving.pid, signal.SIGKILL)
    assert serving.returncode is not None
    deadline = time.monotonic() + 30  # the local server went with it
    while _answers(f"http://127.0.0.1:{port}/api/health"):
        assert time.monotonic() < deadline, "the local Prefect server outlived portflow serve"
        time.sleep(0.5)
    written = sorted(p.name for p in next((tmp_path / "out").iterdir()).iterdir())
    assert written == ["reconciliation.csv", "reconciliation.xlsx", "summary.json"]


@pytest.mark.slow
def test_the_work_pool_path_runs_on_one_machine() -> None:
    """scripts/work_pool_demo.py: server, process work pool, prefect.yaml deployed, a worker."""
    done = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "work_pool_demo.py")],
        cwd=REPO,
        env=environment(),
        capture_output=True,
        timeout=600,
        check=False,
    )
    output = done.stdout.decode()
    assert done.returncode == 0, output + done.stderr.decode()
    assert "done: the worker ran the flow" in output
    assert "reconciliation.xlsx" in output


def test_the_reconcile_flow_publishes_a_markdown_artifact(
    prefect_server: None, tmp_path: Path
) -> None:
    from prefect.artifacts import Artifact

    from flows.reconcile import reconcile_flow

    accounts = write_accounts(tmp_path / "accounts", MINIMAL_ACCOUNTS)
    SqliteSystem(tmp_path / "ps.db")  # an empty porting system
    summary = reconcile_flow(
        accounts=str(accounts),
        out=str(tmp_path / "out"),
        system_url=f"sqlite:///{tmp_path / 'ps.db'}",
        state=str(tmp_path / "state.db"),
        run_date="2026-11-26",
        dated_folder=True,
    )
    assert (tmp_path / "out" / "2026-11-26" / "reconciliation.xlsx").exists()
    artifact = Artifact.get("portflow-reconciliation")
    assert artifact is not None and summary["run_id"] in str(artifact.data)


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["--cron", "every night"], {}, "--cron 'every night' is not a cron expression"),
        (["--timezone", "Mars/Olympus"], {}, "--timezone 'Mars/Olympus' is not a timezone"),
        (
            [],
            {"PREFECT_API_URL": "http://127.0.0.1:9/api"},
            "PREFECT_API_URL http://127.0.0.1:9/api does not answer",
        ),
        (["--manifest", "m.yaml"], {}, "--manifest needs --inbox"),
        # Found once, not by every night's run and every customer file (to failed/):
        (["--accounts", "/nonexistent"], {}, "--accounts /nonexistent: no such folder"),
        (["--out", "/proc/portflow"], {}, "--out /proc/portflow: cannot be made"),
        (["--inbox", "in", "--manifest", "missing.yaml"], {}, "missing.yaml: no such file"),
        (["--system", "ftp://example.com"], {}, "use sqlite:///PATH or an http(s)://"),
        (  # before a deployment records it in Prefect's database
            ["--system", "https://ops:hunter2@porting.example.com"],
            {},
            "put the credentials in PORTFLOW_SYSTEM_TOKEN",
        ),
    ],
)
def test_serve_refuses_what_cannot_work_in_one_line(
    tmp_path: Path, args: list[str], env: dict[str, str], message: str
) -> None:
    from tests.e2e.cli import portflow

    result = portflow(
        "serve", "--accounts", str(tmp_path), "--out", str(tmp_path / "out"), *args, env=env
    )
    assert result.code == 2 and len(result.stderr.splitlines()) == 1, result.stderr
    assert message in result.stderr and "hunter2" not in result.stderr
    if "--out" not in args:  # a refused serve leaves no folder behind
        assert not (tmp_path / "out").exists()


def test_serve_names_a_file_given_as_a_folder(tmp_path: Path) -> None:
    from tests.e2e.cli import portflow

    (tmp_path / "out").write_text("")
    result = portflow("serve", "--accounts", str(tmp_path), "--out", str(tmp_path / "out"))
    assert result.code == 2 and f"--out {tmp_path / 'out'}: is a file, not a folder" in (
        result.stderr
    )


def test_a_port_whose_server_stopped_a_moment_ago_is_free() -> None:
    """Its connections linger in TIME_WAIT for a minute; a restarted serve may bind."""
    import socket

    from portflow.cli.serve import _port_free

    with socket.socket() as server:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        with socket.create_connection(("127.0.0.1", port)) as client:
            accepted, _ = server.accept()
            accepted.close()  # the server's side closes first: TIME_WAIT on its port
            client.recv(1)
        assert not _port_free(port)  # still listening
    assert _port_free(port)


def test_one_store_has_one_name_however_it_is_spelt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reconcile's scope is the store's name: `sqlite:///ps.db` and its absolute spelling
    were two scopes, and every finding was new again."""
    monkeypatch.chdir(tmp_path)
    assert SqliteSystem(Path("ps.db")).description == f"sqlite:///{tmp_path / 'ps.db'}"
    assert SqliteSystem(Path("sub/../ps.db")).description == f"sqlite:///{tmp_path / 'ps.db'}"


def test_serve_will_not_share_a_busy_port(tmp_path: Path) -> None:
    import socket

    from tests.e2e.cli import portflow

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = portflow(
            "serve",
            "--accounts",
            str(tmp_path),
            "--out",
            str(tmp_path / "out"),
            "--prefect-port",
            str(port),
        )
    assert result.code == 2
    assert f"port {port} is in use" in result.stderr.splitlines()[-1]


def _answers(url: str) -> bool:
    import httpx

    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False
