"""Fixtures of the suite tests: the real reference server, started once per session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from suitekit import start_reference_server


@pytest.fixture(scope="session")
def reference_target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The target file of a reference server (suite.yaml, humio)."""
    server = start_reference_server(tmp_path_factory.mktemp("refserver"))
    yield server.target
    server.stop()
