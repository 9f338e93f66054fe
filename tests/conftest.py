"""What every test directory shares: the `needs` marker (tests/prerequisites.py)."""

from __future__ import annotations

import pytest
from prerequisites import need


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "needs(*prerequisites): programs or files from outside the Python environment"
    )


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Skip (under CI=true: fail) before any fixture runs; every test that lacks the same thing shares
    one summary line (a skip raised in a fixture would give one line per test)."""
    for mark in item.iter_markers("needs"):
        for prerequisite in mark.args:
            need(prerequisite)
