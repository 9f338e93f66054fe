"""The ASGI app: routing and the order of checks (SPEC ORD-1), nothing else."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from .ack import AckRegistry, check_guid, parse_ack_body
from .auth import TokenTable, authenticate_ingest, authenticate_read
from .body import ClientGone, Receive, is_gzip, read_body
from .config import Config, IngestToken
from .envelopes import parse_event_body, split_raw_body
from .errors import HecError
from .fastpath import translate_events, translate_raw
from .query import parse_request
from .store import Store, busy
from .translate import IngestContext, StoredEvent

log = logging.getLogger("reference_server")

Send = Callable[[dict[str, Any]], Awaitable[None]]
_encode = json.JSONEncoder(separators=(",", ":")).encode
_JSON = b"application/json"
_NDJSON = b"application/x-ndjson"
_QUERY_PATH = re.compile(r"/api/v1/repositories/([^/]+)/query")
_SMALL_BODY_LIMIT = 1024 * 1024
_THREAD_FROM_BYTES = 256 * 1024
_METADATA_PARAMS = ("host", "source", "sourcetype", "index")


@dataclass
class Request:
    """What the checks read from one request."""

    method: str
    path: str
    headers: dict[str, str]
    query: dict[str, str]
    receive: Receive

    def content_length(self) -> int | None:
        value = self.headers.get("content-length", "")
        return int(value) if value.isdigit() else None


@dataclass
class Answer:
    status: int
    body: bytes
    content_type: bytes = _JSON
    headers: tuple[tuple[bytes, bytes], ...] = ()


def json_answer(status: int, value: object, headers: tuple[tuple[bytes, bytes], ...] = ()) -> Answer:
    return Answer(status, _encode(value).encode(), _JSON, headers)


_SUCCESS = json_answer(200, {"text": "Success", "code": 0})  # encoded once; answers are never changed


class HecApp:
    """The HEC endpoints of SPEC §1, the ack endpoint (§8) and the query API (§9)."""

    def __init__(self, config: Config, store: Store) -> None:
        self.config = config
        self.store = store
        self.tokens = TokenTable(config.tokens, config.read_tokens)
        self.parsers = config.parser_registry()
        limits = config.limits
        self.acks = AckRegistry(
            max_channels=limits.max_channels,
            max_pending=limits.max_pending_acks,
            max_pending_per_channel=limits.max_pending_acks_per_channel,
            idle_seconds=limits.channel_idle_seconds,
        )
        self._slots = asyncio.Semaphore(limits.max_concurrent_requests)
        self._repositories = frozenset(config.repositories)
        self._routes: dict[str, tuple[str, Callable[[Request], Awaitable[Answer]]]] = {}
        for path in (
            "/api/v1/ingest/hec",
            "/services/collector",
            "/services/collector/event",
            "/services/collector/event/1.0",
        ):
            self._routes[path] = ("POST", self._event)
        for path in ("/api/v1/ingest/hec/raw", "/services/collector/raw", "/services/collector/raw/1.0"):
            self._routes[path] = ("POST", self._raw)
        for path in ("/services/collector/health", "/services/collector/health/1.0"):
            self._routes[path] = ("GET", self._health)
        self._routes["/services/collector/ack"] = ("POST", self._ack)

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        headers: dict[str, str] = {}
        for name, value in scope["headers"]:
            headers.setdefault(name.decode("latin-1"), value.decode("latin-1"))
        query: dict[str, str] = {}
        if scope["query_string"]:  # most requests have none: skip the parser
            query_string = scope["query_string"].decode("utf-8", "replace")
            for name, value in parse_qsl(query_string, keep_blank_values=True):
                query.setdefault(name, value)
        request = Request(scope["method"], scope["path"], headers, query, receive)
        try:
            answer = await self._dispatch(request)
        except HecError as exc:
            extra = ((b"connection", b"close"),) if exc.status == 408 else ()
            answer = json_answer(exc.status, exc.body(), extra)
        except ClientGone:
            return
        except Exception:
            log.exception("internal error on %s %s", request.method, request.path)
            answer = json_answer(500, {"text": "Internal server error", "code": 8})
        await send(
            {
                "type": "http.response.start",
                "status": answer.status,
                "headers": [
                    (b"content-type", answer.content_type),
                    (b"content-length", str(len(answer.body)).encode()),
                    *answer.headers,
                ],
            }
        )
        await send({"type": "http.response.body", "body": answer.body})

    async def _dispatch(self, request: Request) -> Answer:
        """ORD-1 step 1: path, then method."""
        route = self._routes.get(request.path)
        if route is None:
            match = _QUERY_PATH.fullmatch(request.path)
            if match is None:
                return json_answer(
                    404, {"text": "The requested URL was not found on this server.", "code": 404}
                )
            route = ("POST", lambda r: self._query(r, match.group(1)))
        method, handler = route
        if request.method != method:
            allow = ((b"allow", method.encode()),)
            return json_answer(405, {"text": "Method Not Allowed", "code": 405}, allow)
        return await handler(request)

    async def _health(self, request: Request) -> Answer:
        if self.store.accepting:
            return json_answer(200, {"text": "HEC is healthy", "code": 17})
        return json_answer(503, {"text": "HEC is unhealthy, queues are full", "code": 18})

    def _authenticate(self, request: Request) -> IngestToken:
        """ORD-1 steps 2 and 3."""
        return authenticate_ingest(
            request.headers.get("authorization"),
            request.query,
            self.tokens,
            profile=self.config.profile,
            capabilities=self.config.capabilities,
        )

    async def _event(self, request: Request) -> Answer:
        return await self._ingest(request, raw=False)

    async def _raw(self, request: Request) -> Answer:
        return await self._ingest(request, raw=True)

    async def _ingest(self, request: Request, *, raw: bool) -> Answer:
        token = self._authenticate(request)
        gzip = is_gzip(request.headers.get("content-encoding"))  # step 4
        channel = _channel(request)  # step 5
        if token.ack or (raw and self.config.profile == "splunk"):
            channel = check_guid(channel)
        ack_channel = channel if token.ack else None
        if ack_channel is not None:
            self.acks.reserve(ack_channel)
        try:
            async with self._slot():
                data = await self._read(request, gzip, self.config.limits.max_request_bytes)  # step 6
                events = await self._translate(data, raw, token, channel, request.query)  # steps 7, 8
                await self.store.append(events)
        except BaseException:
            if ack_channel is not None:
                self.acks.release(ack_channel)
            raise
        if ack_channel is None:
            return _SUCCESS
        return json_answer(200, {"text": "Success", "code": 0, "ackId": self.acks.issue(ack_channel)})

    async def _ack(self, request: Request) -> Answer:
        """ACK-3, ACK-4: auth, encoding, ack enabled, channel, then the body."""
        token = self._authenticate(request)
        gzip = is_gzip(request.headers.get("content-encoding"))
        if not token.ack:
            raise HecError(400, 14, "ACK is disabled")
        channel = check_guid(_channel(request))
        async with self._slot():
            ids = parse_ack_body(await self._read(request, gzip, _SMALL_BODY_LIMIT))
        return json_answer(200, {"acks": self.acks.query(channel, ids)})

    async def _query(self, request: Request, repository: str) -> Answer:
        """QRY-1..5: read token, repository, body, then the search."""
        authenticate_read(request.headers.get("authorization"), self.tokens)
        if repository not in self.config.repositories:
            raise HecError(404, 404, f"Repository {repository!r} not found")
        gzip = is_gzip(request.headers.get("content-encoding"))
        async with self._slot():
            data = await self._read(request, gzip, _SMALL_BODY_LIMIT)
        query = parse_request(data, int(time.time() * 1000))
        most = self.config.limits.max_query_events
        events = await self.store.search(repository, query.terms, query.start, query.end, most + 1)
        if len(events) > most:
            raise HecError(400, 400, f"The query matches more than {most} events: narrow it")
        if "application/x-ndjson" in request.headers.get("accept", "").lower():
            lines = "".join(_encode(e) + "\n" for e in events)
            return Answer(200, lines.encode(), _NDJSON)
        return json_answer(200, events)

    def _slot(self) -> _Slot:
        return _Slot(self._slots, self.config.limits.body_timeout_seconds)

    async def _read(self, request: Request, gzip: bool, limit: int) -> bytes:
        return await read_body(
            request.receive,
            gzip=gzip,
            limit=limit,
            timeout=self.config.limits.body_timeout_seconds,
            content_length=request.content_length(),
        )

    async def _translate(
        self, data: bytes, raw: bool, token: IngestToken, channel: str | None, query: dict[str, str]
    ) -> list[StoredEvent]:
        ctx = IngestContext(
            profile=self.config.profile,
            repository=token.repository,
            repositories=self._repositories,
            change_repo="change-repo-on-events" in self.config.capabilities,
            token_parser=token.parser,
            parsers=self.parsers,
            query={k: query[k] for k in _METADATA_PARAMS if k in query},
            channel=channel if raw else None,
            now_ms=int(time.time() * 1000),
            max_future_seconds=self.config.limits.max_future_seconds,
            max_event_bytes=self.config.limits.max_event_bytes,
            max_fields=self.config.limits.max_fields,
        )

        def work() -> list[StoredEvent]:
            if raw:
                return translate_raw(split_raw_body(data), ctx)
            return translate_events(parse_event_body(data, array_batch=True), ctx)

        return await asyncio.to_thread(work) if len(data) >= _THREAD_FROM_BYTES else work()


class _Slot:
    """One of the bounded request slots; waiting longer than the body timeout answers 503 code 9."""

    def __init__(self, semaphore: asyncio.Semaphore, timeout: float) -> None:
        self._semaphore = semaphore
        self._timeout = timeout

    async def __aenter__(self) -> None:
        if not self._semaphore.locked():  # a free slot: taken at once, no timer
            await self._semaphore.acquire()
            return
        try:
            await asyncio.wait_for(self._semaphore.acquire(), self._timeout)
        except TimeoutError:
            raise busy() from None

    async def __aexit__(self, *exc: object) -> None:
        self._semaphore.release()


def _channel(request: Request) -> str | None:
    """RAW-4: the X-Splunk-Request-Channel header (any case), else the `channel` query parameter."""
    return request.headers.get("x-splunk-request-channel") or request.query.get("channel")


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
