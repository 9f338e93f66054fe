"""SPEC §3 body framing (BODY-1..6, BODY-10) and raw line splitting (RAW-1, RAW-6)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reference_server.envelopes import (
    _fast_envelopes,
    parse_event_body,
    parse_event_body_exact,
    split_raw_body,
)
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


# --- the msgspec path against the exact (stdlib) path ---

number_texts = st.one_of(
    st.from_regex(r"-?(0|[1-9][0-9]{0,24})(\.[0-9]{1,4})?([eE][-+]?[0-9]{1,3})?", fullmatch=True),
    st.sampled_from(["0", "-0", "-0.0", "0e0", "-0E-0", "1E400", "9" * 19, "-" + "9" * 40]),
    st.sampled_from(["1" * 400, "1" * 5000]),
)


def rarely(common: st.SearchStrategy[str], rare: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.integers(0, 15).flatmap(lambda n: rare if n == 0 else common)


plain_text = st.text(st.characters(blacklist_categories=["Cs"]), max_size=8)
string_texts = rarely(
    st.one_of(
        plain_text.map(json.dumps),
        plain_text.map(lambda text: json.dumps(text, ensure_ascii=False)),
        st.sampled_from(['"\\ud83d\\ude00"', '"\\u0000"', '"\\/"', '"-0"', '"\u2028"', '"web-0"']),
    ),
    st.sampled_from(['"\\ud800"', '"\\udc00x"', '"\\ud83d\\u0041"', '"a\tb"', '"\\x"']),  # all invalid
)
scalar_texts = st.one_of(number_texts, string_texts, st.sampled_from(["true", "false", "null"]))
json_ws = st.text(" \t\r\n", max_size=2)


@st.composite
def value_texts(draw: st.DrawFn, depth: int = 0) -> str:
    """JSON text with numbers written any way the grammar allows, escapes and whitespace anywhere."""
    kind = draw(st.sampled_from(["scalar", "object", "array"] if depth < 3 else ["scalar"]))
    if kind == "scalar":
        return draw(scalar_texts)
    items = draw(st.lists(value_texts(depth + 1), max_size=3))
    if kind == "object":
        names = draw(
            st.lists(
                st.sampled_from(['"a"', '"b"', '"time"', '"\\u0061"', '"é"']),
                min_size=len(items),
                max_size=len(items),
            )
        )
        items = [
            f"{draw(json_ws)}{name}{draw(json_ws)}:{draw(json_ws)}{item}{draw(json_ws)}"
            for name, item in zip(names, items, strict=True)
        ]
        return "{" + ",".join(items) + draw(json_ws) + "}"
    return "[" + ",".join(f"{draw(json_ws)}{item}{draw(json_ws)}" for item in items) + "]"


@st.composite
def bodies(draw: st.DrawFn) -> bytes:
    """Envelopes as shippers send them, one time in four broken: a separator that is not JSON
    whitespace, a top-level array, a byte-order mark, a bad byte put in or a few bytes cut out."""
    texts = draw(st.lists(value_texts(1), min_size=1, max_size=4))
    objects = [text if text.startswith("{") else f'{{"e":{text}}}' for text in texts]
    odd = st.sampled_from(["", ",", "\x0c", "\xa0", "x", "1"])
    seps = json_ws | odd if draw(st.integers(0, 3)) == 0 else json_ws | st.just("")
    data = (draw(json_ws) + "".join(text + draw(seps) for text in objects)).encode()
    if draw(st.integers(0, 3)) == 0:
        data = b"[" + data + b"]"
    if draw(st.integers(0, 3)) == 0:
        at = draw(st.integers(0, len(data)))
        put = draw(st.sampled_from([b"", b"\xff", b"\xc3", b"\x00", b"\n", b"-0", b"0", b"}", b'"']))
        data = data[:at] + put + data[at + draw(st.integers(0, 2)) :]
    if draw(st.integers(0, 3)) == 0:
        data = b"\xef\xbb\xbf" + data
    return data


def typed(value: object) -> list[tuple[str, object]]:
    """The value as a flat list with every type visible (JsonNumber or str, never int) and members in
    order; without recursion (values may nest thousands deep)."""
    out: list[tuple[str, object]] = []
    todo: list[object] = [value]
    while todo:
        item = todo.pop()
        if type(item) is tuple:  # a member name queued below
            out.append(item)
        elif type(item) is dict:
            out.append(("dict", len(item)))
            for key, member in reversed(item.items()):
                todo += [member, ("name:" + type(key).__name__, key)]
        elif type(item) is list:
            out.append(("list", len(item)))
            todo += reversed(item)
        else:
            out.append((type(item).__name__, item))
    return out


def outcome(parse: object, body: bytes, array_batch: bool) -> object:
    try:
        return ("envelopes", [typed(e) for e in parse(body, array_batch=array_batch)])  # type: ignore[operator]
    except HecError as answer:
        return ("answer", answer.status, answer.body())


def assert_fast_path_is_exact(body: bytes) -> None:
    fast = _fast_envelopes(body)
    for array_batch in (True, False):
        exact = outcome(parse_event_body_exact, body, array_batch)
        if fast is not None:
            assert ("envelopes", [typed(e) for e in fast]) == exact
        assert outcome(parse_event_body, body, array_batch) == exact


@settings(max_examples=400)
@given(bodies())
def test_the_fast_path_gives_what_the_exact_path_gives(body: bytes) -> None:
    assert_fast_path_is_exact(body)


@given(
    st.one_of(
        st.binary(max_size=64),
        st.text(' \t\r\n{}[]",:0123456789.eE-+truefalsn\\u\x0c\xa0d8', max_size=48).map(str.encode),
    )
)
def test_the_fast_path_gives_what_the_exact_path_gives_for_any_bytes(body: bytes) -> None:
    assert_fast_path_is_exact(body)


@pytest.mark.parametrize(
    "body",
    [
        b'{"time":1700000000.000,"n":1.50,"e":1E+5}\n{"i":10,"z":0}',
        b'{"a":-0}',
        b'{"a":[0, -0 ]}',
        b'{"a":0,"s":"web-0"}',
        b'{"a":0}\n{"b":"x"}' + b" " * 100 + b"-0",
        b'{"a":-0.0,"b":0}',
        b'{"big":' + b"1" * 30 + b"}",
        b'{"huge":' + b"1" * 5000 + b"}",
        b'{"a":1}{"b":2}',
        b'{"a":1},{"b":2}',
        b'{"a":1}\x0c{"b":2}',
        b'{"a":1} x',
        b"{}",
        b"\n \r\n",
        b'{"s":"\\ud800"}',
        b'{"s":"\\ud83d\\ude00"}',
        b'{"s":"\\ud83d\\u0041"}',
        b'{"a":1,"b":2,"a":3}',
        b'{"a":1}\n[1]',
        b'[{"a":1}]',
        b'"x"',
        b'{"a":"\xff"}',
        b"\xef\xbb\xbf{}",
        b'{"d":' + b"[" * 3000 + b"]" * 3000 + b"}",
        b'{"d":' + b"[" * 500 + b"7" + b"]" * 500 + b"}",
    ],
)
def test_the_fast_path_on_edges(body: bytes) -> None:
    assert_fast_path_is_exact(body)


def test_the_fast_path_takes_the_usual_bodies() -> None:
    body = b'{"time":1700000000.250,"host":"web-0","event":"k=v","fields":{"n":7}}\n' * 3
    envelopes = _fast_envelopes(body)
    assert envelopes is not None and envelopes == parse_event_body_exact(body)
    assert type(envelopes[0]["time"]) is JsonNumber and type(envelopes[2]["fields"]["n"]) is JsonNumber
    assert _fast_envelopes(b'{"a":0,"b":-0}') is None  # -0 read as int 0 would lose its sign


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
