"""lint() finds each kind of error in a case file and names its file, line and key path."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from hec_conformance.corpus import CorpusError, lint, load_cases

GOOD = """
area: {area}
cases:
  - id: {id}
    title: "a string event is stored verbatim"
    requirements: [EVT-1]
    profiles: [humio]
    requests:
      - endpoint: event
        events:
          - {{event: "hello"}}
        expect:
          status: 200
          events:
            - {{"@rawstring": hello}}
"""


def one(errors):
    assert len(errors) == 1, [str(e) for e in errors]
    return errors[0]


def where(error):
    return error.file.name, error.line, error.key


def test_a_good_file_has_no_error(case_files):
    assert case_files.lint("evt.yaml", GOOD.format(area="evt", id="evt-1")) == []


def test_error_text_names_file_line_key_and_value(case_files, monkeypatch):
    monkeypatch.chdir(case_files.root)
    text = GOOD.format(area="kv", id="kv-1").replace("status: 200", "status: 'two hundred'")
    error = one(case_files.lint("kv.yaml", text))
    assert (
        str(error)
        == "kv.yaml:12: cases[0].requests[0].expect.status: 'two hundred' is not of type 'integer', 'array'"
    )


def test_yaml_syntax_error_gives_its_line(case_files):
    error = one(case_files.lint("x.yaml", "area: x\ncases:\n  - id: a\n    title: [unclosed\n"))
    assert error.file.name == "x.yaml" and error.line >= 4 and error.key == ""
    assert error.message.startswith("YAML syntax:")


def test_duplicate_and_non_string_keys(case_files):
    text = GOOD.format(area="evt", id="evt-1").replace(
        "    profiles: [humio]\n", "    profiles: [humio]\n    title: again\n"
    )
    error = one(case_files.lint("evt.yaml", text))
    assert where(error) == ("evt.yaml", 7, "cases[0].title")
    assert "duplicate key 'title'" in error.message
    text = GOOD.format(area="evt", id="evt-1").replace(
        "status: 200", "status: 200\n          body: {acks: {0: true}}"
    )
    error = one(case_files.lint("evt.yaml", text))
    assert where(error)[1:] == (13, "cases[0].requests[0].expect.body.acks")
    assert "key 0 must be a string" in error.message


def test_unknown_key_is_named_at_its_own_line(case_files):
    text = GOOD.format(area="evt", id="evt-1").replace("        expect:", "        bodyy: x\n        expect:")
    error = one(case_files.lint("evt.yaml", text))
    assert where(error) == ("evt.yaml", 11, "cases[0].requests[0].bodyy")
    assert error.message == "unknown key 'bodyy'"


def test_unknown_keys_inside_event_data_are_fine(case_files):
    text = GOOD.format(area="evt", id="evt-1").replace(
        '{event: "hello"}', '{event: "hello", anything: {goes: [1]}}'
    )
    assert case_files.lint("evt.yaml", text) == []


def test_missing_required_key(case_files):
    text = GOOD.format(area="evt", id="evt-1").replace('    title: "a string event is stored verbatim"\n', "")
    error = one(case_files.lint("evt.yaml", text))
    assert where(error) == ("evt.yaml", 3, "cases[0]")
    assert error.message == "missing required key 'title'"


def test_area_must_equal_file_name(case_files):
    error = one(case_files.lint("events.yaml", GOOD.format(area="evt", id="evt-1")))
    assert where(error) == ("events.yaml", 1, "area")


def test_duplicate_ids_across_files(case_files):
    case_files.write("a.yaml", GOOD.format(area="a", id="same"))
    case_files.write("b.yaml", GOOD.format(area="b", id="same"))
    error = one(lint([case_files.root]))
    assert where(error) == ("b.yaml", 3, "cases[0].id")
    assert "duplicate case id 'same' (first at" in error.message and "a.yaml:3" in error.message


def test_expectation_attribution_names_known_ids(case_files):
    good = GOOD.format(area="evt", id="evt-1")
    mapped = good.replace(
        "          status: 200\n", "          status: 200\n          requirements: {status: [EVT-1]}\n"
    )
    assert case_files.lint("evt.yaml", mapped) == []
    error = one(case_files.lint("evt.yaml", mapped.replace("{status: [EVT-1]}", "{events: [EVT-1, EVT-99]}")))
    assert where(error)[2] == "cases[0].requests[0].expect.requirements.events[1]"
    assert "unknown requirement 'EVT-99'" in error.message
    listed = good.replace(
        "          status: 200\n", "          status: 200\n          requirements: [QRY-99]\n"
    )
    assert "unknown requirement 'QRY-99'" in one(case_files.lint("evt.yaml", listed)).message
    bad_prefix = good.replace(
        "          status: 200\n", "          status: 200\n          requirements: {code: [EVT-1]}\n"
    )
    assert "requirements" in one(case_files.lint("evt.yaml", bad_prefix)).key


def test_unknown_requirement(case_files):
    text = GOOD.format(area="evt", id="evt-1").replace("[EVT-1]", "[EVT-1, EVT-99]")
    error = one(case_files.lint("evt.yaml", text))
    assert where(error) == ("evt.yaml", 5, "cases[0].requirements[1]")
    assert "unknown requirement 'EVT-99'" in error.message


def test_requirements_must_apply_in_the_case_profiles(case_files):
    text = GOOD.format(area="evt", id="evt-1").replace("    profiles: [humio]\n", "")
    error = one(case_files.lint("evt.yaml", text))
    assert where(error) == ("evt.yaml", 3, "cases[0].profiles")
    assert "profile splunk" in error.message
    text = GOOD.format(area="evt", id="evt-1").replace("[EVT-1]", "[EVT-1, SPL-2]")
    error = one(case_files.lint("evt.yaml", text))
    assert where(error) == ("evt.yaml", 5, "cases[0].requirements[1]")
    assert "SPL-2 does not apply in profile humio" in error.message


def test_level_may_be_lowered_not_raised(case_files):
    text = GOOD.format(area="evt", id="evt-1").replace(
        "    profiles: [humio]\n", "    profiles: [humio]\n    level: MAY\n"
    )
    assert case_files.lint("evt.yaml", text) == []
    text = (
        GOOD.format(area="evt", id="evt-1")
        .replace("[EVT-1]", "[EVT-4]")
        .replace("    profiles: [humio]\n", "    profiles: [humio]\n    level: MUST\n")
    )
    error = one(case_files.lint("evt.yaml", text))
    assert where(error) == ("evt.yaml", 7, "cases[0].level")
    assert "stricter than its requirements in profile humio (SHOULD)" in error.message


def test_requirement_capability_must_be_needed_or_excluded(case_files):
    text = GOOD.format(area="evt", id="evt-1").replace("[EVT-1]", "[EVT-1, BODY-3]")
    error = one(case_files.lint("evt.yaml", text))
    assert where(error) == ("evt.yaml", 5, "cases[0].requirements[1]")
    assert "'json-array-batch'" in error.message
    text = text.replace(
        "    profiles: [humio]\n", "    profiles: [humio]\n    excludes: [json-array-batch]\n"
    )
    assert case_files.lint("evt.yaml", text) == []


def test_endpoint_and_gzip_need_their_capabilities(case_files):
    text = GOOD.format(area="evt", id="evt-1").replace("endpoint: event", "endpoint: raw\n        gzip: true")
    errors = case_files.lint("evt.yaml", text)
    assert [where(e) for e in errors] == [
        ("evt.yaml", 8, "cases[0].requests[0].endpoint"),
        ("evt.yaml", 9, "cases[0].requests[0].gzip"),
    ]
    assert "'raw'" in errors[0].message and "'gzip'" in errors[1].message


EP_CASE = """
area: ep
cases:
  - id: ep-1
    title: a path
    requirements: [REQ]
    PROFILES
    requests:
      - path: PATH
        events:
          - {event: "x"}
        expect: {status: 200}
"""


def ep_case(requirement: str, path: str, profiles: str = "") -> str:
    return EP_CASE.replace("REQ", requirement).replace("PATH", path).replace("PROFILES", profiles)


@pytest.mark.parametrize(
    "path", ["/services/collector", "/services/collector/event/1.0", "/services/collector/nope?x=1"]
)
def test_only_ep_cases_name_a_literal_ingest_path(case_files, path):
    error = one(case_files.lint("ep.yaml", ep_case("BODY-1", path)))
    assert where(error) == ("ep.yaml", 8, "cases[0].requests[0].path")
    assert error.message.startswith("a literal ingest path (/services/collector/...) is for EP cases only")
    assert case_files.lint("ep.yaml", ep_case("EP-1", path)) == []


def test_other_literal_paths_need_no_ep_requirement(case_files):
    for path in ("/api/v1/repositories/r/query", "/services/collectorx", "/x"):
        assert case_files.lint("ep.yaml", ep_case("BODY-1", path)) == []


def test_a_humio_path_only_in_humio(case_files):
    error = one(case_files.lint("ep.yaml", ep_case("EP-1", "/api/v1/ingest/hec")))
    assert where(error) == ("ep.yaml", 8, "cases[0].requests[0].path")
    assert "not Splunk paths" in error.message and "profiles: [humio]" in error.message
    assert case_files.lint("ep.yaml", ep_case("EP-1", "/api/v1/ingest/hec", "profiles: [humio]")) == []
    error = one(case_files.lint("ep.yaml", ep_case("EVT-1", "/api/v1/ingest/hec/nope", "profiles: [humio]")))
    assert error.message.startswith("a literal ingest path (/api/v1/ingest/hec/...) is for EP cases only")


def test_a_literal_path_needs_the_capability_of_its_kind(case_files):
    error = one(case_files.lint("ep.yaml", ep_case("EP-6", "/services/collector/raw/1.0")))
    assert where(error) == ("ep.yaml", 8, "cases[0].requests[0].path")
    assert "the raw endpoint needs capability 'raw'" in error.message


def test_endpoint_names_a_kind(case_files):
    text = GOOD.format(area="evt", id="evt-1").replace("endpoint: event", "endpoint: hec")
    error = one(case_files.lint("evt.yaml", text))
    assert where(error) == ("evt.yaml", 8, "cases[0].requests[0].endpoint")
    assert error.message.startswith("must be an endpoint kind: event, raw, ack or health")


def test_gzip_may_be_truncated(case_files):
    text = GOOD.format(area="evt", id="evt-1").replace(
        "    profiles: [humio]\n", "    profiles: [humio]\n    needs: [gzip]\n"
    )
    truncated = text.replace("endpoint: event", "endpoint: event\n        gzip: truncated")
    assert case_files.lint("evt.yaml", truncated) == []
    error = one(case_files.lint("evt.yaml", truncated.replace("truncated", "half")))
    assert (error.key, error.message) == ("cases[0].requests[0].gzip", "must be true, false or truncated")


def test_needs_and_excludes_must_not_overlap(case_files):
    text = GOOD.format(area="evt", id="evt-1").replace(
        "    profiles: [humio]\n", "    profiles: [humio]\n    needs: [gzip]\n    excludes: [gzip]\n"
    )
    error = one(case_files.lint("evt.yaml", text))
    assert where(error) == ("evt.yaml", 8, "cases[0].excludes")


def test_placeholders_in_requests(case_files):
    text = GOOD.format(area="evt", id="evt-1").replace(
        '{event: "hello"}', '{event: "${mark}", host: "${repo:nobody}"}\n        headers: {X-A: "${marker"}'
    )
    errors = case_files.lint("evt.yaml", text)
    assert [where(e)[1:] for e in errors] == [
        (10, "cases[0].requests[0].events[0].event"),
        (10, "cases[0].requests[0].events[0].host"),
        (11, "cases[0].requests[0].headers.X-A"),
    ]
    assert "unknown placeholder '${mark}'" in errors[0].message
    assert "without a closing" in errors[2].message


def test_placeholders_in_expectations(case_files):
    text = GOOD.format(area="evt", id="evt-1").replace('"@rawstring": hello', '"#repo": "${repo:default}"')
    assert case_files.lint("evt.yaml", text) == []
    text = GOOD.format(area="evt", id="evt-1").replace(
        '"@rawstring": hello', '"@rawstring": "${token:default}"'
    )
    error = one(case_files.lint("evt.yaml", text))
    assert where(error)[1:] == (14, "cases[0].requests[0].expect.events[0].@rawstring")
    assert "in expectations" in error.message


REPEAT = """
area: ack
cases:
  - id: ack-1
    title: a channel fills up
    requirements: [ACK-5]
    needs: [ack]
    requests:
      - endpoint: event
        auth: ack
        headers: {X-Splunk-Request-Channel: "${channel}"}
        events:
          - {event: "fill"}
        repeat: REPEAT
        expect: {status: 200}
"""


@pytest.mark.parametrize(
    "repeat", ["1", "250", '"${limit:max_pending_acks_per_channel}"', "'${limit:max_request_bytes}'"]
)
def test_repeat_counts_and_limits(case_files, repeat):
    assert case_files.lint("ack.yaml", REPEAT.replace("REPEAT", repeat)) == []


@pytest.mark.parametrize(
    ("repeat", "fragment"),
    [
        ("0", "an integer of at least 1 or exactly one ${limit:NAME}"),
        ("2.5", "an integer of at least 1 or exactly one ${limit:NAME}"),
        ("true", "an integer of at least 1 or exactly one ${limit:NAME}"),
        ('"${limit:max_pending_acks_per_channel} + 1"', "exactly one ${limit:NAME}"),
        ('"20"', "exactly one ${limit:NAME}"),
        ('"${marker}"', "exactly one ${limit:NAME}"),
        ('"${limit:max_acks}"', "unknown placeholder '${limit:max_acks}'"),
    ],
)
def test_bad_repeat(case_files, repeat, fragment):
    error = one(case_files.lint("ack.yaml", REPEAT.replace("REPEAT", repeat)))
    assert where(error) == ("ack.yaml", 13, "cases[0].requests[0].repeat") and fragment in error.message


def test_a_repeated_request_is_not_read_back(case_files):
    text = REPEAT.replace("REPEAT", "3").replace(
        "expect: {status: 200}",
        """expect: {status: 200, stored: 1}
        expect_by_profile:
          splunk: {events: [{"@rawstring": fill}]}""",
    )
    errors = case_files.lint("ack.yaml", text)
    assert [where(e)[1:] for e in errors] == [
        (14, "cases[0].requests[0].expect.stored"),
        (16, "cases[0].requests[0].expect_by_profile.splunk.events"),
    ]
    assert all("cannot be combined with repeat" in e.message for e in errors)


def test_limits_are_not_expected_values(case_files):
    text = REPEAT.replace("REPEAT", "2").replace(
        "expect: {status: 200}", 'expect: {body: {text: "${limit:max_request_bytes}"}}'
    )
    error = one(case_files.lint("ack.yaml", text))
    assert where(error)[2] == "cases[0].requests[0].expect.body.text" and "in expectations" in error.message


TEXT_CASE = """
area: raw
cases:
  - id: raw-1
    title: raw lines
    requirements: [RAW-1]
    profiles: [humio]
    needs: [raw]
    requests:
      - endpoint: raw
        {body}
        expect: {{status: 200}}
"""


@pytest.mark.parametrize(
    ("body", "key", "fragment"),
    [
        ('text: "a<lf>b"', "text", "malformed token '<lf>'"),
        ('text: "a<x4>b"', "text", "malformed token '<x4>'"),
        ('text: "a<X0A>b"', "text", "malformed token '<X0A>'"),
        ('base64: "aGk=!"', "base64", "invalid base64"),
        ('events: [{$text: "x", event: y}]', "events[0]", "single key $text"),
        ('separator: "<CRLF>"', "separator", "only applies to an events: body"),
        ('events: [{a: 1}]\n        text: "b"', "", "at most one body"),
    ],
)
def test_body_errors(case_files, body, key, fragment):
    error = one(case_files.lint("raw.yaml", TEXT_CASE.format(body=body)))
    assert error.key == "cases[0].requests[0]" + ("." + key if key else "")
    assert error.line == (10 if key else 9)
    assert fragment in error.message


def test_good_text_bodies(case_files):
    for body in (
        'text: "<xml> a<CRLF>b<xFF><SP>$<x7B>"',
        "base64: |\n          aGVs\n          bG8=",
        'text: "<x20*${limit:max_request_bytes}><SP>"',
    ):
        assert case_files.lint("raw.yaml", TEXT_CASE.format(body=body)) == []


@pytest.mark.parametrize(
    ("count", "fragment"),
    [
        ("${marker}", "a repeat count is a number or ${limit:NAME}, not '${marker}'"),
        ("${limit:max_acks}", "unknown placeholder '${limit:max_acks}'"),
        ("16777217", "repeats more than 16777216 times"),
    ],
)
def test_bad_repeat_counts_in_text(case_files, count, fragment):
    error = one(case_files.lint("raw.yaml", TEXT_CASE.format(body=f'text: "<x20*{count}>"')))
    assert error.key == "cases[0].requests[0].text" and fragment in error.message


@pytest.mark.parametrize(
    ("value", "key", "fragment"),
    [
        ("{regx: a}", ".r.regx", "unknown key 'regx'"),
        ("{near_now: 10}", ".r.near_now", "is not of type 'string'"),
        ("{near_now: 10h}", ".r.near_now", "does not match"),
        ("{absent: false}", ".r.absent", "must be true"),
        ("{absent: true, present: true}", ".r", "exactly one key"),
        ("{regex: '('}", ".r.regex", "bad regex"),
        ("true", ".r", "stored values are strings"),
        ("5", ".r", "stored values are strings"),
    ],
)
def test_matcher_errors_in_events(case_files, value, key, fragment):
    text = GOOD.format(area="evt", id="evt-1").replace('"@rawstring": hello', f"r: {value}")
    error = one(case_files.lint("evt.yaml", text))
    assert (error.line, error.key) == (14, "cases[0].requests[0].expect.events[0]" + key)
    assert fragment in error.message


def test_closed_event_key(case_files):
    closed = GOOD.format(area="evt", id="evt-1").replace(
        '"@rawstring": hello', '"*": {absent: true}, "@rawstring": hello'
    )
    assert case_files.lint("evt.yaml", closed) == []
    for value in ("{present: true}", '"x"'):
        error = one(case_files.lint("evt.yaml", closed.replace('"*": {absent: true}', f'"*": {value}')))
        assert error.key == "cases[0].requests[0].expect.events[0]['*']"
        assert "takes only {absent: true}" in error.message


def test_body_and_header_matchers(case_files):
    good = (
        "status: 200\n          body: {code: {regex: '0|1'}, acks: {'0': true}}"
        "\n          headers: {X-A: {present: true}}"
    )
    text = GOOD.format(area="evt", id="evt-1").replace("status: 200", good)
    assert case_files.lint("evt.yaml", text) == []
    text = GOOD.format(area="evt", id="evt-1").replace("status: 200", "body: [{a: {regex: x}}, 1, null]")
    assert case_files.lint("evt.yaml", text) == []
    text = GOOD.format(area="evt", id="evt-1").replace("status: 200", "body: [{a: {regex: 1}}]")
    assert one(case_files.lint("evt.yaml", text)).key == "cases[0].requests[0].expect.body[0].a.regex"
    bad = "status: 200\n          body: {code: {regex: 1}}\n          headers: {X-A: 5}"
    errors = case_files.lint("evt.yaml", GOOD.format(area="evt", id="evt-1").replace("status: 200", bad))
    assert [e.key for e in errors] == [
        "cases[0].requests[0].expect.body.code.regex",
        "cases[0].requests[0].expect.headers.X-A",
    ]


def test_timestamp_is_an_integer(case_files):
    text = GOOD.format(area="evt", id="evt-1").replace('"@rawstring": hello', '"@timestamp": "1"')
    error = one(case_files.lint("evt.yaml", text))
    assert error.message == "@timestamp is an integer (ms) or a matcher"


@pytest.mark.parametrize(
    ("old", "new", "key", "fragment"),
    [
        ("endpoint: event", "path: /x\n        endpoint: event", "cases[0].requests[0]", "not both"),
        ("endpoint: event", "method: GET", "cases[0].requests[0]", "give endpoint or path"),
        (
            "status: 200",
            "status: 200\n          stored: 2",
            "cases[0].requests[0].expect.stored",
            "events lists 1",
        ),
        (
            "        expect:",
            "        expect_by_profile: {splunk: {status: 400}}\n        expect:",
            "cases[0].requests[0].expect_by_profile.splunk",
            "does not run in profile splunk",
        ),
        ("    requests:", "    variants: [gzip, nope]\n    requests:", "cases[0].variants", "variant names"),
        (
            "    requests:",
            "    readback: {start: -5, end: 1}\n    requests:",
            "cases[0].readback.end",
            "unknown key",
        ),
        ("    profiles: [humio]", "    profiles: [humio, humio]", "cases[0].profiles", "repeated items"),
        ("    profiles: [humio]", "    profiles: []", "cases[0].profiles", "must not be empty"),
        (
            "    profiles: [humio]",
            "    profiles: [humio]\n    level: must",
            "cases[0].level",
            "is not one of",
        ),
        ("id: evt-1", "id: Evt_1", "cases[0].id", "does not match"),
    ],
)
def test_shape_errors(case_files, old, new, key, fragment):
    text = GOOD.format(area="evt", id="evt-1").replace(old, new)
    error = one(case_files.lint("evt.yaml", text))
    assert error.key == key and fragment in error.message


def test_variants_need_an_events_body(case_files):
    text = TEXT_CASE.format(body='text: "a"').replace("    requests:", "    variants: [gzip]\n    requests:")
    error = one(case_files.lint("raw.yaml", text))
    assert (error.line, error.key) == (8, "cases[0].variants")


def test_a_case_must_check_something(case_files):
    text = TEXT_CASE.format(body='text: "a"').replace("        expect: {status: 200}\n", "")
    error = one(case_files.lint("raw.yaml", text))
    assert (error.line, error.key) == (8, "cases[0].requests")
    assert "checks nothing" in error.message


def test_errors_of_files_and_directories(case_files):
    bad = case_files.root / "bad.yaml"
    bad.write_bytes(b"area: bad\ncases:\n  - id: \xff\n")
    assert where(one(lint([bad]))) == ("bad.yaml", 3, "")
    assert one(lint([case_files.root / "missing.yaml"])).message == "no such file or directory"
    empty = case_files.root / "empty"
    empty.mkdir()
    assert "no *.yaml" in one(lint([empty])).message
    (empty / "x.yml").write_text("area: x\n")
    assert any("end in .yaml" in e.message for e in lint([empty]))
    assert one(case_files.lint("e.yaml", "")).message == "empty file"
    assert "is not of type 'object'" in one(case_files.lint("l.yaml", "- 1\n")).message


def test_yaml_scalars_follow_yaml_1_2(case_files):
    text = GOOD.format(area="evt", id="evt-1").replace(
        '{event: "hello"}', "{event: yes, d: 2020-01-01, n: 010, f: 1.5e9, s: 1e2}"
    )
    (case,) = load_cases([case_files.write("evt.yaml", text)])
    assert case.requests[0].events[0] == {
        "event": "yes",
        "d": "2020-01-01",
        "n": 10,
        "f": 1.5e9,
        "s": "1e2",
    }


def test_load_cases_raises_with_every_error(case_files):
    case_files.write("a.yaml", GOOD.format(area="a", id="a-1").replace("EVT-1", "NOPE-1"))
    case_files.write("b.yaml", GOOD.format(area="c", id="b-1"))
    with pytest.raises(CorpusError) as raised:
        load_cases([case_files.root])
    assert [e.file.name for e in raised.value.errors] == ["a.yaml", "b.yaml"]
    assert "2 error(s)" in str(raised.value)


def test_hecc_cases_lint_prints_errors_without_traceback(case_files):
    # `hecc cases lint` is the one command-line entry to lint (python -m hec_conformance.corpus went)
    path = case_files.write("broken.yaml", "area: broken\ncases: [\n")
    done = subprocess.run(
        [sys.executable, "-m", "hec_conformance.cli", "cases", "lint", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(path).parent,
    )
    assert done.returncode == 1
    assert done.stdout.startswith("broken.yaml:3: YAML syntax:")
    assert "Traceback" not in done.stderr
