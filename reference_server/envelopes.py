"""Body framing after decompression (SPEC §3, RAW-1, RAW-6): bytes -> envelopes or raw lines.

Envelope number k (``invalid-event-number``) is 0-based and counts envelopes, or the elements of a
top-level array (BODY-3). Framing errors past the last complete envelope belong to the next one:
``{}x`` and ``[{} {}]`` fail at k = 1.
"""

from __future__ import annotations

import re

from reference_server.errors import HecError, invalid_format, no_data
from reference_server.jsontext import has_lone_surrogate, raw_decode

__all__ = ["parse_event_body", "split_raw_body"]

_BOM = b"\xef\xbb\xbf"
_SKIP_WS = re.compile(r"[ \t\r\n]*").match
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]").search
_LINE_END = re.compile(r"\r\n|\r|\n")


def parse_event_body(data: bytes, *, array_batch: bool = True) -> list[object]:
    """Decoded body bytes -> the envelopes (JSON objects as dicts) in order.

    Raises HecError: code 5 for an empty or whitespace-only body or ``[]`` (BODY-4); code 6 with k
    for invalid UTF-8 (k = the envelope holding the first bad byte), invalid JSON, a value that is
    not an object, a lone-surrogate escape (BODY-5, BODY-6), nested arrays or an array mixed with
    other values (BODY-3), and any top-level array when ``array_batch`` is false (k = 0).
    A leading UTF-8 byte-order mark is ignored.
    """
    if data.startswith(_BOM):
        data = data[len(_BOM) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        prefix = data[: exc.start].decode("utf-8")
        raise invalid_format(_envelope_reading_at_end(prefix, array_batch)) from None
    return _frame(text, array_batch)


def split_raw_body(data: bytes) -> list[str]:
    """Raw body bytes -> its event lines (RAW-1, RAW-6).

    Lines end at LF, CRLF or CR; empty lines and lines of only spaces and tabs are skipped; a last
    line without a line end counts. A leading byte-order mark is ignored. Raises HecError code 6
    with k = the 0-based number of the line holding the first invalid UTF-8 byte, counting every
    line as split (skipped ones included), and code 5 when no line is left.
    """
    if data.startswith(_BOM):
        data = data[len(_BOM) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        prefix = data[: exc.start].decode("utf-8")
        raise invalid_format(len(_LINE_END.findall(prefix))) from None
    lines = [line for line in _LINE_END.split(text) if line.strip(" \t")]
    if not lines:
        raise no_data()
    return lines


def _envelope_reading_at_end(prefix: str, array_batch: bool) -> int:
    """The number of the envelope being read where the valid text ``prefix`` stops."""
    try:
        return len(_frame(prefix, array_batch))
    except HecError as exc:
        return exc.event_number or 0  # No data (code 5) before the first bad byte: envelope 0


def _frame(text: str, array_batch: bool) -> list[object]:
    end = len(text)
    pos = _SKIP_WS(text).end()
    if pos == end:
        raise no_data()
    if text[pos] == "[":
        if not array_batch:
            raise invalid_format(0)
        return _frame_array(text, pos + 1)
    envelopes: list[object] = []
    while pos < end:
        pos = _envelope(text, pos, envelopes)
        pos = _SKIP_WS(text, pos).end()
    return envelopes


def _frame_array(text: str, pos: int) -> list[object]:
    """Elements of the one top-level array whose ``[`` ends just before ``pos`` (BODY-3)."""
    end = len(text)
    envelopes: list[object] = []
    pos = _SKIP_WS(text, pos).end()
    if text.startswith("]", pos):
        if _SKIP_WS(text, pos + 1).end() < end:
            raise invalid_format(0)
        raise no_data()
    while True:
        pos = _SKIP_WS(text, _envelope(text, pos, envelopes)).end()
        if text.startswith(",", pos):
            pos = _SKIP_WS(text, pos + 1).end()
        elif text.startswith("]", pos) and _SKIP_WS(text, pos + 1).end() == end:
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
