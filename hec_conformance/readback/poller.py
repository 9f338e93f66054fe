"""The one read-back loop: look events up by marker, merge the look-ups, poll until enough are there.

Used by the engine, the differential fuzzer and the replay harness. One answer that lists the same
`@id` twice is reported (SPEC §9: a failure of the target), never merged away; merging happens only
across look-ups (the marker in `fields` and in `source`) and repositories.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hec_conformance.readback import Reader

Lookup = tuple[str, str]
"""One `field=value` look-up of a marker."""
FIRST_DELAY_S = 0.05
MAX_DELAY_S = 1.0


@dataclass(frozen=True)
class Found:
    """What the read-back showed: the events (merged, in query order), the `@id`s one answer listed more
    than once, and how many reads it took."""

    events: tuple[dict[str, Any], ...]
    duplicates: tuple[str, ...] = ()
    polls: int = 1


def _key(event: dict[str, Any]) -> str:
    return str(event["@id"]) if "@id" in event else json.dumps(event, sort_keys=True)


class Poller:
    """Reads through one adapter; `timeout` bounds `until`."""

    def __init__(self, reader: Reader, timeout: float = 15.0) -> None:
        self.reader = reader
        self.timeout = timeout

    def read(self, repositories: Sequence[str], lookups: Sequence[Lookup], start: int = 0) -> Found:
        """One read of every look-up in every repository."""
        events: list[dict[str, Any]] = []
        seen: set[str] = set()
        duplicates: list[str] = []
        for repository in dict.fromkeys(repositories):
            for field, value in lookups:
                in_answer: set[str] = set()
                for event in self.reader.read(repository, field, value, start):
                    key = _key(event)
                    if "@id" in event and key in in_answer and key not in duplicates:
                        duplicates.append(key)
                    in_answer.add(key)
                    if key not in seen:
                        seen.add(key)
                        events.append(event)
        if len(lookups) * len(set(repositories)) > 1:  # several answers: merge in query order
            events.sort(key=lambda e: e.get("@timestamp", 0))
        return Found(tuple(events), tuple(duplicates))

    def until(
        self, repositories: Sequence[str], lookups: Sequence[Lookup], want: int, start: int = 0
    ) -> Found:
        """Read until at least `want` events are there or `timeout` passed, backing off between reads."""
        deadline = time.monotonic() + self.timeout
        delay, polls = FIRST_DELAY_S, 0
        while True:
            found = self.read(repositories, lookups, start)
            polls += 1
            remaining = deadline - time.monotonic()
            if len(found.events) >= want or remaining <= 0:
                return Found(found.events, found.duplicates, polls)
            time.sleep(min(delay, remaining))
            delay = min(delay * 2, MAX_DELAY_S)

    def close(self) -> None:
        """Close the adapter."""
        self.reader.close()
