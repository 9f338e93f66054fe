"""The units of one request's response checks (the profile's view of `expect`: `Request.expect_for`)."""

from __future__ import annotations

import json
from typing import Any

from hec_conformance.corpus.model import Expect, NotGiven
from hec_conformance.matchers import MISSING, FieldDiff, Unit, is_matcher, match_value
from hec_conformance.transport import HttpResponse


def response_units(expect: Expect, resp: HttpResponse, sent_at_ms: int) -> list[Unit]:
    """The response checks, one unit each: the status, each top-level key of a JSON body (`body.code`,
    `body.text`, ...; the whole `body` when it is not JSON), each header."""
    units: list[Unit] = []
    if expect.status is not None:
        want = expect.status[0] if len(expect.status) == 1 else list(expect.status)
        wrong = (
            []
            if resp.status in expect.status
            else [FieldDiff("status", want, resp.status, "unexpected HTTP status")]
        )
        units.append(("status", wrong))
    if not isinstance(expect.body, NotGiven):
        try:
            body = json.loads(resp.body)
        except ValueError:
            text = resp.body[:200].decode("utf-8", "replace")
            units.append(("body", [FieldDiff("body", expect.body, text, "the body is not JSON")]))
        else:
            units += _body_units(expect.body, body, sent_at_ms)
    for name, matcher in (expect.headers or {}).items():
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
