"""A case file of the corpus as a pytest collector, and one item per variant of each of its cases."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from hec_conformance.corpus import Case
from hec_conformance.pytest.plugin import STATE
from hec_conformance.pytest.tally import HARNESS_ERROR_PROPERTY, OUTCOME_PROPERTY
from hec_conformance.results import CaseFinished
from hec_conformance.verdict import LEVELS, Outcome, Waiver, failing_mismatches

if TYPE_CHECKING:
    from _pytest._code.code import TerminalRepr


class CaseFailed(Exception):
    """The target broke an expectation at a level that fails the item."""


class CaseFile(pytest.File):
    """One case file of the corpus: its cases, each as one item per variant."""

    def collect(self) -> Iterator[CaseItem]:
        suite = self.config.stash[STATE]
        for case in suite.cases_by_file[self.path.resolve()]:
            for variant in suite.engine.variants(case):
                item: CaseItem = CaseItem.from_parent(
                    self, name=f"{case.id}[{variant}]", case=case, variant=variant
                )
                yield item


def _marker_name(word: str) -> str:
    return "".join(c if c.isalnum() or c in "_-." else "_" for c in word)


class CaseItem(pytest.Item):
    """One variant of one case. Setup runs it (harness problems are errors); the call gives the verdict."""

    def __init__(self, *, case: Case, variant: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.case = case
        self.variant = variant
        suite = self.config.stash[STATE]
        self.level: str | None = suite.engine.level(case)
        self.result: CaseFinished | None = None
        self.outcome: Outcome | None = (
            None  # the reported outcome: the engine's, or waived by the vendor profile
        )
        names = [*(n for n in [self.level] if n), *case.tags, *case.requirements, case.area]
        for name in dict.fromkeys(_marker_name(n) for n in names):
            if name.upper() in LEVELS:
                name = name.lower()
            elif name not in suite.markers:
                suite.markers.add(name)
                self.config.addinivalue_line("markers", f"{name}: HEC case tag, area or requirement")
            self.add_marker(name)
        self.user_properties += [
            ("requirements", " ".join(case.requirements)),
            ("level", self.level or "n/a"),
            ("variant", variant),
        ]

    def setup(self) -> None:
        suite = self.config.stash[STATE]
        self.result = suite.run(self.case, self.variant)
        verdict = suite.reporting.verdict(self.result)
        self.outcome = verdict.outcome
        self.user_properties.append((OUTCOME_PROPERTY, verdict.outcome.value))
        if verdict.waiver:
            self.user_properties.append(("waiver", verdict.waiver.value))
        if verdict.waiver is Waiver.WAIVED and verdict.deviation:
            pytest.skip(
                f"waived: {verdict.deviation.subject} ({verdict.deviation.reason}; "
                f"expires {verdict.deviation.expires})"
            )
        if self.result.outcome == Outcome.UNSUPPORTED:
            pytest.skip(f"unsupported: {'; '.join(self.result.messages)}")
        if self.result.outcome == Outcome.ERROR:
            cause = "; ".join(self.result.messages) or "harness error"
            self.user_properties.append((HARNESS_ERROR_PROPERTY, cause))
            if self.config.get_verbosity() > 0 or self.config.getoption("tbstyle", "auto") == "long":
                raise CaseFailed(self._explain())
            pytest.fail(f"harness error: {cause}", pytrace=False)  # one line, no traceback

    def runtest(self) -> None:
        suite = self.config.stash[STATE]
        if self.outcome in failing_mismatches(suite.fail_on):
            raise CaseFailed(self._explain())

    def _explain(self) -> str:
        assert self.result is not None
        return self.config.stash[STATE].reporting.case_text(self.result, self.case.line)

    def repr_failure(
        self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None
    ) -> str | TerminalRepr:
        if isinstance(excinfo.value, CaseFailed):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, int(getattr(self.case, "line", 1) or 1) - 1, f"{self.case.id}[{self.variant}]"
