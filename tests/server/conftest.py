"""Session servers for the HTTP tests (helpers live in serverkit.py)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from serverkit import ALL_CAPS, SUITE, TIGHT, Server, launch


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "spec(*ids, profile): the SPEC ids this test checks, in profile 'humio' or 'splunk' (or a tuple "
        "of both); test_spec_coverage.py fails for any id x profile of requirements.yaml without one",
    )


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """suite.yaml, humio profile, capabilities [basic-auth]."""
    s = launch(tmp_path_factory.mktemp("suite"), config=SUITE)
    yield s
    s.stop()


@pytest.fixture(scope="session")
def caps_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """suite-all-caps.yaml: query-string-auth, change-repo-on-events and basic-auth on."""
    s = launch(tmp_path_factory.mktemp("caps"), config=ALL_CAPS)
    yield s
    s.stop()


@pytest.fixture(scope="session")
def splunk_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """suite.yaml with --profile splunk."""
    s = launch(tmp_path_factory.mktemp("splunk"), "--profile", "splunk", config=SUITE)
    yield s
    s.stop()


@pytest.fixture
def marker() -> str:
    return uuid.uuid4().hex


@pytest.fixture(scope="session")
def tight_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Small limits: 1000-byte bodies, 2 s for headers and 2 s for a body, 2 ack channels, 3 pending acks."""
    s = launch(tmp_path_factory.mktemp("tight"), config=TIGHT)
    yield s
    s.stop()
