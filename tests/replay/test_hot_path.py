"""The replay hot path: cached request heads, the per-connection answer timeout, the HEC code compared
only when the body differs, answer headers for --save, batched latency histograms, capture line parsing."""

from __future__ import annotations

import json
import random
import socket
import threading
import time
from pathlib import Path
from typing import Any

from hdrh.histogram import HdrHistogram
from hypothesis import given, settings
from hypothesis import strategies as st
from replaykit import exchange_line, replay_json, write_lines

from hec_conformance.replay.capture import parse_line, read_indexed
from hec_conformance.replay.stats import MAX_US, Histogram

SUCCESS = b'{"text":"Success","code":0}'
RECORDED = {
    "status": 200,
    "headers": [["Content-Type", "application/json"]],
    "body": {"text": SUCCESS.decode()},
}


class ScriptedServer:
    """A loopback HTTP/1.1 server that answers the n-th request it reads (any connection) as `script[n]`
    says: (delay in seconds or None for never, status, body). Keeps what it received."""

    def __init__(self, script: list[tuple[float | None, int, bytes]]) -> None:
        self.script = script
        self.received: list[tuple[dict[str, str], bytes]] = []
        self._lock = threading.Lock()
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def target_file(self, path: Path) -> Path:
        path.write_text(json.dumps({"url": self.url, "tokens": {"default": {"token": "t0k"}}}))
        return path

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        data = b""
        with conn:
            while True:
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    data += chunk
                head, data = data.split(b"\r\n\r\n", 1)
                headers = dict(
                    (k.strip().lower(), v.strip())
                    for k, v in (line.split(":", 1) for line in head.decode("latin-1").split("\r\n")[1:])
                )
                length = int(headers.get("content-length", "0"))
                while len(data) < length:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    data += chunk
                body, data = data[:length], data[length:]
                with self._lock:
                    self.received.append((headers, body))
                    delay, status, answer = self.script[len(self.received) - 1]
                if delay is None:  # never answer: wait until the client gives up and closes
                    while conn.recv(65536):
                        pass
                    return
                time.sleep(delay)
                head = (
                    f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n"
                    f"X-Scripted: {len(self.received)}\r\nContent-Length: {len(answer)}\r\n\r\n"
                )
                conn.sendall(head.encode() + answer)

    def stop(self) -> None:
        self._sock.close()


def _args(server: ScriptedServer, tmp_path: Path, capture: Path) -> list[str]:
    """One connection, as fast as answers come."""
    target = server.target_file(tmp_path / "t.json")
    return [str(capture), "--target", str(target), "--speed", "max", "--concurrency", "1"]


def _capture(path: Path, bodies: list[str], response: dict | None = None) -> Path:
    headers = [["Authorization", "Splunk ${token:default}"], ["Content-Type", "application/json"]]
    return write_lines(
        path,
        [
            exchange_line(i + 1, 0, "/services/collector/event", body, headers=headers, response=response)
            for i, body in enumerate(bodies)
        ],
    )


def test_requests_with_the_same_headers_keep_their_own_length_and_body(tmp_path: Path) -> None:
    bodies = ['{"event":"a"}', '{"event":"bb"}', '{"event":"bb"}', '{"event":"' + "c" * 300 + '"}', ""]
    server = ScriptedServer([(0, 200, SUCCESS)] * len(bodies))
    try:
        capture = _capture(tmp_path / "lengths.jsonl", bodies)
        rc, summary = replay_json(*_args(server, tmp_path, capture))
        assert rc == 0 and summary["answered"] == len(bodies), summary
        assert [body.decode() for _, body in server.received] == bodies
        assert [h["content-length"] for h, _ in server.received] == [str(len(b)) for b in bodies]
        assert {h["authorization"] for h, _ in server.received} == {"Splunk t0k"}
    finally:
        server.stop()


def test_the_answer_timeout_runs_from_each_request_on_a_kept_connection(tmp_path: Path) -> None:
    # one connection, --timeout 1: answers after 0.6 s and 0.6 s pass (1.2 s after the first was sent,
    # each within its own second); the third answer never comes and is reported after a second
    server = ScriptedServer([(0.6, 200, SUCCESS), (0.6, 200, SUCCESS), (None, 200, SUCCESS)])
    try:
        capture = _capture(tmp_path / "slow.jsonl", ['{"event":"1"}', '{"event":"2"}', '{"event":"3"}'])
        started = time.monotonic()
        rc, summary = replay_json(*_args(server, tmp_path, capture), "--timeout", "1")
        took = time.monotonic() - started
        assert rc == 1 and summary["answered"] == 2, summary
        assert summary["differences_by_class"] == {"transport": 1}
        assert summary["listed"][0]["seq"] == 3 and summary["listed"][0]["detail"] == "no answer within 1s"
        assert len(server.received) == 3 and took >= 2.2, took
    finally:
        server.stop()


def test_the_hec_code_is_compared_when_the_answer_body_differs(tmp_path: Path) -> None:
    server = ScriptedServer(
        [
            (0, 200, SUCCESS),  # byte-identical
            (0, 200, b'{"code": 0, "text": "Success"}'),  # other bytes, same code
            (0, 200, b'{"text":"Invalid data format","code":6}'),
            (0, 400, b'{"text":"Invalid data format","code":6}'),
            (0, 200, b"not json"),
        ]
    )
    try:
        capture = _capture(tmp_path / "codes.jsonl", [f'{{"event":"{i}"}}' for i in range(5)], RECORDED)
        rc, summary = replay_json(*_args(server, tmp_path, capture))
        assert rc == 1 and summary["compared"] == 5, summary
        assert summary["differences_by_class"] == {"hec-code": 2, "status": 1}
        assert [(d["seq"], d["class"], d["detail"]) for d in summary["listed"]] == [
            (3, "hec-code", "recorded 200 code 0, replay 200 code 6"),
            (4, "status", "recorded 200 code 0, replay 400 code 6"),
            (5, "hec-code", "recorded 200 code 0, replay 200"),
        ]
    finally:
        server.stop()


def test_save_writes_the_answer_headers(tmp_path: Path) -> None:
    server = ScriptedServer([(0, 200, SUCCESS)] * 2)
    try:
        capture = _capture(tmp_path / "save.jsonl", ['{"event":"1"}', '{"event":"2"}'])
        saved = tmp_path / "saved.jsonl"
        rc, summary = replay_json(*_args(server, tmp_path, capture), "--save", str(saved))
        assert rc == 0, summary
        lines = [json.loads(line) for line in saved.read_text().splitlines()]
        assert [line["response"]["headers"] for line in lines] == [
            [["Content-Type", "application/json"], ["X-Scripted", str(n)], ["Content-Length", "27"]]
            for n in (1, 2)
        ]
        assert [line["response"]["body"] for line in lines] == [{"text": SUCCESS.decode()}] * 2
    finally:
        server.stop()


def test_batched_histogram_reports_what_hdr_reports(tmp_path: Path) -> None:
    rng = random.Random(5)
    values = [rng.expovariate(30) for _ in range(3 * Histogram.BATCH)] + [0.0, -1.0, 1e-9, 7200.0]
    batched, direct, other = Histogram(), HdrHistogram(1, MAX_US, 3), Histogram()
    for i, seconds in enumerate(values):
        (batched if i % 3 else other).add(seconds)
        direct.record_value(min(MAX_US, max(1, int(seconds * 1_000_000))))
    batched.merge(other.encode())  # what a --processes parent does with a child's histogram
    want = {f"p{p}": direct.get_value_at_percentile(p) / 1000 for p in (50, 90, 99)}
    want["max"] = direct.get_max_value() / 1000
    assert batched.summary() == want and want["max"] >= MAX_US / 1000  # 7200 s is counted as the hour
    assert Histogram().summary() is None


def test_capture_lines_with_a_bom_or_blank_lines_are_read_as_before(tmp_path: Path) -> None:
    line = json.dumps(exchange_line(1, 0, "/services/collector/event", '{"event":"é \\"q\\""}'))
    path = tmp_path / "odd.jsonl"
    path.write_bytes(
        b"\xef\xbb\xbf"
        + line.encode()
        + b"\n \t\r\n\n"
        + line.replace('"seq": 1', '"seq": 2').encode()
        + b"\n"
    )
    read = list(read_indexed(path))
    assert [(i, ex.seq) for i, ex in read] == [(0, 1), (1, 2)]
    assert read[0][1].body == '{"event":"é \\"q\\""}'.encode()


def _canon(value: Any) -> Any:
    """A value with its types spelled out: True is not 1, -0.0 is not 0.0, NaN equals NaN."""
    if isinstance(value, bool) or value is None:
        return (type(value).__name__, value)
    if isinstance(value, float):
        return ("float", repr(value) if value != value else value.hex())
    if isinstance(value, int | str):
        return (type(value).__name__, value)
    if isinstance(value, list):
        return ("list", [_canon(v) for v in value])
    return ("dict", [(k, _canon(v)) for k, v in value.items()])


def _outcome(parse: Any, raw: bytes) -> tuple[Any, ...]:
    try:
        return ("value", _canon(parse(raw)))
    except Exception as exc:  # noqa: BLE001 - the error itself is compared
        return ("error", type(exc), str(exc))


_NUMBER = r"-?(0|[1-9][0-9]{0,30})(\.[0-9]{1,20})?([eE][+-]?[0-9]{1,4})?"
_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text()
    | st.text(st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF) | st.characters(), max_size=4)
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=400, deadline=None)
@given(_VALUES, st.booleans(), st.sampled_from([b"", b"\n", b" \r\n", b"\xef\xbb\xbf"]))
def test_a_capture_line_reads_as_json_loads_reads_it(value: Any, ascii: bool, edge: bytes) -> None:
    text = json.dumps({"seq": 1, "body": {"text": value}, "v": value}, ensure_ascii=ascii)
    raw = text.encode("utf-8", "surrogatepass")
    raw = edge + raw if edge.startswith(b"\xef") else raw + edge
    assert _outcome(parse_line, raw) == _outcome(json.loads, raw)


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.from_regex(_NUMBER, fullmatch=True) | st.sampled_from(["NaN", "-Infinity", "1e400"]), max_size=5
    )
)
def test_numbers_in_every_written_form_read_as_json_loads_reads_them(numbers: list[str]) -> None:
    raw = ('{"offset_ms": [' + ", ".join(numbers) + "]}").encode()
    assert _outcome(parse_line, raw) == _outcome(json.loads, raw)


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=40), st.sampled_from([b'{"a": "', b'{"a": ', b"", b'["\\']))
def test_broken_lines_fail_as_json_loads_fails(tail: bytes, head: bytes) -> None:
    raw = head + tail
    assert _outcome(parse_line, raw) == _outcome(json.loads, raw)
