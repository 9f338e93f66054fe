"""``--workers N``: N server processes on one port (SO_REUSEPORT) writing one SQLite WAL file.

The first process is the one that was started: it binds first, writes the target file and stops
the others when it stops. The others are forked before any thread or database connection exists;
each binds the same port, opens its own connection to the data folder and serves. ``@id`` is
SQLite's rowid, given inside each write transaction, so ids stay unique across processes. Ack ids
live in one process's memory and a channel's requests would land on any worker, so a configuration
with acknowledgement is refused; so is ``--in-memory`` (each process would have its own store).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sqlite3
import sys
import time
from collections.abc import Callable
from pathlib import Path

from .config import Config

__all__ = ["data_folder_ready", "refusal", "signal_workers", "start_workers", "stop_workers"]

_PR_SET_PDEATHSIG = 1


def refusal(config: Config, workers: int, in_memory: bool) -> str | None:
    """Why ``--workers`` cannot run with this configuration, or None."""
    if workers < 1:
        return f"--workers {workers}: at least 1"
    if workers == 1:
        return None
    acks = [t.role or t.token[:8] for t in config.tokens if t.ack]
    if acks:
        return (
            f"--workers {workers}: acknowledgement is configured (ack: true on token {acks[0]}); ack ids"
            " live in one process, so run with --workers 1 or without ack tokens"
        )
    if in_memory:
        return f"--workers {workers}: --in-memory would give each worker its own store; use --data"
    return None


def start_workers(count: int, serve: Callable[[], None]) -> list[int]:
    """Fork ``count`` processes that each run ``serve`` and exit; their pids."""
    parent = os.getpid()
    pids = []
    for _ in range(count):
        pid = os.fork()
        if pid == 0:
            _die_with(parent)
            code = 0
            try:
                serve()
            except BaseException as exc:  # a worker reports its own failure in one line and exits
                print(f"reference_server: worker {os.getpid()}: {exc}", file=sys.stderr, flush=True)
                code = 2 if isinstance(exc, (OSError, sqlite3.Error)) else 1
            finally:
                os._exit(code)
        pids.append(pid)
    return pids


def signal_workers(pids: list[int], sig: int = signal.SIGTERM) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)


def stop_workers(pids: list[int], timeout: float) -> None:
    """SIGTERM every worker, wait up to ``timeout`` seconds for them, then SIGKILL the rest."""
    signal_workers(pids)
    deadline = time.monotonic() + timeout
    waiting = set(pids)
    while waiting and time.monotonic() < deadline:
        for pid in list(waiting):
            with contextlib.suppress(ChildProcessError):
                if os.waitpid(pid, os.WNOHANG)[0] == 0:
                    continue
            waiting.discard(pid)
        time.sleep(0.02)
    signal_workers(list(waiting), signal.SIGKILL)
    for pid in waiting:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)


def _die_with(parent: int) -> None:
    """Linux: this worker gets SIGTERM when the first process dies, kill -9 included."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # the first process died before prctl took effect
        os._exit(0)


def data_folder_ready(path: Path) -> None:
    """Create the data folder before forking, so that no worker races another to create it."""
    path.mkdir(parents=True, exist_ok=True)
