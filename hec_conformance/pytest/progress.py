"""A pytest plugin object for `hecc run`: a rich progress bar of case variants in place of pytest's dots."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import pytest
from rich.console import Console

from hec_conformance.pytest.plugin import STATE
from hec_conformance.reports.terminal import ProgressBar


class PytestProgress:
    """Draws the bar on stderr while the cases run (one process only); blanks pytest's dots and file names."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(stderr=True)
        self.bar: ProgressBar | None = None

    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        state = session.config.stash.get(STATE, None)
        if state is None or getattr(session.config.option, "numprocesses", None):
            return
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.showfspath = False  # no file name lines: the bar shows where the run is
        self.bar = ProgressBar(self.console, len(session.items))
        state.engine.listeners.append(self.bar)
        self.bar.__enter__()

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
