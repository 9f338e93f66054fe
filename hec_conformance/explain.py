"""Plain-text account of one case variant: what was sent, what came back, what was stored, the diff."""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Iterable
from typing import Any

from hec_conformance.results import CaseFinished, EventsRead, RequestSent, ResponseReceived, ResultEvent

BODY_LIMIT = 600
EVENTS_LIMIT = 5


def _body(body: bytes) -> str:
    """UTF-8 text as it is; bytes with control characters or invalid UTF-8 as a Python bytes literal."""
    cut = body[:BODY_LIMIT]
    more = f"... ({len(body)} bytes in all)" if len(body) > BODY_LIMIT else ""
    try:
        text = cut.decode("utf-8")
    except UnicodeDecodeError:
        return repr(cut) + more
    return (repr(cut) if any(ord(c) < 32 and c != "\n" for c in text) else text) + more


def _sent_body(ev: RequestSent) -> str:
    """The request body; a gzip body is shown decompressed when it decompresses."""
    gzipped = any(k.lower() == "content-encoding" and "gzip" in v.lower() for k, v in ev.headers)
    if gzipped:
        try:
            plain = gzip.decompress(ev.body)
        except (OSError, EOFError, zlib.error):
            return f"({len(ev.body)} bytes, not a valid gzip stream): {_body(ev.body)}"
        return f"({len(ev.body)} bytes gzip, {len(plain)} decompressed): {_body(plain)}"
    return f"({len(ev.body)} bytes): {_body(ev.body)}"


def _event(event: dict[str, Any]) -> str:
    return json.dumps(event, ensure_ascii=False, sort_keys=True)


def explain(result: CaseFinished, events: Iterable[ResultEvent], title: str = "", line: int = 0) -> str:
    """A multi-line report naming the case, its requirements and level, the exchange and the diff."""
    head = f"{result.case_id}[{result.variant}] {result.outcome.upper()}"
    lines = [f"{head} (level {result.level or '-'}; requirements {', '.join(result.requirements)})"]
    if title:
        lines.append(f"  {title}")
    lines.append(f"  case file: {result.file}" + (f":{line}" if line else ""))
    lines += [f"  {m}" for m in result.messages]
    for ev in events:
        if isinstance(ev, RequestSent):
            lines.append(f"  --> request {ev.index}: {ev.method} {ev.target}")
            lines += [f"      {k}: {v}" for k, v in ev.headers]
            lines.append(f"      body {_sent_body(ev)}")
        elif isinstance(ev, ResponseReceived):
            lines.append(f"  <-- response {ev.index}: {ev.status} ({ev.elapsed_ms:.0f} ms)")
            ctype = next((v for k, v in ev.headers if k.lower() == "content-type"), None)
            if ctype:
                lines.append(f"      content-type: {ctype}")
            lines.append(f"      body: {_body(ev.body)}")
        elif isinstance(ev, EventsRead):
            lines.append(
                f"  stored for request {ev.index}: {len(ev.events)} event(s) in {ev.repository!r} "
                f"where {ev.query} ({ev.polls} read(s))"
            )
            lines += [f"      {_event(e)}" for e in ev.events[:EVENTS_LIMIT]]
            if len(ev.events) > EVENTS_LIMIT:
                lines.append(f"      ... {len(ev.events) - EVENTS_LIMIT} more")
    if result.diffs:
        lines.append("  differences:")
        lines += [f"    {d}" for d in result.diffs]
    return "\n".join(lines)
