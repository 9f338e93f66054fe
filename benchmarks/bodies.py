"""HEC request bodies for the load: string events (which run the key/value parser) and object events."""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass

__all__ = ["Body", "make_body"]

_BASE_TIME = 1_700_000_000


@dataclass(frozen=True)
class Body:
    """One request body as sent, and what it holds."""

    kind: str  # "kv" (string events) or "object" (object events)
    events: int
    gzip: bool
    data: bytes  # as sent (compressed when gzip)
    plain_bytes: int  # size before compression

    @property
    def headers(self) -> dict[str, str]:
        return {"Content-Encoding": "gzip"} if self.gzip else {}


def _envelope_text(kind: str, i: int) -> str:
    """About 300 bytes of JSON per envelope, as a shipper sends them: ``time`` a number in seconds."""
    rest = json.dumps(_envelope(kind, i), separators=(",", ":"))
    return f'{{"time":{_BASE_TIME + i}.{i % 1000:03d},{rest[1:]}'


def _envelope(kind: str, i: int) -> dict[str, object]:
    if kind == "kv":
        event: object = (
            f"2024-05-01T12:00:{i % 60:02d}Z host=web-{i % 7} level=info user=user{i % 97} "
            f'action=login status=200 took_ms={i % 500} path="/api/v1/items/{i}" '
            f"client=10.0.{i % 256}.{i % 13} session=s{i:08d} bytes={1000 + i} agent=curl/8.5"
        )
    else:
        event = {
            "message": f"request {i} served",
            "level": "info",
            "http": {"method": "GET", "status": 200, "path": f"/api/v1/items/{i}", "bytes": 1000 + i},
            "user": {"id": f"user{i % 97}", "roles": ["reader", "writer"]},
            "took_ms": i % 500,
        }
    return {
        "host": f"web-{i % 7}",
        "source": "bench",
        "event": event,
        "fields": {"dc": "eu-1", "team": "core"},
    }


def make_body(kind: str, events: int, *, gzip_it: bool = False) -> Body:
    """``events`` envelopes of ``kind`` separated by newlines (what most shippers send)."""
    text = "\n".join(_envelope_text(kind, i) for i in range(events))
    plain = text.encode()
    data = gzip.compress(plain, compresslevel=6) if gzip_it else plain
    return Body(kind, events, gzip_it, data, len(plain))
