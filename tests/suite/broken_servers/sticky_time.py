"""Vector: an envelope without `time` reuses the previous envelope's `time` (SCOPE-1)."""

from __future__ import annotations

import json
from decimal import Decimal

from broken_servers.proxy import Breaker, Exchange, Reply


def with_sticky_time(text: str) -> str | None:
    """`text` with the last seen `time` inserted into each later envelope lacking one; None if not objects."""
    decoder = json.JSONDecoder(parse_float=Decimal, parse_int=Decimal)
    inserts: list[tuple[int, str]] = []
    last: str | None = None
    pos = 0
    while True:
        while pos < len(text) and text[pos] in " \t\r\n":
            pos += 1
        if pos >= len(text):
            break
        try:
            value, end = decoder.raw_decode(text, pos)
        except (ValueError, RecursionError):
            return None
        if not isinstance(value, dict):
            return None
        if isinstance(value.get("time"), Decimal | str):
            last = str(value["time"]) if isinstance(value["time"], Decimal) else json.dumps(value["time"])
        elif last is not None and "time" not in value:
            inserts.append((pos + 1, f'"time":{last}' + ("," if value else "")))
        pos = end
    for at, piece in reversed(inserts):
        text = text[:at] + piece + text[at:]
    return text


class StickyTime(Breaker):
    rule = "SCOPE-1"
    about = "time is sticky across envelopes of one request"

    def request(self, req: Exchange) -> Exchange | Reply:
        body = req.decoded()
        if not req.is_events() or body is None:
            return req
        try:
            changed = with_sticky_time(body.decode("utf-8"))
        except UnicodeDecodeError:
            return req
        return req if changed is None else req.with_decoded(changed.encode("utf-8"))
