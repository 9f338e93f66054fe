"""Expectations of one request: the profile's view of `expect`, and the response checks."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from hec_conformance.matchers import MISSING, FieldDiff, match_value
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


def check_response(expect: Mapping[str, Any], resp: HttpResponse, sent_at_ms: int) -> list[FieldDiff]:
    """Status, partial JSON body and partial headers."""
    diffs: list[FieldDiff] = []
    if "status" in expect:
        allowed = expect["status"] if isinstance(expect["status"], list) else [expect["status"]]
        if resp.status not in allowed:
            want = allowed[0] if len(allowed) == 1 else allowed
            diffs.append(FieldDiff("status", want, resp.status, "unexpected HTTP status"))
    if "body" in expect:
        try:
            body = json.loads(resp.body)
        except ValueError:
            text = resp.body[:200].decode("utf-8", "replace")
            diffs.append(FieldDiff("body", expect["body"], text, "the body is not JSON"))
        else:
            diffs.extend(match_value(expect["body"], body, "body", sent_at_ms))
    for name, matcher in (expect.get("headers") or {}).items():
        value = resp.header(str(name))
        diffs.extend(match_value(matcher, MISSING if value is None else value, f"headers.{name}", sent_at_ms))
    return diffs
