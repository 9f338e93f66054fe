"""Mutants that store events wrongly, shown by rewriting the events the query API returns."""

from __future__ import annotations

import json
import re
from typing import Any

from broken_servers.proxy import Breaker, Exchange, Reply, Upstream
from mutant_proxy import QUERY_PREFIX

KEPT_TAGS = frozenset({"#repo", "#type"})
# Linear: a key starts where no key character precedes it; possessive runs never backtrack (events
# of the limits cases hold a megabyte of letters).
QUOTED_PAIR = re.compile(
    r"""(?<![A-Za-z0-9_.\-])([A-Za-z0-9_.\-]++)[ \t]*+=[ \t]*+"""
    r"""("(?:[^"\\]|\\.)*+"|'(?:[^'\\]|\\.)*+')"""
)
OFFSET = re.compile(r"^([+-])(\d\d):?(\d\d)$")


class StoredEventsBreaker(Breaker):
    """Rewrites each event of a query answer with `event`."""

    through_readback = True

    def event(self, event: dict[str, Any]) -> dict[str, Any]:
        return event

    def response(self, req: Exchange, reply: Reply, upstream: Upstream) -> Reply:
        events = reply.json()
        if not req.path.startswith(QUERY_PREFIX) or not isinstance(events, list):
            return reply
        return Reply(reply.status, reply.headers, json.dumps([self.event(dict(e)) for e in events]).encode())


class KvQuotesKept(StoredEventsBreaker):
    rule = "KV-3"
    about = 'quoted kv values keep their quotes (a="x y" gives a = "\\"x y\\"")'

    def event(self, event: dict[str, Any]) -> dict[str, Any]:
        for key, quoted in QUOTED_PAIR.findall(str(event.get("@rawstring", ""))):
            if key in event and not key.startswith(("@", "#")) and event[key] != quoted:
                event[key] = quoted
        return event


class TagsDropped(StoredEventsBreaker):
    rule = "FLD-2"
    about = "fields members named #... are dropped instead of becoming tags"

    def event(self, event: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in event.items() if not k.startswith("#") or k in KEPT_TAGS}


class TimezoneShifts(StoredEventsBreaker):
    rule = "TZ-1"
    about = "an offset timezone (+02:00) shifts @timestamp"

    def event(self, event: dict[str, Any]) -> dict[str, Any]:
        m = OFFSET.match(str(event.get("@timezone", "")))
        if m and isinstance(event.get("@timestamp"), int):
            minutes = int(m.group(2)) * 60 + int(m.group(3))
            event["@timestamp"] -= (1 if m.group(1) == "+" else -1) * minutes * 60_000
        return event


class EventsListedTwice(StoredEventsBreaker):
    """Not in the catalogue: SPEC §9's read-back rule (an `@id` listed twice in one answer is the
    target's failure) is checked by the fuzzer's and the replay's tests through it."""

    rule = "RES-1"
    about = "the query API lists every stored event twice in one answer"

    def response(self, req: Exchange, reply: Reply, upstream: Upstream) -> Reply:
        events = reply.json()
        if not req.path.startswith(QUERY_PREFIX) or not isinstance(events, list):
            return reply
        return Reply(reply.status, reply.headers, json.dumps(events + events).encode())
