"""The HTTP/JSON porting-system client: bearer token, timeouts, retries with backoff and jitter.

Retried: connection errors, timeouts, 429 (after its Retry-After) and 5xx. Not retried: any
other 4xx. The token is sent in a header and never logged; URLs are logged without
credentials.
"""

from __future__ import annotations

import email.utils
import logging
import random
import re
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import httpx
import polars as pl
from pydantic import SecretStr, ValidationError

from portflow.errors import (
    EXIT_BAD_INPUT,
    PortingSystemError,
    PortingSystemUnavailable,
    UsageError,
    shown,
)
from portflow.porting.frames import requests_frame
from portflow.porting.models import PortRequest, RequestDraft, StatusChange, Submitted

log = logging.getLogger(__name__)

API = "/v1"
MIN_SECRET_LENGTH = 4  # PINs are 4+ digits; blotting shorter strings would blot ordinary text


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try: `attempts` in all, waits growing from `base` to `cap` seconds."""

    attempts: int = 6
    base: float = 0.5
    cap: float = 20.0
    longest_retry_after: float = 120.0

    def delay(self, attempt: int, retry_after: float | None, rng: random.Random) -> float:
        """Full jitter (0 .. base * 2^attempt, capped); a server's Retry-After is a floor."""
        backoff = rng.uniform(0, min(self.cap, self.base * 2**attempt))
        return backoff if retry_after is None else max(retry_after, backoff)


def redact(url: str) -> str:
    """The URL without user:password, query or fragment, for messages and logs. Whatever
    stands before its last @ goes: in a URL too malformed for urlsplit (`https//user:
    token@host`, a token holding / ? or #) the credentials are not where it looks."""
    if "@" in url:
        url = "***@" + url.rsplit("@", 1)[1]
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        if parts.port:
            host = f"{host}:{parts.port}"
    except ValueError:
        return "(an unreadable URL)"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def check_url(url: str) -> None:
    """Refuse URLs that cannot work, before anything is checked or sent."""
    if "@" in re.split(r"[?#]", url, maxsplit=1)[0]:  # user:token@, even with a / in it
        raise UsageError("--system: put the credentials in PORTFLOW_SYSTEM_TOKEN, not in the URL")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise UsageError(f"--system {redact(url)}: {error}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"--system {redact(url)}: not an http(s)://host URL")
    if parts.username or parts.password:
        raise UsageError("--system: put the credentials in PORTFLOW_SYSTEM_TOKEN, not in the URL")
    if parts.query or parts.fragment:  # `?api_key=...`: a secret, and no API path either
        raise UsageError(
            f"--system {redact(url)}: leave out the ?... part; a token goes in "
            "PORTFLOW_SYSTEM_TOKEN, not in the URL"
        )
    del port


def _request_path(request_id: str) -> str:
    """A request's URL path, its ID escaped: `PR-1/../PR-2` must not name PR-2."""
    return f"{API}/port-requests/{quote(request_id, safe='')}"


class HttpSystem:
    """A porting system behind an HTTP/JSON API (e.g. `portflow system serve`)."""

    def __init__(
        self,
        url: str,
        *,
        token: SecretStr,
        retry: RetryPolicy | None = None,
        timeout: float = 30.0,
        verify: bool = True,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        check_url(url)
        self.url = url.rstrip("/")
        self.description = redact(self.url)
        self._retry = retry or RetryPolicy()
        self._token = token
        self._sleep = sleep
        self._rng = random.Random()
        self._timeout = timeout
        self._client = httpx.Client(
            base_url=self.url,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            verify=verify,
            headers={
                "Authorization": f"Bearer {token.get_secret_value()}",
                "User-Agent": "portflow",
            },
        )

    def close(self) -> None:
        self._client.close()

    def submit(self, draft: RequestDraft) -> Submitted:
        body = draft.wire()
        response = self._call(
            "POST",
            f"{API}/port-requests",
            json=body,
            headers={"Idempotency-Key": draft.idempotency_key},
            secrets=tuple(str(v) for v in body["billing_secrets"].values() if v),
        )
        return self._parse(Submitted, response)

    def list_requests(self, *, account_id: str | None = None) -> list[PortRequest]:
        """The service answers with `account_id`'s requests; one older than that parameter
        ignores it and sends all, hence the filter here too."""
        query = {"account_id": account_id} if account_id else None
        body = self._json(self._call("GET", f"{API}/port-requests", params=query))
        if not isinstance(body, dict) or not isinstance(body.get("requests"), list):
            raise PortingSystemError(
                f"porting system {self.description} sent an answer portflow cannot read "
                "(no list of requests)",
                exit_code=EXIT_BAD_INPUT,
            )
        requests = [self._parse(PortRequest, item) for item in body["requests"]]
        return [r for r in requests if not account_id or r.account_id == account_id]

    def request_numbers(self) -> pl.DataFrame:
        return requests_frame(self.list_requests())

    def get(self, request_id: str) -> PortRequest:
        return self._parse(PortRequest, self._call("GET", _request_path(request_id)))

    def set_status(self, request_id: str, change: StatusChange) -> PortRequest:
        response = self._call(
            "POST", f"{_request_path(request_id)}/status", json=change.model_dump(mode="json")
        )
        return self._parse(PortRequest, response)

    def _answer(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """The whole answer within the timeout: httpx's own limits each read, and an answer
        trickling a byte at a time would otherwise hold the run for hours."""
        deadline = time.monotonic() + self._timeout
        with self._client.stream(method, path, **kwargs) as streamed:
            chunks = []
            for chunk in streamed.iter_raw():
                chunks.append(chunk)
                if time.monotonic() > deadline:
                    raise httpx.ReadTimeout(
                        f"the answer took over {self._timeout:g} s", request=streamed.request
                    )
        return httpx.Response(
            streamed.status_code,
            headers=streamed.headers,
            content=b"".join(chunks),
            request=streamed.request,
        )

    def _json(self, response: httpx.Response) -> Any:
        try:
            return response.json()
        except ValueError:
            raise PortingSystemError(
                f"porting system {self.description} answered with something that is not JSON "
                f"({response.headers.get('content-type', 'no content type')}); is --system the "
                "porting system's API?",
                exit_code=EXIT_BAD_INPUT,
            ) from None

    def _parse(self, model: Any, payload: httpx.Response | dict[str, Any]) -> Any:
        body = self._json(payload) if isinstance(payload, httpx.Response) else payload
        try:
            return model.model_validate(body)
        except ValidationError as error:
            raise PortingSystemError(
                f"porting system {self.description} sent an answer portflow cannot read: "
                f"{error.errors()[0]['msg']}",
                exit_code=EXIT_BAD_INPUT,
            ) from None

    def _call(
        self, method: str, path: str, *, secrets: tuple[str, ...] = (), **kwargs: Any
    ) -> httpx.Response:
        """One API call, retried where retrying can help. Text that comes from elsewhere (a
        transport error, the system's own refusal) has the token and `secrets` (what this
        call sends) blotted out before it is logged or raised: a library or a service may
        quote a header or the body back."""
        hidden = (self._token.get_secret_value(), *secrets)
        last = ""
        for attempt in range(self._retry.attempts):
            retry_after: float | None = None
            try:
                response = self._answer(method, path, **kwargs)
            except httpx.TransportError as error:  # refused, reset, timed out...
                if _certificate_problem(error):
                    raise PortingSystemError(
                        f"porting system {self.description}: its TLS certificate is not "
                        f"trusted ({blotted(str(error), hidden)})",
                        exit_code=EXIT_BAD_INPUT,
                    ) from None
                last = type(error).__name__
                if str(error):
                    last += ": " + blotted(str(error), hidden)
            else:
                # An answer cut short after the request was applied: asking again is safe
                # for a read, and for a submission (its key); not for a status change.
                safe = method == "GET" or "Idempotency-Key" in kwargs.get("headers", {})
                if response.status_code < 400 and not (safe and _cut_short(response)):
                    return response
                if response.status_code < 400:
                    last = "an answer cut short (not whole JSON)"
                elif response.status_code != 429 and response.status_code < 500:
                    raise _refusal(response, self.description, hidden)
                else:
                    retry_after = _retry_after(response.headers.get("Retry-After"))
                    last = f"HTTP {response.status_code}"
                    said = _detail(response)
                    if said:  # the system's own words: its store is full, read-only...
                        last += f": {blotted(shown(said, limit=200), hidden)}"
                if retry_after is not None and retry_after > self._retry.longest_retry_after:
                    raise PortingSystemUnavailable(
                        f"porting system {self.description} asked to wait {retry_after:.0f} s "
                        f"({last}); nothing was lost: run the same command again later"
                    )
            if attempt + 1 < self._retry.attempts:
                wait = self._retry.delay(attempt, retry_after, self._rng)
                log.warning(
                    "porting system %s: %s on %s %s; retrying in %.1f s (%d/%d)",
                    self.description,
                    last,
                    method,
                    path,
                    wait,
                    attempt + 1,
                    self._retry.attempts - 1,
                )
                self._sleep(wait)
        raise PortingSystemUnavailable(
            f"porting system {self.description} could not be reached after "
            f"{self._retry.attempts} attempts ({last}); nothing was lost: run the same "
            "command again to finish"
        )


def _cut_short(response: httpx.Response) -> bool:
    """A JSON answer that does not parse: cut off on its way (a proxy, a dropped
    connection), not a wrong API (that answers HTML, and _json says so)."""
    if "json" not in response.headers.get("content-type", ""):
        return False
    try:
        response.json()
    except ValueError:
        return True
    return False


def _detail(response: httpx.Response) -> str | None:
    """The `detail` of a JSON error answer, if it has one."""
    try:
        body = response.json()
    except ValueError:
        return None
    detail = body.get("detail") if isinstance(body, dict) else None
    return detail if isinstance(detail, str) and detail.strip() else None


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (seconds or an HTTP date)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def blotted(text: str, secrets: tuple[str, ...]) -> str:
    """`text` with every secret replaced by `***`: as sent, URL-encoded, and its letters and
    digits in any case with anything else between them (`83120455670001`, `831 204 5567
    0001` and `831–204–5567–0001` for `831-204-5567-0001`: a server may quote it reformatted)."""
    for secret in secrets:
        if len(secret) >= MIN_SECRET_LENGTH:
            for form in {secret, quote(secret, safe="")}:
                text = text.replace(form, "***")
        core = "".join(character for character in secret if character.isalnum())
        if len(core) >= MIN_SECRET_LENGTH:
            text = re.sub(spaced(core), "***", text, flags=re.IGNORECASE)
    return text


def spaced(core: str) -> str:
    """A pattern for `core`'s letters and digits with anything but a letter or digit between
    them (case-insensitive use): `831-204-5567-0001`, `831 204 5567 0001`, `83120455670001`."""
    return "[^0-9a-z]*".join(re.escape(character) for character in core)


def _refusal(response: httpx.Response, where: str, hidden: tuple[str, ...]) -> PortingSystemError:
    text = blotted(_detail(response) or response.reason_phrase, hidden)
    if response.status_code in (401, 403):
        return PortingSystemError(
            f"porting system {where} refused the token (HTTP {response.status_code}); "
            "check PORTFLOW_SYSTEM_TOKEN",
            status=response.status_code,
            exit_code=EXIT_BAD_INPUT,
        )
    if response.status_code == 413:
        return PortingSystemError(
            f"porting system {where} refused a request as too large (HTTP 413); use a smaller "
            "--max-per-request",
            status=413,
            exit_code=EXIT_BAD_INPUT,
        )
    # Any other refusal (a wrong URL, a field the system will not take...) is the user's to
    # act on, with the system's own words: exit 2, as SPEC 4 keeps exit 1 for our bugs.
    return PortingSystemError(
        f"porting system {where}: HTTP {response.status_code}: {text}",
        status=response.status_code,
        exit_code=EXIT_BAD_INPUT,
    )


def _certificate_problem(error: httpx.TransportError) -> bool:
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, ssl.SSLCertVerificationError):
            return True
        cause = cause.__cause__ or cause.__context__
    return "CERTIFICATE_VERIFY_FAILED" in str(error)
