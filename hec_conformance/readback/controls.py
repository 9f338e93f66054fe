"""Positive controls (SPEC §9): evidence that the read-back can see what a "nothing stored" verdict
says is not there.

Before a verdict rests on having found no event, the suite sends a marked event of the same kind
(event or raw) to the same repository and waits until the read-back shows it. The first such control
for a (repository, kind) decides for the whole run: when it is never found, every check resting on
absence there is *not checked*, with the reason (it never passes). Once proved, each later absence
claim sends one more marked event and reads only after it is visible, so a read-back that lags behind
ingest (a search index catching up) shows everything sent before it: no blind sleep.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from hec_conformance.readback import ReadbackError
from hec_conformance.readback.poller import Lookup, Poller


@dataclass(frozen=True)
class Marked:
    """A control event as sent: how to find it, or why the target refused it."""

    lookups: tuple[Lookup, ...]
    refused: str | None = None


Sender = Callable[[str, str, str], Marked]
"""send(repository, kind, marker): send one marked event of `kind` to `repository`."""


class Controls:
    """The run's positive controls, one per (repository, kind), cached."""

    def __init__(self, poller: Poller, send: Sender) -> None:
        self._poller = poller
        self._send = send
        self._verdicts: dict[tuple[str, str], str | None] = {}

    def unusable(self, repository: str, kind: str) -> str | None:
        """Why absence cannot be claimed in `repository` for `kind` (None: it can, and everything sent
        so far is visible now). Raises ReadbackError when a proved read-back stops showing controls."""
        key = (repository, kind)
        if key in self._verdicts and self._verdicts[key] is not None:
            return self._verdicts[key]
        reason = self._prove(repository, kind)
        if key not in self._verdicts:
            self._verdicts[key] = reason
            return reason
        if reason is not None:
            raise ReadbackError(f"the read-back stopped showing {kind} events in {repository!r}: {reason}")
        return None

    def _prove(self, repository: str, kind: str) -> str | None:
        marked = self._send(repository, kind, str(uuid.uuid4()))
        if marked.refused is not None:
            return f"the positive control ({kind} event to {repository!r}) was refused: {marked.refused}"
        found = self._poller.until([repository], marked.lookups, 1)
        if not found.events:
            by = ", ".join(f"{f}=<marker>" for f, _ in marked.lookups)
            return (
                f"the read-back never showed the positive control ({kind} event to {repository!r}, "
                f"looked up by {by}) within {self._poller.timeout:g}s"
            )
        return None
