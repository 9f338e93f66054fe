"""Harness errors under pytest: counted, grouped by cause in the summary, and a run stopped after
`--hec-max-errors` of them (a harness that keeps failing tells nothing more about the target).

    736 × read-back failed: the sentinel event was refused (... 403 Invalid token)

Also the one verdict line of a run, worded so that errors alone never read as non-conformance.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from typing import Any

import pytest

from hec_conformance.pytest import DEFAULT_MAX_ERRORS
from hec_conformance.pytest.tally import HARNESS_ERROR_PROPERTY
from hec_conformance.verdict import Outcome, failing_mismatches

_VOLATILE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\b\d+(\.\d+)?ms\b")


def cause(report: pytest.TestReport) -> str:
    """The one-line cause of a setup error (ids and durations blanked, so equal causes group)."""
    props = dict(report.user_properties)
    if HARNESS_ERROR_PROPERTY in props:
        text = str(props[HARNESS_ERROR_PROPERTY])
    else:  # not a case item's verdict: the last line pytest shows of it
        text = (str(report.longrepr).strip().splitlines() or ["?"])[-1].removeprefix("E").strip()
    return _VOLATILE.sub("…", text)


def verdict_line(counts: Mapping[str, int], fail_on: str) -> str:
    """Conforms / does not conform / incomplete: what the outcomes say at `fail_on`."""
    failing = sum(counts.get(o.value, 0) for o in failing_mismatches(fail_on))
    errors = counts.get(Outcome.ERROR.value, 0)
    incomplete = f"incomplete: {errors} harness error{'s' * (errors != 1)}"
    if failing:
        return f"does not conform at fail-on {fail_on}" + (f" ({incomplete})" if errors else "")
    return incomplete if errors else f"conforms at fail-on {fail_on}"


class HarnessErrors:
    """Counts the case items whose setup errored; stops the session after `max_errors` (0: never)."""

    def __init__(self, max_errors: int = DEFAULT_MAX_ERRORS) -> None:
        self.max_errors = max_errors
        self.causes: Counter[str] = Counter()
        self.session: pytest.Session | None = None

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        self.session = session

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when != "setup" or not report.failed:
            return
        self.causes[cause(report)] += 1
        total = sum(self.causes.values())
        if self.max_errors and total >= self.max_errors and self.session and not self.session.shouldstop:
            why = f"stopping after {total} harness errors (--max-errors {self.max_errors})"
            self.session.shouldstop = why
            dsession = self.session.config.pluginmanager.get_plugin("dsession")  # pytest-xdist controller
            if dsession is not None and not dsession.shouldstop:
                dsession.shouldstop = why

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not self.causes:
            return
        terminalreporter.section("harness errors (not verdicts on the target)")
        for text, n in self.causes.most_common():
            terminalreporter.write_line(f"{n} × {text}")
        if self.session is not None and self.session.shouldstop:
            terminalreporter.write_line(f"hecc: {self.session.shouldstop}")
