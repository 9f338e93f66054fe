"""Fixtures of the fuzzing tests: one real reference server per session (tests/suite/suitekit.py)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "suite"))

from fuzzkit import Hec  # noqa: E402
from suitekit import start_reference_server  # noqa: E402


@pytest.fixture(scope="session")
def reference_target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The target file of a running reference server (suite.yaml, humio)."""
    server = start_reference_server(tmp_path_factory.mktemp("fuzz-refserver"))
    yield server.target
    server.stop()


@pytest.fixture(scope="session")
def hec(reference_target: Path) -> Iterator[Hec]:
    """A client of that server: send bodies, read events back by marker."""
    client = Hec(reference_target)
    yield client
    client.close()
