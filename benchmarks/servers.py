"""The servers under load, each a child process on 127.0.0.1: the reference server and the bare app."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml

__all__ = [
    "Running",
    "bare_app",
    "cpu_seconds",
    "fluent_bit",
    "reference_server",
    "rss_mb",
    "wait_idle",
    "FLUENT_BIT",
]

_START_SECONDS = 30.0
_HERE = Path(__file__).resolve().parent
FLUENT_BIT = "FLUENT_BIT"
"""The environment variable naming a fluent-bit binary: the C receiver to compare with (optional)."""


@dataclass(frozen=True)
class Running:
    """A started server: where it listens, the ingest token, its process and its target file (if any)."""

    url: str
    token: str
    pid: int
    target: Path | None = None


def rss_mb(pid: int) -> float:
    """Resident memory of a process in MB (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime, all threads


def cpu_seconds(pid: int) -> float:
    """CPU time of a process and its child processes (``--workers``), all threads."""
    children = [
        int(child)
        for task in Path(f"/proc/{pid}/task").iterdir()
        for child in (task / "children").read_text().split()
    ]
    return _cpu_seconds(pid) + sum(_cpu_seconds(child) for child in children)


def wait_idle(*servers: Running, below: float = 0.05, window: float = 0.5, timeout: float = 60.0) -> None:
    """Wait until every server uses less than ``below`` of a core over ``window`` seconds: requests a
    load generator left behind (a server works on until it answers) must not slow the next measurement."""
    deadline = time.monotonic() + timeout
    for server in servers:
        while time.monotonic() < deadline:
            before = _cpu_seconds(server.pid)
            time.sleep(window)
            if _cpu_seconds(server.pid) - before < below * window:
                break


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_listening(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + _START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before listening")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.05)
    raise RuntimeError(f"server did not listen on port {port} within {_START_SECONDS:.0f} s")


@contextlib.contextmanager
def _child(command: list[str], port: int, cwd: Path | None = None) -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_listening(port, process)
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextlib.contextmanager
def reference_server(
    config: str = "suite.yaml", *, profile: str | None = None, workers: int = 1
) -> Iterator[Running]:
    """``python -m reference_server`` with a bundled config (with ``workers`` > 1: benchmarks/no-ack.yaml)
    and a fresh data folder (durable store)."""
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="bench-ref-") as tmp:
        target = Path(tmp, "target.yaml")
        config_path = (
            _HERE / "no-ack.yaml" if workers > 1 else resources.files("reference_server") / "configs" / config
        )
        command = [
            sys.executable,
            "-m",
            "reference_server",
            "--config",
            str(config_path),
            "--port",
            str(port),
            "--data",
            str(Path(tmp, "data")),
            "--write-target",
            str(target),
        ]
        if profile:
            command += ["--profile", profile]
        if workers > 1:
            command += ["--workers", str(workers)]
        with _child(command, port) as process:
            deadline = time.monotonic() + _START_SECONDS
            while not target.exists() and time.monotonic() < deadline:
                time.sleep(0.02)
            doc = yaml.safe_load(target.read_text())
            yield Running(doc["url"], doc["tokens"]["default"]["token"], process.pid, target)


@contextlib.contextmanager
def bare_app() -> Iterator[Running]:
    """The baseline app of benchmarks/bare_app.py on uvicorn (httptools, uvloop)."""
    port = _free_port()
    command = [sys.executable, "-m", "benchmarks.bare_app", "--port", str(port)]
    with _child(command, port, cwd=Path(__file__).resolve().parent.parent) as process:
        yield Running(f"http://127.0.0.1:{port}", "bare-app-accepts-any-token", process.pid)


@contextlib.contextmanager
def fluent_bit(path: str) -> Iterator[Running]:
    """Fluent Bit's HEC input (``in_splunk``, no token set: any is accepted) with the null output."""
    if not Path(path).is_file() or not os.access(path, os.X_OK):
        raise RuntimeError(f"{FLUENT_BIT}={path}: no executable file there")
    port = _free_port()
    command = [
        path,
        "-q",
        "-i",
        "splunk",
        "-p",
        "listen=127.0.0.1",
        "-p",
        f"port={port}",
        "-o",
        "null",
        "-m",
        "*",
    ]
    with _child(command, port) as process:
        yield Running(f"http://127.0.0.1:{port}", "fluent-bit-accepts-any-token", process.pid)
