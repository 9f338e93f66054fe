"""The collector and results files: schema-valid documents, scrubbed secrets, clear errors on bad files."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from reportkit import TOKEN, collector, document, stream

from hec_conformance.reports import ResultsError, load_results, render_json, validate, write_reports
from hec_conformance.results import CaseFinished, CaseStarted, Check, CheckResult, EventsRead, RequestSent


def test_document_is_valid_and_counts_reported_outcomes() -> None:
    doc = validate(document())
    assert doc["counts"] == {
        "pass": 2,
        "fail": 2,
        "warn": 0,
        "info": 1,
        "unsupported": 2,
        "waived": 2,
        "error": 1,
    }
    assert doc["verdict"] == {
        "fail_on": "must",
        "conforms": False,
        "failing": 3,
        "waived": 2,
        "stale_waivers": 1,
        "expired_waivers": 1,
    }
    assert [r["id"] for r in doc["requirements"] if r["level"] is None] == ["SPL-1"]


def test_fail_on_may_turns_info_into_a_failure() -> None:
    assert document("may")["verdict"]["failing"] == 4


def test_every_case_names_its_content_hash_and_exchanges() -> None:
    doc = document()
    case2 = next(c for c in doc["cases"] if c["id"] == "case-2")
    assert case2["content_hash"] == f"{2:064x}"
    assert case2["exchanges"][0]["readback"]["events"] == [{"@rawstring": "b", "@timestamp": 1000}]
    assert case2["exchanges"][0]["response"]["status"] == 200
    binary = next(c for c in doc["cases"] if c["id"] == "case-8")["exchanges"][0]["request"]["body"]
    assert binary == {"base64": "H4sIAGJpbmFyeQ==", "length": 10}


def test_secrets_are_scrubbed_everywhere() -> None:
    text = json.dumps(document())
    assert TOKEN not in text
    assert "Invalid token ***" in text and "query with *** refused" in text
    assert "user" not in text  # user info of the URL dropped


def test_secret_inside_a_binary_body_is_scrubbed_before_encoding() -> None:
    c = collector()
    c(CaseStarted("case-1", "base", "cases/event.yaml", ("EVT-1",), "MUST"))
    c(RequestSent("case-1", "base", 0, "POST", "/x", (), b"\xff" + TOKEN.encode(), "m", 0))
    body = c.document()["cases"][0]["exchanges"][0]["request"]["body"]
    assert "base64" in body and TOKEN.encode() not in base64.b64decode(body["base64"])


def test_a_case_that_never_finished_is_a_harness_error() -> None:
    c = collector()
    for event in stream()[:3]:  # run started, case-1 started, its request
        c(event)
    (case,) = c.document()["cases"]
    assert (case["id"], case["outcome"]) == ("case-1", "error")
    assert "never finished" in case["messages"][0]


def test_long_stored_strings_are_cut_like_bodies() -> None:
    c = collector()
    c(CaseStarted("case-1", "base", "cases/event.yaml", ("EVT-1",), "MUST"))
    c(EventsRead("case-1", "base", 0, "main", "q", ({"@rawstring": "x" * 10000},), 1))
    event = c.document()["cases"][0]["exchanges"][0]["readback"]["events"][0]
    assert event["@rawstring"] == "x" * 4096 + "... (10000 characters in all)"


def test_nan_and_infinity_from_the_target_stay_strict_json() -> None:
    c = collector()
    c(CaseStarted("case-1", "base", "cases/event.yaml", ("EVT-1",), "MUST"))
    c(EventsRead("case-1", "base", 0, "main", "q", ({"t": float("nan"), "u": [float("-inf")]},), 1))
    c(
        CaseFinished(
            "case-1",
            "base",
            "cases/event.yaml",
            "fail",
            ("EVT-1",),
            "MUST",
            checks=(
                Check(
                    0,
                    "stored-field",
                    "events[0].t",
                    ("EVT-1",),
                    None,
                    CheckResult.FAIL,
                    1.5,
                    float("inf"),
                    "not equal",
                ),
            ),
        )
    )
    doc = c.document()
    json.dumps(doc, allow_nan=False)
    assert doc["cases"][0]["exchanges"][0]["readback"]["events"] == [{"t": "NaN", "u": ["-Infinity"]}]
    assert doc["cases"][0]["checks"][0]["actual"] == "Infinity"


def test_write_and_load_round_trip(tmp_path: Path) -> None:
    written = write_reports(document(), tmp_path)
    assert sorted(p.name for p in written) == [
        "badge-may.json",
        "badge-must.json",
        "badge-should.json",
        "junit.xml",
        "report.html",
        "results.json",
    ]
    assert load_results(tmp_path / "results.json") == document()


def test_a_lone_surrogate_in_a_stored_event_is_written_escaped(tmp_path: Path) -> None:
    """A read-back event may hold a lone surrogate (a target storing `\\udc80` as it came): the report
    files are still written whole, the surrogate as its JSON escape."""
    c = collector()
    c(CaseStarted("case-1", "base", "cases/event.yaml", ("EVT-1",), "MUST"))
    c(EventsRead("case-1", "base", 0, "main", "q", ({"@rawstring": "bad \udc80 here"},), 1))
    c(CaseFinished("case-1", "base", "cases/event.yaml", "pass", ("EVT-1",), "MUST"))
    write_reports(c.document(), tmp_path)
    doc = load_results(tmp_path / "results.json")
    assert doc["cases"][0]["exchanges"][0]["readback"]["events"] == [{"@rawstring": "bad \udc80 here"}]
    assert "bad \\udc80 here" in (tmp_path / "report.html").read_text("utf-8")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "not JSON"),
        ("[]", "(top level): [] is not of type 'object'"),
        (None, "cases.0.outcome: 'great' is not one of"),
    ],
)
def test_bad_results_files_name_the_key(tmp_path: Path, text: str | None, message: str) -> None:
    if text is None:
        doc = document()
        doc["cases"][0]["outcome"] = "great"
        text = render_json(doc)
    path = tmp_path / "results.json"
    path.write_text(text, "utf-8")
    with pytest.raises(ResultsError) as info:
        load_results(path)
    assert message in str(info.value)


def test_missing_results_file(tmp_path: Path) -> None:
    with pytest.raises(ResultsError, match="cannot read the results file"):
        load_results(tmp_path / "nope.json")
