"""Porting systems behind one small interface: the embedded SQLite store or an HTTP API."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import polars as pl
from pydantic import SecretStr

from portflow.errors import UsageError
from portflow.porting.frames import requests_frame
from portflow.porting.http import HttpSystem, RetryPolicy, check_url, redact
from portflow.porting.models import (
    PortRequest,
    RequestDraft,
    StatusChange,
    Submitted,
)
from portflow.porting.store import SqliteSystem

if TYPE_CHECKING:
    from portflow.settings import Settings

SQLITE_PREFIX = "sqlite:///"


class PortingSystem(Protocol):
    """What portflow needs from a porting system."""

    @property
    def description(self) -> str: ...

    def close(self) -> None: ...

    def submit(self, draft: RequestDraft) -> Submitted: ...

    def list_requests(self, *, account_id: str | None = None) -> list[PortRequest]:
        """Every request with its numbers, in the order made; of `account_id` only if given."""
        ...

    def request_numbers(self) -> pl.DataFrame:
        """Every number of every request, as `requests_frame` has them (without building
        the requests where the system can answer with the frame)."""
        ...

    def get(self, request_id: str) -> PortRequest: ...

    def set_status(self, request_id: str, change: StatusChange) -> PortRequest: ...


def connect(
    url: str,
    *,
    token: SecretStr | None,
    retry: RetryPolicy | None = None,
    timeout: float = 30.0,
    create: bool = True,
) -> PortingSystem:
    """`sqlite:///PATH` (embedded; made if `create`) or `http(s)://...` (with a bearer token)."""
    check_system_url(url)
    if url.startswith(SQLITE_PREFIX):
        return SqliteSystem(Path(url[len(SQLITE_PREFIX) :]), create=create)
    if token is None or not token.get_secret_value():
        raise UsageError(f"porting system {redact(url)} needs a token: set PORTFLOW_SYSTEM_TOKEN")
    return HttpSystem(url, token=token, retry=retry, timeout=timeout)


def check_system_url(url: str) -> None:
    """Refuse a porting-system URL that cannot work (or holds a secret) before anything
    runs: a Prefect flow run records its parameters, the URL among them."""
    if not url:
        raise UsageError(
            "PORTFLOW_SYSTEM_URL is set but empty; set it to sqlite:///PATH or an http(s):// "
            "URL, or unset it for the embedded store"
        )
    if url.startswith(SQLITE_PREFIX):
        return
    if url.lower().startswith(("http://", "https://")):
        check_url(url)
        return
    raise UsageError(f"--system {redact(url)!r}: use sqlite:///PATH or an http(s):// URL")


@contextmanager
def opened(url: str, settings: Settings, *, create: bool = True) -> Iterator[PortingSystem]:
    """The porting system at `url` with the token and retry policy of `settings`."""
    system = connect(
        url,
        token=settings.system_token,
        retry=settings.retry_policy,
        timeout=settings.system_timeout,
        create=create,
    )
    try:
        yield system
    finally:
        system.close()


__all__ = [
    "HttpSystem",
    "PortingSystem",
    "RetryPolicy",
    "SqliteSystem",
    "check_system_url",
    "connect",
    "opened",
    "requests_frame",
]
