"""Front end 1: the pytest plugin. Collects the case corpus as items only when a target is given.

    pytest --hec-target target.yaml                 # every case against that target
    pytest --hec-url https://h:8088 --hec-token T   # a bare endpoint: no read-back, no capabilities
    pytest --hec-target t.yaml -m must -k kv --hec-req TIME-1

Items are named `file::case-id[variant]`. `unsupported` is a skip with its reason; `warn` (SHOULD)
and `info` (MAY) pass unless `--hec-fail-on` says otherwise; a harness problem (unreachable target,
read-back failure) is an error in setup, never a failure of the target.
"""

from __future__ import annotations

import dataclasses
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from hec_conformance.results import CaseFinished, ResultEvent
from hec_conformance.target import Target, TargetError, TokenRole, load_target, url_target

if TYPE_CHECKING:
    from hec_conformance.engine import Engine
    from hec_conformance.reports import Reporting

LEVEL_ORDER = {"MUST": 0, "SHOULD": 1, "MAY": 2}
FAILING = {"must": {"fail"}, "should": {"fail", "warn"}, "may": {"fail", "warn", "info"}}
OPTIONS = {
    "target": "target file (docs/targets.md); turns the conformance suite on",
    "url": "base URL of a bare HEC endpoint (with --hec-token); turns the conformance suite on",
    "token": "ingest token of role `default` (overrides the target file's)",
    "profile": "humio or splunk (overrides the target file's)",
    "level": "run only cases at this level or stricter: must, should or may (default may: all)",
    "fail_on": "what fails an item: must (default: only MUST breaks), should (also SHOULD), may (all)",
    "req": "run only cases checking these requirement ids (comma-separated; `TIME` selects TIME-*)",
    "cases": "directory of case files (default: the bundled corpus)",
    "report_dir": "write results.json, junit.xml, report.html and badges in this directory (docs/results.md)",
    "vendor_profile": "vendor profile of known deviations (docs/vendor-profiles.md; default: "
    "<target>.vendor-profile.yaml beside the target file, if any)",
}
OUTCOME_PROPERTY = "hec_outcome"


class CaseFailed(Exception):
    """The target broke an expectation at a level that fails the item."""


@dataclass
class _State:
    engine: Engine
    cases_dir: Path
    cases_by_file: dict[Path, list[Any]]
    fail_on: str
    max_level: str
    requirements: tuple[str, ...]
    reporting: Reporting
    markers: set[str] = field(default_factory=set)
    started: float = field(default_factory=time.monotonic)
    recording: list[ResultEvent] | None = None
    finished: list[CaseFinished] = field(default_factory=list)

    def listen(self, event: ResultEvent) -> None:
        if self.recording is not None:
            self.recording.append(event)
        if isinstance(event, CaseFinished):
            self.finished.append(event)


STATE = pytest.StashKey[_State]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("hec", "HEC conformance suite")
    for name, text in OPTIONS.items():
        group.addoption(f"--hec-{name.replace('_', '-')}", dest=f"hec_{name}", default=None, help=text)
        parser.addini(f"hec_{name}", text)


def _option(config: pytest.Config, name: str) -> str | None:
    value = config.getoption(f"hec_{name}")
    if value is None:
        value = config.getini(f"hec_{name}") or None
    return None if value is None else str(value)


def _target(config: pytest.Config) -> Target | None:
    path, url, token = _option(config, "target"), _option(config, "url"), _option(config, "token")
    profile = _option(config, "profile")
    if path is None and url is None:
        return None
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
    return target


def _choice(config: pytest.Config, name: str, allowed: tuple[str, ...], default: str) -> str:
    value = (_option(config, name) or default).lower()
    if value not in allowed:
        raise pytest.UsageError(f"--hec-{name.replace('_', '-')} must be one of {', '.join(allowed)}")
    return value


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "must: case at level MUST in the target's profile")
    config.addinivalue_line("markers", "should: case at level SHOULD in the target's profile")
    config.addinivalue_line("markers", "may: case at level MAY in the target's profile")
    target = _target(config)
    if target is None:
        return
    # The engine and the corpus load only when the suite is on: plain pytest runs never import them.
    from hec_conformance.catalogue import load_catalogue
    from hec_conformance.corpus import CorpusError, default_cases_dir, load_cases
    from hec_conformance.engine import Engine

    fail_on = _choice(config, "fail_on", ("must", "should", "may"), "must")
    max_level = _choice(config, "level", ("must", "should", "may"), "may").upper()
    reqs = tuple(r.strip() for r in (_option(config, "req") or "").split(",") if r.strip())
    cases_dir = Path(_option(config, "cases") or default_cases_dir()).resolve()
    try:
        catalogue = load_catalogue()
        by_file: dict[Path, list[Any]] = {}
        for case in load_cases([cases_dir]):
            by_file.setdefault(Path(case.file).resolve(), []).append(case)
    except CorpusError as exc:
        raise pytest.UsageError(f"the case corpus is not valid:\n{exc}") from None
    engine = Engine(target, catalogue)
    reporting = _reporting(config, target, by_file, fail_on, catalogue)
    state = _State(engine, cases_dir, by_file, fail_on, max_level, reqs, reporting)
    engine.listeners += [state.listen, reporting.collector]
    config.stash[STATE] = state
    if config.args_source != pytest.Config.ArgsSource.ARGS:
        config.args = [str(cases_dir)]


def _reporting(
    config: pytest.Config, target: Target, by_file: dict[Path, list[Any]], fail_on: str, catalogue: Any
) -> Reporting:
    """Reports and the vendor profile (docs/results.md, docs/vendor-profiles.md)."""
    from hec_conformance.reports import Reporting
    from hec_conformance.reports.xdist import WorkerRecords
    from hec_conformance.waivers import VendorProfileError

    try:
        reporting = Reporting.start(
            target,
            [c for cases in by_file.values() for c in cases],
            fail_on=fail_on,
            report_dir=_option(config, "report_dir"),
            vendor_profile=_option(config, "vendor_profile"),
            catalogue=catalogue,
        )
    except VendorProfileError as exc:
        raise pytest.UsageError(str(exc)) from None
    config.pluginmanager.register(WorkerRecords(reporting.collector), "hec-reports-xdist")
    return reporting


def pytest_unconfigure(config: pytest.Config) -> None:
    state = config.stash.get(STATE, None)
    if state is not None:
        state.engine.finish_run(Counter(r.outcome for r in state.finished), time.monotonic() - state.started)
        state.engine.close()
        if not hasattr(config, "workerinput"):  # under pytest-xdist the controller writes the reports
            for path in state.reporting.finish():
                print(f"hecc: wrote {path}", file=sys.stderr)


def pytest_sessionstart(session: pytest.Session) -> None:
    state = session.config.stash.get(STATE, None)
    if state is not None:
        state.engine.start_run()


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    state = parent.config.stash.get(STATE, None)
    if state is None or file_path.resolve() not in state.cases_by_file:
        return None
    return CaseFile.from_parent(parent, path=file_path)


def _selected(state: _State, case: Any, level: str | None) -> bool:
    if level is not None and LEVEL_ORDER[level] > LEVEL_ORDER[state.max_level]:
        return False
    if not state.requirements:
        return True
    wanted = state.requirements
    return any(r == w or r.startswith(w + "-") for r in case.requirements for w in wanted)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    state = config.stash.get(STATE, None)
    if state is None:
        return
    keep, drop = [], []
    for item in items:
        chosen = not isinstance(item, CaseItem) or _selected(state, item.case, item.level)
        (keep if chosen else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


class CaseFile(pytest.File):
    """One case file of the corpus: its cases, each as one item per variant."""

    def collect(self) -> Iterator[CaseItem]:
        state = self.config.stash[STATE]
        for case in state.cases_by_file[self.path.resolve()]:
            for variant in state.engine.variants(case):
                yield CaseItem.from_parent(self, name=f"{case.id}[{variant}]", case=case, variant=variant)


def _marker_name(word: str) -> str:
    return "".join(c if c.isalnum() or c in "_-." else "_" for c in word)


class CaseItem(pytest.Item):
    """One variant of one case. Setup runs it (harness problems are errors); the call gives the verdict."""

    def __init__(self, *, case: Any, variant: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.case = case
        self.variant = variant
        state = self.config.stash[STATE]
        self.level: str | None = state.engine.level(case)
        self.result: CaseFinished | None = None
        self.outcome: str | None = None  # the reported outcome: the engine's, or waived by the vendor profile
        self.trace: list[ResultEvent] = []
        names = [*(n for n in [self.level] if n), *case.tags, *case.requirements, case.area]
        for name in dict.fromkeys(_marker_name(n) for n in names):
            if name.upper() in LEVEL_ORDER:
                name = name.lower()
            elif name not in state.markers:
                state.markers.add(name)
                self.config.addinivalue_line("markers", f"{name}: HEC case tag, area or requirement")
            self.add_marker(name)
        self.user_properties += [
            ("requirements", " ".join(case.requirements)),
            ("level", self.level or "n/a"),
            ("variant", variant),
        ]

    def setup(self) -> None:
        state = self.config.stash[STATE]
        state.recording = self.trace
        try:
            self.result = state.engine.run(self.case, self.variant)
        finally:
            state.recording = None
        verdict = state.reporting.judge(self.result)
        self.outcome = verdict.outcome
        self.user_properties.append((OUTCOME_PROPERTY, verdict.outcome))
        if verdict.waiver:
            self.user_properties.append(("waiver", verdict.waiver))
        if verdict.outcome == "waived" and verdict.deviation:
            pytest.skip(
                f"waived: {verdict.deviation.subject} ({verdict.deviation.reason}; "
                f"expires {verdict.deviation.expires})"
            )
        if self.result.outcome == "unsupported":
            pytest.skip(f"unsupported: {'; '.join(self.result.messages)}")
        if self.result.outcome == "error":
            raise CaseFailed(self._explain())

    def runtest(self) -> None:
        state = self.config.stash[STATE]
        assert self.result is not None
        if self.outcome in FAILING[state.fail_on]:
            raise CaseFailed(self._explain())

    def _explain(self) -> str:
        from hec_conformance.explain import explain

        assert self.result is not None
        return explain(self.result, self.trace, self.case.title, self.case.line)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, CaseFailed):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, int(getattr(self.case, "line", 1) or 1) - 1, f"{self.case.id}[{self.variant}]"


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    state = config.stash.get(STATE, None)
    if state is None:
        return
    outcomes: Counter[str] = Counter()
    noted: list[tuple[str, str, str]] = []
    for report in terminalreporter.getreports(""):
        props = dict(report.user_properties)
        if report.when != "teardown" or OUTCOME_PROPERTY not in props:
            continue
        outcome = props[OUTCOME_PROPERTY]
        outcomes[outcome] += 1
        if outcome in ("warn", "info") and outcome not in FAILING[state.fail_on]:
            noted.append((outcome, report.nodeid, props.get("requirements", "")))
    if not outcomes:
        return
    terminalreporter.section("HEC conformance")
    terminalreporter.write(state.reporting.table_text(terminalreporter.hasmarkup))
    for outcome, nodeid, reqs in noted:
        terminalreporter.write_line(f"{outcome.upper():5} {nodeid} ({reqs})")
    summary = ", ".join(f"{n} {o}" for o, n in sorted(outcomes.items()))
    failing = sum(n for o, n in outcomes.items() if o in FAILING[state.fail_on] or o == "error")
    verdict = "conforms" if not failing else "does not conform"
    terminalreporter.write_line(
        f"{state.engine.target.url} ({state.engine.target.profile}): {summary}; "
        f"{verdict} at --hec-fail-on {state.fail_on}"
    )
