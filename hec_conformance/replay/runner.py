"""Replay a capture to one target (or two, --against): the sending phase (in this process or forked
into several), then the stored events read back and compared. The parts live beside this module:
requests.py (bytes to send), sender.py (the event loop), answers.py (answers compared), processes.py
(--processes), stored.py (read-back compared)."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

from hec_conformance.replay.answers import Answers
from hec_conformance.replay.capture import CaptureWriter
from hec_conformance.replay.marking import Channels
from hec_conformance.replay.options import Options
from hec_conformance.replay.processes import fan_out
from hec_conformance.replay.requests import Check, Side, make_side
from hec_conformance.replay.sender import Sender
from hec_conformance.replay.stats import Stats
from hec_conformance.replay.stored import StoredComparison

__all__ = ["Options", "Replayer", "Side", "make_side"]
T = TypeVar("T")


def _run_loop(main: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine on uvloop when it is installed (faster), else on asyncio's loop."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    return uvloop.run(main)


class Replayer:
    """One replay run and what it found (`stats`). `on_done` is called once per finished request."""

    def __init__(
        self,
        capture: Path,
        sides: list[Side],
        options: Options,
        on_done: Callable[[], None] | None = None,
        save: Path | None = None,
    ) -> None:
        self.capture = capture
        self.sides = sides
        self.options = options
        self.stats = Stats(max_listed=options.max_listed, timed=options.schedule.timed)
        self.run_id = uuid.uuid4().hex[:12]
        self.channels = Channels(self.run_id)
        self.answers = Answers(self.stats)
        self._on_done = on_done or (lambda: None)
        self._save_path = save
        self.started_ms = 0
        self.ended_ms = 0

    def _send(self, share: tuple[int, int], epoch: float | None, on_done: Callable[[], None]) -> None:
        """This process's share of the sending phase; with --save, the capture written again as it goes."""
        with contextlib.ExitStack() as stack:
            if self._save_path is not None:
                self.answers.save = CaptureWriter(
                    stack.enter_context(self._save_path.open("w", encoding="utf-8"))
                )
            marking = (self.run_id, self.channels)
            sender = Sender(
                self.capture, self.sides, self.options, self.answers, marking, on_done, share, epoch
            )
            try:
                self.started_ms, self.ended_ms = _run_loop(sender.run())
            finally:
                self.answers.save = None

    def _child(self, index: int, count: int, epoch: float, tick: Callable[[], None]) -> dict[str, Any]:
        """A forked process's share, and what it found (merged by `send_all`)."""
        self._send((index, count), epoch, tick)
        checks = list(self.answers.checks.values())
        return {"stats": self.stats.export(), "checks": checks, "span": (self.started_ms, self.ended_ms)}

    def send_all(self) -> None:
        """The sending phase; with --processes N, N forked processes each send their share."""
        count = self.options.processes
        if count == 1:
            self._send((0, 1), None, self._on_done)
            return
        exported = fan_out(count, self._child, self._on_done)
        for data in exported:
            self.stats.merge(data["stats"])
            for check in data["checks"]:
                self.answers.merge(check)
        self.started_ms = min(d["span"][0] for d in exported)
        self.ended_ms = max(d["span"][1] for d in exported)

    @property
    def checks(self) -> dict[tuple[str, str], Check]:
        """What read-back looks for, per correlation key."""
        return self.answers.checks

    def read_back(self) -> None:
        """Compare stored events: each key with what its requests carried, and between the two targets."""
        if self.options.settle:
            time.sleep(self.options.settle)
        comparison = StoredComparison(self.sides, self.stats, self.options.ignore)
        checks = self.answers.checks.values() if self.options.mark else None
        comparison.run(checks, (self.started_ms, self.ended_ms))
