"""A captured request made ready for a target: marked for read-back, then its exact bytes (recorded
headers in order, the target's Host, Content-Length and tokens)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hec_conformance.replay.capture import Exchange, Headers, header
from hec_conformance.replay.client import Endpoint
from hec_conformance.replay.marking import (
    CHANNEL_HEADER,
    EVENT_PATHS,
    RAW_PATHS,
    Channels,
    mark_events,
    raw_lines,
)
from hec_conformance.replay.roles import fill, roles_used, target_tokens
from hec_conformance.target import Target

HEADS_CACHED = 4096  # request heads kept per target (a shipper's requests differ mostly in their length)
_DROPPED = {"content-length", "transfer-encoding", "expect"}


@dataclass
class Side:
    """One target being replayed to."""

    target: Target
    tokens: dict[str, str]
    role_map: dict[str, str]
    endpoint: Endpoint = field(init=False)
    heads: dict[tuple[Any, ...], bytes] = field(init=False, default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.endpoint = Endpoint(self.target.url, self.target.tls)

    def repository(self, role: str) -> str | None:
        spec = self.target.tokens.get(self.role_map.get(role, role))
        return spec.repository if spec else None


def make_side(target: Target, role_map: dict[str, str]) -> Side:
    """A target with its role → token mapping."""
    return Side(target, target_tokens(target, role_map), role_map)


@dataclass
class Check:
    """What read-back looks for under one correlation key."""

    seq: int
    request: str
    role: str
    key: tuple[str, str]
    expected: list[dict[str, Any]] = field(default_factory=list)
    all_timed: bool = False


@dataclass
class Prepared:
    """A request after role mapping and marking, before the target's tokens go in."""

    exchange: Exchange
    index: int
    headers: Headers
    query: str | None
    body: bytes
    role: str | None
    check: Check | None = None
    raw: bool = False


def request_bytes(prep: Prepared, side: Side) -> bytes:
    """The exact bytes to write: recorded headers in order, Host and Content-Length for this target."""
    return request_head(prep, side) + prep.body


def request_head(prep: Prepared, side: Side) -> bytes:
    """The bytes of `request_bytes` before the body (sent with the body without joining them first)."""
    ex = prep.exchange
    key = (ex.method, ex.path, prep.query, prep.headers, len(prep.body))
    head = side.heads.get(key)
    if head is None:
        head = _head(prep, side)
        if len(side.heads) >= HEADS_CACHED:
            side.heads.clear()
        side.heads[key] = head
    return head


def _head(prep: Prepared, side: Side) -> bytes:
    """The request line and headers of `request_bytes`, a function of the cache key's members alone."""
    headers, query = fill(prep.headers, prep.query, side.tokens)
    ex = prep.exchange
    target = prep.exchange.path if query is None else f"{ex.path}?{query}"
    lines = [f"{ex.method} {target} HTTP/1.1"]
    length_done = False
    # prep.headers has the recorded header names (marking only changes or adds a channel)
    had_length = header(prep.headers, "content-length") is not None or header(
        prep.headers, "transfer-encoding"
    )
    for name, value in headers:
        low = name.lower()
        if low == "host":
            value = side.endpoint.host_header
        elif low == "content-length":
            value, length_done = str(len(prep.body)), True
        elif low in _DROPPED:
            continue
        lines.append(f"{name}: {value}")
    if header(headers, "host") is None:
        lines.insert(1, f"Host: {side.endpoint.host_header}")
    if not length_done and (prep.body or had_length or ex.method not in ("GET", "HEAD", "DELETE")):
        lines.append(f"Content-Length: {len(prep.body)}")
    head = "\r\n".join(lines) + "\r\n\r\n"
    try:
        return head.encode("latin-1")  # recorded heads are latin-1: the bytes come back exactly
    except UnicodeEncodeError:  # a HAR may hold header text beyond latin-1: send it as UTF-8
        return head.encode("utf-8")


def _encoding(headers: Headers) -> str:
    return (header(headers, "content-encoding") or "").strip().lower()


def _mark_raw(prep: Prepared, channels: Channels, shown: str) -> None:
    """A raw request: its own channel (the recorded one mapped, or one per request) and its lines."""
    ex = prep.exchange
    recorded = header(ex.headers, CHANNEL_HEADER) or Channels.in_query(ex.query)
    channel = channels.of(recorded if recorded is not None else f"seq-{ex.seq}")
    if recorded is None:
        prep.headers = (*prep.headers, ("X-Splunk-Request-Channel", channel))
    lines = raw_lines(ex.body, _encoding(ex.headers))
    if lines is not None:
        prep.raw = True
        expected = [{"@rawstring": line} for line in lines]
        prep.check = Check(ex.seq, shown, prep.role or "default", ("channel", channel), expected)


def prepare(
    ex: Exchange, index: int, run_id: str, channels: Channels, marker_field: str, mark: bool
) -> Prepared:
    """Mark the request for read-back when asked (docs/captures.md, "Correlation")."""
    prep = Prepared(ex, index, ex.headers, ex.query, ex.body, None)
    if not mark or ex.method != "POST":
        return prep
    role = prep.role = next(iter(sorted(roles_used(ex.headers, ex.query))), None)
    prep.headers = tuple((k, channels.of(v) if k.lower() == CHANNEL_HEADER else v) for k, v in ex.headers)
    prep.query = channels.rewrite_query(ex.query)
    shown = f"{ex.method} {ex.target()}"
    if ex.path in EVENT_PATHS:
        marked = mark_events(ex.body, _encoding(ex.headers), marker_field, f"{run_id}-{ex.seq}")
        if marked is not None and marked.key is not None:
            prep.body = marked.body
            prep.check = Check(
                ex.seq, shown, role or "default", marked.key, marked.expected, marked.all_timed
            )
    elif ex.path in RAW_PATHS:
        _mark_raw(prep, channels, shown)
    return prep
