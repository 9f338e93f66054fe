"""JSON values with numbers kept as written: compact text (EVT-4), flattening (EVT-3), deep nesting."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reference_server.envelopes import parse_event_body
from reference_server.errors import HecError
from reference_server.jsontext import _dumps_deep, decode_value, dumps_compact, flatten

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(blacklist_categories=["Cs"])),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=12,
)


@given(json_values, st.booleans())
def test_compact_text_matches_the_stdlib_compact_form(value: object, ascii_input: bool) -> None:
    decoded = decode_value(json.dumps(value, ensure_ascii=ascii_input, indent=1))
    expected = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    assert dumps_compact(decoded) == expected
    assert _dumps_deep(decoded) == expected


@pytest.mark.parametrize(
    ("text", "compact"),
    [
        ("[ 1.50 , 1e2 , -0 , 1E+2 ]", "[1.50,1e2,-0,1E+2]"),
        ('{"a" : { } , "b" : [ ] }', '{"a":{},"b":[]}'),
        ('"\\u00E9\\/\\u007F\\u001F"', '"é/\x7f\\u001f"'),
        ("true", "true"),
        ("null", "null"),
        ("12345678901234567890123", "12345678901234567890123"),
    ],
)
def test_compact_text_literals(text: str, compact: str) -> None:
    value = decode_value(text)
    assert dumps_compact(value) == compact == _dumps_deep(value)


def test_flatten_literal() -> None:
    value = decode_value('{"a":{"b":[1,{"c":2.50}],"e":{},"f":[]},"[0]":null,"x.y":1,"x":{"y":true}}')
    assert flatten(value) == {"a.b[0]": "1", "a.b[1].c": "2.50", "[0]": "null", "x.y": "true"}
    assert all(type(text) is str for text in flatten(value).values())
    assert flatten(decode_value("[[1],[2,[3]]]")) == {"[0][0]": "1", "[1][0]": "2", "[1][1][0]": "3"}
    assert flatten(decode_value("5")) == {}


def deepest_accepted_body() -> tuple[bytes, int]:
    """The most deeply nested event array this decoder takes (it bounds nesting by the stack)."""
    low, high = 1, 5000
    while low < high:
        middle = (low + high + 1) // 2
        try:
            parse_event_body(b'{"event":' + b"[" * middle + b"]" * middle + b"}")
            low = middle
        except HecError:
            high = middle - 1
    return b'{"event":' + b"[" * low + b"1" + b"]" * low + b"}", low


def call_at_depth(depth: int, function: object, *args: object) -> object:
    if depth:
        return call_at_depth(depth - 1, function, *args)
    return function(*args)  # type: ignore[operator]


def test_deep_values_that_parse_also_serialise_and_flatten_from_a_deeper_stack() -> None:
    body, depth = deepest_accepted_body()
    [envelope] = parse_event_body(body)
    event = envelope["event"]  # type: ignore[index]
    assert call_at_depth(100, dumps_compact, event) == "[" * depth + "1" + "]" * depth
    assert call_at_depth(100, flatten, event) == {"[0]" * depth: "1"}
