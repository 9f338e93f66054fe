"""Helpers of the replay tests: reference servers (via tests/suite/suitekit.py), hecc subprocesses,
a small counting HTTP server, captures built in code."""

from __future__ import annotations

import json
import re
import signal
import ssl
import subprocess
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "suite"))
from suitekit import ROOT, RunningServer, hecc, start_reference_server  # noqa: E402

__all__ = ["ROOT", "RunningServer", "hecc", "start_reference_server"]
FAR_END = 4_102_444_800_000


def fresh_server(tmp: Path, *extra: str, profile: str = "humio", config: str = "suite.yaml") -> RunningServer:
    """A reference server with its own store in a new folder under `tmp`; `extra` goes to its command line."""
    tmp.mkdir(parents=True, exist_ok=True)
    return start_reference_server(tmp, profile, config, *extra)


def target_of(server: RunningServer) -> dict[str, Any]:
    return yaml.safe_load(server.target.read_text())


def query(server: RunningServer, q: str, repo: str = "main") -> list[dict[str, Any]]:
    """The stored events matching a query (SPEC §9), through the read-back API."""
    target = target_of(server)
    ca = target.get("tls", {}).get("ca")
    r = httpx.post(
        f"{target['url']}/api/v1/repositories/{repo}/query",
        timeout=30,
        verify=ssl.create_default_context(cafile=ca) if ca else True,
        json={"queryString": q, "start": 0, "end": FAR_END, "isLive": False},
        headers={"Authorization": f"Bearer {target['readback']['token']}"},
    )
    assert r.status_code == 200, r.text
    return r.json()


def exchange_line(
    seq: int,
    offset_ms: float,
    path: str,
    body: str,
    *,
    query: str | None = None,
    method: str = "POST",
    headers: list[list[str]] | None = None,
    conn: str | None = None,
    response: dict[str, Any] | None = None,
) -> dict[str, Any]:
    line: dict[str, Any] = {
        "seq": seq,
        "offset_ms": offset_ms,
        "method": method,
        "path": path,
        "query": query,
        "headers": headers or [["Host", "x"], ["Authorization", "Splunk ${token:default}"]],
        "body": {"text": body},
    }
    if conn:
        line["conn"] = conn
    if response:
        line["response"] = response
    return line


def write_lines(path: Path, lines: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), "utf-8")
    return path


def replay_json(*args: str, timeout: float = 120) -> tuple[int, dict[str, Any]]:
    """`hecc replay ... --json`: exit code and the summary."""
    done = hecc("replay", *args, "--json", timeout=timeout)
    assert "Traceback" not in done.stderr, done.stderr
    try:
        return done.returncode, json.loads(done.stdout)
    except ValueError:
        raise AssertionError(f"no JSON summary (rc {done.returncode}): {done.stdout} {done.stderr}") from None


class Recording:
    """`hecc record` running in a subprocess; `url` is where clients connect."""

    def __init__(self, tmp: Path, *args: str) -> None:
        self.log = tmp / "record.log"
        self._out = self.log.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "hec_conformance.cli", "record", "--listen", "127.0.0.1:0", *args],
            stdout=self._out,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
        deadline = time.monotonic() + 20
        while True:
            m = re.search(r"listening on (\S+)", self.log.read_text())
            if m:
                self.url = m.group(1)
                break
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.proc.kill()
                raise RuntimeError(f"hecc record did not start: {self.log.read_text()}")
            time.sleep(0.05)

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def stop(self) -> str:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)
        self._out.close()
        return self.log.read_text()


class CountingServer:
    """A test-only HTTP/1.1 sink on loopback: answers 200 code 0, counts bodies by their first 64 bytes."""

    def __init__(self) -> None:
        self.bodies: Counter[bytes] = Counter()
        lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with lock:
                    outer.bodies[body[:64]] += 1
                data = b'{"text":"Success","code":0}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                return

        class Server(ThreadingHTTPServer):
            request_queue_size = 512  # the replayer opens its connections all at once

        self._server = Server(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def target_file(self, path: Path) -> Path:
        path.write_text(yaml.safe_dump({"url": self.url, "tokens": {"default": {"token": "sink-token"}}}))
        return path

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
