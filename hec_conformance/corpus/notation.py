"""The notations of case files: `text` tokens, `${...}` placeholders and `base64` bodies.

Order for the engine: expand placeholders first (`expand_placeholders`), then decode the tokens
(`decode_text`). So a literal `${` in a `text` body is written `$<x7B>`.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping

ROLES = ("default", "other_repo", "disabled", "ack", "json_parser", "regex_parser", "read")
PLAIN_PLACEHOLDERS = ("marker", "marker_field", "channel", "channel2", "now")
# The limits a target may declare (docs/targets.md), used as ${limit:NAME} in requests only.
LIMITS = ("max_pending_acks_per_channel", "max_request_bytes")
# ${now:+3600}, ${now:-60}: the current time in whole seconds since the epoch, moved by N seconds.
NOW_OFFSET = re.compile(r"[+-][0-9]{1,9}")
# ${channel:upper}, ${channel2:mixed}: a channel GUID written in another case (requests only).
CHANNEL_CASES = ("upper", "mixed")
# The placeholders an expectation may use (docs/cases.md); tokens never appear in expectations.
EXPECT_PLACEHOLDERS = ("marker", "channel", "channel2")  # and ${repo:ROLE}

_TOKENS = {"CRLF": b"\r\n", "CR": b"\r", "LF": b"\n", "TAB": b"\t", "NUL": b"\0", "SP": b" "}
# `<x61*N>` repeats a token N times; written in a case, N is at most MAX_REPEAT or a `${limit:NAME}`
# (expanded before decoding, so the count a target declares may be larger).
_TOKEN = re.compile(r"<(CRLF|CR|LF|TAB|NUL|SP|x[0-9A-Fa-f]{2})(?:\*([1-9][0-9]*))?>")
MAX_REPEAT = 16 * 1024 * 1024
_PLACEHOLDER_COUNT = re.compile(r"\*\$\{([^}]*)\}>")
# Things that look like a token but are not one: a name in the wrong case, <x...> without exactly
# two hex digits, a bad count. Other text in angle brackets (`<xml>`, `<b>`) is literal.
_NEAR_TOKEN = re.compile(r"<(crlf|cr|lf|tab|nul|sp|[xX][0-9A-Fa-f]*)(\*[0-9]*)?>", re.IGNORECASE)
_PLACEHOLDER = re.compile(r"\$\{([^}]*)\}")


def decode_text(notation: str) -> bytes:
    """The bytes of a `text` notation string: UTF-8 of its characters, tokens replaced."""
    out = bytearray()
    position = 0
    for match in _TOKEN.finditer(notation):
        out += notation[position : match.start()].encode("utf-8")
        name, times = match.group(1), int(match.group(2) or 1)
        out += (bytes([int(name[1:], 16)]) if name.startswith("x") else _TOKENS[name]) * times
        position = match.end()
    out += notation[position:].encode("utf-8")
    return bytes(out)


def notation_errors(notation: str) -> list[str]:
    """Messages for tokens that are malformed (e.g. `<lf>`, `<x0>`, `<X0A>`, `<x61*${marker}>`)."""
    errors = [
        f"a repeat count is a number or ${{limit:NAME}}, not {match.group(0)[1:-1]!r}"
        for match in _PLACEHOLDER_COUNT.finditer(notation)
        if not match.group(1).startswith("limit:")
    ]
    notation = _PLACEHOLDER_COUNT.sub("*1>", notation)
    errors += [
        f"token {match.group(0)!r} repeats more than {MAX_REPEAT} times"
        for match in _TOKEN.finditer(notation)
        if int(match.group(2) or 1) > MAX_REPEAT
    ]
    for match in _NEAR_TOKEN.finditer(notation):
        if not _TOKEN.fullmatch(match.group(0)):
            errors.append(
                f"malformed token {match.group(0)!r}: tokens are <CR> <LF> <CRLF> <TAB> <NUL> <SP> <xHH>"
                " (upper-case names, lower-case x, two hex digits), each optionally repeated: <x61*3>"
            )
    return errors


def _known_placeholder(name: str, expectation: bool) -> bool:
    kind, colon, arg = name.partition(":")
    if not colon:
        return name in (EXPECT_PLACEHOLDERS if expectation else PLAIN_PLACEHOLDERS)
    if kind == "limit":
        return arg in LIMITS and not expectation
    if kind in ("channel", "channel2"):
        return arg in CHANNEL_CASES and not expectation
    if kind == "now":
        return NOW_OFFSET.fullmatch(arg) is not None and not expectation
    return arg in ROLES and (kind == "repo" or (kind == "token" and not expectation))


def placeholder_errors(text: str, expectation: bool = False) -> list[str]:
    """Messages for `${...}` that name no placeholder, or a `${` that is never closed.

    `expectation`: check against the smaller set allowed in expectations.
    """
    errors = []
    known = (
        "${marker}, ${channel}, ${channel2}, ${repo:ROLE}"
        if expectation
        else "${marker}, ${marker_field}, ${channel}, ${channel2} (also ${channel:upper}, ${channel:mixed}),"
        " ${now} (also ${now:+N}, ${now:-N}), ${token:ROLE}, ${repo:ROLE}, ${limit:NAME}"
    )
    names = f"ROLE: {', '.join(ROLES)}" + ("" if expectation else f"; NAME: {', '.join(LIMITS)}")
    where = " in expectations" if expectation else ""
    for match in _PLACEHOLDER.finditer(text):
        if not _known_placeholder(match.group(1), expectation):
            errors.append(f"unknown placeholder {match.group(0)!r}{where}: known are {known} ({names})")
    if "${" in _PLACEHOLDER.sub("", text):
        errors.append("'${' without a closing '}'")
    return errors


def placeholders(text: str) -> list[str]:
    """The placeholder names used in `text`, in order (`token:default`, `marker`, ...)."""
    return _PLACEHOLDER.findall(text)


def expand_placeholders(text: str, values: Mapping[str, str]) -> str:
    """Replace each `${name}` by `values[name]`; a name missing from `values` raises KeyError."""
    return _PLACEHOLDER.sub(lambda match: values[match.group(1)], text)


def decode_base64(text: str) -> bytes:
    """The bytes of a `base64` body; ASCII whitespace (line breaks of a YAML block) is ignored."""
    return base64.b64decode("".join(text.split()), validate=True)


def base64_error(text: str) -> str | None:
    """A message when `text` is not valid base64, else None."""
    try:
        decode_base64(text)
    except (binascii.Error, ValueError) as exc:
        return f"invalid base64: {exc}"
    return None
