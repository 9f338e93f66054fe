"""Placeholder values: ${marker}, ${marker_field}, ${channel}, ${channel2} (and ${channel:upper},
${channel2:mixed}, ...), ${now} (and ${now:+N}, ${now:-N}), ${token:R}, ${repo:R}, ${limit:NAME}."""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from hec_conformance.corpus.notation import expand_placeholders, placeholders
from hec_conformance.target import Target

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


def _named(value: Any, kinds: tuple[str, ...]) -> set[str]:
    """The arguments of every `${KIND:ARG}` placeholder of one of `kinds` anywhere inside `value`."""
    if isinstance(value, str):
        parts = (name.partition(":") for name in placeholders(value))
        return {arg for kind, _, arg in parts if kind in kinds}
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    return set().union(set(), *(_named(v, kinds) for v in items))


def roles_named(value: Any) -> set[str]:
    """Every role a `${token:R}` or `${repo:R}` placeholder names anywhere inside `value`."""
    return _named(value, ("token", "repo"))


def limits_named(value: Any) -> set[str]:
    """Every limit a `${limit:NAME}` placeholder names anywhere inside `value`."""
    return _named(value, ("limit",))


def recase(guid: str, how: str) -> str:
    """`guid` in upper case, or mixed: its letters alternately upper and lower (`0A1b2C...`)."""
    if how == "upper":
        return guid.upper()
    out, upper = [], True
    for char in guid:
        if char.isalpha():
            char, upper = (char.upper() if upper else char), not upper
        out.append(char)
    return "".join(out)


@dataclass(frozen=True)
class Context(Mapping[str, str]):
    """The values placeholders expand to for one request of one case variant (a read-only mapping)."""

    target: Target = field(repr=False)
    marker: str
    channel: str
    channel2: str

    def __getitem__(self, name: str) -> str:
        plain = {
            "marker": self.marker,
            "marker_field": self.target.marker_field,
            "channel": self.channel,
            "channel2": self.channel2,
        }
        if name in plain:
            return plain[name]
        kind, _, arg = name.partition(":")
        if kind == "now":  # read when the request is built, so a few seconds before it is sent
            return str(int(time.time()) + int(arg or "0"))
        if kind == "token":
            return role_token(self.target, arg)
        if kind == "repo":
            return role_repository(self.target, arg)
        if kind == "limit":
            return str(self.target.limits[arg])  # declared: unsupported_reason checked it
        if kind in ("channel", "channel2") and arg in ("upper", "mixed"):
            return recase(plain[kind], arg)
        raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        return iter(("marker", "marker_field", "channel", "channel2"))

    def __len__(self) -> int:
        return 4

    def expand(self, text: str) -> str:
        """Replace every placeholder in `text`."""
        return expand_placeholders(text, self)

    def expand_all(self, value: Any) -> Any:
        """Expand placeholders in every string value (not in mapping keys) of a JSON-like value."""
        if isinstance(value, str):
            return self.expand(value)
        if isinstance(value, dict):
            return {k: self.expand_all(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.expand_all(v) for v in value]
        return value
