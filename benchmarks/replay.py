"""Benchmarks 2, 3 and 5a: `hecc replay` as a user runs it (a child process), against wrk and over time."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .bodies import make_body
from .captures import write_capture
from .ingest import EVENT_PATH
from .servers import Running, rss_mb, wait_idle
from .wrk import run_wrk

__all__ = ["ReplayRun", "fidelity", "replay", "replay_memory", "throughput", "write_target"]


@dataclass(frozen=True)
class ReplayRun:
    """The summary `hecc replay --json` printed, its wall time and its peak resident memory."""

    summary: dict[str, Any]
    wall_s: float
    peak_rss_mb: float


def write_target(server: Running, path: Path) -> Path:
    """A target file for ``server``: the reference server's own, or a minimal one for the bare app."""
    if server.target is not None:
        return server.target
    doc = {
        "url": server.url,
        "profile": "humio",
        "tokens": {"default": {"token": server.token, "repository": "main"}},
        "readback": {"kind": "none"},
    }
    path.write_text(yaml.safe_dump(doc))
    return path


def replay(capture: Path, target: Path, *, speed: str, concurrency: int, timeout: float) -> ReplayRun:
    """Run `hecc replay --json` and sample its RSS every 50 ms (VmHWM at the last sample)."""
    command = [
        sys.executable,
        "-m",
        "hec_conformance.cli",
        "replay",
        str(capture),
        "--target",
        str(target),
        "--speed",
        speed,
        "--concurrency",
        str(concurrency),
        "--json",
        "--no-progress",
    ]
    started = time.monotonic()
    with tempfile.TemporaryFile() as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.DEVNULL)
        peak = 0.0
        while process.poll() is None:
            if time.monotonic() - started > timeout:
                process.kill()
                process.wait()
                raise RuntimeError(f"hecc replay did not finish within {timeout:.0f} s")
            try:
                peak = max(peak, rss_mb(process.pid))
            except (OSError, RuntimeError):
                pass  # the process ended between poll() and the read
            time.sleep(0.05)
        wall = time.monotonic() - started
        out.seek(0)
        text = out.read().decode()
    if process.returncode not in (0, 1):
        raise RuntimeError(f"hecc replay exited {process.returncode}: {text[-300:]}")
    return ReplayRun(json.loads(text), wall, peak)


def throughput(server: Running, tmp: Path, *, seconds: float, connections: int = 64) -> dict[str, Any]:
    """Benchmark 2: requests/s of wrk, then of `hecc replay --speed max` with as many requests as wrk
    sent in ``seconds`` (same body, same connection count)."""
    body = make_body("kv", 100)
    load = run_wrk(
        server.url + EVENT_PATH,
        body.data,
        token=server.token,
        gzip=False,
        connections=connections,
        seconds=seconds,
    )
    capture = tmp / "throughput.jsonl"
    count = write_capture(capture, body.data, requests=max(200, int(load.rps * seconds)))
    wait_idle(server)
    run = replay(
        capture,
        write_target(server, tmp / "target.yaml"),
        speed="max",
        concurrency=connections,
        timeout=seconds * 20 + 120,
    )
    rps = float(run.summary["requests_per_second"])
    return {
        "requests": count,
        "wrk_rps": round(load.rps, 1),
        "replay_rps": rps,
        "ratio": round(rps / load.rps, 4) if load.rps else 0.0,
        "replay_differences": run.summary["differences"],
        "replay_latency_ms": run.summary["latency_ms"],
    }


def fidelity(server: Running, tmp: Path, *, requests: int, spread_seconds: float) -> dict[str, Any]:
    """Benchmark 3: |sent - recorded offset| at --speed 1 over irregular offsets (1-event bodies)."""
    capture = tmp / "fidelity.jsonl"
    write_capture(capture, make_body("kv", 1).data, requests=requests, spread_seconds=spread_seconds)
    run = replay(
        capture,
        write_target(server, tmp / "target.yaml"),
        speed="1",
        concurrency=64,
        timeout=spread_seconds * 3 + 120,
    )
    return {
        "requests": requests,
        "spread_s": spread_seconds,
        "lag_ms": run.summary["schedule_lag_ms"],
        "differences": run.summary["differences"],
    }


def replay_memory(server: Running, tmp: Path, *, capture_bytes: int) -> dict[str, Any]:
    """Benchmark 5a: peak RSS of `hecc replay --speed max` over a capture of ``capture_bytes``."""
    capture = tmp / "big.jsonl"
    count = write_capture(capture, make_body("kv", 1000).data, total_bytes=capture_bytes)
    size = capture.stat().st_size
    run = replay(
        capture, write_target(server, tmp / "target.yaml"), speed="max", concurrency=64, timeout=1800
    )
    capture.unlink()
    return {
        "capture_mb": round(size / 1e6, 1),
        "requests": count,
        "peak_rss_mb": round(run.peak_rss_mb, 1),
        "wall_s": round(run.wall_s, 1),
        "replay_rps": run.summary["requests_per_second"],
        "differences": run.summary["differences"],
    }
