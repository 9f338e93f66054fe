"""Correlation for read-back (docs/captures.md): markers in JSON envelopes, per-run channels for raw.

Envelopes are re-serialised from a parse that keeps member order, duplicate names and numbers exactly as
written, so marking changes nothing a server stores but the marker field itself.
"""

from __future__ import annotations

import gzip
import json
import re
import uuid
import zlib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

EVENT_PATHS = frozenset(
    {
        "/services/collector",
        "/services/collector/event",
        "/services/collector/event/1.0",
        "/api/v1/ingest/hec",
    }
)
RAW_PATHS = frozenset({"/services/collector/raw", "/services/collector/raw/1.0", "/api/v1/ingest/hec/raw"})
CHANNEL_HEADER = "x-splunk-request-channel"
_WS = " \t\r\n"
_LINES = re.compile(r"\r\n|\r|\n")
_CHANNEL_QUERY = re.compile(r"(^|&)(channel=)([^&]*)")


class RawNumber(str):
    """A JSON number kept as written."""


class Pairs(list[tuple[str, Any]]):
    """A JSON object as its members in order, duplicates kept."""

    def get(self, name: str) -> Any:
        return next((v for k, v in reversed(self) if k == name), None)

    def has(self, name: str) -> bool:
        return any(k == name for k, _ in self)


_DECODER = json.JSONDecoder(object_pairs_hook=Pairs, parse_float=RawNumber, parse_int=RawNumber)


def dump(value: Any) -> str:
    """Compact JSON of a parsed value, numbers as written."""
    if isinstance(value, Pairs):
        return "{" + ",".join(f"{json.dumps(k, ensure_ascii=False)}:{dump(v)}" for k, v in value) + "}"
    if isinstance(value, list):
        return "[" + ",".join(dump(v) for v in value) + "]"
    if isinstance(value, RawNumber):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def envelopes(text: str) -> list[tuple[int, int, Any]] | None:
    """(start, end, value) of each top-level JSON value separated by JSON whitespace; None if not JSON."""
    found: list[tuple[int, int, Any]] = []
    pos = 0
    text = text.removeprefix("\ufeff")
    while True:
        while pos < len(text) and text[pos] in _WS:
            pos += 1
        if pos == len(text):
            return found
        try:
            value, end = _DECODER.raw_decode(text, pos)
        except ValueError:
            return None
        found.append((pos, end, value))
        pos = end


def _decode(body: bytes, encoding: str) -> bytes | None:
    if encoding in ("gzip", "x-gzip"):
        try:
            return gzip.decompress(body)
        except (OSError, EOFError, zlib.error):
            return None
    return body if encoding in ("", "identity") else None


@dataclass
class Marked:
    """A request body after marking, and what read-back should find for it."""

    body: bytes
    key: tuple[str, str] | None = None  # (field, value) to read back by
    expected: list[dict[str, Any]] = field(default_factory=list)  # per stored event: checked fields
    all_timed: bool = False  # every envelope carried a numeric time


def _timestamp(value: Any) -> int | None:
    if isinstance(value, RawNumber) or (isinstance(value, str) and value):
        try:
            return int(Decimal(str(value)) * 1000)
        except InvalidOperation:
            return None
    return None


def _expectation(env: Pairs) -> dict[str, Any]:
    out: dict[str, Any] = {}
    event = env.get("event")
    if isinstance(event, str) and not isinstance(event, RawNumber):
        out["@rawstring"] = event
    if isinstance(env.get("time"), RawNumber):
        stamp = _timestamp(env.get("time"))
        if stamp is not None:
            out["@timestamp"] = stamp
    return out


def _text(body: bytes, encoding: str) -> str | None:
    """The body as text (decompressed), or None when it is not UTF-8 (or does not decompress)."""
    plain = _decode(body, encoding)
    try:
        return plain.decode("utf-8") if plain is not None else None
    except UnicodeDecodeError:
        return None


def _mark(env: Pairs, marker_field: str, marker: str) -> bool:
    """Put the marker into the envelope's `fields`; False when `fields` is no object (no safe place)."""
    fields = env.get("fields")
    if fields is None:
        for i in [i for i, (k, _) in enumerate(env) if k == "fields"][::-1]:
            del env[i]
        env.append(("fields", Pairs([(marker_field, marker)])))
    elif isinstance(fields, Pairs):
        fields[:] = [(k, v) for k, v in fields if k != marker_field] + [(marker_field, marker)]
    else:
        return False
    return True


def mark_events(body: bytes, encoding: str, marker_field: str, marker: str) -> Marked | None:
    """Add `fields.<marker_field>` to every envelope of a JSON event body; None when it cannot be marked."""
    text = _text(body, encoding)
    found = envelopes(text) if text is not None else None
    if not found:
        return None
    single = found[0][2] if len(found) == 1 else None
    items = single if isinstance(single, list) and not isinstance(single, Pairs) else None
    envs = items if items is not None else [v for _, _, v in found]
    if not envs or not all(isinstance(e, Pairs) for e in envs):
        return None
    if not all(_mark(env, marker_field, marker) for env in envs):
        return None
    assert text is not None
    if items is not None:
        out = text[: found[0][0]] + dump(items) + text[found[0][1] :]
    else:
        parts, pos = [], 0
        for (start, end, _), env in zip(found, envs, strict=True):
            parts += [text[pos:start], dump(env)]
            pos = end
        out = "".join(parts) + text[pos:]
    data = out.encode("utf-8")
    if encoding in ("gzip", "x-gzip"):
        data = gzip.compress(data, mtime=0)
    return Marked(
        data,
        (marker_field, marker),
        [_expectation(e) for e in envs],
        all(isinstance(e.get("time"), RawNumber) for e in envs),
    )


def raw_lines(body: bytes, encoding: str) -> list[str] | None:
    """The lines a raw request stores (RAW-1), or None when the body cannot be decoded."""
    plain = _decode(body, encoding)
    try:
        text = plain.decode("utf-8") if plain is not None else None
    except UnicodeDecodeError:
        return None
    if text is None:
        return None
    return [line for line in _LINES.split(text) if line.strip(" \t")]


class Channels:
    """Recorded channel → a per-run GUID, the same for every request of the run (ack flows keep working)."""

    def __init__(self, run_id: str) -> None:
        self._ns = uuid.uuid5(uuid.NAMESPACE_URL, f"hecc-replay:{run_id}")

    def of(self, recorded: str) -> str:
        return str(uuid.uuid5(self._ns, recorded))

    def rewrite_query(self, query: str | None) -> str | None:
        if query is None:
            return None
        return _CHANNEL_QUERY.sub(lambda m: f"{m.group(1)}{m.group(2)}{self.of(m.group(3))}", query)

    @staticmethod
    def in_query(query: str | None) -> str | None:
        m = _CHANNEL_QUERY.search(query or "")
        return m.group(3) if m else None
