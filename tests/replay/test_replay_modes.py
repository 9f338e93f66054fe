"""Timing (--speed, --rate/--ramp), answer differences listed with their request, and --against."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml
from replaykit import (
    CountingServer,
    RunningServer,
    exchange_line,
    fresh_server,
    hecc,
    replay_json,
    start_reference_server,
    write_lines,
)

SUCCESS = {
    "status": 200,
    "headers": [["Content-Type", "application/json"]],
    "body": {"text": '{"text":"Success","code":0}'},
}


def _events_capture(path: Path, count: int, gap_ms: float, response: dict | None = None) -> Path:
    return write_lines(
        path,
        [
            exchange_line(
                i + 1,
                i * gap_ms,
                "/services/collector/event",
                json.dumps({"event": f"timed {i}", "time": 1795707000 + i}),
                response=response,
            )
            for i in range(count)
        ],
    )


def test_speed_1_keeps_recorded_offsets_and_speed_2_halves_them(tmp_path: Path) -> None:
    sink = CountingServer()
    try:
        capture = _events_capture(tmp_path / "timed.jsonl", 60, 15.0)  # last offset 885 ms
        target = sink.target_file(tmp_path / "sink.yaml")
        rc, summary = replay_json(str(capture), "--target", str(target), "--speed", "1")
        assert rc == 0, summary
        # loosely: nine requests in ten within 20 ms of their offset on a busy two-core machine
        lag = summary["schedule_lag_ms"]
        assert lag["p50"] <= 5 and lag["p90"] <= 20 and lag["max"] < 500, lag
        assert 0.88 <= summary["seconds"] <= 1.5, summary["seconds"]
        rc, summary = replay_json(str(capture), "--target", str(target), "--speed", "2")
        assert rc == 0 and 0.44 <= summary["seconds"] <= 0.9, summary["seconds"]
        rc, summary = replay_json(str(capture), "--target", str(target), "--rate", "100", "--ramp", "0.4")
        # 20 requests while the rate climbs to 100/s over 0.4 s, then 40 at 100/s: the last is due at 0.79 s
        assert rc == 0 and 0.79 <= summary["seconds"] <= 1.4, summary["seconds"]
        assert summary["latency_ms"]["p50"] <= summary["latency_ms"]["p99"] <= summary["latency_ms"]["max"]
        rc, summary = replay_json(str(capture), "--target", str(target), "--speed", "max", "--processes", "2")
        assert rc == 0 and summary["requests"] == summary["answered"] == 60, summary
        assert sum(sink.bodies.values()) == 240 and set(sink.bodies.values()) == {
            4
        }  # each request once per run
    finally:
        sink.stop()


def test_answer_differences_are_listed_with_their_request(tmp_path: Path, server: RunningServer) -> None:
    capture = _events_capture(tmp_path / "answered.jsonl", 3, 0.0, SUCCESS)
    rc, summary = replay_json(str(capture), "--target", str(server.target), "--speed", "max")
    assert rc == 0 and summary["compared"] == 3 and summary["differences"] == 0, summary
    # The capture's `default` token sent as the target's disabled token: 403 code 1 (AUTH-7), not 200.
    rc, summary = replay_json(
        str(capture), "--target", str(server.target), "--speed", "max", "--role", "default=disabled"
    )
    assert rc == 1
    assert summary["differences_by_class"] == {"status": 3}
    assert {d["seq"] for d in summary["listed"]} == {1, 2, 3}
    assert summary["listed"][0]["request"] == "POST /services/collector/event"
    assert summary["listed"][0]["detail"] == "recorded 200 code 0, replay 403 code 1"
    rc, split = replay_json(
        str(capture),
        "--target",
        str(server.target),
        "--speed",
        "max",
        "--processes",
        "2",
        "--role",
        "default=disabled",
    )
    assert rc == 1 and split["differences_by_class"] == {"status": 3} and split["listed"] == summary["listed"]
    text = hecc(
        "replay", str(capture), "--target", str(server.target), "--speed", "max", "--role", "default=disabled"
    )
    assert (
        text.returncode == 1
        and "#2 status POST /services/collector/event: recorded 200 code 0, replay 403 code 1"
        in " ".join(text.stdout.split())
    ), text.stdout
    missing = hecc("replay", str(capture), "--target", str(server.target), "--role", "default=nobody")
    assert (
        missing.returncode == 2 and missing.stderr.startswith("hecc: ") and "Traceback" not in missing.stderr
    )


def _migration_capture(path: Path) -> Path:
    return write_lines(
        path,
        [
            exchange_line(1, 0, "/services/collector/event", '{"event": "a=1 b=2", "time": 1795707000.5}'),
            exchange_line(2, 1, "/services/collector/event", '{"event": "{\\"k\\": \\"v\\"}"}'),
            exchange_line(3, 2, "/services/collector/raw", "raw line one\nraw line two\n"),
        ],
    )


def test_against_two_equal_targets_finds_nothing(tmp_path: Path) -> None:
    capture = _migration_capture(tmp_path / "migrate.jsonl")
    a, b = fresh_server(tmp_path / "a"), fresh_server(tmp_path / "b")
    try:
        rc, summary = replay_json(
            str(capture),
            "--target",
            str(a.target),
            "--against",
            str(b.target),
            "--speed",
            "max",
            "--mark",
            "--processes",
            "2",
        )
        assert rc == 0 and summary["differences"] == 0 and summary["events"] == 4, summary
        # Without markers: the whole repositories of the two (fresh) targets are compared.
        c, d = fresh_server(tmp_path / "c"), fresh_server(tmp_path / "d")
        try:
            rc, summary = replay_json(
                str(capture), "--target", str(c.target), "--against", str(d.target), "--speed", "max"
            )
            assert rc == 0 and summary["differences"] == 0, summary
        finally:
            c.stop()
            d.stop()
    finally:
        a.stop()
        b.stop()


def test_against_lists_answer_and_stored_differences(tmp_path: Path) -> None:
    capture = _migration_capture(tmp_path / "migrate.jsonl")
    config = yaml.safe_load((Path(__file__).parents[2] / "reference_server/configs/suite.yaml").read_text())
    config["tokens"][0]["parser"] = "json"  # B parses string events as JSON: same answers, other fields
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "json-default.yaml").write_text(yaml.safe_dump(config))
    a = fresh_server(tmp_path / "a")
    b = start_reference_server(tmp_path / "b", config=str(tmp_path / "b" / "json-default.yaml"))
    splunk = fresh_server(tmp_path / "s", profile="splunk")
    try:
        rc, summary = replay_json(
            str(capture), "--target", str(a.target), "--against", str(b.target), "--speed", "max", "--mark"
        )
        assert rc == 1
        by_seq = {d["seq"]: d for d in summary["listed"]}
        assert set(summary["differences_by_class"]) == {"against-stored"}, summary
        assert by_seq[2]["request"] == "POST /services/collector/event" and "k: " in by_seq[2]["detail"]
        # splunk wants a channel on raw (RAW-4): 400 code 10 where humio stored two lines.
        rc, summary = replay_json(
            str(capture), "--target", str(a.target), "--against", str(splunk.target), "--speed", "max"
        )
        assert rc == 1
        assert [
            (d["seq"], d["class"], d["detail"]) for d in summary["listed"] if d["class"] == "against-answer"
        ] == [(3, "against-answer", "200 code 0 vs 400 code 10")]
    finally:
        a.stop()
        b.stop()
        splunk.stop()


def test_an_id_listed_twice_in_one_answer_is_a_stored_difference(tmp_path: Path) -> None:
    """SPEC §9: one read-back answer holding the same `@id` twice is the target's failure, never merged."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "mutants"))
    from mutant_proxy import ProxyMutant
    from mutant_stored import EventsListedTwice

    capture = _events_capture(tmp_path / "one.jsonl", 1, 0.0, SUCCESS)
    server = fresh_server(tmp_path / "a")
    try:
        with ProxyMutant(EventsListedTwice).start(server.target, tmp_path) as target:
            rc, summary = replay_json(
                str(capture), "--target", str(target), "--speed", "max", "--mark", "--readback"
            )
    finally:
        server.stop()
    assert rc == 1, json.dumps(summary)
    assert summary["differences_by_class"] == {"stored": 1}, summary
    (listed,) = summary["listed"]
    assert listed["seq"] == 1 and "@id listed twice in one answer" in listed["detail"], listed
