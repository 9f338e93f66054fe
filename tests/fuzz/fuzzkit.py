"""A small HEC client for the fuzzing tests: exact bodies out, stored events back (SPEC §9)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from hec_conformance.readback.logscale_query import LogScaleQueryReader
from hec_conformance.target import load_target
from hec_conformance.transport import HttpRequest, Transport

CHANNEL_HEADER = "X-Splunk-Request-Channel"
EARLIEST = -(2**62)  # query window start: events before the epoch (`time` -1.5) are read back too


def new_marker() -> str:
    return str(uuid.uuid4())


class Hec:
    """Sends to the reference server of a target file and reads its events back."""

    def __init__(self, target_file: Path) -> None:
        self.target = load_target(target_file)
        self._transport = Transport(self.target.url)
        self._reader = LogScaleQueryReader(self.target)

    def close(self) -> None:
        self._transport.close()
        self._reader.close()

    def post(
        self,
        path: str,
        body: bytes,
        role: str = "default",
        channel: str | None = None,
        headers: tuple[tuple[str, str], ...] = (),
    ) -> tuple[int, Any]:
        """POST `body`; the status and the JSON answer."""
        sent = [("Authorization", f"Splunk {self.target.tokens[role].token}"), *headers]
        if channel is not None:
            sent.append((CHANNEL_HEADER, channel))
        resp = self._transport.send(HttpRequest("POST", path, tuple(sent), body=body))
        return resp.status, json.loads(resp.body)

    def events(self, marker: str, field: str = "hec_case") -> list[dict[str, Any]]:
        """The stored events of the default repository whose `field` is `marker`."""
        return self._reader.read(self.target.tokens["default"].repository or "", field, marker, EARLIEST)
