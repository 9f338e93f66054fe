"""Secrets out, secrets in: Authorization values (and `token` query parameters) as token-role placeholders.

A capture says `Authorization: Splunk ${token:default}` instead of the token; replay puts the target's
token of that role back. Basic credentials become `Basic ${basic:ROLE:USER}` (the user name is kept).
"""

from __future__ import annotations

import base64
import binascii
import re
from urllib.parse import quote, unquote

from hec_conformance.replay.capture import ROLE_PLACEHOLDER, CaptureError, Headers
from hec_conformance.target import Target

_CREDENTIALS = re.compile(r"^(\s*\S+\s+)(\S+)(\s*)$")
_QUERY_TOKEN = re.compile(r"(^|&)(token=)([^&]*)")


class RoleNamer:
    """Names tokens by role: the ones a target file knows by their role, others `default`, `token-2`, ..."""

    def __init__(self, known: dict[str, str] | None = None) -> None:
        self._roles: dict[str, str] = dict(known or {})
        self._next = 2

    @classmethod
    def from_target(cls, target: Target | None) -> RoleNamer:
        return cls({role.token: name for name, role in target.tokens.items()} if target else None)

    def role(self, token: str) -> str:
        if token not in self._roles:
            taken = set(self._roles.values())
            name = "default" if "default" not in taken else f"token-{self._next}"
            while name in taken:
                self._next += 1
                name = f"token-{self._next}"
            self._roles[token] = name
        return self._roles[token]


def _redact_authorization(value: str, namer: RoleNamer) -> str:
    m = _CREDENTIALS.match(value)
    if not m:
        return value
    prefix, credentials, suffix = m.groups()
    if prefix.strip().lower() == "basic":
        try:
            user, sep, password = base64.b64decode(credentials, validate=True).decode("utf-8").partition(":")
        except (binascii.Error, ValueError):
            return value  # not a usable credential: nothing secret to hide
        if not sep or "}" in user:
            return value
        return f"{prefix}${{basic:{namer.role(password)}:{user}}}{suffix}"
    return f"{prefix}${{token:{namer.role(credentials)}}}{suffix}"


def redact(headers: Headers, query: str | None, namer: RoleNamer) -> tuple[Headers, str | None]:
    """Headers and query with every credential replaced by its role placeholder."""
    out = tuple(
        (k, _redact_authorization(v, namer) if k.lower() == "authorization" else v) for k, v in headers
    )
    if query is not None:
        query = _QUERY_TOKEN.sub(
            lambda m: f"{m.group(1)}{m.group(2)}${{token:{namer.role(unquote(m.group(3)))}}}", query
        )
    return out, query


def _fill(text: str, tokens: dict[str, str], quoted: bool) -> str:
    def sub(m: re.Match[str]) -> str:
        role = m.group(1) or m.group(2)
        if role not in tokens:
            raise CaptureError(
                f"the capture uses token role {role!r}, which the target does not have "
                f"(map it with --role {role}=ROLE)"
            )
        if m.group(1):
            return quote(tokens[role], safe="") if quoted else tokens[role]
        return base64.b64encode(f"{m.group(3)}:{tokens[role]}".encode()).decode("ascii")

    return ROLE_PLACEHOLDER.sub(sub, text) if "${" in text else text


def fill(headers: Headers, query: str | None, tokens: dict[str, str]) -> tuple[Headers, str | None]:
    """Headers and query with role placeholders replaced by the tokens (role → token)."""
    return (
        tuple((k, _fill(v, tokens, False)) for k, v in headers),
        None if query is None else _fill(query, tokens, True),
    )


def roles_used(headers: Headers, query: str | None) -> set[str]:
    """The token roles named by placeholders in these headers and query."""
    found = {m.group(1) or m.group(2) for _, v in headers for m in ROLE_PLACEHOLDER.finditer(v)}
    return found | {m.group(1) or m.group(2) for m in ROLE_PLACEHOLDER.finditer(query or "")}


def target_tokens(target: Target, mapping: dict[str, str]) -> dict[str, str]:
    """Role → token for a target; `mapping` sends capture roles to target roles (token-2 → other_repo)."""
    tokens = {name: role.token for name, role in target.tokens.items()}
    for capture_role, target_role in mapping.items():
        if target_role not in target.tokens:
            raise CaptureError(f"--role {capture_role}={target_role}: the target has no role {target_role!r}")
        tokens[capture_role] = target.tokens[target_role].token
    return tokens
