"""After the replay: the stored events compared, per correlation key with what the requests carried
(--mark), and between the two targets (--against); differences go into the run's statistics."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from hec_conformance.matchers import MISSING, FieldDiff, count_diff
from hec_conformance.readback import make_reader
from hec_conformance.readback.poller import Poller
from hec_conformance.replay.requests import Check, Side
from hec_conformance.replay.stats import Stats

ALWAYS_IGNORED = ("@id", "@ingesttimestamp")
WHOLE = "(whole repository)"  # what a difference of a whole-repository comparison is listed under
WINDOW_MS = 1000  # a whole-repository comparison ignores @timestamp within the run's span and this much


def normalized(event: dict[str, Any], ignored: set[str]) -> str:
    """An event as canonical JSON without the ignored fields."""
    return json.dumps(
        {k: v for k, v in event.items() if k not in ignored}, sort_keys=True, ensure_ascii=False
    )


def event_diff(left: list[dict[str, Any]], right: list[dict[str, Any]], ignored: set[str]) -> list[FieldDiff]:
    """How two targets' stored events differ (any order) once ignored fields are dropped: the count, or
    the fields (at most five) of the first pair that differs; empty when they hold the same events."""
    if len(left) != len(right):
        return [count_diff(len(left), len(right))]
    a = sorted(left, key=lambda e: normalized(e, ignored))
    b = sorted(right, key=lambda e: normalized(e, ignored))
    for i, (x, y) in enumerate(zip(a, b, strict=True)):
        if normalized(x, ignored) != normalized(y, ignored):
            names = sorted((set(x) | set(y)) - ignored)
            return [
                FieldDiff(
                    f"events[{i}].{n}", x.get(n, MISSING), y.get(n, MISSING), "differs between the targets"
                )
                for n in names
                if x.get(n, MISSING) != y.get(n, MISSING)
            ][:5]
    return []


def expectation_diff(expected: list[dict[str, Any]], events: list[dict[str, Any]]) -> list[FieldDiff]:
    """Count, then every expected field value found among the stored events (as a multiset)."""
    if len(expected) != len(events):
        return [count_diff(len(expected), len(events))]
    pool = [dict(e) for e in events]
    for want in expected:
        match = next((e for e in pool if all(e.get(k) == v for k, v in want.items())), None)
        if match is None:
            return [FieldDiff("events", want, MISSING, "no stored event has these values")]
        pool.remove(match)
    return []


def _shown(diffs: list[FieldDiff]) -> str:
    return "; ".join(map(str, diffs))


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
        pollers = [Poller(make_reader(side.target)) for side in self.sides]
        try:
            if checks is not None:
                for check in checks:
                    self._check_key(check, pollers)
            elif len(self.sides) == 2:
                self._check_repositories(pollers, span_ms)
        finally:
            for poller in pollers:
                poller.close()

    def _read(
        self, poller: Poller, side: Side, repository: str, lookup: tuple[str, str], seq: int, request: str
    ) -> list[dict[str, Any]]:
        """One read of `repository`; an `@id` one answer lists twice is a difference (SPEC §9)."""
        found = poller.read([repository], [lookup])
        if found.duplicates:
            ids = ", ".join(found.duplicates)
            self.stats.differ(
                seq, "stored", request, f"{side.target.url}: @id listed twice in one answer: {ids}"
            )
        return list(found.events)

    def _check_key(self, check: Check, pollers: list[Poller]) -> None:
        found = []
        for side, poller in zip(self.sides, pollers, strict=True):
            repository = side.repository(check.role)
            if repository is None:
                self.stats.differ(
                    check.seq,
                    "readback",
                    check.request,
                    f"role {check.role!r} names no repository in {side.target.url}",
                )
                return
            events = self._read(poller, side, repository, check.key, check.seq, check.request)
            found.append(events)
            diffs = expectation_diff(check.expected, events)
            if diffs:
                self.stats.differ(check.seq, "stored", check.request, f"{side.target.url}: {_shown(diffs)}")
        if len(found) == 2:
            diffs = event_diff(found[0], found[1], self._ignored(check.all_timed))
            if diffs:
                self.stats.differ(check.seq, "against-stored", check.request, _shown(diffs))

    def _check_repositories(self, pollers: list[Poller], span_ms: tuple[int, int]) -> None:
        """Without markers: every event of each target's default repository, on fresh targets."""
        lists = []
        low, high = span_ms[0] - WINDOW_MS, span_ms[1] + WINDOW_MS
        for side, poller in zip(self.sides, pollers, strict=True):
            repository = side.repository("default")
            if repository is None:
                self.stats.differ(
                    0,
                    "readback",
                    WHOLE,
                    f"role 'default' names no repository in {side.target.url}",
                )
                return
            events = self._read(poller, side, repository, ("#repo", repository), 0, WHOLE)
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
        diffs = event_diff(lists[0], lists[1], self._ignored(True) | {"#repo"})
        if diffs:
            self.stats.differ(0, "against-stored", WHOLE, _shown(diffs))
