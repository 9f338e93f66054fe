"""Request bytes: variants, placeholders, the correlation marker, auth schemes, raw channels."""

from __future__ import annotations

import base64
import dataclasses
import gzip
import json
import time
from pathlib import Path
from typing import Any

import pytest

from hec_conformance.corpus.loader import parse_request
from hec_conformance.engine import BuiltRequest, Context, apply_variant, build_request, case_variants
from hec_conformance.engine.build import repeat_count
from hec_conformance.engine.placeholders import MissingRole, limits_named, roles_named
from hec_conformance.target import Target, parse_target

MARKER = "5f1d3c1e-0000-4000-8000-000000000001"
CHANNEL, CHANNEL2 = "0b1c2d3e-0000-4000-8000-00000000000a", "0b1c2d3e-0000-4000-8000-00000000000b"


@pytest.fixture
def target(tmp_path: Path) -> Target:
    return parse_target(
        {
            "url": "http://127.0.0.1:1",
            "marker_field": "mk",
            "tokens": {
                "default": {"token": "tok-d", "repository": "main"},
                "other_repo": {"token": "tok-o", "repository": "audit"},
            },
            "readback": {"kind": "logscale-query", "token": "tok-r"},
            "limits": {"max_request_bytes": 4096},
        },
        base_dir=tmp_path,
        env={},
    )


@pytest.fixture
def ctx(target: Target) -> Context:
    return Context(target, marker=MARKER, channel=CHANNEL, channel2=CHANNEL2)


def headers(built: Any) -> dict[str, str]:
    return dict(built.http.headers)


def build(request: dict[str, Any], ctx: Context, reads_back: bool, variant: str = "base") -> BuiltRequest:
    """The request as the case file writes it, built (as `variant`)."""
    return build_request(apply_variant(parse_request(request), variant), ctx, reads_back)


def test_variants_follow_the_case_format() -> None:
    def variants(variants: bool | tuple[str, ...], *requests: dict[str, Any]) -> tuple[str, ...]:
        return case_variants(variants, [parse_request(r) for r in requests])

    two = {"endpoint": "event", "events": [{"event": "a"}, {"event": "b"}]}
    one = {"endpoint": "event", "events": [{"event": "a"}]}
    assert variants(True, two) == ("base", "gzip", "packed", "crlf", "tab", "json-ctype")
    assert variants(True, one) == ("base", "gzip", "json-ctype")
    assert variants(False, two) == ("base",)
    assert variants(("tab",), two) == ("base", "tab")
    assert variants(True, {"endpoint": "event", "text": "{}"}) == ("base",)
    assert variants(True, {**two, "separator": "<SP>"}) == ("base", "gzip", "json-ctype")
    assert variants(True, {**two, "gzip": False, "content_type": None}) == ("base", "packed", "crlf", "tab")
    assert variants(True, {**two, "headers": {"content-type": "x/y"}})[-1] == "tab"


def test_separators_of_each_variant(ctx: Context) -> None:
    request = {"endpoint": "event", "events": [{"event": "a"}, {"event": "b"}]}
    bodies = {v: build(request, ctx, False, v).http.body for v in ("base", "packed", "crlf", "tab")}
    env_a = json.dumps({"event": "a", "fields": {"mk": MARKER}}, separators=(",", ":")).encode()
    env_b = env_a.replace(b'"a"', b'"b"')
    assert bodies == {
        "base": env_a + b"\n" + env_b,
        "packed": env_a + env_b,
        "crlf": env_a + b"\r\n" + env_b,
        "tab": env_a + b"\t" + env_b,
    }


def test_gzip_and_json_ctype_variants(ctx: Context) -> None:
    request = {"endpoint": "event", "events": [{"event": "é"}]}
    zipped = build(request, ctx, False, "gzip")
    assert headers(zipped)["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(zipped.http.body)) == {"event": "é", "fields": {"mk": MARKER}}
    assert headers(build(request, ctx, False, "json-ctype"))["Content-Type"] == "application/json"
    base = build(request, ctx, False)
    assert list(headers(base)) == ["Authorization", "Content-Type"]
    assert headers(base)["Content-Type"] == "text/plain; charset=utf-8"
    assert "é".encode() in base.http.body  # UTF-8, no ASCII escaping


def test_marker_insertion_rules(ctx: Context) -> None:
    request = {
        "endpoint": "event",
        "events": [
            {"event": "a", "fields": {"x": "1"}},
            {"event": "b", "fields": None},
            {"event": "c", "fields": 5, "source": "s"},
            ["not", "an", "object"],
            {"$text": '{"event":"${marker}"<TAB>'},
        ],
    }
    built = build(request, ctx, True)
    lines = built.http.body.split(b"\n")
    assert json.loads(lines[0]) == {"event": "a", "fields": {"x": "1", "mk": MARKER}}
    assert json.loads(lines[1]) == {"event": "b", "fields": None, "source": MARKER}
    assert json.loads(lines[2]) == {"event": "c", "fields": 5, "source": "s"}
    assert json.loads(lines[3]) == ["not", "an", "object"]
    assert lines[4] == ('{"event":"' + MARKER + '"\t').encode()
    assert built.lookups == (("mk", MARKER), ("@source", MARKER))


def test_placeholders_everywhere(ctx: Context, target: Target) -> None:
    request = {
        "endpoint": "event",
        "text": "${marker_field}=${marker} <x41><CRLF>",
        "headers": {"X-Splunk-Request-Channel": "${channel}"},
        "query": {"index": "${repo:other_repo}"},
        "auth": {"header": "Splunk ${token:other_repo}"},
    }
    built = build(request, ctx, True)
    assert built.http.body == f"mk={MARKER} A\r\n".encode()
    assert headers(built) == {
        "Authorization": "Splunk tok-o",
        "Content-Type": "text/plain; charset=utf-8",
        "X-Splunk-Request-Channel": CHANNEL,
    }
    assert built.http.target() == "/api/v1/ingest/hec?index=audit"
    assert ctx.expand_all({"k": ["${channel2}", 1]}) == {"k": [CHANNEL2, 1]}
    before = int(time.time())
    now, ahead, ago = map(int, ctx.expand("${now} ${now:+600} ${now:-60}").split())
    assert before <= now <= int(time.time()) and ahead - now in (600, 601) and now - ago in (60, 59)
    assert ctx.expand("${channel:upper} ${channel2:mixed}") == (
        "0B1C2D3E-0000-4000-8000-00000000000A 0B1c2D3e-0000-4000-8000-00000000000B"
    )
    assert roles_named({"a": ["${token:ack}"], "b": "${repo:other_repo}"}) == {"ack", "other_repo"}
    with pytest.raises(MissingRole):
        ctx.expand("${token:ack}")


def test_limits_expand_and_count_repeats(ctx: Context, target: Target) -> None:
    request = {
        "endpoint": "event",
        "text": "${limit:max_request_bytes} bytes",
        "repeat": "${limit:max_request_bytes}",
    }
    assert build(request, ctx, False).http.body == b"4096 bytes"
    assert repeat_count(parse_request(request), target) == 4096
    assert repeat_count(parse_request({"endpoint": "event", "repeat": 3}), target) == 3
    assert repeat_count(parse_request({"endpoint": "event"}), target) == 1
    both = {
        "text": "${limit:max_request_bytes}",
        "headers": {"X": "${token:ack}"},
        "repeat": "${limit:max_pending_acks_per_channel}",
    }
    assert limits_named(both) == {"max_request_bytes", "max_pending_acks_per_channel"}
    assert roles_named(both) == {"ack"}  # a limit is no token role


def test_auth_forms(ctx: Context) -> None:
    def auth(value: Any) -> str | None:
        return headers(build({"endpoint": "event", "auth": value}, ctx, False)).get("Authorization")

    assert auth("default") == "Splunk tok-d"
    assert auth("none") is None
    assert auth({"role": "other_repo", "scheme": "Bearer"}) == "Bearer tok-o"
    assert auth({"role": "read", "scheme": "Bearer"}) == "Bearer tok-r"
    basic = auth({"role": "default", "scheme": "basic", "user": "u"})
    assert basic == "basic " + base64.b64encode(b"u:tok-d").decode()


def test_endpoint_kinds_go_to_the_targets_paths(target: Target) -> None:
    def path(t: Target, kind: str) -> str:
        return build({"endpoint": kind}, Context(t, MARKER, CHANNEL, CHANNEL2), False).http.path

    splunk = dataclasses.replace(target, profile="splunk")
    declared = dataclasses.replace(splunk, endpoints={"event": "/services/collector", "health": "/hz"})
    assert [path(target, k) for k in ("event", "raw", "ack", "health")] == [
        "/api/v1/ingest/hec",
        "/api/v1/ingest/hec/raw",
        "/services/collector/ack",
        "/services/collector/health",
    ]
    splunk_paths = ["/services/collector/event", "/services/collector/raw"]
    assert [path(splunk, k) for k in ("event", "raw")] == splunk_paths
    assert [path(declared, k) for k in ("event", "raw", "health")] == [
        "/services/collector",
        "/services/collector/raw",
        "/hz",
    ]


def test_a_literal_path_of_spec_1_counts_as_its_kind(ctx: Context) -> None:
    health = build({"path": "/services/collector/health/1.0"}, ctx, False).http
    assert (health.method, health.path) == ("GET", "/services/collector/health/1.0")
    raw = build({"path": "/services/collector/raw/1.0", "text": "l"}, ctx, True)
    assert headers(raw)["X-Splunk-Request-Channel"] == MARKER and raw.lookups == (("channel", MARKER),)
    unknown = build({"path": "/services/collector/nope", "events": [{"event": "x"}]}, ctx, True)
    assert unknown.http.method == "POST" and unknown.lookups == (("mk", MARKER),)


def test_a_body_sized_by_a_declared_limit(ctx: Context) -> None:
    over = build({"endpoint": "event", "text": "<x20*${limit:max_request_bytes}><SP>"}, ctx, False)
    assert over.http.body == b" " * 4097


def test_a_truncated_gzip_stream(ctx: Context) -> None:
    built = build({"endpoint": "event", "text": "abc", "gzip": "truncated"}, ctx, False).http
    assert built.body == gzip.compress(b"abc", mtime=0)[:-8]
    assert dict(built.headers)["Content-Encoding"] == "gzip"
    with pytest.raises(EOFError):
        gzip.decompress(built.body)


def test_raw_channels_and_methods(ctx: Context) -> None:
    raw = build({"endpoint": "raw", "text": "line"}, ctx, True)
    assert headers(raw)["X-Splunk-Request-Channel"] == MARKER and raw.lookups == (("channel", MARKER),)
    given = build({"endpoint": "raw", "text": "l", "query": {"channel": "${channel}"}}, ctx, True)
    assert "X-Splunk-Request-Channel" not in headers(given) and given.lookups == (("channel", CHANNEL),)
    unread = build({"endpoint": "raw", "text": "l"}, ctx, False)
    assert "X-Splunk-Request-Channel" not in headers(unread)
    health = build({"endpoint": "health"}, ctx, False).http
    assert (health.method, health.path, health.body) == ("GET", "/services/collector/health", b"")
    assert "Content-Type" not in dict(health.headers)
    empty = build(
        {"path": "/services/collector/nope", "method": "PUT", "content_type": None, "base64": "AAE="},
        ctx,
        False,
    ).http
    assert (empty.method, empty.path, empty.body) == ("PUT", "/services/collector/nope", b"\x00\x01")
    assert "Content-Type" not in dict(empty.headers)
