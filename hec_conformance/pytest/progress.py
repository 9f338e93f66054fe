"""Pytest plugin objects for `hecc run`: how far the run is, and a header without pytest's config line.

On a terminal (one process) a rich progress bar of case variants replaces pytest's dots. In a CI log
(stdout not a terminal) or with pytest-xdist (`-n`), a progress line goes to stderr every few seconds
or every 10 % of the case variants, with the counts so far and an estimate of the time left:

    hecc: 117/1167 (10 %): 98 pass, 4 fail, 15 unsupported; 0:00:12 elapsed, about 0:01:48 left
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Callable, Generator
from datetime import timedelta
from typing import Any

import pytest
from rich.console import Console

from hec_conformance.pytest.plugin import STATE
from hec_conformance.pytest.tally import OUTCOME_PROPERTY
from hec_conformance.reports.terminal import ProgressBar
from hec_conformance.verdict import Outcome

LINE_EVERY_S = 5.0
LINE_EVERY_FRACTION = 0.1


def _clock(seconds: float) -> str:
    return str(timedelta(seconds=round(seconds)))


class ProgressLines:
    """Progress as whole lines (for logs): every LINE_EVERY_S seconds or LINE_EVERY_FRACTION of the run."""

    def __init__(self, write: Callable[[str], None], clock: Callable[[], float] = time.monotonic) -> None:
        self.write = write
        self.clock = clock
        self.total = 0
        self.counts: Counter[str] = Counter()
        self.started = self.last_time = clock()
        self.last_done = 0

    def start(self, total: int) -> None:
        """The number of case variants the run will report."""
        self.total = total
        self.started = self.last_time = self.clock()

    def finished(self, outcome: str) -> None:
        """One case variant reported `outcome`; writes a line when one is due."""
        self.counts[outcome] += 1
        done = sum(self.counts.values())
        now = self.clock()
        step = max(1, int(self.total * LINE_EVERY_FRACTION))
        if now - self.last_time < LINE_EVERY_S and done - self.last_done < step and done != self.total:
            return
        self.last_time, self.last_done = now, done
        self.write(self.line(done, now))

    def line(self, done: int, now: float) -> str:
        """The progress line after `done` case variants."""
        elapsed = now - self.started
        counts = ", ".join(f"{self.counts[o]} {o}" for o in Outcome if self.counts[o])
        share = f" ({100 * done // self.total} %)" if self.total else ""
        left = ""
        if self.total and done < self.total:
            left = f", about {_clock(elapsed / done * (self.total - done))} left"
        of = f"/{self.total}" if self.total else ""
        return f"hecc: {done}{of}{share}: {counts}; {_clock(elapsed)} elapsed{left}"


class PytestProgress:
    """A bar on a terminal with one process, else progress lines; blanks pytest's dots under the bar."""

    def __init__(self, console: Console | None = None, stdout_is_terminal: bool | None = None) -> None:
        self.console = console or Console(stderr=True)
        self.terminal = sys.stdout.isatty() if stdout_is_terminal is None else stdout_is_terminal
        self.bar: ProgressBar | None = None
        self.lines: ProgressLines | None = None

    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        state = session.config.stash.get(STATE, None)
        if state is None or hasattr(session.config, "workerinput"):
            return
        if not self.terminal or getattr(session.config.option, "numprocesses", None):
            self._lines(len(session.items))
            return
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.showfspath = False  # no file name lines: the bar shows where the run is
        self.bar = ProgressBar(self.console, len(session.items))
        state.engine.listeners.append(self.bar)
        self.bar.__enter__()

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        if self.lines is None or not self.lines.total:
            self._lines(len(ids))

    def _lines(self, total: int) -> None:
        if self.lines is None:
            self.lines = ProgressLines(lambda text: print(text, file=sys.stderr, flush=True))
        self.lines.start(total)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        outcome = dict(report.user_properties).get(OUTCOME_PROPERTY)
        if self.lines is not None and report.when == "teardown" and outcome:
            self.lines.finished(str(outcome))

    def pytest_sessionfinish(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)

    @pytest.hookimpl(wrapper=True)
    def pytest_report_teststatus(self, report: pytest.TestReport) -> Generator[None, Any, Any]:
        status = yield
        if self.bar is None or not isinstance(status, tuple):
            return status
        category, _, word = status
        return category, "", word

    @pytest.hookimpl(wrapper=True)
    def pytest_report_header(self) -> Generator[None, Any, Any]:
        """Pytest's header without `configfile: .../dev/null` (hecc run reads no pytest config file)."""
        sections = yield
        return [
            [line for line in lines if not line.startswith("configfile:")]
            if isinstance(lines, list)
            else lines
            for lines in sections
        ]
