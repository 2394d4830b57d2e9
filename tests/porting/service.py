"""The reference porting-system service, started and stopped by the tests on 127.0.0.1."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

TOKEN = "test-token-7f3a9c"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Service:
    url: str
    db: Path
    process: subprocess.Popen[bytes]

    def plan_faults(
        self,
        *statuses: int,
        retry_after: str | None = None,
        after: int = 0,
        method: str = "POST",
        path: str = "/v1/port-requests",
    ) -> None:
        responses = [{"status": s, "retry_after": retry_after} for s in statuses]
        httpx.post(
            f"{self.url}/v1/_faults",
            headers={"Authorization": f"Bearer {TOKEN}"},
            json={"method": method, "path": path, "after": after, "responses": responses},
        ).raise_for_status()

    def faults_served(self) -> list[int]:
        answer = httpx.get(f"{self.url}/v1/_faults", headers={"Authorization": f"Bearer {TOKEN}"})
        return list(answer.json()["served"])

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)


@contextmanager
def running_service(db: Path, *, port: int | None = None, faults: bool = True) -> Iterator[Service]:
    """`portflow system serve` in its own process; stopped (killed if need be) on exit."""
    port = port or free_port()
    env = {
        **os.environ,
        "PORTFLOW_SYSTEM_TOKEN": TOKEN,
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),  # this checkout's portflow
    }
    command = [
        sys.executable,
        "-m",
        "portflow",
        "system",
        "serve",
        "--db",
        str(db),
        "--port",
        str(port),
    ] + (["--faults"] if faults else [])
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    service = Service(f"http://127.0.0.1:{port}", db, process)
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"service exited: {process.stderr.read().decode()}")  # type: ignore[union-attr]
            try:
                if httpx.get(f"{service.url}/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("service did not start within 30 s")
            time.sleep(0.1)
        yield service
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
