"""The capture format (docs/captures.md): JSON Lines, one exchange per line, streamed both ways."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import msgspec

Headers = tuple[tuple[str, str], ...]
_ENCODED = ("gzip", "x-gzip", "deflate", "br", "zstd", "compress")


class CaptureError(ValueError):
    """A capture line that cannot be used; the message names the file and line."""


def header(headers: Headers, name: str) -> str | None:
    """The first value of header `name` (case-insensitive), or None."""
    low = name.lower()
    return next((v for k, v in headers if k.lower() == low), None)


def encode_body(body: bytes, headers: Headers) -> dict[str, str]:
    """`{"text": ...}` for valid UTF-8 that is not content-encoded, else `{"base64": ...}`."""
    encoding = (header(headers, "content-encoding") or "").strip().lower()
    if encoding in _ENCODED or "gzip" in encoding:
        return {"base64": base64.b64encode(body).decode("ascii")}
    try:
        return {"text": body.decode("utf-8")}
    except UnicodeDecodeError:
        return {"base64": base64.b64encode(body).decode("ascii")}


def decode_body(value: Any, where: str) -> bytes:
    """The bytes of a `{"text"}` or `{"base64"}` body member."""
    if not isinstance(value, dict) or len(value) != 1 or not ({"text", "base64"} & set(value)):
        raise CaptureError(f'{where}: body is {{"text": ...}} or {{"base64": ...}}')
    if "text" in value:
        return str(value["text"]).encode("utf-8")
    try:
        return base64.b64decode(str(value["base64"]), validate=True)
    except ValueError:
        raise CaptureError(f"{where}: body.base64 is not valid base64") from None


@dataclass(frozen=True)
class Response:
    """A recorded answer: status, headers in order, body bytes."""

    status: int
    headers: Headers = ()
    body: bytes = b""

    def hec_code(self) -> int | None:
        """The HEC `code` of a JSON body, or None."""
        return hec_code(self.body)


def hec_code(body: bytes) -> int | None:
    """The integer `code` member of a JSON object body, or None."""
    try:
        data = json.loads(body)
    except ValueError:
        return None
    code = data.get("code") if isinstance(data, dict) else None
    return code if isinstance(code, int) and not isinstance(code, bool) else None


@dataclass(slots=True)
class Exchange:
    """One recorded request (and its answer when known)."""

    seq: int
    offset_ms: float
    method: str
    path: str
    query: str | None = None
    headers: Headers = ()
    body: bytes = b""
    response: Response | None = None
    conn: str | None = None
    http_version: str = "1.1"

    def target(self) -> str:
        """Path plus `?query` exactly as sent."""
        return self.path if self.query is None else f"{self.path}?{self.query}"

    def to_json(self) -> dict[str, Any]:
        """The capture line object (schema: hec_conformance/schemas/capture.schema.json)."""
        line: dict[str, Any] = {
            "seq": self.seq,
            "offset_ms": round(self.offset_ms, 3),
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "http_version": self.http_version,
            "headers": [list(h) for h in self.headers],
            "body": encode_body(self.body, self.headers),
        }
        if self.conn is not None:
            line["conn"] = self.conn
        if self.response is not None:
            r = self.response
            line["response"] = {
                "status": r.status,
                "headers": [list(h) for h in r.headers],
                "body": encode_body(r.body, r.headers),
            }
        return line


def _headers(value: Any, where: str) -> Headers:
    out = []
    for h in value if type(value) is list else [None]:
        if type(h) is not list or len(h) != 2 or type(h[0]) is not str or type(h[1]) is not str:
            raise CaptureError(f"{where}: headers is a list of [name, value] string pairs")
        out.append((h[0], h[1]))
    return tuple(out)


def exchange_from_json(data: Any, where: str) -> Exchange:
    """Check one parsed capture line and build its Exchange."""
    if not isinstance(data, dict):
        raise CaptureError(f"{where}: a capture line is a JSON object")
    for key, kind in (("seq", int), ("method", str), ("path", str)):
        if not isinstance(data.get(key), kind):
            raise CaptureError(f"{where}: {key} is required ({kind.__name__})")
    offset = data.get("offset_ms")
    if isinstance(offset, bool) or not isinstance(offset, int | float) or offset < 0:
        raise CaptureError(f"{where}: offset_ms is required (a number >= 0)")
    query = data.get("query")
    if query is not None and not isinstance(query, str):
        raise CaptureError(f"{where}: query is a string or null")
    headers = _headers(data.get("headers", []), where)
    response = None
    if data.get("response") is not None:
        r = data["response"]
        if not isinstance(r, dict) or not isinstance(r.get("status"), int):
            raise CaptureError(f"{where}: response needs an integer status")
        response = Response(
            r["status"],
            _headers(r.get("headers", []), f"{where}: response"),
            decode_body(r.get("body", {"text": ""}), f"{where}: response"),
        )
    return Exchange(
        seq=data["seq"],
        offset_ms=float(offset),
        method=data["method"],
        path=data["path"],
        query=query,
        headers=headers,
        body=decode_body(data.get("body", {"text": ""}), where),
        response=response,
        conn=data.get("conn"),
        http_version=str(data.get("http_version", "1.1")),
    )


_READ_BUFFER = 1 << 20  # capture lines are often tens of KB: the default 8 KB buffer costs a read per 8 KB
_decode_fast = msgspec.json.Decoder().decode


def parse_line(raw: bytes) -> Any:
    """One capture line as JSON, exactly as json.loads(raw) reads it.

    msgspec first: about twice as fast as the stdlib on the long escaped body strings of a capture
    (the replay's largest cost per request), and what it returns is what json.loads returns. What it
    refuses and json.loads may accept (NaN, Infinity, 1e400, a BOM, lone surrogates) and every broken
    line go to json.loads itself, which also raises the error a broken line gets."""
    try:
        return _decode_fast(raw)
    except Exception:  # noqa: BLE001 - any refusal means: ask the stdlib, which decides
        return json.loads(raw)


def read_indexed(
    path: str | Path, skip: Callable[[int, bytes], bool] | None = None
) -> Iterator[tuple[int, Exchange]]:
    """Stream (position, exchange) pairs, one line at a time (memory does not grow with the capture).
    Lines for which `skip(position, raw line)` is true are not parsed."""
    path = Path(path)
    try:
        handle = path.open("rb", buffering=_READ_BUFFER)
    except OSError as exc:
        raise CaptureError(f"{path}: cannot read the capture ({exc.strerror})") from None
    with handle:
        position = 0
        for number, raw in enumerate(handle, 1):
            if raw.isspace():  # a blank line (isspace stops at the first other byte; strip() would copy)
                continue
            position += 1
            if skip is not None and skip(position - 1, raw):
                continue
            try:
                data = parse_line(raw)
            except ValueError as exc:
                raise CaptureError(f"{path}:{number}: not JSON ({exc})") from None
            yield position - 1, exchange_from_json(data, f"{path}:{number}")


def read_capture(path: str | Path) -> Iterator[Exchange]:
    """Stream the exchanges of a capture file, one line at a time."""
    return (exchange for _, exchange in read_indexed(path))


class CaptureWriter:
    """Appends exchanges as JSON lines; flushes each line so a killed recorder leaves whole lines."""

    def __init__(self, out: IO[str]) -> None:
        self._out = out

    def write(self, exchange: Exchange) -> None:
        self._out.write(json.dumps(exchange.to_json(), ensure_ascii=False) + "\n")
        self._out.flush()


def write_capture(path: str | Path, exchanges: Iterator[Exchange] | list[Exchange]) -> int:
    """Write every exchange to `path`; the number written."""
    count = 0
    with Path(path).open("w", encoding="utf-8") as out:
        writer = CaptureWriter(out)
        for exchange in exchanges:
            writer.write(exchange)
            count += 1
    return count


ROLE_PLACEHOLDER = re.compile(r"\$\{token:([a-z0-9_-]+)\}|\$\{basic:([a-z0-9_-]+):([^}]*)\}")
