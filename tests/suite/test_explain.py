"""The failure report (pytest's failure message, JUnit's failure text): case, level, requirements, the
exchange (gzip shown decoded) and the diff, rendered from the case's record in the results document."""

from __future__ import annotations

import gzip
import random

from hec_conformance.reports import Collector
from hec_conformance.reports.text import case_text
from hec_conformance.results import (
    CaseFinished,
    CaseStarted,
    Check,
    CheckResult,
    EventsRead,
    RequestSent,
    ResponseReceived,
    ResultEvent,
)


def _text(events: list[ResultEvent], line: int = 0) -> str:
    collector = Collector(environment={})
    for event in events:
        collector(event)
    finished = events[-1]
    assert isinstance(finished, CaseFinished)
    return case_text(collector.record(finished.case_id, finished.variant), line)


def _sent(body: bytes, gzipped: bool = True) -> RequestSent:
    headers = (("Authorization", "Splunk ***"), *((("Content-Encoding", "gzip"),) if gzipped else ()))
    return RequestSent("c-1", "gzip", 0, "POST", "/api/v1/ingest/hec", headers, body, "m", 0)


def _finished() -> CaseFinished:
    return CaseFinished("c-1", "gzip", "cases/a.yaml", "fail", ("BODY-8",), "MUST")


def _started() -> CaseStarted:
    return CaseStarted("c-1", "gzip", "cases/a.yaml", ("BODY-8",), "MUST")


def test_the_report_names_everything_a_reader_needs() -> None:
    body = b'{"event":"x"}'
    sent = RequestSent(
        "c-1",
        "gzip",
        0,
        "POST",
        "/api/v1/ingest/hec",
        (("Authorization", "Splunk ***"), ("Content-Encoding", "gzip")),
        gzip.compress(body),
        "m",
        0,
    )
    got = ResponseReceived(
        "c-1",
        "gzip",
        0,
        400,
        (("content-type", "application/json"),),
        b'{"text":"Invalid data format","code":6}',
        2.0,
    )
    read = EventsRead("c-1", "gzip", 0, "main", "hec_case=m", ({"@rawstring": "x"},), 1)
    result = CaseFinished(
        "c-1",
        "gzip",
        "cases/a.yaml",
        "fail",
        ("BODY-8", "ORD-2"),
        "MUST",
        ("1 difference(s) at level MUST",),
        (
            Check(
                0, "status", "status", ("BODY-8",), None, CheckResult.FAIL, 200, 400, "unexpected HTTP status"
            ),
        ),
    )
    started = CaseStarted("c-1", "gzip", "cases/a.yaml", ("BODY-8", "ORD-2"), "MUST")
    text = _text([started, sent, got, read, result], 12)
    assert text.splitlines()[0] == "c-1[gzip] FAIL (level MUST; requirements BODY-8, ORD-2)"
    assert "case file: cases/a.yaml:12" in text
    assert f"decompressed): {body.decode()}" in text
    assert "<-- response 0: 400" in text and '"code":6' in text
    assert "stored for request 0: 1 event(s) in 'main' where hec_case=m" in text
    assert "request 0 status status [BODY-8]: expected 200, got 400 (unexpected HTTP status)" in text
    assert "\\x" not in text.split("body (")[1].split("\n")[0]  # the gzip bytes are not dumped


def test_a_gzip_body_cut_in_the_record_is_decoded_as_far_as_it_goes() -> None:
    words = random.Random(7).choices(["alpha", "beta", "gamma", "delta"], k=20_000)
    plain = " ".join(words).encode()
    body = gzip.compress(plain)
    assert len(body) > 4096  # the record keeps the first 4096 bytes only
    text = _text([_started(), _sent(body), _finished()])
    line = next(t for t in text.splitlines() if "body (" in t)
    assert f"({len(body)} bytes gzip, its first 4096 decompressed to " in line
    assert plain.decode()[:200] in line and line.endswith("...")


def test_a_body_that_is_not_gzip_is_said_so_and_shown_escaped() -> None:
    text = _text([_started(), _sent(b"\x1f\x8b\x08\x00gz"), _finished()])
    assert "body (6 bytes, not a valid gzip stream): \\x1f\\x8b\\x08\\x00gz" in text


def test_a_plain_body_and_the_line_of_the_case() -> None:
    text = _text([_started(), _sent(b'{"event":"x"}\n', gzipped=False), _finished()], line=7)
    assert 'body (14 bytes): {"event":"x"}\\n' in text
    assert "case file: cases/a.yaml:7" in text
