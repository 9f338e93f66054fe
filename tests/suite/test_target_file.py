"""Target files: ${ENV} expansion, errors naming the key, schema checks, paths, the annotated example."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
import yaml
from suitekit import hecc, start_reference_server

from hec_conformance.target import EXAMPLE, TargetError, load_target, parse_target

MINIMAL = 'url: http://127.0.0.1:8088\ntokens:\n  default: {token: "${HEC_TOKEN}", repository: main}\n'


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "target.yaml"
    path.write_text(text, "utf-8")
    return path


def test_env_expansion_and_defaults(tmp_path: Path) -> None:
    target = load_target(write(tmp_path, MINIMAL), env={"HEC_TOKEN": "s3cret"})
    assert target.tokens["default"].token == "s3cret"
    assert (target.profile, target.marker_field, target.readback.kind) == ("humio", "hec_case", "none")
    assert target.capabilities == frozenset() and target.limits == {}
    assert "s3cret" not in repr(target)


def test_declared_limits(tmp_path: Path) -> None:
    text = MINIMAL + "limits: {max_pending_acks_per_channel: 20, max_request_bytes: 1048576}\n"
    target = load_target(write(tmp_path, text), env={"HEC_TOKEN": "t"})
    assert target.limits == {"max_pending_acks_per_channel": 20, "max_request_bytes": 1048576}
    with pytest.raises(TargetError, match=r":4: limits\.max_pending_ack_per_channel: unknown key"):
        load_target(
            write(tmp_path, MINIMAL + "limits: {max_pending_ack_per_channel: 20}\n"), env={"HEC_TOKEN": "t"}
        )


def test_endpoints_by_kind(tmp_path: Path) -> None:
    text = MINIMAL + "profile: splunk\nendpoints: {event: /services/collector, health: /health}\n"
    target = load_target(write(tmp_path, text), env={"HEC_TOKEN": "t"})
    assert [target.path_for(k) for k in ("event", "raw", "ack", "health")] == [
        "/services/collector",
        "/services/collector/raw",
        "/services/collector/ack",
        "/health",
    ]
    humio = load_target(write(tmp_path, MINIMAL), env={"HEC_TOKEN": "t"})
    assert [humio.path_for("event"), humio.path_for("raw")] == [
        "/api/v1/ingest/hec",
        "/api/v1/ingest/hec/raw",
    ]
    assert dataclasses.replace(humio, profile="splunk").path_for("event") == "/services/collector/event"
    for bad in ("{events: /x}", "{event: services/collector}", "{raw: /raw?channel=x}"):
        with pytest.raises(TargetError, match=r"endpoints"):
            load_target(write(tmp_path, MINIMAL + f"endpoints: {bad}\n"), env={"HEC_TOKEN": "t"})


def test_unset_variable_names_the_key(tmp_path: Path) -> None:
    with pytest.raises(TargetError, match=r"tokens\.default\.token: environment variable HEC_TOKEN is not"):
        load_target(write(tmp_path, MINIMAL), env={})


def test_schema_errors_name_the_key(tmp_path: Path) -> None:
    bad = MINIMAL.replace("url: http://127.0.0.1:8088\n", "url: http://h\nprofile: elastic\n")
    with pytest.raises(TargetError, match="profile"):
        load_target(write(tmp_path, bad), env={"HEC_TOKEN": "t"})
    with pytest.raises(TargetError, match="default"):
        parse_target({"url": "http://h", "tokens": {}}, base_dir=tmp_path, env={})


def test_readback_capability_needs_a_readback(tmp_path: Path) -> None:
    text = MINIMAL + "capabilities: [readback]\n"
    with pytest.raises(TargetError, match="readback"):
        load_target(write(tmp_path, text), env={"HEC_TOKEN": "t"})


def test_unreadable_and_invalid_yaml(tmp_path: Path) -> None:
    with pytest.raises(TargetError, match="cannot read"):
        load_target(tmp_path / "nope.yaml")
    with pytest.raises(TargetError, match=r"target\.yaml:2: YAML syntax"):
        load_target(write(tmp_path, "url: [unclosed\n"))
    with pytest.raises(TargetError, match="mapping"):
        load_target(write(tmp_path, "- just a list\n"))


def test_tls_paths_are_relative_to_the_file(tmp_path: Path) -> None:
    text = MINIMAL + "tls: {ca: certs/ca.pem, verify: false}\n"
    target = load_target(write(tmp_path, text), env={"HEC_TOKEN": "t"})
    assert target.tls.ca == tmp_path.resolve() / "certs" / "ca.pem"
    assert target.tls.verify is False


def test_the_example_filled_in_for_hecc_serve_passes_the_whole_corpus(tmp_path: Path) -> None:
    """`hecc target init` then `hecc serve`, the first steps of a new user: with the URL and tokens
    filled in, the template's capabilities are the served ones, so no case fails for a capability
    the template leaves out (issue 11: auth-basic-without-capability failed against it)."""
    server = start_reference_server(tmp_path, "humio", None)
    try:
        served = yaml.safe_load(server.target.read_text("utf-8"))
        assert yaml.safe_load(EXAMPLE)["capabilities"] == served["capabilities"]
        filled = tmp_path / "filled.yaml"
        filled.write_text(EXAMPLE.replace("https://hec.example.com:8088", served["url"]), "utf-8")
        tokens = {
            "HEC_TOKEN": served["tokens"]["default"]["token"],
            "HEC_READ_TOKEN": served["readback"]["token"],
        }
        done = hecc("run", "--target", str(filled), "--report-dir", str(tmp_path / "out"), env=tokens)
    finally:
        server.stop()
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    results = json.loads((tmp_path / "out" / "results.json").read_text("utf-8"))
    outcomes = {c["outcome"] for c in results["cases"] if c["id"] == "auth-basic-without-capability"}
    assert outcomes == {"pass"}


def test_the_example_is_a_valid_target(tmp_path: Path) -> None:
    target = load_target(write(tmp_path, EXAMPLE), env={"HEC_TOKEN": "a", "HEC_READ_TOKEN": "b"})
    assert target.readback.kind == "logscale-query" and target.readback.token == "b"
    assert "readback" in target.capabilities
    assert yaml.safe_load(EXAMPLE)["url"].startswith("https://")
