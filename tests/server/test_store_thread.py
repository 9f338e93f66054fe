"""The store's one database thread survives a failing job: those requests get the error, the next ones
are stored (a real SQLite file; the failing job is an event whose field is no string, which no
translation produces, standing in for any bug)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from reference_server.query import Term
from reference_server.store import Store
from reference_server.translate import StoredEvent


def test_a_failing_write_is_answered_and_the_next_one_is_stored(tmp_path: Path) -> None:
    store = Store(tmp_path)

    async def scenario() -> list[dict[str, object]]:
        with pytest.raises(TypeError):
            await store.append([StoredEvent("main", 1000, {"@rawstring": "bad", "k": object()})])  # type: ignore[dict-item]
        await store.append([StoredEvent("main", 2000, {"@rawstring": "good", "hec_case": "m"})])
        return await store.search("main", [Term("hec_case", "m")], 0, 10_000, 10)

    try:
        stored = asyncio.run(asyncio.wait_for(scenario(), 30))
        assert store.accepting
    finally:
        store.close()
    assert [event["@rawstring"] for event in stored] == ["good"]
    reopened = Store(tmp_path)
    try:
        everything = asyncio.run(asyncio.wait_for(reopened.search("main", [], 0, 10_000, 10), 30))
    finally:
        reopened.close()
    assert [event["@rawstring"] for event in everything] == ["good"]  # nothing of the failed job
