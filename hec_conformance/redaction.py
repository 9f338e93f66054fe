"""Tokens out of everything shown or written: one function for text, bytes and JSON-like values.

Only a whole token is masked: an occurrence with a token character (letter, digit, `-`, `_`) right
before or after it is part of other text and stays. So a token `t-ack` is masked in
`Authorization: Splunk t-ack`, `?token=t-ack&` or `"Invalid token t-ack"`, and the case id
`ack-no-ackid-without-acknowledgement` stays whole. (Basic credentials are base64: the engine masks
the whole `Authorization: Basic ...` value where it sends them.)
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

REDACTED = "***"
TOKEN_CHARS = "A-Za-z0-9_-"  # a neighbour from this set makes an occurrence part of a longer word


def _pattern(secrets: list[str]) -> str:
    alternatives = "|".join(re.escape(s) for s in secrets)
    return f"(?<![{TOKEN_CHARS}])(?:{alternatives})(?![{TOKEN_CHARS}])"


class Redactor:
    """Replaces every whole secret (longest first, so a token holding another is replaced whole) by ***."""

    def __init__(self, secrets: Iterable[str]) -> None:
        self.secrets = sorted({s for s in secrets if s}, key=lambda s: (-len(s), s))
        pattern = _pattern(self.secrets) if self.secrets else None
        self._text = re.compile(pattern) if pattern else None
        self._bytes = re.compile(pattern.encode()) if pattern else None

    def __call__(self, value: Any) -> Any:
        """`value` with the secrets replaced: in strings and bytes, and in the keys and items of dicts
        and lists (tuples come back as lists, as JSON has them)."""
        if isinstance(value, str):
            return self._text.sub(REDACTED, value) if self._text else value
        if isinstance(value, bytes):
            return self._bytes.sub(REDACTED.encode(), value) if self._bytes else value
        if isinstance(value, dict):
            return {self(k): self(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self(v) for v in value]
        return value
