"""The strategies' requests render to the bytes they describe, and the case notation keeps them exact."""

from __future__ import annotations

import gzip
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from hec_conformance.corpus.notation import decode_text, expand_placeholders
from hec_conformance.fuzz.casefile import text_notation
from hec_conformance.fuzz.strategies import (
    HecRequest,
    Num,
    Ph,
    Text,
    hec_requests,
    json_numbers,
    raw_requests,
    resolver,
)

VALUES = {"marker": "m-1", "marker_field": "hec_case", "repo:default": "main", "repo:other_repo": "audit"}
ALL_CAPS = ("raw", "gzip", "json-array-batch")


def test_numbers_keep_their_spelling_and_placeholders_resolve() -> None:
    request = HecRequest(
        "/services/collector/event",
        (
            {"time": Num("1.50"), "index": Ph("repo:default"), "event": {"n": Num("1e2")}},
            Text('{"event": '),
            {"fields": 5},
        ),
        separators=("", "\r\n"),
    )
    assert request.marked().render(resolver(VALUES)).decode() == (
        '{"time":1.50,"index":"main","event":{"n":1e2},"fields":{"hec_case":"m-1"}}'
        '{"event": \r\n{"fields":5,"source":"m-1"}'
    )


def test_array_framing_and_gzip() -> None:
    request = HecRequest(
        "/services/collector", ({"event": "a"}, {"event": "b"}), separators=("\n",), array=True, gzip=True
    )
    body = gzip.decompress(request.wire_body(resolver(VALUES)))
    assert json.loads(body) == [{"event": "a"}, {"event": "b"}]
    assert ("Content-Encoding", "gzip") in request.headers()


@settings(max_examples=80, deadline=None, derandomize=True)
@given(hec_requests(ALL_CAPS))
def test_the_text_notation_gives_back_the_exact_body(request: HecRequest) -> None:
    notation = text_notation(request)
    assert decode_text(expand_placeholders(notation, VALUES)) == request.marked().render(resolver(VALUES))


@settings(max_examples=40, deadline=None, derandomize=True)
@given(raw_requests(ALL_CAPS))
def test_raw_bodies_hold_their_lines_and_line_ends(request: HecRequest) -> None:
    body = request.render(resolver(VALUES)).decode()
    assert body == "".join(line + end for line, end in zip(request.parts, request.separators, strict=True))
    assert all("\r" not in line and "\n" not in line for line in request.parts)
    assert any(line.strip(" \t") for line in request.parts)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(json_numbers())
def test_numbers_are_json_numbers(number: Num) -> None:
    assert isinstance(json.loads(number.text), int | float)


@settings(max_examples=20, deadline=None, derandomize=True)
@given(st.data())
def test_capabilities_bound_what_is_generated(data: st.DataObject) -> None:
    request = data.draw(hec_requests(()))
    assert not request.raw and not request.gzip and not request.array
