"""Envelope or raw line -> stored event (SPEC §4, §6, RAW-2..5); all field precedence lives here.

Both profiles store events the same way (SPEC §0); only the checks before storing differ.
Choices where SPEC leaves room, kept in one place:

- ``host``, ``source``, ``sourcetype``, ``index`` and ``timezone`` that are ``null`` count as absent;
  so do ``""`` for the first four, which then fall back to the query-string default (SPL-1).
  Non-string values of these members are used as their JSON text (SRC-1).
- IDX-3 compares each envelope's effective index (its own ``index``, else the query parameter) with
  the token's repository: a differing query ``index`` fails the first envelope that does not name
  the token's repository itself.
- The parsers (kv, then the chosen parser) run on every string event, ``""`` included, and on raw
  lines; a ``sourcetype`` naming no parser only adds ``@error`` where a parser would run.
- An event whose ``@rawstring`` LIM-1 cuts runs no parser and keeps no event members, so an unknown
  ``sourcetype`` adds no ``@error`` there.
- LIM-2 counts every field of the stored event, ``@timestamp``, ``@id`` and ``@ingesttimestamp``
  included.
- Flattening an object event stops, with ``@error``, once its field names total more than 4 x the
  size of its ``@rawstring`` (+ 1024): such names come only from hostile nesting (jsontext.flatten).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple

from reference_server.errors import HecError, invalid_format
from reference_server.jsontext import JSON_NUMBER, JsonNumber, dumps_compact, flatten, scalar_text
from reference_server.kv import parse_kv
from reference_server.parsers import ParserRegistry

__all__ = [
    "RESERVED",
    "IngestContext",
    "StoredEvent",
    "seconds_to_ms",
    "translate_events",
    "translate_raw",
]

RESERVED = frozenset(
    {"@timestamp", "@timezone", "@rawstring", "@id", "@ingesttimestamp", "@error", "@error_msg"}
    | {"#repo", "#type"}
)
"""Fields only the server sets (RES-1)."""

_STORE_SET = 3  # @timestamp, @id, @ingesttimestamp: set by the store, counted by LIM-2
_EVENT_DROPPED = RESERVED | {"@source", "@host"}  # never taken from event, fields or parser output
_RAW_DROPPED = _EVENT_DROPPED | {"channel"}
_PLAIN_SECONDS = re.compile(r"-?(?:0|[1-9][0-9]{0,14})(?:\.[0-9]+)?")  # |ms| < 10**18: no overflow
_NUMBER_PARTS = re.compile(r"(-?)(0|[1-9][0-9]*)(?:\.([0-9]+))?(?:[eE]([-+]?)(?=[0-9])0*([0-9]*))?")
_INT64_MAX = 2**63 - 1
_FUTURE = "timestamp was set to a value in the future. Setting it to now"
_PAST = "timestamp is too far in the past to be stored. Setting it to now"


@dataclass(frozen=True)
class IngestContext:
    """What translation needs to know about the request, its token and the server."""

    profile: str  # "humio" | "splunk"
    repository: str  # the token's repository
    repositories: frozenset[str]  # existing repositories (IDX-4)
    change_repo: bool  # capability change-repo-on-events
    token_parser: str | None  # parser attached to the token (ST-1, ST-2)
    parsers: ParserRegistry
    query: Mapping[str, str]  # request-wide defaults: host, source, sourcetype, index (SPL-1)
    channel: str | None  # raw requests: the channel (RAW-4), else None
    now_ms: int  # ingest time (TIME-4/5/6, RAW-5)
    max_future_seconds: int  # TIME-6
    max_event_bytes: int  # LIM-1
    max_fields: int  # LIM-2


class StoredEvent(NamedTuple):
    """An event ready for the store, which adds ``@timestamp``, ``@id`` and ``@ingesttimestamp``.
    (A tuple: the compiled path makes one with a single allocation.)"""

    repository: str
    timestamp: int  # ms since the epoch
    fields: dict[str, str]


def translate_events(envelopes: list[object], ctx: IngestContext) -> list[StoredEvent]:
    """Check every envelope in order (ORD-1 step 8; the first failure raises HecError), then translate."""
    for number, envelope in enumerate(envelopes):
        _check_envelope(envelope, number, ctx)  # type: ignore[arg-type]
    return [_translate_envelope(envelope, ctx) for envelope in envelopes]  # type: ignore[arg-type]


def translate_raw(lines: list[str], ctx: IngestContext) -> list[StoredEvent]:
    """One event per raw line (RAW-2..5): query-string metadata, channel, ingest time, parsers."""
    index = _query_default(ctx, "index")
    if index is not None and index != ctx.repository and not ctx.change_repo:
        raise _incorrect_index(0)
    repository = _repository(index, ctx)
    sourcetype = _query_default(ctx, "sourcetype")
    head = _head(ctx, repository, sourcetype, "Z", _query_default(ctx, "source"), _query_default(ctx, "host"))
    if ctx.channel:
        head["channel"] = ctx.channel
    events = []
    for line in lines:
        errors: list[str] = []
        rawstring, whole = _limited(line, ctx)
        others = _parsed(line, sourcetype, ctx, errors) if whole else {}
        fields = _finish(dict(head), rawstring, {}, others, _RAW_DROPPED, errors, ctx)
        events.append(StoredEvent(repository, ctx.now_ms, fields))
    return events


def seconds_to_ms(number: str) -> int | None:
    """JSON number text in seconds -> ms, truncated toward zero, computed exactly (TIME-1).

    None when the text is no JSON number or the result does not fit a signed 64-bit integer.
    Works on the digit string, so a huge exponent (``1e999999999``) costs nothing.
    """
    if _PLAIN_SECONDS.fullmatch(number):  # the usual form: cut the fraction to 3 digits
        whole, _, fraction = number.partition(".")
        return int(whole + (fraction + "000")[:3])
    match = _NUMBER_PARTS.fullmatch(number)
    if match is None:
        return None
    negative, whole, fraction, exponent_sign, exponent = match.groups()
    fraction = fraction or ""
    digits = (whole + fraction).lstrip("0")
    if not digits:
        return 0
    if len(exponent or "") > 15:  # |exponent| >= 10**15 dwarfs any digit count a body can hold
        return 0 if exponent_sign == "-" else None
    scale = (-1 if exponent_sign == "-" else 1) * int(exponent or "0") - len(fraction) + 3
    size = len(digits) + scale  # digits of |ms| before the decimal point
    if size <= 0:
        return 0
    if size > 19:
        return None
    ms = int(digits) * 10**scale if scale >= 0 else int(digits[:size])
    if ms > _INT64_MAX:
        return None
    return -ms if negative else ms


def _check_envelope(envelope: dict[str, object], number: int, ctx: IngestContext) -> None:
    if ctx.profile == "splunk":
        event = envelope.get("event")
        if event is None:
            raise HecError(400, 12, "Event field is required", number)
        if event == "":
            raise HecError(400, 13, "Event field cannot be blank", number)
        fields = envelope.get("fields")
        if fields is not None:
            if type(fields) is not dict:
                raise invalid_format(number)  # FLD-5
            if any(_is_nested_field(value) for value in fields.values()):
                raise HecError(400, 15, "Error in handling indexed fields", number)  # FLD-4
        for name in ("host", "source", "sourcetype", "index"):
            value = envelope.get(name)
            if value is not None and type(value) is not str:
                raise invalid_format(number)  # SPL-2
    if not ctx.change_repo:
        index = _member(envelope, "index", ctx)  # the effective index: the envelope's, else the query's
        if index is not None and index != ctx.repository:
            raise _incorrect_index(number)  # IDX-3


def _is_nested_field(value: object) -> bool:
    """splunk FLD-4: an object, or an array holding objects or arrays."""
    if type(value) is dict:
        return True
    return type(value) is list and any(type(item) is dict or type(item) is list for item in value)


def _translate_envelope(envelope: dict[str, object], ctx: IngestContext) -> StoredEvent:
    errors: list[str] = []
    timestamp = _timestamp(envelope.get("time"), ctx, errors)
    timezone = envelope.get("timezone")
    sourcetype = _member(envelope, "sourcetype", ctx)
    repository = _repository(_member(envelope, "index", ctx), ctx)
    head = _head(
        ctx,
        repository,
        sourcetype,
        "Z" if timezone is None else _text(timezone),
        _member(envelope, "source", ctx),
        _member(envelope, "host", ctx),
    )
    event = envelope.get("event")
    if event is None:
        rawstring = ""  # EVT-5 (humio; splunk rejected it before)
    elif type(event) is str:
        rawstring = event  # EVT-1
    else:
        rawstring = dumps_compact(event)  # EVT-4, EVT-6
    rawstring, whole = _limited(rawstring, ctx)
    others: dict[str, str] = {}
    if whole and type(event) is str:
        others = _parsed(event, sourcetype, ctx, errors)  # EVT-2
    elif whole and event is not None:
        others, error = flatten(event, len(rawstring))  # EVT-3, EVT-6
        if error is not None:
            errors.append(error)
    members = _fields_members(envelope.get("fields"))
    fields = _finish(head, rawstring, members, others, _EVENT_DROPPED, errors, ctx)
    return StoredEvent(repository, timestamp, fields)


def _head(
    ctx: IngestContext,
    repository: str,
    sourcetype: str | None,
    timezone: str,
    source: str | None,
    host: str | None,
) -> dict[str, str]:
    """The fields set by the server and by envelope metadata, ``@rawstring`` first."""
    head = {
        "@rawstring": "",
        "@timezone": timezone,
        "#repo": repository,
        "#type": ctx.token_parser or sourcetype or "none",  # ST-1
    }
    if source is not None:
        head["@source"] = source  # SRC-1
    if host is not None:
        head["@host"] = host
    return head


def _finish(
    fields: dict[str, str],
    rawstring: str,
    members: dict[str, str],
    others: dict[str, str],
    dropped: frozenset[str],
    errors: list[str],
    ctx: IngestContext,
) -> dict[str, str]:
    """Merge by PREC-1 (head > ``fields`` members > parser/kv/event fields) and apply LIM-2."""
    fields["@rawstring"] = rawstring
    if errors:
        fields["@error"] = "true"
        fields["@error_msg"] = "; ".join(errors)
    for name, value in members.items():
        if name.startswith("#"):
            fields[name] = value  # FLD-2 tags first
    fields.update(members)
    if others:
        kept = [name for name in others if name not in dropped and name not in members]
        room = ctx.max_fields - _STORE_SET - len(fields)
        if len(kept) > room:
            kept = sorted(kept)[: max(room, 0)]  # LIM-2
        for name in kept:
            fields[name] = others[name]
    return fields


def _limited(rawstring: str, ctx: IngestContext) -> tuple[str, bool]:
    """LIM-1: ``@rawstring`` cut to its longest whole-character prefix of at most the limit - 3 bytes,
    plus ``...``, when over the limit; and whether it was whole. A cut event runs no parser and
    keeps none of its event members."""
    limit = ctx.max_event_bytes
    if len(rawstring) * 4 <= limit or len(encoded := rawstring.encode("utf-8")) <= limit:
        return rawstring, True
    return encoded[: limit - 3].decode("utf-8", "ignore") + "...", False


def _fields_members(fields: object) -> dict[str, str]:
    """FLD-1, FLD-2, FLD-4 (humio): scalar members of an object ``fields``, reserved names dropped."""
    if type(fields) is not dict:
        return {}  # FLD-5 humio (splunk rejected it before); null is absent
    return {
        name: scalar_text(value)
        for name, value in fields.items()
        if type(value) is not dict and type(value) is not list and name not in _EVENT_DROPPED
    }


def _parsed(text: str, sourcetype: str | None, ctx: IngestContext, errors: list[str]) -> dict[str, str]:
    """ST-2 on a string event or raw line: key/value pairs, overridden by the chosen parser's fields."""
    fields = parse_kv(text)
    name = ctx.token_parser or sourcetype
    if name is not None:
        parser = ctx.parsers.get(name)
        if parser is None:
            errors.append(f"could not find parser {name!r}; only the key/value parser was applied")
        else:
            parsed, error = parser.parse(text)
            fields.update(parsed)
            if error is not None:
                errors.append(error)
    return fields


def _timestamp(value: object, ctx: IngestContext, errors: list[str]) -> int:
    """TIME-1, TIME-3..6: ``@timestamp`` in ms; problems go to ``errors`` and give the ingest time."""
    if value is None:
        return ctx.now_ms  # TIME-4
    if type(value) is JsonNumber or (type(value) is str and JSON_NUMBER.fullmatch(value)):
        ms = seconds_to_ms(value)
        if ms is not None and ms <= ctx.now_ms + ctx.max_future_seconds * 1000:
            return ms
        errors.append(_PAST if value.startswith("-") else _FUTURE)
        return ctx.now_ms  # TIME-6
    shown = dumps_compact(value)
    if len(shown) > 100:
        shown = shown[:100] + "..."
    errors.append(f"time {shown} is not a number of seconds. Setting it to now")  # TIME-5
    return ctx.now_ms


def _member(envelope: dict[str, object], name: str, ctx: IngestContext) -> str | None:
    """The envelope's ``name`` as text, else the query default (SPL-1); null and "" count as absent."""
    value = envelope.get(name)
    if type(value) is str and value:
        return value
    if value is None or value == "":
        return ctx.query.get(name) or None
    return dumps_compact(value)


def _query_default(ctx: IngestContext, name: str) -> str | None:
    return ctx.query.get(name) or None


def _text(value: object) -> str:
    """A member as stored: a string as is, anything else as its JSON text (SRC-1)."""
    return value if type(value) is str else dumps_compact(value)


def _repository(index: str | None, ctx: IngestContext) -> str:
    """IDX-1, IDX-2, IDX-4 (IDX-3 was checked before)."""
    if index is not None and ctx.change_repo and index in ctx.repositories:
        return index
    return ctx.repository


def _incorrect_index(number: int) -> HecError:
    return HecError(400, 7, "Incorrect index", number)
