"""OpenTelemetry before PR 14469: success is 202 with the JSON string "OK" (BODY-12)."""

from __future__ import annotations

from broken_servers.proxy import Breaker, Exchange, Reply, Upstream


class Accepted202(Breaker):
    rule = "BODY-12"
    about = 'success answers 202 "OK"'

    def response(self, req: Exchange, reply: Reply, upstream: Upstream) -> Reply:
        body = reply.json()
        if reply.status == 200 and isinstance(body, dict) and body.get("text") == "Success":
            return Reply(202, (("Content-Type", "application/json"),), b'"OK"')
        return reply
