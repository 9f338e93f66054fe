"""Result events: what the engine tells its listeners. Frozen, JSON-ready, never holding a token."""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, fields
from enum import StrEnum
from typing import Any, ClassVar


def _body_dict(body: bytes, limit: int = 4096) -> dict[str, Any]:
    """A body as UTF-8 text when it is, else base64; cut to `limit` bytes."""
    cut = body[:limit]
    try:
        out: dict[str, Any] = {"text": cut.decode("utf-8")}
    except UnicodeDecodeError:
        out = {"base64": base64.b64encode(cut).decode("ascii")}
    out["length"] = len(body)
    if len(body) > limit:
        out["truncated"] = True
    return out


@dataclass(frozen=True)
class ResultEvent:
    """Base of every event; `kind` names it in JSON."""

    kind: ClassVar[str] = "event"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable mapping with a `kind` key."""
        out: dict[str, Any] = {"kind": self.kind}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bytes):
                out[f.name] = _body_dict(value)
            elif isinstance(value, tuple):
                out[f.name] = [list(v) if isinstance(v, tuple) else v for v in value]
            else:
                out[f.name] = value
        return out


@dataclass(frozen=True)
class RunStarted(ResultEvent):
    """A run begins against a target (URL and profile only: no tokens)."""

    kind: ClassVar[str] = "run_started"
    target_url: str
    profile: str
    capabilities: tuple[str, ...]
    started_at: float


@dataclass(frozen=True)
class CaseStarted(ResultEvent):
    """One case variant begins."""

    kind: ClassVar[str] = "case_started"
    case_id: str
    variant: str
    file: str
    requirements: tuple[str, ...]
    level: str | None


@dataclass(frozen=True)
class RequestSent(ResultEvent):
    """A request went out; tokens in headers, query and body are already redacted."""

    kind: ClassVar[str] = "request_sent"
    case_id: str
    variant: str
    index: int
    method: str
    target: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    marker: str
    sent_at_ms: int


@dataclass(frozen=True)
class ResponseReceived(ResultEvent):
    """The answer to request `index`."""

    kind: ClassVar[str] = "response_received"
    case_id: str
    variant: str
    index: int
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    elapsed_ms: float


@dataclass(frozen=True)
class EventsRead(ResultEvent):
    """Stored events read back for request `index` (the query that found them, and how many polls)."""

    kind: ClassVar[str] = "events_read"
    case_id: str
    variant: str
    index: int
    repository: str
    query: str
    events: tuple[dict[str, Any], ...]
    polls: int


class CheckResult(StrEnum):
    """What one check came to."""

    PASS = "pass"
    FAIL = "fail"
    NOT_CHECKED = "not_checked"  # it could not be made (no read-back, no positive control): never a pass


@dataclass(frozen=True)
class Check:
    """One check a case made and the requirements it is evidence for; a failed check is a diff line.

    `part` says what was checked (PARTS); `path` where (`status`, `body.code`, `events[0].host`,
    `stored`); `level` caps the requirements' levels (None: theirs); `reason` says why it failed or
    was not checked.
    """

    index: int
    part: str
    path: str
    requirements: tuple[str, ...]
    level: str | None
    result: CheckResult
    expected: Any = None
    actual: Any = None
    reason: str = ""

    @property
    def failed(self) -> bool:
        return self.result is CheckResult.FAIL

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form."""
        out = asdict(self)
        out["requirements"] = list(self.requirements)
        out["result"] = self.result.value
        return out

    def __str__(self) -> str:
        where = f"request {self.index} {self.path} [{', '.join(self.requirements)}]"
        if self.result is CheckResult.NOT_CHECKED:
            return f"{where}: not checked ({self.reason})"
        return f"{where}: expected {self.expected!r}, got {self.actual!r} ({self.reason})"


@dataclass(frozen=True)
class CaseFinished(ResultEvent):
    """The verdict of one case variant."""

    kind: ClassVar[str] = "case_finished"
    case_id: str
    variant: str
    file: str
    outcome: str
    requirements: tuple[str, ...]
    level: str | None
    messages: tuple[str, ...] = ()
    checks: tuple[Check, ...] = ()
    duration_ms: float = 0.0
    # Each requirement the case names, and what its checks came to (hec_conformance.verdict).
    requirement_outcomes: Mapping[str, str] = field(default_factory=dict)

    @property
    def diffs(self) -> tuple[Check, ...]:
        """The failed checks: the diff lines."""
        return tuple(c for c in self.checks if c.failed)

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["checks"] = [c.to_dict() for c in self.checks]
        out["requirement_outcomes"] = dict(self.requirement_outcomes)
        return out


@dataclass(frozen=True)
class RunFinished(ResultEvent):
    """A run ended; `counts` maps each outcome to how many case variants had it, `requirements` each
    requirement id to the outcomes it came to in the case variants checking it."""

    kind: ClassVar[str] = "run_finished"
    counts: dict[str, int] = field(default_factory=dict)
    duration_s: float = 0.0
    requirements: dict[str, dict[str, int]] = field(default_factory=dict)


Listener = Callable[[ResultEvent], None]
