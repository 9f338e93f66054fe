"""The configuration file: schema errors name the key and the YAML line; cross-reference checks."""

from __future__ import annotations

import pytest
from serverkit import ALL_CAPS, SUITE

from reference_server.config import ConfigError, Limits, load_config, parse_config

GOOD = """\
repositories: [main, audit]
tokens:
  - {token: t1, repository: main}
  - token: t2
    repository: audit
    parser: access
read_tokens: [r1]
parsers:
  - {name: access, regex: '^(?<client>\\\\S+)'}
"""


def error_of(text: str) -> str:
    with pytest.raises(ConfigError) as info:
        parse_config(text, "cfg.yaml")
    return str(info.value)


def test_good_config_and_defaults():
    config = parse_config(GOOD)
    assert config.profile == "humio" and config.repositories == ("main", "audit")
    assert [(t.token, t.enabled, t.ack, t.parser) for t in config.tokens] == [
        ("t1", True, False, None),
        ("t2", True, False, "access"),
    ]
    assert config.limits == Limits() and config.limits.max_request_bytes == 33554432
    assert config.all_capabilities() == ["raw", "health", "ack", "gzip", "json-array-batch", "readback"]


def test_shipped_configs_load():
    suite = load_config(SUITE)
    assert {t.role for t in suite.tokens} == {
        "default",
        "other_repo",
        "disabled",
        "ack",
        "json_parser",
        "regex_parser",
    }
    assert suite.capabilities == {"basic-auth"}
    all_caps = load_config(ALL_CAPS)
    assert all_caps.capabilities == {"basic-auth", "query-string-auth", "change-repo-on-events"}
    assert suite.limits.max_pending_acks_per_channel == all_caps.limits.max_pending_acks_per_channel == 20
    assert Limits().max_pending_acks_per_channel == 1_000_000


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (GOOD + "colour: blue\n", "cfg.yaml:10: colour: unknown key"),
        (
            GOOD.replace("    parser: access", "    parser: access\n    ack: yes please"),
            "cfg.yaml:7: tokens[1].ack: 'yes please' is not of type 'boolean'",
        ),
        (
            GOOD.replace("repository: audit", "repository: nowhere"),
            "cfg.yaml:5: tokens[1].repository: unknown repository",
        ),
        (GOOD.replace("parser: access", "parser: csv"), "cfg.yaml:6: tokens[1].parser: unknown parser 'csv'"),
        (GOOD.replace("{token: t1,", "{token: t2,"), "cfg.yaml:4: tokens[1].token: duplicate token"),
        (
            GOOD.replace("read_tokens: [r1]", "read_tokens: [t1]"),
            "cfg.yaml:7: read_tokens[0]: a read token must",
        ),
        (
            GOOD.replace("'^(?<client>\\\\S+)'", "'(unclosed'"),
            "cfg.yaml:9: parsers[0].regex: parser 'access': invalid",
        ),
        (GOOD.replace("name: access", "name: json"), "cfg.yaml:9: parsers[0].name: the parser name 'json'"),
        (GOOD + "profile: elastic\n", "cfg.yaml:10: profile: 'elastic' is not one of"),
        (GOOD + "capabilities: [raw]\n", "cfg.yaml:10: capabilities[0]: 'raw' is not one of"),
        (GOOD + "limits:\n  max_request_bytes: 0\n", "cfg.yaml:11: limits.max_request_bytes: 0 is less than"),
        (GOOD + "limits:\n  max_requests: 5\n", "cfg.yaml:11: limits.max_requests: unknown key"),
        (
            GOOD + "limits:\n  max_pending_acks_per_channel: 0\n",
            "cfg.yaml:11: limits.max_pending_acks_per_channel: 0 is less than",
        ),
        (
            GOOD.replace("  - {token: t1, repository: main}\n", "  - {token: t1}\n"),
            "cfg.yaml:3: tokens[0]: 'repository' is a required property",
        ),
        ("tokens: [\n", "cfg.yaml:2: invalid YAML"),
        ("- a list\n", "cfg.yaml:1: (top level): ['a list'] is not of type 'object'"),
    ],
)
def test_errors_name_key_and_line(text, expected):
    assert error_of(text).startswith(expected)


def test_unreadable_file(tmp_path):
    with pytest.raises(ConfigError, match="cannot read config"):
        load_config(tmp_path / "missing.yaml")
