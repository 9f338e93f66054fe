"""Import other recordings as captures: HAR 1.2 (browsers, mitmproxy) and raw HTTP request dumps."""

from __future__ import annotations

import base64
import binascii
import gzip
import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from hec_conformance.replay.capture import CaptureError, Exchange, Headers, Response, header
from hec_conformance.replay.roles import RoleNamer, redact

_HOP_BY_HOP = {"transfer-encoding"}


def _split_target(target: str) -> tuple[str, str | None]:
    path, sep, query = target.partition("?")
    return path, (query if sep else None)


def _dechunk(data: bytes, start: int, where: str) -> tuple[bytes, int]:
    """Decode a chunked body starting at `start`; the body and the offset after it."""
    body = bytearray()
    pos = start
    while True:
        end = data.find(b"\r\n", pos)
        if end < 0:
            raise CaptureError(f"{where}: truncated chunked body")
        try:
            size = int(data[pos:end].split(b";")[0], 16)
        except ValueError:
            raise CaptureError(f"{where}: bad chunk size {data[pos:end][:20]!r}") from None
        pos = end + 2
        if size == 0:
            trailer_end = data.find(b"\r\n\r\n", pos - 2)
            return bytes(body), (trailer_end + 4 if trailer_end >= 0 else len(data))
        body += data[pos : pos + size]
        pos += size + 2


def parse_raw_dump(data: bytes, where: str) -> Iterator[tuple[str, str, str, Headers, bytes]]:
    """Split concatenated HTTP/1.x requests: (method, target, version, headers, de-chunked body) each."""
    pos = 0
    count = 0
    while pos < len(data):
        head_end = data.find(b"\r\n\r\n", pos)
        if head_end < 0:
            if data[pos:].strip():
                raise CaptureError(f"{where}: request {count + 1}: no end of headers")
            return
        lines = data[pos:head_end].decode("latin-1").split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) != 3 or not parts[2].startswith("HTTP/"):
            raise CaptureError(f"{where}: request {count + 1}: bad request line {lines[0][:80]!r}")
        headers: list[tuple[str, str]] = []
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if not sep:
                raise CaptureError(f"{where}: request {count + 1}: bad header line {line[:80]!r}")
            headers.append((name, value.strip()))
        body_start = head_end + 4
        if "chunked" in (header(tuple(headers), "transfer-encoding") or "").lower():
            body, pos = _dechunk(data, body_start, f"{where}: request {count + 1}")
        else:
            length = int(header(tuple(headers), "content-length") or 0)
            body, pos = data[body_start : body_start + length], body_start + length
            if len(body) != length:
                raise CaptureError(f"{where}: request {count + 1}: body shorter than Content-Length")
        count += 1
        kept = tuple(h for h in headers if h[0].lower() not in _HOP_BY_HOP)
        yield parts[0], parts[1], parts[2].removeprefix("HTTP/"), kept, body


def import_raw(path: Path, namer: RoleNamer | None) -> Iterator[Exchange]:
    """A raw dump; offsets and connections from the recorder's `.jsonl` beside it when there is one."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CaptureError(f"{path}: cannot read ({exc.strerror})") from None
    meta: list[dict[str, Any]] = []
    beside = path.with_suffix(".jsonl")
    if beside.exists():
        meta = [json.loads(line) for line in beside.read_text("utf-8").splitlines() if line.strip()]
    first_t = float(meta[0]["t"]) if meta else 0.0
    for i, (method, target, version, headers, body) in enumerate(parse_raw_dump(data, str(path))):
        info = meta[i] if i < len(meta) else {}
        path_, query = _split_target(target)
        if namer is not None:
            headers, query = redact(headers, query, namer)
        yield Exchange(
            seq=i + 1,
            offset_ms=round(max(0.0, (float(info.get("t", first_t)) - first_t) * 1000), 3),
            method=method,
            path=path_,
            query=query,
            headers=headers,
            body=body,
            conn=info.get("peer_conn"),
            http_version=version,
        )


def _har_body(content: dict[str, Any] | None, where: str) -> bytes:
    if not content or content.get("text") is None:
        return b""
    text = str(content["text"])
    if content.get("encoding") == "base64" or content.get("_encoding") == "base64":
        try:
            return base64.b64decode(text, validate=True)
        except binascii.Error:
            raise CaptureError(f"{where}: base64 body is not valid base64") from None
    return text.encode("utf-8")


def _har_headers(items: Any) -> Headers:
    return tuple((str(h["name"]), str(h["value"])) for h in items or () if not str(h["name"]).startswith(":"))


def import_har(path: Path, namer: RoleNamer | None) -> Iterator[Exchange]:
    """HAR 1.2 entries in start order. HAR keeps bodies decoded: gzip request bodies are re-compressed."""
    try:
        har = json.loads(path.read_text("utf-8"))
        entries = sorted(har["log"]["entries"], key=lambda e: e["startedDateTime"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CaptureError(f"{path}: not a HAR 1.2 file ({exc})") from None
    first: datetime | None = None
    for i, entry in enumerate(entries):
        where = f"{path}: entries[{i}]"
        try:
            started = datetime.fromisoformat(entry["startedDateTime"])
            request, response = entry["request"], entry.get("response") or {}
            url = urlsplit(request["url"])
            headers = _har_headers(request.get("headers"))
            body = _har_body(request.get("postData"), where)
        except (KeyError, TypeError, ValueError) as exc:
            raise CaptureError(f"{where}: {exc}") from None
        first = first or started
        if "gzip" in (header(headers, "content-encoding") or "").lower() and body[:2] != b"\x1f\x8b":
            body = gzip.compress(body, mtime=0)
        query = url.query if url.query or request["url"].endswith("?") else None
        if namer is not None:
            headers, query = redact(headers, query, namer)
        answer = None
        if isinstance(response.get("status"), int) and response["status"] > 0:
            answer = Response(
                response["status"],
                tuple(
                    h
                    for h in _har_headers(response.get("headers"))
                    if h[0].lower() not in ("content-encoding", "transfer-encoding")
                ),
                _har_body(response.get("content"), where),
            )
        version = str(request.get("httpVersion") or "HTTP/1.1").upper().removeprefix("HTTP/")
        yield Exchange(
            seq=i + 1,
            offset_ms=round((started - first).total_seconds() * 1000, 3),
            method=request["method"],
            path=url.path or "/",
            query=query,
            headers=headers,
            body=body,
            response=answer,
            conn=str(entry["connection"]) if entry.get("connection") else None,
            http_version="1.1" if version.startswith("2") or version.startswith("3") else version,
        )


def import_file(path: str | Path, namer: RoleNamer | None) -> Iterator[Exchange]:
    """HAR (`.har` or JSON starting with `{`) or a raw request dump, by content."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            start = handle.read(64).lstrip()
    except OSError as exc:
        raise CaptureError(f"{path}: cannot read ({exc.strerror})") from None
    if path.suffix.lower() == ".har" or start.startswith(b"{"):
        return import_har(path, namer)
    return import_raw(path, namer)
