"""The failure report: case, level, requirements, the exchange (gzip shown decoded) and the diff."""

from __future__ import annotations

import gzip

from hec_conformance.explain import explain
from hec_conformance.results import CaseFinished, Diff, EventsRead, RequestSent, ResponseReceived


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
        (Diff(0, "response", "status", 200, 400, "unexpected HTTP status"),),
    )
    text = explain(result, [sent, got, read], "gzip bodies are read", 12)
    assert text.splitlines()[0] == "c-1[gzip] FAIL (level MUST; requirements BODY-8, ORD-2)"
    assert "case file: cases/a.yaml:12" in text
    assert f"decompressed): {body.decode()}" in text
    assert "<-- response 0: 400" in text and '"code":6' in text
    assert "stored for request 0: 1 event(s) in 'main' where hec_case=m" in text
    assert "request 0 response status: expected 200, got 400 (unexpected HTTP status)" in text
    assert "\\x" not in text.split("body (")[1].split("\n")[0]  # the gzip bytes are not dumped
