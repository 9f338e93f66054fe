"""The case model (docs/cases.md): a case, its requests and their expectations, typed and frozen.

The loader (`corpus.loader`) builds it once from a validated case file; lint checks it, the engine
builds requests and judges answers from it. Literal data stays JSON-like as written: envelopes of an
`events:` body, expected bodies, stored events and matchers. `given()` gives each part back in the
case-file form (only the keys the case writes), for placeholder scans and for writing new cases.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Final

from hec_conformance.catalogue import Requirement
from hec_conformance.protocol import PATH_KINDS
from hec_conformance.verdict import LEVELS

DEFAULT_PROFILES = ("humio", "splunk")
DEFAULT_ROLE = "default"

JSON = Any
"""Literal JSON-like data as the case file holds it (mappings, lists, strings, numbers, booleans, null)."""


class NotGiven:
    """The value of a key the case does not write, where null is a value of its own."""

    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN: Final = NotGiven()
CheckRequirements = tuple[str, ...] | Mapping[str, tuple[str, ...]]
"""`expect.requirements`: the ids its checks test, or per check path prefix (`status`, `body.code`, ...)."""


def _written(value: Any) -> Any:
    """`value` in the case-file form: tuples as lists, mappings as dicts."""
    if isinstance(value, tuple | list):
        return [_written(item) for item in value]
    if isinstance(value, Mapping):
        return {key: _written(item) for key, item in value.items()}
    return value


def _given(item: Any, shown: Callable[[str, Any], Any], nullable: tuple[str, ...] = ()) -> dict[str, JSON]:
    """The fields of a model object the case writes, each in the case-file form `shown(name, value)`
    gives it (NOT_GIVEN, or None outside `nullable`: not written)."""
    out: dict[str, JSON] = {}
    for name in (f.name for f in fields(item)):
        value = shown(name, getattr(item, name))
        if value is not NOT_GIVEN and (value is not None or name in nullable):
            out[name] = _written(value)
    return out


@dataclass(frozen=True)
class Expect:
    """One request's expectations; a key the case does not write is None (`body`: NOT_GIVEN)."""

    status: tuple[int, ...] | None = None
    body: JSON = NOT_GIVEN
    headers: Mapping[str, JSON] | None = None
    events: tuple[Mapping[str, JSON], ...] | None = None
    stored: int | None = None
    repository: str | None = None
    requirements: CheckRequirements | None = None

    def given(self) -> dict[str, JSON]:
        """The keys the case writes, in the case-file form (`status` an integer when it allows one)."""

        def shown(name: str, value: Any) -> Any:
            return value[0] if name == "status" and value is not None and len(value) == 1 else value

        return _given(self, shown, nullable=("body",))

    @property
    def count(self) -> int | None:
        """How many stored events the request expects, or None when it does not read back."""
        return len(self.events) if self.events is not None else self.stored

    def overridden_by(self, other: Expect) -> Expect:
        """This expectation with every key `other` writes replacing its own (`expect_by_profile`)."""
        written = {f.name: getattr(other, f.name) for f in fields(other)}
        return replace(self, **{k: v for k, v in written.items() if v is not None and v is not NOT_GIVEN})

    def expanded(self, expand: Callable[[JSON], JSON]) -> Expect:
        """With `expand` applied to the values that may hold placeholders (body, headers, events)."""
        return replace(
            self,
            body=self.body if self.body is NOT_GIVEN else expand(self.body),
            headers=None if self.headers is None else {k: expand(v) for k, v in self.headers.items()},
            events=None if self.events is None else tuple(expand(event) for event in self.events),
        )


@dataclass(frozen=True)
class Auth:
    """`auth:`: a role's token (sent as `scheme token`, or Basic with `user`), a literal Authorization
    value (`header`, placeholders allowed), or none at all (`none`)."""

    role: str = DEFAULT_ROLE
    scheme: str | None = None
    user: str | None = None
    header: str | None = None
    none: bool = False

    @property
    def roles(self) -> frozenset[str]:
        """The token roles the target needs for it."""
        return frozenset() if self.none or self.header is not None else frozenset({self.role})

    def given(self) -> JSON:
        """The case-file form: a role name, `none`, or a mapping."""
        if self.none:
            return "none"
        if self.header is not None:
            return {"header": self.header}
        if self.scheme is None and self.user is None:
            return self.role
        written = (("role", self.role), ("scheme", self.scheme), ("user", self.user))
        return {key: value for key, value in written if value is not None}


@dataclass(frozen=True)
class Request:
    """One request of a case: where it goes, how it authenticates, its body, and what is expected.

    A key the case does not write is None (`content_type`: NOT_GIVEN, since null means no header)."""

    endpoint: str | None = None
    path: str | None = None
    method: str | None = None
    auth: Auth = Auth()
    headers: tuple[tuple[str, str], ...] = ()
    query: tuple[tuple[str, str], ...] = ()
    content_type: str | None | NotGiven = NOT_GIVEN
    events: tuple[JSON, ...] | None = None
    text: str | None = None
    base64: str | None = None
    separator: str | None = None
    gzip: bool | str | None = None
    repeat: int | str = 1
    expect: Expect | None = None
    expect_by_profile: Mapping[str, Expect] = field(default_factory=dict)

    @property
    def kind(self) -> str | None:
        """The kind of endpoint it goes to: its `endpoint`, or the kind of a literal SPEC §1 path."""
        return self.endpoint if self.endpoint is not None else PATH_KINDS.get(str(self.path))

    @property
    def has_body(self) -> bool:
        """Whether it has a body (`events`, `text` or `base64`)."""
        return self.events is not None or self.text is not None or self.base64 is not None

    def sets_header(self, name: str) -> bool:
        """Whether the case writes header `name` itself (any case)."""
        return any(key.lower() == name.lower() for key, _ in self.headers)

    def expect_for(self, profile: str) -> Expect:
        """`expect` with the keys of `expect_by_profile[profile]` replacing its own."""
        base = self.expect or Expect()
        override = self.expect_by_profile.get(profile)
        return base if override is None else base.overridden_by(override)

    def given(self) -> dict[str, JSON]:
        """The keys the case writes, in the case-file form."""
        return _given(self, _request_value, nullable=("content_type",))


def _request_value(name: str, value: Any) -> Any:
    """A field of a Request in the case-file form (None: not written)."""
    if name == "auth":
        return None if value == Auth() else value.given()
    if name == "repeat":
        return None if value == 1 else value
    if name == "expect":
        return None if value is None else value.given()
    if name == "expect_by_profile":
        return {profile: expect.given() for profile, expect in value.items()} or None
    if name in ("headers", "query"):
        return dict(value) or None
    return value


@dataclass(frozen=True)
class Case:
    """One validated case, its defaults applied (profiles, variants); `readback_start` None unless set."""

    id: str
    title: str
    area: str
    file: Path
    line: int
    requirements: tuple[str, ...]
    level: str | None
    profiles: tuple[str, ...]
    needs: frozenset[str]
    excludes: frozenset[str]
    tags: tuple[str, ...]
    variants: bool | tuple[str, ...]
    readback_start: int | None
    requests: tuple[Request, ...]
    content_hash: str
    notes: str | None = None
    needs_roles: frozenset[str] = frozenset()
    """Token roles the target must declare though no request sends with them: what a declared role
    says about the target's configuration (role regex_parser: R1 has the regex parser `access`)."""

    @property
    def tests_endpoints(self) -> bool:
        """Whether the case tests endpoint paths themselves (an EP-* requirement): only those name one."""
        return any(rid.startswith("EP-") for rid in self.requirements)

    def level_for(self, profile: str, catalogue: Mapping[str, Requirement]) -> str:
        """The explicit level, else the strictest level of its requirements in `profile`."""
        if self.level is not None:
            return self.level
        levels = {catalogue[r].level_for(profile) for r in self.requirements} - {None}
        for level in LEVELS:
            if level in levels:
                return level
        raise ValueError(f"case {self.id}: none of its requirements applies in profile {profile}")
