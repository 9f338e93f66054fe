"""Concurrent load and crash safety: every event answered 200 is stored exactly once, even after kill -9."""

from __future__ import annotations

import signal
from collections import Counter

from serverkit import CLIENTS, SUITE, assert_acked_kept_all_or_nothing, kill_under_load, launch, run_clients


def test_eight_clients_two_thousand_events_each(server, marker):
    assert run_clients(server, marker, per_client=2000, size=50) == []
    found = server.query(f"hec_case={marker}")
    assert len(found) == CLIENTS * 2000
    pairs = Counter((e["client"], e["seq"]) for e in found)
    assert len(pairs) == CLIENTS * 2000 and set(pairs.values()) == {1}
    assert len({e["@id"] for e in found}) == len(found)
    for e in found:
        assert e["@rawstring"] == f"client={e['client']} seq={e['seq']}"
        assert e["@timestamp"] == (1_700_000_000 + int(e["seq"])) * 1000 and e["#repo"] == "main"
    per_client = [[int(e["seq"]) for e in found if e["client"] == str(c)] for c in range(CLIENTS)]
    assert all(seqs == list(range(2000)) for seqs in per_client)  # @timestamp order = send order here


def test_kill_9_loses_no_acknowledged_event(tmp_path, marker):
    srv = launch(tmp_path, config=SUITE)
    acked = kill_under_load(srv, marker, lambda: srv.proc.send_signal(signal.SIGKILL))
    again = launch(tmp_path, config=SUITE, data=srv.data)
    try:
        found = again.query(f"hec_case={marker}")
    finally:
        again.stop()
    assert_acked_kept_all_or_nothing(found, acked)
