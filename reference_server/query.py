"""The read-back query API (SPEC §9): the request body, the query string and the time bounds."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from .errors import HecError
from .store import Term

_SPAN = re.compile(r"\s*(\d+)\s*([a-z]+)\s*")
_UNIT_MS = {
    "ms": 1, "millis": 1, "millisecond": 1, "milliseconds": 1,
    "s": 1000, "sec": 1000, "secs": 1000, "second": 1000, "seconds": 1000,
    "m": 60_000, "min": 60_000, "mins": 60_000, "minute": 60_000, "minutes": 60_000,
    "h": 3_600_000, "hour": 3_600_000, "hours": 3_600_000,
    "d": 86_400_000, "day": 86_400_000, "days": 86_400_000,
    "w": 604_800_000, "week": 604_800_000, "weeks": 604_800_000,
    "y": 31_536_000_000, "year": 31_536_000_000, "years": 31_536_000_000,
}  # fmt: skip


def bad_query(text: str) -> HecError:
    return HecError(400, 400, text)


@dataclass(frozen=True)
class QueryRequest:
    """A parsed query: the terms that must all hold and the inclusive @timestamp bounds."""

    terms: list[Term]
    start: int
    end: int


def parse_request(data: bytes, now_ms: int) -> QueryRequest:
    """QRY-1: ``{"queryString": q, "start": s, "end": e, "isLive": ...}``; start 24h ago and end now
    by default."""
    try:
        request = json.loads(data)
    except ValueError:
        raise bad_query("The query request body is not JSON") from None
    if not isinstance(request, dict) or not isinstance(request.get("queryString", ""), str):
        raise bad_query('The query request must be an object with a string "queryString"')
    return QueryRequest(
        terms=parse_terms(request.get("queryString", "")),
        start=parse_time(request.get("start", "24h"), now_ms, "start"),
        end=parse_time(request.get("end", now_ms), now_ms, "end"),
    )


def parse_time(value: object, now_ms: int, name: str) -> int:
    """Milliseconds since the epoch (an integer), ``"now"``, or a relative span back from now (``"24h"``)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip().lower()
        if text == "now":
            return now_ms
        if text.isdigit():
            return int(text)
        span = _SPAN.fullmatch(text)
        if span and span.group(2) in _UNIT_MS:
            return now_ms - int(span.group(1)) * _UNIT_MS[span.group(2)]
    raise bad_query(f'"{name}" must be milliseconds since the epoch or a relative time such as "24h"')


def parse_terms(q: str) -> list[Term]:
    """QRY-2: whitespace-separated ``field=value``, ``field="quoted"``, ``field=*`` or ``*``."""
    terms: list[Term] = []
    pos, end = 0, len(q)
    while True:
        while pos < end and q[pos].isspace():
            pos += 1
        if pos == end:
            return terms
        start = pos
        while pos < end and not q[pos].isspace() and q[pos] != "=":
            pos += 1
        name = q[start:pos]
        if pos == end or q[pos] != "=":
            if name != "*":
                raise bad_query(f"Query term {name!r} is not field=value, field=* or *")
            continue
        if not name:
            raise bad_query("A query term has no field name before '='")
        pos += 1
        if pos < end and q[pos] == '"':
            value, pos = _quoted(q, pos + 1)
            terms.append(Term(name, value))
            continue
        start = pos
        while pos < end and not q[pos].isspace():
            pos += 1
        value = q[start:pos]
        terms.append(Term(name, None if value == "*" else value))


def _quoted(q: str, pos: int) -> tuple[str, int]:
    out: list[str] = []
    while pos < len(q):
        ch = q[pos]
        if ch == '"':
            return "".join(out), pos + 1
        if ch == "\\" and pos + 1 < len(q) and q[pos + 1] in '"\\':
            pos += 1
            ch = q[pos]
        out.append(ch)
        pos += 1
    raise bad_query("A quoted value in the query string has no closing quote")
