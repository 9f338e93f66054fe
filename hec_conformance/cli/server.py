"""The bundled reference server, started as a process: `hecc serve` hands the process over to it, and
`hecc run`, `hecc fuzz` and `hecc mutants` start one on a free port. The suite never imports the server:
they meet over HTTP (ARCHITECTURE.md)."""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn
from urllib.parse import urlsplit

from hec_conformance.cli.errors import EXIT_HARNESS, CliError

SERVER = "reference_server"  # the package, run with `python -m`
SERVER_START_TIMEOUT = 30.0


def _server_dir() -> Path:
    """Where the reference server package is, found without importing it."""
    spec = importlib.util.find_spec(SERVER)
    if spec is None or not spec.submodule_search_locations:
        raise CliError(f"the bundled reference server (package {SERVER}) is missing", EXIT_HARNESS)
    return Path(next(iter(spec.submodule_search_locations)))


# `python -m reference_server`, with SIGPIPE's default action: `hecc serve | head -1` ends it quietly
# (Python would otherwise ignore SIGPIPE and die of a BrokenPipeError traceback).
_BOOT = (
    "import runpy, signal; signal.signal(signal.SIGPIPE, signal.SIG_DFL); "
    f"runpy.run_module({SERVER!r}, run_name='__main__', alter_sys=True)"
)
SERVE_EXIT_CODES = """\
exit codes:
  0  stopped by SIGINT or SIGTERM after a graceful shutdown
  2  could not start: bad arguments or configuration, port in use, data folder or TLS files unusable
"""


def serve(server_args: list[str]) -> NoReturn:
    """`hecc serve ARGS`: this process becomes the reference server with ARGS (its options, its
    signals, its exit code); `hecc serve --help` is its help under the name `hecc serve`."""
    _server_dir()
    if {"-h", "--help"} & set(server_args):
        sys.stdout.write(_serve_help())
        raise SystemExit(0)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, [sys.executable, "-c", _BOOT, *server_args])


def _serve_help() -> str:
    """The server's own --help, as `hecc serve`, with the exit codes."""
    done = subprocess.run(
        [sys.executable, "-m", SERVER, "--help"], capture_output=True, text=True, timeout=60, check=False
    )
    if done.returncode != 0:
        raise CliError(f"the reference server's --help failed: {done.stderr.strip()}", EXIT_HARNESS)
    pad = " " * (len(SERVER) - len("hecc serve"))
    lines = done.stdout.replace(f"usage: {SERVER}", "usage: hecc serve", 1).splitlines()
    lines = [
        line.removeprefix(pad) if line.startswith(" " * len(f"usage: {SERVER} ")) else line for line in lines
    ]
    return "\n".join(lines).rstrip() + "\n\n" + SERVE_EXIT_CODES


def _wait_for(target_file: Path, proc: subprocess.Popen[bytes], log: Path, timeout: float) -> None:
    """Back off until the server writes its target file; CliError(3) when it exits or takes too long."""
    deadline = time.monotonic() + timeout
    delay = 0.02
    while not target_file.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            output = log.read_text("utf-8", "replace")[-2000:]
            why = (
                f"exited with {proc.returncode}"
                if proc.returncode is not None
                else f"wrote no target file within {timeout:g}s"
            )
            raise CliError(f"the reference server {why}:\n{output}", EXIT_HARNESS)
        time.sleep(delay)
        delay = min(delay * 2, 0.5)


@contextlib.contextmanager
def reference_server(profile: str, all_caps: bool, timeout: float = SERVER_START_TIMEOUT) -> Iterator[Path]:
    """Start the bundled reference server on a free port with a temporary store; yield its target file."""
    config = _server_dir() / "configs" / ("suite-all-caps.yaml" if all_caps else "suite.yaml")
    with tempfile.TemporaryDirectory(prefix="hecc-run-") as tmp:
        target_file, log_path = Path(tmp) / "target.yaml", Path(tmp) / "server.log"
        argv = [sys.executable, "-m", SERVER, "--config", str(config), "--profile", profile, "--port", "0"]
        argv += ["--data", str(Path(tmp) / "data"), "--write-target", str(target_file)]
        with log_path.open("wb") as log:
            proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
            try:
                _wait_for(target_file, proc, log_path, timeout)
                print(
                    f"hecc: started the reference server ({config.name}, profile {profile})", file=sys.stderr
                )
                yield target_file
            finally:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=10)


def probe(url: str, timeout: float = 5.0) -> None:
    """Raise CliError(3) unless a TCP connection to the URL's host and port opens."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname or "localhost", port), timeout=timeout):
            return
    except OSError as exc:
        raise CliError(f"the target {url} is unreachable: {exc.strerror or exc}", EXIT_HARNESS) from None


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`hecc serve` (main() hands everything after `serve` to the server before argparse sees it)."""
    serve_parser = sub.add_parser(
        "serve", help="run the reference server (all options go to it; see hecc serve -h)", add_help=False
    )
    serve_parser.add_argument("server_args", nargs=argparse.REMAINDER)
    serve_parser.set_defaults(func=lambda args: serve(list(args.server_args)))
