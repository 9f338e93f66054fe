"""SPEC §3 body framing (BODY-1..6, BODY-10) and raw line splitting (RAW-1, RAW-6)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reference_server.envelopes import parse_event_body, split_raw_body
from reference_server.errors import HecError
from reference_server.jsontext import JsonNumber


def error_of(call: object, *args: object, **kwargs: object) -> dict[str, object]:
    with pytest.raises(HecError) as caught:
        call(*args, **kwargs)  # type: ignore[operator]
    return caught.value.body()


def bad(k: int | None) -> dict[str, object]:
    out: dict[str, object] = {"text": "Invalid data format", "code": 6}
    if k is not None:
        out["invalid-event-number"] = k
    return out


NO_DATA = {"text": "No data", "code": 5}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b'{"event":"a"}', [{"event": "a"}]),
        (b'{"a":1}\n{"b":2}', [{"a": "1"}, {"b": "2"}]),  # BODY-1
        (b' \t\r\n{"a":1} \t\r\n {"b":2}\r\n', [{"a": "1"}, {"b": "2"}]),
        (b'{"a":1}{"b":2}{"c":3}', [{"a": "1"}, {"b": "2"}, {"c": "3"}]),  # BODY-2
        (b"{}", [{}]),
        (b'\xef\xbb\xbf{"a":"b"}', [{"a": "b"}]),  # BODY-6 BOM ignored
        (b'{"a":1,"b":2,"a":3}', [{"a": "3", "b": "2"}]),  # BODY-10 last wins
        (b'{"s":"\\u00e9\\ud83d\\ude00\\/"}', [{"s": "\u00e9\U0001f600/"}]),
        (b'{"s":"\\\\ud800"}', [{"s": "\\ud800"}]),  # an escaped backslash, not a surrogate escape
        ('{"s":"é😀"}'.encode(), [{"s": "é😀"}]),
    ],
)
def test_framing_accepts(body: bytes, expected: list[object]) -> None:
    assert parse_event_body(body) == expected


def test_members_keep_their_order_and_numbers_their_text() -> None:
    [envelope] = parse_event_body(b'{"z":1.50,"a":1e2,"m":-0,"big":123456789012345678901234567890}')
    assert list(envelope) == ["z", "a", "m", "big"]
    assert envelope == {"z": "1.50", "a": "1e2", "m": "-0", "big": "123456789012345678901234567890"}
    assert all(type(value) is JsonNumber for value in envelope.values())


def test_strings_are_plain_str() -> None:
    [envelope] = parse_event_body(b'{"s":"1.5","t":true,"n":null}')
    assert type(envelope["s"]) is str
    assert envelope["t"] is True and envelope["n"] is None


@pytest.mark.parametrize(
    "body", [b"", b" ", b"\r\n\t ", b"\xef\xbb\xbf", b"\xef\xbb\xbf \n", b"[]", b" [ \n ] "]
)
def test_no_data(body: bytes) -> None:  # BODY-4, BODY-3 `[]`
    assert error_of(parse_event_body, body) == NO_DATA


@pytest.mark.parametrize(
    ("body", "k"),
    [
        # BODY-5: invalid JSON or a value that is not an object, at envelope k
        (b"not json", 0),
        (b'{"a":1}\n{"b":', 1),
        (b'{"a":1}{"b":2}x', 2),
        (b'{"a":1} 42', 1),
        (b'"text"', 0),
        (b"null", 0),
        (b'{"a":1}\n{"b":2}\n{"c"}', 2),
        (b'{"a":NaN}', 0),
        (b'{"a":Infinity}', 0),
        (b'{"a":-Infinity}', 0),
        (b"{'a':1}", 0),
        (b'{"a":01}', 0),
        (b'{"a":1,}', 0),
        (b'{"a":"tab\there"}', 0),  # a raw control character inside a string
        (b"{}\f{}", 1),  # form feed is not JSON whitespace
        (b'{"x":1}\xef\xbb\xbf{}', 1),  # a BOM after the start is not whitespace
        (b'{"a":1}\x00', 1),
        pytest.param(b"[" * 100_000, 0, id="deep-unterminated-array"),
        pytest.param(b'{"a":' + b"[" * 100_000, 0, id="deep-unterminated-member"),
        # BODY-6: invalid UTF-8, k = the envelope holding the first bad byte
        (b'{"a":"\xff"}', 0),
        (b'{"a":1}{"b":"\xc3"}', 1),
        (b'{"a":1}\n\xfe', 1),
        (b"\xff", 0),
        (b'{"a":"\xed\xa0\x80"}', 0),  # an encoded surrogate is not UTF-8
        (b'{"a":"\xc0\xaf"}', 0),  # overlong
        (b'{"a":1}{"b":2}{"c":"ok"}{"d":"\x80"}', 3),
        (b'{"a":1}{"b":2}not json{"d":"\x80"}', 2),  # the earlier framing error is reported
        # BODY-6 SHOULD: lone-surrogate escapes
        (b'{"a":"\\ud800"}', 0),
        (b'{}{"a":"\\udc00x"}', 1),
        (b'{}{}{"\\uDBFF":1}', 2),
        (b'{"a":["\\ud83d"]}', 0),
        (b'{"a":"\\ude00\\ud83d"}', 0),  # reversed pair
    ],
)
def test_invalid_envelope_number(body: bytes, k: int) -> None:
    assert error_of(parse_event_body, body) == bad(k)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b'[{"a":1},{"b":2}]', [{"a": "1"}, {"b": "2"}]),
        (b' \n[ {"a":1} ,\n{"b":2} ] \n', [{"a": "1"}, {"b": "2"}]),
        (b'[{"a":1}]', [{"a": "1"}]),
        (b"\xef\xbb\xbf[{}]", [{}]),
    ],
)
def test_array_batch(body: bytes, expected: list[object]) -> None:  # BODY-3
    assert parse_event_body(body) == expected


@pytest.mark.parametrize(
    ("body", "k"),
    [
        (b'[{"a":1},"x"]', 1),
        (b'[{"a":1},[{"b":2}]]', 1),  # nested arrays
        (b"[[]]", 0),
        (b'[{"a":1}]{"b":2}', 1),  # an array mixed with other values
        (b'[{"a":1}][{"b":2}]', 1),
        (b'{"a":1}[{"b":2}]', 1),
        (b"[]{}", 0),
        (b'[{"a":1} {"b":2}]', 1),
        (b'[{"a":1},]', 1),
        (b'[{"a":1}', 1),
        (b"[", 0),
        (b'[{"a":1},{"b":"\xff"}]', 1),
        (b'[{"a":1},{"b":"\\ud800"}]', 1),
        (b"[{},{},{}, 7]", 3),
    ],
)
def test_array_batch_errors(body: bytes, k: int) -> None:
    assert error_of(parse_event_body, body) == bad(k)


@pytest.mark.parametrize("body", [b'[{"a":1}]', b"[]", b" [{},{}]"])
def test_array_without_the_capability_is_invalid_at_0(body: bytes) -> None:
    assert error_of(parse_event_body, body, array_batch=False) == bad(0)


json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(st.characters(blacklist_categories=["Cs"])),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=10,
)
envelopes = st.lists(st.dictionaries(st.text(max_size=6), json_values, max_size=4), min_size=1, max_size=5)
separators = st.text(" \t\r\n", max_size=4)


def as_text_numbers(value: object) -> object:
    """The oracle: what the server keeps for a value json.dumps wrote (numbers as their text)."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return json.dumps(value)
    if isinstance(value, list):
        return [as_text_numbers(item) for item in value]
    return {key: as_text_numbers(item) for key, item in value.items()}  # type: ignore[union-attr]


@given(envelopes, st.lists(separators, min_size=6, max_size=6), st.booleans())
def test_envelopes_round_trip_with_any_whitespace(
    values: list[dict[str, object]], seps: list[str], ascii_only: bool
) -> None:  # BODY-1, BODY-2
    texts = [json.dumps(value, ensure_ascii=ascii_only) for value in values]
    body = seps[0] + "".join(text + sep for text, sep in zip(texts, seps[1:] + seps, strict=False))
    assert parse_event_body(body.encode()) == [as_text_numbers(value) for value in values]


@given(envelopes, st.sampled_from([",", " ,", ", ", "\n,\n"]))
def test_array_batch_round_trip(values: list[dict[str, object]], comma: str) -> None:
    body = "[" + comma.join(json.dumps(value) for value in values) + "]"
    assert parse_event_body(body.encode()) == [as_text_numbers(value) for value in values]


@given(envelopes, st.data())
def test_bad_byte_is_reported_in_its_envelope(values: list[dict[str, object]], data: st.DataObject) -> None:
    k = data.draw(st.integers(0, len(values) - 1))
    parts = [json.dumps(value).encode() for value in values]
    parts[k] = b'{"bad":"\xff",' + parts[k][1:] if parts[k] != b"{}" else b'{"bad":"\xff"}'
    assert error_of(parse_event_body, b"\n".join(parts)) == bad(k)


# --- raw (RAW-1, RAW-6) ---


@pytest.mark.parametrize(
    ("body", "lines"),
    [
        (b"one", ["one"]),
        (b"one\ntwo", ["one", "two"]),
        (b"one\r\ntwo\rthree\nfour\n", ["one", "two", "three", "four"]),
        (b"\n\n one \n\t\n \t \nlast", [" one ", "last"]),
        (b"a\r\r\nb", ["a", "b"]),
        (b"\xef\xbb\xbfa\nb", ["a", "b"]),
        (b'{"a":1}\n{"b":2}', ['{"a":1}', '{"b":2}']),
        ("é\u2028x\x0bz\x0c\x85".encode(), ["é\u2028x\x0bz\x0c\x85"]),  # only LF, CR, CRLF end lines
        (b"trailing space \t", ["trailing space \t"]),
    ],
)
def test_raw_lines(body: bytes, lines: list[str]) -> None:
    assert split_raw_body(body) == lines


@pytest.mark.parametrize("body", [b"", b"\n", b" \t \r\n\t\r", b"\xef\xbb\xbf", b"\xef\xbb\xbf \n "])
def test_raw_no_data(body: bytes) -> None:
    assert error_of(split_raw_body, body) == NO_DATA


@pytest.mark.parametrize(
    ("body", "k"),
    [
        (b"\xff", 0),
        (b"ok\nbad \xff", 1),
        (b"ok\r\n\r\n\nbad \xc3", 3),  # skipped lines are counted too
        (b"a\rb\r\nc\n\xe2\x82", 3),
        (b"ok\n\xed\xa0\x80", 1),
    ],
)
def test_raw_invalid_utf8_line_number(body: bytes, k: int) -> None:
    assert error_of(split_raw_body, body) == bad(k)


@given(
    st.lists(st.text(st.characters(blacklist_characters="\r\n", blacklist_categories=["Cs"])), max_size=8),
    st.lists(st.sampled_from(["\n", "\r\n", "\r"]), min_size=8, max_size=8),
)
def test_raw_round_trip(lines: list[str], ends: list[str]) -> None:
    body = "".join(line + end for line, end in zip(lines, ends, strict=False))
    kept = [line for line in lines if line.strip(" \t")]
    if kept:
        assert split_raw_body(body.encode()) == kept
    else:
        assert error_of(split_raw_body, body.encode()) == NO_DATA


@given(
    st.one_of(
        st.binary(max_size=64),
        st.text(' \t\r\n{}[]",:0123456789.eE-+truefalsn\\u', max_size=40).map(str.encode),
    )
)
def test_any_bytes_give_envelopes_or_an_answer(body: bytes) -> None:
    for array_batch in (True, False):
        try:
            envelopes = parse_event_body(body, array_batch=array_batch)
        except HecError as answer:
            number = answer.event_number
            assert answer.body() == NO_DATA or (
                number is not None and number >= 0 and answer.body() == bad(number)
            )
        else:
            assert envelopes and all(type(envelope) is dict for envelope in envelopes)


@given(st.binary(max_size=64))
def test_any_bytes_give_raw_lines_or_an_answer(body: bytes) -> None:
    try:
        lines = split_raw_body(body)
    except HecError as answer:
        number = answer.event_number
        assert answer.body() == NO_DATA or (
            number is not None and number >= 0 and answer.body() == bad(number)
        )
    else:
        assert lines and all(line.strip(" \t") and "\n" not in line and "\r" not in line for line in lines)
