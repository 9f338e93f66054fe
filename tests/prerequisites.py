"""What some tests need from outside the Python environment: programs, the npm client, shared/ files.

A test declares them with `@pytest.mark.needs(CHROMIUM, ...)` (checked before its fixtures run, by
tests/conftest.py) and gets a path with `need(CHROMIUM)`. When one is absent the test is skipped, and all
tests lacking it share one summary line naming it and how to get it; with CI=true it fails instead
(`.ci/run` installs everything), so CI can never pass by skipping.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
NODE_PREFIX = Path(os.environ.get("HECC_NODE_PREFIX") or Path.home() / ".cache" / "hecc-node")


@dataclass(frozen=True)
class Prerequisite:
    """Something a test needs, how to get it, and where it is on this machine (None: absent)."""

    name: str
    how: str
    locate: Callable[[], Path | None]


def _program(name: str) -> Callable[[], Path | None]:
    return lambda: Path(found) if (found := shutil.which(name)) else None


def _existing(where: Callable[[], Path]) -> Callable[[], Path | None]:
    return lambda: path if (path := where()).exists() else None


def _spec() -> Path:
    return Path(os.environ.get("HECC_SPEC") or REPO.parent / "shared" / "SPEC.md")


CHROMIUM = Prerequisite("chromium", "apt-get install chromium", _program("chromium"))
WRK = Prerequisite("wrk", "apt-get install wrk", _program("wrk"))
CURL = Prerequisite("curl", "apt-get install curl", _program("curl"))
NODE = Prerequisite("node", "apt-get install nodejs npm", _program("node"))
SPLUNK_LOGGING = Prerequisite(
    "the npm client splunk-logging",
    f"npm install --prefix {NODE_PREFIX} splunk-logging@0.11.1 (or set HECC_NODE_PREFIX)",
    _existing(lambda: NODE_PREFIX / "node_modules" / "splunk-logging"),
)
SPEC = Prerequisite(
    "SPEC.md", "kept in shared/ beside the repository; or set HECC_SPEC=/path/to/SPEC.md", _existing(_spec)
)
SQLITE_HEADERS = Prerequisite(
    "the SQLite headers (sqlite3.h), to build the compiled row writer",
    "apt-get install libsqlite3-dev, then pip install -e . again",
    lambda: next(
        (h for h in (Path("/usr/include/sqlite3.h"), Path("/usr/local/include/sqlite3.h")) if h.exists()),
        None,
    ),
)
SHARED_CAPTURES = Prerequisite(
    "the shared captures",
    "kept in shared/captures/ beside the repository",
    _existing(lambda: REPO.parent / "shared" / "captures"),
)


def in_ci() -> bool:
    """CI=true: a missing prerequisite fails the test."""
    return os.environ.get("CI", "").lower() == "true"


def need(prerequisite: Prerequisite) -> Path:
    """Its path on this machine; skip the calling test (fail it under CI=true) when it is absent."""
    found = prerequisite.locate()
    if found is not None:
        return found
    message = f"needs {prerequisite.name}: {prerequisite.how}"
    if in_ci():
        pytest.fail(f"{message} (CI=true: a missing prerequisite is a failure)", pytrace=False)
    # Justified skip (issue 11): outside CI a machine without the program still runs every other test,
    # with one line naming what is missing and how to install it; under CI=true (above) it is a failure.
    pytest.skip(message)
