"""SPEC §4, §6 and RAW-2..5: envelopes and raw lines -> stored events, literal expectations."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st
from serverkit import NOW, base_context

from reference_server.envelopes import parse_event_body
from reference_server.errors import HecError
from reference_server.translate import (
    StoredEvent,
    seconds_to_ms,
    translate_events,
    translate_raw,
)

BASE = base_context()
HEAD = {"@timezone": "Z", "#repo": "main", "#type": "none"}


def events(body: str, **context: object) -> list[StoredEvent]:
    return translate_events(parse_event_body(body.encode()), replace(BASE, **context))


def one(body: str, **context: object) -> StoredEvent:
    [event] = events(body, **context)
    return event


def fields(body: str, **context: object) -> dict[str, str]:
    return one(body, **context).fields


def error(body: str, **context: object) -> dict[str, object]:
    with pytest.raises(HecError) as caught:
        events(body, **context)
    return caught.value.body()


def raw(lines: list[str], **context: object) -> list[StoredEvent]:
    return translate_raw(lines, replace(BASE, **context))


def incorrect_index(k: int) -> dict[str, object]:
    return {"text": "Incorrect index", "code": 7, "invalid-event-number": k}


def invalid_format(k: int) -> dict[str, object]:
    return {"text": "Invalid data format", "code": 6, "invalid-event-number": k}


# --- the seed example, whole ---


@pytest.mark.spec(
    "TIME-1", "TZ-1", "ST-1", "SRC-1", "FLD-2", "KV-1", "EVT-1", "EVT-3", "EVT-4", profile="humio"
)
def test_seed_example() -> None:
    body = """{
      "time" : 1537537729.0,
      "event" : "Fri, 21 Sep 2018 13:48:49 GMT - system started name=webserver",
      "source" : "/var/log/application.log",
      "sourcetype" : "kv",
      "fields" : {"#env" : "prod"}
    }

    {
      "time" : 1537535729.0,
      "event" : {"message" : "System shutdown", "host" : {"ip" : "127.0.0.1", "port" : 2222}},
      "fields" : { "#datacenter" : "amazon-east1" }
    }"""
    first, second = events(body)
    assert first == StoredEvent(
        "main",
        1537537729000,
        {
            "@rawstring": "Fri, 21 Sep 2018 13:48:49 GMT - system started name=webserver",
            "@timezone": "Z",
            "#repo": "main",
            "#type": "kv",
            "@source": "/var/log/application.log",
            "#env": "prod",
            "name": "webserver",
        },
    )
    assert second == StoredEvent(
        "main",
        1537535729000,
        {
            "@rawstring": '{"message":"System shutdown","host":{"ip":"127.0.0.1","port":2222}}',
            **HEAD,
            "#datacenter": "amazon-east1",
            "message": "System shutdown",
            "host.ip": "127.0.0.1",
            "host.port": "2222",
        },
    )
    assert list(first.fields)[:5] == ["@rawstring", "@timezone", "#repo", "#type", "@source"]


# --- RES-1, PREC-1, SCOPE-1 ---


@pytest.mark.spec("RES-1", profile="humio")
def test_reserved_and_metadata_names_from_event_and_fields_are_dropped() -> None:
    reserved = {
        "@timestamp": 1,
        "@timezone": "X",
        "@rawstring": "x",
        "@id": "i",
        "@ingesttimestamp": 2,
        "@error": "e",
        "@error_msg": "m",
        "#repo": "r",
        "#type": "t",
        "@source": "s",
        "@host": "h",
    }
    body = json.dumps({"time": 5, "event": {**reserved, "ok": 1}, "fields": {**reserved, "f": 2}})
    assert fields(body) == {
        "@rawstring": json.dumps({**reserved, "ok": 1}, separators=(",", ":")),
        **HEAD,
        "f": "2",
        "ok": "1",
    }


@pytest.mark.spec("RES-1", "ST-2", profile="humio")
def test_reserved_names_from_a_parser_are_dropped() -> None:
    body = json.dumps(
        {
            "event": json.dumps({"@rawstring": "x", "#type": "t", "@host": "h", "@error": "y", "k": "v"}),
            "sourcetype": "json",
        }
    )
    assert fields(body) == {"@rawstring": json.loads(body)["event"], **HEAD, "#type": "json", "k": "v"}


@pytest.mark.spec("RES-1", profile="humio")
def test_query_string_sets_no_reserved_field() -> None:
    got = fields('{"event":"x"}', query={"@rawstring": "q", "#repo": "q", "@timezone": "q", "time": "1"})
    assert got == {"@rawstring": "x", **HEAD}
    assert one('{"event":"x"}', query={"time": "1"}).timestamp == NOW


@pytest.mark.spec("PREC-1", "KV-7", profile="humio")
def test_precedence_fields_over_parser_over_kv() -> None:  # PREC-1, KV-7
    body = '{"event":"10.0.0.1 GET /real client=kv path=kv extra=kv","fields":{"path":"fields"}}'
    assert fields(body, token_parser="access") == {
        "@rawstring": "10.0.0.1 GET /real client=kv path=kv extra=kv",
        **HEAD,
        "#type": "access",
        "path": "fields",
        "client": "10.0.0.1",
        "extra": "kv",
        "method": "GET",
    }


@pytest.mark.spec("PREC-1", "ST-2", profile="humio")
def test_precedence_json_parser_over_kv() -> None:
    body = json.dumps({"event": '{"k":"json","x":"k=kv y=kv"}', "sourcetype": "json"})
    assert fields(body) == {
        "@rawstring": '{"k":"json","x":"k=kv y=kv"}',
        **HEAD,
        "#type": "json",
        "k": "json",
        "x": "k=kv y=kv",
        "y": 'kv"}',  # an unquoted value runs to whitespace (KV-3)
    }


@pytest.mark.spec("PREC-1", profile="humio")
def test_precedence_fields_over_event_members() -> None:
    got = fields('{"event":{"a":"event","b":"event"},"fields":{"a":"fields"}}')
    assert got["a"] == "fields" and got["b"] == "event"


@pytest.mark.spec("PREC-1", "RES-1", "KV-7", profile="humio")
def test_metadata_beats_everything_below_it() -> None:
    got = fields('{"event":"host=kv source=kv","host":"h","source":"s","fields":{"@host":"f","host":"f"}}')
    assert got == {
        "@rawstring": "host=kv source=kv",
        **HEAD,
        "@source": "s",
        "@host": "h",
        "host": "f",
        "source": "kv",
    }


@pytest.mark.parametrize(
    ("event", "value"),
    [('{"a.b":1,"a":{"b":2}}', "2"), ('{"a":{"b":2},"a.b":1}', "1"), ('{"x":1,"x":2}', "2")],
)
@pytest.mark.spec("PREC-1", profile="humio")
def test_later_wins_within_one_source(event: str, value: str) -> None:
    key = "x" if '"x"' in event else "a.b"
    assert fields('{"event":' + event + "}")[key] == value


@pytest.mark.spec("SCOPE-1", profile="humio")
def test_nothing_carries_over_to_the_next_envelope() -> None:  # SCOPE-1
    first, second = events(
        '{"time":1,"timezone":"+01:00","host":"h","source":"s","sourcetype":"access","index":"main",'
        '"fields":{"f":"1","#t":"x"},"event":"1.2.3.4 GET /"}'
        '{"event":"plain"}'
    )
    assert first.timestamp == 1000 and first.fields["@host"] == "h" and first.fields["f"] == "1"
    assert second.timestamp == NOW
    assert second.fields == {"@rawstring": "plain", **HEAD}


# --- TIME ---


@pytest.mark.parametrize(
    ("time_text", "ms"),
    [
        ("1537537729", 1537537729000),
        ("1537537729.0", 1537537729000),
        ("1.005", 1005),
        ("0.57", 570),
        ("1.001", 1001),
        ("1537537729.9999", 1537537729999),
        ("1537537729.1239999999", 1537537729123),
        ("1537537729.123456789", 1537537729123),
        ("1.5e9", 1500000000000),
        ("1.5E+9", 1500000000000),
        ("15e8", 1500000000000),
        ("1500000000000e-3", 1500000000000),
        ("1537537729123456e-6", 1537537729123),
        ("-1.5", -1500),
        ("-1", -1000),
        ("-1.0005", -1000),
        ("-1537537729.9999", -1537537729999),
        ("-15E-1", -1500),
        ("0", 0),
        ("-0", 0),
        ("0.0009", 0),
        ("-0.0009", 0),
        ("5e-4", 0),
        ("1E-400", 0),
        ("1e-999999999", 0),
        ("0e999999999", 0),
        ("0.001", 1),
        ("-0.001", -1),
        pytest.param("0." + "0" * 5000 + "1", 0, id="5000-zeros-then-1"),
        pytest.param("1." + "9" * 5000, 1999, id="1-point-5000-nines"),
        ("1" + "0" * 5 + "e-5", 1000),
    ],
)
@pytest.mark.spec("TIME-1", profile="humio")
def test_time_exact_decimal(time_text: str, ms: int) -> None:  # TIME-1
    assert seconds_to_ms(time_text) == ms
    event = one('{"time":' + time_text + ',"event":"x"}')
    assert (event.timestamp, "@error" in event.fields) == (ms, False)


@pytest.mark.parametrize(
    "text", ["1e", "1E+", "1.", ".5", "+1", "01", "0x10", "1_000", "\u0661", " 1", "", "-", "NaN"]
)
def test_seconds_to_ms_takes_only_json_numbers(text: str) -> None:
    assert seconds_to_ms(text) is None


@given(
    st.booleans(),
    st.from_regex(r"0|[1-9][0-9]{0,11}", fullmatch=True),
    st.one_of(st.none(), st.from_regex(r"[0-9]{1,25}", fullmatch=True)),
    st.one_of(
        st.none(), st.tuples(st.sampled_from(["e", "E"]), st.sampled_from(["", "+", "-"]), st.integers(0, 30))
    ),
)
def test_time_matches_a_rational_oracle(
    negative: bool, whole: str, fraction: str | None, exponent: tuple[str, str, int] | None
) -> None:
    text = ("-" if negative else "") + whole + (f".{fraction}" if fraction else "")
    if exponent is not None:
        text += f"{exponent[0]}{exponent[1]}{exponent[2]}"
    expected = int(Fraction(text) * 1000)  # int() of a Fraction truncates toward zero
    assert seconds_to_ms(text) == (expected if abs(expected) < 2**63 else None)


@pytest.mark.parametrize(
    "time_text", ["1e999999999", "1e99999999999999999999999", "9" * 30, "1e400", "9.3e15"]
)
@pytest.mark.spec("TIME-6", profile="humio")
def test_absurd_future_time_is_now_with_error_and_fast(time_text: str) -> None:  # TIME-6
    started = time.perf_counter()
    event = one('{"time":' + time_text + ',"event":"x"}')
    assert time.perf_counter() - started < 1.0
    assert event.timestamp == NOW
    assert event.fields["@error"] == "true"
    assert event.fields["@error_msg"] == "timestamp was set to a value in the future. Setting it to now"


@pytest.mark.parametrize("time_text", ["-1e999999999", "-9.3e15", "-" + "9" * 30])
def test_time_too_far_in_the_past_to_store_is_now_with_error(time_text: str) -> None:
    event = one('{"time":' + time_text + ',"event":"x"}')
    assert event.timestamp == NOW
    assert event.fields["@error"] == "true"
    assert event.fields["@error_msg"] == "timestamp is too far in the past to be stored. Setting it to now"


@pytest.mark.spec("TIME-6", profile="humio")
def test_time_exactly_at_the_future_limit() -> None:  # TIME-6 boundary
    limit_s = NOW // 1000 + 86400
    assert one(f'{{"time":{limit_s},"event":"x"}}').timestamp == NOW + 86_400_000
    late = one(f'{{"time":{limit_s}.001,"event":"x"}}')
    assert late.timestamp == NOW and late.fields["@error"] == "true"
    assert (
        one(f'{{"time":{NOW // 1000 + 100},"event":"x"}}', max_future_seconds=100).timestamp == NOW + 100_000
    )
    assert one(f'{{"time":{NOW // 1000 + 101},"event":"x"}}', max_future_seconds=100).timestamp == NOW


@pytest.mark.parametrize(
    "time_text", ["1537537729000", "1537537729000000", "1537537729000000000", '"1537537729000"', "4102444800"]
)
@pytest.mark.spec("TIME-6", profile="humio")
def test_no_unit_guessing(time_text: str) -> None:  # TIME-6
    event = one('{"time":' + time_text + ',"event":"x"}')
    assert (event.timestamp, event.fields["@error"]) == (NOW, "true")


@pytest.mark.parametrize(
    ("time_text", "ms"),
    [('"1537537729.5"', 1537537729500), ('"1.005"', 1005), ('"1.5e9"', 1500000000000), ('"-1.5"', -1500)],
)
@pytest.mark.spec("TIME-3", profile="humio")
def test_time_numeric_string(time_text: str, ms: int) -> None:  # TIME-3
    event = one('{"time":' + time_text + ',"event":"x"}')
    assert (event.timestamp, "@error" in event.fields) == (ms, False)


@pytest.mark.parametrize("body", ['{"event":"x"}', '{"time":null,"event":"x"}'])
@pytest.mark.spec("TIME-4", profile="humio")
def test_time_absent_or_null_is_ingest_time(body: str) -> None:  # TIME-4
    event = one(body)
    assert event.timestamp == NOW and "@error" not in event.fields and "@error_msg" not in event.fields


@pytest.mark.parametrize(
    ("time_json", "shown"),
    [
        ("true", "true"),
        ("false", "false"),
        ('{"sec":1}', '{"sec":1}'),
        ("[1]", "[1]"),
        ('"2018-09-21T13:48:49Z"', '"2018-09-21T13:48:49Z"'),
        ('""', '""'),
        ('" 1"', '" 1"'),
        ('"1 "', '"1 "'),
        ('"+1"', '"+1"'),
        ('"01"', '"01"'),
        ('".5"', '".5"'),
        ('"1."', '"1."'),
        ('"0x10"', '"0x10"'),
        ('"NaN"', '"NaN"'),
        ('"\u0661"', '"\u0661"'),  # ARABIC-INDIC DIGIT ONE is no JSON digit
    ],
)
@pytest.mark.spec("TIME-5", profile="humio")
def test_time_not_a_number(time_json: str, shown: str) -> None:  # TIME-5
    event = one('{"time":' + time_json + ',"event":"x"}')
    assert event.timestamp == NOW
    assert event.fields["@error"] == "true"
    assert event.fields["@error_msg"] == f"time {shown} is not a number of seconds. Setting it to now"


def test_time_error_message_is_bounded() -> None:
    event = one(json.dumps({"time": "x" * 10_000, "event": "x"}))
    assert (
        event.fields["@error_msg"]
        == 'time "' + "x" * 99 + "... is not a number of seconds. Setting it to now"
    )


# --- TZ-1 ---


@pytest.mark.parametrize(
    ("member", "timezone"),
    [
        ("", "Z"),
        (',"timezone":null', "Z"),
        (',"timezone":"+02:00"', "+02:00"),
        (',"timezone":"Europe/Oslo"', "Europe/Oslo"),
        (',"timezone":""', ""),
        (',"timezone":" utc "', " utc "),
    ],
)
@pytest.mark.spec("TZ-1", profile="humio")
def test_timezone_copied_and_never_shifts_time(member: str, timezone: str) -> None:
    event = one('{"time":1,"event":"x"' + member + "}")
    assert (event.timestamp, event.fields["@timezone"]) == (1000, timezone)


# --- IDX ---


@pytest.mark.parametrize("member", ["", ',"index":null', ',"index":""', ',"index":"main"'])
@pytest.mark.spec("IDX-1", "IDX-2", profile="humio")
def test_index_absent_or_own_repository(member: str) -> None:  # IDX-1, IDX-2
    event = one('{"event":"x"' + member + "}")
    assert (event.repository, event.fields["#repo"]) == ("main", "main")


@pytest.mark.parametrize(
    ("body", "k"),
    [
        ('{"event":"x","index":"other"}', 0),
        ('{"event":"a","index":"main"}{"event":"b","index":"other"}{"event":"c"}', 1),
        ('{"event":"a"}{"event":"b"}{"event":"c","index":"nope"}', 2),
        ('{"event":"x","index":"Main"}', 0),
        ('{"event":"x","index":"main "}', 0),
        ('{"event":"x","index":5}', 0),
    ],
)
@pytest.mark.spec("IDX-3", profile="humio")
@pytest.mark.spec("IDX-3", "SPL-2", profile="splunk")
def test_index_differs_without_change_repo(body: str, k: int) -> None:  # IDX-3
    assert error(body) == incorrect_index(k)
    assert error(body, profile="splunk") == (invalid_format(k) if '"index":5' in body else incorrect_index(k))


@pytest.mark.parametrize(
    ("body", "k"),
    [
        ('{"event":"x"}', 0),
        ('{"event":"x","index":null}', 0),
        ('{"event":"x","index":""}', 0),
        ('{"event":"x","index":"other"}', 0),
        ('{"event":"a","index":"main"}{"event":"b"}', 1),
        ('{"event":"a","index":"main"}{"event":"b","index":"main"}{"event":"c","index":null}', 2),
        ('{"event":"a"}{"event":"b"}', 0),
    ],
)
@pytest.mark.spec("IDX-3", "SPL-1", profile=("humio", "splunk"))
def test_query_index_that_differs_fails_first_envelope_without_own_index(body: str, k: int) -> None:
    """IDX-3: the effective index is the envelope's own, else the query's: k is the first envelope
    whose effective index differs from the token's repository."""
    for profile in ("humio", "splunk"):
        assert error(body, query={"index": "other"}, profile=profile) == incorrect_index(k)


@pytest.mark.spec("IDX-3", profile=("humio", "splunk"))
def test_envelope_naming_token_repository_overrides_differing_query_index() -> None:  # IDX-3
    body = '{"event":"a","index":"main"}{"event":"b","index":"main"}'
    for profile in ("humio", "splunk"):
        stored = events(body, query={"index": "other"}, profile=profile)
        assert [(e.repository, e.fields["#repo"], e.fields["@rawstring"]) for e in stored] == [
            ("main", "main", "a"),
            ("main", "main", "b"),
        ]


@pytest.mark.spec("IDX-2", "SPL-1", profile="humio")
def test_query_index_equal_to_repository_is_accepted() -> None:
    assert one('{"event":"x"}', query={"index": "main"}).repository == "main"
    assert one('{"event":"x"}', query={"index": ""}).repository == "main"


@pytest.mark.spec("ORD-1", "EVT-5", profile="splunk")
def test_earlier_envelope_check_wins_over_query_index() -> None:  # ORD-1 step 8
    assert error('{"fields":{}}', profile="splunk", query={"index": "other"})["code"] == 12


@pytest.mark.parametrize(
    ("body", "query", "repository"),
    [
        ('{"event":"x","index":"other"}', {}, "other"),
        ('{"event":"x","index":"nope"}', {}, "main"),
        ('{"event":"x"}', {"index": "other"}, "other"),
        ('{"event":"x","index":"main"}', {"index": "other"}, "main"),
        ('{"event":"x","index":"nope"}', {"index": "other"}, "main"),
    ],
)
@pytest.mark.spec("IDX-4", profile="humio")
def test_change_repo_on_events(body: str, query: dict[str, str], repository: str) -> None:  # IDX-4
    event = one(body, change_repo=True, query=query)
    assert (event.repository, event.fields["#repo"]) == (repository, repository)


@pytest.mark.spec("IDX-4", "SCOPE-1", profile="humio")
def test_change_repo_moves_only_its_envelope() -> None:
    moved, stayed = events('{"event":"a","index":"other"}{"event":"b"}', change_repo=True)
    assert (moved.repository, stayed.repository) == ("other", "main")


# --- ST-1, ST-2 ---


@pytest.mark.parametrize(
    ("body", "context", "type_"),
    [
        ('{"event":"x"}', {}, "none"),
        ('{"event":"x","sourcetype":"kv"}', {}, "kv"),
        ('{"event":"x","sourcetype":""}', {}, "none"),
        ('{"event":"x","sourcetype":null}', {"query": {"sourcetype": "kv"}}, "kv"),
        ('{"event":"x","sourcetype":"json"}', {"query": {"sourcetype": "kv"}}, "json"),
        ('{"event":"x","sourcetype":"json"}', {"token_parser": "access"}, "access"),
        ('{"event":{"a":1},"sourcetype":"kv"}', {"token_parser": "kv"}, "kv"),
    ],
)
@pytest.mark.spec("ST-1", profile="humio")
def test_type(body: str, context: dict[str, object], type_: str) -> None:  # ST-1
    assert fields(body, **context)["#type"] == type_


@pytest.mark.spec("ST-1", "ST-2", profile="humio")
def test_token_parser_is_chosen_over_sourcetype() -> None:  # ST-2
    got = fields('{"event":"1.2.3.4 GET /x","sourcetype":"json"}', token_parser="access")
    assert got == {
        "@rawstring": "1.2.3.4 GET /x",
        **HEAD,
        "#type": "access",
        "client": "1.2.3.4",
        "method": "GET",
        "path": "/x",
    }


@pytest.mark.spec("ST-2", profile="humio")
def test_sourcetype_chooses_the_parser() -> None:
    got = fields('{"event":"1.2.3.4 GET /x a=1","sourcetype":"access"}')
    assert got == {
        "@rawstring": "1.2.3.4 GET /x a=1",
        **HEAD,
        "#type": "access",
        "a": "1",
        "client": "1.2.3.4",
        "method": "GET",
        "path": "/x",
    }


@pytest.mark.spec("ST-1", "ST-2", profile="humio")
def test_unknown_sourcetype_keeps_the_event_with_error() -> None:
    got = fields('{"event":"a=1","sourcetype":"nosuch"}')
    assert got == {
        "@rawstring": "a=1",
        **HEAD,
        "#type": "nosuch",
        "@error": "true",
        "@error_msg": "could not find parser 'nosuch'; only the key/value parser was applied",
        "a": "1",
    }


@pytest.mark.spec("ST-2", "EVT-3", profile="humio")
def test_unknown_sourcetype_on_an_object_event_runs_no_parser() -> None:
    assert fields('{"event":{"a":"b=c"},"sourcetype":"nosuch"}') == {
        "@rawstring": '{"a":"b=c"}',
        **HEAD,
        "#type": "nosuch",
        "a": "b=c",
    }


@pytest.mark.spec("ST-2", profile="humio")
def test_json_parser_on_non_json_text_adds_error() -> None:
    got = fields('{"event":"a=1","sourcetype":"json"}')
    assert (got["a"], got["@error"], got["@error_msg"]) == (
        "1",
        "true",
        "json parser: the text is not valid JSON",
    )


def test_several_problems_share_one_error_message() -> None:
    got = fields('{"time":true,"event":"x","sourcetype":"nosuch"}')
    assert got["@error_msg"] == (
        "time true is not a number of seconds. Setting it to now; "
        "could not find parser 'nosuch'; only the key/value parser was applied"
    )


# --- SRC-1, SPL-1, SPL-2 ---


@pytest.mark.parametrize(
    ("members", "expected"),
    [
        (',"host":"h","source":"s"', {"@source": "s", "@host": "h"}),
        (',"host":null,"source":""', {}),
        (',"host":5,"source":1.50', {"@source": "1.50", "@host": "5"}),
        (',"host":true,"source":{"a":[1,"x"]}', {"@source": '{"a":[1,"x"]}', "@host": "true"}),
        (',"host":[]', {"@host": "[]"}),
    ],
)
@pytest.mark.spec("SRC-1", profile="humio")
def test_source_and_host(members: str, expected: dict[str, str]) -> None:  # SRC-1
    assert fields('{"event":"x"' + members + "}") == {"@rawstring": "x", **HEAD, **expected}


@pytest.mark.parametrize(
    ("members", "expected"),
    [
        ("", {"@source": "qs", "@host": "qh", "#type": "kv"}),
        (',"host":"h","source":"s","sourcetype":"json"', {"@source": "s", "@host": "h", "#type": "json"}),
        (',"host":null,"source":"","sourcetype":null', {"@source": "qs", "@host": "qh", "#type": "kv"}),
    ],
)
@pytest.mark.spec("SPL-1", profile="humio")
def test_query_defaults(members: str, expected: dict[str, str]) -> None:  # SPL-1
    query = {"host": "qh", "source": "qs", "sourcetype": "kv", "index": "main"}
    got = fields('{"event":{"v":1}' + members + "}", query=query)
    assert got == {"@rawstring": '{"v":1}', **HEAD, **expected, "v": "1"}


@pytest.mark.parametrize("member", ['"host":5', '"source":true', '"sourcetype":{}', '"index":["main"]'])
@pytest.mark.spec("SPL-2", profile="splunk")
def test_splunk_metadata_must_be_strings(member: str) -> None:  # SPL-2
    body = '{"event":"a"}{"event":"b",' + member + "}"
    assert error(body, profile="splunk") == invalid_format(1)


def test_splunk_accepts_null_metadata() -> None:
    assert fields('{"event":"x","host":null,"index":null}', profile="splunk") == {"@rawstring": "x", **HEAD}


# --- EVT ---


@pytest.mark.parametrize("text", ["hello", "  spaced\n\ttext  ", "é😀 \u2028", "{not json", '{"a":1}'])
@pytest.mark.spec("EVT-1", profile="humio")
def test_string_event_is_rawstring(text: str) -> None:  # EVT-1
    assert fields(json.dumps({"event": text}))["@rawstring"] == text


@pytest.mark.spec("EVT-3", "EVT-4", profile="humio")
def test_object_event_members_become_fields_unparsed() -> None:  # EVT-3
    body = (
        '{"event":{"s":"a=b","n":1.50,"e":1e2,"neg":-0,"t":true,"f":false,"z":null,"o":{"p":{"q":"deep"}},'
        '"arr":["x",[1,[2]],{"k":"v"}],"eo":{},"ea":[],"nest":{"eo":{},"ea":[]}}}'
    )
    assert fields(body) == {
        "@rawstring": body[len('{"event":') : -1],  # sent compact already: kept as sent
        **HEAD,
        "s": "a=b",
        "n": "1.50",
        "e": "1e2",
        "neg": "-0",
        "t": "true",
        "f": "false",
        "z": "null",
        "o.p.q": "deep",
        "arr[0]": "x",
        "arr[1][0]": "1",
        "arr[1][1][0]": "2",
        "arr[2].k": "v",
    }


@pytest.mark.parametrize(
    ("event", "rawstring"),
    [
        ('{ "b" : 1.50 , "a" : [ 1e2 , true , null ] }', '{"b":1.50,"a":[1e2,true,null]}'),
        (
            '{"s":"\\u00e9\\/\\"\\\\\\b\\f\\n\\r\\t\\u0001\\u001F\\u007f\\ud83d\\ude00"}',
            '{"s":"é/\\"\\\\\\b\\f\\n\\r\\t\\u0001\\u001f\x7f😀"}',
        ),
        ('{"\\u0041\\n":{}}', '{"A\\n":{}}'),
        ('{"e":[],"o":{}}', '{"e":[],"o":{}}'),
    ],
)
@pytest.mark.spec("EVT-4", profile="humio")
def test_object_event_rawstring_is_compact_json(event: str, rawstring: str) -> None:  # EVT-4
    assert fields('{"event":' + event + "}")["@rawstring"] == rawstring


@pytest.mark.parametrize("member", ["", ',"event":null', ',"event":""'])
@pytest.mark.spec("EVT-5", profile="humio")
def test_humio_missing_event_is_empty_rawstring(member: str) -> None:  # EVT-5 humio
    assert fields('{"time":1' + member + ',"fields":{"f":"1"}}') == {"@rawstring": "", **HEAD, "f": "1"}


@pytest.mark.parametrize(
    ("body", "answer"),
    [
        ('{"time":1}', {"text": "Event field is required", "code": 12, "invalid-event-number": 0}),
        (
            '{"event":"a"}{"event":null}',
            {"text": "Event field is required", "code": 12, "invalid-event-number": 1},
        ),
        (
            '{"event":"a"}{"event":"b"}{"event":""}',
            {"text": "Event field cannot be blank", "code": 13, "invalid-event-number": 2},
        ),
    ],
)
@pytest.mark.spec("EVT-5", profile="splunk")
def test_splunk_missing_or_blank_event(body: str, answer: dict[str, object]) -> None:  # EVT-5 splunk
    assert error(body, profile="splunk") == answer


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        ('[1,"a",[true]]', {"@rawstring": '[1,"a",[true]]', "[0]": "1", "[1]": "a", "[2][0]": "true"}),
        ("1.50", {"@rawstring": "1.50"}),
        ("-2e3", {"@rawstring": "-2e3"}),
        ("true", {"@rawstring": "true"}),
        ("false", {"@rawstring": "false"}),
        ("[]", {"@rawstring": "[]"}),
        ("{}", {"@rawstring": "{}"}),
    ],
)
@pytest.mark.spec("EVT-6", profile="humio")
def test_other_event_types(event: str, expected: dict[str, str]) -> None:  # EVT-6
    assert fields('{"event":' + event + "}") == {**HEAD, **expected}


# --- FLD ---


@pytest.mark.spec("FLD-1", "FLD-2", "RES-1", profile="humio")
def test_fields_scalars_and_tags() -> None:  # FLD-1, FLD-2
    body = (
        '{"event":"x","fields":{"s":"v","n":1.50,"t":true,"z":null,"#env":"prod","#repo":"r","#type":"t",'
        '"":"e"}}'
    )
    got = fields(body)
    assert got == {
        "@rawstring": "x",
        **HEAD,
        "#env": "prod",
        "s": "v",
        "n": "1.50",
        "t": "true",
        "z": "null",
        "": "e",
    }
    assert list(got)[4] == "#env"


@pytest.mark.parametrize("value", ["null", '"str"', "5", "[1]", "true"])
@pytest.mark.spec("FLD-1", "FLD-5", profile="humio")
def test_humio_fields_not_an_object_is_ignored(value: str) -> None:  # FLD-1 null, FLD-5 humio
    assert fields('{"event":"x","fields":' + value + "}") == {"@rawstring": "x", **HEAD}


@pytest.mark.spec("FLD-4", profile="humio")
def test_humio_drops_nested_fields_values_and_keeps_the_rest() -> None:  # FLD-4 humio
    got = fields('{"event":"x","fields":{"o":{"a":1},"a":[1,2],"aa":[[1]],"keep":"k"}}')
    assert got == {"@rawstring": "x", **HEAD, "keep": "k"}


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ('{"o":{"a":1}}', 15),
        ('{"o":{}}', 15),
        ('{"a":[1,{"b":2}]}', 15),
        ('{"a":[[1]]}', 15),
        ('"str"', 6),
        ("5", 6),
        ("[1]", 6),
    ],
)
@pytest.mark.spec("FLD-4", "FLD-5", profile="splunk")
def test_splunk_fields_checks(value: str, code: int) -> None:  # FLD-4, FLD-5 splunk
    answer = error('{"event":"a"}{"event":"b","fields":' + value + "}", profile="splunk")
    text = "Error in handling indexed fields" if code == 15 else "Invalid data format"
    assert answer == {"text": text, "code": code, "invalid-event-number": 1}


def test_splunk_accepts_scalar_arrays_and_stores_like_humio() -> None:
    body = '{"event":"x","fields":{"a":[1,"b"],"c":"d"},"host":"h"}'
    assert (
        fields(body, profile="splunk") == fields(body) == {"@rawstring": "x", **HEAD, "@host": "h", "c": "d"}
    )


# --- ORD-1 step 8: order of the checks inside and across envelopes ---


@pytest.mark.parametrize(
    ("body", "profile", "code", "k"),
    [
        ('{"event":"a"}{"fields":{"o":{}},"host":5,"index":"other"}', "splunk", 12, 1),
        ('{"event":"a"}{"event":"","fields":{"o":{}},"host":5,"index":"other"}', "splunk", 13, 1),
        ('{"event":"a"}{"event":"b","fields":{"o":{}},"host":5,"index":"other"}', "splunk", 15, 1),
        ('{"event":"a"}{"event":"b","fields":"x","host":5,"index":"other"}', "splunk", 6, 1),
        ('{"event":"a"}{"event":"b","host":5,"index":"other"}', "splunk", 6, 1),
        ('{"event":"a"}{"event":"b","index":"other"}', "splunk", 7, 1),
        ('{"event":"a"}{"fields":{"o":{}},"host":5,"index":"other"}', "humio", 7, 1),
        ('{"event":"a","index":"other"}{"time":1}', "splunk", 7, 0),
        ('{"time":true,"event":"a"}{"event":"b","index":"other"}', "humio", 7, 1),
    ],
)
@pytest.mark.spec("ORD-1", profile=("humio", "splunk"))
def test_first_failing_envelope_and_check_decides(body: str, profile: str, code: int, k: int) -> None:
    answer = error(body, profile=profile)
    assert (answer["code"], answer["invalid-event-number"]) == (code, k)


# --- LIM ---


@pytest.mark.spec("LIM-1", profile="humio")
def test_oversized_rawstring_is_truncated() -> None:  # LIM-1
    body = json.dumps(
        {
            "time": True,
            "event": "0123456789abcdefghij extra=1",
            "host": "h",
            "fields": {"f": "1"},
            "sourcetype": "json",
        }
    )
    got = fields(body, max_event_bytes=20)
    assert got == {  # a cut event runs no parser (no kv field, no json parser error)
        "@rawstring": "0123456789abcdefg...",
        **HEAD,
        "#type": "json",
        "@host": "h",
        "@error": "true",
        "@error_msg": "time true is not a number of seconds. Setting it to now",
        "f": "1",
    }


def test_hostile_field_names_are_cut_short_with_error() -> None:
    key = "k" * 200
    body = '{"event":{"' + key + '":[' + ",".join(["1"] * 2000) + ']},"fields":{"f":"1"}}'
    got = fields(body)
    kept = [name for name in got if name.startswith(key)]
    assert kept == [f"{key}[{i}]" for i in range(len(kept))]
    # names may total 4 x len(@rawstring) + 1024 = 4 x 4206 + 1024 = 17848 characters:
    # 10 names of 203 characters and 77 of 204 make 17738; one more would make 17942
    assert len(kept) == 87
    assert got["@error"] == "true"
    assert got["@error_msg"] == "field names too large: kept the first 87 fields"
    assert got["f"] == "1"


@pytest.mark.parametrize(
    ("event", "rawstring"),
    [
        ("é" * 11, "é" * 8 + "..."),  # 22 bytes; 17-byte cut would split an é
        ("a" + "😀" * 5, "a" + "😀" * 4 + "..."),
        ("x" * 20, "x" * 20),  # exactly at the limit: kept whole
        ("é" * 10, "é" * 10),
    ],
)
@pytest.mark.spec("LIM-1", profile="humio")
def test_truncation_keeps_whole_characters(event: str, rawstring: str) -> None:
    assert fields(json.dumps({"event": event}), max_event_bytes=20)["@rawstring"] == rawstring


@pytest.mark.spec("LIM-1", profile="humio")
def test_oversized_object_event_drops_its_members() -> None:
    got = fields('{"event":{"a":"0123456789","b":"0123456789"},"fields":{"f":"1"}}', max_event_bytes=20)
    assert got == {"@rawstring": '{"a":"0123456789"...', **HEAD, "f": "1"}


@pytest.mark.spec("LIM-2", profile="humio")
def test_too_many_fields_keep_reserved_metadata_fields_then_name_order() -> None:  # LIM-2
    body = '{"event":{"d":1,"c":2,"b":3,"a":4,"e":5},"host":"h","fields":{"f1":"1","f2":"2"}}'
    # 5 head fields + 2 fields members + 3 set by the store = 10; room for 2 of the 5 others
    got = fields(body, max_fields=12)
    assert got == {
        "@rawstring": '{"d":1,"c":2,"b":3,"a":4,"e":5}',
        **HEAD,
        "@host": "h",
        "f1": "1",
        "f2": "2",
        "a": "4",
        "b": "3",
    }
    assert len(fields(body, max_fields=15)) == 12
    assert len(fields(body, max_fields=3)) == 7


# --- profiles store alike ---


def test_splunk_stores_like_humio() -> None:
    body = (
        '{"time":"1.5","event":"a=1 10.0.0.1","host":"h","source":"s","sourcetype":"nosuch","index":"main",'
        '"timezone":"X","fields":{"#t":"1","f":2}}{"event":{"x":[1,{"y":null}]}}'
    )
    assert events(body, profile="splunk") == events(body)


# --- RAW-2..5 ---


@pytest.mark.spec("RAW-2", "RAW-3", "RAW-4", "RAW-5", profile="humio")
def test_raw_lines() -> None:
    lines = ["1.2.3.4 GET /a client=kv k=v channel=evil host=evil", "plain"]
    query = {"host": "qh", "source": "qs", "sourcetype": "access", "index": "main"}
    first, second = raw(lines, query=query, channel="ch-1")
    common = {**HEAD, "#type": "access", "@source": "qs", "@host": "qh", "channel": "ch-1"}
    assert first == StoredEvent(
        "main",
        NOW,
        {
            "@rawstring": lines[0],
            **common,
            "client": "1.2.3.4",
            "k": "v",
            "host": "evil",
            "method": "GET",
            "path": "/a",
        },
    )
    assert second == StoredEvent("main", NOW, {"@rawstring": "plain", **common})


@pytest.mark.spec("RAW-5", profile="humio")
def test_raw_without_channel_or_query() -> None:
    [event] = raw(["a=1 channel=x"])
    assert event == StoredEvent("main", NOW, {"@rawstring": "a=1 channel=x", **HEAD, "a": "1"})


@pytest.mark.spec("RAW-2", profile="humio")
def test_raw_token_parser_and_unknown_sourcetype() -> None:
    [event] = raw(["9.9.9.9 PUT /p"], token_parser="access", query={"sourcetype": "kv"})
    assert event.fields["#type"] == "access" and event.fields["client"] == "9.9.9.9"
    [event] = raw(["x"], query={"sourcetype": "nosuch"})
    assert (event.fields["#type"], event.fields["@error"]) == ("nosuch", "true")


@pytest.mark.spec("RAW-3", "IDX-3", "IDX-4", profile="humio")
def test_raw_index() -> None:
    with pytest.raises(HecError) as caught:
        raw(["a", "b"], query={"index": "other"})
    assert caught.value.body() == incorrect_index(0)
    assert [e.repository for e in raw(["a"], query={"index": "other"}, change_repo=True)] == ["other"]
    assert [e.repository for e in raw(["a"], query={"index": "nope"}, change_repo=True)] == ["main"]


def test_raw_long_line_is_truncated() -> None:
    [event] = raw(["k=v " + "x" * 30], max_event_bytes=20)
    assert event.fields == {"@rawstring": "k=v " + "x" * 13 + "...", **HEAD}


# --- any envelope: an answer or well-formed events, never a crash ---

member_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from(["", "main", "other", "json", "access", "kv", "nosuch", "a=1 b='x y'", '{"k":1}'])
    | st.text(st.characters(blacklist_categories=["Cs"]), max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=8,
)
envelope_members = st.dictionaries(
    st.sampled_from(["time", "event", "fields", "host", "source", "sourcetype", "index", "timezone", "x"]),
    member_values,
    max_size=6,
)


@given(
    st.lists(envelope_members, min_size=1, max_size=4),
    st.sampled_from(["humio", "splunk"]),
    st.booleans(),
)
def test_any_envelopes_give_an_answer_or_well_formed_events(
    envelopes: list[dict[str, object]], profile: str, change_repo: bool
) -> None:
    body = "".join(json.dumps(envelope) for envelope in envelopes)
    try:
        stored = events(body, profile=profile, change_repo=change_repo)
    except HecError as answer:
        assert answer.code in ({7, 6, 12, 13, 15} if profile == "splunk" else {7})
        assert answer.event_number is not None and 0 <= answer.event_number < len(envelopes)
        return
    assert len(stored) == len(envelopes)
    for event in stored:
        assert event.repository in {"main", "other"} and event.fields["#repo"] == event.repository
        assert all(type(name) is str and type(value) is str for name, value in event.fields.items())
        assert {"@rawstring", "@timezone", "#type"} <= event.fields.keys()
        assert not {"@timestamp", "@id", "@ingesttimestamp"} & event.fields.keys()
        assert ("@error" in event.fields) == ("@error_msg" in event.fields)
        assert event.fields.get("@error", "true") == "true"
        assert -(2**63) < event.timestamp <= NOW + 86_400_000
