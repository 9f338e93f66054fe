"""SPEC §2: schemes, missing/invalid/unknown/disabled tokens, query-string tokens (AUTH-1..9)."""

from __future__ import annotations

import base64
import json

import pytest
from serverkit import OK, answer, envelope, hec, launch, raw_post

INVALID_AUTH = hec(401, 3, "Invalid authorization")


def basic(password: str, user: str = "anyone") -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def send(srv, marker, authorization=None, path="/services/collector", **kw):
    headers = {} if authorization is None else {"Authorization": authorization}
    return srv.post(path, json.dumps(envelope(marker)), role=None, headers=headers, **kw)


def stored(srv, marker) -> int:
    return len(srv.query(f"hec_case={marker}"))


@pytest.mark.parametrize(
    "form", ["Splunk {t}", "Bearer {t}", "bearer {t}", "SPLUNK {t}", "sPlUnK    {t}", "Basic"]
)
@pytest.mark.spec("AUTH-1", "AUTH-2", "AUTH-3", "AUTH-4", profile="humio")
def test_accepted_forms_humio(server, marker, form):
    token = server.token()
    authorization = basic(token) if form == "Basic" else form.format(t=token)
    assert answer(send(server, marker, authorization)) == OK
    assert stored(server, marker) == 1


@pytest.mark.spec("AUTH-2", profile="humio")
def test_surrounding_whitespace_is_ignored(server, marker):
    body = json.dumps(envelope(marker)).encode()
    header = f"Authorization: \t Splunk   {server.token()} \t"
    assert raw_post(server.url, "/services/collector", body, header) == OK
    assert stored(server, marker) == 1


@pytest.mark.spec("AUTH-3", "AUTH-4", profile="humio")
def test_basic_with_lower_case_scheme_and_colon_in_user_part(server, marker):
    token = server.token()
    raw = base64.b64encode(f"x:{token}".encode()).decode()
    assert answer(send(server, marker, f"basic {raw}")) == OK


@pytest.mark.parametrize(
    "authorization",
    [
        "Token abc",
        "Splunk",
        "Splunk   ",
        "justatoken",
        "",
        "Basic !!!notbase64",
        "Basic " + base64.b64encode(b"nocolon").decode(),
    ],
)
@pytest.mark.spec("AUTH-6", "AUTH-9", profile="humio")
def test_invalid_authorization(server, marker, authorization):
    body = json.dumps(envelope(marker)).encode()
    header = f"Authorization: {authorization}"
    assert raw_post(server.url, "/services/collector", body, header) == INVALID_AUTH
    assert stored(server, marker) == 0


@pytest.mark.spec("AUTH-3", "AUTH-6", profile="humio")
def test_basic_without_capability_is_an_unknown_scheme(tmp_path, marker):
    cfg = "repositories: [main]\ntokens: [{token: t1, repository: main, role: default}]\nread_tokens: [r1]\n"
    srv = launch(tmp_path, config=cfg)
    try:
        assert answer(send(srv, marker, basic("t1"))) == INVALID_AUTH
        assert answer(send(srv, marker, "Splunk t1")) == OK
    finally:
        srv.stop()


@pytest.mark.spec("AUTH-5", "AUTH-9", profile="humio")
def test_missing_header(server, marker):
    assert answer(send(server, marker)) == hec(401, 2, "Token is required")
    assert stored(server, marker) == 0


@pytest.mark.spec("AUTH-7", "AUTH-9", profile="humio")
def test_unknown_and_disabled_tokens(server, marker):
    assert answer(send(server, marker, "Splunk no-such-token")) == hec(403, 4, "Invalid token")
    assert answer(send(server, marker, f"Splunk {server.token('disabled')}")) == hec(403, 1, "Token disabled")
    assert answer(send(server, marker, basic("no-such-token"))) == hec(403, 4, "Invalid token")
    # A read token is not an ingest token.
    read_token = server.target["readback"]["token"]
    assert answer(send(server, marker, f"Splunk {read_token}")) == hec(403, 4, "Invalid token")
    assert stored(server, marker) == 0


@pytest.mark.spec("AUTH-1", "AUTH-2", "AUTH-3", profile="splunk")
def test_splunk_profile_rejects_bearer(splunk_server, marker):
    token = splunk_server.token()
    assert answer(send(splunk_server, marker, f"Bearer {token}")) == INVALID_AUTH
    assert answer(send(splunk_server, marker, f"Splunk {token}")) == OK
    assert answer(send(splunk_server, marker, basic(token))) == OK
    assert stored(splunk_server, marker) == 2


@pytest.mark.spec("AUTH-8", "AUTH-9", profile="humio")
def test_query_token_without_capability_is_code_16_whatever_the_header(server, marker):
    code16 = hec(400, 16, "Query string authorization is not enabled")
    token = server.token()
    assert answer(send(server, marker, params={"token": token})) == code16
    assert answer(send(server, marker, f"Splunk {token}", params={"token": token})) == code16
    assert answer(send(server, marker, "garbage", params={"token": ""})) == code16
    assert stored(server, marker) == 0


@pytest.mark.spec("AUTH-8", "RAW-4", profile="humio")
def test_query_token_with_capability(caps_server, marker):
    token = caps_server.token()
    assert answer(send(caps_server, marker, params={"token": token})) == OK
    assert answer(send(caps_server, marker, params={"token": "nope"})) == hec(403, 4, "Invalid token")
    # The header wins over the query parameter, both ways.
    assert answer(send(caps_server, marker, f"Splunk {token}", params={"token": "nope"})) == OK
    invalid = hec(403, 4, "Invalid token")
    assert answer(send(caps_server, marker, "Splunk nope", params={"token": token})) == invalid
    raw = caps_server.post(
        "/services/collector/raw", b"line", role=None, params={"token": token, "channel": marker}
    )
    assert answer(raw) == OK
    assert stored(caps_server, marker) == 2 and len(caps_server.query(f"channel={marker}")) == 1


@pytest.mark.spec("AUTH-9", profile="humio")
def test_failed_auth_does_not_parse_the_body(server):
    r = server.post("/services/collector", b"{not json", role=None, headers={"Authorization": "Splunk nope"})
    assert answer(r) == hec(403, 4, "Invalid token")
