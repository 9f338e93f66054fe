"""Plain-text pieces of a case record shared by the writers: its diff lines and its wire log."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

BODY_SHOWN = 600
EVENTS_SHOWN = 5
_CONTROL = re.compile("[\x00-\x1f\x7f]")
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def case_name(case: dict[str, Any]) -> str:
    """`case-id[variant]`."""
    return f"{case['id']}[{case['variant']}]"


def body_text(body: dict[str, Any], limit: int = BODY_SHOWN) -> str:
    """A recorded body as one readable string (base64 bodies shown as escaped bytes)."""
    if "text" in body:
        text = body["text"]
    else:
        text = base64.b64decode(body["base64"]).decode("utf-8", "backslashreplace")
    shown = text[:limit]
    if len(text) > limit or body.get("truncated"):
        shown += f"... ({body['length']} bytes in all)"
    return _CONTROL.sub(lambda m: _ESCAPES.get(m.group(), f"\\x{ord(m.group()):02x}"), shown)


def diff_line(diff: dict[str, Any]) -> str:
    """One field difference: where, expected, actual, why."""
    return (
        f"request {diff['index']} {diff['part']} {diff['path']}: expected "
        f"{json.dumps(diff['expected'], ensure_ascii=False)}, got "
        f"{json.dumps(diff['actual'], ensure_ascii=False)} ({diff['reason']})"
    )


def waiver_line(case: dict[str, Any]) -> str | None:
    """What a waiver did to this case, or None."""
    waiver = case.get("waiver")
    if not waiver:
        return None
    subject = waiver.get("case") or waiver.get("requirement")
    what = {
        "waived": "waived by",
        "stale": "STALE waiver (the case passes; drop it):",
        "expired": "EXPIRED waiver (counts again):",
    }[waiver["state"]]
    return f"{what} deviation {subject}, expires {waiver['expires']}: {waiver['reason']}"


def wire_lines(case: dict[str, Any]) -> list[str]:
    """Each request, its response and the events read back for it."""
    lines: list[str] = []
    for ex in case["exchanges"]:
        req, resp, rb = ex["request"], ex["response"], ex["readback"]
        if req:
            lines.append(f"--> request {ex['index']}: {req['method']} {req['target']}")
            lines += [f"    {k}: {v}" for k, v in req["headers"]]
            lines.append(f"    body ({req['body']['length']} bytes): {body_text(req['body'])}")
        if resp:
            lines.append(f"<-- response {ex['index']}: {resp['status']} ({resp['elapsed_ms']:.0f} ms)")
            lines.append(f"    body: {body_text(resp['body'])}")
        if rb:
            lines.append(
                f"    stored: {len(rb['events'])} event(s) in {rb['repository']!r} where {rb['query']}"
            )
            lines += [
                f"    {json.dumps(e, ensure_ascii=False, sort_keys=True)[:BODY_SHOWN]}"
                for e in rb["events"][:EVENTS_SHOWN]
            ]
            if len(rb["events"]) > EVENTS_SHOWN:
                lines.append(f"    ... {len(rb['events']) - EVENTS_SHOWN} more")
    return lines


def case_text(case: dict[str, Any]) -> str:
    """The full plain-text account of one case variant: verdict, waiver, messages, diff, wire log."""
    head = (
        f"{case_name(case)} {case['outcome'].upper()} (level {case['level'] or '-'}; "
        f"requirements {', '.join(case['requirements'])})"
    )
    lines = [head]
    if case["title"]:
        lines.append(f"  {case['title']}")
    lines.append(f"  case file: {case['file']}")
    waiver = waiver_line(case)
    lines += [f"  {waiver}"] if waiver else []
    lines += [f"  {m}" for m in case["messages"]]
    if case["diffs"]:
        lines.append("  differences:")
        lines += [f"    {diff_line(d)}" for d in case["diffs"]]
    lines += [f"  {line}" for line in wire_lines(case)]
    return "\n".join(lines)
