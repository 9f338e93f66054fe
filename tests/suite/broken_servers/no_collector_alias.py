"""Vector before 0.14: no `/services/collector` alias, only `/event` and `/raw` (EP-1)."""

from __future__ import annotations

from broken_servers.proxy import Breaker, Exchange, Reply, hec_reply


class NoCollectorAlias(Breaker):
    rule = "EP-1"
    about = "POST /services/collector answers 404"

    def request(self, req: Exchange) -> Exchange | Reply:
        if req.path == "/services/collector":
            return hec_reply(404, {"text": "The requested URL was not found on this server.", "code": 404})
        return req
