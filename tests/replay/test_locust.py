"""`hecc replay --locust` in distributed mode: a master and two workers on loopback send every request
of a capture exactly once (counted at a test-only receiving server)."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
from pathlib import Path

from replaykit import ROOT, CountingServer, exchange_line, write_lines

REQUESTS = 60


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_master_and_two_workers_send_each_request_once(tmp_path: Path) -> None:
    sink = CountingServer()
    capture = write_lines(
        tmp_path / "load.jsonl",
        [
            exchange_line(i + 1, i * 5.0, "/services/collector/event", f'{{"event": "locust {i}"}}')
            for i in range(REQUESTS)
        ],
    )
    target = sink.target_file(tmp_path / "sink.yaml")
    port = _free_port()
    base = [
        sys.executable,
        "-m",
        "hec_conformance.cli",
        "replay",
        str(capture),
        "--target",
        str(target),
        "--locust",
        "--locust-workers",
        "2",
    ]
    logs = [(tmp_path / f"{name}.log").open("wb") for name in ("master", "w1", "w2")]
    procs: list[subprocess.Popen[bytes]] = []
    try:
        procs.append(
            subprocess.Popen(
                [
                    *base,
                    "--concurrency",
                    "4",
                    "--locust-args",
                    f"--master-bind-host 127.0.0.1 --master-bind-port {port}",
                ],
                stdout=logs[0],
                stderr=subprocess.STDOUT,
                cwd=ROOT,
            )
        )
        for log in logs[1:]:
            procs.append(
                subprocess.Popen(
                    [*base, "--locust-args", f"--worker --master-port {port}"],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    cwd=ROOT,
                )
            )
        rc = procs[0].wait(timeout=90)
        for worker in procs[1:]:
            worker.wait(timeout=30)
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)
        for log in logs:
            log.close()
        sink.stop()
    master_log = (tmp_path / "master.log").read_text()
    assert rc == 0, master_log[-3000:]
    expected = {f'{{"event": "locust {i}"}}'.encode() for i in range(REQUESTS)}
    assert set(sink.bodies) == expected, master_log[-2000:]
    assert set(sink.bodies.values()) == {1}, sink.bodies.most_common(3)
    assert re.search(rf"Aggregated\s+{REQUESTS}\s+0\(0\.00%\)", master_log), master_log[-2000:]
