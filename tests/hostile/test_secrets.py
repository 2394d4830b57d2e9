"""Secrets: the PIN, the carrier account number and the token appear in nothing produced."""

from __future__ import annotations

import base64
import json
import shutil
import sqlite3
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote, quote_plus

import httpx

from tests.e2e.cli import REPO, Run, environment, start_portflow
from tests.porting.service import free_port

SAMPLES = REPO / "data" / "samples"
INPUTS = (
    "acme_legacy_export.csv",
    "acme_manual_add.txt",
    "acme_wave1_clinics.csv",
    "acme_wave2_regions.xlsx",
    "acme_wave3_fax_intl.tsv",
)
# Distinctive, and changed by URL-encoding and JSON-escaping, so that each form is looked for.
PIN = 'P1N-4711/"zq+'
ACCOUNT_NUMBER = "ACCT 8830&2291#x"
TOKEN = "tok+en/7Qz=9~s3cr3t"
WRONG_TOKEN = "wr0ng+tok/3Xv=8~k"
PASTED_TOKEN = "pa5ted+tok/8Wq=5~z"  # set with the CR of a Windows file, or a stray space
SAMPLE_PIN, SAMPLE_ACCOUNT_NUMBER = '"0482"', '"831-204-5567-0001"'
# Manifests whose secrets are malformed: (what replaces the PIN line, the account line).
MALFORMED = {
    "unquoted PIN": ("pin: 0123", None),  # YAML reads 83
    "PIN of the wrong type": (f"pin: {{value: '{PIN}'}}", None),
    "unquoted account number": (None, "carrier_account_number: 88302291"),
    "PIN quoted wrong": (f'pin: "{PIN}"', None),  # the " inside ends the string early
}
COMMANDS = (
    (),
    ("check",),
    ("submit",),
    ("demo",),
    ("requests",),
    ("reconcile",),
    ("serve",),
    ("system",),
    ("system", "serve"),
    ("system", "set-status"),
)


def disguises(secret: str) -> set[str]:
    """The secret raw, URL-encoded, JSON-escaped, repr'd, and in base64 at any offset of a
    longer text (a basic-auth header holds base64 of `user:secret`)."""
    forms = {
        secret,
        quote(secret, safe=""),
        quote(secret),
        quote_plus(secret),
        json.dumps(secret)[1:-1],
        repr(secret)[1:-1],
    }
    for shift in range(3):
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            coded = encode(b"\0" * shift + secret.encode()).decode()
            forms.add(coded[(8 * shift + 5) // 6 : -4])  # the part that is the secret's alone
    return forms


def contents(root: Path) -> dict[str, bytes]:
    """Every file under `root`, and every member of every zip (an xlsx) unpacked."""
    found = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        data = path.read_bytes()
        found[str(path)] = data
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                for member in archive.namelist():
                    found[f"{path}!{member}"] = archive.read(member)
    return found


def leaks(secret: str, produced: dict[str, bytes]) -> list[str]:
    forms = [
        form.encode(encoding) for form in disguises(secret) for encoding in ("utf-8", "utf-16-le")
    ]
    return [name for name, data in produced.items() if any(form in data for form in forms)]


def finished(process: subprocess.Popen[bytes]) -> Run:
    stdout, stderr = process.communicate(timeout=300)
    return Run(process.returncode, stdout.decode(), stderr.decode())


def run_all(*commands: tuple[tuple[str, ...], dict[str, str]]) -> list[Run]:
    """Commands at once (each a fresh `portflow` process), in order of the results."""
    return [finished(p) for p in [start_portflow(*args, env=env) for args, env in commands]]


def helps(env: dict[str, str]) -> Run:
    """`portflow ... --help` of every command, and `--version`, through the command line's
    entry point in one process (each fresh process would spend a second importing)."""
    script = (
        "import sys\n"
        "from portflow.cli import main\n"
        f"for args in {[[*command, '--help'] for command in COMMANDS] + [['--version']]!r}:\n"
        "    assert main(args) == 0, args\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO,
        capture_output=True,
        env=environment(env),
        check=False,
        timeout=120,
    )
    return Run(done.returncode, done.stdout.decode(), done.stderr.decode())


@contextmanager
def reference_service(db: Path, env: dict[str, str], runs: list[Run]) -> Iterator[str]:
    """`portflow -v system serve` with our token; its output is added to `runs` at the end."""
    port = free_port()
    process = start_portflow("-v", "system", "serve", "--db", str(db), "--port", str(port), env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, process.communicate()[1].decode()
            try:
                if httpx.get(f"{url}/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the service did not start"
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        runs.append(finished(process))


def samples_with_secrets(folder: Path) -> Path:
    """The samples (inputs, accounts, documents) with a manifest holding our secrets."""
    folder.mkdir()
    for name in INPUTS:
        shutil.copy(SAMPLES / name, folder / name)
    for name in ("accounts", "documents"):
        shutil.copytree(SAMPLES / name, folder / name)
    manifest(folder / "manifest.yaml", pin=f"pin: '{PIN}'", account=None)
    return folder


def manifest(path: Path, *, pin: str | None, account: str | None) -> Path:
    """The sample manifest with our secrets, or with these lines in their place."""
    text = (SAMPLES / "manifest.yaml").read_text()
    for old, new in (
        (f"pin: {SAMPLE_PIN}", pin or f"pin: '{PIN}'"),
        (
            f"carrier_account_number: {SAMPLE_ACCOUNT_NUMBER}",
            account or f"carrier_account_number: '{ACCOUNT_NUMBER}'",
        ),
    ):
        assert old in text
        text = text.replace(old, new)
    path.write_text(text)
    return path


def test_no_secret_in_anything_a_debug_run_produces(tmp_path: Path) -> None:
    samples = samples_with_secrets(tmp_path / "samples")
    out, data, cache = tmp_path / "out", tmp_path / "data", tmp_path / "cache"
    env = {
        "PORTFLOW_LOG_LEVEL": "DEBUG",
        "PORTFLOW_SYSTEM_TOKEN": TOKEN,
        "PORTFLOW_DATA_DIR": str(data),
        "PORTFLOW_CACHE_DIR": str(cache),
        "PORTFLOW_SYSTEM_ATTEMPTS": "2",
        "PORTFLOW_SYSTEM_BACKOFF": "0.01",
    }
    accounts = ("--accounts", str(samples / "accounts"))
    tiny = tmp_path / "one.txt"
    tiny.write_text("(503) 329-0101\n")
    runs: list[Run] = []
    with reference_service(tmp_path / "ps.db", env, runs) as url:
        system = ("--system", url)
        demo_args = ("-v", "demo", "--samples", str(samples), "--out", str(out / "demo"))
        (demo,) = run_all(((*demo_args, *system, "--no-prefect"), env))
        runs.append(demo)
        assert demo.code == 0, demo.stderr
        runs += run_all(
            (
                (
                    "-v",
                    "check",
                    *[str(samples / name) for name in INPUTS],
                    *accounts,
                    "--out",
                    str(out / "check"),
                    *system,
                ),
                env,
            ),
            (("-v", "requests", "--format", "csv", *system), env),
            (
                ("-v", "system", "set-status", "PR-000001", "exception", "--reason", "6P", *system),
                env,
            ),
        )
        reconcile = start_portflow(
            "-v", "reconcile", *accounts, "--out", str(out / "reconcile"), *system, env=env
        )
        runs.append(helps(env))
        for command in COMMANDS:
            assert f"Usage: {' '.join(('portflow', *command))} " in runs[-1].stdout, command
        runs.append(finished(reconcile))
        assert all(run.code == 0 for run in runs), [run.stderr for run in runs if run.code]
        refused = run_all(
            *[
                (
                    (
                        "-v",
                        "submit",
                        str(tiny),
                        *accounts,
                        "--manifest",
                        str(manifest(tmp_path / f"{case}.yaml", pin=pin, account=account)),
                        "--out",
                        str(out / case),
                        *system,
                    ),
                    env,
                )
                for case, (pin, account) in MALFORMED.items()
            ],
            (("-v", "requests", *system), {**env, "PORTFLOW_SYSTEM_TOKEN": WRONG_TOKEN}),
            (("-v", "requests", *system), {**env, "PORTFLOW_SYSTEM_TOKEN": PASTED_TOKEN + "\r"}),
            (("-v", "requests", *system), {**env, "PORTFLOW_SYSTEM_TOKEN": PASTED_TOKEN + " "}),
        )
    for run, case in zip(refused, [*MALFORMED, "wrong", "pasted CR", "pasted space"], strict=True):
        assert run.code == 2 and run.stderr.splitlines()[-1].startswith("portflow: error: "), (
            case,
            run.stderr,
        )
    assert "billing.pin" in refused[1].stderr and "refused the token" in refused[4].stderr
    assert all("PORTFLOW_SYSTEM_TOKEN" in run.stderr for run in refused[5:])
    assert "0123" not in refused[0].stderr
    assert "88302291" not in refused[2].stderr
    with sqlite3.connect(tmp_path / "ps.db") as db:  # the secrets did go where they belong
        stored = set(db.execute("SELECT pin, carrier_account_number FROM request_secrets"))
    assert stored == {(PIN, ACCOUNT_NUMBER)}
    assert "created: PR-000001" in demo.stderr  # debug logging was on
    assert (data / "reconcile-state.db").is_file() and (
        out / "reconcile" / "summary.json"
    ).is_file()
    produced = {**contents(out), **contents(data), **contents(cache)}
    for position, run in enumerate([*runs, *refused]):
        produced[f"run {position} stdout"] = run.stdout.encode()
        produced[f"run {position} stderr"] = run.stderr.encode()
    assert any(name.endswith("reconciliation.xlsx!xl/worksheets/sheet2.xml") for name in produced)
    for secret in (PIN, ACCOUNT_NUMBER, TOKEN, WRONG_TOKEN, PASTED_TOKEN):
        assert leaks(secret, produced) == [], secret
