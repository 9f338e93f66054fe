"""Replay a capture as Locust users (`hecc replay --locust`, or `locust -f` this file; docs/replay.md).

Environment: HECC_CAPTURE (capture file), HECC_TARGET (target file), HECC_ROLE_MAP (JSON object of
capture role → target role, optional), HECC_LOCUST_WORKERS (number of workers in distributed mode).
Worker i of n sends the requests whose position p in the capture has p % n == i, so every request goes
out exactly once across the workers; a worker quits when its share is done, and the master stops when
the last worker quit. Timing is not kept: users send as fast as their answers come back.
"""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Iterator
from itertools import count

import gevent
import httptools
from gevent.lock import Semaphore
from locust import User, events, task
from locust.exception import StopUser

from hec_conformance.replay.capture import read_capture
from hec_conformance.replay.marking import Channels
from hec_conformance.replay.requests import Prepared, Side, make_side, prepare, request_bytes
from hec_conformance.target import load_target


class _Answer:
    """httptools callbacks for one response."""

    def __init__(self) -> None:
        self.done = False
        self.length = 0
        self.parser = httptools.HttpResponseParser(self)

    def on_body(self, body: bytes) -> None:
        self.length += len(body)

    def on_message_complete(self) -> None:
        self.done = True


class _Share:
    """This process's share of the capture, handed out one request at a time."""

    def __init__(self, side: Side, index: int, workers: int) -> None:
        self.side = side
        self._lock = Semaphore()
        self._run_id = f"locust-{os.getpid()}"
        self._channels = Channels(self._run_id)
        self._items: Iterator[Prepared] = (
            prepare(ex, pos, self._run_id, self._channels, side.target.marker_field, False)
            for pos, ex in zip(count(), read_capture(os.environ["HECC_CAPTURE"]), strict=False)
            if pos % workers == index
        )
        self.in_flight = 0
        self.finished = False

    def next(self) -> Prepared | None:
        with self._lock:
            item = next(self._items, None)
            if item is None:
                self.finished = True
            else:
                self.in_flight += 1
            return item


_share: _Share | None = None


def _get_share(environment: object) -> _Share:
    global _share
    if _share is None:
        runner = getattr(environment, "runner", None)
        index = max(0, getattr(runner, "worker_index", 0))
        workers = int(os.environ.get("HECC_LOCUST_WORKERS", "1"))
        roles = json.loads(os.environ.get("HECC_ROLE_MAP", "{}"))
        _share = _Share(make_side(load_target(os.environ["HECC_TARGET"]), roles), index, workers)
    return _share


def _finish(runner: object) -> None:
    """Send this worker's last statistics to the master (they would be lost), then quit."""
    send_stats = getattr(runner, "_send_stats", None)
    if send_stats is not None:
        send_stats()
    runner.quit()  # type: ignore[attr-defined]


class CaptureUser(User):
    """One keep-alive connection sending the next request of the share, byte-exact."""

    def on_start(self) -> None:
        self._share = _get_share(self.environment)
        self._sock: socket.socket | None = None

    def _connect(self) -> socket.socket:
        endpoint = self._share.side.endpoint
        sock = socket.create_connection((endpoint.host, endpoint.port), timeout=30)
        if endpoint.ssl is not None:
            sock = endpoint.ssl.wrap_socket(sock, server_hostname=endpoint.host)
        return sock

    @task
    def send_next(self) -> None:
        share = self._share
        prep = share.next()
        if prep is None:
            if share.in_flight == 0 and self.environment.runner is not None:
                gevent.spawn(_finish, self.environment.runner)
            raise StopUser()
        ex = prep.exchange
        started = time.perf_counter()
        answer = _Answer()
        error: BaseException | None = None
        try:
            self._sock = self._sock or self._connect()
            self._sock.sendall(request_bytes(prep, share.side))
            while not answer.done:
                data = self._sock.recv(65536)
                if not data:
                    raise ConnectionError("connection closed before the answer")
                answer.parser.feed_data(data)
            if not answer.parser.should_keep_alive():
                self._close()
            status = answer.parser.get_status_code()
            if ex.response is not None and status != ex.response.status:
                error = AssertionError(f"recorded {ex.response.status}, replay {status}")
        except (OSError, httptools.HttpParserError) as exc:
            self._close()
            error = exc
        finally:
            share.in_flight -= 1
        events.request.fire(
            request_type=ex.method,
            name=ex.path,
            context={"seq": ex.seq},
            response_time=(time.perf_counter() - started) * 1000,
            response_length=answer.length,
            exception=error,
            response=None,
        )

    def _close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def on_stop(self) -> None:
        self._close()
