"""Exact-bytes HTTP/1.1 over plain sockets: the request goes out with the headers, order and body the
case built, and the connection is the engine's to scope.

The engine opens a fresh connection for each case (unless the target file allows reuse) and asks,
before each further request and at the end of the case, whether the target sent bytes while no request
was outstanding (a second answer to one request, say). Those bytes are reported on the case that caused
them and the connection is dropped, so they are never read as the answer to a later request.
"""

from __future__ import annotations

import gzip
import select
import socket
import ssl
import time
import zlib
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

import h11

from hec_conformance.target import Tls

READ_SIZE = 65536


class TransportError(Exception):
    """The target could not be reached or did not answer (a harness problem, not a verdict)."""


@dataclass(frozen=True)
class HttpRequest:
    """One request as it goes on the wire (Host, and Content-Length for a body, are added)."""

    method: str
    path: str
    headers: tuple[tuple[str, str], ...] = ()
    query: tuple[tuple[str, str], ...] = ()
    body: bytes = b""

    def target(self) -> str:
        """The request target: path plus the query string, parameters in order."""
        if not self.query:
            return self.path
        qs = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in self.query)
        return f"{self.path}?{qs}"


@dataclass(frozen=True)
class HttpResponse:
    """What came back: status, headers in order, the decoded body, and the round trip in seconds."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    elapsed: float

    def header(self, name: str) -> str | None:
        """The first header of that name (case-insensitive), or None."""
        low = name.lower()
        return next((v for k, v in self.headers if k.lower() == low), None)


def ssl_context(tls: Tls) -> ssl.SSLContext | bool:
    """The TLS context for these settings (True: the system's default verification)."""
    if tls.ca is None and tls.cert is None and tls.verify:
        return True
    ctx = ssl.create_default_context(cafile=str(tls.ca) if tls.ca else None)
    if not tls.verify:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    if tls.cert:
        ctx.load_cert_chain(str(tls.cert), str(tls.key) if tls.key else None)
    return ctx


def _head(request: HttpRequest, host: str) -> bytes:
    names = {name.lower() for name, _ in request.headers}
    lines = [f"{request.method} {request.target()} HTTP/1.1", f"Host: {host}"]
    lines += [f"{name}: {value}" for name, value in request.headers]
    if not names & {"content-length", "transfer-encoding"} and (
        request.body or request.method not in ("GET", "HEAD")
    ):
        lines.append(f"Content-Length: {len(request.body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace")


def _twin(request: HttpRequest) -> h11.Request:
    """What h11 needs to know of the request to read its answer: the method (the bytes are ours)."""
    headers = [("Host", "h"), ("Content-Length", str(len(request.body)))]
    return h11.Request(method=request.method, target="/", headers=headers)


def _decoded(body: bytes, encoding: str | None) -> bytes:
    """The body with a gzip or deflate Content-Encoding undone (left as sent when that fails)."""
    try:
        if encoding and encoding.strip().lower() in ("gzip", "x-gzip"):
            return gzip.decompress(body)
        if encoding and encoding.strip().lower() == "deflate":
            return zlib.decompress(body)
    except (OSError, EOFError, zlib.error):
        return body
    return body


class _Connection:
    """One socket and the h11 state that reads answers from it."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.h11 = h11.Connection(h11.CLIENT)
        self.used = False

    def leftover(self) -> bytes:
        """Bytes that arrived after the last complete answer: h11's unread data plus what the socket holds
        right now (no waiting). Empty when the target sent nothing more."""
        data, _ = self.h11.trailing_data
        out = bytes(data)
        try:
            while select.select([self.sock], [], [], 0)[0]:
                chunk = self.sock.recv(READ_SIZE)
                if not chunk:
                    break
                out += chunk
        except OSError:
            pass
        return out

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass


class Transport:
    """HTTP/1.1 to one base URL, one connection at a time, byte for byte.

    `reuse=False` (the engine's default per case: see `end_case`) never carries a connection from one
    case to the next; read-back adapters keep theirs.
    """

    def __init__(self, base_url: str, tls: Tls | None = None, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        parts = urlsplit(self.base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise TransportError(f"{base_url}: not an http or https URL")
        self._https = parts.scheme == "https"
        self._address = (parts.hostname, parts.port or (443 if self._https else 80))
        self._host = parts.netloc.rpartition("@")[2]
        self._prefix = parts.path
        self._timeout = timeout
        self._ssl: ssl.SSLContext | None = None
        if self._https:
            try:
                ctx = ssl_context(tls or Tls())
            except (OSError, ssl.SSLError) as exc:
                raise TransportError(f"TLS settings unusable: {exc}") from None
            self._ssl = ctx if isinstance(ctx, ssl.SSLContext) else ssl.create_default_context()
        self._conn: _Connection | None = None

    # -- connections ----------------------------------------------------------------------------------
    def _connect(self, what: str) -> _Connection:
        try:
            sock = socket.create_connection(self._address, timeout=self._timeout)
            if self._ssl is not None:
                sock = self._ssl.wrap_socket(sock, server_hostname=self._address[0])
        except TimeoutError:
            raise TransportError(f"{what}: ConnectTimeout: no connection within {self._timeout:g}s") from None
        except (OSError, ssl.SSLError) as exc:
            raise TransportError(f"{what}: ConnectError: {exc.strerror or exc}") from None
        sock.settimeout(self._timeout)
        return _Connection(sock)

    def unrequested(self) -> bytes:
        """Bytes the target sent on the open connection after its last answer, while no request was
        outstanding. When there are any, the connection is dropped (its state can no longer be trusted)."""
        if self._conn is None:
            return b""
        stray = self._conn.leftover()
        if stray:
            self.close()
        return stray

    def end_case(self, reuse: bool = False) -> bytes:
        """End of a case: the unrequested bytes of its last answer (see `unrequested`); the connection is
        closed unless `reuse` and it is still clean."""
        stray = self.unrequested()
        if not reuse:
            self.close()
        return stray

    def close(self) -> None:
        """Close the open connection, if any."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    # -- one exchange ---------------------------------------------------------------------------------
    def send(self, request: HttpRequest) -> HttpResponse:
        """Send exactly these headers (in order) and body; raise TransportError when no answer came.

        On a reused connection that the target closed while idle, the request is sent once more on a new
        one (nothing of an answer had arrived, so nothing is lost or read twice)."""
        what = f"{request.method} {self.base_url}{request.path}"
        conn = self._conn
        if conn is not None and (conn.h11.our_state is not h11.DONE or conn.h11.their_state is not h11.DONE):
            self.close()
            conn = None
        elif conn is not None:
            conn.h11.start_next_cycle()
        if conn is None:
            conn = self._conn = self._connect(what)
        try:
            return self._exchange(conn, request, what)
        except _IdleClosed:
            self.close()
            conn = self._conn = self._connect(what)
            try:
                return self._exchange(conn, request, what)
            except _IdleClosed:
                self.close()
                raise TransportError(f"{what}: RemoteProtocolError: closed without answering") from None
        except TransportError:
            self.close()
            raise

    def _exchange(self, conn: _Connection, request: HttpRequest, what: str) -> HttpResponse:
        reused, conn.used = conn.used, True
        host = self._host
        started = time.monotonic()
        try:
            conn.h11.send(_twin(request))
            if request.body:
                conn.h11.send(h11.Data(data=request.body))
            conn.h11.send(h11.EndOfMessage())
            conn.sock.sendall(_head(request, host) + request.body)
        except h11.LocalProtocolError as exc:
            raise TransportError(f"{what}: cannot frame the request: {exc}") from None
        except OSError as exc:
            if reused:
                raise _IdleClosed from None
            raise TransportError(f"{what}: WriteError: {exc.strerror or exc}") from None
        return self._read_answer(conn, what, reused, started)

    def _read_answer(self, conn: _Connection, what: str, reused: bool, started: float) -> HttpResponse:
        status, body, got_any = 0, bytearray(), False
        headers: tuple[tuple[str, str], ...] = ()
        while True:
            try:
                event = conn.h11.next_event()
            except h11.RemoteProtocolError as exc:
                raise TransportError(f"{what}: RemoteProtocolError: {exc}") from None
            if event is h11.NEED_DATA:
                data = self._recv(conn, what, reused and not got_any)
                got_any = got_any or bool(data)
                conn.h11.receive_data(data)
            elif isinstance(event, h11.Response):
                status = event.status_code
                headers = tuple(
                    (bytes(k).decode("latin-1"), bytes(v).decode("latin-1"))
                    for k, v in event.headers.raw_items()
                )
            elif isinstance(event, h11.Data):
                body += event.data
            elif isinstance(event, h11.EndOfMessage):
                break
            elif isinstance(event, h11.ConnectionClosed):
                raise TransportError(f"{what}: RemoteProtocolError: closed before the answer ended")
        encoding = next((v for k, v in headers if k.lower() == "content-encoding"), None)
        return HttpResponse(status, headers, _decoded(bytes(body), encoding), time.monotonic() - started)

    def _recv(self, conn: _Connection, what: str, idle: bool) -> bytes:
        """The next bytes of an answer; `idle`: nothing has arrived yet on a reused connection."""
        try:
            data = conn.sock.recv(READ_SIZE)
        except TimeoutError:
            raise TransportError(f"{what}: ReadTimeout: no answer within {self._timeout:g}s") from None
        except OSError as exc:
            if idle:
                raise _IdleClosed from None
            raise TransportError(f"{what}: ReadError: {exc.strerror or exc}") from None
        if not data and idle:
            raise _IdleClosed
        return data

    def __enter__(self) -> Transport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _IdleClosed(Exception):
    """A reused connection turned out closed before any byte of the answer arrived."""
