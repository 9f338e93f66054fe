"""The case model: it holds the whole request format (nothing lost between the YAML and the engine),
and its rules for profiles, null values and per-check requirement ids."""

from __future__ import annotations

from hec_conformance.corpus import Expect, load_cases
from hec_conformance.corpus.loader import parse_expect, parse_request
from hec_conformance.corpus.model import NOT_GIVEN
from hec_conformance.corpus.yamlsource import read_yaml


def test_every_corpus_request_is_held_whole_by_the_model():
    """`given()` gives back each request exactly as the case file writes it, and parsing that again
    gives the same model: what capture and fuzz write with it is the format the loader reads."""
    cases = load_cases()
    written = {}
    for path in {case.file for case in cases}:
        for data in read_yaml(path.read_text("utf-8")).data["cases"]:
            written[data["id"]] = data["requests"]
    compared = 0
    for case in cases:
        for request, data in zip(case.requests, written[case.id], strict=True):
            assert request.given() == data, case.id
            assert parse_request(request.given()) == request, case.id
            compared += 1
    assert compared > 500


def test_expect_by_profile_replaces_only_the_keys_it_writes():
    request = parse_request(
        {
            "endpoint": "event",
            "expect": {"status": 200, "body": {"code": 0}, "stored": 1},
            "expect_by_profile": {"splunk": {"status": [400, 403], "stored": 0}},
        }
    )
    assert request.expect_for("humio") == Expect(status=(200,), body={"code": 0}, stored=1)
    assert request.expect_for("splunk") == Expect(status=(400, 403), body={"code": 0}, stored=0)
    assert request.expect_for("splunk").count == 0
    assert parse_request({"endpoint": "event"}).expect_for("humio") == Expect()


def test_null_is_a_value_where_the_format_gives_it_one():
    assert parse_request({"endpoint": "event", "content_type": None}).content_type is None
    assert parse_request({"endpoint": "event"}).content_type is NOT_GIVEN
    assert parse_expect({"body": None}).body is None and parse_expect({"status": 200}).body is NOT_GIVEN
    assert parse_expect({"body": None}).given() == {"body": None}
    assert parse_request({"endpoint": "event", "content_type": None}).given() == {
        "endpoint": "event",
        "content_type": None,
    }


def test_requirement_ids_per_check():
    assert parse_expect({"status": 200}).requirements is None
    assert parse_expect({"status": 200, "requirements": ["ORD-1"]}).requirements == ("ORD-1",)
    by_check = parse_expect({"status": 200, "requirements": {"status": ["ORD-1"], "body.code": ["BODY-12"]}})
    assert by_check.requirements == {"status": ("ORD-1",), "body.code": ("BODY-12",)}
    assert by_check.given()["requirements"] == {"status": ["ORD-1"], "body.code": ["BODY-12"]}
