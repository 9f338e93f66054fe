"""Reading a request body (SPEC BODY-8, BODY-9): streamed, size-limited, gzip decoded in bounded steps."""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import Awaitable, Callable
from typing import Any

from .errors import HecError, invalid_format

Receive = Callable[[], Awaitable[dict[str, Any]]]


class ClientGone(Exception):
    """The client closed the connection before its body was read: there is nobody to answer."""


def too_large() -> HecError:
    return HecError(413, 413, "Request Entity Too Large")


def is_gzip(content_encoding: str | None) -> bool:
    """BODY-8: gzip / x-gzip (any case) decode; none or identity do not; anything else is 415."""
    value = (content_encoding or "").strip().lower()
    if value in ("gzip", "x-gzip"):
        return True
    if value in ("", "identity"):
        return False
    raise HecError(415, 415, "Unsupported Media Type")


class _Gunzip:
    """Multi-member gzip decoder whose output never exceeds ``limit`` + 1 bytes."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._member = zlib.decompressobj(wbits=31)
        self._open = False
        self.out = bytearray()

    def feed(self, data: bytes) -> None:
        try:
            while data:
                if self._member.eof:
                    self._member = zlib.decompressobj(wbits=31)
                self._open = True
                self.out += self._member.decompress(data, self._limit - len(self.out) + 1)
                if len(self.out) > self._limit:
                    raise too_large()
                data = self._member.unused_data if self._member.eof else self._member.unconsumed_tail
                self._open = not self._member.eof
        except zlib.error:
            raise invalid_format(None) from None

    def finish(self) -> bytes:
        if self._open:
            try:
                self.out += self._member.flush(self._limit - len(self.out) + 1)
            except zlib.error:
                raise invalid_format(None) from None
            if len(self.out) > self._limit:
                raise too_large()
            if not self._member.eof:
                raise invalid_format(None)
        return bytes(self.out)


async def read_body(
    receive: Receive,
    *,
    gzip: bool,
    limit: int,
    timeout: float,
    content_length: int | None = None,
) -> bytes:
    """Read the whole body within ``timeout`` seconds; 413 as soon as the decoded size passes ``limit``.

    A body that does not arrive in time answers 408; a client that disconnects raises ClientGone.
    """
    if not gzip and content_length is not None and content_length > limit:
        raise too_large()
    deadline = asyncio.get_running_loop().time() + timeout
    # A gzip body may be a little larger than what it decodes to, never much larger.
    raw_limit = limit + limit // 16 + 65536 if gzip else limit
    decoder = _Gunzip(limit) if gzip else None
    plain = bytearray()
    received = 0
    more = True
    try:
        async with asyncio.timeout_at(deadline):  # one timer for the whole body, not one per chunk
            while more:
                message = await receive()
                if message["type"] == "http.disconnect":
                    raise ClientGone()
                chunk = message.get("body", b"")
                more = message.get("more_body", False)
                received += len(chunk)
                if received > raw_limit:
                    raise too_large()
                if decoder is not None:
                    decoder.feed(chunk)
                elif more or plain:
                    plain += chunk
                else:
                    return bytes(chunk)  # the usual case: the whole body in one message, no copy
    except TimeoutError:
        raise HecError(408, 408, "Request Timeout") from None
    return decoder.finish() if decoder is not None else bytes(plain)
