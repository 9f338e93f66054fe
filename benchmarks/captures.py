"""Capture files (docs/captures.md) for the replay benchmarks, written straight to disk."""

from __future__ import annotations

import json
import random
from pathlib import Path

__all__ = ["write_capture"]

_SUCCESS = '{"text":"Success","code":0}'


def _line(seq: int, offset_ms: float, body: str) -> str:
    return (
        json.dumps(
            {
                "seq": seq,
                "offset_ms": round(offset_ms, 3),
                "method": "POST",
                "path": "/services/collector/event",
                "query": None,
                "http_version": "1.1",
                "headers": [
                    ["Authorization", "Splunk ${token:default}"],
                    ["Content-Type", "application/json"],
                ],
                "body": {"text": body},
                "response": {
                    "status": 200,
                    "headers": [["Content-Type", "application/json"]],
                    "body": {"text": _SUCCESS},
                },
            }
        )
        + "\n"
    )


def write_capture(
    path: Path,
    body: bytes,
    *,
    requests: int = 0,
    total_bytes: int = 0,
    spread_seconds: float = 0.0,
    seed: int = 7,
) -> int:
    """Write ``requests`` POSTs of ``body`` (or as many as fill ``total_bytes`` of file); returns the count.

    With ``spread_seconds`` the offsets are random (seeded) over that span, so timing fidelity is
    measured on irregular gaps; without it every offset is 0 (only --speed max uses such a capture).
    """
    text = body.decode("utf-8")
    rng = random.Random(seed)
    written = size = 0
    with path.open("w", encoding="utf-8") as out:
        offsets = (
            sorted(rng.uniform(0, spread_seconds * 1000) for _ in range(requests)) if spread_seconds else []
        )
        while (written < requests) if requests else (size < total_bytes):
            line = _line(written + 1, offsets[written] if offsets else 0.0, text)
            out.write(line)
            size += len(line)
            written += 1
    return written
