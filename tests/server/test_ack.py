"""SPEC §8: channels, ack ids, the ack endpoint, its errors and its bounds (ACK-1..5), RAW-4 splunk."""

from __future__ import annotations

import gzip
import json
import time

import pytest
from serverkit import CHANNEL, OK, answer, ask, envelope, guid, hec, ingest, launch

MISSING = hec(400, 10, "Data channel is missing")
INVALID = hec(400, 11, "Invalid data channel")


@pytest.mark.spec("EP-5", "ACK-2", "ACK-3", profile="humio")
def test_ack_ids_count_per_channel_from_zero(server, marker):
    one, two = guid(), guid().upper()
    assert [answer(ingest(server, marker, one))[1]["ackId"] for _ in range(3)] == [0, 1, 2]
    assert answer(ingest(server, marker, two)) == (200, {"text": "Success", "code": 0, "ackId": 0})
    raw = server.post("/services/collector/raw", b"line", role="ack", params={"channel": one})
    assert answer(raw)[1]["ackId"] == 3
    expected = {"0": True, "2": True, "3": True, "7": False}
    assert answer(ask(server, one, [0, 2, 3, 7])) == (200, {"acks": expected})
    assert answer(ask(server, one, [0, 1, 2])) == (200, {"acks": {"0": False, "1": True, "2": False}})
    assert answer(ask(server, two, [0])) == (200, {"acks": {"0": True}})
    assert len(server.query(f"hec_case={marker}")) == 4


@pytest.mark.spec("ACK-2", profile="humio")
def test_failed_request_uses_no_id(server, marker):
    channel = guid()
    assert answer(ingest(server, marker, channel))[1]["ackId"] == 0
    bad = server.post(
        "/services/collector", b"{oops", role="ack", headers={"X-Splunk-Request-Channel": channel}
    )
    assert answer(bad)[0] == 400
    assert answer(ingest(server, marker, channel))[1]["ackId"] == 1


@pytest.mark.spec("ACK-2", "ACK-3", profile="humio")
def test_channel_header_wins_over_query_and_any_case(server, marker):
    header, query = guid(), guid()
    r = server.post(
        "/services/collector",
        json.dumps(envelope(marker)),
        role="ack",
        headers={"x-splunk-request-channel": header},
        params={"channel": query},
    )
    assert answer(r)[1]["ackId"] == 0
    assert answer(ask(server, header, [0])) == (200, {"acks": {"0": True}})
    assert answer(ask(server, query, [0])) == (200, {"acks": {"0": False}})


@pytest.mark.parametrize("path", ["/services/collector", "/services/collector/raw"])
@pytest.mark.spec("ACK-1", "ORD-2", profile="humio")
def test_ack_token_needs_a_guid_channel(server, marker, path):
    assert answer(ingest(server, marker, None, path)) == MISSING
    assert answer(ingest(server, marker, "not-a-guid", path)) == INVALID
    assert answer(ingest(server, marker, "{" + CHANNEL + "}", path)) == INVALID
    assert not server.query(f"hec_case={marker}")


@pytest.mark.spec("ACK-1", profile="humio")
def test_channel_is_optional_without_ack_in_humio(server, marker):
    assert answer(ingest(server, marker, None, role="default")) == OK
    assert answer(ingest(server, marker, "anything", role="default")) == OK


@pytest.mark.spec("RAW-4", profile="splunk")
def test_splunk_raw_needs_a_guid_channel(splunk_server, marker):
    raw = "/services/collector/raw"
    assert answer(splunk_server.post(raw, b"x")) == MISSING
    assert answer(splunk_server.post(raw, b"x", params={"channel": "nope"})) == INVALID
    assert answer(splunk_server.post(raw, b"x", params={"channel": CHANNEL})) == OK
    assert answer(ingest(splunk_server, marker, None, role="default")) == OK


@pytest.mark.spec("ACK-3", profile="humio")
def test_ack_query_with_bom_and_ids_never_issued(server):
    r = server.post(
        "/services/collector/ack",
        b'\xef\xbb\xbf {"acks": [-1, 99, 99]} ',
        role="ack",
        headers={"X-Splunk-Request-Channel": CHANNEL},
    )
    assert answer(r) == (200, {"acks": {"-1": False, "99": False}})


@pytest.mark.spec("ACK-3", "BODY-8", profile="humio")
def test_ack_query_accepts_gzip(server, marker):
    channel = guid()
    ingest(server, marker, channel)
    r = server.post(
        "/services/collector/ack",
        gzip.compress(b'{"acks":[0]}'),
        role="ack",
        headers={"X-Splunk-Request-Channel": channel, "Content-Encoding": "gzip"},
    )
    assert answer(r) == (200, {"acks": {"0": True}})


@pytest.mark.spec("ACK-5", profile="humio")
def test_idle_channels_make_room(tmp_path, marker):
    config = (
        "repositories: [main]\ntokens: [{token: a, repository: main, ack: true, role: ack}]\n"
        "read_tokens: [r]\nlimits: {max_channels: 1, max_pending_acks: 1, channel_idle_seconds: 1}\n"
    )
    srv = launch(tmp_path, config=config)
    try:
        first, second = guid(), guid()
        assert answer(ingest(srv, marker, first))[1]["ackId"] == 0
        assert answer(ingest(srv, marker, second)) == hec(503, 9, "Server is busy")
        time.sleep(1.2)
        assert answer(ingest(srv, marker, second))[1]["ackId"] == 0  # the idle channel was dropped
        assert answer(ask(srv, first, [0])) == (200, {"acks": {"0": False}})
        assert len(srv.query(f"hec_case={marker}")) == 2
    finally:
        srv.stop()
