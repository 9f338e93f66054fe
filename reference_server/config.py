"""The server's YAML configuration: schema validation with errors that name the key and the line."""

from __future__ import annotations

import dataclasses
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from .parsers import ParserRegistry

BUILTIN_PARSERS = frozenset({"kv", "json"})
ALWAYS_CAPABILITIES = ("raw", "health", "ack", "gzip", "json-array-batch", "readback")


class ConfigError(Exception):
    """A configuration problem, worded for one line: ``file:line: key: what is wrong``."""


@dataclass(frozen=True)
class IngestToken:
    """One ingest token and what it grants."""

    token: str
    repository: str
    enabled: bool = True
    parser: str | None = None
    ack: bool = False
    role: str | None = None


@dataclass(frozen=True)
class Limits:
    """Sizes, counts and timeouts; every one bounds a resource an untrusted client could consume."""

    max_request_bytes: int = 32 * 1024 * 1024
    max_future_seconds: int = 86400
    max_event_bytes: int = 1024 * 1024
    max_fields: int = 8000
    max_channels: int = 10_000
    max_pending_acks: int = 100_000
    max_pending_acks_per_channel: int = 1_000_000
    channel_idle_seconds: float = 600.0
    max_concurrent_requests: int = 64
    max_connections: int = 2048
    max_queued_events: int = 1_000_000
    max_query_events: int = 1_000_000
    header_timeout_seconds: float = 10.0
    body_timeout_seconds: float = 30.0
    keep_alive_seconds: float = 5.0
    shutdown_timeout_seconds: float = 30.0


@dataclass(frozen=True)
class Config:
    """A validated configuration."""

    profile: str = "humio"
    repositories: tuple[str, ...] = ("main",)
    tokens: tuple[IngestToken, ...] = ()
    read_tokens: tuple[str, ...] = ()
    parsers: tuple[dict[str, str], ...] = ()
    capabilities: frozenset[str] = frozenset()
    limits: Limits = field(default_factory=Limits)

    def all_capabilities(self) -> list[str]:
        """What a target file declares: the fixed set (readback needs a read token) plus the switches."""
        fixed = [c for c in ALWAYS_CAPABILITIES if c != "readback" or self.read_tokens]
        return [*fixed, *sorted(self.capabilities)]

    def parser_registry(self) -> ParserRegistry:
        return ParserRegistry.from_config([dict(p) for p in self.parsers])


def default_config() -> Config:
    """No file given: one repository ``main``, one fresh ingest token, one fresh read token."""
    return Config(
        tokens=(IngestToken(token=secrets.token_urlsafe(24), repository="main", role="default"),),
        read_tokens=(secrets.token_urlsafe(24),),
    )


def load_config(path: str | Path) -> Config:
    """Read and validate a config file; raise ConfigError naming the key and the line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config: {exc}") from None
    return parse_config(text, str(path))


def parse_config(text: str, source: str = "<config>") -> Config:
    """Validate YAML text against config.schema.json, then the cross-references between keys."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}:{mark.line + 1}" if mark is not None else source
        raise ConfigError(f"{where}: invalid YAML: {getattr(exc, 'problem', None) or exc}") from None
    if data is None:
        data = {}
    lines: dict[tuple[Any, ...], int] = {}
    if node is not None:
        _record_lines(node, (), lines)

    def fail(path: tuple[Any, ...], message: str) -> ConfigError:
        line = _nearest_line(lines, path)
        where = f"{source}:{line}" if line else source
        return ConfigError(f"{where}: {_key_name(path)}: {message}")

    error = jsonschema.exceptions.best_match(_validator().iter_errors(data))
    if error is not None:
        path = tuple(error.absolute_path)
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            allowed = set(error.schema.get("properties", {}))
            extra = sorted(str(k) for k in error.instance if k not in allowed)
            raise fail((*path, extra[0]), "unknown key")
        raise fail(path, error.message)
    return _build(data, fail)


def _build(data: dict[str, Any], fail: Callable[[tuple[Any, ...], str], ConfigError]) -> Config:
    repositories = tuple(data.get("repositories", ["main"]))
    parsers = tuple({"name": p["name"], "regex": p["regex"]} for p in data.get("parsers", []))
    parser_names = BUILTIN_PARSERS | {p["name"] for p in parsers}
    for i, p in enumerate(parsers):
        if p["name"] in BUILTIN_PARSERS or [q["name"] for q in parsers[:i]].count(p["name"]):
            raise fail(("parsers", i, "name"), f"the parser name {p['name']!r} is already taken")
        try:
            ParserRegistry.from_config([p])
        except ValueError as exc:
            raise fail(("parsers", i, "regex"), str(exc)) from None
    tokens = []
    seen: set[str] = set()
    for i, t in enumerate(data.get("tokens", [])):
        if t["repository"] not in repositories:
            raise fail(("tokens", i, "repository"), f"unknown repository {t['repository']!r}")
        if t.get("parser") is not None and t["parser"] not in parser_names:
            raise fail(("tokens", i, "parser"), f"unknown parser {t['parser']!r}")
        if t["token"] in seen:
            raise fail(("tokens", i, "token"), "duplicate token")
        seen.add(t["token"])
        tokens.append(IngestToken(**t))
    read_tokens = tuple(data.get("read_tokens", []))
    for i, t in enumerate(read_tokens):
        if t in seen:
            raise fail(("read_tokens", i), "a read token must differ from every ingest token")
    roles = [t.role for t in tokens if t.role is not None]
    for i, t in enumerate(tokens):
        if t.role is not None and roles.count(t.role) > 1:
            raise fail(("tokens", i, "role"), f"role {t.role!r} is given to more than one token")
    return Config(
        profile=data.get("profile", "humio"),
        repositories=repositories,
        tokens=tuple(tokens),
        read_tokens=read_tokens,
        parsers=parsers,
        capabilities=frozenset(data.get("capabilities", [])),
        limits=dataclasses.replace(Limits(), **data.get("limits", {})),
    )


def _validator() -> jsonschema.protocols.Validator:
    schema = json.loads(resources.files(__package__).joinpath("config.schema.json").read_text("utf-8"))
    return jsonschema.Draft202012Validator(schema)


def _record_lines(node: yaml.Node, path: tuple[Any, ...], lines: dict[tuple[Any, ...], int]) -> None:
    """Map each key path of a composed YAML tree to its 1-based line."""
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            sub = (*path, key.value)
            _record_lines(value, sub, lines)
            lines[sub] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _record_lines(item, (*path, i), lines)


def _nearest_line(lines: dict[tuple[Any, ...], int], path: tuple[Any, ...]) -> int | None:
    for n in range(len(path), -1, -1):
        if path[:n] in lines:
            return lines[path[:n]]
    return None


def _key_name(path: tuple[Any, ...]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"
