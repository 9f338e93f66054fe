"""Mutants that break a rule on the way in: they answer themselves or change the request."""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal
from urllib.parse import parse_qsl, urlencode, urlsplit

from broken_servers.proxy import Breaker, Exchange, Reply, Upstream, hec_reply
from mutant_proxy import body_text, envelope_spans, is_ingest

INVALID = {"text": "Invalid data format", "code": 6}
KNOWN_MEMBERS = frozenset({"time", "host", "source", "sourcetype", "index", "event", "fields", "timezone"})


def invalid_at(k: int) -> Reply:
    return hec_reply(400, {**INVALID, "invalid-event-number": k})


class BearerRefused(Breaker):
    rule = "AUTH-1"
    about = "humio: the Bearer scheme answers 401 code 3 (only Splunk accepted)"

    def request(self, req: Exchange) -> Exchange | Reply:
        auth = dict((k.lower(), v) for k, v in req.headers).get("authorization", "")
        if is_ingest(req) and auth.strip().lower().startswith("bearer"):
            return hec_reply(401, {"text": "Invalid authorization", "code": 3})
        return req


class UnknownMemberRejected(Breaker):
    rule = "BODY-11"
    about = "an unknown top-level member answers 400 code 6 (splunkd, issue #36096)"

    def request(self, req: Exchange) -> Exchange | Reply:
        spans = envelope_spans(body_text(req) or "")
        for k, (_, _, value) in enumerate(spans or ()):
            if set(value) - KNOWN_MEMBERS:
                return invalid_at(k)
        return req


class GzipIgnored(Breaker):
    rule = "BODY-8"
    about = "Content-Encoding: gzip is ignored; the compressed bytes are read as the body"

    def request(self, req: Exchange) -> Exchange | Reply:
        kept = tuple((k, v) for k, v in req.headers if k.lower() != "content-encoding")
        return replace(req, headers=kept)


MS_TIME = re.compile(r'("time"\s*:\s*)(\d{11,})(?=[\s,}\]])')


class TimeUnitGuess(Breaker):
    rule = "TIME-6"
    about = "an integer time >= 13569465600 is read as milliseconds (Vector's unit guess)"

    def request(self, req: Exchange) -> Exchange | Reply:
        text = body_text(req)
        if text is None:
            return req

        def as_ms(m: re.Match[str]) -> str:
            value = int(m.group(2))
            return m.group(0) if value < 13569465600 else m.group(1) + str(Decimal(value) / 1000)

        return req.with_decoded(MS_TIME.sub(as_ms, text).encode("utf-8"))


class BlankEventRejected(Breaker):
    rule = "EVT-5"
    about = "humio: no event answers code 12 and an empty one code 13 (the splunk rule everywhere)"

    def request(self, req: Exchange) -> Exchange | Reply:
        for k, (_, _, value) in enumerate(envelope_spans(body_text(req) or "") or ()):
            if value.get("event") is None:
                return hec_reply(
                    400, {"text": "Event field is required", "code": 12, "invalid-event-number": k}
                )
            if value["event"] == "":
                return hec_reply(
                    400, {"text": "Event field cannot be blank", "code": 13, "invalid-event-number": k}
                )
        return req


def nested(value: object) -> bool:
    """An object, or an array holding objects or arrays."""
    return isinstance(value, dict) or (
        isinstance(value, list) and any(isinstance(i, dict | list) for i in value)
    )


class NestedFieldsRejected(Breaker):
    rule = "FLD-4"
    about = "humio: an object or nested array in fields answers code 15 (OpenTelemetry's check)"

    def request(self, req: Exchange) -> Exchange | Reply:
        for k, (_, _, value) in enumerate(envelope_spans(body_text(req) or "") or ()):
            fields = value.get("fields")
            if isinstance(fields, dict) and any(nested(v) for v in fields.values()):
                return hec_reply(
                    400, {"text": "Error in handling indexed fields", "code": 15, "invalid-event-number": k}
                )
        return req


class ArrayBatchRejected(Breaker):
    rule = "BODY-3"
    about = "a JSON array of envelopes answers 400 code 12 (Vector)"

    def request(self, req: Exchange) -> Exchange | Reply:
        text = body_text(req)
        if text is not None and text.lstrip(" \t\r\n\ufeff").startswith("["):
            return hec_reply(400, {"text": "Event field is required", "code": 12, "invalid-event-number": 0})
        return req


class PackedRejected(Breaker):
    rule = "BODY-2"
    about = "envelopes must be separated by whitespace: `}{` answers code 6 at the second one"

    def request(self, req: Exchange) -> Exchange | Reply:
        spans = envelope_spans(body_text(req) or "") or []
        for k in range(1, len(spans)):
            if spans[k][0] == spans[k - 1][1]:
                return invalid_at(k)
        return req


class FormBodyRefused(Breaker):
    rule = "BODY-7"
    about = "Content-Type application/x-www-form-urlencoded answers code 6 (the body read as a form)"

    def request(self, req: Exchange) -> Exchange | Reply:
        ctype = dict((k.lower(), v) for k, v in req.headers).get("content-type", "")
        if req.is_events() and ctype.lower().startswith("application/x-www-form-urlencoded"):
            return invalid_at(0)
        return req


class QueryTokenIgnored(Breaker):
    rule = "AUTH-8"
    about = "a token query parameter is ignored instead of answering 400 code 16"

    def request(self, req: Exchange) -> Exchange | Reply:
        parts = urlsplit(req.target)
        query = parse_qsl(parts.query, keep_blank_values=True)
        if not is_ingest(req) or not any(k == "token" for k, _ in query):
            return req
        kept = urlencode([(k, v) for k, v in query if k != "token"])
        return replace(req, target=parts.path + (f"?{kept}" if kept else ""))


INDEX_MEMBER = re.compile(r'"index"\s*:\s*"(?:[^"\\]|\\.)*"')


class IndexMismatchStored(Breaker):
    rule = "IDX-3"
    about = "an index other than the token's repository is stored in the token's repository (200)"

    def response(self, req: Exchange, reply: Reply, upstream: Upstream) -> Reply:
        body = reply.json()
        if reply.status != 400 or not isinstance(body, dict) or body.get("code") != 7:
            return reply
        text = (req.decoded() or b"").decode("utf-8", "replace")
        parts = urlsplit(req.target)
        query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "index"])
        retry = replace(
            req.with_decoded(INDEX_MEMBER.sub('"index":null', text).encode("utf-8")),
            target=parts.path + (f"?{query}" if query else ""),
        )
        return upstream.send(retry)


STRING_TIME = re.compile(r'("time"\s*:\s*)"(-?\d[\d.eE+-]*)"')


class StringTimeIgnored(Breaker):
    rule = "TIME-3"
    about = 'a numeric string time ("1537537729.5") is ignored: ingest time, no error'

    def request(self, req: Exchange) -> Exchange | Reply:
        text = body_text(req)
        if text is None:
            return req
        return req.with_decoded(STRING_TIME.sub(r"\1null", text).encode("utf-8"))


class HealthAliasMissing(Breaker):
    rule = "EP-4"
    about = "GET /services/collector/health/1.0 answers 404 (load balancers probe it, issue #20871)"

    def request(self, req: Exchange) -> Exchange | Reply:
        if req.path == "/services/collector/health/1.0":
            return hec_reply(404, {"text": "The requested URL was not found on this server.", "code": 404})
        return req
