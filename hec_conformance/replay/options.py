"""How to replay: the settings of `hecc replay`, shared by the sender, the comparisons and the runner."""

from __future__ import annotations

from dataclasses import dataclass

from hec_conformance.replay.schedule import Schedule


@dataclass
class Options:
    """How to replay (the command-line options of `hecc replay`)."""

    schedule: Schedule = Schedule()
    concurrency: int = 64
    mark: bool = False
    ordered: bool = True
    ignore: tuple[str, ...] = ()
    settle: float = 0.0
    timeout: float = 30.0
    max_listed: int = 200
    processes: int = 1
