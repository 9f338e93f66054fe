"""Turn one case request (the case model) into exact bytes, plus what is needed to read it back."""

from __future__ import annotations

import base64
import gzip
import json
from dataclasses import dataclass
from typing import Any

from hec_conformance.corpus.model import Auth, NotGiven, Request
from hec_conformance.corpus.notation import decode_base64, decode_text
from hec_conformance.engine.placeholders import Context, limits_named, role_token
from hec_conformance.protocol import (
    CHANNEL_HEADER,
    RAW,
    method_for,
    splunk_authorization,
)
from hec_conformance.target import Target
from hec_conformance.transport import HttpRequest

DEFAULT_CONTENT_TYPE = "text/plain; charset=utf-8"
BASIC_USER = "hecc"
DEFAULT_SEPARATOR = "<LF>"
GZIP_TRAILER = 8  # CRC-32 and size: what `gzip: truncated` leaves off


@dataclass(frozen=True)
class BuiltRequest:
    """The wire request, the role whose credentials it uses, and the read-back queries for its events."""

    http: HttpRequest
    role: str
    lookups: tuple[tuple[str, str], ...]


def repeat_count(request: Request, target: Target) -> int:
    """How many times the request is sent in a row: `repeat` (an integer, or one `${limit:NAME}` of a
    limit the target declares)."""
    if isinstance(request.repeat, int):
        return request.repeat
    (name,) = limits_named(request.repeat)
    return target.limits[name]


def _authorization(auth: Auth, ctx: Context) -> str | None:
    if auth.none:
        return None
    if auth.header is not None:
        return ctx.expand(auth.header)
    token = role_token(ctx.target, auth.role)
    if auth.scheme is None:
        return splunk_authorization(token)
    if auth.scheme.lower() == "basic":
        user = auth.user if auth.user is not None else BASIC_USER
        return f"{auth.scheme} " + base64.b64encode(f"{user}:{token}".encode()).decode("ascii")
    return f"{auth.scheme} {token}"


def _marked(envelope: Any, ctx: Context) -> tuple[Any, tuple[str, str] | None]:
    """Add the correlation marker to an object envelope; return it and the lookup that finds it."""
    if not isinstance(envelope, dict):
        return envelope, None
    marker_field = ctx.target.marker_field
    out = dict(envelope)
    if "fields" not in out:
        out["fields"] = {marker_field: ctx.marker}
    elif isinstance(out["fields"], dict):
        out["fields"] = {**out["fields"], marker_field: ctx.marker}
    elif "source" not in out:
        out["source"] = ctx.marker
        return out, ("@source", ctx.marker)
    else:
        return out, None
    return out, (marker_field, ctx.marker)


def _events_body(
    events: tuple[Any, ...], separator: str, ctx: Context
) -> tuple[bytes, list[tuple[str, str]]]:
    parts: list[bytes] = []
    lookups: list[tuple[str, str]] = []
    for item in events:
        if isinstance(item, dict) and set(item) == {"$text"}:
            parts.append(decode_text(ctx.expand(str(item["$text"]))))
            continue
        envelope, lookup = _marked(ctx.expand_all(item), ctx)
        if lookup and lookup not in lookups:
            lookups.append(lookup)
        parts.append(json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    return decode_text(ctx.expand(separator)).join(parts), lookups


def _body(request: Request, ctx: Context) -> tuple[bytes, list[tuple[str, str]]]:
    if request.events is not None:
        separator = request.separator if request.separator is not None else DEFAULT_SEPARATOR
        return _events_body(request.events, separator, ctx)
    if request.text is not None:
        return decode_text(ctx.expand(request.text)), []
    if request.base64 is not None:
        return decode_base64(request.base64), []
    return b"", []


def _channel_given(headers: list[tuple[str, str]], query: list[tuple[str, str]]) -> str | None:
    for name, value in headers:
        if name.lower() == CHANNEL_HEADER.lower():
            return value
    return next((v for k, v in query if k == "channel"), None)


def _content_type(request: Request) -> str | None:
    if isinstance(request.content_type, NotGiven):
        return DEFAULT_CONTENT_TYPE if request.has_body else None
    return request.content_type


def build_request(request: Request, ctx: Context, reads_back: bool) -> BuiltRequest:
    """Build the wire form of `request` (variant already applied). `reads_back`: its events are queried."""
    kind = request.kind
    path = ctx.expand(request.path) if request.path is not None else ctx.target.path_for(str(kind))
    method = request.method if request.method is not None else method_for(kind)
    extra = [(name, ctx.expand(value)) for name, value in request.headers]
    query = [(name, ctx.expand(value)) for name, value in request.query]
    given = {name.lower() for name, _ in extra}
    body, lookups = _body(request, ctx)

    headers: list[tuple[str, str]] = []
    authorization = _authorization(request.auth, ctx)
    if authorization is not None and "authorization" not in given:
        headers.append(("Authorization", authorization))
    content_type = _content_type(request)
    if content_type is not None and "content-type" not in given:
        headers.append(("Content-Type", content_type))
    if request.gzip:
        body = gzip.compress(body, mtime=0)
        if request.gzip == "truncated":
            body = body[:-GZIP_TRAILER]
        if "content-encoding" not in given:
            headers.append(("Content-Encoding", "gzip"))

    if kind == RAW:
        channel = _channel_given(extra, query)
        if channel is None and reads_back:
            headers.append((CHANNEL_HEADER, ctx.marker))
            channel = ctx.marker
        lookups = [("channel", channel)] if channel is not None else []
    elif not lookups:
        lookups = [(ctx.target.marker_field, ctx.marker)]
    http = HttpRequest(
        method=method, path=path, headers=tuple(headers + extra), query=tuple(query), body=body
    )
    return BuiltRequest(http=http, role=request.auth.role, lookups=tuple(lookups))
