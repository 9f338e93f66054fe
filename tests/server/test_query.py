"""SPEC §9: the read-back query API (QRY-1..5)."""

from __future__ import annotations

import json
import time

import pytest
from serverkit import FAR_END, OK, answer, envelope

QUERY = "/api/v1/repositories/{}/query"


def post_query(srv, body, repo="main", token=None, accept="application/json"):
    token = token if token is not None else srv.target["readback"]["token"]
    headers = {"Accept": accept}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return srv.client.post(QUERY.format(repo), content=json.dumps(body), headers=headers)


def ingest(srv, *envelopes, role="default"):
    r = srv.post("/services/collector", "".join(json.dumps(e) for e in envelopes), role=role)
    assert answer(r) == OK


def raws(srv, q: str) -> list[str]:
    return [e["@rawstring"] for e in srv.query(q)]


@pytest.mark.spec("QRY-1", "QRY-5", "TIME-1", "EVT-3", profile="humio")
def test_order_types_and_fields(server, marker):
    ingest(
        server,
        envelope(marker, "third", time=30),
        envelope(marker, "first", time=10),
        envelope(marker, {"n": 1.50, "deep": {"x": True}}, time=20),
        envelope(marker, "tie-a", time=30),
    )
    ingest(server, envelope(marker, "tie-b", time=30))
    found = server.query(f"hec_case={marker}")
    assert [e["@timestamp"] for e in found] == [10000, 20000, 30000, 30000, 30000]
    expected = ["first", '{"n":1.5,"deep":{"x":true}}', "third", "tie-a", "tie-b"]
    assert [e["@rawstring"] for e in found] == expected
    for e in found:
        assert type(e["@timestamp"]) is int
        assert all(type(v) is str for k, v in e.items() if k != "@timestamp")
        assert int(e["@ingesttimestamp"]) == pytest.approx(time.time() * 1000, abs=60_000)
    assert found[1]["deep.x"] == "true" and found[1]["n"] == "1.5"
    assert len({e["@id"] for e in found}) == 5


@pytest.mark.spec("QRY-2", "FLD-1", profile="humio")
def test_terms(server, marker):
    ingest(
        server,
        envelope(marker, "a", fields={"hec_case": marker, "say": 'he said "hi" \\ ok', "k": "v"}),
        envelope(marker, "b", fields={"hec_case": marker, "k": "w"}),
        envelope(marker, "c", fields={"hec_case": marker, "k": "*"}),
    )
    assert raws(server, f"hec_case={marker}") == ["a", "b", "c"]
    assert raws(server, f'  hec_case="{marker}"   k=v ') == ["a"]
    assert raws(server, f'hec_case={marker} say="he said \\"hi\\" \\\\ ok"') == ["a"]
    assert raws(server, f"hec_case={marker} say=*") == ["a"]
    assert raws(server, f'hec_case={marker} k="*"') == ["c"]
    assert raws(server, f"* hec_case={marker} k=w") == ["b"]
    assert raws(server, f"hec_case={marker} k=nothing") == []
    assert raws(server, f"hec_case={marker} missing=*") == []
    assert raws(server, f"k=v hec_case={marker}") == ["a"]  # the marker need not come first


@pytest.mark.spec("QRY-2", "EVT-3", profile="humio")
def test_terms_on_any_field_name(server, marker):
    ingest(server, envelope(marker, {"host": {"ip": "10.0.0.1"}, "odd name": "x"}), envelope(marker, "plain"))
    structured = '{"host":{"ip":"10.0.0.1"},"odd name":"x"}'
    assert raws(server, f"hec_case={marker} host.ip=10.0.0.1") == [structured]
    assert raws(server, f"#repo=main hec_case={marker} #type=none") == [structured, "plain"]
    assert len(raws(server, f"hec_case={marker} host.ip=*")) == 1
    assert raws(server, f"hec_case={marker} @rawstring=plain") == ["plain"]


@pytest.mark.spec("QRY-2", profile="humio")
def test_fields_by_id_and_timestamp(server, marker):
    ingest(server, envelope(marker, "a"))
    first = server.query(f"hec_case={marker}")[0]
    assert raws(server, f"hec_case={marker} @id={first['@id']} @timestamp={first['@timestamp']}") == ["a"]


@pytest.mark.spec("QRY-1", "QRY-2", "IDX-1", profile="humio")
def test_star_and_repository_scope(server, marker):
    ingest(server, envelope(marker, "in audit"), role="other_repo")
    audit = server.query(f"hec_case={marker}", repo="audit")
    assert [e["#repo"] for e in audit] == ["audit"]
    assert not server.query(f"hec_case={marker}")
    assert any(e.get("hec_case") == marker for e in server.query("*", repo="audit"))


@pytest.mark.spec("QRY-1", profile="humio")
def test_start_and_end_bound_the_timestamp(server, marker):
    ingest(server, *(envelope(marker, str(t), time=t) for t in (100, 200, 300)))
    q = f"hec_case={marker}"

    def window(start, end):
        r = post_query(server, {"queryString": q, "start": start, "end": end, "isLive": False})
        assert r.status_code == 200, r.text
        return [e["@rawstring"] for e in r.json()]

    assert window(0, FAR_END) == ["100", "200", "300"]
    assert window(200_000, 300_000) == ["200", "300"]
    assert window(150_000, 250_000) == ["200"]
    assert window("0", "1h") == ["100", "200", "300"]
    assert window("24h", "now") == []
    ingest(server, envelope(marker, "now"))
    assert window("24h", FAR_END) == ["now"]
    assert window("5 minutes", FAR_END) == ["now"]


@pytest.mark.spec("QRY-3", profile="humio")
def test_ndjson(server, marker):
    ingest(server, envelope(marker, "x"), envelope(marker, "y"))
    r = post_query(
        server,
        {"queryString": f"hec_case={marker}", "start": 0, "end": FAR_END},
        accept="application/x-ndjson",
    )
    assert r.status_code == 200 and r.headers["content-type"] == "application/x-ndjson"
    assert [json.loads(line)["@rawstring"] for line in r.text.splitlines()] == ["x", "y"]


@pytest.mark.spec("QRY-4", profile="humio")
def test_authentication_and_repository(server):
    body = {"queryString": "*", "start": 0, "end": FAR_END}
    assert post_query(server, body, token="").status_code == 401
    assert post_query(server, body, token="nope").status_code == 401
    assert post_query(server, body, token=server.token()).status_code == 401
    r = server.client.post(
        QUERY.format("main"),
        json=body,
        headers={"Authorization": f"Splunk {server.target['readback']['token']}"},
    )
    assert r.status_code == 401
    assert post_query(server, body, repo="nosuchrepo").status_code == 404
    assert post_query(server, body, repo="nosuchrepo", token="nope").status_code == 401


@pytest.mark.parametrize(
    "body",
    [
        {"queryString": "justaword"},
        {"queryString": "=v"},
        {"queryString": 'a="open'},
        {"queryString": 5},
        {"queryString": "*", "start": "yesterday"},
        {"queryString": "*", "end": 1.5},
        [1],
    ],
)
def test_bad_requests_are_400(server, body):
    r = post_query(server, body)
    assert r.status_code == 400 and r.json()["code"] == 400


def test_result_size_is_bounded(tight_server, marker):
    for _ in range(2):
        body = "".join(json.dumps(envelope(marker, str(i))) for i in range(5))
        assert answer(tight_server.post("/services/collector", body)) == OK
    assert len(tight_server.query(f"hec_case={marker}")) == 10
    assert answer(tight_server.post("/services/collector", json.dumps(envelope(marker)))) == OK
    r = post_query(tight_server, {"queryString": f"hec_case={marker}", "start": 0, "end": FAR_END})
    assert r.status_code == 400 and "more than 10 events" in r.json()["text"]


@pytest.mark.spec("QRY-4", profile="humio")
def test_ingest_token_cannot_read(server, marker):
    ingest(server, envelope(marker))
    r = server.client.post(
        QUERY.format("main"),
        json={"queryString": "*", "start": 0, "end": FAR_END},
        headers={"Authorization": f"Bearer {server.token()}"},
    )
    assert r.status_code == 401 and marker not in r.text
