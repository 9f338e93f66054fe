"""Differential fuzzing: each generated request goes to the oracle (the bundled reference server) and
to the target; their answers and read-back events must agree within the target's profile,
capabilities and vendor-profile waivers. Hypothesis shrinks a disagreement; the verdict on the
shrunk example is computed again from fresh requests (never carried over)."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, Phase, given, seed, settings

from hec_conformance.fuzz.strategies import HecRequest, hec_requests
from hec_conformance.readback import make_reader
from hec_conformance.readback.poller import Found, Lookup, Poller
from hec_conformance.results import CaseFinished
from hec_conformance.target import Target
from hec_conformance.transport import HttpRequest, Transport
from hec_conformance.verdict import Outcome, judge
from hec_conformance.waivers import VendorProfile

CHANNEL_HEADER = "X-Splunk-Request-Channel"
NEAR_NOW_MS = 120_000  # an @timestamp this close to the send time is the ingest time on both sides
EARLIEST = -(2**62)  # query window start: events stored before the epoch (`time` -1.5) are read too
VOLATILE = frozenset({"@id", "@ingesttimestamp"})
NEAR_NOW, PRESENT = "<ingest time>", "<present>"
# Fields whose difference points at one SPEC rule (others: EVT-3 for object events, KV-1 for text).
FIELD_RULES = {
    "@timestamp": "TIME-1",
    "@timezone": "TZ-1",
    "#type": "ST-1",
    "@host": "SRC-1",
    "@source": "SRC-1",
    "#repo": "IDX-1",
    "@error": "TIME-5",
    "@error_msg": "TIME-5",
}
# Oracle roles whose repositories are read back, and their placeholder names.
READ_ROLES = ("default", "other_repo")


@dataclass(frozen=True)
class Disagreement:
    """One difference between the oracle and the target, and the SPEC rule it most likely breaks."""

    part: str
    requirement: str
    oracle: Any
    target: Any

    def __str__(self) -> str:
        return f"{self.part} ({self.requirement}): oracle {self.oracle!r}, target {self.target!r}"


@dataclass(frozen=True)
class Observation:
    """What one side did with a request: status, JSON body, the normalised stored events and the `@id`s
    one read-back answer listed twice."""

    status: int
    body: Any
    events: tuple[dict[str, Any], ...]
    sent_at_ms: int
    duplicates: tuple[str, ...] = ()


class Side:
    """One HEC endpoint (oracle or target): sends a generated request, reads its events back."""

    def __init__(self, target: Target, readback_timeout: float = 10.0) -> None:
        self.target = target
        self._transport = Transport(target.url, target.tls)
        self._poller = Poller(make_reader(target), readback_timeout) if target.has("readback") else None
        self._repos: dict[str, str] = {
            role: repository
            for role in READ_ROLES
            if role in target.tokens and (repository := target.tokens[role].repository)
        }

    def close(self) -> None:
        self._transport.close()
        if self._poller is not None:
            self._poller.close()

    def resolve(self, marker: str) -> Callable[[str], str]:
        """Placeholder values on this side."""
        values = {"marker": marker, "marker_field": self.target.marker_field}
        for role in READ_ROLES:
            values[f"repo:{role}"] = self._repos.get(role, "no-such-repo")
        return lambda name: values[name]

    def observe(self, request: HecRequest, want: int | None = None, read: bool = True) -> Observation:
        """Send `request` (marked) with a fresh marker; with `read`, read its events back (waiting for at
        least `want` of them, up to the read-back timeout)."""
        marker = str(uuid.uuid4())
        token = self.target.tokens["default"].token
        headers = (("Authorization", f"Splunk {token}"), *request.headers())
        if request.raw:
            headers += ((CHANNEL_HEADER, marker),)
        sent_at = int(time.time() * 1000)
        resp = self._transport.send(
            HttpRequest("POST", request.path, headers, body=request.marked().wire_body(self.resolve(marker)))
        )
        try:
            body = json.loads(resp.body)
        except ValueError:
            body = resp.body.decode("utf-8", "replace")
        found = self._read(request, marker, want) if read else Found(())
        normal = tuple(self._normal(e, marker, sent_at) for e in found.events)
        return Observation(resp.status, body, normal, sent_at, found.duplicates)

    def _lookups(self, request: HecRequest, marker: str) -> list[Lookup]:
        if request.raw:
            return [("channel", marker)]
        return [(self.target.marker_field, marker), ("@source", marker)]

    def _read(self, request: HecRequest, marker: str, want: int | None) -> Found:
        """One read of every repository (`want` None), or reads until `want` events are there."""
        if self._poller is None:
            return Found(())
        repositories, lookups = list(self._repos.values()), self._lookups(request, marker)
        if want is None:
            return self._poller.read(repositories, lookups, EARLIEST)
        return self._poller.until(repositories, lookups, want, EARLIEST)

    def _normal(self, event: dict[str, Any], marker: str, sent_at: int) -> dict[str, Any]:
        """The event without what differs between two correct servers (ids, ingest time, names)."""
        repo_names = {name: f"${{repo:{role}}}" for role, name in self._repos.items()}
        out: dict[str, Any] = {}
        for name, value in event.items():
            if name in VOLATILE or name == self.target.marker_field:
                continue
            if name == "@timestamp" and isinstance(value, int) and abs(value - sent_at) < NEAR_NOW_MS:
                value = NEAR_NOW
            elif name == "@error_msg":
                value = PRESENT
            elif name == "#repo":
                value = repo_names.get(value, value)
            elif value == marker:
                value = "${marker}"
            out[name] = value
        return out


def _field_rule(name: str, request: HecRequest) -> str:
    if name in FIELD_RULES:
        return FIELD_RULES[name]
    if name == "@rawstring":
        return "RAW-1" if request.raw else "EVT-1"
    if request.raw:
        return "RAW-2"
    objects = any(isinstance(e, dict) and isinstance(e.get("event"), dict) for e in request.envelopes())
    return "EVT-3" if objects else "KV-1"


def _code(body: Any, key: str) -> Any:
    return body.get(key) if isinstance(body, dict) else None


def compare(
    request: HecRequest, oracle: Observation, target: Observation, profile: str
) -> list[Disagreement]:
    """Every difference that matters in `profile` (splunk: responses only, SPEC §0)."""
    found = []
    if oracle.status != target.status:
        found.append(Disagreement("status", "ORD-1", oracle.status, target.status))
    for key in ("code", "invalid-event-number"):
        if _code(oracle.body, key) != _code(target.body, key):
            found.append(
                Disagreement(f"body.{key}", "ORD-1", _code(oracle.body, key), _code(target.body, key))
            )
    if profile != "humio":
        return found
    if target.duplicates != oracle.duplicates:  # SPEC §9: an @id is unique per event (RES-1)
        found.append(Disagreement("stored.@id", "RES-1", list(oracle.duplicates), list(target.duplicates)))
    if len(oracle.events) != len(target.events):
        rule = "ORD-2" if oracle.status != 200 else ("RAW-1" if request.raw else "BODY-1")
        return [*found, Disagreement("stored", rule, len(oracle.events), len(target.events))]
    for i, (mine, theirs) in enumerate(zip(oracle.events, target.events, strict=True)):
        for name in sorted(set(mine) | set(theirs)):
            if mine.get(name) != theirs.get(name):
                found.append(
                    Disagreement(
                        f"events[{i}].{name}",
                        _field_rule(name, request),
                        mine.get(name, "<absent>"),
                        theirs.get(name, "<absent>"),
                    )
                )
    return found


def live_waivers(profile: VendorProfile | None, found: list[Disagreement]) -> list[Disagreement]:
    """The disagreements no live deviation of the vendor profile covers (by requirement id)."""
    if profile is None:
        return found
    kept = []
    for d in found:
        verdict = judge(CaseFinished("fuzz", "base", "", Outcome.FAIL, (d.requirement,), "MUST"), profile)
        if verdict.outcome is not Outcome.WAIVED:
            kept.append(d)
    return kept


@dataclass
class FuzzResult:
    """The outcome of a fuzzing run: examples tried and, on disagreement, the shrunk example with its
    verdict recomputed on fresh requests (`disagreements` empty: it did not reproduce)."""

    examples: int = 0
    request: HecRequest | None = None
    oracle: Observation | None = None
    target: Observation | None = None
    disagreements: list[Disagreement] = field(default_factory=list)
    seconds: float = 0.0


class _Found(AssertionError):
    """Raised inside the Hypothesis test on a disagreement (Hypothesis then shrinks)."""


class Differential:
    """Oracle and target side by side; `check` one request, `run` a Hypothesis search."""

    def __init__(
        self,
        oracle: Target,
        target: Target,
        vendor_profile: VendorProfile | None = None,
        readback_timeout: float = 10.0,
    ) -> None:
        self.profile = target.profile
        self.capabilities = target.capabilities  # the oracle has every one the strategies use
        self.vendor_profile = vendor_profile
        self.oracle = Side(oracle, readback_timeout)
        self.target = Side(target, readback_timeout)
        self.readback = target.has("readback") and self.profile == "humio"

    def close(self) -> None:
        self.oracle.close()
        self.target.close()

    def check(self, request: HecRequest) -> tuple[Observation, Observation, list[Disagreement]]:
        """Send `request` to both sides (fresh markers) and compare."""
        mine = self.oracle.observe(request, read=self.readback)
        theirs = self.target.observe(request, want=len(mine.events), read=self.readback)
        return mine, theirs, live_waivers(self.vendor_profile, compare(request, mine, theirs, self.profile))

    def run(self, budget: int, seed_value: int) -> FuzzResult:
        """Up to `budget` examples from seed `seed_value`; on disagreement, shrink and recompute."""
        result = FuzzResult()
        started = time.monotonic()
        last: list[HecRequest] = []

        @settings(
            max_examples=budget,
            database=None,
            deadline=None,
            derandomize=False,
            print_blob=False,
            suppress_health_check=list(HealthCheck),
            phases=(Phase.generate, Phase.shrink),
            report_multiple_bugs=False,
        )
        @seed(seed_value)
        @given(hec_requests(self.capabilities))
        def search(request: HecRequest) -> None:
            result.examples += 1
            _, _, found = self.check(request)
            if found:
                last.append(request)
                raise _Found("; ".join(map(str, found)))

        try:
            search()
        except Exception:  # noqa: BLE001 - any failure of the search: the shrunk example decides below
            if not last:
                raise
        if last:
            result.request = last[-1]
            result.oracle, result.target, result.disagreements = self.check(last[-1])
        result.seconds = time.monotonic() - started
        return result
