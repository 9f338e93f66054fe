"""The event store: SQLite in WAL mode behind one database thread that commits requests in groups.

Durability: ``synchronous=FULL`` in WAL mode, so a committed group survives a process crash (kill -9)
and also a power loss; a request is answered 200 only after the COMMIT of the group holding it.
Each request's events go into one group whole, in order, so a request is all or nothing (ORD-2).
Reads run on the same thread between commits, so the in-memory mode needs no shared cache.
With a data folder the rows are written by the compiled row writer (_rowwriter.c, chosen in
fastpath.py) on a connection of its own, without the GIL, where it can: the Python below defines them.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import os
import queue
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from json.encoder import encode_basestring_ascii as _string
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec

from .errors import HecError
from .fastpath import ROW_WRITER, ROWS
from .translate import StoredEvent

if TYPE_CHECKING:
    from ._rowwriter import Writer

# The correlation markers of SPEC §9 are copied to columns with partial indexes: an event without
# them costs no index entry and no JSON parsing in SQLite (json_extract indexes cost ~40 % of an insert).
# The time index ends in the rowid (seq) as every SQLite index does: naming seq in it stored it twice
# (events_by_time, dropped on open: 4.7 -> 3.8 us of SQLite work per event with seq no longer bound).
_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY,
    repository TEXT NOT NULL,
    timestamp INTEGER NOT NULL,
    ingest INTEGER NOT NULL,
    fields TEXT NOT NULL,
    hec_case TEXT,
    channel TEXT
);
CREATE INDEX IF NOT EXISTS events_by_repository_time ON events (repository, timestamp);
DROP INDEX IF EXISTS events_by_time;
CREATE INDEX IF NOT EXISTS events_by_hec_case ON events (repository, hec_case) WHERE hec_case IS NOT NULL;
CREATE INDEX IF NOT EXISTS events_by_channel ON events (repository, channel) WHERE channel IS NOT NULL;
"""
# Data folders written before the marker columns: add them, fill them, drop the json_extract indexes.
_MIGRATE = """
DROP INDEX IF EXISTS events_by_hec_case;
DROP INDEX IF EXISTS events_by_channel;
ALTER TABLE events ADD COLUMN hec_case TEXT;
ALTER TABLE events ADD COLUMN channel TEXT;
UPDATE events SET hec_case = json_extract(fields, '$.hec_case'), channel = json_extract(fields, '$.channel');
"""
# seq (@id) is the rowid: SQLite gives each row max(rowid) + 1 inside the write transaction, so ids are
# unique and increasing across every process writing the file (--workers).
_INSERT = (
    "INSERT INTO events (repository, timestamp, ingest, fields, hec_case, channel) VALUES (?, ?, ?, ?, ?, ?)"
)
_GROUP_EVENTS = 50_000
_LOCK_WAIT_SECONDS = 10.0  # the other workers' commits (--workers), or a foreign writer; then 503
_INDEXED = frozenset({"hec_case", "channel"})  # the correlation markers of SPEC §9: columns
_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")  # usable as a literal JSON path
_COLUMNS = {"@timestamp": "timestamp", "@id": "seq", "@ingesttimestamp": "ingest"}


@dataclass(frozen=True)
class Term:
    """One query condition: ``field=value`` or, with value None, ``field=*``."""

    field: str
    value: str | None


class _Job:
    __slots__ = ("events", "read", "future", "loop")

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        events: Sequence[StoredEvent] = (),
        read: Callable[[sqlite3.Connection], Any] | None = None,
    ) -> None:
        self.loop = loop
        self.events = events
        self.read = read
        self.future: asyncio.Future[Any] = loop.create_future()

    def settle(self, result: Any = None, error: BaseException | None = None) -> None:
        self.loop.call_soon_threadsafe(_settle, self.future, result, error)


def _settle(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


_encode_json = msgspec.json.Encoder().encode


def _fields_json(fields: dict[str, str]) -> str:
    """The stored JSON text of an event's fields (all strings), compact, members in order, non-ASCII
    characters as UTF-8 (reading it back with json.loads or SQLite's JSON functions gives the same
    values as json.dumps's text). msgspec writes it ~6x faster than joining C-escaped strings."""
    try:
        return _encode_json(fields).decode()
    except (TypeError, ValueError):  # a lone surrogate (not UTF-8) or a str subclass: the stdlib way
        return _fields_json_ascii(fields)


def _fields_json_ascii(fields: dict[str, str]) -> str:
    """What json.dumps writes with compact separators (ASCII, ``\\uXXXX`` escapes), for any str."""
    return "{" + ",".join([_string(name) + ":" + _string(value) for name, value in fields.items()]) + "}"


Row = tuple[str, int, int, str, str | None, str | None]


def stored_row(event: StoredEvent, ingest: int) -> Row:
    """The row INSERT writes for one event: repository, ``@timestamp``, ``@ingesttimestamp``, the fields
    JSON and the correlation marker columns (``@id`` is given by SQLite)."""
    fields = event.fields
    return (
        event.repository,
        event.timestamp,
        ingest,
        _fields_json(fields),
        fields.get("hec_case"),
        fields.get("channel"),
    )


def busy() -> HecError:
    return HecError(503, 9, "Server is busy")


class Store:
    """Durable, ordered, all-or-nothing storage of translated events, and the query filter."""

    def __init__(
        self, directory: str | Path | None, *, max_queued_events: int = 1_000_000, compiled_rows: bool = True
    ) -> None:
        self._path = ":memory:" if directory is None else str(Path(directory) / "events.sqlite3")
        self._turn: int | None = None  # the write-turn lock file (see _writer)
        if directory is not None:
            Path(directory).mkdir(parents=True, exist_ok=True)
            self._turn = os.open(Path(directory) / "events.lock", os.O_RDWR | os.O_CREAT, 0o644)
        self._max_queued = max_queued_events
        self._queued = 0
        self._lock = threading.Lock()
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._failed: BaseException | None = None
        self._db = sqlite3.connect(
            self._path, timeout=_LOCK_WAIT_SECONDS, check_same_thread=False, isolation_level=None
        )
        # Opening holds the write turn too: workers starting together would otherwise race to switch
        # the journal to WAL, which SQLite refuses ("database is locked") without waiting.
        if self._turn is not None:
            fcntl.flock(self._turn, fcntl.LOCK_EX)
        try:
            if directory is not None:
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=FULL")
            columns = {row[1] for row in self._db.execute("PRAGMA table_info(events)")}
            if columns and "hec_case" not in columns:
                self._db.executescript(f"BEGIN IMMEDIATE;{_MIGRATE}COMMIT;")
            self._db.executescript(_SCHEMA)
        finally:
            if self._turn is not None:
                fcntl.flock(self._turn, fcntl.LOCK_UN)
        # The compiled rows (fastpath.ROWS): a second connection, opened once the schema is there.
        self._rows: Writer | None = None
        if directory is not None and compiled_rows and ROW_WRITER is not None:
            self._rows = ROW_WRITER.Writer(self._path, int(_LOCK_WAIT_SECONDS * 1000))
        self._thread = threading.Thread(target=self._run, name="hec-store", daemon=True)
        self._thread.start()

    @property
    def rows(self) -> str:
        """How this store writes its rows, as the start-up line names it (fastpath.ROWS)."""
        if self._path == ":memory:":
            return "Python (the in-memory store)"
        if self._rows is None and ROW_WRITER is not None:
            return "Python (Store(compiled_rows=False))"
        return ROWS

    @property
    def accepting(self) -> bool:
        """Health (EP-4): the database thread runs, its last commit worked, its queue has room."""
        return self._thread.is_alive() and self._failed is None and self._queued < self._max_queued

    async def append(self, events: Sequence[StoredEvent]) -> None:
        """Store one request's events; returns once they are committed. 503 code 9 when full."""
        if not events:
            return
        with self._lock:
            if not self._thread.is_alive() or self._queued + len(events) > self._max_queued:
                raise busy()
            self._queued += len(events)
        job = _Job(asyncio.get_running_loop(), events=events)
        self._jobs.put(job)
        await job.future

    async def search(
        self, repository: str, terms: Sequence[Term], start: int, end: int, limit: int
    ) -> list[dict[str, Any]]:
        """The first ``limit`` events of ``repository`` with start <= @timestamp <= end matching every
        term, in order."""
        # An exact term on a marker field narrows most: use its index rather than the time index.
        marker = next((t.field for t in terms if t.field in _INDEXED and t.value is not None), None)
        source = f"events INDEXED BY events_by_{marker}" if marker else "events"
        sql = [
            f"SELECT seq, timestamp, ingest, fields FROM {source} WHERE repository = ?",
            "AND timestamp BETWEEN ? AND ?",
        ]
        params: list[Any] = [repository, start, end]
        for term in terms:
            column = _COLUMNS.get(term.field)
            if term.field in _INDEXED:
                sql.append(f"AND {term.field} IS NOT NULL" if term.value is None else f"AND {term.field} = ?")
                params += [] if term.value is None else [term.value]
            elif column is not None:
                if term.value is not None:
                    sql.append(f"AND CAST({column} AS TEXT) = ?")
                    params.append(term.value)
            elif _PLAIN_NAME.fullmatch(term.field):
                path = f"json_extract(fields, '$.{term.field}')"
                sql.append(f"AND {path} IS NOT NULL" if term.value is None else f"AND {path} = ?")
                params += [] if term.value is None else [term.value]
            elif term.value is None:
                sql.append("AND EXISTS (SELECT 1 FROM json_each(fields) WHERE key = ?)")
                params.append(term.field)
            else:
                sql.append("AND EXISTS (SELECT 1 FROM json_each(fields) WHERE key = ? AND value = ?)")
                params += [term.field, term.value]
        sql.append("ORDER BY timestamp, seq LIMIT ?")
        params.append(limit)
        statement = " ".join(sql)

        def read(db: sqlite3.Connection) -> list[dict[str, Any]]:
            return [
                {"@timestamp": ts, "@id": str(seq), "@ingesttimestamp": str(ingest), **json.loads(fields)}
                for seq, ts, ingest, fields in db.execute(statement, params)
            ]

        job = _Job(asyncio.get_running_loop(), read=read)
        self._jobs.put(job)
        found: list[dict[str, Any]] = await job.future
        return found

    @contextlib.contextmanager
    def _writer(self) -> Iterator[None]:
        """Hold the data folder's write turn (fcntl lock) around a write transaction: processes writing
        one file (--workers) then take turns at once, where SQLite's busy handler polls them with
        sleeps of up to 100 ms. The lock dies with its process, kill -9 included."""
        if self._turn is None:
            yield
            return
        fcntl.flock(self._turn, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(self._turn, fcntl.LOCK_UN)

    def close(self) -> None:
        """Finish every queued job, then close the database."""
        self._jobs.put(None)
        self._thread.join()
        if self._rows is not None:
            self._rows.close()
        self._db.close()
        if self._turn is not None:
            os.close(self._turn)

    def _run(self) -> None:
        stop = False
        while not stop:
            first = self._jobs.get()
            if first is None:
                return
            writes: list[_Job] = []
            reads: list[tuple[_Job, Callable[[sqlite3.Connection], Any]]] = []
            count = 0
            job: _Job | None = first
            while job is not None:
                if job.read is not None:
                    reads.append((job, job.read))
                else:
                    writes.append(job)
                count += len(job.events)
                if count >= _GROUP_EVENTS:
                    break
                try:
                    job = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if job is None:
                    stop = True
            if writes:
                self._commit(writes)
            for reader, read in reads:
                try:
                    reader.settle(read(self._db))
                except Exception as exc:  # sqlite3.Error, or a bug: the app logs it and answers 500
                    reader.settle(error=exc)

    def _commit(self, writes: list[_Job]) -> None:
        now = int(time.time() * 1000)
        error: BaseException | None = None
        try:
            self._insert([job.events for job in writes], now)
            self._failed = None
        except sqlite3.Error as exc:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            self._failed = exc
            error = busy()
        except Exception as exc:  # a bug: the app logs it and answers 500; the store thread goes on
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            error = exc
        with self._lock:
            self._queued -= sum(len(job.events) for job in writes)
        for job in writes:
            job.settle(error=error)

    def _insert(self, groups: list[Sequence[StoredEvent]], now: int) -> None:
        """Write the events of the groups in one transaction under the write turn: the compiled rows
        (one C call, the SQLite work without the GIL; it rolls back itself and raises
        sqlite3.OperationalError) or, where the compiled writer is off or gives the group back (None:
        a lone surrogate, a str subclass, a value that is no str, ...), the Python rows that define them."""
        if self._rows is not None:
            assert ROW_WRITER is not None  # self._rows is one of its Writers
            compiled = ROW_WRITER.rows(groups, now)
            if compiled is not None:
                with self._writer():
                    self._rows.insert(compiled)
                return
        rows = [stored_row(event, now) for events in groups for event in events]
        with self._writer():
            self._db.execute("BEGIN IMMEDIATE")
            self._db.executemany(_INSERT, rows)
            self._db.execute("COMMIT")
