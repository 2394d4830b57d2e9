"""Time to submit N accepted numbers to the reference porting-system service over HTTP.

    .venv/bin/python -m bench.submit [--numbers 10000] [--per-request 1000]

Starts `portflow system serve` on 127.0.0.1, runs `portflow submit` as a user would (a fresh
process, all outputs), then runs it again (every request already there), and prints both.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

from portflow.numbers import normalise_one
from tests.e2e.cli import portflow
from tests.porting.service import TOKEN, running_service

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "data" / "samples"
AREA_CODES = ("212", "312", "415", "617", "713", "206", "303", "404", "512", "602")


def workload(folder: Path, count: int, seed: int) -> Path:
    rng = random.Random(seed)
    numbers: set[str] = set()
    while len(numbers) < count:  # valid ones only: every number is accepted and submitted
        number = (
            f"({rng.choice(AREA_CODES)}) {rng.randrange(200, 1000)}-{rng.randrange(10_000):04d}"
        )
        if normalise_one(number).status == "ok":
            numbers.add(number)
    path = folder / "numbers.csv"
    path.write_text("Phone Number,Routing ID\n" + "".join(f"{n},\n" for n in sorted(numbers)))
    accounts = folder / "accounts"
    accounts.mkdir()
    for name, header in (
        ("tracking_numbers", "number"),
        ("receiving_numbers", "number"),
        ("failsafe_numbers", "number"),
        ("users", "number"),
        ("port_requests", "port_request_id,number,status"),
        ("routing", "routing_id,name"),
    ):
        (accounts / f"{name}.csv").write_text(header + "\n")
    shutil.copytree(SAMPLES / "documents", folder / "documents")
    shutil.copy(SAMPLES / "manifest.yaml", folder / "manifest.yaml")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--numbers", type=int, default=10_000)
    parser.add_argument("--per-request", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=20261126)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="portflow-bench-") as temporary:
        folder = Path(temporary)
        numbers = workload(folder, args.numbers, args.seed)
        command = [
            "submit",
            str(numbers),
            "--accounts",
            str(folder / "accounts"),
            "--manifest",
            str(folder / "manifest.yaml"),
            "--run-date",
            "2026-11-26",
            "--max-per-request",
            str(args.per_request),
        ]
        env = {"PORTFLOW_SYSTEM_TOKEN": TOKEN}
        with running_service(folder / "ps.db", faults=False) as service:
            timings = {}
            for label in ("first submission", "re-run (all exist)"):
                out = folder / label.split()[0]
                started = time.perf_counter()
                result = portflow(*command, "--out", str(out), "--system", service.url, env=env)
                timings[label] = time.perf_counter() - started
                if result.code != 0:
                    print(result.stderr, file=sys.stderr)
                    return 1
                submission = json.loads((out / "summary.json").read_text())["submission"]
                print(
                    f"{label}: {timings[label]:.2f} s, {submission['created']} created, "
                    f"{submission['existing']} existing, "
                    f"{submission['numbers_submitted']:,} numbers"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
