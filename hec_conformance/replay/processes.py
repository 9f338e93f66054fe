"""--processes N: the sending phase forked into N processes (one event loop cannot keep many connections
busy on its own), each sending its share from one common schedule zero; their results come back here."""

from __future__ import annotations

import multiprocessing
import multiprocessing.queues
import queue
import time
from collections.abc import Callable
from typing import Any

from hec_conformance.replay.capture import CaptureError

EPOCH_DELAY = 0.3  # seconds from now to the schedule's zero, for the processes to start

# child(index, count, epoch, tick) sends share `index` of `count` and returns what it found (picklable)
Child = Callable[[int, int, float, Callable[[], None]], dict[str, Any]]


def _run_child(child: Child, index: int, count: int, epoch: float, results: Any, done: Any) -> None:
    def tick() -> None:
        with done.get_lock():
            done.value += 1

    try:
        results.put(child(index, count, epoch, tick))
    except (CaptureError, OSError) as exc:
        results.put({"error": str(exc)})


def fan_out(count: int, child: Child, on_done: Callable[[], None]) -> list[dict[str, Any]]:
    """Run `child` in `count` forked processes; their results (any order). Every `tick` of a child
    calls `on_done` here (the progress bar). A child that failed or died is a CaptureError."""
    ctx = multiprocessing.get_context("fork")
    results: multiprocessing.queues.Queue[dict[str, Any]] = ctx.Queue()
    done = ctx.Value("q", 0)
    epoch = time.time() + EPOCH_DELAY
    procs = [
        ctx.Process(target=_run_child, args=(child, i, count, epoch, results, done)) for i in range(count)
    ]
    for proc in procs:
        proc.start()
    exported: list[dict[str, Any]] = []
    shown = 0
    while len(exported) < count:
        try:
            exported.append(results.get(timeout=0.1))
        except queue.Empty:
            if all(not proc.is_alive() for proc in procs) and results.empty():
                raise CaptureError("a replay process ended without a result") from None
        for _ in range(done.value - shown):
            on_done()
        shown = done.value
    for proc in procs:
        proc.join()
    for data in exported:
        if "error" in data:
            raise CaptureError(data["error"])
    return exported
