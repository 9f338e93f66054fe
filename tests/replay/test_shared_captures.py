"""Every real client capture in shared/captures imports, replays against the reference server, is
answered as SPEC says, and stores what SPEC says (read back per request with --mark)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from prerequisites import SHARED_CAPTURES, need
from replaykit import RunningServer, hecc, query, replay_json

from hec_conformance.replay.marking import Channels

CHANNEL = "11111111-2222-3333-4444-555555555555"
OK, HEALTHY, ACK_DISABLED = (200, 0), (200, 17), (400, 14)

# Answers per request in capture order, written from SPEC (default token: no acknowledgement, humio).
ANSWERS = {
    "fluent-bit-5.1.1-out_splunk-event": [OK],  # EP-2, BODY-2
    "node-splunk-logging": [OK, OK, OK],  # EP-2, BODY-7 (form content type)
    "py-python-splunk-logging": [OK, ACK_DISABLED, OK, ACK_DISABLED, OK, OK],  # ACK-4
    "py-splunk-data-sender": [HEALTHY, OK, OK, ACK_DISABLED, OK],  # EP-4, BODY-8, ACK-4, RAW-4
    "py-splunk-handler": [OK],  # BODY-2, TIME-1
    "syslog-ng-3.38-http": [OK, OK, OK, OK, OK, OK],  # RAW-1, SPL-1, BODY-1
}

# Stored events (partial), by the request's marker (events) or channel (raw), from SPEC §4 and §7.
STORED: dict[str, list[tuple[int | str, list[dict[str, Any]]]]] = {
    "py-splunk-handler": [
        (
            1,
            [
                {
                    "@rawstring": "hello from splunk-handler 1",
                    "@timestamp": 1795707054025,
                    "@host": "capture-host",
                    "@source": "drive.py",
                    "#type": "text",
                },
                {"@rawstring": "hello from splunk-handler 2 with unicode é中", "@timestamp": 1795707054025},
                {"@rawstring": "{'k': 'dict message', 'n': 3}", "@timestamp": 1795707054025},
            ],
        )
    ],
    "fluent-bit-5.1.1-out_splunk-event": [
        (
            1,
            [
                {"@timestamp": 1795707681905, "message": "hello from fluent-bit", "level": "info", "n": "1"},
                {"@timestamp": 1795707681987},
                {"@timestamp": 1795707682087},
            ],
        )
    ],
    "syslog-ng-3.38-http": [
        (
            CHANNEL,
            [
                {"@rawstring": "first line from syslog-ng", "#type": "syslog", "@host": "capture-host"},
                {"@rawstring": 'second line with "quotes" and unicode é'},
                {"@rawstring": "third line"},
                {"@rawstring": "fourth line"},
            ],
        ),
        (
            6,
            [
                {
                    "@rawstring": "fourth line",
                    "facility": "user",
                    "@source": "syslog-ng",
                    "@timestamp": 1795707137000,
                }
            ],
        ),
    ],
    "py-splunk-data-sender": [
        (
            2,
            [
                {"@rawstring": "first", "#type": "generic_single_line", "@timestamp": 1795707063481},
                {"event": "second", "sourcetype": "custom"},
                {"k": "third"},
            ],
        ),
        (
            CHANNEL,
            [
                {
                    "@rawstring": '{"event": "raw via url channel", "host": "capture-host", "index": "main", '
                    '"source": "Splunk data sender", "sourcetype": "generic_single_line", '
                    '"time": 1795707063.4855418}'
                }
            ],
        ),
    ],
    "node-splunk-logging": [
        (3, [{"message": "event via explicit path in url", "severity": "info", "@timestamp": 1795707111378}])
    ],
    "py-python-splunk-logging": [
        (
            5,
            [
                {"@rawstring": "{}", "@host": "capture-host", "@timestamp": 1795707060765},
                {"@timestamp": 1795707060766},
                {"@timestamp": 1795707060766},
            ],
        )
    ],
}


def _answers(saved: Path) -> list[tuple[int, int]]:
    lines = [json.loads(line) for line in saved.read_text().splitlines()]
    assert [line["seq"] for line in lines] == sorted(line["seq"] for line in lines), "saved in capture order"
    return [
        (line["response"]["status"], json.loads(line["response"]["body"]["text"])["code"]) for line in lines
    ]


def _partial(want: list[dict[str, Any]], got: list[dict[str, Any]]) -> None:
    assert len(got) == len(want), got
    pool = list(got)
    for item in want:
        match = next((e for e in pool if all(e.get(k) == v for k, v in item.items())), None)
        assert match is not None, (item, got)
        pool.remove(match)


@pytest.mark.needs(SHARED_CAPTURES)
@pytest.mark.parametrize("name", sorted(ANSWERS))
def test_capture_imports_replays_and_stores_as_spec_says(
    name: str, server: RunningServer, tmp_path: Path
) -> None:
    captures = need(SHARED_CAPTURES)
    capture = tmp_path / f"{name}.jsonl"
    done = hecc("capture", "import", str(captures / f"{name}.raw"), "--out", str(capture))
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in capture.read_text().splitlines()]
    recorded = [json.loads(line) for line in (captures / f"{name}.jsonl").read_text().splitlines()]
    assert len(lines) == len(recorded) == len(ANSWERS[name])
    for line, meta in zip(lines, recorded, strict=True):  # body byte-exact, token replaced by its role
        assert line["method"] == meta["method"]
        body = line["body"].get("text", "").encode() if "text" in line["body"] else None
        if body is not None:
            assert body.decode() == (meta["body_text"] or "")
        else:
            assert line["body"]["base64"] == meta["body_b64"]
        auth = [v for k, v in line["headers"] if k.lower() == "authorization"]
        assert auth == ["Splunk ${token:default}"]
        assert "00000000-0000-0000-0000-000000000001" not in json.dumps(line)
    saved = tmp_path / "answers.jsonl"
    rc, summary = replay_json(
        str(capture),
        "--target",
        str(server.target),
        "--speed",
        "max",
        "--mark",
        "--readback",
        "--save",
        str(saved),
    )
    assert rc == 0, summary
    assert summary["differences"] == 0 and summary["answered"] == len(lines)
    assert _answers(saved) == ANSWERS[name]
    channels = Channels(summary["run_id"])
    for key, want in STORED.get(name, []):
        if isinstance(key, int):
            events = query(server, f'hec_case="{summary["run_id"]}-{key}"')
        else:
            events = query(server, f'channel="{channels.of(key)}"')
        _partial(want, events)
