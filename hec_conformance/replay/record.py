"""`hecc record`: a recording reverse proxy. Requests go upstream byte for byte; each exchange is a line
of the capture. With no upstream it answers like a permissive Splunk itself, so a shipper can be
recorded with nothing behind it."""

from __future__ import annotations

import asyncio
import gzip
import json
import ssl
import sys
import time
from dataclasses import dataclass
from itertools import count
from urllib.parse import urlsplit

import httptools

from hec_conformance.replay.capture import CaptureError, CaptureWriter, Exchange, Response, header
from hec_conformance.replay.importers import parse_raw_dump
from hec_conformance.replay.marking import CHANNEL_HEADER, Channels
from hec_conformance.replay.roles import RoleNamer, redact

MAX_HEAD = 64 * 1024
MAX_BODY = 64 * 1024 * 1024
JSON_HEADERS = (("Content-Type", "application/json"),)


@dataclass
class Upstream:
    """Where recorded requests go: host, port and the TLS context for https."""

    host: str
    port: int
    ssl: ssl.SSLContext | None

    @classmethod
    def from_url(cls, url: str, ca: str | None = None, verify: bool = True) -> Upstream:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise CaptureError(f"--upstream {url}: an http:// or https:// URL is needed")
        ctx = None
        if parts.scheme == "https":
            ctx = ssl.create_default_context(cafile=ca)
            if not verify:
                ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
        return cls(parts.hostname, parts.port or (443 if ctx else 80), ctx)


def _request_length(buffer: bytes) -> int | None:
    """Bytes of the first complete request in `buffer`, or None while it is incomplete."""
    head_end = buffer.find(b"\r\n\r\n")
    if head_end < 0:
        if len(buffer) > MAX_HEAD:
            raise CaptureError("request headers larger than 64 KiB")
        return None
    try:
        length = _consumed(buffer, head_end)
    except ValueError:  # a chunked body not complete yet
        return None
    return length if length <= len(buffer) else None


def _expects_continue(buffer: bytes) -> bool:
    """Whether the buffered request's head is complete and asks for `100 Continue` before its body."""
    head_end = buffer.find(b"\r\n\r\n")
    return head_end >= 0 and b"\r\nexpect: 100-continue" in buffer[:head_end].lower()


def _consumed(buffer: bytes, head_end: int) -> int:
    head = buffer[:head_end].decode("latin-1").lower()
    if "transfer-encoding:" in head and "chunked" in head.split("transfer-encoding:", 1)[1].split("\r\n")[0]:
        pos = head_end + 4
        while True:
            end = buffer.index(b"\r\n", pos)
            size = int(buffer[pos:end].split(b";")[0], 16)
            pos = end + 2
            if size == 0:
                return buffer.index(b"\r\n\r\n", pos - 2) + 4
            pos += size + 2
    length = 0
    for line in head.split("\r\n")[1:]:
        if line.startswith("content-length:"):
            length = int(line.split(":", 1)[1])
    if length > MAX_BODY:
        raise CaptureError("request body larger than 64 MiB")
    return head_end + 4 + length


class _ResponseReader:
    """Collects one response's raw bytes and parsed parts from a stream."""

    def __init__(self) -> None:
        self.status = 0
        self.headers: list[tuple[str, str]] = []
        self.body: list[bytes] = []
        self.complete = False
        self.parser = httptools.HttpResponseParser(self)

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name.decode("latin-1"), value.decode("latin-1")))

    def on_headers_complete(self) -> None:
        self.status = self.parser.get_status_code()

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        if self.status >= 200:
            self.complete = True
        else:  # an interim answer (100 Continue): the final one follows on the same stream
            self.status, self.headers, self.body = 0, [], []


class FakeSplunk:
    """Answers of a permissive Splunk (the listener of /work/shared/captures): health, ack, success."""

    def __init__(self) -> None:
        self._ack_ids: dict[str, int] = {}

    def answer(
        self, method: str, path: str, query: str | None, headers: tuple[tuple[str, str], ...], body: bytes
    ) -> tuple[int, dict[str, object]]:
        if path.startswith("/services/collector/health"):
            return 200, {"text": "HEC is healthy", "code": 17}
        if path == "/services/collector/ack":
            try:
                ids = json.loads(_gunzip(body, headers)).get("acks", [])
            except (ValueError, AttributeError, OSError):
                return 400, {"text": "Invalid data format", "code": 6}
            return 200, {"acks": {str(i): True for i in ids}}
        if method == "POST" and not _gunzip(body, headers).strip():
            return 400, {"text": "No data", "code": 5}
        answer: dict[str, object] = {"text": "Success", "code": 0}
        channel = header(headers, CHANNEL_HEADER) or Channels.in_query(query)
        if channel:
            answer["ackId"] = self._ack_ids.get(channel, 0)
            self._ack_ids[channel] = int(answer["ackId"]) + 1  # type: ignore[call-overload]
        return 200, answer


def _gunzip(body: bytes, headers: tuple[tuple[str, str], ...]) -> bytes:
    if "gzip" in (header(headers, "content-encoding") or "").lower():
        return gzip.decompress(body)
    return body


class Recorder:
    """The proxy: one upstream connection per client connection, one capture line per exchange."""

    def __init__(self, writer: CaptureWriter, upstream: Upstream | None, namer: RoleNamer | None) -> None:
        self._writer = writer
        self._upstream = upstream
        self._namer = namer
        self._fake = FakeSplunk()
        self._first: float | None = None
        self._seq = count(1)
        self._conns = count(1)
        self.recorded = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = f"c{next(self._conns)}"
        up: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        buffer = b""
        started = 0.0
        continued = False
        try:
            while True:
                length = _request_length(buffer) if buffer else None
                if length is None:
                    if _expects_continue(buffer) and not continued:
                        writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")  # the client waits for it
                        continued = True
                    chunk = await reader.read(65536)
                    if not chunk:
                        return
                    if not buffer:
                        started = time.monotonic()
                    buffer += chunk
                    continue
                raw, buffer = buffer[:length], buffer[length:]
                continued = False
                if up is None and self._upstream is not None:
                    up = await self._connect(self._upstream, writer)
                response, keep = await self._exchange(raw, up, writer)
                self._record(raw, response, conn, started)
                started = time.monotonic()
                if not keep:
                    return
        except (CaptureError, OSError, ValueError) as exc:
            print(f"hecc record: connection {conn}: {exc}", file=sys.stderr)
        finally:
            writer.close()
            if up is not None:
                up[1].close()

    @staticmethod
    async def _connect(
        u: Upstream, client: asyncio.StreamWriter
    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """A connection to the upstream; when there is none, the client gets a 502 and CaptureError."""
        try:
            return await asyncio.open_connection(
                u.host, u.port, ssl=u.ssl, server_hostname=u.host if u.ssl else None
            )
        except (OSError, ssl.SSLError) as exc:
            data = b'{"text":"Upstream unreachable","code":502}'
            client.write(
                b"HTTP/1.1 502 Bad Gateway\r\nContent-Type: application/json\r\n"
                b"Connection: close\r\nContent-Length: %d\r\n\r\n%s" % (len(data), data)
            )
            await client.drain()
            raise CaptureError(f"upstream {u.host}:{u.port} unreachable ({exc}); answered 502") from None

    async def _exchange(
        self,
        raw: bytes,
        up: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None,
        client: asyncio.StreamWriter,
    ) -> tuple[Response, bool]:
        if up is None:
            method, target, _, headers, body = next(parse_raw_dump(raw, "request"))
            path, _, query = target.partition("?")
            status, answer = self._fake.answer(method, path, query or None, headers, body)
            data = json.dumps(answer, separators=(",", ":")).encode()
            reason = {200: "OK", 400: "Bad Request"}.get(status, "Status")
            client.write(
                f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(data)}\r\n\r\n".encode()
                + data
            )
            await client.drain()
            keep = (header(headers, "connection") or "").lower() != "close"
            return Response(status, (*JSON_HEADERS, ("Content-Length", str(len(data)))), data), keep
        up_reader, up_writer = up
        up_writer.write(raw)
        await up_writer.drain()
        parsed = _ResponseReader()
        while not parsed.complete:
            chunk = await up_reader.read(65536)
            if not chunk:
                if parsed.status:  # a body delimited by the end of the connection
                    break
                raise CaptureError("upstream closed the connection without an answer")
            parsed.parser.feed_data(chunk)
            client.write(chunk)
        await client.drain()
        keep = parsed.parser.should_keep_alive()
        return Response(parsed.status, tuple(parsed.headers), b"".join(parsed.body)), keep

    def _record(self, raw: bytes, response: Response, conn: str, started: float) -> None:
        method, target, version, headers, body = next(parse_raw_dump(raw, "request"))
        path, sep, query = target.partition("?")
        q: str | None = query if sep else None
        if self._namer is not None:
            headers, q = redact(headers, q, self._namer)
        if self._first is None:
            self._first = started
        self._writer.write(
            Exchange(
                seq=next(self._seq),
                offset_ms=round((started - self._first) * 1000, 3),
                method=method,
                path=path,
                query=q,
                headers=headers,
                body=body,
                response=response,
                conn=conn,
                http_version=version,
            )
        )
        self.recorded += 1


async def serve(
    host: str, port: int, recorder: Recorder, tls: ssl.SSLContext | None, stop: asyncio.Event
) -> None:
    """Listen until `stop` is set; print the bound URL on stderr first."""
    server = await asyncio.start_server(recorder.handle, host, port, ssl=tls)
    bound = server.sockets[0].getsockname()
    print(
        f"hecc record: listening on {'https' if tls else 'http'}://{bound[0]}:{bound[1]}",
        file=sys.stderr,
        flush=True,
    )
    async with server:
        await stop.wait()
