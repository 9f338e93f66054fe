"""Per-check attribution, partial verdicts, positive controls, duplicate @ids and Engine.execute
(issue 10), against the real reference server over loopback."""

from __future__ import annotations

import dataclasses
import re
import socket
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from broken_servers import Breaker, BrokenServer
from broken_servers.proxy import Exchange, Reply
from suitekit import FETCH_SCRIPT, write_cases

from hec_conformance import Engine, load_cases, load_catalogue, load_target
from hec_conformance.results import (
    CaseFinished,
    CaseStarted,
    EventsRead,
    ResultEvent,
    RunFinished,
    RunStarted,
)
from hec_conformance.target import ReadbackConfig, url_target

CASES = """\
  - id: chk-number-is-body5
    title: a deliberately wrong event number counts for BODY-5 only
    requirements: [BODY-1, BODY-5, ORD-2]
    requests:
      - endpoint: event
        events: [{event: first}, {$text: '{"event":'}]
        expect:
          status: 400
          body: {code: 6, invalid-event-number: 0}
          stored: 0
          requirements: {body.invalid-event-number: [BODY-5]}
  - id: chk-wording
    title: a deliberately wrong text is BODY-12's SHOULD, the MUST parts pass
    requirements: [EVT-1]
    profiles: [humio]
    requests:
      - endpoint: event
        events: [{event: wording}]
        expect: {status: 200, body: {text: Not the wording, code: 0}}
  - id: chk-stored-only
    title: a case whose only check reads the store
    requirements: [EVT-1]
    profiles: [humio]
    requests:
      - endpoint: event
        events: [{event: only stored}]
        expect: {stored: 1}
  - id: chk-humio-fields
    title: stored fields of a humio rule say nothing in splunk
    requirements: [EVT-1, SPL-1]
    requests:
      - endpoint: event
        events: [{event: fields}]
        expect: {status: 200, events: [{"@rawstring": not what was sent}]}
"""
DOUBLING = """\
import subprocess, sys
out = subprocess.run(sys.argv[1:], capture_output=True, check=True).stdout
sys.stdout.buffer.write(out + out)
"""


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    corpus = write_cases(tmp_path_factory.mktemp("cases"), "checks", CASES)
    return {c.id: c for c in load_cases([corpus])}


def engine_for(target_file: Path, seen: list[ResultEvent], **changes: Any) -> Engine:
    target = dataclasses.replace(load_target(target_file), **changes)
    return Engine(target, load_catalogue(), listeners=[seen.append], readback_timeout=2)


def run(target_file: Path, case: Any, **changes: Any) -> CaseFinished:
    engine = engine_for(target_file, [], **changes)
    try:
        return engine.run(case)
    finally:
        engine.close()


def test_a_check_fails_only_the_requirements_attributed_to_it(
    reference_target: Path, cases: dict[str, Any]
) -> None:
    result = run(reference_target, cases["chk-number-is-body5"])
    (diff,) = result.diffs
    assert (diff.path, diff.requirements, diff.expected, diff.actual) == (
        "body.invalid-event-number",
        ("BODY-5",),
        0,
        1,
    )
    # BODY-1's checks (status, code, stored count) pass; ORD-2 has its own check after the 400.
    assert result.requirement_outcomes == {"BODY-1": "pass", "BODY-5": "fail", "ORD-2": "pass"}
    (ord2,) = [c for c in result.checks if c.requirements == ("ORD-2",)]
    assert (ord2.part, ord2.result) == ("nothing-stored", "pass")
    assert result.outcome == "fail"


def test_text_is_body12_at_should(reference_target: Path, cases: dict[str, Any]) -> None:
    result = run(reference_target, cases["chk-wording"])
    (diff,) = result.diffs
    assert (diff.path, diff.requirements, diff.level) == ("body.text", ("BODY-12",), "SHOULD")
    assert result.requirement_outcomes == {"EVT-1": "pass", "BODY-12": "warn"}
    assert result.outcome == "warn"


def test_without_read_back_the_response_checks_still_count(
    reference_target: Path, cases: dict[str, Any]
) -> None:
    target = load_target(reference_target)
    blind = {"readback": ReadbackConfig(kind="none"), "capabilities": target.capabilities - {"readback"}}
    result = run(reference_target, cases["chk-number-is-body5"], **blind)
    assert result.outcome == "fail" and result.requirement_outcomes["BODY-5"] == "fail"
    unchecked = [c for c in result.checks if c.result == "not_checked"]
    assert {c.requirements for c in unchecked} == {("BODY-1", "BODY-5"), ("ORD-2",)}
    assert all("declares no read-back" in c.reason for c in unchecked)
    assert result.requirement_outcomes["ORD-2"] == "unsupported"
    # Nothing at all checked: the case is unsupported, with the reason.
    result = run(reference_target, cases["chk-stored-only"], **blind)
    assert result.outcome == "unsupported" and "declares no read-back" in result.messages[0]


def test_absence_is_not_checked_without_a_positive_control(
    reference_target: Path, cases: dict[str, Any], tmp_path: Path
) -> None:
    """A read-back that never shows anything cannot vouch for "nothing stored": not checked, not pass."""
    empty = dataclasses.replace(load_target(reference_target).readback, kind="command", command=("true",))
    result = run(reference_target, cases["chk-number-is-body5"], readback=empty)
    stored = [c for c in result.checks if c.path == "stored"]
    assert stored and all(c.result == "not_checked" for c in stored)
    assert "never showed the positive control (event event to 'main'" in stored[0].reason
    assert result.requirement_outcomes["ORD-2"] == "unsupported"


def test_a_duplicate_id_in_one_answer_is_a_failed_check(
    reference_target: Path, cases: dict[str, Any], tmp_path: Path
) -> None:
    target = load_target(reference_target)
    (tmp_path / "fetch.py").write_text(FETCH_SCRIPT)
    (tmp_path / "twice.py").write_text(DOUBLING)
    fetch = (sys.executable, str(tmp_path / "fetch.py"), target.url, str(target.readback.token))
    command = (
        sys.executable,
        str(tmp_path / "twice.py"),
        *fetch,
        "{repository}",
        "{marker_field}",
        "{marker}",
    )
    readback = dataclasses.replace(target.readback, kind="command", command=command)
    result = run(reference_target, cases["chk-stored-only"], readback=readback)
    (dup,) = result.diffs
    assert dup.part == "duplicate" and dup.requirements == ("EVT-1",)
    assert dup.reason == f"one read-back answer lists @id {dup.actual} more than once (SPEC §9)"
    assert result.outcome == "fail"


FOUND_TWICE = """\
  - id: chk-found-by-both-look-ups
    title: an event both look-ups find is one event
    requirements: [EVT-1]
    profiles: [humio]
    requests:
      - endpoint: event
        events: [{event: both, source: "${marker}"}, {event: by source, fields: not an object}]
        expect: {status: 200, stored: 2}
"""


def test_the_two_look_ups_are_merged_across_answers(reference_target: Path, tmp_path: Path) -> None:
    """The first envelope carries the marker in `fields` and in `source`, the second (whose `fields` is
    no object) only in `source`: the marker look-up answers one event, the `@source` look-up both. The
    event in both answers counts once, and is no duplicate: that is an `@id` twice in ONE answer."""
    (case,) = load_cases([write_cases(tmp_path / "cases", "merge", FOUND_TWICE)])
    seen: list[ResultEvent] = []
    engine = engine_for(reference_target, seen)
    try:
        result = engine.run(case)
    finally:
        engine.close()
    (read,) = [e for e in seen if isinstance(e, EventsRead)]
    marker = read.query.rpartition("=")[2]
    assert read.query == f"hec_case={marker} | @source={marker}"
    assert sorted(e["@rawstring"] for e in read.events) == ["both", "by source"]
    assert len({e["@id"] for e in read.events}) == 2
    assert [(c.path, c.result) for c in result.checks if c.path == "stored"] == [("stored", "pass")]
    assert (result.outcome, result.diffs) == ("pass", ())


CONTROL_CASES = """\
  - id: ctl-event-main-1
    title: a bad envelope in main stores nothing
    requirements: [ORD-2]
    requests:
      - endpoint: event
        events: [{$text: '{"event":'}]
        expect: {status: 400, stored: 0}
  - id: ctl-event-main-2
    title: another bad envelope in main stores nothing
    requirements: [ORD-2]
    requests:
      - endpoint: event
        events: [{$text: '{"event":'}]
        expect: {status: 400, stored: 0}
  - id: ctl-raw-main-1
    title: raw with a disabled token stores nothing in main
    requirements: [ORD-2]
    needs: [raw]
    requests:
      - endpoint: raw
        auth: {role: disabled}
        text: "line"
        expect: {status: 403, stored: 0}
  - id: ctl-raw-main-2
    title: raw with a disabled token stores nothing in main, again
    requirements: [ORD-2]
    needs: [raw]
    requests:
      - endpoint: raw
        auth: {role: disabled}
        text: "line"
        expect: {status: 403, stored: 0}
  - id: ctl-event-audit
    title: a bad envelope in audit stores nothing
    requirements: [ORD-2]
    requests:
      - endpoint: event
        auth: {role: other_repo}
        events: [{$text: '{"event":'}]
        expect: {status: 400, stored: 0}
"""


class ControlCounter(Breaker):
    """Forwards everything; notes the path and token of each positive control (SPEC §9) it carries."""

    def __init__(self) -> None:
        self.controls: list[tuple[str, str]] = []

    def request(self, req: Exchange) -> Exchange | Reply:
        if b"hecc positive control" in req.body:
            token = next(v for k, v in req.headers if k.lower() == "authorization").split()[-1]
            self.controls.append((req.path, token))
        return req


def test_the_positive_control_verdict_is_cached_per_repository_and_kind(
    reference_target: Path, tmp_path: Path
) -> None:
    """Five "nothing stored" claims (two event and two raw in main, one event in audit) in one engine run
    against a read-back that never shows anything: one control per (repository, kind), the first one's
    verdict then stands for the rest of the run (every claim not checked, none re-sent). Against a
    read-back that works, each claim sends one more control and reads after it shows (the sentinel of
    controls.py), so a lagging read-back cannot pass an absence."""
    corpus = load_cases([write_cases(tmp_path / "cases", "controls", CONTROL_CASES)])
    counter = ControlCounter()
    server = BrokenServer(counter, reference_target)
    try:
        proxied = server.write_target(tmp_path / "proxied.yaml")
        target = load_target(proxied)
        blind = dataclasses.replace(target.readback, kind="command", command=("true",))
        seen: list[ResultEvent] = []
        engine = engine_for(proxied, seen, readback=blind)
        try:
            events = list(engine.execute((case, "base") for case in corpus))
        finally:
            engine.close()
        never_shown = list(counter.controls)
        counter.controls.clear()
        engine = engine_for(proxied, [])
        try:
            shown = list(engine.execute((case, "base") for case in corpus))
        finally:
            engine.close()
    finally:
        server.stop()
    default, audit = target.tokens["default"].token, target.tokens["other_repo"].token
    event_path, raw_path = target.path_for("event"), target.path_for("raw")
    assert never_shown == [(event_path, default), (raw_path, default), (event_path, audit)]
    finished = [e for e in events if isinstance(e, CaseFinished)]
    assert [f.case_id for f in finished] == [c.id for c in corpus]
    for result in finished:
        stored = [c for c in result.checks if c.path == "stored"]
        assert stored and all(c.result == "not_checked" for c in stored), result
        assert "never showed the positive control" in stored[0].reason
    assert "(raw event to 'main'" in finished[2].checks[-1].reason
    assert "(event event to 'audit'" in finished[4].checks[-1].reason
    # Proved: one control per claim, each case's absence checked (and passed).
    assert sorted(counter.controls) == sorted(
        [(event_path, default)] * 2 + [(raw_path, default)] * 2 + [(event_path, audit)]
    )
    assert [e.outcome for e in shown if isinstance(e, CaseFinished)] == ["pass"] * 5


def test_checks_of_requirements_outside_the_profile_say_nothing(
    reference_target: Path, cases: dict[str, Any]
) -> None:
    """EVT-1 (what is stored) is a humio rule, and in splunk no stored field is checked (SPEC §0), even
    for SPL-1, which applies there: the deliberately wrong field fails only in humio."""
    result = run(reference_target, cases["chk-humio-fields"], profile="splunk")
    fields = [c for c in result.checks if c.part == "stored-field"]
    assert fields and all(c.result == "not_checked" for c in fields)
    assert "in splunk the suite checks responses only" in fields[0].reason
    assert result.requirement_outcomes == {"SPL-1": "pass"} and result.outcome == "pass"
    assert run(reference_target, cases["chk-humio-fields"]).requirement_outcomes["EVT-1"] == "fail"


def test_execute_yields_the_run_and_counts_it(reference_target: Path, cases: dict[str, Any]) -> None:
    seen: list[ResultEvent] = []
    engine = engine_for(reference_target, seen)
    pairs = [(cases["chk-wording"], "base"), (cases["chk-number-is-body5"], "base")]
    try:
        stream = engine.execute(iter(pairs))
        assert seen == []  # nothing runs until the stream is read
        events = list(stream)
    finally:
        engine.close()
    assert events == seen  # yielded and emitted alike
    assert isinstance(events[0], RunStarted) and isinstance(events[-1], RunFinished)
    assert [e.case_id for e in events if isinstance(e, CaseStarted)] == ["chk-wording", "chk-number-is-body5"]
    finished = events[-1]
    assert (finished.counts["warn"], finished.counts["fail"]) == (1, 1)
    assert finished.requirements["BODY-12"]["warn"] == 1 and finished.requirements["BODY-5"]["fail"] == 1
    assert finished.requirements["EVT-1"]["pass"] == 1 and finished.requirements["BODY-1"]["pass"] == 1


TWICE = """\
  - id: chk-answered-twice
    title: raw is answered twice by this test server
    requirements: [RAW-6]
    needs: [raw]
    requests:
      - endpoint: raw
        headers: {X-Splunk-Request-Channel: "${channel}"}
        text: "line"
        expect: {status: 200, body: {code: 0}}
  - id: chk-after-it
    title: the case after it reads its own answer
    requirements: [BODY-1]
    requests:
      - endpoint: event
        events: [{event: a}, {event: b}]
        expect: {status: 200, body: {code: 0}}
"""
JSON_HEAD = b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n"
OK = b"HTTP/1.1 200 OK\r\n" + JSON_HEAD % 27 + b'{"text":"Success","code":0}'
REFUSED = b"HTTP/1.1 400 Bad Request\r\n" + JSON_HEAD % 12 + b'{"code":400}'


class TwiceServer:
    """Loopback keep-alive HTTP that answers every request 200, and a raw request once more (400)."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.connections = 0
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.listener.getsockname()[1]}"

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        data = b""
        with conn:
            while True:
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    data += chunk
                head, _, data = data.partition(b"\r\n\r\n")
                length = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))  # type: ignore[union-attr]
                while len(data) < length:
                    data += conn.recv(65536)
                data = data[length:]
                conn.sendall(OK + (REFUSED if b"/raw" in head.split(b"\r\n")[0] else b""))


def test_an_unrequested_answer_is_reported_on_the_case_that_caused_it(tmp_path: Path) -> None:
    server = TwiceServer()
    corpus = write_cases(tmp_path / "cases", "twice", TWICE)
    cases = load_cases([corpus])
    target = url_target(server.url, "tok", "splunk")
    for connections, opened in (("per-case", 3), ("reuse", 2)):
        target = dataclasses.replace(target, capabilities=frozenset({"raw"}), connections=connections)
        engine = Engine(target, load_catalogue())
        pairs = [(cases[1], "base"), (cases[0], "base"), (cases[1], "base")]
        before = server.connections
        try:
            results = [e for e in engine.execute(iter(pairs)) if isinstance(e, CaseFinished)]
        finally:
            engine.close()
        assert [r.outcome for r in results] == ["pass", "fail", "pass"], connections
        (stray,) = results[1].diffs
        assert (stray.part, stray.index, stray.requirements) == ("unrequested", 0, ("RAW-6",))
        assert stray.reason == "target sent an unrequested response after request 0"
        assert str(stray.actual).startswith("HTTP/1.1 400 Bad Request")
        # per-case: a connection each; reuse: the first carries on to the raw case, whose stray
        # answer drops it, so the third case opens the second.
        assert server.connections - before == opened, connections
    server.listener.close()
