"""The target file (docs/targets.md): where the HEC endpoint is, its tokens by role, how to read back."""

from __future__ import annotations

import dataclasses
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

from hec_conformance.corpus.yamlsource import KeyPath
from hec_conformance.protocol import DEFAULT_PATHS
from hec_conformance.settings_file import Settings, read_settings

ROLES = ("default", "other_repo", "disabled", "ack", "json_parser", "regex_parser")
READBACK_KINDS = ("logscale-query", "command", "none")
DEFAULT_TIMEOUT_S = 30.0  # per answer of the target, unless the target file or --timeout says otherwise
_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class TargetError(ValueError):
    """A target file that cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class TokenRole:
    """One token role: the token, its repository and its attached parser (all optional but the token)."""

    token: str
    repository: str | None = None
    parser: str | None = None


@dataclass(frozen=True)
class Tls:
    """TLS settings: a CA bundle, a client certificate and key, and whether to verify the server."""

    ca: Path | None = None
    cert: Path | None = None
    key: Path | None = None
    verify: bool = True


@dataclass(frozen=True)
class ReadbackConfig:
    """How stored events are read back (SPEC §9)."""

    kind: str = "none"
    url: str | None = None
    token: str | None = field(default=None, repr=False)
    command: tuple[str, ...] = ()


@dataclass(frozen=True)
class Target:
    """A loaded target file. Tokens are kept out of `repr` so they never reach a report."""

    url: str
    profile: str = "humio"
    capabilities: frozenset[str] = frozenset()
    marker_field: str = "hec_case"
    tokens: dict[str, TokenRole] = field(default_factory=dict, repr=False)
    readback: ReadbackConfig = ReadbackConfig()
    tls: Tls = Tls()
    limits: Mapping[str, int] = field(default_factory=dict)
    endpoints: Mapping[str, str] = field(default_factory=dict)
    connections: str = "per-case"  # or "reuse": keep a clean keep-alive connection across cases
    timeout: float = DEFAULT_TIMEOUT_S
    source: Path | None = None

    def has(self, capability: str) -> bool:
        """Whether the target declares `capability`."""
        return capability in self.capabilities

    def path_for(self, kind: str) -> str:
        """The path of an endpoint kind: the target file's `endpoints`, else its profile's default."""
        return self.endpoints.get(kind) or DEFAULT_PATHS[self.profile][kind]

    def secrets(self) -> tuple[str, ...]:
        """Every secret the target holds, for redaction in reports."""
        found = [role.token for role in self.tokens.values()]
        if self.readback.token:
            found.append(self.readback.token)
        return tuple(s for s in found if s)


@cache
def _validator() -> jsonschema.Draft202012Validator:
    schema = json.loads((Path(__file__).parent / "schemas" / "target.schema.json").read_text("utf-8"))
    return jsonschema.Draft202012Validator(schema)


def _expand(value: Any, keys: KeyPath, env: dict[str, str], settings: Settings) -> Any:
    """Replace `${NAME}` by environment variables in every string; an unset name is an error at its key."""
    if isinstance(value, str):

        def sub(m: re.Match[str]) -> str:
            if m.group(1) not in env:
                raise TargetError(f"{settings.place(keys)}: environment variable {m.group(1)} is not set")
            return env[m.group(1)]

        return _ENV.sub(sub, value)
    if isinstance(value, dict):
        return {k: _expand(v, (*keys, k), env, settings) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand(v, (*keys, i), env, settings) for i, v in enumerate(value)]
    return value


def _path(value: str | None, base: Path) -> Path | None:
    return None if value is None else (base / value)


def parse_target(
    data: Any,
    *,
    base_dir: Path,
    env: dict[str, str] | None = None,
    source: Path | None = None,
    settings: Settings | None = None,
) -> Target:
    """Build a Target from a parsed YAML mapping (env expansion, schema validation, paths).

    `settings` (the file as read by `load_target`) lets every message name the line of the key."""
    settings = settings or Settings(str(source) if source else "target")
    label = settings.label
    if not isinstance(data, dict):
        raise TargetError(f"{label}: a target file is a mapping (url, profile, tokens, ...)")
    data = _expand(data, (), dict(os.environ) if env is None else env, settings)
    settings.check(_validator(), data, TargetError)
    tokens = {
        name: TokenRole(
            token=str(spec["token"]), repository=spec.get("repository"), parser=spec.get("parser")
        )
        for name, spec in data["tokens"].items()
    }
    rb = data.get("readback") or {"kind": "none"}
    readback = ReadbackConfig(
        kind=rb["kind"],
        url=rb.get("url", data["url"]),
        token=rb.get("token"),
        command=tuple(rb.get("command", ())),
    )
    caps = frozenset(data.get("capabilities", ()))
    if "readback" in caps and readback.kind == "none":
        raise TargetError(
            f"{settings.place(('capabilities',))}: 'readback' is declared but readback.kind is none"
        )
    tls_data = data.get("tls") or {}
    tls = Tls(
        ca=_path(tls_data.get("ca"), base_dir),
        cert=_path(tls_data.get("cert"), base_dir),
        key=_path(tls_data.get("key"), base_dir),
        verify=tls_data.get("verify", True),
    )
    return Target(
        url=data["url"].rstrip("/"),
        profile=data.get("profile", "humio"),
        capabilities=caps,
        marker_field=data.get("marker_field", "hec_case"),
        tokens=tokens,
        readback=readback,
        tls=tls,
        limits=dict(data.get("limits", {})),
        endpoints=dict(data.get("endpoints", {})),
        connections=data.get("connections", "per-case"),
        timeout=float(data.get("timeout", DEFAULT_TIMEOUT_S)),
        source=source,
    )


def load_target(path: str | Path, env: dict[str, str] | None = None) -> Target:
    """Read and check a target file; every problem is a TargetError naming the file and key."""
    path = Path(path)
    settings = read_settings(path, "target file", TargetError)
    return parse_target(
        settings.data, base_dir=path.resolve().parent, env=env, source=path, settings=settings
    )


def with_timeout(target: Target, seconds: str | float | None) -> Target:
    """`target` with another per-answer timeout (`--timeout`); a bad value is a TargetError."""
    if seconds is None or seconds == "":
        return target
    try:
        value = float(seconds)
    except ValueError:
        value = -1.0
    if not 0 < value <= 3600:
        raise TargetError(f"--timeout {seconds}: a number of seconds above 0 and at most 3600 expected")
    return dataclasses.replace(target, timeout=value)


def url_target(url: str, token: str, profile: str = "humio") -> Target:
    """A target from a bare URL and token: role `default` only, no capabilities, no read-back."""
    return parse_target(
        {"url": url, "profile": profile, "tokens": {"default": {"token": token}}}, base_dir=Path.cwd(), env={}
    )


EXAMPLE = """\
# HEC conformance target file (docs/targets.md). Use it with:  hecc run --target THIS_FILE
# ${NAME} anywhere in a value is replaced by the environment variable NAME.
# Relative paths (tls) are relative to this file.

# Base URL of the HEC endpoint; the endpoint paths are appended to it.
url: https://hec.example.com:8088

# humio (Humio / Falcon LogScale behaviour, the default) or splunk (responses only).
profile: humio

# The path of each kind of endpoint (SPEC §0), where it differs from the profile's default:
#   humio:  event /api/v1/ingest/hec          raw /api/v1/ingest/hec/raw
#   splunk: event /services/collector/event   raw /services/collector/raw
#   both:   ack /services/collector/ack       health /services/collector/health
# Only the EP cases, which test the paths of SPEC §1 themselves, send anywhere else.
# endpoints: {event: /services/collector, raw: /services/collector/raw}

# What the target supports (SPEC §0). Cases needing anything else are reported unsupported.
# Also available: query-string-auth, basic-auth, change-repo-on-events, time-unit-guess.
# Not sure? `hecc target probe URL --token T [--read-token R]` finds out and writes a target file.
capabilities: [raw, health, ack, gzip, json-array-batch, readback]

# Seconds to wait for each answer of the target (hecc run --timeout overrides it).
# timeout: 30

# The fields member the suite adds to every event to find it again (SPEC §9).
marker_field: hec_case

# Token roles used by the cases. Only `default` is required; cases using a missing role are unsupported.
tokens:
  default:      {token: "${HEC_TOKEN}", repository: main}       # enabled ingest token of repository R1
  # other_repo:   {token: "...", repository: audit}             # enabled token of another repository
  # disabled:     {token: "..."}                                # a disabled token
  # ack:          {token: "...", repository: main}              # indexer acknowledgement on
  # json_parser:  {token: "...", repository: main}              # built-in json parser attached
  # regex_parser: {token: "...", repository: main, parser: access}  # regex parser `access` attached

# How the suite reads stored events back:
#   logscale-query: the LogScale query API (POST /api/v1/repositories/{repo}/query, Bearer read token)
#   command: a program printing one JSON event per line; {marker_field} {marker} {repository} are filled in
#   none: responses only (declare no `readback` capability then)
readback: {kind: logscale-query, url: https://hec.example.com:8088, token: "${HEC_READ_TOKEN}"}
# readback: {kind: command, command: ["./fetch-events", "{repository}", "{marker_field}", "{marker}"]}
# readback: {kind: none}

# Limits the target enforces, by name (docs/targets.md). A case that fills a limit (ACK-5) runs
# only when the target declares it.
# limits: {max_request_bytes: 33554432, max_pending_acks_per_channel: 1000}

# TLS: a CA bundle for the server, a client certificate and key, and verification on or off.
# tls: {ca: ca.pem, cert: client.pem, key: client.key, verify: true}
"""
