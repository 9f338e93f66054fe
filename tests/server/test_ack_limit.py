"""ACK-5 per channel: a channel holding `max_pending_acks_per_channel` unreported ack ids answers 503
code 9 and stores nothing until a query reports ids; other channels are not affected."""

from __future__ import annotations

import json
import uuid

import pytest
from serverkit import answer, envelope, hec

BUSY = hec(503, 9, "Server is busy")


def ingest(srv, marker, channel):
    return srv.post(
        "/services/collector",
        json.dumps(envelope(marker)),
        role="ack",
        headers={"X-Splunk-Request-Channel": channel},
    )


def ask(srv, channel, ids):
    return srv.post(
        "/services/collector/ack",
        json.dumps({"acks": ids}),
        role="ack",
        headers={"X-Splunk-Request-Channel": channel},
    )


@pytest.mark.spec("ACK-5", "ACK-3", profile="humio")
def test_a_full_channel_is_busy_until_acks_are_reported(server, marker):
    limit = server.target["limits"]["max_pending_acks_per_channel"]
    assert limit == 20  # reference_server/configs/suite.yaml
    full, other = str(uuid.uuid4()), str(uuid.uuid4())
    ids = [answer(ingest(server, marker, full))[1].get("ackId") for _ in range(limit)]
    assert ids == list(range(limit))
    refused = f"{marker}-refused"
    assert answer(ingest(server, refused, full)) == BUSY
    assert answer(ingest(server, refused, full)) == BUSY  # a refusal holds no slot either
    assert answer(ingest(server, marker, other)) == (200, {"text": "Success", "code": 0, "ackId": 0})
    assert server.query(f"hec_case={refused}") == []
    assert len(server.query(f"hec_case={marker}")) == limit + 1

    assert answer(ask(server, full, [0, 1])) == (200, {"acks": {"0": True, "1": True}})
    assert answer(ingest(server, marker, full))[1]["ackId"] == limit  # ids go on; one slot used
    assert answer(ingest(server, marker, full))[1]["ackId"] == limit + 1
    assert answer(ingest(server, refused, full)) == BUSY  # both freed slots are taken again
    everything = list(range(limit + 2))
    assert answer(ask(server, full, everything)) == (200, {"acks": {str(i): i > 1 for i in everything}})
    assert answer(ingest(server, marker, full))[1]["ackId"] == limit + 2
    assert server.query(f"hec_case={refused}") == []


@pytest.mark.spec("ACK-5", "ACK-2", profile="humio")
def test_a_failed_request_frees_its_reserved_slot(server, marker):
    channel = str(uuid.uuid4())
    for _ in range(25):  # more than the limit of 20: refused bodies reserve and release, never keep
        r = server.post(
            "/services/collector", b"{oops", role="ack", headers={"X-Splunk-Request-Channel": channel}
        )
        assert answer(r)[0] == 400
    assert answer(ingest(server, marker, channel))[1]["ackId"] == 0
