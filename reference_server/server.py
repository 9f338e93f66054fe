"""Running the app on uvicorn (httptools + uvloop): listening socket, TLS, graceful shutdown, target file."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import signal
import socket
import ssl
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn
import uvloop
import yaml
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from .app import HecApp
from .config import Config
from .store import Store

_GC_THRESHOLD = 20_000


class StartError(Exception):
    """The server cannot start (port in use, unreadable certificate, ...): one line for the user."""


@dataclass(frozen=True)
class Tls:
    cert: str
    key: str
    ca: str | None = None


class _Server(uvicorn.Server):
    """uvicorn without its own signal capture: the signals are ours (see ``run``)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class _GuardedHttp(HttpToolsProtocol):
    """uvicorn's httptools protocol with the guards it lacks, each answering JSON (BODY-12):

    - a deadline for the request line and headers: a client that trickles header bytes (slow-loris)
      is cut off ``header_timeout`` seconds after it connected or after its previous response,
      however often it sends a byte (the body has its own deadline, body.read_body);
    - at most ``max_connections`` open connections: one more is answered 503 code 9 and closed;
    - bytes that are not HTTP: 400 and close (uvicorn would answer text/plain).
    """

    header_timeout = 10.0
    max_connections = 2048
    _deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self.max_connections:
            self._refuse(b"503 Service Unavailable", b'{"text":"Server is busy","code":9}')
            return
        self._arm()

    def send_400_response(self, msg: str) -> None:
        self._refuse(b"400 Bad Request", b'{"text":"Bad Request","code":400}')

    def _refuse(self, status: bytes, body: bytes) -> None:
        self.transport.write(
            b"HTTP/1.1 "
            + status
            + b"\r\ncontent-type: application/json\r\ncontent-length: "
            + str(len(body)).encode()
            + b"\r\nconnection: close\r\n\r\n"
            + body
        )
        self.transport.close()

    def on_headers_complete(self) -> None:
        self._disarm()
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        pipelined = bool(self.pipeline)
        super().on_response_complete()
        if not pipelined and not self.transport.is_closing():
            self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(self.header_timeout, self._expire)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expire(self) -> None:
        if not self.transport.is_closing():
            self.transport.close()


def listen(host: str, port: int, *, reuse_port: bool = False) -> socket.socket:
    """Bind and listen now, so a port in use is reported before anything else starts. With
    ``reuse_port`` (SO_REUSEPORT) every worker process binds the same port and the kernel spreads the
    connections over them."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
        sock.listen(2048)
    except (OSError, OverflowError) as exc:
        sock.close()
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise StartError(f"cannot listen on {host}:{port}: {reason}") from None
    sock.setblocking(False)
    return sock


def check_tls(tls: Tls) -> None:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        context.load_cert_chain(tls.cert, tls.key)
    except (OSError, ssl.SSLError) as exc:
        raise StartError(f"cannot load TLS certificate {tls.cert} / key {tls.key}: {exc}") from None


def base_url(sock: socket.socket, host: str, tls: Tls | None) -> str:
    port = sock.getsockname()[1]
    shown = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
    if ":" in shown:
        shown = f"[{shown}]"
    return f"{'https' if tls else 'http'}://{shown}:{port}"


def target_document(config: Config, url: str, tls: Tls | None) -> dict[str, Any]:
    """The target file of docs/targets.md for this server."""
    tokens: dict[str, dict[str, str]] = {}
    for t in config.tokens:
        if t.role is not None:
            tokens[t.role] = {"token": t.token, "repository": t.repository}
            if t.parser is not None:
                tokens[t.role]["parser"] = t.parser
    doc: dict[str, Any] = {
        "url": url,
        "profile": config.profile,
        "capabilities": config.all_capabilities(),
        "marker_field": "hec_case",
        "tokens": tokens,
        "readback": (
            {"kind": "logscale-query", "url": url, "token": config.read_tokens[0]}
            if config.read_tokens
            else {"kind": "none"}
        ),
        "limits": {
            "max_request_bytes": config.limits.max_request_bytes,
            "max_pending_acks_per_channel": config.limits.max_pending_acks_per_channel,
        },
    }
    if tls is not None:
        doc["tls"] = {"ca": str(Path(tls.ca).resolve()), "verify": True} if tls.ca else {"verify": True}
    return doc


def write_atomically(path: Path, text: str) -> None:
    """Write to a temporary file beside ``path``, then rename it over ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def run(
    config: Config,
    store: Store,
    sock: socket.socket,
    *,
    tls: Tls | None,
    on_ready: Callable[[], None] = lambda: None,
    on_stop: Callable[[], None] = lambda: None,
) -> None:
    """Serve until SIGTERM or SIGINT (``on_stop`` is called at the first), then finish in-flight
    requests and close the store."""
    limits = config.limits
    uv_config = uvicorn.Config(
        HecApp(config, store),
        loop="none",
        http=type(
            "GuardedHttp",
            (_GuardedHttp,),
            {"header_timeout": limits.header_timeout_seconds, "max_connections": limits.max_connections},
        ),
        lifespan="off",
        access_log=False,
        log_level="warning",
        server_header=False,
        timeout_keep_alive=max(1, round(limits.keep_alive_seconds)),
        timeout_graceful_shutdown=max(1, round(limits.shutdown_timeout_seconds)),
        ssl_certfile=tls.cert if tls else None,
        ssl_keyfile=tls.key if tls else None,
    )
    server = _Server(uv_config)
    # Every request allocates a few hundred objects per event; the default threshold (700) ran a
    # collection every few events (~10 % of the event-loop thread at 100-event bodies, py-spy).
    gc.freeze()
    gc.set_threshold(_GC_THRESHOLD, 20, 20)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, _stop, server, on_stop)
        serving = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started and not serving.done():
            await asyncio.sleep(0.01)
        if server.started:
            on_ready()
        await serving

    try:
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            runner.run(main())
    finally:
        store.close()


def _stop(server: uvicorn.Server, on_stop: Callable[[], None]) -> None:
    """First signal: graceful shutdown; a second one: stop waiting for in-flight requests."""
    if server.should_exit:
        server.force_exit = True
    else:
        on_stop()
    server.should_exit = True


def dump_target(doc: dict[str, Any]) -> str:
    return str(yaml.safe_dump(doc, sort_keys=False, default_flow_style=False))
