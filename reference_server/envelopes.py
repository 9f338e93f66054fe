"""Body framing after decompression (SPEC §3, RAW-1, RAW-6): bytes -> envelopes or raw lines.

Bodies of JSON objects separated by whitespace are decoded by msgspec when that gives exactly what
the stdlib decoder gives (``_fast_envelopes``); every other body, and every error, takes the stdlib
path (``parse_event_body_exact``).

Envelope number k (``invalid-event-number``) is 0-based and counts envelopes, or the elements of a
top-level array (BODY-3). Framing errors past the last complete envelope belong to the next one:
``{}x`` and ``[{} {}]`` fail at k = 1.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import msgspec

from reference_server.errors import HecError, invalid_format, no_data
from reference_server.fastpath import COMPILED
from reference_server.jsontext import JsonNumber, has_lone_surrogate, raw_decode, skip_ws

__all__ = ["parse_event_body", "split_raw_body"]

_BOM = b"\xef\xbb\xbf"
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]").search
_LINE_END = re.compile(r"\r\n|\r|\n")
_FAST_DECODE = msgspec.json.Decoder(float_hook=JsonNumber).decode_lines
_MINUS_ZERO = re.compile(rb"-0(?![.eE0-9])").finditer  # -0: the one integer str(int) does not write


def parse_event_body(data: bytes, *, array_batch: bool = True) -> list[object]:
    """Decoded body bytes -> the envelopes (JSON objects as dicts) in order.

    Raises HecError: code 5 for an empty or whitespace-only body or ``[]`` (BODY-4); code 6 with k
    for invalid UTF-8 (k = the envelope holding the first bad byte), invalid JSON, a value that is
    not an object, a lone-surrogate escape (BODY-5, BODY-6), nested arrays or an array mixed with
    other values (BODY-3), and any top-level array when ``array_batch`` is false (k = 0).
    A leading UTF-8 byte-order mark is ignored.
    """
    envelopes = _fast_envelopes(data)
    if envelopes is not None:
        return envelopes
    return parse_event_body_exact(data, array_batch=array_batch)


def parse_event_body_exact(data: bytes, *, array_batch: bool = True) -> list[object]:
    """:func:`parse_event_body` by the stdlib decoder alone, for every body."""
    text = _body_text(data, lambda prefix: _envelope_reading_at_end(prefix, array_batch))
    return _frame(text, array_batch)


def split_raw_body(data: bytes) -> list[str]:
    """Raw body bytes -> its event lines (RAW-1, RAW-6).

    Lines end at LF, CRLF or CR; empty lines and lines of only spaces and tabs are skipped; a last
    line without a line end counts. A leading byte-order mark is ignored. Raises HecError code 6
    with k = the 0-based number of the line holding the first invalid UTF-8 byte, counting every
    line as split (skipped ones included), and code 5 when no line is left.
    """
    text = _body_text(data, lambda prefix: len(_LINE_END.findall(prefix)))
    lines = [line for line in _LINE_END.split(text) if line.strip(" \t")]
    if not lines:
        raise no_data()
    return lines


def _body_text(data: bytes, number_at: Callable[[str], int]) -> str:
    """The body as text, a leading byte-order mark dropped. Invalid UTF-8 raises code 6 with k =
    ``number_at(the valid text before the first bad byte)``: the envelope or line holding it."""
    if data.startswith(_BOM):
        data = data[len(_BOM) :]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise invalid_format(number_at(data[: exc.start].decode("utf-8"))) from None


def _fast_envelopes(data: bytes) -> list[object] | None:
    """The envelopes of a body of JSON objects separated by JSON whitespace (or nothing), decoded by
    msgspec (about twice as fast as the stdlib decoder); None for any other body, or when in doubt:
    the exact path then decides, errors and their envelope numbers included.

    The result is the exact path's: msgspec reads the same sequence of values (BODY-1, BODY-2), accepts
    only RFC 8259 JSON in UTF-8 (no NaN, no control characters in strings, the same four whitespace
    characters) and fails on lone surrogate escapes, trailing garbage, nesting past its depth limit
    and integers past its range; it keeps the last of duplicate members at the first one's position;
    floats keep their text through ``float_hook``. Integers come back as int, whose decimal text is
    the text written except for ``-0``: a body with an integer 0 and a ``-0`` token takes the exact
    path. (tests/server/test_envelopes.py compares both paths on generated bodies.)
    """
    try:
        envelopes: list[object] = _FAST_DECODE(data)
        if not envelopes:
            return None
        for value in envelopes:
            if type(value) is not dict:
                return None
        if _INTEGERS_AS_TEXT(envelopes) and _has_minus_zero(data):
            return None
    except Exception:  # invalid JSON or UTF-8, integers out of range, nesting too deep
        return None
    return envelopes


def _integers_as_text(values: list[object]) -> bool:
    """Replace every int inside the decoded values by its JsonNumber text, in place, without
    recursion; whether one of them was 0 (written ``0`` or ``-0``)."""
    zero = False
    todo: list[Any] = [values]  # lists and dicts
    for container in todo:  # grows while it is read
        members = container.items() if type(container) is dict else enumerate(container)
        for key, item in members:  # only existing keys are assigned: safe while iterating
            kind = type(item)
            if kind is str:  # the most common member: decided first
                continue
            if kind is int:
                container[key] = JsonNumber(item)
                zero = zero or item == 0
            elif kind is dict or kind is list:
                todo.append(item)
    return zero


_INTEGERS_AS_TEXT = COMPILED.integers_as_text if COMPILED else _integers_as_text
"""The walk above, compiled when the server runs the compiled path (reference_server/fastpath.py)."""


def _has_minus_zero(data: bytes) -> bool:
    """Whether ``-0`` may be written as an integer in ``data``: after ``:``, ``,`` or ``[`` and JSON
    whitespace (or after more than 64 bytes of whitespace: counted as yes)."""
    for match in _MINUS_ZERO(data):
        start = match.start()
        before = data[max(0, start - 64) : start].rstrip(b" \t\r\n")
        if not before or before[-1] in b":,[":
            return True
    return False


def _envelope_reading_at_end(prefix: str, array_batch: bool) -> int:
    """The number of the envelope being read where the valid text ``prefix`` stops."""
    try:
        return len(_frame(prefix, array_batch))
    except HecError as exc:
        return exc.event_number or 0  # No data (code 5) before the first bad byte: envelope 0


def _frame(text: str, array_batch: bool) -> list[object]:
    end = len(text)
    pos = skip_ws(text, 0)
    if pos == end:
        raise no_data()
    if text[pos] == "[":
        if not array_batch:
            raise invalid_format(0)
        return _frame_array(text, pos + 1)
    envelopes: list[object] = []
    while pos < end:
        pos = _envelope(text, pos, envelopes)
        pos = skip_ws(text, pos)
    return envelopes


def _frame_array(text: str, pos: int) -> list[object]:
    """Elements of the one top-level array whose ``[`` ends just before ``pos`` (BODY-3)."""
    end = len(text)
    envelopes: list[object] = []
    pos = skip_ws(text, pos)
    if text.startswith("]", pos):
        if skip_ws(text, pos + 1) < end:
            raise invalid_format(0)
        raise no_data()
    while True:
        pos = skip_ws(text, _envelope(text, pos, envelopes))
        if text.startswith(",", pos):
            pos = skip_ws(text, pos + 1)
        elif text.startswith("]", pos) and skip_ws(text, pos + 1) == end:
            return envelopes
        else:
            raise invalid_format(len(envelopes))


def _envelope(text: str, pos: int, envelopes: list[object]) -> int:
    """Decode the envelope at ``pos``, append it, return where it ends."""
    number = len(envelopes)
    try:
        value, stop = raw_decode(text, pos)
    except ValueError:
        raise invalid_format(number) from None
    if type(value) is not dict:
        raise invalid_format(number)
    if _SURROGATE_ESCAPE(text, pos, stop) and has_lone_surrogate(value):
        raise invalid_format(number)
    envelopes.append(value)
    return stop
