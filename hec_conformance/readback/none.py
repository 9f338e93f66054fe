"""The `none` read-back: the target cannot show what it stored."""

from __future__ import annotations

from typing import Any

from hec_conformance.readback import ReadbackError


class NoReader:
    """Every read is an error; cases needing read-back are unsupported before they get here."""

    def read(self, repository: str, field: str, value: str, start: int = 0) -> list[dict[str, Any]]:
        raise ReadbackError("the target declares no read-back (readback.kind: none)")

    def close(self) -> None:
        """Nothing to close."""
