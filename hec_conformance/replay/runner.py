"""Replay a capture to one target (or two, --against): schedule, send, compare answers, read back."""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import multiprocessing.queues
import queue
import time
import uuid
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from hec_conformance.readback import Reader, make_reader
from hec_conformance.replay.capture import (
    CaptureError,
    CaptureWriter,
    Exchange,
    Headers,
    Response,
    header,
    hec_code,
    read_indexed,
)
from hec_conformance.replay.client import Answer, ClientError, Connection, Endpoint
from hec_conformance.replay.marking import (
    CHANNEL_HEADER,
    EVENT_PATHS,
    RAW_PATHS,
    Channels,
    mark_events,
    raw_lines,
)
from hec_conformance.replay.roles import fill, roles_used, target_tokens
from hec_conformance.replay.schedule import Schedule, wait_until
from hec_conformance.replay.stats import Stats
from hec_conformance.target import Target

ALWAYS_IGNORED = ("@id", "@ingesttimestamp")
INFLIGHT_BYTES = 32 * 1024 * 1024  # request bytes held by unfinished requests: bounds memory on big bodies
_DROPPED = {"content-length", "transfer-encoding", "expect"}


@dataclass
class Side:
    """One target being replayed to."""

    target: Target
    tokens: dict[str, str]
    role_map: dict[str, str]
    endpoint: Endpoint = field(init=False)
    heads: dict[tuple[Any, ...], bytes] = field(init=False, default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.endpoint = Endpoint(self.target.url, self.target.tls)

    def repository(self, role: str) -> str | None:
        spec = self.target.tokens.get(self.role_map.get(role, role))
        return spec.repository if spec else None


@dataclass
class Check:
    """What read-back looks for under one correlation key."""

    seq: int
    request: str
    role: str
    key: tuple[str, str]
    expected: list[dict[str, Any]] = field(default_factory=list)
    all_timed: bool = False


@dataclass
class Prepared:
    """A request after role mapping and marking, before the target's tokens go in."""

    exchange: Exchange
    index: int
    headers: Headers
    query: str | None
    body: bytes
    role: str | None
    check: Check | None = None
    raw: bool = False


# prepared request, its head for each target (the body is prep.body), bytes held, due time, chain futures
_Item = tuple[
    Prepared, list[bytes], int, float | None, "asyncio.Future[None] | None", "asyncio.Future[None] | None"
]


@dataclass
class Options:
    """How to replay (the command-line options of `hecc replay`)."""

    schedule: Schedule = Schedule()
    concurrency: int = 64
    mark: bool = False
    ordered: bool = True
    ignore: tuple[str, ...] = ()
    settle: float = 0.0
    timeout: float = 30.0
    max_listed: int = 200
    processes: int = 1


HEADS_CACHED = 4096  # request heads kept per target (a shipper's requests differ mostly in their length)


def request_bytes(prep: Prepared, side: Side) -> bytes:
    """The exact bytes to write: recorded headers in order, Host and Content-Length for this target."""
    return request_head(prep, side) + prep.body


def request_head(prep: Prepared, side: Side) -> bytes:
    """The bytes of `request_bytes` before the body (sent with the body without joining them first)."""
    ex = prep.exchange
    key = (ex.method, ex.path, prep.query, prep.headers, len(prep.body))
    head = side.heads.get(key)
    if head is None:
        head = _head(prep, side)
        if len(side.heads) >= HEADS_CACHED:
            side.heads.clear()
        side.heads[key] = head
    return head


def _head(prep: Prepared, side: Side) -> bytes:
    """The request line and headers of `request_bytes`, a function of the cache key's members alone."""
    headers, query = fill(prep.headers, prep.query, side.tokens)
    ex = prep.exchange
    target = prep.exchange.path if query is None else f"{ex.path}?{query}"
    lines = [f"{ex.method} {target} HTTP/1.1"]
    length_done = False
    # prep.headers has the recorded header names (marking only changes or adds a channel)
    had_length = header(prep.headers, "content-length") is not None or header(
        prep.headers, "transfer-encoding"
    )
    for name, value in headers:
        low = name.lower()
        if low == "host":
            value = side.endpoint.host_header
        elif low == "content-length":
            value, length_done = str(len(prep.body)), True
        elif low in _DROPPED:
            continue
        lines.append(f"{name}: {value}")
    if header(headers, "host") is None:
        lines.insert(1, f"Host: {side.endpoint.host_header}")
    if not length_done and (prep.body or had_length or ex.method not in ("GET", "HEAD", "DELETE")):
        lines.append(f"Content-Length: {len(prep.body)}")
    head = "\r\n".join(lines) + "\r\n\r\n"
    try:
        return head.encode("latin-1")  # recorded heads are latin-1: the bytes come back exactly
    except UnicodeEncodeError:  # a HAR may hold header text beyond latin-1: send it as UTF-8
        return head.encode("utf-8")


def _encoding(headers: Headers) -> str:
    return (header(headers, "content-encoding") or "").strip().lower()


def prepare(
    ex: Exchange, index: int, run_id: str, channels: Channels, marker_field: str, mark: bool
) -> Prepared:
    """Mark the request for read-back when asked (docs/captures.md, "Correlation")."""
    prep = Prepared(ex, index, ex.headers, ex.query, ex.body, None)
    if not mark or ex.method != "POST":
        return prep
    role = prep.role = next(iter(sorted(roles_used(ex.headers, ex.query))), None)
    prep.headers = tuple((k, channels.of(v) if k.lower() == CHANNEL_HEADER else v) for k, v in ex.headers)
    prep.query = channels.rewrite_query(ex.query)
    shown = f"{ex.method} {ex.target()}"
    if ex.path in EVENT_PATHS:
        marked = mark_events(ex.body, _encoding(ex.headers), marker_field, f"{run_id}-{ex.seq}")
        if marked is not None and marked.key is not None:
            prep.body = marked.body
            prep.check = Check(
                ex.seq, shown, role or "default", marked.key, marked.expected, marked.all_timed
            )
    elif ex.path in RAW_PATHS:
        recorded = header(ex.headers, CHANNEL_HEADER) or Channels.in_query(ex.query)
        channel = channels.of(recorded if recorded is not None else f"seq-{ex.seq}")
        if recorded is None:
            prep.headers = (*prep.headers, ("X-Splunk-Request-Channel", channel))
        lines = raw_lines(ex.body, _encoding(ex.headers))
        if lines is not None:
            prep.raw = True
            prep.check = Check(
                ex.seq,
                shown,
                role or "default",
                ("channel", channel),
                [{"@rawstring": line} for line in lines],
            )
    return prep


def _brief(answer: Answer | None) -> str:
    if answer is None:
        return "no answer"
    code = hec_code(answer.body)
    return f"{answer.status}" + (f" code {code}" if code is not None else "")


def normalized(event: dict[str, Any], ignored: set[str]) -> str:
    """An event as canonical JSON without the ignored fields."""
    return json.dumps(
        {k: v for k, v in event.items() if k not in ignored}, sort_keys=True, ensure_ascii=False
    )


def event_diff(left: list[dict[str, Any]], right: list[dict[str, Any]], ignored: set[str]) -> str | None:
    """None when both lists hold the same events (any order) once ignored fields are dropped."""
    if len(left) != len(right):
        return f"{len(left)} stored event(s) vs {len(right)}"
    a = sorted(left, key=lambda e: normalized(e, ignored))
    b = sorted(right, key=lambda e: normalized(e, ignored))
    for i, (x, y) in enumerate(zip(a, b, strict=True)):
        if normalized(x, ignored) != normalized(y, ignored):
            names = sorted((set(x) | set(y)) - ignored)
            diffs = [
                f"{n}: {x.get(n, '<absent>')!r} vs {y.get(n, '<absent>')!r}"
                for n in names
                if x.get(n) != y.get(n)
            ]
            return f"event {i}: " + "; ".join(diffs[:5])
    return None


def expectation_diff(expected: list[dict[str, Any]], events: list[dict[str, Any]]) -> str | None:
    """Count, then every expected field value found among the stored events (as a multiset)."""
    if len(expected) != len(events):
        return f"{len(events)} stored event(s), the request carried {len(expected)}"
    pool = [dict(e) for e in events]
    for want in expected:
        match = next((e for e in pool if all(e.get(k) == v for k, v in want.items())), None)
        if match is None:
            return f"no stored event has {want}"
        pool.remove(match)
    return None


class Replayer:
    """One replay run. `on_done` is called once per finished request (the progress bar)."""

    def __init__(
        self,
        capture: Path,
        sides: list[Side],
        options: Options,
        on_done: Callable[[], None] | None = None,
        save: Path | None = None,
    ) -> None:
        self.capture = capture
        self.sides = sides
        self.options = options
        self.stats = Stats(max_listed=options.max_listed, timed=options.schedule.timed)
        self.run_id = uuid.uuid4().hex[:12]
        self.channels = Channels(self.run_id)
        self.checks: dict[tuple[str, str], Check] = {}
        self._on_done = on_done or (lambda: None)
        self._save_path = save
        self._save: CaptureWriter | None = None
        self._unsaved: dict[int, Exchange] = {}
        self._share = (0, 1)  # (this process, processes) of a --processes run
        self._epoch: float | None = None
        self._next_saved = 0
        self.started_ms = 0
        self.ended_ms = 0

    async def _worker(self, queue: asyncio.Queue[_Item | None]) -> None:
        """One keep-alive connection per target; sends the queued requests one after the other."""
        keep_headers = self._save_path is not None  # only --save writes the answers' headers
        conns = [Connection(side.endpoint, self.options.timeout, keep_headers) for side in self.sides]
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
                    self._judge(prep, [None], [exc])
                else:
                    self._judge(prep, [answer], ())
            else:
                results = await asyncio.gather(
                    *(conn.send(head, body) for conn, head in zip(conns, heads, strict=True)),
                    return_exceptions=True,
                )
                self._judge(
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

    def _judge(
        self, prep: Prepared, answers: list[Answer | None], errors: list[BaseException] | tuple[()]
    ) -> None:
        ex = prep.exchange
        stats = self.stats
        for error in errors:
            if not isinstance(error, ClientError):
                raise error
            stats.differ(ex.seq, "transport", _shown(ex), str(error))
        first = answers[0]
        if first is not None:
            stats.answered += 1
            stats.latency.add(first.elapsed)
            recorded = ex.response
            if recorded is not None:
                stats.compared += 1
                if first.status != recorded.status:
                    stats.differ(ex.seq, "status", _shown(ex), _both(ex, first))
                # the same body has the same code: decode only a body that differs from the recorded one
                elif first.body != recorded.body and hec_code(first.body) != recorded.hec_code():
                    stats.differ(ex.seq, "hec-code", _shown(ex), _both(ex, first))
        if self._save is not None:
            answer = None if first is None else Response(first.status, tuple(first.headers), first.body)
            self._save_in_order(prep.index, replace(ex, response=answer))
        if len(answers) == 2 and None not in answers:
            a, b = answers
            assert a is not None and b is not None
            if (a.status, hec_code(a.body)) != (b.status, hec_code(b.body)):
                stats.differ(ex.seq, "against-answer", _shown(ex), f"{_brief(a)} vs {_brief(b)}")
        if prep.check is not None:
            ok = first is not None and first.status == 200
            self._remember(prep, ok)

    def _save_in_order(self, index: int, exchange: Exchange) -> None:
        """--save writes in capture order: answers that come early wait (at most the requests in flight)."""
        assert self._save is not None
        self._unsaved[index] = exchange
        while self._next_saved in self._unsaved:
            self._save.write(self._unsaved.pop(self._next_saved))
            self._next_saved += 1

    def _remember(self, prep: Prepared, ok: bool) -> None:
        check = prep.check
        assert check is not None
        expected = check.expected if ok else []
        self.stats.events += len(expected)
        known = self.checks.get(check.key)
        if known is None:
            self.checks[check.key] = Check(
                check.seq, check.request, check.role, check.key, list(expected), check.all_timed
            )
        else:  # raw requests sharing one channel are read back together
            known.expected.extend(expected)

    async def _run(self) -> None:
        """Read, prepare and schedule each request; `concurrency` workers (one connection each) send them."""
        opts = self.options
        width = max(1, opts.concurrency // self._share[1])  # --processes share the connections
        queue: asyncio.Queue[_Item | None] = asyncio.Queue(width)
        workers = [asyncio.create_task(self._worker(queue)) for _ in range(width)]
        self._room = asyncio.Event()  # set when a finished request frees request bytes
        self._inflight = 0
        chains: dict[str, asyncio.Future[None]] = {}
        marker_field = self.sides[0].target.marker_field
        start = time.perf_counter() + (0.05 if self._epoch is None else self._epoch - time.time())
        first_sent = start
        self.started_ms = int(time.time() * 1000)
        saving = self._save_path.open("w", encoding="utf-8") if self._save_path else None
        self._save = CaptureWriter(saving) if saving else None
        try:
            me, count = self._share
            unparsed = None if count == 1 else (lambda i, raw: b'"conn":' not in raw and i % count != me)
            for index, ex in read_indexed(self.capture, unparsed):
                if count > 1 and self._owner(index, ex) != me:
                    continue
                prep = prepare(ex, index, self.run_id, self.channels, marker_field, opts.mark)
                heads = [request_head(prep, side) for side in self.sides]
                due = opts.schedule.due(index, ex.offset_ms)
                due_at = None if due is None else start + due
                if due_at is not None:
                    await wait_until(due_at)
                size = sum(map(len, heads)) + len(prep.body) * len(heads)
                while self._inflight and self._inflight + size > INFLIGHT_BYTES:
                    self._room.clear()
                    await self._room.wait()
                self._inflight += size
                prev = done = None
                if opts.ordered and ex.conn is not None:
                    done = asyncio.get_running_loop().create_future()
                    prev = chains.get(ex.conn)
                    chains[ex.conn] = done
                    done.add_done_callback(lambda f, c=ex.conn: chains.pop(c) if chains.get(c) is f else None)
                if not self.stats.requests:
                    first_sent = time.perf_counter()
                self.stats.requests += 1
                self.stats.bytes_sent += len(heads[0]) + len(prep.body)
                await queue.put((prep, heads, size, due_at, prev, done))
            for _ in workers:
                await queue.put(None)
            await asyncio.gather(*workers)
        finally:
            for worker in workers:
                worker.cancel()
            if saving:
                saving.close()
        # timed runs count from the schedule's zero, as-fast-as-possible runs from the first request
        self.stats.elapsed = time.perf_counter() - (start if opts.schedule.timed else first_sent)
        self.ended_ms = int(time.time() * 1000)

    def _owner(self, index: int, ex: Exchange) -> int:
        """Which process sends this request: by recorded connection when order matters, else by position."""
        if self.options.ordered and ex.conn is not None:
            return zlib.crc32(ex.conn.encode()) % self._share[1]
        return index % self._share[1]

    def _loop(self) -> None:
        try:
            import uvloop
        except ImportError:
            asyncio.run(self._run())
            return
        uvloop.run(self._run())

    def send_all(self) -> None:
        """The sending phase, on uvloop when it is installed; with --processes N, N forked processes each
        send their share (one event loop cannot keep many connections busy on its own)."""
        count = self.options.processes
        if count == 1:
            self._loop()
            return
        ctx = multiprocessing.get_context("fork")
        results: multiprocessing.queues.Queue[dict[str, Any]] = ctx.Queue()
        done = ctx.Value("q", 0)
        epoch = time.time() + 0.3  # one schedule zero for every process
        procs = [ctx.Process(target=self._child, args=(i, count, epoch, results, done)) for i in range(count)]
        for proc in procs:
            proc.start()
        exported: list[dict[str, Any]] = []
        shown = 0
        while len(exported) < count:
            try:
                exported.append(results.get(timeout=0.1))
            except queue.Empty:
                if all(not proc.is_alive() for proc in procs) and results.empty():
                    raise CaptureError("a replay process ended without a result") from None
            for _ in range(done.value - shown):
                self._on_done()
            shown = done.value
        for proc in procs:
            proc.join()
        for data in exported:
            if "error" in data:
                raise CaptureError(data["error"])
            self.stats.merge(data["stats"])
            for check in data["checks"]:
                self._merge_check(check)
        self.started_ms, self.ended_ms = (
            min(d["span"][0] for d in exported),
            max(d["span"][1] for d in exported),
        )

    def _child(self, index: int, count: int, epoch: float, results: Any, done: Any) -> None:
        self._share, self._epoch = (index, count), epoch

        def tick() -> None:
            with done.get_lock():
                done.value += 1

        self._on_done = tick
        try:
            self._loop()
            results.put(
                {
                    "stats": self.stats.export(),
                    "checks": list(self.checks.values()),
                    "span": (self.started_ms, self.ended_ms),
                }
            )
        except (CaptureError, OSError) as exc:
            results.put({"error": str(exc)})

    def _merge_check(self, check: Check) -> None:
        known = self.checks.get(check.key)
        if known is None:
            self.checks[check.key] = check
        else:
            known.expected.extend(check.expected)

    def read_back(self) -> None:
        """Compare stored events: each key with what its requests carried, and between the two targets."""
        if self.options.settle:
            time.sleep(self.options.settle)
        readers = [make_reader(side.target) for side in self.sides]
        try:
            if self.options.mark:
                for check in self.checks.values():
                    self._check_key(check, readers)
            elif len(self.sides) == 2:
                self._check_repositories(readers)
        finally:
            for reader in readers:
                reader.close()

    def _ignored(self, all_timed: bool) -> set[str]:
        return {*ALWAYS_IGNORED, *self.options.ignore, *(() if all_timed else ("@timestamp",))}

    def _check_key(self, check: Check, readers: list[Reader]) -> None:
        found = []
        for side, reader in zip(self.sides, readers, strict=True):
            repository = side.repository(check.role)
            if repository is None:
                self.stats.differ(
                    check.seq,
                    "readback",
                    check.request,
                    f"role {check.role!r} names no repository in {side.target.url}",
                )
                return
            events = reader.read(repository, check.key[0], check.key[1])
            found.append(events)
            problem = expectation_diff(check.expected, events)
            if problem:
                self.stats.differ(check.seq, "stored", check.request, f"{side.target.url}: {problem}")
        if len(found) == 2:
            problem = event_diff(found[0], found[1], self._ignored(check.all_timed))
            if problem:
                self.stats.differ(check.seq, "against-stored", check.request, problem)

    def _check_repositories(self, readers: list[Reader]) -> None:
        """Without markers: every event of each target's default repository, on fresh targets."""
        lists = []
        for side, reader in zip(self.sides, readers, strict=True):
            repository = side.repository("default")
            if repository is None:
                self.stats.differ(
                    0,
                    "readback",
                    "(whole repository)",
                    f"role 'default' names no repository in {side.target.url}",
                )
                return
            window = (self.started_ms - 1000, self.ended_ms + 1000)
            events = reader.read(repository, "#repo", repository)
            lists.append(
                [
                    {
                        k: v
                        for k, v in e.items()
                        if not (k == "@timestamp" and isinstance(v, int) and window[0] <= v <= window[1])
                    }
                    for e in events
                ]
            )
        problem = event_diff(lists[0], lists[1], self._ignored(True) | {"#repo"})
        if problem:
            self.stats.differ(0, "against-stored", "(whole repository)", problem)


def _shown(ex: Exchange) -> str:
    """How a difference names its request."""
    return f"{ex.method} {ex.target()}"


def _both(ex: Exchange, answer: Answer) -> str:
    return f"recorded {_brief_recorded(ex)}, replay {_brief(answer)}"


def _brief_recorded(ex: Exchange) -> str:
    r = ex.response
    assert r is not None
    return f"{r.status}" + (f" code {r.hec_code()}" if r.hec_code() is not None else "")


def make_side(target: Target, role_map: dict[str, str]) -> Side:
    """A target with its role → token mapping."""
    return Side(target, target_tokens(target, role_map), role_map)
