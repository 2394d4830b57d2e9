"""The scale-out path on one machine: a Prefect server, a process work pool, one worker.

    .venv/bin/python scripts/work_pool_demo.py [--keep]

Starts a throwaway Prefect server, creates the `portflow` process work pool, deploys
prefect.yaml (`prefect deploy --all`), starts one worker, runs the nightly deployment and
waits for its reports. Everything lives in a temporary folder and is stopped at the end.
On a team's machines the same commands run against a server backed by PostgreSQL, with a
worker per machine (see README "Scaling out").
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from portflow.porting.store import SqliteSystem

REPO = Path(__file__).resolve().parents[1]
PREFECT = [sys.executable, "-m", "prefect"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(what: str, check: object, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():  # type: ignore[operator]
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"work pool demo: {what} did not happen within {seconds:.0f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="portflow-workpool-"))
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {
        **os.environ,
        "PREFECT_HOME": str(folder / "prefect"),
        "PREFECT_API_URL": api,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PORTFLOW_CODE_DIR": str(REPO),
        "PORTFLOW_ACCOUNTS_DIR": str(REPO / "data" / "samples" / "accounts"),
        "PORTFLOW_REPORTS_DIR": str(folder / "reports"),
        "PORTFLOW_INBOX_DIR": str(folder / "inbox"),
        "PORTFLOW_SYSTEM_URL": f"sqlite:///{folder / 'porting-system.db'}",
        "PORTFLOW_DATA_DIR": str(folder / "data"),
    }
    processes: list[subprocess.Popen[bytes]] = []
    started = time.monotonic()

    def step(message: str) -> None:
        print(f"[{time.monotonic() - started:5.1f} s] {message}", flush=True)

    def run(*command: str) -> None:
        subprocess.run(
            [*PREFECT, *command], env=env, cwd=REPO, check=True, stdout=subprocess.DEVNULL
        )

    try:
        SqliteSystem(folder / "porting-system.db")  # the demo's (empty) porting system
        step(f"starting a Prefect server on {api}")
        with (folder / "server.log").open("wb") as log:
            processes.append(
                subprocess.Popen(
                    [*PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        wait_for("the server answering", lambda: httpx.get(f"{api}/health").status_code == 200)
        step("creating the process work pool 'portflow'")
        run("work-pool", "create", "portflow", "--type", "process")
        step("deploying prefect.yaml (prefect deploy --all)")
        run("--no-prompt", "deploy", "--all")
        step("starting one worker")
        with (folder / "worker.log").open("wb") as log:
            processes.append(
                subprocess.Popen(
                    [*PREFECT, "worker", "start", "--pool", "portflow"],
                    env=env,
                    cwd=folder,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        step("running portflow-reconcile/nightly")
        run("deployment", "run", "portflow-reconcile/nightly")
        wait_for(
            "the nightly's reports",
            lambda: any((folder / "reports").glob("*/summary.json")),
            seconds=180,
        )
        report = next((folder / "reports").glob("*/summary.json")).parent
        step(f"done: the worker ran the flow; reports in {report}")
        for path in sorted(report.iterdir()):
            print(f"    {path.name}")
        return 0
    finally:
        for process in reversed(processes):
            try:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=30)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(process.pid, signal.SIGKILL)
        if args.keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
