"""The compiled per-event path (reference_server/_fastpath.c) equals the Python of translate.py and kv.py.

Both paths get the same decoded envelopes (or raw lines) and the same context; what they give must
be the same stored rows, byte for byte (store.stored_row: repository, ``@timestamp``, the fields JSON,
the marker columns), with the same field value types, or the same error. Inputs: Hypothesis-generated
envelopes of every SPEC §4/§5 shape (key/value edge cases, numbers as written, nesting, precedence,
limits), raw lines, and every request body of the case corpus (cases/*.yaml, read as data) under
several contexts. The compiled module must import: a build that lost it fails here.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import msgspec
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from serverkit import base_context

from hec_conformance.corpus.notation import decode_text
from reference_server import _fastpath, envelopes, jsontext, kv, translate
from reference_server.envelopes import parse_event_body, split_raw_body
from reference_server.errors import HecError
from reference_server.jsontext import JsonNumber
from reference_server.store import stored_row
from reference_server.translate import IngestContext

CASES = Path(__file__).resolve().parents[2] / "cases"
BASE = base_context()
SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def outcome(run: Callable[[Any, IngestContext], Any], items: Any, ctx: IngestContext) -> object:
    """The stored rows (with the type of every field value), or the error, of one translation."""
    try:
        events = run(items, ctx)
    except HecError as exc:
        return ("HecError", exc.status, exc.code, exc.text, exc.event_number)
    except Exception as exc:  # any other failure must be the same failure
        return (type(exc).__name__, str(exc))
    return [(stored_row(event, 0), [type(v).__name__ for v in event.fields.values()]) for event in events]


def assert_same_events(envelopes: list[object], ctx: IngestContext) -> None:
    expected = outcome(translate.translate_events, envelopes, ctx)
    assert outcome(_fastpath.translate_events, envelopes, ctx) == expected


def assert_same_raw(lines: list[str], ctx: IngestContext) -> None:
    expected = outcome(translate.translate_raw, lines, ctx)
    assert outcome(_fastpath.translate_raw, lines, ctx) == expected


# --- generated inputs ---

# Characters the key/value parser treats specially, a few from each Unicode width, and the rest.
KV_CHARS = st.sampled_from(list("ab_.-=\"'\\ \t\n\r\f\v,#@0é€") + ["\U0001d11e", "\x00"]) | st.characters(
    blacklist_categories=("Cs",)
)
kv_text = st.text(KV_CHARS, max_size=40) | st.lists(
    st.tuples(
        st.sampled_from(["a", "b.c", "x-y", "_", "@host", "#repo", "channel", "k1", "é"]),
        st.sampled_from(["=", " = ", "\t=", "=\t"]),
        st.sampled_from(['"v w"', "'v'", 'v"', '"a\\"b"', "'a\\\\'", '"', "'", "", "v,w", '"x\\', "1"]),
        st.sampled_from([" ", ",", "", "\n", ", "]),
    ).map("".join),
    max_size=6,
).map("".join)

# Numbers as written: the JSON grammar, with long digit runs and exponents (TIME-1, EVT-3).
number = st.from_regex(r"-?(0|[1-9][0-9]{0,22})(\.[0-9]{1,22})?([eE][-+]?[0-9]{1,4})?", fullmatch=True)


def json_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


member_name = st.sampled_from(
    ["a", "b", "a.b", "@timestamp", "@rawstring", "@host", "@source", "#repo", "#tag", "channel", "hec_case"]
) | st.text(KV_CHARS, max_size=6)
scalar = st.one_of(number, kv_text.map(json_string), st.sampled_from(["true", "false", "null", '""']))
json_value = st.recursive(
    scalar,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4).map(lambda items: "[" + ",".join(items) + "]"),
        st.lists(st.tuples(member_name.map(json_string), inner), max_size=4).map(
            lambda members: "{" + ",".join(f"{k}:{v}" for k, v in members) + "}"
        ),
    ),
    max_leaves=12,
)
meta_text = st.sampled_from(["main", "other", "nope", "", "json", "access", "kv", "Main"]).map(json_string)
time_value = st.one_of(
    number,
    number.map(json_string),
    st.sampled_from(['"now"', '""', "null", "true", "[]", '{"t":1}', "1700000000", "1700000000.5", "-1"]),
    kv_text.map(json_string),
)
envelope_members = st.fixed_dictionaries(
    {},
    optional={
        "event": st.one_of(kv_text.map(json_string), json_value, st.just("null")),
        "time": time_value,
        "host": meta_text | json_value,
        "source": meta_text | json_value,
        "sourcetype": meta_text | json_value,
        "index": meta_text | st.sampled_from(["null", "5", "{}"]),
        "timezone": meta_text | json_value,
        "fields": json_value,
        "extra": json_value,
    },
)
envelope = envelope_members.map(
    lambda members: "{" + ",".join(f'"{k}":{v}' for k, v in members.items()) + "}"
)
contexts = st.builds(
    lambda **changes: replace(BASE, **changes),
    profile=st.sampled_from(["humio", "splunk"]),
    change_repo=st.booleans(),
    token_parser=st.sampled_from([None, "", "json", "access", "kv", "nope"]),
    query=st.dictionaries(
        st.sampled_from(["host", "source", "sourcetype", "index"]),
        st.sampled_from(["main", "other", "", "json", "access", "nope", "q"]),
    ),
    channel=st.sampled_from([None, "", "ch-1"]),
    max_future_seconds=st.sampled_from([86400, 0, 10**20, -(10**20)]),
    max_event_bytes=st.sampled_from([1024 * 1024, 64, 17, 4]),
    max_fields=st.sampled_from([8000, 12, 6, 2]),
)


@SETTINGS
@given(st.lists(envelope, min_size=1, max_size=5), contexts)
def test_generated_envelopes(envelopes: list[str], ctx: IngestContext) -> None:
    try:
        decoded = parse_event_body("\n".join(envelopes).encode())
    except HecError:
        return  # framing is shared by both paths (envelopes.py); only translation differs
    assert_same_events(decoded, ctx)


@SETTINGS
@given(st.lists(kv_text, min_size=1, max_size=5), contexts)
def test_generated_raw_lines(lines: list[str], ctx: IngestContext) -> None:
    assert_same_raw(lines, ctx)


@SETTINGS
@given(kv_text)
def test_generated_key_value_texts(text: str) -> None:
    expected = kv.parse_kv(text)
    found = _fastpath.parse_kv(text)
    assert (found, [type(v) for v in found.values()]) == (expected, [type(v) for v in expected.values()])


@SETTINGS
@given(json_value)
def test_generated_json_texts(text: str) -> None:
    """EVT-4: the compact JSON text of decoded values (object events, non-string members)."""
    value = parse_event_body(('{"v":' + text + "}").encode())[0]
    assert _fastpath.dumps_compact(value) == jsontext.dumps_compact(value)


def typed(value: object) -> object:
    """A decoded value with the type of every scalar spelled out (JsonNumber("1") != "1" here)."""
    if isinstance(value, dict):
        return {key: typed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [typed(item) for item in value]
    return (type(value).__name__, value)


@SETTINGS
@given(st.lists(json_value, min_size=1, max_size=4))
def test_generated_integer_walks(texts: list[str]) -> None:
    """envelopes._integers_as_text: msgspec's ints as their JsonNumber text, and whether one was 0."""
    body = "\n".join('{"v":' + text + "}" for text in texts).encode()
    decode = msgspec.json.Decoder(float_hook=JsonNumber).decode_lines
    try:
        python, compiled = decode(body), decode(body)
    except msgspec.DecodeError:  # integers out of msgspec's range: the exact path decodes those
        return
    assert _fastpath.integers_as_text(compiled) == envelopes._integers_as_text(python)
    assert typed(compiled) == typed(python)


@pytest.mark.parametrize("depth", [1, 50, 199, 200, 201, 3000])
def test_deep_nesting(depth: int) -> None:
    """Flattening and the JSON text of values nested past any recursion limit."""
    nested = '{"a":' * depth + '[1,"x",{}]' + "}" * depth
    body = '{"event":' + nested + ',"time":' + nested + ',"fields":{"f":' + nested + "}}"
    for ctx in (BASE, replace(BASE, max_event_bytes=depth * 4)):
        assert_same_events(parse_event_body(body.encode()), ctx)


# --- every request body of the case corpus ---

PLACEHOLDERS = {
    "repo:default": "main",
    "repo:other_repo": "other",
    "channel": "0f8fad5b-d9cb-469f-a165-70867728950e",
    "channel:upper": "0F8FAD5B-D9CB-469F-A165-70867728950E",
    "channel2": "7c9e6679-7425-40de-944b-e07fc1f90ae7",
    "marker": "case-marker",
    "marker_field": "hec_case",
    "now": "1700000000",
    "now:-60": "1699999940",
    "now:+600": "1700000600",
}
_PLACEHOLDER = re.compile(r"\$\{([^}]*)\}")
RAW_ENDPOINTS = {"raw"}
EVENT_ENDPOINTS = {"event"}
# The literal ingest paths of the EP cases, by kind (cases name a kind elsewhere: docs/cases.md).
PATH_KINDS = {
    "/api/v1/ingest/hec": "event",
    "/services/collector": "event",
    "/services/collector/event": "event",
    "/services/collector/event/1.0": "event",
    "/api/v1/ingest/hec/raw": "raw",
    "/services/collector/raw": "raw",
    "/services/collector/raw/1.0": "raw",
}


def expand(value: Any) -> Any:
    """Placeholders replaced in every string of a YAML value (unknown ones, e.g. tokens, by 'x')."""
    if isinstance(value, str):
        return _PLACEHOLDER.sub(lambda m: PLACEHOLDERS.get(m.group(1), "x"), value)
    if isinstance(value, list):
        return [expand(item) for item in value]
    if isinstance(value, dict):
        return {expand(key): expand(item) for key, item in value.items()}
    return value


def request_body(request: dict[str, Any]) -> bytes:
    """The body bytes before any gzip, as the engine builds them (events, text or base64)."""
    if "events" in request:
        parts = []
        for item in request["events"]:
            if isinstance(item, dict) and set(item) == {"$text"}:
                parts.append(decode_text(expand(str(item["$text"]))))
            else:
                parts.append(json.dumps(expand(item), ensure_ascii=False, separators=(",", ":")).encode())
        return decode_text(expand(str(request.get("separator", "<LF>")))).join(parts)
    if "text" in request:
        return decode_text(expand(str(request["text"])))
    if "base64" in request:
        return base64.b64decode(request["base64"])
    return b""


def corpus_requests() -> Iterator[tuple[str, str, bytes, dict[str, str]]]:
    """(case id, endpoint, body, query) of every ingest request in cases/*.yaml."""
    for path in sorted(CASES.glob("*.yaml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8")).get("cases", []):
            for request in case.get("requests", []):
                endpoint = request.get("endpoint") or PATH_KINDS.get(str(request.get("path")), "")
                if endpoint in RAW_ENDPOINTS | EVENT_ENDPOINTS:
                    query = {k: str(v) for k, v in expand(request.get("query") or {}).items()}
                    yield case["id"], endpoint, request_body(request), query


CORPUS = list(corpus_requests())
CORPUS_CONTEXTS = [
    replace(BASE, profile=profile, change_repo=change_repo, token_parser=parser, **limits)
    for profile in ("humio", "splunk")
    for change_repo in (False, True)
    for parser in (None, "json", "access")
    for limits in ({}, {"max_event_bytes": 200, "max_fields": 10})
]


def test_the_corpus_is_read() -> None:
    """The corpus reader finds the requests (a reader that found none would prove nothing)."""
    assert len(CORPUS) > 500
    assert {endpoint for _, endpoint, _, _ in CORPUS} == {"event", "raw"}


@pytest.mark.parametrize(("case", "endpoint", "body", "query"), CORPUS, ids=[c[0] for c in CORPUS])
def test_corpus_bodies(case: str, endpoint: str, body: bytes, query: dict[str, str]) -> None:
    metadata = {k: v for k, v in query.items() if k in ("host", "source", "sourcetype", "index")}
    try:
        items = split_raw_body(body) if endpoint in RAW_ENDPOINTS else parse_event_body(body)
    except HecError:
        return  # framing errors come before translation, from the code both paths share
    for ctx in CORPUS_CONTEXTS:
        ctx = replace(ctx, query=metadata, channel=query.get("channel"))
        if endpoint in RAW_ENDPOINTS:
            assert_same_raw(items, ctx)  # type: ignore[arg-type]
        else:
            assert_same_events(items, ctx)
