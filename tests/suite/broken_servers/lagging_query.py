"""An eventually consistent read-back: the query API hides events younger than LAG_MS (as a real
search index does while it catches up). Not a broken HEC rule: it is what the sentinel guards against."""

from __future__ import annotations

import json
import time

from broken_servers.proxy import Breaker, Exchange, Reply, Upstream

LAG_MS = 400


class LaggingQuery(Breaker):
    rule = "QRY-5"
    about = f"stored events become visible to queries only {LAG_MS} ms after ingest"

    def response(self, req: Exchange, reply: Reply, upstream: Upstream) -> Reply:
        events = reply.json()
        if not req.path.endswith("/query") or reply.status != 200 or not isinstance(events, list):
            return reply
        now = time.time() * 1000
        visible = [e for e in events if now - int(e.get("@ingesttimestamp", 0)) >= LAG_MS]
        return Reply(reply.status, reply.headers, json.dumps(visible).encode())
