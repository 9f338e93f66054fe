"""A receiver that answers and stores as Fluent Bit 5.1.1's `in_splunk` input does (issue 10).

Not a proxy of the reference server: its own small HTTP/1.1 server on a loopback socket, so it can
answer twice to one request, as Fluent Bit does. Behaviour, from the facts of issue 10 (each checked
by hand against Fluent Bit with curl) and, where they are silent, from `plugins/in_splunk/splunk_prot.c`
and PR fluent/fluent-bit#12043:

- Served: POST `/services/collector`, `/services/collector/event`, `/services/collector/event/1.0`,
  `/services/collector/raw`; GET `/services/collector/health` answers 200 `{"text":"Success","code":200}`
  before any other check. Any other GET answers 400 `error: invalid HTTP endpoint` (plain text).
- Other methods: authentication first (401 `{"text":"Token is required","code":2}` without the header;
  401 code 3 unless it starts with `Splunk ` in any case; 403 `{"text":"Invalid token","code":4}` unless
  the whole header equals `Splunk <token>` ignoring case, so several spaces are an unknown token),
  then the method (not POST: 400 plain text), then the path (unknown, `/ack`, `/health/1.0`: 400
  plain text).
- The query string is cut off unread: `?token=` authenticates nothing, `channel` is never needed nor
  stored, `host`/`source`/`sourcetype`/`index` change nothing.
- Content-Encoding `gzip` (any case) is decoded before the handler; a body that does not decode
  (plain text labelled gzip, a truncated stream) is handled as the bytes that came. Other encodings
  (`br`) are not decoded.
- Event paths: an empty body is 400 `{"text":"No data","code":5}`. Content-Type exactly
  `application/json` parses JSON, exactly `text/plain` stores the body as one `{"log": text}` record,
  anything else (absent, `text/plain; charset=utf-8`) parses JSON when the body's first byte is `{`,
  else stores one `{"log": text}` record (so `garbage{`, whitespace-only bodies, `[]` and undecoded
  bytes get 200). JSON: invalid anywhere is 400 `{"text":"Invalid data format","code":6}` with nothing
  stored; otherwise each top-level object is a record, a top-level array gives its object elements and
  ends the body, and the first top-level value that is neither stops there with 200 (the records before
  it are kept). Nothing about the envelope is checked (`{"event":""}`, no `event`, nested `fields`,
  any `index`: 200).
- Raw: no Content-Type answers 400 `error: header 'Content-Type' is not set` (plain text) and right
  after it, on the same connection, 400 `{"text":"Invalid data format","code":6}`; an empty body is
  400 code 5; any other body is one `{"log": text}` record (lines are not split).
- Stored records (assumed from what Fluent Bit's stdout `json_lines` output prints; the token goes to
  the metadata, not printed): the envelope object exactly as sent (`event`, `fields`, `host`, `source`,
  `sourcetype`, `index`, `time` and any other member, untouched), or `{"log": text}`, each with
  `"date"` (ingest time, seconds as a float) added first. Invalid UTF-8, and a lone surrogate
  escape, is printed as U+FFFD, as Fluent Bit's JSON writer does (`flb_utils_write_str_raw`). One
  JSON line per record, appended to the records file before the answer.
- JSON nested deeper than about 20,000 levels is treated as invalid (Python's decoder recurses).
- Request bodies above 64 MiB on the wire (a `buffer_max_size` a vendor raises to take large batches;
  not in the facts) are answered 413 with no body and the connection is closed.

Run it by hand with `python fluentbit_like.py --records FILE --write-target TARGET.yaml`.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import sys
import threading
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import yaml

TOKEN = "5f1b2c3d-0000-4000-8000-f1b0f1b0f1b0"
MAX_BODY = 64 * 1024 * 1024
READBACK_SCRIPT = Path(__file__).with_name("fluentbit_readback.py")
EVENT_PATHS = ("/services/collector", "/services/collector/event", "/services/collector/event/1.0")
RAW_PATH = "/services/collector/raw"
HEALTH_PATH = "/services/collector/health"
SERVER = "Fluent Bit v5.1.1"
# Fluent Bit's tokenizer has no depth limit; Python's decoder recurses, so it gets room for the
# corpus's 5,000 nested objects, and deeper input (100,000 unclosed `[`) is invalid as in Fluent Bit.
NESTING_LIMIT = 20_000


def answer(status: int, reason: str, header: str, body: str) -> bytes:
    """One HTTP/1.1 answer with `header` (one line) and a Content-Length."""
    return f"HTTP/1.1 {status} {reason}\r\n{header}\r\nContent-Length: {len(body)}\r\n\r\n{body}".encode()


def json_answer(status: int, reason: str, body: str) -> bytes:
    return answer(status, reason, "Content-Type: application/json", body)


def text_answer(status: int, reason: str, body: str) -> bytes:
    return answer(status, reason, f"Server: {SERVER}", body)


SUCCESS = json_answer(200, "OK", '{"text":"Success","code":0}')
HEALTHY = json_answer(200, "OK", '{"text":"Success","code":200}')
NO_DATA = json_answer(400, "Bad Request", '{"text":"No data","code":5}')
INVALID_FORMAT = json_answer(400, "Bad Request", '{"text":"Invalid data format","code":6}')
TOKEN_REQUIRED = json_answer(401, "Unauthorized", '{"text":"Token is required","code":2}')
INVALID_AUTHORIZATION = json_answer(401, "Unauthorized", '{"text":"Invalid authorization","code":3}')
INVALID_TOKEN = json_answer(403, "Forbidden", '{"text":"Invalid token","code":4}')
BAD_ENDPOINT = text_answer(400, "Bad Request", "error: invalid HTTP endpoint\n")
BAD_METHOD = text_answer(400, "Bad Request", "error: invalid HTTP method\n")
NO_CONTENT_TYPE = text_answer(400, "Bad Request", "error: header 'Content-Type' is not set\n")
TOO_LARGE = b"HTTP/1.1 413 Request Entity Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"


class InvalidJson(ValueError):
    """The body is not a sequence of JSON values."""


def json_values(text: str) -> Iterator[Any]:
    """The top-level JSON values of `text` in order; InvalidJson when any part is not JSON."""
    decoder, pos, end = json.JSONDecoder(), 0, len(text)
    found = False
    while True:
        while pos < end and text[pos] in " \t\r\n":
            pos += 1
        if pos == end:
            if not found:
                raise InvalidJson("no JSON value")
            return
        try:
            value, pos = decoder.raw_decode(text, pos)
        except (ValueError, RecursionError):
            raise InvalidJson("invalid JSON, or nested deeper than the recursion limit") from None
        found = True
        yield value


def envelope_records(text: str) -> list[dict[str, Any]]:
    """The records of a JSON body (see the module docstring); InvalidJson before anything is kept."""
    values = list(json_values(text))
    records: list[dict[str, Any]] = []
    for value in values:
        if isinstance(value, dict):
            records.append(value)
        elif isinstance(value, list):
            records += [item for item in value if isinstance(item, dict)]
            break
        else:
            break
    return records


def decoded(headers: dict[str, str], body: bytes) -> bytes:
    """The body after Content-Encoding gzip; the bytes as they came when they do not decode."""
    if headers.get("content-encoding", "").strip().lower() != "gzip":
        return body
    try:
        return gzip.decompress(body)
    except (OSError, EOFError, zlib.error):
        return body


class Store:
    """The JSON-lines records file, appended under a lock."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        path.touch()

    def append(self, records: list[dict[str, Any]]) -> None:
        now = time.time()
        lines = "".join(json.dumps({"date": now, **r}, ensure_ascii=False) + "\n" for r in records)
        # A lone surrogate (`"\ud800"` in the request) is no UTF-8 either: U+FFFD as Fluent Bit prints.
        printed = lines.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
        with self._lock, self.path.open("a", encoding="utf-8") as out:
            out.write(printed)


def authenticate(headers: dict[str, str]) -> bytes | None:
    """The auth failure answer, or None when the header carries the token (PR fluent-bit#12043)."""
    value = headers.get("authorization")
    if value is None:
        return TOKEN_REQUIRED
    if not value.lower().startswith("splunk "):
        return INVALID_AUTHORIZATION
    if value.lower() != f"splunk {TOKEN}".lower():
        return INVALID_TOKEN
    return None


def handle(method: str, path: str, headers: dict[str, str], body: bytes, store: Store) -> bytes:
    """The bytes Fluent Bit writes back for one request (two answers for raw without Content-Type)."""
    if method == "GET":
        return HEALTHY if path.lower() == HEALTH_PATH else BAD_ENDPOINT
    failure = authenticate(headers)
    if failure is not None:
        return failure
    if method != "POST":
        return BAD_METHOD
    is_raw = path.lower() == RAW_PATH
    if not is_raw and path.lower() not in EVENT_PATHS:
        return BAD_ENDPOINT
    content_type = headers.get("content-type")
    if is_raw and content_type is None:
        return NO_CONTENT_TYPE + INVALID_FORMAT
    data = decoded(headers, body)
    if not data:
        return NO_DATA
    text = data.decode("utf-8", "replace")
    kind = (content_type or "").lower()
    if is_raw or kind == "text/plain" or (kind != "application/json" and not text.startswith("{")):
        store.append([{"log": text}])
        return SUCCESS
    try:
        records = envelope_records(text)
    except InvalidJson:
        return INVALID_FORMAT
    store.append(records)
    return SUCCESS


async def read_request(reader: asyncio.StreamReader) -> tuple[str, str, dict[str, str], bytes] | None:
    """One request (method, path without query, headers by lower-case name, body); None at EOF."""
    line = await reader.readline()
    if not line:
        return None
    method, target, _ = line.decode("latin-1").split(" ", 2)
    headers: dict[str, str] = {}
    while (header := await reader.readline()) not in (b"\r\n", b"\n", b""):
        name, _, value = header.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length") or 0)
    if length > MAX_BODY:
        raise OverflowError(length)
    body = await reader.readexactly(length) if length else b""
    return method, unquote(target.split("?", 1)[0]), headers, body


class FluentBitLike:
    """The receiver on a free loopback port, served from a background thread."""

    def __init__(self, records: Path) -> None:
        self.store = Store(records)
        self._loop = asyncio.new_event_loop()
        self._server = self._loop.run_until_complete(asyncio.start_server(self._serve, "127.0.0.1", 0))
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while request := await read_request(reader):
                method, path, headers, body = request
                writer.write(handle(method, path, headers, body, self.store))
                await writer.drain()
                if headers.get("connection", "").lower() == "close":
                    break
        except OverflowError:
            writer.write(TOO_LARGE)
        except (ConnectionError, asyncio.IncompleteReadError, ValueError):
            pass
        finally:
            writer.close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"

    def write_target(self, path: Path) -> Path:
        """The target file a vendor would write for this receiver: profile splunk, what it has, and
        a `command` read-back that greps the records file for the marker."""
        target = {
            "url": self.url,
            "profile": "splunk",
            "capabilities": ["raw", "health", "gzip", "json-array-batch", "readback"],
            "tokens": {"default": {"token": TOKEN, "repository": "main"}},
            "readback": {
                "kind": "command",
                "command": [sys.executable, str(READBACK_SCRIPT), str(self.store.path), "{marker}"],
            },
        }
        path.write_text(yaml.safe_dump(target, sort_keys=False), "utf-8")
        return path

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._server.close)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()


def main() -> None:
    parser = argparse.ArgumentParser(description="a Fluent-Bit-in_splunk-like HEC receiver (tests)")
    parser.add_argument("--records", type=Path, required=True, help="the JSON-lines records file")
    parser.add_argument("--write-target", type=Path, required=True, help="where to write its target file")
    args = parser.parse_args()
    sys.setrecursionlimit(NESTING_LIMIT)
    receiver = FluentBitLike(args.records)
    receiver.write_target(args.write_target)
    print(f"listening on {receiver.url}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        receiver.stop()


if __name__ == "__main__":
    main()
