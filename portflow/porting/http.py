"""The HTTP/JSON porting-system client: bearer token, timeouts, retries with backoff and jitter.

Retried: connection errors, timeouts, 429 (after its Retry-After) and 5xx. Not retried: any
other 4xx. The token is sent in a header and never logged; URLs are logged without
credentials.
"""

from __future__ import annotations

import email.utils
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
from pydantic import SecretStr, ValidationError

from portflow.errors import EXIT_BAD_INPUT, PortingSystemError, PortingSystemUnavailable
from portflow.porting.models import PortRequest, RequestDraft, StatusChange, Submitted

log = logging.getLogger(__name__)

API = "/v1"


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
        if retry_after is not None:
            return max(min(retry_after, self.longest_retry_after), backoff)
        return backoff


def redact(url: str) -> str:
    """The URL without user:password, for messages and logs."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


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
        self.url = url.rstrip("/")
        self.description = redact(self.url)
        self._retry = retry or RetryPolicy()
        self._sleep = sleep
        self._rng = random.Random()
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
        response = self._call(
            "POST",
            f"{API}/port-requests",
            json=draft.wire(),
            headers={"Idempotency-Key": draft.idempotency_key},
        )
        return self._parse(Submitted, response)

    def list_requests(self) -> list[PortRequest]:
        response = self._call("GET", f"{API}/port-requests")
        return [self._parse(PortRequest, item) for item in response.json()["requests"]]

    def get(self, request_id: str) -> PortRequest:
        return self._parse(PortRequest, self._call("GET", f"{API}/port-requests/{request_id}"))

    def set_status(self, request_id: str, change: StatusChange) -> PortRequest:
        response = self._call(
            "POST", f"{API}/port-requests/{request_id}/status", json=change.model_dump(mode="json")
        )
        return self._parse(PortRequest, response)

    def _parse(self, model: Any, payload: httpx.Response | dict[str, Any]) -> Any:
        body = payload.json() if isinstance(payload, httpx.Response) else payload
        try:
            return model.model_validate(body)
        except ValidationError as error:
            raise PortingSystemError(
                f"porting system {self.description} sent an answer portflow cannot read: "
                f"{error.errors()[0]['msg']}"
            ) from None

    def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """One API call, retried where retrying can help."""
        last = ""
        for attempt in range(self._retry.attempts):
            retry_after: float | None = None
            try:
                response = self._client.request(method, path, **kwargs)
            except httpx.TransportError as error:  # refused, reset, timed out, TLS...
                last = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
            else:
                if response.status_code < 400:
                    return response
                if response.status_code == 429 or response.status_code >= 500:
                    retry_after = _retry_after(response.headers.get("Retry-After"))
                    last = f"HTTP {response.status_code}"
                else:
                    raise _refusal(response, self.description)
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


def _refusal(response: httpx.Response, where: str) -> PortingSystemError:
    try:
        detail = response.json().get("detail")
    except ValueError:
        detail = None
    text = detail if isinstance(detail, str) else response.reason_phrase
    if response.status_code in (401, 403):
        return PortingSystemError(
            f"porting system {where} refused the token (HTTP {response.status_code}); "
            "check PORTFLOW_SYSTEM_TOKEN",
            status=response.status_code,
            exit_code=EXIT_BAD_INPUT,
        )
    exit_code = EXIT_BAD_INPUT if response.status_code in (404, 409) else 1
    return PortingSystemError(
        f"porting system {where}: HTTP {response.status_code}: {text}",
        status=response.status_code,
        exit_code=exit_code,
    )
