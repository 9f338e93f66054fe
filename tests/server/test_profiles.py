"""SPEC rules that hold in both profiles (§0-§3, §6, §8, §9, answers of §4 and §7), each run against a
humio and a splunk server; plus the splunk-only and raw read-back rules no other server test checks."""

from __future__ import annotations

import base64
import gzip
import json
import time
from collections.abc import Iterator

import pytest
from serverkit import OK, TIGHT, Server, answer, ask, envelope, guid, hec, ingest, launch

BOTH = ("humio", "splunk")
NUMBER = "invalid-event-number"
BAD_FORMAT = hec(400, 6, "Invalid data format")


def bad_format(k: int) -> tuple[int, dict[str, object]]:
    return hec(400, 6, "Invalid data format", **{NUMBER: k})


@pytest.fixture(params=BOTH)
def srv(request: pytest.FixtureRequest) -> Server:
    """The suite.yaml server in each profile."""
    s = request.getfixturevalue({"humio": "server", "splunk": "splunk_server"}[request.param])
    assert s.target["profile"] == request.param
    return s


@pytest.fixture(scope="module", params=BOTH)
def tight(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """serverkit.TIGHT's small limits in each profile (its own servers: ACK-5 fills their channels)."""
    s = launch(tmp_path_factory.mktemp(f"tight-{request.param}"), "--profile", request.param, config=TIGHT)
    yield s
    s.stop()


def body(*envelopes: dict[str, object]) -> str:
    return "".join(json.dumps(e) for e in envelopes)


def raws(s: Server, marker: str) -> list[str]:
    return [e["@rawstring"] for e in s.query(f"hec_case={marker}")]


# --- §1 endpoints ---


@pytest.mark.spec("EP-1", "EP-2", "BODY-12", profile=BOTH)
def test_event_endpoints_behave_identically(srv, marker):
    paths = [
        "/api/v1/ingest/hec",
        "/services/collector",
        "/services/collector/event",
        "/services/collector/event/1.0",
    ]
    for path in paths:
        assert answer(srv.post(path, body(envelope(marker, path, host="h")))) == OK
        assert answer(srv.post(path, b"{")) == bad_format(0)
    stored = srv.query(f"hec_case={marker}")
    assert [e["@rawstring"] for e in stored] == paths
    drop = {"@rawstring", "@id", "@timestamp", "@ingesttimestamp"}
    assert len({json.dumps({k: v for k, v in e.items() if k not in drop}) for e in stored}) == 1
    assert stored[0]["@host"] == "h" and stored[0]["#repo"] == "main"


@pytest.mark.spec("EP-3", "EP-7", profile=BOTH)
@pytest.mark.spec("RAW-1", "RAW-4", profile="humio")
def test_raw_endpoints_take_lines(srv, marker):
    for path in ["/api/v1/ingest/hec/raw", "/services/collector/raw", "/services/collector/raw/1.0"]:
        channel = guid()
        r = srv.post(path, b"one a=1\r\n\ntwo\n", params={"channel": channel})
        assert answer(r) == OK
        stored = srv.query(f"channel={channel}")
        assert [(e["@rawstring"], e.get("a")) for e in stored] == [("one a=1", "1"), ("two", None)]


@pytest.mark.spec("EP-4", "BODY-12", profile=BOTH)
def test_health(srv):
    for path in ["/services/collector/health", "/services/collector/health/1.0"]:
        r = srv.client.get(path, params={"token": "x"}, headers={"Authorization": "Nonsense"})
        assert answer(r) == hec(200, 17, "HEC is healthy")


@pytest.mark.spec("EP-6", "BODY-12", profile=BOTH)
def test_unknown_path_and_wrong_method(srv):
    r = srv.client.post("/services/collector/nope", headers={"Authorization": "bad"})
    assert answer(r) == hec(404, 404, "The requested URL was not found on this server.")
    r = srv.client.get("/api/v1/ingest/hec")
    assert answer(r) == hec(405, 405, "Method Not Allowed") and r.headers["allow"] == "POST"


# --- §2 authentication ---


@pytest.mark.spec("AUTH-1", "AUTH-2", "AUTH-3", "AUTH-4", profile=BOTH)
def test_accepted_schemes(srv, marker):
    token = srv.token()
    forms = [
        f"Splunk {token}",
        f"SPLUNK {token}",
        f"splunk   {token}",
        "Basic " + base64.b64encode(f"u:{token}".encode()).decode(),
        "bAsIc " + base64.b64encode(f":{token}".encode()).decode(),
    ]
    for form in forms:
        assert (
            answer(
                srv.post(
                    "/services/collector", body(envelope(marker)), role=None, headers={"Authorization": form}
                )
            )
            == OK
        )
    bearer = answer(srv.post("/services/collector", body(envelope(marker)), scheme="bearer"))
    humio = srv.target["profile"] == "humio"
    assert bearer == (OK if humio else hec(401, 3, "Invalid authorization"))
    assert len(raws(srv, marker)) == len(forms) + humio


@pytest.mark.spec("AUTH-5", "AUTH-6", "AUTH-7", "AUTH-9", "ORD-2", profile=BOTH)
def test_failed_authentication_stores_nothing_and_parses_nothing(srv, marker):
    good, garbage = body(envelope(marker)), "{not json"
    for content in (good, garbage):
        assert answer(srv.post("/services/collector", content, role=None)) == hec(401, 2, "Token is required")
        for header in ("Token abc", "Splunk", "Basic !!!", "Basic " + "bm9jb2xvbg=="):  # base64 of "nocolon"
            r = srv.post("/services/collector", content, role=None, headers={"Authorization": header})
            assert answer(r) == hec(401, 3, "Invalid authorization")
        r = srv.post("/services/collector", content, role=None, headers={"Authorization": "Splunk nope"})
        assert answer(r) == hec(403, 4, "Invalid token")
        r = srv.post("/services/collector", content, role="disabled")
        assert answer(r) == hec(403, 1, "Token disabled")
    assert raws(srv, marker) == []


@pytest.mark.spec("AUTH-8", "AUTH-9", profile=BOTH)
def test_query_string_token_without_the_capability(srv, marker):
    code16 = hec(400, 16, "Query string authorization is not enabled")
    for role in ("default", None):
        r = srv.post("/services/collector", body(envelope(marker)), role=role, params={"token": srv.token()})
        assert answer(r) == code16
    assert raws(srv, marker) == []


# --- §3 request body ---


@pytest.mark.spec("BODY-1", "BODY-2", profile=BOTH)
def test_whitespace_and_nothing_between_envelopes(srv, marker):
    content = (
        " \t\r\n"
        + json.dumps(envelope(marker, "a"))
        + "\t\r\n \n"
        + json.dumps(envelope(marker, "b"))
        + json.dumps(envelope(marker, "c"))
        + "\r\n "
    )
    assert answer(srv.post("/services/collector", content)) == OK
    assert raws(srv, marker) == ["a", "b", "c"]


@pytest.mark.spec("BODY-3", "BODY-4", "BODY-5", profile=BOTH)
def test_array_batch(srv, marker):
    assert (
        answer(
            srv.post(
                "/services/collector", "[" + ",".join(json.dumps(envelope(marker, x)) for x in "ab") + "]"
            )
        )
        == OK
    )
    assert raws(srv, marker) == ["a", "b"]
    assert answer(srv.post("/services/collector", " [ ] ")) == hec(400, 5, "No data")
    one = json.dumps(envelope(marker, "x"))
    assert answer(srv.post("/services/collector", f"[{one}]{one}")) == bad_format(1)
    assert answer(srv.post("/services/collector", f"[{one},[{one}]]")) == bad_format(1)
    assert answer(srv.post("/services/collector", f"[{one},{one},7]")) == bad_format(2)
    assert raws(srv, marker) == ["a", "b"]


@pytest.mark.spec("BODY-4", "RAW-6", profile=BOTH)
def test_no_data(srv):
    for content in (b"", b" \r\n\t "):
        assert answer(srv.post("/services/collector", content)) == hec(400, 5, "No data")
        raw = srv.post("/services/collector/raw", content, params={"channel": guid()})
        assert answer(raw) == hec(400, 5, "No data")


@pytest.mark.spec("BODY-5", "ORD-2", profile=BOTH)
def test_invalid_json_names_the_envelope(srv, marker):
    good = body(envelope(marker), envelope(marker))
    assert answer(srv.post("/services/collector", good + '{"event": "cut')) == bad_format(2)
    assert answer(srv.post("/services/collector", good + " 42")) == bad_format(2)
    assert answer(srv.post("/services/collector", '"text"')) == bad_format(0)
    assert raws(srv, marker) == []


@pytest.mark.spec("BODY-6", "RAW-6", "ORD-2", profile=BOTH)
def test_utf8(srv, marker):
    bom = b"\xef\xbb\xbf" + body(envelope(marker, "é")).encode()
    assert answer(srv.post("/services/collector", bom)) == OK
    assert raws(srv, marker) == ["é"]
    bad = body(envelope(marker)).encode() + b'{"event": "\xff"}'
    assert answer(srv.post("/services/collector", bad)) == bad_format(1)
    surrogate = body(envelope(marker)) + '{"event": "\\ud800"}'
    assert answer(srv.post("/services/collector", surrogate)) == bad_format(1)
    channel = guid()
    raw = srv.post("/services/collector/raw", b"fine\n\nbad \xc3\x28", params={"channel": channel})
    assert answer(raw) == bad_format(2)
    assert raws(srv, marker) == ["é"] and srv.query(f"channel={channel}") == []


@pytest.mark.spec("BODY-7", "RAW-6", profile=BOTH)
def test_content_type_does_not_matter(srv, marker):
    types = [
        None,
        "text/plain; charset=utf-8",
        "application/json",
        "application/x-www-form-urlencoded",
        "image/png",
    ]
    for content_type in types:
        headers = {"Content-Type": content_type} if content_type else {}
        assert answer(srv.post("/services/collector", body(envelope(marker)), headers=headers)) == OK
        raw = srv.post("/services/collector/raw", b"r", headers=headers, params={"channel": guid()})
        assert answer(raw) == OK
    assert len(raws(srv, marker)) == len(types)


@pytest.mark.spec("BODY-8", "ORD-2", profile=BOTH)
def test_gzip(srv, marker):
    members = b"".join(gzip.compress(body(envelope(marker, x)).encode()) for x in "ab")
    for encoding in ("gzip", "X-GZIP"):
        assert answer(srv.post("/services/collector", members, headers={"Content-Encoding": encoding})) == OK
    r = srv.post("/services/collector", body(envelope(marker, "c")), headers={"Content-Encoding": "identity"})
    assert answer(r) == OK
    assert raws(srv, marker) == ["a", "b", "a", "b", "c"]
    for damaged in (members[:-5], members + b"junk"):
        r = srv.post("/services/collector", damaged, headers={"Content-Encoding": "gzip"})
        assert answer(r) == BAD_FORMAT
    r = srv.post("/services/collector", members, headers={"Content-Encoding": "br"})
    assert answer(r) == hec(415, 415, "Unsupported Media Type")
    assert len(raws(srv, marker)) == 5


@pytest.mark.spec("BODY-9", profile=BOTH)
def test_size_limit_counts_decoded_bytes(tight, marker):
    one = json.dumps(envelope(marker, "x")).encode()
    padded = one + b" " * (1000 - len(one))
    assert answer(tight.post("/services/collector", padded)) == OK
    too_large = hec(413, 413, "Request Entity Too Large")
    assert answer(tight.post("/services/collector", padded + b" ")) == too_large
    squeezed = gzip.compress(padded + b" ")
    assert len(squeezed) < 100  # the limit counts the decoded bytes
    r = tight.post("/services/collector", squeezed, headers={"Content-Encoding": "gzip"})
    assert answer(r) == too_large
    assert len(raws(tight, marker)) == 1


@pytest.mark.spec("BODY-10", "BODY-11", profile=BOTH)
def test_duplicate_and_unknown_members(srv, marker):
    content = (
        '{"event": "first", "unknown": {"a": 1}, "event": "last", "x": [1], "fields": {"hec_case": "'
        + marker
        + '", "f": "1", "f": "2"}}'
    )
    assert answer(srv.post("/services/collector", content)) == OK
    [stored] = srv.query(f"hec_case={marker}")
    assert stored["@rawstring"] == "last" and stored["f"] == "2"
    assert not {"unknown", "unknown.a", "x", "x[0]"} & stored.keys()


# --- §4 answers, §6 query parameters ---


@pytest.mark.spec("IDX-3", "ORD-2", profile=BOTH)
def test_index_of_another_repository(srv, marker):
    content = body(envelope(marker), envelope(marker, index="main"), envelope(marker, index="audit"))
    assert answer(srv.post("/services/collector", content)) == hec(400, 7, "Incorrect index", **{NUMBER: 2})
    r = srv.post("/services/collector", body(envelope(marker)), params={"index": "audit"})
    assert answer(r) == hec(400, 7, "Incorrect index", **{NUMBER: 0})
    content = body(envelope(marker, index="main"), envelope(marker))
    r = srv.post("/services/collector", content, params={"index": "audit"})
    assert answer(r) == hec(400, 7, "Incorrect index", **{NUMBER: 1})
    assert raws(srv, marker) == []


@pytest.mark.spec("IDX-3", profile=BOTH)
def test_envelope_index_overrides_a_differing_query_index(srv, marker):
    content = body(envelope(marker, event="a", index="main"), envelope(marker, event="b", index="main"))
    r = srv.post("/services/collector", content, params={"index": "audit"})
    assert answer(r) == OK
    assert raws(srv, marker) == ["a", "b"]


@pytest.mark.spec("SPL-1", profile=BOTH)
def test_query_parameters_are_defaults(srv, marker):
    query = {"host": "qh", "source": "qs", "sourcetype": "qt", "index": "main"}
    members = {"host": "h", "source": "s", "sourcetype": "t", "index": "main"}
    content = body(envelope(marker, "a"), envelope(marker, "b", **members))
    assert answer(srv.post("/services/collector", content, params=query)) == OK
    got = [(e["@host"], e["@source"], e["#type"], e["#repo"]) for e in srv.query(f"hec_case={marker}")]
    assert got == [("qh", "qs", "qt", "main"), ("h", "s", "t", "main")]


@pytest.mark.spec("EVT-5", "FLD-4", "FLD-5", "SPL-2", profile="splunk")
def test_splunk_envelope_answers(splunk_server, marker):
    first = json.dumps(envelope(marker))
    cases = [
        ('{"fields": {"a": 1}}', hec(400, 12, "Event field is required", **{NUMBER: 1})),
        ('{"event": null}', hec(400, 12, "Event field is required", **{NUMBER: 1})),
        ('{"event": ""}', hec(400, 13, "Event field cannot be blank", **{NUMBER: 1})),
        (
            '{"event": "x", "fields": {"o": {"a": 1}}}',
            hec(400, 15, "Error in handling indexed fields", **{NUMBER: 1}),
        ),
        (
            '{"event": "x", "fields": {"a": [1, [2]]}}',
            hec(400, 15, "Error in handling indexed fields", **{NUMBER: 1}),
        ),
        ('{"event": "x", "fields": "f"}', bad_format(1)),
        ('{"event": "x", "host": 5}', bad_format(1)),
        ('{"event": "x", "sourcetype": {}}', bad_format(1)),
    ]
    for second, expected in cases:
        assert answer(splunk_server.post("/services/collector", first + second)) == expected, second
    assert (
        answer(
            splunk_server.post(
                "/services/collector", body(envelope(marker)), params={"host": "h", "index": "main"}
            )
        )
        == OK
    )
    assert raws(splunk_server, marker) == ["hello"]


@pytest.mark.spec("EVT-5", "FLD-4", "FLD-5", "SRC-1", profile="humio")
def test_humio_stores_what_splunk_refuses(server, marker):
    content = (
        '{"fields": {"hec_case": "M"}}{"event": "", "fields": {"hec_case": "M"}}'
        '{"event": "x", "host": 5, "fields": {"hec_case": "M", "o": {"a": 1}, "a": [1], "k": "v"}}'
        '{"event": "y", "fields": "not an object", "source": "M"}'
    ).replace("M", marker)
    assert answer(server.post("/services/collector", content)) == OK
    stored = server.query(f"hec_case={marker}")
    assert [e["@rawstring"] for e in stored] == ["", "", "x"]
    assert stored[2]["@host"] == "5" and stored[2]["k"] == "v"
    assert not {"o.a", "a", "a[0]"} & stored[2].keys()
    [y] = server.query(f"@source={marker}")
    assert y["@rawstring"] == "y" and "hec_case" not in y


# --- §7 raw read-back (humio) ---


@pytest.mark.spec("RAW-2", "RAW-3", "RAW-4", "RAW-5", profile="humio")
def test_raw_query_parameters_apply_to_every_line(server):
    channel = guid()
    query = {"host": "qh", "source": "qs", "sourcetype": "access", "index": "main", "channel": channel}
    started = int(time.time() * 1000)
    r = server.post("/services/collector/raw", b"10.0.0.1 GET /a k=v\nplain\n", params=query)
    assert answer(r) == OK
    first, second = server.query(f"channel={channel}")
    for e in (first, second):
        got = (e["@host"], e["@source"], e["#type"], e["#repo"], e["channel"])
        assert got == ("qh", "qs", "access", "main", channel)
        assert started - 1000 <= e["@timestamp"] <= int(time.time() * 1000) + 1000
    assert (first["client"], first["verb"], first["path"], first["k"]) == ("10.0.0.1", "GET", "/a", "v")
    assert "client" not in second
    r = server.post("/services/collector/raw", b"a\nb", params={"index": "audit", "channel": channel})
    assert answer(r) == hec(400, 7, "Incorrect index", **{NUMBER: 0})
    assert len(server.query(f"channel={channel}")) == 2


# --- §8 acknowledgement ---


@pytest.mark.spec("EP-5", "ACK-1", "ACK-2", "ACK-3", profile=BOTH)
def test_ack_ids_and_the_ack_endpoint(srv, marker):
    for path in ("/services/collector", "/services/collector/raw"):
        assert answer(ingest(srv, marker, None, path)) == hec(400, 10, "Data channel is missing")
        assert answer(ingest(srv, marker, "not-a-guid", path)) == hec(400, 11, "Invalid data channel")
    channel = guid()
    assert [answer(ingest(srv, marker, channel))[1] for _ in range(2)] == [
        {"text": "Success", "code": 0, "ackId": 0},
        {"text": "Success", "code": 0, "ackId": 1},
    ]
    assert answer(
        srv.post("/services/collector", b"{", role="ack", headers={"X-Splunk-Request-Channel": channel})
    ) == bad_format(0)
    assert answer(ingest(srv, marker, guid().upper()))[1]["ackId"] == 0  # another channel, any case
    assert answer(ingest(srv, marker, channel))[1]["ackId"] == 2  # the failed request used no id
    assert answer(ask(srv, channel, [0, 1, 2, 9])) == (
        200,
        {"acks": {"0": True, "1": True, "2": True, "9": False}},
    )
    assert answer(ask(srv, channel, [1])) == (200, {"acks": {"1": False}})
    assert len(raws(srv, marker)) == 4


@pytest.mark.spec("ACK-4", profile=BOTH)
def test_ack_endpoint_errors(srv):
    channel = guid()
    assert answer(ask(srv, channel, [0], role="default")) == hec(400, 14, "ACK is disabled")
    assert answer(ask(srv, None, [0])) == hec(400, 10, "Data channel is missing")
    assert answer(ask(srv, "nope", [0])) == hec(400, 11, "Invalid data channel")
    for content in (
        b"",
        b"[0]",
        b'{"acks": "0"}',
        b'{"acks": [0, "1"]}',
        b'{"acks": [1.5]}',
        b'{"acks": [1e0]}',
        b'{"acks": [true]}',
        b'{"acks": null}',
        b"{bad",
        b'{"acks": [0], "x": NaN}',
        '{"acks": [0]}'.encode("utf-16"),
        b'{"acks": [0], "s": "\xed\xa0\x80"}',
        b'{"acks": [0], "s": "\\ud800"}',
    ):
        r = srv.post(
            "/services/collector/ack", content, role="ack", headers={"X-Splunk-Request-Channel": channel}
        )
        assert answer(r) == BAD_FORMAT, content
    assert answer(ask(srv, channel, [0], role=None)) == hec(401, 2, "Token is required")


@pytest.mark.spec("ACK-5", profile=BOTH)
def test_too_many_channels_or_pending_acks(tight, marker):
    busy = hec(503, 9, "Server is busy")
    first, second, third = guid(), guid(), guid()
    assert answer(ingest(tight, marker, first))[1]["ackId"] == 0
    assert answer(ingest(tight, marker, second))[1]["ackId"] == 0
    assert answer(ingest(tight, marker, third)) == busy  # max_channels: 2
    assert answer(ingest(tight, marker, first))[1]["ackId"] == 1
    assert answer(ingest(tight, marker, first)) == busy  # max_pending_acks: 3
    assert len(raws(tight, marker)) == 3
    assert answer(ask(tight, first, [0, 1])) == (200, {"acks": {"0": True, "1": True}})
    assert answer(ingest(tight, marker, first))[1]["ackId"] == 2
    assert len(raws(tight, marker)) == 4


# --- §9 read-back ---


def post_query(
    s: Server, q: str, accept: str = "application/json", token: str | None = None, repo: str = "main"
):
    token = s.target["readback"]["token"] if token is None else token
    headers = {"Accept": accept, **({"Authorization": f"Bearer {token}"} if token else {})}
    return s.client.post(
        f"/api/v1/repositories/{repo}/query",
        headers=headers,
        json={"queryString": q, "start": 0, "end": 4_102_444_800_000, "isLive": False},
    )


@pytest.mark.spec("QRY-1", "QRY-2", "QRY-3", "QRY-5", profile=BOTH)
def test_read_back(srv, marker):
    fields = [{"hec_case": marker, "k": "v w"}, {"hec_case": marker, "k": 'q"\\'}, {"hec_case": marker}]
    content = body(
        *(
            {"event": e, "time": t, "fields": f}
            for e, t, f in zip(["late", "early", "tie"], [20, 10, 20], fields, strict=True)
        )
    )
    assert answer(srv.post("/services/collector", content)) == OK  # visible as soon as answered
    r = post_query(srv, f"hec_case={marker}")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    found = r.json()
    assert [(e["@rawstring"], e["@timestamp"]) for e in found] == [
        ("early", 10000),
        ("late", 20000),
        ("tie", 20000),
    ]
    for e in found:
        assert type(e["@timestamp"]) is int and all(type(v) is str for k, v in e.items() if k != "@timestamp")
    assert [e["@rawstring"] for e in post_query(srv, f'hec_case={marker} k="v w"').json()] == ["late"]
    assert [e["@rawstring"] for e in post_query(srv, f'k="q\\"\\\\" hec_case={marker}').json()] == ["early"]
    assert [e["@rawstring"] for e in post_query(srv, f"* hec_case={marker} k=*").json()] == ["early", "late"]
    nd = post_query(srv, f"hec_case={marker}", accept="application/x-ndjson")
    assert nd.status_code == 200 and [json.loads(x)["@rawstring"] for x in nd.text.splitlines()] == [
        "early",
        "late",
        "tie",
    ]


@pytest.mark.spec("QRY-4", profile=BOTH)
def test_read_back_authentication(srv):
    for token in ("", "nope", srv.token()):
        assert post_query(srv, "*", token=token).status_code == 401
    assert post_query(srv, "*", repo="nosuchrepo").status_code == 404


# --- §4 and §5 through the real server (humio stores; the translate unit tests go row by row) ---


@pytest.mark.spec(
    "RES-1",
    "PREC-1",
    "SCOPE-1",
    "TIME-3",
    "TIME-4",
    "TIME-5",
    "TIME-6",
    "TZ-1",
    "IDX-2",
    "ST-1",
    "ST-2",
    "EVT-4",
    "EVT-6",
    "FLD-2",
    "KV-1",
    "KV-2",
    "KV-3",
    "KV-4",
    "KV-5",
    "KV-6",
    "KV-7",
    "KV-8",
    profile="humio",
)
def test_stored_fields_end_to_end(server, marker):
    kv = 'u=http://h/?p=1 a = b foo:bar=1 q="x y" c="c:\\temp" e=, k=1 m=1 m=2 z="open w=1'
    m = json.dumps(marker)
    content = "\n".join(
        [
            '{"time": "1537537729.5", "timezone": "+02:00", "index": "main", "sourcetype": "kv", "event": '
            + json.dumps(kv)
            + ', "fields": {"hec_case": '
            + m
            + ', "#env": "prod", "k": "fields", "@rawstring": "evil", "#repo": "evil"}}',
            '{"time": true, "event": {"b": 1.50, "a": [1e2, true, null], "s": "\\u00e9\\/"}, '
            '"fields": {"hec_case": ' + m + "}}",
            '{"event": "plain", "fields": {"hec_case": ' + m + "}}",
            '{"time": 1537537729000, "event": [1, "a"], "fields": {"hec_case": ' + m + "}}",
            '{"event": "10.0.0.1 GET /x k=v", "sourcetype": "access", "fields": {"hec_case": ' + m + "}}",
        ]
    )
    before = int(time.time() * 1000)
    assert answer(server.post("/services/collector", content)) == OK
    after = int(time.time() * 1000)
    volatile = {"@id", "@ingesttimestamp"}
    found = {
        e["@rawstring"]: {k: v for k, v in e.items() if k not in volatile}
        for e in server.query(f"hec_case={marker}")
    }
    now = {e.pop("@timestamp") for raw, e in found.items() if raw != kv}
    assert all(before <= t <= after for t in now)
    common = {"@timezone": "Z", "#repo": "main", "#type": "none", "hec_case": marker}
    assert found == {
        kv: {
            "@rawstring": kv,
            "@timestamp": 1537537729500,
            "@timezone": "+02:00",
            "#repo": "main",
            "#type": "kv",
            "hec_case": marker,
            "#env": "prod",
            "k": "fields",
            "u": "http://h/?p=1",
            "a": "b",
            "bar": "1",
            "q": "x y",
            "c": "c:\\temp",
            "e": "",
            "m": "2",
            "w": "1",
        },
        '{"b":1.50,"a":[1e2,true,null],"s":"é/"}': {
            "@rawstring": '{"b":1.50,"a":[1e2,true,null],"s":"é/"}',
            **common,
            "b": "1.50",
            "a[0]": "1e2",
            "a[1]": "true",
            "a[2]": "null",
            "s": "é/",
            "@error": "true",
            "@error_msg": "time true is not a number of seconds. Setting it to now",
        },
        "plain": {"@rawstring": "plain", **common},
        '[1,"a"]': {
            "@rawstring": '[1,"a"]',
            **common,
            "[0]": "1",
            "[1]": "a",
            "@error": "true",
            "@error_msg": "timestamp was set to a value in the future. Setting it to now",
        },
        "10.0.0.1 GET /x k=v": {
            "@rawstring": "10.0.0.1 GET /x k=v",
            **common,
            "#type": "access",
            "client": "10.0.0.1",
            "verb": "GET",
            "path": "/x",
            "k": "v",
        },
    }


@pytest.mark.spec("IDX-4", profile="humio")
def test_change_repo_on_events(caps_server, marker):
    content = body(envelope(marker, "moved", index="audit"), envelope(marker, "stays", index="nosuch"))
    assert answer(caps_server.post("/services/collector", content)) == OK
    for repo, expected in (("audit", [("moved", "audit")]), ("main", [("stays", "main")])):
        found = caps_server.query(f"hec_case={marker}", repo=repo)
        assert [(e["@rawstring"], e["#repo"]) for e in found] == expected


@pytest.mark.spec("LIM-1", "LIM-2", profile="humio")
def test_limits(server, marker):
    text = "k=v " + "é" * (600 * 1024)  # 1,228,804 bytes
    long = {"event": text, "host": "h", "fields": {"hec_case": marker, "f": "1"}}
    members = {f"n{i:05d}": i for i in range(8100)}
    wide = {"event": members, "fields": {"hec_case": marker, "f": "2"}}
    assert answer(server.post("/services/collector", body(long, wide))) == OK
    first, second = server.query(f"hec_case={marker}")
    cut = text.encode()[: 1024 * 1024 - 3].decode("utf-8", "ignore") + "..."
    assert first["@rawstring"] == cut and len(first["@rawstring"].encode()) <= 1024 * 1024
    assert (first["@host"], first["f"]) == ("h", "1") and "k" not in first
    assert len(second) == 8000 and second["f"] == "2"
    kept = sorted(k for k in second if k.startswith("n"))
    assert kept == sorted(members)[: len(kept)] and len(kept) > 7900
