"""The preflight: before the first case, three checks that take seconds and catch the mistakes that
would otherwise make every case an error (a wrong URL, a wrong token, a read-back that sees nothing).

    preflight(target)     # None, or raises PreflightError with one line naming what failed

1. the URL answers: one marked event is sent to the event endpoint with the `default` token;
2. the token is accepted: that request gets a 2xx answer;
3. the read-back finds it (only when the target reads back): the marker is looked up until it shows.
"""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING

from hec_conformance.protocol import EVENT, splunk_authorization

if TYPE_CHECKING:  # the engine's parts load when the preflight runs: the pytest plugin imports this early
    from hec_conformance.target import Target

MAX_WAIT_S = 10.0  # the longest the preflight waits for one answer, whatever the per-request timeout
READBACK_WAIT_S = 15.0  # how long the sentinel may take to show in the read-back


class PreflightError(Exception):
    """A preflight check failed; the message is one line that says which and why."""


def _body_excerpt(body: bytes) -> str:
    text = body.decode("utf-8", "replace").strip()
    try:  # the HEC error body: {"text": "Invalid token", "code": 4}
        text = str(json.loads(text).get("text", text))
    except (ValueError, AttributeError):
        pass
    return " ".join(text.split())[:120]


def preflight(target: Target, readback_wait: float = READBACK_WAIT_S) -> None:
    """Check that the target answers, accepts the `default` token and (when it reads back) shows what it
    stored; raise PreflightError naming the first check that failed."""
    from hec_conformance.readback import ReadbackError, make_reader
    from hec_conformance.readback.poller import Poller
    from hec_conformance.transport import HttpRequest, Transport, TransportError

    marker = str(uuid.uuid4())
    path = target.path_for(EVENT)
    envelope = {"event": "hecc preflight", "fields": {target.marker_field: marker}}
    request = HttpRequest(
        "POST",
        path,
        (
            ("Authorization", splunk_authorization(target.tokens["default"].token)),
            ("Content-Type", "application/json"),
        ),
        body=json.dumps(envelope).encode(),
    )
    timeout = min(target.timeout, MAX_WAIT_S)
    try:
        with Transport(target.url, target.tls, timeout) as transport:
            response = transport.send(request)
    except TransportError as exc:
        raise PreflightError(f"preflight: the target does not answer: {exc}") from None
    if not 200 <= response.status < 300:
        raise PreflightError(
            f"preflight: the default token was refused: POST {path} answered {response.status} "
            f"{_body_excerpt(response.body)} (check tokens.default in the target file)"
        )
    if target.readback.kind == "none":
        return
    poller = Poller(make_reader(target), readback_wait)
    try:
        repository = target.tokens["default"].repository or ""
        found = poller.until([repository], [(target.marker_field, marker)], 1)
    except ReadbackError as exc:
        raise PreflightError(f"preflight: the read-back failed: {exc}") from None
    finally:
        poller.close()
    if not found.events:
        raise PreflightError(
            f"preflight: the read-back ({target.readback.kind}) did not show the preflight event in "
            f"repository {repository!r} within {readback_wait:g}s "
            "(check readback and tokens.default.repository)"
        )
