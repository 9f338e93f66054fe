"""HTTPS targets: the CA from the target file, verification on and off, a certificate we do not trust."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme
from suitekit import start_reference_server, write_cases

from hec_conformance import Engine, load_cases, load_catalogue, load_target
from hec_conformance.target import Target, Tls

CASE = """\
  - id: tls-event
    title: an event over HTTPS is stored
    requirements: [EP-1]
    profiles: [humio]
    variants: false
    requests:
      - endpoint: event
        events: [{event: over-tls}]
        expect: {status: 200, body: {code: 0}, events: [{"@rawstring": over-tls}]}
"""


@pytest.fixture(scope="module")
def tls_target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    tmp = tmp_path_factory.mktemp("tls")
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    cert.private_key_and_cert_chain_pem.write_to_path(str(tmp / "server.pem"))
    ca.cert_pem.write_to_path(str(tmp / "ca.pem"))
    server = start_reference_server(
        tmp,
        "humio",
        "suite.yaml",
        "--tls-cert",
        str(tmp / "server.pem"),
        "--tls-key",
        str(tmp / "server.pem"),
        "--tls-ca",
        str(tmp / "ca.pem"),
    )
    yield server.target
    server.stop()


def outcome(target: Target, tmp_path: Path) -> tuple[str, tuple[str, ...]]:
    (case,) = load_cases([write_cases(tmp_path / "c", "tls", CASE)])
    engine = Engine(target, load_catalogue(), readback_timeout=5)
    try:
        result = engine.run(case)
    finally:
        engine.close()
    return result.outcome, result.messages


def test_https_with_the_ca_of_the_target_file(tls_target: Path, tmp_path: Path) -> None:
    target = load_target(tls_target)
    assert target.url.startswith("https://") and target.tls.ca is not None
    assert outcome(target, tmp_path) == ("pass", ())


def test_an_untrusted_certificate_is_a_harness_error_unless_verify_is_off(
    tls_target: Path, tmp_path: Path
) -> None:
    target = load_target(tls_target)
    untrusted = dataclasses.replace(target, tls=Tls(verify=True))
    result, messages = outcome(untrusted, tmp_path)
    assert result == "error" and "CERTIFICATE_VERIFY_FAILED" in messages[0]
    assert outcome(dataclasses.replace(target, tls=Tls(verify=False)), tmp_path) == ("pass", ())
