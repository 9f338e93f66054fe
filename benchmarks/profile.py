"""Where the reference server's time goes: a py-spy profile under wrk, summarised by function."""

from __future__ import annotations

import collections
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from .bodies import make_body
from .ingest import EVENT_PATH
from .servers import Running, wait_idle
from .wrk import run_wrk

__all__ = ["profile", "summarise"]

# Inclusive time counts from the first frame of the request path or the store on (not the runner,
# the CLI and the server loop, which hold every sample).
_ENTRY_FILES = ("(app.py)", "(store.py)")
_FILE = re.compile(r"\s*\((?:[^()]*/)?([^/()]+\.py)(?::\d+)?\)")


def summarise(raw: str, top: int = 15) -> dict[str, Any]:
    """py-spy ``--format raw`` (folded stacks) -> share of samples by thread, by own function and
    by function including callees (from the app or store frame down)."""
    own: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    threads: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.splitlines():
        stack, _, count = line.rstrip().rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = [_FILE.sub(r" (\1)", frame) for frame in stack.split(";")]
        threads[frames[0].split(":")[0] if frames[0].startswith("thread") else "?"] += n
        own[frames[-1]] += n
        entry = next((i for i, frame in enumerate(frames) if frame.endswith(_ENTRY_FILES)), len(frames))
        for frame in set(frames[entry:]):
            inclusive[frame] += n

    def shares(counter: collections.Counter[str]) -> list[list[Any]]:
        return [[name, round(n / total, 4)] for name, n in counter.most_common(top)] if total else []

    return {"samples": total, "threads": shares(threads), "self": shares(own), "inclusive": shares(inclusive)}


def profile(server: Running, *, seconds: float, kind: str = "kv") -> dict[str, Any]:
    """py-spy (if installed) on the server while wrk posts 100-event ``kind`` bodies at 64 connections.

    ``--gil`` samples only the thread holding the GIL: the server's Python work is GIL-bound, and
    threads waiting (in fsync, on a queue) would otherwise count as busy."""
    py_spy = shutil.which("py-spy")
    if py_spy is None:
        return {"skipped": "py-spy is not installed (pip install py-spy)"}
    duration = max(1, round(seconds))
    wait_idle(server)
    with tempfile.TemporaryDirectory(prefix="bench-prof-") as tmp:
        out = Path(tmp, "profile.txt")
        spy = subprocess.Popen(
            [
                py_spy,
                "record",
                "-p",
                str(server.pid),
                "-o",
                str(out),
                "--format",
                "raw",
                "-d",
                str(duration),
                "-r",
                "200",
                "--threads",
                "--gil",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        load = run_wrk(
            server.url + EVENT_PATH,
            make_body(kind, 100).data,
            token=server.token,
            gzip=False,
            connections=64,
            seconds=duration,
        )
        _, err = spy.communicate(timeout=duration + 60)
        if not out.exists():
            return {"skipped": f"py-spy failed: {err.decode(errors='replace').strip()[-300:]}"}
        summary = summarise(out.read_text())
    summary["kind"] = kind
    summary["events_per_s_while_profiled"] = round(load.rps * 100, 1)
    return summary
