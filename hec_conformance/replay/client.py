"""A small asyncio HTTP/1.1 client for the replay hot path: pre-built request bytes on keep-alive
connections, responses parsed with httptools (httpx manages far fewer requests per second)."""

from __future__ import annotations

import asyncio
import ssl
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httptools

from hec_conformance.target import Tls
from hec_conformance.transport import ssl_context


class ClientError(Exception):
    """No answer: the connection failed or closed before a whole response arrived."""


@dataclass(slots=True)
class Answer:
    """A parsed response and its round trip in seconds (headers only from a connection that keeps them)."""

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    elapsed: float = 0.0
    keep_alive: bool = True


class _Protocol(asyncio.Protocol):
    """One connection: feeds received bytes to httptools and completes the pending answer.

    The answer timeout is one lazy timer per connection rather than one per request: each request moves
    the deadline, and the timer, when it fires early, waits for the current deadline again."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.waiter: asyncio.Future[Answer] | None = None
        self.closed = False
        self.deadline = 0.0
        self.timeout = 0.0
        self._timer: asyncio.TimerHandle | None = None
        self._answer = Answer(0)
        self._body: list[bytes] = []
        self._parser = httptools.HttpResponseParser(self)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(ClientError(f"bad HTTP response: {exc}"))
            if self.transport:
                self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.stop_timer()
        self._fail(ClientError(f"connection closed before the answer ({exc or 'by the server'})"))

    def _fail(self, exc: Exception) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(exc)

    def watch(self, loop: asyncio.AbstractEventLoop, timeout: float) -> None:
        """The pending answer must come within `timeout` seconds from now."""
        self.timeout = timeout
        self.deadline = loop.time() + timeout
        if self._timer is None:
            self._timer = loop.call_at(self.deadline, self._expire, loop)

    def _expire(self, loop: asyncio.AbstractEventLoop) -> None:
        self._timer = None
        waiter = self.waiter
        if waiter is None or waiter.done():
            return  # answered: the next request arms the timer again
        if loop.time() >= self.deadline:
            waiter.set_exception(ClientError(f"no answer within {self.timeout:g}s"))
        else:
            self._timer = loop.call_at(self.deadline, self._expire, loop)

    def stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    # httptools callbacks
    def on_message_begin(self) -> None:
        self._answer = Answer(0)
        self._body = []

    def on_headers_complete(self) -> None:
        self._answer.status = self._parser.get_status_code()
        self._answer.keep_alive = self._parser.should_keep_alive()

    def on_body(self, body: bytes) -> None:
        self._body.append(body)

    def on_message_complete(self) -> None:
        self._answer.body = b"".join(self._body)
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(self._answer)


class _HeaderProtocol(_Protocol):
    """A connection that also keeps the response headers (httptools calls on_header only when it exists,
    so connections that do not need them skip a call and two decodes per header)."""

    def on_header(self, name: bytes, value: bytes) -> None:
        self._answer.headers.append((name.decode("latin-1"), value.decode("latin-1")))


class Endpoint:
    """Where to connect: host, port and TLS, from a base URL."""

    def __init__(self, url: str, tls: Tls | None = None) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ClientError(f"{url}: an http:// or https:// URL is needed")
        self.host = parts.hostname
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.host_header = parts.netloc.rpartition("@")[2]
        self.ssl: ssl.SSLContext | None = None
        if parts.scheme == "https":
            ctx = ssl_context(tls or Tls())
            self.ssl = ctx if isinstance(ctx, ssl.SSLContext) else ssl.create_default_context()


class Connection:
    """A keep-alive connection that sends whole requests and waits for each answer in turn.
    `keep_headers`: answers carry the response headers (otherwise their list stays empty)."""

    def __init__(self, endpoint: Endpoint, timeout: float, keep_headers: bool = True) -> None:
        self._endpoint = endpoint
        self._timeout = timeout
        self._factory = _HeaderProtocol if keep_headers else _Protocol
        self._proto: _Protocol | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def _open(self) -> _Protocol:
        e = self._endpoint
        loop = self._loop = asyncio.get_running_loop()
        try:
            _, proto = await asyncio.wait_for(
                loop.create_connection(
                    self._factory, e.host, e.port, ssl=e.ssl, server_hostname=e.host if e.ssl else None
                ),
                self._timeout,
            )
        except (TimeoutError, OSError, ssl.SSLError) as exc:
            raise ClientError(f"cannot connect to {e.host}:{e.port}: {exc or type(exc).__name__}") from None
        return proto

    async def send(self, request: bytes, body: bytes = b"") -> Answer:
        """Write the request bytes (then `body`, without joining them) and read one answer; one retry on a
        fresh connection if a reused one was closed before anything came back."""
        for attempt in (0, 1):
            proto = self._proto
            reused = proto is not None and not proto.closed
            if not reused:
                proto = self._proto = await self._open()
            assert proto is not None and proto.transport is not None and self._loop is not None
            waiter: asyncio.Future[Answer] = self._loop.create_future()
            proto.waiter = waiter
            proto.watch(self._loop, self._timeout)
            started = time.perf_counter()
            if body:
                proto.transport.writelines((request, body))
            else:
                proto.transport.write(request)
            try:
                answer = await waiter
            except ClientError as exc:
                self.close()
                if reused and attempt == 0 and not str(exc).startswith("no answer"):
                    continue
                raise
            answer.elapsed = time.perf_counter() - started
            if not answer.keep_alive:
                self.close()
            return answer
        raise ClientError("unreachable")  # pragma: no cover - the loop returns or raises

    def close(self) -> None:
        if self._proto is not None:
            self._proto.stop_timer()
            if self._proto.transport is not None:
                self._proto.transport.close()
        self._proto = None
