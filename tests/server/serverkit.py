"""Start real reference servers in subprocesses on loopback ports, and talk to them."""

from __future__ import annotations

import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml

from reference_server.parsers import ParserRegistry
from reference_server.translate import IngestContext

CONFIGS = Path(__file__).resolve().parents[2] / "reference_server" / "configs"
SUITE = CONFIGS / "suite.yaml"
ALL_CAPS = CONFIGS / "suite-all-caps.yaml"
CHANNEL = "0c8d5a52-6f4e-4a1b-9d7e-3c2b1a0f9e8d"
FAR_END = 4_102_444_800_000  # 2100-01-01
# Small limits: 1000-byte bodies, 2 s for headers and 2 s for a body, 2 ack channels, 3 pending acks.
TIGHT = """\
repositories: [main]
tokens:
  - {token: tight-default, repository: main, role: default}
  - {token: tight-ack, repository: main, ack: true, role: ack}
read_tokens: [tight-read]
limits: {max_request_bytes: 1000, header_timeout_seconds: 2, body_timeout_seconds: 2, max_channels: 2,
         max_pending_acks: 3, channel_idle_seconds: 3600, max_query_events: 10}
"""


@dataclass
class Server:
    """One running server process and what its target file says."""

    proc: subprocess.Popen[bytes]
    target: dict[str, Any]
    data: Path
    log: Path
    client: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        ca = self.target.get("tls", {}).get("ca")
        verify = ssl.create_default_context(cafile=ca) if ca else True
        self.client = httpx.Client(base_url=self.url, timeout=30, verify=verify)

    @property
    def url(self) -> str:
        return self.target["url"]

    def token(self, role: str = "default") -> str:
        return self.target["tokens"][role]["token"]

    def post(
        self,
        path: str,
        content: bytes | str = b"",
        *,
        role: str | None = "default",
        scheme: str = "Splunk",
        headers: dict[str, str] | None = None,
        **kw: Any,
    ) -> httpx.Response:
        """POST with ``Authorization: <scheme> <token of role>`` unless role is None."""
        all_headers = dict(headers or {})
        if role is not None:
            all_headers.setdefault("Authorization", f"{scheme} {self.token(role)}")
        return self.client.post(path, content=content, headers=all_headers, **kw)

    def query(self, q: str, repo: str = "main", **kw: Any) -> list[dict[str, Any]]:
        r = self.client.post(
            f"/api/v1/repositories/{repo}/query",
            json={"queryString": q, "start": 0, "end": FAR_END, "isLive": False},
            headers={"Authorization": f"Bearer {self.target['readback']['token']}", **kw},
        )
        assert r.status_code == 200, r.text
        return r.json()

    def healthy(self) -> bool:
        return self.client.get("/services/collector/health").status_code == 200

    def stop(self, sig: int = signal.SIGTERM) -> int:
        self.client.close()
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait(timeout=5)


def launch(
    tmp: Path, *args: str, config: Path | str | None = None, data: Path | None = None, data_flag: bool = True
) -> Server:
    """Start ``python -m reference_server --port 0`` in ``tmp`` and wait (bounded) for its target file.

    Data go to ``data`` (default tmp/data); with ``data_flag=False`` no --data is passed at all.
    """
    tmp.mkdir(parents=True, exist_ok=True)
    if isinstance(config, str):
        path = tmp / f"config-{uuid.uuid4().hex[:8]}.yaml"
        path.write_text(config)
        config = path
    target = tmp / f"target-{uuid.uuid4().hex[:8]}.yaml"
    data = data or tmp / "data"
    cmd = [sys.executable, "-m", "reference_server", "--port", "0", "--write-target", str(target), *args]
    if data_flag:
        cmd += ["--data", str(data)]
    if config is not None:
        cmd += ["--config", str(config)]
    log = tmp / f"{target.stem}.log"
    with log.open("wb") as out:  # a file, not a pipe: a chatty server can never block on it
        proc = subprocess.Popen(
            cmd, stdout=out, stderr=subprocess.STDOUT, cwd=tmp, env={**os.environ, "PYTHONUNBUFFERED": "1"}
        )
    deadline = time.monotonic() + 20
    while not target.exists():
        if proc.poll() is not None:
            raise RuntimeError(f"server exited {proc.returncode}: {log.read_text()}")
        if time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError("server did not write its target file within 20 s")
        time.sleep(0.02)
    return Server(proc, yaml.safe_load(target.read_text()), data, log)


def run_failing(tmp: Path, *args: str) -> str:
    """Run the server with arguments that must make it refuse to start: its one-line stderr."""
    proc = subprocess.run(
        [sys.executable, "-m", "reference_server", *args], cwd=tmp, capture_output=True, timeout=30, text=True
    )
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    return proc.stderr.strip()


def raw_exchange(url: str, request: bytes, timeout: float = 10) -> tuple[int, dict[str, str], bytes]:
    """Send exact bytes on a fresh socket; read one response (Content-Length framed)."""
    host, port = url.rsplit("//", 1)[1].rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        sock.sendall(request)
        buf = b""
        while b"\r\n\r\n" not in buf:
            chunk = sock.recv(65536)
            if not chunk:
                raise ConnectionError(f"connection closed after {buf!r}")
            buf += chunk
        head, body = buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        headers = {k.strip().lower(): v.strip() for k, v in (x.split(":", 1) for x in lines[1:])}
        while len(body) < int(headers.get("content-length", 0)):
            chunk = sock.recv(65536)
            if not chunk:
                break
            body += chunk
    return int(lines[0].split()[1]), headers, body


def raw_post(url: str, path: str, body: bytes, *header_lines: str) -> tuple[int, dict[str, Any]]:
    """POST with hand-written header lines; the answer's status and JSON body."""
    head = "".join(f"{h}\r\n" for h in header_lines)
    request = (
        f"POST {path} HTTP/1.1\r\nHost: x\r\n{head}Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode("latin-1") + body
    status, headers, data = raw_exchange(url, request)
    assert headers["content-type"] == "application/json"
    return status, json.loads(data)


def envelope(marker: str, event: object = "hello", **members: Any) -> dict[str, Any]:
    """One envelope carrying the correlation marker in ``fields``."""
    return {"event": event, "fields": {"hec_case": marker}, **members}


def hec(status: int, code: int, text: str, **extra: Any) -> tuple[int, dict[str, Any]]:
    return status, {"text": text, "code": code, **extra}


def answer(r: httpx.Response) -> tuple[int, dict[str, Any]]:
    """Status and JSON body, after checking BODY-12's Content-Type."""
    assert r.headers["content-type"] == "application/json", r.headers
    return r.status_code, r.json()


OK = hec(200, 0, "Success")


def guid() -> str:
    """A fresh channel GUID."""
    return str(uuid.uuid4())


def ingest(
    srv: Server,
    marker: str,
    channel: str | None = None,
    path: str = "/services/collector",
    role: str | None = "ack",
    **kw: Any,
) -> httpx.Response:
    """One marked envelope on ``channel`` (no channel header when None), by default with the ack token."""
    headers = {"X-Splunk-Request-Channel": channel} if channel else {}
    return srv.post(path, json.dumps(envelope(marker)), role=role, headers=headers, **kw)


def ask(srv: Server, channel: str | None, ids: object, role: str | None = "ack", **kw: Any) -> httpx.Response:
    """An ack query for ``ids`` on ``channel`` (no channel header when None)."""
    headers = {"X-Splunk-Request-Channel": channel} if channel else {}
    return srv.post("/services/collector/ack", json.dumps({"acks": ids}), role=role, headers=headers, **kw)


# --- concurrent load (test_load.py, test_workers.py) ---

CLIENTS = 8


def batch(marker: str, client: int, first: int, size: int) -> bytes:
    return "".join(
        json.dumps(
            {
                "event": f"client={client} seq={n}",
                "time": 1_700_000_000 + n,
                "fields": {"hec_case": marker, "client": str(client), "seq": str(n)},
            }
        )
        for n in range(first, first + size)
    ).encode()


def run_clients(
    srv: Server,
    marker: str,
    per_client: int,
    size: int,
    stop: threading.Event | None = None,
    acked: list[tuple[int, int]] | None = None,
) -> list[BaseException]:
    """CLIENTS threads, each sending ``per_client`` events in requests of ``size``; returns their errors."""
    errors: list[BaseException] = []

    def client(number: int) -> None:
        headers = {"Authorization": f"Splunk {srv.token()}"}
        try:
            with httpx.Client(base_url=srv.url, timeout=30) as http:
                for first in range(0, per_client, size):
                    if stop is not None and stop.is_set():
                        return
                    body = batch(marker, number, first, size)
                    r = http.post("/services/collector", content=body, headers=headers)
                    assert r.status_code == 200, r.text
                    if acked is not None:
                        acked.append((number, first))
        except Exception as exc:  # reported to the test thread
            errors.append(exc)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return errors


def kill_under_load(
    srv: Server, marker: str, kill: Callable[[], None], size: int = 20
) -> list[tuple[int, int]]:
    """Load `srv` with requests of `size` events, `kill` it once 200 were acknowledged; the (client,
    first seq) of every acknowledged request."""
    acked: list[tuple[int, int]] = []
    stop = threading.Event()
    loader = threading.Thread(target=run_clients, args=(srv, marker, 100_000, size, stop, acked))
    loader.start()
    deadline = time.monotonic() + 10
    while len(acked) < 200 and time.monotonic() < deadline:
        time.sleep(0.05)
    kill()
    srv.proc.wait(timeout=10)
    stop.set()
    loader.join(timeout=60)
    assert len(acked) >= 200
    return acked


def assert_acked_kept_all_or_nothing(
    found: list[dict[str, Any]], acked: list[tuple[int, int]], size: int = 20
) -> None:
    """Every acknowledged request's events stored once; a request in flight at the kill: all or none."""
    pairs = Counter((int(e["client"]), int(e["seq"])) for e in found)
    assert set(pairs.values()) == {1}  # no event twice
    for client, first in acked:
        assert all((client, n) in pairs for n in range(first, first + size))
    for client, seq in pairs:
        start = seq - seq % size
        assert all((client, n) in pairs for n in range(start, start + size))


# The ingest context of the translation tests (test_translate.py) and of the compiled path's differential
# test (test_fastpath.py): profile humio, repository main beside other, one regex parser `access`.
NOW = 1_700_000_000_000  # 2023-11-14T22:13:20Z


def base_context() -> IngestContext:
    """That context; the tests vary it with dataclasses.replace."""
    return IngestContext(
        profile="humio",
        repository="main",
        repositories=frozenset({"main", "other"}),
        change_repo=False,
        token_parser=None,
        parsers=ParserRegistry.from_config(
            [{"name": "access", "regex": r"^(?<client>\S+) (?<method>[A-Z]+) (?<path>\S+)"}]
        ),
        query={},
        channel=None,
        now_ms=NOW,
        max_future_seconds=86400,
        max_event_bytes=1024 * 1024,
        max_fields=8000,
    )
