"""Exact-bytes HTTP: headers in the given order and spelling, the body untouched, bounded waits."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from hec_conformance.transport import HttpRequest, Transport, TransportError


@pytest.fixture
def recorder() -> Iterator[tuple[str, list[bytes], threading.Event]]:
    """A loopback socket that records one raw request; it answers unless `silent` is set."""
    listener = socket.create_server(("127.0.0.1", 0))
    seen: list[bytes] = []
    silent = threading.Event()

    def serve() -> None:
        conn, _ = listener.accept()
        with conn:
            data = b""
            while b"\r\n\r\n" not in data:
                data += conn.recv(65536)
            head, _, rest = data.partition(b"\r\n\r\n")
            length = next(
                (
                    int(line.split(b":")[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                ),
                0,
            )
            while len(rest) < length:
                rest += conn.recv(65536)
            seen.append(head + b"\r\n\r\n" + rest)
            if silent.is_set():
                time.sleep(1.5)
                return
            answer = b'{"text":"Success","code":0}'
            conn.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                b"Content-Length: %d\r\n\r\n%s" % (len(answer), answer)
            )

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}", seen, silent
    listener.close()
    thread.join(timeout=5)


def test_headers_go_out_in_order_and_spelling(recorder: tuple[str, list[bytes], threading.Event]) -> None:
    url, seen, _ = recorder
    body = b'{"event":"a"}\r\n\t{"event":"b"}\xff'
    with Transport(url) as transport:
        resp = transport.send(
            HttpRequest(
                "POST",
                "/services/collector",
                (
                    ("authorization", "SPLUNK  tok"),
                    ("Content-Type", "x/y"),
                    ("X-Splunk-Request-Channel", "c"),
                ),
                (("token", "a b"), ("index", "main")),
                body,
            )
        )
    assert resp.status == 200 and resp.header("CONTENT-TYPE") == "application/json"
    head, _, sent_body = seen[0].partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    assert lines[0] == b"POST /services/collector?token=a%20b&index=main HTTP/1.1"
    assert lines[2:] == [
        b"authorization: SPLUNK  tok",
        b"Content-Type: x/y",
        b"X-Splunk-Request-Channel: c",
        b"Content-Length: 30",
    ]
    assert lines[1].startswith(b"Host: 127.0.0.1:")
    assert sent_body == body


def test_a_silent_server_times_out_as_a_transport_error(
    recorder: tuple[str, list[bytes], threading.Event],
) -> None:
    url, _, silent = recorder
    silent.set()
    with Transport(url, timeout=0.3) as transport, pytest.raises(TransportError, match="Timeout"):
        transport.send(HttpRequest("GET", "/services/collector/health"))
