"""Vector: the envelopes before a bad one are stored, then the error is returned (ORD-2)."""

from __future__ import annotations

import json

from broken_servers.proxy import Breaker, Exchange, Reply, Upstream


def leading_objects(text: str, count: int) -> list[str] | None:
    """The first `count` JSON objects of a concatenated body, as their texts; None if they are not."""
    decoder, found, pos = json.JSONDecoder(), [], 0
    while len(found) < count:
        while pos < len(text) and text[pos] in " \t\r\n":
            pos += 1
        try:
            value, end = decoder.raw_decode(text, pos)
        except ValueError:
            return None
        if not isinstance(value, dict):
            return None
        found.append(text[pos:end])
        pos = end
    return found


class PartialBatch(Breaker):
    rule = "ORD-2"
    about = "a batch failing at envelope k still stores envelopes 0..k-1"

    def response(self, req: Exchange, reply: Reply, upstream: Upstream) -> Reply:
        body = reply.json()
        k = body.get("invalid-event-number") if isinstance(body, dict) else None
        if reply.status != 400 or not req.is_events() or not isinstance(k, int) or k < 1:
            return reply
        try:
            text = (req.decoded() or b"").decode("utf-8")
        except UnicodeDecodeError:
            return reply
        good = leading_objects(text, k)
        if good:
            upstream.send(req.with_decoded("\n".join(good).encode()))
        return reply
