"""The engine against the real reference server over loopback: verdicts, diffs, sentinel, errors."""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from broken_servers import Breaker, BrokenServer
from broken_servers.lagging_query import LAG_MS, LaggingQuery
from broken_servers.proxy import Exchange, Reply
from suitekit import FETCH_SCRIPT, write_cases

from hec_conformance import Engine, load_cases, load_catalogue, load_target
from hec_conformance.results import CaseFinished, EventsRead, RequestSent, ResultEvent

CASES = """\
  - id: eng-pass
    title: decimal time is stored exactly
    requirements: [TIME-1]
    profiles: [humio]
    requests:
      - endpoint: event
        events: [{time: 1537537729.123, event: hello}, {time: 1.005, event: two}]
        expect:
          status: 200
          body: {text: Success, code: 0}
          events:
            - {"@timestamp": 1005, "@rawstring": two}
            - {"@timestamp": 1537537729123, "@rawstring": hello, "@timezone": Z}
  - id: eng-wrong
    title: a deliberately wrong expectation fails with a field diff
    requirements: [TIME-1]
    profiles: [humio]
    requests:
      - endpoint: event
        events: [{time: 1537537729.123, event: hello}]
        expect:
          status: 200
          events: [{"@timestamp": 1537537729124, "@rawstring": hello}]
  - id: eng-should
    title: a wrong SHOULD expectation is a warning
    requirements: [TIME-3]
    profiles: [humio]
    requests:
      - endpoint: event
        events: [{time: "1537537729.5", event: s}]
        expect:
          status: 200
          events: [{"@timestamp": 1}]
  - id: eng-nothing-stored
    title: a bad envelope at 1 stores nothing (proved with the sentinel)
    requirements: [ORD-2, BODY-5]
    requests:
      - endpoint: event
        events: [{event: first}, {$text: '{"event":'}]
        expect:
          status: 400
          body: {code: 6, invalid-event-number: 1}
          stored: 0
  - id: eng-said-nothing
    title: an accepted event read as "stored 0" must fail
    requirements: [ORD-2]
    requests:
      - endpoint: event
        events: [{event: stored-for-sure}]
        expect: {status: 200, stored: 0}
  - id: eng-needs-qsa
    title: query-string auth needs its capability
    requirements: [AUTH-8]
    needs: [query-string-auth]
    requests:
      - endpoint: event
        query: {token: "${token:default}"}
        auth: none
        events: [{event: q}]
        expect: {status: 200}
  - id: eng-repeat
    title: a channel filled to the declared limit refuses one more until acks are reported
    requirements: [ACK-5]
    needs: [ack]
    variants: false
    requests:
      - endpoint: event
        auth: ack
        headers: {X-Splunk-Request-Channel: "${channel}"}
        events: [{event: fill}]
        repeat: "${limit:max_pending_acks_per_channel}"
        expect: {status: 200, body: {code: 0}}
      - endpoint: event
        auth: ack
        headers: {X-Splunk-Request-Channel: "${channel}"}
        events: [{event: refused}]
        expect: {status: 503, body: {code: 9}, stored: 0}
      - endpoint: ack
        auth: ack
        headers: {X-Splunk-Request-Channel: "${channel}"}
        text: '{"acks":[0,1]}'
        expect: {body: {acks: {"0": true, "1": true}}}
      - endpoint: event
        auth: ack
        headers: {X-Splunk-Request-Channel: "${channel}"}
        events: [{event: accepted again}]
        repeat: 2
        expect: {status: 200, body: {code: 0}}
  - id: eng-repeat-too-far
    title: repetitions stop at the first answer that differs, which the diff names
    requirements: [ACK-5]
    needs: [ack]
    variants: false
    requests:
      - endpoint: event
        auth: ack
        headers: {X-Splunk-Request-Channel: "${channel}"}
        events: [{event: fill}]
        repeat: 25
        expect: {status: 200}
  - id: eng-size-limit
    title: one byte over the declared size limit is 413
    requirements: [BODY-9]
    requests:
      - endpoint: event
        text: "<x20*${limit:max_request_bytes}><SP>"
        expect: {status: 413, body: {code: 413}}
  - id: eng-query-api
    title: the query API refuses an ingest token
    requirements: [QRY-4]
    needs: [readback]
    requests:
      - path: /api/v1/repositories/${repo:default}/query
        auth: {role: default, scheme: Bearer}
        content_type: application/json
        text: '{"queryString": "*", "start": 0, "end": "now"}'
        expect: {status: 401}
  - id: eng-sourcetype-access
    title: sourcetype access names the regex parser the role regex_parser says R1 has
    requirements: [ST-2]
    profiles: [humio]
    needs_roles: [regex_parser]
    variants: false
    requests:
      - endpoint: event
        events:
          - {sourcetype: access, event: "10.1.2.3 GET /x"}
        expect:
          status: 200
          events:
            - {"#type": access, client: 10.1.2.3, verb: GET, path: /x}
"""


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    corpus = write_cases(tmp_path_factory.mktemp("cases"), "engine", CASES)
    return {c.id: c for c in load_cases([corpus])}


def run(
    target_file: Path, case: Any, variant: str = "base", **changes: Any
) -> tuple[CaseFinished, list[ResultEvent]]:
    seen: list[ResultEvent] = []
    target = dataclasses.replace(load_target(target_file), **changes)
    engine = Engine(target, load_catalogue(), listeners=[seen.append], readback_timeout=5)
    try:
        return engine.run(case, variant), seen
    finally:
        engine.close()


@pytest.mark.parametrize("variant", ["base", "gzip", "packed", "crlf", "tab", "json-ctype"])
def test_a_conforming_case_passes_in_every_variant(
    reference_target: Path, cases: dict[str, Any], variant: str
) -> None:
    result, seen = run(reference_target, cases["eng-pass"], variant)
    assert (result.outcome, result.diffs) == ("pass", ())
    kinds = [type(e).__name__ for e in seen]
    assert kinds == ["CaseStarted", "RequestSent", "ResponseReceived", "EventsRead", "CaseFinished"]
    read = next(e for e in seen if isinstance(e, EventsRead))
    assert [e["@rawstring"] for e in read.events] == ["two", "hello"]


def test_a_broken_expectation_fails_with_the_field_diff(
    reference_target: Path, cases: dict[str, Any]
) -> None:
    result, _ = run(reference_target, cases["eng-wrong"])
    assert result.outcome == "fail" and result.level == "MUST" and result.requirements == ("TIME-1",)
    (diff,) = result.diffs
    assert (diff.part, diff.path, diff.expected, diff.actual) == (
        "stored-field",
        "events[0].@timestamp",
        1537537729124,
        1537537729123,
    )


def test_should_mismatch_is_a_warning(reference_target: Path, cases: dict[str, Any]) -> None:
    result, _ = run(reference_target, cases["eng-should"])
    assert (result.outcome, result.level) == ("warn", "SHOULD")


def test_absence_is_proved_with_a_sentinel(reference_target: Path, cases: dict[str, Any]) -> None:
    result, seen = run(reference_target, cases["eng-nothing-stored"])
    assert result.outcome == "pass", result
    read = next(e for e in seen if isinstance(e, EventsRead))
    assert read.events == ()
    # A stored event expected absent is caught: the sentinel makes the read-back current first.
    result, _ = run(reference_target, cases["eng-said-nothing"])
    assert result.outcome == "fail"
    assert (result.diffs[0].path, result.diffs[0].expected, result.diffs[0].actual) == ("stored", 0, 1)


def test_unsupported_names_the_reason(reference_target: Path, cases: dict[str, Any]) -> None:
    result, seen = run(reference_target, cases["eng-needs-qsa"])
    assert result.outcome == "unsupported" and "query-string-auth" in result.messages[0]
    assert not any(isinstance(e, RequestSent) for e in seen)
    result, _ = run(reference_target, cases["eng-pass"], "gzip", capabilities=frozenset({"readback"}))
    assert result.outcome == "unsupported" and "gzip" in result.messages[0]
    result, _ = run(reference_target, cases["eng-pass"], profile="splunk")
    assert result.outcome == "unsupported" and "profile" in result.messages[0]


def test_harness_problems_are_errors_not_failures(reference_target: Path, cases: dict[str, Any]) -> None:
    target = load_target(reference_target)
    result, _ = run(reference_target, cases["eng-pass"], url="http://127.0.0.1:9")
    assert result.outcome == "error" and "unreachable" in result.messages[0]
    bad_read = dataclasses.replace(target.readback, token="not-a-read-token")
    result, _ = run(reference_target, cases["eng-pass"], readback=bad_read)
    assert result.outcome == "error" and "read-back failed" in result.messages[0]


def test_events_are_json_and_carry_no_token(reference_target: Path, cases: dict[str, Any]) -> None:
    _, seen = run(reference_target, cases["eng-needs-qsa"], capabilities=frozenset({"query-string-auth"}))
    text = json.dumps([e.to_dict() for e in seen])
    for secret in load_target(reference_target).secrets():
        assert secret not in text
    sent = next(e for e in seen if isinstance(e, RequestSent))
    assert sent.target.endswith("token=***")


def test_the_sentinel_guards_absence_checks_on_a_lagging_read_back(
    reference_target: Path, cases: dict[str, Any], tmp_path: Path
) -> None:
    """Against a query API that shows events only LAG_MS after ingest, an immediate read would miss a
    stored event and wrongly pass `stored: 0`; the sentinel makes the engine wait until it is current."""
    server = BrokenServer(LaggingQuery(), reference_target)
    try:
        lagging = server.write_target(tmp_path / "lagging.yaml", readback_only=True)
        result, seen = run(lagging, cases["eng-said-nothing"])
        assert result.outcome == "fail" and result.diffs[0].actual == 1
        assert [e.polls for e in seen if isinstance(e, EventsRead)] == [1]  # one read, after the sentinel
        result, _ = run(lagging, cases["eng-nothing-stored"])
        assert result.outcome == "pass"
        result, seen = run(lagging, cases["eng-pass"])
        assert result.outcome == "pass" and result.duration_ms >= LAG_MS
    finally:
        server.stop()


def test_command_read_back(reference_target: Path, cases: dict[str, Any], tmp_path: Path) -> None:
    target = load_target(reference_target)
    script = tmp_path / "fetch.py"
    script.write_text(FETCH_SCRIPT)
    command = (
        sys.executable,
        str(script),
        target.url,
        str(target.readback.token),
        "{repository}",
        "{marker_field}",
        "{marker}",
    )
    readback = dataclasses.replace(target.readback, kind="command", command=command)
    result, seen = run(reference_target, cases["eng-pass"], readback=readback)
    assert result.outcome == "pass", result
    result, _ = run(reference_target, cases["eng-said-nothing"], readback=readback)
    assert result.outcome == "fail"
    failing = dataclasses.replace(readback, command=(sys.executable, "-c", "raise SystemExit(4)"))
    result, _ = run(reference_target, cases["eng-pass"], readback=failing)
    assert result.outcome == "error" and "exited 4" in result.messages[0]


def test_repeat_fills_a_declared_limit(reference_target: Path, cases: dict[str, Any]) -> None:
    result, seen = run(reference_target, cases["eng-repeat"])
    assert (result.outcome, result.diffs) == ("pass", ())
    sent = [e for e in seen if isinstance(e, RequestSent)]
    assert [e.index for e in sent] == [0] * 20 + [1, 2, 3, 3]  # suite.yaml: 20 per channel
    assert len({e.marker for e in sent}) == len(sent)  # a fresh marker for every repetition
    assert [e.index for e in seen if isinstance(e, EventsRead)] == [1]  # only the refused one is read


def test_repeat_stops_at_the_first_different_answer(reference_target: Path, cases: dict[str, Any]) -> None:
    result, seen = run(reference_target, cases["eng-repeat-too-far"])
    assert (result.outcome, result.level) == ("warn", "SHOULD")  # ACK-5 is SHOULD
    (diff,) = result.diffs
    assert (diff.index, diff.part, diff.path, diff.expected, diff.actual) == (
        0,
        "status",
        "repeat[20].status",
        200,
        503,
    )
    assert sum(isinstance(e, RequestSent) for e in seen) == 21


def test_an_undeclared_or_huge_limit_is_unsupported(reference_target: Path, cases: dict[str, Any]) -> None:
    result, seen = run(reference_target, cases["eng-repeat"], limits={})
    assert (result.outcome, result.messages) == (
        "unsupported",
        ("target declares no limit max_pending_acks_per_channel",),
    )
    assert not any(isinstance(e, RequestSent) for e in seen)
    result, _ = run(reference_target, cases["eng-repeat"], limits={"max_pending_acks_per_channel": 10_001})
    assert result.outcome == "unsupported" and "repeated 10001 times" in result.messages[0]


def test_a_body_sized_by_the_declared_limit(reference_target: Path, cases: dict[str, Any]) -> None:
    result, seen = run(reference_target, cases["eng-size-limit"])
    assert (result.outcome, result.diffs) == ("pass", ())
    (sent,) = [e for e in seen if isinstance(e, RequestSent)]
    assert len(sent.body) == load_target(reference_target).limits["max_request_bytes"] + 1
    result, _ = run(reference_target, cases["eng-size-limit"], limits={})
    assert result.outcome == "unsupported"
    assert result.messages == ("target declares no limit max_request_bytes",)
    result, seen = run(reference_target, cases["eng-size-limit"], limits={"max_request_bytes": 2**28 + 1})
    assert result.outcome == "unsupported" and "more than the engine's bound" in result.messages[0]
    assert not any(isinstance(e, RequestSent) for e in seen)


def test_query_api_cases_need_the_query_api_read_back(reference_target: Path, cases: dict[str, Any]) -> None:
    result, _ = run(reference_target, cases["eng-query-api"])
    assert (result.outcome, result.diffs) == ("pass", ())
    target = load_target(reference_target)
    command = dataclasses.replace(target.readback, kind="command", command=("true",))
    result, seen = run(reference_target, cases["eng-query-api"], readback=command)
    assert result.outcome == "unsupported"
    assert result.messages == (
        "QRY cases test the query API itself: they need readback kind logscale-query (SPEC §9),"
        " the target reads back with command",
    )
    assert not any(isinstance(e, RequestSent) for e in seen)


def test_a_role_the_case_needs_but_sends_with_not_is_still_required(
    reference_target: Path, cases: dict[str, Any]
) -> None:
    result, _ = run(reference_target, cases["eng-sourcetype-access"])
    assert (result.outcome, result.diffs) == ("pass", ())
    tokens = {role: t for role, t in load_target(reference_target).tokens.items() if role != "regex_parser"}
    result, seen = run(reference_target, cases["eng-sourcetype-access"], tokens=tokens)
    assert (result.outcome, result.messages) == ("unsupported", ("target has no token role regex_parser",))
    assert not any(isinstance(e, RequestSent) for e in seen)


class PathRecorder(Breaker):
    """Forwards everything and notes each request's method and path."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []

    def request(self, req: Exchange) -> Exchange | Reply:
        self.seen.append((req.method, req.path))
        return req


def test_cases_and_the_sentinel_use_the_targets_event_path(
    reference_target: Path, cases: dict[str, Any], tmp_path: Path
) -> None:
    recorder = PathRecorder()
    server = BrokenServer(recorder, reference_target)
    try:
        proxied = server.write_target(tmp_path / "proxied.yaml")
        alias = {"event": "/services/collector/event/1.0"}
        result, _ = run(proxied, cases["eng-nothing-stored"], endpoints=alias)
        assert result.outcome == "pass", result
    finally:
        server.stop()
    # the case's request, then the sentinel that proves the read-back current: both on the declared path
    assert recorder.seen == [("POST", "/services/collector/event/1.0")] * 2
