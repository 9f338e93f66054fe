"""`hecc capture to-cases`: a capture as one case (docs/cases.md), request and answer as recorded."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import unquote_plus

import yaml

from hec_conformance.corpus import Auth, Expect, Request, decode_text
from hec_conformance.corpus.model import NOT_GIVEN
from hec_conformance.protocol import HUMIO_HEC, ingest_tree
from hec_conformance.replay.capture import ROLE_PLACEHOLDER, Exchange, Response, header
from hec_conformance.replay.marking import EVENT_PATHS, RAW_PATHS

ENDPOINTS = {
    "/api/v1/ingest/hec": "hec",
    "/api/v1/ingest/hec/raw": "hec-raw",
    "/services/collector": "collector",
    "/services/collector/event": "collector-event",
    "/services/collector/event/1.0": "collector-event-1.0",
    "/services/collector/raw": "raw",
    "/services/collector/raw/1.0": "raw-1.0",
    "/services/collector/health": "health",
    "/services/collector/health/1.0": "health-1.0",
    "/services/collector/ack": "ack",
}
# What each endpoint is evidence of (SPEC §1) and the capability it needs.
REQUIREMENTS = {
    "hec": ("EP-1", None),
    "collector": ("EP-1", None),
    "collector-event": ("EP-2", None),
    "collector-event-1.0": ("EP-2", None),
    "hec-raw": ("EP-3", "raw"),
    "raw": ("EP-3", "raw"),
    "raw-1.0": ("EP-7", "raw"),
    "health": ("EP-4", "health"),
    "health-1.0": ("EP-4", "health"),
    "ack": ("EP-5", "ack"),
}
_SKIPPED = {
    "host",
    "content-length",
    "transfer-encoding",
    "expect",
    "authorization",
    "content-type",
    "content-encoding",
    "connection",
}
_AUTH = re.compile(r"^\s*(\S+)\s+(.*?)\s*$")


class CasesError(ValueError):
    """A capture that cannot become a case; the message says which request and why."""


def _text_notation(text: str) -> str | None:
    """`text` notation that decodes back to exactly `text`, or None (then base64 is used)."""
    out = text.replace("<", "<x3C>").replace("${", "$<x7B>").replace("\r", "<CR>").replace("\x00", "<NUL>")
    try:
        return out if decode_text(out) == text.encode("utf-8") else None
    except ValueError:
        return None


def _auth(ex: Exchange) -> Auth:
    value = header(ex.headers, "authorization")
    if value is None:
        return Auth(none=True)
    m = _AUTH.match(value)
    placeholder = ROLE_PLACEHOLDER.fullmatch(m.group(2)) if m else None
    if not m or not placeholder:
        return Auth(header=value.replace("${", "$<x7B>"))
    if placeholder.group(1):
        return Auth(role=placeholder.group(1), scheme=m.group(1))
    return Auth(role=placeholder.group(2), scheme=m.group(1), user=placeholder.group(3))


def _query(ex: Exchange) -> tuple[tuple[str, str], ...]:
    pairs = [p.partition("=") for p in ex.query.split("&")] if ex.query else []
    return tuple({unquote_plus(k): unquote_plus(v) for k, _, v in pairs}.items())


def _body(ex: Exchange) -> tuple[str | None, str | None]:
    """The request body as case notation, (`text`, `base64`): text when it is plain UTF-8."""
    if not ex.body:
        return None, None
    if not header(ex.headers, "content-encoding"):
        try:
            text = _text_notation(ex.body.decode("utf-8"))
        except UnicodeDecodeError:
            text = None
        if text is not None:
            return text, None
    return None, base64.b64encode(ex.body).decode("ascii")


def _expect(response: Response) -> Expect:
    """The recorded answer as an expectation: its status, and the HEC members of a JSON body."""
    try:
        body = json.loads(response.body)
    except ValueError:
        body = None
    kept = {}
    if isinstance(body, dict):
        kept = {k: v for k, v in body.items() if k in ("text", "code", "invalid-event-number", "acks")}
    return Expect(status=(response.status,), body=kept or NOT_GIVEN)


def _request(ex: Exchange) -> Request:
    endpoint = ENDPOINTS.get(ex.path)
    default_method = "GET" if endpoint and endpoint.startswith("health") else "POST"
    headers = {k: v for k, v in ex.headers if k.lower() not in _SKIPPED}
    if header(ex.headers, "content-encoding"):
        headers["Content-Encoding"] = header(ex.headers, "content-encoding") or ""
    text, encoded = _body(ex)
    return Request(
        path=ex.path.replace("${", "$<x7B>"),  # an EP case: the path as recorded
        method=None if ex.method == default_method else ex.method,
        auth=_auth(ex),
        headers=tuple(headers.items()),
        query=_query(ex),
        content_type=header(ex.headers, "content-type"),
        text=text,
        base64=encoded,
        expect=None if ex.response is None else _expect(ex.response),
    )


def capture_case(exchanges: Iterable[Exchange], case_id: str, title: str) -> dict[str, Any]:
    """One case whose requests are the capture's, in order, each expecting its recorded answer."""
    requests: list[Request] = []
    requirements, needs = set(), set()
    for ex in exchanges:
        req = _request(ex)
        requests.append(req)
        requirement, capability = REQUIREMENTS.get(ENDPOINTS.get(ex.path, ""), ("EP-6", None))
        requirements.add(requirement)
        if capability:
            needs.add(capability)
        if header(ex.headers, "content-encoding"):
            requirements.add("BODY-8")
            needs.add("gzip")
        if (
            ex.path not in EVENT_PATHS | RAW_PATHS
            and ex.path.startswith("/services/collector")
            and ex.path not in ENDPOINTS
        ):
            requirements.add("EP-6")
    if not requests:
        raise CasesError("the capture holds no request")
    if not any(r.expect is not None for r in requests):
        raise CasesError(
            "no request of the capture has a recorded answer (imported dumps have none): "
            "record it with `hecc record`, or replay it with --save to record the answers"
        )
    case: dict[str, Any] = {"id": case_id, "title": title, "requirements": sorted(requirements)}
    if any(ingest_tree(str(r.path)) == HUMIO_HEC for r in requests):
        case["profiles"] = ["humio"]  # the Humio paths are not Splunk paths (EP-1)
    if needs:
        case["needs"] = sorted(needs)
    case["requests"] = [r.given() for r in requests]
    return case


def cases_yaml(area: str, cases: list[dict[str, Any]]) -> str:
    """The case file text."""
    return yaml.safe_dump({"area": area, "cases": cases}, sort_keys=False, allow_unicode=True, width=110)
