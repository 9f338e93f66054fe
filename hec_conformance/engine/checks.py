"""What each check of a case is evidence for (issue 10: per-check attribution).

By default a check counts for the case's requirements except ORD-2, which gets a check of its own only
where it can be broken: a read-back after a non-200 answer (a case naming ORD-2 alone keeps it).
`body.text` counts for BODY-12 at SHOULD (SPEC BODY-12: "the `text` is SHOULD") unless a mapping
names `body.text` itself. A request's `expect.requirements` names the ids itself: a list (every check
of the request), or a mapping from a check path prefix (`status`, `body.code`, `body`, `headers`,
`stored`, `events`, `events[0].host`) to a list; the longest prefix decides. An unrequested answer
counts as a status check.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from hec_conformance.matchers import MISSING, Unit
from hec_conformance.results import Check, CheckResult

ORD_2 = "ORD-2"
TEXT_REQUIREMENT = "BODY-12"
TEXT_LEVEL = "SHOULD"
UNREQUESTED = "unrequested"
PARTS = {
    "status": "status",
    "body.code": "code",
    "body.text": "text",
    "body.invalid-event-number": "invalid-event-number",
    "body.ackId": "ackId",
    "body.acks": "acks",
    "stored": "stored-count",
    "events": "stored-count",
    UNREQUESTED: "unrequested",
}


def part_of(path: str) -> str:
    """What a check path checks: status, code, text, ..., stored-count, stored-field, header, body."""
    if path in PARTS:
        return PARTS[path]
    if path.startswith("events["):
        return "stored-field"
    if path.startswith("headers."):
        return "header"
    return "body"


def _covers(prefix: str, path: str) -> bool:
    return path == prefix or path.startswith((f"{prefix}.", f"{prefix}["))


class Attribution:
    """The requirement ids and level cap of each check of one request."""

    def __init__(self, case_requirements: Sequence[str], declared: Any = None) -> None:
        self.default = tuple(r for r in case_requirements if r != ORD_2) or tuple(case_requirements)
        self.declared = declared

    def of(self, path: str) -> tuple[tuple[str, ...], str | None]:
        """(requirement ids, level cap) of the check at `path`."""
        level = TEXT_LEVEL if path == "body.text" else None
        if path == UNREQUESTED:  # a second answer to one request: evidence about what its status is
            path = "status"
        declared = self.declared
        if path == "body.text" and not (isinstance(declared, Mapping) and path in declared):
            return (TEXT_REQUIREMENT,), level
        if isinstance(declared, (list, tuple)):
            return tuple(declared), level
        if isinstance(declared, Mapping):
            prefixes = [p for p in declared if _covers(str(p), path)]
            if prefixes:
                return tuple(declared[max(prefixes, key=len)]), level
        return self.default, level

    def check(self, index: int, path: str, result: CheckResult, **detail: Any) -> Check:
        """A check of request `index` at `path`, attributed (`part` defaults to what the path checks)."""
        requirements, level = self.of(path)
        part = detail.pop("part", None) or part_of(path)
        return Check(index, part, path, requirements, level, result, **detail)

    def unit_checks(self, index: int, units: Iterable[Unit]) -> list[Check]:
        """One passed check per unit without differences, else one failed check per difference (at
        the difference's own path, which may lie below the unit's)."""
        out: list[Check] = []
        for path, diffs in units:
            if not diffs:
                out.append(self.check(index, path, CheckResult.PASS))
            out += [
                self.check(
                    index,
                    d.path,
                    CheckResult.FAIL,
                    part=part_of(path),
                    expected=d.expected,
                    actual=None if d.actual is MISSING else d.actual,
                    reason=d.reason,
                )
                for d in diffs
            ]
        return out
