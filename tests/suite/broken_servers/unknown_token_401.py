"""Vector: an unknown token answers 401 code 3 instead of 403 code 4 (AUTH-7)."""

from __future__ import annotations

from broken_servers.proxy import Breaker, Exchange, Reply, Upstream, hec_reply


class UnknownToken401(Breaker):
    rule = "AUTH-7"
    about = "unknown token -> 401 Invalid authorization (code 3), as Vector answers"

    def response(self, req: Exchange, reply: Reply, upstream: Upstream) -> Reply:
        body = reply.json()
        if reply.status == 403 and isinstance(body, dict) and body.get("code") == 4:
            return hec_reply(401, {"text": "Invalid authorization", "code": 3})
        return reply
