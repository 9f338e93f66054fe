"""The baseline of benchmark 1: an ASGI app that reads the body, parses the envelopes and answers success.

Served by the same ASGI server as the reference server (uvicorn with httptools and uvloop), it is
the cost of HTTP plus JSON parsing with nothing stored: ``python -m benchmarks.bare_app --port P``.
"""

from __future__ import annotations

import argparse
import json
import zlib
from collections.abc import Awaitable, Callable
from typing import Any

import uvicorn

_SUCCESS = b'{"text":"Success","code":0}'
_HEADERS = [(b"content-type", b"application/json"), (b"content-length", str(len(_SUCCESS)).encode())]
_decode = json.JSONDecoder().raw_decode


def parse_envelopes(text: str) -> int:
    """The number of JSON envelopes in ``text`` (concatenated, any whitespace between)."""
    count, pos, end = 0, 0, len(text)
    while pos < end:
        if text[pos] in " \t\r\n":
            pos += 1
            continue
        _, pos = _decode(text, pos)
        count += 1
    return count


async def app(
    scope: dict[str, Any],
    receive: Callable[[], Awaitable[dict[str, Any]]],
    send: Callable[[dict[str, Any]], Awaitable[None]],
) -> None:
    """Read the whole body (gunzip if asked), parse its envelopes, answer HEC success."""
    if scope["type"] != "http":
        return
    body = bytearray()
    more = True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
    if (b"content-encoding", b"gzip") in scope["headers"]:
        body = bytearray(zlib.decompress(bytes(body), wbits=31))
    parse_envelopes(body.decode("utf-8"))
    await send({"type": "http.response.start", "status": 200, "headers": _HEADERS})
    await send({"type": "http.response.body", "body": _SUCCESS})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=args.port,
        http="httptools",
        loop="uvloop",
        lifespan="off",
        access_log=False,
        log_level="warning",
        backlog=2048,
    )


if __name__ == "__main__":
    main()
