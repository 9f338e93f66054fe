"""SPEC §5: the key/value parser, row by row, with literal expectations."""

from __future__ import annotations

import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reference_server.kv import parse_kv

KEY_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # KV-1: pairs anywhere, other text ignored, consumed values not searched again
        ("Fri, 21 Sep 2018 13:48:49 GMT - system started name=webserver", {"name": "webserver"}),
        ("u=http://h/?p=1", {"u": "http://h/?p=1"}),
        ("no pairs here", {}),
        ("", {}),
        ('a="x y=2" z=3', {"a": "x y=2", "z": "3"}),
        # KV-2: the key
        ("a = b", {"a": "b"}),
        ("a\t=\tb", {"a": "b"}),
        ("foo:bar=1", {"bar": "1"}),
        ("@error=x", {"error": "x"}),
        ("#tag=x", {"tag": "x"}),
        ("a-b.c_D9=1", {"a-b.c_D9": "1"}),
        ("=x", {}),
        ("é=1", {}),
        ("xé=1", {}),
        ("key = = v", {"key": "="}),
        ("a b=1", {"b": "1"}),
        # KV-3: values
        ('msg="hello world"', {"msg": "hello world"}),
        ("msg='hello world'", {"msg": "hello world"}),
        ('q="a=b c=d"', {"q": "a=b c=d"}),
        ("a=b=c", {"a": "b=c"}),
        ("id=123,", {"id": "123"}),
        ("id=123,name=x", {"id": "123", "name": "x"}),
        ("a=1\tb=2\nc=3\rd=4", {"a": "1", "b": "2", "c": "3", "d": "4"}),
        ("a=  spaced", {"a": "spaced"}),
        ('a= "quoted after space"', {"a": "quoted after space"}),
        ('a="x"b=1', {"a": "x", "b": "1"}),
        ('a="multi\nline"', {"a": "multi\nline"}),
        ('k=v"x"=1', {"k": 'v"x"=1'}),
        ('user="John Doe" service=user-service', {"user": "John Doe", "service": "user-service"}),
        # KV-4: backslashes inside quotes
        (r'a="c:\temp"', {"a": r"c:\temp"}),
        (r'a="say \"hi\""', {"a": 'say "hi"'}),
        (r'a="back\\slash"', {"a": "back\\slash"}),
        (r"a='it\'s'", {"a": "it's"}),
        (r"a='keep \" here'", {"a": r"keep \" here"}),
        (r'a="keep \' here"', {"a": r"keep \' here"}),
        (r'a="ends\\" b=2', {"a": "ends\\", "b": "2"}),
        # KV-5: unterminated quotes
        ('a="x b=1', {"b": "1"}),
        ("a='x b=1", {"b": "1"}),
        (r'a="x\" b=1', {"b": "1"}),
        ('a="x b=y', {"b": "y"}),
        ('a="x b=\'y\' c="z"', {"a": "x b='y' c="}),
        ("a= b=1", {"a": "b=1"}),
        # KV-6: last value wins
        ("a=1 a=2", {"a": "2"}),
        ('a="1" b=2 a=3', {"a": "3", "b": "2"}),
        # KV-8: empty values
        ("a=", {"a": ""}),
        ("a=,b=1", {"a": "", "b": "1"}),
        ("a= ", {"a": ""}),
        ('a=""', {"a": ""}),
    ],
)
@pytest.mark.spec("KV-1", "KV-2", "KV-3", "KV-4", "KV-5", "KV-6", "KV-8", profile="humio")
def test_kv_rows(text: str, expected: dict[str, str]) -> None:
    assert parse_kv(text) == expected


def test_kv_keeps_first_position_of_a_repeated_key() -> None:
    assert list(parse_kv("a=1 b=2 a=3")) == ["a", "b"]


@given(
    st.lists(
        st.tuples(
            st.text(KEY_CHARS, min_size=1, max_size=8),
            st.text(
                st.characters(blacklist_characters=" \t\n\r\f\v,\"'", blacklist_categories=["Cs"]),
                min_size=1,
            ),
        ),
        max_size=6,
    ),
    st.sampled_from([" ", "\t", ", ", "\n", " , "]),
)
def test_unquoted_pairs_round_trip(pairs: list[tuple[str, str]], separator: str) -> None:
    text = separator.join(f"{key}={value}" for key, value in pairs)
    assert parse_kv(text) == dict(pairs)


@given(
    st.lists(
        st.tuples(
            st.text(KEY_CHARS, min_size=1, max_size=8),
            st.text(st.characters(blacklist_characters='"\\', blacklist_categories=["Cs"])),
        ),
        max_size=6,
    )
)
def test_double_quoted_pairs_round_trip(pairs: list[tuple[str, str]]) -> None:
    text = " ".join(f'{key}="{value}"' for key, value in pairs)
    assert parse_kv(text) == dict(pairs)


@given(st.text())
def test_any_text_gives_keys_from_the_key_alphabet(text: str) -> None:
    for key in parse_kv(text):
        assert key and set(key) <= set(KEY_CHARS)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param('a="' * 200_000, id="unterminated-double-quotes"),
        pytest.param("a='" * 200_000, id="unterminated-single-quotes"),
        pytest.param("x" * 600_000 + "=", id="one-long-key"),
        pytest.param("k " * 300_000, id="many-keys-without-equals"),
        pytest.param("a" * 300_000 + " " * 300_000, id="long-run-then-spaces"),
    ],
)
def test_pathological_text_is_linear(text: str) -> None:
    started = time.perf_counter()
    parse_kv(text)
    assert time.perf_counter() - started < 5.0
