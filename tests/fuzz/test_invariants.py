"""Invariants of the reference server that need no oracle (SPEC §3, §4, ORD-2), over generated input."""

from __future__ import annotations

import json
from typing import Any

from fuzzkit import Hec, new_marker
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hec_conformance.fuzz.strategies import HecRequest, Num, event_requests, kv_texts, resolver, scalars

EXAMPLES = settings(
    max_examples=25,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
CAPS = ("gzip", "json-array-batch")
# Texts that are not a JSON object and cannot run into the next envelope: the error is at their place.
# (No JSON array: a body that starts with one is read by the BODY-3 rules.)
NOT_AN_OBJECT = ("{", "}", "1", '"s"', "null", "true", "x", "{,}", '{"event":"x",}', "{'event': 'x'}")
SEPARATORS = ("\n", "", " ", "\r\n", "\t")
PAST_NOW = 1_700_000_000  # 2023: never in the future (TIME-6)


def _render(request: HecRequest, hec: Hec, marker: str) -> bytes:
    values = {
        "marker": marker,
        "marker_field": hec.target.marker_field,
        "repo:default": "main",
        "repo:other_repo": "audit",
    }
    return request.marked().wire_body(resolver(values))


@EXAMPLES
@given(event_requests(CAPS))
def test_every_accepted_envelope_is_stored_exactly_once(hec: Hec, request: HecRequest) -> None:
    marker = new_marker()
    status, answer = hec.post(request.path, _render(request, hec, marker), headers=request.headers())
    stored = hec.events(marker) + hec.events(marker, "@source")
    if status == 200:
        assert len(stored) == len(request.parts), (answer, stored)
        assert len({e["@id"] for e in stored}) == len(stored)
    else:
        assert stored == [], answer  # ORD-2


def flatten(value: Any, prefix: str, out: dict[str, str]) -> dict[str, str]:
    """EVT-3, written from SPEC: `.` for objects, `[i]` for arrays, numbers as written."""
    if isinstance(value, dict):
        for key, item in value.items():
            flatten(item, f"{prefix}.{key}" if prefix else key, out)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            flatten(item, f"{prefix}[{i}]", out)
    elif isinstance(value, Num):
        out[prefix] = value.text
    elif isinstance(value, bool):
        out[prefix] = "true" if value else "false"
    elif value is None:
        out[prefix] = "null"
    else:
        out[prefix] = value
    return out


names = st.from_regex(r"[a-z]{1,3}", fullmatch=True)
object_values = st.recursive(
    scalars(),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(names, inner, max_size=3)),
    max_leaves=10,
)


@EXAMPLES
@given(st.dictionaries(names, object_values, min_size=1, max_size=5))
def test_object_event_members_round_trip_to_fields(hec: Hec, event: dict[str, Any]) -> None:
    marker = new_marker()
    request = HecRequest("/services/collector/event", ({"event": event},))
    status, answer = hec.post(request.path, _render(request, hec, marker))
    assert (status, answer) == (200, {"text": "Success", "code": 0})
    [stored] = hec.events(marker)
    fields = {k: v for k, v in stored.items() if not k.startswith(("@", "#")) and k != "hec_case"}
    assert fields == flatten(event, "", {})


@EXAMPLES
@given(st.integers(0, PAST_NOW), st.from_regex(r"[0-9]{0,3}", fullmatch=True))
def test_decimal_time_up_to_3_fraction_digits_maps_exactly(hec: Hec, seconds: int, fraction: str) -> None:
    text = f"{seconds}.{fraction}" if fraction else str(seconds)
    marker = new_marker()
    request = HecRequest("/services/collector/event", ({"time": Num(text), "event": "t"},))
    status, _ = hec.post(request.path, _render(request, hec, marker))
    assert status == 200
    [stored] = hec.events(marker)
    assert stored["@timestamp"] == seconds * 1000 + int(fraction.ljust(3, "0"))
    assert "@error" not in stored


@EXAMPLES
@given(st.lists(kv_texts(), min_size=0, max_size=4), st.data())
def test_all_or_nothing_wherever_the_invalid_envelope_sits(
    hec: Hec, texts: list[str], data: st.DataObject
) -> None:
    k = data.draw(st.integers(0, len(texts)), label="k")
    bad = data.draw(st.sampled_from(NOT_AN_OBJECT), label="bad")
    marker = new_marker()
    parts = [json.dumps({"event": t, "fields": {"hec_case": marker}}, ensure_ascii=False) for t in texts]
    parts.insert(k, bad)
    separators = [data.draw(st.sampled_from(SEPARATORS)) for _ in parts]
    body = "".join(p + s for p, s in zip(parts, separators, strict=True))
    status, answer = hec.post("/services/collector/event", body.encode())
    assert (status, answer) == (400, {"text": "Invalid data format", "code": 6, "invalid-event-number": k})
    assert hec.events(marker) == []
