"""Benchmark 5b: the reference server's resident memory under a steady load after a warm-up."""

from __future__ import annotations

import threading
import time
from typing import Any

from .bodies import make_body
from .ingest import EVENT_PATH
from .servers import Running, rss_mb
from .wrk import run_wrk

__all__ = ["soak"]


def soak(server: Running, *, warmup_s: float, seconds: float, samples: int = 30) -> dict[str, Any]:
    """wrk at 64 connections for ``warmup_s`` + ``seconds``; RSS sampled evenly over the second part."""
    body = make_body("kv", 100)
    result: dict[str, Any] = {}

    def load() -> None:
        result["wrk"] = run_wrk(
            server.url + EVENT_PATH,
            body.data,
            token=server.token,
            gzip=False,
            connections=64,
            seconds=warmup_s + seconds,
        )

    worker = threading.Thread(target=load, daemon=True)
    started = time.monotonic()
    worker.start()
    time.sleep(warmup_s)
    rss = []
    for i in range(samples):
        rss.append(rss_mb(server.pid))
        time.sleep(max(0.0, started + warmup_s + (i + 1) * seconds / samples - time.monotonic()))
    worker.join(timeout=seconds + 60)
    first, last = rss[0], rss[-1]
    return {
        "warmup_s": warmup_s,
        "seconds": seconds,
        "rss_first_mb": round(first, 1),
        "rss_min_mb": round(min(rss), 1),
        "rss_max_mb": round(max(rss), 1),
        "rss_last_mb": round(last, 1),
        "drift": round((last - first) / first, 4),
        "spread": round((max(rss) - min(rss)) / first, 4),
        "events_per_s": round(result["wrk"].rps * 100, 1) if "wrk" in result else None,
    }
