"""The engine: `Engine.execute` runs case variants against a target as one run; each case variant's checks
are attributed to requirements and judged (hec_conformance.verdict), and every step is a result event."""

from __future__ import annotations

import dataclasses
import time
import uuid
from collections.abc import Generator, Iterable, Iterator
from typing import Any

from hec_conformance.corpus.model import Case
from hec_conformance.engine.build import BuiltRequest, build_request, repeat_count
from hec_conformance.engine.checks import Attribution
from hec_conformance.engine.expect import response_units
from hec_conformance.engine.placeholders import (
    Context,
    MissingRole,
    limits_named,
    role_repository,
    roles_named,
)
from hec_conformance.engine.stored import Sent, StoredChecks, no_readback_reason
from hec_conformance.engine.variants import apply_variant, case_variants
from hec_conformance.readback import ReadbackError
from hec_conformance.redaction import REDACTED, Redactor
from hec_conformance.results import (
    CaseFinished,
    CaseStarted,
    Check,
    CheckResult,
    Listener,
    RequestSent,
    ResponseReceived,
    ResultEvent,
    RunFinished,
    RunStarted,
)
from hec_conformance.target import Target
from hec_conformance.transport import HttpResponse, Transport, TransportError
from hec_conformance.verdict import Outcome, case_outcome, count, requirement_outcomes

# A request repeated more often than this (a large declared limit) makes its case unsupported.
MAX_REPEAT = 10_000
# A case using a declared limit larger than this is unsupported (its body could repeat a byte so often).
MAX_LIMIT_BODY = 256 * 1024 * 1024
# The read-back kind through which QRY cases test the query API itself (SPEC §9).
QUERY_API_READBACK = "logscale-query"


def _now_ms() -> int:
    return int(time.time() * 1000)


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
        self._transport = Transport(target.url, target.tls, http_timeout)  # the cases' connection
        self._redactor = Redactor(target.secrets())
        self._stored = StoredChecks(
            target,
            Transport(target.url, target.tls, http_timeout),  # the positive controls' own connection
            readback_timeout,
            self.emit,
            self.redact,
        )
        self._levels = {rid: r.level_for(target.profile) for rid, r in catalogue.items()}

    # -- plumbing -------------------------------------------------------------------------------------
    def emit(self, event: ResultEvent) -> None:
        """Hand `event` to every listener."""
        for listener in self.listeners:
            listener(event)

    def close(self) -> None:
        """Close the connections to the target and the read-back."""
        self._transport.close()
        self._stored.close()

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

    def execute(self, cases: Iterable[tuple[Any, str]]) -> Generator[ResultEvent, None, None]:
        """Run `(case, variant)` pairs as one run, pulled one at a time: yields (and emits) RunStarted,
        each case variant's events, then RunFinished with the outcomes counted per case variant and per
        requirement. Nothing runs until the stream is read."""
        started = time.monotonic()
        seen: list[ResultEvent] = []
        self.listeners.append(seen.append)
        outcomes: list[str] = []
        by_requirement: dict[str, list[str]] = {}
        try:
            capabilities = tuple(sorted(self.target.capabilities))
            self.emit(RunStarted(self.target.url, self.target.profile, capabilities, time.time()))
            yield from self._drain(seen)
            for case, variant in cases:
                result = self.run(case, variant)
                outcomes.append(result.outcome)
                for rid, outcome in result.requirement_outcomes.items():
                    by_requirement.setdefault(rid, []).append(outcome)
                yield from self._drain(seen)
            per_requirement = {rid: count(found) for rid, found in by_requirement.items()}
            self.emit(RunFinished(count(outcomes), time.monotonic() - started, per_requirement))
            yield from self._drain(seen)
        finally:
            self.listeners.remove(seen.append)

    @staticmethod
    def _drain(seen: list[ResultEvent]) -> Iterator[ResultEvent]:
        events = list(seen)
        seen.clear()
        yield from events

    # -- what runs ------------------------------------------------------------------------------------
    def variants(self, case: Case) -> tuple[str, ...]:
        """The variants `case` runs as."""
        return case_variants(case.variants, case.requests)

    def level(self, case: Case) -> str | None:
        """The case's level in the target's profile (None: its requirements do not apply there)."""
        try:
            return case.level_for(self.target.profile, self.catalogue)
        except ValueError:
            return None

    def unsupported_reason(self, case: Case, variant: str) -> str | None:
        """Why the case variant does not apply to the target, or None when it does."""
        return self._scope_reason(case, variant) or self._roles_reason(case) or self._bounds_reason(case)

    def _scope_reason(self, case: Case, variant: str) -> str | None:
        """The target's profile, capabilities and read-back against what the case is about."""
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
        return None

    def _roles_reason(self, case: Case) -> str | None:
        """A token role the case's requests name (or read back with) that the target file lacks."""
        t = self.target
        roles: set[str] = set(case.needs_roles)
        for raw in case.requests:
            expect = raw.expect_for(t.profile)
            roles |= raw.auth.roles | roles_named(raw.given()) | roles_named(expect.given())
            if expect.count is not None and no_readback_reason(t) is None:
                roles.add(expect.repository or "default")
        for role in sorted(roles):
            if role == "read" and not t.readback.token:
                return "target has no read-back token (role read)"
            if role != "read" and role not in t.tokens:
                return f"target has no token role {role}"
        return None

    def _bounds_reason(self, case: Case) -> str | None:
        """A declared limit the case needs and the target lacks, or a body past the engine's bounds."""
        t = self.target
        for name in sorted(set().union(*(limits_named(raw.given()) for raw in case.requests))):
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

    # -- running ------------------------------------------------------------------------------------
    def run(self, case: Case, variant: str = "base") -> CaseFinished:
        """Run one case variant and return (and emit) its verdict (`execute` runs many as a run)."""
        started = time.monotonic()
        level = self.level(case)
        reqs = tuple(case.requirements)
        self.emit(CaseStarted(case.id, variant, str(case.file), reqs, level))

        def finish(outcome: str, messages: Iterable[str] = (), checks: Iterable[Check] = ()) -> CaseFinished:
            checks = tuple(checks)
            per_requirement = requirement_outcomes(checks, self._levels, case.level)
            if outcome == "checked":
                outcome = case_outcome(per_requirement)
                unchecked = dict.fromkeys(c.reason for c in checks if c.result is CheckResult.NOT_CHECKED)
                failed = sum(c.failed for c in checks)
                messages = [*([f"{failed} failed check(s)"] if failed else []), *unchecked]
            result = CaseFinished(
                case.id,
                variant,
                str(case.file),
                outcome,
                reqs,
                level,
                tuple(messages),
                checks,
                (time.monotonic() - started) * 1000,
                {rid: o.value for rid, o in per_requirement.items()},
            )
            self.emit(result)
            return result

        reason = self.unsupported_reason(case, variant)
        if reason:
            return finish(Outcome.UNSUPPORTED, [reason])
        try:
            checks = self._run(case, variant)
        except MissingRole as exc:
            return finish(Outcome.UNSUPPORTED, [f"target has no token role {exc.args[0]}"])
        except TransportError as exc:
            return finish(Outcome.ERROR, [f"target unreachable: {self.redact(str(exc))}"])
        except ReadbackError as exc:
            return finish(Outcome.ERROR, [f"read-back failed: {self.redact(str(exc))}"])
        finally:
            if self.target.connections != "reuse":
                self._transport.close()
        return finish("checked", checks=self._applicable(checks))

    def _applicable(self, checks: list[Check]) -> list[Check]:
        """A check counts only for those of its requirements that apply in the target's profile; one
        whose requirements all lie outside it says nothing there, nor does a stored field in splunk
        (SPEC §0: "in splunk the suite checks responses only")."""
        out = []
        for c in checks:
            why = None
            applying = tuple(r for r in c.requirements if self._levels.get(r))
            if c.requirements and not applying:
                why = f"{', '.join(c.requirements)} do not apply in profile {self.target.profile}"
            elif c.part == "stored-field" and self.target.profile == "splunk":
                why = "stored fields are humio rules: in splunk the suite checks responses only (SPEC §0)"
            if applying and applying != c.requirements:
                c = dataclasses.replace(c, requirements=applying)
            if why is not None and c.result is not CheckResult.NOT_CHECKED:
                c = dataclasses.replace(c, result=CheckResult.NOT_CHECKED, reason=why)
            out.append(c)
        return out

    def _run(self, case: Case, variant: str) -> list[Check]:
        channel, channel2 = str(uuid.uuid4()), str(uuid.uuid4())
        checks: list[Check] = []
        sent: list[Sent] = []
        for index, raw in enumerate(case.requests):
            request = apply_variant(raw, variant)
            times = repeat_count(request, self.target)
            for repetition in range(times):
                if sent:
                    checks += self._unrequested(sent[-1], self._transport.unrequested())
                ctx = Context(self.target, marker=str(uuid.uuid4()), channel=channel, channel2=channel2)
                expect = request.expect_for(self.target.profile).expanded(ctx.expand_all)
                attribution = Attribution(case.requirements, expect.requirements)
                built = build_request(request, ctx, reads_back=expect.count is not None)
                sent_at = _now_ms()
                resp = self._exchange(case.id, variant, index, built, ctx.marker, sent_at)
                found = attribution.unit_checks(index, response_units(expect, resp, sent_at))
                failed = any(c.failed for c in found)
                if times > 1:  # name the answer that differs; the ones after it would add nothing
                    found = [dataclasses.replace(c, path=f"repeat[{repetition}].{c.path}") for c in found]
                if failed or repetition == times - 1:
                    checks += found
                kind = request.kind
                sent.append(Sent(index, built, kind, expect, attribution, sent_at, resp.status))
                if failed:
                    break
        if sent:
            checks += self._unrequested(
                sent[-1], self._transport.end_case(self.target.connections == "reuse")
            )
        stored = self._stored.checks(case.id, variant, case.readback_start or 0, sent, self._repository)
        return checks + stored

    def _unrequested(self, last: Sent, stray: bytes) -> list[Check]:
        """A failed check on the request whose answer came with `stray` bytes after it (ORD-1's "the first
        failure is the answer": one request, one answer; counted for what that request tests)."""
        if not stray:
            return []
        shown = self._redact_bytes(stray[:200]).decode("utf-8", "replace")
        return [
            last.attribution.check(
                last.index,
                "unrequested",
                CheckResult.FAIL,
                expected="no bytes until the next request",
                actual=shown,
                reason=f"target sent an unrequested response after request {last.index}",
            )
        ]

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
    def _repository(self, s: Sent) -> str:
        role = s.expect.repository or s.built.role
        try:
            return role_repository(self.target, role)
        except MissingRole:
            return role_repository(self.target, "default")
