"""The sending phase of a replay, on one event loop: the capture read and scheduled, requests in flight
bounded by their bytes, recorded connection order kept, `concurrency` workers (one keep-alive
connection per target each) sending; every answer goes to `Answers.take`."""

from __future__ import annotations

import asyncio
import time
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

from hec_conformance.replay.answers import Answers
from hec_conformance.replay.capture import Exchange, read_indexed
from hec_conformance.replay.client import Answer, ClientError, Connection
from hec_conformance.replay.marking import Channels
from hec_conformance.replay.options import Options
from hec_conformance.replay.requests import Prepared, Side, prepare, request_head
from hec_conformance.replay.schedule import wait_until
from hec_conformance.replay.stats import Stats

INFLIGHT_BYTES = 32 * 1024 * 1024  # request bytes held by unfinished requests: bounds memory on big bodies
START_DELAY = 0.05  # seconds from the start of the loop to the schedule's zero (one process)

# prepared request, its head for each target (the body is prep.body), bytes held, due time, chain futures
_Item = tuple[
    Prepared, list[bytes], int, float | None, "asyncio.Future[None] | None", "asyncio.Future[None] | None"
]


def owner(index: int, ex: Exchange, processes: int, ordered: bool) -> int:
    """Which of `processes` sends this request: by recorded connection when order matters, else by index."""
    if ordered and ex.conn is not None:
        return zlib.crc32(ex.conn.encode()) % processes
    return index % processes


class Sender:
    """Sends this process's share (`share`: this process, processes) of a capture to every side."""

    def __init__(
        self,
        capture: Path,
        sides: list[Side],
        options: Options,
        answers: Answers,
        marking: tuple[str, Channels],
        on_done: Callable[[], None],
        share: tuple[int, int] = (0, 1),
        epoch: float | None = None,
    ) -> None:
        self.capture = capture
        self.sides = sides
        self.options = options
        self.stats: Stats = answers.stats
        self._take = answers.take
        self._keep_headers = answers.save is not None  # only --save writes the answers' headers
        self._run_id, self._channels = marking
        self._on_done = on_done
        self._share = share
        self._epoch = epoch  # the schedule's zero as wall-clock time, shared by every process
        self._inflight = 0
        self._room = asyncio.Event()  # set when a finished request frees request bytes
        self._chains: dict[str, asyncio.Future[None]] = {}

    async def _worker(self, queue: asyncio.Queue[_Item | None]) -> None:
        """One keep-alive connection per target; sends the queued requests one after the other."""
        conns = [Connection(side.endpoint, self.options.timeout, self._keep_headers) for side in self.sides]
        try:
            while (item := await queue.get()) is not None:
                await self._send(conns, *item)
                del item  # an idle worker must not keep its last request (and its body) alive
        finally:
            for conn in conns:
                conn.close()

    async def _send(
        self,
        conns: list[Connection],
        prep: Prepared,
        heads: list[bytes],
        size: int,
        due: float | None,
        prev: asyncio.Future[None] | None,
        done: asyncio.Future[None] | None,
    ) -> None:
        try:
            if prev is not None:
                await prev
            if due is not None:
                self.stats.lag.add(abs(time.perf_counter() - due))
            body = prep.body
            if len(heads) == 1:  # no gather (and its tasks) for the common single-target case
                try:
                    answer = await conns[0].send(heads[0], body)
                except ClientError as exc:
                    self._take(prep, [None], [exc])
                else:
                    self._take(prep, [answer], ())
            else:
                results = await asyncio.gather(
                    *(conn.send(head, body) for conn, head in zip(conns, heads, strict=True)),
                    return_exceptions=True,
                )
                self._take(
                    prep,
                    [r if isinstance(r, Answer) else None for r in results],
                    [r for r in results if isinstance(r, BaseException)],
                )
        finally:
            if done is not None:
                done.set_result(None)
            self._inflight -= size
            self._room.set()
            self._on_done()

    def _mine(self) -> Iterator[tuple[int, Exchange]]:
        """The capture's requests this process sends (a --processes run skips the others unparsed)."""
        me, count = self._share
        if count == 1:
            yield from read_indexed(self.capture, None)
            return
        ordered = self.options.ordered
        for index, ex in read_indexed(self.capture, lambda i, raw: b'"conn":' not in raw and i % count != me):
            if owner(index, ex, count, ordered) == me:
                yield index, ex

    async def _make_room(self, size: int) -> None:
        while self._inflight and self._inflight + size > INFLIGHT_BYTES:
            self._room.clear()
            await self._room.wait()
        self._inflight += size

    def _chain(self, ex: Exchange) -> tuple[asyncio.Future[None] | None, asyncio.Future[None] | None]:
        """The request recorded before this one on its connection (to wait for), and this one's future."""
        if not self.options.ordered or ex.conn is None:
            return None, None
        chains = self._chains
        done = asyncio.get_running_loop().create_future()
        prev = chains.get(ex.conn)
        chains[ex.conn] = done
        conn = ex.conn

        def unchain(future: asyncio.Future[None]) -> None:  # the last request of its connection is done
            if chains.get(conn) is future:
                del chains[conn]

        done.add_done_callback(unchain)
        return prev, done

    async def run(self) -> tuple[int, int]:
        """Read, prepare and schedule each request for the workers; the span sent, in epoch ms."""
        opts = self.options
        width = max(1, opts.concurrency // self._share[1])  # --processes share the connections
        queue: asyncio.Queue[_Item | None] = asyncio.Queue(width)
        workers = [asyncio.create_task(self._worker(queue)) for _ in range(width)]
        marker_field = self.sides[0].target.marker_field
        start = time.perf_counter() + (START_DELAY if self._epoch is None else self._epoch - time.time())
        first_sent = start
        started_ms = int(time.time() * 1000)
        stats = self.stats
        try:
            for index, ex in self._mine():
                prep = prepare(ex, index, self._run_id, self._channels, marker_field, opts.mark)
                heads = [request_head(prep, side) for side in self.sides]
                due = opts.schedule.due(index, ex.offset_ms)
                due_at = None if due is None else start + due
                if due_at is not None:
                    await wait_until(due_at)
                size = sum(map(len, heads)) + len(prep.body) * len(heads)
                await self._make_room(size)
                prev, done = self._chain(ex)
                if not stats.requests:
                    first_sent = time.perf_counter()
                stats.requests += 1
                stats.bytes_sent += len(heads[0]) + len(prep.body)
                await queue.put((prep, heads, size, due_at, prev, done))
            for _ in workers:
                await queue.put(None)
            await asyncio.gather(*workers)
        finally:
            for worker in workers:
                worker.cancel()
        # timed runs count from the schedule's zero, as-fast-as-possible runs from the first request
        stats.elapsed = time.perf_counter() - (start if opts.schedule.timed else first_sent)
        return started_ms, int(time.time() * 1000)
