"""schemas/target.schema.json accepts the documented target files and rejects malformed ones."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

ROOT = Path(__file__).resolve().parents[2]
VALIDATOR = Draft202012Validator(
    json.loads((ROOT / "hec_conformance/schemas/target.schema.json").read_text())
)
DOC_BLOCKS = re.findall(r"^```yaml\n(.*?)^```", (ROOT / "docs/targets.md").read_text("utf-8"), re.M | re.S)
MINIMAL = {"url": "http://127.0.0.1:8088", "tokens": {"default": {"token": "t"}}}


def errors(document):
    return [(list(e.absolute_path), e.validator) for e in VALIDATOR.iter_errors(document)]


def test_schema_is_valid_2020_12():
    Draft202012Validator.check_schema(VALIDATOR.schema)


def test_documented_example_is_valid():
    assert DOC_BLOCKS
    for block in DOC_BLOCKS:
        assert errors(yaml.safe_load(block)) == []


@pytest.mark.parametrize(
    "readback",
    [
        {"kind": "none"},
        {"kind": "logscale-query", "url": "https://h:8088", "token": "r"},
        {"kind": "command", "command": ["./fetch-events", "{marker_field}", "{marker}"]},
    ],
)
def test_each_readback_kind(readback):
    assert errors({**MINIMAL, "readback": readback}) == []


@pytest.mark.parametrize(
    ("change", "path", "validator"),
    [
        ({"url": "hec.example.com:8088"}, ["url"], "pattern"),
        ({"url": "http://h/?x=1"}, ["url"], "pattern"),
        ({"profile": "elastic"}, ["profile"], "enum"),
        ({"capabilities": ["raw", "rawr"]}, ["capabilities", 1], "enum"),
        ({"marker_field": "@hec_case"}, ["marker_field"], "pattern"),
        ({"tokens": {}}, ["tokens"], "required"),
        (
            {"tokens": {"default": {"token": "t"}, "otherrepo": {"token": "u"}}},
            ["tokens"],
            "additionalProperties",
        ),
        ({"tokens": {"default": {"tok": "t"}}}, ["tokens", "default"], "required"),
        ({"readback": {"kind": "none", "token": "x"}}, ["readback"], "additionalProperties"),
        ({"readback": {"kind": "command"}}, ["readback"], "required"),
        ({"readback": {"kind": "sql"}}, ["readback", "kind"], "enum"),
        ({"tls": {"verify": "yes"}}, ["tls", "verify"], "type"),
        ({"timeouts": 5}, [], "additionalProperties"),
        ({"limits": {"max_request_bytes": 0}}, ["limits", "max_request_bytes"], "minimum"),
        (
            {"limits": {"max_pending_acks_per_channel": "20"}},
            ["limits", "max_pending_acks_per_channel"],
            "type",
        ),
        ({"limits": {"max_pending_ack_per_channel": 5}}, ["limits"], "additionalProperties"),
    ],
)
def test_malformed_targets(change, path, validator):
    assert (path, validator) in errors({**MINIMAL, **change})
