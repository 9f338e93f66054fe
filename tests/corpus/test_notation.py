"""The `text` notation, placeholders and base64 bodies of docs/cases.md."""

from __future__ import annotations

import binascii

import pytest

from hec_conformance.corpus import decode_base64, decode_text, expand_placeholders
from hec_conformance.corpus.notation import notation_errors, placeholder_errors, placeholders


@pytest.mark.parametrize(
    ("notation", "expected"),
    [
        ("a<CR>b<LF>c<CRLF>d<TAB>e<NUL>f<SP>", b"a\rb\nc\r\nd\te\0f "),
        ("<xFF><x00><xab>", b"\xff\x00\xab"),
        ("é<LF>", "é\n".encode()),
        ("<CR><LF>", b"\r\n"),
        ("<xml><lf><x4><LFX>", b"<xml><lf><x4><LFX>"),
        ("$<x7B>marker}", b"${marker}"),
        ("a<x62*3><LF*2>c<CRLF*1>", b"abbb\n\nc\r\n"),
        ("<x61*1048576>", b"a" * 1048576),
        ("", b""),
    ],
)
def test_decode_text(notation, expected):
    assert decode_text(notation) == expected


def test_notation_errors():
    assert notation_errors("<xml> <b> a<LF><xFF>") == []
    assert [m.split(":")[0] for m in notation_errors("<lf><Cr><x1><X0A><x123>")] == [
        "malformed token '<lf>'",
        "malformed token '<Cr>'",
        "malformed token '<x1>'",
        "malformed token '<X0A>'",
        "malformed token '<x123>'",
    ]
    assert [m.split(":")[0] for m in notation_errors("<x61*0><lf*2><x61*><x61*16777217><x61*16777216>")] == [
        "token '<x61*16777217>' repeats more than 16777216 times",
        "malformed token '<x61*0>'",
        "malformed token '<lf*2>'",
        "malformed token '<x61*>'",
    ]


def test_placeholders_are_expanded_before_tokens():
    values = {"marker": "m-1", "token:default": "<LF>"}
    expanded = expand_placeholders("a ${marker} ${token:default}", values)
    assert expanded == "a m-1 <LF>"
    assert decode_text(expanded) == b"a m-1 \n"
    with pytest.raises(KeyError):
        expand_placeholders("${channel}", values)


def test_placeholder_errors():
    assert placeholder_errors("${marker}${marker_field}${channel}${channel2}${token:ack}${repo:read}") == []
    assert placeholders("x${marker}y${repo:other_repo}") == ["marker", "repo:other_repo"]
    assert "unknown placeholder '${token:root}'" in placeholder_errors("${token:root}")[0]
    assert "without a closing" in placeholder_errors("a ${marker")[0]
    assert placeholder_errors("${repo:default}${channel}${marker}", expectation=True) == []
    assert len(placeholder_errors("${token:default}${marker_field}", expectation=True)) == 2
    assert placeholder_errors("${channel:upper}${channel2:mixed}") == []
    assert placeholder_errors("${now}${now:+600}${now:-60}") == []
    assert len(placeholder_errors("${now:600} ${now:+1.5} ${now:+}")) == 3
    assert len(placeholder_errors("${now}", expectation=True)) == 1
    assert "unknown placeholder '${channel:lower}'" in placeholder_errors("${channel:lower}")[0]
    assert len(placeholder_errors("${channel:upper}", expectation=True)) == 1


def test_limit_placeholders():
    assert placeholder_errors("${limit:max_pending_acks_per_channel} ${limit:max_request_bytes}") == []
    (error,) = placeholder_errors("${limit:max_acks}")
    assert "unknown placeholder '${limit:max_acks}'" in error
    assert "NAME: max_pending_acks_per_channel, max_request_bytes" in error
    (error,) = placeholder_errors("${limit:max_request_bytes}", expectation=True)
    assert "in expectations" in error


def test_decode_base64_ignores_whitespace():
    assert decode_base64("aGVs\n bG8=\n") == b"hello"
    with pytest.raises(binascii.Error):
        decode_base64("aGVsbG8")
