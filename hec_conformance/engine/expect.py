"""The response checks of one request's expectations (the profile's view: `Request.expect_for`)."""

from __future__ import annotations

import json

from hec_conformance.corpus.model import Expect, NotGiven
from hec_conformance.matchers import MISSING, FieldDiff, match_value
from hec_conformance.transport import HttpResponse


def check_response(expect: Expect, resp: HttpResponse, sent_at_ms: int) -> list[FieldDiff]:
    """Status, partial JSON body and partial headers."""
    diffs: list[FieldDiff] = []
    if expect.status is not None and resp.status not in expect.status:
        want = expect.status[0] if len(expect.status) == 1 else list(expect.status)
        diffs.append(FieldDiff("status", want, resp.status, "unexpected HTTP status"))
    if not isinstance(expect.body, NotGiven):
        try:
            body = json.loads(resp.body)
        except ValueError:
            text = resp.body[:200].decode("utf-8", "replace")
            diffs.append(FieldDiff("body", expect.body, text, "the body is not JSON"))
        else:
            diffs.extend(match_value(expect.body, body, "body", sent_at_ms))
    for name, matcher in (expect.headers or {}).items():
        value = resp.header(str(name))
        diffs.extend(match_value(matcher, MISSING if value is None else value, f"headers.{name}", sent_at_ms))
    return diffs
