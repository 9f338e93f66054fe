"""The one place that turns the engine's result events into a results document (docs/results.md).

Every writer renders from that document, whether it was just collected or read back from
results.json; none of them looks at events, re-runs a case or re-computes a verdict.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import platform
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

from hec_conformance.redaction import Redactor
from hec_conformance.results import (
    CaseFinished,
    CaseStarted,
    EventsRead,
    RequestSent,
    ResponseReceived,
    ResultEvent,
    RunFinished,
    RunStarted,
)
from hec_conformance.verdict import LEVELS, MISMATCHES, Outcome, Verdict, count, failing_count, judge
from hec_conformance.waivers import VendorProfile, suite_version

FORMAT = "hec-conformance-results/2"
TEXT_LIMIT = 4096  # the same cut as wire bodies (results.ResultEvent.to_dict)
Results = dict[str, Any]
"""A results document: the JSON object of schemas/results.schema.json."""


class CaseInfo(Protocol):
    """What the collector needs from a loaded case (hec_conformance.corpus.Case has it)."""

    @property
    def id(self) -> str: ...

    @property
    def title(self) -> str: ...

    @property
    def area(self) -> str: ...

    @property
    def content_hash(self) -> str: ...


def _iso(seconds: float) -> str:
    return dt.datetime.fromtimestamp(seconds, dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _public_url(url: str) -> str:
    """The URL without user info (a `user:password@` would be a credential)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"[{host}]" if ":" in host else host
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def default_environment() -> dict[str, str]:
    """Where the suite ran: Python and the operating system (no host names, no users)."""
    return {
        "suite": suite_version(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "os": f"{platform.system()} {platform.release()}",
        "machine": platform.machine(),
    }


def _shown_file(file: str) -> str:
    path = Path(file)
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return file


class Collector:
    """A listener: keeps one record per case variant and builds the results document on demand.

    `cases` gives titles, areas and content hashes by case id; `secrets` are scrubbed from every
    string (responses and read-back events are the target's, not redacted by the engine). Each case
    variant is judged here, once (hec_conformance.verdict.judge, the vendor profile applied): the
    front end reads that verdict back with `verdict_of`.
    """

    def __init__(
        self,
        *,
        cases: Iterable[CaseInfo] = (),
        vendor_profile: VendorProfile | None = None,
        fail_on: str = "must",
        secrets: Iterable[str] = (),
        catalogue: Mapping[str, Any] | None = None,
        environment: Mapping[str, str] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.cases = {c.id: c for c in cases}
        self.vendor_profile = vendor_profile
        self.fail_on = fail_on
        self.redact = Redactor(secrets)
        self.catalogue = catalogue
        self.environment = dict(environment) if environment is not None else default_environment()
        self.clock = clock
        self.run: RunStarted | None = None
        self.finished: RunFinished | None = None
        self.records: list[dict[str, Any]] = []
        self.verdicts: dict[tuple[str, str], Verdict] = {}
        self._open: dict[tuple[str, str], dict[str, Any]] = {}

    # -- listening ------------------------------------------------------------------------------------
    def __call__(self, event: ResultEvent) -> None:
        if isinstance(event, RunStarted):
            self.run = event
        elif isinstance(event, RunFinished):
            self.finished = event
        elif isinstance(event, CaseStarted):
            self._open[(event.case_id, event.variant)] = self._record(event)
        elif isinstance(event, RequestSent | ResponseReceived | EventsRead):
            record = self._open.get((event.case_id, event.variant))
            if record is not None:
                self._exchange(record, event)
        elif isinstance(event, CaseFinished):
            record = self._open.pop((event.case_id, event.variant), None) or self._record(event)
            self._finish(record, event)
            self.records.append(record)

    def verdict_of(self, case_id: str, variant: str) -> Verdict:
        """The verdict given to a finished case variant (KeyError when none finished by that name)."""
        return self.verdicts[(case_id, variant)]

    def record(self, case_id: str, variant: str) -> dict[str, Any]:
        """The record of a finished case variant as the results document holds it (tokens scrubbed)."""
        found = next(r for r in reversed(self.records) if (r["id"], r["variant"]) == (case_id, variant))
        return dict(self.redact(found))

    def _record(self, event: CaseStarted | CaseFinished) -> dict[str, Any]:
        info = self.cases.get(event.case_id)
        return {
            "id": event.case_id,
            "variant": event.variant,
            "file": _shown_file(event.file),
            "area": info.area if info else Path(event.file).stem,
            "title": info.title if info else "",
            "content_hash": info.content_hash if info else None,
            "requirements": list(event.requirements),
            "level": event.level,
            "exchanges": [],
        }

    def _exchange(self, record: dict[str, Any], event: RequestSent | ResponseReceived | EventsRead) -> None:
        exchanges = record["exchanges"]
        while len(exchanges) <= event.index:
            exchanges.append({"index": len(exchanges), "request": None, "response": None, "readback": None})
        if isinstance(event, RequestSent | ResponseReceived):
            event = dataclasses.replace(event, body=self.redact(event.body))
        data = event.to_dict()
        for key in ("kind", "case_id", "variant", "index"):
            data.pop(key)
        if isinstance(event, EventsRead):
            data["events"] = _cut(data["events"])
        part = {RequestSent: "request", ResponseReceived: "response", EventsRead: "readback"}[type(event)]
        exchanges[event.index][part] = data

    def _finish(self, record: dict[str, Any], event: CaseFinished) -> None:
        verdict = self.verdicts[(event.case_id, event.variant)] = judge(event, self.vendor_profile)
        waiver = None
        if verdict.waiver and verdict.deviation:
            waiver = {"state": verdict.waiver.value, **verdict.deviation.to_dict()}
        record.update(
            outcome=verdict.outcome.value,
            engine_outcome=event.outcome,
            waiver=waiver,
            messages=list(event.messages),
            checks=[_cut(c.to_dict()) for c in event.checks],
            requirement_outcomes=_requirement_outcomes(event, verdict),
            duration_ms=round(event.duration_ms, 3),
        )

    # -- the document ---------------------------------------------------------------------------------
    def document(self) -> Results:
        """The results document of everything heard so far (schemas/results.schema.json)."""
        now = self.clock()
        started = self.run.started_at if self.run else now
        records = list(self.records)
        for (case_id, variant), record in self._open.items():  # started, never finished: a harness error
            records.append(
                {
                    **record,
                    "outcome": Outcome.ERROR.value,
                    "engine_outcome": Outcome.ERROR.value,
                    "waiver": None,
                    "messages": [f"{case_id}[{variant}] never finished (the harness stopped)"],
                    "checks": [],
                    "requirement_outcomes": {},
                    "duration_ms": 0.0,
                }
            )
        profile = self.run.profile if self.run else None
        doc: Results = {
            "format": FORMAT,
            "suite": {"name": "hec-conformance", "version": self.environment.get("suite", "")},
            "generated_at": _iso(now),
            "started_at": _iso(started),
            "duration_s": round(self.finished.duration_s if self.finished else now - started, 3),
            "target": {
                "url": _public_url(self.run.target_url) if self.run else None,
                "profile": profile,
                "capabilities": list(self.run.capabilities) if self.run else [],
            },
            "environment": self.environment,
            "fail_on": self.fail_on,
            "vendor_profile": self.vendor_profile.to_dict() if self.vendor_profile else None,
            "cases": records,
        }
        doc.update(summarise(records, self._requirements(profile), self.fail_on))
        redacted: Results = self.redact(doc)
        return redacted

    def _requirements(self, profile: str | None) -> list[dict[str, Any]]:
        catalogue = self.catalogue
        if catalogue is None:
            from hec_conformance.catalogue import load_catalogue

            catalogue = load_catalogue()
        return [
            {
                "id": r.id,
                "section": r.section,
                "title": r.title,
                "level": r.level_for(profile) if profile else None,
            }
            for r in catalogue.values()
        ]


def _requirement_outcomes(event: CaseFinished, verdict: Verdict) -> dict[str, str]:
    """What each requirement came to in this case variant, as reported: through its checks, a waived
    case's mismatches waived; a case that ran no check (unsupported, error) gives its outcome to all."""
    if not event.requirement_outcomes:
        return dict.fromkeys(event.requirements, verdict.outcome.value)
    waived = verdict.outcome is Outcome.WAIVED
    return {
        rid: Outcome.WAIVED.value if waived and Outcome(o) in MISMATCHES else o
        for rid, o in event.requirement_outcomes.items()
    }


def _cut(value: Any) -> Any:
    """Target data fit for strict JSON: strings longer than TEXT_LIMIT cut (saying so, like wire
    bodies), NaN and infinities (which JSON lacks) as the strings `NaN`, `Infinity`, `-Infinity`."""
    if isinstance(value, str) and len(value) > TEXT_LIMIT:
        return f"{value[:TEXT_LIMIT]}... ({len(value)} characters in all)"
    if isinstance(value, float) and not math.isfinite(value):
        return json.dumps(value)
    if isinstance(value, dict):
        return {k: _cut(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_cut(v) for v in value]
    return value


CHECK_RESULTS = ("pass", "fail", "not_checked")


def summarise(cases: list[dict[str, Any]], requirements: list[dict[str, Any]], fail_on: str) -> Results:
    """The counts every report shows: totals, verdict, areas x levels, and per requirement (from the
    checks attributed to it: each case variant's outcome for it, its checks' results, and why checks
    went unchecked)."""
    by_area: dict[tuple[str, str], list[str]] = {}
    by_req: dict[str, list[str]] = {r["id"]: [] for r in requirements}
    checks: dict[str, Counter[str]] = {r["id"]: Counter() for r in requirements}
    unchecked: dict[str, dict[str, None]] = {r["id"]: {} for r in requirements}
    for case in cases:
        by_area.setdefault((case["area"], case["level"] or "n/a"), []).append(case["outcome"])
        for rid, outcome in case["requirement_outcomes"].items():
            by_req.setdefault(rid, []).append(outcome)
        for check in case["checks"]:
            for rid in check["requirements"]:
                checks.setdefault(rid, Counter())[check["result"]] += 1
                if check["result"] == "not_checked":
                    unchecked.setdefault(rid, {})[check["reason"]] = None
    counts = count(c["outcome"] for c in cases)
    table = {key: count(outcomes) for key, outcomes in by_area.items()}
    per_req = {rid: count(outcomes) for rid, outcomes in by_req.items()}
    failing = failing_count(counts, fail_on)
    waivers = Counter(c["waiver"]["state"] for c in cases if c.get("waiver"))
    level_rank = {level: i for i, level in enumerate((*LEVELS, "n/a"))}
    return {
        "counts": counts,
        "verdict": {
            "fail_on": fail_on,
            "conforms": not failing,
            "failing": failing,
            "waived": waivers["waived"],
            "stale_waivers": waivers["stale"],
            "expired_waivers": waivers["expired"],
        },
        "areas": [
            {"area": area, "level": level, "counts": table[(area, level)]}
            for area, level in sorted(table, key=lambda k: (k[0], level_rank[k[1]]))
        ],
        "requirements": [
            {
                **r,
                "counts": per_req[r["id"]],
                "checks": {result: checks[r["id"]][result] for result in CHECK_RESULTS},
                "not_checked": list(unchecked[r["id"]]),
            }
            for r in requirements
        ],
    }
