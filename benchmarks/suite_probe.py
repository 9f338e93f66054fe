"""A pytest plugin for benchmark 4 (``hecc run -- -p benchmarks.suite_probe``): where the run's time goes.

It listens to the engine's result events and, when pytest ends, writes to $BENCH_SUITE_PROBE the time
of start-up (process launch, $BENCH_SUITE_LAUNCH, to pytest's configure), the summed case durations,
request round trips and read-back polls, and when the last case finished.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

import pytest

from hec_conformance.pytest.plugin import STATE
from hec_conformance.results import CaseFinished, EventsRead, ResponseReceived

_TOTALS: dict[str, Any] = {"cases": 0, "case_s": 0.0, "requests": 0, "request_s": 0.0, "polls": 0}


def _listen(event: object) -> None:
    if isinstance(event, ResponseReceived):
        _TOTALS["requests"] += 1
        _TOTALS["request_s"] += event.elapsed_ms / 1000
    elif isinstance(event, EventsRead):
        _TOTALS["polls"] += event.polls
    elif isinstance(event, CaseFinished):
        _TOTALS["cases"] += 1
        _TOTALS["case_s"] += event.duration_ms / 1000
        _TOTALS["last_case_end"] = time.time()
        _TOTALS.setdefault("first_case_end", time.time())


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    _TOTALS["configured"] = time.time()
    if STATE in config.stash:
        config.stash[STATE].engine.listeners.append(_listen)


def pytest_unconfigure(config: pytest.Config) -> None:
    _TOTALS["launch"] = float(os.environ["BENCH_SUITE_LAUNCH"])
    _TOTALS["unconfigured"] = time.time()
    with open(os.environ["BENCH_SUITE_PROBE"], "w") as out:
        json.dump(_TOTALS, out)
