"""Expectations of one request: the profile's view of `expect`, and the units of its response checks."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from hec_conformance.matchers import MISSING, FieldDiff, Unit, is_matcher, match_value
from hec_conformance.transport import HttpResponse

READBACK_KEYS = ("events", "stored")


def effective_expect(request: Mapping[str, Any], profile: str) -> dict[str, Any]:
    """`expect` with the keys of `expect_by_profile[profile]` replacing its own."""
    out = dict(request.get("expect") or {})
    out.update((request.get("expect_by_profile") or {}).get(profile) or {})
    return out


def expected_count(expect: Mapping[str, Any]) -> int | None:
    """How many stored events the request expects, or None when it does not read back."""
    if "events" in expect:
        return len(expect["events"])
    if "stored" in expect:
        return int(expect["stored"])
    return None


def response_units(expect: Mapping[str, Any], resp: HttpResponse, sent_at_ms: int) -> list[Unit]:
    """The response checks, one unit each: the status, each top-level key of a JSON body (`body.code`,
    `body.text`, ...; the whole `body` when it is not JSON), each header."""
    units: list[Unit] = []
    if "status" in expect:
        allowed = expect["status"] if isinstance(expect["status"], list) else [expect["status"]]
        want = allowed[0] if len(allowed) == 1 else allowed
        wrong = (
            []
            if resp.status in allowed
            else [FieldDiff("status", want, resp.status, "unexpected HTTP status")]
        )
        units.append(("status", wrong))
    if "body" in expect:
        try:
            body = json.loads(resp.body)
        except ValueError:
            text = resp.body[:200].decode("utf-8", "replace")
            units.append(("body", [FieldDiff("body", expect["body"], text, "the body is not JSON")]))
        else:
            units += _body_units(expect["body"], body, sent_at_ms)
    for name, matcher in (expect.get("headers") or {}).items():
        value = resp.header(str(name))
        path = f"headers.{name}"
        units.append((path, match_value(matcher, MISSING if value is None else value, path, sent_at_ms)))
    return units


def _body_units(expected: Any, body: Any, sent_at_ms: int) -> list[Unit]:
    if not isinstance(expected, dict) or is_matcher(expected):
        return [("body", match_value(expected, body, "body", sent_at_ms))]
    if not isinstance(body, dict):
        return [("body", [FieldDiff("body", expected, body, "not an object")])]
    return [
        (f"body.{key}", match_value(want, body.get(key, MISSING), f"body.{key}", sent_at_ms))
        for key, want in expected.items()
    ]
