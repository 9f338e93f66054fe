"""Mutants as proxies: the broken-server mechanism of tests/suite/broken_servers, reused.

A `ProxyMutant` wraps a `Breaker` class; `start` runs its proxy in front of the real reference server
and writes a target file for it. A breaker with `through_readback = True` also sees the read-back
(the query API goes through the proxy), so it can break what the server *stores* by rewriting the
stored events it returns, as a receiver storing them wrongly would show them.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "suite"))

from broken_servers.proxy import Breaker, BrokenServer, Exchange  # noqa: E402

QUERY_PREFIX = "/api/v1/repositories/"


class ProxyMutant:
    """A mutant of the catalogue: name, rule and description come from the breaker class."""

    def __init__(self, breaker: type[Breaker]) -> None:
        self.breaker = breaker
        self.name = breaker.__name__
        self.rule = breaker.rule
        self.about = breaker.about

    @contextlib.contextmanager
    def start(self, upstream_target: Path, workdir: Path) -> Iterator[Path]:
        """Run the proxy; yield its target file (read-back through it when the breaker asks)."""
        server = BrokenServer(self.breaker(), upstream_target)
        try:
            data = dict(server.upstream_target)
            readback = {**data["readback"], "url": data["readback"].get("url", data["url"])}
            if getattr(self.breaker, "through_readback", False):
                readback["url"] = server.url
            data.update(url=server.url, readback=readback)
            target = workdir / "target.yaml"
            target.write_text(yaml.safe_dump(data, sort_keys=False), "utf-8")
            yield target
        finally:
            server.stop()


def envelope_spans(text: str) -> list[tuple[int, int, Any]] | None:
    """(start, end, value) of each top-level JSON value of a concatenated body; None when the body
    is not a sequence of JSON objects (invalid JSON, another value, a JSON array)."""
    decoder = json.JSONDecoder(parse_float=Decimal)
    out: list[tuple[int, int, Any]] = []
    pos = 0
    while True:
        while pos < len(text) and text[pos] in " \t\r\n":
            pos += 1
        if pos >= len(text):
            return out or None
        try:
            value, end = decoder.raw_decode(text, pos)
        except (ValueError, RecursionError):
            return None
        if not isinstance(value, dict):
            return None
        out.append((pos, end, value))
        pos = end


def body_text(req: Exchange) -> str | None:
    """The decoded body of an event request as text; None for other requests or undecodable bodies."""
    body = req.decoded()
    if not req.is_events() or body is None:
        return None
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return None


def is_ingest(req: Exchange) -> bool:
    """A request to an HEC path (not the query API)."""
    return not req.path.startswith(QUERY_PREFIX)
