"""Tokens out of everything shown or written: one function for text, bytes and JSON-like values."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

REDACTED = "***"


class Redactor:
    """Replaces every secret (longest first, so a token holding another is replaced whole) by ***."""

    def __init__(self, secrets: Iterable[str]) -> None:
        self.secrets = sorted({s for s in secrets if s}, key=lambda s: (-len(s), s))
        self._encoded = [(s.encode(), REDACTED.encode()) for s in self.secrets]

    def __call__(self, value: Any) -> Any:
        """`value` with the secrets replaced: in strings and bytes, and in the keys and items of dicts
        and lists (tuples come back as lists, as JSON has them)."""
        if isinstance(value, str):
            text = value
            for secret in self.secrets:
                text = text.replace(secret, REDACTED)
            return text
        if isinstance(value, bytes):
            data = value
            for secret_bytes, shown in self._encoded:
                data = data.replace(secret_bytes, shown)
            return data
        if isinstance(value, dict):
            return {self(k): self(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self(v) for v in value]
        return value
