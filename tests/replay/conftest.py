"""Fixtures of the replay tests: one reference server per session for tests that correlate by marker."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from replaykit import RunningServer, start_reference_server


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """A reference server (suite.yaml, humio) shared by tests that read back by their own markers."""
    running = start_reference_server(tmp_path_factory.mktemp("replay-ref"))
    yield running
    running.stop()
