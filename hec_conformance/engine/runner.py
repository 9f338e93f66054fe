"""The engine: runs one case variant against a target and emits result events to its listeners."""

from __future__ import annotations

import dataclasses
import json
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from hec_conformance.engine.build import BuiltRequest, build_request, repeat_count, roles_used
from hec_conformance.engine.expect import check_response, effective_expect, expected_count
from hec_conformance.engine.placeholders import (
    Context,
    MissingRole,
    limits_named,
    role_repository,
    roles_named,
)
from hec_conformance.engine.variants import apply_variant, case_variants
from hec_conformance.matchers import FieldDiff, match_events
from hec_conformance.protocol import EVENT, splunk_authorization
from hec_conformance.readback import ReadbackError, Reader, make_reader
from hec_conformance.redaction import REDACTED, Redactor
from hec_conformance.results import (
    CaseFinished,
    CaseStarted,
    Diff,
    EventsRead,
    Listener,
    RequestSent,
    ResponseReceived,
    ResultEvent,
    RunFinished,
    RunStarted,
)
from hec_conformance.target import Target
from hec_conformance.transport import HttpRequest, HttpResponse, Transport, TransportError
from hec_conformance.verdict import MISMATCH_OUTCOME

SENTINEL_ROLES = ("default", "other_repo", "json_parser", "regex_parser")
# A request repeated more often than this (a large declared limit) makes its case unsupported.
MAX_REPEAT = 10_000
# A case using a declared limit larger than this is unsupported (its body could repeat a byte so often).
MAX_LIMIT_BODY = 256 * 1024 * 1024
# The read-back kind through which QRY cases test the query API itself (SPEC §9).
QUERY_API_READBACK = "logscale-query"


@dataclass(frozen=True)
class _Sent:
    index: int
    built: BuiltRequest
    expect: dict[str, Any]
    sent_at_ms: int


def _now_ms() -> int:
    return int(time.time() * 1000)


def _diffs(index: int, part: str, found: Iterable[FieldDiff]) -> list[Diff]:
    return [Diff(index, part, **fd.to_dict()) for fd in found]


class Engine:
    """Runs cases against one target. Listeners (callables) receive every result event, in order."""

    def __init__(
        self,
        target: Target,
        catalogue: Any,
        *,
        listeners: Iterable[Listener] = (),
        readback_timeout: float = 15.0,
        http_timeout: float = 30.0,
    ) -> None:
        self.target = target
        self.catalogue = catalogue
        self.listeners: list[Listener] = list(listeners)
        self.readback_timeout = readback_timeout
        self._transport = Transport(target.url, target.tls, http_timeout)
        self._reader: Reader | None = None
        self._redactor = Redactor(target.secrets())

    # -- plumbing -------------------------------------------------------------------------------------
    def emit(self, event: ResultEvent) -> None:
        """Hand `event` to every listener."""
        for listener in self.listeners:
            listener(event)

    def close(self) -> None:
        """Close the connections to the target and the read-back."""
        self._transport.close()
        if self._reader is not None:
            self._reader.close()

    def redact(self, text: str) -> str:
        """`text` with every whole token of the target replaced by *** (redaction.py)."""
        return str(self._redactor(text))

    def _redact_bytes(self, body: bytes) -> bytes:
        return bytes(self._redactor(body))

    def _redact_headers(self, headers: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
        out = []
        for name, value in headers:
            if name.lower() == "authorization" and value.split(" ", 1)[0].lower() == "basic":
                value = value.split(" ", 1)[0] + " " + REDACTED
            out.append((name, self.redact(value)))
        return tuple(out)

    def start_run(self) -> None:
        """Announce a run (no tokens in the event)."""
        self.emit(
            RunStarted(
                self.target.url, self.target.profile, tuple(sorted(self.target.capabilities)), time.time()
            )
        )

    def finish_run(self, counts: Mapping[str, int], duration_s: float) -> None:
        """Announce the end of a run with the number of case variants per outcome."""
        self.emit(RunFinished(dict(counts), duration_s))

    # -- what runs ------------------------------------------------------------------------------------
    def variants(self, case: Any) -> tuple[str, ...]:
        """The variants `case` runs as."""
        return case_variants(case.variants, case.requests)

    def level(self, case: Any) -> str | None:
        """The case's level in the target's profile (None: its requirements do not apply there)."""
        try:
            return case.level_for(self.target.profile, self.catalogue)
        except ValueError:
            return None

    def unsupported_reason(self, case: Any, variant: str) -> str | None:
        """Why the case variant does not apply to the target, or None when it does."""
        t = self.target
        if case.profiles and t.profile not in case.profiles:
            return f"case applies to profile(s) {', '.join(case.profiles)}, the target is {t.profile}"
        missing = [c for c in case.needs if not t.has(c)]
        if missing:
            return f"target lacks capability {', '.join(missing)}"
        present = [c for c in case.excludes if t.has(c)]
        if present:
            return f"case excludes capability {', '.join(present)}, which the target has"
        if variant == "gzip" and not t.has("gzip"):
            return "variant gzip needs capability gzip"
        if self.level(case) is None:
            return f"its requirements do not apply in profile {t.profile}"
        if any(r.startswith("QRY-") for r in case.requirements) and t.readback.kind != QUERY_API_READBACK:
            return (
                f"QRY cases test the query API itself: they need readback kind {QUERY_API_READBACK}"
                f" (SPEC §9), the target reads back with {t.readback.kind}"
            )
        roles: set[str] = set()
        for raw in case.requests:
            expect = effective_expect(raw, t.profile)
            roles |= roles_used(raw) | roles_named(raw) | roles_named(expect)
            if expected_count(expect) is not None:
                if not t.has("readback"):
                    return "its expectations read stored events; target lacks capability readback"
                roles.add(str(expect.get("repository", "default")))
        for role in sorted(roles):
            if role == "read" and not t.readback.token:
                return "target has no read-back token (role read)"
            if role != "read" and role not in t.tokens:
                return f"target has no token role {role}"
        for name in sorted(set().union(*(limits_named(raw) for raw in case.requests))):
            if name not in t.limits:
                return f"target declares no limit {name}"
            if t.limits[name] > MAX_LIMIT_BODY:  # a `text` token repeated that often
                return (
                    f"target's limit {name} is {t.limits[name]}: a body built from it would be more than"
                    f" the engine's bound of {MAX_LIMIT_BODY} bytes"
                )
        most = max(repeat_count(raw, t) for raw in case.requests)
        if most > MAX_REPEAT:
            return f"a request would be repeated {most} times, more than the engine's bound of {MAX_REPEAT}"
        return None

    # -- running --------------------------------------------------------------------------------------
    def run(self, case: Any, variant: str = "base") -> CaseFinished:
        """Run one case variant and return (and emit) its verdict."""
        started = time.monotonic()
        level = self.level(case)
        reqs = tuple(case.requirements)
        self.emit(CaseStarted(case.id, variant, str(case.file), reqs, level))

        def finish(outcome: str, messages: Iterable[str] = (), diffs: Iterable[Diff] = ()) -> CaseFinished:
            result = CaseFinished(
                case.id,
                variant,
                str(case.file),
                outcome,
                reqs,
                level,
                tuple(messages),
                tuple(diffs),
                (time.monotonic() - started) * 1000,
            )
            self.emit(result)
            return result

        reason = self.unsupported_reason(case, variant)
        if reason:
            return finish("unsupported", [reason])
        assert level is not None
        try:
            diffs = self._run(case, variant)
        except MissingRole as exc:
            return finish("unsupported", [f"target has no token role {exc.args[0]}"])
        except TransportError as exc:
            return finish("error", [f"target unreachable: {self.redact(str(exc))}"])
        except ReadbackError as exc:
            return finish("error", [f"read-back failed: {self.redact(str(exc))}"])
        if not diffs:
            return finish("pass")
        return finish(MISMATCH_OUTCOME[level], [f"{len(diffs)} difference(s) at level {level}"], diffs)

    def _run(self, case: Any, variant: str) -> list[Diff]:
        channel, channel2 = str(uuid.uuid4()), str(uuid.uuid4())
        diffs: list[Diff] = []
        sent: list[_Sent] = []
        for index, raw in enumerate(case.requests):
            request = apply_variant(raw, variant)
            times = repeat_count(request, self.target)
            for repetition in range(times):
                ctx = Context(self.target, marker=str(uuid.uuid4()), channel=channel, channel2=channel2)
                expect = ctx.expand_all(effective_expect(request, self.target.profile))
                built = build_request(request, ctx, reads_back=expected_count(expect) is not None)
                sent_at = _now_ms()
                resp = self._exchange(case.id, variant, index, built, ctx.marker, sent_at)
                found = check_response(expect, resp, sent_at)
                if times > 1:  # name the answer that differs; the ones after it would add nothing
                    found = [dataclasses.replace(d, path=f"repeat[{repetition}].{d.path}") for d in found]
                diffs += _diffs(index, "response", found)
                sent.append(_Sent(index, built, expect, sent_at))
                if found:
                    break
        return diffs + self._read_back(case, variant, sent)

    def _exchange(
        self, case_id: str, variant: str, index: int, built: BuiltRequest, marker: str, sent_at: int
    ) -> HttpResponse:
        """Send one request and announce it and its answer (redacted)."""
        http = built.http
        self.emit(
            RequestSent(
                case_id,
                variant,
                index,
                http.method,
                self.redact(http.target()),
                self._redact_headers(http.headers),
                self._redact_bytes(http.body),
                marker,
                sent_at,
            )
        )
        resp = self._transport.send(http)
        self.emit(
            ResponseReceived(
                case_id,
                variant,
                index,
                resp.status,
                self._redact_headers(resp.headers),
                self._redact_bytes(resp.body),
                resp.elapsed * 1000,
            )
        )
        return resp

    # -- read-back ------------------------------------------------------------------------------------
    def _reader_(self) -> Reader:
        if self._reader is None:
            self._reader = make_reader(self.target)
        return self._reader

    def _repository(self, s: _Sent) -> str:
        role = str(s.expect.get("repository", s.built.role))
        try:
            return role_repository(self.target, role)
        except MissingRole:
            return role_repository(self.target, "default")

    def _read_back(self, case: Any, variant: str, sent: list[_Sent]) -> list[Diff]:
        checks = [s for s in sent if expected_count(s.expect) is not None]
        start = case.readback_start or 0
        diffs: list[Diff] = []
        proved: set[str] = set()
        for s in checks:
            want = expected_count(s.expect) or 0
            repository = self._repository(s)
            events, polls = self._read_settled(repository, s.built.lookups, want, start, proved)
            query = " | ".join(f"{f}={v}" for f, v in s.built.lookups)
            shown = tuple(json.loads(self.redact(json.dumps(e, ensure_ascii=False))) for e in events)
            self.emit(EventsRead(case.id, variant, s.index, repository, query, shown, polls))
            if "events" in s.expect:
                found = match_events(
                    list(s.expect["events"]),
                    events,
                    s.sent_at_ms,
                    ignore=frozenset({self.target.marker_field}),
                )
            elif len(events) != want:
                found = [FieldDiff("stored", want, len(events), "different number of stored events")]
            else:
                found = []
            diffs += _diffs(s.index, "stored", found)
        return diffs

    def _read_all(
        self, repository: str, lookups: tuple[tuple[str, str], ...], start: int
    ) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        seen: set[str] = set()
        for field, value in lookups:
            for event in self._reader_().read(repository, field, value, start):
                key = str(event.get("@id")) if "@id" in event else json.dumps(event, sort_keys=True)
                if key not in seen:
                    seen.add(key)
                    events.append(event)
        # Several lookups (marker in `fields` and in `source`): merge in query order.
        return sorted(events, key=lambda e: e.get("@timestamp", 0)) if len(lookups) > 1 else events

    def _poll(
        self, repository: str, lookups: tuple[tuple[str, str], ...], want: int, start: int
    ) -> tuple[list[dict[str, Any]], int]:
        """Read until `want` events are there (or the read-back timeout), backing off between reads."""
        deadline = time.monotonic() + self.readback_timeout
        delay, polls = 0.05, 0
        while True:
            events = self._read_all(repository, lookups, start)
            polls += 1
            remaining = deadline - time.monotonic()
            if len(events) >= want or remaining <= 0:
                return events, polls
            time.sleep(min(delay, remaining))
            delay = min(delay * 2, 1.0)

    def _read_settled(
        self, repository: str, lookups: tuple[tuple[str, str], ...], want: int, start: int, proved: set[str]
    ) -> tuple[list[dict[str, Any]], int]:
        """The stored events once the read-back is current: a first read that finds `want` events is
        final; otherwise a sentinel proves that everything sent before it is visible, and one more
        read gives the answer (no blind wait on a target that stored fewer events than expected)."""
        polls = 0
        if want > 0:
            events = self._read_all(repository, lookups, start)
            polls += 1
            if len(events) >= want:
                return events, polls
        if repository not in proved:
            self._prove_visible(repository)
            proved.add(repository)
        return self._read_all(repository, lookups, start), polls + 1

    def _prove_visible(self, repository: str) -> None:
        """Send a marked sentinel event to `repository` and wait until the read-back shows it.

        Events sent before the sentinel are then visible too (QRY-5), so reading nothing for a case's
        marker afterwards proves that nothing was stored, without a blind sleep.
        """
        role = next(
            (
                r
                for r in SENTINEL_ROLES
                if r in self.target.tokens and self.target.tokens[r].repository == repository
            ),
            None,
        )
        if role is None:
            raise ReadbackError(f"no token role of repository {repository!r} to send the sentinel with")
        marker = str(uuid.uuid4())
        envelope = {"event": "hecc sentinel", "fields": {self.target.marker_field: marker}}
        headers = (
            ("Authorization", splunk_authorization(self.target.tokens[role].token)),
            ("Content-Type", "application/json"),
        )
        path = self.target.path_for(EVENT)
        resp = self._transport.send(HttpRequest("POST", path, headers, body=json.dumps(envelope).encode()))
        if not 200 <= resp.status < 300:
            raise ReadbackError(f"the sentinel event was refused ({path}: {resp.status} {resp.body[:100]!r})")
        events, _ = self._poll(repository, ((self.target.marker_field, marker),), 1, 0)
        if not events:
            raise ReadbackError(
                f"the sentinel event never became visible in {repository!r} within {self.readback_timeout:g}s"
            )
