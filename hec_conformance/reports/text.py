"""The plain-text account of a case record, written once: the pytest failure message, JUnit's failure
text and the terminal's wire log all come from here (verdict, waiver, messages, diff, wire log)."""

from __future__ import annotations

import base64
import json
import re
import zlib
from typing import Any

BODY_SHOWN = 600  # characters of a body shown
EVENTS_SHOWN = 5  # stored events shown per request
_CONTROL = re.compile("[\x00-\x1f\x7f]")
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def case_name(case: dict[str, Any]) -> str:
    """`case-id[variant]`."""
    return f"{case['id']}[{case['variant']}]"


def _printable(text: str, more: str, cut: bool = False) -> str:
    """`text` cut to BODY_SHOWN characters (`more` said when anything is left out, or `cut` already),
    control characters escaped: one line."""
    shown = text[:BODY_SHOWN] + (more if cut or len(text) > BODY_SHOWN else "")
    return _CONTROL.sub(lambda m: _ESCAPES.get(m.group(), f"\\x{ord(m.group()):02x}"), shown)


def _raw(body: dict[str, Any]) -> bytes:
    """The recorded bytes of a body (the first 4096 bytes when it was cut)."""
    return body["text"].encode("utf-8") if "text" in body else base64.b64decode(body["base64"])


def body_text(body: dict[str, Any]) -> str:
    """A recorded body as one readable line (bytes that are not UTF-8 shown escaped)."""
    text = body["text"] if "text" in body else _raw(body).decode("utf-8", "backslashreplace")
    return _printable(text, f"... ({body['length']} bytes in all)", body.get("truncated", False))


def _gunzip(data: bytes, complete: bool) -> bytes:
    """The decompressed gzip members of `data`; ValueError when it is not gzip (or ends early while
    `complete` says it was recorded whole)."""
    out, rest = [], data
    while rest:
        member = zlib.decompressobj(wbits=31)
        try:
            out.append(member.decompress(rest))
        except zlib.error as exc:
            raise ValueError(str(exc)) from None
        if not member.eof:
            if complete:
                raise ValueError("the gzip stream ends early")
            break
        rest = member.unused_data
    return b"".join(out)


def _gzipped(headers: list[list[str]]) -> bool:
    return any(k.lower() == "content-encoding" and "gzip" in v.lower() for k, v in headers)


def request_body_text(request: dict[str, Any]) -> str:
    """`(N bytes): body`; a gzip body shown decompressed when it decompresses."""
    body = request["body"]
    if not _gzipped(request["headers"]):
        return f"({body['length']} bytes): {body_text(body)}"
    truncated = body.get("truncated", False)
    try:
        plain = _gunzip(_raw(body), complete=not truncated)
    except ValueError:
        return f"({body['length']} bytes, not a valid gzip stream): {body_text(body)}"
    text = plain.decode("utf-8", "backslashreplace")
    if truncated:
        head = f"({body['length']} bytes gzip, its first {len(_raw(body))} decompressed to {len(plain)})"
        return f"{head}: {_printable(text, '...', cut=True)}"
    shown = _printable(text, f"... ({len(plain)} bytes in all)")
    return f"({body['length']} bytes gzip, {len(plain)} decompressed): {shown}"


def failed_checks(case: dict[str, Any]) -> list[dict[str, Any]]:
    """The failed checks of a case record: its diff lines."""
    return [c for c in case["checks"] if c["result"] == "fail"]


def unchecked_lines(case: dict[str, Any]) -> list[str]:
    """One line per check that could not be made, with the requirements it was for and why."""
    return [
        f"request {c['index']} {c['path']} [{', '.join(c['requirements'])}]: not checked ({c['reason']})"
        for c in case["checks"]
        if c["result"] == "not_checked"
    ]


def diff_line(diff: dict[str, Any]) -> str:
    """One failed check: where, the requirements it is evidence for, expected, actual, why."""
    return (
        f"request {diff['index']} {diff['part']} {diff['path']} [{', '.join(diff['requirements'])}]: "
        f"expected "
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


def _readback_lines(index: int, readback: dict[str, Any]) -> list[str]:
    events = readback["events"]
    lines = [
        f"stored for request {index}: {len(events)} event(s) in {readback['repository']!r} "
        f"where {readback['query']} ({readback['polls']} read(s))"
    ]
    lines += [
        f"    {json.dumps(e, ensure_ascii=False, sort_keys=True)[:BODY_SHOWN]}" for e in events[:EVENTS_SHOWN]
    ]
    if len(events) > EVENTS_SHOWN:
        lines.append(f"    ... {len(events) - EVENTS_SHOWN} more")
    return lines


def wire_lines(case: dict[str, Any]) -> list[str]:
    """Each request, its response and the events read back for it."""
    lines: list[str] = []
    for ex in case["exchanges"]:
        req, resp, rb = ex["request"], ex["response"], ex["readback"]
        if req:
            lines.append(f"--> request {ex['index']}: {req['method']} {req['target']}")
            lines += [f"    {k}: {v}" for k, v in req["headers"]]
            lines.append(f"    body {request_body_text(req)}")
        if resp:
            lines.append(f"<-- response {ex['index']}: {resp['status']} ({resp['elapsed_ms']:.0f} ms)")
            ctype = next((v for k, v in resp["headers"] if k.lower() == "content-type"), None)
            lines += [f"    content-type: {ctype}"] if ctype else []
            lines.append(f"    body: {body_text(resp['body'])}")
        if rb:
            lines += _readback_lines(ex["index"], rb)
    return lines


def case_text(case: dict[str, Any], line: int = 0) -> str:
    """The full plain-text account of one case variant: verdict, waiver, messages, diff, wire log.
    `line`, when known, is the case's line in its file."""
    head = (
        f"{case_name(case)} {case['outcome'].upper()} (level {case['level'] or '-'}; "
        f"requirements {', '.join(case['requirements'])})"
    )
    lines = [head]
    if case["title"]:
        lines.append(f"  {case['title']}")
    lines.append(f"  case file: {case['file']}" + (f":{line}" if line else ""))
    waiver = waiver_line(case)
    lines += [f"  {waiver}"] if waiver else []
    lines += [f"  {m}" for m in case["messages"]]
    if failed_checks(case):
        lines.append("  differences:")
        lines += [f"    {diff_line(d)}" for d in failed_checks(case)]
    if unchecked_lines(case):
        lines.append("  not checked:")
        lines += [f"    {line}" for line in unchecked_lines(case)]
    lines += [f"  {wire}" for wire in wire_lines(case)]
    return "\n".join(lines)
