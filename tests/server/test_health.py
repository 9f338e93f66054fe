"""EP-4 while ingest cannot accept: a store that cannot commit answers 503, and recovers."""

from __future__ import annotations

import json
import socket
import sqlite3
import time

import pytest
from serverkit import OK, answer, envelope, hec, launch, raw_exchange

CONFIG = """\
repositories: [main]
tokens: [{token: h-default, repository: main, role: default}]
read_tokens: [h-read]
limits: {max_queued_events: 5, max_connections: 3}
"""
BUSY = hec(503, 9, "Server is busy")
UNHEALTHY = hec(503, 18, "HEC is unhealthy, queues are full")


@pytest.mark.spec("EP-4", profile="humio")
def test_health_follows_the_store(tmp_path, marker):
    srv = launch(tmp_path, config=CONFIG)
    try:
        body = "".join(json.dumps(envelope(marker, str(i))) for i in range(6))
        assert answer(srv.post("/services/collector", body)) == BUSY  # more than the queue holds
        assert answer(srv.client.get("/services/collector/health")) == hec(200, 17, "HEC is healthy")

        blocker = sqlite3.connect(srv.data / "events.sqlite3", isolation_level=None)
        blocker.execute("BEGIN EXCLUSIVE")  # another writer holds the database: commits cannot happen
        started = time.monotonic()
        assert answer(srv.post("/services/collector", json.dumps(envelope(marker)))) == BUSY
        assert time.monotonic() - started < 15
        assert answer(srv.client.get("/services/collector/health")) == UNHEALTHY
        blocker.execute("ROLLBACK")
        blocker.close()

        assert answer(srv.post("/services/collector", json.dumps(envelope(marker, "after")))) == OK
        assert answer(srv.client.get("/services/collector/health")) == hec(200, 17, "HEC is healthy")
        assert [e["@rawstring"] for e in srv.query(f"hec_case={marker}")] == ["after"]
    finally:
        srv.stop()


def test_connections_beyond_the_limit_get_503_code_9(tmp_path):
    srv = launch(tmp_path, config=CONFIG)
    host, port = srv.url.rsplit("//", 1)[1].rsplit(":", 1)
    try:
        held = [socket.create_connection((host, int(port)), timeout=5) for _ in range(3)]
        status, headers, body = raw_exchange(srv.url, b"GET /services/collector/health HTTP/1.1\r\n\r\n")
        assert (status, json.loads(body)) == BUSY and headers["content-type"] == "application/json"
        for sock in held:
            sock.close()
        time.sleep(0.2)
        assert srv.healthy()
    finally:
        srv.stop()
