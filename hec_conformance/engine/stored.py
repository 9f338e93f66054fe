"""The stored checks of a case (SPEC §9 "What a verdict about stored events rests on").

After a case's last request, each request that expects stored events is read back through the one
poller. A claim resting on absence (nothing, or fewer events than expected, found) is made only once
the positive control of its repository and kind has been seen (readback/controls.py); where it cannot
be, the stored checks are `not_checked` with the reason, never passed. One answer listing an `@id`
twice is a failed check. ORD-2 gets a check of its own where it can be broken: a read-back after an
answer other than 200 (it fails iff something was stored).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hec_conformance.corpus.model import Expect
from hec_conformance.engine.build import BuiltRequest
from hec_conformance.engine.checks import ORD_2, Attribution
from hec_conformance.matchers import event_units
from hec_conformance.protocol import CHANNEL_HEADER, EVENT, RAW, splunk_authorization
from hec_conformance.readback import make_reader
from hec_conformance.readback.controls import Controls, Marked
from hec_conformance.readback.poller import Found, Poller
from hec_conformance.results import Check, CheckResult, EventsRead
from hec_conformance.target import Target
from hec_conformance.transport import HttpRequest, Transport

# Token roles whose repository a positive control may be sent to, in order of preference.
CONTROL_ROLES = ("default", "other_repo", "json_parser", "regex_parser")


@dataclass(frozen=True)
class Sent:
    """A request of the case as sent: what it expects, who it counts for, and the answer's status."""

    index: int
    built: BuiltRequest
    kind: str | None
    expect: Expect
    attribution: Attribution
    sent_at_ms: int
    status: int


def no_readback_reason(target: Target) -> str | None:
    """Why the target's stored events cannot be read at all (None: they can)."""
    if not target.has("readback") or target.readback.kind == "none":
        return "the target declares no read-back (capability readback, SPEC §9)"
    return None


class StoredChecks:
    """Reads back and checks stored events for one engine: one poller, the run's positive controls."""

    def __init__(
        self,
        target: Target,
        transport: Transport,
        readback_timeout: float,
        emit: Callable[[EventsRead], None],
        redact: Callable[[str], str],
    ) -> None:
        self.target = target
        self._transport = transport  # the controls' own connection, never a case's
        self._timeout = readback_timeout
        self._emit = emit
        self._redact = redact
        self._poller: Poller | None = None
        self._controls: Controls | None = None

    def close(self) -> None:
        """Close the read-back and the controls' connection."""
        if self._poller is not None:
            self._poller.close()
        self._transport.close()

    def _poller_(self) -> Poller:
        if self._poller is None:
            self._poller = Poller(make_reader(self.target), self._timeout)
            self._controls = Controls(self._poller, self._send_control)
        return self._poller

    # -- checks ---------------------------------------------------------------------------------------
    def checks(
        self, case_id: str, variant: str, start: int, sent: list[Sent], repository_of: Any
    ) -> list[Check]:
        """The stored checks of every request in `sent` that expects stored events."""
        out: list[Check] = []
        for s in sent:
            want = s.expect.count
            if want is None:
                continue
            path = "events" if s.expect.events is not None else "stored"
            blocked = no_readback_reason(self.target)
            if blocked is None and not s.built.lookups:
                blocked = (
                    "the request carries nothing to look its events up by (a raw request without a channel)"
                )
            if blocked is not None:
                out += self._unchecked(s, path, blocked)
                continue
            repository = repository_of(s)
            found, reason = self._read(repository, s, want, start)
            query = " | ".join(f"{f}={v}" for f, v in s.built.lookups)
            shown = tuple(json.loads(self._redact(json.dumps(e, ensure_ascii=False))) for e in found.events)
            self._emit(EventsRead(case_id, variant, s.index, repository, query, shown, found.polls))
            if reason is not None and not found.events:
                out += self._unchecked(s, path, reason)
                continue
            out += self._judged(s, path, want, found)
        return out

    def _read(self, repository: str, s: Sent, want: int, start: int) -> tuple[Found, str | None]:
        """The events found, and why absence cannot be claimed (None: it can, or it is not claimed)."""
        poller = self._poller_()
        polls = 0
        if want > 0:  # a first read that finds them all is final
            found = poller.read([repository], s.built.lookups, start)
            polls += 1
            if len(found.events) >= want:
                return found, None
        assert self._controls is not None
        reason = self._controls.unusable(repository, s.kind if s.kind == RAW else EVENT)
        again = poller.read([repository], s.built.lookups, start)
        return Found(again.events, again.duplicates, polls + 1), reason

    def _unchecked(self, s: Sent, path: str, reason: str) -> list[Check]:
        out = [s.attribution.check(s.index, path, CheckResult.NOT_CHECKED, reason=reason)]
        if s.status != 200:
            out.append(self._ord2(s, CheckResult.NOT_CHECKED, reason=reason))
        return out

    def _judged(self, s: Sent, path: str, want: int, found: Found) -> list[Check]:
        events = list(found.events)
        if s.expect.events is not None:
            ignore = frozenset({self.target.marker_field})
            units = event_units([dict(e) for e in s.expect.events], events, s.sent_at_ms, ignore)
            out = s.attribution.unit_checks(s.index, units)
        else:
            wrong = len(events) != want
            out = [
                s.attribution.check(
                    s.index,
                    "stored",
                    CheckResult.FAIL if wrong else CheckResult.PASS,
                    expected=want if wrong else None,
                    actual=len(events) if wrong else None,
                    reason="different number of stored events" if wrong else "",
                )
            ]
        out += [
            s.attribution.check(
                s.index,
                path,
                CheckResult.FAIL,
                part="duplicate",
                expected="each @id once",
                actual=dup,
                reason=f"one read-back answer lists @id {dup} more than once (SPEC §9)",
            )
            for dup in found.duplicates
        ]
        if s.status != 200:
            stored = bool(events)
            out.append(
                self._ord2(
                    s,
                    CheckResult.FAIL if stored else CheckResult.PASS,
                    expected=0 if stored else None,
                    actual=len(events) if stored else None,
                    reason=f"answered {s.status} and stored {len(events)} event(s)" if stored else "",
                )
            )
        return out

    def _ord2(self, s: Sent, result: CheckResult, **detail: Any) -> Check:
        """ORD-2's own check: request `s` was answered other than 200; was anything stored?"""
        return Check(s.index, "nothing-stored", "stored", (ORD_2,), None, result, **detail)

    # -- the positive control -------------------------------------------------------------------------
    def _send_control(self, repository: str, kind: str, marker: str) -> Marked:
        """Send one marked event of `kind` to `repository` on the controls' own connection."""
        tokens = self.target.tokens
        role = next((r for r in CONTROL_ROLES if r in tokens and tokens[r].repository == repository), None)
        if role is None:
            return Marked((), refused=f"the target file names no token role of repository {repository!r}")
        headers = [("Authorization", splunk_authorization(tokens[role].token))]
        if kind == RAW:
            headers += [("Content-Type", "text/plain"), (CHANNEL_HEADER, marker)]
            body, lookups = b"hecc positive control\n", (("channel", marker),)
        else:
            headers.append(("Content-Type", "application/json"))
            envelope = {"event": "hecc positive control", "fields": {self.target.marker_field: marker}}
            body, lookups = json.dumps(envelope).encode(), ((self.target.marker_field, marker),)
        path = self.target.path_for(kind)
        try:
            resp = self._transport.send(HttpRequest("POST", path, tuple(headers), body=body))
        finally:
            self._transport.end_case()
        if resp.status != 200:
            return Marked(lookups, refused=f"{path} answered {resp.status} {resp.body[:100]!r}")
        return Marked(lookups)
