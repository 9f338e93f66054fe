"""JSON values as the server keeps them: numbers keep the text they were written with.

Decoded values are ``dict`` (last duplicate member wins, first position kept), ``list``, ``str``,
:class:`JsonNumber`, ``True``/``False`` and ``None``. Walks are iterative, so nesting depth is only
bounded by the decoder.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from json.encoder import c_make_encoder, encode_basestring

__all__ = [
    "JsonNumber",
    "decode_value",
    "dumps_compact",
    "flatten",
    "has_lone_surrogate",
    "raw_decode",
    "scalar_text",
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

raw_decode = _DECODER.raw_decode
"""``raw_decode(text, pos) -> (value, end)``; raises ``ValueError`` (or ``RecursionError``) on bad JSON."""

_SURROGATE = re.compile("[\ud800-\udfff]")


def decode_value(text: str) -> object:
    """One JSON text (surrounding JSON whitespace allowed) -> its value; ``ValueError`` if it is not one."""
    start = len(text) - len(text.lstrip(" \t\r\n"))
    try:
        value, end = raw_decode(text, start)
    except RecursionError as exc:
        raise ValueError("JSON nested too deeply") from exc
    if text[end:].strip(" \t\r\n"):
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


def _children(prefix: str | None, value: dict | list) -> Iterator[tuple[str, object]]:
    if type(value) is dict:
        if prefix is None:
            return iter(value.items())
        return ((f"{prefix}.{key}", item) for key, item in value.items())
    return (((prefix or "") + f"[{i}]", item) for i, item in enumerate(value))


def flatten(value: object) -> dict[str, str]:
    """Fields of a JSON value in document order, a later name overriding an earlier one (EVT-3, EVT-6).

    Object members join with ``.`` (``host.ip``), array items with ``[i]`` (``m[1][0]``, ``[0]`` for
    a top-level array); empty objects and arrays give nothing; a top-level scalar gives nothing.
    """
    fields: dict[str, str] = {}
    if type(value) is not dict and type(value) is not list:
        return fields
    stack = [_children(None, value)]
    while stack:
        for name, item in stack[-1]:
            kind = type(item)
            if kind is str:
                fields[name] = item
            elif kind is dict or kind is list:
                if item:
                    stack.append(_children(name, item))
                    break
            else:
                fields[name] = scalar_text(item)
        else:
            stack.pop()
    return fields


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
    except RecursionError:  # nesting the decoder still took, called from a deeper stack
        return _dumps_deep(value)


def _dumps_deep(value: object) -> str:
    """:func:`dumps_compact` without recursion."""
    parts: list[str] = []
    todo: list[object] = [value]
    while todo:
        item = todo.pop()
        kind = type(item)
        if kind is str:
            parts.append(encode_basestring(item))
        elif kind is JsonNumber or kind is _Punct:
            parts.append(item)  # type: ignore[arg-type]
        elif kind is dict:
            if not item:
                parts.append("{}")
                continue
            todo.append(_Punct("}"))
            members = list(item.items())  # type: ignore[union-attr]
            for i in range(len(members) - 1, -1, -1):
                key, member = members[i]
                todo.append(member)
                todo.append(_Punct(("," if i else "{") + encode_basestring(key) + ":"))
        elif kind is list:
            if not item:
                parts.append("[]")
                continue
            todo.append(_Punct("]"))
            for i in range(len(item) - 1, -1, -1):  # type: ignore[arg-type]
                todo.append(item[i])  # type: ignore[index]
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
