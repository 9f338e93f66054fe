"""Exact-bytes HTTP: the request goes out with the headers, order and body the case built."""

from __future__ import annotations

import ssl
import time
from dataclasses import dataclass
from urllib.parse import quote

import httpx

from hec_conformance.target import Tls


class TransportError(Exception):
    """The target could not be reached or did not answer (a harness problem, not a verdict)."""


@dataclass(frozen=True)
class HttpRequest:
    """One request as it goes on the wire (the Host and Content-Length headers are added by httpx)."""

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
    """The httpx `verify` value for these TLS settings."""
    if tls.ca is None and tls.cert is None and tls.verify:
        return True
    ctx = ssl.create_default_context(cafile=str(tls.ca) if tls.ca else None)
    if not tls.verify:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    if tls.cert:
        ctx.load_cert_chain(str(tls.cert), str(tls.key) if tls.key else None)
    return ctx


class Transport:
    """A connection pool to one base URL that sends HttpRequests byte for byte."""

    def __init__(self, base_url: str, tls: Tls | None = None, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        try:
            verify = ssl_context(tls or Tls())
        except (OSError, ssl.SSLError) as exc:
            raise TransportError(f"TLS settings unusable: {exc}") from None
        self._client = httpx.Client(verify=verify, timeout=timeout, headers=None, trust_env=False)

    def send(self, request: HttpRequest) -> HttpResponse:
        """Send exactly these headers (in order) and body; raise TransportError when nothing came back."""
        raw = httpx.Request(
            request.method,
            self.base_url + request.target(),
            headers=list(request.headers),
            content=request.body,
        )
        # httpx fills Content-Length for any body; drop it for a body-less GET as a client would.
        if request.method == "GET" and not request.body:
            raw.headers.pop("Content-Length", None)
        started = time.monotonic()
        try:
            resp = self._client.send(raw)
        except httpx.HTTPError as exc:
            raise TransportError(
                f"{request.method} {self.base_url}{request.path}: {type(exc).__name__}: {exc}"
            ) from None
        return HttpResponse(
            status=resp.status_code,
            headers=tuple(resp.headers.items()),
            body=resp.content,
            elapsed=time.monotonic() - started,
        )

    def close(self) -> None:
        """Close the pool."""
        self._client.close()

    def __enter__(self) -> Transport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
