"""Target probing: which endpoints a HEC target serves, whether it behaves like humio or splunk, and
which capabilities it has, found in seconds with a few small requests, written as a target file.

    found = probe_target("https://hec.example.com:8088", token="T", read_token="R")
    found.profile, found.capabilities, found.notes     # what was found, and why (one note per probe)
    found.target_yaml()                                 # an annotated target file `hecc run` accepts

Every probe sends one small event marked `hecc probe` (or no event at all: health, ack), so the
target's stores get at most a dozen tiny events. Nothing is sent that a HEC endpoint should treat as
more than ordinary ingest.
"""

from __future__ import annotations

import base64
import gzip
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

import yaml

from hec_conformance.protocol import (
    CHANNEL_HEADER,
    COLLECTOR,
    DEFAULT_PATHS,
    EVENT,
    HEALTH,
    HUMIO_HEC,
    RAW,
    splunk_authorization,
)
from hec_conformance.transport import HttpRequest, HttpResponse, Transport, TransportError

PROBE_TIMEOUT_S = 10.0
EVENT_PATHS = (HUMIO_HEC, f"{COLLECTOR}/event", COLLECTOR)  # the event paths tried, humio's first
RAW_PATHS = (f"{HUMIO_HEC}/raw", f"{COLLECTOR}/raw")
DEFAULT_REPOSITORY = "main"
MARKER_FIELD = "hec_case"
CAPABILITY_ORDER = (
    "raw",
    "health",
    "ack",
    "gzip",
    "json-array-batch",
    "readback",
    "query-string-auth",
    "basic-auth",
)


class ProbeError(Exception):
    """The target could not be probed at all (it does not answer, or refuses the token everywhere)."""


@dataclass
class Probed:
    """What the probe found; `notes` say, in order, what each request showed."""

    url: str
    token: str
    profile: str = "splunk"
    event_path: str | None = None
    raw_path: str | None = None
    capabilities: list[str] = field(default_factory=list)
    read_token: str | None = None
    repository: str = DEFAULT_REPOSITORY
    notes: list[str] = field(default_factory=list)

    def found(self, capability: str, why: str) -> None:
        """Record a capability and why."""
        if capability not in self.capabilities:
            self.capabilities.append(capability)
        self.notes.append(f"{capability}: yes, {why}")

    def missing(self, capability: str, why: str) -> None:
        """Record a capability the target lacks, and why."""
        self.notes.append(f"{capability}: no, {why}")

    def document(self, token_as: str | None = None, read_token_as: str | None = None) -> dict[str, Any]:
        """The target file's mapping; `token_as`/`read_token_as` are written instead of the tokens
        (a `${VAR}` the target file reads from the environment)."""
        doc: dict[str, Any] = {"url": self.url, "profile": self.profile}
        endpoints = {}
        if self.event_path and self.event_path != DEFAULT_PATHS[self.profile][EVENT]:
            endpoints[EVENT] = self.event_path
        if self.raw_path and self.raw_path != DEFAULT_PATHS[self.profile][RAW]:
            endpoints[RAW] = self.raw_path
        if endpoints:
            doc["endpoints"] = endpoints
        doc["capabilities"] = list(self.capabilities)
        doc["tokens"] = {"default": {"token": token_as or self.token, "repository": self.repository}}
        if "readback" in self.capabilities:
            read_token = read_token_as or self.read_token
            doc["readback"] = {"kind": "logscale-query", "url": self.url, "token": read_token}
        else:
            doc["readback"] = {"kind": "none"}
        return doc

    def target_yaml(self, token_as: str | None = None, read_token_as: str | None = None) -> str:
        """The target file: a comment block of what was probed and why, then the settings (`document`)."""
        head = [
            f"# Target file written by `hecc target probe {self.url}` (docs/targets.md).",
            "# What the probe found, and why:",
            *(f"#   {note}" for note in self.notes),
            "# Only the `default` token role is known; add the others (other_repo, disabled, ack,",
            "# json_parser, regex_parser: see `hecc target init`) to run the cases that need them.",
        ]
        document = self.document(token_as, read_token_as)
        body = yaml.safe_dump(document, sort_keys=False, default_flow_style=None, width=100)
        return "\n".join(head) + "\n" + body


def _text(response: HttpResponse) -> str:
    """The answer's body in one short line."""
    return " ".join(response.body.decode("utf-8", "replace").split())[:100] or "(empty body)"


def _hec_json(response: HttpResponse) -> dict[str, Any] | None:
    """The answer's body when it is a HEC JSON object (`text` and `code`), else None."""
    try:
        value = json.loads(response.body)
    except ValueError:
        return None
    return value if isinstance(value, dict) and "code" in value else None


class _Prober:
    def __init__(self, transport: Transport, found: Probed) -> None:
        self.transport = transport
        self.found = found
        self.unanswered: str | None = None  # the transport error of the last request without answer

    def send(
        self,
        method: str,
        path: str,
        headers: tuple[tuple[str, str], ...] = (),
        body: bytes = b"",
        query: tuple[tuple[str, str], ...] = (),
    ) -> HttpResponse | None:
        try:
            return self.transport.send(HttpRequest(method, path, headers, query, body))
        except TransportError as exc:
            self.found.notes.append(f"{method} {path}: no answer ({exc})")
            self.unanswered = str(exc)
            return None
        finally:
            self.transport.close()  # one connection per probe: no answer depends on the one before

    def event(self, marker: str | None = None) -> bytes:
        fields = {MARKER_FIELD: marker or str(uuid.uuid4())}
        return json.dumps({"event": "hecc probe", "fields": fields}).encode()

    def auth(self, scheme: str = "splunk") -> tuple[tuple[str, str], ...]:
        token = self.found.token
        value = {
            "splunk": splunk_authorization(token),
            "bearer": f"Bearer {token}",
            "basic": "Basic " + base64.b64encode(f"hecc:{token}".encode()).decode(),
        }[scheme]
        return (("Authorization", value), ("Content-Type", "application/json"))

    def accepted(self, response: HttpResponse | None) -> bool:
        return response is not None and 200 <= response.status < 300


def probe_target(
    url: str,
    token: str,
    read_token: str | None = None,
    repository: str = DEFAULT_REPOSITORY,
    timeout: float = PROBE_TIMEOUT_S,
) -> Probed:
    """Probe the target at `url` with the ingest `token` (and a `read_token` for the §9 query API)."""
    found = Probed(url.rstrip("/"), token, read_token=read_token, repository=repository)
    try:
        transport = Transport(found.url, None, timeout)
    except TransportError as exc:
        raise ProbeError(str(exc)) from None
    p = _Prober(transport, found)
    try:
        _profile(p, _endpoints(p))
        _capabilities(p)
        if read_token:
            _query_api(p, timeout)
        else:
            found.missing("readback", "no --read-token given (the §9 query API needs one)")
    finally:
        transport.close()
    found.capabilities.sort(key=CAPABILITY_ORDER.index)
    return found


def _endpoints(p: _Prober) -> list[str]:
    """The event paths that accept the token."""
    found = p.found
    served: list[str] = []
    for path in EVENT_PATHS:
        response = p.send("POST", path, p.auth(), p.event())
        if response is None and not served:
            raise ProbeError(f"the target does not answer: {p.unanswered}")
        if p.accepted(response):
            found.notes.append(f"event endpoint {path}: served (POST answered {_answer(response)})")
            served.append(path)
        elif response is not None:
            found.notes.append(f"event endpoint {path}: not served ({_answer(response)})")
    if not served:
        raise ProbeError(
            f"{found.url}: no event endpoint accepted the token ({', '.join(EVENT_PATHS)}): "
            + "; ".join(found.notes)
        )
    return served


def _profile(p: _Prober, served: list[str]) -> None:
    """humio when `Bearer <token>` is accepted (AUTH: humio only), else splunk; the event path used."""
    found = p.found
    bearer = p.send("POST", served[0], p.auth("bearer"), p.event())
    if p.accepted(bearer):
        found.profile = "humio"
        found.notes.append("profile humio: `Authorization: Bearer <token>` is accepted (humio only)")
    else:
        found.profile = "splunk"
        found.notes.append(f"profile splunk: `Authorization: Bearer <token>` answered {_answer(bearer)}")
    default = DEFAULT_PATHS[found.profile][EVENT]
    found.event_path = default if default in served else served[0]
    unknown = (("Authorization", "Splunk hecc-probe-no-such-token"),)
    refused = p.send("POST", found.event_path, unknown, p.event())
    if refused is not None:
        shape = "a HEC JSON error" if _hec_json(refused) else "not a HEC JSON error"
        found.notes.append(f"an unknown token answers {_answer(refused)} ({shape})")


def _capabilities(p: _Prober) -> None:
    found = p.found
    assert found.event_path is not None
    channel = (CHANNEL_HEADER, str(uuid.uuid4()))
    default_raw = DEFAULT_PATHS[found.profile][RAW]
    raw_paths = [default_raw, *(r for r in RAW_PATHS if r != default_raw)]
    for path in raw_paths:
        headers = (p.auth()[0], ("Content-Type", "text/plain"), channel)
        response = p.send("POST", path, headers, b"hecc probe raw line")
        if p.accepted(response):
            found.raw_path = path
            found.found("raw", f"POST {path} answered {_answer(response)}")
            break
    else:
        found.missing("raw", f"no raw path accepted a line ({', '.join(raw_paths)})")
    health_path = DEFAULT_PATHS[found.profile][HEALTH]
    health = p.send("GET", health_path)
    body = _hec_json(health) if health is not None else None
    odd = (
        " (not the HEC health answer, code 17: the EP-4 cases will show it)"
        if body is None or body.get("code") != 17
        else ""
    )
    _verdict(p, "health", health, f"GET {health_path}", odd)
    ack_path = DEFAULT_PATHS[found.profile]["ack"]
    ack = p.send("POST", ack_path, (*p.auth(), channel), b'{"acks": [0]}')
    ack_json = _hec_json(ack) if ack is not None else None
    if p.accepted(ack) or (ack_json is not None and ack_json.get("code") == 14):
        found.found("ack", f"POST {ack_path} answered {_answer(ack)} (served; acks need a token of role ack)")
    else:
        found.missing("ack", f"POST {ack_path}: {_answer(ack)}")
    zipped = gzip.compress(p.event())
    response = p.send("POST", found.event_path, (*p.auth(), ("Content-Encoding", "gzip")), zipped)
    _verdict(p, "gzip", response, "a gzip body")
    batch = b"[" + p.event() + b"," + p.event() + b"]"
    response = p.send("POST", found.event_path, p.auth(), batch)
    _verdict(p, "json-array-batch", response, "a JSON array of 2 events")
    plain = (("Content-Type", "application/json"),)
    response = p.send("POST", found.event_path, plain, p.event(), (("token", found.token),))
    _verdict(p, "query-string-auth", response, "?token=<token> without Authorization")
    _verdict(
        p, "basic-auth", p.send("POST", found.event_path, p.auth("basic"), p.event()), "Basic credentials"
    )


def _answer(response: HttpResponse | None) -> str:
    return "no answer" if response is None else f"{response.status} {_text(response)}"


def _verdict(p: _Prober, capability: str, response: HttpResponse | None, what: str, note: str = "") -> None:
    if p.accepted(response):
        p.found.found(capability, f"{what} answered {_answer(response)}{note}")
    else:
        p.found.missing(capability, f"{what} answered {_answer(response)}")


def _query_api(p: _Prober, timeout: float) -> None:
    """Send a marked event, then look it up through the §9 query API with the read token."""
    import dataclasses

    from hec_conformance.readback import ReadbackError
    from hec_conformance.readback.logscale_query import LogScaleQueryReader
    from hec_conformance.readback.poller import Poller
    from hec_conformance.target import url_target

    found = p.found
    assert found.event_path is not None and found.read_token is not None
    marker = str(uuid.uuid4())
    p.send("POST", found.event_path, p.auth(), p.event(marker))
    base = url_target(found.url, found.token, found.profile)
    target = dataclasses.replace(
        base, readback=dataclasses.replace(base.readback, kind="logscale-query", token=found.read_token)
    )
    poller = Poller(LogScaleQueryReader(target, timeout), timeout)
    try:
        events = poller.until([found.repository], [(MARKER_FIELD, marker)], 1).events
    except ReadbackError as exc:
        found.missing("readback", f"the §9 query API: {exc}")
        return
    finally:
        poller.close()
    if events:
        found.found("readback", f"the §9 query API found the probe event in repository {found.repository!r}")
    else:
        why = f"the §9 query API did not show the probe event in {found.repository!r} within {timeout:g}s"
        found.missing("readback", why)
