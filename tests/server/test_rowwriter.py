"""The compiled row writer (reference_server/_rowwriter.c) writes what the store's Python writes.

The same groups of StoredEvents go once through the Python insert (store.stored_row, executemany on
the Python connection) and once through the C writer (its own connection), into two real SQLite
files; the ``events`` tables must be identical row by row: every column's bytes and ``typeof()``.
Groups the C writer must give back to the Python (lone surrogates, str subclasses, values that are no
str, timestamps outside int64) are given back exactly then, and a failing group leaves no row. The
compiled module must import: a build that lost it fails here.
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from prerequisites import SQLITE_HEADERS, need
from serverkit import OK, SUITE, answer, envelope, launch

from reference_server import fastpath
from reference_server.errors import HecError
from reference_server.query import Term
from reference_server.store import Store, _fields_json
from reference_server.translate import StoredEvent

try:
    from reference_server import _rowwriter
except ImportError:  # not built: the fixture below skips (fails under CI=true) without the headers
    _rowwriter = None


@pytest.fixture(autouse=True)
def built() -> None:
    """The module is built wherever the SQLite headers are: with them, a missing module fails."""
    need(SQLITE_HEADERS)
    assert _rowwriter is not None, "the SQLite headers are here but reference_server._rowwriter did not build"


SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
INT64 = (-(2**63), 2**63 - 1)


class Text(str):
    __slots__ = ()


def plain(text: object) -> bool:
    """A str the C writer takes: exact str, UTF-8 (no lone surrogate)."""
    return type(text) is str and not any(0xD800 <= ord(c) < 0xE000 for c in text)


# Every code point but the surrogates, the characters JSON escapes, astral characters, NUL: what the
# C writer takes; then what it must give back to the Python (lone surrogates, str subclasses).
PLAIN_CHARS = (
    st.characters(min_codepoint=0, max_codepoint=0x10FFFF, exclude_categories=["Cs"])
    | st.sampled_from([chr(c) for c in range(0x20)] + list('"\\/\x7f\x80\xff\u2028\u2029\ufeff\uffff'))
    | st.sampled_from(["\U0001d11e", "\U0010ffff", "é", "€"])
)
PLAIN = st.text(PLAIN_CHARS, max_size=12)
ODD = st.text(PLAIN_CHARS | st.sampled_from(["\ud800", "\udbff", "\udc00", "\udfff"]), max_size=12)
ODD = ODD.filter(lambda text: not plain(text)) | st.builds(Text, PLAIN)
NAME = st.sampled_from(["hec_case", "channel", "@rawstring", "@host", "a"]) | PLAIN
REPOSITORY = st.sampled_from(["main", "other"]) | PLAIN
PLAIN_FIELDS = st.dictionaries(NAME, PLAIN, max_size=6)
ODD_FIELDS = st.dictionaries(NAME | ODD, PLAIN | ODD, max_size=6)
TIMESTAMP = st.integers(*INT64) | st.sampled_from([0, -1, *INT64, 1_700_000_000_000])
ODD_TIMESTAMP = st.sampled_from([2**63, -(2**63) - 1, 2**70])
PLAIN_EVENT = st.builds(StoredEvent, REPOSITORY, TIMESTAMP, PLAIN_FIELDS)
ODD_EVENT = (
    st.builds(StoredEvent, REPOSITORY | ODD, TIMESTAMP, ODD_FIELDS)
    | st.builds(StoredEvent, REPOSITORY, ODD_TIMESTAMP, PLAIN_FIELDS)
    | st.builds(StoredEvent, REPOSITORY, TIMESTAMP, st.builds(lambda f: {**f, "n": object()}, PLAIN_FIELDS))
)
# A group: the events of the jobs one commit holds (store._commit), each job's events a list. Most
# groups are the C writer's; some hold an event it must give back.
PLAIN_GROUP = st.lists(st.lists(PLAIN_EVENT, max_size=4), min_size=1, max_size=3)
ODD_GROUP = st.builds(lambda group, odd: [*group, [odd]], PLAIN_GROUP, ODD_EVENT)
GROUP = PLAIN_GROUP | PLAIN_GROUP | ODD_GROUP
FIELDS = PLAIN_FIELDS | ODD_FIELDS


COLUMNS = ", ".join(
    f"{expression}, typeof({column})"
    for column, expression in [
        ("seq", "seq"),
        ("repository", "CAST(repository AS BLOB)"),
        ("timestamp", "timestamp"),
        ("ingest", "ingest"),
        ("fields", "CAST(fields AS BLOB)"),
        ("hec_case", "CAST(hec_case AS BLOB)"),
        ("channel", "CAST(channel AS BLOB)"),
    ]
)


def table(directory: Path) -> list[tuple[object, ...]]:
    """Every row of the events table: each column's bytes (or integer) and its SQLite type."""
    with sqlite3.connect(directory / "events.sqlite3") as db:
        return db.execute(f"SELECT {COLUMNS} FROM events ORDER BY seq").fetchall()


def compiled_takes(groups: Sequence[Sequence[StoredEvent]]) -> bool:
    return all(
        plain(event.repository)
        and INT64[0] <= event.timestamp <= INT64[1]
        and all(plain(name) and plain(value) for name, value in event.fields.items())
        for events in groups
        for event in events
    )


def insert(store: Store, groups: list[Sequence[StoredEvent]], ingest: int) -> object:
    """What writing one group gives: None, or the exception's type and text (rolled back as
    store._commit does: a bind error of the Python insert leaves its transaction open)."""
    try:
        store._insert(groups, ingest)
    except Exception as exc:
        if store._db.in_transaction:
            store._db.execute("ROLLBACK")
        return type(exc).__name__, str(exc)
    return None


def test_the_store_writes_compiled_rows() -> None:
    assert fastpath.ROW_WRITER is _rowwriter and fastpath.ROWS == "compiled"
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(tmp)
        try:
            assert store._rows is not None and store.rows == "compiled"
        finally:
            store.close()
    memory = Store(None)
    try:
        assert memory._rows is None and memory.rows == "Python (the in-memory store)"
    finally:
        memory.close()


@SETTINGS
@given(FIELDS)
def test_fields_json_is_the_pythons_byte_for_byte(fields: dict[str, str]) -> None:
    text = _rowwriter.fields_json(fields)
    if all(plain(name) and plain(value) for name, value in fields.items()):
        assert text == _fields_json(fields)
    else:
        assert text is None


def test_fields_json_of_every_character() -> None:
    """Each code point once as a name and as a value, in every string width (ASCII, UCS-1, -2, -4)."""
    for start in range(0, 0x110000, 0x1000):
        chars = [chr(c) for c in range(start, start + 0x1000) if not 0xD800 <= c < 0xE000]
        for prefix in ("", "é", "€", "\U0001d11e"):
            fields = {prefix + c: c + prefix for c in chars}
            assert _rowwriter.fields_json(fields) == _fields_json(fields)


@SETTINGS
@given(st.lists(GROUP, min_size=1, max_size=4), st.integers(*INT64))
def test_the_same_tables_as_the_python_insert(groups: list[list[list[StoredEvent]]], ingest: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        python = Store(Path(tmp) / "python", compiled_rows=False)
        compiled = Store(Path(tmp) / "compiled")
        try:
            assert python._rows is None and compiled._rows is not None
            for group in groups:
                taken = _rowwriter.rows(group, ingest)
                assert (taken is not None) == compiled_takes(group)
                assert taken is None or len(taken) == sum(len(events) for events in group)
                assert insert(compiled, list(group), ingest) == insert(python, list(group), ingest)
        finally:
            python.close()
            compiled.close()
        assert table(Path(tmp) / "compiled") == table(Path(tmp) / "python")


def test_a_failing_group_is_rolled_back_whole(tmp_path: Path) -> None:
    store = Store(tmp_path)
    with sqlite3.connect(tmp_path / "events.sqlite3") as db:
        db.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON events WHEN NEW.repository = 'boom'"
            " BEGIN SELECT RAISE(ABORT, 'refused'); END"
        )
    ok = StoredEvent("main", 1000, {"@rawstring": "ok", "hec_case": "m"})
    boom = StoredEvent("boom", 2000, {"@rawstring": "boom"})
    try:
        with pytest.raises(sqlite3.OperationalError, match="refused"):
            store._insert([[ok, ok], [ok, boom, ok]], 5)
        assert table(tmp_path) == []
        store._insert([[ok]], 6)
        assert len(table(tmp_path)) == 1

        async def scenario() -> list[dict[str, object]]:
            with pytest.raises(HecError) as refused:
                await store.append([ok, boom])
            assert (refused.value.status, refused.value.code) == (503, 9)
            assert not store.accepting  # until a commit works again
            await store.append([ok])
            assert store.accepting
            return await store.search("main", [Term("hec_case", "m")], 0, 10_000, 10)

        assert len(asyncio.run(asyncio.wait_for(scenario(), 30))) == 2
    finally:
        store.close()
    assert len(table(tmp_path)) == 2


def test_the_write_turn_is_held_around_the_compiled_transaction(tmp_path: Path) -> None:
    """Another process's write turn (the fcntl lock of --workers) holds the C writer back too."""
    import fcntl

    store = Store(tmp_path)
    turn = os.open(tmp_path / "events.lock", os.O_RDWR)
    fcntl.flock(turn, fcntl.LOCK_EX)
    done = threading.Event()
    writer = threading.Thread(
        target=lambda: (store._insert([[StoredEvent("main", 1, {})]], 1), done.set()), daemon=True
    )
    try:
        writer.start()
        time.sleep(0.3)
        assert not done.is_set() and table(tmp_path) == []
        fcntl.flock(turn, fcntl.LOCK_UN)
        assert done.wait(10)
        assert len(table(tmp_path)) == 1
    finally:
        os.close(turn)
        writer.join(10)
        store.close()


def test_one_sqlite_in_the_process() -> None:
    """The module imported, so it found the SQLite it calls to be the copy Python's _sqlite3 runs:
    one SQLite library is mapped into this process."""
    maps = Path("/proc/self/maps").read_text().splitlines()
    libraries = {line.split()[-1] for line in maps if "libsqlite3" in line}
    assert len(libraries) == 1, libraries


def test_without_the_module_the_store_writes_in_python(tmp_path: Path) -> None:
    """The compiled row writer absent (its import fails): the Python writes, and fastpath.ROWS says why."""
    script = (
        "import sys, asyncio\n"
        "sys.modules['reference_server._rowwriter'] = None\n"
        "from reference_server import fastpath\n"
        "from reference_server.store import Store\n"
        "from reference_server.translate import StoredEvent\n"
        "store = Store(sys.argv[1])\n"
        "asyncio.run(store.append([StoredEvent('main', 5, {'hec_case': 'm'})]))\n"
        "found = asyncio.run(store.search('main', [], 0, 10, 10))\n"
        "store.close()\n"
        "print(fastpath.ROWS, '|', store.rows, '|', len(found))\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("HECC_PURE_PYTHON", "HECC_PYTHON_ROWS")}
    out = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True, env=env, timeout=60
    )
    assert out.returncode == 0, out.stderr
    rows, store_rows, found = out.stdout.strip().split(" | ")
    assert rows.startswith("Python (the compiled row writer is not available: ") and store_rows == rows
    assert found == "1"


@pytest.mark.parametrize(
    ("env", "said"),
    [
        ({}, "per-event path: compiled, rows: compiled)"),
        ({"HECC_PYTHON_ROWS": "1"}, "per-event path: compiled, rows: Python (HECC_PYTHON_ROWS is set))"),
        (
            {"HECC_PURE_PYTHON": "1"},
            "per-event path: pure Python (HECC_PURE_PYTHON is set), rows: Python (HECC_PURE_PYTHON is set))",
        ),
    ],
)
def test_the_start_up_line_names_the_rows_path(
    tmp_path: Path, marker: str, monkeypatch: pytest.MonkeyPatch, env: dict[str, str], said: str
) -> None:
    monkeypatch.delenv("HECC_PURE_PYTHON", raising=False)
    monkeypatch.delenv("HECC_PYTHON_ROWS", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    srv = launch(tmp_path, config=SUITE)
    try:
        fields = {"hec_case": marker, "q": 'é"\x00😀'}
        body = json.dumps(envelope(marker, "k=v", fields=fields), ensure_ascii=False).encode()
        assert answer(srv.post("/services/collector", body)) == OK
        [found] = srv.query(f"hec_case={marker}")
        assert found["q"] == 'é"\x00😀'
    finally:
        assert srv.stop() == 0
    assert said in srv.log.read_text()
