"""The suite under pytest, once a target is given: the engine, the corpus, selection, reports, summary."""

from __future__ import annotations

import dataclasses
import sys
from collections import deque
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from hec_conformance.catalogue import Requirement, load_catalogue
from hec_conformance.corpus import Case, CorpusError, default_cases_dir, load_cases
from hec_conformance.engine import Engine
from hec_conformance.pytest.harness import verdict_line
from hec_conformance.pytest.items import CaseFile, CaseItem
from hec_conformance.pytest.plugin import STATE, option
from hec_conformance.pytest.reporting import Reporting
from hec_conformance.pytest.tally import Tally
from hec_conformance.pytest.xdist import WorkerRecords
from hec_conformance.results import CaseFinished, ResultEvent
from hec_conformance.target import Target, TargetError, TokenRole, load_target, url_target, with_timeout
from hec_conformance.verdict import FAIL_ON, LEVELS, MISMATCHES, failing_mismatches
from hec_conformance.waivers import VendorProfileError


class Feed:
    """The case variants pytest runs, handed to the engine's run one at a time as items set up."""

    def __init__(self) -> None:
        self.pending: deque[tuple[Case, str]] = deque()
        self.closed = False

    def __iter__(self) -> Iterator[tuple[Case, str]]:
        while self.pending or not self.closed:
            if not self.pending:
                raise RuntimeError("the engine asked for a case variant before pytest gave one")
            yield self.pending.popleft()


@dataclass(eq=False)  # a plugin object: pluggy and pytest keep plugins in sets, so it hashes by identity
class Suite:
    """The state of one pytest session running the corpus, and the hooks that need it (a plugin object
    registered by `start`)."""

    engine: Engine
    cases_dir: Path
    cases_by_file: dict[Path, list[Case]]
    fail_on: str
    max_level: str
    requirements: tuple[str, ...]
    reporting: Reporting
    tally: Tally
    markers: set[str] = field(default_factory=set)
    feed: Feed = field(default_factory=Feed)
    events: Generator[ResultEvent, None, None] | None = None

    def run(self, case: Case, variant: str) -> CaseFinished:
        """Run one case variant as the next of this session's engine run; its verdict."""
        assert self.events is not None, "the session has not started"
        self.feed.pending.append((case, variant))
        for event in self.events:
            if isinstance(event, CaseFinished):
                return event
        raise RuntimeError("the engine's run ended before the case variant finished")

    def selected(self, case: Case, level: str | None) -> bool:
        """Whether `--hec-level` and `--hec-req` keep the case."""
        if level is not None and LEVELS.index(level) > LEVELS.index(self.max_level):
            return False
        wanted = self.requirements
        return not wanted or any(r == w or r.startswith(w + "-") for r in case.requirements for w in wanted)

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        self.events = self.engine.execute(self.feed)
        next(self.events)  # RunStarted

    def pytest_collect_file(self, file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
        if file_path.resolve() not in self.cases_by_file:
            return None
        collected: CaseFile = CaseFile.from_parent(parent, path=file_path)
        return collected

    def pytest_collection_modifyitems(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        keep: list[pytest.Item] = []
        drop: list[pytest.Item] = []
        for item in items:
            chosen = not isinstance(item, CaseItem) or self.selected(item.case, item.level)
            (keep if chosen else drop).append(item)
        if drop:
            config.hook.pytest_deselected(items=drop)
            items[:] = keep

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        if self.events is not None:  # the engine counts and announces the end of its run
            self.feed.closed = True
            for _ in self.events:
                pass
        self.engine.close()
        if not hasattr(config, "workerinput"):  # under pytest-xdist the controller writes the reports
            for path in self.reporting.finish():
                print(f"hecc: wrote {path}", file=sys.stderr)

    def pytest_terminal_summary(self, terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
        counts = self.tally.counts()
        if not any(counts.values()):
            return
        terminalreporter.section("HEC conformance")
        terminalreporter.write(self.reporting.table_text(terminalreporter.hasmarkup))
        below = MISMATCHES - failing_mismatches(self.fail_on)  # reported, but not failing the run
        for outcome, nodeid, reqs in self.tally.seen:
            if outcome in below:
                terminalreporter.write_line(f"{outcome.upper():5} {nodeid} ({reqs})")
        summary = ", ".join(f"{n} {o}" for o, n in sorted(counts.items()) if n)
        target = self.engine.target
        terminalreporter.write_line(
            f"{target.url} ({target.profile}): {summary}; {verdict_line(counts, self.fail_on)}"
        )


def _target(config: pytest.Config) -> Target:
    path, url, token = option(config, "target"), option(config, "url"), option(config, "token")
    profile = option(config, "profile")
    if profile is not None and profile not in ("humio", "splunk"):
        raise pytest.UsageError(f"--hec-profile must be humio or splunk, not {profile!r}")
    try:
        if path is None:
            if token is None:
                raise pytest.UsageError("--hec-url needs --hec-token")
            return url_target(str(url), token, profile or "humio")
        target = load_target(path)
    except TargetError as exc:
        raise pytest.UsageError(str(exc)) from None
    if profile:
        target = dataclasses.replace(target, profile=profile)
    if token:
        default = dataclasses.replace(target.tokens.get("default", TokenRole(token)), token=token)
        target = dataclasses.replace(target, tokens={**target.tokens, "default": default})
    try:
        return with_timeout(target, option(config, "timeout"))
    except TargetError as exc:
        raise pytest.UsageError(str(exc)) from None


def _choice(config: pytest.Config, name: str, default: str) -> str:
    value = (option(config, name) or default).lower()
    if value not in FAIL_ON:
        raise pytest.UsageError(f"--hec-{name.replace('_', '-')} must be one of {', '.join(FAIL_ON)}")
    return value


def _cases(cases_dir: Path) -> dict[Path, list[Case]]:
    try:
        by_file: dict[Path, list[Case]] = {}
        for case in load_cases([cases_dir]):
            by_file.setdefault(Path(case.file).resolve(), []).append(case)
    except CorpusError as exc:
        raise pytest.UsageError(f"the case corpus is not valid:\n{exc}") from None
    return by_file


def _reporting(
    config: pytest.Config,
    target: Target,
    by_file: dict[Path, list[Case]],
    fail_on: str,
    catalogue: dict[str, Requirement],
) -> Reporting:
    """Reports and the vendor profile (docs/results.md, docs/vendor-profiles.md)."""
    try:
        return Reporting.start(
            target,
            [c for cases in by_file.values() for c in cases],
            fail_on=fail_on,
            report_dir=option(config, "report_dir"),
            vendor_profile=option(config, "vendor_profile"),
            catalogue=catalogue,
        )
    except VendorProfileError as exc:
        raise pytest.UsageError(str(exc)) from None


def start(config: pytest.Config) -> None:
    """Load the target and the corpus, set up the engine and the reports, register the suite's hooks."""
    target = _target(config)
    fail_on = _choice(config, "fail_on", "must")
    max_level = _choice(config, "level", "may").upper()
    reqs = tuple(r.strip() for r in (option(config, "req") or "").split(",") if r.strip())
    cases_dir = Path(option(config, "cases") or default_cases_dir()).resolve()
    catalogue = load_catalogue()
    by_file = _cases(cases_dir)
    engine = Engine(target, catalogue, http_timeout=target.timeout)
    reporting = _reporting(config, target, by_file, fail_on, catalogue)
    engine.listeners.append(reporting.collector)
    config.pluginmanager.register(WorkerRecords(reporting.collector), "hec-reports-xdist")
    tally = next((p for p in config.pluginmanager.get_plugins() if isinstance(p, Tally)), None)
    if tally is None:  # `hecc run` brings its own, to read the outcomes after pytest ends
        tally = Tally()
        config.pluginmanager.register(tally, "hec-tally")
    suite = Suite(engine, cases_dir, by_file, fail_on, max_level, reqs, reporting, tally)
    config.stash[STATE] = suite
    config.pluginmanager.register(suite, "hec-suite")
    if config.args_source != pytest.Config.ArgsSource.ARGS:
        config.args = [str(cases_dir)]
