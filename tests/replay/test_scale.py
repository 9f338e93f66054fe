"""A capture larger than the memory budget is streamed: `hecc replay` stays under 200 MB RSS."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from replaykit import ROOT, CountingServer

REQUESTS, BODY = 240, 1_000_000  # a 240 MB capture
MEASURE = """
import resource, subprocess, sys
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"rc": done.returncode, "rss_mb": rss_mb, "stdout": done.stdout, "stderr": done.stderr}))
"""


def test_big_capture_replays_in_bounded_memory(tmp_path: Path) -> None:
    capture = tmp_path / "big.jsonl"
    with capture.open("w") as out:
        for i in range(REQUESTS):
            body = f'{{"event": "{i:03d} {"y" * BODY}"}}'
            out.write(
                json.dumps(
                    {
                        "seq": i + 1,
                        "offset_ms": i,
                        "method": "POST",
                        "path": "/services/collector/event",
                        "query": None,
                        "headers": [["Authorization", "Splunk ${token:default}"]],
                        "body": {"text": body},
                    }
                )
                + "\n"
            )
    assert capture.stat().st_size > 200 * 1024 * 1024
    sink = CountingServer()
    try:
        target = sink.target_file(tmp_path / "sink.yaml")
        measured = subprocess.run(
            [
                sys.executable,
                "-c",
                "import json\n" + MEASURE,
                sys.executable,
                "-m",
                "hec_conformance.cli",
                "replay",
                str(capture),
                "--target",
                str(target),
                "--speed",
                "max",
                "--json",
            ],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=ROOT,
            check=False,
        )
    finally:
        sink.stop()
    result = json.loads(measured.stdout)
    assert result["rc"] == 0, result["stdout"][-2000:] + result["stderr"][-2000:]
    assert result["rss_mb"] < 200, result["rss_mb"]
    assert json.loads(result["stdout"])["requests"] == REQUESTS
    assert sorted(sink.bodies) == sorted(
        f'{{"event": "{i:03d} {"y" * 50}'.encode()[:64] for i in range(REQUESTS)
    )
    assert set(sink.bodies.values()) == {1}
