"""SPEC §1: every endpoint, 404/405 (EP-6), health (EP-4) and BODY-12's JSON answers."""

from __future__ import annotations

import json

import httpx
import pytest
from serverkit import CHANNEL, OK, answer, envelope, hec

EVENT_PATHS = [
    "/api/v1/ingest/hec",
    "/services/collector",
    "/services/collector/event",
    "/services/collector/event/1.0",
]
RAW_PATHS = ["/api/v1/ingest/hec/raw", "/services/collector/raw", "/services/collector/raw/1.0"]


@pytest.mark.parametrize("path", EVENT_PATHS)
@pytest.mark.spec("EP-1", "EP-2", "EVT-1", "EVT-2", "IDX-1", profile="humio")
def test_event_paths_store_the_event(server, marker, path):
    r = server.post(path, json.dumps(envelope(marker, "p=1")))
    assert answer(r) == OK
    [stored] = server.query(f"hec_case={marker}")
    assert stored["@rawstring"] == "p=1" and stored["p"] == "1" and stored["#repo"] == "main"


@pytest.mark.parametrize("path", RAW_PATHS)
@pytest.mark.spec("EP-3", "EP-7", "RAW-1", "RAW-2", "RAW-4", profile="humio")
def test_raw_paths_store_each_line(server, marker, path):
    r = server.post(f"{path}?channel={marker}", b"first line\r\nsecond k=v\n\n  \t\nthird")
    assert answer(r) == OK
    stored = server.query(f"channel={marker}")
    assert [e["@rawstring"] for e in stored] == ["first line", "second k=v", "third"]
    assert stored[1]["k"] == "v"


@pytest.mark.parametrize("path", ["/services/collector/health", "/services/collector/health/1.0"])
@pytest.mark.spec("EP-4", "BODY-12", profile="humio")
def test_health_ignores_authorization_and_query(server, path):
    for headers in ({}, {"Authorization": "Nonsense"}, {"Authorization": "Splunk wrong"}):
        r = server.client.get(f"{path}?token=whatever&ack=true", headers=headers)
        assert answer(r) == hec(200, 17, "HEC is healthy")


@pytest.mark.spec("EP-5", "ACK-3", profile="humio")
def test_ack_path_exists(server):
    r = server.post(
        "/services/collector/ack", b'{"acks":[0]}', role="ack", headers={"X-Splunk-Request-Channel": CHANNEL}
    )
    assert answer(r) == (200, {"acks": {"0": False}})


@pytest.mark.parametrize(
    "path", ["/services/collector/nope", "/api/v1/ingest/hec/other", "/", "/services/collector/"]
)
@pytest.mark.spec("EP-6", "BODY-12", profile="humio")
def test_unknown_path_is_404_whatever_the_auth(server, path):
    for method in ("GET", "POST"):
        r = server.client.request(method, path, headers={"Authorization": "bad"})
        assert answer(r) == hec(404, 404, "The requested URL was not found on this server.")


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("GET", "/services/collector", "POST"),
        ("PUT", "/api/v1/ingest/hec/raw", "POST"),
        ("POST", "/services/collector/health", "GET"),
        ("DELETE", "/services/collector/health/1.0", "GET"),
        ("GET", "/services/collector/ack", "POST"),
        ("GET", "/api/v1/repositories/main/query", "POST"),
    ],
)
@pytest.mark.spec("EP-6", "BODY-12", profile="humio")
def test_wrong_method_is_405_with_allow(server, method, path, allow):
    r = server.client.request(method, path, headers={"Authorization": "bad"})
    assert answer(r) == hec(405, 405, "Method Not Allowed")
    assert r.headers["allow"] == allow


def test_keep_alive_serves_many_requests_on_one_connection(server, marker):
    with httpx.Client(base_url=server.url, limits=httpx.Limits(max_connections=1)) as client:
        for _ in range(20):
            r = client.post(
                "/services/collector",
                content=json.dumps(envelope(marker)),
                headers={"Authorization": f"Splunk {server.token()}"},
            )
            assert r.status_code == 200 and r.headers.get("connection") != "close"
    assert len(server.query(f"hec_case={marker}")) == 20
