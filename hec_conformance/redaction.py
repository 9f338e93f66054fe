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
            for secret in self.secrets:
                value = value.replace(secret, REDACTED)
            return value
        if isinstance(value, bytes):
            for secret, shown in self._encoded:
                value = value.replace(secret, shown)
            return value
        if isinstance(value, dict):
            return {self(k): self(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self(v) for v in value]
        return value
