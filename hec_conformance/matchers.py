"""Expectation matchers (docs/cases.md): literal, near_now, regex, absent, present; partial maps."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

MATCHER_KEYS = frozenset({"near_now", "regex", "absent", "present"})
MISSING: object = object()  # the actual value of a key that is not there
OTHERS = "*"  # in an expected stored event, with {absent: true}: no field the case does not name
UNNAMED = "a field the case does not name"
_SPAN = re.compile(r"^(\d+(?:\.\d+)?)(ms|s|m)$")
_UNIT_MS = {"ms": 1, "s": 1000, "m": 60_000}


@dataclass(frozen=True)
class FieldDiff:
    """One mismatch: where (a dotted path), what was expected, what was there, and why."""

    path: str
    expected: Any
    actual: Any
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form; a missing value is None with the reason saying so."""
        expected = None if self.expected is MISSING else self.expected
        actual = None if self.actual is MISSING else self.actual
        return {"path": self.path, "expected": expected, "actual": actual, "reason": self.reason}

    def __str__(self) -> str:
        expected = "(absent)" if self.expected is MISSING else repr(self.expected)
        actual = "(absent)" if self.actual is MISSING else repr(self.actual)
        return f"{self.path}: expected {expected}, got {actual} ({self.reason})"


def count_diff(expected: int, actual: int) -> FieldDiff:
    """Another number of stored events than expected."""
    return FieldDiff(
        "events", f"{expected} event(s)", f"{actual} event(s)", "different number of stored events"
    )


def is_matcher(value: Any) -> bool:
    """A mapping with exactly one matcher key is a matcher, not a nested expectation."""
    return isinstance(value, dict) and len(value) == 1 and next(iter(value)) in MATCHER_KEYS


def span_ms(text: str) -> int:
    """`10s` → 10000; units ms, s, m."""
    m = _SPAN.match(str(text).strip())
    if not m:
        raise ValueError(f"bad time span {text!r} (use e.g. 500ms, 10s, 2m)")
    return int(float(m.group(1)) * _UNIT_MS[m.group(2)])


def match_value(expected: Any, actual: Any, path: str, sent_at_ms: int) -> list[FieldDiff]:
    """Compare one value; `actual` is `MISSING` when the key is not there."""
    if is_matcher(expected):
        ((kind, arg),) = expected.items()
        reason = _matcher_mismatch(kind, arg, actual, sent_at_ms)
        return [] if reason is None else [FieldDiff(path, expected, actual, reason)]
    if actual is MISSING:
        return [FieldDiff(path, expected, actual, "absent")]
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [FieldDiff(path, expected, actual, "not an object")]
        return match_partial(expected, actual, sent_at_ms, prefix=path)
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return [FieldDiff(path, expected, actual, "different list")]
        return [
            d
            for i, (e, a) in enumerate(zip(expected, actual, strict=True))
            for d in match_value(e, a, f"{path}[{i}]", sent_at_ms)
        ]
    if _same(expected, actual):
        return []
    return [FieldDiff(path, expected, actual, "not equal")]


def _matcher_mismatch(kind: str, arg: Any, actual: Any, sent_at_ms: int) -> str | None:
    """Why `actual` fails the matcher `{kind: arg}`, or None when it matches."""
    if kind == "absent":
        return None if (actual is MISSING) == bool(arg) else ("present" if arg else "absent")
    if kind == "present":
        return None if (actual is not MISSING) == bool(arg) else ("absent" if arg else "present")
    if actual is MISSING:
        return "absent"
    if kind == "regex":
        matched = isinstance(actual, str) and re.fullmatch(str(arg), actual)
        return None if matched else "does not match the regex"
    # near_now
    is_int = isinstance(actual, int) and not isinstance(actual, bool)
    if is_int and abs(actual - sent_at_ms) <= span_ms(arg):
        return None
    return f"not an integer within {arg} of the send time {sent_at_ms}"


def _same(expected: Any, actual: Any) -> bool:
    """Literal equality where a bool never equals a number and 1 equals 1.0 only for numbers."""
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(expected) is type(actual) and expected == actual
    return bool(expected == actual) and (isinstance(expected, str) == isinstance(actual, str))


def match_partial(
    expected: dict[str, Any], actual: dict[str, Any], sent_at_ms: int, prefix: str = ""
) -> list[FieldDiff]:
    """Every key of `expected` must match in `actual`; other keys of `actual` are ignored."""
    diffs: list[FieldDiff] = []
    for key, exp in expected.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        diffs.extend(match_value(exp, actual.get(key, MISSING), path, sent_at_ms))
    return diffs


Unit = tuple[str, list[FieldDiff]]
"""One thing checked: its path and its differences (none: it held)."""


def event_units(
    expected: list[dict[str, Any]],
    actual: list[dict[str, Any]],
    sent_at_ms: int,
    ignore: frozenset[str] = frozenset(),
) -> list[Unit]:
    """Stored events in order, one unit per thing checked: the count (`events`), then, when it is
    right, each expected field of each event (`events[i].name`) and each `"*": {absent: true}` rule
    (`events[i].*`); `ignore` fields are never checked.

    An expected event with ``"*": {absent: true}`` also allows no field it does not name, except
    fields whose names start with ``@`` or ``#`` (the target's own) and the `ignore` fields.
    """
    if len(expected) != len(actual):
        return [("events", [count_diff(len(expected), len(actual))])]
    units: list[Unit] = [("events", [])]
    for i, (exp, act) in enumerate(zip(expected, actual, strict=True)):
        for key, want in exp.items():
            if key in ignore or key == OTHERS:
                continue
            path = f"events[{i}].{key}"
            units.append((path, match_value(want, act.get(key, MISSING), path, sent_at_ms)))
        if OTHERS in exp:
            extra = [
                FieldDiff(f"events[{i}].{name}", {"absent": True}, value, UNNAMED)
                for name, value in act.items()
                if name not in exp and name not in ignore and name[:1] not in ("@", "#")
            ]
            units.append((f"events[{i}].{OTHERS}", extra))
    return units
