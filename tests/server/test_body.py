"""SPEC §3 and §10 over HTTP: encodings, size limits, bad input, slow clients; the server stays healthy."""

from __future__ import annotations

import gzip
import json
import socket
import struct
import time
import zlib
from collections.abc import Iterator

import httpx
import pytest
from serverkit import OK, answer, envelope, hec, raw_exchange

BAD_FORMAT = hec(400, 6, "Invalid data format")
TOO_LARGE = hec(413, 413, "Request Entity Too Large")


def events(marker: str, n: int) -> bytes:
    return "".join(json.dumps(envelope(marker, f"e{i}")) for i in range(n)).encode()


def stored(srv, marker) -> int:
    return len(srv.query(f"hec_case={marker}"))


@pytest.fixture(autouse=True)
def _still_healthy(request) -> Iterator[None]:
    """Whatever a test sent, every server it used answers health 200 afterwards."""
    yield
    for name in ("server", "tight_server"):
        if name in request.fixturenames:
            assert request.getfixturevalue(name).healthy()


@pytest.mark.parametrize("encoding", ["gzip", "x-gzip", "GZIP", "X-Gzip"])
@pytest.mark.spec("BODY-8", profile="humio")
def test_gzip_members_concatenate(server, marker, encoding):
    body = gzip.compress(events(marker, 2)) + gzip.compress(events(marker, 3)) + gzip.compress(b"")
    r = server.post("/services/collector", body, headers={"Content-Encoding": encoding})
    assert answer(r) == OK
    assert stored(server, marker) == 5


@pytest.mark.spec("BODY-8", profile="humio")
def test_identity_is_not_decoded(server, marker):
    r = server.post("/services/collector", events(marker, 1), headers={"Content-Encoding": "identity"})
    assert answer(r) == OK


@pytest.mark.parametrize("encoding", ["br", "deflate", "zstd", "gzip, br"])
@pytest.mark.spec("BODY-8", "ORD-2", profile="humio")
def test_other_encodings_are_415(server, marker, encoding):
    r = server.post("/services/collector", events(marker, 1), headers={"Content-Encoding": encoding})
    assert answer(r) == hec(415, 415, "Unsupported Media Type")
    assert stored(server, marker) == 0


@pytest.mark.parametrize("damage", ["truncated", "corrupt", "trailing"])
@pytest.mark.spec("BODY-8", "ORD-2", profile="humio")
def test_broken_gzip_is_code_6_without_number(server, marker, damage):
    good = gzip.compress(events(marker, 3))
    body = {
        "truncated": good[:-6],
        "corrupt": good[:12] + b"\xff" * 8 + good[20:],
        "trailing": good + b"\x00garbage",
    }[damage]
    r = server.post("/services/collector", body, headers={"Content-Encoding": "gzip"})
    assert answer(r) == BAD_FORMAT
    assert stored(server, marker) == 0


@pytest.mark.spec("BODY-9", profile="humio")
def test_size_limit_while_streaming_without_length(tight_server):
    def chunks() -> Iterator[bytes]:
        yield from (b" " * 600, b" " * 600)

    r = tight_server.post("/services/collector", chunks())
    assert answer(r) == TOO_LARGE


@pytest.mark.spec("BODY-9", profile="humio")
def test_forty_mib_body_is_413(server):
    body = b" " * (40 * 1024 * 1024)
    started = time.monotonic()
    assert answer(server.post("/services/collector", body)) == TOO_LARGE
    assert time.monotonic() - started < 20


def _zeros_bomb(mebibytes: int) -> bytes:
    """One gzip member holding ``mebibytes`` MiB of zeros, built without compressing them all: after a
    full flush, every further MiB of zeros deflates to the same bytes, so they are repeated."""
    block = bytes(1024 * 1024)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    repeat = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    assert compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH) == repeat
    crc = 0
    for _ in range(mebibytes):
        crc = zlib.crc32(block, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    trailer = struct.pack("<II", crc, (mebibytes * len(block)) & 0xFFFFFFFF)
    return header + first + repeat * (mebibytes - 1) + compressor.flush() + trailer


def test_the_bomb_is_a_real_gzip_stream():
    assert gzip.decompress(_zeros_bomb(3)) == bytes(3 * 1024 * 1024)


@pytest.mark.spec("BODY-9", profile="humio")
def test_gzip_bomb_stops_at_the_limit(server):
    bomb = _zeros_bomb(1024)  # 1 GiB decoded
    assert len(bomb) < 2 * 1024 * 1024
    r = server.post("/services/collector", bomb, headers={"Content-Encoding": "gzip"})
    assert answer(r) == TOO_LARGE


@pytest.mark.spec("BODY-5", "ORD-2", profile="humio")
def test_truncated_json(server, marker):
    body = events(marker, 2) + b'{"event": "cut'
    assert answer(server.post("/services/collector", body)) == hec(
        400, 6, "Invalid data format", **{"invalid-event-number": 2}
    )
    assert stored(server, marker) == 0


@pytest.mark.spec("BODY-6", "RAW-6", "ORD-2", profile="humio")
def test_invalid_utf8_names_the_envelope(server, marker):
    bad = b'{"event": "bad \xff byte", "fields": {"hec_case": "' + marker.encode() + b'"}}'
    body = events(marker, 1) + bad
    assert answer(server.post("/services/collector", body)) == hec(
        400, 6, "Invalid data format", **{"invalid-event-number": 1}
    )
    raw = server.post(f"/services/collector/raw?channel={marker}", b"fine\nalso fine\nbad \xc3\x28\n")
    assert answer(raw) == hec(400, 6, "Invalid data format", **{"invalid-event-number": 2})
    assert stored(server, marker) == 0 and not server.query(f"channel={marker}")


@pytest.mark.spec("ORD-2", "IDX-3", "BODY-5", profile="humio")
def test_valid_then_invalid_envelope_stores_nothing(server, marker):
    body = events(marker, 1) + b'{"event": "x", "index": "audit"}'
    assert answer(server.post("/services/collector", body)) == hec(
        400, 7, "Incorrect index", **{"invalid-event-number": 1}
    )
    body = events(marker, 1) + b"42"
    assert answer(server.post("/services/collector", body)) == hec(
        400, 6, "Invalid data format", **{"invalid-event-number": 1}
    )
    assert stored(server, marker) == 0


@pytest.mark.spec("BODY-2", profile="humio")
def test_ten_thousand_tiny_envelopes(server, marker):
    tiny = json.dumps({"event": "t", "fields": {"hec_case": marker}}, separators=(",", ":"))
    body = (tiny * 10_000).encode()
    assert answer(server.post("/services/collector", body)) == OK
    found = server.query(f"hec_case={marker}")
    assert len(found) == 10_000 and len({e["@id"] for e in found}) == 10_000


def test_slow_loris_body_is_cut_off(tight_server):
    """A client sending one body byte a second gets 408 after the body timeout (2 s) and is closed."""
    host, port = tight_server.url.rsplit("//", 1)[1].rsplit(":", 1)
    started = time.monotonic()
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(
            f"POST /services/collector HTTP/1.1\r\nHost: x\r\nAuthorization: Splunk "
            f"{tight_server.token()}\r\nContent-Length: 500\r\n\r\n".encode()
        )
        received = b""
        for _ in range(12):
            try:
                sock.sendall(b" ")
            except OSError:
                break
            sock.settimeout(1)
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                continue
            if not chunk:
                break
            received += chunk
            if b"}" in received:
                break
    assert received.startswith(b"HTTP/1.1 408 ")
    assert b'{"text":"Request Timeout","code":408}' in received
    assert time.monotonic() - started < 8


@pytest.mark.parametrize("first", [b"", b"POST /services/collector HTTP/1.1\r\nHo"])
def test_slow_or_silent_headers_are_cut_off(tight_server, first):
    """Header bytes trickling in (or none at all) hold a connection at most the header timeout (2 s)."""
    host, port = tight_server.url.rsplit("//", 1)[1].rsplit(":", 1)
    started = time.monotonic()
    closed = False
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(first)
        sock.settimeout(0.3)
        for _ in range(30):
            assert tight_server.healthy()  # others are served meanwhile
            try:
                sock.sendall(b"s" if first else b"")
                closed = sock.recv(100) == b""
            except TimeoutError:
                continue
            except OSError:
                closed = True
            if closed:
                break
    assert closed and 1.5 < time.monotonic() - started < 5


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"GARBAGE\r\n\r\n",
        b"POST /x HTTP/1.1\r\nContent-Length: x\r\n\r\n",
        b"POST /services/collector HTTP/1.1\r\nBad Header\r\n\r\n",
    ],
)
def test_bytes_that_are_not_http_get_a_json_400(server, request_bytes):
    status, headers, body = raw_exchange(server.url, request_bytes, timeout=5)
    assert (status, headers["content-type"], json.loads(body)) == (
        400,
        "application/json",
        {"text": "Bad Request", "code": 400},
    )


def test_client_that_disconnects_mid_body_stores_nothing(server, marker):
    host, port = server.url.rsplit("//", 1)[1].rsplit(":", 1)
    body = events(marker, 3)
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(
            f"POST /services/collector HTTP/1.1\r\nHost: x\r\nAuthorization: Splunk {server.token()}"
            f"\r\nContent-Length: {len(body) + 100}\r\n\r\n".encode()
            + body
        )
    time.sleep(0.3)
    assert stored(server, marker) == 0


def test_httpx_streaming_upload_of_gzip(server, marker):
    data = gzip.compress(events(marker, 50))

    def chunks() -> Iterator[bytes]:
        for i in range(0, len(data), 7):
            yield data[i : i + 7]

    r = httpx.post(
        f"{server.url}/services/collector",
        content=chunks(),
        headers={"Authorization": f"Splunk {server.token()}", "Content-Encoding": "gzip"},
    )
    assert answer(r) == OK
    assert stored(server, marker) == 50
