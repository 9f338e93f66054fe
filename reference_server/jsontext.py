"""JSON values as the server keeps them: numbers keep the text they were written with.

Decoded values are ``dict`` (last duplicate member wins, first position kept), ``list``, ``str``,
:class:`JsonNumber`, ``True``/``False`` and ``None``. Nothing here recurses in Python, so any
nesting depth is decoded, flattened and written back.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from json.decoder import scanstring  # type: ignore[attr-defined]  # in the module, not in its stubs
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]
from typing import Any

__all__ = [
    "JSON_NUMBER",
    "JsonNumber",
    "decode_value",
    "dumps_compact",
    "flatten",
    "has_lone_surrogate",
    "raw_decode",
    "scalar_text",
    "skip_ws",
]


class JsonNumber(str):
    """A JSON number, held as the exact text of the request (``1.50`` stays ``"1.50"``)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"JsonNumber({str.__repr__(self)})"


class _Punct(str):
    """Punctuation queued by :func:`_dumps_deep`; written out as is."""

    __slots__ = ()


def _reject_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


_DECODER = json.JSONDecoder(parse_float=JsonNumber, parse_int=JsonNumber, parse_constant=_reject_constant)
_WS = re.compile(r"[ \t\r\n]*")
JSON_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")
"""The JSON number grammar (RFC 8259), ASCII digits only."""
_NUMBER = JSON_NUMBER.match
_LITERALS = {"t": ("true", True), "f": ("false", False), "n": ("null", None)}
_SURROGATE = re.compile("[\ud800-\udfff]")


def skip_ws(text: str, pos: int) -> int:
    """The first position at or after ``pos`` that holds no JSON whitespace."""
    match = _WS.match(text, pos)
    return pos if match is None else match.end()  # the pattern matches "" too: never None


def raw_decode(text: str, pos: int) -> tuple[object, int]:
    """The JSON value starting exactly at ``pos`` and where it ends; ``ValueError`` if there is none.

    The C decoder does the work; values nested deeper than its recursion limit (about 1000 levels)
    are decoded again without recursion, so any depth the body size allows is accepted.
    """
    try:
        return _DECODER.raw_decode(text, pos)
    except RecursionError:
        return _raw_decode_deep(text, pos)


def _raw_decode_deep(text: str, pos: int) -> tuple[object, int]:
    """:func:`raw_decode` with an explicit stack of open containers (and a pending member name)."""
    open_: list[tuple[dict[str, object] | list[object], str]] = []  # (container, member name or "")
    while True:
        value: object
        char = text[pos : pos + 1]
        if char == "{" or char == "[":
            pos = skip_ws(text, pos + 1)
            if text.startswith("}" if char == "{" else "]", pos):
                value, pos = ({} if char == "{" else []), pos + 1
            else:
                if char == "{":
                    name, pos = _member_name(text, pos)
                    open_.append(({}, name))
                else:
                    open_.append(([], ""))
                continue
        elif char == '"':
            value, pos = scanstring(text, pos + 1, True)
        elif char in _LITERALS and text.startswith(_LITERALS[char][0], pos):
            literal, value = _LITERALS[char]
            pos += len(literal)
        elif number := _NUMBER(text, pos):
            value, pos = JsonNumber(number.group()), number.end()
        else:
            raise ValueError(f"no JSON value at {pos}")
        while True:  # put the finished value in its container; close containers that end here
            if not open_:
                return value, pos
            container, name = open_[-1]
            if isinstance(container, dict):  # our own dicts and lists: no subclasses
                container[name] = value
            else:
                container.append(value)
            pos = skip_ws(text, pos)
            if text.startswith(",", pos):
                pos = skip_ws(text, pos + 1)
                if type(container) is dict:
                    name, pos = _member_name(text, pos)
                    open_[-1] = (container, name)
                break
            if not text.startswith("}" if type(container) is dict else "]", pos):
                raise ValueError(f"expected ',' or the end of a container at {pos}")
            value, pos = container, pos + 1
            open_.pop()


def _member_name(text: str, pos: int) -> tuple[str, int]:
    """A member name and its ``:`` at ``pos``; returns the position of the member's value."""
    if not text.startswith('"', pos):
        raise ValueError(f"expected a member name at {pos}")
    name, pos = scanstring(text, pos + 1, True)
    pos = skip_ws(text, pos)
    if not text.startswith(":", pos):
        raise ValueError(f"expected ':' at {pos}")
    return name, skip_ws(text, pos + 1)


def decode_value(text: str) -> object:
    """One JSON text (surrounding JSON whitespace allowed) -> its value; ``ValueError`` if it is not one."""
    value, end = raw_decode(text, skip_ws(text, 0))
    if skip_ws(text, end) != len(text):
        raise ValueError("extra data after the JSON value")
    if has_lone_surrogate(value):
        raise ValueError("lone surrogate escape")
    return value


def scalar_text(value: object) -> str:
    """The stored text of a JSON scalar (EVT-3): numbers as written, ``true``/``false``/``null``."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    return str(value)  # str, or JsonNumber -> its exact text as a plain str


def flatten(value: object, text_size: int) -> tuple[dict[str, str], str | None]:
    """Fields of a JSON value in document order, a later name overriding an earlier one (EVT-3, EVT-6),
    and an error message if they had to be cut short.

    Object members join with ``.`` (``host.ip``), array items with ``[i]`` (``m[1][0]``, ``[0]`` for
    a top-level array); empty objects and arrays give nothing; a top-level scalar gives nothing.
    A name is built only for a field, so nesting alone costs linear time; but a long path repeated
    over many items grows quadratically, so the names of nested fields may total at most
    4 x ``text_size`` (the size of the value's JSON text) + 1024 characters; past that flattening
    stops. (Top-level names are the member names themselves, or ``[i]``: linear in the text.)
    """
    fields: dict[str, str] = {}
    if type(value) is dict:
        members: Iterable[tuple[str, object]] = value.items()
    elif type(value) is list:
        members = _segments(value)
    else:
        return fields, None
    budget = 4 * text_size + 1024
    for name, item in members:
        kind = type(item)
        if kind is str:
            fields[name] = item  # type: ignore[assignment]
        elif kind is dict or kind is list:
            if item:
                budget = _flatten_nested(name, item, budget, fields)  # type: ignore[arg-type]
                if budget < 0:
                    return fields, f"field names too large: kept the first {len(fields)} fields"
        else:
            fields[name] = scalar_text(item)
    return fields, None


def _segments(value: dict[str, object] | list[object]) -> Iterator[tuple[str, object]]:
    """(name segment, item) of a container: ``.key`` or ``[i]``."""
    if type(value) is dict:
        return ((f".{key}", item) for key, item in value.items())
    return ((f"[{i}]", item) for i, item in enumerate(value))


def _flatten_nested(
    name: str, value: dict[str, object] | list[object], budget: int, fields: dict[str, str]
) -> int:
    """Flatten a non-empty container named ``name`` into ``fields``; the budget left, < 0 if it ran out."""
    path = [name]  # name segments of the open containers
    prefixes: list[str | None] = [name]  # the joined path at each depth, built on first use
    stack = [_segments(value)]
    while stack:
        for segment, item in stack[-1]:
            kind = type(item)
            if kind is dict or kind is list:
                if item:
                    path.append(segment)
                    prefixes.append(None)
                    stack.append(_segments(item))  # type: ignore[arg-type]
                    break
                continue
            prefix = prefixes[-1]
            if prefix is None:
                prefix = prefixes[-1] = "".join(path)
            field = prefix + segment
            budget -= len(field)
            if budget < 0:
                return budget
            fields[field] = item if kind is str else scalar_text(item)  # type: ignore[assignment]
        else:
            stack.pop()
            prefixes.pop()
            path.pop()
    return budget


def _encode_string(text: str) -> str:
    return text if type(text) is JsonNumber else encode_basestring(text)


def _not_json(value: object) -> object:
    raise TypeError(f"{type(value).__name__} is not a decoded JSON value")


# The C encoder writes whatever the string hook returns, so numbers come out as written.
_encode_fast = c_make_encoder(None, _not_json, _encode_string, None, ":", ",", False, False, False)


def dumps_compact(value: object) -> str:
    """Compact JSON text (EVT-4): members in order, no spaces, numbers as written, strings re-escaped
    with only the short escapes and ``\\u00XX`` (lower-case) for other control characters."""
    try:
        return "".join(_encode_fast(value, 0))
    except RecursionError:  # the C encoder recurses; deep values take the slow road
        return _dumps_deep(value)


def _dumps_deep(value: object) -> str:
    """:func:`dumps_compact` without recursion."""
    parts: list[str] = []
    todo: list[Any] = [value]  # decoded JSON values and punctuation
    while todo:
        item = todo.pop()
        kind = type(item)
        if kind is str:
            parts.append(encode_basestring(item))
        elif kind is JsonNumber or kind is _Punct:
            parts.append(item)
        elif kind is dict:
            if not item:
                parts.append("{}")
                continue
            todo.append(_Punct("}"))
            members = list(item.items())
            for i in range(len(members) - 1, -1, -1):
                key, member = members[i]
                todo.append(member)
                todo.append(_Punct(("," if i else "{") + encode_basestring(key) + ":"))
        elif kind is list:
            if not item:
                parts.append("[]")
                continue
            todo.append(_Punct("]"))
            for i in range(len(item) - 1, -1, -1):
                todo.append(item[i])
                todo.append(_Punct("," if i else "["))
        else:
            parts.append(scalar_text(item))
    return "".join(parts)


def has_lone_surrogate(value: object) -> bool:
    """Whether a string or member name anywhere in the value holds a lone surrogate (BODY-6)."""
    todo = [value]
    while todo:
        item = todo.pop()
        if type(item) is str:
            if _SURROGATE.search(item):
                return True
        elif type(item) is dict:
            for key, member in item.items():
                if _SURROGATE.search(key):
                    return True
                todo.append(member)
        elif type(item) is list:
            todo.extend(item)
    return False
