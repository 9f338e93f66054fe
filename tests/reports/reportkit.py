"""A fixed result stream (hand-built events, no live run) and the fixed context the golden tests use."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from types import MappingProxyType

from hec_conformance.catalogue import Requirement
from hec_conformance.reports import Collector, Results
from hec_conformance.results import (
    CaseFinished,
    CaseStarted,
    Check,
    CheckResult,
    EventsRead,
    RequestSent,
    ResponseReceived,
    ResultEvent,
    RunFinished,
    RunStarted,
)
from hec_conformance.waivers import Deviation, VendorProfile

TOKEN = "11111111-2222-3333-4444-555555555555"  # the stream's target token: it must never reach a report
T0 = 1_790_000_000.0
AUTH = (("Authorization", "Splunk ***"), ("Content-Type", "application/json"))
JSON_HEADERS = (("content-type", "application/json"),)
# A response body that tries to load something if a report ever rendered it as markup.
HOSTILE = b'<img src="http://127.0.0.1:9/x.png"><script>fetch("http://127.0.0.1:9/")</script>'


@dataclass(frozen=True)
class CaseMeta:
    """What the collector takes from a loaded case."""

    id: str
    title: str
    area: str
    content_hash: str


def _req(rid: str, section: str, title: str, levels: dict[str, str]) -> Requirement:
    return Requirement(rid, section, title, MappingProxyType(levels), None)


CATALOGUE = {
    r.id: r
    for r in (
        _req("EVT-1", "4. Event envelopes", "event is required", {"humio": "MUST", "splunk": "MUST"}),
        _req("TIME-1", "5. Time", "time in seconds since the epoch", {"humio": "MUST", "splunk": "MUST"}),
        _req("TIME-9", "5. Time", "fractional seconds kept to the millisecond", {"humio": "SHOULD"}),
        _req("KV-3", "7. Key/value", "quoted values unquoted", {"humio": "MAY"}),
        _req("ACK-1", "8. Acknowledgement", "ack ids per channel", {"humio": "MUST", "splunk": "MUST"}),
        _req("RAW-9", "7. Raw", "never covered by a case", {"humio": "MUST"}),
        _req("SPL-1", "6. Splunk", "splunk only", {"splunk": "MUST"}),
    )
}

CASES = [
    CaseMeta(f"case-{n}", f"title of case {n}", area, f"{n:064x}")
    for n, area in (
        (1, "event"),
        (2, "event"),
        (3, "time"),
        (4, "kv"),
        (5, "ack"),
        (6, "time"),
        (7, "event"),
        (8, "time"),
        (9, "time"),
        (10, "event"),
    )
]

PROFILE = VendorProfile(
    (
        Deviation("case-7", None, "ticket HEC-7: event text trimmed", "2027-01-31"),
        Deviation(None, "TIME-9", "millisecond rounding, fixed in 3.2", "0.9.0"),
        Deviation("case-9[gzip]", None, "old gzip bug, deadline passed", "2026-01-01"),
    ),
    vendor="Example HEC 3.1",
    today=dt.date(2026, 6, 1),
    suite_version="0.1.0",
)


def _case(
    n: int,
    variant: str,
    reqs: tuple[str, ...],
    level: str | None,
    outcome: str,
    exchanges: list[tuple[bytes, int, bytes]] = (),
    diffs: tuple[tuple[object, ...], ...] = (),
    messages: tuple[str, ...] = (),
    stored: tuple[dict, ...] | None = None,
    unchecked: tuple[tuple[int, str, str], ...] = (),
) -> list[ResultEvent]:
    case_id, area = CASES[n - 1].id, CASES[n - 1].area
    file = f"cases/{area}.yaml"
    out: list[ResultEvent] = [CaseStarted(case_id, variant, file, reqs, level)]
    for i, (body, status, answer) in enumerate(exchanges):
        out.append(
            RequestSent(
                case_id,
                variant,
                i,
                "POST",
                "/services/collector/event",
                AUTH,
                body,
                f"marker-{n}-{i}",
                int(T0 * 1000) + n * 10 + i,
            )
        )
        out.append(ResponseReceived(case_id, variant, i, status, JSON_HEADERS, answer, 1.5))
        if stored is not None:
            out.append(EventsRead(case_id, variant, i, "main", f"hec_case=marker-{n}-{i}", stored, 2))
    checks = tuple(
        Check(i, part, path, reqs, None, CheckResult.FAIL, e, a, why) for i, part, path, e, a, why in diffs
    ) + tuple(
        Check(i, "stored", path, reqs, None, CheckResult.NOT_CHECKED, reason=why)
        for i, path, why in unchecked
    )
    per_requirement = dict.fromkeys(reqs, outcome) if outcome in ("pass", "fail", "warn", "info") else {}
    out.append(
        CaseFinished(case_id, variant, file, outcome, reqs, level, messages, checks, 12.25, per_requirement)
    )
    return out


OK = b'{"text":"Success","code":0}'


def stream() -> list[ResultEvent]:
    """Every outcome, a waiver in each state, a binary body, a hostile body and a token in an answer."""
    events: list[ResultEvent] = [
        RunStarted(f"https://user:{TOKEN}@hec.example.test:8088", "humio", ("gzip", "readback"), T0)
    ]
    events += _case(
        1,
        "base",
        ("EVT-1",),
        "MUST",
        "pass",
        [(b'{"event":"a"}', 200, OK)],
        stored=({"@rawstring": "a", "@timestamp": 1790000000000},),
    )
    events += _case(
        2,
        "base",
        ("EVT-1", "TIME-1"),
        "MUST",
        "fail",
        [(b'{"event":"b","time":1.5}', 200, OK)],
        ((0, "stored-field", "events[0].@timestamp", 1500, 1000, "different value"),),
        ("1 difference(s) at level MUST",),
        stored=({"@rawstring": "b", "@timestamp": 1000},),
    )
    events += _case(
        3,
        "base",
        ("TIME-9",),
        "SHOULD",
        "warn",
        [(b'{"event":"c","time":"1.0005"}', 200, OK)],
        ((0, "stored-field", "events[0].@timestamp", 1001, 1000, "different value"),),
        ("1 difference(s) at level SHOULD",),
        stored=({"@timestamp": 1000},),
    )
    events += _case(
        4,
        "base",
        ("KV-3",),
        "MAY",
        "info",
        [(b'{"event":"k=\\"v\\""}', 200, OK)],
        ((0, "stored-field", "events[0].k", "v", '"v"', "different value"),),
        ("1 difference(s) at level MAY",),
        stored=({"k": '"v"'},),
    )
    events += _case(5, "base", ("ACK-1",), "MUST", "unsupported", messages=("target lacks capability ack",))
    events += _case(
        6,
        "base",
        ("TIME-1",),
        "MUST",
        "error",
        [(b'{"event":"e"}', 400, f'{{"text":"Invalid token {TOKEN}","code":4}}'.encode())],
        messages=(f"read-back failed: query with {TOKEN} refused",),
    )
    events += _case(
        7,
        "base",
        ("EVT-1",),
        "MUST",
        "fail",
        [(b'{"event":" padded "}', 200, HOSTILE)],
        ((0, "code", "body.code", 0, None, "absent"),),
        ("1 difference(s) at level MUST",),
    )
    events += _case(8, "gzip", ("TIME-9",), "SHOULD", "pass", [(b"\x1f\x8b\x08\x00binary", 200, OK)])
    events += _case(
        9,
        "gzip",
        ("TIME-1",),
        "MUST",
        "fail",
        [(b"\x1f\x8b\x08\x00gz", 200, OK)],
        ((0, "status", "status", 400, 200, "unexpected HTTP status"),),
        ("1 difference(s) at level MUST",),
    )
    events += _case(
        10,
        "base",
        ("SPL-1",),
        None,
        "unsupported",
        messages=("its requirements do not apply in profile humio",),
    )
    counts = {"pass": 2, "fail": 3, "warn": 1, "info": 1, "unsupported": 2, "error": 1}
    events.append(RunFinished(counts, 4.5))
    return events


NO_READBACK = "the target declares no read-back (capability readback, SPEC §9)"
NO_CONTROL = (
    "the read-back never showed the positive control (event event to 'main', "
    "looked up by hec_case=<marker>) within 2s"
)


def unchecked_stream() -> list[ResultEvent]:
    """Cases whose stored checks could not be made: case-1 for want of read-back (its response passed),
    case-2 for want of a positive control (beside a failed check), case-3 with nothing unchecked."""
    events: list[ResultEvent] = [RunStarted("http://hec.example.test:8088", "humio", ("gzip",), T0)]
    events += _case(
        1,
        "base",
        ("EVT-1", "TIME-1"),
        "MUST",
        "pass",
        [(b'{"event":"a"}', 200, OK)],
        unchecked=((0, "events", NO_READBACK),),
    )
    events += _case(
        2,
        "base",
        ("EVT-1",),
        "MUST",
        "fail",
        [(b'{"event":"b"}', 400, OK)],
        ((0, "status", "status", 200, 400, "unexpected HTTP status"),),
        ("1 difference(s) at level MUST",),
        unchecked=((0, "stored", NO_CONTROL),),
    )
    events += _case(3, "base", ("TIME-9",), "SHOULD", "pass", [(b'{"event":"c"}', 200, OK)])
    events.append(RunFinished({"pass": 2, "fail": 1}, 1.5))
    return events


ENVIRONMENT = {
    "suite": "0.1.0",
    "python": "3.11.0",
    "implementation": "CPython",
    "os": "Linux 6.0",
    "machine": "x86_64",
}


def collector(fail_on: str = "must") -> Collector:
    """A collector with the fixed context: cases, vendor profile, catalogue, environment and clock."""
    return Collector(
        cases=CASES,
        vendor_profile=PROFILE,
        fail_on=fail_on,
        secrets=[TOKEN],
        catalogue=CATALOGUE,
        environment=ENVIRONMENT,
        clock=lambda: T0 + 5,
    )


def document(fail_on: str = "must", events: list[ResultEvent] | None = None) -> Results:
    """The results document of `events` (default: the fixed stream), as a JSON round trip would give it."""
    c = collector(fail_on)
    for event in stream() if events is None else events:
        c(event)
    return json.loads(json.dumps(c.document()))
