"""SPEC ORD-1: with several faults in one request, the earliest check answers; ORD-2: nothing stored."""

from __future__ import annotations

import gzip
import json

import pytest
from serverkit import CHANNEL, answer, hec

NUMBER = "invalid-event-number"


def post(srv, body, *, role="default", path="/services/collector", headers=None, params=None):
    return answer(srv.post(path, body, role=role, headers=headers or {}, params=params))


@pytest.mark.spec("ORD-1", profile="humio")
def test_path_and_method_come_first(server):
    r = server.client.post("/services/collector/nothing?token=x", headers={"Content-Encoding": "br"})
    assert answer(r)[0] == 404
    r = server.client.get("/services/collector?token=x", headers={"Content-Encoding": "br"})
    assert answer(r)[0] == 405


@pytest.mark.spec("ORD-1", "AUTH-8", profile="humio")
def test_query_token_before_authorization_and_encoding(server):
    assert post(
        server,
        b"{",
        role=None,
        params={"token": "x"},
        headers={"Authorization": "Bogus", "Content-Encoding": "br"},
    ) == hec(400, 16, "Query string authorization is not enabled")


@pytest.mark.spec("ORD-1", profile="humio")
def test_authorization_before_encoding(server):
    br = {"Content-Encoding": "br"}
    assert post(server, b"{", role=None, headers=br) == hec(401, 2, "Token is required")
    assert post(server, b"{", role="disabled", headers=br) == hec(403, 1, "Token disabled")


@pytest.mark.spec("ORD-1", profile="humio")
def test_encoding_before_channel(server):
    br = {"Content-Encoding": "br"}
    assert post(server, b"{", role="ack", headers=br) == hec(415, 415, "Unsupported Media Type")


@pytest.mark.spec("ORD-1", profile="humio")
@pytest.mark.spec("ORD-1", "RAW-4", profile="splunk")
def test_channel_before_body(tight_server, splunk_server):
    missing = hec(400, 10, "Data channel is missing")
    assert post(tight_server, b"x" * 5000, role="ack") == missing
    assert (
        post(tight_server, gzip.compress(b"{" * 5000)[:-4], role="ack", headers={"Content-Encoding": "gzip"})
        == missing
    )
    assert post(splunk_server, b"", path="/services/collector/raw") == missing
    assert post(splunk_server, b"", path="/services/collector/raw", params={"channel": "x"}) == hec(
        400, 11, "Invalid data channel"
    )


@pytest.mark.spec("ORD-1", profile="humio")
def test_size_before_corrupt_gzip_and_json(tight_server):
    too_large = hec(413, 413, "Request Entity Too Large")
    truncated = gzip.compress(b"{" * 5000)[:-8]
    assert post(tight_server, truncated, headers={"Content-Encoding": "gzip"}) == too_large
    assert post(tight_server, b"\xff{" * 600) == too_large


@pytest.mark.spec("ORD-1", profile=("humio", "splunk"))
def test_framing_before_envelope_checks(server, splunk_server):
    body = b'{"event": "x", "index": "audit"}{"event": '
    assert post(server, body) == hec(400, 6, "Invalid data format", **{NUMBER: 1})
    body = b'{"fields": {"a": {}}}\xff'  # the bad byte is after envelope 0, so it is envelope 1's
    assert post(splunk_server, body) == hec(400, 6, "Invalid data format", **{NUMBER: 1})


@pytest.mark.spec("ORD-1", "ORD-2", "IDX-3", profile="humio")
@pytest.mark.spec("ORD-1", "IDX-3", "EVT-5", "FLD-4", profile="splunk")
def test_first_failing_envelope_decides(server, splunk_server, marker):
    body = json.dumps({"event": "ok", "fields": {"hec_case": marker}})
    body += '{"event": "x", "index": "audit"}{}'
    assert post(server, body) == hec(400, 7, "Incorrect index", **{NUMBER: 1})
    body = '{"event": "ok"}{"index": "audit", "event": "x"}{"fields": {"a": {}}}'
    assert post(splunk_server, body) == hec(400, 7, "Incorrect index", **{NUMBER: 1})
    body = '{"event": "ok"}{"event": "", "index": "audit"}'
    assert post(splunk_server, body) == hec(400, 13, "Event field cannot be blank", **{NUMBER: 1})
    body = '{"event": "x", "index": "audit", "fields": {"a": {"b": 1}}}'
    assert post(splunk_server, body) == hec(400, 15, "Error in handling indexed fields", **{NUMBER: 0})
    assert not server.query(f"hec_case={marker}")


@pytest.mark.spec("ORD-1", "ACK-4", profile="humio")
def test_ack_endpoint_order(server):
    disabled = hec(400, 14, "ACK is disabled")
    ack = "/services/collector/ack"
    assert post(server, b"{", path=ack, role=None) == hec(401, 2, "Token is required")
    br = {"Content-Encoding": "br"}
    assert post(server, b"{", path=ack, headers=br) == hec(415, 415, "Unsupported Media Type")
    assert post(server, b"{", path=ack) == disabled
    assert post(server, b"{", path=ack, role="ack") == hec(400, 10, "Data channel is missing")
    channel = {"channel": CHANNEL}
    assert post(server, b"{", path=ack, role="ack", params=channel) == hec(400, 6, "Invalid data format")
