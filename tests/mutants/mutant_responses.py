"""Mutants that break a rule on the way out: they change the server's answer."""

from __future__ import annotations

import json
import threading
from urllib.parse import parse_qsl, urlsplit

from broken_servers.proxy import Breaker, Exchange, Reply, Upstream


def _channel(req: Exchange) -> str:
    header = dict((k.lower(), v) for k, v in req.headers).get("x-splunk-request-channel")
    return header or dict(parse_qsl(urlsplit(req.target).query)).get("channel", "")


def _with_body(reply: Reply, body: object) -> Reply:
    return Reply(reply.status, reply.headers, json.dumps(body).encode())


class NoInvalidEventNumber(Breaker):
    rule = "BODY-5"
    about = "error answers carry no invalid-event-number"

    def response(self, req: Exchange, reply: Reply, upstream: Upstream) -> Reply:
        body = reply.json()
        if isinstance(body, dict) and "invalid-event-number" in body:
            return _with_body(reply, {k: v for k, v in body.items() if k != "invalid-event-number"})
        return reply


class EmptyHealthBody(Breaker):
    rule = "EP-4"
    about = "health answers 200 with an empty text/plain body"

    def response(self, req: Exchange, reply: Reply, upstream: Upstream) -> Reply:
        if req.path.startswith("/services/collector/health"):
            return Reply(reply.status, (("Content-Type", "text/plain"),), b"")
        return reply


class AckTrueTwice(Breaker):
    rule = "ACK-3"
    about = "an ack id once reported true stays true in later ack queries"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: set[tuple[str, str]] = set()

    def response(self, req: Exchange, reply: Reply, upstream: Upstream) -> Reply:
        body = reply.json()
        if (
            req.path != "/services/collector/ack"
            or not isinstance(body, dict)
            or not isinstance(body.get("acks"), dict)
        ):
            return reply
        channel, acks = _channel(req), dict(body["acks"])
        with self._lock:
            for ack_id, done in acks.items():
                if done:
                    self._seen.add((channel, ack_id))
                elif (channel, ack_id) in self._seen:
                    acks[ack_id] = True
        return _with_body(reply, {**body, "acks": acks})


class AckIdsGlobal(Breaker):
    rule = "ACK-2"
    about = "ack ids count across all channels instead of per channel"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._next = 0

    def response(self, req: Exchange, reply: Reply, upstream: Upstream) -> Reply:
        body = reply.json()
        if not isinstance(body, dict) or not isinstance(body.get("ackId"), int):
            return reply
        with self._lock:
            ack_id, self._next = self._next, self._next + 1
        return _with_body(reply, {**body, "ackId": ack_id})
