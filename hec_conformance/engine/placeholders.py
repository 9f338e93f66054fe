"""Placeholders: ${marker}, ${marker_field}, ${channel}, ${channel2}, ${token:R}, ${repo:R}."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from hec_conformance.target import Target

_PLACEHOLDER = re.compile(r"\$\{(marker|marker_field|channel|channel2|token:[a-z_]+|repo:[a-z_]+)\}")
READ_ROLE = "read"


class MissingRole(LookupError):
    """A case names a token role the target does not have (the case is then unsupported)."""


def role_token(target: Target, role: str) -> str:
    """The token of `role`; `read` is the read-back token."""
    if role == READ_ROLE:
        if not target.readback.token:
            raise MissingRole(role)
        return target.readback.token
    if role not in target.tokens:
        raise MissingRole(role)
    return target.tokens[role].token


def role_repository(target: Target, role: str) -> str:
    """The repository of `role` (`read` reads the default repository)."""
    spec = target.tokens.get("default" if role == READ_ROLE else role)
    if spec is None or spec.repository is None:
        raise MissingRole(role)
    return spec.repository


def roles_named(value: Any) -> set[str]:
    """Every role a `${token:R}` or `${repo:R}` placeholder names anywhere inside `value`."""
    if isinstance(value, str):
        return {m.group(1).split(":", 1)[1] for m in _PLACEHOLDER.finditer(value) if ":" in m.group(1)}
    if isinstance(value, dict):
        return set().union(*(roles_named(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(roles_named(v) for v in value)) if value else set()
    return set()


@dataclass(frozen=True)
class Context:
    """The values placeholders expand to for one request of one case variant."""

    target: Target = field(repr=False)
    marker: str
    channel: str
    channel2: str

    def expand(self, text: str) -> str:
        """Replace every placeholder in `text`."""
        def sub(m: re.Match[str]) -> str:
            name = m.group(1)
            if name == "marker":
                return self.marker
            if name == "marker_field":
                return self.target.marker_field
            if name == "channel":
                return self.channel
            if name == "channel2":
                return self.channel2
            kind, role = name.split(":", 1)
            return role_token(self.target, role) if kind == "token" else role_repository(self.target, role)
        return _PLACEHOLDER.sub(sub, text)

    def expand_all(self, value: Any) -> Any:
        """Expand placeholders in every string value (not in mapping keys) of a JSON-like value."""
        if isinstance(value, str):
            return self.expand(value)
        if isinstance(value, dict):
            return {k: self.expand_all(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.expand_all(v) for v in value]
        return value
