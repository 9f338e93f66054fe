"""JSON values with numbers kept as written: compact text (EVT-4), flattening (EVT-3), deep nesting."""

from __future__ import annotations

import json
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reference_server.envelopes import parse_event_body
from reference_server.jsontext import (
    _DECODER,
    _dumps_deep,
    _raw_decode_deep,
    decode_value,
    dumps_compact,
    flatten,
)

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
@pytest.mark.spec("EVT-4", profile="humio")
def test_compact_text_literals(text: str, compact: str) -> None:
    value = decode_value(text)
    assert dumps_compact(value) == compact == _dumps_deep(value)


@pytest.mark.spec("EVT-3", profile="humio")
def test_flatten_literal() -> None:
    value = decode_value('{"a":{"b":[1,{"c":2.50}],"e":{},"f":[]},"[0]":null,"x.y":1,"x":{"y":true}}')
    fields = {"a.b[0]": "1", "a.b[1].c": "2.50", "[0]": "null", "x.y": "true"}
    assert flatten(value, 0) == (fields, None)
    assert all(type(text) is str for text in flatten(value, 0)[0].values())
    assert flatten(decode_value("[[1],[2,[3]]]"), 0) == (
        {"[0][0]": "1", "[1][0]": "2", "[1][1][0]": "3"},
        None,
    )
    assert flatten(decode_value("5"), 0) == ({}, None)


def test_flatten_stops_at_its_name_budget() -> None:
    # 4 x 10 + 1024 = 1064 characters of names: "k0".."k9" (2 each), then 1044 / 3 = 348 of "[i]"...
    value = decode_value('{"long":[' + ",".join(["1"] * 2000) + "]}")
    fields, error = flatten(value, 10)
    assert error == f"field names too large: kept the first {len(fields)} fields"
    assert list(fields)[:3] == ["long[0]", "long[1]", "long[2]"]
    assert 1064 - 10 < sum(map(len, fields)) + 4 <= 1064
    assert flatten(value, 10_000) == ({f"long[{i}]": "1" for i in range(2000)}, None)


@given(
    json_values, st.text(" \t\r\n", max_size=2), st.integers(0, 40), st.sampled_from(["", "x", ",", "]", "}"])
)
def test_the_deep_decoder_agrees_with_the_c_decoder(value: object, space: str, cut: int, extra: str) -> None:
    text = json.dumps(value, indent=1 if space else None) + extra
    text = text[: len(text) - cut] if cut % 3 == 0 else text  # some texts cut short: both must fail
    try:
        expected: object = _DECODER.raw_decode(text, 0)
    except ValueError:
        expected = ValueError
    try:
        got: object = _raw_decode_deep(text, 0)
    except ValueError:
        got = ValueError
    assert got == expected


def call_at_depth(depth: int, function: object, *args: object) -> object:
    if depth:
        return call_at_depth(depth - 1, function, *args)
    return function(*args)  # type: ignore[operator]


@pytest.mark.parametrize("depth", [1000, 100_000])
def test_any_nesting_depth_is_decoded_and_written_back(depth: int) -> None:
    nested = "[" * depth + "1" + "]" * depth
    [envelope] = parse_event_body(b'{"event":{"a":' + nested.encode() + b',"b":2}}')
    event = envelope["event"]  # type: ignore[index]
    text = call_at_depth(100, dumps_compact, event)
    assert text == '{"a":' + nested + ',"b":2}'
    fields, error = call_at_depth(100, flatten, event, len(text))  # type: ignore[misc]
    assert (fields, error) == ({"a" + "[0]" * depth: "1", "b": "2"}, None)
    assert decode_value(" " + nested + " ") is not None


def test_deep_nesting_without_fields_is_linear() -> None:
    depth = 200_000
    [envelope] = parse_event_body(b'{"event":{"a":' + b"[" * depth + b"]" * depth + b',"b":2}}')
    started = time.perf_counter()
    assert flatten(envelope["event"], 2 * depth) == ({"b": "2"}, None)  # type: ignore[index]
    assert time.perf_counter() - started < 10


def test_many_fields_under_a_deep_path_are_cut_short() -> None:
    depth, width = 2000, 2000
    text = "[" * depth + ",".join(["1"] * width) + "]" * depth
    fields, error = flatten(decode_value(text), len(text))
    assert error == f"field names too large: kept the first {len(fields)} fields"
    assert 0 < len(fields) < width and sum(map(len, fields)) <= 4 * len(text) + 1024


@pytest.mark.parametrize(
    "text",
    ["[" * 100_000, "[" * 100_000 + "]" * 99_999, '{"a":' * 50_000],
    ids=["open-arrays", "one-bracket-short", "open-objects"],
)
def test_deep_invalid_json_is_a_value_error(text: str) -> None:
    with pytest.raises(ValueError):
        decode_value(text)
