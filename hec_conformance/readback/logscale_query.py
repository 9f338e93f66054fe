"""The LogScale query API adapter (SPEC §9, QRY-1..5)."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import quote

from hec_conformance.protocol import QUERY_PATH
from hec_conformance.readback import ReadbackError
from hec_conformance.target import Target
from hec_conformance.transport import HttpRequest, Transport, TransportError

END_AHEAD_MS = 400 * 86_400_000  # explicit `end`: LogScale's default window is 24 h


def query_string(field: str, value: str) -> str:
    """`field="value"` with `"` and `\\` escaped (QRY-2)."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'{field}="{escaped}"'


class LogScaleQueryReader:
    """POST /api/v1/repositories/{repo}/query with the Bearer read token."""

    def __init__(self, target: Target, timeout: float = 30.0) -> None:
        if not target.readback.token:
            raise ReadbackError("readback.token is required for kind logscale-query")
        self._token = target.readback.token
        self._transport = Transport(target.readback.url or target.url, target.tls, timeout)

    def read(self, repository: str, field: str, value: str, start: int = 0) -> list[dict[str, Any]]:
        """The events whose `field` is `value`, ordered by @timestamp then ingest order."""
        now_ms = int(time.time() * 1000)
        body = json.dumps(
            {
                "queryString": query_string(field, value),
                "start": start,
                "end": now_ms + END_AHEAD_MS,
                "isLive": False,
            }
        ).encode()
        request = HttpRequest(
            "POST",
            QUERY_PATH.format(repository=quote(repository, safe="")),
            headers=(
                ("Authorization", f"Bearer {self._token}"),
                ("Accept", "application/json"),
                ("Content-Type", "application/json"),
            ),
            body=body,
        )
        try:
            resp = self._transport.send(request)
        except TransportError as exc:
            raise ReadbackError(f"query API unreachable: {exc}") from None
        if resp.status != 200:
            raise ReadbackError(
                f"query API answered {resp.status} for repository {repository!r}: {resp.body[:200]!r}"
            )
        try:
            events = json.loads(resp.body)
        except ValueError:
            raise ReadbackError(f"query API answered no JSON: {resp.body[:200]!r}") from None
        if not isinstance(events, list) or not all(isinstance(e, dict) for e in events):
            raise ReadbackError("query API answered something other than a JSON array of events")
        return events

    def close(self) -> None:
        """Close the connection pool."""
        self._transport.close()
