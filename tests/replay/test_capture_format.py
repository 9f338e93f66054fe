"""The capture format: schema, byte-exact bodies, token roles in and out, imports, clear errors."""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from prerequisites import SHARED_CAPTURES, need
from replaykit import ROOT, exchange_line, hecc, write_lines

from hec_conformance.replay.capture import Exchange, exchange_from_json
from hec_conformance.replay.importers import import_file
from hec_conformance.replay.roles import RoleNamer, fill, redact

SCHEMA = json.loads((ROOT / "hec_conformance" / "schemas" / "capture.schema.json").read_text())


@pytest.mark.needs(SHARED_CAPTURES)
def test_every_imported_shared_capture_matches_the_schema() -> None:
    validator = jsonschema.Draft202012Validator(SCHEMA)
    dumps = sorted(need(SHARED_CAPTURES).glob("*.raw"))
    assert len(dumps) >= 6
    for dump in dumps:
        for exchange in import_file(dump, RoleNamer()):
            line = json.loads(json.dumps(exchange.to_json()))
            assert not list(validator.iter_errors(line)), (dump.name, line)
            assert exchange_from_json(line, "x") == exchange  # the line reads back to the same exchange


def test_bodies_are_text_only_when_utf8_and_not_compressed() -> None:
    def body(data: bytes, *headers: tuple[str, str]) -> dict[str, str]:
        return Exchange(1, 0, "POST", "/services/collector", None, headers, data).to_json()["body"]

    assert body("é {}".encode()) == {"text": "é {}"}
    packed = gzip.compress(b'{"event":"x"}')
    assert body(packed, ("content-encoding", "GZIP")) == {"base64": base64.b64encode(packed).decode()}
    assert body(b"\xff\xfe") == {"base64": "//4="}


def test_credentials_become_roles_and_come_back_exactly() -> None:
    namer = RoleNamer({"known-ack-token": "ack"})
    basic = "Basic " + base64.b64encode(b"anyone:secret-b").decode()
    headers = (
        ("Authorization", "Splunk  secret-a "),
        ("authorization", "bearer known-ack-token"),
        ("Authorization", basic),
        ("X-Other", "Splunk not-a-credential"),
    )
    redacted, query = redact(headers, "token=secret-c&channel=1", namer)
    assert redacted == (
        ("Authorization", "Splunk  ${token:default} "),
        ("authorization", "bearer ${token:ack}"),
        ("Authorization", "Basic ${basic:token-2:anyone}"),
        ("X-Other", "Splunk not-a-credential"),
    )
    assert query == "token=${token:token-3}&channel=1"
    tokens = {"default": "secret-a", "ack": "known-ack-token", "token-2": "secret-b", "token-3": "secret-c"}
    assert fill(redacted, query, tokens) == (headers, "token=secret-c&channel=1")


def test_chunked_raw_dump_and_keep_secrets(tmp_path: Path) -> None:
    dump = tmp_path / "chunked.raw"
    dump.write_bytes(
        b"POST /services/collector/raw?channel=abc HTTP/1.1\r\nHost: h\r\nAuthorization: Splunk t0k\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n5\r\nline1\r\n6\r\n\nline2\r\n0\r\n\r\n"
        b"GET /services/collector/health HTTP/1.1\r\nHost: h\r\n\r\n"
    )
    out = tmp_path / "c.jsonl"
    done = hecc("capture", "import", str(dump), "--out", str(out), "--keep-secrets")
    assert done.returncode == 0, done.stderr
    first, second = (json.loads(line) for line in out.read_text().splitlines())
    assert first["body"] == {"text": "line1\nline2"} and first["query"] == "channel=abc"
    assert ["Authorization", "Splunk t0k"] in first["headers"]
    assert all(name.lower() != "transfer-encoding" for name, _ in first["headers"])
    assert (second["method"], second["path"], second["body"]) == (
        "GET",
        "/services/collector/health",
        {"text": ""},
    )


def test_bad_input_is_one_clear_line(tmp_path: Path) -> None:
    target = tmp_path / "t.yaml"
    target.write_text(yaml.safe_dump({"url": "http://127.0.0.1:9", "tokens": {"default": {"token": "x"}}}))
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(exchange_line(1, 0, "/services/collector", "{}")) + "\n{not json\n")
    for args in (
        ("replay", str(bad), "--target", str(target), "--speed", "max"),
        ("replay", str(tmp_path / "missing.jsonl"), "--target", str(target)),
        ("replay", str(bad), "--target", str(target), "--readback"),
        ("capture", "curl", str(bad)),
        ("capture", "import", str(tmp_path / "missing.raw"), "--out", str(tmp_path / "o.jsonl")),
    ):
        done = hecc(*args)
        assert done.returncode == 2, (args, done.stdout, done.stderr)
        assert done.stderr.startswith("hecc: ") and "Traceback" not in done.stderr, done.stderr
    assert f"{bad}:2: not JSON" in hecc("capture", "curl", str(bad)).stderr
    unanswered = write_lines(tmp_path / "u.jsonl", [exchange_line(1, 0, "/services/collector", "{}")])
    done = hecc("capture", "to-cases", str(unanswered), "--out", str(tmp_path / "recorded.yaml"))
    assert done.returncode == 2 and "no request of the capture has a recorded answer" in done.stderr


def test_every_command_has_help() -> None:
    for command in (
        ("record",),
        ("replay",),
        ("capture",),
        ("capture", "import"),
        ("capture", "curl"),
        ("capture", "to-cases"),
    ):
        done = hecc(*command, "--help")
        assert done.returncode == 0 and "usage: hecc" in done.stdout, (command, done.stderr)
