"""Turn one case request (a YAML mapping) into exact bytes, plus what is needed to read it back."""

from __future__ import annotations

import base64
import gzip
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hec_conformance.corpus.model import request_kind
from hec_conformance.corpus.notation import decode_base64, decode_text
from hec_conformance.engine.placeholders import Context, limits_named, role_token
from hec_conformance.protocol import (
    CHANNEL_HEADER,
    RAW,
    SPLUNK_SCHEME,
    method_for,
    splunk_authorization,
)
from hec_conformance.target import Target
from hec_conformance.transport import HttpRequest

DEFAULT_CONTENT_TYPE = "text/plain; charset=utf-8"
BASIC_USER = "hecc"
GZIP_TRAILER = 8  # CRC-32 and size: what `gzip: truncated` leaves off


@dataclass(frozen=True)
class BuiltRequest:
    """The wire request, the role whose credentials it uses, and the read-back queries for its events."""

    http: HttpRequest
    role: str
    lookups: tuple[tuple[str, str], ...]


def request_role(request: Mapping[str, Any]) -> str:
    """The token role a request authenticates with (`none` and literal headers count as `default`)."""
    auth = request.get("auth", "default")
    if isinstance(auth, dict):
        return str(auth.get("role", "default"))
    return "default" if auth == "none" else str(auth)


def roles_used(request: Mapping[str, Any]) -> set[str]:
    """The token roles a request's `auth` needs from the target."""
    auth = request.get("auth", "default")
    if isinstance(auth, dict):
        return {str(auth["role"])} if "role" in auth else set()
    return set() if auth == "none" else {str(auth)}


def repeat_count(request: Mapping[str, Any], target: Target) -> int:
    """How many times the request is sent in a row: `repeat` (an integer, or one `${limit:NAME}` of a
    limit the target declares), else 1."""
    repeat = request.get("repeat", 1)
    if isinstance(repeat, int):
        return repeat
    (name,) = limits_named(repeat)
    return target.limits[name]


def _authorization(auth: Any, ctx: Context) -> str | None:
    if auth == "none":
        return None
    if isinstance(auth, str):
        return splunk_authorization(role_token(ctx.target, auth))
    if "header" in auth:
        return ctx.expand(str(auth["header"]))
    token = role_token(ctx.target, str(auth.get("role", "default")))
    scheme = str(auth.get("scheme", SPLUNK_SCHEME))
    if scheme.lower() == "basic":
        user = str(auth.get("user", BASIC_USER))
        return f"{scheme} " + base64.b64encode(f"{user}:{token}".encode()).decode("ascii")
    return f"{scheme} {token}"


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


def _events_body(request: Mapping[str, Any], ctx: Context) -> tuple[bytes, list[tuple[str, str]]]:
    parts: list[bytes] = []
    lookups: list[tuple[str, str]] = []
    for item in request["events"]:
        if isinstance(item, dict) and set(item) == {"$text"}:
            parts.append(decode_text(ctx.expand(str(item["$text"]))))
            continue
        envelope, lookup = _marked(ctx.expand_all(item), ctx)
        if lookup and lookup not in lookups:
            lookups.append(lookup)
        parts.append(json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    separator = decode_text(ctx.expand(str(request.get("separator", "<LF>"))))
    return separator.join(parts), lookups


def _body(request: Mapping[str, Any], ctx: Context) -> tuple[bytes, list[tuple[str, str]]]:
    if "events" in request:
        return _events_body(request, ctx)
    if "text" in request:
        return decode_text(ctx.expand(str(request["text"]))), []
    if "base64" in request:
        return decode_base64(str(request["base64"])), []
    return b"", []


def _channel_given(headers: list[tuple[str, str]], query: list[tuple[str, str]]) -> str | None:
    for name, value in headers:
        if name.lower() == CHANNEL_HEADER.lower():
            return value
    return next((v for k, v in query if k == "channel"), None)


def build_request(request: Mapping[str, Any], ctx: Context, reads_back: bool) -> BuiltRequest:
    """Build the wire form of `request` (variant already applied). `reads_back`: its events are queried."""
    kind = request_kind(request)
    path = ctx.expand(str(request["path"])) if "path" in request else ctx.target.path_for(str(kind))
    method = str(request.get("method", method_for(kind)))
    extra = [(str(k), ctx.expand(str(v))) for k, v in (request.get("headers") or {}).items()]
    query = [(str(k), ctx.expand(str(v))) for k, v in (request.get("query") or {}).items()]
    given = {name.lower() for name, _ in extra}
    body, lookups = _body(request, ctx)

    headers: list[tuple[str, str]] = []
    authorization = _authorization(request.get("auth", "default"), ctx)
    if authorization is not None and "authorization" not in given:
        headers.append(("Authorization", authorization))
    has_body = any(k in request for k in ("events", "text", "base64"))
    content_type = request.get("content_type", DEFAULT_CONTENT_TYPE if has_body else None)
    if content_type is not None and "content-type" not in given:
        headers.append(("Content-Type", str(content_type)))
    if request.get("gzip"):
        body = gzip.compress(body, mtime=0)
        if request["gzip"] == "truncated":
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
    return BuiltRequest(http=http, role=request_role(request), lookups=tuple(lookups))
