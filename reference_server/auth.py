"""Credentials (SPEC §2): the Authorization header, the `token` query parameter, constant-time lookup."""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Mapping, Sequence

from .config import IngestToken
from .errors import HecError


def _invalid_authorization() -> HecError:
    return HecError(401, 3, "Invalid authorization")


class TokenTable:
    """Ingest and read tokens. Every lookup compares against every token with hmac.compare_digest."""

    def __init__(self, ingest: Sequence[IngestToken], read: Sequence[str]) -> None:
        self._ingest = [(t.token.encode(), t) for t in ingest]
        self._read = [t.encode() for t in read]

    def ingest(self, token: str) -> IngestToken | None:
        wanted = token.encode("utf-8", "surrogateescape")
        found = None
        for raw, entry in self._ingest:
            if hmac.compare_digest(raw, wanted):
                found = entry
        return found

    def is_read(self, token: str) -> bool:
        wanted = token.encode("utf-8", "surrogateescape")
        found = False
        for raw in self._read:
            found |= hmac.compare_digest(raw, wanted)
        return found


def split_authorization(value: str) -> tuple[str, str]:
    """``<scheme> <credentials>`` with any spaces between and around; the scheme lower-cased."""
    scheme, _, credentials = value.strip().partition(" ")
    return scheme.lower(), credentials.strip()


def header_token(value: str, *, profile: str, basic_auth: bool) -> str:
    """The token an Authorization header carries (AUTH-1..4, AUTH-6)."""
    scheme, credentials = split_authorization(value)
    if not credentials:
        raise _invalid_authorization()
    if scheme == "splunk" or (scheme == "bearer" and profile == "humio"):
        return credentials
    if scheme == "basic" and basic_auth:
        try:
            decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise _invalid_authorization() from None
        user, colon, password = decoded.partition(":")
        if not colon or not password:
            raise _invalid_authorization()
        return password
    raise _invalid_authorization()


def authenticate_ingest(
    authorization: str | None,
    query: Mapping[str, str],
    table: TokenTable,
    *,
    profile: str,
    capabilities: frozenset[str],
) -> IngestToken:
    """ORD-1 steps 2 and 3: the `token` query parameter (AUTH-8), then the header (AUTH-5..7)."""
    query_token = query.get("token")
    if query_token is not None and "query-string-auth" not in capabilities:
        raise HecError(400, 16, "Query string authorization is not enabled")
    if authorization is not None:
        token = header_token(authorization, profile=profile, basic_auth="basic-auth" in capabilities)
    elif query_token is not None:
        token = query_token
    else:
        raise HecError(401, 2, "Token is required")
    entry = table.ingest(token)
    if entry is None:
        raise HecError(403, 4, "Invalid token")
    if not entry.enabled:
        raise HecError(403, 1, "Token disabled")
    return entry


def authenticate_read(authorization: str | None, table: TokenTable) -> None:
    """QRY-1/QRY-4: ``Bearer <read token>``, anything else is 401."""
    if authorization is not None:
        scheme, credentials = split_authorization(authorization)
        if scheme == "bearer" and credentials and table.is_read(credentials):
            return
    raise HecError(401, 401, "Unauthorized")
