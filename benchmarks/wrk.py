"""Running wrk (the load of benchmarks 1, 2, 5 and 6) with a Lua script that posts one body file."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

__all__ = ["WrkError", "WrkResult", "run_wrk"]

# Every request posts the same body; done() prints one JSON line that run_wrk reads back.
_SCRIPT = """
local f = assert(io.open(os.getenv("BENCH_BODY"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Authorization"] = "Splunk " .. os.getenv("BENCH_TOKEN")
wrk.headers["Content-Type"] = "application/json"
if os.getenv("BENCH_GZIP") == "1" then wrk.headers["Content-Encoding"] = "gzip" end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\\nBENCH {"requests":%d,"duration_us":%d,"bytes":%d,"p50_us":%d,"p99_us":%d,"max_us":%d,' ..
    '"errors":%d,"status_errors":%d}\\n',
    summary.requests, summary.duration, summary.bytes, latency:percentile(50),
    latency:percentile(99), latency.max, e.connect + e.read + e.write + e.timeout, e.status))
end
"""


class WrkError(RuntimeError):
    """wrk is missing or did not report."""


@dataclass(frozen=True)
class WrkResult:
    """What one wrk run measured."""

    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    errors: int  # socket errors and timeouts
    status_errors: int  # answers other than 2xx/3xx

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def run_wrk(
    url: str, body: bytes, *, token: str, gzip: bool, connections: int, seconds: float, threads: int = 1
) -> WrkResult:
    """Post ``body`` to ``url`` over ``connections`` keep-alive connections for ``seconds``."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise WrkError("wrk is not installed (apt-get install -y wrk)")
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as tmp:
        script, body_file = Path(tmp, "post.lua"), Path(tmp, "body")
        script.write_text(_SCRIPT)
        body_file.write_bytes(body)
        env = {
            "BENCH_BODY": str(body_file),
            "BENCH_TOKEN": token,
            "BENCH_GZIP": "1" if gzip else "0",
            "PATH": "/usr/bin:/bin",
        }
        duration = max(1, round(seconds))
        command = [
            wrk,
            f"-t{min(threads, connections)}",
            f"-c{connections}",
            f"-d{duration}s",
            "--timeout",
            "10s",
            "-s",
            str(script),
            url,
        ]
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=duration + 30)
    for line in done.stdout.splitlines():
        if line.startswith("BENCH "):
            data = json.loads(line[6:])
            return WrkResult(
                requests=data["requests"],
                seconds=data["duration_us"] / 1e6,
                p50_ms=data["p50_us"] / 1000,
                p99_ms=data["p99_us"] / 1000,
                max_ms=data["max_us"] / 1000,
                errors=data["errors"],
                status_errors=data["status_errors"],
            )
    raise WrkError(
        f"wrk did not report (exit {done.returncode}): {done.stderr.strip() or done.stdout[-300:]}"
    )
