"""The stored fields JSON (store._fields_json): the values json.dumps's text gives, in order, for any
strings; and read back, and matched by query terms, through the real server and its SQLite file."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st
from serverkit import OK, answer, envelope

from reference_server.store import _fields_json, _fields_json_ascii

# Any code point, lone surrogates included (they take the stdlib path), and the characters JSON escapes.
_TEXT = st.text(
    st.characters(min_codepoint=0, max_codepoint=0x10FFFF) | st.sampled_from('"\\\x00\x1f\x7f\u2028')
)


@given(st.dictionaries(_TEXT, _TEXT, max_size=12))
def test_same_values_and_order_as_json_dumps(fields):
    text = _fields_json(fields)
    decoded = json.loads(text)
    assert decoded == fields and list(decoded) == list(fields)
    assert decoded == json.loads(json.dumps(fields, separators=(",", ":")))


def test_lone_surrogates_and_str_subclasses_take_the_stdlib_path():
    class Text(str):
        __slots__ = ()

    for fields in ({"k": "\ud800"}, {"\udfff": "v"}, {"n": Text("1.50")}):
        assert _fields_json(fields) == json.dumps(fields, separators=(",", ":")) == _fields_json_ascii(fields)


def test_plain_fields_are_compact_json():
    text = _fields_json({"@rawstring": "a b", "k": 'x"y\\z', "é": "😀"})
    assert text == '{"@rawstring":"a b","k":"x\\"y\\\\z","é":"😀"}'
    assert _fields_json({}) == "{}"


def test_non_ascii_and_control_characters_read_back_and_match(server, marker):
    values = {
        "word": "grüße",
        "emoji": "😀 ok",
        "ctl": "a\x00b\x1fc\x7fd",
        "sep": "x\u2028y",
        "q": 'he said "hi" \\',
    }
    body = json.dumps(envelope(marker, "kz=ünï", fields={"hec_case": marker, **values}), ensure_ascii=False)
    assert answer(server.post("/services/collector", body.encode())) == OK
    [found] = server.query(f"hec_case={marker}")
    assert {name: found[name] for name in values} == values
    assert found["@rawstring"] == "kz=ünï" and found["kz"] == "ünï"
    assert [e["@rawstring"] for e in server.query(f"hec_case={marker} word=grüße")] == ["kz=ünï"]
    assert [e["@rawstring"] for e in server.query(f"hec_case={marker} kz=ünï")] == ["kz=ünï"]
    assert server.query(f"hec_case={marker} word=gruße") == []
