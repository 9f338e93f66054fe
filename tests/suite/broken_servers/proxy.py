"""A threaded HTTP proxy to an upstream HEC server with hooks to break one rule."""

from __future__ import annotations

import gzip
import json
import threading
import zlib
from dataclasses import dataclass, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import yaml

HOP = {"host", "content-length", "connection", "transfer-encoding", "keep-alive"}
EVENT_PATHS = (
    "/api/v1/ingest/hec",
    "/services/collector",
    "/services/collector/event",
    "/services/collector/event/1.0",
)


@dataclass(frozen=True)
class Exchange:
    """A request as the proxy got it: headers and body bytes exactly as they came."""

    method: str
    target: str
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def _gzipped(self) -> bool:
        return any(k.lower() == "content-encoding" and v.strip().lower() == "gzip" for k, v in self.headers)

    def decoded(self) -> bytes | None:
        """The body after Content-Encoding gzip (None when the stream is corrupt)."""
        if not self._gzipped():
            return self.body
        try:
            return gzip.decompress(self.body)
        except (OSError, EOFError, zlib.error):
            return None

    def with_decoded(self, body: bytes) -> Exchange:
        """The same request carrying `body` (decoded form), encoded as the original was; unchanged
        bytes stay exactly as they came (several gzip members, trailing garbage)."""
        if body == self.decoded():
            return self
        return replace(self, body=gzip.compress(body) if self._gzipped() else body)

    @property
    def path(self) -> str:
        return urlsplit(self.target).path.rstrip("/") or "/"

    def is_events(self) -> bool:
        return self.method == "POST" and self.path in EVENT_PATHS


@dataclass(frozen=True)
class Reply:
    """An answer: status, headers (no Content-Length) and body."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            return None


def hec_reply(status: int, body: Any) -> Reply:
    return Reply(status, (("Content-Type", "application/json"),), json.dumps(body).encode())


class Breaker:
    """Forward everything unchanged; subclasses override one hook to break `rule`."""

    rule = ""
    about = ""

    def request(self, req: Exchange) -> Exchange | Reply:
        return req

    def response(self, req: Exchange, reply: Reply, upstream: Upstream) -> Reply:
        return reply


class Upstream:
    """The real server behind the proxy."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        self._client = httpx.Client(timeout=30, trust_env=False)

    def send(self, req: Exchange) -> Reply:
        headers = [(k, v) for k, v in req.headers if k.lower() not in HOP]
        request = httpx.Request(req.method, self.url + req.target, headers=headers, content=req.body)
        resp = self._client.send(request)
        kept = tuple((k, v) for k, v in resp.headers.items() if k.lower() not in HOP | {"content-encoding"})
        return Reply(resp.status_code, kept, resp.content)

    def close(self) -> None:
        self._client.close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    wbufsize = 1 << 16  # one write per response (flushed by http.server), no Nagle/delayed-ACK stalls
    disable_nagle_algorithm = True
    server: _Server

    def __getattr__(self, name: str) -> Any:
        if name.startswith("do_"):
            return self._any
        raise AttributeError(name)

    def _any(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        req = Exchange(self.command, self.path, tuple(self.headers.items()), self.rfile.read(length))
        breaker = self.server.breaker
        changed = breaker.request(req)
        if isinstance(changed, Reply):
            reply = changed
        else:
            reply = breaker.response(changed, self.server.upstream.send(changed), self.server.upstream)
        self.send_response(reply.status)
        for name, value in reply.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(reply.body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    breaker: Breaker
    upstream: Upstream


class BrokenServer:
    """A running broken proxy on a free loopback port in front of `upstream_target`'s server."""

    def __init__(self, breaker: Breaker, upstream_target: Path) -> None:
        self.upstream_target = yaml.safe_load(upstream_target.read_text("utf-8"))
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.breaker = breaker
        self._server.upstream = Upstream(self.upstream_target["url"])
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
        )
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def write_target(self, path: Path, *, readback_only: bool = False) -> Path:
        """The upstream target file with the proxy's URL for ingest (read-back still goes to the real
        server), or with `readback_only` the other way round."""
        data = dict(self.upstream_target)
        if readback_only:
            data["readback"] = {**data["readback"], "url": self.url}
        else:
            data["readback"] = {**data["readback"], "url": data["readback"].get("url", data["url"])}
            data["url"] = self.url
        path.write_text(yaml.safe_dump(data, sort_keys=False), "utf-8")
        return path

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._server.upstream.close()
        self._thread.join(timeout=10)
