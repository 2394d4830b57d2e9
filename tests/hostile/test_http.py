"""The HTTP side, tried on purpose: hostile bodies, the OpenAPI document, the token, TLS."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import logging
import sqlite3
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
import uvicorn
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from fastapi import FastAPI
from hypothesis import settings
from pydantic import SecretStr

from portflow.errors import EXIT_BAD_INPUT, PortingSystemError, PortingSystemUnavailable
from portflow.porting import HttpSystem, RetryPolicy, connect
from portflow.porting.models import RequestDraft, StatusChange
from portflow.porting.service import MAX_BODY_BYTES, create_app
from portflow.porting.store import SqliteSystem
from tests.e2e.cli import portflow
from tests.helpers import unwritable
from tests.porting.drafts import ACCOUNT_NUMBER, PIN, draft
from tests.porting.service import TOKEN, Service, free_port, running_service

FAST = RetryPolicy(attempts=3, base=0.05, cap=0.2)
SMALL_LIMIT = 4096
AUTH = {"Authorization": f"Bearer {TOKEN}"}
JSON = {"Content-Type": "application/json"}


@dataclass
class Served:
    url: str
    db: Path


@contextmanager
def serving(app: FastAPI, *, tls: tuple[Path, Path] | None = None) -> Iterator[str]:
    """`app` under uvicorn on 127.0.0.1 in a thread (https with `tls`: certificate, key)."""
    port = free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="off",
        ssl_certfile=tls[0] if tls else None,
        ssl_keyfile=tls[1] if tls else None,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        yield f"{'https' if tls else 'http'}://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def store_rows(db: Path) -> list[str]:
    """Every row of every table of the porting system, as SQL."""
    with closing(sqlite3.connect(db)) as connection:
        return list(connection.iterdump())


def padded(numbers: tuple[str, ...], size: int) -> RequestDraft:
    """A valid draft whose JSON body is about `size` bytes (the padding is paperwork)."""
    base = draft(*numbers)
    overhead = len(json.dumps(base.wire())) + len(', "notes": ""')
    return base.model_copy(update={"paperwork": {"notes": "x" * max(0, size - overhead)}})


def body_of(request: RequestDraft) -> bytes:
    return json.dumps(request.wire()).encode()


def in_chunks(body: bytes, size: int = 1000) -> Iterator[bytes]:
    """A generator body: httpx sends it chunked, without Content-Length."""
    for start in range(0, len(body), size):
        yield body[start : start + size]


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The service with a 4 KiB body limit, holding one submitted request (PR-000001)."""
    db = tmp_path_factory.mktemp("small") / "ps.db"
    app = create_app(SqliteSystem(db), token=SecretStr(TOKEN), max_body=SMALL_LIMIT)
    with serving(app) as url:
        system = HttpSystem(url, token=SecretStr(TOKEN), retry=FAST, timeout=5)
        assert system.submit(draft("+12125550100")).created
        yield Served(url, db)


def submit_raw(served: Served, content: Any, *, key: str, **headers: str) -> httpx.Response:
    return httpx.post(
        f"{served.url}/v1/port-requests",
        content=content,
        headers={**AUTH, "Idempotency-Key": key, **headers},
        timeout=10,
    )


@pytest.mark.parametrize("upload", ["with Content-Length", "chunked"])
def test_a_body_over_the_limit_is_refused_with_413_and_changes_nothing(
    small: Served, upload: str
) -> None:
    request = padded(("+12125550111",), SMALL_LIMIT + 500)
    body = body_of(request)
    assert len(body) > SMALL_LIMIT
    before = store_rows(small.db)
    content = body if upload == "with Content-Length" else in_chunks(body)
    answer = submit_raw(small, content, key=request.idempotency_key, **JSON)
    assert answer.status_code == 413
    assert f"larger than {SMALL_LIMIT} bytes" in answer.json()["detail"]
    if upload == "chunked":
        assert "content-length" not in answer.request.headers
        assert answer.request.headers["transfer-encoding"] == "chunked"
    assert store_rows(small.db) == before


@pytest.mark.parametrize("upload", ["with Content-Length", "chunked"])
def test_a_body_within_the_limit_is_taken(small: Served, upload: str) -> None:
    number = "+12125550121" if upload == "chunked" else "+12125550122"
    request = padded((number,), SMALL_LIMIT - 100)
    body = body_of(request)
    assert SMALL_LIMIT - 200 < len(body) <= SMALL_LIMIT
    content = body if upload == "with Content-Length" else in_chunks(body)
    answer = submit_raw(small, content, key=request.idempotency_key, **JSON)
    assert answer.status_code == 201, answer.text
    assert [n["e164"] for n in answer.json()["request"]["numbers"]] == [number]


MALFORMED = {
    "truncated": b'{"idempotency_key": "pf-v1-0000000000000000", "billing_secrets": {"pin": "'
    + PIN.encode(),
    "not UTF-8": b'{"account_id": "\xff\xfe"}',
    "trailing garbage": b'{"status": "cancelled"} {"pin": "' + PIN.encode() + b'"}',
    "single quotes": b"{'status': 'cancelled'}",
    "nested past any parser": b"[" * 2000 + b"]" * 2000,
    "empty": b"",
}


@pytest.mark.parametrize("path", ["/v1/port-requests", "/v1/port-requests/PR-000001/status"])
@pytest.mark.parametrize("name", list(MALFORMED))
def test_malformed_json_is_refused_and_changes_nothing(small: Served, path: str, name: str) -> None:
    before = store_rows(small.db)
    answer = httpx.post(
        f"{small.url}{path}",
        content=MALFORMED[name],
        headers={**AUTH, **JSON, "Idempotency-Key": "pf-v1-0000000000000000"},
        timeout=10,
    )
    assert answer.status_code in (400, 422), answer.text
    assert "detail" in answer.json()
    assert PIN not in answer.text
    assert store_rows(small.db) == before


NOT_JSON = {
    "text/plain": "text/plain",
    "a form": "application/x-www-form-urlencoded",
    "XML": "application/xml; charset=utf-8",
    "no Content-Type at all": None,
}


@pytest.mark.parametrize("name", list(NOT_JSON))
def test_a_body_that_is_not_json_is_refused_with_415_and_changes_nothing(
    small: Served, name: str
) -> None:
    request = draft("+12125550131")
    change = json.dumps({"status": "cancelled"}).encode()  # would apply, if it were taken
    before = store_rows(small.db)
    for path, body in (
        ("/v1/port-requests", body_of(request)),
        ("/v1/port-requests/PR-000001/status", change),
    ):
        headers = {**AUTH, "Idempotency-Key": request.idempotency_key}
        content_type = NOT_JSON[name]
        if content_type is not None:
            headers["Content-Type"] = content_type
        answer = httpx.post(f"{small.url}{path}", content=body, headers=headers, timeout=10)
        assert answer.status_code == 415, answer.text
        assert "application/json" in answer.json()["detail"]
        if content_type is None:
            assert "content-type" not in answer.request.headers
    assert store_rows(small.db) == before
    system = HttpSystem(small.url, token=SecretStr(TOKEN), retry=FAST, timeout=5)
    assert system.get("PR-000001").status == "submitted"


def test_json_with_a_charset_or_a_json_suffix_is_taken(small: Served) -> None:
    for number, content_type in (
        ("+12125550141", "application/json; charset=utf-8"),
        ("+12125550142", "application/vnd.portflow+json"),
    ):
        request = draft(number)
        answer = submit_raw(
            small, body_of(request), key=request.idempotency_key, **{"Content-Type": content_type}
        )
        assert answer.status_code == 201, answer.text


def test_a_key_header_that_differs_from_the_body_changes_nothing(small: Served) -> None:
    request = draft("+12125550151")
    before = store_rows(small.db)
    answer = submit_raw(small, body_of(request), key="pf-v1-" + "0" * 40, **JSON)
    assert answer.status_code == 422
    assert "Idempotency-Key" in answer.json()["detail"]
    assert store_rows(small.db) == before


def test_a_number_listed_twice_is_refused_and_changes_nothing(small: Served) -> None:
    # Was a 500: the store's primary key refused the second line mid-transaction.
    once = draft("+12125550161", "+12125550162")
    body = once.wire()
    body["numbers"].append(dict(body["numbers"][0]))
    before = store_rows(small.db)
    answer = submit_raw(small, json.dumps(body), key=once.idempotency_key, **JSON)
    assert answer.status_code == 422, answer.text
    [problem] = answer.json()["detail"]
    assert problem["loc"] == ["body", "numbers"]
    assert "+12125550161 is listed more than once" in problem["msg"]
    assert store_rows(small.db) == before


def test_a_method_a_path_does_not_take_is_answered_with_every_method_it_does(
    small: Served,
) -> None:
    # Starlette named only the first route's methods: POST, though GET is served there too.
    answer = httpx.request("DELETE", f"{small.url}/v1/port-requests", headers=AUTH)
    assert answer.status_code == 405
    assert answer.headers["allow"] == "GET, POST"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """`portflow system serve` as a user runs it: its own process, the default body limit."""
    with running_service(tmp_path_factory.mktemp("served") / "ps.db") as running:
        yield running


def test_a_submission_over_the_served_limit_reaches_the_user_as_413(served: Service) -> None:
    # 15,000 numbers in one request (e.g. --max-per-request 20000): about 1.3 MB of JSON.
    numbers = tuple(f"+1212{n:07d}" for n in range(15_000))
    request = draft(*numbers)
    assert len(body_of(request)) > MAX_BODY_BYTES
    system = HttpSystem(served.url, token=SecretStr(TOKEN), retry=FAST, timeout=10)
    before = store_rows(served.db), system.list_requests()
    with pytest.raises(PortingSystemError, match=r"too large \(HTTP 413\)") as refused:
        system.submit(request)
    # Refused, not unreachable: the client did not retry a reset connection.
    assert not isinstance(refused.value, PortingSystemUnavailable)
    assert refused.value.exit_code == 2
    assert (store_rows(served.db), system.list_requests()) == before
    assert system.submit(draft(*numbers[:1000])).created  # a smaller chunk goes through


def test_the_client_never_logs_the_token(served: Service, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "portflow"):
        caplog.set_level(logging.DEBUG, logger=name)
    system = HttpSystem(served.url, token=SecretStr(TOKEN), retry=FAST, timeout=5)
    errors: list[str] = []
    served.plan_faults(503)  # a retry, logged with its reason
    answer = system.submit(draft("+12125550201"))
    assert answer.request is not None
    made = answer.request.id
    system.list_requests()
    system.get(made)
    system.set_status(made, StatusChange(status="exception", carrier_reason="6P"))
    for refused in (
        lambda: system.get("PR-999999"),
        lambda: system.set_status(made, StatusChange(status="draft")),
        lambda: HttpSystem(served.url, token=SecretStr(TOKEN + "x"), retry=FAST).list_requests(),
    ):
        with pytest.raises(PortingSystemError) as error:
            refused()
        errors.append(str(error.value))
    system.close()

    loggers = {record.name.split(".")[0] for record in caplog.records}
    assert {"httpx", "httpcore", "portflow"} <= loggers  # the logs were really on
    assert any("retrying" in record.getMessage() for record in caplog.records)
    logged = "\n".join(
        f"{record.name} {record.getMessage()} {record.args!r}" for record in caplog.records
    )
    for secret in (TOKEN, PIN, ACCOUNT_NUMBER):
        assert secret not in logged
        assert not any(secret in message for message in errors)


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and localhost that nobody vouches for: (cert, key) files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "portflow test service")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def test_an_untrusted_certificate_is_refused_by_default(tmp_path: Path) -> None:
    db = tmp_path / "ps.db"
    app = create_app(SqliteSystem(db), token=SecretStr(TOKEN))
    with serving(app, tls=self_signed(tmp_path)) as url:
        assert url.startswith("https://127.0.0.1:")
        system = connect(url, token=SecretStr(TOKEN), retry=FAST, timeout=5)
        with pytest.raises(PortingSystemError, match="TLS certificate is not trusted") as error:
            system.submit(draft("+12125550301"))
        assert "certificate" in str(error.value).lower()
        assert not isinstance(error.value, PortingSystemUnavailable)  # not retried
        assert error.value.exit_code == 2 and TOKEN not in str(error.value)
        system.close()
        # The same server answers a client told to skip verification (HttpSystem(verify=False),
        # which no setting reaches): the certificate was the only problem, and nothing was sent.
        insecure = HttpSystem(url, token=SecretStr(TOKEN), retry=FAST, timeout=5, verify=False)
        assert insecure.list_requests() == []
        insecure.close()


# --- schemathesis against the service's own OpenAPI document, in process (ASGI) ---

SCHEMATHESIS_EXAMPLES = 100  # per operation in the fuzzing phase; the coverage phase adds its own


# Loaded at import, as schemathesis wants (its lazy `from_fixture` loader fails under pytest 9:
# it sets `Function._nodeid`, which pytest 9 no longer has); the store is a scratch SQLite file
# removed when the interpreter exits.
_SCRATCH = tempfile.TemporaryDirectory(prefix="portflow-schemathesis-")
api = schemathesis.openapi.from_asgi(
    "/openapi.json",
    create_app(SqliteSystem(Path(_SCRATCH.name) / "ps.db"), token=SecretStr(TOKEN)),
    config=schemathesis.Config.from_dict({"auth": {"openapi": {"HTTPBearer": {"bearer": TOKEN}}}}),
)


def keep_what_openapi_cannot_state(case: schemathesis.Case) -> None:
    """Two rules of a submission span parts of the request that JSON Schema cannot tie: the
    Idempotency-Key header repeats the body's key, and a number is listed once. Schema-valid
    cases are made to keep them; breaking either is refused with 422 (see the tests below).
    """
    meta = case.meta
    positive = meta is not None and meta.generation.mode is schemathesis.GenerationMode.POSITIVE
    if not positive or not isinstance(case.body, dict):
        return
    if "Idempotency-Key" in case.headers:
        case.headers["Idempotency-Key"] = case.body["idempotency_key"]
    firsts = {line["e164"]: line for line in reversed(case.body["numbers"])}
    case.body["numbers"] = [line for line in case.body["numbers"] if firsts[line["e164"]] is line]


@api.parametrize()
@settings(max_examples=SCHEMATHESIS_EXAMPLES, deadline=None)
def test_the_service_keeps_to_its_own_openapi_document(case: schemathesis.Case) -> None:
    if case.operation.label == "POST /v1/port-requests":
        keep_what_openapi_cannot_state(case)
    case.call_and_validate()


def refusing(detail_of: Callable[[bytes], str]) -> Any:
    """An ASGI app that refuses every request (422) with `detail_of(its body)`."""

    async def app(scope: Any, receive: Any, send: Any) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        answer = json.dumps({"detail": detail_of(body)}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 422,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": answer})

    return app


def test_a_system_that_echoes_the_body_back_cannot_make_the_client_repeat_secrets() -> None:
    """A porting system (or a proxy) that quotes the request in its refusal: the client's
    error and logs show the refusal with the PIN and the account number blotted out."""
    app = refusing(lambda body: f"cannot take {body.decode()}")
    with serving(app) as url:
        system = HttpSystem(url, token=SecretStr(TOKEN), retry=FAST)
        with pytest.raises(PortingSystemError) as refused:
            system.submit(draft("+14155552671"))
    message = str(refused.value)
    assert "cannot take" in message and "***" in message
    for secret in (PIN, ACCOUNT_NUMBER, TOKEN):
        assert secret not in message


def test_a_system_that_quotes_secrets_reformatted_cannot_make_the_client_repeat_them() -> None:
    """It quotes the account number without its dashes, or with en dashes, the PIN upper-cased."""

    def detail(body: bytes) -> str:
        secrets = json.loads(body)["billing_secrets"]
        account, pin = secrets["carrier_account_number"], secrets["pin"]
        return (
            f"account {account.replace('-', '')} or {account.replace('-', chr(0x2013))} "
            f"or {account.replace('-', ' ')} with pin {pin.upper()!r} rejected"
        )

    with serving(refusing(detail)) as url:
        system = HttpSystem(url, token=SecretStr(TOKEN), retry=FAST)
        with pytest.raises(PortingSystemError) as refused:
            system.submit(draft("+14155552671"))
    message = str(refused.value)
    assert message.endswith("account *** or *** or *** with pin '***' rejected"), message
    digits = "".join(c for c in ACCOUNT_NUMBER if c.isdigit())
    assert digits not in message.replace(" ", "").replace("\u2013", "")


def test_a_busy_store_is_answered_503_and_the_client_waits_it_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not 400, which a client takes for bad input and does not retry; and the answer does
    not name the store's file."""
    monkeypatch.setattr("portflow.porting.store.BUSY_TIMEOUT_SECONDS", 0.2)
    db = tmp_path / "ps.db"
    app = create_app(SqliteSystem(db), token=SecretStr(TOKEN))
    with (
        serving(app) as url,
        closing(sqlite3.connect(db, isolation_level=None, check_same_thread=False)) as other,
    ):
        other.execute("BEGIN EXCLUSIVE")  # a write lock (readers still read: WAL)
        request = draft("+12125550100")
        answer = submit_raw(Served(url, db), body_of(request), key=request.idempotency_key, **JSON)
        assert answer.status_code == 503 and answer.headers["Retry-After"] == "2"
        assert str(db) not in answer.text
        threading.Timer(0.5, other.execute, ("COMMIT",)).start()
        system = HttpSystem(url, token=SecretStr(TOKEN), retry=FAST, timeout=5)
        assert system.submit(request).created  # retried until the store is free


def test_an_unwritable_store_is_not_called_busy(tmp_path: Path) -> None:
    """Run locally, exit 2 with the cause (not 4, 'try again', which cannot help); served,
    500 without the store's path, so a client gives up after its retries."""
    db = tmp_path / "ps.db"
    store = SqliteSystem(db)
    store.submit(draft("+14155552671"))
    app = create_app(store, token=SecretStr(TOKEN))
    with unwritable(db), serving(app) as url:  # type: ignore[arg-type]
        assert [r.id for r in store.list_requests()] == ["PR-000001"]  # reads still work
        with pytest.raises(PortingSystemError) as refused:
            store.submit(draft("+14155552672"))
        assert not isinstance(refused.value, PortingSystemUnavailable)
        assert refused.value.exit_code == EXIT_BAD_INPUT
        assert "readonly database" in str(refused.value)
        request = draft("+14155552672")
        answer = submit_raw(Served(url, db), body_of(request), key=request.idempotency_key, **JSON)
        assert answer.status_code == 500 and "Retry-After" not in answer.headers
        assert str(db) not in answer.text and "operator" in answer.json()["detail"]
        client = HttpSystem(url, token=SecretStr(TOKEN), retry=FAST)
        with pytest.raises(PortingSystemUnavailable) as unavailable:
            client.submit(request)
        # After its retries, the client says what the system said, not only "HTTP 500".
        assert "(HTTP 500: the porting system cannot use its store; tell its operator)" in str(
            unavailable.value
        )


def test_serving_on_a_port_in_use_is_one_line_and_exit_2(served: Service, tmp_path: Path) -> None:
    port = str(httpx.URL(served.url).port)
    env = {"PORTFLOW_SYSTEM_TOKEN": TOKEN}
    result = portflow("system", "serve", "--db", str(tmp_path / "x.db"), "--port", port, env=env)
    assert result.code == 2, result.stderr  # not uvicorn's exit 3 (SPEC: refused submission)
    assert result.stderr.strip() == f"portflow: error: cannot listen on 127.0.0.1:{port}: " + (
        "Address already in use"
    )
    assert "porting system on" not in result.stdout  # no "serving" line before the refusal
