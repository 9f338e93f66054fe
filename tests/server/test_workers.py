"""``--workers N``: processes on one port (SO_REUSEPORT) and one WAL file; ids unique, nothing lost."""

from __future__ import annotations

import os
import signal
import time
from collections import Counter
from pathlib import Path

from serverkit import (
    CLIENTS,
    SUITE,
    Server,
    assert_acked_kept_all_or_nothing,
    kill_under_load,
    launch,
    run_clients,
    run_failing,
)

NO_ACK = """\
repositories: [main]
tokens:
  - {token: workers-default, repository: main, role: default}
read_tokens: [workers-read]
"""


def workers_of(srv: Server) -> list[int]:
    return [
        int(pid) for pid in Path(f"/proc/{srv.proc.pid}/task/{srv.proc.pid}/children").read_text().split()
    ]


def alive(pid: int) -> bool:
    """The process exists and is no zombie (an orphan is reaped by whatever runs as pid 1)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_two_workers_store_every_event_once_with_unique_ids(tmp_path, marker):
    srv = launch(tmp_path, "--workers", "2", config=NO_ACK)
    try:
        [worker] = workers_of(srv)
        processes = [srv.proc.pid, worker]
        before = [cpu_seconds(pid) for pid in processes]
        assert run_clients(srv, marker, per_client=1500, size=50) == []
        used = [cpu_seconds(pid) - was for pid, was in zip(processes, before, strict=True)]
        found = srv.query(f"hec_case={marker}")
        assert "workers: 2" in srv.log.read_text()
    finally:
        assert srv.stop() == 0
    # Both processes took connections and worked. SO_REUSEPORT spreads the 8 connections by hash, so
    # one process may get a single one (~0.03 s of CPU on a loaded machine); an idle process uses at
    # most one clock tick (0.01 s) over the run.
    assert all(seconds > 0.02 for seconds in used), used
    assert len(found) == CLIENTS * 1500
    assert len({e["@id"] for e in found}) == len(found)
    pairs = Counter((e["client"], e["seq"]) for e in found)
    assert len(pairs) == CLIENTS * 1500 and set(pairs.values()) == {1}
    assert not alive(worker)


def test_kill_9_of_every_worker_loses_no_acknowledged_event(tmp_path, marker):
    srv = launch(tmp_path, "--workers", "2", config=NO_ACK)

    def kill_all() -> None:
        for pid in workers_of(srv):
            os.kill(pid, signal.SIGKILL)
        srv.proc.send_signal(signal.SIGKILL)

    acked = kill_under_load(srv, marker, kill_all)
    again = launch(tmp_path, "--workers", "2", config=NO_ACK, data=srv.data)
    try:
        found = again.query(f"hec_case={marker}")
    finally:
        again.stop()
    assert len({e["@id"] for e in found}) == len(found)  # @id unique across workers
    assert_acked_kept_all_or_nothing(found, acked)


def test_the_workers_stop_with_the_first_process(tmp_path):
    srv = launch(tmp_path, "--workers", "3", config=NO_ACK)
    workers = workers_of(srv)
    assert len(workers) == 2
    srv.proc.send_signal(signal.SIGKILL)  # the workers die with it (PR_SET_PDEATHSIG)
    srv.proc.wait(timeout=10)
    deadline = time.monotonic() + 20
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(alive(pid) for pid in workers)


def test_workers_refuse_acknowledgement_and_in_memory(tmp_path):
    message = run_failing(tmp_path, "--workers", "2", "--config", str(SUITE), "--port", "0")
    assert message == (
        "reference_server: --workers 2: acknowledgement is configured (ack: true on token ack); ack ids"
        " live in one process, so run with --workers 1 or without ack tokens"
    )
    config = tmp_path / "no-ack.yaml"
    config.write_text(NO_ACK)
    message = run_failing(tmp_path, "--workers", "2", "--config", str(config), "--in-memory", "--port", "0")
    assert (
        message
        == "reference_server: --workers 2: --in-memory would give each worker its own store; use --data"
    )
    assert (
        run_failing(tmp_path, "--workers", "0", "--port", "0") == "reference_server: --workers 0: at least 1"
    )
