"""The reference porting-system service: the HTTP/JSON API over the SQLite store.

    portflow system serve --db PATH --port N      (token from PORTFLOW_SYSTEM_TOKEN)

POST /v1/port-requests needs an Idempotency-Key header equal to the body's key: a second
call with the key returns the first call's request (200) instead of creating one (201).
GET /v1/port-requests lists every request; with `?account_id=A`, that account's only (a
service made before that parameter ignores it: clients filter the answer too).
Bodies are JSON (anything else: 415) of at most `max_body` bytes (larger: 413, refused before
any of it is parsed, chunked uploads included); a refused call changes nothing.
With `faults=True` (tests and drills only) POST /v1/_faults queues canned answers (429 with
Retry-After, 503...) for the next matching calls, to exercise clients' retries.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, HTTPException, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field, SecretStr
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from portflow.errors import PortingSystemError, PortingSystemUnavailable
from portflow.porting.models import PortRequest, RequestDraft, StatusChange, Submitted
from portflow.porting.store import SqliteSystem

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024
BUSY_RETRY_AFTER = 2  # seconds a client should wait when the store is busy (503)
# Declares the bearer token in the OpenAPI document; `authorised` checks it.
BEARER = HTTPBearer(auto_error=False, description="The service's PORTFLOW_SYSTEM_TOKEN.")


class Fault(BaseModel):
    status: int = Field(ge=400, le=599)
    retry_after: str | None = None


class FaultPlan(BaseModel):
    """Canned answers for the next calls to `method path`, after letting `after` through."""

    method: str = "POST"
    path: str = "/v1/port-requests"
    after: int = Field(default=0, ge=0)
    responses: list[Fault]


class RequestList(BaseModel):
    requests: list[PortRequest]


class FieldProblem(BaseModel):
    """One invalid part of a request: where (`loc`), what (`msg`) and its kind (`type`)."""

    loc: list[str | int]
    msg: str
    type: str


class Problem(BaseModel):
    """Every refusal: what is wrong, in words or field by field."""

    detail: str | list[FieldProblem]


REFUSALS: dict[int, str] = {
    400: "The body cannot be read.",
    401: "Missing or wrong bearer token.",
    404: "No such port request.",
    409: "The request conflicts with what the porting system holds.",
    413: "The body is larger than the service takes.",
    415: "The body is not application/json.",
    422: "The request is invalid.",
    503: "The store is busy; try again after Retry-After seconds.",
}


def refusals(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI `responses` for the refusals an operation can answer with."""
    return {code: {"model": Problem, "description": REFUSALS[code]} for code in codes}


class BodyLimit:
    """ASGI middleware: a body over `limit` bytes is refused (413) before the app sees it.

    The body is read here, counted chunk by chunk (a missing or lying Content-Length
    changes nothing), and handed on whole to the app only if it fits.
    """

    def __init__(self, app: ASGIApp, *, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(Headers(scope=scope))
        if declared is not None and declared > self.limit:
            await self._refuse(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                await self._refuse(scope, receive, send)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        handed = False

        async def replay() -> Message:
            nonlocal handed
            if handed:
                return await receive()  # waits for the client to go away
            handed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        answer = JSONResponse(
            {"detail": f"the body is larger than {self.limit} bytes; send less per request"},
            status_code=413,
        )
        await answer(scope, receive, send)


def _content_length(headers: Headers) -> int | None:
    try:
        return int(headers["content-length"])
    except (KeyError, ValueError):
        return None


def takes_json(request: Request) -> None:
    """A body in another media type than JSON is refused (415), never guessed at."""
    media = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media != "application/json" and not (
        media.startswith("application/") and media.endswith("+json")
    ):
        raise HTTPException(
            status_code=415, detail="send the body as JSON (Content-Type: application/json)"
        )


def allowed_methods(app: FastAPI, scope: Scope) -> list[str]:
    """Every method that some route takes at the request's path (Starlette names one route's)."""
    methods: set[str] = set()
    for route in app.router.routes:
        match, _ = route.matches(scope)  # PARTIAL: the path matches, the method does not
        if match is not Match.NONE:
            methods |= getattr(route, "methods", None) or set()
    return sorted(methods)


def create_app(
    store: SqliteSystem,
    *,
    token: SecretStr,
    faults: bool = False,
    max_body: int = MAX_BODY_BYTES,
) -> FastAPI:
    """The API app; every /v1 route but /v1/health needs `Authorization: Bearer <token>`."""
    app = FastAPI(title="portflow reference porting system", version="1")
    expected = token.get_secret_value().encode()
    queued: deque[tuple[str, str, Fault | None]] = deque()  # None: let the call through
    served: list[int] = []
    lock = threading.Lock()

    def authorised(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)],
    ) -> None:
        given = credentials.credentials.encode() if credentials is not None else b""
        if credentials is None or not secrets.compare_digest(given, expected):
            raise HTTPException(
                status_code=401,
                detail="missing or wrong bearer token",
                headers={"WWW-Authenticate": "Bearer"},
            )

    if faults:

        @app.middleware("http")
        async def inject(
            request: Request, call_next: Callable[[Request], Awaitable[Response]]
        ) -> Response:
            fault = None
            with lock:
                if queued and (queued[0][0], queued[0][1]) == (request.method, request.url.path):
                    _, _, fault = queued.popleft()
                    if fault is not None:
                        served.append(fault.status)
            if fault is None:
                return await call_next(request)
            headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
            return JSONResponse(
                {"detail": "injected fault"}, status_code=fault.status, headers=headers
            )

        @app.post(
            "/v1/_faults",
            dependencies=[Depends(authorised), Depends(takes_json)],
            responses=refusals(400, 401, 413, 415, 422),
        )
        def plan_faults(plan: FaultPlan) -> dict[str, int]:
            with lock:
                queued.extend((plan.method, plan.path, None) for _ in range(plan.after))
                queued.extend((plan.method, plan.path, f) for f in plan.responses)
                return {"queued": len(queued)}

        @app.get("/v1/_faults", dependencies=[Depends(authorised)], responses=refusals(401))
        def faults_served() -> dict[str, Any]:
            with lock:
                return {"queued": len(queued), "served": list(served)}

    # Outermost (added last): an oversized body is refused before anything reads it.
    app.add_middleware(BodyLimit, limit=max_body)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        # FastAPI's own answer echoes the input: here that would be the PIN. Never echo.
        problems = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in error.errors()
        ]
        return JSONResponse({"detail": problems}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_refusal(request: Request, error: StarletteHTTPException) -> JSONResponse:
        headers = dict(error.headers or {})
        if error.status_code == 405:
            headers["Allow"] = ", ".join(allowed_methods(app, request.scope))
        return JSONResponse(
            {"detail": error.detail}, status_code=error.status_code, headers=headers
        )

    @app.exception_handler(PortingSystemError)
    async def refused(request: Request, error: PortingSystemError) -> JSONResponse:
        if isinstance(error, PortingSystemUnavailable):  # the store is busy: try again
            log.warning("answering 503: %s", error)  # the store's path stays in this log
            return JSONResponse(
                {"detail": "the porting system is busy; try again shortly"},
                status_code=503,
                headers={"Retry-After": str(BUSY_RETRY_AFTER)},
            )
        status = error.status or 400
        if status >= 500:  # the store's own fault (read-only, full): its path stays in the log
            log.error("answering %d: %s", status, error)
            return JSONResponse(
                {"detail": "the porting system cannot use its store; tell its operator"},
                status_code=status,
            )
        return JSONResponse({"detail": str(error)}, status_code=status)

    @app.get("/v1/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post(
        "/v1/port-requests",
        dependencies=[Depends(authorised), Depends(takes_json)],
        response_model=Submitted,
        status_code=201,
        responses={
            200: {"model": Submitted, "description": "The request made before under this key."},
            **refusals(400, 401, 409, 413, 415, 422, 503),
        },
    )
    def submit(
        draft: RequestDraft,
        response: Response,
        idempotency_key: str = Header(alias="Idempotency-Key"),
    ) -> Submitted:
        if idempotency_key != draft.idempotency_key:
            raise HTTPException(
                status_code=422, detail="Idempotency-Key header and body idempotency_key differ"
            )
        outcome = store.submit(draft)
        if not outcome.created:
            response.status_code = 200
        return outcome

    @app.get(
        "/v1/port-requests",
        dependencies=[Depends(authorised)],
        response_model=RequestList,
        responses=refusals(401, 503),
    )
    def list_requests(
        account_id: Annotated[
            str | None,
            Query(min_length=1, max_length=200, description="Only this account's requests."),
        ] = None,
    ) -> RequestList:
        return RequestList(requests=store.list_requests(account_id=account_id))

    @app.get(
        "/v1/port-requests/{request_id}",
        dependencies=[Depends(authorised)],
        response_model=PortRequest,
        responses=refusals(401, 404, 422, 503),
    )
    def get_request(request_id: str) -> PortRequest:
        return store.get(request_id)

    @app.post(
        "/v1/port-requests/{request_id}/status",
        dependencies=[Depends(authorised), Depends(takes_json)],
        response_model=PortRequest,
        responses=refusals(400, 401, 404, 409, 413, 415, 422, 503),
    )
    def set_status(request_id: str, change: StatusChange) -> PortRequest:
        return store.set_status(request_id, change)

    return app
