"""After the replay: the stored events compared, per correlation key with what the requests carried
(--mark), and between the two targets (--against); differences go into the run's statistics."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from hec_conformance.readback import Reader, make_reader
from hec_conformance.replay.requests import Check, Side
from hec_conformance.replay.stats import Stats

ALWAYS_IGNORED = ("@id", "@ingesttimestamp")
WINDOW_MS = 1000  # a whole-repository comparison ignores @timestamp within the run's span and this much


def normalized(event: dict[str, Any], ignored: set[str]) -> str:
    """An event as canonical JSON without the ignored fields."""
    return json.dumps(
        {k: v for k, v in event.items() if k not in ignored}, sort_keys=True, ensure_ascii=False
    )


def event_diff(left: list[dict[str, Any]], right: list[dict[str, Any]], ignored: set[str]) -> str | None:
    """None when both lists hold the same events (any order) once ignored fields are dropped."""
    if len(left) != len(right):
        return f"{len(left)} stored event(s) vs {len(right)}"
    a = sorted(left, key=lambda e: normalized(e, ignored))
    b = sorted(right, key=lambda e: normalized(e, ignored))
    for i, (x, y) in enumerate(zip(a, b, strict=True)):
        if normalized(x, ignored) != normalized(y, ignored):
            names = sorted((set(x) | set(y)) - ignored)
            diffs = [
                f"{n}: {x.get(n, '<absent>')!r} vs {y.get(n, '<absent>')!r}"
                for n in names
                if x.get(n) != y.get(n)
            ]
            return f"event {i}: " + "; ".join(diffs[:5])
    return None


def expectation_diff(expected: list[dict[str, Any]], events: list[dict[str, Any]]) -> str | None:
    """Count, then every expected field value found among the stored events (as a multiset)."""
    if len(expected) != len(events):
        return f"{len(events)} stored event(s), the request carried {len(expected)}"
    pool = [dict(e) for e in events]
    for want in expected:
        match = next((e for e in pool if all(e.get(k) == v for k, v in want.items())), None)
        if match is None:
            return f"no stored event has {want}"
        pool.remove(match)
    return None


class StoredComparison:
    """Reads the targets' stored events back and records what differs in `stats`."""

    def __init__(self, sides: list[Side], stats: Stats, ignore: Iterable[str] = ()) -> None:
        self.sides = sides
        self.stats = stats
        self.ignore = tuple(ignore)

    def _ignored(self, all_timed: bool) -> set[str]:
        return {*ALWAYS_IGNORED, *self.ignore, *(() if all_timed else ("@timestamp",))}

    def run(self, checks: Iterable[Check] | None, span_ms: tuple[int, int]) -> None:
        """Each check's key (marked requests), or without checks the whole default repositories of
        two targets (fresh ones: everything there came from this replay, sent within `span_ms`)."""
        readers = [make_reader(side.target) for side in self.sides]
        try:
            if checks is not None:
                for check in checks:
                    self._check_key(check, readers)
            elif len(self.sides) == 2:
                self._check_repositories(readers, span_ms)
        finally:
            for reader in readers:
                reader.close()

    def _check_key(self, check: Check, readers: list[Reader]) -> None:
        found = []
        for side, reader in zip(self.sides, readers, strict=True):
            repository = side.repository(check.role)
            if repository is None:
                self.stats.differ(
                    check.seq,
                    "readback",
                    check.request,
                    f"role {check.role!r} names no repository in {side.target.url}",
                )
                return
            events = reader.read(repository, check.key[0], check.key[1])
            found.append(events)
            problem = expectation_diff(check.expected, events)
            if problem:
                self.stats.differ(check.seq, "stored", check.request, f"{side.target.url}: {problem}")
        if len(found) == 2:
            problem = event_diff(found[0], found[1], self._ignored(check.all_timed))
            if problem:
                self.stats.differ(check.seq, "against-stored", check.request, problem)

    def _check_repositories(self, readers: list[Reader], span_ms: tuple[int, int]) -> None:
        """Without markers: every event of each target's default repository, on fresh targets."""
        lists = []
        low, high = span_ms[0] - WINDOW_MS, span_ms[1] + WINDOW_MS
        for side, reader in zip(self.sides, readers, strict=True):
            repository = side.repository("default")
            if repository is None:
                self.stats.differ(
                    0,
                    "readback",
                    "(whole repository)",
                    f"role 'default' names no repository in {side.target.url}",
                )
                return
            events = reader.read(repository, "#repo", repository)
            lists.append(
                [
                    {
                        k: v
                        for k, v in e.items()
                        if not (k == "@timestamp" and isinstance(v, int) and low <= v <= high)
                    }
                    for e in events
                ]
            )
        problem = event_diff(lists[0], lists[1], self._ignored(True) | {"#repo"})
        if problem:
            self.stats.differ(0, "against-stored", "(whole repository)", problem)
