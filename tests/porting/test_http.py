"""The HTTP client against the reference service, run for real on 127.0.0.1."""

from __future__ import annotations

import contextlib
import http.server
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from portflow.errors import PortingSystemError, PortingSystemUnavailable
from portflow.porting import HttpSystem, RetryPolicy, requests_frame
from portflow.porting.models import StatusChange
from tests.porting.drafts import draft
from tests.porting.service import TOKEN, Service, free_port, running_service

FAST = RetryPolicy(attempts=4, base=0.05, cap=0.2)


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    with running_service(tmp_path_factory.mktemp("svc") / "ps.db") as running:
        yield running


def client(service: Service, *, token: str = TOKEN, retry: RetryPolicy = FAST) -> HttpSystem:
    return HttpSystem(service.url, token=SecretStr(token), retry=retry, timeout=5)


def test_submit_is_idempotent_over_http(service: Service) -> None:
    system = client(service)
    first = system.submit(draft("+12125550001", "+12125550002"))
    again = system.submit(draft("+12125550001", "+12125550002"))
    assert first.created and not again.created
    assert first.request is not None and again.request is not None
    assert again.request.id == first.request.id
    refused = system.submit(draft("+12125550002", "+12125550003", account="ACC-2"))
    assert [r.e164 for r in refused.refused] == ["+12125550002"]


def test_a_wrong_or_missing_token_is_refused(service: Service) -> None:
    with pytest.raises(PortingSystemError, match="refused the token") as error:
        client(service, token="wrong").list_requests()
    assert error.value.exit_code == 2
    assert httpx.get(f"{service.url}/v1/port-requests").status_code == 401
    assert httpx.post(f"{service.url}/v1/port-requests", json={}).status_code == 401


def test_429_waits_for_retry_after(service: Service) -> None:
    service.plan_faults(429, retry_after="1")
    started = time.monotonic()
    answer = client(service).submit(draft("+12125550010"))
    assert answer.created and time.monotonic() - started >= 1.0
    assert service.faults_served()[-1:] == [429]


def test_5xx_is_retried_until_it_answers(service: Service) -> None:
    before = len(service.faults_served())
    service.plan_faults(503, 500, 502)
    answer = client(service).submit(draft("+12125550020"))
    assert answer.created
    assert service.faults_served()[before:] == [503, 500, 502]


def test_other_4xx_is_not_retried(service: Service) -> None:
    before = len(service.faults_served())
    service.plan_faults(400, 503)
    with pytest.raises(PortingSystemError, match="HTTP 400") as refused:
        client(service).submit(draft("+12125550030"))
    assert refused.value.exit_code == 2  # the user's to act on (SPEC 4: 1 is for bugs)
    assert service.faults_served()[before:] == [400]
    # The queued 503 meets the next call, which retries past it.
    assert client(service).submit(draft("+12125550030")).created
    assert service.faults_served()[before:] == [400, 503]


def test_unreachable_after_retries(tmp_path: Path) -> None:
    dead = HttpSystem(
        f"http://127.0.0.1:{free_port()}", token=SecretStr(TOKEN), retry=FAST, timeout=1
    )
    with pytest.raises(PortingSystemUnavailable, match="after 4 attempts") as error:
        dead.list_requests()
    assert error.value.exit_code == 4 and TOKEN not in str(error.value)


def test_status_changes_over_http(service: Service) -> None:
    system = client(service)
    answer = system.submit(draft("+12125550040"))
    assert answer.request is not None
    moved = system.set_status(
        answer.request.id, StatusChange(status="exception", carrier_reason="6P")
    )
    assert (moved.status, moved.carrier_reason) == ("exception", "6P")
    with pytest.raises(PortingSystemError, match="HTTP 409"):
        system.set_status(answer.request.id, StatusChange(status="complete"))
    with pytest.raises(PortingSystemError, match="HTTP 404"):
        system.get("PR-999999")


@pytest.mark.parametrize("odd", ["{first}/../{second}", "{second}?x=1", "{second}#x"])
def test_a_request_id_is_one_path_segment_as_in_the_store(service: Service, odd: str) -> None:
    system = client(service)
    first, second = (
        system.submit(draft(number)).request for number in ("+12125550041", "+12125550042")
    )
    assert first is not None and second is not None
    named = odd.format(first=first.id, second=second.id)
    with pytest.raises(PortingSystemError, match="HTTP 404"):
        system.set_status(named, StatusChange(status="complete"))
    with pytest.raises(PortingSystemError, match="HTTP 404"):
        system.get(named)
    assert system.get(second.id).status == second.status  # untouched


def test_the_service_lists_one_accounts_requests(service: Service) -> None:
    system = client(service)
    for number, account in (("+12125550061", "ACC-A"), ("+12125550062", "ACC-B")):
        system.submit(draft(number, account=account))
    ours = system.list_requests(account_id="ACC-A")
    assert [(r.account_id, r.numbers[0].e164) for r in ours] == [("ACC-A", "+12125550061")]
    answer = httpx.get(  # the service filters, not only the client
        f"{service.url}/v1/port-requests",
        params={"account_id": "ACC-B"},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert [r["account_id"] for r in answer.json()["requests"]] == ["ACC-B"]
    assert system.request_numbers().equals(requests_frame(system.list_requests()))


def test_a_service_older_than_the_account_filter_is_filtered_by_the_client(
    service: Service,
) -> None:
    """A service that ignores `?account_id=` answers with every account's requests."""
    system = client(service)
    for number, account in (("+12125550071", "ACC-C"), ("+12125550072", "ACC-D")):
        system.submit(draft(number, account=account))

    class Older(_Quiet):
        def do_GET(self) -> None:  # noqa: N802
            path = self.path.partition("?")[0]
            headers = {"Authorization": self.headers["Authorization"]}
            answer = httpx.get(f"{service.url}{path}", headers=headers)
            self.send_response(answer.status_code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer.content)))
            self.end_headers()
            self.wfile.write(answer.content)

    with serving(Older) as url:
        older = HttpSystem(url, token=SecretStr(TOKEN), retry=FAST, timeout=5)
        assert {r.account_id for r in older.list_requests()} >= {"ACC-C", "ACC-D"}
        ours = older.list_requests(account_id="ACC-C")
    assert [(r.account_id, r.numbers[0].e164) for r in ours] == [("ACC-C", "+12125550071")]


@contextmanager
def serving(handler: type[http.server.BaseHTTPRequestHandler]) -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class _Quiet(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def test_an_answer_that_trickles_in_is_cut_off_at_the_timeout() -> None:
    """httpx's timeout limits each read: a byte every 0.3 s never trips it."""

    class Trickle(_Quiet):
        def do_GET(self) -> None:  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "1000")
            self.end_headers()
            with contextlib.suppress(OSError):
                for _ in range(1000):
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(0.3)

    with serving(Trickle) as url:
        system = HttpSystem(url, token=SecretStr(TOKEN), retry=FAST, timeout=1)
        started = time.monotonic()
        with pytest.raises(PortingSystemUnavailable, match=r"the answer took over 1 s"):
            system.list_requests()
    assert time.monotonic() - started < 4 * (1 + 0.3) + 1  # four attempts, then no more


def test_a_submission_whose_answer_is_cut_short_is_asked_again_not_refused(
    service: Service,
) -> None:
    """The request was made; its answer lost its end on the way. The same key again
    gets the request, not a second one and not a refusal."""
    cut: list[bool] = []

    class CutShort(_Quiet):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
            answer = httpx.post(f"{service.url}{self.path}", content=body, headers=headers)
            content = answer.content[:9] if not cut else answer.content
            cut.append(True)
            self.send_response(answer.status_code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

    with serving(CutShort) as url:
        system = HttpSystem(url, token=SecretStr(TOKEN), retry=FAST, timeout=5)
        answer = system.submit(draft("+12125550051"))
    assert len(cut) == 2 and answer.request is not None
    assert [
        r.id for r in client(service).list_requests() if r.numbers[0].e164 == "+12125550051"
    ] == [answer.request.id]
