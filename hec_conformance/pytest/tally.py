"""The reported outcomes of a session, read from pytest's reports: under pytest-xdist the controller
sees every worker's reports, so this counts the whole run wherever the cases ran."""

from __future__ import annotations

import pytest

from hec_conformance.verdict import count

OUTCOME_PROPERTY = "hec_outcome"  # the user property each case item carries: its reported outcome
HARNESS_ERROR_PROPERTY = "hec_harness_error"  # the one-line cause of an `error` outcome


class Tally:
    """A pytest plugin object: each case variant's reported outcome, and failures no verdict explains."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, str]] = []  # (outcome, node id, requirement ids)
        self.unexplained = 0  # failed reports without an outcome: a harness or plugin problem

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        props = dict(report.user_properties)
        if report.when != "teardown":
            if report.failed and OUTCOME_PROPERTY not in props:
                self.unexplained += 1
            return
        outcome = props.get(OUTCOME_PROPERTY)
        if outcome:
            self.seen.append((str(outcome), report.nodeid, str(props.get("requirements", ""))))

    def counts(self) -> dict[str, int]:
        """How many case variants had each outcome (every outcome present)."""
        return count(outcome for outcome, _, _ in self.seen)
