"""Matchers of docs/cases.md: literal, near_now, regex, absent, present, partial maps, event lists."""

from __future__ import annotations

from typing import Any

import pytest

from hec_conformance.matchers import MISSING, FieldDiff, event_units, match_partial, match_value, span_ms

NOW = 1_700_000_000_000


def match_events(
    expected: Any, actual: Any, now: int, ignore: frozenset[str] = frozenset()
) -> list[FieldDiff]:
    """Every difference the stored-event units hold."""
    return [d for _, diffs in event_units(expected, actual, now, ignore) for d in diffs]


def test_literals_compare_by_type() -> None:
    assert match_value(0, 0, "code", NOW) == []
    assert match_value("1", 1, "x", NOW)[0].reason == "not equal"
    assert match_value(True, 1, "x", NOW)[0].reason == "not equal"
    assert match_value(1537537729123, 1537537729122, "@timestamp", NOW)[0].actual == 1537537729122


def test_near_now_spans() -> None:
    assert match_value({"near_now": "10s"}, NOW + 9_999, "t", NOW) == []
    assert match_value({"near_now": "10s"}, NOW - 10_001, "t", NOW) != []
    assert match_value({"near_now": "500ms"}, NOW + 400, "t", NOW) == []
    assert match_value({"near_now": "2m"}, NOW + 119_000, "t", NOW) == []
    assert match_value({"near_now": "10s"}, str(NOW), "t", NOW) != []  # a string is no timestamp
    assert span_ms("1.5s") == 1500
    with pytest.raises(ValueError):
        span_ms("ten seconds")


def test_regex_matches_the_whole_string() -> None:
    assert match_value({"regex": "ab+"}, "abbb", "f", NOW) == []
    assert match_value({"regex": "ab+"}, "xabbb", "f", NOW) != []
    assert match_value({"regex": ".*"}, 5, "f", NOW) != []


def test_absent_and_present() -> None:
    assert match_value({"absent": True}, MISSING, "f", NOW) == []
    assert match_value({"absent": True}, "", "f", NOW)[0].reason == "present"
    assert match_value({"present": True}, "", "f", NOW) == []
    assert match_value({"present": True}, MISSING, "f", NOW)[0].reason == "absent"


def test_partial_body_ignores_other_keys_and_recurses() -> None:
    body = {"text": "Success", "code": 0, "ackId": 3, "deep": {"a": 1, "b": 2}}
    assert match_partial({"code": 0, "deep": {"a": 1}}, body, NOW) == []
    diffs = match_partial({"text": "Invalid token", "deep": {"b": 3}, "gone": 1}, body, NOW)
    assert [d.path for d in diffs] == ["text", "deep.b", "gone"]
    assert diffs[2].to_dict()["actual"] is None and diffs[2].reason == "absent"


def test_events_need_the_same_count_and_ignore_the_marker() -> None:
    stored = [{"@timestamp": 1, "@rawstring": "a", "hec_case": "m"}]
    assert (
        match_events([{"@rawstring": "a", "hec_case": "other"}], stored, NOW, ignore=frozenset({"hec_case"}))
        == []
    )
    assert match_events([], stored, NOW)[0].reason == "different number of stored events"
    assert match_events([{"@rawstring": "b"}], stored, NOW)[0].path == "events[0].@rawstring"


def test_a_closed_event_allows_no_field_it_does_not_name() -> None:
    stored = [{"@timestamp": 1, "@id": "7", "#repo": "main", "@rawstring": "a=1", "a": "1", "hec_case": "m"}]
    closed = {"*": {"absent": True}, "@rawstring": "a=1", "a": "1"}
    assert match_events([closed], stored, NOW, ignore=frozenset({"hec_case"})) == []
    extra = [{**stored[0], "index": "main", "@host": "h"}]
    (diff,) = match_events([closed], extra, NOW, ignore=frozenset({"hec_case"}))
    assert (diff.path, diff.actual) == ("events[0].index", "main")
    assert diff.reason == "a field the case does not name"
    assert match_events([{"@rawstring": "a=1"}], extra, NOW) == []  # an open map ignores it
