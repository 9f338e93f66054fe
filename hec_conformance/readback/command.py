"""The `command` read-back: a user program that prints the stored events as JSON lines."""

from __future__ import annotations

import json
import subprocess
from typing import Any

from hec_conformance.readback import ReadbackError
from hec_conformance.target import Target


class CommandReader:
    """Runs `readback.command` with {repository}, {marker_field}, {marker} and {start} filled in."""

    def __init__(self, target: Target, timeout: float = 60.0) -> None:
        if not target.readback.command:
            raise ReadbackError("readback.command is required for kind command")
        self._command = target.readback.command
        self._cwd = target.source.resolve().parent if target.source else None
        self._timeout = timeout

    def read(self, repository: str, field: str, value: str, start: int = 0) -> list[dict[str, Any]]:
        """Run the command; each non-empty output line is one JSON event object."""
        values = {"repository": repository, "marker_field": field, "marker": value, "start": str(start)}
        try:
            argv = [part.format(**values) for part in self._command]
        except (KeyError, IndexError, ValueError) as exc:
            raise ReadbackError(f"readback.command has an unknown placeholder: {exc}") from None
        try:
            done = subprocess.run(
                argv, capture_output=True, timeout=self._timeout, cwd=self._cwd, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ReadbackError(f"readback command failed to run: {exc}") from None
        if done.returncode != 0:
            raise ReadbackError(
                f"readback command exited {done.returncode}: {done.stderr.decode('utf-8', 'replace')[:300]}"
            )
        events: list[dict[str, Any]] = []
        for n, line in enumerate(done.stdout.decode("utf-8", "replace").splitlines(), 1):
            if not line.strip():
                continue
            try:
                event = json.loads(line)
            except ValueError:
                raise ReadbackError(f"readback command output line {n} is not JSON") from None
            if not isinstance(event, dict):
                raise ReadbackError(f"readback command output line {n} is not a JSON object")
            events.append(event)
        return events

    def close(self) -> None:
        """Nothing to close."""
